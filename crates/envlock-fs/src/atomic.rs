//! Writing a file so that it appears whole or not at all.

use std::fs::File;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// The prefix of every temporary file envlock creates beside a destination;
/// a folder's owner may sweep names starting with it after a crash.
pub const TEMPORARY_PREFIX: &str = ".envlock-";

/// Writes `bytes` to `path` atomically (see [`write_atomic_with`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// Creates a temporary file in `path`'s folder, lets `write` fill it, then
/// commits it (see [`AtomicFile::commit`]), so that a crash leaves either the
/// old file or the new one. The folder must exist. When `write` fails, the
/// temporary file is removed and `path` is untouched. Returns what `write`
/// returned.
pub fn write_atomic_with<T>(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<T>,
) -> io::Result<T> {
    let mut file = AtomicFile::create(path)?;
    let value = write(file.as_file_mut())?;
    file.commit()?;
    Ok(value)
}

/// A file being written under a temporary name beside its destination; it
/// replaces the destination only on [`commit`](AtomicFile::commit), and is
/// removed when dropped uncommitted (for a caller that checks what it wrote,
/// a hash say, before letting it replace anything).
#[derive(Debug)]
pub struct AtomicFile {
    temporary: tempfile::NamedTempFile,
    path: PathBuf,
    folder: PathBuf,
}

impl AtomicFile {
    /// Creates the temporary file in `path`'s folder, which must exist.
    pub fn create(path: &Path) -> io::Result<Self> {
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let temporary = tempfile::Builder::new()
            .prefix(&format!("{TEMPORARY_PREFIX}tmp-"))
            .tempfile_in(folder)?;
        Ok(Self {
            temporary,
            path: path.to_owned(),
            folder: folder.to_owned(),
        })
    }

    /// The temporary file's path (for a writer that needs a path, such as
    /// `std::fs::copy`; the file is still committed through `self`).
    pub fn path(&self) -> &Path {
        self.temporary.path()
    }

    /// The open temporary file.
    pub fn as_file_mut(&mut self) -> &mut File {
        self.temporary.as_file_mut()
    }

    /// Flushes the file to disk, renames it over the destination and
    /// flushes the folder (on Unix).
    pub fn commit(mut self) -> io::Result<()> {
        self.temporary.as_file_mut().flush()?;
        self.temporary.as_file().sync_all()?;
        self.temporary
            .persist(&self.path)
            .map_err(|error| error.error)?;
        sync_dir(&self.folder)
    }

    /// Renames the file over the destination without flushing it to disk
    /// (see [`write_atomic_unsynced`] for when that is right).
    pub fn commit_unsynced(self) -> io::Result<()> {
        self.temporary
            .persist(&self.path)
            .map(drop)
            .map_err(|error| error.error)
    }
}

impl io::Write for AtomicFile {
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        self.temporary.write(buffer)
    }

    fn write_all(&mut self, buffer: &[u8]) -> io::Result<()> {
        self.temporary.write_all(buffer)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.temporary.flush()
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename, without
/// flushing anything to disk: readers never see a half-written file, but a
/// crash may lose the write. Only for caches, where a lost or empty entry is
/// treated as absent and fetched again, and where one `fsync` per entry
/// would slow every lock down.
pub fn write_atomic_unsynced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit_unsynced()
}

/// How old a temporary file must be before [`remove_stale_temporaries`]
/// takes it for the leftover of a killed run rather than the work of a run
/// in progress.
pub const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Removes the files and folders in `folder` whose names start with
/// [`TEMPORARY_PREFIX`] and that were last modified more than `older_than`
/// ago: what a run that was killed between creating a temporary name and
/// renaming it left behind. Errors are ignored (another run may be removing
/// the same leftovers). Returns how many were removed.
pub fn remove_stale_temporaries(folder: &Path, older_than: std::time::Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return 0;
    };
    let now = std::time::SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with(TEMPORARY_PREFIX)
        {
            continue;
        }
        let Ok(metadata) = entry.metadata() else {
            continue;
        };
        let stale = metadata
            .modified()
            .ok()
            .and_then(|modified| now.duration_since(modified).ok())
            .is_some_and(|age| age > older_than);
        if !stale {
            continue;
        }
        let path = entry.path();
        let result = if metadata.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed += usize::from(result.is_ok());
    }
    removed
}

/// Flushes a folder's entries (a rename or a new link in it) to disk. On
/// systems where a folder cannot be opened as a file this does nothing.
pub fn sync_dir(folder: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(folder)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = folder;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        std::fs::write(&path, "old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.txt")]);
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        std::fs::write(&path, "old").unwrap();
        let result = write_atomic_with(&path, |file| {
            file.write_all(b"half")?;
            Err::<(), _>(io::Error::other("broke"))
        });
        assert_eq!(result.unwrap_err().to_string(), "broke");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_uncommitted_file_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"unchecked").unwrap();
        drop(file);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"checked").unwrap();
        file.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "checked");
    }

    #[test]
    fn only_old_temporaries_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join(format!("{TEMPORARY_PREFIX}tmp-old"));
        let young = dir.path().join(format!("{TEMPORARY_PREFIX}tmp-young"));
        let mine = dir.path().join("envlock.lock");
        for path in [&old, &young, &mine] {
            std::fs::write(path, b"x").unwrap();
        }
        let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for path in [&old, &mine] {
            File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(an_hour_ago)
                .unwrap();
        }
        assert_eq!(remove_stale_temporaries(dir.path(), STALE_AFTER), 1);
        assert!(!old.exists() && young.exists() && mine.exists());
    }

    #[test]
    fn a_missing_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent").join("out.txt");
        assert!(write_atomic(&path, b"x").is_err());
    }
}
