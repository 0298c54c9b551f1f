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
        candidates
            .take(3)
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
