//! Placing verified files in the folder, distributions and resources
//! alike: keeping a verified copy that is already there, linking from the
//! content-addressed cache, or fetching from an index. Nothing gets its
//! final name before its sha256 and size match the lock.

use std::path::{Path, PathBuf};

use envlock_fs::Sha256;
use envlock_index::{Cache, CacheKeeps, IndexFile, PackageIndex};

use crate::error::WheelhouseError;
use crate::fsio::{FILE_MODE, TEMPORARY_PREFIX, ensure_mode, same_file, sha256_of};
use crate::plan::PlannedFile;
use crate::progress::Origin;

/// Puts the file of `sha256` and `size` at `dest` without the network:
/// keeps a verified copy already there, or else copies it from the cache's
/// own entry or from a verified copy the cache noted in another wheelhouse.
/// `None` when it must be fetched.
pub(crate) fn place_local(
    dest: &Path,
    sha256: &Sha256,
    size: u64,
    cache: Option<&Cache>,
) -> Result<Option<Origin>, WheelhouseError> {
    let Some(cache) = cache else {
        return Ok(
            is_verified_copy(dest, sha256, size, None, None)?.then_some(Origin::AlreadyThere)
        );
    };
    let of_size = |path: &PathBuf| file_size(path) == Some(size);
    let cached = cache.cached_file(sha256).filter(of_size);
    if is_verified_copy(dest, sha256, size, cached.as_deref(), Some(cache))? {
        return Ok(Some(Origin::AlreadyThere));
    }
    if let Some(cached) = cached {
        place_from_cache(&cached, dest, || true)?;
    } else if let Some(placed) = cache.placed_file(sha256).filter(of_size) {
        // Not the cache's own file: it could change while it is copied,
        // which its stamp would then tell; such a copy never takes its name.
        if !place_from_cache(&placed, dest, || cache.is_stamped(&placed, sha256))? {
            return Ok(None);
        }
    } else {
        return Ok(None);
    }
    // The source was checked (stamp or hash) and the copy is of those
    // bytes: stamp the copy so a rebuild in place keeps it without hashing
    // it.
    stamp_placed(cache, dest, sha256)?;
    Ok(Some(Origin::Cache))
}

fn file_size(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|metadata| metadata.len())
}

/// Whether `dest` already holds the file: a copy whose stamp (written when
/// it was placed or last hashed) still matches needs no hashing; anything
/// else of the right size is hashed. A hard link to the cache (what older
/// versions made) is never kept: it shares one writable inode with the
/// cache, so it is replaced by a copy.
fn is_verified_copy(
    dest: &Path,
    sha256: &Sha256,
    size: u64,
    cached: Option<&Path>,
    cache: Option<&Cache>,
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
        return Ok(false);
    }
    if cache.is_some_and(|cache| cache.is_stamped(dest, sha256)) {
        return Ok(true);
    }
    let verified = sha256_of(dest)? == *sha256;
    if verified && let Some(cache) = cache {
        stamp_placed(cache, dest, sha256)?;
    }
    Ok(verified)
}

/// Puts the cached file at `dest` by copy (a reflink where the file system
/// can), through a temporary name, flushed to disk before its rename;
/// never a hard link, which would let an edit of the wheelhouse file edit
/// the cache. The folder is flushed once at the end of the build, not after
/// each file. The copy takes its name only if `source_unchanged` still
/// holds once it is made; otherwise it is removed and `false` returned.
fn place_from_cache(
    cached: &Path,
    dest: &Path,
    source_unchanged: impl Fn() -> bool,
) -> Result<bool, WheelhouseError> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    let temporary = tempfile::Builder::new()
        .prefix(TEMPORARY_PREFIX)
        .tempfile_in(dir)
        .map_err(|error| WheelhouseError::io("create a temporary file in", dir, error))?
        .into_temp_path();
    std::fs::copy(cached, &temporary)
        .map_err(|error| WheelhouseError::io("copy from the cache", cached, error))?;
    // The cache entry is read-only; the wheelhouse's copy is not.
    make_writable(&temporary)?;
    // On disk before it takes its name (the folder is flushed once, at the
    // end of the build).
    std::fs::File::open(&temporary)
        .and_then(|file| file.sync_all())
        .map_err(|error| WheelhouseError::io("write", &temporary, error))?;
    if !source_unchanged() {
        // Dropping the temporary path removes the copy.
        return Ok(false);
    }
    temporary
        .persist(dest)
        .map_err(|error| WheelhouseError::io("write", dest, error.error))?;
    Ok(true)
}

/// Records that the file at `dest` holds the bytes of `sha256`, once it
/// has the mode the folder's files end with: a later mode change would
/// change its ctime and make the stamp stale.
pub(crate) fn stamp_placed(
    cache: &Cache,
    dest: &Path,
    sha256: &Sha256,
) -> Result<(), WheelhouseError> {
    ensure_mode(dest, FILE_MODE)?;
    cache.stamp_verified(dest, sha256);
    Ok(())
}

fn make_writable(path: &Path) -> Result<(), WheelhouseError> {
    let metadata =
        std::fs::metadata(path).map_err(|error| WheelhouseError::io("read", path, error))?;
    let mut permissions = metadata.permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(path, permissions)
        .map_err(|error| WheelhouseError::io("write", path, error))
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
    let lock_sha256 = file.sha256;
    if let Some(index_sha256) = listed.sha256
        && index_sha256 != lock_sha256
    {
        return Err(WheelhouseError::IndexHashDiffers {
            file: file.name.clone(),
            index: index.name().to_owned(),
            index_sha256: index_sha256.to_hex(),
            lock_sha256: file.sha256.to_hex(),
        });
    }
    // The lock's hash is the one that counts, whether or not the index
    // announced one: the fetch verifies it before the file gets its name.
    let mut wanted = listed.clone();
    wanted.sha256 = Some(lock_sha256);
    // And so is its size: no more than that is read from the index.
    wanted.size = Some(file.size);
    let dest = envlock_fs::join_file_name(dir, &file.name)
        .map_err(|error| WheelhouseError::io("write into", dir, error))?;
    let fetched = index
        .fetch(&wanted, &dest, CacheKeeps::Place)
        .map_err(|source| WheelhouseError::Fetch {
            file: file.name.clone(),
            source: Box::new(source),
        })?;
    check_fetched_size(&dest, &file.name, file.size, fetched.size)?;
    if let Some(cache) = cache {
        // The cache noted the file where it now lies (no second copy of
        // its bytes); the stamp is renewed once it has its final mode.
        stamp_placed(cache, &dest, &file.sha256)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_whose_source_changed_while_copied_never_takes_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source.whl");
        std::fs::write(&source, b"bytes").unwrap();
        let out = dir.path().join("wheelhouse");
        std::fs::create_dir(&out).unwrap();
        let dest = out.join("a.whl");
        assert!(!place_from_cache(&source, &dest, || false).unwrap());
        // Neither the file nor its temporary is left.
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
        assert!(place_from_cache(&source, &dest, || true).unwrap());
        assert_eq!(std::fs::read(&dest).unwrap(), b"bytes");
    }
}
