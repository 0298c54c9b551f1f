//! The intermediate form every source format is read into.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use envlock_pep::{MarkerTree, PackageName, Version, VersionSpecifiers};

/// The formats `envlock import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PEP 751 `pylock.toml`.
    Pylock,
    /// uv's `uv.lock`.
    UvLock,
    /// A requirements file with `--hash` options.
    Requirements,
}

impl Format {
    /// The format a file's name suggests.
    pub fn guess(path: &Path) -> Format {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name == "uv.lock" {
            Format::UvLock
        } else if name.starts_with("pylock.") && name.ends_with(".toml") {
            Format::Pylock
        } else {
            Format::Requirements
        }
    }

    /// How the lock names it (`imported-from.format`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pylock => "pylock.toml",
            Format::UvLock => "uv.lock",
            Format::Requirements => "requirements.txt",
        }
    }
}

/// A source lock, read.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its format.
    pub format: Format,
    /// Where it was read from.
    pub path: PathBuf,
    /// The sha256 of its bytes (set by [`crate::read`] once the
    /// bytes are read; all zeros until then).
    pub sha256: envlock_fs::Sha256,
    /// The source's own `requires-python`, when it declares one.
    pub requires_python: Option<VersionSpecifiers>,
    /// The packages it lists (for uv.lock: not the project's own packages).
    pub packages: Vec<SourcePackage>,
    /// For a graph (uv.lock): the edges from the project into the packages.
    /// `None` for flat formats, where each package's own marker decides.
    pub roots: Option<Vec<Edge>>,
}

/// One package version of a source.
#[derive(Debug, Clone)]
pub struct SourcePackage {
    /// Its name.
    pub name: PackageName,
    /// Its version.
    pub version: Version,
    /// Flat formats: the marker under which it is installed (none: always).
    pub marker: Option<(MarkerTree, String)>,
    /// Its `requires-python`, when the source gives one.
    pub requires_python: Option<(VersionSpecifiers, String)>,
    /// The files it lists.
    pub files: Vec<SourceFile>,
    /// Requirements files: the allowed sha256 hashes (files are found on the index).
    pub hashes: Vec<String>,
    /// Graph formats: its dependencies.
    pub dependencies: Vec<Edge>,
    /// Graph formats: the dependencies of each of its extras.
    pub optional_dependencies: BTreeMap<String, Vec<Edge>>,
    /// Where in the source it is (for messages), e.g. `line 12`.
    pub place: String,
    /// When it comes from elsewhere than an index (uv.lock `git`, `url`,
    /// `path`, `directory` sources): what it comes from. Refused when a
    /// target installs it.
    pub not_from_index: Option<String>,
}

/// One file of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The file name.
    pub name: String,
    /// Its lowercase hex sha256, when the source gives one.
    pub sha256: Option<String>,
    /// Its size, when the source gives it.
    pub size: Option<u64>,
}

/// One edge of a graph source.
#[derive(Debug, Clone)]
pub struct Edge {
    /// The package it points to.
    pub name: PackageName,
    /// Its version, when the source disambiguates between several.
    pub version: Option<Version>,
    /// The extras it asks for.
    pub extras: Vec<String>,
    /// Its marker, parsed and as written.
    pub marker: Option<(MarkerTree, String)>,
}

impl Edge {
    /// The edge as a PEP 508 string without a version (`name[extra] ; marker`).
    pub fn requirement(&self) -> String {
        let mut text = self.name.to_string();
        if !self.extras.is_empty() {
            text.push('[');
            text.push_str(&self.extras.join(","));
            text.push(']');
        }
        if let Some((_, marker)) = &self.marker {
            text.push_str(" ; ");
            text.push_str(marker);
        }
        text
    }
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    envlock_fs::Sha256::digest(bytes).to_string()
}

/// The last part of a URL's path (a file name), percent-escapes kept.
pub fn file_name_of_url(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let name = path.rsplit('/').next()?;
    (!name.is_empty()).then(|| name.replace("%2B", "+").replace("%2b", "+"))
}

/// `sha256:<hex>` → the hex, lowercased; other algorithms give `None`.
pub fn sha256_of(text: &str) -> Option<String> {
    let hex = text.strip_prefix("sha256:")?;
    envlock_fs::is_sha256_hex(hex).then(|| hex.to_ascii_lowercase())
}

/// Parses a marker, saying where it came from when it does not parse.
pub fn parse_marker(
    text: &str,
    path: &Path,
    place: &str,
) -> Result<(MarkerTree, String), crate::ImportError> {
    let invalid = |reason: String| crate::ImportError::Invalid {
        path: path.to_owned(),
        place: place.to_owned(),
        reason: format!("marker `{text}` does not parse: {reason}"),
    };
    envlock_pep::check_marker(text).map_err(|error| invalid(error.to_string()))?;
    text.parse::<MarkerTree>()
        .map(|marker| (marker, text.to_owned()))
        .map_err(|error| invalid(error.to_string()))
}

/// Parses a `requires-python`.
pub fn parse_requires_python(
    text: &str,
    path: &Path,
    place: &str,
) -> Result<(VersionSpecifiers, String), crate::ImportError> {
    text.parse::<VersionSpecifiers>()
        .map(|specifiers| (specifiers, text.to_owned()))
        .map_err(|error| crate::ImportError::Invalid {
            path: path.to_owned(),
            place: place.to_owned(),
            reason: format!("requires-python `{text}` does not parse: {error}"),
        })
}
