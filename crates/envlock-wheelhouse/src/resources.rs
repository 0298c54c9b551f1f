//! The lock's resources in a wheelhouse: plain files under `resources/`,
//! placed and verified against the lock's sha256 and size like every
//! distribution.

use std::collections::BTreeSet;
use std::path::Path;

use envlock_index::{Cache, CacheKeeps, FileSource, IndexClient};
use envlock_lock::{Lock, LockedResource};

use crate::error::WheelhouseError;
use crate::folder::{PYTHON, RESOURCES};
use crate::place::{check_fetched_size, place_local, stamp_placed};
use crate::progress::{Origin, Reporter};

/// A resource's location with `${VAR}` expanded, or why it cannot be
/// expanded. Done up front, on the calling thread.
pub(crate) type ExpandedUrl = Result<String, String>;

/// Where resources come from.
pub(crate) struct ResourceSources<'a> {
    /// The content-addressed cache, tried first.
    pub cache: Option<&'a Cache>,
    /// Fetches what the cache lacks; `None` when no network client is at
    /// hand.
    pub client: Option<&'a IndexClient>,
    /// Where a resource whose URL is a relative path is found from.
    pub lock_dir: &'a Path,
}

/// The carried interpreters of the chosen targets, as plain files to place
/// under `python/` (one per archive, however many targets carry it).
pub(crate) fn carried_interpreters(lock: &Lock, targets: &[String]) -> Vec<LockedResource> {
    let mut carried: Vec<LockedResource> = lock
        .interpreters
        .iter()
        .filter(|interpreter| targets.contains(&interpreter.target))
        .map(|interpreter| LockedResource {
            name: format!(
                "CPython {} of target {}",
                interpreter.version, interpreter.target
            ),
            url: interpreter.url.clone(),
            file: interpreter.file.clone(),
            env: String::new(),
            sha256: interpreter.sha256,
            size: interpreter.size,
        })
        .collect();
    carried.sort_by(|left, right| left.file.cmp(&right.file));
    carried.dedup_by(|later, earlier| later.file == earlier.file);
    carried
}

/// Where plain files go: the lock's resources, or the carried interpreters.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PlainFolder {
    /// `resources/`.
    Resources,
    /// `python/`.
    Python,
}

impl PlainFolder {
    fn name(self) -> &'static str {
        match self {
            PlainFolder::Resources => RESOURCES,
            PlainFolder::Python => PYTHON,
        }
    }
}

/// Places every resource under `resources/` (or every interpreter under
/// `python/`) of the folder at `dir`: kept when already there and intact,
/// linked from the cache, or fetched from its URL (`urls`, in the same
/// order) and verified. Returns each one's origin, or the failures.
pub(crate) fn place_resources(
    dir: &Path,
    kind: PlainFolder,
    resources: &[LockedResource],
    urls: &[ExpandedUrl],
    sources: &ResourceSources<'_>,
    reporter: &dyn Reporter,
) -> Result<Vec<Origin>, Vec<WheelhouseError>> {
    let folder = dir.join(kind.name());
    if resources.is_empty() {
        // A lock that lost its resources leaves none behind.
        if folder.is_dir() {
            std::fs::remove_dir_all(&folder)
                .map_err(|error| vec![WheelhouseError::io("remove", &folder, error)])?;
        }
        return Ok(Vec::new());
    }
    std::fs::create_dir_all(&folder)
        .map_err(|error| vec![WheelhouseError::io("create", &folder, error)])?;
    remove_unlisted(&folder, resources).map_err(|error| vec![error])?;
    let mut origins = Vec::new();
    let mut failures = Vec::new();
    for (resource, url) in resources.iter().zip(urls) {
        match place_one(sources, resource, url, &folder, kind) {
            Ok(origin) => {
                let shown = format!("{}/{}", kind.name(), resource.file);
                reporter.file_done(&shown, resource.size, origin);
                origins.push(origin);
            }
            Err(error) => failures.push(error),
        }
    }
    if failures.is_empty() {
        Ok(origins)
    } else {
        Err(failures)
    }
}

fn place_one(
    sources: &ResourceSources<'_>,
    resource: &LockedResource,
    url: &ExpandedUrl,
    folder: &Path,
    kind: PlainFolder,
) -> Result<Origin, WheelhouseError> {
    let dest = envlock_fs::join_file_name(folder, &resource.file)
        .map_err(|error| WheelhouseError::io("write into", folder, error))?;
    if let Some(origin) = place_local(&dest, &resource.sha256, resource.size, sources.cache)? {
        return Ok(origin);
    }
    let failed = |reason: String| WheelhouseError::Resource {
        name: resource.name.clone(),
        reason,
    };
    let Some(client) = sources.client else {
        return Err(failed(
            "it is not in the cache, and there is no client to fetch it with".to_owned(),
        ));
    };
    let url = url.as_ref().map_err(|variable| {
        failed(format!(
            "its URL `{}` uses ${{{variable}}}, which is not set",
            resource.url
        ))
    })?;
    let source =
        FileSource::parse(url, sources.lock_dir).map_err(|error| failed(error.to_string()))?;
    let fetched = client
        .fetch_source_sized(
            &source,
            &resource.file,
            Some(&resource.sha256),
            Some(resource.size),
            &dest,
            CacheKeeps::Place,
        )
        .map_err(|error| failed(error.to_string()))?;
    let shown = format!("{}/{}", kind.name(), resource.file);
    check_fetched_size(&dest, &shown, resource.size, fetched.size)?;
    if let Some(cache) = sources.cache {
        // The cache noted where the resource lies; it gets its final mode
        // now, and its stamp again, or the mode set at the end of the build
        // would leave that note stale (and the next build downloading it).
        stamp_placed(cache, &dest, &resource.sha256)?;
    }
    Ok(Origin::Downloaded)
}

/// Removes files of `resources/` that the lock no longer lists.
fn remove_unlisted(folder: &Path, resources: &[LockedResource]) -> Result<(), WheelhouseError> {
    let listed: BTreeSet<&str> = resources
        .iter()
        .map(|resource| resource.file.as_str())
        .collect();
    let entries =
        std::fs::read_dir(folder).map_err(|error| WheelhouseError::io("read", folder, error))?;
    for entry in entries {
        let entry = entry.map_err(|error| WheelhouseError::io("read", folder, error))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !listed.contains(name.as_str()) {
            let path = entry.path();
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            removed.map_err(|error| WheelhouseError::io("remove", &path, error))?;
        }
    }
    Ok(())
}
