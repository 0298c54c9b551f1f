//! One PEP 425 tag: plain data that both a target's tag list ([`Tags`])
//! and a wheel's file name ([`WheelFilename`]) are made of.
//!
//! [`Tags`]: crate::Tags
//! [`WheelFilename`]: crate::WheelFilename

use std::fmt;

/// One PEP 425 tag triple: `{interpreter}-{abi}-{platform}`, all lowercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    interpreter: String,
    abi: String,
    platform: String,
}

impl Tag {
    /// Builds a tag, lowercasing each part as PEP 425 comparisons require.
    pub fn new(interpreter: &str, abi: &str, platform: &str) -> Tag {
        Tag {
            interpreter: interpreter.to_ascii_lowercase(),
            abi: abi.to_ascii_lowercase(),
            platform: platform.to_ascii_lowercase(),
        }
    }

    /// The interpreter part, e.g. `cp310` or `py3`.
    pub fn interpreter(&self) -> &str {
        &self.interpreter
    }

    /// The ABI part, e.g. `cp310`, `abi3` or `none`.
    pub fn abi(&self) -> &str {
        &self.abi
    }

    /// The platform part, e.g. `manylinux_2_17_x86_64` or `any`.
    pub fn platform(&self) -> &str {
        &self.platform
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.interpreter, self.abi, self.platform)
    }
}
