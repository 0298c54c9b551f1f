//! `envlock verify`: re-hashing a carried wheelhouse against the lock in it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::checksums::read_checksums;
use crate::error::WheelhouseError;
use crate::folder::{CHECKSUMS, LOCK, all_files, interpreter_path, resource_path};
use crate::fsio::hash_all;
use crate::manifest::{Manifest, read_manifest};
use crate::plan::planned_files;

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
    /// The lock inside the wheelhouse is not the reviewed lock given with
    /// `--lock`: the files were checked against the reviewed one.
    LockDiffers {
        /// The sha256 of the reviewed lock.
        expected: String,
        /// The sha256 of the wheelhouse's `envlock.lock`.
        actual: String,
    },
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
            Problem::LockDiffers { expected, actual } => write!(
                formatter,
                "changed: {LOCK} is not the reviewed lock (reviewed sha256 {expected}, carried {actual})"
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
    /// The sha256 of the lock the files were checked against: the
    /// reviewed lock when one was given, else the wheelhouse's own.
    pub lock_sha256: String,
    /// The reviewed lock given with `--lock`, if any.
    pub reviewed_lock: Option<PathBuf>,
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
    verify_against(dir, None)
}

/// [`verify`], with the files checked against `reviewed` (the lock from the
/// reviewed repository) rather than the lock carried inside the wheelhouse,
/// which must then be the same bytes: a carry whose files and inner lock
/// were swapped together fails.
pub fn verify_against(
    dir: &Path,
    reviewed: Option<&Path>,
) -> Result<VerifyReport, WheelhouseError> {
    let inner_path = dir.join(LOCK);
    let (inner_text, inner_lock) = read_lock_text(&inner_path)?;
    let inner_sha256 = sha256_hex(&inner_text);
    let mut problems = Vec::new();
    let (lock, lock_sha256) = match reviewed {
        Some(path) => {
            let (text, lock) = read_lock_text(path)?;
            let sha256 = sha256_hex(&text);
            if sha256 != inner_sha256 {
                problems.push(Problem::LockDiffers {
                    expected: sha256.clone(),
                    actual: inner_sha256,
                });
            }
            (lock, sha256)
        }
        None => (inner_lock, inner_sha256),
    };
    let manifest = read_manifest(dir)?;
    let checksums = if dir.join(CHECKSUMS).is_file() {
        Some(read_checksums(dir)?)
    } else {
        problems.push(Problem::Unfinished);
        None
    };
    let planned: Vec<(String, String)> = planned_files(&lock, &manifest.targets)
        .into_iter()
        .map(|file| (file.name, file.sha256.to_hex()))
        .collect();
    let resources: Vec<(String, String)> = lock
        .resources
        .iter()
        .map(|resource| (resource_path(resource), resource.sha256.to_string()))
        // The carried interpreters are checked against the lock too.
        .chain(
            lock.interpreters
                .iter()
                .filter(|interpreter| manifest.targets.contains(&interpreter.target))
                .map(|interpreter| {
                    (
                        interpreter_path(&interpreter.file),
                        interpreter.sha256.to_string(),
                    )
                }),
        )
        .collect();
    let expected = expected_hashes(&planned, &manifest, checksums.as_ref(), &resources);
    let present = all_files(dir)?;
    let present_set: BTreeSet<&str> = present.iter().map(String::as_str).collect();
    for path in expected.keys() {
        if !present_set.contains(path) {
            problems.push(Problem::Missing {
                path: (*path).to_owned(),
            });
        }
    }
    let (to_hash, extra): (Vec<String>, Vec<String>) = present
        .into_iter()
        .partition(|path| expected.contains_key(path.as_str()));
    problems.extend(extra.into_iter().map(|path| Problem::Extra { path }));
    let bytes = compare_hashes(dir, &to_hash, &expected, &mut problems)?;
    problems.sort_by(|left, right| problem_path(left).cmp(problem_path(right)));
    Ok(VerifyReport {
        dir: dir.to_path_buf(),
        targets: manifest.targets,
        lock_sha256,
        reviewed_lock: reviewed.map(Path::to_path_buf),
        files: to_hash.len(),
        bytes,
        problems,
    })
}

/// What each file should hash to: the lock decides for the distributions
/// (`planned`: each one's name and the lock's hash, and the manifest for
/// wheels built here) and the resources (`resources`: each one's path and
/// the lock's hash); `SHA256SUMS` for the rest.
fn expected_hashes<'a>(
    planned: &'a [(String, String)],
    manifest: &'a Manifest,
    checksums: Option<&'a BTreeMap<String, String>>,
    resources: &'a [(String, String)],
) -> BTreeMap<&'a str, &'a str> {
    let mut expected: BTreeMap<&str, &str> = BTreeMap::new();
    for (path, sha256) in checksums.into_iter().flatten() {
        expected.insert(path.as_str(), sha256.as_str());
    }
    for (name, sha256) in planned {
        expected.insert(name.as_str(), sha256.as_str());
    }
    for wheel in &manifest.built_wheels {
        expected.insert(wheel.file.as_str(), wheel.sha256.as_str());
    }
    for (path, sha256) in resources {
        expected.insert(path.as_str(), sha256.as_str());
    }
    expected
}

/// Hashes `paths` under `dir` in parallel and adds a problem for each one
/// whose hash is not the expected one. Returns the bytes hashed.
fn compare_hashes(
    dir: &Path,
    paths: &[String],
    expected: &BTreeMap<&str, &str>,
    problems: &mut Vec<Problem>,
) -> Result<u64, WheelhouseError> {
    let sums = hash_all(dir, paths)?;
    let mut bytes = 0;
    for (path, actual) in paths.iter().zip(sums) {
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
    Ok(bytes)
}

fn problem_path(problem: &Problem) -> &str {
    match problem {
        Problem::Missing { path } | Problem::Changed { path, .. } | Problem::Extra { path } => path,
        Problem::Unfinished | Problem::LockDiffers { .. } => "",
    }
}

/// A lock's text and what it says.
fn read_lock_text(path: &Path) -> Result<(String, envlock_lock::Lock), WheelhouseError> {
    let text =
        std::fs::read_to_string(path).map_err(|error| WheelhouseError::io("read", path, error))?;
    let lock = envlock_lock::decode(&text).map_err(|source| WheelhouseError::Lock {
        path: path.to_owned(),
        source,
    })?;
    Ok((text, lock))
}

/// The sha256 of a lock's bytes, as `wheelhouse` and `verify` print it.
pub fn sha256_hex(text: &str) -> String {
    envlock_fs::Sha256::digest(text.as_bytes()).to_string()
}
