//! What changed between two locks, for a reviewer.
//!
//! [`LockDiff::new`] compares two locks on their own (no network) and
//! records, in this order of importance:
//!
//! 1. **Changed hashes**: a file whose name and version are in both locks
//!    but whose sha256 differs. A published file never changes, so this
//!    means it was republished or tampered with; every renderer puts it
//!    first and loudly.
//! 2. Targets gained and lost (compared by name).
//! 3. Requirements and constraints added or removed.
//! 4. Per target present in both locks: packages added, removed, upgraded
//!    and downgraded (with the size of the step, by PEP 440), packages that
//!    kept their version but changed which files the target installs, and
//!    new sdists — files that will be *built* on the target.
//!
//! 5. Resources and carried interpreters added, removed or changed.
//!
//! Other differences (the inputs digest, `required-by` edges, index names)
//! are not reported: they do not change what gets installed.
//!
//! Three renderings: [`render_table`] (plain text for a terminal),
//! [`render_markdown`] (a pull-request comment) and [`render_json`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use envlock_pep::{PackageName, Version};
use serde::Serialize;

use crate::model::{Lock, LockedFile, LockedTarget};

/// Everything that differs between an old and a new lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct LockDiff {
    /// Files with the same name and package version in both locks but a
    /// different sha256 (republished or tampered artifacts).
    pub changed_hashes: Vec<ChangedHash>,
    /// Targets only the new lock has.
    pub targets_gained: Vec<TargetSummary>,
    /// Targets only the old lock has.
    pub targets_lost: Vec<TargetSummary>,
    /// Requirements only the new lock declares.
    pub requirements_added: Vec<String>,
    /// Requirements only the old lock declares.
    pub requirements_removed: Vec<String>,
    /// Constraints only the new lock declares.
    pub constraints_added: Vec<String>,
    /// Constraints only the old lock declares.
    pub constraints_removed: Vec<String>,
    /// Per target in both locks (new lock's order), the targets whose
    /// installed set changed.
    pub targets: Vec<TargetDiff>,
    /// Resources added, removed or changed (file, URL or hash), by name.
    pub resources: Vec<ResourceChange>,
    /// Carried interpreters added, removed or changed, by target.
    pub interpreters: Vec<crate::InterpreterChange>,
}

/// A resource that one lock has and the other has not, or has otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceChange {
    /// The resource's name.
    pub name: String,
    /// `file (sha256 …)` in the old lock; `None` when added.
    pub old: Option<String>,
    /// `file (sha256 …)` in the new lock; `None` when removed.
    pub new: Option<String>,
}

impl ResourceChange {
    fn label(&self) -> &'static str {
        match (&self.old, &self.new) {
            (None, _) => "resource added",
            (_, None) => "resource removed",
            _ => "resource changed",
        }
    }

    fn text(&self) -> String {
        match (&self.old, &self.new) {
            (Some(old), Some(new)) => format!("{old} -> {new}"),
            (Some(only), None) | (None, Some(only)) => only.clone(),
            (None, None) => String::new(),
        }
    }
}

fn resource_changes(old: &Lock, new: &Lock) -> Vec<ResourceChange> {
    let describe = |resource: &crate::LockedResource| {
        format!(
            "{} from {} (sha256 {})",
            resource.file, resource.url, resource.sha256
        )
    };
    let index = |lock: &'_ Lock| -> BTreeMap<String, String> {
        lock.resources
            .iter()
            .map(|resource| (resource.name.clone(), describe(resource)))
            .collect()
    };
    let (before, after) = (index(old), index(new));
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    names
        .into_iter()
        .filter(|name| before.get(*name) != after.get(*name))
        .map(|name| ResourceChange {
            name: name.clone(),
            old: before.get(name).cloned(),
            new: after.get(name).cloned(),
        })
        .collect()
}

/// A file whose content changed while its name and version did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedHash {
    /// The file name.
    pub file: String,
    /// The package it belongs to.
    pub package: String,
    /// The package version.
    pub version: String,
    /// The sha256 in the old lock.
    pub old_sha256: String,
    /// The sha256 in the new lock.
    pub new_sha256: String,
}

/// A target gained or lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetSummary {
    /// The target's name.
    pub name: String,
    /// Its Python version.
    pub python: String,
    /// Its platform.
    pub platform: String,
    /// How many package versions it installs (in the lock that has it).
    pub packages: usize,
    /// The sdists it installs (to be built on the target), for a gained
    /// target; empty for a lost one.
    pub sdists: Vec<SdistFile>,
}

/// How one target's installed set changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetDiff {
    /// The target's name.
    pub target: String,
    /// Packages the target did not install before.
    pub added: Vec<PackageVersion>,
    /// Packages the target no longer installs.
    pub removed: Vec<PackageVersion>,
    /// Packages whose version went up.
    pub upgraded: Vec<VersionChange>,
    /// Packages whose version went down.
    pub downgraded: Vec<VersionChange>,
    /// Packages that kept their version but whose files for this target
    /// changed (a different wheel, or an sdist instead of a wheel).
    pub files_changed: Vec<FilesChange>,
    /// Sdists the target installs now and did not before: they will be
    /// built on the target, which needs a compiler and build tools there.
    pub new_sdists: Vec<SdistFile>,
}

/// A package at one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageVersion {
    /// The package name.
    pub package: String,
    /// The version.
    pub version: String,
}

/// A package whose version changed on a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionChange {
    /// The package name.
    pub package: String,
    /// The version before.
    pub old: String,
    /// The version after.
    pub new: String,
    /// The size of the step.
    pub step: Step,
    /// Whether the new version is a pre-release (alpha, beta, rc or dev).
    pub new_is_prerelease: bool,
}

/// The size of a version change, by the first PEP 440 part that differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// The first release number (`1.x` → `2.x`).
    Major,
    /// The second release number (`1.2` → `1.3`).
    Minor,
    /// The third or a later release number (`1.2.3` → `1.2.4`).
    Patch,
    /// Same release, different pre-release or dev part (`2.0rc1` → `2.0`).
    PreRelease,
    /// Anything else: the epoch, a post-release or a local version.
    Other,
}

impl Step {
    /// Classifies the step from `old` to `new`.
    pub fn between(old: &Version, new: &Version) -> Step {
        if old.epoch() != new.epoch() {
            return Step::Other;
        }
        let (old_release, new_release) = (old.release(), new.release());
        let length = old_release.len().max(new_release.len());
        let part = |release: &[u64], index: usize| release.get(index).copied().unwrap_or(0);
        if let Some(index) =
            (0..length).find(|&index| part(old_release, index) != part(new_release, index))
        {
            return match index {
                0 => Step::Major,
                1 => Step::Minor,
                _ => Step::Patch,
            };
        }
        if old.pre() != new.pre() || old.dev() != new.dev() {
            return Step::PreRelease;
        }
        Step::Other
    }

    /// The step's name as the renderers write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Major => "major",
            Step::Minor => "minor",
            Step::Patch => "patch",
            Step::PreRelease => "pre-release",
            Step::Other => "other",
        }
    }
}

/// A package version whose files for a target changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilesChange {
    /// The package name.
    pub package: String,
    /// The (unchanged) version.
    pub version: String,
    /// Files the target no longer installs.
    pub removed: Vec<String>,
    /// Files the target installs now.
    pub added: Vec<String>,
}

/// An sdist a target installs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SdistFile {
    /// The package name.
    pub package: String,
    /// The version.
    pub version: String,
    /// The sdist's file name.
    pub file: String,
}

impl TargetDiff {
    /// Whether nothing changed on this target.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.upgraded.is_empty()
            && self.downgraded.is_empty()
            && self.files_changed.is_empty()
            && self.new_sdists.is_empty()
    }
}

/// Whether a file is an sdist.
fn is_sdist(file: &LockedFile) -> bool {
    file.is_sdist()
}

/// `version → files` of every package a target installs, by package name.
type Installed<'lock> = BTreeMap<&'lock PackageName, VersionFiles<'lock>>;

fn installed<'lock>(lock: &'lock Lock, target: &'lock str) -> Installed<'lock> {
    let mut installed: Installed<'lock> = BTreeMap::new();
    for package in lock.packages_for(target) {
        let files = package
            .files
            .iter()
            .filter(|file| file.targets.contains(target))
            .collect();
        installed
            .entry(&package.name)
            .or_default()
            .insert(&package.version, files);
    }
    installed
}

fn set_difference(new: &[String], old: &[String]) -> Vec<String> {
    let old: BTreeSet<&String> = old.iter().collect();
    let mut added: Vec<String> = new
        .iter()
        .filter(|item| !old.contains(item))
        .cloned()
        .collect();
    added.sort();
    added.dedup();
    added
}

impl LockDiff {
    /// Compares `old` with `new`.
    pub fn new(old: &Lock, new: &Lock) -> LockDiff {
        let mut diff = LockDiff {
            changed_hashes: changed_hashes(old, new),
            requirements_added: set_difference(&new.requirements, &old.requirements),
            requirements_removed: set_difference(&old.requirements, &new.requirements),
            constraints_added: set_difference(&new.constraints, &old.constraints),
            constraints_removed: set_difference(&old.constraints, &new.constraints),
            resources: resource_changes(old, new),
            interpreters: crate::interpreter::interpreter_changes(old, new),
            ..LockDiff::default()
        };
        let summary = |lock: &Lock, target: &LockedTarget, with_sdists: bool| TargetSummary {
            name: target.name.clone(),
            python: target.python.to_string(),
            platform: target.platform.to_string(),
            packages: lock.packages_for(&target.name).count(),
            sdists: if with_sdists {
                sdists_of(lock, &target.name)
            } else {
                Vec::new()
            },
        };
        for target in &new.targets {
            if old.target(&target.name).is_none() {
                diff.targets_gained.push(summary(new, target, true));
            }
        }
        for target in &old.targets {
            if new.target(&target.name).is_none() {
                diff.targets_lost.push(summary(old, target, false));
            }
        }
        for target in &new.targets {
            if old.target(&target.name).is_some() {
                let target_diff = diff_target(old, new, &target.name);
                if !target_diff.is_empty() {
                    diff.targets.push(target_diff);
                }
            }
        }
        diff
    }

    /// Whether the two locks install the same files from the same
    /// requirements on the same targets.
    pub fn is_empty(&self) -> bool {
        self.changed_hashes.is_empty()
            && self.targets_gained.is_empty()
            && self.targets_lost.is_empty()
            && self.requirements_added.is_empty()
            && self.requirements_removed.is_empty()
            && self.constraints_added.is_empty()
            && self.constraints_removed.is_empty()
            && self.resources.is_empty()
            && self.interpreters.is_empty()
            && self.targets.iter().all(TargetDiff::is_empty)
    }
}

fn changed_hashes(old: &Lock, new: &Lock) -> Vec<ChangedHash> {
    let old_files: BTreeMap<(&PackageName, &Version, &str), envlock_fs::Sha256> = old
        .packages
        .iter()
        .flat_map(|package| {
            package.files.iter().map(move |file| {
                (
                    (&package.name, &package.version, file.file_name()),
                    file.sha256,
                )
            })
        })
        .collect();
    let mut changed = Vec::new();
    for package in &new.packages {
        for file in &package.files {
            let key = (&package.name, &package.version, file.file_name());
            if let Some(old_sha256) = old_files.get(&key)
                && *old_sha256 != file.sha256
            {
                changed.push(ChangedHash {
                    file: file.file_name().to_owned(),
                    package: package.name.to_string(),
                    version: package.version.to_string(),
                    old_sha256: old_sha256.to_string(),
                    new_sha256: file.sha256.to_string(),
                });
            }
        }
    }
    changed.sort_by(|a, b| a.file.cmp(&b.file));
    changed
}

fn sdists_of(lock: &Lock, target: &str) -> Vec<SdistFile> {
    let mut sdists = Vec::new();
    for package in lock.packages_for(target) {
        for file in &package.files {
            if is_sdist(file) && file.targets.contains(target) {
                sdists.push(SdistFile {
                    package: package.name.to_string(),
                    version: package.version.to_string(),
                    file: file.file_name().to_owned(),
                });
            }
        }
    }
    sdists
}

fn diff_target(old: &Lock, new: &Lock, target: &str) -> TargetDiff {
    let before = installed(old, target);
    let after = installed(new, target);
    let mut diff = TargetDiff {
        target: target.to_owned(),
        added: Vec::new(),
        removed: Vec::new(),
        upgraded: Vec::new(),
        downgraded: Vec::new(),
        files_changed: Vec::new(),
        new_sdists: Vec::new(),
    };
    let names: BTreeSet<&PackageName> = before.keys().chain(after.keys()).copied().collect();
    let empty = BTreeMap::new();
    for name in names {
        let old_versions = before.get(name).unwrap_or(&empty);
        let new_versions = after.get(name).unwrap_or(&empty);
        let name = name.as_ref();
        diff_files(&mut diff, name, old_versions, new_versions);
        diff_versions(&mut diff, name, old_versions, new_versions);
        diff_sdists(&mut diff, name, old_versions, new_versions);
    }
    diff
}

/// The files of one package's versions, by version.
type VersionFiles<'lock> = BTreeMap<&'lock Version, Vec<&'lock LockedFile>>;

/// Versions in both locks: same version, maybe different files.
fn diff_files(diff: &mut TargetDiff, name: &str, old: &VersionFiles<'_>, new: &VersionFiles<'_>) {
    for (version, new_files) in new {
        if let Some(old_files) = old.get(version) {
            let names_of = |files: &Vec<&LockedFile>| -> BTreeSet<String> {
                files
                    .iter()
                    .map(|file| file.file_name().to_owned())
                    .collect()
            };
            let (old_names, new_names) = (names_of(old_files), names_of(new_files));
            if old_names != new_names {
                diff.files_changed.push(FilesChange {
                    package: name.to_owned(),
                    version: version.to_string(),
                    removed: old_names.difference(&new_names).cloned().collect(),
                    added: new_names.difference(&old_names).cloned().collect(),
                });
            }
        }
    }
}

/// Versions gone and come: one of each is an upgrade or a downgrade,
/// anything else is removals and additions.
fn diff_versions(
    diff: &mut TargetDiff,
    name: &str,
    old: &VersionFiles<'_>,
    new: &VersionFiles<'_>,
) {
    let package_version = |version: &Version| PackageVersion {
        package: name.to_owned(),
        version: version.to_string(),
    };
    let gone: Vec<&Version> = old
        .keys()
        .filter(|version| !new.contains_key(*version))
        .copied()
        .collect();
    let came: Vec<&Version> = new
        .keys()
        .filter(|version| !old.contains_key(*version))
        .copied()
        .collect();
    if let ([old_version], [new_version]) = (gone.as_slice(), came.as_slice()) {
        let change = VersionChange {
            package: name.to_owned(),
            old: old_version.to_string(),
            new: new_version.to_string(),
            step: Step::between(old_version, new_version),
            new_is_prerelease: new_version.any_prerelease(),
        };
        if new_version > old_version {
            diff.upgraded.push(change);
        } else {
            diff.downgraded.push(change);
        }
        return;
    }
    diff.removed
        .extend(gone.iter().map(|version| package_version(version)));
    diff.added
        .extend(came.iter().map(|version| package_version(version)));
}

/// Sdists a version installs now that it did not before.
fn diff_sdists(diff: &mut TargetDiff, name: &str, old: &VersionFiles<'_>, new: &VersionFiles<'_>) {
    for (version, new_files) in new {
        let old_files = old.get(version);
        for file in new_files.iter().filter(|file| is_sdist(file)) {
            let had_it =
                old_files.is_some_and(|files| files.iter().any(|old| old.name == file.name));
            if !had_it {
                diff.new_sdists.push(SdistFile {
                    package: name.to_owned(),
                    version: version.to_string(),
                    file: file.file_name().to_owned(),
                });
            }
        }
    }
}

// ---------------------------------------------------------------- renderers

/// Aligns rows into columns separated by two spaces (no trailing spaces).
fn columns(rows: &[Vec<String>], indent: &str) -> String {
    let count = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..count)
        .map(|column| {
            rows.iter()
                .filter_map(|row| row.get(column))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::from(indent);
        for (column, cell) in row.iter().enumerate() {
            if column > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            let pad = widths[column].saturating_sub(cell.chars().count());
            line.extend(std::iter::repeat_n(' ', pad));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// One row per change of a target, shared by the table and markdown.
fn change_rows(target: &TargetDiff) -> Vec<[String; 5]> {
    let mut rows = Vec::new();
    let step = |change: &VersionChange| {
        if change.new_is_prerelease && change.step != Step::PreRelease {
            format!("{} (to a pre-release)", change.step.as_str())
        } else {
            change.step.as_str().to_owned()
        }
    };
    for change in &target.upgraded {
        rows.push([
            "upgraded".to_owned(),
            change.package.clone(),
            change.old.clone(),
            change.new.clone(),
            step(change),
        ]);
    }
    for change in &target.downgraded {
        rows.push([
            "downgraded".to_owned(),
            change.package.clone(),
            change.old.clone(),
            change.new.clone(),
            step(change),
        ]);
    }
    for added in &target.added {
        rows.push([
            "added".to_owned(),
            added.package.clone(),
            String::new(),
            added.version.clone(),
            String::new(),
        ]);
    }
    for removed in &target.removed {
        rows.push([
            "removed".to_owned(),
            removed.package.clone(),
            removed.version.clone(),
            String::new(),
            String::new(),
        ]);
    }
    for change in &target.files_changed {
        let mut what = Vec::new();
        what.extend(change.removed.iter().map(|file| format!("-{file}")));
        what.extend(change.added.iter().map(|file| format!("+{file}")));
        rows.push([
            "files".to_owned(),
            change.package.clone(),
            change.version.clone(),
            change.version.clone(),
            what.join(" "),
        ]);
    }
    rows
}

fn hash_headline(count: usize) -> String {
    format!(
        "{} changed its sha256 while its name and version did not: republished or tampered with. Do not install before finding out why.",
        plural(count, "file", "files")
    )
}

/// Renders the diff as plain text for a terminal: aligned columns, no
/// colours, changed hashes first.
pub fn render_table(diff: &LockDiff) -> String {
    if diff.is_empty() {
        return "The locks are the same.\n".to_owned();
    }
    let mut out = String::new();
    table_changed_hashes(&mut out, &diff.changed_hashes);
    let general = general_rows(diff);
    if !general.is_empty() {
        out.push_str(&columns(&general, ""));
        out.push('\n');
    }
    for target in &diff.targets {
        table_target(&mut out, target);
    }
    // One trailing newline, not a blank line.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// The changed hashes first, loud: they are the one change that is never
/// expected.
fn table_changed_hashes(out: &mut String, changed_hashes: &[ChangedHash]) {
    if changed_hashes.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "!! CHANGED HASHES: {}",
        hash_headline(changed_hashes.len())
    );
    for changed in changed_hashes {
        let _ = writeln!(
            out,
            "!!   {} {}  {}",
            changed.package, changed.version, changed.file
        );
        let _ = writeln!(out, "!!     old sha256 {}", changed.old_sha256);
        let _ = writeln!(out, "!!     new sha256 {}", changed.new_sha256);
    }
    out.push('\n');
}

/// The rows of the changes that belong to no one target: targets gained and
/// lost, inputs, resources.
fn general_rows(diff: &LockDiff) -> Vec<Vec<String>> {
    let mut general = Vec::new();
    for gained in &diff.targets_gained {
        general.push(vec![
            "target gained".to_owned(),
            gained.name.clone(),
            format!(
                "python {}, {}, {}",
                gained.python,
                gained.platform,
                plural(gained.packages, "package", "packages")
            ),
        ]);
        for sdist in &gained.sdists {
            general.push(vec![
                String::new(),
                String::new(),
                format!(
                    "builds {} {} from {}",
                    sdist.package, sdist.version, sdist.file
                ),
            ]);
        }
    }
    for lost in &diff.targets_lost {
        general.push(vec![
            "target lost".to_owned(),
            lost.name.clone(),
            format!("python {}, {}", lost.python, lost.platform),
        ]);
    }
    let inputs = [
        ("requirement added", &diff.requirements_added),
        ("requirement removed", &diff.requirements_removed),
        ("constraint added", &diff.constraints_added),
        ("constraint removed", &diff.constraints_removed),
    ];
    for (label, items) in inputs {
        for item in items {
            general.push(vec![label.to_owned(), item.clone()]);
        }
    }
    for change in &diff.resources {
        general.push(vec![
            change.label().to_owned(),
            change.name.clone(),
            change.text(),
        ]);
    }
    for change in &diff.interpreters {
        general.push(vec![
            change.label().to_owned(),
            change.target.clone(),
            change.text(),
        ]);
    }
    general
}

/// One target's table of package changes and its new sdists.
fn table_target(out: &mut String, target: &TargetDiff) {
    let _ = writeln!(out, "{}", target.target);
    let mut rows: Vec<Vec<String>> = vec![
        ["change", "package", "old", "new", "step"]
            .map(str::to_owned)
            .to_vec(),
    ];
    rows.extend(change_rows(target).into_iter().map(Vec::from));
    if rows.len() > 1 {
        out.push_str(&columns(&rows, "  "));
    }
    for sdist in &target.new_sdists {
        let _ = writeln!(
            out,
            "  new sdist: {} {} will be built on the target from {}",
            sdist.package, sdist.version, sdist.file
        );
    }
    out.push('\n');
}

/// Escapes text for a markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn code(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!("`{}`", cell(text))
    }
}

/// Renders the diff as GitHub-flavoured markdown for a pull-request
/// comment; changed hashes come first, in a `[!WARNING]` alert.
pub fn render_markdown(diff: &LockDiff) -> String {
    let mut out = String::from("## Lock changes\n\n");
    if diff.is_empty() {
        out.push_str("The locks are the same.\n");
        return out;
    }
    markdown_changed_hashes(&mut out, &diff.changed_hashes);
    let bullets = general_bullets(diff);
    if !bullets.is_empty() {
        out.push_str(&bullets.join("\n"));
        out.push_str("\n\n");
    }
    for target in &diff.targets {
        markdown_target(&mut out, target);
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// The changed hashes as a warning block with a table.
fn markdown_changed_hashes(out: &mut String, changed_hashes: &[ChangedHash]) {
    if changed_hashes.is_empty() {
        return;
    }
    out.push_str("> [!WARNING]\n");
    let _ = writeln!(out, "> **{}**\n>", hash_headline(changed_hashes.len()));
    out.push_str("> | package | version | file | old sha256 | new sha256 |\n");
    out.push_str("> |---|---|---|---|---|\n");
    for changed in changed_hashes {
        let _ = writeln!(
            out,
            "> | {} | {} | {} | {} | {} |",
            cell(&changed.package),
            cell(&changed.version),
            code(&changed.file),
            code(&changed.old_sha256),
            code(&changed.new_sha256)
        );
    }
    out.push('\n');
}

/// One bullet per change that belongs to no one target.
fn general_bullets(diff: &LockDiff) -> Vec<String> {
    let mut bullets = Vec::new();
    for gained in &diff.targets_gained {
        let mut bullet = format!(
            "- Target gained: {} (Python {}, {}), {}",
            code(&gained.name),
            cell(&gained.python),
            code(&gained.platform),
            plural(gained.packages, "package", "packages")
        );
        if !gained.sdists.is_empty() {
            let files: Vec<String> = gained
                .sdists
                .iter()
                .map(|sdist| code(&sdist.file))
                .collect();
            let _ = write!(bullet, "; builds from source: {}", files.join(", "));
        }
        bullets.push(bullet);
    }
    for lost in &diff.targets_lost {
        bullets.push(format!(
            "- Target lost: {} (Python {}, {})",
            code(&lost.name),
            cell(&lost.python),
            code(&lost.platform)
        ));
    }
    let inputs = [
        ("Requirement added", &diff.requirements_added),
        ("Requirement removed", &diff.requirements_removed),
        ("Constraint added", &diff.constraints_added),
        ("Constraint removed", &diff.constraints_removed),
    ];
    for (label, items) in inputs {
        for item in items {
            bullets.push(format!("- {label}: {}", code(item)));
        }
    }
    for change in &diff.resources {
        let label = change.label();
        let mut capitalised = label[..1].to_ascii_uppercase();
        capitalised.push_str(&label[1..]);
        bullets.push(format!(
            "- {capitalised}: {} {}",
            code(&change.name),
            cell(&change.text())
        ));
    }
    for change in &diff.interpreters {
        let label = change.label();
        let mut capitalised = label[..1].to_ascii_uppercase();
        capitalised.push_str(&label[1..]);
        bullets.push(format!(
            "- {capitalised}: {} {}",
            code(&change.target),
            cell(&change.text())
        ));
    }
    bullets
}

/// One target's section: its table of package changes and its new sdists.
fn markdown_target(out: &mut String, target: &TargetDiff) {
    let _ = writeln!(out, "### {}\n", code(&target.target));
    let rows = change_rows(target);
    if !rows.is_empty() {
        out.push_str("| change | package | old | new | step |\n|---|---|---|---|---|\n");
        for row in rows {
            let cells: Vec<String> = row.iter().map(|text| cell(text)).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        out.push('\n');
    }
    if !target.new_sdists.is_empty() {
        out.push_str("> [!NOTE]\n> New sdists: built on the target, which needs a compiler and build tools there.\n>\n");
        for sdist in &target.new_sdists {
            let _ = writeln!(
                out,
                "> - {} {} from {}",
                cell(&sdist.package),
                cell(&sdist.version),
                code(&sdist.file)
            );
        }
        out.push('\n');
    }
}

/// Renders the diff as pretty JSON; keys come in the order of the structs'
/// fields, so the text is stable.
pub fn render_json(diff: &LockDiff) -> String {
    match serde_json::to_string_pretty(diff) {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        // These plain structs always serialize; keep the output JSON anyway.
        Err(error) => format!(
            "{{\"error\": {}}}\n",
            serde_json::Value::String(error.to_string())
        ),
    }
}
