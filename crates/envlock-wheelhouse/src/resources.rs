//! The lock's resources in a wheelhouse: plain files under `resources/`,
//! verified against the lock's sha256 and size like every distribution.

use std::collections::BTreeSet;
use std::path::Path;

use envlock_index::FileSource;
use envlock_lock::LockedResource;

use crate::build::{BuildRequest, Origin};
use crate::error::WheelhouseError;
use crate::layout;

/// The folder of a wheelhouse that holds the resources.
pub(crate) const RESOURCES: &str = "resources";

/// The path of a resource inside the wheelhouse (`resources/<file>`).
pub(crate) fn resource_path(resource: &LockedResource) -> String {
    format!("{RESOURCES}/{}", resource.file)
}

/// A resource's location with `${VAR}` expanded, or why it cannot be
/// expanded. Done up front, on the calling thread.
pub(crate) type ExpandedUrl = Result<String, String>;

/// Places every resource of the lock: kept when already there and intact,
/// linked from the cache, or fetched from its URL and verified. Returns
/// each one's origin, or the failures.
pub(crate) fn place_resources(
    request: &BuildRequest<'_>,
    urls: &[ExpandedUrl],
) -> Result<Vec<Origin>, Vec<WheelhouseError>> {
    let folder = request.out_dir.join(RESOURCES);
    if request.lock.resources.is_empty() {
        // A lock that lost its resources leaves none behind.
        if folder.is_dir() {
            std::fs::remove_dir_all(&folder)
                .map_err(|error| vec![WheelhouseError::io("remove", &folder, error)])?;
        }
        return Ok(Vec::new());
    }
    std::fs::create_dir_all(&folder)
        .map_err(|error| vec![WheelhouseError::io("create", &folder, error)])?;
    remove_unlisted(&folder, &request.lock.resources).map_err(|error| vec![error])?;
    let mut origins = Vec::new();
    let mut failures = Vec::new();
    for (resource, url) in request.lock.resources.iter().zip(urls) {
        match place_one(request, resource, url, &folder) {
            Ok(origin) => {
                request
                    .reporter
                    .file_done(&resource_path(resource), resource.size, origin);
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
    request: &BuildRequest<'_>,
    resource: &LockedResource,
    url: &ExpandedUrl,
    folder: &Path,
) -> Result<Origin, WheelhouseError> {
    let dest = folder.join(&resource.file);
    let cached = request
        .cache
        .and_then(|cache| cache.cached_file(&resource.sha256.to_string()));
    let present = std::fs::metadata(&dest)
        .is_ok_and(|metadata| metadata.is_file() && metadata.len() == resource.size);
    // A link to the cached copy is the verified bytes; anything else of the
    // right size is hashed.
    if present
        && (cached
            .as_deref()
            .is_some_and(|cached| crate::build::same_file(&dest, cached))
            || layout::sha256_of(&dest)? == resource.sha256.to_string())
    {
        return Ok(Origin::AlreadyThere);
    }
    if let Some(cached) = cached {
        crate::build::place_from_cache(&cached, &dest)?;
        return Ok(Origin::Cache);
    }
    let failed = |reason: String| WheelhouseError::Resource {
        name: resource.name.clone(),
        reason,
    };
    let Some(client) = request.client else {
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
        FileSource::parse(url, request.lock_dir).map_err(|error| failed(error.to_string()))?;
    let fetched = client
        .fetch_source(
            &source,
            &resource.file,
            Some(&resource.sha256.to_string()),
            &dest,
        )
        .map_err(|error| failed(error.to_string()))?;
    if fetched.size != resource.size {
        let _ = std::fs::remove_file(&dest);
        return Err(WheelhouseError::SizeDiffers {
            file: resource_path(resource),
            expected: resource.size,
            actual: fetched.size,
        });
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
