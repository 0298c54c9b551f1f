//! `--build-wheels`: building the wheels of sdist-only packages here, with
//! an interpreter of the target's Python, and keeping them only when they
//! install on the target.
//!
//! A wheel built on this machine is tagged for this machine. A pure-Python
//! build (`py3-none-any`) installs anywhere; a compiled one is tagged
//! `linux_x86_64` or similar, which a manylinux or macOS target does not
//! accept — and must not be made to, since it was linked against this
//! machine's libraries. Such a build is refused with the reason, never
//! renamed or carried silently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use envlock_lock::{Lock, LockedTarget};
use envlock_pep::{PlatformFamily, Target, WheelFilename};
use serde::Serialize;

use crate::error::WheelhouseError;
use crate::folder::LOCK;
use crate::fsio::{TEMPORARY_PREFIX, sha256_of};
use crate::sdist::SourceBuild;

/// How long a build may run unless told otherwise.
const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// How `--build-wheels` finds its interpreters.
#[derive(Debug, Clone, Default)]
pub struct WheelBuildOptions {
    /// The interpreter to use for every target; by default `python3.X` on
    /// `PATH` for a target of Python 3.X.
    pub python: Option<PathBuf>,
    /// How long one build may run before it is killed (default: 600 s).
    pub timeout: Option<std::time::Duration>,
}

/// A wheel built here from a locked sdist and put into the wheelhouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuiltWheel {
    /// The package.
    pub package: String,
    /// Its version.
    pub version: String,
    /// The sdist it was built from.
    pub sdist: String,
    /// The wheel's file name.
    pub file: String,
    /// Its sha256.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// The chosen targets it installs on.
    pub targets: Vec<String>,
}

/// Builds a wheel for every source build and target, with the wheelhouse
/// at `dir` as the only index (its build requirements are there).
pub(crate) fn build_wheels(
    dir: &Path,
    lock: &Lock,
    source_builds: &[SourceBuild],
    options: &WheelBuildOptions,
) -> Result<Vec<BuiltWheel>, WheelhouseError> {
    let mut interpreters: BTreeMap<String, PathBuf> = BTreeMap::new();
    // (sdist, interpreter) → the wheel built from it, so that targets that
    // share a Python share one build.
    let mut builds: BTreeMap<(String, PathBuf), String> = BTreeMap::new();
    let mut built: BTreeMap<String, BuiltWheel> = BTreeMap::new();
    for source in source_builds {
        for target_name in &source.targets {
            let Some(locked_target) = lock.target(target_name) else {
                continue;
            };
            let target = target_of(locked_target)?;
            let version = locked_target.python.to_string();
            let python = match interpreters.get(&version) {
                Some(python) => python.clone(),
                None => {
                    let python = interpreter_for(&version, target_name, options)?;
                    interpreters.insert(version, python.clone());
                    python
                }
            };
            let key = (source.file.clone(), python.clone());
            let wheel_name = match builds.get(&key) {
                Some(name) => name.clone(),
                None => {
                    let name = build_one(
                        dir,
                        source,
                        &python,
                        (target_name, options.timeout.unwrap_or(DEFAULT_TIMEOUT)),
                    )?;
                    builds.insert(key, name.clone());
                    name
                }
            };
            let accepted =
                WheelFilename::parse(&wheel_name).is_ok_and(|wheel| installs_on(&wheel, &target));
            if !accepted {
                let _ = std::fs::remove_file(dir.join(&wheel_name));
                built.remove(&wheel_name);
                return Err(WheelhouseError::HostWheel {
                    package: source.package.clone(),
                    wheel: wheel_name,
                    target: target_name.clone(),
                    platform: locked_target.platform.to_string(),
                });
            }
            let path = dir.join(&wheel_name);
            let entry = match built.remove(&wheel_name) {
                Some(entry) => entry,
                None => BuiltWheel {
                    package: source.package.clone(),
                    version: source.version.clone(),
                    sdist: source.file.clone(),
                    file: wheel_name.clone(),
                    sha256: sha256_of(&path)?.to_string(),
                    size: std::fs::metadata(&path)
                        .map_err(|error| WheelhouseError::io("read", &path, error))?
                        .len(),
                    targets: Vec::new(),
                },
            };
            let mut entry = entry;
            entry.targets.push(target_name.clone());
            built.insert(wheel_name, entry);
        }
    }
    Ok(built.into_values().collect())
}

/// Whether a wheel built here installs on the target: its tags must be
/// among the target's, and a plain `linux_<arch>` tag (a build against this
/// machine's libraries, which pip would accept on any Linux) counts only for
/// a target whose platform is exactly that.
fn installs_on(wheel: &WheelFilename, target: &Target) -> bool {
    let host_specific = wheel
        .platform_tags()
        .iter()
        .any(|tag| tag.starts_with("linux_"));
    if host_specific && target.platform().family() != PlatformFamily::Linux {
        return false;
    }
    target.tags().wheel_priority(wheel).is_some()
}

fn target_of(target: &LockedTarget) -> Result<Target, WheelhouseError> {
    Target::new(target.python, target.platform.clone()).map_err(|error| {
        WheelhouseError::Malformed {
            path: PathBuf::from(LOCK),
            reason: error.to_string(),
        }
    })
}

/// The interpreter for Python `version` (`3.X`): the one given, or
/// `python3.X` on `PATH`; checked to really be that version.
fn interpreter_for(
    version: &str,
    target: &str,
    options: &WheelBuildOptions,
) -> Result<PathBuf, WheelhouseError> {
    let python = match &options.python {
        Some(python) => python.clone(),
        None => find_on_path(&format!("python{version}")).ok_or_else(|| {
            WheelhouseError::NoInterpreter {
                version: version.to_owned(),
                target: target.to_owned(),
            }
        })?,
    };
    let output = Command::new(&python)
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .map_err(|error| WheelhouseError::io("run", &python, error))?;
    let found = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() || found != version {
        return Err(WheelhouseError::WrongInterpreter {
            python,
            found: if found.is_empty() {
                "nothing (it did not run)".to_owned()
            } else {
                format!("Python {found}")
            },
            version: version.to_owned(),
            target: target.to_owned(),
        });
    }
    Ok(python)
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Runs `pip wheel` on the sdist with the wheelhouse as its only index, in
/// a temporary folder; moves the wheel into the wheelhouse and returns its
/// name.
fn build_one(
    dir: &Path,
    source: &SourceBuild,
    python: &Path,
    (target, timeout): (&str, std::time::Duration),
) -> Result<String, WheelhouseError> {
    let staging = tempfile::Builder::new()
        .prefix(TEMPORARY_PREFIX)
        .tempdir_in(dir)
        .map_err(|error| WheelhouseError::io("create a temporary folder in", dir, error))?;
    let failed = |reason: String| WheelhouseError::WheelBuildFailed {
        package: source.package.clone(),
        target: target.to_owned(),
        python: python.to_path_buf(),
        reason,
    };
    // Everything the build needs is in the wheelhouse, so the whole of pip
    // runs confined: scrubbed environment, no network where permitted.
    let mut command = envlock_confine::without_network(&envlock_confine::real_interpreter(python));
    command
        .args([
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-index",
            "--find-links",
        ])
        .arg(dir)
        .arg("--wheel-dir")
        .arg(staging.path())
        .arg(dir.join(&source.file));
    let work = tempfile::tempdir()
        .map_err(|error| WheelhouseError::io("create a temporary folder in", dir, error))?;
    envlock_confine::scrub(&mut command, &work.path().join("home")).map_err(&failed)?;
    let output = envlock_confine::run(&mut command, work.path(), timeout).map_err(|unfinished| {
        failed(match unfinished {
            envlock_confine::Unfinished::TimedOut => format!(
                "the build ran longer than {} seconds and was killed; raise it with --build-timeout",
                timeout.as_secs()
            ),
            envlock_confine::Unfinished::Io(error) => error,
        })
    })?;
    if !output.status.success() {
        let tail: Vec<&str> = output.stderr.lines().rev().take(12).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(failed(tail.join("\n")));
    }
    let wheels: Vec<PathBuf> = std::fs::read_dir(staging.path())
        .map_err(|error| WheelhouseError::io("read", staging.path(), error))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "whl"))
        .collect();
    let [wheel] = wheels.as_slice() else {
        return Err(failed(format!(
            "pip wheel left {} wheels, not one",
            wheels.len()
        )));
    };
    let name = wheel
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dest = dir.join(&name);
    std::fs::rename(wheel, &dest).map_err(|error| WheelhouseError::io("write", &dest, error))?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(python: &str, platform: &str) -> Target {
        target_of(&LockedTarget {
            name: "target".to_owned(),
            python: python.parse().unwrap(),
            platform: platform.parse().unwrap(),
        })
        .unwrap()
    }

    #[test]
    fn host_wheels_install_only_on_plain_linux_targets() {
        let pure = WheelFilename::parse("purecli-1.0-py3-none-any.whl").unwrap();
        let host = WheelFilename::parse("native-1.0-cp311-cp311-linux_x86_64.whl").unwrap();
        let manylinux = target("3.11", "manylinux_2_28_x86_64");
        assert!(installs_on(&pure, &manylinux));
        assert!(!installs_on(&host, &manylinux));
        assert!(!installs_on(&host, &target("3.11", "macos")));
        assert!(installs_on(&host, &target("3.11", "linux_x86_64")));
        // The right platform but another Python is refused too.
        assert!(!installs_on(&host, &target("3.12", "linux_x86_64")));
    }
}
