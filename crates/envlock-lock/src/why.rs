//! Why a package is in a lock: every path from the requirements to it.
//!
//! [`why`] walks the `required-by` edges of the lock backwards, per target,
//! from the package to the root requirements, and keeps each edge's
//! specifier, extra and marker — so `why werkzeug` on a lock for 3.8 and
//! 3.12 shows the root requirement with its `python_version < '3.9'` gate on
//! 3.8 and the path through flask on both. It needs the lock only.
//!
//! Cycles are cut (a path never visits a package twice) and at most
//! [`MAX_PATHS`] paths are kept per target and version, shortest first; the
//! report says when some were left out.
//!
//! For a package no reported target installs, the report says which
//! requirements, constraints and locked dependencies name it, with their
//! markers and the targets (if any) on which those markers hold.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::str::FromStr as _;

use envlock_pep::{PackageName, Requirement, Version};
use serde::Serialize;
use thiserror::Error;

use crate::environment::{TargetEnvironmentError, marker_environment, written_marker};
use crate::model::{Lock, LockedPackage};

/// The most paths kept per target and package version.
pub const MAX_PATHS: usize = 20;

/// How many nodes a search may visit before it stops (a guard against
/// graphs with very many paths).
const MAX_VISITS: usize = 100_000;

/// Why a `why` question could not be answered.
#[derive(Debug, Error)]
pub enum WhyError {
    /// The package name is not a valid Python package name.
    #[error("`{name}` is not a valid package name: {message}")]
    InvalidName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// The target asked for is not in the lock.
    #[error("the lock has no target `{name}`; its targets are: {}", known.join(", "))]
    UnknownTarget {
        /// The name asked for.
        name: String,
        /// The lock's targets.
        known: Vec<String>,
    },
    /// A target's python or platform cannot be read.
    #[error(transparent)]
    Target(#[from] TargetEnvironmentError),
}

/// The answer to "why is this package in the lock?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhyReport {
    /// The normalised package name asked about.
    pub package: String,
    /// The name of the lock.
    pub lock: String,
    /// What the lock says.
    pub outcome: WhyOutcome,
}

/// Installed (with paths) or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum WhyOutcome {
    /// At least one reported target installs the package.
    Installed {
        /// Per reported target, in lock order.
        targets: Vec<TargetWhy>,
    },
    /// No reported target installs it.
    NotInstalled {
        /// The targets that were looked at.
        targets: Vec<String>,
        /// Other targets of the lock that do install it (only when a
        /// single target was asked for).
        installed_on: Vec<String>,
        /// Requirements, constraints and dependencies that name it.
        mentions: Vec<Mention>,
    },
}

/// The paths to the package on one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetWhy {
    /// The target's name.
    pub target: String,
    /// One entry per version the target installs (normally one); empty
    /// when the target does not install the package.
    pub versions: Vec<VersionWhy>,
}

/// The paths to one installed version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionWhy {
    /// The installed version.
    pub version: String,
    /// Paths from the requirements, shortest first.
    pub paths: Vec<WhyPath>,
    /// Whether more paths exist than were kept.
    pub capped: bool,
}

/// One path: edges from a root requirement down to the package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhyPath {
    /// The edges, root first.
    pub edges: Vec<WhyEdge>,
}

/// One edge of a path: `from` requires `to` with `specifier` and `marker`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhyEdge {
    /// The requiring package and version; `None` for the lock's own
    /// requirements.
    pub from: Option<(String, String)>,
    /// The required package.
    pub to: String,
    /// The version of `to` installed on the target.
    pub to_version: String,
    /// The extra of `from` this edge belongs to, if any.
    pub extra: Option<String>,
    /// The version specifier (empty for any version).
    pub specifier: String,
    /// The edge's marker, if any.
    pub marker: Option<String>,
}

/// Where a package that is not installed is named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mention {
    /// Who names it.
    pub source: MentionSource,
    /// The requirement as written.
    pub requirement: String,
    /// Its marker as written, if any.
    pub marker: Option<String>,
    /// The lock's targets on which the marker holds (every target when
    /// there is no marker). Extras are taken as not requested.
    pub holds_on: Vec<String>,
}

/// Who names a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum MentionSource {
    /// One of the lock's requirements.
    Requirement,
    /// One of the lock's constraints (which never add a package).
    Constraint,
    /// A dependency of a locked package.
    Dependency {
        /// The package.
        package: String,
        /// Its version.
        version: String,
    },
}

/// Answers why `package` is in `lock`, for every target or only `target`.
pub fn why(lock: &Lock, package: &str, target: Option<&str>) -> Result<WhyReport, WhyError> {
    let name = PackageName::from_str(package).map_err(|error| WhyError::InvalidName {
        name: package.to_owned(),
        message: error.to_string(),
    })?;
    let targets: Vec<String> = match target {
        Some(asked) => {
            if lock.target(asked).is_none() {
                return Err(WhyError::UnknownTarget {
                    name: asked.to_owned(),
                    known: lock
                        .targets
                        .iter()
                        .map(|target| target.name.clone())
                        .collect(),
                });
            }
            vec![asked.to_owned()]
        }
        None => lock
            .targets
            .iter()
            .map(|target| target.name.clone())
            .collect(),
    };
    let per_target: Vec<TargetWhy> = targets
        .iter()
        .map(|target| TargetWhy {
            target: target.clone(),
            versions: lock
                .packages_for(target)
                .filter(|candidate| candidate.name == name)
                .map(|installed| paths_to(lock, installed, target))
                .collect(),
        })
        .collect();
    let outcome = if per_target.iter().any(|target| !target.versions.is_empty()) {
        WhyOutcome::Installed {
            targets: per_target,
        }
    } else {
        let installed_on = lock
            .targets
            .iter()
            .filter(|target| {
                !targets.contains(&target.name)
                    && lock
                        .packages_for(&target.name)
                        .any(|candidate| candidate.name == name)
            })
            .map(|target| target.name.clone())
            .collect();
        WhyOutcome::NotInstalled {
            targets,
            installed_on,
            mentions: mentions(lock, name.as_ref())?,
        }
    };
    Ok(WhyReport {
        package: name.to_string(),
        lock: lock.name.clone(),
        outcome,
    })
}

fn find<'lock>(
    lock: &'lock Lock,
    name: &PackageName,
    version: &Version,
) -> Option<&'lock LockedPackage> {
    lock.packages
        .iter()
        .find(|package| package.name == *name && package.version == *version)
}

/// A depth-first walk up the `required-by` edges of one target, collecting
/// the paths that reach the spec's requirements.
struct PathSearch<'lock> {
    lock: &'lock Lock,
    target: &'lock str,
    found: Vec<Vec<WhyEdge>>,
    visits: usize,
    capped: bool,
}

impl<'lock> PathSearch<'lock> {
    /// `suffix` holds the edges from `node` down to the package, in
    /// reverse (nearest the package first).
    fn walk(
        &mut self,
        node: &'lock LockedPackage,
        suffix: &mut Vec<WhyEdge>,
        on_path: &mut BTreeSet<(&'lock PackageName, &'lock Version)>,
    ) {
        for edge in &node.required_by {
            if !edge.targets.contains(self.target) {
                continue;
            }
            // One path more than is kept tells that some were left out.
            if self.found.len() > MAX_PATHS || self.visits >= MAX_VISITS {
                self.capped = true;
                return;
            }
            self.visits += 1;
            let why_edge = WhyEdge {
                from: edge
                    .package_text()
                    .map(|(name, version)| (name.to_owned(), version)),
                to: node.name.to_string(),
                to_version: node.version.to_string(),
                extra: edge.extra.clone(),
                specifier: edge.specifier.clone(),
                marker: edge.marker.clone(),
            };
            match &edge.package {
                None => {
                    let mut path = suffix.clone();
                    path.push(why_edge);
                    path.reverse();
                    self.found.push(path);
                }
                Some((name, version)) => self.walk_up(name, version, why_edge, suffix, on_path),
            }
        }
    }

    /// Follows an edge from the locked package `name version`, unless that
    /// would close a cycle.
    fn walk_up(
        &mut self,
        name: &PackageName,
        version: &Version,
        why_edge: WhyEdge,
        suffix: &mut Vec<WhyEdge>,
        on_path: &mut BTreeSet<(&'lock PackageName, &'lock Version)>,
    ) {
        let Some(parent) = find(self.lock, name, version) else {
            // An edge from a package the lock does not have: nothing leads
            // further up.
            return;
        };
        let key = (&parent.name, &parent.version);
        if !on_path.insert(key) {
            return; // a cycle
        }
        suffix.push(why_edge);
        self.walk(parent, suffix, on_path);
        suffix.pop();
        on_path.remove(&key);
    }
}

/// Every path (up to [`MAX_PATHS`]) to `package` on `target`.
fn paths_to(lock: &Lock, package: &LockedPackage, target: &str) -> VersionWhy {
    let mut search = PathSearch {
        lock,
        target,
        found: Vec::new(),
        visits: 0,
        capped: false,
    };
    let mut on_path = BTreeSet::from([(&package.name, &package.version)]);
    search.walk(package, &mut Vec::new(), &mut on_path);
    let mut paths = search.found;
    // Shortest first; the walk order (lock order) breaks ties.
    paths.sort_by_key(Vec::len);
    let capped = search.capped || paths.len() > MAX_PATHS;
    paths.truncate(MAX_PATHS);
    VersionWhy {
        version: package.version.to_string(),
        paths: paths.into_iter().map(|edges| WhyPath { edges }).collect(),
        capped,
    }
}

fn mentions(lock: &Lock, name: &str) -> Result<Vec<Mention>, WhyError> {
    let environments = lock
        .targets
        .iter()
        .map(|target| Ok((target.name.clone(), marker_environment(target)?)))
        .collect::<Result<Vec<_>, TargetEnvironmentError>>()?;
    let mention = |source: MentionSource, text: &str| -> Option<Mention> {
        envlock_pep::check_requirement(text).ok()?;
        let requirement: Requirement = Requirement::from_str(text).ok()?;
        if requirement.name.as_ref() != name {
            return None;
        }
        let marker = if requirement.marker.is_true() {
            None
        } else {
            written_marker(text)
        };
        Some(Mention {
            source,
            requirement: text.to_owned(),
            marker,
            holds_on: environments
                .iter()
                .filter(|(_, environment)| requirement.marker.evaluate(environment, &[]))
                .map(|(target, _)| target.clone())
                .collect(),
        })
    };
    let mut found = Vec::new();
    found.extend(
        lock.requirements
            .iter()
            .filter_map(|text| mention(MentionSource::Requirement, text)),
    );
    found.extend(
        lock.constraints
            .iter()
            .filter_map(|text| mention(MentionSource::Constraint, text)),
    );
    for package in &lock.packages {
        found.extend(package.dependencies.iter().filter_map(|text| {
            mention(
                MentionSource::Dependency {
                    package: package.name.to_string(),
                    version: package.version.to_string(),
                },
                text,
            )
        }));
    }
    Ok(found)
}

/// The requirement an edge stands for, as a reader would write it:
/// `werkzeug>=2.3.7 ; python_version < '3.9'`.
fn edge_requirement(edge: &WhyEdge) -> String {
    let mut text = format!("{}{}", edge.to, edge.specifier);
    if let Some(extra) = &edge.extra {
        let _ = write!(text, " (extra `{extra}`)");
    }
    if let Some(marker) = &edge.marker {
        let _ = write!(text, " ; {marker}");
    }
    text
}

/// Renders a report as plain text.
pub fn render_why(report: &WhyReport) -> String {
    let mut out = String::new();
    match &report.outcome {
        WhyOutcome::Installed { targets } => {
            for target in targets {
                render_installed_target(&mut out, &report.package, target);
            }
        }
        WhyOutcome::NotInstalled {
            targets,
            installed_on,
            mentions,
        } => render_not_installed(&mut out, report, targets, installed_on, mentions),
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// One target of an installed package: each version with its paths.
fn render_installed_target(out: &mut String, package: &str, target: &TargetWhy) {
    if target.versions.is_empty() {
        let _ = writeln!(out, "{}: does not install {package}\n", target.target);
        return;
    }
    for version in &target.versions {
        let _ = writeln!(
            out,
            "{}: {package} {}, {}{}",
            target.target,
            version.version,
            match version.paths.len() {
                1 => "1 path".to_owned(),
                count => format!("{count} paths"),
            },
            if version.capped {
                format!(" (only the first {MAX_PATHS} are shown)")
            } else {
                String::new()
            }
        );
        for (number, path) in version.paths.iter().enumerate() {
            render_path(out, number + 1, path);
        }
        out.push('\n');
    }
}

/// One numbered path from the requirements to the package, its nodes
/// aligned.
fn render_path(out: &mut String, number: usize, path: &WhyPath) {
    let _ = writeln!(out, "  {number}. requirements");
    let width = path
        .edges
        .iter()
        .map(|edge| edge.to.len() + edge.to_version.len() + 1)
        .max()
        .unwrap_or(0);
    for edge in &path.edges {
        let node = format!("{} {}", edge.to, edge.to_version);
        let _ = writeln!(out, "       -> {node:<width$}  {}", edge_requirement(edge));
    }
}

/// A package no considered target installs: where it is installed, and
/// what each mention of it says.
fn render_not_installed(
    out: &mut String,
    report: &WhyReport,
    targets: &[String],
    installed_on: &[String],
    mentions: &[Mention],
) {
    let _ = writeln!(
        out,
        "{} is not installed on {} (lock `{}`).",
        report.package,
        match targets {
            [one] => format!("target {one}"),
            _ => "any target".to_owned(),
        },
        report.lock
    );
    if !installed_on.is_empty() {
        let _ = writeln!(out, "It is installed on: {}.", installed_on.join(", "));
    }
    if mentions.is_empty() {
        let _ = writeln!(
            out,
            "No requirement, constraint or locked dependency names it."
        );
    }
    for mention in mentions {
        let who = match &mention.source {
            MentionSource::Requirement => "The requirement".to_owned(),
            MentionSource::Constraint => "The constraint".to_owned(),
            MentionSource::Dependency { package, version } => {
                format!("{package} {version} requires")
            }
        };
        let verdict = mention_verdict(mention, targets);
        let _ = writeln!(out, "{who} `{}`: {verdict}.", mention.requirement);
    }
    out.push('\n');
}

/// Why a mention of the package did not install it on `targets`.
fn mention_verdict(mention: &Mention, targets: &[String]) -> String {
    let considered: Vec<&String> = mention
        .holds_on
        .iter()
        .filter(|target| targets.contains(target))
        .collect();
    let verdict = match (&mention.marker, considered.is_empty()) {
        (Some(marker), true) => format!(
            "its marker `{marker}` is false on every target ({}), so none installs it",
            targets.join(", ")
        ),
        (Some(marker), false) => format!(
            "its marker `{marker}` holds on {}, yet the package is not locked there: the lock may be stale (run `envlock lock`)",
            join(&considered)
        ),
        (None, _) if matches!(mention.source, MentionSource::Constraint) => {
            "constraints limit versions but never add a package".to_owned()
        }
        (None, _) => "it has no marker, yet the package is not locked: the lock may be stale (run `envlock lock`)".to_owned(),
    };
    if matches!(mention.source, MentionSource::Constraint) && mention.marker.is_some() {
        format!("{verdict}; constraints never add a package anyway")
    } else {
        verdict
    }
}

fn join(targets: &[&String]) -> String {
    targets
        .iter()
        .map(|target| target.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
