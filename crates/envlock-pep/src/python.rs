//! The CPython version of a target.

use std::fmt;
use std::str::FromStr;

use pep440_rs::Version;

/// The oldest CPython minor envlock targets. Tags for 3.0–3.2 depend on the
/// interpreter's unicode build (`cp32mu`), which a version alone cannot say.
const OLDEST_MINOR: u8 = 3;

/// A CPython 3 version: `3.<minor>` or `3.<minor>.<patch>`.
///
/// Ordering compares minor then patch, with a bare `3.8` sorting before
/// `3.8.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PythonVersion {
    minor: u8,
    patch: Option<u16>,
}

/// Why a Python version string was rejected. Every variant names the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PythonVersionError {
    /// Not of the form `3.<minor>` or `3.<minor>.<patch>` with decimal numbers.
    #[error(
        "invalid Python version `{input}`: expected 3.<minor> or 3.<minor>.<patch> \
         with decimal numbers, e.g. 3.12 or 3.8.18"
    )]
    Malformed {
        /// The rejected input.
        input: String,
    },
    /// A major version other than 3.
    #[error("unsupported Python version `{input}`: envlock targets CPython 3 (3.3 or newer)")]
    NotPython3 {
        /// The rejected input.
        input: String,
    },
    /// CPython 3.0 to 3.2.
    #[error("unsupported Python version `{input}`: envlock targets CPython 3.3 or newer")]
    TooOld {
        /// The rejected input.
        input: String,
    },
}

impl PythonVersion {
    /// Parses `3.<minor>` or `3.<minor>.<patch>` (surrounding whitespace ignored).
    pub fn parse(input: &str) -> Result<PythonVersion, PythonVersionError> {
        let malformed = || PythonVersionError::Malformed {
            input: input.to_owned(),
        };
        let parts: Vec<&str> = input.trim().split('.').collect();
        if !(2..=3).contains(&parts.len())
            || parts
                .iter()
                .any(|part| part.is_empty() || !part.bytes().all(|byte| byte.is_ascii_digit()))
        {
            return Err(malformed());
        }
        let major: u32 = parts[0].parse().map_err(|_| malformed())?;
        if major != 3 {
            return Err(PythonVersionError::NotPython3 {
                input: input.to_owned(),
            });
        }
        let minor: u8 = parts[1].parse().map_err(|_| malformed())?;
        if minor < OLDEST_MINOR {
            return Err(PythonVersionError::TooOld {
                input: input.to_owned(),
            });
        }
        let patch = match parts.get(2) {
            Some(patch) => Some(patch.parse::<u16>().map_err(|_| malformed())?),
            None => None,
        };
        Ok(PythonVersion { minor, patch })
    }

    /// The major version (always 3).
    pub fn major(&self) -> u8 {
        3
    }

    /// The minor version.
    pub fn minor(&self) -> u8 {
        self.minor
    }

    /// The patch version, if one was given.
    pub fn patch(&self) -> Option<u16> {
        self.patch
    }

    /// The CPython interpreter tag, e.g. `cp310`.
    pub fn interpreter_tag(&self) -> String {
        format!("cp3{}", self.minor)
    }

    /// The `python_version` marker value, `3.<minor>`.
    pub fn python_version(&self) -> Version {
        Version::new([3, u64::from(self.minor)])
    }

    /// The `python_full_version` marker value: `3.<minor>.<patch>`, or
    /// `3.<minor>.0` when no patch was given.
    pub fn full_version(&self) -> Version {
        Version::new([3, u64::from(self.minor), u64::from(self.patch.unwrap_or(0))])
    }
}

impl fmt::Display for PythonVersion {
    /// Writes the version as given: `3.8` or `3.8.18`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.patch {
            Some(patch) => write!(f, "3.{}.{patch}", self.minor),
            None => write!(f, "3.{}", self.minor),
        }
    }
}

impl FromStr for PythonVersion {
    type Err = PythonVersionError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        PythonVersion::parse(input)
    }
}

impl serde::Serialize for PythonVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PythonVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        PythonVersion::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_minor_and_patch() {
        let version = PythonVersion::parse("3.8").unwrap();
        assert_eq!((version.minor(), version.patch()), (8, None));
        assert_eq!(version.to_string(), "3.8");
        assert_eq!(version.interpreter_tag(), "cp38");
        assert_eq!(version.full_version().to_string(), "3.8.0");

        let version = PythonVersion::parse(" 3.8.18 ").unwrap();
        assert_eq!((version.minor(), version.patch()), (8, Some(18)));
        assert_eq!(version.to_string(), "3.8.18");
        assert_eq!(version.python_version().to_string(), "3.8");
        assert_eq!(version.full_version().to_string(), "3.8.18");
        assert_eq!(
            PythonVersion::parse("3.13").unwrap().interpreter_tag(),
            "cp313"
        );
    }

    #[test]
    fn rejects_bad_input_with_named_errors() {
        let cases = [
            ("2.7", "envlock targets CPython 3"),
            ("4.0", "envlock targets CPython 3"),
            ("3.2", "3.3 or newer"),
            ("3", "expected 3.<minor>"),
            ("", "expected 3.<minor>"),
            ("3.", "expected 3.<minor>"),
            ("3.x", "expected 3.<minor>"),
            ("3.8.18.1", "expected 3.<minor>"),
            ("3.8rc1", "expected 3.<minor>"),
            ("3.-1", "expected 3.<minor>"),
            ("3.300", "expected 3.<minor>"),
            ("3.8.99999999", "expected 3.<minor>"),
            ("python3.8", "expected 3.<minor>"),
            ("99999999999999999999.1", "expected 3.<minor>"),
        ];
        for (input, needle) in cases {
            let message = PythonVersion::parse(input).unwrap_err().to_string();
            assert!(message.contains(&format!("`{input}`")), "{message}");
            assert!(message.contains(needle), "{input}: {message}");
        }
    }

    #[test]
    fn ordering_is_numeric() {
        let parse = |text| PythonVersion::parse(text).unwrap();
        assert!(parse("3.9") < parse("3.10"));
        assert!(parse("3.8") < parse("3.8.0"));
        assert!(parse("3.8.2") < parse("3.8.10"));
    }
}
