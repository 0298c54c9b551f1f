//! The files of a wheelhouse besides the distributions, and the rules that
//! keep a folder either a complete wheelhouse or visibly an incomplete one.
//!
//! ```text
//! DIR/
//!   *.whl, *.tar.gz, *.zip   the locked files of the chosen targets, flat
//!   requirements.txt         pins with --hash lines and per-target markers
//!   pylock.toml              PEP 751, with relative `path` entries
//!   simple/                  a static PEP 503 index with relative links
//!   envlock.lock             the lock, byte for byte
//!   wheelhouse.toml          which targets of the lock this folder serves
//!   README.txt               the install commands for the far side
//!   resources/               the lock's plain files, verified like the rest
//!   clearml.env, clearml-agent-values.override.yaml, clearml.conf.snippet
//!                            with --serve-url: where the far side finds it all
//!   SHA256SUMS               every other file, for `sha256sum -c`; written last
//! ```
//!
//! `SHA256SUMS` is written last and removed first: a folder without it is a
//! build that did not finish, and `envlock verify` says so.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};

use envlock_lock::{FileLocation, Lock, LockedResource, export_pylock, export_requirements};
use sha2::{Digest, Sha256};

use crate::build::BuildRequest;
use crate::error::WheelhouseError;
use crate::far_side;
use crate::plan::PlannedFile;
use crate::resources::resource_path;
use crate::sdist::SourceBuild;
use crate::wheel_build::BuiltWheel;

/// The prefix of every temporary file envlock makes in a wheelhouse (the
/// index client uses `.envlock-download-`, which shares it).
pub(crate) const TEMPORARY_PREFIX: &str = ".envlock-";

/// The file that marks a folder as a wheelhouse and names its targets.
pub(crate) const MANIFEST: &str = "wheelhouse.toml";
/// The checksums file, written last.
pub(crate) const CHECKSUMS: &str = "SHA256SUMS";
/// The lock's copy.
pub(crate) const LOCK: &str = "envlock.lock";
/// The static index folder.
pub(crate) const SIMPLE: &str = "simple";

/// Creates the folder, or checks that an existing one is safe to build in,
/// and clears temporary files an interrupted build left.
pub(crate) fn prepare_dir(dir: &Path) -> Result<(), WheelhouseError> {
    std::fs::create_dir_all(dir).map_err(|error| WheelhouseError::io("create", dir, error))?;
    let mut entries = read_dir_names(dir)?;
    entries.retain(|name| !name.starts_with(TEMPORARY_PREFIX));
    if !entries.is_empty() && !dir.join(MANIFEST).is_file() {
        return Err(WheelhouseError::NotAWheelhouse {
            path: dir.to_path_buf(),
        });
    }
    for name in read_dir_names(dir)? {
        if name.starts_with(TEMPORARY_PREFIX) {
            let path = dir.join(&name);
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
    }
    // The marker goes in before any distribution, so that a build that
    // fails half-way can be resumed in the same folder.
    if !dir.join(MANIFEST).is_file() {
        write_atomic(
            &dir.join(MANIFEST),
            b"# An envlock wheelhouse being built.\n",
        )?;
    }
    mark_incomplete(dir)
}

/// Removes `SHA256SUMS`, so that an unfinished build cannot pass a check.
pub(crate) fn mark_incomplete(dir: &Path) -> Result<(), WheelhouseError> {
    let path = dir.join(CHECKSUMS);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(WheelhouseError::io("remove", path, error)),
    }
}

fn read_dir_names(dir: &Path) -> Result<Vec<String>, WheelhouseError> {
    let entries =
        std::fs::read_dir(dir).map_err(|error| WheelhouseError::io("read", dir, error))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| WheelhouseError::io("read", dir, error))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// Whether a top-level file name is a distribution (wheel or sdist).
pub(crate) fn is_distribution(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".whl") || lower.ends_with(".tar.gz") || lower.ends_with(".zip")
}

/// Removes distributions that an earlier build of this folder placed and
/// the current lock no longer has. Returns their names.
pub(crate) fn remove_unplanned(
    dir: &Path,
    files: &[PlannedFile],
) -> Result<Vec<String>, WheelhouseError> {
    let planned: BTreeSet<&str> = files.iter().map(|file| file.name.as_str()).collect();
    let mut removed = Vec::new();
    for name in read_dir_names(dir)? {
        if is_distribution(&name) && !planned.contains(name.as_str()) {
            let path = dir.join(&name);
            std::fs::remove_file(&path)
                .map_err(|error| WheelhouseError::io("remove", path, error))?;
            removed.push(name);
        }
    }
    Ok(removed)
}

/// The lowercase hex sha256 of a file's content.
pub(crate) fn sha256_of(path: &Path) -> Result<String, WheelhouseError> {
    let mut file =
        std::fs::File::open(path).map_err(|error| WheelhouseError::io("read", path, error))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|error| WheelhouseError::io("read", path, error))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WheelhouseError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|error| WheelhouseError::io("create", dir, error))?;
    let mut temporary = tempfile::Builder::new()
        .prefix(TEMPORARY_PREFIX)
        .tempfile_in(dir)
        .map_err(|error| WheelhouseError::io("create a temporary file in", dir, error))?;
    temporary
        .write_all(bytes)
        .map_err(|error| WheelhouseError::io("write", path, error))?;
    temporary
        .persist(path)
        .map_err(|error| WheelhouseError::io("write", path, error.error))?;
    Ok(())
}

/// The manifest: which lock and which targets the folder serves, and the
/// wheels built here (which the lock does not know).
pub(crate) fn manifest_text(lock_name: &str, targets: &[String], built: &[BuiltWheel]) -> String {
    let list = |values: &[String]| {
        values
            .iter()
            .map(|value| toml_string(value))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::new();
    out.push_str("# Written by `envlock wheelhouse`. Do not edit: `envlock verify` reads it.\n");
    let _ = writeln!(out, "lock = {}", toml_string(lock_name));
    let _ = writeln!(out, "targets = [{}]", list(targets));
    for wheel in built {
        out.push_str("\n[[built-wheel]]\n");
        let _ = writeln!(out, "package = {}", toml_string(&wheel.package));
        let _ = writeln!(out, "version = {}", toml_string(&wheel.version));
        let _ = writeln!(out, "sdist = {}", toml_string(&wheel.sdist));
        let _ = writeln!(out, "file = {}", toml_string(&wheel.file));
        let _ = writeln!(out, "sha256 = {}", toml_string(&wheel.sha256));
        let _ = writeln!(out, "size = {}", wheel.size);
        let _ = writeln!(out, "targets = [{}]", list(&wheel.targets));
    }
    out
}

fn toml_string(value: &str) -> String {
    toml::Value::String(value.to_owned()).to_string()
}

/// What a wheelhouse's manifest says.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct Manifest {
    /// The targets the wheelhouse serves.
    pub targets: Vec<String>,
    /// Wheels built here from sdists.
    #[serde(default, rename = "built-wheel")]
    pub built_wheels: Vec<ManifestWheel>,
}

/// A built wheel as the manifest records it.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct ManifestWheel {
    /// The wheel's file name.
    pub file: String,
    /// Its sha256.
    pub sha256: String,
}

/// Reads a wheelhouse's manifest.
pub(crate) fn read_manifest(dir: &Path) -> Result<Manifest, WheelhouseError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path)
        .map_err(|error| WheelhouseError::io("read", &path, error))?;
    toml::from_str(&text).map_err(|error| WheelhouseError::Malformed {
        path: path.clone(),
        reason: error.message().to_owned(),
    })
}

/// Writes what installers read: `requirements.txt`, `pylock.toml` and the
/// static index. They depend on the lock alone (and on wheels built here),
/// so a build writes them while the downloads run.
pub(crate) fn write_exports(
    request: &BuildRequest<'_>,
    lock: &Lock,
    files: &[PlannedFile],
) -> Result<(), WheelhouseError> {
    let dir = request.out_dir;
    let targets = request.targets.as_slice();
    let requirements = export_requirements(lock, Some(targets))?;
    write_atomic(&dir.join("requirements.txt"), requirements.as_bytes())?;
    let pylock = export_pylock(lock, Some(targets), &FileLocation::Wheelhouse)?;
    write_atomic(&dir.join("pylock.toml"), pylock.as_bytes())?;
    write_simple_index(dir, files)
}

/// Writes the rest of the wheelhouse besides the distributions and the
/// exports, with `SHA256SUMS` last.
pub(crate) fn write_outputs(
    request: &BuildRequest<'_>,
    lock: &Lock,
    files: &[PlannedFile],
    source_builds: &[SourceBuild],
    built_wheels: &[BuiltWheel],
) -> Result<(), WheelhouseError> {
    let dir = request.out_dir;
    let targets = request.targets.as_slice();
    write_atomic(
        &dir.join("README.txt"),
        readme(request, source_builds).as_bytes(),
    )?;
    write_atomic(
        &dir.join(MANIFEST),
        manifest_text(&lock.name, targets, built_wheels).as_bytes(),
    )?;
    match &request.far_side {
        Some(far_side) => {
            write_far_side(dir, far_side, &lock.name, &lock.resources)?;
        }
        // Files of an earlier build with other flags would be stale.
        None => {
            for name in far_side::FILES {
                let path = dir.join(name);
                if path.is_file() {
                    std::fs::remove_file(&path)
                        .map_err(|error| WheelhouseError::io("remove", &path, error))?;
                }
            }
        }
    }
    write_checksums(dir, files, &lock.resources)
}

/// Writes the far side's three files (`clearml.env`, the Helm values
/// override, the `clearml.conf` snippet) into `dir`, atomically: the one
/// writer for `wheelhouse --serve-url` and `publish --kit-dir`.
pub fn write_far_side(
    dir: &Path,
    far_side: &far_side::FarSide,
    lock_name: &str,
    resources: &[envlock_lock::LockedResource],
) -> Result<Vec<std::path::PathBuf>, WheelhouseError> {
    let mut written = Vec::new();
    for (name, text) in far_side.render(lock_name, resources) {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// Writes `simple/index.html` and one page per project, linking to the
/// flat files one and two levels up with their sha256 as the fragment. The
/// pages are built in a temporary folder that replaces the old one.
fn write_simple_index(dir: &Path, files: &[PlannedFile]) -> Result<(), WheelhouseError> {
    let mut projects: BTreeMap<String, Vec<&PlannedFile>> = BTreeMap::new();
    for file in files {
        projects
            .entry(normalise(&file.package))
            .or_default()
            .push(file);
    }
    let staging = tempfile::Builder::new()
        .prefix(TEMPORARY_PREFIX)
        .tempdir_in(dir)
        .map_err(|error| WheelhouseError::io("create a temporary folder in", dir, error))?;
    let mut root = page_head("Simple index");
    for (project, project_files) in &projects {
        let _ = writeln!(root, "    <a href=\"{project}/\">{project}</a><br>");
        let mut page = page_head(&format!("Links for {project}"));
        for file in project_files {
            let name = html_escape::encode_double_quoted_attribute(&file.name);
            let requires_python = file
                .requires_python
                .as_deref()
                .map(|value| {
                    format!(
                        " data-requires-python=\"{}\"",
                        html_escape::encode_double_quoted_attribute(value)
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                page,
                "    <a href=\"../../{name}#sha256={}\"{requires_python}>{}</a><br>",
                file.sha256,
                html_escape::encode_text(&file.name)
            );
        }
        page.push_str(PAGE_TAIL);
        // The staging folder replaces `simple/` whole or not at all, so its
        // pages need no temporary names of their own.
        let project_dir = staging.path().join(project);
        std::fs::create_dir(&project_dir)
            .map_err(|error| WheelhouseError::io("create", &project_dir, error))?;
        let page_path = project_dir.join("index.html");
        std::fs::write(&page_path, page.as_bytes())
            .map_err(|error| WheelhouseError::io("write", &page_path, error))?;
    }
    root.push_str(PAGE_TAIL);
    let root_path = staging.path().join("index.html");
    std::fs::write(&root_path, root.as_bytes())
        .map_err(|error| WheelhouseError::io("write", &root_path, error))?;
    let final_dir = dir.join(SIMPLE);
    if final_dir.exists() {
        std::fs::remove_dir_all(&final_dir)
            .map_err(|error| WheelhouseError::io("remove", &final_dir, error))?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, &final_dir)
        .map_err(|error| WheelhouseError::io("write", &final_dir, error))
}

fn page_head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.0\">\n    <title>{title}</title>\n  </head>\n  <body>\n"
    )
}

const PAGE_TAIL: &str = "  </body>\n</html>\n";

/// PEP 503 name normalisation.
fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for character in name.chars() {
        if matches!(character, '-' | '_' | '.') {
            separator = true;
        } else {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.push(character.to_ascii_lowercase());
        }
    }
    out
}

/// Every file under `dir` except `SHA256SUMS` itself and temporary files,
/// as sorted `/`-separated relative paths.
pub(crate) fn all_files(dir: &Path) -> Result<Vec<String>, WheelhouseError> {
    let mut found = Vec::new();
    let mut pending: Vec<PathBuf> = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let absolute = dir.join(&relative);
        let entries = std::fs::read_dir(&absolute)
            .map_err(|error| WheelhouseError::io("read", &absolute, error))?;
        for entry in entries {
            let entry = entry.map_err(|error| WheelhouseError::io("read", &absolute, error))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(TEMPORARY_PREFIX) {
                continue;
            }
            let path = relative.join(&name);
            let kind = entry
                .file_type()
                .map_err(|error| WheelhouseError::io("read", entry.path(), error))?;
            if kind.is_dir() {
                pending.push(path);
            } else {
                let text = path
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                if text != CHECKSUMS {
                    found.push(text);
                }
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Writes `SHA256SUMS` over every other file, in `sha256sum`'s format. The
/// distributions were verified against the lock as they were placed, so
/// their locked hashes are used; only the generated files are hashed.
fn write_checksums(
    dir: &Path,
    files: &[PlannedFile],
    resources: &[LockedResource],
) -> Result<(), WheelhouseError> {
    let resource_paths: Vec<(String, &str)> = resources
        .iter()
        .map(|resource| (resource_path(resource), resource.sha256.as_str()))
        .collect();
    let known: BTreeMap<&str, &str> = files
        .iter()
        .map(|file| (file.name.as_str(), file.sha256.as_str()))
        .chain(
            resource_paths
                .iter()
                .map(|(path, sha256)| (path.as_str(), *sha256)),
        )
        .collect();
    let paths = all_files(dir)?;
    let generated: Vec<String> = paths
        .iter()
        .filter(|path| !known.contains_key(path.as_str()))
        .cloned()
        .collect();
    let mut hashed: BTreeMap<String, String> = generated
        .iter()
        .cloned()
        .zip(crate::verify::hash_all(dir, &generated)?)
        .collect();
    let sums: Vec<String> = paths
        .iter()
        .map(|path| match known.get(path.as_str()) {
            Some(sha256) => (*sha256).to_owned(),
            None => hashed.remove(path).unwrap_or_default(),
        })
        .collect();
    let mut out = String::new();
    for (path, sha256) in paths.iter().zip(sums) {
        let _ = writeln!(out, "{sha256}  {path}");
    }
    write_atomic(&dir.join(CHECKSUMS), out.as_bytes())
}

/// Reads `SHA256SUMS`: relative path → sha256.
pub(crate) fn read_checksums(dir: &Path) -> Result<BTreeMap<String, String>, WheelhouseError> {
    let path = dir.join(CHECKSUMS);
    let text = std::fs::read_to_string(&path)
        .map_err(|error| WheelhouseError::io("read", &path, error))?;
    let mut sums = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = line
            .split_once("  ")
            .or_else(|| line.split_once(" *"))
            .filter(|(sha256, _)| {
                sha256.len() == 64 && sha256.bytes().all(|byte| byte.is_ascii_hexdigit())
            });
        let Some((sha256, file)) = parsed else {
            return Err(WheelhouseError::Malformed {
                path: path.clone(),
                reason: format!("line {}: expected `<sha256>  <path>`", number + 1),
            });
        };
        sums.insert(file.to_owned(), sha256.to_ascii_lowercase());
    }
    Ok(sums)
}

/// The far side's instructions.
fn readme(request: &BuildRequest<'_>, source_builds: &[SourceBuild]) -> String {
    let lock = request.lock;
    let mut out = String::new();
    let _ = writeln!(out, "An envlock wheelhouse of the lock `{}`.", lock.name);
    out.push_str(
        "Written by `envlock wheelhouse`; every file in it was checked against the lock.\n\n",
    );
    out.push_str("It serves these targets (Python version and platform):\n");
    for name in &request.targets {
        if let Some(target) = lock.target(name) {
            let _ = writeln!(
                out,
                "  {}  (Python {} on {})",
                target.name, target.python, target.platform
            );
        }
    }
    out.push_str(
        "\nRun these from this folder, on the far side.\n\n\
         1. Check the carry, with standard tools or with envlock:\n\n\
         \x20   sha256sum -c SHA256SUMS\n\
         \x20   envlock verify .\n\n\
         2. Install into a virtual environment made with the target's Python:\n\n\
         \x20   python3 -m venv .venv\n\
         \x20   .venv/bin/pip install --no-index --find-links . --require-hashes -r requirements.txt\n\n\
         3. Or serve this folder with any web server (or use it from disk) as an index:\n\n\
         \x20   pip install --index-url http://<host>/<path>/simple --require-hashes -r requirements.txt\n\
         \x20   pip install --index-url file://$PWD/simple --require-hashes -r requirements.txt\n",
    );
    if !lock.resources.is_empty() {
        out.push_str(
            "\nPlain files the far side needs are in resources/, checked like the rest.\n\
             Point these variables at where they are served (with --serve-url,\n\
             clearml.env and the other clearml files here do that for you):\n\n",
        );
        for resource in &lock.resources {
            let _ = writeln!(
                out,
                "  {}={}  ({})",
                resource.env,
                resource_path(resource),
                resource.name
            );
        }
    }
    if let Some(far_side) = &request.far_side {
        out.push_str(
            "\nServed at the location given to --serve-url, the far side needs:\n\n\
             \x20 clearml.env                          the variables, for docker --env-file or a shell\n\
             \x20 clearml-agent-values.override.yaml   for the ClearML Agent Helm chart (helm ... -f)\n\
             \x20 clearml.conf.snippet                 agent.extra_docker_arguments for clearml.conf\n\n",
        );
        for (name, value) in far_side.variables(&lock.resources) {
            let _ = writeln!(out, "  {name}={value}");
        }
    }
    if !source_builds.is_empty() {
        out.push_str(
            "\nThese packages have no wheel for a target and are built from source on it\n\
             (their build requirements are in this folder too):\n\n",
        );
        for build in source_builds {
            let _ = writeln!(
                out,
                "  {} {} ({}): {}{}",
                build.package,
                build.version,
                build.targets.join(", "),
                if build.needs_compiler {
                    "needs a C compiler on the target"
                } else {
                    "pure Python, no compiler needed"
                },
                if build.build_requirements_locked {
                    ""
                } else {
                    "; ITS BUILD REQUIREMENTS ARE NOT HERE: pip cannot build it without an index"
                }
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names_are_normalised_as_pep_503_says() {
        assert_eq!(normalise("Friendly.Bard__Lib"), "friendly-bard-lib");
        assert_eq!(normalise("urwid-mitmproxy"), "urwid-mitmproxy");
        assert_eq!(normalise("zope.interface"), "zope-interface");
    }

    #[test]
    fn checksums_are_read_back_and_bad_lines_are_pointed_at() {
        let dir = tempfile::tempdir().unwrap();
        let sha256 = "a".repeat(64);
        std::fs::write(
            dir.path().join(CHECKSUMS),
            format!("{sha256}  simple/index.html\n{sha256} *b.whl\n"),
        )
        .unwrap();
        let sums = read_checksums(dir.path()).unwrap();
        assert_eq!(sums.get("simple/index.html"), Some(&sha256));
        assert_eq!(sums.get("b.whl"), Some(&sha256));
        std::fs::write(
            dir.path().join(CHECKSUMS),
            format!("{sha256}  ok.whl\nnot a checksum line\n"),
        )
        .unwrap();
        let error = read_checksums(dir.path()).unwrap_err().to_string();
        assert!(error.contains("line 2"), "{error}");
    }

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
        let text = manifest_text(
            "kit \"quoted\"",
            &["cp310-manylinux_2_28_x86_64".to_owned()],
            std::slice::from_ref(&built),
        );
        std::fs::write(dir.path().join(MANIFEST), text).unwrap();
        let manifest = read_manifest(dir.path()).unwrap();
        assert_eq!(manifest.targets, ["cp310-manylinux_2_28_x86_64"]);
        assert_eq!(manifest.built_wheels.len(), 1);
        assert_eq!(manifest.built_wheels[0].file, built.file);
        assert_eq!(manifest.built_wheels[0].sha256, built.sha256);
    }

    #[test]
    fn a_folder_with_other_files_is_not_built_into() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let error = prepare_dir(dir.path()).unwrap_err();
        assert!(matches!(error, WheelhouseError::NotAWheelhouse { .. }));
        // Leftovers of an interrupted build do not count, and are cleared.
        let other = tempfile::tempdir().unwrap();
        std::fs::write(other.path().join(".envlock-download-x"), "partial").unwrap();
        prepare_dir(other.path()).unwrap();
        assert!(!other.path().join(".envlock-download-x").exists());
        assert!(other.path().join(MANIFEST).is_file());
    }
}
