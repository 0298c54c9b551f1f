//! Locking the spec's resources: plain files pinned by sha256 and size.
//!
//! A resource is fetched once, when it first enters the lock (or when its
//! entry in the spec changes, or with `--upgrade`); after that the lock's
//! entry is kept as it is, like a package pin. Fetched files go into the
//! content-addressed cache, so the wheelhouse places them without a second
//! download.

use envlock_fs::Sha256;
use std::path::Path;
use std::sync::Arc;

use envlock_index::{FileSource, IndexClient, IndexError};
use envlock_lock::{Lock, LockedResource};
use envlock_spec::{Environment, ResourceSpec, Spec};

use crate::error::ResolveError;

/// What locking resources needs.
pub struct ResourceRequest<'a> {
    /// The spec whose `[[resources]]` are locked (relative paths are taken
    /// from its folder).
    pub spec: &'a Spec,
    /// The lock being replaced: unchanged entries are kept without a fetch.
    pub previous: Option<&'a Lock>,
    /// Fetch every resource again (`--upgrade`).
    pub refetch: bool,
    /// The client that fetches them (its cache, retries and `--offline`).
    pub client: Arc<IndexClient>,
    /// Where `${VAR}` in URLs is looked up.
    pub environment: Environment<'a>,
}

/// The locked resources, and what was recorded without being fetched.
#[derive(Debug, Default)]
pub struct ResourceOutcome {
    /// One entry per resource of the spec.
    pub resources: Vec<LockedResource>,
    /// How many were fetched (rather than kept from the previous lock).
    pub fetched: usize,
    /// Resources that could not be fetched and were recorded from the
    /// spec's `sha256` and `size`, one sentence each.
    pub warnings: Vec<String>,
}

/// Locks every resource of the spec; fetches run in parallel.
pub fn lock_resources(request: &ResourceRequest<'_>) -> Result<ResourceOutcome, ResolveError> {
    let fetcher = Fetcher {
        previous: request.previous,
        refetch: request.refetch,
        client: &request.client,
        folder: request.spec.path.parent().unwrap_or(Path::new(".")),
    };
    // Variables are looked up here, on this thread: the lookup need not be
    // shareable between threads.
    let expanded: Vec<_> = request
        .spec
        .resources
        .iter()
        .map(|resource| {
            resource
                .expanded_url(request.environment)
                .map_err(|error| error.message)
        })
        .collect();
    let fetcher = &fetcher;
    let results: Vec<Result<Locked, ResolveError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = request
            .spec
            .resources
            .iter()
            .zip(expanded)
            .map(|(resource, url)| scope.spawn(move || fetcher.lock_one(resource, url)))
            .collect();
        crate::error::join_all(handles, "fetching a resource")
    });
    let mut outcome = ResourceOutcome::default();
    for result in results {
        match result? {
            Locked::Kept(resource) => outcome.resources.push(resource),
            Locked::Fetched(resource) => {
                outcome.fetched += 1;
                outcome.resources.push(resource);
            }
            Locked::FromSpec(resource, warning) => {
                outcome.warnings.push(warning);
                outcome.resources.push(resource);
            }
        }
    }
    outcome.resources.sort();
    Ok(outcome)
}

enum Locked {
    Kept(LockedResource),
    Fetched(LockedResource),
    FromSpec(LockedResource, String),
}

/// The parts of a request the fetching threads share.
struct Fetcher<'a> {
    previous: Option<&'a Lock>,
    refetch: bool,
    client: &'a IndexClient,
    folder: &'a Path,
}

impl Fetcher<'_> {
    /// The previous lock's entry for this resource, when the spec still says
    /// the same of it and no refetch was asked for.
    fn unchanged(&self, resource: &ResourceSpec) -> Option<&LockedResource> {
        if self.refetch {
            return None;
        }
        let name = &resource.name.value;
        let previous = self
            .previous?
            .resources
            .iter()
            .find(|locked| locked.name == *name)?;
        let same = previous.url == resource.url.value
            && previous.file == resource.file
            && previous.env == resource.env.value
            && resource
                .sha256
                .is_none_or(|sha256| previous.sha256 == sha256)
            && resource.size.is_none_or(|size| size == previous.size);
        same.then_some(previous)
    }

    /// A fresh temporary folder under the cache to fetch into.
    fn scratch(&self) -> Result<tempfile::TempDir, String> {
        let scratch = self.client.cache().root().join("tmp");
        std::fs::create_dir_all(&scratch)
            .and_then(|()| tempfile::tempdir_in(&scratch))
            .map_err(|error| {
                format!(
                    "cannot create a temporary folder in {}: {error}",
                    scratch.display()
                )
            })
    }

    /// Where to fetch a resource from: its URL with variables expanded
    /// (or why they could not be), as a file source.
    fn source_of(
        &self,
        name: &str,
        url: Result<String, String>,
    ) -> Result<FileSource, ResolveError> {
        let failed = |message: String, hint: &str| ResolveError::Resource {
            resource: name.to_owned(),
            message,
            hint: hint.to_owned(),
        };
        let url = url.map_err(|message| {
            failed(
                message,
                &format!("set the variable, or change the `url` of resource `{name}`"),
            )
        })?;
        FileSource::parse(&url, self.folder).map_err(|error| {
            failed(
                error.to_string(),
                "a resource's `url` is an http(s) or file:// URL, or a path relative to the spec",
            )
        })
    }

    fn lock_one(
        &self,
        resource: &ResourceSpec,
        url: Result<String, String>,
    ) -> Result<Locked, ResolveError> {
        let name = &resource.name.value;
        let entry = |sha256: Sha256, size: u64| LockedResource {
            name: name.clone(),
            url: resource.url.value.clone(),
            file: resource.file.clone(),
            env: resource.env.value.clone(),
            sha256,
            size,
        };
        if let Some(previous) = self.unchanged(resource) {
            return Ok(Locked::Kept(previous.clone()));
        }

        let failed = |message: String, hint: &str| ResolveError::Resource {
            resource: name.clone(),
            message,
            hint: hint.to_owned(),
        };
        let source = self.source_of(name, url)?;
        let scratch = self.scratch().map_err(|message| {
            failed(
                message,
                "check that the cache folder (ENVLOCK_CACHE_DIR) is writable",
            )
        })?;
        let dest = scratch.path().join(&resource.file);
        match self
            .client
            .fetch_source(&source, &resource.file, resource.sha256.as_ref(), &dest)
        {
            Ok(fetched) => {
                if let Some(size) = resource.size
                    && size != fetched.size
                {
                    return Err(failed(
                        format!(
                            "{source} has {} bytes, but the spec says `size = {size}`",
                            fetched.size
                        ),
                        "correct `size` in the spec, or check that the URL is the file you mean",
                    ));
                }
                Ok(Locked::Fetched(entry(fetched.sha256, fetched.size)))
            }
            Err(error @ IndexError::HashMismatch { .. }) => Err(failed(
                error.to_string(),
                "the file at the URL is not the one the spec's `sha256` names; check the URL, or correct `sha256`",
            )),
            Err(error) => match (resource.sha256, resource.size) {
                (Some(sha256), Some(size)) => Ok(Locked::FromSpec(
                    entry(sha256, size),
                    format!(
                        "resource `{name}` could not be fetched ({error}); the lock records the sha256 and size the spec gives, and the wheelhouse checks the file against them"
                    ),
                )),
                _ => Err(failed(
                    format!("cannot fetch it: {error}"),
                    "give `sha256` and `size` in the spec (taken on a machine that can reach the URL) to lock it unfetched, or point `url` at a local copy",
                )),
            },
        }
    }
}
