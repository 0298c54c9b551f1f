//! `requirements.txt` and `pylock.toml`: the lock exported for installers,
//! pointing at the folder's own files.

use std::path::Path;

use envlock_lock::{FileLocation, Lock, export_pylock, export_requirements};

use crate::error::WheelhouseError;
use crate::fsio::write_atomic;

/// Writes both exports of `lock` for `targets` into the folder at `dir`.
pub(crate) fn write_exports(
    dir: &Path,
    lock: &Lock,
    targets: &[String],
) -> Result<(), WheelhouseError> {
    let requirements = export_requirements(lock, Some(targets))?;
    write_atomic(&dir.join("requirements.txt"), requirements.as_bytes())?;
    let pylock = export_pylock(lock, Some(targets), &FileLocation::Wheelhouse)?;
    write_atomic(&dir.join("pylock.toml"), pylock.as_bytes())
}
