//! The on-disk cache; its layout is documented on [`Cache`].

use std::path::{Path, PathBuf};

use envlock_fs::Sha256;
use serde::{Deserialize, Serialize};

use crate::env::EnvVars;
use crate::error::IndexError;

/// The on-disk cache.
///
/// Layout (everything below a version folder, so a future format can live
/// beside this one):
///
/// ```text
/// <root>/v1/
///   pages/<index-key>/<project>.page     a project page: one line of JSON {url, etag,
///                                        last_modified, content_type, fresh_until,
///                                        unannounced_since}, then the body as the
///                                        server sent it (the header alone is read to
///                                        decide whether the body is needed); used as
///                                        is until `fresh_until` (the server's
///                                        Cache-Control max-age), then revalidated with
///                                        If-None-Match / If-Modified-Since. A page the
///                                        server sent with neither (`unannounced_since`:
///                                        when it was fetched) is used as is for
///                                        `--page-max-age` after that, then fetched again
///   metadata/sha256/<ab>/<sha256>        core metadata (RFC 822 bytes) of the file
///                                        with that sha256 — immutable
///   metadata/url/<sha256-of-url>         the same, for files without a known sha256
///   files/sha256/<sha256>                downloaded files, content-addressed — immutable
///                                        (one flat folder: creating shard folders cost a
///                                        first build as much as the files)
///   sizes/sha256/<ab>/<sha256>           the size in bytes (decimal text) of the file with
///                                        that sha256, for indexes whose pages give none
/// ```
///
/// `<index-key>` is the first 16 hex digits of the sha256 of the index URL
/// without credentials, `<ab>` the first two hex digits of the hash. Every
/// write goes to a temporary file in the same directory and is renamed into
/// place, so readers never see a partial entry and concurrent writers of the
/// same immutable entry are harmless.
///
/// The root is `ENVLOCK_CACHE_DIR`, else `<user cache dir>/envlock`.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
    /// Whether this cache's stale temporary files were swept (once per
    /// process, on the first store).
    swept: std::sync::Arc<std::sync::Once>,
}

/// A cached project page with its validators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CachedPage {
    /// The page URL, without credentials.
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
    /// Unix time until which the page may be used without asking the
    /// server again (from `Cache-Control: max-age`).
    pub fresh_until: Option<u64>,
    /// When the page was fetched, for a page whose server said nothing
    /// about its freshness and gave no validators: such a page is used for
    /// the client's `page_max_age` after this (Unix time).
    pub unannounced_since: Option<u64>,
}

/// What a cached page's entry says before its body: where the page came
/// from, its validators and its freshness. Read alone, it tells whether the
/// body is worth reading: a stale page the server cannot revalidate (no
/// `ETag`, no `Last-Modified`) is fetched again whole, and reading its
/// megabytes first would only cost time and memory.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct PageHeader {
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub content_type: Option<String>,
    #[serde(default)]
    pub fresh_until: Option<u64>,
    #[serde(default)]
    pub unannounced_since: Option<u64>,
}

impl PageHeader {
    /// Whether the server can answer "not modified" for this page.
    pub fn can_revalidate(&self) -> bool {
        self.etag.is_some() || self.last_modified.is_some()
    }

    /// Whether the page may be used at `now` without asking the server:
    /// within the server's own freshness, or, when the server said nothing
    /// and gave no validators, within `default_max_age` (seconds) of its
    /// fetch. A fetch time in the future (a clock set back) is not trusted.
    pub fn is_fresh(&self, now: u64, default_max_age: u64) -> bool {
        if self.fresh_until.is_some_and(|until| now < until) {
            return true;
        }
        self.unannounced_since.is_some_and(|since| {
            since <= now && now - since < default_max_age && !self.can_revalidate()
        })
    }
}

impl CachedPage {
    /// The entry's first line.
    pub fn header(&self) -> PageHeader {
        PageHeader {
            url: self.url.clone(),
            etag: self.etag.clone(),
            last_modified: self.last_modified.clone(),
            content_type: self.content_type.clone(),
            fresh_until: self.fresh_until,
            unannounced_since: self.unannounced_since,
        }
    }
}

/// The longest header line read (URLs and validators are short; a longer
/// line is a damaged entry).
const PAGE_HEADER_LIMIT: u64 = 64 * 1024;

/// The longest path a note of [`Cache::note_placed`] is read for.
const PLACED_NOTE_LIMIT: u64 = 16 * 1024;

/// Lowercase hex sha256 of a byte slice.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).to_string()
}

impl Cache {
    /// A cache rooted at `root` (the version folder is added below it).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            swept: std::sync::Arc::new(std::sync::Once::new()),
        }
    }

    /// The cache root from `ENVLOCK_CACHE_DIR`, else the user cache
    /// directory's `envlock` folder.
    pub fn default_root(env: &EnvVars) -> Option<PathBuf> {
        if let Some(dir) = env.get("ENVLOCK_CACHE_DIR") {
            return Some(PathBuf::from(dir));
        }
        if let Some(dir) = env.get("XDG_CACHE_HOME") {
            return Some(PathBuf::from(dir).join("envlock"));
        }
        use etcetera::BaseStrategy;
        etcetera::choose_base_strategy()
            .ok()
            .map(|strategy| strategy.cache_dir().join("envlock"))
    }

    /// The root folder given at construction.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn versioned(&self) -> PathBuf {
        self.root.join("v1")
    }

    fn page_path(&self, index_url: &str, project: &str) -> PathBuf {
        let key = &sha256_hex(index_url.as_bytes())[..16];
        self.versioned()
            .join("pages")
            .join(key)
            .join(format!("{project}.page"))
    }

    /// Metadata is keyed by the file's URL (absolute, so it names the
    /// index too) *and* the hash the index claims, never by the claimed
    /// hash alone: an index that lies about a hash cannot make envlock use
    /// metadata another index served for that hash.
    fn metadata_path(&self, sha256: Option<&Sha256>, url: &str) -> PathBuf {
        let hash = sha256.map(Sha256::to_hex).unwrap_or_default();
        let key = sha256_hex(format!("{url}\n{hash}").as_bytes());
        self.versioned()
            .join("metadata/by-url-and-sha256")
            .join(&key[..2])
            .join(key)
    }

    fn file_stamp_path(&self, hash: &Sha256) -> PathBuf {
        self.versioned().join("stamps/files").join(hash.to_string())
    }

    fn path_stamp_path(&self, path: &Path) -> PathBuf {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        let key = sha256_hex(absolute.as_os_str().as_encoded_bytes());
        self.versioned().join("stamps/paths").join(key)
    }

    /// Records that the file at `path` (outside the cache: a wheelhouse
    /// file, say) was just verified to hash to `sha256` (see `stamp.rs`).
    pub fn stamp_verified(&self, path: &Path, sha256: &Sha256) {
        crate::stamp::write_stamp(&self.path_stamp_path(path), path, sha256);
    }

    /// Whether the file at `path` is unchanged since it was stamped as
    /// hashing to `sha256`.
    pub fn is_stamped(&self, path: &Path, sha256: &Sha256) -> bool {
        crate::stamp::stamp_matches(&self.path_stamp_path(path), path, sha256)
    }

    /// Records that the file at `path` (a wheelhouse's, which stays where
    /// it is) holds the bytes of `sha256`: a stamp, and a note of the
    /// place under the hash, instead of a copy of the bytes. A later build
    /// copies from the place while its stamp still holds
    /// ([`Cache::placed_file`]); a note that cannot be written only costs
    /// a download.
    pub fn note_placed(&self, path: &Path, sha256: &Sha256) {
        let Ok(absolute) = std::path::absolute(path) else {
            return;
        };
        self.stamp_verified(&absolute, sha256);
        let _ = write_atomic(
            &self.placed_note_path(sha256),
            absolute.as_os_str().as_encoded_bytes(),
        );
    }

    /// A file noted by [`Cache::note_placed`] for `sha256` that is still
    /// there and unchanged since (its stamp matches). A caller copying from
    /// it asks [`Cache::is_stamped`] again once the copy is made: the file
    /// is not the cache's, and could change while it is read.
    pub fn placed_file(&self, sha256: &Sha256) -> Option<PathBuf> {
        use std::io::Read as _;
        let mut note = Vec::new();
        std::fs::File::open(self.placed_note_path(sha256))
            .ok()?
            .take(PLACED_NOTE_LIMIT)
            .read_to_end(&mut note)
            .ok()?;
        let path = PathBuf::from(String::from_utf8(note).ok()?);
        (path.is_absolute() && self.is_stamped(&path, sha256)).then_some(path)
    }

    fn placed_note_path(&self, sha256: &Sha256) -> PathBuf {
        self.versioned().join("files/placed").join(sha256.to_hex())
    }

    /// Where the file with this sha256 is (or would be) stored.
    pub(crate) fn file_path(&self, sha256: &Sha256) -> PathBuf {
        // One flat folder: a first build of a large wheelhouse would
        // otherwise spend as long creating shard folders as files.
        self.versioned().join("files/sha256").join(sha256.to_hex())
    }

    /// The cached file of `sha256`, checked: files enter the cache only
    /// after their hash was verified, under that hash, and the entry's
    /// stamp (written when it was stored) must still match, or else it is
    /// hashed again; a file whose bytes are not its name's hash is removed
    /// and reported absent.
    pub fn cached_file(&self, sha256: &Sha256) -> Option<PathBuf> {
        let path = self.file_path(sha256);
        if !path.is_file() {
            return None;
        }
        let stamp = self.file_stamp_path(sha256);
        if crate::stamp::stamp_matches(&stamp, &path, sha256) {
            return Some(path);
        }
        match envlock_fs::sha256_file(&path) {
            Ok((actual, _)) if actual == *sha256 => {
                crate::stamp::write_stamp(&stamp, &path, sha256);
                Some(path)
            }
            _ => {
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// The header of a cached page, without reading its body.
    pub(crate) fn read_page_header(&self, index_url: &str, project: &str) -> Option<PageHeader> {
        use std::io::BufRead as _;
        use std::io::Read as _;
        let file = std::fs::File::open(self.page_path(index_url, project)).ok()?;
        let mut line = Vec::new();
        std::io::BufReader::new(file.take(PAGE_HEADER_LIMIT))
            .read_until(b'\n', &mut line)
            .ok()?;
        // A damaged entry (no header line) is treated as absent and rewritten.
        line.pop().filter(|last| *last == b'\n')?;
        serde_json::from_slice(&line).ok()
    }

    /// A cached page, header and body.
    pub(crate) fn read_page(&self, index_url: &str, project: &str) -> Option<CachedPage> {
        let mut bytes = std::fs::read(self.page_path(index_url, project)).ok()?;
        let end = bytes.iter().position(|byte| *byte == b'\n')?;
        let header: PageHeader = serde_json::from_slice(&bytes[..end]).ok()?;
        // The body stays in the buffer it was read into (pages run to
        // megabytes): the header line is cut off its front.
        bytes.drain(..=end);
        let body = String::from_utf8(bytes).ok()?;
        Some(CachedPage {
            url: header.url,
            etag: header.etag,
            last_modified: header.last_modified,
            content_type: header.content_type,
            body,
            fresh_until: header.fresh_until,
            unannounced_since: header.unannounced_since,
        })
    }

    pub(crate) fn write_page(
        &self,
        index_url: &str,
        project: &str,
        page: &CachedPage,
    ) -> Result<(), IndexError> {
        let path = self.page_path(index_url, project);
        // Compact JSON has no raw line break: the header is one line.
        let mut header = serde_json::to_vec(&page.header()).map_err(|error| {
            IndexError::io("cannot encode", &path, std::io::Error::other(error))
        })?;
        header.push(b'\n');
        // Header and body are written one after the other, so the body
        // (megabytes) is not copied into one buffer with the header first.
        write_atomic_parts(&path, &[&header, page.body.as_bytes()])
    }

    pub(crate) fn read_metadata(&self, sha256: Option<&Sha256>, url: &str) -> Option<Vec<u8>> {
        std::fs::read(self.metadata_path(sha256, url)).ok()
    }

    /// Whether the cache holds core metadata for the file at `url` with
    /// this sha256 (without reading it).
    pub(crate) fn has_metadata(&self, sha256: Option<&Sha256>, url: &str) -> bool {
        self.metadata_path(sha256, url).is_file()
    }

    pub(crate) fn write_metadata(
        &self,
        sha256: Option<&Sha256>,
        url: &str,
        bytes: &[u8],
    ) -> Result<(), IndexError> {
        write_atomic(&self.metadata_path(sha256, url), bytes)
    }

    fn size_path(&self, sha256: &Sha256) -> PathBuf {
        let hash = sha256.to_hex();
        self.versioned()
            .join("sizes/sha256")
            .join(&hash[..2])
            .join(hash)
    }

    /// The recorded size of the file with this sha256, if known.
    pub(crate) fn read_size(&self, sha256: &Sha256) -> Option<u64> {
        let text = std::fs::read_to_string(self.size_path(sha256)).ok()?;
        text.trim().parse().ok()
    }

    /// Records the size of the file with this sha256.
    pub(crate) fn write_size(&self, sha256: &Sha256, size: u64) -> Result<(), IndexError> {
        write_atomic(&self.size_path(sha256), size.to_string().as_bytes())
    }

    /// Stores a verified file under its sha256 by copy. The caller vouches
    /// for the hash.
    pub fn store_file(&self, source: &Path, sha256: &Sha256) -> Result<(), IndexError> {
        let Some(entry) = self.begin_file(sha256) else {
            return Ok(());
        };
        // A copy, never a hard link: a link would share one writable inode
        // between the cache and the file the caller hands out (a wheelhouse
        // file), so editing one would edit the other. `std::fs::copy` uses
        // `copy_file_range`, which reflinks on file systems that can (XFS,
        // Btrfs) and copies in the kernel elsewhere.
        std::fs::copy(source, entry.file.path())
            .map_err(|error| IndexError::io("cannot copy into the cache", &entry.target, error))?;
        self.finish_file(entry)
    }

    /// Opens the cache entry of `sha256` under a temporary name, for a
    /// caller that writes it from bytes it already holds (a download writes
    /// the cache's copy from the same buffer as its own file, which costs
    /// less than reading the finished file back). `None` when the cache
    /// already holds the file or cannot take it. Dropped unfinished, the
    /// entry is removed: nothing enters the cache before
    /// [`Cache::finish_file`], which the caller calls only once the bytes
    /// are verified.
    pub(crate) fn begin_file(&self, sha256: &Sha256) -> Option<PendingFile> {
        let target = self.file_path(sha256);
        let hash = *sha256;
        let parent = target.parent()?;
        std::fs::create_dir_all(parent).ok()?;
        // Leftovers of killed runs (`.envlock-tmp-*`), older than a run.
        self.swept.call_once(|| {
            envlock_fs::remove_stale_temporaries(parent, envlock_fs::STALE_AFTER);
        });
        if self.cached_file(sha256).is_some() {
            return None;
        }
        let file = envlock_fs::AtomicFile::create(&target).ok()?;
        Some(PendingFile { file, target, hash })
    }

    /// Publishes an entry from [`Cache::begin_file`] whose bytes the caller
    /// verified: made read-only, flushed before its rename, and stamped
    /// (see `stamp.rs`), so later builds take it without hashing it again
    /// and an edit in place is noticed.
    pub(crate) fn finish_file(&self, entry: PendingFile) -> Result<(), IndexError> {
        let PendingFile { file, target, hash } = entry;
        set_read_only(file.path())
            .and_then(|()| file.commit())
            .map_err(|error| IndexError::io("cannot write into the cache", &target, error))?;
        crate::stamp::write_stamp(&self.file_stamp_path(&hash), &target, &hash);
        Ok(())
    }
}

/// A cache entry being written under a temporary name (see
/// [`Cache::begin_file`]).
#[derive(Debug)]
pub(crate) struct PendingFile {
    file: envlock_fs::AtomicFile,
    target: PathBuf,
    hash: Sha256,
}

impl PendingFile {
    /// The open temporary file.
    pub(crate) fn as_file_mut(&mut self) -> &mut std::fs::File {
        self.file.as_file_mut()
    }
}

/// Writes a cache entry through a temporary file and a rename, creating its
/// folder first. Not flushed to disk: a cache entry lost in a crash is only
/// fetched again (see [`envlock_fs::write_atomic_unsynced`]).
fn set_read_only(path: &Path) -> std::io::Result<()> {
    let mut permissions = std::fs::metadata(path)?.permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(path, permissions)
}

/// Like [`write_atomic`], with the content given in parts.
fn write_atomic_parts(path: &Path, parts: &[&[u8]]) -> Result<(), IndexError> {
    use std::io::Write as _;
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .map_err(|error| IndexError::io("cannot create", parent, error))?;
    let failed = |error| IndexError::io("cannot write", path, error);
    let mut file = envlock_fs::AtomicFile::create(path).map_err(failed)?;
    for part in parts {
        file.write_all(part).map_err(failed)?;
    }
    file.commit_unsynced().map_err(failed)
}

pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IndexError> {
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .map_err(|error| IndexError::io("cannot create", parent, error))?;
    envlock_fs::write_atomic_unsynced(path, bytes)
        .map_err(|error| IndexError::io("cannot write", path, error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_layout() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let page = CachedPage {
            url: "http://127.0.0.1/simple/a/".into(),
            etag: Some("\"x\"".into()),
            last_modified: None,
            content_type: Some("text/html".into()),
            body: "<html></html>".into(),
            fresh_until: Some(1),
            unannounced_since: Some(2),
        };
        cache
            .write_page("http://127.0.0.1/simple/", "a", &page)
            .unwrap();
        assert_eq!(
            cache.read_page("http://127.0.0.1/simple/", "a"),
            Some(page.clone())
        );
        assert_eq!(
            cache.read_page_header("http://127.0.0.1/simple/", "a"),
            Some(page.header())
        );
        assert_eq!(cache.read_page("http://127.0.0.1/other/", "a"), None);
        // A body with line breaks comes back whole; the header is the first line.
        let multiline = CachedPage {
            body: "{\"files\": [\n]}\n\n".into(),
            etag: None,
            ..page.clone()
        };
        cache
            .write_page("http://127.0.0.1/simple/", "b", &multiline)
            .unwrap();
        let read = cache.read_page("http://127.0.0.1/simple/", "b").unwrap();
        assert_eq!(read, multiline);
        assert!(!read.header().can_revalidate());
        // A damaged entry (no header line) is absent, not an error.
        let damaged = cache.page_path("http://127.0.0.1/simple/", "c");
        std::fs::create_dir_all(damaged.parent().unwrap()).unwrap();
        std::fs::write(&damaged, "{\"url\": \"x\"").unwrap();
        assert_eq!(
            cache.read_page_header("http://127.0.0.1/simple/", "c"),
            None
        );
        assert_eq!(cache.read_page("http://127.0.0.1/simple/", "c"), None);
        // Freshness: the server's own, else the default window for a page
        // that cannot be revalidated.
        let header = |fresh_until, unannounced_since, etag: Option<&str>| PageHeader {
            fresh_until,
            unannounced_since,
            etag: etag.map(str::to_owned),
            ..page.header()
        };
        assert!(header(Some(100), None, None).is_fresh(99, 0));
        assert!(!header(Some(100), None, None).is_fresh(100, 600));
        assert!(header(None, Some(100), None).is_fresh(699, 600));
        assert!(!header(None, Some(100), None).is_fresh(700, 600));
        assert!(!header(None, Some(100), None).is_fresh(100, 0));
        assert!(
            !header(None, Some(100), None).is_fresh(99, 600),
            "fetched in the future"
        );
        assert!(!header(None, Some(100), Some("\"e\"")).is_fresh(101, 600));
        assert!(!header(None, None, None).is_fresh(101, 600));
        let hash = Sha256::digest(b"m");
        cache.write_metadata(Some(&hash), "u", b"m").unwrap();
        assert_eq!(cache.read_metadata(Some(&hash), "u").unwrap(), b"m");
        // Keyed by URL and claimed hash: another index (another URL)
        // claiming the same hash does not get this metadata.
        assert_eq!(cache.read_metadata(Some(&hash), "http://evil/u"), None);
        cache.write_metadata(None, "http://x/y", b"n").unwrap();
        assert_eq!(cache.read_metadata(None, "http://x/y").unwrap(), b"n");
    }

    #[cfg(unix)]
    #[test]
    fn cached_files_are_read_only_copies_checked_before_use() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().join("cache"));
        let source = dir.path().join("a.whl");
        std::fs::write(&source, b"good bytes").unwrap();
        let hash = Sha256::digest(b"good bytes");
        cache.store_file(&source, &hash).unwrap();
        let cached = cache.cached_file(&hash).unwrap();
        let (entry, handed) = (
            std::fs::metadata(&cached).unwrap(),
            std::fs::metadata(&source).unwrap(),
        );
        assert_ne!(entry.ino(), handed.ino(), "the cache shares an inode");
        assert!(entry.permissions().readonly());
        // Editing the file that was handed out leaves the cache alone.
        std::fs::write(&source, b"evil bytes").unwrap();
        assert_eq!(std::fs::read(&cached).unwrap(), b"good bytes");
        // Editing the entry in place (same size) is noticed: the stamp no
        // longer matches, the bytes are hashed, and the entry is dropped.
        let mut permissions = entry.permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        std::fs::set_permissions(&cached, permissions).unwrap();
        std::fs::write(&cached, b"evil bytes").unwrap();
        assert_eq!(cache.cached_file(&hash), None);
        assert!(!cached.exists());
        // A damaged entry with a stale stamp is not trusted either.
        assert_eq!(cache.cached_file(&Sha256::digest(b"never stored")), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_noted_place_is_used_only_while_its_file_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().join("cache"));
        let placed = dir.path().join("wheelhouse/a.whl");
        std::fs::create_dir_all(placed.parent().unwrap()).unwrap();
        std::fs::write(&placed, b"good bytes").unwrap();
        let hash = Sha256::digest(b"good bytes");
        cache.note_placed(&placed, &hash);
        assert_eq!(cache.placed_file(&hash), Some(placed.clone()));
        // No copy of the bytes was made.
        assert_eq!(cache.cached_file(&hash), None);
        // An edit in place (same size) ends it.
        std::fs::write(&placed, b"evil bytes").unwrap();
        assert_eq!(cache.placed_file(&hash), None);
        // So does a file put in its place, even with the good bytes: it was
        // never hashed.
        cache.note_placed(&placed, &hash);
        let other = dir.path().join("other.whl");
        std::fs::write(&other, b"good bytes").unwrap();
        std::fs::rename(&other, &placed).unwrap();
        assert_eq!(cache.placed_file(&hash), None);
        // A note naming a relative path, or too long to be a path, is no place.
        let note = cache.placed_note_path(&hash);
        std::fs::write(&note, b"wheelhouse/a.whl").unwrap();
        assert_eq!(cache.placed_file(&hash), None);
        std::fs::write(&note, vec![b'/'; 20_000]).unwrap();
        assert_eq!(cache.placed_file(&hash), None);
    }
}
