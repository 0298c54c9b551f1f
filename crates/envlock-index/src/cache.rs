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
///   pages/<index-key>/<project>.json     a project page: {url, etag, last_modified,
///                                        content_type, body, fresh_until}; used as is
///                                        until `fresh_until` (the server's
///                                        Cache-Control max-age), then revalidated
///                                        with If-None-Match / If-Modified-Since
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
}

/// A cached project page with its validators.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct CachedPage {
    /// The page URL, without credentials.
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
    /// Unix time until which the page may be used without asking the
    /// server again (from `Cache-Control: max-age`); absent in entries
    /// written before this field existed, which are then revalidated.
    #[serde(default)]
    pub fresh_until: Option<u64>,
}

/// Lowercase hex sha256 of a byte slice.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).to_string()
}

impl Cache {
    /// A cache rooted at `root` (the version folder is added below it).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
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
            .join(format!("{project}.json"))
    }

    fn metadata_path(&self, sha256: Option<&str>, url: &str) -> PathBuf {
        match sha256.and_then(|hash| Sha256::from_hex(hash).ok()) {
            Some(hash) => {
                let hash = hash.to_string();
                self.versioned()
                    .join("metadata/sha256")
                    .join(&hash[..2])
                    .join(hash)
            }
            None => self
                .versioned()
                .join("metadata/url")
                .join(sha256_hex(url.as_bytes())),
        }
    }

    /// Where the file with this sha256 is (or would be) stored.
    pub(crate) fn file_path(&self, sha256: &str) -> Option<PathBuf> {
        // One flat folder: a first build of a large wheelhouse would
        // otherwise spend as long creating shard folders as files.
        let hash = Sha256::from_hex(sha256).ok()?;
        Some(self.versioned().join("files/sha256").join(hash.to_string()))
    }

    /// The cached file with this sha256, when the cache holds it. Files
    /// enter the cache only after their hash was verified, under that hash.
    pub fn cached_file(&self, sha256: &str) -> Option<PathBuf> {
        self.file_path(sha256).filter(|path| path.is_file())
    }

    pub(crate) fn read_page(&self, index_url: &str, project: &str) -> Option<CachedPage> {
        let bytes = std::fs::read(self.page_path(index_url, project)).ok()?;
        // A damaged entry is treated as absent and rewritten.
        serde_json::from_slice(&bytes).ok()
    }

    pub(crate) fn write_page(
        &self,
        index_url: &str,
        project: &str,
        page: &CachedPage,
    ) -> Result<(), IndexError> {
        let path = self.page_path(index_url, project);
        let bytes = serde_json::to_vec(page).map_err(|error| {
            IndexError::io("cannot encode", &path, std::io::Error::other(error))
        })?;
        write_atomic(&path, &bytes)
    }

    pub(crate) fn read_metadata(&self, sha256: Option<&str>, url: &str) -> Option<Vec<u8>> {
        std::fs::read(self.metadata_path(sha256, url)).ok()
    }

    pub(crate) fn write_metadata(
        &self,
        sha256: Option<&str>,
        url: &str,
        bytes: &[u8],
    ) -> Result<(), IndexError> {
        write_atomic(&self.metadata_path(sha256, url), bytes)
    }

    fn size_path(&self, sha256: &str) -> Option<PathBuf> {
        let hash = Sha256::from_hex(sha256).ok()?.to_string();
        Some(
            self.versioned()
                .join("sizes/sha256")
                .join(&hash[..2])
                .join(hash),
        )
    }

    /// The recorded size of the file with this sha256, if known.
    pub(crate) fn read_size(&self, sha256: &str) -> Option<u64> {
        let text = std::fs::read_to_string(self.size_path(sha256)?).ok()?;
        text.trim().parse().ok()
    }

    /// Records the size of the file with this sha256.
    pub(crate) fn write_size(&self, sha256: &str, size: u64) -> Result<(), IndexError> {
        match self.size_path(sha256) {
            Some(path) => write_atomic(&path, size.to_string().as_bytes()),
            None => Ok(()),
        }
    }

    /// Stores a verified file under its sha256 by hard link (or copy when
    /// the cache is on another file system). The caller vouches for the hash.
    pub fn store_file(&self, source: &Path, sha256: &str) -> Result<(), IndexError> {
        let Some(target) = self.file_path(sha256) else {
            return Ok(());
        };
        let parent = target.parent().unwrap_or(&target);
        std::fs::create_dir_all(parent)
            .map_err(|error| IndexError::io("cannot create", parent, error))?;
        // A link appears whole or not at all, so it needs no temporary name;
        // if the file is already there, it is the same content.
        match std::fs::hard_link(source, &target) {
            Ok(()) => return Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
            Err(_) => {}
        }
        let copy = || -> std::io::Result<()> {
            let mut file = envlock_fs::AtomicFile::create(&target)?;
            std::io::copy(&mut std::fs::File::open(source)?, file.as_file_mut())?;
            file.commit_unsynced()
        };
        copy().map_err(|error| IndexError::io("cannot copy into the cache", &target, error))
    }
}

/// Writes a cache entry through a temporary file and a rename, creating its
/// folder first. Not flushed to disk: a cache entry lost in a crash is only
/// fetched again (see [`envlock_fs::write_atomic_unsynced`]).
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
        };
        cache
            .write_page("http://127.0.0.1/simple/", "a", &page)
            .unwrap();
        assert_eq!(cache.read_page("http://127.0.0.1/simple/", "a"), Some(page));
        assert_eq!(cache.read_page("http://127.0.0.1/other/", "a"), None);
        let hash = sha256_hex(b"m");
        cache.write_metadata(Some(&hash), "u", b"m").unwrap();
        assert!(
            dir.path()
                .join("v1/metadata/sha256")
                .join(&hash[..2])
                .join(&hash)
                .is_file()
        );
        cache.write_metadata(None, "http://x/y", b"n").unwrap();
        assert_eq!(cache.read_metadata(None, "http://x/y").unwrap(), b"n");
    }
}
