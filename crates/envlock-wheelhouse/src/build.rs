//! Fetching every planned file into the wheelhouse, verified, in parallel.
//!
//! The order of work is chosen for wall-clock time: files already in the
//! folder (an interrupted or repeated build) are kept when verified, files
//! in the content-addressed cache are linked in without touching the index,
//! and only the rest are looked up on the index and downloaded. Page lookups
//! and downloads overlap (see [`fetch_all`]); downloads take the largest
//! located file first, so that the longest download never starts last.

use std::collections::BTreeMap;
use std::collections::BinaryHeap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use envlock_index::{Cache, IndexClient, IndexFile, PackageIndex};
use envlock_lock::{Lock, LockedFile};
use envlock_pep::PackageName;
use serde::Serialize;

use crate::error::WheelhouseError;
use crate::far_side::FarSide;
use crate::layout;
use crate::plan::{PlannedFile, planned_files};
use crate::resources::{ExpandedUrl, place_resources};
use crate::sdist::{SourceBuild, source_builds};
use crate::wheel_build::{BuiltWheel, WheelBuildOptions, build_wheels};

/// Where a file of the wheelhouse came from in this build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// It was already in the folder, verified.
    AlreadyThere,
    /// Linked or copied from the local cache.
    Cache,
    /// Downloaded from an index.
    Downloaded,
}

/// Hears about the build's progress; every method has an empty default.
pub trait Reporter: Sync {
    /// The build needs `files` files of `bytes` bytes in all.
    fn planned(&self, _files: usize, _bytes: u64) {}
    /// One file is in place and verified.
    fn file_done(&self, _name: &str, _size: u64, _origin: Origin) {}
}

/// A reporter that ignores everything.
#[derive(Debug, Default)]
pub struct SilentReporter;

impl Reporter for SilentReporter {}

/// What to build and from where.
pub struct BuildRequest<'a> {
    /// The lock.
    pub lock: &'a Lock,
    /// The lock's text, copied into the wheelhouse byte for byte.
    pub lock_text: &'a str,
    /// The targets chosen (see [`crate::select_targets`]).
    pub targets: Vec<String>,
    /// The indexes to look files up on; the one whose name the lock records
    /// for a package is asked first.
    pub indexes: &'a [Arc<dyn PackageIndex>],
    /// The content-addressed cache to link files from and store them in.
    pub cache: Option<&'a Cache>,
    /// The wheelhouse folder.
    pub out_dir: &'a Path,
    /// How many downloads run at once.
    pub jobs: usize,
    /// Progress.
    pub reporter: &'a dyn Reporter,
    /// Build the wheels of sdist-only packages here (`--build-wheels`)
    /// instead of leaving them to the target.
    pub build_wheels: Option<WheelBuildOptions>,
    /// Fetches the lock's resources that the cache lacks; `None` when no
    /// network client is at hand (then they must be in the cache).
    pub client: Option<&'a IndexClient>,
    /// The lock's folder: a resource whose URL is a relative path is found
    /// from here.
    pub lock_dir: &'a Path,
    /// Where `${VAR}` in resource URLs is looked up.
    pub variables: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// Where the wheelhouse will be served on the far side, for the
    /// ClearML files (`--serve-url`); `None` writes none of them.
    pub far_side: Option<FarSide>,
}

/// What a build did.
#[derive(Debug, Clone, Serialize)]
pub struct BuildSummary {
    /// The wheelhouse folder.
    pub dir: PathBuf,
    /// The targets it serves.
    pub targets: Vec<String>,
    /// Distribution files in it.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Files downloaded in this build.
    pub downloaded_files: usize,
    /// Bytes downloaded in this build.
    pub downloaded_bytes: u64,
    /// Files linked or copied from the cache.
    pub cached_files: usize,
    /// Files that were already in the folder, verified.
    pub kept_files: usize,
    /// Distribution files removed because the lock no longer has them.
    pub removed_files: Vec<String>,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Packages that the target will build from source.
    pub source_builds: Vec<SourceBuild>,
    /// Wheels built here from sdists (`--build-wheels`).
    pub built_wheels: Vec<BuiltWheel>,
    /// Resources placed under `resources/`.
    pub resources: usize,
    /// Their total size in bytes.
    pub resource_bytes: u64,
    /// Resources downloaded in this build.
    pub downloaded_resources: usize,
}

/// Builds (or brings up to date) the wheelhouse that `request` describes.
///
/// Every distribution file is verified against the lock before it gets its
/// final name. When some files cannot be fetched, the others stay in place
/// (a second run fetches only what is missing) and the wheelhouse is left
/// without its `SHA256SUMS`, so it cannot pass for complete.
pub fn build(request: &BuildRequest<'_>) -> Result<BuildSummary, WheelhouseError> {
    let started = Instant::now();
    let out_dir = request.out_dir;
    layout::prepare_dir(out_dir)?;
    // The lock and the targets go in first, so that an unfinished build can
    // be checked (`envlock verify` lists what is missing) and resumed.
    layout::write_atomic(&out_dir.join(layout::LOCK), request.lock_text.as_bytes())?;
    layout::write_atomic(
        &out_dir.join(layout::MANIFEST),
        layout::manifest_text(&request.lock.name, &request.targets, &[]).as_bytes(),
    )?;
    let files = planned_files(request.lock, &request.targets);
    let total_bytes = files.iter().map(|file| file.size).sum();
    let resources = &request.lock.resources;
    let resource_bytes: u64 = resources.iter().map(|resource| resource.size).sum();
    request
        .reporter
        .planned(files.len() + resources.len(), total_bytes + resource_bytes);
    let resource_urls: Vec<ExpandedUrl> = resources
        .iter()
        .map(|resource| envlock_spec::expand(&resource.url, request.variables))
        .collect();

    let mut origins: Vec<Option<Origin>> = vec![None; files.len()];
    let mut to_fetch = Vec::new();
    for (position, file) in files.iter().enumerate() {
        let dest = out_dir.join(&file.name);
        let cached = request
            .cache
            .and_then(|cache| cache.cached_file(&file.sha256))
            .filter(|path| file_size(path) == Some(file.size));
        let origin = if is_verified_copy(&dest, file, cached.as_deref())? {
            Origin::AlreadyThere
        } else if let Some(cached) = cached {
            place_from_cache(&cached, &dest)?;
            Origin::Cache
        } else {
            to_fetch.push(position);
            continue;
        };
        origins[position] = Some(origin);
        request.reporter.file_done(&file.name, file.size, origin);
    }

    if !to_fetch.is_empty() && request.indexes.is_empty() {
        layout::mark_incomplete(out_dir)?;
        return Err(WheelhouseError::NoIndex {
            missing: to_fetch.len(),
            example: files[to_fetch[0]].name.clone(),
        });
    }
    // Resources come from their own hosts, so they are fetched beside the
    // distributions rather than after them.
    // So are the exports, which need only the lock (unless wheels are
    // built here, which changes them).
    let early_exports = request.build_wheels.is_none();
    let (failures, placed_resources, exported) = std::thread::scope(|scope| {
        let resources = scope.spawn(|| place_resources(request, &resource_urls));
        let exports = early_exports
            .then(|| scope.spawn(|| layout::write_exports(request, request.lock, &files)));
        let failures = fetch_all(request, &files, &to_fetch);
        let placed = resources.join().unwrap_or_else(|_| {
            Err(vec![WheelhouseError::Internal(
                "placing the resources panicked".to_owned(),
            )])
        });
        let exported = exports.map(|handle| {
            handle.join().unwrap_or_else(|_| {
                Err(WheelhouseError::Internal(
                    "writing the exports panicked".to_owned(),
                ))
            })
        });
        (failures, placed, exported)
    });
    for position in &to_fetch {
        if !failures.iter().any(|(failed, _)| failed == position) {
            origins[*position] = Some(Origin::Downloaded);
        }
    }
    let mut failures: Vec<WheelhouseError> = failures.into_iter().map(|(_, error)| error).collect();
    let resource_origins = match placed_resources {
        Ok(origins) => origins,
        Err(resource_failures) => {
            failures.extend(resource_failures);
            Vec::new()
        }
    };
    if !failures.is_empty() {
        layout::mark_incomplete(out_dir)?;
        return Err(WheelhouseError::Incomplete {
            failures,
            total: files.len() + resources.len(),
        });
    }

    let removed_files = layout::remove_unplanned(out_dir, &files)?;
    let mut source_builds = source_builds(out_dir, request.lock, &files);
    let mut built_wheels = Vec::new();
    let mut exported_lock = request.lock.clone();
    let mut all_files = files.clone();
    if let Some(options) = &request.build_wheels {
        built_wheels = build_wheels(out_dir, request.lock, &source_builds, options)?;
        add_built_wheels(&mut exported_lock, &mut all_files, &built_wheels);
        // What was built here is no longer built on the target.
        for source in &mut source_builds {
            source.targets.retain(|target| {
                !built_wheels
                    .iter()
                    .any(|wheel| wheel.sdist == source.file && wheel.targets.contains(target))
            });
        }
        source_builds.retain(|source| !source.targets.is_empty());
    }
    match exported {
        Some(result) => result?,
        None => layout::write_exports(request, &exported_lock, &all_files)?,
    }
    layout::write_outputs(
        request,
        &exported_lock,
        &all_files,
        &source_builds,
        &built_wheels,
    )?;

    let count = |origin: Origin| {
        origins
            .iter()
            .zip(&files)
            .filter(|(found, _)| **found == Some(origin))
            .map(|(_, file)| file.size)
            .collect::<Vec<_>>()
    };
    let downloaded = count(Origin::Downloaded);
    Ok(BuildSummary {
        dir: out_dir.to_path_buf(),
        targets: request.targets.clone(),
        files: files.len(),
        bytes: total_bytes,
        downloaded_files: downloaded.len(),
        downloaded_bytes: downloaded.iter().sum(),
        cached_files: count(Origin::Cache).len(),
        kept_files: count(Origin::AlreadyThere).len(),
        removed_files,
        seconds: started.elapsed().as_secs_f64(),
        source_builds,
        built_wheels,
        resources: resources.len(),
        resource_bytes,
        downloaded_resources: resource_origins
            .iter()
            .filter(|origin| **origin == Origin::Downloaded)
            .count(),
    })
}

/// Adds the wheels built here to the lock that the exports are written
/// from (the carried `envlock.lock` stays as it was) and to the files of
/// the static index.
fn add_built_wheels(lock: &mut Lock, files: &mut Vec<PlannedFile>, built: &[BuiltWheel]) {
    for wheel in built {
        let Some(package) = lock
            .packages
            .iter_mut()
            .find(|package| package.name == wheel.package && package.version == wheel.version)
        else {
            continue;
        };
        // The hash was computed here (`sha256_of`), so it always parses.
        let Ok(sha256) = wheel.sha256.parse() else {
            continue;
        };
        package.files.push(LockedFile {
            name: wheel.file.clone(),
            sha256,
            size: wheel.size,
            targets: wheel.targets.iter().cloned().collect(),
        });
        files.push(PlannedFile {
            package: wheel.package.clone(),
            version: wheel.version.clone(),
            index: package.index.clone(),
            name: wheel.file.clone(),
            sha256: wheel.sha256.clone(),
            size: wheel.size,
            targets: wheel.targets.clone(),
            build_only: false,
            requires_python: package.requires_python.clone(),
        });
    }
    files.sort_by(|left, right| left.name.cmp(&right.name));
}

fn file_size(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|metadata| metadata.len())
}

/// Whether `dest` already holds the planned file. A hard link to the cached
/// copy is the same bytes and needs no hashing; anything else of the right
/// size is hashed.
fn is_verified_copy(
    dest: &Path,
    file: &PlannedFile,
    cached: Option<&Path>,
) -> Result<bool, WheelhouseError> {
    let Ok(metadata) = std::fs::symlink_metadata(dest) else {
        return Ok(false);
    };
    if !metadata.is_file() || metadata.len() != file.size {
        return Ok(false);
    }
    if let Some(cached) = cached
        && same_file(dest, cached)
    {
        return Ok(true);
    }
    Ok(layout::sha256_of(dest)? == file.sha256)
}

#[cfg(unix)]
pub(crate) fn same_file(left: &Path, right: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(left), std::fs::metadata(right)) {
        (Ok(left), Ok(right)) => left.dev() == right.dev() && left.ino() == right.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
pub(crate) fn same_file(_left: &Path, _right: &Path) -> bool {
    false
}

/// Puts the cached file at `dest` by hard link, or by copy across file
/// systems, through a temporary name.
pub(crate) fn place_from_cache(cached: &Path, dest: &Path) -> Result<(), WheelhouseError> {
    // Where nothing is in the way, a link appears whole or not at all.
    if std::fs::hard_link(cached, dest).is_ok() {
        return Ok(());
    }
    let dir = dest.parent().unwrap_or(Path::new("."));
    let temporary = tempfile::Builder::new()
        .prefix(layout::TEMPORARY_PREFIX)
        .tempfile_in(dir)
        .map_err(|error| WheelhouseError::io("create a temporary file in", dir, error))?
        .into_temp_path();
    // A link cannot replace a file, so the temporary name is freed first.
    let _ = std::fs::remove_file(&temporary);
    if std::fs::hard_link(cached, &temporary).is_err() {
        std::fs::copy(cached, &temporary)
            .map_err(|error| WheelhouseError::io("copy from the cache", cached, error))?;
    }
    temporary
        .persist(dest)
        .map_err(|error| WheelhouseError::io("write", dest, error.error))
}

/// Downloads the files at `positions`. Returns the failures, each with its
/// file's position.
///
/// Two sets of workers overlap: page workers look up each project's page
/// (small requests, so more of them run at once), largest file's project
/// first, and hand every file they locate to a queue ordered by size;
/// `jobs` download workers take the largest queued file. Downloads start
/// with the first page and the network stays busy with files, not pages.
fn fetch_all(
    request: &BuildRequest<'_>,
    files: &[PlannedFile],
    positions: &[usize],
) -> Vec<(usize, WheelhouseError)> {
    let mut by_project: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for &position in positions {
        let file = &files[position];
        by_project
            .entry((file.index.as_str(), file.package.as_str()))
            .or_default()
            .push(position);
    }
    let mut groups: Vec<Vec<usize>> = by_project.into_values().collect();
    let largest = |group: &Vec<usize>| {
        group
            .iter()
            .map(|&position| files[position].size)
            .max()
            .unwrap_or(0)
    };
    groups.sort_by_key(|group| std::cmp::Reverse(largest(group)));

    let queue = DownloadQueue {
        state: Mutex::new(QueueState {
            ready: BinaryHeap::new(),
            pages_pending: groups.len(),
        }),
        changed: Condvar::new(),
    };
    let failures = Mutex::new(Vec::new());
    let fail = |position: usize, error: WheelhouseError| {
        if let Ok(mut failures) = failures.lock() {
            failures.push((position, error));
        }
    };
    let next_group = AtomicUsize::new(0);
    let download_workers = request.jobs.max(1).min(positions.len().max(1));
    let page_workers = (request.jobs.max(1) * 2).min(groups.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..page_workers {
            scope.spawn(|| {
                while let Some(group) = groups.get(next_group.fetch_add(1, Ordering::Relaxed)) {
                    let mut found = Vec::new();
                    match locate(request, group.iter().map(|&position| &files[position])) {
                        Ok((index, listed)) => {
                            for &position in group {
                                match listed.get(&files[position].name) {
                                    Some(listed) => found.push(Ready {
                                        size: files[position].size,
                                        position,
                                        index: Arc::clone(&index),
                                        listed: listed.clone(),
                                    }),
                                    None => fail(position, not_on_index(request, &files[position])),
                                }
                            }
                        }
                        Err(error) => {
                            for &position in group {
                                fail(position, error.for_file(request, &files[position]));
                            }
                        }
                    }
                    queue.push(found);
                }
            });
        }
        for _ in 0..download_workers {
            scope.spawn(|| {
                while let Some(ready) = queue.pop() {
                    let file = &files[ready.position];
                    match fetch_one(request, ready.index.as_ref(), &ready.listed, file) {
                        Ok(()) => {
                            request
                                .reporter
                                .file_done(&file.name, file.size, Origin::Downloaded)
                        }
                        Err(error) => fail(ready.position, error),
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap_or_default();
    failures.sort_by_key(|(position, _)| *position);
    failures
}

/// A located file waiting for a download worker; ordered by size.
struct Ready {
    size: u64,
    position: usize,
    index: Arc<dyn PackageIndex>,
    listed: IndexFile,
}

impl PartialEq for Ready {
    fn eq(&self, other: &Self) -> bool {
        (self.size, self.position) == (other.size, other.position)
    }
}

impl Eq for Ready {}

impl PartialOrd for Ready {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ready {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.size, std::cmp::Reverse(self.position))
            .cmp(&(other.size, std::cmp::Reverse(other.position)))
    }
}

struct QueueState {
    ready: BinaryHeap<Ready>,
    /// Projects whose pages are still being looked up.
    pages_pending: usize,
}

/// The hand-over from page workers to download workers.
struct DownloadQueue {
    state: Mutex<QueueState>,
    changed: Condvar,
}

impl DownloadQueue {
    /// Adds one project's located files (possibly none) and counts its
    /// page as done.
    fn push(&self, found: Vec<Ready>) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.ready.extend(found);
        state.pages_pending = state.pages_pending.saturating_sub(1);
        self.changed.notify_all();
    }

    /// The largest located file; waits while pages are still pending, and
    /// returns `None` once everything is handed out.
    fn pop(&self) -> Option<Ready> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        loop {
            if let Some(ready) = state.ready.pop() {
                return Some(ready);
            }
            if state.pages_pending == 0 {
                return None;
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
}

type Located = (Arc<dyn PackageIndex>, BTreeMap<String, IndexFile>);

/// Finds the index that lists the planned files: the index the lock names
/// first, then the others in configuration order.
fn locate<'f>(
    request: &BuildRequest<'_>,
    wanted: impl Iterator<Item = &'f PlannedFile> + Clone,
) -> Result<Located, LookupError> {
    let Some(first) = wanted.clone().next() else {
        return Err(LookupError::NotListed);
    };
    let Ok(name) = first.package.parse::<PackageName>() else {
        return Err(LookupError::NotListed);
    };
    let mut order: Vec<&Arc<dyn PackageIndex>> = request
        .indexes
        .iter()
        .filter(|index| index.name() == first.index)
        .collect();
    order.extend(
        request
            .indexes
            .iter()
            .filter(|index| index.name() != first.index),
    );
    let filenames: Vec<&str> = wanted.clone().map(|file| file.name.as_str()).collect();
    let mut last_error = None;
    for index in order {
        match index.project_files(&name, &filenames) {
            Ok(page) => {
                let listed: BTreeMap<String, IndexFile> = page
                    .files
                    .into_iter()
                    .map(|listed| (listed.filename.clone(), listed))
                    .collect();
                if !listed.is_empty() {
                    return Ok((Arc::clone(index), listed));
                }
            }
            Err(
                envlock_index::IndexError::Status { status: 404, .. }
                | envlock_index::IndexError::ProjectNotFound { .. },
            ) => {}
            Err(error) => last_error = Some(error),
        }
    }
    match last_error {
        Some(error) => Err(LookupError::Index(Arc::new(error))),
        None => Err(LookupError::NotListed),
    }
}

/// Why a project's files could not be located.
#[derive(Debug, Clone)]
enum LookupError {
    /// No configured index lists them.
    NotListed,
    /// An index failed to answer.
    Index(Arc<envlock_index::IndexError>),
}

impl LookupError {
    fn for_file(&self, request: &BuildRequest<'_>, file: &PlannedFile) -> WheelhouseError {
        match self {
            LookupError::NotListed => not_on_index(request, file),
            LookupError::Index(error) => WheelhouseError::ProjectPage {
                file: file.name.clone(),
                project: file.package.clone(),
                source: Arc::clone(error),
            },
        }
    }
}

fn describe_indexes(indexes: &[Arc<dyn PackageIndex>]) -> String {
    match indexes {
        [] => "any index (none is configured)".to_owned(),
        [only] => format!("the index `{}`", only.name()),
        many => format!(
            "any of the indexes {}",
            many.iter()
                .map(|index| format!("`{}`", index.name()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn not_on_index(request: &BuildRequest<'_>, file: &PlannedFile) -> WheelhouseError {
    WheelhouseError::FileNotOnIndex {
        file: file.name.clone(),
        package: file.package.clone(),
        version: file.version.clone(),
        indexes: describe_indexes(request.indexes),
    }
}

/// Downloads one file, checked against the lock's sha256 and size, and
/// keeps it in the cache.
fn fetch_one(
    request: &BuildRequest<'_>,
    index: &dyn PackageIndex,
    listed: &IndexFile,
    file: &PlannedFile,
) -> Result<(), WheelhouseError> {
    if let Some(index_sha256) = &listed.sha256
        && !index_sha256.eq_ignore_ascii_case(&file.sha256)
    {
        return Err(WheelhouseError::IndexHashDiffers {
            file: file.name.clone(),
            index: index.name().to_owned(),
            index_sha256: index_sha256.to_ascii_lowercase(),
            lock_sha256: file.sha256.clone(),
        });
    }
    // The lock's hash is the one that counts, whether or not the index
    // announced one: the fetch verifies it before the file gets its name.
    let mut wanted = listed.clone();
    wanted.sha256 = Some(file.sha256.clone());
    let dest = request.out_dir.join(&file.name);
    let fetched = index
        .fetch(&wanted, &dest)
        .map_err(|source| WheelhouseError::Fetch {
            file: file.name.clone(),
            source: Box::new(source),
        })?;
    if fetched.size != file.size {
        let _ = std::fs::remove_file(&dest);
        return Err(WheelhouseError::SizeDiffers {
            file: file.name.clone(),
            expected: file.size,
            actual: fetched.size,
        });
    }
    if let Some(cache) = request.cache {
        // A file the cache cannot keep is only fetched again next time.
        let _ = cache.store_file(&dest, &file.sha256);
    }
    Ok(())
}
