//! A target: the CPython version and platform a lock and a wheelhouse are
//! built for.

use std::fmt;

use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};

use crate::platform::{Arch, Platform, PlatformFamily};
use crate::python::PythonVersion;
use crate::tags::Tags;

/// A CPython version on a platform, with a name (by default
/// `cp310-manylinux_2_28_x86_64`) and the PEP 508 marker environment of such
/// an interpreter.
///
/// The marker environment uses these values:
///
/// | marker | value |
/// |---|---|
/// | `python_version` | `3.<minor>` |
/// | `python_full_version`, `implementation_version` | `3.<minor>.<patch>`, or `3.<minor>.0` when the target gives no patch |
/// | `implementation_name` | `cpython` |
/// | `platform_python_implementation` | `CPython` |
/// | `sys_platform` | `linux` (manylinux, musllinux, linux), `darwin`, `win32` |
/// | `os_name` | `posix`, or `nt` on Windows |
/// | `platform_system` | `Linux`, `Darwin`, `Windows` |
/// | `platform_machine` | see below |
/// | `platform_release`, `platform_version` | empty: they describe a kernel build no target pins down |
///
/// `platform_machine` is what CPython's `platform.machine()` reports on such
/// a machine: the Linux spelling (`x86_64`, `i686`, `aarch64`, `armv7l`,
/// `ppc64le`, …) on Linux; `x86_64` or `arm64` on macOS; `AMD64`, `x86` or
/// `ARM64` for `win_amd64`, `win32`, `win_arm64`. Two values are choices:
/// a `universal2` macOS target uses `arm64` (it must run on Apple silicon,
/// and markers can only hold one value), and `win32` uses `x86`, what a
/// 32-bit Windows reports — a 32-bit Python on 64-bit Windows reports
/// `AMD64`, because the value describes the machine, not the interpreter.
#[derive(Debug, Clone)]
pub struct Target {
    name: String,
    python: PythonVersion,
    platform: Platform,
    markers: MarkerEnvironment,
}

/// A marker environment could not be built for a target. The values are
/// generated from validated numbers, so this indicates a bug, but it is
/// reported rather than panicking.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot build the marker environment for target `{target}`: {source}")]
pub struct TargetError {
    target: String,
    #[source]
    source: pep440_rs::VersionParseError,
}

impl Target {
    /// A target with the default name `cp<XY>-<canonical platform>`.
    pub fn new(python: PythonVersion, platform: Platform) -> Result<Target, TargetError> {
        let name = format!("{}-{platform}", python.interpreter_tag());
        let markers = marker_environment(python, &platform).map_err(|source| TargetError {
            target: name.clone(),
            source,
        })?;
        Ok(Target {
            name,
            python,
            platform,
            markers,
        })
    }

    /// The same target under another name.
    pub fn with_name(mut self, name: impl Into<String>) -> Target {
        self.name = name.into();
        self
    }

    /// The target's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The CPython version.
    pub fn python(&self) -> PythonVersion {
        self.python
    }

    /// The platform.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// The ordered PEP 425 tag list of this target (computed on each call;
    /// keep the result when ranking many files).
    pub fn tags(&self) -> Tags {
        Tags::new(self.python, &self.platform)
    }

    /// The PEP 508 marker environment of this target (see the type's docs
    /// for the values).
    pub fn marker_environment(&self) -> &MarkerEnvironment {
        &self.markers
    }
}

impl fmt::Display for Target {
    /// Writes the target's name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl PartialEq for Target {
    fn eq(&self, other: &Self) -> bool {
        // The marker environment is derived from python and platform.
        self.name == other.name && self.python == other.python && self.platform == other.platform
    }
}

impl Eq for Target {}

/// `platform.machine()` as CPython reports it on the platform.
fn platform_machine(platform: &Platform) -> &'static str {
    let arch = platform.arch();
    match platform.family() {
        PlatformFamily::Windows => match arch {
            Arch::X86 => "x86",
            Arch::Aarch64 => "ARM64",
            _ => "AMD64",
        },
        PlatformFamily::Macos => match arch {
            Arch::X86_64 => "x86_64",
            _ => "arm64",
        },
        // Linux reports the same spelling its platform tags use.
        PlatformFamily::Manylinux | PlatformFamily::Musllinux | PlatformFamily::Linux => {
            // Not constructible on Linux; the macOS choice keeps this total.
            arch.linux_name().unwrap_or("arm64")
        }
    }
}

fn marker_environment(
    python: PythonVersion,
    platform: &Platform,
) -> Result<MarkerEnvironment, pep440_rs::VersionParseError> {
    let (sys_platform, os_name, platform_system) = match platform.family() {
        PlatformFamily::Windows => ("win32", "nt", "Windows"),
        PlatformFamily::Macos => ("darwin", "posix", "Darwin"),
        PlatformFamily::Manylinux | PlatformFamily::Musllinux | PlatformFamily::Linux => {
            ("linux", "posix", "Linux")
        }
    };
    let python_version = python.python_version().to_string();
    let full_version = python.full_version().to_string();
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: &full_version,
        os_name,
        platform_machine: platform_machine(platform),
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system,
        platform_version: "",
        python_full_version: &full_version,
        python_version: &python_version,
        sys_platform,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pep508_rs::Requirement;
    use std::str::FromStr;

    fn target(python: &str, platform: &str) -> Target {
        Target::new(
            PythonVersion::parse(python).unwrap(),
            Platform::parse(platform).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn default_name_uses_canonical_platform() {
        assert_eq!(
            target("3.10", "manylinux").name(),
            "cp310-manylinux_2_28_x86_64"
        );
        assert_eq!(
            target("3.8.18", "manylinux2014_aarch64").name(),
            "cp38-manylinux_2_17_aarch64"
        );
        assert_eq!(target("3.12", "win32").with_name("legacy").name(), "legacy");
    }

    #[test]
    fn werkzeug_gate_follows_the_target_python() {
        let requirement: Requirement =
            Requirement::from_str("werkzeug>2,<3.0 ; python_version < '3.9'").unwrap();
        let old = target("3.8", "manylinux_2_28_x86_64");
        let new = target("3.10", "manylinux_2_28_x86_64");
        assert!(requirement.evaluate_markers(old.marker_environment(), &[]));
        assert!(!requirement.evaluate_markers(new.marker_environment(), &[]));
    }

    #[test]
    fn environment_values() {
        let env = target("3.11", "win_arm64");
        let env = env.marker_environment();
        assert_eq!(env.platform_machine(), "ARM64");
        assert_eq!(env.sys_platform(), "win32");
        assert_eq!(env.os_name(), "nt");
        assert_eq!(env.python_full_version().to_string(), "3.11.0");
        let mac = target("3.12.4", "macosx_14_0_universal2");
        assert_eq!(mac.marker_environment().platform_machine(), "arm64");
        assert_eq!(
            mac.marker_environment()
                .implementation_version()
                .to_string(),
            "3.12.4"
        );
    }
}
