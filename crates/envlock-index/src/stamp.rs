//! Verification stamps: "this file had this sha256 when it was last
//! hashed", in a form an in-place edit cannot fool, so that a file leaves
//! the cache (or is kept in a wheelhouse) without being hashed again on
//! every build.
//!
//! A stamp records the file's device, inode, size, modification time and
//! *change* time (`ctime`), taken right after the file was hashed (or
//! written from bytes that were hashed). Any write to the file, a `chmod`,
//! a new hard link or a rename onto the path changes its inode or its
//! `ctime`, and `ctime` cannot be set back from user space (`touch` sets
//! `mtime` and `atime`, never `ctime`); so a stamp that still matches means
//! the bytes are those that were hashed. Only someone who can change the
//! system clock or write the block device can defeat it, and they own the
//! machine anyway. Where stamps are not available (not unix), they never
//! match and files are hashed every time.

use std::path::Path;

use envlock_fs::Sha256;

/// What a stamp file holds: the hash and the identity of the file hashed.
fn fingerprint(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let metadata = std::fs::symlink_metadata(path).ok()?;
        if !metadata.is_file() {
            return None;
        }
        Some(format!(
            "{} {} {} {}.{} {}.{}",
            metadata.dev(),
            metadata.ino(),
            metadata.size(),
            metadata.mtime(),
            metadata.mtime_nsec(),
            metadata.ctime(),
            metadata.ctime_nsec()
        ))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Writes the stamp of `file` (whose bytes hash to `sha256`) at `stamp`.
/// A stamp that cannot be written only costs a hash next time.
pub(crate) fn write_stamp(stamp: &Path, file: &Path, sha256: &Sha256) {
    let Some(identity) = fingerprint(file) else {
        return;
    };
    if let Some(parent) = stamp.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let _ = envlock_fs::write_atomic_unsynced(stamp, format!("{sha256} {identity}\n").as_bytes());
}

/// Whether the stamp at `stamp` says `file` hashes to `sha256`, and the
/// file is still the one that was hashed.
pub(crate) fn stamp_matches(stamp: &Path, file: &Path, sha256: &Sha256) -> bool {
    let Ok(text) = std::fs::read_to_string(stamp) else {
        return false;
    };
    let Some(identity) = fingerprint(file) else {
        return false;
    };
    text.trim_end() == format!("{sha256} {identity}")
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    /// Sets the modification time of `file` back to `mtime`.
    fn restore_mtime(file: &Path, mtime: std::time::SystemTime) {
        std::fs::File::options()
            .write(true)
            .open(file)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        assert_eq!(std::fs::metadata(file).unwrap().modified().unwrap(), mtime);
    }

    fn stamped(dir: &Path, bytes: &[u8]) -> (std::path::PathBuf, std::path::PathBuf, Sha256) {
        let file = dir.join("f");
        let stamp = dir.join("f.stamp");
        std::fs::write(&file, bytes).unwrap();
        let sha256 = Sha256::digest(bytes);
        write_stamp(&stamp, &file, &sha256);
        assert!(stamp_matches(&stamp, &file, &sha256));
        assert!(!stamp_matches(&stamp, &file, &Sha256::digest(b"other")));
        (file, stamp, sha256)
    }

    #[test]
    fn an_edit_in_place_breaks_the_stamp_even_with_mtime_restored() {
        let dir = tempfile::tempdir().unwrap();
        let (file, stamp, sha256) = stamped(dir.path(), b"good");
        let mtime = std::fs::metadata(&file).unwrap().modified().unwrap();
        std::fs::write(&file, b"evil, and longer").unwrap();
        restore_mtime(&file, mtime);
        assert!(!stamp_matches(&stamp, &file, &sha256));
    }

    #[test]
    fn a_same_size_replacement_breaks_the_stamp_even_with_mtime_restored() {
        let dir = tempfile::tempdir().unwrap();
        let (file, stamp, sha256) = stamped(dir.path(), b"good");
        let mtime = std::fs::metadata(&file).unwrap().modified().unwrap();
        let replacement = dir.path().join("replacement");
        std::fs::write(&replacement, b"evil").unwrap();
        restore_mtime(&replacement, mtime);
        std::fs::rename(&replacement, &file).unwrap();
        assert!(!stamp_matches(&stamp, &file, &sha256));
    }

    /// A same-size edit in place keeps the inode, size and (restored) mtime;
    /// what tells it is the change time, which the stamp must record with
    /// its nanoseconds. (Whether two writes get different change times
    /// depends on the clock's granularity, so that is not what is tested.)
    #[test]
    fn the_stamp_records_the_change_time() {
        let dir = tempfile::tempdir().unwrap();
        let (file, stamp, sha256) = stamped(dir.path(), b"good");
        let metadata = std::fs::metadata(&file).unwrap();
        let stamp_with_ctime_nsec = |nanoseconds: i64| {
            format!(
                "{sha256} {} {} {} {}.{} {}.{nanoseconds}",
                metadata.dev(),
                metadata.ino(),
                metadata.size(),
                metadata.mtime(),
                metadata.mtime_nsec(),
                metadata.ctime(),
            )
        };
        let text = std::fs::read_to_string(&stamp).unwrap();
        assert_eq!(
            text.trim_end(),
            stamp_with_ctime_nsec(metadata.ctime_nsec())
        );
        // A stamp with any other change time does not match.
        std::fs::write(&stamp, stamp_with_ctime_nsec(metadata.ctime_nsec() + 1)).unwrap();
        assert!(!stamp_matches(&stamp, &file, &sha256));
    }
}
