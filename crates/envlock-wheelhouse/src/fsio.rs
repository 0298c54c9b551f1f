//! File primitives of the crate: writing through a temporary name, hashing,
//! and telling whether two paths are one file. Nothing here knows what a
//! wheelhouse holds.

use std::fmt::Write as _;
use std::io::{Read, Write as _};
use std::path::Path;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::WheelhouseError;

/// The prefix of every temporary file envlock makes in a wheelhouse (the
/// index client uses `.envlock-download-`, which shares it). Whatever starts
/// with it is not part of the wheelhouse.
pub(crate) const TEMPORARY_PREFIX: &str = ".envlock-";

/// Writes `bytes` to `path` through a temporary file and a rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WheelhouseError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|error| WheelhouseError::io("create", dir, error))?;
    let mut temporary = tempfile::Builder::new()
        .prefix(TEMPORARY_PREFIX)
        .tempfile_in(dir)
        .map_err(|error| WheelhouseError::io("create a temporary file in", dir, error))?;
    temporary
        .write_all(bytes)
        .map_err(|error| WheelhouseError::io("write", path, error))?;
    readable_file(temporary.as_file(), path)?;
    temporary
        .persist(path)
        .map_err(|error| WheelhouseError::io("write", path, error.error))?;
    Ok(())
}

/// Gives an open file mode 0644 (a temporary file is created 0600).
#[cfg(unix)]
fn readable_file(file: &std::fs::File, shown: &Path) -> Result<(), WheelhouseError> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
        .map_err(|error| WheelhouseError::io("set the permissions of", shown, error))
}

/// Modes are the file system's business off unix.
#[cfg(not(unix))]
fn readable_file(_file: &std::fs::File, _shown: &Path) -> Result<(), WheelhouseError> {
    Ok(())
}

/// The lowercase hex sha256 of a file's content.
pub(crate) fn sha256_of(path: &Path) -> Result<String, WheelhouseError> {
    let mut file =
        std::fs::File::open(path).map_err(|error| WheelhouseError::io("read", path, error))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|error| WheelhouseError::io("read", path, error))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// The sha256 of each relative path under `dir`, hashed in parallel.
pub(crate) fn hash_all(dir: &Path, paths: &[String]) -> Result<Vec<String>, WheelhouseError> {
    paths
        .par_iter()
        .map(|path| sha256_of(&dir.join(path)))
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
    use std::os::unix::fs::PermissionsExt;
    let set = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|error| WheelhouseError::io("set the permissions of", path, error))
    };
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
