//! Plain files fetched by URL or path rather than looked up on an index:
//! the resources of a spec (a `.deb`, an editor extension, a static binary).
//!
//! They go through the same client, retries, credentials and
//! content-addressed cache as index files, so a resource fetched once by
//! `envlock lock` is placed in a wheelhouse without a second download.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use url::Url;

use envlock_fs::Sha256;

use crate::cache::{Cache, PendingFile};
use crate::client::IndexClient;
use crate::error::IndexError;
use crate::safe_url::SafeUrl;
use crate::types::{CacheKeeps, FetchedFile};

/// Where a plain file comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSource {
    /// An `http://` or `https://` URL.
    Url(SafeUrl),
    /// A local file (a path, or a `file://` URL).
    Path(PathBuf),
}

impl FileSource {
    /// Reads a location as a spec writes it: an http(s) URL, a `file://`
    /// URL, or a path (relative paths are taken from `base`).
    pub fn parse(text: &str, base: &Path) -> Result<FileSource, IndexError> {
        let text = text.trim();
        let has_scheme = text
            .split_once("://")
            .is_some_and(|(scheme, _)| scheme.bytes().all(|byte| byte.is_ascii_alphabetic()));
        if !has_scheme {
            return Ok(FileSource::Path(base.join(text)));
        }
        let url = Url::parse(text).map_err(|error| IndexError::BadUrl {
            url: mask_userinfo(text),
            reason: error.to_string(),
        })?;
        match url.scheme() {
            "http" | "https" => Ok(FileSource::Url(SafeUrl::new(url))),
            "file" => url
                .to_file_path()
                .map(FileSource::Path)
                .map_err(|()| IndexError::BadUrl {
                    url: mask_userinfo(text),
                    reason: "not a local file path".to_owned(),
                }),
            other => Err(IndexError::BadUrl {
                url: SafeUrl::new(url.clone()).to_string(),
                reason: format!(
                    "`{other}:` URLs are not supported; use http, https, file or a path"
                ),
            }),
        }
    }
}

/// `scheme://****@rest` for text that may not parse as a URL.
fn mask_userinfo(text: &str) -> String {
    match text.split_once("://") {
        Some((scheme, rest)) => match rest.split('/').next().and_then(|host| host.rfind('@')) {
            Some(at) => format!("{scheme}://****{}", &rest[at..]),
            None => text.to_owned(),
        },
        None => text.to_owned(),
    }
}

impl std::fmt::Display for FileSource {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileSource::Url(url) => write!(formatter, "{url}"),
            FileSource::Path(path) => write!(formatter, "{}", path.display()),
        }
    }
}

impl IndexClient {
    /// Fetches a plain file to `dest`, named `filename` in messages. With an
    /// `expected` sha256 the cache is tried first and the content must match;
    /// without one, whatever arrives is hashed and returned. Either way the
    /// file appears at `dest` only when complete (and verified), and enters
    /// the cache under its hash (a copy of its own).
    pub fn fetch_source(
        &self,
        source: &FileSource,
        filename: &str,
        expected: Option<&Sha256>,
        dest: &Path,
    ) -> Result<FetchedFile, IndexError> {
        self.fetch_source_sized(source, filename, expected, None, dest, CacheKeeps::Copy)
    }

    /// [`IndexClient::fetch_source`] for a file whose size is known (the
    /// lock's): no more than `expected_size` bytes are read, and the
    /// download's deadline grows with the size. `keeps` says what the cache
    /// keeps of a verified download.
    pub fn fetch_source_sized(
        &self,
        source: &FileSource,
        filename: &str,
        expected: Option<&Sha256>,
        expected_size: Option<u64>,
        dest: &Path,
        keeps: CacheKeeps,
    ) -> Result<FetchedFile, IndexError> {
        let cache = self.cache();
        if let Some(sha256) = expected
            && !self.options().refresh
            && let Some(cached) = cache.cached_file(sha256)
        {
            return place_cached(&cached, sha256, dest);
        }
        if let FileSource::Url(url) = source
            && self.options().offline
        {
            return Err(IndexError::Offline {
                what: format!("the file {filename} ({url})"),
            });
        }
        let parent = parent_dir(dest);
        let mut temporary = tempfile::Builder::new()
            .prefix(".envlock-download-")
            .tempfile_in(parent)
            .map_err(|error| IndexError::io("cannot create a temporary file in", parent, error))?;
        let temporary_path = temporary.path().to_path_buf();
        // The cache's copy of a download is written from the same buffer
        // as the download itself, and enters the cache only once verified.
        let mut cache_copy = None;
        let (sha256, size) = match source {
            FileSource::Url(url) => {
                self.register_credentials(url.as_url());
                if keeps == CacheKeeps::Copy {
                    cache_copy = expected.and_then(|sha256| cache.begin_file(sha256));
                }
                self.download(
                    url,
                    temporary.as_file_mut(),
                    &temporary_path,
                    expected_size,
                    &mut cache_copy,
                )?
            }
            FileSource::Path(path) => copy_hashing(path, temporary.as_file_mut(), &temporary_path)?,
        };
        if let Some(expected) = expected
            && sha256 != *expected
        {
            // Dropping `temporary` deletes the unverified file.
            return Err(IndexError::HashMismatch {
                filename: filename.to_owned(),
                source_name: source.to_string(),
                expected: expected.to_hex(),
                actual: sha256.to_hex(),
            });
        }
        // On disk before it takes its name: a crash never leaves a verified
        // name over bytes that were not written (the folder's own flush is
        // the caller's, once for many files).
        temporary
            .as_file()
            .sync_all()
            .map_err(|error| IndexError::io("cannot write", &temporary_path, error))?;
        temporary
            .persist(dest)
            .map_err(|error| IndexError::io("cannot write", dest, error.error))?;
        keep_in_cache(cache, cache_copy, keeps, dest, &sha256);
        Ok(FetchedFile {
            sha256,
            size,
            path: dest.to_path_buf(),
        })
    }
}

/// Keeps a verified file in the cache as `keeps` says: the copy written
/// beside the download, else a copy of `dest`, or a note of where `dest`
/// is. A file that cannot be cached is only fetched again next time.
fn keep_in_cache(
    cache: &Cache,
    copy: Option<PendingFile>,
    keeps: CacheKeeps,
    dest: &Path,
    sha256: &Sha256,
) {
    let _ = match (copy, keeps) {
        (Some(entry), _) => cache.finish_file(entry),
        (None, CacheKeeps::Copy) => cache.store_file(dest, sha256),
        (None, CacheKeeps::Place) => {
            cache.note_placed(dest, sha256);
            Ok(())
        }
    };
}

/// The folder a path is in (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Copies a local file into `file`, hashing on the way.
fn copy_hashing(
    source: &Path,
    file: &mut std::fs::File,
    file_path: &Path,
) -> Result<(Sha256, u64), IndexError> {
    let mut input = std::fs::File::open(source)
        .map_err(|error| IndexError::io("cannot read", source, error))?;
    let mut output = envlock_fs::HashingWriter::new(file);
    std::io::copy(&mut input, &mut output)
        .map_err(|error| IndexError::io("cannot copy", source, error))?;
    output
        .flush()
        .map_err(|error| IndexError::io("cannot write", file_path, error))?;
    let (sha256, size, _) = output.finish();
    Ok((sha256, size))
}

/// Places a cached (hence verified) file at `dest`: a hard link, else a
/// copy, under a temporary name first.
pub(crate) fn place_cached(
    cached: &Path,
    sha256: &Sha256,
    dest: &Path,
) -> Result<FetchedFile, IndexError> {
    let parent = parent_dir(dest);
    let temporary = tempfile::Builder::new()
        .prefix(".envlock-copy-")
        .tempfile_in(parent)
        .map_err(|error| IndexError::io("cannot create a temporary file in", parent, error))?;
    let temporary_path = temporary.into_temp_path();
    // A copy (a reflink where the file system can), never a hard link: the
    // cache's read-only inode must not be shared with a file handed out.
    std::fs::copy(cached, &temporary_path)
        .map_err(|error| IndexError::io("cannot copy from the cache", cached, error))?;
    let mut permissions = std::fs::metadata(&temporary_path)
        .map_err(|error| IndexError::io("cannot read", &temporary_path, error))?
        .permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&temporary_path, permissions)
        .map_err(|error| IndexError::io("cannot write", &temporary_path, error))?;
    temporary_path
        .persist(dest)
        .map_err(|error| IndexError::io("cannot write", dest, error.error))?;
    let size = std::fs::metadata(dest)
        .map_err(|error| IndexError::io("cannot read", dest, error))?
        .len();
    Ok(FetchedFile {
        sha256: *sha256,
        size,
        path: dest.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_urls_or_paths() {
        let base = Path::new("/specs");
        assert_eq!(
            FileSource::parse("tools/dropbear", base).unwrap(),
            FileSource::Path(PathBuf::from("/specs/tools/dropbear"))
        );
        assert_eq!(
            FileSource::parse("file:///srv/a.deb", base).unwrap(),
            FileSource::Path(PathBuf::from("/srv/a.deb"))
        );
        assert!(matches!(
            FileSource::parse("https://h.invalid/a.deb", base).unwrap(),
            FileSource::Url(_)
        ));
        let error = FileSource::parse("ftp://h.invalid/a.deb", base)
            .unwrap_err()
            .to_string();
        assert!(error.contains("`ftp:` URLs are not supported"), "{error}");
        let error = FileSource::parse("https://user:secret@[bad/a.deb", base)
            .unwrap_err()
            .to_string();
        assert!(!error.contains("secret"), "{error}");
    }
}
