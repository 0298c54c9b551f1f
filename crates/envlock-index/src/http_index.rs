//! An HTTP Simple API index (PEP 503 HTML / PEP 691 JSON, PEP 658 metadata).

use std::path::Path;
use std::sync::Arc;

use envlock_pep::PackageName;
use rayon::prelude::*;
use url::Url;

use crate::cache::{CachedPage, PageHeader, sha256_hex};
use crate::client::{HttpResponse, IndexClient, Limit};
use crate::error::IndexError;
use crate::metadata::{parse_core_metadata, sdist_metadata, wheel_metadata_from_bytes};
use crate::plain_file::FileSource;
use crate::remote_zip::{KnownMembers, TAIL_SIZE, Tail, read_remote_metadata};
use crate::safe_url::SafeUrl;
use crate::simple::{ACCEPT, Keep, keep_all, page_format, parse_page};
use crate::types::{
    CacheKeeps, CoreMetadata, DistKind, FetchedFile, IndexFile, MetadataFile, PackageIndex,
    ProjectPage,
};

/// A package index reached over HTTP(S) through the shared [`IndexClient`].
#[derive(Debug, Clone)]
pub struct HttpIndex {
    name: String,
    url: SafeUrl,
    client: Arc<IndexClient>,
    /// The METADATA members its wheels gave so far (see [`KnownMembers`]).
    members: Arc<KnownMembers>,
}

impl HttpIndex {
    /// An index called `name` at `url` (the Simple API root, e.g.
    /// `https://host/simple/`; a missing trailing slash is added). Its
    /// credentials, if any, are used for every URL on the same host.
    pub fn new(name: &str, url: &Url, client: Arc<IndexClient>) -> Result<Self, IndexError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(IndexError::InvalidUrl {
                url: crate::safe_url::redacted(url),
                origin: format!("index `{name}`"),
                reason:
                    "only http and https index URLs are supported (use find-links for directories)"
                        .to_owned(),
            });
        }
        let mut url = url.clone();
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        client.register_index(&url);
        Ok(Self {
            name: name.to_owned(),
            url: SafeUrl::new(url),
            client,
            members: Arc::default(),
        })
    }

    /// The index root URL (display it; it masks credentials).
    pub fn url(&self) -> &SafeUrl {
        &self.url
    }

    fn page_url(&self, project: &PackageName) -> Result<SafeUrl, IndexError> {
        self.url
            .as_url()
            .join(&format!("{project}/"))
            .map(SafeUrl::new)
            .map_err(|error| IndexError::InvalidUrl {
                url: self.url.to_string(),
                origin: format!("index `{}`", self.name),
                reason: error.to_string(),
            })
    }

    fn cache_key(&self) -> String {
        self.url.without_credentials().to_string()
    }

    fn parse_cached(
        &self,
        page: &CachedPage,
        name: &PackageName,
        keep: Keep<'_>,
    ) -> Result<ProjectPage, IndexError> {
        let base = Url::parse(&page.url).map_err(|error| IndexError::BadPage {
            url: self.url.clone(),
            reason: format!("cached page URL is invalid: {error}"),
        })?;
        let url = SafeUrl::new(base.clone());
        let format = page_format(page.content_type.as_deref(), &page.body).map_err(|reason| {
            IndexError::BadPage {
                url: url.clone(),
                reason,
            }
        })?;
        let files =
            parse_page(format, &page.body, &base, keep).map_err(|reason| IndexError::BadPage {
                url: url.clone(),
                reason,
            })?;
        let sorted = crate::file_names::keep_usable(files, name);
        Ok(ProjectPage {
            name: name.clone(),
            url,
            files: sorted.usable,
            ignored: sorted.suspicious,
            nonconforming: sorted.nonconforming,
        })
    }

    fn metadata_limit(&self) -> Limit {
        Limit {
            bytes: self.client.options().max_metadata_size,
            setting: "--max-metadata-size / ENVLOCK_MAX_METADATA_SIZE",
        }
    }

    fn metadata_source(file: &IndexFile) -> String {
        file.shown_url()
    }

    /// Fetches the raw RFC 822 metadata bytes of a file from the network.
    fn fetch_metadata_bytes(&self, file: &IndexFile) -> Result<Vec<u8>, IndexError> {
        match file.kind() {
            DistKind::Wheel => {
                if let MetadataFile::Offered { sha256 } = &file.core_metadata {
                    match self.metadata_file(file, sha256.as_deref()) {
                        Err(IndexError::Status { status: 404, .. }) => {}
                        other => return other,
                    }
                }
                self.ranged_wheel_metadata(file)
            }
            DistKind::Sdist => {
                let bytes = self.whole_file(file)?;
                sdist_metadata(&file.filename, &bytes, &Self::metadata_source(file))
            }
            DistKind::Other => Err(IndexError::BadArchive {
                source_name: Self::metadata_source(file),
                reason: "not a wheel or an sdist (.whl, .tar.gz, .zip)".to_owned(),
            }),
        }
    }

    /// The PEP 658 `<url>.metadata` file, verified against its announced hash.
    fn metadata_file(
        &self,
        file: &IndexFile,
        expected: Option<&str>,
    ) -> Result<Vec<u8>, IndexError> {
        let mut url = file.url()?.as_url().clone();
        url.set_path(&format!("{}.metadata", url.path()));
        let url = SafeUrl::new(url);
        let response = self.client.get(&url, &[], self.metadata_limit())?;
        if let Some(expected) = expected {
            let actual = sha256_hex(&response.body);
            if !actual.eq_ignore_ascii_case(expected) {
                return Err(IndexError::HashMismatch {
                    filename: format!("{}.metadata", file.filename),
                    source_name: url.to_string(),
                    expected: expected.to_owned(),
                    actual,
                });
            }
        }
        Ok(response.body)
    }

    /// The whole file in memory, verified when its hash is known.
    fn whole_file(&self, file: &IndexFile) -> Result<Vec<u8>, IndexError> {
        if let Some(path) = file.sha256.map(|hash| self.client.cache().file_path(&hash))
            && !self.client.options().refresh
            && let Ok(bytes) = std::fs::read(&path)
        {
            return Ok(bytes);
        }
        let response = self.client.get(&file.url()?, &[], archive_limit(file))?;
        verify_bytes(file, &response.body)?;
        self.keep_whole_file(file, &response.body);
        Ok(response.body)
    }

    /// Stores a verified whole file in the content-addressed cache, so a
    /// later `fetch` does not download it again.
    fn keep_whole_file(&self, file: &IndexFile, bytes: &[u8]) {
        if let Some(path) = file.sha256.map(|hash| self.client.cache().file_path(&hash)) {
            // Only a verified file (hash known and checked) may enter the cache;
            // failing to write it only costs a later download.
            let _ = crate::cache::write_atomic(&path, bytes);
        }
    }

    /// METADATA from a remote wheel: a suffix range for the tail, then (if
    /// needed) one range for the member; the whole file only when the server
    /// ignores ranges.
    fn ranged_wheel_metadata(&self, file: &IndexFile) -> Result<Vec<u8>, IndexError> {
        let source = Self::metadata_source(file);
        let url = file.url()?;
        let response = self.client.get(
            &url,
            &[("Range", format!("bytes=-{TAIL_SIZE}"))],
            archive_limit(file),
        )?;
        match response.status.as_u16() {
            206 => {
                let (start, _end, total) = content_range(response.header("content-range"))
                    .ok_or_else(|| IndexError::BadArchive {
                        source_name: source.clone(),
                        reason: "a 206 answer without a valid Content-Range".to_owned(),
                    })?;
                if start.checked_add(response.body.len() as u64) != Some(total) {
                    return Err(IndexError::BadArchive {
                        source_name: source,
                        reason: "the suffix range does not reach the end of the file".to_owned(),
                    });
                }
                let tail = Tail {
                    start,
                    bytes: response.body,
                };
                read_remote_metadata(
                    tail,
                    &file.filename,
                    &source,
                    &self.members,
                    |start, end| self.range(&url, start, end),
                )
            }
            416 => {
                let body = self.client.get(&url, &[], archive_limit(file))?.body;
                verify_bytes(file, &body)?;
                self.keep_whole_file(file, &body);
                wheel_metadata_from_bytes(&body, &file.filename, &source)
            }
            _ => {
                // The server ignored the range and sent the whole file.
                verify_bytes(file, &response.body)?;
                self.keep_whole_file(file, &response.body);
                wheel_metadata_from_bytes(&response.body, &file.filename, &source)
            }
        }
    }

    /// The bytes `[start, end)` of a file with one range request.
    fn range(&self, url: &SafeUrl, start: u64, end: u64) -> Result<Vec<u8>, IndexError> {
        let last = end.saturating_sub(1);
        let response = self.client.get(
            url,
            &[("Range", format!("bytes={start}-{last}"))],
            Limit {
                bytes: end - start,
                setting: "the range asked for",
            },
        )?;
        let wrong = |reason: String| IndexError::BadArchive {
            source_name: url.to_string(),
            reason,
        };
        if response.status.as_u16() != 206 {
            return Err(wrong(format!(
                "asked for bytes {start}-{last}, got HTTP {} instead of 206",
                response.status.as_u16()
            )));
        }
        match content_range(response.header("content-range")) {
            Some((got_start, got_end, _)) if got_start == start && got_end == last => {}
            _ => {
                return Err(wrong(format!(
                    "asked for bytes {start}-{last}, got another range"
                )));
            }
        }
        if response.body.len() as u64 != end - start {
            return Err(wrong(format!(
                "asked for {} bytes, got {}",
                end - start,
                response.body.len()
            )));
        }
        Ok(response.body)
    }
}

/// The most of a whole archive read into memory (for its metadata, when a
/// server ignores ranges): its announced size, or [`MAX_ARCHIVE_IN_MEMORY`].
fn archive_limit(file: &IndexFile) -> Limit {
    match file.size {
        Some(size) => Limit {
            bytes: size,
            setting: "the size the index gives for the file",
        },
        None => Limit {
            bytes: MAX_ARCHIVE_IN_MEMORY,
            setting: "envlock's limit on an archive read into memory (1 GiB)",
        },
    }
}

/// The largest archive of unknown size read into memory for its metadata.
const MAX_ARCHIVE_IN_MEMORY: u64 = 1024 * 1024 * 1024;

/// Seconds since the Unix epoch.
/// The key of a file's core metadata in the cache: its URL without
/// credentials (the cache adds the sha256).
fn metadata_key(file: &IndexFile) -> Result<String, IndexError> {
    Ok(file.url()?.without_credentials().to_string())
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Until when a page may be used without revalidation, from its
/// `Cache-Control` header: `max-age=N` from now; `None` when the header
/// says nothing about freshness, or says to check every time (`no-cache`,
/// `no-store`, `max-age=0`). Which of the two it was is [`page_max_age`]'s.
fn fresh_until(cache_control: Option<&str>) -> Option<u64> {
    page_max_age(cache_control)
        .filter(|seconds| *seconds > 0)
        .map(|seconds| now().saturating_add(seconds))
}

/// What a `Cache-Control` header says about a page's freshness, in
/// seconds: `Some(0)` for `no-cache` and `no-store`, `None` when it says
/// nothing (or is absent).
fn page_max_age(cache_control: Option<&str>) -> Option<u64> {
    let mut max_age = None;
    for directive in cache_control?.split(',') {
        let directive = directive.trim().to_ascii_lowercase();
        if directive == "no-cache" || directive == "no-store" {
            return Some(0);
        }
        if let Some(seconds) = directive.strip_prefix("max-age=") {
            // An unreadable max-age is treated as "check every time".
            max_age = Some(seconds.trim().trim_matches('"').parse::<u64>().unwrap_or(0));
        }
    }
    max_age
}

/// Parses `Content-Range: bytes a-b/total` into (a, b, total).
fn content_range(value: Option<&str>) -> Option<(u64, u64, u64)> {
    let value = value?.trim().strip_prefix("bytes")?.trim();
    let (range, total) = value.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let (start, end, total) = (
        start.trim().parse().ok()?,
        end.trim().parse().ok()?,
        total.trim().parse().ok()?,
    );
    (start <= end && end < total).then_some((start, end, total))
}

fn verify_bytes(file: &IndexFile, bytes: &[u8]) -> Result<(), IndexError> {
    if let Some(expected) = file.sha256 {
        let actual = envlock_fs::Sha256::digest(bytes);
        if actual != expected {
            return Err(IndexError::HashMismatch {
                filename: file.filename.clone(),
                source_name: file.shown_url(),
                expected: expected.to_hex(),
                actual: actual.to_hex(),
            });
        }
    }
    Ok(())
}

/// What a page is read for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PageUse {
    /// A resolution: a fetched page is kept in the cache, and pages are
    /// downloaded a few at a time (see `IndexClient::page_bound`).
    Resolve,
    /// Looking files up for a wheelhouse, whose downloads wait for their
    /// pages: all pages are asked for at once (held to 8 at a time, the
    /// ClearML cp310 wheelhouse took 0.37 s instead of 0.30 s), and none
    /// is written to the cache: what needs the pages again is a lock,
    /// which revalidates them anyway, and writing a few hundred pages costs
    /// a first wheelhouse build a good part of its time on a slow file
    /// system.
    LookUp,
}

impl HttpIndex {
    /// A project's page, fetched or from the cache, with the files `keep`
    /// accepts. Pages that revalidated are always refreshed in the cache.
    fn project_keeping(
        &self,
        name: &PackageName,
        keep: Keep<'_>,
        used: PageUse,
    ) -> Result<ProjectPage, IndexError> {
        let page_url = self.page_url(name)?;
        let cache = self.client.cache();
        let options = self.client.options();
        let key = self.cache_key();
        if options.offline {
            let cached = if options.refresh {
                None
            } else {
                cache.read_page(&key, name.as_ref())
            };
            return self.offline_page(cached.as_ref(), name, &page_url, keep);
        }
        // The entry's header first: its body is read only when it will be
        // used (fresh, or revalidated by the server).
        let header = if options.refresh {
            None
        } else {
            cache.read_page_header(&key, name.as_ref())
        };
        let default_max_age = options.page_max_age.as_secs();
        if header
            .as_ref()
            .is_some_and(|header| header.is_fresh(now(), default_max_age))
            // Read inside the CPU slot: the I/O threads waiting for one
            // would otherwise each hold a page body (megabytes) meanwhile.
            && let Some(parsed) = self.client.cpu_bound(|| {
                cache
                    .read_page(&key, name.as_ref())
                    .map(|page| self.parse_cached(&page, name, keep))
            })
        {
            return parsed;
        }
        let validators = header.filter(PageHeader::can_revalidate);
        let fetch = || self.fetch_and_parse(name, page_url, keep, validators.as_ref(), used);
        match used {
            PageUse::Resolve => self.client.page_bound(fetch),
            PageUse::LookUp => fetch(),
        }
    }

    /// Asks the server for a page (revalidating the cached one when
    /// `validators` are given) and parses what it answers.
    fn fetch_and_parse(
        &self,
        name: &PackageName,
        page_url: SafeUrl,
        keep: Keep<'_>,
        validators: Option<&PageHeader>,
        used: PageUse,
    ) -> Result<ProjectPage, IndexError> {
        let cache = self.client.cache();
        let key = self.cache_key();
        let response = self.fetch_page(&page_url, name, validators)?;
        if response.status.as_u16() == 304 && validators.is_some() {
            if let Some(mut page) = cache.read_page(&key, name.as_ref()) {
                let parsed = self
                    .client
                    .cpu_bound(|| self.parse_cached(&page, name, keep))?;
                let fresh_until = fresh_until(response.header("cache-control"));
                if fresh_until.is_some() {
                    page.fresh_until = fresh_until;
                    let _ = cache.write_page(&key, name.as_ref(), &page);
                }
                return Ok(parsed);
            }
            // The entry went away since its header was read: ask for the
            // whole page.
            let response = self.fetch_page(&page_url, name, None)?;
            return self.fetched_page(response, name, page_url, keep, used);
        }
        self.fetched_page(response, name, page_url, keep, used)
    }

    /// A page the server sent whole: parsed, and kept in the cache when
    /// read for a resolution.
    fn fetched_page(
        &self,
        response: HttpResponse,
        name: &PackageName,
        page_url: SafeUrl,
        keep: Keep<'_>,
        used: PageUse,
    ) -> Result<ProjectPage, IndexError> {
        if !response.status.is_success() {
            return Err(IndexError::Status {
                url: page_url,
                status: response.status.as_u16(),
                detail: String::new(),
            });
        }
        let page = page_to_cache(response);
        let parsed = self
            .client
            .cpu_bound(|| self.parse_cached(&page, name, keep))?;
        // A cache that cannot be written only costs a later refetch.
        if used == PageUse::Resolve {
            let _ = self
                .client
                .cache()
                .write_page(&self.cache_key(), name.as_ref(), &page);
        }
        Ok(parsed)
    }

    /// With `--offline`, the cached page or an error saying it is missing.
    fn offline_page(
        &self,
        cached: Option<&CachedPage>,
        name: &PackageName,
        page_url: &SafeUrl,
        keep: Keep<'_>,
    ) -> Result<ProjectPage, IndexError> {
        match cached {
            Some(page) => self
                .client
                .cpu_bound(|| self.parse_cached(page, name, keep)),
            None => Err(IndexError::Offline {
                what: format!(
                    "the project page of `{name}` on index `{}` ({page_url})",
                    self.name
                ),
            }),
        }
    }

    /// Requests a project's page, revalidating the cached copy when there
    /// is one; a 404 means the index has no such project.
    fn fetch_page(
        &self,
        page_url: &SafeUrl,
        name: &PackageName,
        cached: Option<&PageHeader>,
    ) -> Result<HttpResponse, IndexError> {
        let mut headers = vec![("Accept", ACCEPT.to_owned())];
        if let Some(page) = cached {
            if let Some(etag) = &page.etag {
                headers.push(("If-None-Match", etag.clone()));
            }
            if let Some(modified) = &page.last_modified {
                headers.push(("If-Modified-Since", modified.clone()));
            }
        }
        let limit = Limit {
            bytes: self.client.options().max_page_size,
            setting: "--max-page-size / ENVLOCK_MAX_PAGE_SIZE",
        };
        match self.client.get(page_url, &headers, limit) {
            Err(IndexError::Status { status: 404, .. }) => Err(IndexError::ProjectNotFound {
                project: name.to_string(),
                index: self.name.clone(),
            }),
            other => other,
        }
    }
}

/// A fetched page as the cache keeps it, with its validators.
fn page_to_cache(response: HttpResponse) -> CachedPage {
    let content_type = response.header("content-type").map(str::to_owned);
    let etag = response.header("etag").map(str::to_owned);
    let last_modified = response.header("last-modified").map(str::to_owned);
    let cache_control = response.header("cache-control");
    let fresh = fresh_until(cache_control);
    // A page the server says nothing about and cannot revalidate is kept
    // for `--page-max-age` from now (decided when it is read).
    let unannounced =
        page_max_age(cache_control).is_none() && etag.is_none() && last_modified.is_none();
    // Take the body without copying it (pages run to megabytes); only
    // invalid UTF-8 needs the lossy copy.
    let body = String::from_utf8(response.body)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned());
    CachedPage {
        url: response.url.to_string(),
        etag,
        last_modified,
        content_type,
        body,
        fresh_until: fresh,
        unannounced_since: unannounced.then(now),
    }
}

impl PackageIndex for HttpIndex {
    fn name(&self) -> &str {
        &self.name
    }

    fn project(&self, name: &PackageName) -> Result<ProjectPage, IndexError> {
        self.project_keeping(name, &keep_all, PageUse::Resolve)
    }

    fn has_cached_page(&self, name: &PackageName) -> bool {
        !self.client.options().refresh
            && self
                .client
                .cache()
                .read_page_header(&self.cache_key(), name.as_ref())
                .is_some()
    }

    fn project_where(
        &self,
        name: &PackageName,
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<ProjectPage, IndexError> {
        // Unusable names pass, so that they are still reported.
        let names = crate::file_names::PageNames::new(name);
        let keep = |filename: &str| keep(filename) || names.unusable(filename).is_some();
        self.project_keeping(name, &keep, PageUse::Resolve)
    }

    fn project_files(
        &self,
        name: &PackageName,
        filenames: &[&str],
    ) -> Result<ProjectPage, IndexError> {
        let keep = |filename: &str| filenames.contains(&filename);
        self.project_keeping(name, &keep, PageUse::LookUp)
    }

    fn has_cached_metadata(&self, file: &IndexFile) -> bool {
        !self.client.options().refresh
            && metadata_key(file)
                .is_ok_and(|key| self.client.cache().has_metadata(file.sha256.as_ref(), &key))
    }

    fn core_metadata(&self, file: &IndexFile) -> Result<CoreMetadata, IndexError> {
        let cache = self.client.cache();
        let options = self.client.options();
        let url_key = metadata_key(file)?;
        let source = Self::metadata_source(file);
        if !options.refresh
            && let Some(bytes) = cache.read_metadata(file.sha256.as_ref(), &url_key)
            && let Ok(metadata) = parse_core_metadata(&bytes, &source)
        {
            return Ok(metadata);
        }
        if options.offline {
            return Err(IndexError::Offline {
                what: format!("the core metadata of {} ({source})", file.filename),
            });
        }
        let bytes = self.fetch_metadata_bytes(file)?;
        let metadata = parse_core_metadata(&bytes, &source)?;
        let _ = cache.write_metadata(file.sha256.as_ref(), &url_key, &bytes);
        Ok(metadata)
    }

    fn fetch(
        &self,
        file: &IndexFile,
        dest: &Path,
        keeps: CacheKeeps,
    ) -> Result<FetchedFile, IndexError> {
        // An index file is a plain file at a URL, with the hash the index
        // (or the lock) gives for it.
        self.client.fetch_source_sized(
            &FileSource::Url(file.url()?),
            &file.filename,
            file.sha256.as_ref(),
            file.size,
            dest,
            keeps,
        )
    }

    /// PEP 503 pages carry no sizes. A one-byte range request answers with
    /// the total in `Content-Range`; a server that ignores ranges sends the
    /// whole file, which is verified and kept in the cache. Sizes are cached
    /// by sha256, so `--offline` re-locks need no network.
    fn file_size(&self, file: &IndexFile) -> Result<u64, IndexError> {
        if let Some(size) = file.size {
            return Ok(size);
        }
        let cache = self.client.cache();
        if let Some(sha256) = &file.sha256 {
            if let Some(size) = cache.read_size(sha256) {
                return Ok(size);
            }
            if let Ok(metadata) = std::fs::metadata(cache.file_path(sha256)) {
                return Ok(metadata.len());
            }
        }
        let response = self.client.get(
            &file.url()?,
            &[("Range", "bytes=0-0".to_owned())],
            archive_limit(file),
        )?;
        let size = if response.status.as_u16() == 206 {
            content_range(response.header("content-range"))
                .map(|(_, _, total)| total)
                .ok_or_else(|| IndexError::BadArchive {
                    source_name: file.shown_url(),
                    reason: "a range answer without a usable Content-Range".to_owned(),
                })?
        } else {
            verify_bytes(file, &response.body)?;
            self.keep_whole_file(file, &response.body);
            response.body.len() as u64
        };
        if let Some(sha256) = &file.sha256 {
            // A size that cannot be cached is only fetched again next time.
            let _ = cache.write_size(sha256, size);
        }
        Ok(size)
    }

    fn core_metadata_many(&self, files: &[IndexFile]) -> Vec<Result<CoreMetadata, IndexError>> {
        self.client.install(|| {
            files
                .par_iter()
                .map(|file| self.core_metadata(file))
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges() {
        assert_eq!(content_range(Some("bytes 10-19/20")), Some((10, 19, 20)));
        assert_eq!(content_range(Some("bytes 10-19/*")), None);
        assert_eq!(content_range(Some("bytes 19-10/20")), None);
        assert_eq!(content_range(None), None);
    }

    #[test]
    fn cache_control_freshness() {
        let within = |until: Option<u64>, seconds: u64| {
            until.is_some_and(|until| until >= now() + seconds - 5 && until <= now() + seconds)
        };
        assert!(within(fresh_until(Some("max-age=60")), 60));
        assert!(within(fresh_until(Some("public, MAX-AGE=60")), 60));
        // "Check every time" and "nothing said" both give no freshness;
        // only the second lets a page without validators use the default.
        for header in [
            "max-age=0",
            "no-cache",
            "no-store, max-age=60",
            "max-age=soon",
        ] {
            assert_eq!(fresh_until(Some(header)), None, "{header}");
            assert_eq!(page_max_age(Some(header)), Some(0), "{header}");
        }
        for header in [None, Some("public"), Some("")] {
            assert_eq!(fresh_until(header), None, "{header:?}");
            assert_eq!(page_max_age(header), None, "{header:?}");
        }
    }
}
