//! `envlock lock`: resolve the spec into a lock, for every target.

use super::terminal::say;
use std::collections::BTreeSet;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use envlock_lock::{Lock, LockDiff};
use envlock_pep::{PackageName, Target};
use envlock_resolver::{
    InterpreterOutcome, InterpreterRequest, LockOutcome, LockRequest, ResourceOutcome,
    ResourceRequest, SdistBuilder, Upgrade,
};
use envlock_spec::Spec;

use crate::cli::{GlobalOptions, LockArgs};
use crate::commands::indexes;
use crate::commands::progress::LockProgress;
use crate::diagnostics;

/// How many metadata fetches may run ahead of the solvers: network-bound,
/// so sized for latency rather than for cores. It was once sized for the
/// number of targets too, each of whose solvers needs files of its own.
/// With too few,
/// solvers fetch for themselves, one file at a time: a cold lock of the
/// 25-target matrix took 4.1 s with 16, 3.3 s with 32 and 3.1 s with 64,
/// when each target's fetches ahead had jobs of their own, most of them
/// waiting on a page another thread fetched. Since a page and a file are
/// fetched ahead by one job whatever the number of targets that want them
/// (see the resolver's `shared::ahead`), one thread per target does as
/// well as two, with less memory (each thread costs about 150 KiB, and the
/// fewer fetches at once hold fewer buffers): eight alternating cold runs,
/// medians 1.75 s and 56.5 MiB with 25, 1.76 s and 60.2 MiB with 50.
/// Since a wheel whose METADATA matches one already fetched no longer asks
/// for it (the index's `remote_zip`), fewer still do as well: a cold
/// 25-target lock, 5–6 alternating rounds, took the same time with 12, 16,
/// 18, 25 and 40 threads within the noise (medians 1.18, 1.18 and 1.175 s
/// for 16, 18 and 25 in one set), its peak RSS rising with them (median
/// 54.9 MiB with 12, 55.3 with 16, 56.4–57.1 with 25, 59.0 with 40).
/// Three targets gain nothing beyond 16 either.
const PREFETCH_THREADS: usize = 16;

/// `envlock lock`: read the spec and the lock it replaces, resolve every
/// target and resource, then check or write the result.
pub fn run(global: &GlobalOptions, args: &LockArgs) -> miette::Result<ExitCode> {
    let started = Instant::now();
    let (spec, targets) = read_spec(args)?;
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| default_lock_path(&spec.path));
    let previous = Previous::read(&output, args)?;
    let upgrade = upgrade_policy(args)?;
    let (mut outcome, resources, interpreters) = resolve(
        global,
        args,
        &spec,
        targets,
        previous.lock.as_ref(),
        upgrade,
    )?;
    // The command exits once the lock is written, which frees all this at
    // once; freeing it here would only slow what follows.
    std::mem::forget(outcome.leftovers);
    outcome.lock.resources = resources.resources;
    outcome.lock.interpreters = interpreters.interpreters;
    let text = envlock_lock::encode(&outcome.lock);
    if global.quiet < 2 {
        let early: Vec<String> = interpreters
            .warnings
            .into_iter()
            .chain(resources.warnings)
            .collect();
        print_warnings(&early, &outcome.warnings);
        print_installer_warnings(&outcome.installer_warnings);
    }
    if args.check {
        return Ok(check(&output, &previous, &outcome.lock, &text, global));
    }
    let unchanged = previous.text.as_deref() == Some(text.as_str());
    if !unchanged {
        envlock_lock::write_encoded(&output, &text)
            .map_err(|error| diagnostics::lock_error(&output, error))?;
    }
    if global.verbose > 0 {
        say(&format!(
            "Read {} project pages and {} release metadata files (from the cache or the network)",
            outcome.counts.projects, outcome.counts.metadata
        ));
        if outcome.counts.stand_ins > 0 {
            say(&format!(
                "Stand-ins (a wheel's metadata solved with while an sdist's was built): {}; targets solved again where the two differed: {}",
                outcome.counts.stand_ins, outcome.counts.solved_again
            ));
        }
    }
    if global.quiet == 0 {
        say(&summary(
            &outcome.lock,
            resources.fetched,
            started,
            unchanged,
            &output,
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// The spec and its targets; every `--target` must name one of them.
fn read_spec(args: &LockArgs) -> miette::Result<(Spec, Vec<Target>)> {
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
    Ok((spec, targets))
}

/// The lock already at the output path, as text and as read.
struct Previous {
    text: Option<String>,
    lock: Option<Lock>,
}

impl Previous {
    fn read(output: &Path, args: &LockArgs) -> miette::Result<Previous> {
        let text = std::fs::read_to_string(output).ok();
        let lock = match &text {
            Some(text) => match envlock_lock::decode(text) {
                Ok(lock) => Some(lock),
                // A lock we cannot read gives no preferences; --upgrade says
                // the user does not want them anyway. Otherwise stop:
                // silently re-resolving would lose every pin.
                Err(_) if args.upgrade => None,
                Err(error) => return Err(diagnostics::lock_error(output, error)),
            },
            None => None,
        };
        if !args.target.is_empty() && lock.is_none() {
            return Err(diagnostics::plain(
                "--target re-resolves some targets of an existing lock, but there is none"
                    .to_owned(),
                Some(format!(
                    "run `envlock lock` once without --target to create {}",
                    output.display()
                )),
            ));
        }
        Ok(Previous { text, lock })
    }
}

/// Which pins of the previous lock `--upgrade` / `--upgrade-package` free.
fn upgrade_policy(args: &LockArgs) -> miette::Result<Upgrade> {
    if args.upgrade {
        return Ok(Upgrade::All);
    }
    if args.upgrade_package.is_empty() {
        return Ok(Upgrade::Nothing);
    }
    let names = args
        .upgrade_package
        .iter()
        .map(|name| {
            name.parse::<PackageName>().map_err(|error| {
                diagnostics::plain(format!("--upgrade-package {name}: {error}"), None)
            })
        })
        .collect::<Result<BTreeSet<_>, _>>()?;
    Ok(Upgrade::Packages(names))
}

/// Resolves the packages of every target (with a progress bar on a
/// terminal), then locks the spec's resources.
fn resolve(
    global: &GlobalOptions,
    args: &LockArgs,
    spec: &Spec,
    targets: Vec<Target>,
    previous: Option<&Lock>,
    upgrade: Upgrade,
) -> miette::Result<(LockOutcome, ResourceOutcome, InterpreterOutcome)> {
    let opened = indexes::open(global, Some(spec))?;
    let client = Arc::clone(&opened.client);
    // Before the packages: the target's Python is the archive's version,
    // and a missing archive should stop the run before the long part.
    let interpreters = envlock_resolver::lock_interpreters(&InterpreterRequest {
        spec,
        targets: &targets,
        previous,
        refetch: args.upgrade,
        client: &client,
        environment: &envlock_spec::process_environment,
    })
    .map_err(|error| diagnostics::report(&error))?;
    let sdist_builder = SdistBuilder {
        python: PathBuf::from("python3"),
        cache_dir: Some(opened.cache_root.join("built-metadata-v1")),
        run: Default::default(),
        timeout: std::time::Duration::from_secs(args.build_timeout),
        announce: global.quiet < 2,
    };
    let no_build = args.no_build || spec.no_build;
    let show_progress = global.quiet == 0 && std::io::stderr().is_terminal();
    let resolved_targets = if args.target.is_empty() {
        targets.len()
    } else {
        args.target.len()
    };
    let progress = Arc::new(LockProgress::new(resolved_targets, show_progress));
    let request = LockRequest {
        spec,
        targets,
        indexes: opened.indexes,
        previous,
        upgrade,
        only_targets: (!args.target.is_empty()).then(|| args.target.iter().cloned().collect()),
        sdist_builder: (!no_build).then_some(sdist_builder),
        concurrency: PREFETCH_THREADS,
        reporter: Arc::clone(&progress) as Arc<dyn envlock_resolver::Reporter>,
    };
    let refetch = args.upgrade;
    let lock_resources = move || {
        envlock_resolver::lock_resources(&ResourceRequest {
            spec,
            previous,
            refetch,
            client,
            environment: &envlock_spec::process_environment,
        })
    };
    // The resources (often large downloads, such as the ClearML kit's
    // editor) are fetched while the packages resolve: neither waits for
    // the other. With a 104 MB resource, a cold lock of the ClearML
    // example's packages took 2.91 s when it was fetched after them, 2.79 s
    // when beside them (medians of 5). A package failure still waits for
    // the resources: dropping a download half-way would gain little.
    let (outcome, resources) = std::thread::scope(|scope| {
        let resources = scope.spawn(lock_resources);
        let outcome = envlock_resolver::lock(request);
        progress.finish();
        let resources = resources.join().unwrap_or_else(|_| {
            Err(envlock_resolver::ResolveError::Internal(
                "fetching the resources panicked".to_owned(),
            ))
        });
        (outcome, resources)
    });
    // A package failure is reported before a resource's: it is usually
    // the one the user is working on.
    let outcome = outcome.map_err(|error| diagnostics::report(&error))?;
    let resources = resources.map_err(|error| diagnostics::report(&error))?;
    Ok((outcome, resources, interpreters))
}

/// Targets without a carried pip, and what that means.
fn print_installer_warnings(warnings: &[String]) {
    for warning in warnings {
        say(&format!("warning: {warning}"));
    }
    if !warnings.is_empty() {
        say(
            "hint: install.sh will install with the far side's own pip, which may be too old for manylinux_2_x wheels; put pip on the index, or set `carry-pip = false` in the spec to silence this",
        );
    }
}

/// The resolver's warnings, and what to do when sdists lack their build
/// requirements.
fn print_warnings(resource_warnings: &[String], package_warnings: &[String]) {
    for warning in resource_warnings.iter().chain(package_warnings) {
        say(&format!("warning: {warning}"));
    }
    if !package_warnings.is_empty() {
        say(
            "hint: a wheelhouse will carry these sdists without their build requirements, so pip cannot build them with --no-index; make the build tools (setuptools, wheel, …) available on the index, or build the wheels elsewhere",
        );
    }
}

/// The closing `Locked … packages …` line.
fn summary(
    lock: &Lock,
    fetched: usize,
    started: Instant,
    unchanged: bool,
    output: &Path,
) -> String {
    let per_target: Vec<String> = lock
        .targets
        .iter()
        .map(|target| {
            format!(
                "{} {}",
                target.name,
                lock.packages_for(&target.name).count()
            )
        })
        .collect();
    let mut resources_note = match lock.resources.len() {
        0 => String::new(),
        count => format!(
            " and {count} resource{} ({fetched} fetched)",
            if count == 1 { "" } else { "s" },
        ),
    };
    if !lock.interpreters.is_empty() {
        let count = lock.interpreters.len();
        resources_note.push_str(&format!(
            ", carrying {count} interpreter{}",
            if count == 1 { "" } else { "s" }
        ));
    }
    format!(
        "Locked {} package versions for {} targets ({}){resources_note} in {:.1}s; {} {}",
        lock.packages.len(),
        lock.targets.len(),
        per_target.join(", "),
        started.elapsed().as_secs_f64(),
        if unchanged { "unchanged:" } else { "wrote" },
        output.display()
    )
}

/// `envlock.lock` beside the spec.
fn default_lock_path(spec_path: &Path) -> PathBuf {
    spec_path.with_file_name("envlock.lock")
}

/// Compares the lock that would be written with the one on disk; what
/// differs is shown as `envlock diff` shows it.
fn check(
    output: &Path,
    previous: &Previous,
    lock: &Lock,
    text: &str,
    global: &GlobalOptions,
) -> ExitCode {
    let first = super::stale_or_settled(
        output,
        previous.text.as_deref(),
        text,
        "envlock lock",
        global.quiet > 0,
    );
    let mut lines = match first {
        Ok(line) => vec![line],
        Err(code) => return code,
    };
    if let Some(previous) = &previous.lock {
        if previous.inputs_digest != lock.inputs_digest {
            lines.push("  the inputs (requirements, constraints, targets or options) changed since it was written".to_owned());
        }
        let difference = LockDiff::new(previous, lock);
        if !difference.is_empty() {
            lines.push(
                envlock_lock::render_table(&difference)
                    .trim_end()
                    .to_owned(),
            );
        }
    }
    lines.push("hint: run `envlock lock` and commit the result".to_owned());
    say(&lines.join("\n"));
    ExitCode::FAILURE
}
