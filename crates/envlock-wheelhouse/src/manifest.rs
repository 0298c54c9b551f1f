//! `wheelhouse.toml`: which lock and which targets the folder serves, and
//! the wheels built here (which the lock does not know).

use std::fmt::Write as _;
use std::path::Path;

use crate::error::WheelhouseError;
use envlock_lock::{Lock, quote};

use crate::folder::{MANIFEST, interpreter_path};
use crate::fsio::write_atomic;
use crate::wheel_build::BuiltWheel;

/// Writes the manifest of the folder at `dir`.
pub(crate) fn write_manifest(
    dir: &Path,
    lock: &Lock,
    targets: &[String],
    built: &[BuiltWheel],
) -> Result<(), WheelhouseError> {
    write_atomic(
        &dir.join(MANIFEST),
        manifest_text(lock, targets, built).as_bytes(),
    )
}

/// The manifest's text.
fn manifest_text(lock: &Lock, targets: &[String], built: &[BuiltWheel]) -> String {
    let lock_name = &lock.name;
    let list = |values: &[String]| {
        values
            .iter()
            .map(|value| quote(value))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::new();
    out.push_str("# Written by `envlock wheelhouse`. Do not edit: `envlock verify` reads it.\n");
    let _ = writeln!(out, "lock = {}", quote(lock_name));
    let _ = writeln!(out, "targets = [{}]", list(targets));
    for wheel in built {
        out.push_str("\n[[built-wheel]]\n");
        let _ = writeln!(out, "package = {}", quote(&wheel.package));
        let _ = writeln!(out, "version = {}", quote(&wheel.version));
        let _ = writeln!(out, "sdist = {}", quote(&wheel.sdist));
        let _ = writeln!(out, "file = {}", quote(&wheel.file));
        let _ = writeln!(out, "sha256 = {}", quote(&wheel.sha256));
        let _ = writeln!(out, "size = {}", wheel.size);
        let _ = writeln!(out, "targets = [{}]", list(&wheel.targets));
    }
    for interpreter in &lock.interpreters {
        if !targets.contains(&interpreter.target) {
            continue;
        }
        out.push_str("\n[[interpreter]]\n");
        let _ = writeln!(out, "target = {}", quote(&interpreter.target));
        let _ = writeln!(
            out,
            "file = {}",
            quote(&interpreter_path(&interpreter.file))
        );
        let _ = writeln!(out, "version = {}", quote(&interpreter.version));
        let _ = writeln!(out, "sha256 = {}", quote(&interpreter.sha256.to_string()));
        let _ = writeln!(out, "size = {}", interpreter.size);
    }
    out
}

/// What a wheelhouse's manifest says (`envlock verify` and `envlock
/// publish` read it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Manifest {
    /// The targets the wheelhouse serves.
    pub targets: Vec<String>,
    /// Wheels built here from sdists.
    #[serde(default, rename = "built-wheel")]
    pub built_wheels: Vec<ManifestWheel>,
}

/// A built wheel as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ManifestWheel {
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
    /// The targets it installs on.
    pub targets: Vec<String>,
}

/// Reads the manifest (`wheelhouse.toml`) of the wheelhouse at `dir`.
pub fn read_manifest(dir: &Path) -> Result<Manifest, WheelhouseError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path)
        .map_err(|error| WheelhouseError::io("read", &path, error))?;
    toml::from_str(&text).map_err(|error| WheelhouseError::Malformed {
        path: path.clone(),
        reason: error.message().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_reads_back_with_its_built_wheels() {
        let dir = tempfile::tempdir().unwrap();
        let built = BuiltWheel {
            package: "pyperclip".to_owned(),
            version: "1.8.2".to_owned(),
            sdist: "pyperclip-1.8.2.tar.gz".to_owned(),
            file: "pyperclip-1.8.2-py3-none-any.whl".to_owned(),
            sha256: "b".repeat(64),
            size: 11,
            targets: vec!["cp310-manylinux_2_28_x86_64".to_owned()],
        };
        let lock = Lock {
            name: "kit \"quoted\"".to_owned(),
            ..Lock::default()
        };
        write_manifest(
            dir.path(),
            &lock,
            &["cp310-manylinux_2_28_x86_64".to_owned()],
            std::slice::from_ref(&built),
        )
        .unwrap();
        let manifest = read_manifest(dir.path()).unwrap();
        assert_eq!(manifest.targets, ["cp310-manylinux_2_28_x86_64"]);
        assert_eq!(manifest.built_wheels.len(), 1);
        let read = &manifest.built_wheels[0];
        assert_eq!(
            (&read.package, &read.version, &read.sdist, &read.file),
            (&built.package, &built.version, &built.sdist, &built.file)
        );
        assert_eq!((&read.sha256, read.size), (&built.sha256, built.size));
        assert_eq!(read.targets, built.targets);
    }
}
