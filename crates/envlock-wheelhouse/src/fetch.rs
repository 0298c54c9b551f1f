//! Downloading the files the folder still lacks: looking each project up
//! on the indexes and fetching its files, in parallel, largest first.

use std::collections::BTreeMap;
use std::collections::BinaryHeap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use envlock_index::{Cache, IndexFile, PackageIndex};

use crate::error::WheelhouseError;
use crate::place::fetch_from_index;
use crate::plan::PlannedFile;
use crate::progress::{Origin, Reporter};

/// Where files are downloaded from and to.
pub(crate) struct Downloads<'a> {
    /// The wheelhouse folder.
    pub dir: &'a Path,
    /// The cache that keeps every downloaded file.
    pub cache: Option<&'a Cache>,
    /// The indexes, in configuration order.
    pub indexes: &'a [Arc<dyn PackageIndex>],
    /// How many downloads run at once.
    pub jobs: usize,
    /// Progress.
    pub reporter: &'a dyn Reporter,
}

/// Downloads the files at `positions`. Returns the failures, each with its
/// file's position.
///
/// Two sets of workers overlap: page workers look up each project's page
/// (small requests, so more of them run at once), largest file's project
/// first, and hand every file they locate to a queue ordered by size;
/// `jobs` download workers take the largest queued file. Downloads start
/// with the first page and the network stays busy with files, not pages.
pub(crate) fn fetch_all(
    downloads: &Downloads<'_>,
    files: &[PlannedFile],
    positions: &[usize],
) -> Vec<(usize, WheelhouseError)> {
    let groups = by_project_largest_first(files, positions);
    let queue = DownloadQueue::new(groups.len());
    let failures = Mutex::new(Vec::new());
    let fail = |position: usize, error: WheelhouseError| {
        if let Ok(mut failures) = failures.lock() {
            failures.push((position, error));
        }
    };
    let next_group = AtomicUsize::new(0);
    let jobs = downloads.jobs.max(1);
    let download_workers = jobs.min(positions.len().max(1));
    let page_workers = (jobs * 2).min(groups.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..page_workers {
            scope.spawn(|| {
                while let Some(group) = groups.get(next_group.fetch_add(1, Ordering::Relaxed)) {
                    queue.push(locate_group(downloads, files, group, &fail));
                }
            });
        }
        for _ in 0..download_workers {
            scope.spawn(|| {
                while let Some(ready) = queue.pop() {
                    let file = &files[ready.position];
                    let fetched = fetch_from_index(
                        downloads.dir,
                        downloads.cache,
                        ready.index.as_ref(),
                        &ready.listed,
                        file,
                    );
                    match fetched {
                        Ok(()) => {
                            downloads
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

/// The positions grouped by project (one page lookup each), the project
/// with the largest file first.
fn by_project_largest_first(files: &[PlannedFile], positions: &[usize]) -> Vec<Vec<usize>> {
    let mut by_project: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for &position in positions {
        let file = &files[position];
        by_project
            .entry((file.index.as_str(), file.package.as_ref()))
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
    groups
}

/// Looks one project's files up; returns those found, ready to download,
/// and reports the others to `fail`.
fn locate_group(
    downloads: &Downloads<'_>,
    files: &[PlannedFile],
    group: &[usize],
    fail: &impl Fn(usize, WheelhouseError),
) -> Vec<Ready> {
    let mut found = Vec::new();
    match locate(
        downloads.indexes,
        group.iter().map(|&position| &files[position]),
    ) {
        Ok((index, listed)) => {
            for &position in group {
                match listed.get(&files[position].name) {
                    Some(listed) => found.push(Ready {
                        size: files[position].size,
                        position,
                        index: Arc::clone(&index),
                        listed: listed.clone(),
                    }),
                    None => fail(position, not_on_index(downloads.indexes, &files[position])),
                }
            }
        }
        Err(error) => {
            for &position in group {
                fail(
                    position,
                    error.for_file(downloads.indexes, &files[position]),
                );
            }
        }
    }
    found
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
    /// An empty queue waiting for `pages` project pages.
    fn new(pages: usize) -> DownloadQueue {
        DownloadQueue {
            state: Mutex::new(QueueState {
                ready: BinaryHeap::new(),
                pages_pending: pages,
            }),
            changed: Condvar::new(),
        }
    }

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

/// The index that lists a set of files, and how it lists each of them.
type FilesOnIndex = (Arc<dyn PackageIndex>, BTreeMap<String, IndexFile>);

/// Finds the index that lists the planned files: the index the lock names
/// first, then the others in configuration order.
fn locate<'f>(
    indexes: &[Arc<dyn PackageIndex>],
    wanted: impl Iterator<Item = &'f PlannedFile> + Clone,
) -> Result<FilesOnIndex, LookupError> {
    let Some(first) = wanted.clone().next() else {
        return Err(LookupError::NotListed);
    };
    let name = &first.package;
    let mut order: Vec<&Arc<dyn PackageIndex>> = indexes
        .iter()
        .filter(|index| index.name() == first.index)
        .collect();
    order.extend(indexes.iter().filter(|index| index.name() != first.index));
    let filenames: Vec<&str> = wanted.clone().map(|file| file.name.as_str()).collect();
    let mut last_error = None;
    for index in order {
        match index.project_files(name, &filenames) {
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
    fn for_file(&self, indexes: &[Arc<dyn PackageIndex>], file: &PlannedFile) -> WheelhouseError {
        match self {
            LookupError::NotListed => not_on_index(indexes, file),
            LookupError::Index(error) => WheelhouseError::ProjectPage {
                file: file.name.clone(),
                project: file.package.to_string(),
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

fn not_on_index(indexes: &[Arc<dyn PackageIndex>], file: &PlannedFile) -> WheelhouseError {
    WheelhouseError::FileNotOnIndex {
        file: file.name.clone(),
        package: file.package.to_string(),
        version: file.version.to_string(),
        indexes: describe_indexes(indexes),
    }
}
