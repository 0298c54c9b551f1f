//! The PubGrub dependency provider for one target.
//!
//! Policy, in one place:
//! - a version is a candidate only if the target can install one of its
//!   files (see [`FileChoice`]): a wheel whose tags the target accepts, or
//!   else the sdist; `Requires-Python` must admit the target's Python;
//! - yanked files are skipped unless the user pinned that exact version
//!   (`==V` or `===V` in the spec's requirements or constraints; PEP 592);
//! - pre-releases (PEP 440): with the default policy
//!   `if-necessary-or-explicit`, a pre-release is a candidate only when the
//!   user asked for one (a specifier in the spec's requirements or
//!   constraints names a pre-release of that package) or when the package
//!   has no final release at all; `allow` and `disallow` say the rest. A
//!   dependency's metadata cannot opt a package into pre-releases or yanked
//!   files: that choice belongs to whoever reviews the spec;
//! - a version that a previous lock pinned is tried first, so re-locking
//!   changes only what it must;
//! - constraints narrow every edge into the package they name, and add no
//!   package of their own;
//! - markers are evaluated with the target's marker environment, never the
//!   host's; extras are separate nodes (`name[extra]`) that pin their base
//!   package to the same version;
//! - while an sdist's metadata is built, a wheel's of the same release
//!   stands in for it, and is checked against it afterwards (see
//!   [`StandIns`]): the lock is the one that waiting would give.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use envlock_index::CoreMetadata;
use envlock_pep::{
    ExtraName, MarkerEnvironment, Operator, PackageName, Requirement, Version, VersionSpecifiers,
};
use pubgrub::{
    Dependencies, DependencyConstraints, DependencyProvider, PackageResolutionStatistics, Ranges,
};

use crate::error::ResolveError;
use crate::inputs::{TargetInputs, VersionRange, requirement_specifiers};
use crate::project::{ChosenFile, FileChoice, Project, Unusable};
use crate::shared::{MetadataFailure, MetadataResult, SharedIndexes, Wanted};
use envlock_spec::PrereleasePolicy;

/// A node of the dependency graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Node {
    /// The spec's requirements.
    Root,
    /// A package.
    Package(PackageName),
    /// A package with one extra enabled.
    Extra(PackageName, ExtraName),
}

impl Node {
    pub fn name(&self) -> Option<&PackageName> {
        match self {
            Node::Root => None,
            Node::Package(name) | Node::Extra(name, _) => Some(name),
        }
    }
}

impl std::fmt::Display for Node {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Node::Root => write!(formatter, "the requirements"),
            Node::Package(name) => write!(formatter, "{name}"),
            Node::Extra(name, extra) => write!(formatter, "{name}[{extra}]"),
        }
    }
}

/// What the provider learnt while solving, used to build the lock.
#[derive(Default)]
pub(crate) struct Observations {
    /// Packages on which some specifier names a pre-release.
    pub explicit_prereleases: HashSet<PackageName>,
    /// Versions pinned exactly (`==V` without a wildcard, or `===V`): the
    /// only ones whose yanked files may be used (PEP 592).
    pub pinned: HashMap<PackageName, HashSet<Version>>,
    /// When each node was first seen (earlier first is decided first).
    pub discovery: HashMap<Node, usize>,
    /// The requirements of each chosen node that apply on this target.
    pub requirements: HashMap<(Node, Version), AppliedRequirements>,
    /// The file chosen for each chosen version.
    pub files: HashMap<(PackageName, Version), ChosenFile>,
    /// Releases whose sdist's metadata a wheel's stood in for (see
    /// [`StandIns`]); checked once the solver is done.
    pub stand_ins: Vec<StandIn>,
    /// Versions passed over. Why is worked out again, by
    /// [`TargetProvider::skipped_reasons`], only to explain a failure: a
    /// reason is a sentence, and most versions of a large project are
    /// passed over on some target of a matrix.
    pub skipped: HashMap<PackageName, BTreeSet<Version>>,
}

impl Observations {
    /// Drops what only the search needed: files and requirements of
    /// versions that were tried but not selected, and the versions passed
    /// over. What is left is what the lock is built from.
    pub fn keep_selected(&mut self, selected: &BTreeMap<Node, Version>) {
        self.files.retain(|(name, version), _| {
            selected.get(&Node::Package(name.clone())) == Some(version)
        });
        self.requirements
            .retain(|(node, version), _| selected.get(node) == Some(version));
        self.skipped = HashMap::new();
        self.files.shrink_to_fit();
        self.requirements.shrink_to_fit();
    }
}

/// The requirements of one node that apply on one target: positions in
/// the list they come from (the spec's, or the shared metadata's), not
/// copies. A lock of many targets holds one such list per target for
/// every node a solver tried, and most lists are the same on all targets.
#[derive(Clone)]
pub(crate) struct AppliedRequirements {
    from: RequirementList,
    positions: Box<[u32]>,
}

/// Where an [`AppliedRequirements`] points.
#[derive(Clone)]
enum RequirementList {
    /// An extra the metadata does not provide: nothing applies.
    Empty,
    /// The spec's requirements.
    Spec(Arc<TargetInputs>),
    /// A release's `Requires-Dist`.
    Metadata(Arc<CoreMetadata>),
}

impl AppliedRequirements {
    /// No requirements at all.
    fn none() -> Self {
        AppliedRequirements {
            from: RequirementList::Empty,
            positions: Box::default(),
        }
    }

    /// The requirements of `list` that `applies` accepts.
    fn select(list: RequirementList, applies: impl Fn(&Requirement) -> bool) -> Self {
        let positions = list
            .all()
            .iter()
            .enumerate()
            .filter(|(_, requirement)| applies(requirement))
            .filter_map(|(position, _)| u32::try_from(position).ok())
            .collect();
        AppliedRequirements {
            from: list,
            positions,
        }
    }

    /// The requirements that apply, in the order the list gives them.
    pub fn iter(&self) -> impl Iterator<Item = &Requirement> {
        let all = self.from.all();
        self.positions
            .iter()
            .filter_map(move |&position| all.get(position as usize))
    }
}

impl RequirementList {
    fn all(&self) -> &[Requirement] {
        match self {
            RequirementList::Empty => &[],
            RequirementList::Spec(inputs) => &inputs.requirements,
            RequirementList::Metadata(metadata) => &metadata.requires_dist,
        }
    }
}

pub(crate) struct TargetProvider {
    pub shared: Arc<SharedIndexes>,
    pub inputs: Arc<TargetInputs>,
    pub observed: RefCell<Observations>,
    stand_ins: StandIns,
    /// Where each sdist whose metadata the solve reads is told, so that its
    /// build requirements can be locked while the solve goes on.
    sdists_read: Option<std::sync::mpsc::Sender<SdistRead>>,
}

/// An sdist a solve read the metadata of: its package, version and file.
pub(crate) type SdistRead = (PackageName, Version, Arc<envlock_index::IndexFile>);

/// Whether a solver may go on with a wheel's metadata while the sdist it
/// chose is built.
///
/// Building an sdist's metadata runs a Python build backend: about a
/// second, where reading a wheel's takes milliseconds. A target that must
/// build (no wheel of the release fits it: musllinux, say) would wait for
/// the build, and finish long after the others. The wheels of a release
/// nearly always declare what its sdist does, so the solver goes on with a
/// wheel's metadata while the build runs. Once solved, every stand-in is
/// checked against the sdist's own metadata; if one differs in anything
/// this solve read from it (the version, and the requirements that apply
/// on this target to the node it was read for, in order), or the build
/// fails, the target is solved again without stand-ins. Either way the lock
/// is the one a solve that waited gives. Only what was read counts: the
/// wheels of a release may differ among themselves in what no target
/// reads (psutil's Windows wheels add `pywin32` and `wmi` to its `dev`
/// extra), and checking more than was read solved five of the 25 matrix
/// targets again for nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StandIns {
    /// Stand in, and check afterwards.
    Allowed,
    /// Wait for every sdist's own metadata.
    Refused,
}

/// A release whose sdist's metadata a wheel's stood in for.
pub(crate) struct StandIn {
    name: PackageName,
    sdist: Arc<envlock_index::IndexFile>,
    used: Arc<CoreMetadata>,
    /// The extra of the node it was read for (`None`: the package itself).
    extra: Option<ExtraName>,
}

/// Whether a solve reading `built` for `extra` (`None`: the package
/// itself) on a target of `markers` reads what it read from `used`.
fn reads_alike(
    used: &CoreMetadata,
    built: &CoreMetadata,
    markers: &MarkerEnvironment,
    extra: Option<&ExtraName>,
) -> bool {
    fn applying<'m>(
        metadata: &'m CoreMetadata,
        markers: &MarkerEnvironment,
        extra: Option<&ExtraName>,
    ) -> Vec<&'m Requirement> {
        let provided = extra.is_none_or(|extra| metadata.provides_extra.contains(extra));
        metadata
            .requires_dist
            .iter()
            .filter(|requirement| provided && applies(requirement, markers, extra))
            .collect()
    }
    used.name == built.name
        && used.version == built.version
        && applying(used, markers, extra) == applying(built, markers, extra)
}

/// Whether a requirement of a package's metadata applies to its node for
/// `extra` on a target of `markers`: the package's own (no extra), or what
/// the extra adds (an extra node carries only that).
fn applies(
    requirement: &Requirement,
    markers: &MarkerEnvironment,
    extra: Option<&ExtraName>,
) -> bool {
    let extras: Vec<ExtraName> = extra.cloned().into_iter().collect();
    requirement.marker.evaluate(markers, &extras)
        && (extra.is_none() || !requirement.marker.evaluate(markers, &[]))
}

/// The version pubgrub's root is decided at.
pub(crate) fn root_version() -> Version {
    Version::new([0])
}

impl TargetProvider {
    /// A provider for one solve of `inputs`, with the user's own
    /// specifiers noted (they decide pre-releases and yanked pins).
    pub fn new(
        shared: Arc<SharedIndexes>,
        inputs: Arc<TargetInputs>,
        stand_ins: StandIns,
    ) -> TargetProvider {
        let provider = TargetProvider {
            shared,
            inputs,
            observed: Default::default(),
            stand_ins,
            sdists_read: None,
        };
        for (name, specifiers) in &provider.inputs.user_constraint_specifiers {
            provider.note_specifiers(name, specifiers);
        }
        provider
    }

    /// Tells `sender` of every sdist whose metadata the solve reads.
    pub fn reporting_sdists_to(
        mut self,
        sender: Option<std::sync::mpsc::Sender<SdistRead>>,
    ) -> Self {
        self.sdists_read = sender;
        self
    }

    /// Tells no one of sdists from now on (the receiver's loop then ends).
    pub fn stop_reporting_sdists(&mut self) {
        self.sdists_read = None;
    }

    /// Whether every stand-in the solve used says what the sdist's own
    /// metadata says, waiting for the builds still running.
    pub fn stand_ins_hold(&self) -> bool {
        let markers = &self.inputs.markers;
        self.observed.borrow().stand_ins.iter().all(|stand_in| {
            self.shared
                .metadata(&stand_in.name, &stand_in.sdist)
                .is_ok_and(|built| {
                    reads_alike(&stand_in.used, &built, markers, stand_in.extra.as_ref())
                })
        })
    }

    /// The metadata to solve `file` with: its own, or, for an sdist whose
    /// metadata is not known yet, a wheel's of the same release (see
    /// [`StandIns`]).
    fn metadata_of(
        &self,
        name: &PackageName,
        version: &Version,
        file: &ChosenFile,
        extra: Option<&ExtraName>,
    ) -> MetadataResult {
        if let (ChosenFile::Sdist(sdist), StandIns::Allowed) = (file, self.stand_ins)
            && let Some(used) = self.shared.stand_in_metadata(name, version, sdist)
        {
            self.observed.borrow_mut().stand_ins.push(StandIn {
                name: name.clone(),
                sdist: Arc::clone(sdist),
                used: Arc::clone(&used),
                extra: extra.cloned(),
            });
            return Ok(used);
        }
        self.shared.metadata(name, file.file())
    }

    fn file_choice(&self, name: &PackageName, allow_yanked: bool) -> FileChoice<'_> {
        self.inputs.file_choice(name, allow_yanked)
    }

    fn project(&self, name: &PackageName) -> Result<Arc<Project>, ResolveError> {
        self.shared
            .project(name)
            .map_err(|source| ResolveError::Index {
                package: name.to_string(),
                source,
            })
    }

    fn prereleases_allowed(&self, name: &PackageName, project: &Project) -> bool {
        match self.inputs.prereleases {
            PrereleasePolicy::Allow => true,
            PrereleasePolicy::Disallow => false,
            PrereleasePolicy::IfNecessaryOrExplicit => {
                self.observed.borrow().explicit_prereleases.contains(name)
                    || project.releases.keys().all(Version::any_prerelease)
            }
        }
    }

    /// The best version of `name` in `range` that the target can install.
    fn choose(
        &self,
        name: &PackageName,
        range: &VersionRange,
    ) -> Result<Option<Version>, ResolveError> {
        let project = self.project(name)?;
        let allow_prereleases = self.prereleases_allowed(name, &project);
        let pinned = self
            .observed
            .borrow()
            .pinned
            .get(name)
            .cloned()
            .unwrap_or_default();
        let preferred = self
            .inputs
            .preferences
            .get(name)
            .filter(|version| range.contains(*version));
        let ordered = preferred.into_iter().chain(
            project
                .releases
                .keys()
                .rev()
                .filter(|version| Some(*version) != preferred),
        );
        for version in ordered {
            if !range.contains(version) {
                continue;
            }
            if version.any_prerelease() && !allow_prereleases {
                continue;
            }
            let Some(release) = project.releases.get(version) else {
                continue;
            };
            let allow_yanked = pinned.contains(version);
            match self.file_choice(name, allow_yanked).choose(release) {
                Ok(file) => {
                    self.observed
                        .borrow_mut()
                        .files
                        .insert((name.clone(), version.clone()), file);
                    return Ok(Some(version.clone()));
                }
                Err(_) => {
                    self.observed
                        .borrow_mut()
                        .skipped
                        .entry(name.clone())
                        .or_default()
                        .insert(version.clone());
                }
            }
        }
        Ok(None)
    }

    /// Why each version passed over was, newest first: the same question
    /// [`Self::choose`] asked, asked again.
    pub(crate) fn skipped_reasons(&self) -> HashMap<PackageName, Vec<(Version, Unusable)>> {
        let observed = self.observed.borrow();
        let mut reasons = HashMap::new();
        for (name, versions) in &observed.skipped {
            let Ok(project) = self.project(name) else {
                continue;
            };
            let pinned = observed.pinned.get(name);
            let passed_over: Vec<(Version, Unusable)> = versions
                .iter()
                .rev()
                .filter_map(|version| {
                    let release = project.releases.get(version)?;
                    let allow_yanked = pinned.is_some_and(|pins| pins.contains(version));
                    let reason = self.file_choice(name, allow_yanked).choose(release).err()?;
                    Some((version.clone(), reason))
                })
                .collect();
            reasons.insert(name.clone(), passed_over);
        }
        reasons
    }

    /// The requirements of `node` at `version` that apply on this target.
    fn requirements_of(
        &self,
        node: &Node,
        version: &Version,
    ) -> Result<Result<AppliedRequirements, String>, ResolveError> {
        let (name, extra) = match node {
            Node::Root => {
                let markers = &self.inputs.markers;
                let active = AppliedRequirements::select(
                    RequirementList::Spec(Arc::clone(&self.inputs)),
                    |requirement| requirement.marker.evaluate(markers, &[]),
                );
                return Ok(Ok(active));
            }
            Node::Package(name) => (name, None),
            Node::Extra(name, extra) => (name, Some(extra)),
        };
        let file = self
            .observed
            .borrow()
            .files
            .get(&(name.clone(), version.clone()))
            .cloned();
        let Some(file) = file else {
            return Ok(Err(format!("envlock chose no file for {name} {version}")));
        };
        let metadata = match self.metadata_of(name, version, &file, extra) {
            Ok(metadata) => metadata,
            Err(MetadataFailure::Unusable(reason)) => return Ok(Err(reason)),
            Err(MetadataFailure::Index(source)) => {
                return Err(ResolveError::Index {
                    package: format!("{name} {version}"),
                    source,
                });
            }
        };
        if &metadata.version != version {
            return Ok(Err(format!(
                "its metadata says version {} but the file {} is version {version}",
                metadata.version,
                file.file().filename
            )));
        }
        if let (ChosenFile::Sdist(sdist), None) = (&file, extra) {
            self.shared.prefetch_build_requirements(
                Arc::clone(&self.inputs),
                name.clone(),
                Arc::clone(sdist),
            );
            if let Some(sender) = &self.sdists_read {
                // A receiver that is gone only means no one locks ahead.
                let _ = sender.send((name.clone(), version.clone(), Arc::clone(sdist)));
            }
        }
        if let Some(extra) = extra
            && !metadata.provides_extra.contains(extra)
        {
            // pip and uv warn and carry on; so do we, and the extra brings nothing.
            return Ok(Ok(AppliedRequirements::none()));
        }
        let markers = &self.inputs.markers;
        let active =
            AppliedRequirements::select(RequirementList::Metadata(metadata), |requirement| {
                applies(requirement, markers, extra)
            });
        Ok(Ok(active))
    }

    /// Remembers what a user's specifier says about pre-releases and exact pins.
    pub(crate) fn note_specifiers(&self, name: &PackageName, specifiers: &VersionSpecifiers) {
        let mut observed = self.observed.borrow_mut();
        for specifier in specifiers.iter() {
            if specifier.version().any_prerelease() {
                observed.explicit_prereleases.insert(name.clone());
            }
            if matches!(specifier.operator(), Operator::Equal | Operator::ExactEqual) {
                observed
                    .pinned
                    .entry(name.clone())
                    .or_default()
                    .insert(specifier.version().clone());
            }
        }
    }

    fn note_discovery(&self, node: &Node) {
        let mut observed = self.observed.borrow_mut();
        let next = observed.discovery.len();
        observed.discovery.entry(node.clone()).or_insert(next);
    }
}

impl DependencyProvider for TargetProvider {
    type P = Node;
    type V = Version;
    type VS = VersionRange;
    type M = String;
    type Priority = (u32, Reverse<usize>);
    type Err = ResolveError;

    fn prioritize(
        &self,
        node: &Node,
        _range: &VersionRange,
        statistics: &PackageResolutionStatistics,
    ) -> Self::Priority {
        let discovered = self
            .observed
            .borrow()
            .discovery
            .get(node)
            .copied()
            .unwrap_or(usize::MAX);
        if *node == Node::Root {
            return (u32::MAX, Reverse(0));
        }
        (statistics.conflict_count(), Reverse(discovered))
    }

    fn choose_version(
        &self,
        node: &Node,
        range: &VersionRange,
    ) -> Result<Option<Version>, ResolveError> {
        match node.name() {
            None => Ok(Some(root_version())),
            Some(name) => self.choose(name, range),
        }
    }

    fn get_dependencies(
        &self,
        node: &Node,
        version: &Version,
    ) -> Result<Dependencies<Node, VersionRange, String>, ResolveError> {
        let requirements = match self.requirements_of(node, version)? {
            Ok(requirements) => requirements,
            Err(reason) => return Ok(Dependencies::Unavailable(reason)),
        };
        // Edges in the order the metadata lists them (the discovery order
        // feeds priorities); a node named twice gets the intersection.
        let mut constraints: Vec<(Node, VersionRange)> = Vec::new();
        let mut add = |dependency: Node, range: VersionRange| match constraints
            .iter_mut()
            .find(|(existing, _)| *existing == dependency)
        {
            Some((_, existing_range)) => *existing_range = existing_range.intersection(&range),
            None => constraints.push((dependency, range)),
        };
        if let Node::Extra(name, _) = node {
            add(
                Node::Package(name.clone()),
                Ranges::singleton(version.clone()),
            );
        }
        let mut to_prefetch = Vec::new();
        for requirement in requirements.iter() {
            let range = self.inputs.range_of(requirement);
            // Only the user's own requirements opt a package into
            // pre-releases or a yanked pin (PEP 440 "explicitly requested by
            // the user", PEP 592); a dependency's metadata cannot.
            if *node == Node::Root {
                self.note_specifiers(&requirement.name, &requirement_specifiers(requirement));
            }
            let base = Node::Package(requirement.name.clone());
            // A package that requires itself (with or without extras) is
            // satisfied by the version being decided.
            let self_reference = node.name() == Some(&requirement.name);
            if !self_reference {
                self.note_discovery(&base);
                to_prefetch.push(Wanted {
                    name: requirement.name.clone(),
                    range: range.clone(),
                });
                add(base, range.clone());
            }
            for extra in &requirement.extras {
                let extra_node = Node::Extra(requirement.name.clone(), extra.clone());
                let extra_range = if self_reference {
                    Ranges::singleton(version.clone())
                } else {
                    range.clone()
                };
                self.note_discovery(&extra_node);
                add(extra_node, extra_range);
            }
        }
        self.observed
            .borrow_mut()
            .requirements
            .insert((node.clone(), version.clone()), requirements);
        self.shared.prefetch(Arc::clone(&self.inputs), to_prefetch);
        Ok(Dependencies::Available(
            constraints
                .into_iter()
                .collect::<DependencyConstraints<_, _>>(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use envlock_pep::{Platform, PythonVersion, Target};

    fn metadata(version: &str, fields: &str) -> CoreMetadata {
        let text = format!("Metadata-Version: 2.1\nName: demo\nVersion: {version}\n{fields}");
        envlock_index::parse_core_metadata(text.as_bytes(), "test").unwrap()
    }

    fn markers(platform: &str) -> MarkerEnvironment {
        let python = PythonVersion::parse("3.12").unwrap();
        let target = Target::new(python, Platform::parse(platform).unwrap()).unwrap();
        target.marker_environment().clone()
    }

    #[test]
    fn a_stand_in_holds_when_the_solve_read_the_same_from_the_build() {
        let (linux, windows) = (markers("manylinux_2_28_x86_64"), markers("win_amd64"));
        let (cli, dev) = (
            ExtraName::new("cli".to_owned()).unwrap(),
            ExtraName::new("dev".to_owned()).unwrap(),
        );
        let wheel = metadata(
            "1.0",
            "Provides-Extra: cli\nProvides-Extra: dev\nRequires-Dist: a>=1\n\
             Requires-Dist: rich; extra == 'cli'\nRequires-Dist: pytest; extra == 'dev'\n",
        );
        // Spelt otherwise, with a Windows-only requirement and one more in
        // an extra: alike to every solve that reads neither.
        let built = metadata(
            "1.0",
            "Provides-Extra: cli\nProvides-Extra: dev\nRequires-Dist: A >= 1\n\
             Requires-Dist: wmi ; sys_platform == \"win32\"\n\
             Requires-Dist: rich ; extra == \"cli\"\nRequires-Dist: pytest ; extra == \"dev\"\n\
             Requires-Dist: pywin32 ; extra == \"dev\"\n",
        );
        assert!(reads_alike(&wheel, &built, &linux, None));
        assert!(reads_alike(&wheel, &built, &linux, Some(&cli)));
        assert!(!reads_alike(&wheel, &built, &windows, None));
        assert!(!reads_alike(&wheel, &built, &linux, Some(&dev)));
        for differs in [
            // Another requirement; the same ones in another order.
            "Provides-Extra: cli\nRequires-Dist: a>=2\nRequires-Dist: rich; extra == 'cli'\n",
            "Provides-Extra: cli\nRequires-Dist: rich; extra == 'cli'\nRequires-Dist: b\nRequires-Dist: a>=1\n",
        ] {
            let wheel = metadata(
                "1.0",
                "Provides-Extra: cli\nRequires-Dist: a>=1\nRequires-Dist: b\nRequires-Dist: rich; extra == 'cli'\n",
            );
            assert!(
                !reads_alike(&wheel, &metadata("1.0", differs), &linux, None),
                "{differs}"
            );
        }
        let without_cli = metadata(
            "1.0",
            "Requires-Dist: a>=1\nRequires-Dist: rich; extra == 'cli'\n",
        );
        assert!(!reads_alike(&wheel, &without_cli, &linux, Some(&cli)));
        let other_version = metadata(
            "1.1",
            "Provides-Extra: cli\nProvides-Extra: dev\nRequires-Dist: a>=1\n\
             Requires-Dist: rich; extra == 'cli'\nRequires-Dist: pytest; extra == 'dev'\n",
        );
        assert!(!reads_alike(&wheel, &other_version, &linux, None));
    }
}
