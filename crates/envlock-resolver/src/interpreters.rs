//! Locking the carried interpreters: for each target that asks for one, the
//! archive's name (from its version, build and the triple that fits the
//! target's platform, or from its URL), its sha256 and size.
//!
//! Like a resource, an archive is fetched once, when it first enters the
//! lock (or when its setting changes, or with `--upgrade`); it goes into the
//! content-addressed cache, so the wheelhouse places it without a second
//! download.

use std::path::Path;

use envlock_fs::Sha256;
use envlock_index::{FileSource, IndexClient};
use envlock_lock::{Lock, LockedInterpreter};
use envlock_pep::{Hint, Target, Triple};
use envlock_spec::{Environment, InterpreterSource, InterpreterSpec, Spec};

use crate::error::ResolveError;

/// What locking the interpreters needs.
pub struct InterpreterRequest<'a> {
    /// The spec (relative archive paths are taken from its folder).
    pub spec: &'a Spec,
    /// Its targets, validated, in the spec's order.
    pub targets: &'a [Target],
    /// The lock being replaced: unchanged entries are kept without a fetch.
    pub previous: Option<&'a Lock>,
    /// Fetch every archive again (`--upgrade`).
    pub refetch: bool,
    /// The client that fetches them (its cache, retries and `--offline`).
    pub client: &'a IndexClient,
    /// Where `${VAR}` in URLs is looked up.
    pub environment: Environment<'a>,
}

/// The locked interpreters, and the warnings about them.
#[derive(Debug, Default)]
pub struct InterpreterOutcome {
    /// One per target that carries one, in target order.
    pub interpreters: Vec<LockedInterpreter>,
    /// How many were fetched (rather than kept from the previous lock).
    pub fetched: usize,
    /// Limits of an archive that fits (a static musl build), one sentence each.
    pub warnings: Vec<String>,
}

/// Locks the interpreter of every target that asks for one.
pub fn lock_interpreters(
    request: &InterpreterRequest<'_>,
) -> Result<InterpreterOutcome, ResolveError> {
    let mut outcome = InterpreterOutcome::default();
    for (declared, target) in request.spec.targets.iter().zip(request.targets) {
        let Some(interpreter) = &declared.interpreter else {
            continue;
        };
        let failed = |message: String, hint: &str| ResolveError::Interpreter {
            target: target.name().to_owned(),
            message,
            hint: hint.to_owned(),
        };
        let triple =
            triple_for(interpreter, target).map_err(|(message, hint)| failed(message, hint))?;
        if let Some(warning) = triple
            .fits(target.platform())
            .map_err(|message| failed(message, "choose the archive built for the target's platform (its triple says which), or change the target"))?
        {
            outcome
                .warnings
                .push(format!("target `{}`: {warning}", target.name()));
        }
        let file = interpreter.file_name(&triple);
        let url_as_written = interpreter.url_as_written(&triple);
        if let Some(kept) = unchanged(request, target.name(), &file, &url_as_written) {
            outcome.interpreters.push(kept.clone());
            continue;
        }
        let url = interpreter
            .expanded_url(&triple, request.environment)
            .map_err(|error| {
                let hint = error
                    .hint()
                    .unwrap_or_else(|| "set the variable".to_owned());
                failed(error.to_string(), &hint)
            })?;
        let (sha256, size) =
            fetch(request, &file, &url).map_err(|(message, hint)| failed(message, hint))?;
        outcome.fetched += 1;
        outcome.interpreters.push(LockedInterpreter {
            target: target.name().to_owned(),
            file,
            version: interpreter.version.to_string(),
            build: build_of(interpreter),
            triple: triple.to_string(),
            url: url_as_written,
            sha256,
            size,
        });
    }
    Ok(outcome)
}

/// The triple of the archive: the one python-build-standalone builds for
/// the target's platform, or the one the archive's name says.
fn triple_for(
    interpreter: &InterpreterSpec,
    target: &Target,
) -> Result<Triple, (String, &'static str)> {
    match &interpreter.source {
        InterpreterSource::Archive { archive, .. } => Ok(archive.triple.clone()),
        InterpreterSource::Release { .. } => {
            Triple::for_platform(target.platform()).ok_or_else(|| {
                (
                    format!(
                        "no single python-build-standalone build is made for the platform `{}`",
                        target.platform()
                    ),
                    "give the archive to carry with `url` in the target's `interpreter`",
                )
            })
        }
    }
}

fn build_of(interpreter: &InterpreterSpec) -> String {
    match &interpreter.source {
        InterpreterSource::Release { build, .. } => build.clone(),
        InterpreterSource::Archive { archive, .. } => archive.build.clone(),
    }
}

/// The previous lock's entry for this target, when it names the same
/// archive at the same URL and no refetch was asked for.
fn unchanged<'a>(
    request: &InterpreterRequest<'a>,
    target: &str,
    file: &str,
    url: &str,
) -> Option<&'a LockedInterpreter> {
    if request.refetch {
        return None;
    }
    request
        .previous?
        .interpreters
        .iter()
        .find(|previous| previous.target == target && previous.file == file && previous.url == url)
}

/// Fetches the archive into the cache (through a scratch folder) and
/// returns its sha256 and size.
fn fetch(
    request: &InterpreterRequest<'_>,
    file: &str,
    url: &str,
) -> Result<(Sha256, u64), (String, &'static str)> {
    let folder = request.spec.path.parent().unwrap_or(Path::new("."));
    let source = FileSource::parse(url, folder).map_err(|error| {
        (
            error.to_string(),
            "the interpreter's `url` or `mirror` is an http(s) or file:// URL, or a path relative to the spec",
        )
    })?;
    let scratch_root = request.client.cache().root().join("tmp");
    let scratch = std::fs::create_dir_all(&scratch_root)
        .and_then(|()| tempfile::tempdir_in(&scratch_root))
        .map_err(|error| {
            (
                format!(
                    "cannot create a temporary folder in {}: {error}",
                    scratch_root.display()
                ),
                "check that the cache folder (ENVLOCK_CACHE_DIR) is writable",
            )
        })?;
    let fetched = request
        .client
        .fetch_source(&source, file, None, &scratch.path().join(file))
        .map_err(|error| {
            (
                format!("cannot fetch {file}: {error}"),
                "check the release base (ENVLOCK_PYTHON_INSTALL_MIRROR or `mirror`) and that the release has this version and build for the target's triple; or give `url`",
            )
        })?;
    Ok((fetched.sha256, fetched.size))
}
