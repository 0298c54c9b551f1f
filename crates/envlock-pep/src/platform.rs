//! Target platforms: parsing, validation, canonical spelling and the ordered
//! list of platform tags a platform accepts.

use std::fmt;
use std::str::FromStr;

/// The forms [`Platform`] accepts, used in every "unknown platform" error so
/// the user sees all choices at once.
const ACCEPTED_FORMS: &str = "manylinux_2_<glibc minor>_<arch> (or manylinux1_/manylinux2010_/manylinux2014_<arch>), \
musllinux_1_<musl minor>_<arch>, macosx_<major>_<minor>_<arch>, win_amd64, win32, win_arm64, \
linux_<arch>, or a shorthand (manylinux, musllinux, macos, windows)";

/// glibc minor versions above this are rejected as typos: glibc is at 2.4x
/// in 2026 and packaging itself assumes at most 50 minors per major.
const MAX_GLIBC_MINOR: u16 = 99;
/// musl minor versions above this are rejected as typos (musl is at 1.2).
const MAX_MUSL_MINOR: u16 = 99;
/// macOS major versions above this are rejected as typos.
const MAX_MACOS_MAJOR: u16 = 99;
/// The last macOS 10.x release (Big Sur reported itself as 10.16 to old SDKs).
const MAX_MACOS_10_MINOR: u16 = 16;

/// A CPU architecture as it appears in platform tags.
///
/// Each architecture is spelled the way the platform's tags spell it:
/// [`Arch::Aarch64`] is `aarch64` on Linux but `arm64` in macOS and Windows
/// tags; [`Arch::X86`] is `i686` on Linux and `win32` on Windows;
/// [`Arch::X86_64`] is `amd64` on Windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arch {
    /// 64-bit x86 (`x86_64`; `amd64` on Windows).
    X86_64,
    /// 32-bit x86 (`i686` on Linux; `win32` on Windows).
    X86,
    /// 64-bit ARM (`aarch64` on Linux; `arm64` on macOS and Windows).
    Aarch64,
    /// 32-bit ARM, hard float (`armv7l`, Linux only).
    Armv7l,
    /// 64-bit POWER, little endian (`ppc64le`, Linux only).
    Ppc64le,
    /// 64-bit POWER, big endian (`ppc64`, manylinux and plain Linux only).
    Ppc64,
    /// IBM Z (`s390x`, Linux only).
    S390x,
    /// 64-bit RISC-V (`riscv64`, Linux only).
    Riscv64,
    /// LoongArch (`loongarch64`, Linux only).
    Loongarch64,
    /// macOS fat binaries holding both `x86_64` and `arm64` code (`universal2`).
    Universal2,
}

impl Arch {
    /// The spelling used in Linux platform tags (`manylinux_*`,
    /// `musllinux_*`, `linux_*`); `None` for [`Arch::Universal2`].
    pub(crate) fn linux_name(self) -> Option<&'static str> {
        Some(match self {
            Arch::X86_64 => "x86_64",
            Arch::X86 => "i686",
            Arch::Aarch64 => "aarch64",
            Arch::Armv7l => "armv7l",
            Arch::Ppc64le => "ppc64le",
            Arch::Ppc64 => "ppc64",
            Arch::S390x => "s390x",
            Arch::Riscv64 => "riscv64",
            Arch::Loongarch64 => "loongarch64",
            Arch::Universal2 => return None,
        })
    }

    /// The spelling used in macOS platform tags.
    fn macos_name(self) -> Option<&'static str> {
        match self {
            Arch::X86_64 => Some("x86_64"),
            Arch::Aarch64 => Some("arm64"),
            Arch::Universal2 => Some("universal2"),
            _ => None,
        }
    }

    /// The oldest glibc minor (glibc 2.N) manylinux defines for this
    /// architecture: 2.5 (manylinux1) for x86, 2.17 (manylinux2014) otherwise.
    fn oldest_glibc_minor(self) -> u16 {
        match self {
            Arch::X86_64 | Arch::X86 => 5,
            _ => 17,
        }
    }
}

impl fmt::Display for Arch {
    /// Writes the Linux spelling (`x86_64`, `i686`, `aarch64`, …) or
    /// `universal2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.linux_name().unwrap_or("universal2"))
    }
}

/// Architectures accepted in `manylinux_*` and `linux_*` platforms.
const LINUX_ARCHES: &[Arch] = &[
    Arch::X86_64,
    Arch::X86,
    Arch::Aarch64,
    Arch::Armv7l,
    Arch::Ppc64le,
    Arch::Ppc64,
    Arch::S390x,
    Arch::Riscv64,
    Arch::Loongarch64,
];
/// Architectures accepted in `musllinux_*` platforms (musllinux has no
/// big-endian ppc64).
const MUSL_ARCHES: &[Arch] = &[
    Arch::X86_64,
    Arch::X86,
    Arch::Aarch64,
    Arch::Armv7l,
    Arch::Ppc64le,
    Arch::S390x,
    Arch::Riscv64,
    Arch::Loongarch64,
];
/// Architectures accepted in `macosx_*` platforms.
const MACOS_ARCHES: &[Arch] = &[Arch::X86_64, Arch::Aarch64, Arch::Universal2];

/// The broad kind of a platform, used to filter targets (`--platform macos`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlatformFamily {
    /// glibc-based Linux (`manylinux_*`).
    Manylinux,
    /// musl-based Linux (`musllinux_*`).
    Musllinux,
    /// macOS (`macosx_*`).
    Macos,
    /// Windows (`win_amd64`, `win32`, `win_arm64`).
    Windows,
    /// A plain `linux_<arch>` platform: only wheels built for exactly that
    /// platform tag (locally built, not portable) match it.
    Linux,
}

impl PlatformFamily {
    /// The family's name: `manylinux`, `musllinux`, `macos`, `windows` or `linux`.
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformFamily::Manylinux => "manylinux",
            PlatformFamily::Musllinux => "musllinux",
            PlatformFamily::Macos => "macos",
            PlatformFamily::Windows => "windows",
            PlatformFamily::Linux => "linux",
        }
    }

    /// Parses a family name as [`PlatformFamily::as_str`] writes it
    /// (ASCII case-insensitive); also accepts `macosx` and `win`.
    pub fn parse(name: &str) -> Option<PlatformFamily> {
        match name.trim().to_ascii_lowercase().as_str() {
            "manylinux" => Some(PlatformFamily::Manylinux),
            "musllinux" => Some(PlatformFamily::Musllinux),
            "macos" | "macosx" => Some(PlatformFamily::Macos),
            "windows" | "win" => Some(PlatformFamily::Windows),
            "linux" => Some(PlatformFamily::Linux),
            _ => None,
        }
    }
}

impl fmt::Display for PlatformFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a platform string was rejected. Every variant names the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// The string does not start like any known platform.
    #[error("unknown platform `{input}`: expected {}{}", ACCEPTED_FORMS, Help(.help))]
    Unknown {
        /// The rejected input.
        input: String,
        /// A likely intended spelling, when one is easy to guess.
        help: Option<String>,
    },
    /// The family is recognised but the rest of the string is malformed.
    #[error("unknown platform `{input}`: {problem}; expected {expected}{}", Help(.help))]
    Malformed {
        /// The rejected input.
        input: String,
        /// What is wrong, in words.
        problem: String,
        /// The expected form for this family, with an example.
        expected: &'static str,
        /// A likely intended spelling, when one is easy to guess.
        help: Option<String>,
    },
    /// The architecture is not one this family supports.
    #[error(
        "unknown platform `{input}`: {family} does not support architecture `{arch}` \
         (supported: {supported}){}",
        Help(.help)
    )]
    UnsupportedArch {
        /// The rejected input.
        input: String,
        /// The platform family the input belongs to.
        family: PlatformFamily,
        /// The architecture as written.
        arch: String,
        /// The architectures this family accepts, comma separated.
        supported: String,
        /// A likely intended spelling, when one is easy to guess.
        help: Option<String>,
    },
    /// Well-formed, but the version does not exist for that architecture.
    #[error("unsupported platform `{input}`: {reason}")]
    Unsupported {
        /// The rejected input.
        input: String,
        /// Why, in words (e.g. "manylinux for aarch64 starts at glibc 2.17").
        reason: String,
    },
}

/// Formats an optional "did you mean" suffix for error messages.
struct Help<'a>(&'a Option<String>);

impl fmt::Display for Help<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(suggestion) => write!(f, "; did you mean `{suggestion}`?"),
            None => Ok(()),
        }
    }
}

/// A target platform, always held in its canonical form.
///
/// Accepted spellings (ASCII case-insensitive, surrounding whitespace ignored):
///
/// | form | example | notes |
/// |---|---|---|
/// | `manylinux_2_<minor>_<arch>` | `manylinux_2_28_x86_64` | glibc `2.<minor>`; x86_64/i686 from 2.5, other arches from 2.17 |
/// | `manylinux1_<arch>` | `manylinux1_x86_64` | legacy alias of `manylinux_2_5_<arch>` |
/// | `manylinux2010_<arch>` | `manylinux2010_i686` | legacy alias of `manylinux_2_12_<arch>` |
/// | `manylinux2014_<arch>` | `manylinux2014_aarch64` | legacy alias of `manylinux_2_17_<arch>` |
/// | `musllinux_1_<minor>_<arch>` | `musllinux_1_2_aarch64` | musl `1.<minor>` |
/// | `macosx_<major>_<minor>_<arch>` | `macosx_11_0_arm64` | arch `x86_64` (10.4+), `arm64` (11.0+), `universal2` (10.4+) |
/// | `win_amd64`, `win32`, `win_arm64` | `win_amd64` | |
/// | `linux_<arch>` | `linux_x86_64` | matches only wheels tagged exactly `linux_<arch>` |
///
/// Linux architectures: `x86_64`, `i686`, `aarch64`, `armv7l`, `ppc64le`,
/// `ppc64` (not musllinux), `s390x`, `riscv64`, `loongarch64`.
///
/// Shorthands:
///
/// | shorthand | means |
/// |---|---|
/// | `manylinux` | `manylinux_2_28_x86_64` |
/// | `musllinux` | `musllinux_1_2_x86_64` |
/// | `macos` (or `macosx`) | `macosx_11_0_arm64` |
/// | `windows` (or `win`) | `win_amd64` |
///
/// [`Display`](fmt::Display) writes the canonical form: legacy manylinux
/// aliases become `manylinux_2_N_<arch>` and shorthands are expanded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Platform(Repr);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Repr {
    Manylinux { glibc_minor: u16, arch: Arch },
    Musllinux { musl_minor: u16, arch: Arch },
    Macos { major: u16, minor: u16, arch: Arch },
    Windows { arch: Arch },
    Linux { arch: Arch },
}

impl Platform {
    /// Parses a platform string or shorthand (see the type's documentation).
    pub fn parse(input: &str) -> Result<Platform, PlatformError> {
        let lowered = input.trim().to_ascii_lowercase();
        parse_lowered(input, &lowered).map(Platform)
    }

    /// The platform's family.
    pub fn family(&self) -> PlatformFamily {
        match self.0 {
            Repr::Manylinux { .. } => PlatformFamily::Manylinux,
            Repr::Musllinux { .. } => PlatformFamily::Musllinux,
            Repr::Macos { .. } => PlatformFamily::Macos,
            Repr::Windows { .. } => PlatformFamily::Windows,
            Repr::Linux { .. } => PlatformFamily::Linux,
        }
    }

    /// The platform's architecture.
    pub fn arch(&self) -> Arch {
        match self.0 {
            Repr::Manylinux { arch, .. }
            | Repr::Musllinux { arch, .. }
            | Repr::Macos { arch, .. }
            | Repr::Windows { arch }
            | Repr::Linux { arch } => arch,
        }
    }

    /// The glibc minor (glibc 2.N) a manylinux platform promises; `None`
    /// for every other family.
    pub fn glibc_minor(&self) -> Option<u16> {
        match self.0 {
            Repr::Manylinux { glibc_minor, .. } => Some(glibc_minor),
            _ => None,
        }
    }

    /// The platform tags a CPython on this platform accepts, best first, in
    /// the order Python's `packaging` yields them:
    ///
    /// - manylinux: `manylinux_2_N_<arch>` for N from the platform's glibc
    ///   minor down to the oldest manylinux (2.5 on x86, 2.17 elsewhere), each
    ///   followed by its legacy alias (`manylinux2014`, `manylinux2010`,
    ///   `manylinux1`) where one exists, then `linux_<arch>`;
    /// - musllinux: `musllinux_1_N_<arch>` down to 1.0, then `linux_<arch>`;
    /// - macOS: packaging's `mac_platforms(version, arch)` sequence;
    /// - Windows and plain Linux: the platform tag alone.
    ///
    /// `linux_<arch>` comes last (as in pip) rather than first (as in
    /// packaging 26.3+ for the running host): a locally built wheel of
    /// unknown glibc requirements should never beat a portable one when
    /// building a wheelhouse for another machine.
    pub fn compatible_tags(&self) -> Vec<String> {
        let mut tags = Vec::new();
        match self.0 {
            Repr::Manylinux { glibc_minor, arch } => {
                let arch_name = arch.linux_name().unwrap_or_default();
                for minor in (arch.oldest_glibc_minor()..=glibc_minor).rev() {
                    tags.push(format!("manylinux_2_{minor}_{arch_name}"));
                    if let Some(alias) = legacy_manylinux_alias(minor) {
                        tags.push(format!("{alias}_{arch_name}"));
                    }
                }
                tags.push(format!("linux_{arch_name}"));
            }
            Repr::Musllinux { musl_minor, arch } => {
                let arch_name = arch.linux_name().unwrap_or_default();
                for minor in (0..=musl_minor).rev() {
                    tags.push(format!("musllinux_1_{minor}_{arch_name}"));
                }
                tags.push(format!("linux_{arch_name}"));
            }
            Repr::Macos { major, minor, arch } => macos_tags(major, minor, arch, &mut tags),
            Repr::Windows { .. } | Repr::Linux { .. } => tags.push(self.to_string()),
        }
        tags
    }
}

/// The legacy manylinux name for glibc 2.`minor`, if it has one.
fn legacy_manylinux_alias(minor: u16) -> Option<&'static str> {
    match minor {
        17 => Some("manylinux2014"),
        12 => Some("manylinux2010"),
        5 => Some("manylinux1"),
        _ => None,
    }
}

/// The binary formats a macOS `version` accepts for `arch`, best first.
///
/// Mirrors the semantics of packaging's `_mac_binary_formats` for the three
/// architectures envlock supports: an x86_64 machine also runs `intel`,
/// `fat64` and `fat3` fat binaries and, like arm64, `universal2`; x86_64 also
/// runs the old `universal` format. Nothing x86_64 exists before 10.4.
fn macos_binary_formats(major: u16, minor: u16, arch: Arch) -> &'static [&'static str] {
    match arch {
        Arch::X86_64 if (major, minor) < (10, 4) => &[],
        Arch::X86_64 => &[
            "x86_64",
            "intel",
            "fat64",
            "fat3",
            "universal2",
            "universal",
        ],
        Arch::Aarch64 => &["arm64", "universal2"],
        _ => &["universal2"],
    }
}

/// Appends the macOS platform tags for `major.minor` and `arch`, best first.
fn macos_tags(major: u16, minor: u16, arch: Arch, tags: &mut Vec<String>) {
    let mut push_version = |major: u16, minor: u16, formats: &[&str]| {
        for format in formats {
            tags.push(format!("macosx_{major}_{minor}_{format}"));
        }
    };
    if major == 10 {
        // Before macOS 11 every yearly release bumped the minor version.
        for older_minor in (0..=minor).rev() {
            push_version(10, older_minor, macos_binary_formats(10, older_minor, arch));
        }
        return;
    }
    // From macOS 11 on, yearly releases bump the major version; wheels are
    // only looked up at `<major>_0` (packaging ignores the minor here).
    for older_major in (11..=major).rev() {
        push_version(older_major, 0, macos_binary_formats(older_major, 0, arch));
    }
    // 11+ also runs binaries built for 10.x: all formats on x86_64, while
    // arm64 only runs the universal2 ones (no arm64-only 10.x binaries exist).
    for older_minor in (4..=MAX_MACOS_10_MINOR).rev() {
        if arch == Arch::X86_64 {
            push_version(10, older_minor, macos_binary_formats(10, older_minor, arch));
        } else {
            push_version(10, older_minor, &["universal2"]);
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Repr::Manylinux { glibc_minor, arch } => {
                write!(f, "manylinux_2_{glibc_minor}_{arch}")
            }
            Repr::Musllinux { musl_minor, arch } => write!(f, "musllinux_1_{musl_minor}_{arch}"),
            Repr::Macos { major, minor, arch } => {
                let arch_name = arch.macos_name().unwrap_or("universal2");
                write!(f, "macosx_{major}_{minor}_{arch_name}")
            }
            Repr::Windows { arch } => f.write_str(match arch {
                Arch::X86 => "win32",
                Arch::Aarch64 => "win_arm64",
                _ => "win_amd64",
            }),
            Repr::Linux { arch } => write!(f, "linux_{arch}"),
        }
    }
}

impl FromStr for Platform {
    type Err = PlatformError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Platform::parse(input)
    }
}

impl serde::Serialize for Platform {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Platform {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Platform::parse(&text).map_err(serde::de::Error::custom)
    }
}

const MANYLINUX_EXPECTED: &str = "manylinux_2_<glibc minor>_<arch>, e.g. manylinux_2_28_x86_64";
const LEGACY_EXPECTED: &str =
    "manylinux1_<arch>, manylinux2010_<arch> or manylinux2014_<arch>, e.g. manylinux2014_aarch64";
const MUSLLINUX_EXPECTED: &str = "musllinux_1_<musl minor>_<arch>, e.g. musllinux_1_2_x86_64";
const MACOS_EXPECTED: &str =
    "macosx_<major>_<minor>_<arch> with arch x86_64, arm64 or universal2, e.g. macosx_11_0_arm64";

/// Parses an already trimmed and lowercased platform; `input` is the
/// original text, used in errors.
fn parse_lowered(input: &str, text: &str) -> Result<Repr, PlatformError> {
    if let Some(repr) = shorthand(text) {
        return Ok(repr);
    }
    if let Some(parsed) = parse_linux_family(input, text) {
        return parsed;
    }
    if let Some(rest) = text
        .strip_prefix("macosx_")
        .or_else(|| text.strip_prefix("macos_"))
    {
        return parse_macos(input, rest);
    }
    Err(unknown(input, text))
}

/// The family shorthands (`manylinux`, `macos`, `windows`, …) and the
/// Windows platforms, which have no version.
fn shorthand(text: &str) -> Option<Repr> {
    Some(match text {
        "manylinux" => Repr::Manylinux {
            glibc_minor: 28,
            arch: Arch::X86_64,
        },
        "musllinux" => Repr::Musllinux {
            musl_minor: 2,
            arch: Arch::X86_64,
        },
        "macos" | "macosx" => Repr::Macos {
            major: 11,
            minor: 0,
            arch: Arch::Aarch64,
        },
        "windows" | "win" | "win_amd64" => Repr::Windows { arch: Arch::X86_64 },
        "win32" => Repr::Windows { arch: Arch::X86 },
        "win_arm64" => Repr::Windows {
            arch: Arch::Aarch64,
        },
        _ => return None,
    })
}

/// `manylinux…`, `musllinux…` and `linux_<arch>`; `None` when `text` is of
/// none of these families.
fn parse_linux_family(input: &str, text: &str) -> Option<Result<Repr, PlatformError>> {
    if let Some(rest) = text.strip_prefix("manylinux_") {
        return Some(parse_manylinux(input, rest));
    }
    for (prefix, glibc_minor) in [
        ("manylinux1_", 5),
        ("manylinux2010_", 12),
        ("manylinux2014_", 17),
    ] {
        if let Some(arch_text) = text.strip_prefix(prefix) {
            let arch = parse_linux_arch(
                input,
                arch_text,
                PlatformFamily::Manylinux,
                LINUX_ARCHES,
                |arch| format!("{prefix}{arch}"),
            );
            return Some(arch.and_then(|arch| check_glibc(input, glibc_minor, arch)));
        }
    }
    if text.starts_with("manylinux") {
        return Some(Err(malformed(
            input,
            "the manylinux version is missing or not one of 1, 2010, 2014 or _2_<minor>",
            MANYLINUX_EXPECTED,
            guess_missing_linux_version(text, "manylinux", "manylinux_2_28"),
        )));
    }
    if let Some(rest) = text.strip_prefix("musllinux_") {
        return Some(parse_musllinux(input, rest));
    }
    if text.starts_with("musllinux") {
        return Some(Err(malformed(
            input,
            "the musl version is missing",
            MUSLLINUX_EXPECTED,
            guess_missing_linux_version(text, "musllinux", "musllinux_1_2"),
        )));
    }
    let arch_text = text.strip_prefix("linux_")?;
    Some(
        parse_linux_arch(
            input,
            arch_text,
            PlatformFamily::Linux,
            LINUX_ARCHES,
            |arch| format!("linux_{arch}"),
        )
        .map(|arch| Repr::Linux { arch }),
    )
}

/// An unknown platform, with a guess at what was meant when there is one.
fn unknown(input: &str, text: &str) -> PlatformError {
    let help = if text.starts_with("win") {
        Some(if text.contains("arm") || text.contains("aarch") {
            "win_arm64"
        } else if text.contains("32") || (text.contains("86") && !text.contains("64")) {
            "win32"
        } else {
            "win_amd64"
        })
    } else {
        match text {
            "linux" => Some("manylinux_2_28_x86_64"),
            "mac" | "osx" | "darwin" => Some("macosx_11_0_arm64"),
            _ if text.starts_with("darwin") || text.starts_with("osx") => Some("macosx_11_0_arm64"),
            _ => None,
        }
    };
    PlatformError::Unknown {
        input: input.to_owned(),
        help: help.map(str::to_owned),
    }
}

fn malformed(
    input: &str,
    problem: impl Into<String>,
    expected: &'static str,
    help: Option<String>,
) -> PlatformError {
    PlatformError::Malformed {
        input: input.to_owned(),
        problem: problem.into(),
        expected,
        help,
    }
}

/// For `manylinux_x86_64`-style input (family then directly an arch),
/// suggests the family's default version with that arch.
fn guess_missing_linux_version(text: &str, family: &str, default: &str) -> Option<String> {
    let rest = text.strip_prefix(family)?.trim_start_matches('_');
    let arch = lookup_linux_arch(rest)?;
    Some(format!("{default}_{arch}"))
}

/// Splits `<number>_<rest>` into the number and the rest.
fn split_number(text: &str) -> Option<(&str, &str)> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    if end == 0 {
        return None;
    }
    let (number, rest) = text.split_at(end);
    Some((number, rest.strip_prefix('_').unwrap_or(rest)))
}

/// Parses a small decimal number, rejecting values above `max`.
fn parse_small(number: &str, max: u16) -> Option<u16> {
    number.parse::<u16>().ok().filter(|value| *value <= max)
}

/// Maps the spellings people use for Linux architectures (including common
/// mistakes such as `amd64` or `arm64`) to an [`Arch`].
fn lookup_linux_arch(text: &str) -> Option<Arch> {
    Some(match text {
        "x86_64" | "amd64" | "x64" | "x86-64" => Arch::X86_64,
        "i686" | "i386" | "i586" | "x86" => Arch::X86,
        "aarch64" | "arm64" => Arch::Aarch64,
        "armv7l" | "armv7" | "armhf" => Arch::Armv7l,
        "ppc64le" => Arch::Ppc64le,
        "ppc64" => Arch::Ppc64,
        "s390x" => Arch::S390x,
        "riscv64" => Arch::Riscv64,
        "loongarch64" => Arch::Loongarch64,
        _ => return None,
    })
}

/// Parses the architecture part of a Linux platform. Alternative spellings
/// are rejected (tags must match exactly) but suggested.
fn parse_linux_arch(
    input: &str,
    text: &str,
    family: PlatformFamily,
    allowed: &[Arch],
    rebuild: impl Fn(&str) -> String,
) -> Result<Arch, PlatformError> {
    let found = lookup_linux_arch(text);
    match found {
        Some(arch) if allowed.contains(&arch) && arch.linux_name() == Some(text) => Ok(arch),
        _ => {
            let help = found
                .filter(|arch| allowed.contains(arch))
                .and_then(Arch::linux_name)
                .map(rebuild);
            Err(PlatformError::UnsupportedArch {
                input: input.to_owned(),
                family,
                arch: text.to_owned(),
                supported: join_arches(allowed, Arch::linux_name),
                help,
            })
        }
    }
}

fn join_arches(arches: &[Arch], name: fn(Arch) -> Option<&'static str>) -> String {
    arches
        .iter()
        .filter_map(|arch| name(*arch))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_glibc(input: &str, glibc_minor: u16, arch: Arch) -> Result<Repr, PlatformError> {
    let oldest = arch.oldest_glibc_minor();
    if glibc_minor < oldest {
        return Err(PlatformError::Unsupported {
            input: input.to_owned(),
            reason: format!(
                "manylinux for {arch} starts at glibc 2.{oldest} (manylinux_2_{oldest}_{arch})"
            ),
        });
    }
    Ok(Repr::Manylinux { glibc_minor, arch })
}

fn parse_manylinux(input: &str, rest: &str) -> Result<Repr, PlatformError> {
    // rest = "2_<minor>_<arch>"
    let Some((major, after_major)) = split_number(rest) else {
        return Err(malformed(
            input,
            "the glibc major version is missing",
            MANYLINUX_EXPECTED,
            lookup_linux_arch(rest).map(|arch| format!("manylinux_2_28_{arch}")),
        ));
    };
    if major != "2" {
        if major == "1" || major == "2010" || major == "2014" {
            return Err(malformed(
                input,
                format!("legacy manylinux{major} is written without an underscore"),
                LEGACY_EXPECTED,
                Some(format!("manylinux{major}_{after_major}")),
            ));
        }
        return Err(malformed(
            input,
            format!("glibc major version `{major}` is not 2"),
            MANYLINUX_EXPECTED,
            None,
        ));
    }
    let Some((minor_text, arch_text)) = split_number(after_major) else {
        return Err(malformed(
            input,
            "the glibc minor version is missing",
            MANYLINUX_EXPECTED,
            lookup_linux_arch(after_major).map(|arch| format!("manylinux_2_28_{arch}")),
        ));
    };
    let Some(glibc_minor) = parse_small(minor_text, MAX_GLIBC_MINOR) else {
        return Err(malformed(
            input,
            format!(
                "glibc minor version `{minor_text}` is out of range (at most {MAX_GLIBC_MINOR})"
            ),
            MANYLINUX_EXPECTED,
            None,
        ));
    };
    if arch_text.is_empty() {
        return Err(malformed(
            input,
            "the architecture is missing",
            MANYLINUX_EXPECTED,
            Some(format!("manylinux_2_{glibc_minor}_x86_64")),
        ));
    }
    let arch = parse_linux_arch(
        input,
        arch_text,
        PlatformFamily::Manylinux,
        LINUX_ARCHES,
        |arch| format!("manylinux_2_{glibc_minor}_{arch}"),
    )?;
    check_glibc(input, glibc_minor, arch)
}

fn parse_musllinux(input: &str, rest: &str) -> Result<Repr, PlatformError> {
    let Some((major, after_major)) = split_number(rest) else {
        return Err(malformed(
            input,
            "the musl major version is missing",
            MUSLLINUX_EXPECTED,
            lookup_linux_arch(rest).map(|arch| format!("musllinux_1_2_{arch}")),
        ));
    };
    if major != "1" {
        return Err(malformed(
            input,
            format!("musl major version `{major}` is not 1"),
            MUSLLINUX_EXPECTED,
            None,
        ));
    }
    let Some((minor_text, arch_text)) = split_number(after_major) else {
        return Err(malformed(
            input,
            "the musl minor version is missing",
            MUSLLINUX_EXPECTED,
            lookup_linux_arch(after_major).map(|arch| format!("musllinux_1_2_{arch}")),
        ));
    };
    let Some(musl_minor) = parse_small(minor_text, MAX_MUSL_MINOR) else {
        return Err(malformed(
            input,
            format!("musl minor version `{minor_text}` is out of range (at most {MAX_MUSL_MINOR})"),
            MUSLLINUX_EXPECTED,
            None,
        ));
    };
    if arch_text.is_empty() {
        return Err(malformed(
            input,
            "the architecture is missing",
            MUSLLINUX_EXPECTED,
            Some(format!("musllinux_1_{musl_minor}_x86_64")),
        ));
    }
    let arch = parse_linux_arch(
        input,
        arch_text,
        PlatformFamily::Musllinux,
        MUSL_ARCHES,
        |arch| format!("musllinux_1_{musl_minor}_{arch}"),
    )?;
    Ok(Repr::Musllinux { musl_minor, arch })
}

/// Maps macOS architecture spellings (including common mistakes) to an [`Arch`].
fn lookup_macos_arch(text: &str) -> Option<Arch> {
    Some(match text {
        "x86_64" | "amd64" | "intel" => Arch::X86_64,
        "arm64" | "aarch64" => Arch::Aarch64,
        "universal2" | "universal" => Arch::Universal2,
        _ => return None,
    })
}

fn parse_macos(input: &str, rest: &str) -> Result<Repr, PlatformError> {
    let Some((major_text, after_major)) = split_number(rest) else {
        return Err(malformed(
            input,
            "the macOS version is missing",
            MACOS_EXPECTED,
            lookup_macos_arch(rest)
                .and_then(Arch::macos_name)
                .map(|arch| {
                    let version = if arch == "x86_64" { "10_9" } else { "11_0" };
                    format!("macosx_{version}_{arch}")
                }),
        ));
    };
    let major = parse_small(major_text, MAX_MACOS_MAJOR);
    let Some((minor_text, arch_text)) = split_number(after_major) else {
        // Typically `macosx_11_arm64`: the minor version was left out.
        let help = match (
            major,
            lookup_macos_arch(after_major).and_then(Arch::macos_name),
        ) {
            (Some(major), Some(arch)) => Some(format!("macosx_{major}_0_{arch}")),
            _ => None,
        };
        return Err(malformed(
            input,
            "the macOS minor version is missing",
            MACOS_EXPECTED,
            help,
        ));
    };
    let (Some(major), Some(minor)) = (major, parse_small(minor_text, MAX_MACOS_MAJOR)) else {
        return Err(malformed(
            input,
            format!("macOS version `{major_text}.{minor_text}` is out of range"),
            MACOS_EXPECTED,
            None,
        ));
    };
    let found = lookup_macos_arch(arch_text);
    let arch = match found {
        Some(arch) if arch.macos_name() == Some(arch_text) => arch,
        _ => {
            let help = found
                .and_then(Arch::macos_name)
                .map(|arch| format!("macosx_{major}_{minor}_{arch}"));
            return Err(PlatformError::UnsupportedArch {
                input: input.to_owned(),
                family: PlatformFamily::Macos,
                arch: arch_text.to_owned(),
                supported: join_arches(MACOS_ARCHES, Arch::macos_name),
                help,
            });
        }
    };
    let unsupported = |reason: &str| PlatformError::Unsupported {
        input: input.to_owned(),
        reason: reason.to_owned(),
    };
    if major < 10 || (major == 10 && minor > MAX_MACOS_10_MINOR) {
        return Err(unsupported(
            "macOS versions are 10.0 to 10.16, then 11.0 and later",
        ));
    }
    if major == 10 && arch == Arch::Aarch64 {
        return Err(unsupported(
            "macOS on arm64 starts at 11.0 (macosx_11_0_arm64)",
        ));
    }
    if major == 10 && minor < 4 {
        return Err(unsupported(
            "x86_64 and universal2 macOS binaries start at 10.4",
        ));
    }
    Ok(Repr::Macos { major, minor, arch })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(input: &str) -> String {
        Platform::parse(input).unwrap().to_string()
    }

    #[test]
    fn canonical_forms_and_aliases() {
        assert_eq!(canonical("manylinux_2_28_x86_64"), "manylinux_2_28_x86_64");
        assert_eq!(canonical("manylinux1_x86_64"), "manylinux_2_5_x86_64");
        assert_eq!(canonical("manylinux2010_i686"), "manylinux_2_12_i686");
        assert_eq!(canonical("manylinux2014_aarch64"), "manylinux_2_17_aarch64");
        assert_eq!(canonical("musllinux_1_1_armv7l"), "musllinux_1_1_armv7l");
        assert_eq!(canonical("macosx_10_9_x86_64"), "macosx_10_9_x86_64");
        assert_eq!(
            canonical("macosx_14_0_universal2"),
            "macosx_14_0_universal2"
        );
        assert_eq!(canonical("win32"), "win32");
        assert_eq!(canonical("win_arm64"), "win_arm64");
        assert_eq!(canonical("linux_s390x"), "linux_s390x");
        assert_eq!(canonical("  WIN_AMD64 "), "win_amd64");
    }

    #[test]
    fn shorthands() {
        assert_eq!(canonical("manylinux"), "manylinux_2_28_x86_64");
        assert_eq!(canonical("musllinux"), "musllinux_1_2_x86_64");
        assert_eq!(canonical("macos"), "macosx_11_0_arm64");
        assert_eq!(canonical("windows"), "win_amd64");
    }

    #[test]
    fn families_and_arches() {
        let cases = [
            (
                "manylinux2014_ppc64le",
                PlatformFamily::Manylinux,
                Arch::Ppc64le,
            ),
            (
                "musllinux_1_2_aarch64",
                PlatformFamily::Musllinux,
                Arch::Aarch64,
            ),
            ("macosx_11_0_arm64", PlatformFamily::Macos, Arch::Aarch64),
            ("win32", PlatformFamily::Windows, Arch::X86),
            ("linux_armv7l", PlatformFamily::Linux, Arch::Armv7l),
        ];
        for (input, family, arch) in cases {
            let platform = Platform::parse(input).unwrap();
            assert_eq!(platform.family(), family, "{input}");
            assert_eq!(platform.arch(), arch, "{input}");
            assert_eq!(PlatformFamily::parse(family.as_str()), Some(family));
        }
        assert_eq!(PlatformFamily::parse("solaris"), None);
    }

    #[test]
    fn every_canonical_form_round_trips() {
        for input in [
            "manylinux_2_5_i686",
            "manylinux_2_17_riscv64",
            "manylinux_2_31_loongarch64",
            "musllinux_1_0_s390x",
            "macosx_10_4_universal2",
            "macosx_15_3_x86_64",
            "linux_ppc64",
        ] {
            assert_eq!(canonical(input), input);
            assert_eq!(canonical(&canonical(input)), input);
        }
    }

    fn error(input: &str) -> String {
        Platform::parse(input).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_input_and_list_forms() {
        let message = error("manylinux_2_x86");
        assert!(
            message.starts_with("unknown platform `manylinux_2_x86`: "),
            "{message}"
        );
        assert!(
            message.contains("glibc minor version is missing"),
            "{message}"
        );
        assert!(
            message.contains("manylinux_2_<glibc minor>_<arch>"),
            "{message}"
        );

        let message = error("solaris_sparc");
        assert!(
            message.contains("unknown platform `solaris_sparc`"),
            "{message}"
        );
        assert!(
            message.contains("musllinux_1_<musl minor>_<arch>"),
            "{message}"
        );
        assert!(message.contains("shorthand"), "{message}");
        assert!(!message.contains("did you mean"), "{message}");
    }

    #[test]
    fn near_misses_are_suggested() {
        let cases = [
            ("macosx_11_arm64", "macosx_11_0_arm64"),
            ("macosx_11_0_aarch64", "macosx_11_0_arm64"),
            ("macosx_arm64", "macosx_11_0_arm64"),
            ("manylinux_2_28_amd64", "manylinux_2_28_x86_64"),
            ("manylinux_2_28_arm64", "manylinux_2_28_aarch64"),
            ("manylinux_x86_64", "manylinux_2_28_x86_64"),
            ("manylinux_2_x86_64", "manylinux_2_28_x86_64"),
            ("manylinux_2014_x86_64", "manylinux2014_x86_64"),
            ("manylinux2014_amd64", "manylinux2014_x86_64"),
            ("musllinux_x86_64", "musllinux_1_2_x86_64"),
            ("musllinux_1_2_arm64", "musllinux_1_2_aarch64"),
            ("linux_amd64", "linux_x86_64"),
            ("win_x86_64", "win_amd64"),
            ("windows_arm64", "win_arm64"),
            ("win_x86", "win32"),
            ("linux", "manylinux_2_28_x86_64"),
            ("darwin", "macosx_11_0_arm64"),
        ];
        for (input, suggestion) in cases {
            let message = error(input);
            assert!(message.contains(&format!("`{input}`")), "{message}");
            assert!(
                message.contains(&format!("did you mean `{suggestion}`?")),
                "{input}: {message}"
            );
        }
    }

    #[test]
    fn impossible_versions_are_rejected() {
        let cases = [
            ("manylinux_2_12_aarch64", "starts at glibc 2.17"),
            ("manylinux1_ppc64le", "starts at glibc 2.17"),
            ("manylinux_2_4_x86_64", "starts at glibc 2.5"),
            ("manylinux_3_1_x86_64", "glibc major version `3` is not 2"),
            ("manylinux_2_100000_x86_64", "out of range"),
            ("manylinux_2_28_", "architecture is missing"),
            ("manylinux_2_28_sparc", "supported: x86_64, i686"),
            ("musllinux_2_1_x86_64", "musl major version `2` is not 1"),
            (
                "musllinux_1_2_ppc64",
                "musllinux does not support architecture `ppc64`",
            ),
            ("musllinux_1_2", "architecture is missing"),
            ("musllinux_1_x86_64", "musl minor version is missing"),
            ("macosx_10_9_arm64", "arm64 starts at 11.0"),
            ("macosx_10_3_x86_64", "start at 10.4"),
            ("macosx_10_17_x86_64", "10.0 to 10.16"),
            ("macosx_9_0_x86_64", "10.0 to 10.16"),
            ("macosx_11_0_ppc", "supported: x86_64, arm64, universal2"),
            ("macosx_", "macOS version is missing"),
            ("", "unknown platform ``"),
            ("manylinux2", "manylinux version is missing"),
        ];
        for (input, needle) in cases {
            let message = error(input);
            assert!(message.contains(needle), "{input}: {message}");
            assert!(
                message.contains(&format!("`{input}`")),
                "{input}: {message}"
            );
        }
    }

    #[test]
    fn manylinux_tag_order() {
        let tags = Platform::parse("manylinux_2_28_x86_64")
            .unwrap()
            .compatible_tags();
        assert_eq!(
            tags.first().map(String::as_str),
            Some("manylinux_2_28_x86_64")
        );
        assert_eq!(tags.last().map(String::as_str), Some("linux_x86_64"));
        // 24 glibc minors (28..=5), three legacy aliases, and linux_x86_64.
        assert_eq!(tags.len(), 24 + 3 + 1);
        let position = |tag: &str| tags.iter().position(|t| t == tag).unwrap();
        assert_eq!(
            position("manylinux2014_x86_64"),
            position("manylinux_2_17_x86_64") + 1
        );
        assert_eq!(
            position("manylinux1_x86_64"),
            position("manylinux_2_5_x86_64") + 1
        );

        let tags = Platform::parse("manylinux2014_aarch64")
            .unwrap()
            .compatible_tags();
        assert_eq!(
            tags,
            [
                "manylinux_2_17_aarch64",
                "manylinux2014_aarch64",
                "linux_aarch64"
            ]
        );
    }

    #[test]
    fn serde_uses_canonical_string() {
        let platform: Platform = serde_json::from_str("\"manylinux2014_x86_64\"").unwrap();
        assert_eq!(
            serde_json::to_string(&platform).unwrap(),
            "\"manylinux_2_17_x86_64\""
        );
        let error = serde_json::from_str::<Platform>("\"nope\"").unwrap_err();
        assert!(error.to_string().contains("unknown platform `nope`"));
    }
}
