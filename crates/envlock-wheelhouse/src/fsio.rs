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
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|error| WheelhouseError::io("create", dir, error))?;
    }
    envlock_fs::write_atomic(path, bytes)
        .map_err(|error| WheelhouseError::io("write", path, error))?;
    // A temporary file is created 0600; a web server must read this one.
    set_mode(path, 0o644)
}

/// Sets a path's mode (unix only).
#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<(), WheelhouseError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|error| WheelhouseError::io("set the permissions of", path, error))
}

/// Modes are the file system's business off unix.
#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> Result<(), WheelhouseError> {
    Ok(())
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

/// Gives every file under `dir` mode 0644 and every folder (`dir` too)
/// 0755, whatever the umask or a temporary file's 0600 made them, so that a
/// web server running as its own user can serve the folder. Temporary
/// names and symbolic links are left alone.
#[cfg(unix)]
pub(crate) fn set_readable_modes(dir: &Path) -> Result<(), WheelhouseError> {
    let set = set_mode;
    set(dir, 0o755)?;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder)
            .map_err(|error| WheelhouseError::io("read", &folder, error))?;
        for entry in entries {
            let entry = entry.map_err(|error| WheelhouseError::io("read", &folder, error))?;
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(TEMPORARY_PREFIX)
            {
                continue;
            }
            let path = entry.path();
            let kind = entry
                .file_type()
                .map_err(|error| WheelhouseError::io("read", &path, error))?;
            if kind.is_dir() {
                set(&path, 0o755)?;
                pending.push(path);
            } else if kind.is_file() {
                set(&path, 0o644)?;
            }
        }
    }
    Ok(())
}

/// Modes are the file system's business off unix.
#[cfg(not(unix))]
pub(crate) fn set_readable_modes(_dir: &Path) -> Result<(), WheelhouseError> {
    Ok(())
}
