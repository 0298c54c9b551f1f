//! `requirements.txt`, `requirements/<target>.txt` and `pylock.toml`: the
//! lock exported for installers, pointing at the folder's own files.
//!
//! `requirements.txt` serves every chosen target at once, with markers.
//! Each `requirements/<target>.txt` holds only that target's pins, and
//! pins a package whose extras the target's set requests twice: plainly
//! and with those extras (`jsonschema==4.23.0` and
//! `jsonschema[format-nongpl]==4.23.0`, same hashes). Pips from 20.3 to
//! 23.x, in `--require-hashes` mode, reject a dependency's
//! `jsonschema[format-nongpl]>=4.18` when the folder holds several versions
//! of it and no pinned line names those extras; and with only the extras
//! line, they may take another package's plain `jsonschema>=2.6` to the
//! newest file in the folder (one for another target's Python) before the
//! pin is seen, and stop with "all requirements must have their versions
//! pinned". These are the files the far side installs from.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::str::FromStr;

use envlock_lock::{
    ExportError, FileLocation, Lock, LockedFile, LockedPackage, LockedTarget, export_pylock,
    export_requirements,
};
use envlock_pep::{DistFilename, ExtraName, MarkerEnvironment, Requirement, Target};

use crate::error::WheelhouseError;
use crate::fsio::{TEMPORARY_PREFIX, write_atomic};

/// The folder of the per-target requirement files.
pub(crate) const REQUIREMENTS_DIR: &str = "requirements";

/// The path of the requirement file of a target's carried pip.
pub(crate) fn target_pip_path(target: &str) -> String {
    format!("{REQUIREMENTS_DIR}/pip/{target}.txt")
}

/// The carried pip's wheel for a target: the locked package and the file.
pub(crate) fn carried_pip<'lock>(
    lock: &'lock Lock,
    target: &str,
) -> Option<(&'lock LockedPackage, &'lock LockedFile)> {
    lock.installer_packages
        .iter()
        .filter(|package| package.name.as_ref() == "pip" && package.targets.contains(target))
        .find_map(|package| {
            package
                .files
                .iter()
                .find(|file| {
                    file.targets.contains(target) && matches!(file.name, DistFilename::Wheel(_))
                })
                .map(|file| (package, file))
        })
}

/// The path of a target's requirement file inside the wheelhouse.
pub(crate) fn target_requirements_path(target: &str) -> String {
    format!("{REQUIREMENTS_DIR}/{target}.txt")
}

/// Writes the exports of `lock` for `targets` into the folder at `dir`.
pub(crate) fn write_exports(
    dir: &Path,
    lock: &Lock,
    targets: &[String],
) -> Result<(), WheelhouseError> {
    let requirements = export_requirements(lock, Some(targets))?;
    write_atomic(&dir.join("requirements.txt"), requirements.as_bytes())?;
    let pylock = export_pylock(lock, Some(targets), &FileLocation::Wheelhouse)?;
    write_atomic(&dir.join("pylock.toml"), pylock.as_bytes())?;
    for target in targets.iter().filter_map(|name| lock.target(name)) {
        let text = target_requirements(lock, target)?;
        write_atomic(
            &dir.join(target_requirements_path(&target.name)),
            text.as_bytes(),
        )?;
    }
    remove_other_targets(&dir.join(REQUIREMENTS_DIR), targets)?;
    let mut with_pip = Vec::new();
    for target in targets {
        if let Some((package, file)) = carried_pip(lock, target) {
            let text = format!(
                "# The pip that install.sh puts into the environment first (target {target}).\n\
                 pip=={} \\\n    --hash=sha256:{}\n",
                package.version, file.sha256
            );
            write_atomic(&dir.join(target_pip_path(target)), text.as_bytes())?;
            with_pip.push(target.clone());
        }
    }
    remove_other_targets(&dir.join(REQUIREMENTS_DIR).join("pip"), &with_pip)
}

/// Removes from `folder` the requirement files of targets an earlier build
/// served (folders in it are left alone).
fn remove_other_targets(folder: &Path, targets: &[String]) -> Result<(), WheelhouseError> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Ok(());
    };
    let wanted: BTreeSet<String> = targets.iter().map(|name| format!("{name}.txt")).collect();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|kind| kind.is_file());
        if is_file && !wanted.contains(&name) && !name.starts_with(TEMPORARY_PREFIX) {
            let path = entry.path();
            std::fs::remove_file(&path)
                .map_err(|error| WheelhouseError::io("remove", &path, error))?;
        }
    }
    Ok(())
}

/// One target's requirement file: its pins, with the extras its set
/// requests, and the hashes of its files.
fn target_requirements(lock: &Lock, target: &LockedTarget) -> Result<String, WheelhouseError> {
    let extras = requested_extras(lock, target)?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Written by `envlock wheelhouse` from the lock `{}`. Do not edit.",
        lock.name.replace(['\n', '\r'], " ")
    );
    let _ = writeln!(
        out,
        "# Target {} (Python {} on {}) only. From the wheelhouse folder:",
        target.name, target.python, target.platform
    );
    let _ = writeln!(
        out,
        "#   pip install --no-index --find-links . --require-hashes -r {}",
        target_requirements_path(&target.name)
    );
    for package in lock.packages_for(&target.name) {
        let hashes: BTreeSet<String> = package
            .files
            .iter()
            .filter(|file| file.targets.contains(&target.name))
            .map(|file| file.sha256.to_string())
            .collect();
        if hashes.is_empty() {
            return Err(ExportError::NoFiles {
                package: package.name.to_string(),
                version: package.version.to_string(),
                target: target.name.clone(),
            }
            .into());
        }
        let mut spellings = vec![package.name.to_string()];
        if let Some(requested) = extras.get(package.name.as_ref())
            && !requested.is_empty()
        {
            let list: Vec<&str> = requested.iter().map(String::as_str).collect();
            spellings.push(format!("{}[{}]", package.name, list.join(",")));
        }
        for spelling in spellings {
            write_pin(&mut out, &spelling, &package.version, &hashes);
        }
    }
    Ok(out)
}

/// One hashed pin line of a requirement file.
fn write_pin(
    out: &mut String,
    spelling: &str,
    version: &impl std::fmt::Display,
    hashes: &BTreeSet<String>,
) {
    out.push('\n');
    let _ = write!(out, "{spelling}=={version}");
    for hash in hashes {
        let _ = write!(out, " \\\n    --hash=sha256:{hash}");
    }
    out.push('\n');
}

/// The extras that `target`'s set requests of each package (normalised
/// name → extras): from the lock's requirements and the dependencies of
/// every package the target installs, each where its marker holds on the
/// target. A dependency under `extra == 'x'` counts where `x` is requested
/// of its package, so this runs until nothing new is found.
fn requested_extras(
    lock: &Lock,
    target: &LockedTarget,
) -> Result<BTreeMap<String, BTreeSet<String>>, WheelhouseError> {
    let environment = marker_environment(target)?;
    let parse = |text: &String| Requirement::from_str(text).ok();
    let roots: Vec<Requirement> = lock.requirements.iter().filter_map(parse).collect();
    let installed: Vec<(String, Vec<Requirement>)> = lock
        .packages_for(&target.name)
        .map(|package| {
            let dependencies = package.dependencies.iter().filter_map(parse).collect();
            (package.name.to_string(), dependencies)
        })
        .collect();
    let mut requested: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for root in &roots {
        if root.marker.evaluate(&environment, &[]) {
            add_extras(&mut requested, root);
        }
    }
    loop {
        let mut changed = false;
        for (name, dependencies) in &installed {
            let active: Vec<ExtraName> = requested
                .get(name)
                .into_iter()
                .flatten()
                .filter_map(|extra| ExtraName::from_str(extra).ok())
                .collect();
            for dependency in dependencies {
                if dependency.marker.evaluate(&environment, &active) {
                    changed |= add_extras(&mut requested, dependency);
                }
            }
        }
        if !changed {
            return Ok(requested);
        }
    }
}

/// Notes that `requirement` requests its package (with its extras);
/// whether that added anything.
fn add_extras(
    requested: &mut BTreeMap<String, BTreeSet<String>>,
    requirement: &Requirement,
) -> bool {
    let entry = requested.entry(requirement.name.to_string()).or_default();
    let before = entry.len();
    entry.extend(requirement.extras.iter().map(ToString::to_string));
    entry.len() != before
}

/// The PEP 508 environment of a locked target.
fn marker_environment(target: &LockedTarget) -> Result<MarkerEnvironment, WheelhouseError> {
    let malformed = |reason: String| WheelhouseError::Malformed {
        path: format!("the lock's target `{}`", target.name).into(),
        reason,
    };
    let built = Target::new(target.python, target.platform.clone())
        .map_err(|error| malformed(error.to_string()))?;
    Ok(built.marker_environment().clone())
}
