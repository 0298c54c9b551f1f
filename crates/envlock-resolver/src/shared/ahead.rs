//! Fetching ahead of the solvers: what a target is likely to ask for next
//! is fetched on the shared pool before its solver gets there.
//!
//! Each page and each file is fetched ahead by one job, however many
//! targets want it. The 25 targets of a matrix ask for nearly the same
//! dependencies, and a job per target and dependency once filled the pool's
//! queue with over a thousand jobs (6,600 in a cold 25-target lock), most
//! of which only took a thread to wait on a page another thread was
//! already fetching; a dependency's page then waited up to 0.3 s in the
//! queue. Now a page has one job, the targets that want it wait in a list,
//! and the job reads on for each of them the file it would pick.

use std::collections::{HashMap, HashSet};
#[cfg(test)]
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

use envlock_index::IndexFile;
use envlock_pep::{PackageName, Requirement};

use super::SharedIndexes;
use crate::inputs::{TargetInputs, VersionRange};
use crate::project::ChosenFile;

/// A dependency a target is likely to ask for.
pub(crate) struct Wanted {
    pub name: PackageName,
    /// The versions its requirement allows on the target.
    pub range: VersionRange,
}

impl Wanted {
    /// What `requirement` asks for on the target of `inputs`.
    pub fn of(inputs: &TargetInputs, requirement: &Requirement) -> Wanted {
        Wanted {
            name: requirement.name.clone(),
            range: inputs.range_of(requirement),
        }
    }
}

/// A target that waits for a page fetched ahead, with what it wanted.
type Waiting = (Arc<TargetInputs>, Wanted);

/// What was fetched ahead, and for which targets.
#[derive(Default)]
pub(crate) struct FetchedAhead {
    /// The pages being fetched ahead, with the targets waiting for each.
    pages: Mutex<HashMap<PackageName, Vec<Waiting>>>,
    /// The files whose metadata was fetched ahead (or is being).
    files: Mutex<HashSet<String>>,
    /// How many jobs were started.
    #[cfg(test)]
    jobs: AtomicUsize,
}

impl SharedIndexes {
    /// Starts fetching, in the background, what the solver is likely to ask
    /// for next: each dependency's project page, then the metadata of the
    /// release the target would most likely pick. Failures are not
    /// reported here: the solver meets them (from the shared slot) when it
    /// asks.
    pub fn prefetch(self: &Arc<Self>, inputs: Arc<TargetInputs>, wanted: Vec<Wanted>) {
        if self.pool.is_none() {
            return;
        }
        for dependency in wanted {
            if let Some((inputs, dependency)) = self.page_ahead((Arc::clone(&inputs), dependency)) {
                self.file_ahead(&inputs, &dependency);
            }
        }
    }

    /// Fetches a page ahead (once, however many targets wait for it), then
    /// the metadata of the file each waiting target would pick. Gives
    /// `waiting` back when the page is at hand already.
    fn page_ahead(self: &Arc<Self>, waiting: Waiting) -> Option<Waiting> {
        let name = waiting.1.name.clone();
        {
            // The page's job fills its slot before it takes the waiting
            // list, so looking at the slot under the list's lock leaves
            // no target behind.
            let mut pages = lock(&self.ahead.pages);
            match Self::slot(&self.projects, &name).get() {
                Some(Ok(_)) => return Some(waiting),
                Some(Err(_)) => return None,
                None => {}
            }
            let waiters = pages.entry(name.clone()).or_default();
            waiters.push(waiting);
            if waiters.len() > 1 {
                return None;
            }
        }
        self.spawn_ahead(move |shared| {
            let _ = shared.project(&name);
            let waiters = lock(&shared.ahead.pages).remove(&name).unwrap_or_default();
            for (inputs, dependency) in waiters {
                shared.file_ahead(&inputs, &dependency);
            }
        });
        None
    }

    /// Fetches ahead the metadata of the file `inputs`' target would pick
    /// for `dependency` (its page at hand), unless that was started before.
    fn file_ahead(self: &Arc<Self>, inputs: &TargetInputs, dependency: &Wanted) {
        let Some(Ok(project)) = Self::slot(&self.projects, &dependency.name).get().cloned() else {
            return;
        };
        let Some(likely): Option<ChosenFile> =
            inputs.likely_file(&dependency.name, &project, &dependency.range)
        else {
            return;
        };
        if !lock(&self.ahead.files).insert(likely.file().filename.clone()) {
            return;
        }
        let name = dependency.name.clone();
        self.spawn_ahead(move |shared| {
            let _ = shared.metadata(&name, likely.file());
        });
    }

    /// Runs `job` on the pool.
    fn spawn_ahead(self: &Arc<Self>, job: impl FnOnce(&Arc<SharedIndexes>) + Send + 'static) {
        if let Some(pool) = &self.pool {
            #[cfg(test)]
            self.ahead
                .jobs
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let shared = Arc::clone(self);
            pool.spawn(move || job(&shared));
        }
    }

    /// Starts reading, in the background, the build requirements of an sdist
    /// this target will build, and fetching ahead what they need here: they
    /// are locked only once every target is solved, and by then their
    /// fetches would be one more wait at the end of the lock. Reading them
    /// runs nothing of the sdist's (its `pyproject.toml` is read as text).
    pub fn prefetch_build_requirements(
        self: &Arc<Self>,
        inputs: Arc<TargetInputs>,
        name: PackageName,
        sdist: Arc<IndexFile>,
    ) {
        let Some(pool) = &self.pool else { return };
        if self.builder.is_none() {
            return;
        }
        let shared = Arc::clone(self);
        pool.spawn(move || {
            let Ok(requires) = shared.build_requirements(&name, &sdist) else {
                return;
            };
            let wanted = requires
                .iter()
                .filter(|text| envlock_pep::check_requirement(text).is_ok())
                .filter_map(|text| text.parse::<Requirement>().ok())
                .filter(|requirement| requirement.marker.evaluate(&inputs.markers, &[]))
                .map(|requirement| Wanted::of(&inputs, &requirement))
                .collect();
            shared.prefetch(inputs, wanted);
        });
    }
}

/// A mutex's guard; a poisoned one only means another thread panicked
/// mid-update of a map or set that stays consistent (each update is one
/// call).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::fixtures::inputs;
    use crate::project::Keep;
    use envlock_test::{DistSpec, FixtureIndex};
    use std::sync::atomic::Ordering;
    use std::time::{Duration, Instant};

    /// Shared indexes over a folder of `wheels`, with `threads` fetching ahead.
    fn shared_over(
        wheels: &[(DistSpec, &str)],
        threads: usize,
    ) -> (Arc<SharedIndexes>, tempfile::TempDir) {
        let mut index = FixtureIndex::new();
        for (spec, tag) in wheels {
            index.add_wheel(spec, tag);
        }
        let dir = tempfile::tempdir().unwrap();
        index.write_find_links_dir(dir.path()).unwrap();
        let local = envlock_index::FindLinks::new("local", dir.path().to_path_buf()).unwrap();
        // The project fixture's targets; the folder's files have no upload
        // time to hold against a cut-off.
        let keep = Keep {
            exclude_newer: None,
            ..crate::project::fixtures::keep()
        };
        let shared = SharedIndexes::new(
            vec![Arc::new(local)],
            super::super::IndexPins::default(),
            Arc::new(crate::reporter::Silent),
            None,
            keep,
            threads,
        );
        (Arc::new(shared), dir)
    }

    /// Waits (up to a minute) until the metadata of `filename` was read.
    fn wait_for_metadata(shared: &SharedIndexes, filename: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if SharedIndexes::slot(&shared.metadata, &filename.to_owned())
                .get()
                .is_some()
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        false
    }

    #[test]
    fn a_page_and_a_file_wanted_by_many_targets_are_fetched_ahead_by_one_job_each() {
        let (shared, _dir) = shared_over(&[(DistSpec::new("common", "1.0"), "py3-none-any")], 4);
        // As the 25 solvers of a matrix would ask, one after another.
        for _ in 0..25 {
            let mut target = inputs();
            target.exclude_newer = None;
            let wanted = vec![Wanted::of(&target, &"common".parse().unwrap())];
            shared.prefetch(Arc::new(target), wanted);
        }
        assert!(wait_for_metadata(&shared, "common-1.0-py3-none-any.whl"));
        // One job read the page, one the file, for all 25 targets.
        assert_eq!(shared.ahead.jobs.load(Ordering::SeqCst), 2);
    }
}
