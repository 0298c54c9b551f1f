//! Relocatable CPython archives: python-build-standalone's `install_only`
//! file names, and whether an archive's triple fits a target's platform.
//!
//! The file name grammar is the release naming of python-build-standalone:
//! `cpython-<X.Y.Z>+<YYYYMMDD>-<triple>-install_only.tar.gz` (or
//! `install_only_stripped`), where the triple is `<arch>-<vendor>-<os>` with
//! an optional `-<env>` (`x86_64-unknown-linux-gnu`,
//! `aarch64-apple-darwin`, `x86_64-pc-windows-msvc`). The archive unpacks
//! to `python/` (`python/bin/python3`, `python/lib/…`).

use std::fmt;

use crate::platform::{Arch, Platform, PlatformFamily};
use crate::python::PythonVersion;

/// The glibc minor python-build-standalone's `*-linux-gnu` builds need
/// (glibc 2.17, the manylinux2014 floor), as its documentation states.
pub const STANDALONE_GLIBC_MINOR: u16 = 17;

/// The suffixes an `install_only` archive name ends with.
const SUFFIXES: [&str; 2] = ["-install_only_stripped.tar.gz", "-install_only.tar.gz"];

/// A parsed `install_only` archive name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterpreterArchive {
    /// The whole file name.
    pub file: String,
    /// The exact CPython version (`3.12.7`; always with a patch number).
    pub version: PythonVersion,
    /// The release (build) date, `YYYYMMDD`.
    pub build: String,
    /// The target triple (`x86_64-unknown-linux-gnu`).
    pub triple: Triple,
}

/// Why a name is not an `install_only` archive name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{name}` is not a python-build-standalone archive name: {reason}; expected \
     cpython-<X.Y.Z>+<YYYYMMDD>-<triple>-install_only.tar.gz, e.g. \
     cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz"
)]
pub struct ArchiveNameError {
    /// The rejected name.
    pub name: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A target triple as python-build-standalone spells it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Triple(String);

/// What a triple says about the machine it runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum System {
    LinuxGnu,
    LinuxMusl,
    Darwin,
    WindowsMsvc,
}

impl Triple {
    /// Parses `<arch>-<vendor>-<os>[-<env>]` of a known system.
    pub fn parse(text: &str) -> Result<Triple, String> {
        let triple = Triple(text.to_owned());
        triple.arch()?;
        triple.system()?;
        Ok(triple)
    }

    /// The triple as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The architecture (`x86_64_v2`, `x86_64_v3`, … are `x86_64`).
    fn arch(&self) -> Result<Arch, String> {
        let arch = self.0.split('-').next().unwrap_or_default();
        Ok(match arch {
            "x86_64" | "x86_64_v2" | "x86_64_v3" | "x86_64_v4" => Arch::X86_64,
            "i686" => Arch::X86,
            "aarch64" => Arch::Aarch64,
            "armv7" => Arch::Armv7l,
            "ppc64le" => Arch::Ppc64le,
            "s390x" => Arch::S390x,
            "riscv64" => Arch::Riscv64,
            "loongarch64" => Arch::Loongarch64,
            other => return Err(format!("unknown architecture `{other}` in triple `{self}`")),
        })
    }

    fn system(&self) -> Result<System, String> {
        let parts: Vec<&str> = self.0.split('-').collect();
        match parts.as_slice() {
            [_, "unknown", "linux", env] if env.starts_with("gnu") => Ok(System::LinuxGnu),
            [_, "unknown", "linux", env] if env.starts_with("musl") => Ok(System::LinuxMusl),
            [_, "apple", "darwin"] => Ok(System::Darwin),
            [_, "pc", "windows", env, ..] if env.starts_with("msvc") => Ok(System::WindowsMsvc),
            _ => Err(format!(
                "triple `{self}` is not one of <arch>-unknown-linux-gnu, \
                 <arch>-unknown-linux-musl, <arch>-apple-darwin or <arch>-pc-windows-msvc"
            )),
        }
    }

    /// The triple python-build-standalone names its build for a platform:
    /// manylinux → `<arch>-unknown-linux-gnu`, musllinux →
    /// `<arch>-unknown-linux-musl`, macOS → `<arch>-apple-darwin`, Windows →
    /// `<arch>-pc-windows-msvc`. `None` where no single build fits (a plain
    /// `linux_<arch>` or a `universal2` macOS platform): give the archive's
    /// URL instead.
    pub fn for_platform(platform: &Platform) -> Option<Triple> {
        let arch = match platform.arch() {
            Arch::X86_64 => "x86_64",
            Arch::X86 => "i686",
            Arch::Aarch64 => "aarch64",
            Arch::Armv7l => "armv7",
            Arch::Ppc64le => "ppc64le",
            Arch::S390x => "s390x",
            Arch::Riscv64 => "riscv64",
            Arch::Loongarch64 => "loongarch64",
            Arch::Ppc64 | Arch::Universal2 => return None,
        };
        let system = match platform.family() {
            PlatformFamily::Manylinux if platform.arch() == Arch::Armv7l => {
                "unknown-linux-gnueabihf"
            }
            PlatformFamily::Manylinux => "unknown-linux-gnu",
            PlatformFamily::Musllinux => "unknown-linux-musl",
            PlatformFamily::Macos => "apple-darwin",
            PlatformFamily::Windows => "pc-windows-msvc",
            PlatformFamily::Linux => return None,
        };
        Some(Triple(format!("{arch}-{system}")))
    }

    /// Whether an interpreter of this triple runs on `platform`: `Ok` with
    /// a warning to show when it runs with a limit, `Err` saying why not.
    pub fn fits(&self, platform: &Platform) -> Result<Option<String>, String> {
        let arch = self.arch()?;
        let system = self.system()?;
        let wanted = platform.arch();
        let arch_fits = arch == wanted
            || (wanted == Arch::Universal2 && matches!(arch, Arch::X86_64 | Arch::Aarch64));
        if !arch_fits {
            return Err(format!(
                "the archive is built for {arch} (triple `{self}`), and the target's platform \
                 `{platform}` is {wanted}"
            ));
        }
        let family = platform.family();
        let (expected, fits) = match family {
            PlatformFamily::Manylinux => {
                ("a `*-unknown-linux-gnu` build", system == System::LinuxGnu)
            }
            PlatformFamily::Musllinux => (
                "a `*-unknown-linux-musl` build",
                system == System::LinuxMusl,
            ),
            PlatformFamily::Macos => ("a `*-apple-darwin` build", system == System::Darwin),
            PlatformFamily::Windows => {
                ("a `*-pc-windows-msvc` build", system == System::WindowsMsvc)
            }
            PlatformFamily::Linux => (
                "a `*-unknown-linux-gnu` or `*-unknown-linux-musl` build",
                matches!(system, System::LinuxGnu | System::LinuxMusl),
            ),
        };
        if !fits {
            return Err(format!(
                "the archive's triple `{self}` does not fit the {family} platform `{platform}`, \
                 which needs {expected}"
            ));
        }
        self.limits(system, platform)
    }

    /// The glibc floor, and the warnings for musl and `universal2`.
    fn limits(&self, system: System, platform: &Platform) -> Result<Option<String>, String> {
        if let Some(minor) = platform.glibc_minor()
            && minor < STANDALONE_GLIBC_MINOR
        {
            return Err(format!(
                "python-build-standalone's `{self}` builds need glibc 2.{STANDALONE_GLIBC_MINOR}, \
                 and the target's platform `{platform}` promises only glibc 2.{minor}; \
                 target manylinux_2_{STANDALONE_GLIBC_MINOR} or newer"
            ));
        }
        if system == System::LinuxMusl {
            return Ok(Some(format!(
                "the `{self}` build is statically linked: it cannot load extension modules, \
                 so packages with compiled code (wheels with .so files) will not import"
            )));
        }
        if platform.arch() == Arch::Universal2 {
            return Ok(Some(format!(
                "the target `{platform}` is universal2, and the archive `{self}` runs only on \
                 {} Macs",
                self.arch()
                    .map_or_else(|_| "one kind of".to_owned(), |arch| arch.to_string())
            )));
        }
        Ok(None)
    }
}

impl fmt::Display for Triple {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl InterpreterArchive {
    /// The archive name for a version, build date and triple.
    pub fn file_name(version: &PythonVersion, build: &str, triple: &Triple) -> String {
        format!("cpython-{version}+{build}-{triple}-install_only.tar.gz")
    }

    /// Parses an `install_only` archive name.
    pub fn parse(name: &str) -> Result<InterpreterArchive, ArchiveNameError> {
        let failed = |reason: String| ArchiveNameError {
            name: name.to_owned(),
            reason,
        };
        let rest = name
            .strip_prefix("cpython-")
            .ok_or_else(|| failed("it does not start with `cpython-`".to_owned()))?;
        let rest = SUFFIXES
            .iter()
            .find_map(|suffix| rest.strip_suffix(suffix))
            .ok_or_else(|| failed("it does not end with `-install_only.tar.gz`".to_owned()))?;
        let (version, rest) = rest
            .split_once('+')
            .ok_or_else(|| failed("no `+` between the version and the build date".to_owned()))?;
        let (build, triple) = rest
            .split_once('-')
            .ok_or_else(|| failed("no `-` after the build date".to_owned()))?;
        let version = PythonVersion::parse(version)
            .ok()
            .filter(|version| version.patch().is_some())
            .ok_or_else(|| failed(format!("`{version}` is not a CPython version X.Y.Z")))?;
        check_build(build).map_err(failed)?;
        let triple = Triple::parse(triple).map_err(failed)?;
        Ok(InterpreterArchive {
            file: name.to_owned(),
            version,
            build: build.to_owned(),
            triple,
        })
    }
}

/// A build date: eight digits, `YYYYMMDD`.
pub fn check_build(build: &str) -> Result<(), String> {
    if build.len() == 8 && build.bytes().all(|byte| byte.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "the build `{build}` is not a release date of eight digits (YYYYMMDD)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform(text: &str) -> Platform {
        Platform::parse(text).unwrap()
    }

    #[test]
    fn archive_names_parse_and_are_written_back() {
        let name = "cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz";
        let archive = InterpreterArchive::parse(name).unwrap();
        assert_eq!(archive.version.to_string(), "3.12.7");
        assert_eq!(archive.build, "20241016");
        assert_eq!(archive.triple.as_str(), "x86_64-unknown-linux-gnu");
        assert_eq!(
            InterpreterArchive::file_name(&archive.version, &archive.build, &archive.triple),
            name
        );
        let stripped = InterpreterArchive::parse(
            "cpython-3.11.10+20241016-aarch64-apple-darwin-install_only_stripped.tar.gz",
        )
        .unwrap();
        assert_eq!(stripped.triple.as_str(), "aarch64-apple-darwin");
        let windows = InterpreterArchive::parse(
            "cpython-3.10.15+20241016-x86_64-pc-windows-msvc-shared-install_only.tar.gz",
        )
        .unwrap();
        assert_eq!(windows.version.to_string(), "3.10.15");
    }

    #[test]
    fn bad_archive_names_say_what_is_wrong() {
        let cases = [
            (
                "python-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz",
                "start with `cpython-`",
            ),
            (
                "cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-pgo+lto-full.tar.zst",
                "-install_only.tar.gz",
            ),
            (
                "cpython-3.12+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz",
                "X.Y.Z",
            ),
            (
                "cpython-3.12.7-20241016-x86_64-unknown-linux-gnu-install_only.tar.gz",
                "no `+`",
            ),
            (
                "cpython-3.12.7+2024-x86_64-unknown-linux-gnu-install_only.tar.gz",
                "eight digits",
            ),
            (
                "cpython-3.12.7+20241016-sparc-unknown-linux-gnu-install_only.tar.gz",
                "unknown architecture `sparc`",
            ),
            (
                "cpython-3.12.7+20241016-x86_64-unknown-freebsd-install_only.tar.gz",
                "is not one of",
            ),
            (
                "cpython-3.12.7+20241016-../x-install_only.tar.gz",
                "unknown architecture",
            ),
        ];
        for (name, needle) in cases {
            let error = InterpreterArchive::parse(name).unwrap_err().to_string();
            assert!(error.contains(needle), "{name}: {error}");
            assert!(error.contains(&format!("`{name}`")), "{error}");
        }
    }

    #[test]
    fn the_default_triple_follows_the_platform() {
        let cases = [
            ("manylinux_2_28_x86_64", Some("x86_64-unknown-linux-gnu")),
            ("manylinux_2_17_aarch64", Some("aarch64-unknown-linux-gnu")),
            ("musllinux_1_2_x86_64", Some("x86_64-unknown-linux-musl")),
            ("macosx_11_0_arm64", Some("aarch64-apple-darwin")),
            ("win_amd64", Some("x86_64-pc-windows-msvc")),
            ("linux_x86_64", None),
            ("macosx_11_0_universal2", None),
        ];
        for (text, expected) in cases {
            let triple = Triple::for_platform(&platform(text));
            assert_eq!(triple.as_ref().map(Triple::as_str), expected, "{text}");
            if let Some(triple) = triple {
                assert!(triple.fits(&platform(text)).is_ok(), "{text}");
            }
        }
    }

    #[test]
    fn a_triple_that_does_not_fit_says_why() {
        let triple = |text: &str| Triple::parse(text).unwrap();
        let cases = [
            (
                "aarch64-unknown-linux-gnu",
                "manylinux_2_28_x86_64",
                "built for aarch64",
            ),
            (
                "x86_64-unknown-linux-musl",
                "manylinux_2_28_x86_64",
                "needs a `*-unknown-linux-gnu` build",
            ),
            (
                "x86_64-unknown-linux-gnu",
                "musllinux_1_2_x86_64",
                "needs a `*-unknown-linux-musl` build",
            ),
            (
                "x86_64-unknown-linux-gnu",
                "win_amd64",
                "needs a `*-pc-windows-msvc` build",
            ),
            (
                "x86_64-pc-windows-msvc",
                "macosx_11_0_x86_64",
                "needs a `*-apple-darwin` build",
            ),
            (
                "x86_64-unknown-linux-gnu",
                "manylinux_2_12_x86_64",
                "promises only glibc 2.12",
            ),
        ];
        for (text, target, needle) in cases {
            let error = triple(text).fits(&platform(target)).unwrap_err();
            assert!(error.contains(needle), "{text} on {target}: {error}");
        }
        let warning = triple("x86_64-unknown-linux-musl")
            .fits(&platform("musllinux_1_2_x86_64"))
            .unwrap()
            .unwrap();
        assert!(
            warning.contains("cannot load extension modules"),
            "{warning}"
        );
        assert_eq!(
            triple("x86_64_v3-unknown-linux-gnu").fits(&platform("manylinux_2_17_x86_64")),
            Ok(None)
        );
    }
}
