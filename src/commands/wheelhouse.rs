//! `envlock wheelhouse` and `envlock verify`.

use super::terminal::{print_out, say};
use std::io::IsTerminal as _;
use std::process::ExitCode;

use envlock_index::Cache;
use envlock_wheelhouse::{
    ArchiveSummary, BuildRequest, BuildSummary, FarSide, IndexMode, PlatformSelector,
    ServeLocation, VerifyReport, WheelBuildOptions,
};

use crate::cli::{GlobalOptions, IndexModeArg, VerifyArgs, WheelhouseArgs};
use crate::commands::indexes;
use crate::commands::progress::WheelhouseProgress;
use crate::diagnostics;

/// Builds the wheelhouse; exit 0 when it is complete and verified.
pub fn build(global: &GlobalOptions, args: &WheelhouseArgs) -> miette::Result<ExitCode> {
    // The client (its trust roots above all) is set up while the lock is
    // read and checked: both come before the first request, and neither
    // needs the other. A lock that cannot be used is still the error shown.
    let (read, opened) = std::thread::scope(|scope| {
        let opening = scope.spawn(|| indexes::open_optional(global));
        let read = read_lock(args);
        let opened = opening.join().unwrap_or_else(|_| {
            Err(diagnostics::plain(
                "setting up the index client failed unexpectedly".to_owned(),
                None,
            ))
        });
        (read, opened)
    });
    let (lock_text, lock) = read?;
    let platforms = args
        .platform
        .iter()
        .map(|value| PlatformSelector::parse(value))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| diagnostics::wheelhouse_error(&error))?;
    let targets = envlock_wheelhouse::select_targets(&lock, &platforms, &args.target)
        .map_err(|error| diagnostics::wheelhouse_error(&error))?;
    let far_side = far_side(args)?;
    let opened = opened?;
    let cache = Cache::new(opened.cache_root.clone());
    let lock_dir = match args.lock.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let progress = WheelhouseProgress::new(global.quiet == 0 && std::io::stderr().is_terminal());
    let request = BuildRequest {
        lock: &lock,
        lock_text: &lock_text,
        targets,
        indexes: &opened.indexes,
        cache: Some(&cache),
        out_dir: &args.output,
        jobs: args.jobs,
        reporter: &progress,
        build_wheels: args.build_wheels.then(|| WheelBuildOptions {
            python: args.python.clone(),
            timeout: Some(std::time::Duration::from_secs(args.build_timeout)),
        }),
        client: Some(&opened.client),
        lock_dir: &lock_dir,
        variables: &envlock_spec::process_environment,
        far_side,
    };
    let result = envlock_wheelhouse::build(&request);
    progress.finish();
    let summary = result.map_err(|error| diagnostics::wheelhouse_error(&error))?;
    let archive = match &args.archive {
        Some(path) => Some(
            envlock_wheelhouse::write_archive(&args.output, path)
                .map_err(|error| diagnostics::wheelhouse_error(&error))?,
        ),
        None => None,
    };
    report_build(global, args, &summary, archive.as_ref());
    Ok(ExitCode::SUCCESS)
}

/// The lock to build from, as text (copied into the wheelhouse byte for
/// byte) and as read.
fn read_lock(args: &WheelhouseArgs) -> miette::Result<(String, envlock_lock::Lock)> {
    let lock_text = std::fs::read_to_string(&args.lock).map_err(|error| {
        diagnostics::plain(
            format!("{}: cannot read the lock: {error}", args.lock.display()),
            Some("give the lock to build from: envlock wheelhouse path/to/envlock.lock".to_owned()),
        )
    })?;
    let lock = envlock_lock::decode(&lock_text)
        .map_err(|error| diagnostics::lock_error(&args.lock, error))?;
    Ok((lock_text, lock))
}

/// What the far side needs, when `--serve-url` says where it serves from.
fn far_side(args: &WheelhouseArgs) -> miette::Result<Option<FarSide>> {
    let Some(value) = &args.serve_url else {
        return Ok(None);
    };
    Ok(Some(FarSide {
        serve: ServeLocation::parse(value)
            .map_err(|error| diagnostics::wheelhouse_error(&error))?,
        index_mode: match args.index_mode {
            IndexModeArg::Extra => IndexMode::Extra,
            IndexModeArg::Replace => IndexMode::Replace,
        },
        queues: args.queue.clone(),
        image_pull_secrets: args.image_pull_secret.clone(),
    }))
}

/// The `--json` document on standard output, and the summary lines on
/// standard error.
fn report_build(
    global: &GlobalOptions,
    args: &WheelhouseArgs,
    summary: &BuildSummary,
    archive: Option<&ArchiveSummary>,
) {
    if args.json {
        let value = serde_json::json!({
            "wheelhouse": summary,
            "archive": archive,
        });
        print_out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        ));
    }
    if global.quiet == 0 {
        for line in summary_lines(summary) {
            say(&line);
        }
        if let Some(archive) = archive {
            say(&format!(
                "Archived {} files into {} ({}, sha256 {})",
                archive.files,
                archive.path.display(),
                human_bytes(archive.bytes),
                archive.sha256
            ));
        }
    }
}

/// Checks a wheelhouse; exit 0 when intact, 1 when anything is wrong.
pub fn verify(global: &GlobalOptions, args: &VerifyArgs) -> miette::Result<ExitCode> {
    let report = envlock_wheelhouse::verify_against(&args.dir, args.lock.as_deref())
        .map_err(|error| diagnostics::wheelhouse_error(&error))?;
    if args.json {
        print_out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ));
    }
    if report.is_intact() {
        if global.quiet == 0 {
            say(&verified_line(&report));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if global.quiet < 2 {
        for problem in &report.problems {
            say(&format!("error: {problem}"));
        }
        say(&format!(
            "{}: {} problem(s) in {} files checked",
            report.dir.display(),
            report.problems.len(),
            report.files
        ));
        say(&format!("lock sha256: {}", report.lock_sha256));
        say(
            "hint: carry the wheelhouse again (or its archive), or rebuild it with `envlock wheelhouse`; do not install from it as it is",
        );
    }
    Ok(ExitCode::FAILURE)
}

fn verified_line(report: &VerifyReport) -> String {
    let against = match &report.reviewed_lock {
        Some(path) => format!("the reviewed lock {}", path.display()),
        None => "the lock".to_owned(),
    };
    format!(
        "{}: all {} files ({}) match {against} and SHA256SUMS (targets: {}); lock sha256 {}",
        report.dir.display(),
        report.files,
        human_bytes(report.bytes),
        report.targets.join(", "),
        report.lock_sha256
    )
}

fn summary_lines(summary: &BuildSummary) -> Vec<String> {
    let mut lines = vec![format!(
        "Built {} for {}: {} files, {} in {:.2}s ({} downloaded, {} from the cache, {} already there)",
        summary.dir.display(),
        summary.targets.join(", "),
        summary.files,
        human_bytes(summary.bytes),
        summary.seconds,
        if summary.downloaded_files == 0 {
            "none".to_owned()
        } else {
            format!(
                "{} files, {}",
                summary.downloaded_files,
                human_bytes(summary.downloaded_bytes)
            )
        },
        summary.cached_files,
        summary.kept_files,
    )];
    lines.push(format!(
        "Lock sha256 {} (compare it with the reviewed lock's; on the far side: envlock verify DIR --lock REVIEWED.lock)",
        summary.lock_sha256
    ));
    if summary.resources > 0 {
        lines.push(format!(
            "Placed {} resource(s), {}, under resources/ ({} downloaded)",
            summary.resources,
            human_bytes(summary.resource_bytes),
            summary.downloaded_resources
        ));
    }
    if !summary.removed_files.is_empty() {
        lines.push(format!(
            "Removed {} files the lock no longer has: {}",
            summary.removed_files.len(),
            summary.removed_files.join(", ")
        ));
    }
    for wheel in &summary.built_wheels {
        lines.push(format!(
            "Built {} here from {} for {}",
            wheel.file,
            wheel.sdist,
            wheel.targets.join(", ")
        ));
    }
    if !summary.source_builds.is_empty() {
        lines.push(format!(
            "{} package(s) have no wheel for a target and will be built there from their sdist:",
            summary.source_builds.len()
        ));
        for build in &summary.source_builds {
            let need = match (&build.needs_compiler, &build.compiled_source) {
                (true, Some(source)) => format!("needs a C compiler on the target ({source})"),
                (true, None) => "needs a C compiler on the target".to_owned(),
                (false, _) => "pure Python, no compiler needed".to_owned(),
            };
            lines.push(format!(
                "  {} {} [{}]: {need}",
                build.package,
                build.version,
                build.targets.join(", ")
            ));
            if !build.build_requirements_locked {
                lines.push(format!(
                    "warning: the lock has no build requirements for {}, so `pip install --no-index` cannot build it from this wheelhouse",
                    build.package
                ));
                lines.push("hint: make its build tools available on the index and run `envlock lock` again (it warned about this), or use --build-wheels".to_owned());
            }
        }
    }
    lines
}

/// Sizes as people read them: 1.5 MiB.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}
