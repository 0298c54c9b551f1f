//! `[[interpreter]]`: the relocatable CPython a target carries, pinned like
//! a file of a package (its own table and struct, so that the rest of the
//! model does not change for it).

use std::collections::HashSet;

use envlock_fs::{Sha256, check_file_name};
use envlock_pep::InterpreterArchive;
use serde::Deserialize;

use crate::model::Lock;

/// A python-build-standalone `install_only` archive (or one of the same
/// layout) that the far side unpacks and makes the target's environment
/// with, instead of looking for a Python there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LockedInterpreter {
    /// The target that carries it (one archive per target).
    pub target: String,
    /// The archive's file name, in the release naming
    /// `cpython-X.Y.Z+DATE-TRIPLE-install_only.tar.gz`; its name under
    /// `python/` in a wheelhouse.
    pub file: String,
    /// The exact CPython version (`3.12.7`), which is also the target's
    /// `python`.
    pub version: String,
    /// The release date of the build (`20241016`).
    pub build: String,
    /// The triple it is built for (`x86_64-unknown-linux-gnu`).
    pub triple: String,
    /// Where it is fetched from, as configured: `${VAR}` kept unexpanded,
    /// so that no mirror host or credential is written into the lock.
    pub url: String,
    /// The sha256 of the archive.
    pub sha256: Sha256,
    /// Its size in bytes.
    pub size: u64,
}

/// The table as TOML holds it.
#[derive(Deserialize)]
pub(crate) struct WireInterpreter {
    target: String,
    file: String,
    version: String,
    build: String,
    triple: String,
    url: String,
    sha256: String,
    size: u64,
}

impl WireInterpreter {
    pub(crate) fn into_locked(self) -> Result<LockedInterpreter, String> {
        let sha256 = Sha256::from_lowercase_hex(&self.sha256).map_err(|_| {
            format!(
                "the interpreter of target `{}` has sha256 `{}`, which is not 64 lowercase hex digits",
                self.target, self.sha256
            )
        })?;
        Ok(LockedInterpreter {
            target: self.target,
            file: self.file,
            version: self.version,
            build: self.build,
            triple: self.triple,
            url: self.url,
            sha256,
            size: self.size,
        })
    }
}

/// Checks every interpreter: a declared target, at most one per target, a
/// bare archive file name in the release naming that agrees with
/// `version`, `build` and `triple`, the target's exact Python version, a
/// triple that fits the target's platform, and a URL without control
/// characters.
pub(crate) fn validate_interpreters(lock: &Lock) -> Result<(), String> {
    let mut seen = HashSet::new();
    for interpreter in &lock.interpreters {
        if !seen.insert(interpreter.target.as_str()) {
            return Err(format!(
                "target `{}` has two interpreters",
                interpreter.target.escape_debug()
            ));
        }
    }
    for interpreter in &lock.interpreters {
        check_one(lock, interpreter).map_err(|problem| {
            format!(
                "the interpreter of target `{}`: {problem}; the lock was edited by hand or \
                 by another tool: write it again with `envlock lock`",
                interpreter.target.escape_debug()
            )
        })?;
    }
    Ok(())
}

fn check_one(lock: &Lock, interpreter: &LockedInterpreter) -> Result<(), String> {
    let target = lock
        .target(&interpreter.target)
        .ok_or("the lock does not declare this target")?;
    check_file_name(&interpreter.file).map_err(|error| format!("its `file`: {error}"))?;
    let archive =
        InterpreterArchive::parse(&interpreter.file).map_err(|error| error.to_string())?;
    let version = archive.version.to_string();
    for (key, written, named) in [
        ("version", &interpreter.version, &version),
        ("build", &interpreter.build, &archive.build),
        ("triple", &interpreter.triple, &archive.triple.to_string()),
    ] {
        if written != named {
            return Err(format!(
                "`{key} = \"{}\"`, and its file name says `{named}`",
                written.escape_debug()
            ));
        }
    }
    if target.python.to_string() != interpreter.version {
        return Err(format!(
            "it is CPython {}, and the target's `python` is `{}` (they must be the same)",
            interpreter.version, target.python
        ));
    }
    archive.triple.fits(&target.platform)?;
    if interpreter.url.chars().any(char::is_control) {
        return Err("its `url` holds control characters".to_owned());
    }
    Ok(())
}

/// A target's carried interpreter that one lock has and the other has
/// not, or has otherwise (version, build, triple, URL or hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InterpreterChange {
    /// The target.
    pub target: String,
    /// `CPython X.Y.Z (build …, triple, sha256 …)` in the old lock; `None`
    /// when added.
    pub old: Option<String>,
    /// The same in the new lock; `None` when removed.
    pub new: Option<String>,
}

impl InterpreterChange {
    /// The change's kind, for a row or a bullet.
    pub(crate) fn label(&self) -> &'static str {
        match (&self.old, &self.new) {
            (None, _) => "interpreter added",
            (_, None) => "interpreter removed",
            _ => "interpreter changed",
        }
    }

    /// What it was and what it is.
    pub(crate) fn text(&self) -> String {
        match (&self.old, &self.new) {
            (Some(old), Some(new)) => format!("{old} -> {new}"),
            (Some(only), None) | (None, Some(only)) => only.clone(),
            (None, None) => String::new(),
        }
    }
}

/// The interpreters that differ between two locks, by target.
pub(crate) fn interpreter_changes(old: &Lock, new: &Lock) -> Vec<InterpreterChange> {
    let describe = |interpreter: &LockedInterpreter| {
        format!(
            "CPython {} (build {}, {}, sha256 {}) from {}",
            interpreter.version,
            interpreter.build,
            interpreter.triple,
            interpreter.sha256,
            interpreter.url
        )
    };
    let index = |lock: &Lock| -> std::collections::BTreeMap<String, String> {
        lock.interpreters
            .iter()
            .map(|interpreter| (interpreter.target.clone(), describe(interpreter)))
            .collect()
    };
    let (before, after) = (index(old), index(new));
    let targets: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    targets
        .into_iter()
        .filter(|target| before.get(*target) != after.get(*target))
        .map(|target| InterpreterChange {
            target: target.clone(),
            old: before.get(target).cloned(),
            new: after.get(target).cloned(),
        })
        .collect()
}
