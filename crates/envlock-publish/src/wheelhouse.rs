//! What a wheelhouse holds for the chosen targets: every locked
//! distribution (build requirements of sdists included), the wheels built
//! into it with `--build-wheels`, and the lock's resources. The wheelhouse
//! is verified first, exactly as `envlock verify` does, and refused when it
//! does not verify.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use envlock_lock::{Lock, LockedResource};
use serde::Serialize;

use crate::error::PublishError;

/// One distribution to publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Artifact {
    /// The normalised package name.
    pub package: String,
    /// The version.
    pub version: String,
    /// The file name.
    pub file: String,
    /// The sha256 the lock (or the manifest, for a built wheel) gives.
    pub sha256: String,
    /// The size in bytes.
    pub size: u64,
    /// Where it is in the wheelhouse.
    #[serde(skip)]
    pub path: PathBuf,
}

/// A verified wheelhouse, read for publishing.
#[derive(Debug, Clone)]
pub struct Wheelhouse {
    /// Its folder.
    pub dir: PathBuf,
    /// The lock inside it.
    pub lock: Lock,
    /// The targets chosen (all those it serves when none were named).
    pub targets: Vec<String>,
    /// The distributions of those targets, sorted by file name.
    pub artifacts: Vec<Artifact>,
}

impl Wheelhouse {
    /// The lock's resources, with their paths in the wheelhouse.
    pub fn resources(&self) -> Vec<(LockedResource, PathBuf)> {
        self.lock
            .resources
            .iter()
            .map(|resource| {
                (
                    resource.clone(),
                    self.dir.join("resources").join(&resource.file),
                )
            })
            .collect()
    }
}

/// Verifies the wheelhouse at `dir` and lists what it holds for `targets`
/// (every target it serves when empty).
pub fn open(dir: &Path, targets: &[String]) -> Result<Wheelhouse, PublishError> {
    let report = envlock_wheelhouse::verify(dir)?;
    if !report.is_intact() {
        let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        return Err(PublishError::NotIntact {
            dir: dir.to_path_buf(),
            problems: problems.join("; "),
        });
    }
    for name in targets {
        if !report.targets.contains(name) {
            return Err(PublishError::UnknownTarget {
                name: name.clone(),
                available: report.targets.join(", "),
            });
        }
    }
    let chosen: Vec<String> = if targets.is_empty() {
        report.targets.clone()
    } else {
        targets.to_vec()
    };
    let lock_path = dir.join("envlock.lock");
    let lock = envlock_lock::read_lock(&lock_path).map_err(|error| PublishError::Malformed {
        path: lock_path.clone(),
        reason: error.to_string(),
    })?;
    let mut artifacts = locked_artifacts(dir, &lock, &chosen);
    artifacts.extend(built_wheels(dir, &chosen)?);
    artifacts.sort_by(|left, right| left.file.cmp(&right.file));
    artifacts.dedup_by(|later, earlier| later.file == earlier.file);
    Ok(Wheelhouse {
        dir: dir.to_path_buf(),
        lock,
        targets: chosen,
        artifacts,
    })
}

fn locked_artifacts(dir: &Path, lock: &Lock, chosen: &[String]) -> Vec<Artifact> {
    let chosen: BTreeSet<&str> = chosen.iter().map(String::as_str).collect();
    lock.packages
        .iter()
        .chain(&lock.build_packages)
        .flat_map(|package| {
            package
                .files
                .iter()
                .filter(|file| file.targets.iter().any(|t| chosen.contains(t.as_str())))
                .map(|file| Artifact {
                    package: package.name.to_string(),
                    version: package.version.to_string(),
                    file: file.file_name().to_owned(),
                    sha256: file.sha256.to_string(),
                    size: file.size,
                    path: dir.join(file.file_name()),
                })
        })
        .collect()
}

/// The wheels built into the wheelhouse for `chosen`, from its manifest
/// (read by the wheelhouse crate, as `envlock verify` reads it).
fn built_wheels(dir: &Path, chosen: &[String]) -> Result<Vec<Artifact>, PublishError> {
    let manifest = envlock_wheelhouse::read_manifest(dir)?;
    Ok(manifest
        .built_wheels
        .into_iter()
        .filter(|wheel| wheel.targets.iter().any(|target| chosen.contains(target)))
        .map(|wheel| Artifact {
            path: dir.join(&wheel.file),
            package: wheel.package,
            version: wheel.version,
            file: wheel.file,
            sha256: wheel.sha256.to_ascii_lowercase(),
            size: wheel.size,
        })
        .collect())
}
