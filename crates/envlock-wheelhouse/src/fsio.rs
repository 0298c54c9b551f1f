//! File primitives of the crate: writing through a temporary name, hashing,
//! and telling whether two paths are one file. Nothing here knows what a
//! wheelhouse holds.

use std::path::Path;

use envlock_fs::Sha256;
use rayon::prelude::*;

use crate::error::WheelhouseError;

/// The prefix of every temporary file envlock makes in a wheelhouse (the
/// index client's downloads share it). Whatever starts with it is not part
/// of the wheelhouse.
pub(crate) use envlock_fs::TEMPORARY_PREFIX;

/// Writes `bytes` to `path` through a temporary file, fsync and a rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WheelhouseError> {
    envlock_fs::write_atomic(path, bytes).map_err(|error| WheelhouseError::io("write", path, error))
}

/// The sha256 of a file's content.
pub(crate) fn sha256_of(path: &Path) -> Result<Sha256, WheelhouseError> {
    envlock_fs::sha256_file(path)
        .map(|(sha256, _size)| sha256)
        .map_err(|error| WheelhouseError::io("read", path, error))
}

/// The sha256 of each relative path under `dir`, hashed in parallel.
pub(crate) fn hash_all(dir: &Path, paths: &[String]) -> Result<Vec<String>, WheelhouseError> {
    paths
        .par_iter()
        .map(|path| sha256_of(&dir.join(path)).map(|sha256| sha256.to_string()))
        .collect()
}

/// Whether two paths name the same file (a hard link of one another).
#[cfg(unix)]
pub(crate) fn same_file(left: &Path, right: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(left), std::fs::metadata(right)) {
        (Ok(left), Ok(right)) => left.dev() == right.dev() && left.ino() == right.ino(),
        _ => false,
    }
}

/// Whether two paths name the same file; never known off unix.
#[cfg(not(unix))]
pub(crate) fn same_file(_left: &Path, _right: &Path) -> bool {
    false
}
