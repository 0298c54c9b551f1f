//! The lock as data: what was resolved, for which targets, from which files.
//!
//! The model is plain data with no behaviour beyond lookups; the resolver
//! builds it, the encoder writes it, and the decoder reads and validates it.

use std::cmp::Ordering;
use std::collections::BTreeSet;

pub use envlock_fs::Sha256;
use envlock_pep::{DistFilename, PackageName, Platform, PythonVersion, Version};

/// A whole lockfile.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lock {
    /// The spec's `name`.
    pub name: String,
    /// `sha256:<hex>` of the normalised inputs (requirements, constraints,
    /// targets, index names, options); `envlock lock --check` compares it.
    pub inputs_digest: String,
    /// The spec's `exclude-newer` cut-off (RFC 3339), when it sets one.
    pub exclude_newer: Option<String>,
    /// The lock another tool wrote that this one was imported from
    /// (`envlock import`), when it was.
    pub imported_from: Option<ImportedFrom>,
    /// The declared requirements, as written in the spec (normalised).
    pub requirements: Vec<String>,
    /// The declared constraints, as written in the spec (normalised).
    pub constraints: Vec<String>,
    /// The targets the lock was resolved for.
    pub targets: Vec<LockedTarget>,
    /// Every package version any target installs.
    pub packages: Vec<LockedPackage>,
    /// Packages needed only to build, on a target, a locked package that
    /// has no wheel for it (its sdist's `build-system.requires`, resolved
    /// for that target). Their `required-by` edges name the sdist's package.
    pub build_packages: Vec<LockedPackage>,
    /// What the far side installs into a new environment before the locked
    /// set: a current pip for each target, so that an old pip there does
    /// not decide what installs. Not part of the environment's set.
    pub installer_packages: Vec<LockedPackage>,
    /// The relocatable CPython each target that asks for one carries, at
    /// most one per target.
    pub interpreters: Vec<crate::LockedInterpreter>,
    /// Plain files (not Python packages) the far side needs, each found
    /// there through an environment variable.
    pub resources: Vec<LockedResource>,
}

/// The source of an imported lock: another tool's lockfile, pinned by its
/// hash so that a changed source makes the lock stale.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ImportedFrom {
    /// The source's format: `pylock.toml`, `uv.lock` or `requirements.txt`.
    pub format: String,
    /// Its path, relative to the lock's folder where it can be (`/` separated).
    pub path: String,
    /// The sha256 of the source file's bytes (written as 64 lowercase hex
    /// digits).
    pub sha256: Sha256,
}

/// A plain file to carry with the packages (a `.deb`, an editor extension,
/// a static binary), pinned by its hash.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LockedResource {
    /// The resource's name, unique in the lock.
    pub name: String,
    /// Where it is fetched from, as the spec writes it: `${VAR}` is kept
    /// unexpanded, so no credential or mirror host is written into the lock.
    pub url: String,
    /// The file name it gets under `resources/` in a wheelhouse.
    pub file: String,
    /// The environment variable that points to it on the far side.
    pub env: String,
    /// The sha256 of the file (written as 64 lowercase hex digits).
    pub sha256: Sha256,
    /// The size in bytes.
    pub size: u64,
}

/// One target: a CPython version on one platform.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LockedTarget {
    /// The target's name, unique in the lock (e.g. `cp310-manylinux_2_28_x86_64`).
    pub name: String,
    /// The Python version (`3.10` or `3.10.14`).
    pub python: PythonVersion,
    /// The platform (written in canonical form, e.g. `manylinux_2_28_x86_64`).
    pub platform: Platform,
}

/// One version of one package, with everything a reviewer and the
/// wheelhouse builder need to know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedPackage {
    /// The package name (written normalised).
    pub name: PackageName,
    /// The exact version (written normalised).
    pub version: Version,
    /// The name of the index it comes from (never a URL).
    pub index: String,
    /// The targets that install this version.
    pub targets: BTreeSet<String>,
    /// The release's `Requires-Python`, when it has one.
    pub requires_python: Option<String>,
    /// The requirements of this version that apply to at least one target.
    pub dependencies: Vec<String>,
    /// Why the package is in the lock: every edge that pulls it in.
    pub required_by: Vec<RequiredBy>,
    /// The files the targets need.
    pub files: Vec<LockedFile>,
}

/// One edge into a package: a root requirement, or a dependency of another
/// locked package. Edges order as their text in the lock does (the
/// requiring version by its written text, not by PEP 440), so that the lock
/// keeps its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredBy {
    /// The package that requires it, as `(name, version)`; `None` for a
    /// requirement of the spec itself.
    pub package: Option<(PackageName, Version)>,
    /// The extra of the requiring package this edge belongs to, if any.
    pub extra: Option<String>,
    /// The version specifier on the edge (empty for "any version").
    pub specifier: String,
    /// The edge's marker, if any (for example `python_version < '3.9'`).
    pub marker: Option<String>,
    /// The targets on which this edge is active.
    pub targets: BTreeSet<String>,
}

/// One file of a package version. Files order by their name's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedFile {
    /// The file name, parsed (a wheel or an sdist); never a URL.
    pub name: DistFilename,
    /// The sha256 of the file (written as 64 lowercase hex digits).
    pub sha256: Sha256,
    /// The size in bytes.
    pub size: u64,
    /// The targets that install this file.
    pub targets: BTreeSet<String>,
}

impl RequiredBy {
    /// The requiring package as the lock writes it: `(name, version)` text.
    pub fn package_text(&self) -> Option<(&str, String)> {
        self.package
            .as_ref()
            .map(|(name, version)| (name.as_ref(), version.to_string()))
    }
}

impl Ord for RequiredBy {
    fn cmp(&self, other: &Self) -> Ordering {
        self.package_text()
            .cmp(&other.package_text())
            .then_with(|| self.package.cmp(&other.package))
            .then_with(|| self.extra.cmp(&other.extra))
            .then_with(|| self.specifier.cmp(&other.specifier))
            .then_with(|| self.marker.cmp(&other.marker))
            .then_with(|| self.targets.cmp(&other.targets))
    }
}

impl PartialOrd for RequiredBy {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl LockedFile {
    /// Whether the file is a source distribution (the one answer:
    /// [`envlock_pep::DistKind`]).
    pub fn is_sdist(&self) -> bool {
        matches!(self.name, DistFilename::SourceDist(_))
    }

    /// The file name as the lock writes it.
    pub fn file_name(&self) -> &str {
        self.name.filename()
    }
}

impl Ord for LockedFile {
    fn cmp(&self, other: &Self) -> Ordering {
        self.file_name()
            .cmp(other.file_name())
            .then_with(|| self.name.name().cmp(other.name.name()))
            .then_with(|| self.name.version().cmp(other.name.version()))
            .then_with(|| self.sha256.cmp(&other.sha256))
            .then_with(|| self.size.cmp(&other.size))
            .then_with(|| self.targets.cmp(&other.targets))
    }
}

impl PartialOrd for LockedFile {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Lock {
    /// The target with this name.
    pub fn target(&self, name: &str) -> Option<&LockedTarget> {
        self.targets.iter().find(|target| target.name == name)
    }

    /// The packages a target installs, in lock order.
    pub fn packages_for<'lock>(
        &'lock self,
        target: &'lock str,
    ) -> impl Iterator<Item = &'lock LockedPackage> + 'lock {
        self.packages
            .iter()
            .filter(move |package| package.targets.contains(target))
    }
}
