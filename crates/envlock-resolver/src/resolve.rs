//! Resolving every target and assembling the lock.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use envlock_index::PackageIndex;
use envlock_lock::{Lock, LockedFile, LockedPackage, LockedTarget, RequiredBy};
use envlock_pep::{DistFilename, PackageName, Requirement, Target, Version};
use envlock_spec::Spec;
use pubgrub::PubGrubError;

use crate::error::ResolveError;
use crate::inputs::{TargetInputs, VersionRange, requirement_specifiers};
use crate::project::{ChosenFile, Keep, KeepTarget};
use crate::provider::{Node, Observations, SdistRead, StandIns, TargetProvider, root_version};
use crate::reporter::Reporter;
use crate::sdist_build::SdistBuilder;
use crate::shared::{FetchCounts, IndexPins, SharedIndexes};

/// Which pins of a previous lock may move.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Upgrade {
    /// Keep every pin that still satisfies the requirements.
    #[default]
    Nothing,
    /// Ignore the previous lock's pins.
    All,
    /// Let these packages move; keep the rest.
    Packages(BTreeSet<PackageName>),
}

/// Everything a lock is made from.
pub struct LockRequest<'a> {
    /// The spec (requirements, constraints, policies).
    pub spec: &'a Spec,
    /// The targets to resolve, already validated.
    pub targets: Vec<Target>,
    /// The indexes, in order of precedence.
    pub indexes: Vec<Arc<dyn PackageIndex>>,
    /// The lock being replaced, whose pins are preferred.
    pub previous: Option<&'a Lock>,
    /// Which of those pins may move.
    pub upgrade: Upgrade,
    /// Resolve only these targets (by name) and keep the previous lock's
    /// entries for the others; `None` resolves every target.
    pub only_targets: Option<BTreeSet<String>>,
    /// Builds the metadata of sdists whose metadata is dynamic; `None`
    /// passes over such releases (saying why if nothing else fits).
    pub sdist_builder: Option<SdistBuilder>,
    /// How many fetches may run ahead of the solver at once.
    pub concurrency: usize,
    /// Where progress goes.
    pub reporter: Arc<dyn Reporter>,
}

/// A finished lock and what it took.
#[derive(Debug)]
pub struct LockOutcome {
    /// The lock.
    pub lock: Lock,
    /// Pages and metadata fetched.
    pub counts: FetchCounts,
    /// What the lock could not record but did not stop for: sdists whose
    /// build requirements could not be locked, one sentence each.
    pub warnings: Vec<String>,
    /// Targets for which no pip could be locked to carry (`carry-pip`),
    /// one sentence each: their far side installs with its own pip.
    pub installer_warnings: Vec<String>,
    /// What the lock held while it resolved (see [`Leftovers`]).
    pub leftovers: Leftovers,
}

/// What a lock held while it resolved: every page's files, all metadata,
/// each target's observations. Dropping it frees them, which took 40 ms of
/// CPU after a cold 25-target lock; a command that exits once the lock is
/// written can `std::mem::forget` it and let the exit return the memory at
/// once. Freed on a thread of its own instead, it slowed what the main
/// thread did meanwhile: encoding that lock took 19–43 ms beside it and
/// 6–11 ms without it (the allocator's locks, and two cores).
pub struct Leftovers {
    _held: Box<dyn std::any::Any + Send>,
}

impl std::fmt::Debug for Leftovers {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Leftovers")
    }
}

/// What one target resolved to.
struct TargetResolution {
    target: Target,
    selected: BTreeMap<Node, Version>,
    observed: Observations,
}

/// Resolves every target of the request (in parallel, sharing fetches) and
/// assembles the lock.
pub fn lock(request: LockRequest<'_>) -> Result<LockOutcome, ResolveError> {
    let pins = IndexPins::from_spec(request.spec, &request.indexes)?;
    let mut shared = SharedIndexes::new(
        request.indexes.clone(),
        pins.clone(),
        Arc::clone(&request.reporter),
        request.sdist_builder.clone(),
        keep_for(&request),
        request.concurrency,
    );
    if let Some(builder) = &request.sdist_builder {
        let locker = Arc::new(crate::host_build::HostBuildLocker::new(
            request.indexes.clone(),
            pins,
            request.spec,
            builder.python.clone(),
        ));
        // The host's interpreter is asked only once an sdist's metadata
        // turns out to need a build (see `expect_build`). It used to be
        // asked at the start of every lock with a cold cache; with a cold
        // 25-target lock that builds nothing, not asking took it from 1.38
        // to 1.30 s (eight alternating pairs), the ClearML example's five
        // builds not slower (2.23 and 2.25 s, six pairs).
        shared = shared.with_build_locker(locker);
    }
    let own = request
        .spec
        .requirements
        .iter()
        .map(|entry| &entry.value.name);
    let shared = Arc::new(shared.with_solves_limited_when_cached(own));
    let locked_ahead = LockedAhead::default();
    let resolutions = resolve_targets(&request, &shared, &locked_ahead)?;
    let (lock, builds, installers) =
        assemble_with_builds(&request, &shared, &resolutions, locked_ahead);
    let mut lock = lock?;
    let (build_packages, warnings) = builds?;
    lock.build_packages = build_packages;
    let (installer_packages, installer_warnings) = installers?;
    lock.installer_packages = installer_packages;
    if let (Some(only), Some(previous)) = (&request.only_targets, request.previous) {
        keep_other_targets(&mut lock, previous, only);
    }
    // Targets in the order the spec declares them.
    lock.targets = request
        .targets
        .iter()
        .filter_map(|target| {
            lock.targets
                .iter()
                .find(|locked| locked.name == target.name())
                .cloned()
        })
        .collect();
    let counts = shared.counts();
    Ok(LockOutcome {
        lock: envlock_lock::normalise(lock),
        counts,
        warnings,
        installer_warnings,
        leftovers: Leftovers {
            _held: Box::new((shared, resolutions)),
        },
    })
}

/// Packages locked beside the targets' own (build requirements, or the pip
/// to carry), with the warnings their locking gave.
type ExtraPackages = Result<(Vec<LockedPackage>, Vec<String>), ResolveError>;

/// Assembles the lock of `resolutions` while, on threads of their own, the
/// build requirements of the sdists they chose and the pip each target
/// carries are locked: none of the three waits for another. One after
/// another, a cold 25-target lock's build requirements waited some 30 ms
/// for the assembly.
fn assemble_with_builds(
    request: &LockRequest<'_>,
    shared: &Arc<SharedIndexes>,
    resolutions: &[TargetResolution],
    locked_ahead: LockedAhead,
) -> (Result<Lock, ResolveError>, ExtraPackages, ExtraPackages) {
    std::thread::scope(|scope| {
        let builds =
            scope.spawn(move || build_packages(request, shared, resolutions, locked_ahead));
        let installers = scope.spawn(|| installer_packages(request, shared));
        let lock = assemble(request.spec, resolutions, shared);
        (
            lock,
            crate::error::join(builds, "locking build requirements"),
            crate::error::join(installers, "locking the pip to carry"),
        )
    })
}

/// Which index files are worth keeping for this request's targets.
fn keep_for(request: &LockRequest<'_>) -> Keep {
    Keep {
        targets: request
            .targets
            .iter()
            .map(|target| KeepTarget {
                tags: target.tags(),
                python: target.python().full_version(),
            })
            .collect(),
        exclude_newer: request.spec.exclude_newer,
        sdists_always: !request.spec.no_binary.is_empty(),
    }
}

/// The spec's constraints as one version range per package.
fn constraint_ranges(spec: &Spec) -> HashMap<PackageName, VersionRange> {
    let mut constraints: HashMap<PackageName, VersionRange> = HashMap::new();
    for constraint in &spec.constraints {
        let range = envlock_pep::specifiers_to_ranges(&requirement_specifiers(&constraint.value));
        constraints
            .entry(constraint.value.name.clone())
            .and_modify(|existing| *existing = existing.intersection(&range))
            .or_insert(range);
    }
    constraints
}

/// Resolves the requested targets, one thread each, sharing the index.
fn resolve_targets(
    request: &LockRequest<'_>,
    shared: &Arc<SharedIndexes>,
    locked_ahead: &LockedAhead,
) -> Result<Vec<TargetResolution>, ResolveError> {
    let spec = request.spec;
    let requirements: Vec<Requirement> = spec
        .requirements
        .iter()
        .map(|entry| entry.value.clone())
        .collect();
    let constraints = constraint_ranges(spec);
    let resolutions: Vec<Result<TargetResolution, ResolveError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = request
            .targets
            .iter()
            .enumerate()
            .filter(|(_, target)| {
                request
                    .only_targets
                    .as_ref()
                    .is_none_or(|only| only.contains(target.name()))
            })
            .map(|(target_index, target)| {
                let shared = Arc::clone(shared);
                let inputs = target_inputs(
                    spec,
                    target_index,
                    target,
                    &requirements,
                    &constraints,
                    request.previous,
                    &request.upgrade,
                );
                let reporter = Arc::clone(&request.reporter);
                scope.spawn(move || {
                    let ahead = Some((request, locked_ahead));
                    let resolution = resolve_target(shared, target.clone(), inputs, ahead)?;
                    let packages = resolution
                        .selected
                        .keys()
                        .filter(|node| matches!(node, Node::Package(_)))
                        .count();
                    reporter.target_resolved(target.name(), packages);
                    Ok(resolution)
                })
            })
            .collect();
        crate::error::join_all(handles, "a target's resolution")
    });
    resolutions.into_iter().collect()
}

fn target_inputs(
    spec: &Spec,
    target_index: usize,
    target: &Target,
    requirements: &[Requirement],
    constraints: &HashMap<PackageName, VersionRange>,
    previous: Option<&Lock>,
    upgrade: &Upgrade,
) -> TargetInputs {
    let names = |set: &BTreeSet<String>| -> HashSet<PackageName> {
        set.iter()
            .filter_map(|name| name.parse::<PackageName>().ok())
            .collect()
    };
    let mut preferences = HashMap::new();
    if let Some(previous) = previous
        && *upgrade != Upgrade::All
    {
        // Prefer what this target had; a target new to the lock prefers
        // what the others had, so targets stay alike where they can.
        let mine = previous.packages_for(target.name()).collect::<Vec<_>>();
        let pool = if mine.is_empty() {
            previous.packages.iter().collect()
        } else {
            mine
        };
        for package in pool {
            let (name, version) = (package.name.clone(), package.version.clone());
            if let Upgrade::Packages(moving) = upgrade
                && moving.contains(&name)
            {
                continue;
            }
            preferences.entry(name).or_insert(version);
        }
    }
    TargetInputs {
        target_index,
        markers: target.marker_environment().clone(),
        python: target.python().full_version(),
        requirements: requirements.to_vec(),
        constraints: constraints.clone(),
        prereleases: spec.prereleases,
        only_binary: names(&spec.only_binary),
        only_binary_all: spec.only_binary.contains(":all:"),
        no_binary: names(&spec.no_binary),
        no_binary_all: spec.no_binary.contains(":all:"),
        exclude_newer: spec.exclude_newer,
        preferences,
        user_constraint_specifiers: spec
            .constraints
            .iter()
            .map(|entry| {
                (
                    entry.value.name.clone(),
                    requirement_specifiers(&entry.value),
                )
            })
            .collect(),
    }
}

/// Resolves one target. With `ahead`, the build requirements of each sdist
/// whose metadata the solve reads are locked while it goes on (see
/// [`LockedAhead`]).
fn resolve_target(
    shared: Arc<SharedIndexes>,
    target: Target,
    inputs: TargetInputs,
    ahead: Option<(&LockRequest<'_>, &LockedAhead)>,
) -> Result<TargetResolution, ResolveError> {
    let inputs = Arc::new(inputs);
    let solve = |stand_ins, sdists_read| {
        shared.solve(|| {
            let provider = TargetProvider::new(Arc::clone(&shared), Arc::clone(&inputs), stand_ins)
                .reporting_sdists_to(sdists_read);
            let outcome = pubgrub::resolve(&provider, Node::Root, root_version());
            (provider, outcome)
        })
    };
    let (provider, outcome) = std::thread::scope(|scope| {
        let sdists_read = ahead.map(|(request, locked_ahead)| {
            let (sender, receiver) = std::sync::mpsc::channel::<SdistRead>();
            let (shared, target) = (&shared, &target);
            scope.spawn(move || {
                for (package, version, file) in receiver {
                    let sdist = SdistToBuild {
                        target: target.clone(),
                        package,
                        version,
                        file,
                    };
                    locked_ahead.lock_builds(request, shared, vec![sdist]);
                }
            });
            sender
        });
        let (mut provider, mut outcome) = solve(StandIns::Allowed, sdists_read);
        provider.stop_reporting_sdists();
        if !provider.stand_ins_hold() {
            shared.note_solved_again();
            (provider, outcome) = solve(StandIns::Refused, None);
        }
        (provider, outcome)
    });
    match outcome {
        Ok(selected) => {
            let selected = selected.into_iter().collect();
            let mut observed = provider.observed.into_inner();
            observed.keep_selected(&selected);
            Ok(TargetResolution {
                target,
                selected,
                observed,
            })
        }
        Err(PubGrubError::NoSolution(mut tree)) => {
            Err(no_solution(&shared, &target, provider, &mut tree))
        }
        Err(PubGrubError::ErrorChoosingVersion { source, .. })
        | Err(PubGrubError::ErrorRetrievingDependencies { source, .. })
        | Err(PubGrubError::ErrorInShouldCancel(source)) => Err(source),
    }
}

/// Why `target` has no solution, as the solver's `tree` and what its
/// `provider` saw tell it.
fn no_solution(
    shared: &SharedIndexes,
    target: &Target,
    provider: TargetProvider,
    tree: &mut pubgrub::DerivationTree<Node, VersionRange, String>,
) -> ResolveError {
    let skipped = provider.skipped_reasons();
    let observed = provider.observed.into_inner();
    // Projects with no usable release, each with what its index listed but
    // could not be used (empty: the index has no files).
    let missing: BTreeMap<String, Vec<String>> = observed
        .discovery
        .keys()
        .filter_map(Node::name)
        .filter_map(|name| {
            let project = shared.project(name).ok()?;
            project
                .releases
                .is_empty()
                .then(|| (name.to_string(), project.ignored.clone()))
        })
        .collect();
    let (explanation, mut hints) = crate::report::explain(tree, &skipped, &missing);
    hints.push(format!(
        "this is the resolution for target `{}` (CPython {} on {}); markers and wheels were chosen for it, not for this machine",
        target.name(),
        target.python(),
        target.platform()
    ));
    ResolveError::NoSolution {
        target: target.name().to_owned(),
        explanation,
        hints,
    }
}

/// An sdist that a target builds, whose build requirements must be locked.
struct SdistToBuild {
    target: Target,
    package: PackageName,
    version: Version,
    file: Arc<envlock_index::IndexFile>,
}

/// The sdists among what a resolution chose, as its observations recorded
/// their files.
fn sdists_in(resolution: &TargetResolution) -> Vec<SdistToBuild> {
    resolution
        .selected
        .iter()
        .filter_map(|(node, version)| {
            let Node::Package(name) = node else {
                return None;
            };
            match resolution
                .observed
                .files
                .get(&(name.clone(), version.clone()))
            {
                Some(ChosenFile::Sdist(file)) => Some(SdistToBuild {
                    target: resolution.target.clone(),
                    package: name.clone(),
                    version: version.clone(),
                    file: Arc::clone(file),
                }),
                _ => None,
            }
        })
        .collect()
}

/// Build requirements locked ahead: what [`lock_build_of`] gives for an
/// sdist, keyed by target and file name, locked as soon as the target's
/// solve reads the sdist's metadata, and taken by [`build_packages`]. Those
/// locks only read the index and the spec, so one made ahead is the one
/// made after; one whose sdist the target does not keep (a version the
/// solver left, a stand-in that did not hold) is never taken. Locked after
/// every target's solve, the musllinux targets' build requirements held a
/// cold 25-target lock 0.1 s past the last solve.
#[derive(Default)]
struct LockedAhead(std::sync::Mutex<HashMap<(String, String), Arc<BuildLockSlot>>>);

/// What locking one sdist's build requirements gave: an index failure, a
/// warning, or the resolution.
type BuildLock = Result<Result<TargetResolution, String>, ResolveError>;

/// One sdist's build lock: set once by whoever locks it first (others wait
/// for it), then taken out once.
type BuildLockSlot = std::sync::OnceLock<std::sync::Mutex<Option<BuildLock>>>;

impl LockedAhead {
    fn slot(&self, sdist: &SdistToBuild) -> Arc<BuildLockSlot> {
        let key = (sdist.target.name().to_owned(), sdist.file.filename.clone());
        let mut slots = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(slots.entry(key).or_default())
    }

    /// Locks the build requirements of `wave`, and of the sdists those
    /// choose, and so on, keeping each outcome; one locked (or being
    /// locked) before is not locked again.
    fn lock_builds(
        &self,
        request: &LockRequest<'_>,
        shared: &Arc<SharedIndexes>,
        mut wave: Vec<SdistToBuild>,
    ) {
        while !wave.is_empty() {
            let mut next = Vec::new();
            for sdist in &wave {
                let mut locked_here = None;
                self.slot(sdist).get_or_init(|| {
                    let outcome = lock_build_of(request, shared, sdist);
                    if let Ok(Ok(resolution)) = &outcome {
                        locked_here = Some(sdists_in(resolution));
                    }
                    std::sync::Mutex::new(Some(outcome))
                });
                next.extend(locked_here.unwrap_or_default());
            }
            wave = next;
        }
    }

    /// The outcome for `sdist`: the one locked ahead (waiting for it while
    /// it is being locked), or, if there is none, one locked now.
    fn take(
        &self,
        request: &LockRequest<'_>,
        shared: &Arc<SharedIndexes>,
        sdist: &SdistToBuild,
    ) -> BuildLock {
        let slot = self.slot(sdist);
        let kept =
            slot.get_or_init(|| std::sync::Mutex::new(Some(lock_build_of(request, shared, sdist))));
        let taken = kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        taken.unwrap_or_else(|| lock_build_of(request, shared, sdist))
    }
}

/// An sdist's `build-system.requires`, as written and parsed.
fn read_build_requirements(
    shared: &SharedIndexes,
    sdist: &SdistToBuild,
) -> Result<(Vec<String>, Vec<Requirement>), ResolveError> {
    let failed = |reason: String| ResolveError::BuildRequirements {
        package: format!("{} {}", sdist.package, sdist.version),
        target: sdist.target.name().to_owned(),
        reason,
    };
    let requires = shared
        .build_requirements(&sdist.package, &sdist.file)
        .map_err(failed)?;
    let requirements = requires
        .iter()
        .map(|text| {
            envlock_pep::check_requirement(text)
                .map_err(|error| failed(format!("`{text}` is not a valid requirement: {error}")))?;
            text.parse::<Requirement>()
                .map_err(|error| failed(format!("`{text}` is not a valid requirement: {error}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((requires, requirements))
}

/// Resolves, for each target, the build requirements of every sdist it
/// installs (pip builds each in its own environment, so each sdist gets its
/// own resolution), and of sdists among those, and locks the result.
///
/// Build requirements that cannot be read or resolved do not stop the lock
/// (the packages themselves are resolved, and some indexes simply lack the
/// build tools): they come back as warnings, and the wheelhouse says loudly
/// which sdists will not build without an index. An index that fails to
/// answer stops the lock, as it does everywhere else.
fn build_packages(
    request: &LockRequest<'_>,
    shared: &Arc<SharedIndexes>,
    resolutions: &[TargetResolution],
    locked_ahead: LockedAhead,
) -> Result<(Vec<LockedPackage>, Vec<String>), ResolveError> {
    let mut warnings = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut built: Vec<(TargetResolution, (PackageName, Version))> = Vec::new();
    // In waves: the sdists the targets build, then those their build
    // requirements build, and so on. Within a wave the build requirements
    // are locked in parallel, as the targets are: one after another, each
    // waited for its own metadata reads.
    let mut wave: Vec<SdistToBuild> = resolutions.iter().flat_map(sdists_in).collect();
    while !wave.is_empty() {
        wave.retain(|sdist| {
            seen.insert((sdist.target.name().to_owned(), sdist.file.filename.clone()))
        });
        let mut next = Vec::new();
        for chunk in wave.chunks(BUILD_LOCKS_AT_ONCE) {
            let outcomes: Vec<Result<Result<TargetResolution, String>, ResolveError>> =
                std::thread::scope(|scope| {
                    let handles: Vec<_> = chunk
                        .iter()
                        .map(|sdist| {
                            let ahead = &locked_ahead;
                            scope.spawn(move || ahead.take(request, shared, sdist))
                        })
                        .collect();
                    crate::error::join_all(handles, "locking a build's requirements")
                });
            for (sdist, outcome) in chunk.iter().zip(outcomes) {
                match outcome? {
                    Ok(resolution) => {
                        next.extend(sdists_in(&resolution));
                        built.push((resolution, (sdist.package.clone(), sdist.version.clone())));
                    }
                    Err(warning) => warnings.push(warning),
                }
            }
        }
        wave = next;
    }
    let labelled: Vec<(&TargetResolution, Option<&(PackageName, Version)>)> = built
        .iter()
        .map(|(resolution, label)| (resolution, Some(label)))
        .collect();
    warnings.sort();
    Ok((
        assemble_packages(&labelled, &HashMap::new(), shared)?,
        warnings,
    ))
}

/// How many sdists' build requirements are locked at once.
const BUILD_LOCKS_AT_ONCE: usize = 32;

/// Locks the build requirements of one sdist for its target. An index
/// that fails stops the lock; one that is only not in the cache under
/// `--offline` gives a warning (the inner `Err`), as a missing build tool
/// does.
fn lock_build_of(
    request: &LockRequest<'_>,
    shared: &Arc<SharedIndexes>,
    sdist: &SdistToBuild,
) -> Result<Result<TargetResolution, String>, ResolveError> {
    let (requires, requirements) = match read_build_requirements(shared, sdist) {
        Ok(read) => read,
        Err(error) => return Ok(Err(error.to_string())),
    };
    let target_index = request
        .targets
        .iter()
        .position(|target| target.name() == sdist.target.name())
        .unwrap_or_default();
    let mut inputs = target_inputs(
        request.spec,
        target_index,
        &sdist.target,
        &requirements,
        &HashMap::new(),
        None,
        &Upgrade::All,
    );
    inputs.preferences = kept_preferences(
        request.previous.map(|lock| lock.build_packages.as_slice()),
        &request.upgrade,
        sdist.target.name(),
    );
    inputs.user_constraint_specifiers.clear();
    match resolve_target(Arc::clone(shared), sdist.target.clone(), inputs, None) {
        Ok(resolution) => Ok(Ok(resolution)),
        Err(error @ ResolveError::Index { .. }) if !is_offline(&error) => Err(error),
        Err(error) => Ok(Err(in_build_of(error, sdist, &requires).to_string())),
    }
}

/// Resolves, for each target (re-)resolved, the newest pip whose
/// `Requires-Python` admits it: what the far side installs into a new
/// environment before the locked set (`carry-pip`). A pip that cannot be
/// found leaves a warning (the far side then uses its own pip); an index
/// that fails to answer stops the lock.
fn installer_packages(
    request: &LockRequest<'_>,
    shared: &Arc<SharedIndexes>,
) -> Result<(Vec<LockedPackage>, Vec<String>), ResolveError> {
    let mut warnings = Vec::new();
    if !request.spec.carry_pip {
        return Ok((Vec::new(), warnings));
    }
    let pip: Requirement = "pip"
        .parse()
        .map_err(|error| ResolveError::Internal(format!("the requirement `pip`: {error}")))?;
    let mut resolutions = Vec::new();
    for (target_index, target) in request.targets.iter().enumerate() {
        if request
            .only_targets
            .as_ref()
            .is_some_and(|only| !only.contains(target.name()))
        {
            continue;
        }
        let mut inputs = target_inputs(
            request.spec,
            target_index,
            target,
            std::slice::from_ref(&pip),
            &HashMap::new(),
            None,
            &Upgrade::All,
        );
        inputs.preferences = kept_preferences(
            request
                .previous
                .map(|lock| lock.installer_packages.as_slice()),
            &request.upgrade,
            target.name(),
        );
        inputs.user_constraint_specifiers.clear();
        match resolve_target(Arc::clone(shared), target.clone(), inputs, None) {
            Ok(resolution) => resolutions.push(resolution),
            Err(error @ ResolveError::Index { .. }) if !is_offline(&error) => return Err(error),
            Err(ResolveError::NoSolution { .. }) => warnings.push(format!(
                "no pip to carry for target `{}`: no version of pip on the indexes installs there",
                target.name()
            )),
            Err(error) => warnings.push(format!(
                "no pip to carry for target `{}`: {error}",
                target.name()
            )),
        }
    }
    let labelled: Vec<(&TargetResolution, Option<&(PackageName, Version)>)> = resolutions
        .iter()
        .map(|resolution| (resolution, None))
        .collect();
    Ok((
        assemble_packages(&labelled, &HashMap::new(), shared)?,
        warnings,
    ))
}

fn is_offline(error: &ResolveError) -> bool {
    matches!(error, ResolveError::Index { source, .. }
        if matches!(source.as_ref(), envlock_index::IndexError::Offline { .. }))
}

/// The previous lock's build (or installer) packages for a target,
/// preferred as its packages are, so that build requirements and the
/// carried pip stay put until upgraded.
fn kept_preferences(
    previous: Option<&[LockedPackage]>,
    upgrade: &Upgrade,
    target: &str,
) -> HashMap<PackageName, Version> {
    let mut preferences = HashMap::new();
    let Some(previous) = previous.filter(|_| *upgrade != Upgrade::All) else {
        return preferences;
    };
    for package in previous
        .iter()
        .filter(|package| package.targets.contains(target))
    {
        let (name, version) = (package.name.clone(), package.version.clone());
        if let Upgrade::Packages(moving) = upgrade
            && moving.contains(&name)
        {
            continue;
        }
        preferences.entry(name).or_insert(version);
    }
    preferences
}

/// Says, on a failed resolution of build requirements, whose they were.
fn in_build_of(error: ResolveError, sdist: &SdistToBuild, requires: &[String]) -> ResolveError {
    match error {
        ResolveError::NoSolution {
            target,
            explanation,
            mut hints,
        } => {
            hints.push(format!(
                "{} has no wheel for this target, so pip builds its sdist there in an environment with its build requirements",
                sdist.file.filename
            ));
            ResolveError::NoSolution {
                target,
                explanation: format!(
                    "the build requirements of {} {} ({}) cannot be met:\n{explanation}",
                    sdist.package,
                    sdist.version,
                    requires.join(", ")
                ),
                hints,
            }
        }
        other => other,
    }
}

/// The marker text of a root requirement as the user wrote it, so that the
/// lock shows `python_version < '3.9'` rather than a normalised rewrite.
fn written_markers(spec: &Spec) -> HashMap<Requirement, String> {
    spec.requirements
        .iter()
        .filter_map(|entry| {
            // The span covers the TOML string with its quotes (or a
            // requirements-file line without them).
            let text = entry.location.text.get(entry.location.span.clone())?;
            let unquoted = match text.as_bytes().first() {
                Some(b'"' | b'\'') if text.len() >= 2 => &text[1..text.len() - 1],
                _ => text,
            };
            let (_, marker) = unquoted.split_once(';')?;
            Some((entry.value.clone(), marker.trim().to_owned()))
        })
        .collect()
}

fn assemble(
    spec: &Spec,
    resolutions: &[TargetResolution],
    shared: &SharedIndexes,
) -> Result<Lock, ResolveError> {
    let markers_as_written = written_markers(spec);
    let labelled: Vec<(&TargetResolution, Option<&(PackageName, Version)>)> = resolutions
        .iter()
        .map(|resolution| (resolution, None))
        .collect();
    let packages = assemble_packages(&labelled, &markers_as_written, shared)?;
    Ok(envlock_lock::normalise(Lock {
        name: spec.name.clone(),
        inputs_digest: spec.inputs_digest(),
        exclude_newer: spec.exclude_newer.map(|timestamp| timestamp.to_string()),
        imported_from: None,
        requirements: spec
            .requirements
            .iter()
            .map(|entry| entry.value.to_string())
            .collect(),
        constraints: spec
            .constraints
            .iter()
            .map(|entry| entry.value.to_string())
            .collect(),
        targets: resolutions
            .iter()
            .map(|resolution| LockedTarget {
                name: resolution.target.name().to_owned(),
                python: resolution.target.python(),
                platform: resolution.target.platform().clone(),
            })
            .collect(),
        packages,
        build_packages: Vec::new(),
        installer_packages: Vec::new(),
        interpreters: Vec::new(),
        resources: Vec::new(),
    }))
}

/// The locked packages of some resolutions. A resolution's root stands
/// for the spec (label `None`) or for the package whose sdist is built with
/// what it resolved (label `Some((name, version))`), which its root edges
/// then name.
fn assemble_packages(
    resolutions: &[(&TargetResolution, Option<&(PackageName, Version)>)],
    markers_as_written: &HashMap<Requirement, String>,
    shared: &SharedIndexes,
) -> Result<Vec<LockedPackage>, ResolveError> {
    let sizes = missing_sizes(resolutions, shared);
    let mut packages: Packages = BTreeMap::new();
    for (resolution, root_label) in resolutions {
        add_chosen_files(&mut packages, resolution, &sizes, shared)?;
        add_edges(&mut packages, resolution, *root_label, markers_as_written);
    }
    Ok(packages.into_values().collect())
}

/// The packages being assembled, by name and version.
type Packages = BTreeMap<(PackageName, Version), LockedPackage>;

/// File sizes looked up on the index, by file name.
type Sizes = HashMap<String, Result<u64, Arc<envlock_index::IndexError>>>;

/// Sizes the index pages did not give (PEP 503 HTML has none), looked up
/// once per file, in parallel.
fn missing_sizes(
    resolutions: &[(&TargetResolution, Option<&(PackageName, Version)>)],
    shared: &SharedIndexes,
) -> Sizes {
    let mut without_size: BTreeMap<String, (PackageName, envlock_index::IndexFile)> =
        BTreeMap::new();
    for (resolution, _) in resolutions {
        for ((name, _), chosen) in &resolution.observed.files {
            let file = chosen.file();
            if file.size.is_none()
                && resolution
                    .selected
                    .contains_key(&Node::Package(name.clone()))
            {
                without_size
                    .entry(file.filename.clone())
                    .or_insert_with(|| (name.clone(), file.clone()));
            }
        }
    }
    shared.file_sizes(without_size.into_values().collect())
}

/// Adds the package version and file each selected package of one target
/// installs, marking them as installed on that target.
fn add_chosen_files(
    packages: &mut Packages,
    resolution: &TargetResolution,
    sizes: &Sizes,
    shared: &SharedIndexes,
) -> Result<(), ResolveError> {
    let target_name = resolution.target.name().to_owned();
    for (node, version) in &resolution.selected {
        let Node::Package(name) = node else { continue };
        let chosen = resolution
            .observed
            .files
            .get(&(name.clone(), version.clone()))
            .ok_or_else(|| {
                ResolveError::Internal(format!("no file recorded for {name} {version}"))
            })?;
        let file = chosen.file();
        let (sha256, size) = hash_and_size(name, file, sizes)?;
        let index = shared
            .project(name)
            .map(|project| project.index_name.clone())
            .unwrap_or_default();
        let entry = packages
            .entry((name.clone(), version.clone()))
            .or_insert_with(|| LockedPackage {
                name: name.clone(),
                version: version.clone(),
                index,
                targets: BTreeSet::new(),
                requires_python: file.requires_python_specifiers().map(ToString::to_string),
                dependencies: Vec::new(),
                required_by: Vec::new(),
                files: Vec::new(),
            });
        entry.targets.insert(target_name.clone());
        match entry
            .files
            .iter_mut()
            .find(|locked| locked.file_name() == file.filename)
        {
            Some(locked) => {
                locked.targets.insert(target_name.clone());
            }
            None => entry.files.push(LockedFile {
                // The resolver chose it as a wheel or sdist of this
                // release, so its name parses.
                name: DistFilename::parse(&file.filename, name).map_err(|error| {
                    ResolveError::Internal(format!("chosen file of {name} {version}: {error}"))
                })?,
                sha256,
                size,
                targets: BTreeSet::from([target_name.clone()]),
            }),
        }
    }
    Ok(())
}

/// The sha256 and size the lock records for a chosen file.
fn hash_and_size(
    name: &PackageName,
    file: &envlock_index::IndexFile,
    sizes: &Sizes,
) -> Result<(envlock_fs::Sha256, u64), ResolveError> {
    // The page parser reads a hash that is not 64 hex digits as none.
    let sha256 = file.sha256.ok_or_else(|| ResolveError::MissingHash {
        package: name.to_string(),
        file: file.filename.clone(),
    })?;
    let size = match (file.size, sizes.get(&file.filename)) {
        (Some(size), _) => size,
        (None, Some(Ok(size))) => *size,
        (None, Some(Err(source))) => {
            return Err(ResolveError::MissingSize {
                package: name.to_string(),
                file: file.filename.clone(),
                source: Some(Arc::clone(source)),
            });
        }
        (None, None) => {
            return Err(ResolveError::MissingSize {
                package: name.to_string(),
                file: file.filename.clone(),
                source: None,
            });
        }
    };
    Ok((sha256, size))
}

/// Edges: every applicable requirement of every chosen node of one target,
/// as a `required-by` edge of the dependency and a dependency of the
/// requiring package.
fn add_edges(
    packages: &mut Packages,
    resolution: &TargetResolution,
    root_label: Option<&(PackageName, Version)>,
    markers_as_written: &HashMap<Requirement, String>,
) {
    let target_name = resolution.target.name();
    for ((node, node_version), requirements) in &resolution.observed.requirements {
        if resolution.selected.get(node) != Some(node_version) {
            continue;
        }
        for requirement in requirements.iter() {
            let Some(dependency_version) = resolution
                .selected
                .get(&Node::Package(requirement.name.clone()))
            else {
                continue;
            };
            if node.name() == Some(&requirement.name) {
                continue;
            }
            let written = if *node == Node::Root && root_label.is_none() {
                markers_as_written.get(requirement).cloned()
            } else {
                None
            };
            let marker = written.or_else(|| {
                requirement
                    .marker
                    .contents()
                    .map(|marker| marker.to_string())
            });
            let edge = RequiredBy {
                package: match node.name() {
                    Some(name) => Some((name.clone(), node_version.clone())),
                    None => root_label.cloned(),
                },
                extra: match node {
                    Node::Extra(_, extra) => Some(extra.to_string()),
                    _ => None,
                },
                specifier: specifier_text(&requirement_specifiers(requirement)),
                marker,
                targets: BTreeSet::from([target_name.to_owned()]),
            };
            if let Some(dependency) =
                packages.get_mut(&(requirement.name.clone(), dependency_version.clone()))
            {
                merge_edge(&mut dependency.required_by, edge);
            }
            if let Some(name) = node.name()
                && let Some(package) = packages.get_mut(&(name.clone(), node_version.clone()))
            {
                let text = requirement.to_string();
                if !package.dependencies.contains(&text) {
                    package.dependencies.push(text);
                }
            }
        }
    }
}

/// Adds an edge, or adds its target to an identical edge already present.
fn merge_edge(edges: &mut Vec<RequiredBy>, edge: RequiredBy) {
    match edges.iter_mut().find(|existing| {
        existing.package == edge.package
            && existing.extra == edge.extra
            && existing.specifier == edge.specifier
            && existing.marker == edge.marker
    }) {
        Some(existing) => existing.targets.extend(edge.targets),
        None => edges.push(edge),
    }
}

/// Copies, from the previous lock, everything that targets not re-resolved
/// this time install, so `--target NAME` leaves the other targets as they were.
fn keep_other_targets(lock: &mut Lock, previous: &Lock, resolved: &BTreeSet<String>) {
    let kept = |targets: &BTreeSet<String>| -> BTreeSet<String> {
        targets
            .iter()
            .filter(|name| !resolved.contains(*name))
            .cloned()
            .collect()
    };
    for target in &previous.targets {
        if !resolved.contains(&target.name) && lock.target(&target.name).is_none() {
            lock.targets.push(target.clone());
        }
    }
    keep_packages(&mut lock.packages, &previous.packages, &kept);
    keep_packages(&mut lock.build_packages, &previous.build_packages, &kept);
    keep_packages(
        &mut lock.installer_packages,
        &previous.installer_packages,
        &kept,
    );
}

/// Copies into `packages` what the kept targets install of `previous`.
fn keep_packages(
    packages: &mut Vec<LockedPackage>,
    previous: &[LockedPackage],
    kept: &dyn Fn(&BTreeSet<String>) -> BTreeSet<String>,
) {
    for old in previous {
        let targets = kept(&old.targets);
        if targets.is_empty() {
            continue;
        }
        let position = packages
            .iter()
            .position(|package| package.name == old.name && package.version == old.version);
        let index = match position {
            Some(index) => index,
            None => {
                packages.push(LockedPackage {
                    targets: BTreeSet::new(),
                    dependencies: Vec::new(),
                    required_by: Vec::new(),
                    files: Vec::new(),
                    ..old.clone()
                });
                packages.len() - 1
            }
        };
        let package = &mut packages[index];
        package.targets.extend(targets);
        for dependency in &old.dependencies {
            if !package.dependencies.contains(dependency) {
                package.dependencies.push(dependency.clone());
            }
        }
        for file in &old.files {
            let file_targets = kept(&file.targets);
            if file_targets.is_empty() {
                continue;
            }
            match package
                .files
                .iter_mut()
                .find(|existing| existing.name == file.name)
            {
                Some(existing) => existing.targets.extend(file_targets),
                None => package.files.push(LockedFile {
                    targets: file_targets,
                    ..file.clone()
                }),
            }
        }
        for edge in &old.required_by {
            let edge_targets = kept(&edge.targets);
            if !edge_targets.is_empty() {
                merge_edge(
                    &mut package.required_by,
                    RequiredBy {
                        targets: edge_targets,
                        ..edge.clone()
                    },
                );
            }
        }
    }
}

/// Specifiers as a requirement writes them: `>2,<3.0`, no spaces.
fn specifier_text(specifiers: &envlock_pep::VersionSpecifiers) -> String {
    specifiers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use envlock_test::{DistSpec, FixtureIndex};

    #[test]
    fn the_build_requirements_of_an_sdist_a_solve_reads_are_locked_before_its_target_is_done() {
        let mut index = FixtureIndex::new();
        index.add_sdist(&DistSpec::new("app", "1.0"));
        index.add_wheel(&DistSpec::new("setuptools", "70.0"), "py3-none-any");
        index.add_wheel(&DistSpec::new("wheel", "0.45.1"), "py3-none-any");
        let dir = tempfile::tempdir().unwrap();
        index.write_find_links_dir(dir.path()).unwrap();
        let local = envlock_index::FindLinks::new("local", dir.path().to_path_buf()).unwrap();
        let text = "name = \"t\"\nrequirements = [\"app\"]\n\n[[targets]]\npython = \"3.12\"\nplatform = \"manylinux_2_28_x86_64\"\n";
        let path = dir.path().join("envlock.toml");
        let spec = Spec::parse(text, &path, &envlock_spec::process_environment).unwrap();
        let targets = spec.targets().unwrap();
        let request = LockRequest {
            spec: &spec,
            targets: targets.clone(),
            indexes: vec![Arc::new(local)],
            previous: None,
            upgrade: Upgrade::Nothing,
            only_targets: None,
            sdist_builder: None,
            concurrency: 4,
            reporter: Arc::new(crate::reporter::Silent),
        };
        let shared = Arc::new(SharedIndexes::new(
            request.indexes.clone(),
            IndexPins::default(),
            Arc::clone(&request.reporter),
            None,
            keep_for(&request),
            request.concurrency,
        ));
        let requirements: Vec<Requirement> = spec
            .requirements
            .iter()
            .map(|entry| entry.value.clone())
            .collect();
        let inputs = target_inputs(
            &spec,
            0,
            &targets[0],
            &requirements,
            &HashMap::new(),
            None,
            &Upgrade::Nothing,
        );
        let locked_ahead = LockedAhead::default();
        let resolution = resolve_target(
            Arc::clone(&shared),
            targets[0].clone(),
            inputs,
            Some((&request, &locked_ahead)),
        )
        .unwrap();
        let sdists = sdists_in(&resolution);
        assert_eq!(sdists.len(), 1, "app has only an sdist");
        // Locked by the time the target's resolution is back, before
        // `build_packages` asks for it.
        let slot = locked_ahead.slot(&sdists[0]);
        let kept = slot
            .get()
            .expect("the sdist's build requirements were locked ahead");
        let outcome = kept.lock().unwrap().take().unwrap();
        let build = outcome.unwrap().unwrap();
        let setuptools = Node::Package("setuptools".parse().unwrap());
        assert_eq!(build.selected[&setuptools].to_string(), "70.0");
    }
}
