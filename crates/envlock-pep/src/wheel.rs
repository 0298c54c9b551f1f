//! Distribution file names: wheels (`{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`)
//! and source distributions (`{name}-{version}.tar.gz`, `.zip`, …).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use pep440_rs::{Version, VersionParseError};
use pep508_rs::{InvalidNameError, PackageName};

use crate::tag::Tag;

/// A wheel's optional build tag: a number and an optional suffix (`1`,
/// `2b`). Ordered numerically, then by suffix, as the wheel spec requires.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BuildTag {
    number: u64,
    suffix: String,
}

impl BuildTag {
    /// The leading number.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// What follows the number (often empty).
    pub fn suffix(&self) -> &str {
        &self.suffix
    }
}

impl Ord for BuildTag {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.number, &self.suffix).cmp(&(other.number, &other.suffix))
    }
}

impl PartialOrd for BuildTag {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for BuildTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.number, self.suffix)
    }
}

/// A parsed wheel file name.
///
/// Tag parts are stored lowercase and compressed tag sets are split
/// (`py2.py3` → `py2`, `py3`); [`fmt::Display`] writes the original file name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WheelFilename {
    filename: String,
    name: PackageName,
    version: Version,
    build: Option<BuildTag>,
    python_tags: Vec<String>,
    abi_tags: Vec<String>,
    platform_tags: Vec<String>,
}

/// Why a wheel file name was rejected. Every variant names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WheelFilenameError {
    /// The name does not end in `.whl`.
    #[error("invalid wheel file name `{filename}`: it does not end in `.whl`")]
    NotAWheel {
        /// The file name.
        filename: String,
    },
    /// Not five or six dash-separated parts.
    #[error(
        "invalid wheel file name `{filename}`: expected \
         {{name}}-{{version}}(-{{build}})?-{{python}}-{{abi}}-{{platform}}.whl, \
         found {parts} dash-separated parts"
    )]
    WrongShape {
        /// The file name.
        filename: String,
        /// How many dash-separated parts it has.
        parts: usize,
    },
    /// The project name part is not a valid (escaped) name.
    #[error("invalid wheel file name `{filename}`: invalid project name `{name}`")]
    InvalidName {
        /// The file name.
        filename: String,
        /// The name part.
        name: String,
    },
    /// The version part is not a PEP 440 version.
    #[error("invalid wheel file name `{filename}`: invalid version `{version}`: {source}")]
    InvalidVersion {
        /// The file name.
        filename: String,
        /// The version part.
        version: String,
        /// What pep440_rs found wrong.
        #[source]
        source: VersionParseError,
    },
    /// The build tag does not start with a digit.
    #[error(
        "invalid wheel file name `{filename}`: build tag `{build}` does not start with a digit"
    )]
    InvalidBuildTag {
        /// The file name.
        filename: String,
        /// The build tag part.
        build: String,
    },
    /// A python, ABI or platform tag is empty or has characters tags never use.
    #[error("invalid wheel file name `{filename}`: invalid {kind} tag `{tag}`: {problem}")]
    InvalidTag {
        /// The file name.
        filename: String,
        /// `python`, `abi` or `platform`.
        kind: &'static str,
        /// The tag part, as written.
        tag: String,
        /// What is wrong.
        problem: &'static str,
    },
}

impl WheelFilename {
    /// Parses a wheel file name (no directory part).
    pub fn parse(filename: &str) -> Result<WheelFilename, WheelFilenameError> {
        if DistKind::of(filename) != DistKind::Wheel {
            return Err(WheelFilenameError::NotAWheel {
                filename: filename.to_owned(),
            });
        }
        let Some(parts) = WheelNameParts::split(filename) else {
            return Err(WheelFilenameError::WrongShape {
                filename: filename.to_owned(),
                parts: filename[..filename.len() - ".whl".len()].split('-').count(),
            });
        };
        let (name, version) = (parts.name, parts.version);
        let invalid_name = || WheelFilenameError::InvalidName {
            filename: filename.to_owned(),
            name: name.to_owned(),
        };
        // Wheel names are escaped: `-` became `_`, so only these remain.
        if name.is_empty()
            || !name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'.')
        {
            return Err(invalid_name());
        }
        let name = PackageName::from_str(name).map_err(|_: InvalidNameError| invalid_name())?;
        let version =
            Version::from_str(version).map_err(|source| WheelFilenameError::InvalidVersion {
                filename: filename.to_owned(),
                version: version.to_owned(),
                source,
            })?;
        let build = parts
            .build
            .map(|build| {
                parse_build_tag(build).ok_or_else(|| WheelFilenameError::InvalidBuildTag {
                    filename: filename.to_owned(),
                    build: build.to_owned(),
                })
            })
            .transpose()?;
        Ok(WheelFilename {
            filename: filename.to_owned(),
            name,
            version,
            build,
            python_tags: split_tag_set(filename, "python", parts.python)?,
            abi_tags: split_tag_set(filename, "abi", parts.abi)?,
            platform_tags: split_tag_set(filename, "platform", parts.platform)?,
        })
    }

    /// The file name as given.
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// The normalised project name (`Foo_Bar` → `foo-bar`).
    pub fn name(&self) -> &PackageName {
        &self.name
    }

    /// The version.
    pub fn version(&self) -> &Version {
        &self.version
    }

    /// The build tag, if any.
    pub fn build(&self) -> Option<&BuildTag> {
        self.build.as_ref()
    }

    /// The python tags (`cp310`, `py3`, …), lowercase.
    pub fn python_tags(&self) -> &[String] {
        &self.python_tags
    }

    /// The ABI tags (`cp310`, `abi3`, `none`, …), lowercase.
    pub fn abi_tags(&self) -> &[String] {
        &self.abi_tags
    }

    /// The platform tags (`manylinux_2_17_x86_64`, `any`, …), lowercase.
    pub fn platform_tags(&self) -> &[String] {
        &self.platform_tags
    }

    /// Every tag triple of the (possibly compressed) tag set.
    pub fn tags(&self) -> impl Iterator<Item = Tag> + '_ {
        self.python_tags.iter().flat_map(move |python| {
            self.abi_tags.iter().flat_map(move |abi| {
                self.platform_tags
                    .iter()
                    .map(move |platform| Tag::new(python, abi, platform))
            })
        })
    }
}

/// The dash-separated fields of a wheel file name, borrowed and not yet
/// checked. Reading a large project page meets tens of thousands of wheel
/// names, most of them of platforms no target installs: their fields are
/// enough to turn them away, and [`WheelFilename::parse`] (which copies and
/// checks every field) is kept for the files that are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WheelNameParts<'n> {
    /// The escaped project name, as written.
    pub name: &'n str,
    /// The version, as written.
    pub version: &'n str,
    /// The build tag, as written.
    pub build: Option<&'n str>,
    /// The python tag set (`py2.py3`), as written.
    pub python: &'n str,
    /// The ABI tag set, as written.
    pub abi: &'n str,
    /// The platform tag set, as written.
    pub platform: &'n str,
    /// The three tag sets as one text (`cp312-cp312-manylinux_2_28_x86_64`):
    /// wheels with the same text fit the same targets.
    pub tags: &'n str,
}

impl<'n> WheelNameParts<'n> {
    /// The fields of `filename`; `None` unless it ends in `.whl` (in any
    /// case) and has five or six dash-separated fields.
    pub fn split(filename: &'n str) -> Option<WheelNameParts<'n>> {
        if DistKind::of(filename) != DistKind::Wheel {
            return None;
        }
        let stem = &filename[..filename.len() - ".whl".len()];
        // At most six fields: the dashes are found byte by byte (`-` is
        // ASCII, so every cut falls between characters), which a page of
        // tens of thousands of names notices against `str::split`.
        let mut dashes = [0_usize; 6];
        let mut count = 0;
        for (at, byte) in stem.bytes().enumerate() {
            if byte == b'-' {
                *dashes.get_mut(count)? = at;
                count += 1;
            }
        }
        let field = |index: usize| {
            let start = if index == 0 { 0 } else { dashes[index - 1] + 1 };
            let end = if index == count {
                stem.len()
            } else {
                dashes[index]
            };
            &stem[start..end]
        };
        let parts = match count {
            4 => (field(0), field(1), None, field(2), field(3), field(4)),
            5 => (
                field(0),
                field(1),
                Some(field(2)),
                field(3),
                field(4),
                field(5),
            ),
            _ => return None,
        };
        let (name, version, build, python, abi, platform) = parts;
        let tags_length = python.len() + abi.len() + platform.len() + 2;
        Some(WheelNameParts {
            name,
            version,
            build,
            python,
            abi,
            platform,
            tags: &stem[stem.len() - tags_length..],
        })
    }

    /// Whether the name field is `project`'s, spelled as a wheel may spell
    /// it (any case; `_` or `.` for `-`). Checks the characters too, so a
    /// name this accepts is one [`WheelFilename::parse`] accepts.
    pub fn names(&self, project: &PackageName) -> bool {
        self.name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'.')
            && normalised_prefix_length(self.name, project.as_ref()) == Some(self.name.len())
    }

    /// Whether [`WheelFilename::parse`] would accept the version, build
    /// tag and tag sets (the name is [`WheelNameParts::names`]'s), checked
    /// without copying them.
    pub fn rest_is_well_formed(&self) -> bool {
        self.version_is_well_formed() && self.build_is_well_formed() && self.tags_are_well_formed()
    }

    /// Whether the version parses.
    pub fn version_is_well_formed(&self) -> bool {
        Version::from_str(self.version).is_ok()
    }

    /// Whether the build tag, if any, parses.
    pub fn build_is_well_formed(&self) -> bool {
        self.build
            .is_none_or(|build| parse_build_tag(build).is_some())
    }

    /// Whether the three tag sets parse.
    pub fn tags_are_well_formed(&self) -> bool {
        let fits =
            |kind: &str, set: &str| set.split('.').all(|tag| tag_problem(kind, tag).is_none());
        fits("python", self.python) && fits("abi", self.abi) && fits("platform", self.platform)
    }
}

impl fmt::Display for WheelFilename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.filename)
    }
}

impl FromStr for WheelFilename {
    type Err = WheelFilenameError;

    fn from_str(filename: &str) -> Result<Self, Self::Err> {
        WheelFilename::parse(filename)
    }
}

fn parse_build_tag(build: &str) -> Option<BuildTag> {
    let digits = build.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let (number, suffix) = build.split_at(digits);
    Some(BuildTag {
        // Absurdly long digit runs saturate rather than fail: they still
        // order above every realistic build number.
        number: number.parse().unwrap_or(u64::MAX),
        suffix: suffix.to_owned(),
    })
}

/// Splits a compressed tag set (`py2.py3`) into lowercase tags.
fn split_tag_set(
    filename: &str,
    kind: &'static str,
    set: &str,
) -> Result<Vec<String>, WheelFilenameError> {
    let invalid = |problem| WheelFilenameError::InvalidTag {
        filename: filename.to_owned(),
        kind,
        tag: set.to_owned(),
        problem,
    };
    set.split('.')
        .map(|tag| match tag_problem(kind, tag) {
            Some(problem) => Err(invalid(problem)),
            None => Ok(tag.to_ascii_lowercase()),
        })
        .collect()
}

/// What is wrong with one tag of a tag set of `kind` (`python`, `abi`,
/// `platform`), if anything.
fn tag_problem(kind: &str, tag: &str) -> Option<&'static str> {
    if tag.is_empty() {
        return Some("it has an empty component");
    }
    if !tag
        .bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
    {
        return Some("tags contain only letters, digits and `_`");
    }
    if kind == "python" && tag.as_bytes()[0].is_ascii_digit() {
        return Some("python tags start with a letter");
    }
    None
}

/// The archive format of a source distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceDistExtension {
    /// `.tar.gz` (the standard format).
    TarGz,
    /// `.zip` (allowed by older tools).
    Zip,
    /// `.tar.bz2` (legacy).
    TarBz2,
    /// `.tar.xz` (legacy).
    TarXz,
    /// `.tgz` (legacy).
    Tgz,
    /// `.tar` (legacy, uncompressed).
    Tar,
}

impl SourceDistExtension {
    /// The extension with its leading dot, e.g. `.tar.gz`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceDistExtension::TarGz => ".tar.gz",
            SourceDistExtension::Zip => ".zip",
            SourceDistExtension::TarBz2 => ".tar.bz2",
            SourceDistExtension::TarXz => ".tar.xz",
            SourceDistExtension::Tgz => ".tgz",
            SourceDistExtension::Tar => ".tar",
        }
    }

    /// Splits a recognised extension off a file name (ASCII case-insensitive).
    fn split(filename: &str) -> Option<(&str, SourceDistExtension)> {
        const ALL: [SourceDistExtension; 6] = [
            SourceDistExtension::TarGz,
            SourceDistExtension::Zip,
            SourceDistExtension::TarBz2,
            SourceDistExtension::TarXz,
            SourceDistExtension::Tgz,
            SourceDistExtension::Tar,
        ];
        ALL.into_iter().find_map(|extension| {
            let suffix = extension.as_str();
            let split = filename.len().checked_sub(suffix.len())?;
            let tail = filename.get(split..)?;
            tail.eq_ignore_ascii_case(suffix)
                .then(|| (&filename[..split], extension))
        })
    }
}

/// A parsed source distribution file name, `{name}-{version}{extension}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceDistFilename {
    filename: String,
    name: PackageName,
    version: Version,
    extension: SourceDistExtension,
}

/// Why a source distribution file name was rejected. Every variant names the
/// file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceDistFilenameError {
    /// Not a known sdist extension.
    #[error(
        "invalid source distribution file name `{filename}`: expected an extension of \
         .tar.gz, .zip, .tar.bz2, .tar.xz, .tgz or .tar"
    )]
    UnknownExtension {
        /// The file name.
        filename: String,
    },
    /// The file name does not start with the project's name and a dash.
    #[error(
        "invalid source distribution file name `{filename}`: expected it to start with \
         the name of project `{project}` followed by `-<version>`"
    )]
    NameMismatch {
        /// The file name.
        filename: String,
        /// The project the file was listed for.
        project: PackageName,
    },
    /// What follows the name is not a PEP 440 version.
    #[error(
        "invalid source distribution file name `{filename}`: invalid version `{version}`: {source}"
    )]
    InvalidVersion {
        /// The file name.
        filename: String,
        /// The version part.
        version: String,
        /// What pep440_rs found wrong.
        #[source]
        source: VersionParseError,
    },
}

impl SourceDistFilename {
    /// Parses an sdist file name listed for `project`. The project name is
    /// needed because both names and (legacy) versions may contain dashes:
    /// the file name must start with a spelling of the project's name that
    /// normalises to it (`Zope.Interface-5.0.tar.gz` for `zope-interface`).
    pub fn parse(
        filename: &str,
        project: &PackageName,
    ) -> Result<SourceDistFilename, SourceDistFilenameError> {
        let Some((stem, extension)) = SourceDistExtension::split(filename) else {
            return Err(SourceDistFilenameError::UnknownExtension {
                filename: filename.to_owned(),
            });
        };
        let mismatch = || SourceDistFilenameError::NameMismatch {
            filename: filename.to_owned(),
            project: project.clone(),
        };
        let name_length = normalised_prefix_length(stem, project.as_ref()).ok_or_else(mismatch)?;
        let version_text = stem[name_length..].strip_prefix('-').ok_or_else(mismatch)?;
        let version = Version::from_str(version_text).map_err(|source| {
            SourceDistFilenameError::InvalidVersion {
                filename: filename.to_owned(),
                version: version_text.to_owned(),
                source,
            }
        })?;
        Ok(SourceDistFilename {
            filename: filename.to_owned(),
            name: project.clone(),
            version,
            extension,
        })
    }

    /// The file name as given.
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// The project name (normalised).
    pub fn name(&self) -> &PackageName {
        &self.name
    }

    /// The version.
    pub fn version(&self) -> &Version {
        &self.version
    }

    /// The archive format.
    pub fn extension(&self) -> SourceDistExtension {
        self.extension
    }
}

impl fmt::Display for SourceDistFilename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.filename)
    }
}

/// The length of the prefix of `text` that normalises (PEP 503: lowercase,
/// runs of `-`, `_`, `.` become one `-`) to `normalised`, choosing the
/// shortest such prefix that is followed by a `-`.
fn normalised_prefix_length(text: &str, normalised: &str) -> Option<usize> {
    let text_bytes = text.as_bytes();
    let wanted = normalised.as_bytes();
    let mut position = 0;
    let mut matched = 0;
    while matched < wanted.len() {
        let byte = *text_bytes.get(position)?;
        if wanted[matched] == b'-' {
            // One separator in the normalised name matches a run of them.
            if !is_separator(byte) {
                return None;
            }
            while text_bytes.get(position).copied().is_some_and(is_separator) {
                position += 1;
            }
        } else {
            if byte.to_ascii_lowercase() != wanted[matched] {
                return None;
            }
            position += 1;
        }
        matched += 1;
    }
    Some(position)
}

fn is_separator(byte: u8) -> bool {
    matches!(byte, b'-' | b'_' | b'.')
}

/// What kind of distribution a file is, judged by its extension alone
/// (ASCII case-insensitive): the one answer to "is this a wheel, an sdist,
/// or neither" for every crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DistKind {
    /// A `.whl` built distribution.
    Wheel,
    /// A source distribution envlock can read and build: `.tar.gz` (the
    /// standard format) or `.zip` (older tools).
    Sdist,
    /// Anything else (`.egg`, `.exe`, legacy `.tar.bz2`, …); envlock ignores
    /// these.
    Other,
}

impl DistKind {
    /// Classifies a file name by its extension.
    pub fn of(filename: &str) -> Self {
        let ends_with = |suffix: &str| {
            filename.len() >= suffix.len()
                && filename
                    .get(filename.len() - suffix.len()..)
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
        };
        if ends_with(".whl") {
            Self::Wheel
        } else if ends_with(".tar.gz") || ends_with(".zip") {
            Self::Sdist
        } else {
            Self::Other
        }
    }
}

/// Whether a file name is a source distribution (see [`DistKind`]).
pub fn is_sdist(filename: &str) -> bool {
    DistKind::of(filename) == DistKind::Sdist
}

/// A distribution file: a wheel or a source distribution.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DistFilename {
    /// A wheel.
    Wheel(WheelFilename),
    /// A source distribution.
    SourceDist(SourceDistFilename),
}

/// Why a distribution file name was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DistFilenameError {
    /// A `.whl` file with an invalid name.
    #[error(transparent)]
    Wheel(#[from] WheelFilenameError),
    /// An sdist-looking file with an invalid name.
    #[error(transparent)]
    SourceDist(#[from] SourceDistFilenameError),
    /// Neither a wheel nor a source distribution (an egg, an installer, a
    /// signature file, …).
    #[error(
        "unsupported distribution file `{filename}`: expected a wheel (.whl) or a source \
         distribution (.tar.gz, .zip)"
    )]
    Unsupported {
        /// The file name.
        filename: String,
    },
}

impl DistFilename {
    /// Classifies (by [`DistKind`]) and parses a file listed for `project`.
    pub fn parse(filename: &str, project: &PackageName) -> Result<DistFilename, DistFilenameError> {
        match DistKind::of(filename) {
            DistKind::Wheel => Ok(DistFilename::Wheel(WheelFilename::parse(filename)?)),
            DistKind::Sdist => Ok(DistFilename::SourceDist(SourceDistFilename::parse(
                filename, project,
            )?)),
            DistKind::Other => Err(DistFilenameError::Unsupported {
                filename: filename.to_owned(),
            }),
        }
    }

    /// The file name as given.
    pub fn filename(&self) -> &str {
        match self {
            DistFilename::Wheel(wheel) => wheel.filename(),
            DistFilename::SourceDist(sdist) => sdist.filename(),
        }
    }

    /// The normalised project name.
    pub fn name(&self) -> &PackageName {
        match self {
            DistFilename::Wheel(wheel) => wheel.name(),
            DistFilename::SourceDist(sdist) => sdist.name(),
        }
    }

    /// The version.
    pub fn version(&self) -> &Version {
        match self {
            DistFilename::Wheel(wheel) => wheel.version(),
            DistFilename::SourceDist(sdist) => sdist.version(),
        }
    }
}

impl fmt::Display for DistFilename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.filename())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_name_parts_are_the_fields_parse_reads() {
        let filename = "Foo_Bar-1.2.0-7b-cp310-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.WHL";
        let parts = WheelNameParts::split(filename).unwrap();
        assert_eq!(
            (parts.name, parts.version, parts.build),
            ("Foo_Bar", "1.2.0", Some("7b"))
        );
        assert_eq!(
            (parts.python, parts.abi, parts.platform),
            (
                "cp310",
                "abi3",
                "manylinux_2_17_x86_64.manylinux2014_x86_64"
            )
        );
        assert_eq!(
            parts.tags,
            "cp310-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64"
        );
        let short = WheelNameParts::split("a-1-py3-none-any.whl").unwrap();
        assert_eq!((short.build, short.tags), (None, "py3-none-any"));
        for bad in [
            "a-1-none-any.whl",
            "a-1-2-3-py3-none-any.whl",
            "a-1-py3-none-any.zip",
        ] {
            assert_eq!(WheelNameParts::split(bad), None, "{bad}");
        }
    }

    #[test]
    fn wheel_name_parts_name_a_project_only_as_parse_would() {
        let project = PackageName::from_str("foo-bar").unwrap();
        let names = |filename: &str| WheelNameParts::split(filename).unwrap().names(&project);
        for good in ["Foo_Bar-1-py3-none-any.whl", "foo.bar-1-py3-none-any.whl"] {
            assert!(names(good), "{good}");
            assert_eq!(WheelFilename::parse(good).unwrap().name(), &project);
        }
        assert!(
            WheelNameParts::split("foo_bar-1-7-py3-none-any.whl")
                .unwrap()
                .rest_is_well_formed()
        );
        for malformed in [
            "foo_bar-1..0-py3-none-any.whl",
            "foo_bar-1-x7-py3-none-any.whl",
            "foo_bar-1-3py-none-any.whl",
            "foo_bar-1-py3.-none-any.whl",
            "foo_bar-1-py3-none-any+x.whl",
        ] {
            let parts = WheelNameParts::split(malformed).unwrap();
            assert!(!parts.rest_is_well_formed(), "{malformed}");
            assert!(WheelFilename::parse(malformed).is_err(), "{malformed}");
        }
        for other in [
            "foo_bar_-1-py3-none-any.whl",
            "_foo_bar-1-py3-none-any.whl",
            "foobar-1-py3-none-any.whl",
            "foo+bar-1-py3-none-any.whl",
            "foo_bar/x-1-py3-none-any.whl",
        ] {
            assert!(!names(other), "{other}");
        }
    }

    #[test]
    fn parses_compressed_tag_sets_and_names() {
        let wheel = WheelFilename::parse(
            "Foo_Bar-1.2.0-cp310-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        )
        .unwrap();
        assert_eq!(wheel.name().as_ref(), "foo-bar");
        assert_eq!(wheel.version().to_string(), "1.2.0");
        assert_eq!(wheel.build(), None);
        assert_eq!(wheel.python_tags(), ["cp310"]);
        assert_eq!(wheel.abi_tags(), ["abi3"]);
        assert_eq!(
            wheel.platform_tags(),
            ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]
        );
        assert_eq!(wheel.tags().count(), 2);
        assert_eq!(
            wheel.to_string(),
            "Foo_Bar-1.2.0-cp310-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
        );

        let wheel = WheelFilename::parse("six-1.16.0-py2.py3-none-any.whl").unwrap();
        let tags: Vec<String> = wheel.tags().map(|tag| tag.to_string()).collect();
        assert_eq!(tags, ["py2-none-any", "py3-none-any"]);

        let wheel = WheelFilename::parse("torch-2.1.0+cpu-cp310-cp310-linux_x86_64.whl").unwrap();
        assert_eq!(wheel.version().to_string(), "2.1.0+cpu");
        let wheel = WheelFilename::parse("zope.interface-6.0-cp311-cp311-WIN_AMD64.whl").unwrap();
        assert_eq!(wheel.name().as_ref(), "zope-interface");
        assert_eq!(wheel.platform_tags(), ["win_amd64"]);
    }

    #[test]
    fn build_tags_order_numerically() {
        let build = |name: &str| {
            WheelFilename::parse(name)
                .unwrap()
                .build()
                .cloned()
                .unwrap()
        };
        let two = build("pkg-1.0-2-py3-none-any.whl");
        let ten = build("pkg-1.0-10-py3-none-any.whl");
        let ten_b = build("pkg-1.0-10b-py3-none-any.whl");
        assert!(two < ten, "numeric, not lexicographic");
        assert!(ten < ten_b);
        assert_eq!((ten_b.number(), ten_b.suffix()), (10, "b"));
        assert_eq!(ten_b.to_string(), "10b");
    }

    #[test]
    fn wheel_errors_name_the_file() {
        let cases = [
            ("pkg-1.0-py3-none-any.tar.gz", "does not end in `.whl`"),
            ("pkg-1.0-none-any.whl", "found 4 dash-separated parts"),
            (
                "pkg-1.0-1-2-py3-none-any.whl",
                "found 7 dash-separated parts",
            ),
            ("-1.0-py3-none-any.whl", "invalid project name ``"),
            ("pk+g-1.0-py3-none-any.whl", "invalid project name `pk+g`"),
            ("pkg-one-py3-none-any.whl", "invalid version `one`"),
            (
                "pkg-1.0-abc-py3-none-any.whl",
                "build tag `abc` does not start with a digit",
            ),
            ("pkg-1.0-py3.-none-any.whl", "invalid python tag `py3.`"),
            (
                "pkg-1.0-3py-none-any.whl",
                "python tags start with a letter",
            ),
            ("pkg-1.0-py3--any.whl", "invalid abi tag ``"),
            ("pkg-1.0-py3-none-any!.whl", "invalid platform tag `any!`"),
            (".whl", "found 1 dash-separated parts"),
            ("", "does not end in `.whl`"),
        ];
        for (filename, needle) in cases {
            let message = WheelFilename::parse(filename).unwrap_err().to_string();
            assert!(message.contains(&format!("`{filename}`")), "{message}");
            assert!(message.contains(needle), "{filename}: {message}");
        }
    }

    fn project(name: &str) -> PackageName {
        PackageName::from_str(name).unwrap()
    }

    #[test]
    fn sdists_parse_given_the_project() {
        let sdist =
            SourceDistFilename::parse("Zope.Interface-5.0.tar.gz", &project("zope-interface"))
                .unwrap();
        assert_eq!(sdist.version().to_string(), "5.0");
        assert_eq!(sdist.extension(), SourceDistExtension::TarGz);
        let sdist = SourceDistFilename::parse("my-pkg-1.0-1.zip", &project("my_pkg")).unwrap();
        assert_eq!(sdist.version().to_string(), "1.0.post1");
        assert_eq!(sdist.extension(), SourceDistExtension::Zip);
        let sdist = SourceDistFilename::parse("Django-4.2.TAR.GZ", &project("django")).unwrap();
        assert_eq!(sdist.name().as_ref(), "django");
    }

    #[test]
    fn sdist_errors_name_the_file() {
        let cases = [
            ("foo-1.0.rar", "foo", "expected an extension"),
            ("foobar-1.0.tar.gz", "foo", "project `foo`"),
            ("foo.tar.gz", "foo", "project `foo`"),
            ("foo-bar.tar.gz", "foo", "invalid version `bar`"),
            ("fo-1.0.tar.gz", "foo", "project `foo`"),
        ];
        for (filename, name, needle) in cases {
            let message = SourceDistFilename::parse(filename, &project(name))
                .unwrap_err()
                .to_string();
            assert!(message.contains(&format!("`{filename}`")), "{message}");
            assert!(message.contains(needle), "{filename}: {message}");
        }
    }

    #[test]
    fn dist_filenames_are_classified() {
        let numpy = project("numpy");
        for (filename, kind) in [
            ("a-1.0-py3-none-any.whl", DistKind::Wheel),
            ("A-1.0-PY3-NONE-ANY.WHL", DistKind::Wheel),
            ("a-1.0.tar.gz", DistKind::Sdist),
            ("A-1.0.TAR.GZ", DistKind::Sdist),
            ("a-1.0.Zip", DistKind::Sdist),
            ("a-1.0.tar.bz2", DistKind::Other),
            ("a-1.0.egg", DistKind::Other),
            ("gz", DistKind::Other),
        ] {
            assert_eq!(DistKind::of(filename), kind, "{filename}");
            assert_eq!(is_sdist(filename), kind == DistKind::Sdist, "{filename}");
        }
        assert!(matches!(
            DistFilename::parse("numpy-2.0.0.tar.bz2", &numpy),
            Err(DistFilenameError::Unsupported { .. })
        ));
        let wheel = DistFilename::parse("numpy-2.0.0-cp312-cp312-win_amd64.whl", &numpy).unwrap();
        assert!(matches!(wheel, DistFilename::Wheel(_)));
        let sdist = DistFilename::parse("numpy-2.0.0.tar.gz", &numpy).unwrap();
        assert!(matches!(sdist, DistFilename::SourceDist(_)));
        assert_eq!(sdist.version().to_string(), "2.0.0");
        let message = DistFilename::parse("numpy-1.0-py2.7.egg", &numpy)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("unsupported distribution file `numpy-1.0-py2.7.egg`"),
            "{message}"
        );
        assert!(matches!(
            DistFilename::parse("numpy.whl", &numpy),
            Err(DistFilenameError::Wheel(_))
        ));
    }
}
