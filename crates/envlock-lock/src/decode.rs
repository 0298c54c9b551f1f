//! Reading a lock from TOML, and checking the invariants the format promises.

use std::collections::{BTreeSet, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

use envlock_pep::{Platform, PythonVersion};

use crate::FORMAT_VERSION;
use crate::model::{
    ImportedFrom, Lock, LockedFile, LockedPackage, LockedResource, LockedTarget, RequiredBy,
};

/// Why a lock could not be read.
#[derive(Debug, Error)]
pub enum LockError {
    /// The file could not be read or written.
    #[error("cannot {action} `{}`", path.display())]
    Io {
        /// What was being done: `read` or `write`.
        action: &'static str,
        /// The lockfile.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not TOML of the lock's shape.
    #[error("not a valid envlock lockfile: {message}")]
    Syntax {
        /// What the TOML reader said.
        message: String,
        /// Byte offsets of the offending text, when known.
        span: Option<Range<usize>>,
    },
    /// The lock was written by a newer (or unknown) format version.
    #[error(
        "lockfile format version {found} is not supported: this envlock reads version {FORMAT_VERSION}"
    )]
    UnsupportedVersion {
        /// The version the file declares.
        found: i64,
    },
    /// The lock breaks one of the format's invariants.
    #[error("invalid lockfile: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
struct VersionProbe {
    version: Option<i64>,
}

// Unknown keys are ignored on purpose: see the compatibility policy in the
// crate docs (additions within a format version must be safe to ignore).
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct WireLock {
    version: Option<i64>,
    name: String,
    inputs_digest: String,
    exclude_newer: Option<String>,
    imported_from: Option<WireImportedFrom>,
    #[serde(default)]
    requirements: Vec<String>,
    #[serde(default)]
    constraints: Vec<String>,
    #[serde(default)]
    target: Vec<WireTarget>,
    #[serde(default)]
    package: Vec<WirePackage>,
    #[serde(default, rename = "build-package")]
    build_package: Vec<WirePackage>,
    #[serde(default, rename = "installer-package")]
    installer_package: Vec<WirePackage>,
    #[serde(default)]
    resource: Vec<WireResource>,
    #[serde(default)]
    interpreter: Vec<crate::interpreter::WireInterpreter>,
}

#[derive(Deserialize)]
struct WireImportedFrom {
    format: String,
    path: String,
    sha256: String,
}

#[derive(Deserialize)]
struct WireResource {
    name: String,
    url: String,
    file: String,
    env: String,
    sha256: String,
    size: u64,
}

#[derive(Deserialize)]
struct WireTarget {
    name: String,
    python: String,
    platform: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct WirePackage {
    name: String,
    version: String,
    index: String,
    targets: BTreeSet<String>,
    requires_python: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
    #[serde(default)]
    required_by: Vec<WireRequiredBy>,
    #[serde(default)]
    files: Vec<WireFile>,
}

#[derive(Deserialize)]
struct WireRequiredBy {
    package: Option<String>,
    version: Option<String>,
    extra: Option<String>,
    #[serde(default)]
    specifier: String,
    marker: Option<String>,
    targets: BTreeSet<String>,
}

#[derive(Deserialize)]
struct WireFile {
    name: String,
    sha256: String,
    size: u64,
    targets: BTreeSet<String>,
}

/// Reads a lock from its TOML text and checks its invariants.
pub fn decode(text: &str) -> Result<Lock, LockError> {
    // One parse on the way that matters (a lock of this format): the text is
    // read as a whole lock, version included. Only when that fails is the
    // version read alone, so that a lock of another format version is told
    // as such rather than as a shape error of this one.
    let wire: WireLock = match toml::from_str(text) {
        Ok(wire) => wire,
        Err(error) => {
            let probe: VersionProbe = toml::from_str(text).map_err(syntax)?;
            check_version(probe.version)?;
            return Err(syntax(error));
        }
    };
    check_version(wire.version)?;
    crate::names::check_wire_names(&wire.name, wire.target.iter().map(|target| &target.name))
        .map_err(LockError::Invalid)?;
    let lock = Lock {
        name: wire.name,
        inputs_digest: wire.inputs_digest,
        exclude_newer: wire.exclude_newer,
        imported_from: wire
            .imported_from
            .map(|source| {
                Ok::<_, LockError>(ImportedFrom {
                    sha256: parse_sha256(&source.sha256, || "`imported-from`".to_owned())
                        .map_err(LockError::Invalid)?,
                    format: source.format,
                    path: source.path,
                })
            })
            .transpose()?,
        requirements: wire.requirements,
        constraints: wire.constraints,
        targets: wire
            .target
            .into_iter()
            .map(target_from_wire)
            .collect::<Result<_, _>>()?,
        packages: packages_from_wire(wire.package, "package")?,
        build_packages: packages_from_wire(wire.build_package, "build package")?,
        installer_packages: packages_from_wire(wire.installer_package, "installer package")?,
        resources: wire
            .resource
            .into_iter()
            .map(resource_from_wire)
            .collect::<Result<_, LockError>>()?,
        interpreters: wire
            .interpreter
            .into_iter()
            .map(crate::interpreter::WireInterpreter::into_locked)
            .collect::<Result<_, _>>()
            .map_err(LockError::Invalid)?,
    };
    validate(&lock)?;
    Ok(lock)
}

fn check_version(version: Option<i64>) -> Result<(), LockError> {
    match version {
        Some(FORMAT_VERSION) => Ok(()),
        Some(found) => Err(LockError::UnsupportedVersion { found }),
        None => Err(LockError::Invalid(
            "the `version` key is missing (is this an envlock lockfile?)".to_owned(),
        )),
    }
}

fn resource_from_wire(resource: WireResource) -> Result<LockedResource, LockError> {
    Ok(LockedResource {
        sha256: parse_sha256(&resource.sha256, || format!("resource `{}`", resource.name))
            .map_err(LockError::Invalid)?,
        name: resource.name,
        url: resource.url,
        file: resource.file,
        env: resource.env,
        size: resource.size,
    })
}

/// A target's python and platform, each written in canonical form.
fn target_from_wire(target: WireTarget) -> Result<LockedTarget, LockError> {
    let invalid = |field: &str, text: &str, problem: String| {
        LockError::Invalid(format!(
            "target `{}`: {field} `{}`: {problem}",
            target.name,
            text.escape_debug()
        ))
    };
    let python = PythonVersion::parse(&target.python)
        .map_err(|source| invalid("python", &target.python, source.to_string()))?;
    let platform = Platform::parse(&target.platform)
        .map_err(|source| invalid("platform", &target.platform, source.to_string()))?;
    for (field, text, canonical) in [
        ("python", &target.python, python.to_string()),
        ("platform", &target.platform, platform.to_string()),
    ] {
        if *text != canonical {
            return Err(invalid(
                field,
                text,
                format!(
                    "not written in canonical form (`{canonical}`); {}",
                    crate::names::EDIT_HINT
                ),
            ));
        }
    }
    Ok(LockedTarget {
        name: target.name,
        python,
        platform,
    })
}

/// Parses one list of packages. A package listed twice is reported before
/// anything inside it (as [`validate`] does for a lock that was built).
fn packages_from_wire(
    packages: Vec<WirePackage>,
    kind: &str,
) -> Result<Vec<LockedPackage>, LockError> {
    let mut seen = HashSet::new();
    for package in &packages {
        if !seen.insert((package.name.as_str(), package.version.as_str())) {
            return Err(LockError::Invalid(format!(
                "{kind} `{} {}` is listed twice",
                package.name, package.version
            )));
        }
    }
    packages
        .into_iter()
        .map(|package| package_from_wire(package, kind).map_err(LockError::Invalid))
        .collect()
}

/// Reads and decodes the lockfile at `path`.
pub fn read_lock(path: &Path) -> Result<Lock, LockError> {
    let text = std::fs::read_to_string(path).map_err(|source| LockError::Io {
        action: "read",
        path: path.to_owned(),
        source,
    })?;
    decode(&text)
}

fn syntax(error: toml::de::Error) -> LockError {
    LockError::Syntax {
        message: error.message().to_owned(),
        span: error.span(),
    }
}

/// Parses one package: its name, version, files and edges, each once.
fn package_from_wire(package: WirePackage, kind: &str) -> Result<LockedPackage, String> {
    let name = crate::names::parse_package_name(&package.name, kind)?;
    let id = format!(
        "{kind} `{} {}`",
        package.name,
        package.version.escape_debug()
    );
    let version = crate::names::parse_version(&package.version, &id)?;
    let files = package
        .files
        .into_iter()
        .map(|file| {
            Ok(LockedFile {
                name: crate::names::parse_file_name(&file.name, &name, &version, &id)?,
                sha256: parse_sha256(&file.sha256, || format!("file `{}` of {id}", file.name))?,
                size: file.size,
                targets: file.targets,
            })
        })
        .collect::<Result<_, String>>()?;
    let required_by = package
        .required_by
        .into_iter()
        .map(|edge| {
            let requiring = match (edge.package, edge.version) {
                (Some(name), Some(version)) => {
                    Some(crate::names::parse_requiring(&name, &version, &id)?)
                }
                (None, None) => None,
                _ => {
                    return Err(format!(
                        "a `required-by` edge of `{} {}` has only one of `package` and `version`",
                        package.name, package.version
                    ));
                }
            };
            Ok(RequiredBy {
                package: requiring,
                extra: edge.extra,
                specifier: edge.specifier,
                marker: edge.marker,
                targets: edge.targets,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(LockedPackage {
        name,
        version,
        index: package.index,
        targets: package.targets,
        requires_python: package.requires_python,
        dependencies: package.dependencies,
        required_by,
        files,
    })
}

/// Parses a lock's sha256, which must be in canonical (lowercase) form so
/// that the lock re-encodes to the same bytes.
fn parse_sha256(text: &str, id: impl Fn() -> String) -> Result<envlock_fs::Sha256, String> {
    envlock_fs::Sha256::from_lowercase_hex(text).map_err(|_| {
        format!(
            "{} has sha256 `{text}`, which is not 64 lowercase hex digits",
            id()
        )
    })
}

/// Checks the invariants the crate docs promise.
pub fn validate(lock: &Lock) -> Result<(), LockError> {
    let invalid = |message: String| Err(LockError::Invalid(message));
    crate::names::check_lock_names(lock).map_err(LockError::Invalid)?;
    let mut target_names = HashSet::new();
    for target in &lock.targets {
        if !target_names.insert(target.name.as_str()) {
            return invalid(format!("target `{}` is declared twice", target.name));
        }
    }
    let known = |targets: &BTreeSet<String>, what: &dyn Fn() -> String| match targets
        .iter()
        .find(|name| !target_names.contains(name.as_str()))
    {
        Some(unknown) => invalid(format!(
            "{} names target `{unknown}`, which the lock does not declare",
            what()
        )),
        None => Ok(()),
    };
    for (packages, kind) in [
        (&lock.packages, "package"),
        (&lock.build_packages, "build package"),
        (&lock.installer_packages, "installer package"),
    ] {
        validate_packages(packages, kind, &known)?;
    }
    validate_resources(&lock.resources)?;
    crate::interpreter::validate_interpreters(lock).map_err(LockError::Invalid)
}

/// Resource names, files and variables are unique, files are bare names,
/// hashes are hex.
fn validate_resources(resources: &[LockedResource]) -> Result<(), LockError> {
    let invalid = |message: String| Err(LockError::Invalid(message));
    let mut names = HashSet::new();
    let mut files = HashSet::new();
    let mut variables = HashSet::new();
    for resource in resources {
        crate::names::check_resource_names(resource).map_err(LockError::Invalid)?;
        let id = format!("resource `{}`", resource.name);
        if !names.insert(resource.name.as_str()) {
            return invalid(format!("{id} is listed twice"));
        }
        if !files.insert(resource.file.as_str()) {
            return invalid(format!("{id} reuses the file name `{}`", resource.file));
        }
        if !variables.insert(resource.env.as_str()) {
            return invalid(format!("{id} reuses the variable `{}`", resource.env));
        }
    }
    Ok(())
}

/// Checks that a set of targets names only declared targets; the closure
/// says what holds the set, for the error.
type KnownTargets<'a> =
    dyn Fn(&BTreeSet<String>, &dyn Fn() -> String) -> Result<(), LockError> + 'a;

/// Checks one list of packages (`[[package]]` or `[[build-package]]`).
fn validate_packages(
    packages: &[crate::LockedPackage],
    kind: &str,
    known: &KnownTargets<'_>,
) -> Result<(), LockError> {
    let invalid = |message: String| Err(LockError::Invalid(message));
    let mut seen = HashSet::new();
    for package in packages {
        let id = || format!("{kind} `{} {}`", package.name, package.version);
        if !seen.insert((&package.name, &package.version)) {
            return invalid(format!("{} is listed twice", id()));
        }
        crate::names::check_package_names(package, kind).map_err(LockError::Invalid)?;
        if package.targets.is_empty() {
            return invalid(format!("{} is installed by no target", id()));
        }
        known(&package.targets, &id)?;
        let mut file_names = HashSet::new();
        for file in &package.files {
            let file_id = || format!("file `{}` of {}", file.file_name(), id());
            if !file_names.insert(file.file_name()) {
                return invalid(format!("{} is listed twice", file_id()));
            }
            known(&file.targets, &file_id)?;
            if let Some(stray) = file.targets.difference(&package.targets).next() {
                return invalid(format!(
                    "{} is installed on target `{stray}`, which does not install the package",
                    file_id()
                ));
            }
        }
        for edge in &package.required_by {
            known(&edge.targets, &|| {
                format!("a `required-by` edge of {}", id())
            })?;
        }
    }
    Ok(())
}
