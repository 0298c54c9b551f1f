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
    fn a_missing_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent").join("out.txt");
        assert!(write_atomic(&path, b"x").is_err());
    }
}
