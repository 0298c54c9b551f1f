//! `envlock lock`: resolve the spec into a lock, for every target.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use envlock_lock::Lock;
use envlock_pep::PackageName;
use envlock_resolver::{LockRequest, ResourceRequest, SdistBuilder, Upgrade};
use envlock_spec::Spec;

use crate::cli::{GlobalOptions, LockArgs};
use crate::commands::indexes;
use crate::commands::progress::LockProgress;
use crate::diagnostics;

/// How many metadata fetches may run ahead of the solver; network-bound, so
/// sized for latency rather than for cores.
const PREFETCH_CONCURRENCY: usize = 16;

pub fn run(global: &GlobalOptions, args: &LockArgs) -> miette::Result<ExitCode> {
    let started = Instant::now();
    let spec = Spec::read(&args.path, &envlock_spec::process_environment)
        .map_err(diagnostics::spec_error)?;
    let targets = spec.targets().map_err(diagnostics::spec_error)?;
    for name in &args.target {
        if !targets.iter().any(|target| target.name() == name) {
            let known: Vec<&str> = targets.iter().map(|target| target.name()).collect();
            return Err(diagnostics::plain(
                format!("--target {name}: the spec declares no target of that name"),
                Some(format!("the targets are: {}", known.join(", "))),
            ));
        }
    }
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| default_lock_path(&spec.path));
    let previous_text = std::fs::read_to_string(&output).ok();
    let previous = match &previous_text {
        Some(text) => match envlock_lock::decode(text) {
            Ok(lock) => Some(lock),
            // A lock we cannot read gives no preferences; --upgrade says the
            // user does not want them anyway. Otherwise stop: silently
            // re-resolving would lose every pin.
            Err(_) if args.upgrade => None,
            Err(error) => return Err(diagnostics::lock_error(&output, error)),
        },
        None => None,
    };
    if !args.target.is_empty() && previous.is_none() {
        return Err(diagnostics::plain(
            "--target re-resolves some targets of an existing lock, but there is none".to_owned(),
            Some(format!(
                "run `envlock lock` once without --target to create {}",
                output.display()
            )),
        ));
    }
    let upgrade = if args.upgrade {
        Upgrade::All
    } else if !args.upgrade_package.is_empty() {
        let names = args
            .upgrade_package
            .iter()
            .map(|name| {
                name.parse::<PackageName>().map_err(|error| {
                    diagnostics::plain(format!("--upgrade-package {name}: {error}"), None)
                })
            })
            .collect::<Result<BTreeSet<_>, _>>()?;
        Upgrade::Packages(names)
    } else {
        Upgrade::Nothing
    };

    let opened = indexes::open(global, Some(&spec))?;
    let client = Arc::clone(&opened.client);
    let sdist_builder = SdistBuilder {
        python: PathBuf::from("python3"),
        pip_environment: opened.pip_environment(),
        cache_dir: Some(opened.cache_root.join("built-metadata-v1")),
        environment_lock: Default::default(),
    };
    let show_progress = global.quiet == 0 && std::io::stderr().is_terminal();
    let progress = Arc::new(LockProgress::new(
        if args.target.is_empty() {
            targets.len()
        } else {
            args.target.len()
        },
        show_progress,
    ));
    let outcome = envlock_resolver::lock(LockRequest {
        spec: &spec,
        targets: targets.clone(),
        indexes: opened.indexes,
        previous: previous.as_ref(),
        upgrade,
        only_targets: (!args.target.is_empty()).then(|| args.target.iter().cloned().collect()),
        sdist_builder: Some(sdist_builder),
        concurrency: PREFETCH_CONCURRENCY,
        reporter: Arc::clone(&progress) as Arc<dyn envlock_resolver::Reporter>,
    });
    progress.finish();
    let mut outcome = outcome.map_err(|error| diagnostics::resolve_error(&error))?;
    let resources = envlock_resolver::lock_resources(&ResourceRequest {
        spec: &spec,
        previous: previous.as_ref(),
        refetch: args.upgrade,
        client,
        environment: &envlock_spec::process_environment,
    })
    .map_err(|error| diagnostics::resolve_error(&error))?;
    outcome.lock.resources = resources.resources;
    let text = envlock_lock::encode(&outcome.lock);
    if global.quiet < 2 {
        for warning in &resources.warnings {
            say(&format!("warning: {warning}"));
        }
        for warning in &outcome.warnings {
            say(&format!("warning: {warning}"));
        }
        if !outcome.warnings.is_empty() {
            say(
                "hint: a wheelhouse will carry these sdists without their build requirements, so pip cannot build them with --no-index; make the build tools (setuptools, wheel, …) available on the index, or build the wheels elsewhere",
            );
        }
    }

    if args.check {
        return Ok(check(
            &output,
            previous_text.as_deref(),
            previous.as_ref(),
            &outcome.lock,
            &text,
            global,
        ));
    }
    let unchanged = previous_text.as_deref() == Some(text.as_str());
    if !unchanged {
        envlock_lock::write_lock(&output, &outcome.lock)
            .map_err(|error| diagnostics::lock_error(&output, error))?;
    }
    if global.verbose > 0 {
        say(&format!(
            "Read {} project pages and {} release metadata files (from the cache or the network)",
            outcome.counts.projects, outcome.counts.metadata
        ));
    }
    if global.quiet == 0 {
        let per_target: Vec<String> = outcome
            .lock
            .targets
            .iter()
            .map(|target| {
                format!(
                    "{} {}",
                    target.name,
                    outcome.lock.packages_for(&target.name).count()
                )
            })
            .collect();
        let resources_note = match outcome.lock.resources.len() {
            0 => String::new(),
            count => format!(
                " and {count} resource{} ({} fetched)",
                if count == 1 { "" } else { "s" },
                resources.fetched
            ),
        };
        say(&format!(
            "Locked {} package versions for {} targets ({}){resources_note} in {:.1}s; {} {}",
            outcome.lock.packages.len(),
            outcome.lock.targets.len(),
            per_target.join(", "),
            started.elapsed().as_secs_f64(),
            if unchanged { "unchanged:" } else { "wrote" },
            output.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// `envlock.lock` beside the spec.
fn default_lock_path(spec_path: &Path) -> PathBuf {
    spec_path.with_file_name("envlock.lock")
}

/// Compares the lock that would be written with the one on disk.
fn check(
    output: &Path,
    previous_text: Option<&str>,
    previous: Option<&Lock>,
    lock: &Lock,
    text: &str,
    global: &GlobalOptions,
) -> ExitCode {
    let Some(previous_text) = previous_text else {
        say(&format!(
            "{} does not exist; run `envlock lock` to create it",
            output.display()
        ));
        return ExitCode::FAILURE;
    };
    if previous_text == text {
        if global.quiet == 0 {
            say(&format!("{} is up to date", output.display()));
        }
        return ExitCode::SUCCESS;
    }
    let mut lines = vec![format!(
        "{} is stale: `envlock lock` would change it",
        output.display()
    )];
    if let Some(previous) = previous {
        if previous.inputs_digest != lock.inputs_digest {
            lines.push("  the inputs (requirements, constraints, targets or options) changed since it was written".to_owned());
        }
        lines.extend(version_changes(previous, lock));
        lines.extend(resource_changes(previous, lock));
    }
    lines.push("hint: run `envlock lock` and commit the result".to_owned());
    say(&lines.join("\n"));
    ExitCode::FAILURE
}

/// One line per target per package whose pinned version changes.
fn version_changes(old: &Lock, new: &Lock) -> Vec<String> {
    let versions = |lock: &Lock, target: &str| -> BTreeMap<String, String> {
        lock.packages_for(target)
            .map(|package| (package.name.clone(), package.version.clone()))
            .collect()
    };
    let mut lines = Vec::new();
    let names: BTreeSet<&str> = old
        .targets
        .iter()
        .chain(&new.targets)
        .map(|target| target.name.as_str())
        .collect();
    for target in names {
        let (before, after) = (versions(old, target), versions(new, target));
        let packages: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        for package in packages {
            match (before.get(package), after.get(package)) {
                (Some(a), Some(b)) if a != b => {
                    lines.push(format!("  {target}: {package} {a} -> {b}"))
                }
                (Some(a), None) => lines.push(format!("  {target}: {package} {a} removed")),
                (None, Some(b)) => lines.push(format!("  {target}: {package} {b} added")),
                _ => {}
            }
        }
    }
    lines
}

/// One line per resource added, removed or changed.
fn resource_changes(old: &Lock, new: &Lock) -> Vec<String> {
    let names: BTreeSet<&str> = old
        .resources
        .iter()
        .chain(&new.resources)
        .map(|resource| resource.name.as_str())
        .collect();
    let find = |lock: &'_ Lock, name: &str| {
        lock.resources
            .iter()
            .find(|resource| resource.name == name)
            .cloned()
    };
    names
        .into_iter()
        .filter_map(|name| match (find(old, name), find(new, name)) {
            (Some(_), None) => Some(format!("  resource {name} removed")),
            (None, Some(_)) => Some(format!("  resource {name} added")),
            (Some(before), Some(after)) if before != after => {
                Some(format!("  resource {name} changed"))
            }
            _ => None,
        })
        .collect()
}

/// A status line on standard error (standard output stays for data).
#[allow(clippy::print_stderr)]
fn say(line: &str) {
    eprintln!("{line}");
}
