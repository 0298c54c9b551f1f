//! Building the metadata of an sdist whose metadata is not static.
//!
//! Old sdists (PKG-INFO before Metadata-Version 2.2, no static
//! `pyproject.toml` data) only reveal their dependencies when built. envlock
//! builds them with the local `python3 -m pip wheel --no-deps`, against the
//! same indexes (passed to pip through its environment variables, never on
//! a command line that a process list would show), reads the METADATA of the
//! wheel, and caches it by the sdist's sha256 so each sdist is built once.
//!
//! The host's Python builds the metadata. For the rare sdist whose
//! dependencies depend on the building interpreter, this may differ from
//! what the target would compute; locking such packages for a target whose
//! Python differs from the host's is a known limit.

use std::path::{Path, PathBuf};
use std::process::Command;

use envlock_index::{
    CoreMetadata, IndexFile, PackageIndex, parse_core_metadata, wheel_metadata_from_bytes,
};

/// Builds sdist metadata with a local Python.
#[derive(Debug, Clone)]
pub struct SdistBuilder {
    /// The Python to run (`python3` on PATH by default).
    pub python: PathBuf,
    /// Environment for pip: `PIP_INDEX_URL`, `PIP_EXTRA_INDEX_URL`,
    /// `PIP_FIND_LINKS` pointing at the same indexes as the lock.
    pub pip_environment: Vec<(String, String)>,
    /// Where built metadata is cached (by sdist sha256); `None` disables it.
    pub cache_dir: Option<PathBuf>,
}

impl SdistBuilder {
    /// The metadata of `file`, built (or read from the cache). The error is a
    /// sentence saying why the metadata could not be built.
    pub(crate) fn metadata(
        &self,
        index: &dyn PackageIndex,
        file: &IndexFile,
    ) -> Result<CoreMetadata, String> {
        let cached = self.cache_path(file);
        if let Some(path) = &cached
            && let Ok(bytes) = std::fs::read(path)
            && let Ok(metadata) = parse_core_metadata(&bytes, &path.display().to_string())
        {
            return Ok(metadata);
        }
        let work = tempfile::tempdir()
            .map_err(|error| format!("cannot create a build folder: {error}"))?;
        let sdist = work.path().join(&file.filename);
        index
            .fetch(file, &sdist)
            .map_err(|error| format!("cannot download {}: {error}", file.filename))?;
        let wheels = work.path().join("wheels");
        let output = Command::new(&self.python)
            .args(["-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check", "--no-input"])
            .arg("--wheel-dir")
            .arg(&wheels)
            .arg(&sdist)
            .envs(self.pip_environment.iter().map(|(key, value)| (key.as_str(), value.as_str())))
            .env("PIP_NO_INPUT", "1")
            .current_dir(work.path())
            .output()
            .map_err(|error| {
                format!(
                    "its metadata must be built, and `{} -m pip` could not be started ({error}); install Python 3 with pip, or pick a version with wheels",
                    self.python.display()
                )
            })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last_lines: Vec<&str> = stderr
                .lines()
                .rev()
                .take(6)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            return Err(format!(
                "its metadata must be built, and `pip wheel` failed on {}:\n{}",
                file.filename,
                last_lines.join("\n")
            ));
        }
        let bytes = read_wheel_metadata(&wheels).map_err(|reason| {
            format!("building {} gave no usable wheel: {reason}", file.filename)
        })?;
        let metadata =
            parse_core_metadata(&bytes, &file.filename).map_err(|error| error.to_string())?;
        if let Some(path) = cached {
            write_quietly(&path, &bytes);
        }
        Ok(metadata)
    }

    fn cache_path(&self, file: &IndexFile) -> Option<PathBuf> {
        let folder = self.cache_dir.as_ref()?;
        let sha256 = file.sha256.as_ref()?;
        Some(folder.join(format!("{sha256}.metadata")))
    }
}

/// The METADATA of the one wheel in `folder`.
fn read_wheel_metadata(folder: &Path) -> Result<Vec<u8>, String> {
    let wheel = std::fs::read_dir(folder)
        .map_err(|error| error.to_string())?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|extension| extension == "whl"))
        .ok_or_else(|| "no wheel was written".to_owned())?;
    let bytes = std::fs::read(&wheel).map_err(|error| error.to_string())?;
    let filename = wheel
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    wheel_metadata_from_bytes(&bytes, &filename, &wheel.display().to_string())
        .map_err(|error| error.to_string())
}

/// Writes a cache entry atomically; a cache that cannot be written only
/// costs a rebuild next time.
fn write_quietly(path: &Path, bytes: &[u8]) {
    let Some(folder) = path.parent() else { return };
    if std::fs::create_dir_all(folder).is_err() {
        return;
    }
    if let Ok(mut temporary) = tempfile::NamedTempFile::new_in(folder) {
        use std::io::Write as _;
        if temporary.write_all(bytes).is_ok() {
            let _ = temporary.persist(path);
        }
    }
}
