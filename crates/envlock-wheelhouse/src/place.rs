//! Placing verified files in the folder, distributions and resources
//! alike: keeping a verified copy that is already there, linking from the
//! content-addressed cache, or fetching from an index. Nothing gets its
//! final name before its sha256 and size match the lock.

use std::path::Path;

use envlock_index::{Cache, IndexFile, PackageIndex};

use crate::error::WheelhouseError;
use crate::fsio::{TEMPORARY_PREFIX, same_file, sha256_of};
use crate::plan::PlannedFile;
use crate::progress::Origin;

/// Puts the file of `sha256` and `size` at `dest` without the network:
/// keeps a verified copy already there, or else links it from the cache.
/// `None` when it must be fetched.
pub(crate) fn place_local(
    dest: &Path,
    sha256: &str,
    size: u64,
    cache: Option<&Cache>,
) -> Result<Option<Origin>, WheelhouseError> {
    let cached = cache
        .and_then(|cache| cache.cached_file(sha256))
        .filter(|path| file_size(path) == Some(size));
    if is_verified_copy(dest, sha256, size, cached.as_deref())? {
        return Ok(Some(Origin::AlreadyThere));
    }
    match cached {
        Some(cached) => {
            place_from_cache(&cached, dest)?;
            Ok(Some(Origin::Cache))
        }
        None => Ok(None),
    }
}

fn file_size(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|metadata| metadata.len())
}

/// Whether `dest` already holds the file. A hard link to the cached copy is
/// the same bytes and needs no hashing; anything else of the right size is
/// hashed.
fn is_verified_copy(
    dest: &Path,
    sha256: &str,
    size: u64,
    cached: Option<&Path>,
) -> Result<bool, WheelhouseError> {
    let Ok(metadata) = std::fs::symlink_metadata(dest) else {
        return Ok(false);
    };
    if !metadata.is_file() || metadata.len() != size {
        return Ok(false);
    }
    if let Some(cached) = cached
        && same_file(dest, cached)
    {
        return Ok(true);
    }
    Ok(sha256_of(dest)?.matches_hex(sha256))
}

/// Puts the cached file at `dest` by hard link, or by copy across file
/// systems, through a temporary name.
fn place_from_cache(cached: &Path, dest: &Path) -> Result<(), WheelhouseError> {
    // Where nothing is in the way, a link appears whole or not at all.
    if std::fs::hard_link(cached, dest).is_ok() {
        return Ok(());
    }
    let dir = dest.parent().unwrap_or(Path::new("."));
    let temporary = tempfile::Builder::new()
        .prefix(TEMPORARY_PREFIX)
        .tempfile_in(dir)
        .map_err(|error| WheelhouseError::io("create a temporary file in", dir, error))?
        .into_temp_path();
    // A link cannot replace a file, so the temporary name is freed first.
    let _ = std::fs::remove_file(&temporary);
    if std::fs::hard_link(cached, &temporary).is_err() {
        std::fs::copy(cached, &temporary)
            .map_err(|error| WheelhouseError::io("copy from the cache", cached, error))?;
    }
    temporary
        .persist(dest)
        .map_err(|error| WheelhouseError::io("write", dest, error.error))
}

/// Downloads one distribution that `index` lists into `dir`, checked
/// against the lock's sha256 and size, and keeps it in the cache.
pub(crate) fn fetch_from_index(
    dir: &Path,
    cache: Option<&Cache>,
    index: &dyn PackageIndex,
    listed: &IndexFile,
    file: &PlannedFile,
) -> Result<(), WheelhouseError> {
    if let Some(index_sha256) = &listed.sha256
        && !index_sha256.eq_ignore_ascii_case(&file.sha256)
    {
        return Err(WheelhouseError::IndexHashDiffers {
            file: file.name.clone(),
            index: index.name().to_owned(),
            index_sha256: index_sha256.to_ascii_lowercase(),
            lock_sha256: file.sha256.clone(),
        });
    }
    // The lock's hash is the one that counts, whether or not the index
    // announced one: the fetch verifies it before the file gets its name.
    let mut wanted = listed.clone();
    wanted.sha256 = Some(file.sha256.clone());
    // And so is its size: no more than that is read from the index.
    wanted.size = Some(file.size);
    let dest = dir.join(&file.name);
    let fetched = index
        .fetch(&wanted, &dest)
        .map_err(|source| WheelhouseError::Fetch {
            file: file.name.clone(),
            source: Box::new(source),
        })?;
    check_fetched_size(&dest, &file.name, file.size, fetched.size)?;
    if let Some(cache) = cache {
        // A file the cache cannot keep is only fetched again next time.
        let _ = cache.store_file(&dest, &file.sha256);
    }
    Ok(())
}

/// Removes a fetched file at `dest` (shown as `shown`) whose size is not
/// the lock's.
pub(crate) fn check_fetched_size(
    dest: &Path,
    shown: &str,
    expected: u64,
    actual: u64,
) -> Result<(), WheelhouseError> {
    if actual == expected {
        return Ok(());
    }
    let _ = std::fs::remove_file(dest);
    Err(WheelhouseError::SizeDiffers {
        file: shown.to_owned(),
        expected,
        actual,
    })
}
