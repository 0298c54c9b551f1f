//! `envlock import`: another tool's lock (pylock.toml, uv.lock, a hashed
//! requirements file) made into an ordinary envlock.lock for the targets.

use super::terminal::say;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use envlock_import::{AssembleInputs, Format, ImportError, Selection, Source};
use envlock_index::PackageIndex;
use envlock_lock::{Lock, LockedPackage};
use envlock_pep::{PackageName, Target, Version};
use envlock_spec::Spec;

use crate::cli::{GlobalOptions, ImportArgs, ImportFormat};
use crate::commands::indexes;
use crate::commands::init::{SpecInputs, spec_text, targets_from_flags};
use crate::diagnostics;

pub fn run(global: &GlobalOptions, args: &ImportArgs) -> miette::Result<ExitCode> {
    let format = args.format.map(|format| match format {
        ImportFormat::Pylock => Format::Pylock,
        ImportFormat::UvLock => Format::UvLock,
        ImportFormat::Requirements => Format::Requirements,
    });
    let mut source = envlock_import::read(&args.source, format).map_err(|e| import_error(&e))?;
    let output = args.output.clone().unwrap_or_else(|| {
        args.source
            .parent()
            .unwrap_or(Path::new(""))
            .join("envlock.lock")
    });
    let spec = targets_spec(args, &output)?;
    let targets = spec.targets().map_err(diagnostics::spec_error)?;
    let opened = indexes::open_optional_with_spec(global, &spec)?;
    let indexes: &[Arc<dyn PackageIndex>] = &opened.indexes;
    if args.fetch_hashes && global.quiet < 2 {
        say(
            "warning: --fetch-hashes: where the source gives no hash, the hash comes from the index, so it vouches for the index, not for the source",
        );
    }
    if source.format == Format::Requirements {
        if indexes.is_empty() {
            return Err(diagnostics::plain(
                format!("{} names hashes, not files, and no index is configured to find the files on", args.source.display()),
                Some("configure the index it was compiled against (--index-url, ENVLOCK_INDEX_URL, pip's configuration)".to_owned()),
            ));
        }
        envlock_import::find_files(&mut source, indexes, args.fetch_hashes)
            .map_err(|e| import_error(&e))?;
    }
    let mut selections = envlock_import::select(&source, &targets).map_err(|e| import_error(&e))?;
    let index_names =
        envlock_import::check_on_index(&source, &mut selections, indexes, args.fetch_hashes)
            .map_err(|e| import_error(&e))?;
    let mut lock = envlock_import::assemble(&AssembleInputs {
        name: args.name.clone().unwrap_or_else(|| spec.name.clone()),
        source: &source,
        source_path: relative_to(&args.source, &output),
        selections: &selections,
        index_names: &index_names,
    })
    .map_err(|e| import_error(&e))?;
    let (build_packages, mut warnings) = build_packages(&opened, &source, &selections, &output);
    lock.build_packages = build_packages;
    // The spec's carried interpreters are pinned as `envlock lock` pins them.
    let interpreters = envlock_resolver::lock_interpreters(&envlock_resolver::InterpreterRequest {
        spec: &spec,
        targets: &targets,
        previous: envlock_lock::read_lock(&output).ok().as_ref(),
        refetch: false,
        client: &opened.client,
        environment: &envlock_spec::process_environment,
    })
    .map_err(|error| diagnostics::report(&error))?;
    lock.interpreters = interpreters.interpreters;
    warnings.extend(interpreters.warnings);
    let lock = envlock_lock::normalise(lock);
    if global.quiet < 2 {
        for warning in &warnings {
            say(&format!("warning: {warning}"));
        }
    }
    write_or_check(global, args, &output, &lock, source.format)
}

/// Writes the lock (unless unchanged), or with `--check` compares it.
fn write_or_check(
    global: &GlobalOptions,
    args: &ImportArgs,
    output: &Path,
    lock: &Lock,
    format: Format,
) -> miette::Result<ExitCode> {
    let text = envlock_lock::encode(lock);
    let previous_text = std::fs::read_to_string(output).ok();
    if args.check {
        return Ok(check(output, previous_text.as_deref(), lock, &text, global));
    }
    let unchanged = previous_text.as_deref() == Some(text.as_str());
    if !unchanged {
        envlock_lock::write_lock(output, lock)
            .map_err(|error| diagnostics::lock_error(output, error))?;
    }
    if global.quiet == 0 {
        say(&format!(
            "Imported {} package versions from {} ({}) for {} target{}; {} {}",
            lock.packages.len(),
            args.source.display(),
            format.as_str(),
            lock.targets.len(),
            if lock.targets.len() == 1 { "" } else { "s" },
            if unchanged { "unchanged:" } else { "wrote" },
            output.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// The spec the targets (and indexes) come from: `--spec`, else the
/// `--python`/`--platform` flags, else ./envlock.toml, else the host's default.
fn targets_spec(args: &ImportArgs, output: &Path) -> miette::Result<Spec> {
    let flags = !args.targets.python.is_empty() || !args.targets.platform.is_empty();
    let file = match &args.spec {
        Some(path) => Some(path.clone()),
        None if !flags && Path::new("envlock.toml").is_file() => {
            Some(PathBuf::from("envlock.toml"))
        }
        None => None,
    };
    if let Some(path) = file {
        if flags {
            return Err(diagnostics::plain(
                "give either --spec or --python/--platform, not both".to_owned(),
                None,
            ));
        }
        return Spec::read(&path, &envlock_spec::process_environment)
            .map_err(diagnostics::spec_error);
    }
    let name = std::path::absolute(&args.source)
        .ok()
        .and_then(|path| {
            path.parent()?
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .filter(|name| !name.is_empty() && !name.contains('"'))
        .unwrap_or_else(|| "imported".to_owned());
    let text = spec_text(&SpecInputs {
        name,
        requirements_file: None,
        targets: targets_from_flags(&args.targets)?,
        exclude_newer: None,
    });
    Spec::parse(
        &text,
        &output.with_file_name("envlock.toml"),
        &envlock_spec::process_environment,
    )
    .map_err(diagnostics::spec_error)
}

/// `source` as seen from the lock's folder, `/` separated.
fn relative_to(source: &Path, lock: &Path) -> String {
    let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let source = absolute(source);
    let folder = absolute(lock);
    let folder = folder.parent().unwrap_or(Path::new("/"));
    let shown = source
        .strip_prefix(folder)
        .map(Path::to_path_buf)
        .unwrap_or(source);
    shown.to_string_lossy().replace('\\', "/")
}

/// The build requirements of the sdists the targets install, locked as
/// `envlock lock` locks them: the resolver is asked, per target, for the
/// sdists' pinned versions, and its `[[build-package]]` entries are kept.
fn build_packages(
    opened: &indexes::Opened,
    source: &Source,
    selections: &[Selection],
    output: &Path,
) -> (Vec<LockedPackage>, Vec<String>) {
    let mut merged: BTreeMap<(PackageName, Version), LockedPackage> = BTreeMap::new();
    let mut warnings = Vec::new();
    for selection in selections {
        let pins: Vec<String> = selection
            .chosen
            .iter()
            .filter(|(_, chosen)| matches!(chosen.name, envlock_pep::DistFilename::SourceDist(_)))
            .map(|(index, _)| {
                let package = &source.packages[*index];
                format!("{}=={}", package.name, package.version)
            })
            .collect();
        if pins.is_empty() {
            continue;
        }
        if opened.indexes.is_empty() {
            warnings.push(format!(
                "target `{}` builds {} from sdists, and with no index configured their build requirements are not locked",
                selection.target.name(),
                pins.join(", ")
            ));
            continue;
        }
        // As in `envlock lock`, build requirements that cannot be locked do
        // not stop the lock: the wheelhouse says which sdists lack them.
        let outcome = match resolve_pins(opened, &selection.target, &pins, output) {
            Ok(outcome) => outcome,
            Err(reason) => {
                warnings.push(format!(
                    "the build requirements of {} on target `{}` could not be locked: {reason}",
                    pins.join(", "),
                    selection.target.name()
                ));
                continue;
            }
        };
        warnings.extend(outcome.warnings);
        for package in outcome.lock.build_packages {
            merge(&mut merged, package);
        }
    }
    (merged.into_values().collect(), warnings)
}

fn resolve_pins(
    opened: &indexes::Opened,
    target: &Target,
    pins: &[String],
    output: &Path,
) -> Result<envlock_resolver::LockOutcome, String> {
    let quoted: Vec<String> = pins.iter().map(|pin| format!("\"{pin}\"")).collect();
    let text = format!(
        "name = \"build-requirements\"\nrequirements = [{}]\n[[targets]]\nname = \"{}\"\npython = \"{}\"\nplatform = \"{}\"\n",
        quoted.join(", "),
        target.name(),
        target.python(),
        target.platform()
    );
    let spec = Spec::parse(
        &text,
        &output.with_file_name("envlock.toml"),
        &envlock_spec::process_environment,
    )
    .map_err(|error| error.to_string())?;
    let targets = spec.targets().map_err(|error| error.to_string())?;
    envlock_resolver::lock(envlock_resolver::LockRequest {
        spec: &spec,
        targets,
        indexes: opened.indexes.clone(),
        previous: None,
        upgrade: envlock_resolver::Upgrade::Nothing,
        only_targets: None,
        sdist_builder: Some(envlock_resolver::SdistBuilder {
            python: PathBuf::from("python3"),
            cache_dir: Some(opened.cache_root.join("built-metadata-v1")),
            run: Default::default(),
            timeout: envlock_resolver::SdistBuilder::DEFAULT_TIMEOUT,
            announce: false,
        }),
        concurrency: 16,
        reporter: Arc::new(envlock_resolver::Silent),
    })
    .map_err(|error| error.to_string())
}

/// Adds one target's build package to the others'.
fn merge(merged: &mut BTreeMap<(PackageName, Version), LockedPackage>, package: LockedPackage) {
    let key = (package.name.clone(), package.version.clone());
    let Some(existing) = merged.get_mut(&key) else {
        merged.insert(key, package);
        return;
    };
    existing.targets.extend(package.targets);
    for dependency in package.dependencies {
        if !existing.dependencies.contains(&dependency) {
            existing.dependencies.push(dependency);
        }
    }
    existing.required_by.extend(package.required_by);
    for file in package.files {
        match existing
            .files
            .iter_mut()
            .find(|known| known.name == file.name)
        {
            Some(known) => known.targets.extend(file.targets),
            None => existing.files.push(file),
        }
    }
}

/// `--check`: the lock on disk against what importing gives now.
fn check(
    output: &Path,
    previous_text: Option<&str>,
    lock: &Lock,
    text: &str,
    global: &GlobalOptions,
) -> ExitCode {
    let first = super::stale_or_settled(
        output,
        previous_text,
        text,
        "envlock import",
        global.quiet > 0,
    );
    let mut lines = match first {
        Ok(line) => vec![line],
        Err(code) => return code,
    };
    let previous = previous_text.and_then(|previous| envlock_lock::decode(previous).ok());
    match previous
        .as_ref()
        .and_then(|lock| lock.imported_from.clone())
    {
        Some(before) if Some(&before) != lock.imported_from.as_ref() => lines.push(format!(
            "  the source {} changed since the lock was imported (sha256 {} then, {} now)",
            before.path,
            before.sha256,
            lock.imported_from
                .as_ref()
                .map_or_else(|| "?".to_owned(), |now| now.sha256.to_string())
        )),
        Some(_) => lines.push("  the targets or the index's files changed".to_owned()),
        None => lines.push("  the lock was not imported from this source".to_owned()),
    }
    lines.push("hint: run `envlock import` again and commit the result".to_owned());
    say(&lines.join("\n"));
    ExitCode::FAILURE
}

fn import_error(error: &ImportError) -> miette::Report {
    diagnostics::report(error)
}
