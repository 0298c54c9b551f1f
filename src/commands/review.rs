//! The commands that read a lock and say what it means, for reviewers and
//! scripts: `envlock diff`, `envlock why` and `envlock export`. They need no
//! network, except `export --format pylock` with an index, which looks up
//! the files' URLs (the lock itself never holds URLs).

use super::terminal::print_out;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command as Process, ExitCode};

use envlock_lock::{FileLocation, Lock, WhyOutcome};

use crate::cli::{DiffArgs, DiffFormat, ExportArgs, ExportFormat, GlobalOptions, WhyArgs};
use crate::commands::indexes;
use crate::diagnostics;

/// `envlock diff`: exit 0 when the locks are the same, 1 when they differ,
/// 2 on error (like `diff`), so that scripts can tell the three apart.
pub fn diff(args: &DiffArgs) -> miette::Result<ExitCode> {
    match diff_locks(args) {
        Ok(same) => Ok(if same {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }),
        Err(report) => {
            report_error(&report);
            Ok(ExitCode::from(2))
        }
    }
}

fn diff_locks(args: &DiffArgs) -> miette::Result<bool> {
    let (old, new) = match (&args.git, &args.new) {
        (Some(revision), None) => (
            read_side(&format!("{revision}:{}", args.old))?,
            read_side(&args.old)?,
        ),
        (Some(_), Some(_)) => {
            return Err(diagnostics::plain(
                "--git compares one path with its version at a revision; give one path, not two"
                    .to_owned(),
                Some("envlock diff --git HEAD~1 lockfiles/clearml-session.lock".to_owned()),
            ));
        }
        (None, Some(new)) => (read_side(&args.old)?, read_side(new)?),
        (None, None) => {
            return Err(diagnostics::plain(
                "diff needs two locks, or one path and --git REV".to_owned(),
                Some("envlock diff OLD NEW, or envlock diff --git HEAD envlock.lock".to_owned()),
            ));
        }
    };
    let difference = envlock_lock::LockDiff::new(&old, &new);
    let text = match args.format {
        DiffFormat::Table => envlock_lock::render_table(&difference),
        DiffFormat::Markdown => envlock_lock::render_markdown(&difference),
        DiffFormat::Json => envlock_lock::render_json(&difference),
    };
    print_out(&text);
    Ok(difference.is_empty())
}

/// A lock from a file, or from git when the argument is `REV:PATH` and no
/// such file exists.
fn read_side(argument: &str) -> miette::Result<Lock> {
    let path = Path::new(argument);
    if path.exists() {
        return envlock_lock::read_lock(path).map_err(|error| diagnostics::lock_error(path, error));
    }
    let Some((revision, file)) = argument.split_once(':') else {
        return Err(diagnostics::plain(
            format!("{argument}: no such file"),
            Some("give a lockfile, or REV:PATH for a version in git".to_owned()),
        ));
    };
    let output = Process::new("git")
        .args(["show", &format!("{revision}:{file}")])
        .output()
        .map_err(|error| {
            diagnostics::plain(
                format!("{argument}: cannot run git ({error})"),
                Some("install git, or give the old lock as a file".to_owned()),
            )
        })?;
    if !output.status.success() {
        return Err(diagnostics::plain(
            format!(
                "{argument}: git could not show it: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            Some(
                "REV:PATH takes a revision git knows and a path relative to the repository's root"
                    .to_owned(),
            ),
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    envlock_lock::decode(&text).map_err(|error| diagnostics::lock_text_error(argument, &error))
}

/// `envlock why`: exit 0 when some target installs the package, 1 when none does.
pub fn why(args: &WhyArgs) -> miette::Result<ExitCode> {
    let lock = envlock_lock::read_lock(&args.lock)
        .map_err(|error| diagnostics::lock_error(&args.lock, error))?;
    let report = envlock_lock::why(&lock, &args.package, args.target.as_deref())
        .map_err(|error| diagnostics::report(&error))?;
    print_out(&envlock_lock::render_why(&report));
    Ok(match report.outcome {
        WhyOutcome::Installed { .. } => ExitCode::SUCCESS,
        WhyOutcome::NotInstalled { .. } => ExitCode::FAILURE,
    })
}

/// `envlock export`.
pub fn export(global: &GlobalOptions, args: &ExportArgs) -> miette::Result<ExitCode> {
    let lock = envlock_lock::read_lock(&args.lock)
        .map_err(|error| diagnostics::lock_error(&args.lock, error))?;
    let targets = (!args.target.is_empty()).then_some(args.target.as_slice());
    let exported = match args.format {
        ExportFormat::Requirements => envlock_lock::export_requirements(&lock, targets),
        ExportFormat::Pylock if args.wheelhouse => {
            envlock_lock::export_pylock(&lock, targets, &FileLocation::Wheelhouse)
        }
        ExportFormat::Pylock => {
            let location = index_location(global, &lock)?;
            envlock_lock::export_pylock(&lock, targets, &location)
        }
    }
    .map_err(|error| diagnostics::report(&error))?;
    match &args.output {
        Some(path) => write_atomically(path, &exported)?,
        None => print_out(&exported),
    }
    Ok(ExitCode::SUCCESS)
}

/// The URLs of the lock's files on the configured primary index (looked up
/// by file name; credentials are never written).
fn index_location(global: &GlobalOptions, lock: &Lock) -> miette::Result<FileLocation> {
    let opened = indexes::open(global, None)?;
    let Some((index, configured)) = opened.indexes.first().zip(opened.urls.indexes.first()) else {
        return Err(diagnostics::plain(
            "no index is configured".to_owned(),
            None,
        ));
    };
    let index_url = match &configured.location {
        envlock_index::IndexLocation::Url(url) => envlock_index::SafeUrl::new(url.clone())
            .without_credentials()
            .to_string(),
        envlock_index::IndexLocation::Directory(_) => {
            return Err(diagnostics::plain(
                "pylock URLs need an HTTP index, and the configured index is a local folder"
                    .to_owned(),
                Some("pass --index-url URL, or use --wheelhouse for path entries".to_owned()),
            ));
        }
    };
    let mut file_urls = BTreeMap::new();
    for package in &lock.packages {
        let page = index
            .project(&package.name)
            .map_err(|error| diagnostics::report(&error))?;
        for file in &package.files {
            match page
                .files
                .iter()
                .find(|listed| listed.filename == file.file_name())
            {
                Some(listed) => {
                    let url = listed.url().map_err(|error| diagnostics::report(&error))?;
                    file_urls.insert(
                        file.file_name().to_owned(),
                        url.without_credentials().to_string(),
                    );
                }
                None => {
                    return Err(diagnostics::plain(
                        format!(
                            "the index {index_url} has no file `{}` (package `{}`)",
                            file.name, package.name
                        ),
                        Some(
                            "locks name files; export against an index or mirror that has them"
                                .to_owned(),
                        ),
                    ));
                }
            }
        }
    }
    Ok(FileLocation::Index {
        index_url,
        file_urls,
    })
}

/// Writes `text` to `path` atomically (temporary file, `fsync`, rename).
fn write_atomically(path: &Path, text: &str) -> miette::Result<()> {
    envlock_fs::write_atomic(path, text.as_bytes()).map_err(|error| {
        diagnostics::plain(format!("cannot write {}: {error}", path.display()), None)
    })
}

fn report_error(report: &miette::Report) {
    super::terminal::say(&format!("{report:?}"));
}
