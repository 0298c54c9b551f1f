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
    ensure_mode(path, FILE_MODE)
}

/// The mode of every file of a wheelhouse: a web server running as its
/// own user must be able to read it.
pub(crate) const FILE_MODE: u32 = 0o644;

/// The mode of a wheelhouse's folders.
const FOLDER_MODE: u32 = 0o755;

/// Gives `path` `mode` unless it has it already (unix only). Setting a mode
/// changes the file's ctime even when the mode stays the same, and a stamp
/// records the ctime: setting every file's mode again at the end of every
/// build made all stamps stale, so each rebuild in place hashed every file
/// again.
#[cfg(unix)]
pub(crate) fn ensure_mode(path: &Path, mode: u32) -> Result<(), WheelhouseError> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = std::fs::symlink_metadata(path)
        .map_err(|error| WheelhouseError::io("read", path, error))?;
    if metadata.permissions().mode() & 0o7777 == mode {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|error| WheelhouseError::io("set the permissions of", path, error))
}

/// Modes are the file system's business off unix.
#[cfg(not(unix))]
pub(crate) fn ensure_mode(_path: &Path, _mode: u32) -> Result<(), WheelhouseError> {
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
/// names and symbolic links are left alone, and so are paths that have
/// their mode already (see [`ensure_mode`]).
pub(crate) fn set_readable_modes(dir: &Path) -> Result<(), WheelhouseError> {
    ensure_mode(dir, FOLDER_MODE)?;
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
                ensure_mode(&path, FOLDER_MODE)?;
                pending.push(path);
            } else if kind.is_file() {
                ensure_mode(&path, FILE_MODE)?;
            }
        }
    }
    Ok(())
}
