//! A project's files grouped into releases, and which file of a release a
//! target would install.

use std::collections::BTreeMap;

use envlock_index::IndexFile;
use envlock_pep::{
    PackageName, SourceDistFilename, Tags, Version, VersionSpecifiers, WheelFilename,
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
    /// Wheels, with their parsed names.
    pub wheels: Vec<KeptWheel>,
    /// The source distribution, if there is one (the first seen when an index
    /// lists several formats).
    pub sdist: Option<IndexFile>,
    /// Platform tags of wheels no declared target can install: they are not
    /// kept (a large project lists thousands), only named in explanations.
    pub other_platforms: std::collections::BTreeSet<String>,
}

/// A wheel some target could choose, with its tag priority for each target
/// (in the order of [`Keep::targets`]; `None` where the target cannot install
/// it), computed once so that the parsed file name need not be kept.
#[derive(Debug)]
pub(crate) struct KeptWheel {
    pub file: IndexFile,
    pub priorities: Box<[Option<usize>]>,
}

/// Which file a target installs for a release.
#[derive(Debug, Clone)]
pub(crate) enum ChosenFile {
    /// The best-ranked compatible wheel.
    Wheel(IndexFile),
    /// No wheel fits; the sdist will be built on the target.
    Sdist(IndexFile),
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
    /// the rest of a resolution. Files whose names do not parse are skipped:
    /// indexes carry odd legacy files (`.exe`, `.egg`, …).
    pub fn from_files(
        name: &PackageName,
        index_name: &str,
        files: &[IndexFile],
        keep: &Keep,
    ) -> Project {
        let mut wheels: BTreeMap<Version, Vec<(WheelFilename, &IndexFile)>> = BTreeMap::new();
        let mut releases: BTreeMap<Version, Release> = BTreeMap::new();
        for file in files {
            let kind = file.kind();
            if kind == envlock_pep::DistKind::Wheel {
                let Ok(wheel) = WheelFilename::parse(&file.filename) else {
                    continue;
                };
                if wheel.name() != name {
                    continue;
                }
                let release = releases.entry(wheel.version().clone()).or_default();
                if keep
                    .targets
                    .iter()
                    .any(|target| target.tags.wheel_priority(&wheel).is_some())
                {
                    wheels
                        .entry(wheel.version().clone())
                        .or_default()
                        .push((wheel, file));
                } else {
                    release
                        .other_platforms
                        .extend(wheel.platform_tags().iter().cloned());
                }
            } else if kind == envlock_pep::DistKind::Sdist
                && let Ok(sdist) = SourceDistFilename::parse(&file.filename, name)
            {
                let release = releases.entry(sdist.version().clone()).or_default();
                // Indexes may list several sdist formats; the first is kept
                // (PEP 625 names `.tar.gz` the standard one and it comes first
                // in practice).
                if release.sdist.is_none() {
                    release.sdist = Some(file.clone());
                }
            }
        }
        for (version, candidates) in wheels {
            keep_wheels(releases.entry(version).or_default(), &candidates, keep);
        }
        Project {
            index_name: index_name.to_owned(),
            releases,
            ignored: Vec::new(),
        }
    }
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

fn too_new(file: &IndexFile, exclude_newer: Option<jiff::Timestamp>) -> bool {
    matches!((exclude_newer, upload_time(file)), (Some(cutoff), Some(uploaded)) if uploaded > cutoff)
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
        let mut saw_unyanked = false;
        let mut saw_old_enough = false;
        let mut requires_python: Option<String> = None;
        let mut acceptable = |file: &IndexFile| -> bool {
            if file.yanked.is_some() && !self.allow_yanked {
                return false;
            }
            saw_unyanked = true;
            if let (Some(cutoff), Some(uploaded)) = (self.exclude_newer, upload_time(file))
                && uploaded > cutoff
            {
                return false;
            }
            saw_old_enough = true;
            if let Some(specifiers) = &file.requires_python
                && !python_satisfies(specifiers, self.python)
            {
                requires_python = Some(specifiers.to_string());
                return false;
            }
            true
        };
        let mut best: Option<(usize, &IndexFile)> = None;
        if self.binary != BinaryPolicy::NoBinary {
            for KeptWheel { file, priorities } in &release.wheels {
                let Some(priority) = priorities.get(self.target).copied().flatten() else {
                    continue;
                };
                if !acceptable(file) {
                    continue;
                }
                if best.is_none_or(|(best_priority, _)| priority < best_priority) {
                    best = Some((priority, file));
                }
            }
        }
        if let Some((_, file)) = best {
            return Ok(ChosenFile::Wheel(file.clone()));
        }
        if self.binary != BinaryPolicy::OnlyBinary
            && let Some(sdist) = &release.sdist
            && acceptable(sdist)
        {
            return Ok(ChosenFile::Sdist(sdist.clone()));
        }
        if let Some(specifier) = requires_python {
            return Err(Unusable::RequiresPython(specifier));
        }
        let any_files = !release.wheels.is_empty()
            || release.sdist.is_some()
            || !release.other_platforms.is_empty();
        if any_files && !saw_unyanked {
            return Err(Unusable::Yanked);
        }
        if any_files && saw_unyanked && !saw_old_enough {
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
            .chain(release.other_platforms.iter().cloned())
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

fn upload_time(file: &IndexFile) -> Option<jiff::Timestamp> {
    file.upload_time
        .as_deref()
        .and_then(|text| text.parse().ok())
}

/// Keeps, of one version's wheels, those some target could choose, and
/// drops the sdist when every target has a wheel (unless sdists are always
/// wanted).
fn keep_wheels(release: &mut Release, candidates: &[(WheelFilename, &IndexFile)], keep: &Keep) {
    let mut chosen: Vec<usize> = Vec::new();
    let mut every_target_has_a_wheel = true;
    for target in &keep.targets {
        let (positions, has_wheel) = best_wheels(candidates, target, keep);
        every_target_has_a_wheel &= has_wheel;
        chosen.extend(positions);
    }
    chosen.sort_unstable();
    chosen.dedup();
    release.wheels = chosen
        .into_iter()
        .filter_map(|position| candidates.get(position))
        .map(|(wheel, file)| KeptWheel {
            file: (*file).clone(),
            priorities: keep
                .targets
                .iter()
                .map(|target| target.tags.wheel_priority(wheel))
                .collect(),
        })
        .collect();
    if every_target_has_a_wheel && !keep.sdists_always {
        release.sdist = None;
    }
}

/// The positions of the wheels one target might pick: the best by tags
/// alone (to explain a rejection), the best usable one with yanked files
/// allowed (an `==` pin may take it), and the best usable unyanked one (the
/// usual choice); and whether that last one exists.
fn best_wheels(
    candidates: &[(WheelFilename, &IndexFile)],
    target: &KeepTarget,
    keep: &Keep,
) -> (Vec<usize>, bool) {
    let best = |accept: &dyn Fn(&IndexFile) -> bool| {
        candidates
            .iter()
            .enumerate()
            .filter(|(_, (_, file))| accept(file))
            .filter_map(|(position, (wheel, _))| {
                target
                    .tags
                    .wheel_priority(wheel)
                    .map(|priority| (priority, position))
            })
            .min()
            .map(|(_, position)| position)
    };
    let usable = |file: &IndexFile| {
        file.requires_python
            .as_ref()
            .is_none_or(|specifiers| python_satisfies(specifiers, &target.python))
            && !too_new(file, keep.exclude_newer)
    };
    let unyanked = best(&|file| usable(file) && file.yanked.is_none());
    let positions = [best(&|_| true), best(&usable), unyanked]
        .into_iter()
        .flatten()
        .collect();
    (positions, unyanked.is_some())
}
