//! The wheelhouse folder's lifecycle: what counts as a wheelhouse folder,
//! preparing one to build in (or to resume a build in), the incomplete
//! marker, and which of its files are part of it.
//!
//! What the folder holds is described once, in the repository's README.md
//! (section "Building a wheelhouse"); the modules of this crate each write
//! one part of it. `SHA256SUMS` is written last and removed first: a folder
//! without it is a build that did not finish, and `envlock verify` says so.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use envlock_lock::LockedResource;

use crate::error::WheelhouseError;
use crate::fsio::{TEMPORARY_PREFIX, write_atomic};
use crate::plan::PlannedFile;

/// The file that marks a folder as a wheelhouse and names its targets.
pub(crate) const MANIFEST: &str = "wheelhouse.toml";
/// The checksums file, written last; without it the build did not finish.
pub(crate) const CHECKSUMS: &str = "SHA256SUMS";
/// The lock's copy.
pub(crate) const LOCK: &str = "envlock.lock";
/// The folder that holds the lock's resources.
pub(crate) const RESOURCES: &str = "resources";

/// The folder that holds the carried interpreters.
pub(crate) const PYTHON: &str = "python";

/// The path of a carried interpreter inside the wheelhouse
/// (`python/<file>`).
pub(crate) fn interpreter_path(file: &str) -> String {
    format!("{PYTHON}/{file}")
}

/// The path of a resource inside the wheelhouse (`resources/<file>`).
pub(crate) fn resource_path(resource: &LockedResource) -> String {
    format!("{RESOURCES}/{}", resource.file)
}

/// Creates the folder, or checks that an existing one is safe to build in,
/// and clears temporary files an interrupted build left.
pub(crate) fn prepare_dir(dir: &Path) -> Result<(), WheelhouseError> {
    std::fs::create_dir_all(dir).map_err(|error| WheelhouseError::io("create", dir, error))?;
    let mut entries = read_dir_names(dir)?;
    entries.retain(|name| !name.starts_with(TEMPORARY_PREFIX));
    if !entries.is_empty() && !dir.join(MANIFEST).is_file() {
        return Err(WheelhouseError::NotAWheelhouse {
            path: dir.to_path_buf(),
        });
    }
    for name in read_dir_names(dir)? {
        if name.starts_with(TEMPORARY_PREFIX) {
            let path = dir.join(&name);
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
    }
    // The marker goes in before any distribution, so that a build that
    // fails half-way can be resumed in the same folder.
    if !dir.join(MANIFEST).is_file() {
        write_atomic(
            &dir.join(MANIFEST),
            b"# An envlock wheelhouse being built.\n",
        )?;
    }
    mark_incomplete(dir)
}

/// Removes `SHA256SUMS`, so that an unfinished build cannot pass a check.
pub(crate) fn mark_incomplete(dir: &Path) -> Result<(), WheelhouseError> {
    let path = dir.join(CHECKSUMS);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(WheelhouseError::io("remove", path, error)),
    }
}

fn read_dir_names(dir: &Path) -> Result<Vec<String>, WheelhouseError> {
    let entries =
        std::fs::read_dir(dir).map_err(|error| WheelhouseError::io("read", dir, error))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| WheelhouseError::io("read", dir, error))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// Whether a top-level file name is a distribution (wheel or sdist).
fn is_distribution(name: &str) -> bool {
    envlock_pep::DistKind::of(name) != envlock_pep::DistKind::Other
}

/// Removes distributions that an earlier build of this folder placed and
/// the current lock no longer has. Returns their names.
pub(crate) fn remove_unplanned(
    dir: &Path,
    files: &[PlannedFile],
) -> Result<Vec<String>, WheelhouseError> {
    let planned: BTreeSet<&str> = files.iter().map(|file| file.name.as_str()).collect();
    let mut removed = Vec::new();
    for name in read_dir_names(dir)? {
        if is_distribution(&name) && !planned.contains(name.as_str()) {
            let path = dir.join(&name);
            std::fs::remove_file(&path)
                .map_err(|error| WheelhouseError::io("remove", path, error))?;
            removed.push(name);
        }
    }
    Ok(removed)
}

/// Every file under `dir` except `SHA256SUMS` itself and temporary files,
/// as sorted `/`-separated relative paths.
pub(crate) fn all_files(dir: &Path) -> Result<Vec<String>, WheelhouseError> {
    let mut found = Vec::new();
    let mut pending: Vec<PathBuf> = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let absolute = dir.join(&relative);
        let entries = std::fs::read_dir(&absolute)
            .map_err(|error| WheelhouseError::io("read", &absolute, error))?;
        for entry in entries {
            let entry = entry.map_err(|error| WheelhouseError::io("read", &absolute, error))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(TEMPORARY_PREFIX) {
                continue;
            }
            let path = relative.join(&name);
            let kind = entry
                .file_type()
                .map_err(|error| WheelhouseError::io("read", entry.path(), error))?;
            if kind.is_dir() {
                pending.push(path);
            } else {
                let text = path
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                if text != CHECKSUMS {
                    found.push(text);
                }
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_with_other_files_is_not_built_into() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let error = prepare_dir(dir.path()).unwrap_err();
        assert!(matches!(error, WheelhouseError::NotAWheelhouse { .. }));
        // Leftovers of an interrupted build do not count, and are cleared.
        let other = tempfile::tempdir().unwrap();
        std::fs::write(other.path().join(".envlock-download-x"), "partial").unwrap();
        prepare_dir(other.path()).unwrap();
        assert!(!other.path().join(".envlock-download-x").exists());
        assert!(other.path().join(MANIFEST).is_file());
    }
}
