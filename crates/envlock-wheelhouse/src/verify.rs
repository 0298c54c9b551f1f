//! `envlock verify`: re-hashing a carried wheelhouse against the lock in it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::error::WheelhouseError;
use crate::layout::{self, CHECKSUMS, LOCK};
use crate::plan::planned_files;
use crate::resources::resource_path;

/// One thing wrong with a wheelhouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Problem {
    /// A file the lock or `SHA256SUMS` lists is not there.
    Missing {
        /// Its path inside the wheelhouse.
        path: String,
    },
    /// A file's content is not what the lock (for distributions) or
    /// `SHA256SUMS` (for the rest) says.
    Changed {
        /// Its path inside the wheelhouse.
        path: String,
        /// The sha256 it should have.
        expected: String,
        /// The sha256 it has.
        actual: String,
    },
    /// A file that neither the lock nor `SHA256SUMS` knows.
    Extra {
        /// Its path inside the wheelhouse.
        path: String,
    },
    /// `SHA256SUMS` is absent: the build never finished.
    Unfinished,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Missing { path } => write!(formatter, "missing: {path}"),
            Problem::Changed {
                path,
                expected,
                actual,
            } => write!(
                formatter,
                "changed: {path} (expected sha256 {expected}, found {actual})"
            ),
            Problem::Extra { path } => write!(formatter, "not part of the wheelhouse: {path}"),
            Problem::Unfinished => write!(
                formatter,
                "{CHECKSUMS} is missing: the build of this wheelhouse did not finish"
            ),
        }
    }
}

/// What `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The wheelhouse.
    pub dir: PathBuf,
    /// The targets its manifest names.
    pub targets: Vec<String>,
    /// Files hashed.
    pub files: usize,
    /// Bytes hashed.
    pub bytes: u64,
    /// Everything wrong, sorted by path; empty when the wheelhouse is intact.
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    /// Whether nothing is wrong.
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Re-hashes every file of the wheelhouse at `dir`: distributions and
/// resources against the lock inside it (for the targets its manifest
/// names), every other file against `SHA256SUMS`, and reports files that
/// are missing or extra.
pub fn verify(dir: &Path) -> Result<VerifyReport, WheelhouseError> {
    let lock_path = dir.join(LOCK);
    let lock = envlock_lock::read_lock(&lock_path).map_err(|source| WheelhouseError::Lock {
        path: lock_path.clone(),
        source,
    })?;
    let manifest = layout::read_manifest(dir)?;
    let targets = manifest.targets;
    let planned = planned_files(&lock, &targets);
    let present = layout::all_files(dir)?;
    let present_set: BTreeSet<&str> = present.iter().map(String::as_str).collect();
    let mut problems = Vec::new();

    let checksums = if dir.join(CHECKSUMS).is_file() {
        Some(layout::read_checksums(dir)?)
    } else {
        problems.push(Problem::Unfinished);
        None
    };

    // What each present file should hash to: the lock decides for the
    // distributions, SHA256SUMS for the rest.
    let mut expected: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
    if let Some(checksums) = &checksums {
        for (path, sha256) in checksums {
            expected.insert(path.as_str(), sha256.as_str());
        }
    }
    for file in &planned {
        expected.insert(file.name.as_str(), file.sha256.as_str());
    }
    for wheel in &manifest.built_wheels {
        expected.insert(wheel.file.as_str(), wheel.sha256.as_str());
    }
    let resource_paths: Vec<(String, String)> = lock
        .resources
        .iter()
        .map(|resource| (resource_path(resource), resource.sha256.to_string()))
        .collect();
    for (path, sha256) in &resource_paths {
        expected.insert(path.as_str(), sha256.as_str());
    }
    for path in expected.keys() {
        if !present_set.contains(path) {
            problems.push(Problem::Missing {
                path: (*path).to_owned(),
            });
        }
    }
    let to_hash: Vec<String> = present
        .iter()
        .filter(|path| {
            if expected.contains_key(path.as_str()) {
                true
            } else {
                problems.push(Problem::Extra {
                    path: (*path).clone(),
                });
                false
            }
        })
        .cloned()
        .collect();
    let sums = hash_all(dir, &to_hash)?;
    let mut bytes = 0;
    for (path, actual) in to_hash.iter().zip(sums) {
        bytes += std::fs::metadata(dir.join(path))
            .map(|metadata| metadata.len())
            .unwrap_or(0);
        if let Some(wanted) = expected.get(path.as_str())
            && *wanted != actual
        {
            problems.push(Problem::Changed {
                path: path.clone(),
                expected: (*wanted).to_owned(),
                actual,
            });
        }
    }
    problems.sort_by(|left, right| problem_path(left).cmp(problem_path(right)));
    Ok(VerifyReport {
        dir: dir.to_path_buf(),
        targets,
        files: to_hash.len(),
        bytes,
        problems,
    })
}

fn problem_path(problem: &Problem) -> &str {
    match problem {
        Problem::Missing { path } | Problem::Changed { path, .. } | Problem::Extra { path } => path,
        Problem::Unfinished => "",
    }
}

/// The sha256 of each relative path under `dir`, hashed in parallel.
pub(crate) fn hash_all(dir: &Path, paths: &[String]) -> Result<Vec<String>, WheelhouseError> {
    paths
        .par_iter()
        .map(|path| layout::sha256_of(&dir.join(path)))
        .collect()
}
