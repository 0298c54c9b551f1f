//! Index access shared by every target's resolution: each project page and
//! each release's metadata is fetched once for all targets, and metadata the
//! solver will probably ask for next is fetched ahead of it, in parallel.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use envlock_index::{CacheKeeps, CoreMetadata, IndexError, IndexFile, PackageIndex, Slots};
use envlock_pep::{PackageName, Version};

use crate::error::ResolveError;
use crate::project::{Keep, PageFilter, Project};
use crate::reporter::Reporter;
use crate::sdist_build::{LockBuildRequirements, SdistBuilder};

mod ahead;

pub(crate) use ahead::Wanted;

/// A fetch result that every target can share.
pub(crate) type Shared<T> = Result<Arc<T>, Arc<IndexError>>;

/// Why a release's metadata is not available.
#[derive(Debug, Clone)]
pub(crate) enum MetadataFailure {
    /// The index could not be read: the resolution stops.
    Index(Arc<IndexError>),
    /// This release cannot be used (bad metadata, an sdist that does not
    /// build): the solver passes over it, and says why if nothing else fits.
    Unusable(String),
}

pub(crate) type MetadataResult = Result<Arc<CoreMetadata>, MetadataFailure>;

type Slot<R> = Arc<OnceLock<R>>;

/// The distinct metadata files of one release.
type MetadataCopies = Vec<Arc<CoreMetadata>>;

/// An sdist's build requirements, or why they could not be read.
type BuildRequirements = Result<Vec<String>, String>;

/// Counts of the work done, for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FetchCounts {
    /// Project pages fetched.
    pub projects: usize,
    /// Release metadata fetched.
    pub metadata: usize,
    /// Times a wheel's metadata stood in for an sdist's while it was built
    /// (the provider's `StandIns`).
    pub stand_ins: usize,
    /// Targets solved again because a stand-in differed from what the
    /// sdist's build gave.
    pub solved_again: usize,
}

/// Which index may serve which project: the spec's `packages` pins and
/// `explicit` indexes.
#[derive(Debug, Default, Clone)]
pub(crate) struct IndexPins {
    /// Packages pinned to an index, by the index's name.
    pinned: HashMap<PackageName, String>,
    /// Indexes that serve only the packages pinned to them.
    explicit: HashSet<String>,
}

impl IndexPins {
    /// The spec's pins; every index a pin names must be in use.
    pub fn from_spec(
        spec: &envlock_spec::Spec,
        indexes: &[Arc<dyn PackageIndex>],
    ) -> Result<IndexPins, ResolveError> {
        let mut pins = IndexPins::default();
        for declared in &spec.indexes {
            if declared.explicit {
                pins.explicit.insert(declared.name.clone());
            }
            for package in &declared.packages {
                if !indexes.iter().any(|index| index.name() == declared.name) {
                    return Err(ResolveError::PinnedIndexMissing {
                        package: package.clone(),
                        index: declared.name.clone(),
                        in_use: indexes
                            .iter()
                            .map(|index| index.name().to_owned())
                            .collect(),
                    });
                }
                // The spec checked the names; one that still does not parse
                // cannot name a project, so it has nothing to pin.
                if let Ok(name) = package.parse::<PackageName>() {
                    pins.pinned.insert(name, declared.name.clone());
                }
            }
        }
        Ok(pins)
    }

    /// Whether `index_name` may serve `project`.
    fn allows(&self, project: &PackageName, index_name: &str) -> bool {
        match self.pinned.get(project) {
            Some(pinned) => pinned == index_name,
            None => !self.explicit.contains(index_name),
        }
    }
}

pub(crate) struct SharedIndexes {
    indexes: Vec<Arc<dyn PackageIndex>>,
    pins: IndexPins,
    reporter: Arc<dyn Reporter>,
    projects: Mutex<HashMap<PackageName, Slot<Shared<Project>>>>,
    metadata: Mutex<HashMap<String, Slot<MetadataResult>>>,
    /// The distinct metadata read for each release: the wheels of one
    /// release nearly always carry the same, and a matrix of targets reads
    /// it from a wheel per target; equal copies are kept once.
    release_metadata: Mutex<HashMap<(PackageName, Version), MetadataCopies>>,
    build_requirements: Mutex<HashMap<String, Slot<BuildRequirements>>>,
    builder: Option<SdistBuilder>,
    /// Locks the build requirements of the sdists `builder` builds.
    build_locker: Option<Arc<dyn LockBuildRequirements>>,
    /// Which files of a project are worth keeping.
    keep: Keep,
    /// Threads for fetching ahead; sized for I/O, not for cores.
    pool: Option<rayon::ThreadPool>,
    /// What was fetched ahead, and for which targets.
    ahead: ahead::FetchedAhead,
    /// [`FetchCounts::stand_ins`] and [`FetchCounts::solved_again`].
    stand_ins: AtomicUsize,
    solved_again: AtomicUsize,
    /// How many targets solve at once (see [`SharedIndexes::solve`]).
    solving: Slots,
    /// The sdists whose metadata a background job was started for by
    /// [`SharedIndexes::stand_in_metadata`]: one job each, however many
    /// targets stand in for them.
    building: Mutex<HashSet<String>>,
}

impl SharedIndexes {
    pub fn new(
        indexes: Vec<Arc<dyn PackageIndex>>,
        pins: IndexPins,
        reporter: Arc<dyn Reporter>,
        builder: Option<SdistBuilder>,
        keep: Keep,
        prefetch_threads: usize,
    ) -> SharedIndexes {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(prefetch_threads.max(1))
            .thread_name(|number| format!("envlock-prefetch-{number}"))
            .build()
            .ok();
        SharedIndexes {
            indexes,
            pins,
            reporter,
            projects: Mutex::new(HashMap::new()),
            metadata: Mutex::new(HashMap::new()),
            release_metadata: Mutex::new(HashMap::new()),
            build_requirements: Mutex::new(HashMap::new()),
            builder,
            build_locker: None,
            keep,
            pool,
            ahead: ahead::FetchedAhead::default(),
            stand_ins: AtomicUsize::new(0),
            solved_again: AtomicUsize::new(0),
            solving: Slots::new(usize::MAX),
            building: Mutex::new(HashSet::new()),
        }
    }

    /// The same, solving at most two targets per core at once when every
    /// one of `requirements` (the spec's own) has its page in the cache
    /// (see [`SharedIndexes::solve`]).
    pub fn with_solves_limited_when_cached<'n>(
        mut self,
        requirements: impl IntoIterator<Item = &'n PackageName>,
    ) -> SharedIndexes {
        if requirements
            .into_iter()
            .all(|name| self.has_cached_page(name))
        {
            let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
            self.solving = Slots::new(2 * cores);
        }
        self
    }

    /// Runs one target's solve, once the lock's limit on solves at once
    /// lets it.
    ///
    /// A solve holds its solver's state (PubGrub's incompatibilities and
    /// partial solution, 150-200 KB a target here) from start to end. While
    /// pages come over the network, every target solves at once, so that
    /// their waits overlap and each page is asked for early. When the
    /// spec's own pages are in the cache, the lock most likely finds the
    /// rest there too (at most revalidated, which the fetches ahead do in
    /// parallel), and solving is CPU work: a few solves at a time finish as
    /// soon as all of them at once would, and hold a few states instead of
    /// one per target (warm 25-target matrix: peak RSS 54 -> 47 MiB, no
    /// slower). Only the order of work changes: each target's solve is the
    /// same.
    pub fn solve<R>(&self, work: impl FnOnce() -> R) -> R {
        self.solving.run(work)
    }

    /// Whether the index that would serve `name` (the first one its pins
    /// allow) has a copy of its page at hand.
    fn has_cached_page(&self, name: &PackageName) -> bool {
        self.indexes
            .iter()
            .find(|index| self.pins.allows(name, index.name()))
            .is_some_and(|index| index.has_cached_page(name))
    }

    /// The same, with `locker` locking the build requirements of sdists
    /// built on this machine.
    pub fn with_build_locker(mut self, locker: Arc<dyn LockBuildRequirements>) -> SharedIndexes {
        self.build_locker = Some(locker);
        self
    }

    pub fn counts(&self) -> FetchCounts {
        fn fetched<K, R>(map: &Mutex<HashMap<K, Slot<R>>>) -> usize {
            let guard = match map.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            guard.values().filter(|slot| slot.get().is_some()).count()
        }
        FetchCounts {
            projects: fetched(&self.projects),
            metadata: fetched(&self.metadata),
            stand_ins: self.stand_ins.load(Ordering::Relaxed),
            solved_again: self.solved_again.load(Ordering::Relaxed),
        }
    }

    /// Counts a target solved again because a stand-in differed.
    pub fn note_solved_again(&self) {
        self.solved_again.fetch_add(1, Ordering::Relaxed);
    }

    fn slot<K: std::hash::Hash + Eq + Clone, R>(
        map: &Mutex<HashMap<K, Slot<R>>>,
        key: &K,
    ) -> Slot<R> {
        // A poisoned lock only means another thread panicked mid-insert; the
        // map itself is still consistent (insertion is a single call).
        let mut guard = match map.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        Arc::clone(guard.entry(key.clone()).or_default())
    }

    /// The project as the first index that has it offers it (later indexes
    /// are not consulted for a project an earlier one has: mixing files of one
    /// name from several indexes invites dependency confusion). A project
    /// pinned to an index comes from that index alone; an `explicit` index
    /// serves only its pinned projects. A project no index has is an empty
    /// project.
    pub fn project(&self, name: &PackageName) -> Shared<Project> {
        let slot = Self::slot(&self.projects, name);
        slot.get_or_init(|| {
            self.reporter.project_fetched(name.as_ref());
            let allowed = self
                .indexes
                .iter()
                .filter(|index| self.pins.allows(name, index.name()));
            for index in allowed {
                let filter = PageFilter::new(name, &self.keep);
                match index.project_where(name, &|filename| filter.wants(filename)) {
                    Ok(page) => {
                        for message in &page.ignored {
                            self.reporter.file_ignored(name.as_ref(), message);
                        }
                        if page.files.is_empty()
                            && page.ignored.is_empty()
                            && page.nonconforming.is_empty()
                        {
                            continue;
                        }
                        // An index whose files of this project are all
                        // unusable still has the project: later indexes
                        // are not asked (that would invite confusion).
                        let mut project =
                            Project::from_files(name, index.name(), page.files, filter);
                        project.ignored = page.ignored;
                        project.ignored.extend(page.nonconforming);
                        return Ok(Arc::new(project));
                    }
                    Err(IndexError::ProjectNotFound { .. }) => continue,
                    Err(error) => return Err(Arc::new(error)),
                }
            }
            Ok(Arc::new(Project {
                index_name: String::new(),
                releases: Default::default(),
                ignored: Vec::new(),
            }))
        })
        .clone()
    }

    /// The core metadata of a file of `name` (from the index that listed it).
    pub fn metadata(&self, name: &PackageName, file: &IndexFile) -> MetadataResult {
        let slot = Self::slot(&self.metadata, &file.filename);
        slot.get_or_init(|| {
            let fetched = self.fetch_metadata(name, file);
            self.reporter.metadata_fetched(&file.filename);
            fetched.map(|metadata| self.one_copy(metadata))
        })
        .clone()
    }

    /// Metadata to solve with while `sdist`'s own is built (see
    /// the provider's `StandIns`): a wheel's of the same release. The
    /// build starts now, in the background (or goes on: another target's
    /// prefetch may have started it). `None` (the caller waits for the
    /// sdist's own) when that is known already (read before, or read or
    /// built by an earlier lock and cached), when nothing here could build
    /// it, or when the release keeps no wheel.
    pub fn stand_in_metadata(
        self: &Arc<Self>,
        name: &PackageName,
        version: &Version,
        sdist: &Arc<IndexFile>,
    ) -> Option<Arc<CoreMetadata>> {
        let (pool, builder) = (self.pool.as_ref()?, self.builder.as_ref()?);
        // Metadata read or built before is read again at once: standing in
        // would only risk solving again.
        if Self::slot(&self.metadata, &sdist.filename).get().is_some()
            || builder.has_cached_metadata(sdist)
            || self
                .index_of(name)
                .is_some_and(|index| index.has_cached_metadata(sdist))
        {
            return None;
        }
        let project = self.project(name).ok()?;
        let wheel = project.releases.get(version)?.wheels.first()?;
        let stand_in = self.metadata(name, &wheel.file).ok()?;
        let first = self
            .building
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(sdist.filename.clone());
        if first {
            let (shared, name, sdist) = (Arc::clone(self), name.clone(), Arc::clone(sdist));
            pool.spawn(move || {
                let _ = shared.metadata(&name, &sdist);
            });
        }
        self.stand_ins.fetch_add(1, Ordering::Relaxed);
        Some(stand_in)
    }

    /// `metadata`, or an equal copy read before from another file of the
    /// same release.
    fn one_copy(&self, metadata: Arc<CoreMetadata>) -> Arc<CoreMetadata> {
        let mut known = match self.release_metadata.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let copies = known
            .entry((metadata.name.clone(), metadata.version.clone()))
            .or_default();
        match copies.iter().find(|copy| ***copy == *metadata) {
            Some(copy) => Arc::clone(copy),
            None => {
                copies.push(Arc::clone(&metadata));
                metadata
            }
        }
    }

    fn fetch_metadata(&self, name: &PackageName, file: &IndexFile) -> MetadataResult {
        // `project()` listed this file from one of the indexes.
        let Some(index) = self.index_of(name) else {
            return Err(MetadataFailure::Unusable(
                "no index is configured".to_owned(),
            ));
        };
        // An sdist built before needs neither the index nor the backend
        // (and so also works with --offline).
        if let Some(builder) = &self.builder
            && let Some(metadata) = builder.cached_metadata(file)
        {
            return Ok(Arc::new(metadata));
        }
        match index.core_metadata(file) {
            Ok(metadata) => Ok(Arc::new(metadata)),
            Err(IndexError::DynamicSdistMetadata { reason, .. }) => match &self.builder {
                Some(builder) => {
                    // The host's interpreter is asked, and the likely build
                    // requirements read, while the sdist is unpacked.
                    if let Some(locker) = &self.build_locker {
                        locker.expect_build();
                    }
                    builder
                        .metadata(index.as_ref(), self.build_locker.as_deref(), file)
                        .map(Arc::new)
                        .map_err(MetadataFailure::Unusable)
                }
                None => Err(MetadataFailure::Unusable(format!(
                    "its metadata would have to be built from the sdist {} ({reason}), and builds are refused (`--no-build` or `no-build = true`)",
                    file.filename
                ))),
            },
            Err(
                error @ (IndexError::BadMetadata { .. }
                | IndexError::BadArchive { .. }
                | IndexError::HashMismatch { .. }),
            ) => Err(MetadataFailure::Unusable(error.to_string())),
            Err(error) => Err(MetadataFailure::Index(Arc::new(error))),
        }
    }

    /// The build requirements of an sdist of `name` (its `build-system`
    /// `requires`, with PEP 517's defaults), read from the sdist itself and
    /// kept by its sha256 beside the built metadata, so that a re-lock,
    /// even `--offline`, does not fetch it again. The error is a sentence.
    pub fn build_requirements(
        &self,
        name: &PackageName,
        file: &IndexFile,
    ) -> Result<Vec<String>, String> {
        let slot = Self::slot(&self.build_requirements, &file.filename);
        slot.get_or_init(|| self.read_build_requirements(name, file))
            .clone()
    }

    fn read_build_requirements(
        &self,
        name: &PackageName,
        file: &IndexFile,
    ) -> Result<Vec<String>, String> {
        let cached = self
            .builder
            .as_ref()
            .and_then(|builder| builder.cache_dir.as_ref())
            .zip(file.sha256_hex())
            .map(|(dir, sha256)| dir.join("build-requires").join(sha256));
        if let Some(text) = cached
            .as_ref()
            .and_then(|path| std::fs::read_to_string(path).ok())
        {
            return Ok(text.lines().map(str::to_owned).collect());
        }
        let index = self
            .index_of(name)
            .ok_or_else(|| "no index is configured".to_owned())?;
        let work = tempfile::tempdir()
            .map_err(|error| format!("cannot create a temporary folder: {error}"))?;
        let sdist = work.path().join(&file.filename);
        index
            .fetch(file, &sdist, CacheKeeps::Copy)
            .map_err(|error| format!("cannot download {}: {error}", file.filename))?;
        let requires = crate::sdist_build::sdist_build_requirements(&sdist)
            .map_err(|error| format!("cannot read {}: {error}", file.filename))?;
        if let Some(path) = cached {
            crate::sdist_build::write_quietly(&path, requires.join("\n").as_bytes());
        }
        Ok(requires)
    }

    /// The index that listed `name` (the first one, when none did).
    fn index_of(&self, name: &PackageName) -> Option<&Arc<dyn PackageIndex>> {
        let index_name = self
            .project(name)
            .map(|project| project.index_name.clone())
            .unwrap_or_default();
        self.indexes
            .iter()
            .find(|index| index.name() == index_name)
            .or_else(|| self.indexes.first())
    }

    /// The sizes of files whose index page gave none, looked up in parallel
    /// on the I/O pool (on the index each file came from).
    pub fn file_sizes(
        &self,
        files: Vec<(PackageName, IndexFile)>,
    ) -> HashMap<String, Result<u64, Arc<IndexError>>> {
        let lookup = |(name, file): &(PackageName, IndexFile)| {
            let index_name = self
                .project(name)
                .map(|project| project.index_name.clone())
                .unwrap_or_default();
            let result = match self.indexes.iter().find(|index| index.name() == index_name) {
                Some(index) => index.file_size(file).map_err(Arc::new),
                None => file.size.ok_or_else(|| {
                    Arc::new(IndexError::ProjectNotFound {
                        project: name.to_string(),
                        index: index_name.clone(),
                    })
                }),
            };
            (file.filename.clone(), result)
        };
        match &self.pool {
            Some(pool) => pool.install(|| {
                use rayon::prelude::*;
                files.par_iter().map(lookup).collect()
            }),
            None => files.iter().map(lookup).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shared indexes over `index`, solving as the spec's requirement
    /// `demo` on it allows.
    fn shared_over(index: Arc<dyn PackageIndex>) -> SharedIndexes {
        let keep = Keep {
            targets: Vec::new(),
            exclude_newer: None,
            sdists_always: false,
        };
        let reporter: Arc<dyn Reporter> = Arc::new(crate::reporter::Silent);
        SharedIndexes::new(vec![index], IndexPins::default(), reporter, None, keep, 1)
            .with_solves_limited_when_cached([&"demo".parse().unwrap()])
    }

    /// The most solves `shared` lets run at once, out of `jobs` that each
    /// stay inside until all have started and a while after (time for more
    /// to get in, were they let in).
    fn most_solves_at_once(shared: &SharedIndexes, jobs: usize) -> usize {
        let (started, running, most) = (
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        );
        std::thread::scope(|scope| {
            for _ in 0..jobs {
                scope.spawn(|| {
                    started.fetch_add(1, Ordering::SeqCst);
                    shared.solve(|| {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        while started.load(Ordering::SeqCst) < jobs {
                            std::thread::yield_now();
                        }
                        for _ in 0..10_000 {
                            if running.load(Ordering::SeqCst) == jobs {
                                break;
                            }
                            std::thread::yield_now();
                        }
                        running.fetch_sub(1, Ordering::SeqCst);
                    });
                });
            }
        });
        most.load(Ordering::SeqCst)
    }

    #[test]
    fn targets_solve_a_few_at_a_time_only_when_their_pages_are_cached() {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let jobs = 2 * cores + 3;
        // A local folder is at hand: a few at a time.
        let dir = tempfile::tempdir().unwrap();
        let local =
            Arc::new(envlock_index::FindLinks::new("local", dir.path().to_path_buf()).unwrap());
        assert_eq!(most_solves_at_once(&shared_over(local), jobs), 2 * cores);
        // An index whose page is not in the cache: all at once.
        let cache = tempfile::tempdir().unwrap();
        let client = Arc::new(
            envlock_index::IndexClient::new(envlock_index::ClientOptions {
                cache_dir: Some(cache.path().to_path_buf()),
                ..Default::default()
            })
            .unwrap(),
        );
        let url = url::Url::parse("http://127.0.0.1:9/simple/").unwrap();
        let remote = Arc::new(envlock_index::HttpIndex::new("remote", &url, client).unwrap());
        assert_eq!(most_solves_at_once(&shared_over(remote), jobs), jobs);
    }
}
