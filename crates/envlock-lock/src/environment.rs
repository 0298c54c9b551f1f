//! What the exports and `why` need to know about a locked target: its PEP 508
//! marker environment, and markers that pick out a set of targets.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use envlock_pep::{MarkerEnvironment, Target};

use crate::model::LockedTarget;

/// A locked target whose python or platform envlock cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("target `{target}` of the lock: {message}")]
pub struct TargetEnvironmentError {
    /// The target's name.
    pub target: String,
    /// What is wrong with it.
    pub message: String,
}

/// The PEP 508 marker environment of a locked target.
pub(crate) fn marker_environment(
    target: &LockedTarget,
) -> Result<MarkerEnvironment, TargetEnvironmentError> {
    let error = |message: String| TargetEnvironmentError {
        target: target.name.clone(),
        message,
    };
    let built = Target::new(target.python, target.platform.clone())
        .map_err(|source| error(source.to_string()))?;
    Ok(built.marker_environment().clone())
}

/// The marker values that tell targets apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TargetFacts {
    pub(crate) name: String,
    python_version: String,
    python_full_version: String,
    sys_platform: String,
    platform_machine: String,
}

impl TargetFacts {
    pub(crate) fn of(target: &LockedTarget) -> Result<TargetFacts, TargetEnvironmentError> {
        let environment = marker_environment(target)?;
        Ok(TargetFacts {
            name: target.name.clone(),
            python_version: environment.python_version().to_string(),
            python_full_version: environment.python_full_version().to_string(),
            sys_platform: environment.sys_platform().to_owned(),
            platform_machine: environment.platform_machine().to_owned(),
        })
    }

    /// A marker that holds on this target: its Python minor version, OS
    /// and machine. The patch version is left out on purpose: a lock for
    /// `3.10` (or `3.10.14`) serves any 3.10 interpreter.
    pub(crate) fn full_marker(&self) -> String {
        format!(
            "python_version == '{}' and sys_platform == '{}' and platform_machine == '{}'",
            self.python_version, self.sys_platform, self.platform_machine
        )
    }
}

/// Two chosen targets that no PEP 508 marker tells apart (for example
/// `manylinux` and `musllinux` on the same Python and machine), where one
/// installs something the other does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Indistinguishable {
    pub(crate) selected: String,
    pub(crate) other: String,
}

/// Which marker variables differ among the chosen targets: only those are
/// written, so markers stay short (`python_version == '3.8'` when every
/// target is Linux x86_64).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Discriminator {
    python: bool,
    full_version: bool,
    sys_platform: bool,
    machine: bool,
}

impl Discriminator {
    pub(crate) fn new(chosen: &[TargetFacts]) -> Discriminator {
        let varies = |field: &dyn Fn(&TargetFacts) -> &str| {
            chosen.iter().map(field).collect::<BTreeSet<&str>>().len() > 1
        };
        // The full version is needed only when two targets share a minor
        // version but pin different patches.
        let full_version = chosen.iter().any(|a| {
            chosen.iter().any(|b| {
                a.python_version == b.python_version
                    && a.python_full_version != b.python_full_version
            })
        });
        Discriminator {
            python: varies(&|facts| &facts.python_version),
            full_version,
            sys_platform: varies(&|facts| &facts.sys_platform),
            machine: varies(&|facts| &facts.platform_machine),
        }
    }

    fn clauses(&self, facts: &TargetFacts) -> Vec<String> {
        let mut clauses = Vec::new();
        if self.full_version {
            clauses.push(format!(
                "python_full_version == '{}'",
                facts.python_full_version
            ));
        } else if self.python {
            clauses.push(format!("python_version == '{}'", facts.python_version));
        }
        if self.sys_platform {
            clauses.push(format!("sys_platform == '{}'", facts.sys_platform));
        }
        if self.machine {
            clauses.push(format!("platform_machine == '{}'", facts.platform_machine));
        }
        clauses
    }

    /// A marker that holds on exactly the `selected` targets among `chosen`,
    /// or `None` when every chosen target is selected (no marker needed).
    pub(crate) fn selecting(
        &self,
        chosen: &[TargetFacts],
        selected: &BTreeSet<String>,
    ) -> Result<Option<String>, Indistinguishable> {
        if chosen.iter().all(|facts| selected.contains(&facts.name)) {
            return Ok(None);
        }
        let mut alternatives: Vec<Vec<String>> = Vec::new();
        for facts in chosen.iter().filter(|facts| selected.contains(&facts.name)) {
            let clauses = self.clauses(facts);
            if let Some(other) = chosen
                .iter()
                .find(|other| !selected.contains(&other.name) && self.clauses(other) == clauses)
            {
                return Err(Indistinguishable {
                    selected: facts.name.clone(),
                    other: other.name.clone(),
                });
            }
            if !alternatives.contains(&clauses) {
                alternatives.push(clauses);
            }
        }
        let mut marker = String::new();
        let parenthesise = alternatives.len() > 1;
        for (position, clauses) in alternatives.iter().enumerate() {
            if position > 0 {
                marker.push_str(" or ");
            }
            if parenthesise && clauses.len() > 1 {
                let _ = write!(marker, "({})", clauses.join(" and "));
            } else {
                marker.push_str(&clauses.join(" and "));
            }
        }
        Ok(Some(marker))
    }
}

/// The marker of a PEP 508 requirement string as written (after the `;`),
/// so that reports quote the user's spelling rather than a normalised one.
pub(crate) fn written_marker(requirement: &str) -> Option<String> {
    let (_, marker) = requirement.rsplit_once(';')?;
    let marker = marker.trim();
    (!marker.is_empty()).then(|| marker.to_owned())
}
