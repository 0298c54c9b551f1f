//! What the resolver is asked for one target, as plain data shared by the
//! provider (which solves with it) and the shared index state (which
//! fetches ahead with it); kept apart so that neither imports the other.

use std::collections::{HashMap, HashSet};

use envlock_pep::{
    MarkerEnvironment, PackageName, Requirement, Version, VersionSpecifiers, specifiers_to_ranges,
};
use envlock_spec::PrereleasePolicy;
use pubgrub::Ranges;

use crate::project::{BinaryPolicy, ChosenFile, FileChoice, Project};

pub(crate) type VersionRange = Ranges<Version>;

/// What the resolver was asked, for one target.
pub(crate) struct TargetInputs {
    /// The target's position among the request's targets (see `Keep`).
    pub target_index: usize,
    pub markers: MarkerEnvironment,
    pub python: Version,
    pub requirements: Vec<Requirement>,
    pub constraints: HashMap<PackageName, VersionRange>,
    pub prereleases: PrereleasePolicy,
    pub only_binary: HashSet<PackageName>,
    pub only_binary_all: bool,
    pub no_binary: HashSet<PackageName>,
    pub no_binary_all: bool,
    pub exclude_newer: Option<jiff::Timestamp>,
    pub preferences: HashMap<PackageName, Version>,
    /// The spec's constraints, which opt into pre-releases and yanked pins
    /// like its requirements do.
    pub user_constraint_specifiers: Vec<(PackageName, VersionSpecifiers)>,
}

impl TargetInputs {
    fn binary_policy(&self, name: &PackageName) -> BinaryPolicy {
        if self.no_binary.contains(name) || (self.no_binary_all && !self.only_binary.contains(name))
        {
            BinaryPolicy::NoBinary
        } else if self.only_binary.contains(name) || self.only_binary_all {
            BinaryPolicy::OnlyBinary
        } else {
            BinaryPolicy::Either
        }
    }

    /// The versions `requirement` allows here: its specifiers, narrowed by
    /// the spec's constraint on the same package.
    pub(crate) fn range_of(&self, requirement: &Requirement) -> VersionRange {
        let specifiers = requirement_specifiers(requirement);
        let mut range = specifiers_to_ranges(&specifiers);
        if let Some(constraint) = self.constraints.get(&requirement.name) {
            range = range.intersection(constraint);
        }
        range
    }

    /// How this target picks a file of a release of `name`.
    pub(crate) fn file_choice(&self, name: &PackageName, allow_yanked: bool) -> FileChoice<'_> {
        FileChoice {
            target: self.target_index,
            python: &self.python,
            binary: self.binary_policy(name),
            exclude_newer: self.exclude_newer,
            allow_yanked,
        }
    }

    /// The file the solver will most likely want metadata for next: that of
    /// the preferred or highest final release in `range` this target can
    /// install. Used only to fetch ahead; the solver decides for itself.
    pub(crate) fn likely_file(
        &self,
        name: &PackageName,
        project: &Project,
        range: &VersionRange,
    ) -> Option<ChosenFile> {
        let preferred = self
            .preferences
            .get(name)
            .filter(|version| range.contains(*version));
        let candidates = preferred.into_iter().chain(
            project
                .releases
                .keys()
                .rev()
                .filter(|version| range.contains(*version) && !version.any_prerelease()),
        );
        let choice = self.file_choice(name, false);
        // No cap on the releases looked at: with `exclude-newer` in the past,
        // the newest dozens of releases of a busy project have no file this
        // target may use, and a guess that stopped at the first few would
        // leave the solver to fetch every such package itself, one at a time.
        // Looking is cheap (the kept wheels' priorities for this target).
        candidates
            .filter_map(|version| project.releases.get(version))
            .find_map(|release| choice.choose(release).ok())
    }
}

/// The version specifiers of a requirement (empty for "any version").
pub(crate) fn requirement_specifiers(requirement: &Requirement) -> VersionSpecifiers {
    match &requirement.version_or_url {
        Some(pep508_rs::VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.clone(),
        _ => VersionSpecifiers::empty(),
    }
}

/// What a test target is asked.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::project::fixtures::CUTOFF;

    /// cp313 on manylinux x86_64, the second of the project fixture's
    /// targets, with nothing asked of it yet.
    pub(crate) fn inputs() -> TargetInputs {
        let target = envlock_pep::Target::new(
            envlock_pep::PythonVersion::parse("3.13").unwrap(),
            envlock_pep::Platform::parse("manylinux_2_28_x86_64").unwrap(),
        )
        .unwrap();
        TargetInputs {
            target_index: 1,
            markers: target.marker_environment().clone(),
            python: target.python().full_version(),
            requirements: Vec::new(),
            constraints: HashMap::new(),
            prereleases: PrereleasePolicy::IfNecessaryOrExplicit,
            only_binary: HashSet::new(),
            only_binary_all: false,
            no_binary: HashSet::new(),
            no_binary_all: false,
            exclude_newer: Some(CUTOFF.parse().unwrap()),
            preferences: HashMap::new(),
            user_constraint_specifiers: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::inputs;
    use super::*;
    use crate::project::fixtures::{file, project};

    #[test]
    fn the_likely_file_is_found_below_many_releases_after_the_cutoff() {
        // A busy project: a dozen releases uploaded after `exclude-newer`,
        // none of them usable, above the one the solver will pick.
        let mut files = vec![file(
            "demo-1.0-cp313-cp313-manylinux_2_28_x86_64.whl",
            "2025-01-01T00:00:00Z",
        )];
        for minor in 1..=12 {
            files.push(file(
                &format!("demo-1.{minor}-cp313-cp313-manylinux_2_28_x86_64.whl"),
                "2026-01-01T00:00:00Z",
            ));
        }
        let project = project(files);
        let likely = inputs().likely_file(&"demo".parse().unwrap(), &project, &Ranges::full());
        assert_eq!(
            likely.map(|chosen| chosen.file().filename.clone()),
            Some("demo-1.0-cp313-cp313-manylinux_2_28_x86_64.whl".to_owned())
        );
    }
}
