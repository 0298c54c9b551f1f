//! A project's files grouped into releases, and which file of a release a
//! target would install.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use envlock_index::IndexFile;
use envlock_pep::{
    PackageName, SourceDistFilename, Tags, Version, VersionSpecifiers, WheelFilename,
    WheelNameParts,
};

/// What one index offers for one project, grouped by version.
#[derive(Debug)]
pub(crate) struct Project {
    /// The name of the index the files come from.
    pub index_name: String,
    /// Releases by version, lowest first.
    pub releases: BTreeMap<Version, Release>,
    /// Files the index listed but that cannot be used (see
    /// `ProjectPage::ignored`): when there are no releases, these say why.
    pub ignored: Vec<String>,
}

/// The files of one version.
#[derive(Debug, Default)]
pub(crate) struct Release {
    /// Wheels, with their priorities. A boxed slice: a vector collected
    /// from a filter keeps room for four wheels where most releases keep
    /// one (a pure wheel) or a few.
    pub wheels: Box<[KeptWheel]>,
    /// The source distribution, if there is one (the first seen when an index
    /// lists several formats). Behind a pointer: most releases of a large
    /// project keep none, and an empty slot should not cost a whole file's
    /// size in every release of every project; shared (`Arc`) with the
    /// targets that choose it.
    pub sdist: Option<Arc<IndexFile>>,
    /// Platform tags of wheels no declared target can install, sorted:
    /// the wheels are not kept (a large project lists thousands), only
    /// named in explanations. Releases with the same tags share one list,
    /// and the names are shared by all releases of the project.
    pub other_platforms: Arc<[Arc<str>]>,
    /// The targets (positions in [`Keep::targets`]) that could install a
    /// wheel of this release that was uploaded after `exclude-newer`. Such
    /// wheels can never be chosen, so they are not kept; this is all that
    /// explanations need of them.
    pub too_new_for: Box<[u32]>,
}

impl Release {
    /// Records that a wheel uploaded after `exclude-newer` would fit the
    /// targets of `priorities`.
    fn add_too_new(&mut self, priorities: &[(u32, u32)]) {
        let mut too_new_for = self.too_new_for.to_vec();
        too_new_for.extend(priorities.iter().map(|(target, _)| *target));
        too_new_for.sort_unstable();
        too_new_for.dedup();
        self.too_new_for = too_new_for.into_boxed_slice();
    }
}

/// A wheel some target could choose, with its tag priority for the targets
/// that can install it, computed once so that the parsed file name need not
/// be kept.
#[derive(Debug)]
pub(crate) struct KeptWheel {
    /// Shared with every target that chooses it.
    pub file: Arc<IndexFile>,
    /// `(target, priority)` for each target (its position in
    /// [`Keep::targets`]) that can install the wheel, and only those: most
    /// wheels fit one or a few targets, so a slot per target would make
    /// memory grow with the square of the number of targets. Wheels with
    /// the same tags share one list.
    pub priorities: Arc<[(u32, u32)]>,
}

impl KeptWheel {
    /// The wheel's tag priority for the target at `target`, if it fits.
    fn priority(&self, target: usize) -> Option<usize> {
        self.priorities
            .iter()
            .find(|(position, _)| *position as usize == target)
            .map(|(_, priority)| *priority as usize)
    }
}

/// Which file a target installs for a release.
#[derive(Debug, Clone)]
pub(crate) enum ChosenFile {
    /// The best-ranked compatible wheel.
    Wheel(Arc<IndexFile>),
    /// No wheel fits; the sdist will be built on the target.
    Sdist(Arc<IndexFile>),
}

impl ChosenFile {
    pub fn file(&self) -> &IndexFile {
        match self {
            ChosenFile::Wheel(file) | ChosenFile::Sdist(file) => file,
        }
    }
}

/// Why a release cannot be installed on a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unusable {
    /// Every file is yanked (and the version was not pinned with `==`).
    Yanked,
    /// Every file was uploaded after `exclude-newer`.
    TooNew,
    /// The file's `Requires-Python` excludes the target's Python.
    RequiresPython(String),
    /// No wheel matches the target's tags, and there is no sdist (or sdists
    /// are not allowed for this package).
    NoCompatibleFile(String),
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unusable::Yanked => write!(formatter, "is yanked"),
            Unusable::TooNew => write!(formatter, "was uploaded after `exclude-newer`"),
            Unusable::RequiresPython(specifier) => write!(formatter, "requires Python {specifier}"),
            Unusable::NoCompatibleFile(why) => write!(formatter, "{why}"),
        }
    }
}

/// How wheels and sdists may be used for one package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinaryPolicy {
    /// Prefer a wheel; fall back to the sdist.
    Either,
    /// Wheels only.
    OnlyBinary,
    /// Sdists only.
    NoBinary,
}

impl Project {
    /// Groups an index's files by version, keeping only the files some
    /// target could ever choose (see [`Keep`]): a large project lists tens of
    /// thousands of files, and holding them all would cost more memory than
    /// the rest of a resolution. The kept files are moved out of `files`, not
    /// copied. Files whose names do not parse are skipped: indexes carry odd
    /// legacy files (`.exe`, `.egg`, …).
    ///
    /// `filter` is the one the index read the page with (see
    /// [`PageFilter`]): the wheels it turned away still name their
    /// releases and platforms, and the priorities it computed are reused.
    pub fn from_files(
        name: &PackageName,
        index_name: &str,
        files: Vec<IndexFile>,
        filter: PageFilter<'_>,
    ) -> Project {
        let keep = filter.keep;
        let mut wheels: BTreeMap<Version, Vec<Candidate>> = BTreeMap::new();
        let mut sdists: Vec<(Version, usize)> = Vec::new();
        let unfit = filter.unfit.take();
        let mut platform_names = unfit.names;
        let mut platforms = unfit.platforms;
        let mut releases: BTreeMap<Version, Release> = BTreeMap::new();
        for (position, file) in files.iter().enumerate() {
            let kind = file.kind();
            if kind == envlock_pep::DistKind::Wheel {
                let Some(ReadWheel {
                    version,
                    priorities,
                    platform,
                }) = filter.read_wheel(&file.filename)
                else {
                    continue;
                };
                let release = releases.entry(version.clone()).or_default();
                let too_new = too_new(file, keep.exclude_newer);
                if priorities.is_empty() || too_new {
                    // Never chosen: its platforms are named in explanations,
                    // and the targets it would fit when it is too new.
                    let release_platforms = platforms.entry(version).or_default();
                    platform_names.add_to(release_platforms, platform);
                    if too_new {
                        release.add_too_new(&priorities);
                    }
                } else {
                    wheels.entry(version).or_default().push(Candidate {
                        position,
                        priorities,
                    });
                }
            } else if kind == envlock_pep::DistKind::Sdist
                && let Ok(sdist) = SourceDistFilename::parse(&file.filename, name)
            {
                // Indexes may list several sdist formats; the first is kept
                // (PEP 625 names `.tar.gz` the standard one and it comes first
                // in practice).
                releases.entry(sdist.version().clone()).or_default();
                sdists.push((sdist.version().clone(), position));
            }
        }
        let mut files: Vec<Option<IndexFile>> = files.into_iter().map(Some).collect();
        for (version, position) in sdists {
            if let Some(release) = releases.get_mut(&version)
                && release.sdist.is_none()
            {
                release.sdist = files.get_mut(position).and_then(Option::take).map(Arc::new);
            }
        }
        let pythons = TargetPythons::new(keep);
        for (version, candidates) in wheels {
            keep_wheels(
                releases.entry(version).or_default(),
                candidates,
                &mut files,
                keep,
                &pythons,
            );
        }
        attach_platforms(&mut releases, platforms);
        Project {
            index_name: index_name.to_owned(),
            releases,
            ignored: Vec::new(),
        }
    }
}

/// Decides, while an index reads a project's page, which files are worth
/// converting: every file but the wheels of the project that no target can
/// install (most of a large project's wheels: other platforms, other
/// Pythons). Of those, only the version and platform tags are kept, for
/// explanations. A page names the same few tag sets and one version per
/// release thousands of times: each tag set is matched against the targets
/// and each version parsed once here, and [`Project::from_files`] reuses
/// both.
pub(crate) struct PageFilter<'k> {
    name: &'k PackageName,
    keep: &'k Keep,
    /// Priorities by the tag part of a wheel name ([`WheelNameParts::tags`]):
    /// the wheels that carry one tag set share its list.
    by_tags: RefCell<HashMap<Box<str>, Priorities>>,
    /// Versions by their text in wheel names; `None` for a text that does
    /// not parse.
    versions: RefCell<HashMap<Box<str>, Option<Version>>>,
    unfit: RefCell<Unfit>,
}

/// `(target, priority)` for each target that can install a wheel (see
/// [`KeptWheel::priorities`]).
type Priorities = Arc<[(u32, u32)]>;

/// The platform tags of the wheels a [`PageFilter`] turned away, by version.
#[derive(Default)]
struct Unfit {
    names: PlatformNames,
    platforms: BTreeMap<Version, BTreeSet<Arc<str>>>,
}

/// What a [`PageFilter`] reads of a well-formed wheel name of its project.
struct ReadWheel<'n> {
    version: Version,
    priorities: Priorities,
    /// The platform tag set as written (`manylinux_2_17_x86_64.manylinux2014_x86_64`).
    platform: &'n str,
}

impl<'k> PageFilter<'k> {
    pub fn new(name: &'k PackageName, keep: &'k Keep) -> PageFilter<'k> {
        PageFilter {
            name,
            keep,
            by_tags: RefCell::default(),
            versions: RefCell::default(),
            unfit: RefCell::default(),
        }
    }

    /// Whether the index should convert and hand on the file `filename`.
    /// Only well-formed wheels of the project are turned away, so the
    /// index reports every unusable name.
    pub fn wants(&self, filename: &str) -> bool {
        let Some(wheel) = self.read_wheel(filename) else {
            return true;
        };
        if !wheel.priorities.is_empty() {
            return true;
        }
        let mut unfit = self.unfit.borrow_mut();
        let Unfit { names, platforms } = &mut *unfit;
        let release = platforms.entry(wheel.version).or_default();
        names.add_to(release, wheel.platform);
        false
    }

    /// `filename` read as a wheel of the project; `None` when it is not one
    /// or [`WheelFilename::parse`] would reject it.
    fn read_wheel<'n>(&self, filename: &'n str) -> Option<ReadWheel<'n>> {
        let parts = WheelNameParts::split(filename)?;
        // A build tag is rare: the whole name is parsed to check it.
        if !parts.names(self.name)
            || parts.build.is_some() && WheelFilename::parse(filename).is_err()
        {
            return None;
        }
        let version = self.version(parts.version)?;
        let priorities = self.priorities(filename, parts.tags)?;
        Some(ReadWheel {
            version,
            priorities,
            platform: parts.platform,
        })
    }

    fn version(&self, text: &str) -> Option<Version> {
        let mut versions = self.versions.borrow_mut();
        if let Some(version) = versions.get(text) {
            return version.clone();
        }
        let version = text.parse::<Version>().ok();
        versions.insert(text.into(), version.clone());
        version
    }

    /// `(target, priority)` for every target that can install a wheel with
    /// the tag part `tags`; `None` when the tags of `filename` (which has
    /// them) do not parse.
    fn priorities(&self, filename: &str, tags: &str) -> Option<Priorities> {
        if let Some(priorities) = self.by_tags.borrow().get(tags) {
            return Some(Arc::clone(priorities));
        }
        let priorities = self.keep.priorities(&WheelFilename::parse(filename).ok()?);
        self.by_tags
            .borrow_mut()
            .insert(tags.into(), Arc::clone(&priorities));
        Some(priorities)
    }
}

/// Gives each release the platforms of its wheels that were not kept
/// (creating the releases that kept none), one shared list for all the
/// releases with the same platforms: a large project's releases repeat a
/// few sets, and a set per release cost more than the rest of the release.
fn attach_platforms(
    releases: &mut BTreeMap<Version, Release>,
    platforms: BTreeMap<Version, BTreeSet<Arc<str>>>,
) {
    let mut lists: HashSet<Arc<[Arc<str>]>> = HashSet::new();
    for (version, set) in platforms {
        let list: Vec<Arc<str>> = set.into_iter().collect();
        let shared = match lists.get(list.as_slice()) {
            Some(shared) => Arc::clone(shared),
            None => {
                let shared: Arc<[Arc<str>]> = list.into();
                lists.insert(Arc::clone(&shared));
                shared
            }
        };
        releases.entry(version).or_default().other_platforms = shared;
    }
}

/// The platform tags of a project's wheels, one shared copy of each.
#[derive(Default)]
struct PlatformNames(HashSet<Arc<str>>);

impl PlatformNames {
    /// Adds the tags of the platform tag set `set_text` (as written in a
    /// wheel name, lowercased here as [`WheelFilename`] does) to `set`.
    fn add_to(&mut self, set: &mut BTreeSet<Arc<str>>, set_text: &str) {
        for tag in set_text.split('.') {
            let tag: std::borrow::Cow<'_, str> =
                if tag.bytes().any(|byte| byte.is_ascii_uppercase()) {
                    tag.to_ascii_lowercase().into()
                } else {
                    tag.into()
                };
            let shared = match self.0.get(tag.as_ref()) {
                Some(shared) => Arc::clone(shared),
                None => {
                    let shared: Arc<str> = Arc::from(tag.as_ref());
                    self.0.insert(Arc::clone(&shared));
                    shared
                }
            };
            set.insert(shared);
        }
    }
}

/// A wheel of the page that some target can install and that is not too
/// new: its position in the page's files and its priorities.
struct Candidate {
    position: usize,
    priorities: Arc<[(u32, u32)]>,
}

/// What [`Project::from_files`] needs to know to keep only useful files.
pub(crate) struct Keep {
    /// Every target's tags and Python.
    pub targets: Vec<KeepTarget>,
    /// The spec's `exclude-newer`.
    pub exclude_newer: Option<jiff::Timestamp>,
    /// Keep every sdist (the spec asks for sdists of some packages).
    pub sdists_always: bool,
}

/// One target, as far as keeping files is concerned.
pub(crate) struct KeepTarget {
    pub tags: Tags,
    pub python: Version,
}

impl Keep {
    /// `(target, priority)` for every target that can install `wheel`.
    fn priorities(&self, wheel: &WheelFilename) -> Arc<[(u32, u32)]> {
        self.targets
            .iter()
            .enumerate()
            .filter_map(|(target, keep)| {
                let priority = keep.tags.wheel_priority(wheel)?;
                Some((
                    u32::try_from(target).ok()?,
                    u32::try_from(priority).unwrap_or(u32::MAX),
                ))
            })
            .collect()
    }
}

fn too_new(file: &IndexFile, exclude_newer: Option<jiff::Timestamp>) -> bool {
    matches!((exclude_newer, file.upload_time), (Some(cutoff), Some(uploaded)) if uploaded > cutoff)
}

/// Everything that decides which file of a release a target installs.
pub(crate) struct FileChoice<'a> {
    /// The target's position in [`Keep::targets`].
    pub target: usize,
    pub python: &'a Version,
    pub binary: BinaryPolicy,
    pub exclude_newer: Option<jiff::Timestamp>,
    /// The version was pinned with `==`, so yanked files are acceptable.
    pub allow_yanked: bool,
}

impl FileChoice<'_> {
    /// The file a target would install for `release`, or why there is none.
    pub fn choose(&self, release: &Release) -> Result<ChosenFile, Unusable> {
        let mut saw_any = false;
        let mut saw_unyanked = false;
        let mut saw_old_enough = false;
        let mut requires_python: Option<String> = None;
        let mut acceptable = |file: &IndexFile| -> bool {
            saw_any = true;
            if file.yanked.is_some() && !self.allow_yanked {
                return false;
            }
            saw_unyanked = true;
            if let (Some(cutoff), Some(uploaded)) = (self.exclude_newer, file.upload_time)
                && uploaded > cutoff
            {
                return false;
            }
            saw_old_enough = true;
            if let Some(specifiers) = file.requires_python_specifiers()
                && !python_satisfies(specifiers, self.python)
            {
                requires_python = Some(specifiers.to_string());
                return false;
            }
            true
        };
        let mut best: Option<(usize, &Arc<IndexFile>)> = None;
        if self.binary != BinaryPolicy::NoBinary {
            for kept in &release.wheels {
                let Some(priority) = kept.priority(self.target) else {
                    continue;
                };
                if !acceptable(&kept.file) {
                    continue;
                }
                if best.is_none_or(|(best_priority, _)| priority < best_priority) {
                    best = Some((priority, &kept.file));
                }
            }
        }
        if let Some((_, file)) = best {
            return Ok(ChosenFile::Wheel(Arc::clone(file)));
        }
        if self.binary != BinaryPolicy::OnlyBinary
            && let Some(sdist) = &release.sdist
            && acceptable(sdist)
        {
            return Ok(ChosenFile::Sdist(Arc::clone(sdist)));
        }
        if let Some(specifier) = requires_python {
            return Err(Unusable::RequiresPython(specifier));
        }
        // Wheels for this target that came out after `exclude-newer` were
        // not kept; they count as seen, unyanked and too new.
        let too_new_wheel = self.binary != BinaryPolicy::NoBinary
            && u32::try_from(self.target).is_ok_and(|target| release.too_new_for.contains(&target));
        let saw_unyanked = saw_unyanked || too_new_wheel;
        // Yanked or too new only when a file this target could install was;
        // a release with nothing for this target has no compatible file.
        if (saw_any || too_new_wheel) && !saw_unyanked {
            return Err(Unusable::Yanked);
        }
        if saw_unyanked && !saw_old_enough {
            return Err(Unusable::TooNew);
        }
        Err(Unusable::NoCompatibleFile(self.describe_missing(release)))
    }

    fn describe_missing(&self, release: &Release) -> String {
        // Only on the error path: parse the kept wheels' names again.
        let platforms: std::collections::BTreeSet<String> = release
            .wheels
            .iter()
            .filter_map(|kept| WheelFilename::parse(&kept.file.filename).ok())
            .flat_map(|wheel| wheel.platform_tags().to_vec())
            .chain(release.other_platforms.iter().map(|tag| tag.to_string()))
            .collect();
        let wheel_part = if release.wheels.is_empty() && release.other_platforms.is_empty() {
            "has no wheels".to_owned()
        } else {
            format!(
                "has no wheel for this target (its wheels are for {})",
                platforms.into_iter().collect::<Vec<_>>().join(", ")
            )
        };
        match (self.binary, &release.sdist) {
            (BinaryPolicy::OnlyBinary, Some(_)) => {
                format!("{wheel_part}, and only wheels are allowed for it")
            }
            (BinaryPolicy::NoBinary, None) => {
                "has no sdist, and only sdists are allowed for it".to_owned()
            }
            (_, None) => format!("{wheel_part} and no sdist"),
            (_, Some(_)) => wheel_part,
        }
    }
}

/// Whether the target's Python satisfies a `Requires-Python`. A target
/// declared as a bare `X.Y` is compared as `X.Y.0` (documented in the README):
/// declare the full version (`3.8.18`) when a release's `Requires-Python`
/// names a patch level.
pub(crate) fn python_satisfies(specifiers: &VersionSpecifiers, python: &Version) -> bool {
    specifiers.contains(python)
}

/// Keeps, of one version's wheels, those some target could choose (moving
/// them out of the page's `files`), and drops the sdist when every target
/// has a wheel (unless sdists are always wanted).
fn keep_wheels(
    release: &mut Release,
    candidates: Vec<Candidate>,
    files: &mut [Option<IndexFile>],
    keep: &Keep,
    pythons: &TargetPythons<'_>,
) {
    let admits = pythons.admitted(&candidates, files);
    let mut chosen: Vec<usize> = Vec::new();
    let mut every_target_has_a_wheel = true;
    for target in 0..keep.targets.len() {
        let usable = |candidate: usize| admits(candidate, target);
        let (positions, has_wheel) = best_wheels(&candidates, files, target, &usable);
        every_target_has_a_wheel &= has_wheel;
        chosen.extend(positions);
    }
    chosen.sort_unstable();
    chosen.dedup();
    let mut candidates: Vec<Option<Candidate>> = candidates.into_iter().map(Some).collect();
    release.wheels = chosen
        .into_iter()
        .filter_map(|index| {
            let candidate = candidates.get_mut(index)?.take()?;
            Some(KeptWheel {
                file: Arc::new(files.get_mut(candidate.position)?.take()?),
                priorities: candidate.priorities,
            })
        })
        .collect();
    if every_target_has_a_wheel && !keep.sdists_always {
        release.sdist = None;
    }
}

/// The targets' distinct Pythons, and which one each target has: a matrix
/// repeats a few Pythons over many platforms, and a file's
/// `Requires-Python` need only be checked once per Python.
struct TargetPythons<'k> {
    pythons: Vec<&'k Version>,
    of_target: Vec<usize>,
}

impl<'k> TargetPythons<'k> {
    fn new(keep: &'k Keep) -> TargetPythons<'k> {
        let mut pythons: Vec<&Version> = Vec::new();
        let of_target = keep
            .targets
            .iter()
            .map(
                |target| match pythons.iter().position(|python| **python == target.python) {
                    Some(slot) => slot,
                    None => {
                        pythons.push(&target.python);
                        pythons.len() - 1
                    }
                },
            )
            .collect();
        TargetPythons { pythons, of_target }
    }

    /// Whether the file of the candidate at an index admits the Python of
    /// the target at a position, checked here for every candidate and
    /// distinct Python at once.
    fn admitted(
        &self,
        candidates: &[Candidate],
        files: &[Option<IndexFile>],
    ) -> impl Fn(usize, usize) -> bool + use<'_> {
        let admits: Vec<bool> = candidates
            .iter()
            .flat_map(|candidate| {
                let specifiers = files
                    .get(candidate.position)
                    .and_then(Option::as_ref)
                    .and_then(IndexFile::requires_python_specifiers);
                self.pythons.iter().map(move |python| {
                    specifiers.is_none_or(|specifiers| python_satisfies(specifiers, python))
                })
            })
            .collect();
        let width = self.pythons.len();
        move |candidate, target| {
            self.of_target
                .get(target)
                .and_then(|slot| admits.get(candidate * width + slot))
                .copied()
                .unwrap_or(false)
        }
    }
}

/// The indexes (into `candidates`) of the wheels one target might pick: the
/// best by tags alone (to explain a rejection), the best usable one with
/// yanked files allowed (an `==` pin may take it), and the best usable
/// unyanked one (the usual choice); and whether that last one exists.
/// `usable` says whether a candidate's `Requires-Python` admits the
/// target. Candidates are never too new (see [`Project::from_files`]).
fn best_wheels(
    candidates: &[Candidate],
    files: &[Option<IndexFile>],
    target: usize,
    usable: &dyn Fn(usize) -> bool,
) -> (Vec<usize>, bool) {
    let file_of = |candidate: &Candidate| files.get(candidate.position).and_then(Option::as_ref);
    let best = |accept: &dyn Fn(usize, &IndexFile) -> bool| {
        candidates
            .iter()
            .enumerate()
            .filter(|(index, candidate)| {
                file_of(candidate).is_some_and(|file| accept(*index, file))
            })
            .filter_map(|(index, candidate)| {
                candidate
                    .priorities
                    .iter()
                    .find(|(position, _)| *position as usize == target)
                    .map(|(_, priority)| (*priority, index))
            })
            .min()
            .map(|(_, index)| index)
    };
    let unyanked = best(&|index, file| usable(index) && file.yanked.is_none());
    let positions = [
        best(&|_, _| true),
        best(&|index, _| usable(index)),
        unyanked,
    ]
    .into_iter()
    .flatten()
    .collect();
    (positions, unyanked.is_some())
}

/// A small project and the targets that read it, for the tests of this
/// crate's modules.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use envlock_pep::{Platform, PythonVersion, Target};

    pub(crate) const CUTOFF: &str = "2025-06-01T00:00:00Z";

    pub(crate) fn file(filename: &str, uploaded: &str) -> IndexFile {
        let url = url::Url::parse(&format!("https://index.test/files/{filename}")).unwrap();
        let mut file = IndexFile::new(filename, &url);
        file.sha256 = Some(envlock_fs::Sha256::from_bytes([0xaa; 32]));
        file.size = Some(1);
        file.upload_time = Some(uploaded.parse().expect("a fixture's upload time"));
        file
    }

    /// cp39 and cp313 on manylinux x86_64, then cp313 on Windows.
    pub(crate) fn keep() -> Keep {
        let targets = [
            ("3.9", "manylinux_2_28_x86_64"),
            ("3.13", "manylinux_2_28_x86_64"),
            ("3.13", "win_amd64"),
        ];
        Keep {
            targets: targets
                .iter()
                .map(|(python, platform)| {
                    let python = PythonVersion::parse(python).unwrap();
                    let platform = Platform::parse(platform).unwrap();
                    let target = Target::new(python, platform).unwrap();
                    KeepTarget {
                        tags: target.tags(),
                        python: target.python().full_version(),
                    }
                })
                .collect(),
            exclude_newer: Some(CUTOFF.parse().unwrap()),
            sdists_always: false,
        }
    }

    pub(crate) fn project(files: Vec<IndexFile>) -> Project {
        let name = "demo".parse().unwrap();
        let keep = keep();
        let filter = PageFilter::new(&name, &keep);
        let files = files
            .into_iter()
            .filter(|file| filter.wants(&file.filename))
            .collect();
        Project::from_files(&name, "default", files, filter)
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{CUTOFF, file, keep, project};
    use super::*;

    fn choice(target: usize, python: &Version) -> FileChoice<'_> {
        FileChoice {
            target,
            python,
            binary: BinaryPolicy::Either,
            exclude_newer: Some(CUTOFF.parse().unwrap()),
            allow_yanked: false,
        }
    }

    #[test]
    fn the_page_filter_turns_away_only_well_formed_wheels_of_the_project() {
        let keep = keep();
        let name: PackageName = "demo".parse().unwrap();
        let filter = PageFilter::new(&name, &keep);
        for kept in [
            "demo-1.0-cp313-cp313-win_amd64.whl",
            "demo-1.0.tar.gz",
            "demo-1..0-cp38-cp38-macosx_11_0_arm64.whl",
            "demo-1.0-x1-cp38-cp38-macosx_11_0_arm64.whl",
            "demo-1.0-cp38-cp38-macosx+11.whl",
            "other-1.0-cp38-cp38-macosx_11_0_arm64.whl",
            "demo_-1.0-cp38-cp38-macosx_11_0_arm64.whl",
        ] {
            assert!(filter.wants(kept), "{kept} should be kept");
        }
        for turned_away in [
            "demo-1.0-cp38-cp38-macosx_11_0_arm64.whl",
            "Demo-1.0-1-cp39-cp39-MACOSX_11_0_ARM64.whl",
            "demo-1.0.0-cp38-cp38-musllinux_1_2_x86_64.whl",
        ] {
            assert!(
                !filter.wants(turned_away),
                "{turned_away} should be turned away"
            );
        }
        // Versions are compared as versions (1.0 is 1.0.0), platforms as
        // the lowercase tags `WheelFilename` gives.
        let unfit = filter.unfit.borrow();
        let platforms: Vec<_> = unfit
            .platforms
            .iter()
            .map(|(version, set)| {
                (
                    version.to_string(),
                    set.iter().map(|tag| tag.to_string()).collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(
            platforms,
            [(
                "1.0".to_owned(),
                vec![
                    "macosx_11_0_arm64".to_owned(),
                    "musllinux_1_2_x86_64".to_owned()
                ]
            )]
        );
    }

    #[test]
    fn each_target_keeps_the_wheels_its_own_python_admits() {
        let name = "demo".parse().unwrap();
        let keep = keep();
        // Both wheels fit every target equally by their tags; the first
        // is for old Pythons only, so only the cp313 targets need the
        // second, and only their own Python can tell.
        let older_only = "demo-1.0-py3-none-any.whl";
        let any_python = "demo-1.0-py2.py3-none-any.whl";
        let mut older = file(older_only, "2025-01-01T00:00:00Z");
        older.requires_python = Some(Arc::new(envlock_index::RequiresPython {
            raw: "<3.10".into(),
            specifiers: Some("<3.10".parse().unwrap()),
        }));
        let files = vec![older, file(any_python, "2025-01-01T00:00:00Z")];
        let filter = PageFilter::new(&name, &keep);
        let project = Project::from_files(&name, "default", files, filter);
        let release = &project.releases[&"1.0".parse::<Version>().unwrap()];
        let chosen = |target: usize, python: &str| {
            let python = python.parse::<Version>().unwrap();
            match choice(target, &python).choose(release) {
                Ok(chosen) => chosen.file().filename.clone(),
                Err(why) => why.to_string(),
            }
        };
        // The targets are cp39 and cp313 on manylinux, then cp313 on Windows.
        assert_eq!(chosen(0, "3.9"), older_only);
        assert_eq!(chosen(1, "3.13"), any_python);
        assert_eq!(chosen(2, "3.13"), any_python);
    }

    #[test]
    fn wheels_no_target_can_install_are_turned_away_but_still_explain() {
        let name = "demo".parse().unwrap();
        let keep = keep();
        let filter = PageFilter::new(&name, &keep);
        assert!(!filter.wants("demo-1.0-cp313-cp313-win32.whl"));
        assert!(!filter.wants("demo-1.0-cp38-cp38-win_amd64.whl"));
        assert!(filter.wants("demo-1.0-cp313-cp313-win_amd64.whl"));
        // Not this project's wheels, sdists and odd names are for the
        // index to sort out.
        assert!(filter.wants("other-1.0-cp313-cp313-win32.whl"));
        assert!(filter.wants("demo-1.0.tar.gz"));
        assert!(filter.wants("demo-1.0-x.whl"));
        let files = vec![file(
            "demo-1.0-cp313-cp313-win_amd64.whl",
            "2025-01-01T00:00:00Z",
        )];
        let project = Project::from_files(&name, "default", files, filter);
        let release = &project.releases[&"1.0".parse::<Version>().unwrap()];
        assert_eq!(release.wheels.len(), 1);
        let python = "3.13".parse::<Version>().unwrap();
        let why = choice(1, &python).choose(release).unwrap_err();
        assert_eq!(
            why,
            Unusable::NoCompatibleFile(
                "has no wheel for this target (its wheels are for win32, win_amd64) and no sdist"
                    .to_owned()
            )
        );
    }

    #[test]
    fn releases_with_the_same_other_platforms_share_one_list() {
        let name = "demo".parse().unwrap();
        let keep = keep();
        let filter = PageFilter::new(&name, &keep);
        for version in ["0.8", "0.9"] {
            for platform in ["manylinux1_x86_64", "macosx_10_9_x86_64"] {
                let wheel = format!("demo-{version}-cp27-cp27m-{platform}.whl");
                assert!(!filter.wants(&wheel));
            }
        }
        assert!(!filter.wants("demo-1.0-cp27-cp27m-manylinux1_x86_64.whl"));
        let project = Project::from_files(&name, "default", Vec::new(), filter);
        let platforms = |version: &str| {
            Arc::clone(&project.releases[&version.parse::<Version>().unwrap()].other_platforms)
        };
        assert_eq!(
            platforms("0.8")
                .iter()
                .map(|tag| &**tag)
                .collect::<Vec<_>>(),
            ["macosx_10_9_x86_64", "manylinux1_x86_64"]
        );
        assert!(Arc::ptr_eq(&platforms("0.8"), &platforms("0.9")));
        assert!(!Arc::ptr_eq(&platforms("0.9"), &platforms("1.0")));
    }

    #[test]
    fn a_release_whose_wheels_were_all_turned_away_still_exists() {
        let name = "demo".parse().unwrap();
        let keep = keep();
        let filter = PageFilter::new(&name, &keep);
        assert!(!filter.wants("demo-0.9-cp27-cp27mu-manylinux1_x86_64.whl"));
        let project = Project::from_files(&name, "default", Vec::new(), filter);
        let release = &project.releases[&"0.9".parse::<Version>().unwrap()];
        assert!(release.wheels.is_empty());
        assert_eq!(
            release
                .other_platforms
                .iter()
                .map(|tag| &**tag)
                .collect::<Vec<_>>(),
            ["manylinux1_x86_64"]
        );
    }

    #[test]
    fn wheels_with_the_same_tags_share_their_priorities() {
        let project = project(vec![
            file("demo-1.0-py3-none-any.whl", "2025-01-01T00:00:00Z"),
            file("demo-2.0-py3-none-any.whl", "2025-01-01T00:00:00Z"),
        ]);
        let lists: Vec<_> = project
            .releases
            .values()
            .map(|release| Arc::clone(&release.wheels[0].priorities))
            .collect();
        assert_eq!(lists.len(), 2);
        assert!(!lists[0].is_empty());
        assert!(Arc::ptr_eq(&lists[0], &lists[1]));
    }

    #[test]
    fn a_wheel_keeps_priorities_for_the_targets_it_fits_only() {
        let project = project(vec![
            file(
                "demo-1.0-cp313-cp313-manylinux_2_17_x86_64.whl",
                "2025-01-01T00:00:00Z",
            ),
            file("demo-1.0-cp313-cp313-win_amd64.whl", "2025-01-01T00:00:00Z"),
            file("demo-1.0-py3-none-any.whl", "2025-01-01T00:00:00Z"),
        ]);
        let release = &project.releases[&"1.0".parse::<Version>().unwrap()];
        let targets_of = |name: &str| {
            let kept = release
                .wheels
                .iter()
                .find(|kept| kept.file.filename == name)
                .unwrap();
            kept.priorities
                .iter()
                .map(|(target, _)| *target)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            targets_of("demo-1.0-cp313-cp313-manylinux_2_17_x86_64.whl"),
            [1]
        );
        assert_eq!(targets_of("demo-1.0-cp313-cp313-win_amd64.whl"), [2]);
        // The pure wheel is the only one cp39 can take.
        assert!(targets_of("demo-1.0-py3-none-any.whl").contains(&0));
        let python = "3.13".parse::<Version>().unwrap();
        let chosen = choice(2, &python).choose(release).unwrap();
        assert_eq!(chosen.file().filename, "demo-1.0-cp313-cp313-win_amd64.whl");
        // The file was moved, not rebuilt: it is the one the page listed.
        assert_eq!(
            chosen.file().url().unwrap().as_url().path(),
            "/files/demo-1.0-cp313-cp313-win_amd64.whl"
        );
    }

    #[test]
    fn wheels_after_exclude_newer_are_not_kept_but_still_explain_the_rejection() {
        let project = project(vec![
            file(
                "demo-2.0-cp313-cp313-manylinux_2_17_x86_64.whl",
                "2025-09-01T00:00:00Z",
            ),
            file("demo-2.0-cp313-cp313-win_amd64.whl", "2025-09-01T00:00:00Z"),
            file("demo-2.1-cp313-cp313-win_amd64.whl", "2025-09-01T00:00:00Z"),
            file("demo-2.1.tar.gz", "2025-01-01T00:00:00Z"),
        ]);
        let release = &project.releases[&"2.0".parse::<Version>().unwrap()];
        assert!(release.wheels.is_empty());
        assert_eq!(&*release.too_new_for, [1, 2]);
        let python = "3.13".parse::<Version>().unwrap();
        assert_eq!(
            choice(1, &python).choose(release).unwrap_err(),
            Unusable::TooNew
        );
        // cp39 never had a wheel of 2.0: that is not a question of time.
        let old = "3.9".parse::<Version>().unwrap();
        assert!(matches!(
            choice(0, &old).choose(release).unwrap_err(),
            Unusable::NoCompatibleFile(why) if why.contains("manylinux_2_17_x86_64")
        ));
        // An sdist old enough is still chosen where the wheel is too new.
        let release = &project.releases[&"2.1".parse::<Version>().unwrap()];
        let chosen = choice(2, &python).choose(release).unwrap();
        assert!(matches!(chosen, ChosenFile::Sdist(file) if file.filename == "demo-2.1.tar.gz"));
    }
}
