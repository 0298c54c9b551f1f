//! `envlock publish`: a verified wheelhouse into the site's repository.

use super::terminal::{print_out, say};
use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use envlock_publish::credentials::{self, PypircSection};
use envlock_publish::repository::{self, Repository};
use envlock_publish::{Credentials, FileOutcome, PublishError, PublishReport, PublishRequest};
use envlock_wheelhouse::{FarSide, IndexMode, ServeLocation};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use url::Url;

use crate::cli::{GlobalOptions, IndexModeArg, PublishArgs};
use crate::diagnostics;

/// Publishes; exit 0 when every file is in the repository with the lock's
/// sha256, 1 otherwise.
pub fn run(global: &GlobalOptions, args: &PublishArgs) -> miette::Result<ExitCode> {
    let env = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let section = pypirc_section(args, &env)?;
    let repository = repository_of(global, args, section.as_ref(), &env)?;
    let resources_url = match &args.resources_url {
        Some(value) => Some(folder_url(
            value,
            "--resources-url",
            &global.allow_insecure_host,
        )?),
        None => None,
    };
    let resources_credentials = match &args.resources_url {
        Some(value) => resources_credentials(value, &repository, &env)?,
        None => None,
    };
    let wheelhouse =
        envlock_publish::open_wheelhouse(&args.dir, &args.target).map_err(|e| publish_error(&e))?;
    let progress = PublishProgress::new(global.quiet == 0 && std::io::stderr().is_terminal());
    let request = PublishRequest {
        wheelhouse: &wheelhouse,
        repository: &repository,
        resources_url: resources_url.as_ref(),
        resources_credentials: resources_credentials.as_ref(),
        dry_run: args.dry_run,
        download_check: args.download_check,
        jobs: args.jobs,
        retries: args.retries,
        cert: global.cert.as_deref(),
        allow_insecure_hosts: &global.allow_insecure_host,
        reporter: &progress,
    };
    let result = envlock_publish::publish(&request);
    progress.finish();
    let report = result.map_err(|error| publish_error(&error))?;
    let kit = match (&args.kit_dir, args.dry_run) {
        (Some(dir), false) => Some(write_kit(args, dir, &report, &wheelhouse)?),
        _ => None,
    };
    if args.json {
        let value = serde_json::json!({ "publish": report, "kit": kit });
        print_out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        ));
    }
    if global.quiet == 0 || !report.is_success() {
        for line in summary_lines(&report, wheelhouse.lock.resources.len(), global.verbose > 0) {
            say(&line);
        }
        if let (Some(dir), Some(files)) = (&args.kit_dir, &kit) {
            say(&format!(
                "Wrote {} into {} (pip and the resources' variables point at the repository)",
                files.join(", "),
                dir.display()
            ));
        }
    }
    Ok(if report.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn pypirc_section(
    args: &PublishArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> miette::Result<Option<(std::path::PathBuf, String, PypircSection)>> {
    let Some(name) = &args.repository else {
        return Ok(None);
    };
    let path = match &args.config_file {
        Some(path) => path.clone(),
        None => credentials::default_pypirc(env).ok_or_else(|| {
            diagnostics::plain(
                "--repository needs a .pypirc, and HOME is not set".to_owned(),
                Some("give the file with --config-file FILE".to_owned()),
            )
        })?,
    };
    let section = credentials::read_pypirc(&path, name).map_err(|error| publish_error(&error))?;
    Ok(Some((path, name.clone(), section)))
}

fn repository_of(
    global: &GlobalOptions,
    args: &PublishArgs,
    section: Option<&(std::path::PathBuf, String, PypircSection)>,
    env: &dyn Fn(&str) -> Option<String>,
) -> miette::Result<Repository> {
    let given = args
        .repository_url
        .clone()
        .or_else(|| section.and_then(|(_, _, section)| section.repository.clone()))
        .ok_or_else(|| {
            diagnostics::plain(
                "no repository to publish into".to_owned(),
                Some("give --repository-url URL, or --repository NAME for a ~/.pypirc section with a `repository` URL".to_owned()),
            )
        })?;
    let insecure = &global.allow_insecure_host;
    let with_userinfo = repository::parse_url(&given, "--repository-url", insecure)
        .map_err(|error| publish_error(&error))?;
    let section_ref = section.map(|(path, name, section)| (path.as_path(), name.as_str(), section));
    let found = credentials::resolve(&with_userinfo, section_ref, env)
        .map_err(|error| publish_error(&error))?;
    let upload_url = repository::without_credentials(&with_userinfo);
    let index_url = match &global.index_url {
        Some(value) => repository::parse_url(value, "--index-url", insecure)
            .map_err(|error| publish_error(&error))?,
        None => repository::derive_index_url(&upload_url).ok_or_else(|| {
            diagnostics::plain(
                format!(
                    "cannot tell where the simple index of {} is",
                    envlock_index::redacted(&upload_url)
                ),
                Some("give it with --index-url URL (pypiserver: <root>/simple/, devpi: <root>/<user>/<index>/+simple/)".to_owned()),
            )
        })?,
    };
    Ok(Repository {
        upload_url,
        index_url: repository::without_credentials(&index_url),
        credentials: found,
    })
}

fn folder_url(value: &str, what: &str, insecure: &[String]) -> miette::Result<Url> {
    let url =
        repository::parse_url(value, what, insecure).map_err(|error| publish_error(&error))?;
    Ok(repository::without_credentials(&url))
}

/// The resources server's credentials: its URL's userinfo, its netrc
/// entry, or the repository's when both are on one host.
fn resources_credentials(
    value: &str,
    repository: &Repository,
    env: &dyn Fn(&str) -> Option<String>,
) -> miette::Result<Option<Credentials>> {
    let Ok(url) = Url::parse(value.trim()) else {
        return Ok(None);
    };
    if let Some(found) = credentials::resolve(&url, None, &|name: &str| match name {
        // Only the URL and netrc here: the upload variables are the repository's.
        "NETRC" | "HOME" => env(name),
        _ => None,
    })
    .map_err(|error| publish_error(&error))?
    {
        return Ok(Some(found));
    }
    let same_host = url.host_str() == repository.upload_url.host_str()
        && url.port_or_known_default() == repository.upload_url.port_or_known_default();
    Ok(same_host.then(|| repository.credentials.clone()).flatten())
}

fn write_kit(
    args: &PublishArgs,
    dir: &std::path::Path,
    report: &PublishReport,
    wheelhouse: &envlock_publish::Wheelhouse,
) -> miette::Result<Vec<String>> {
    let serve = ServeLocation::repository(&report.index_url, report.resources_url.as_deref())
        .map_err(|error| diagnostics::report(&error))?;
    let far_side = FarSide {
        serve,
        index_mode: match args.index_mode {
            IndexModeArg::Extra => IndexMode::Extra,
            IndexModeArg::Replace => IndexMode::Replace,
        },
        queues: args.queue.clone(),
        image_pull_secrets: args.image_pull_secret.clone(),
    };
    std::fs::create_dir_all(dir).map_err(|error| {
        diagnostics::plain(format!("cannot create {}: {error}", dir.display()), None)
    })?;
    let lock = &wheelhouse.lock;
    let written = envlock_wheelhouse::write_far_side(dir, &far_side, &lock.name, &lock.resources)
        .map_err(|error| diagnostics::report(&error))?;
    Ok(written
        .iter()
        .filter_map(|path| {
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .collect())
}

fn summary_lines(report: &PublishReport, resources: usize, verbose: bool) -> Vec<String> {
    let uploaded = report.count(|outcome| matches!(outcome, FileOutcome::Uploaded));
    let there = report.count(|outcome| matches!(outcome, FileOutcome::AlreadyThere));
    let would = report.count(|outcome| matches!(outcome, FileOutcome::WouldUpload));
    let failed = report.count(|outcome| matches!(outcome, FileOutcome::Failed { .. }));
    let mut lines = Vec::new();
    for file in report.files.iter().chain(&report.resources) {
        match &file.outcome {
            FileOutcome::Failed { reason } => lines.push(format!("error: {reason}")),
            FileOutcome::WouldUpload => lines.push(format!("would upload: {}", file.file)),
            FileOutcome::AlreadyThere if report.dry_run || verbose => {
                lines.push(format!("already there: {}", file.file));
            }
            FileOutcome::Uploaded if verbose => lines.push(format!("uploaded: {}", file.file)),
            _ => {}
        }
    }
    let total = report.files.len() + report.resources.len();
    lines.push(if report.dry_run {
        format!(
            "Dry run against {}: {would} of {total} files would be uploaded, {there} already there, {failed} refused; nothing was uploaded",
            report.repository_url
        )
    } else {
        format!(
            "Published to {}: {uploaded} uploaded, {there} already there, {failed} failed (of {total} files, targets {})",
            report.repository_url,
            report.targets.join(", ")
        )
    });
    if !report.dry_run {
        for problem in &report.read_back_problems {
            lines.push(format!("error: read-back: {problem}"));
        }
        if report.read_back_problems.is_empty() {
            lines.push(format!(
                "Read back {} files from {}: each is listed with the lock's sha256",
                report.read_back, report.index_url
            ));
        }
    }
    if report.resources_url.is_none() && resources > 0 {
        lines.push(format!(
            "The lock's {resources} resources stay with the wheelhouse (give --resources-url URL to upload them)"
        ));
    }
    lines
}

fn publish_error(error: &PublishError) -> miette::Report {
    diagnostics::report(error)
}

/// A progress bar of the uploads: files, bytes and rate.
struct PublishProgress {
    bar: ProgressBar,
    done: AtomicUsize,
    files: AtomicUsize,
}

impl PublishProgress {
    fn new(visible: bool) -> PublishProgress {
        let bar = if visible {
            ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} {msg} {bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} [{elapsed}]",
        ) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(100));
        bar.set_message("reading the repository's index");
        PublishProgress {
            bar,
            done: AtomicUsize::new(0),
            files: AtomicUsize::new(0),
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl envlock_publish::Reporter for PublishProgress {
    fn planned(&self, files: usize, bytes: u64) {
        self.files.store(files, Ordering::Relaxed);
        self.bar.set_length(bytes);
        self.bar.set_message(format!("uploading 0/{files} files"));
    }

    fn file_done(&self, _file: &str, size: u64) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        self.bar.inc(size);
        self.bar.set_message(format!(
            "uploading {done}/{} files",
            self.files.load(Ordering::Relaxed)
        ));
    }
}
