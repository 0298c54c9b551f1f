//! Building the metadata of an sdist whose metadata is not static.
//!
//! Old sdists (PKG-INFO before Metadata-Version 2.2, no static
//! `pyproject.toml` data) only reveal their dependencies when built. envlock
//! asks the sdist's own build backend for its metadata (the PEP 517
//! `prepare_metadata_for_build_wheel` hook), run by the local `python3` in a
//! build environment holding the sdist's `build-system.requires`. Those are
//! locked for the host's Python by envlock's resolver (see `host_build`),
//! with the lock's indexes and pins; the chosen wheels are fetched through
//! envlock's index client (sha256 checked) and installed from that local
//! folder alone: pure-Python wheels unpacked directly, others by
//! `pip install --no-index --no-deps --require-hashes`, confined. pip is
//! never given an index or a credential. Build environments are cached by
//! the exact files they hold (names and sha256), so the usual setuptools one
//! is made once, and each is stamped with a digest of its files and checked
//! before use. When the hook path fails, envlock falls back to building the whole
//! wheel with `python3 -m pip wheel --no-deps`. The result is cached by the
//! sdist's sha256, so each sdist is looked at once.
//!
//! Asking for metadata instead of a wheel matters: a wheel build compiles C
//! extensions (urwid's, say) only to throw them away, and made these builds
//! most of a cold lock's time.
//!
//! The host's Python builds the metadata. For the rare sdist whose
//! dependencies depend on the building interpreter, this may differ from
//! what the target would compute; locking such packages for a target whose
//! Python differs from the host's is a known limit.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use envlock_confine as confine;

use envlock_index::{
    CacheKeeps, CoreMetadata, IndexFile, PackageIndex, parse_core_metadata,
    wheel_metadata_from_bytes,
};

/// Builds sdist metadata with a local Python.
#[derive(Debug, Clone)]
pub struct SdistBuilder {
    /// The Python to run (`python3` on PATH by default).
    pub python: PathBuf,
    /// Where built metadata is cached (by sdist sha256); `None` disables it.
    pub cache_dir: Option<PathBuf>,
    /// What the builds of this run share (see [`BuildRun`]).
    pub run: std::sync::Arc<BuildRun>,
    /// How long one step of a build (installing the build environment,
    /// running the backend) may take before it is killed.
    pub timeout: std::time::Duration,
    /// Whether each build is announced on stderr (package, version, backend).
    pub announce: bool,
}

/// What the builds of one run share.
#[derive(Debug, Default)]
pub struct BuildRun {
    /// Serialises the making of build environments, so that sdists built
    /// at the same time wait for one shared environment instead of each
    /// installing the same requirements.
    making: std::sync::Mutex<()>,
    /// How many builds this run has started.
    started: std::sync::atomic::AtomicUsize,
}

impl BuildRun {
    /// Whether the environment a build takes now is to have bytecode.
    fn bytecode(&self) -> Bytecode {
        match self.started.load(std::sync::atomic::Ordering::Relaxed) {
            0 | 1 => Bytecode::NotNeeded,
            _ => Bytecode::Wanted,
        }
    }
}

/// Whether a build environment is made with the bytecode of what builds
/// import (see `SdistBuilder::write_bytecode`). Writing it costs about one
/// build and saves about half of each later one: worth it for several
/// builds, not on the way to a lone one. So while one build of a run has
/// started, it takes an environment without bytecode when none with it is
/// there; once a second has started, the environment taken is made with
/// it. A run that builds one sdist (the 25-target matrix builds psutil)
/// starts it sooner; a run whose builds arrive together (the ClearML
/// example's five) warms the one environment they share; and when a first
/// build ran alone, the next one makes the environment with bytecode,
/// which later runs take too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bytecode {
    /// One build so far: an environment without bytecode will do.
    NotNeeded,
    /// Several: the environment is to have it.
    Wanted,
}

/// One file of a build environment, as the host resolution chose it.
pub(crate) struct LockedBuildFile {
    /// The package's normalised name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The sha256 the index gives, checked on download and by pip.
    pub sha256: String,
    /// The index the file comes from (the one the resolution used).
    pub index: std::sync::Arc<dyn PackageIndex>,
    /// The file.
    pub file: IndexFile,
}

/// Locks an sdist's build requirements for this machine's Python.
pub(crate) trait LockBuildRequirements: Send + Sync {
    /// The wheels that make up a build environment for `requires`, every
    /// dependency included. The error is a sentence.
    fn lock_for_host(&self, requires: &[String]) -> Result<Vec<LockedBuildFile>, String>;

    /// Starts, in the background, what the first build will need: called
    /// when an sdist's metadata turns out to need a build.
    fn expect_build(&self) {}
}

/// A build environment to make: its locked files, the key its stamp
/// holds, and whether it gets bytecode.
struct Environment<'a> {
    locked: &'a [LockedBuildFile],
    key: &'a str,
    bytecode: Bytecode,
}

/// One sdist being built: where its parts are.
struct Build<'a> {
    filename: &'a str,
    source: &'a Path,
    work: &'a Path,
    environment: &'a Path,
}

/// Refuses build requirements that are not PEP 508 requirements of a
/// package from an index (pip options such as `--index-url=…`, `-e .`,
/// direct URLs): they would reach pip's command line. The error names the
/// sdist.
fn check_requirements(filename: &str, requires: &[String]) -> Result<(), String> {
    use std::str::FromStr as _;
    for text in requires {
        let refuse = |why: String| {
            format!(
                "{filename}: its pyproject.toml `build-system.requires` entry `{}` is refused: {why}; envlock does not build this sdist",
                text.escape_debug()
            )
        };
        if text.trim_start().starts_with('-') {
            return Err(refuse(
                "it is a command-line option, not a requirement".to_owned(),
            ));
        }
        let requirement: envlock_pep::Requirement = envlock_pep::Requirement::from_str(text)
            .map_err(|error| refuse(format!("it is not a PEP 508 requirement ({error})")))?;
        if let Some(pep508_rs::VersionOrUrl::Url(_)) = requirement.version_or_url {
            return Err(refuse(
                "a direct URL is not fetched from the configured indexes".to_owned(),
            ));
        }
    }
    Ok(())
}

/// Says on stderr which sdist is being built and by which backend.
fn announce(filename: &str, build_system: &BuildSystem) {
    let backend = if build_system.legacy {
        "setuptools (legacy setup.py)".to_owned()
    } else {
        build_system.backend.clone()
    };
    let network = if confine::network_isolated() {
        "no network"
    } else {
        "with network"
    };
    // A closed standard error is no reason to stop a lock (`eprintln!`
    // would panic).
    let _ = writeln!(
        std::io::stderr().lock(),
        "building the metadata of {filename} with {backend} (scrubbed environment, {network})"
    );
}

/// The name of the stamp file that says a build environment is complete.
const STAMP: &str = ".envlock-stamp";

/// Whether the environment at `folder` was made for `key` and has not
/// changed since (every file's path, size and sha256 as when made).
fn stamp_matches(folder: &Path, key: &str) -> bool {
    let Ok(stamp) = std::fs::read_to_string(folder.join(STAMP)) else {
        return false;
    };
    tree_digest(folder).is_ok_and(|digest| stamp == stamp_text(key, &digest))
}

fn stamp_text(key: &str, digest: &str) -> String {
    format!("requirements {key}\nfiles {digest}\n")
}

/// Marks the environment at `folder` complete for `key`.
fn write_stamp(folder: &Path, key: &str) -> Result<(), String> {
    let digest = tree_digest(folder)?;
    envlock_fs::write_atomic_unsynced(&folder.join(STAMP), stamp_text(key, &digest).as_bytes())
        .map_err(|error| error.to_string())
}

/// A sha256 over every file under `folder` but the stamp: relative path,
/// size and identity, in sorted order (links by their target). The identity
/// is, as for the cache's verification stamps, the inode and the change
/// time (`ctime`), which every write, `chmod`, link or rename changes and
/// user space cannot set back; so a file edited in place, replaced, added
/// or removed changes the digest without every byte being hashed again
/// before each build. Where there is no such identity (not unix), the
/// content is hashed.
fn tree_digest(folder: &Path) -> Result<String, String> {
    let mut entries = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|error| error.to_string())? {
            let path = entry.map_err(|error| error.to_string())?.path();
            let kind = std::fs::symlink_metadata(&path).map_err(|error| error.to_string())?;
            let relative = path
                .strip_prefix(folder)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_symlink() {
                let link = std::fs::read_link(&path).map_err(|error| error.to_string())?;
                entries.push(format!("{relative} -> {}", link.display()));
            } else if relative != STAMP {
                entries.push(format!("{relative} {}", file_identity(&path, &kind)?));
            }
        }
    }
    entries.sort();
    Ok(envlock_fs::Sha256::digest(entries.join("\n").as_bytes()).to_string())
}

/// A file's size and identity (see [`tree_digest`]).
fn file_identity(path: &Path, metadata: &std::fs::Metadata) -> Result<String, String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let _ = path;
        Ok(format!(
            "{} {} {} {}.{}",
            metadata.len(),
            metadata.dev(),
            metadata.ino(),
            metadata.ctime(),
            metadata.ctime_nsec()
        ))
    }
    #[cfg(not(unix))]
    {
        let bytes = std::fs::read(path).map_err(|error| error.to_string())?;
        Ok(format!(
            "{} {}",
            metadata.len(),
            envlock_fs::Sha256::digest(&bytes)
        ))
    }
}

/// How many lines of a failed step's output an error carries.
const TAIL_LINES: usize = 20;

/// How many characters of one such line an error carries.
const TAIL_LINE_CHARS: usize = 300;

/// The last lines of a tool's error output, where the cause usually is,
/// indented under the sentence that carries them. Enough of them to get
/// past pip's closing notes ("See above for output") to what the backend
/// printed; each line shortened, so that a backend printing one huge line
/// does not flood the report.
fn last_lines(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.is_empty())
        .collect();
    let tail = &lines[lines.len().saturating_sub(TAIL_LINES)..];
    if tail.is_empty() {
        return "    (it printed nothing)".to_owned();
    }
    tail.iter()
        .map(|line| match line.char_indices().nth(TAIL_LINE_CHARS) {
            Some((end, _)) => format!("    {}…", &line[..end]),
            None => format!("    {line}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl SdistBuilder {
    /// The time a build step may take unless told otherwise (`--build-timeout`).
    pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

    /// The metadata of `file`, built (or read from the cache). The error is a
    /// sentence saying why the metadata could not be built.
    pub(crate) fn metadata(
        &self,
        index: &dyn PackageIndex,
        locker: Option<&dyn LockBuildRequirements>,
        file: &IndexFile,
    ) -> Result<CoreMetadata, String> {
        if let Some(metadata) = self.cached_metadata(file) {
            return Ok(metadata);
        }
        let cached = self.cache_path(file);
        self.run
            .started
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let work = tempfile::tempdir()
            .map_err(|error| format!("cannot create a build folder: {error}"))?;
        let sdist = work.path().join(&file.filename);
        index
            .fetch(file, &sdist, CacheKeeps::Copy)
            .map_err(|error| format!("cannot download {}: {error}", file.filename))?;
        let source = unpack(&sdist, &work.path().join("source"))
            .map_err(|error| format!("cannot unpack {}: {error}", file.filename))?;
        let build_system = read_build_system(&source.join("pyproject.toml"));
        check_requirements(&file.filename, &build_system.requires)?;
        if self.announce {
            announce(&file.filename, &build_system);
        }
        let environment = self.build_environment(locker, &file.filename, &build_system)?;
        let build = Build {
            filename: &file.filename,
            source: &source,
            work: work.path(),
            environment: &environment,
        };
        let bytes = match self.metadata_by_hook(&build, &build_system)? {
            Ok(bytes) => bytes,
            // When the wheel build fails too, the hook's own output (the
            // backend's traceback) is often the clearer of the two.
            Err(hook_output) => self.metadata_by_wheel(&build, &sdist).map_err(|error| {
                format!(
                    "{error}\nbefore that, the backend's metadata hook failed; the last lines it printed:\n{}",
                    last_lines(&hook_output)
                )
            })?,
        };
        let metadata =
            parse_core_metadata(&bytes, &file.filename).map_err(|error| error.to_string())?;
        if let Some(path) = cached {
            write_quietly(&path, &bytes);
        }
        Ok(metadata)
    }

    /// Runs one build step confined (see [`crate::confine`]); the error
    /// names the sdist, the step and, on a timeout, the setting.
    fn confined(
        &self,
        command: &mut Command,
        environment: &[(&str, &std::ffi::OsStr)],
        (filename, step): (&str, &str),
        work: &Path,
    ) -> Result<confine::Finished, String> {
        confine::scrub(command, &work.join("home"))?;
        command.envs(environment.iter().copied());
        confine::run(command, work, self.timeout).map_err(|unfinished| match unfinished {
            confine::Unfinished::TimedOut => format!(
                "{step} for {filename} ran longer than {} seconds and was killed; raise it with --build-timeout, or refuse builds with --no-build",
                self.timeout.as_secs()
            ),
            confine::Unfinished::Io(error) => format!("{step} for {filename}: {error}"),
        })
    }

    /// METADATA from the backend's `prepare_metadata_for_build_wheel` hook,
    /// run with no network where the platform allows it. The inner error is
    /// a failure the wheel fallback may get past; the outer one (a timeout)
    /// is final.
    fn metadata_by_hook(
        &self,
        build: &Build<'_>,
        build_system: &BuildSystem,
    ) -> Result<Result<Vec<u8>, String>, String> {
        let output_dir = build.work.join("metadata");
        std::fs::create_dir_all(&output_dir).map_err(|error| error.to_string())?;
        let python_path = std::env::join_paths(
            std::iter::once(build.environment.to_path_buf()).chain(
                build_system
                    .backend_path
                    .iter()
                    .map(|path| build.source.join(path)),
            ),
        )
        .map_err(|error| error.to_string())?;
        let mut command = self.hook_command();
        command
            .arg(&build_system.backend)
            .arg(&output_dir)
            .current_dir(build.source);
        let output = self.confined(
            &mut command,
            &[("PYTHONPATH", &python_path)],
            (build.filename, "the build backend"),
            build.work,
        );
        let output = match output {
            Ok(output) => output,
            Err(error) if error.contains("--build-timeout") => return Err(error),
            Err(error) => return Ok(Err(error)),
        };
        if !output.status.success() {
            return Ok(Err(output.stderr));
        }
        let metadata_path = output.stdout.lines().last().unwrap_or_default().trim();
        Ok(std::fs::read(metadata_path).map_err(|error| format!("{metadata_path}: {error}")))
    }
    /// A folder (for `PYTHONPATH`) holding `requires` as locked for this
    /// machine's Python (see [`LockBuildRequirements`]), made once per set
    /// of locked files and host Python (and [`Bytecode`]), and kept in the
    /// cache. A cached one is used only when its stamp (the locked files
    /// and a digest of every file in it) still matches; otherwise it is
    /// made again.
    fn build_environment(
        &self,
        locker: Option<&dyn LockBuildRequirements>,
        filename: &str,
        build_system: &BuildSystem,
    ) -> Result<PathBuf, String> {
        let requires = &build_system.requires;
        let locked = match (requires.is_empty(), locker) {
            (true, _) => Vec::new(),
            (false, Some(locker)) => locker.lock_for_host(requires).map_err(|error| {
                format!(
                    "the build requirements of {filename} ({}) cannot be locked for this machine: {error}",
                    requires.join(", ")
                )
            })?,
            (false, None) => {
                return Err(format!(
                    "the build requirements of {filename} cannot be locked here"
                ));
            }
        };
        let (with_bytecode, without, key) = self.environment_paths(&locked);
        let ready = |bytecode: Bytecode| {
            if stamp_matches(&with_bytecode, &key) {
                Some(with_bytecode.clone())
            } else if bytecode == Bytecode::NotNeeded && stamp_matches(&without, &key) {
                Some(without.clone())
            } else {
                None
            }
        };
        if let Some(ready) = ready(self.run.bytecode()) {
            return Ok(ready);
        }
        let _one_at_a_time = self
            .run
            .making
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Other builds may have started while this one waited.
        let bytecode = self.run.bytecode();
        if let Some(ready) = ready(bytecode) {
            return Ok(ready);
        }
        // No bytecode is written without build requirements (see
        // `write_bytecode`): either name does.
        let (target, bytecode) = match bytecode {
            Bytecode::Wanted if !locked.is_empty() => (with_bytecode, Bytecode::Wanted),
            _ => (without, Bytecode::NotNeeded),
        };
        let environment = Environment {
            locked: &locked,
            key: &key,
            bytecode,
        };
        self.make_environment(filename, &build_system.backend, &environment, &target)?;
        Ok(target)
    }

    /// Makes the build environment at `target` (absent, unfinished or
    /// changed since it was made: started again), stamps it, and moves it
    /// into place.
    fn make_environment(
        &self,
        filename: &str,
        backend: &str,
        environment: &Environment<'_>,
        target: &Path,
    ) -> Result<(), String> {
        let root = target
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| target.to_path_buf());
        let _ = std::fs::remove_dir_all(target);
        std::fs::create_dir_all(&root).map_err(|error| error.to_string())?;
        let staging = tempfile::tempdir_in(&root).map_err(|error| error.to_string())?;
        self.install_locked(filename, environment.locked, staging.path(), &root)?;
        if environment.bytecode == Bytecode::Wanted {
            self.write_bytecode(filename, backend, staging.path(), &root);
        }
        write_stamp(staging.path(), environment.key)?;
        let staged = staging.keep();
        // Another build may have made the same environment meanwhile; either
        // copy is good, so losing the race is fine.
        if std::fs::rename(&staged, target).is_err() {
            let _ = std::fs::remove_dir_all(&staged);
        }
        Ok(())
    }

    /// The command that runs [`HOOK_DRIVER`] (its arguments follow): the
    /// host's Python without network where the platform allows it, and
    /// without `site` (`-S`), so that the backend sees the build
    /// environment and the standard library, not the packages installed on
    /// this machine nor what their `.pth` files run at start-up (the host's
    /// own setuptools, say, putting its `distutils` in front). pip's
    /// isolated builds hide them too. Starting without `site` also saves
    /// the 40 ms those `.pth` files took here at each start.
    fn hook_command(&self) -> Command {
        let mut command = confine::without_network(&confine::real_interpreter(&self.python));
        command.args(["-S", "-c", HOOK_DRIVER]);
        command
    }

    /// Puts the locked files into `folder`: each downloaded through its
    /// index (sha256 checked, from the cache when there), then pure-Python
    /// wheels unpacked directly (much quicker than starting pip) or, when
    /// one is not, all installed by pip from that local folder alone.
    fn install_locked(
        &self,
        filename: &str,
        locked: &[LockedBuildFile],
        folder: &Path,
        scratch: &Path,
    ) -> Result<(), String> {
        if locked.is_empty() {
            return Ok(());
        }
        let work = tempfile::tempdir_in(scratch).map_err(|error| error.to_string())?;
        let wheels = work.path().join("wheels");
        std::fs::create_dir_all(&wheels).map_err(|error| error.to_string())?;
        fetch_all(locked, &wheels).map_err(|(file, error)| {
            format!("cannot download {file}, a build requirement of {filename}: {error}")
        })?;
        if unpack_pure_wheels(locked, &wheels, folder).is_ok() {
            return Ok(());
        }
        for entry in std::fs::read_dir(folder)
            .map_err(|error| error.to_string())?
            .flatten()
        {
            let _ = std::fs::remove_dir_all(entry.path())
                .or_else(|_| std::fs::remove_file(entry.path()));
        }
        self.pip_install(filename, locked, &wheels, folder, work.path())
    }

    /// Writes the bytecode of what a build imports into the environment,
    /// once, before it is stamped. Builds run with `PYTHONDONTWRITEBYTECODE`
    /// (they must not change the stamped environment), so without bytecode
    /// every backend run would compile its backend from source again: most
    /// of the time of a small metadata build. Rather than compiling every
    /// file (`compileall`: about twice the work, all of it on the way to the
    /// first build), `backend`'s metadata hook is run once, with bytecode
    /// writing allowed, on a tiny project of envlock's own ([`WARM_UP`]):
    /// only code from the locked, hashed wheels runs before the stamp, never
    /// an sdist's. Its outcome does not matter (a backend that wants more of
    /// a project has still imported most of itself); a failure costs only
    /// that time, since the environment works without bytecode.
    fn write_bytecode(&self, filename: &str, backend: &str, folder: &Path, scratch: &Path) {
        // The backend's name comes from the sdist: it is imported here only
        // when the locked wheels provide it (an in-tree backend is not on
        // this path, nor is any module of the host's).
        let top = backend.split([':', '.']).next().unwrap_or_default();
        let identifier = top
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || character == '_');
        let provided = !top.is_empty()
            && identifier
            && (folder.join(top).is_dir() || folder.join(format!("{top}.py")).is_file());
        let Some(work) = provided
            .then(|| tempfile::tempdir_in(scratch).ok())
            .flatten()
        else {
            return;
        };
        let project = work.path().join("project");
        let written = std::fs::create_dir_all(&project).is_ok()
            && WARM_UP
                .iter()
                .all(|(name, text)| std::fs::write(project.join(name), text).is_ok());
        if !written {
            return;
        }
        let output = work.path().join("metadata");
        let _ = std::fs::create_dir_all(&output);
        let mut command = self.hook_command();
        command.arg(backend).arg(&output).current_dir(&project);
        // An empty PYTHONDONTWRITEBYTECODE lets Python write bytecode.
        let _ = self.confined(
            &mut command,
            &[
                ("PYTHONPATH", folder.as_os_str()),
                ("PYTHONDONTWRITEBYTECODE", std::ffi::OsStr::new("")),
            ],
            (filename, "preparing the build environment"),
            work.path(),
        );
    }

    /// Installs the locked files from `wheels` into `folder` with pip: no
    /// index, no dependencies beyond the locked ones, every file's sha256
    /// required, no network where the platform allows it, in a scrubbed
    /// environment, within the build timeout.
    fn pip_install(
        &self,
        filename: &str,
        locked: &[LockedBuildFile],
        wheels: &Path,
        folder: &Path,
        work: &Path,
    ) -> Result<(), String> {
        let requirements_file = work.join("build-requirements.txt");
        let lines: String = locked
            .iter()
            .map(|file| {
                format!(
                    "{}=={} --hash=sha256:{}\n",
                    file.name, file.version, file.sha256
                )
            })
            .collect();
        std::fs::write(&requirements_file, lines).map_err(|error| error.to_string())?;
        let mut command = confine::without_network(&confine::real_interpreter(&self.python));
        command
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-compile",
                "--no-index",
                "--no-deps",
                "--require-hashes",
                "--only-binary",
                ":all:",
                "--find-links",
            ])
            .arg(wheels)
            .arg("--target")
            .arg(folder)
            .arg("--requirement")
            .arg(&requirements_file);
        let output = self.confined(
            &mut command,
            &[],
            (filename, "installing the build requirements"),
            work,
        )?;
        if !output.status.success() {
            return Err(format!(
                "installing the build requirements of {filename} failed:\n{}",
                last_lines(&output.stderr)
            ));
        }
        Ok(())
    }

    /// METADATA of a whole wheel built with `pip wheel` (the fallback), in
    /// the build environment made for the hook: no build isolation, no
    /// index, no network where the platform allows it.
    fn metadata_by_wheel(&self, build: &Build<'_>, sdist: &Path) -> Result<Vec<u8>, String> {
        let wheels = build.work.join("wheels");
        let mut command = confine::without_network(&confine::real_interpreter(&self.python));
        command
            .args([
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                "--quiet",
            ])
            .arg("--wheel-dir")
            .arg(&wheels)
            .arg(sdist)
            .current_dir(build.work);
        let output = self
            .confined(
                &mut command,
                &[("PYTHONPATH", build.environment.as_os_str())],
                (build.filename, "the build backend"),
                build.work,
            )
            .map_err(|error| {
                format!(
                    "its metadata must be built, and `{} -m pip` did not finish: {error}",
                    self.python.display()
                )
            })?;
        if !output.status.success() {
            return Err(format!(
                "its metadata must be built, and `pip wheel` failed on {}:\n{}",
                build.filename,
                last_lines(&output.stderr)
            ));
        }
        read_wheel_metadata(&wheels)
            .map_err(|reason| format!("building {} gave no usable wheel: {reason}", build.filename))
    }

    /// Where the build environments of the `locked` files (with this
    /// Python) live, with bytecode and without, and the key their stamps
    /// must hold.
    fn environment_paths(&self, locked: &[LockedBuildFile]) -> (PathBuf, PathBuf, String) {
        let mut key: Vec<String> = locked
            .iter()
            .map(|file| format!("{} {}", file.file.filename, file.sha256))
            .collect();
        key.sort();
        key.push(self.python.display().to_string());
        let hash = envlock_fs::Sha256::digest(key.join("\n").as_bytes());
        let digest = envlock_fs::hex(&hash.as_bytes()[..8]);
        let root = self.environments_root();
        (
            root.join(&digest),
            root.join(format!("{digest}-without-bytecode")),
            hash.to_string(),
        )
    }

    /// The folder of the build environments: the cache's, or one in the
    /// temporary folder when there is no cache.
    fn environments_root(&self) -> PathBuf {
        match &self.cache_dir {
            Some(dir) => dir.join("build-environments"),
            None => std::env::temp_dir().join("envlock-build-environments"),
        }
    }

    /// Metadata built earlier for this sdist, if the cache has it.
    pub(crate) fn cached_metadata(&self, file: &IndexFile) -> Option<CoreMetadata> {
        let path = self.cache_path(file)?;
        let bytes = std::fs::read(&path).ok()?;
        parse_core_metadata(&bytes, &path.display().to_string()).ok()
    }

    /// Whether the cache holds metadata built earlier for this sdist.
    pub(crate) fn has_cached_metadata(&self, file: &IndexFile) -> bool {
        self.cache_path(file).is_some_and(|path| path.is_file())
    }

    fn cache_path(&self, file: &IndexFile) -> Option<PathBuf> {
        let folder = self.cache_dir.as_ref()?;
        let sha256 = file.sha256.as_ref()?;
        Some(folder.join(format!("{sha256}.metadata")))
    }
}

/// Calls a PEP 517 backend's metadata hook: `argv[1]` is the backend
/// (`module:object`), `argv[2]` the output folder; prints the METADATA path.
/// Backends without the hook, or that need more requirements than the
/// environment has, fail here and the caller builds a wheel instead.
const HOOK_DRIVER: &str = r#"
import importlib, os, sys
# Read the arguments first: setuptools' legacy backend rewrites sys.argv.
backend_name, output = sys.argv[1], sys.argv[2]
module_name, _, attribute = backend_name.partition(":")
backend = importlib.import_module(module_name)
for part in filter(None, attribute.split(".")):
    backend = getattr(backend, part)
hook = getattr(backend, "prepare_metadata_for_build_wheel", None)
if hook is None:
    sys.exit("the backend has no prepare_metadata_for_build_wheel hook")
folder = hook(output, {})
print(os.path.join(output, folder, "METADATA"))
"#;

/// The project whose metadata a new build environment's backend builds
/// once, to write its bytecode (see `write_bytecode`): a `setup.py` for
/// setuptools' legacy backend and a `pyproject.toml` for the others.
const WARM_UP: [(&str, &str); 2] = [
    ("setup.py", "from setuptools import setup\nsetup()\n"),
    (
        "pyproject.toml",
        "[project]\nname = \"envlock-warm-up\"\nversion = \"0\"\n",
    ),
];

/// `[build-system]` of a `pyproject.toml`, with PEP 517's defaults.
struct BuildSystem {
    requires: Vec<String>,
    /// No `build-backend` was given: setuptools runs `setup.py`.
    legacy: bool,
    backend: String,
    backend_path: Vec<String>,
}

fn read_build_system(pyproject: &Path) -> BuildSystem {
    build_system_from_text(std::fs::read_to_string(pyproject).ok().as_deref())
}

/// The build requirements of the sdist at `sdist`, as pip would install
/// them into its build environment: `[build-system] requires` of its
/// `pyproject.toml`, with the same defaults as [`read_build_system`].
pub(crate) fn sdist_build_requirements(sdist: &Path) -> Result<Vec<String>, String> {
    let text = pyproject_of_sdist(sdist)?;
    Ok(build_system_from_text(text.as_deref()).requires)
}

/// The text of the sdist's top-level `pyproject.toml`, if it has one,
/// read without unpacking the rest.
fn pyproject_of_sdist(sdist: &Path) -> Result<Option<String>, String> {
    use std::io::Read as _;
    let is_top_pyproject = |path: &str| {
        let parts: Vec<&str> = path.trim_start_matches("./").split('/').collect();
        parts.len() == 2 && parts[1] == "pyproject.toml"
    };
    let name = sdist
        .file_name()
        .map(|name| name.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let file = std::fs::File::open(sdist).map_err(|error| error.to_string())?;
    let mut text = String::new();
    if name.ends_with(".zip") {
        let mut archive = zip::ZipArchive::new(file).map_err(|error| error.to_string())?;
        check_zip_limits(&mut archive)?;
        let Some(index) = (0..archive.len()).find(|&index| {
            archive
                .name_for_index(index)
                .is_some_and(|name| name.as_ref().is_ok_and(|name| is_top_pyproject(name)))
        }) else {
            return Ok(None);
        };
        archive
            .by_index(index)
            .map_err(|error| error.to_string())?
            .read_to_string(&mut text)
            .map_err(|error| error.to_string())?;
        return Ok(Some(text));
    }
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for (index, entry) in archive
        .entries()
        .map_err(|error| error.to_string())?
        .enumerate()
    {
        let mut entry = entry.map_err(|error| error.to_string())?;
        let path = entry
            .path()
            .map_err(|error| error.to_string())?
            .to_string_lossy()
            .into_owned();
        let size = entry.header().size().map_err(|error| error.to_string())?;
        envlock_index::check_unpacked_member(index as u64 + 1, &path, size)?;
        if is_top_pyproject(&path) {
            entry
                .read_to_string(&mut text)
                .map_err(|error| error.to_string())?;
            return Ok(Some(text));
        }
    }
    Ok(None)
}

fn build_system_from_text(pyproject: Option<&str>) -> BuildSystem {
    #[derive(serde::Deserialize, Default)]
    struct Pyproject {
        #[serde(rename = "build-system")]
        build_system: Option<Table>,
    }
    #[derive(serde::Deserialize, Default)]
    struct Table {
        requires: Option<Vec<String>>,
        #[serde(rename = "build-backend")]
        build_backend: Option<String>,
        #[serde(rename = "backend-path")]
        backend_path: Option<Vec<String>>,
    }
    let Some(table) = pyproject
        .and_then(|text| toml::from_str::<Pyproject>(text).ok())
        .and_then(|pyproject| pyproject.build_system)
    else {
        return default_build_system();
    };
    // PEP 517/518: without a build backend, setuptools' legacy backend, which
    // also needs `wheel` for old setuptools.
    let legacy = table.build_backend.is_none();
    let mut requires = table
        .requires
        .unwrap_or_else(|| vec!["setuptools>=40.8.0".to_owned()]);
    let needs_wheel = legacy
        || requires
            .iter()
            .any(|requirement| requirement.trim_start().starts_with("setuptools"));
    if needs_wheel
        && !requires
            .iter()
            .any(|requirement| requirement.trim_start().starts_with("wheel"))
    {
        requires.push("wheel".to_owned());
    }
    BuildSystem {
        requires,
        legacy,
        backend: table
            .build_backend
            .unwrap_or_else(|| "setuptools.build_meta:__legacy__".to_owned()),
        backend_path: table.backend_path.unwrap_or_default(),
    }
}

/// Unpacks the locked wheels in `wheels` into `folder` when every one is
/// pure Python (`py3`/`py2.py3`, `none`, `any`) with no `.data` folder:
/// that is all pip would do with them. Each file's sha256 is checked again
/// against the lock of the build requirements. Anything else is an error,
/// and the caller installs with pip instead.
fn unpack_pure_wheels(
    locked: &[LockedBuildFile],
    wheels: &Path,
    folder: &Path,
) -> Result<(), String> {
    for file in locked {
        let wheel = envlock_pep::WheelFilename::parse(&file.file.filename)
            .map_err(|error| error.to_string())?;
        let pure = wheel.abi_tags().iter().any(|abi| abi == "none")
            && wheel
                .platform_tags()
                .iter()
                .any(|platform| platform == "any")
            && wheel.python_tags().iter().any(|python| python == "py3");
        if !pure {
            return Err(format!("{} is not pure Python", file.file.filename));
        }
        let bytes =
            std::fs::read(wheels.join(&file.file.filename)).map_err(|error| error.to_string())?;
        if !envlock_fs::Sha256::digest(&bytes)
            .to_string()
            .eq_ignore_ascii_case(&file.sha256)
        {
            return Err(format!(
                "{} changed since it was checked",
                file.file.filename
            ));
        }
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes))
            .map_err(|error| error.to_string())?;
        if archive
            .file_names()
            .filter_map(Result::ok)
            .any(|name| name.contains(".data/"))
        {
            return Err(format!("{} has a .data folder", file.file.filename));
        }
        check_zip_limits(&mut archive)
            .map_err(|error| format!("{}: {error}", file.file.filename))?;
        archive.extract(folder).map_err(|error| error.to_string())?;
    }
    Ok(())
}

/// Downloads the `locked` files into `folder` at the same time (a build
/// environment is a handful of wheels; one after the other, their round
/// trips add up on the way to the first build). The error names the file.
fn fetch_all(locked: &[LockedBuildFile], folder: &Path) -> Result<(), (String, String)> {
    std::thread::scope(|scope| {
        let fetches: Vec<_> = locked
            .iter()
            .map(|file| {
                scope.spawn(move || {
                    file.index
                        .fetch(
                            &file.file,
                            &folder.join(&file.file.filename),
                            CacheKeeps::Copy,
                        )
                        .map(drop)
                        .map_err(|error| (file.file.filename.clone(), error.to_string()))
                })
            })
            .collect();
        fetches.into_iter().try_for_each(|fetch| {
            fetch.join().unwrap_or_else(|_| {
                Err((
                    "a build requirement".to_owned(),
                    "the download thread failed".to_owned(),
                ))
            })
        })
    })
}

/// Checks every entry of a zip archive against the archive limits before
/// anything is extracted.
fn check_zip_limits<R: std::io::Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
) -> Result<(), String> {
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|error| error.to_string())?;
        let name = entry.name().map_err(|error| error.to_string())?;
        envlock_index::check_unpacked_member(index as u64 + 1, &name, entry.size())?;
    }
    Ok(())
}

/// Unpacks a `.tar.gz` sdist entry by entry, each checked against the
/// archive limits first; entries that would land outside `into` are
/// refused by `unpack_in`.
fn unpack_tar(file: std::fs::File, into: &Path) -> Result<(), String> {
    std::fs::create_dir_all(into).map_err(|error| error.to_string())?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let entries = archive.entries().map_err(|error| error.to_string())?;
    for (index, entry) in entries.enumerate() {
        let mut entry = entry.map_err(|error| error.to_string())?;
        let member = entry.path().map_err(|error| error.to_string())?;
        let member = member.to_string_lossy().into_owned();
        let size = entry.header().size().map_err(|error| error.to_string())?;
        envlock_index::check_unpacked_member(index as u64 + 1, &member, size)?;
        if !entry.unpack_in(into).map_err(|error| error.to_string())? {
            return Err(format!("{member:?} would land outside the build folder"));
        }
    }
    Ok(())
}

/// PEP 517/518's default when a source tree declares no build system.
fn default_build_system() -> BuildSystem {
    BuildSystem {
        requires: vec!["setuptools>=40.8.0".to_owned(), "wheel".to_owned()],
        legacy: true,
        backend: "setuptools.build_meta:__legacy__".to_owned(),
        backend_path: Vec::new(),
    }
}

/// Unpacks an sdist into `into` and returns its top folder.
fn unpack(sdist: &Path, into: &Path) -> Result<PathBuf, String> {
    let name = sdist
        .file_name()
        .map(|name| name.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let file = std::fs::File::open(sdist).map_err(|error| error.to_string())?;
    if name.ends_with(".zip") {
        let mut archive = zip::ZipArchive::new(file).map_err(|error| error.to_string())?;
        check_zip_limits(&mut archive)?;
        archive.extract(into).map_err(|error| error.to_string())?;
    } else {
        unpack_tar(file, into)?;
    }
    let top = std::fs::read_dir(into)
        .map_err(|error| error.to_string())?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.is_dir())
        .ok_or_else(|| "the sdist has no top folder".to_owned())?;
    Ok(top)
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
pub(crate) fn write_quietly(path: &Path, bytes: &[u8]) {
    let Some(folder) = path.parent() else { return };
    if std::fs::create_dir_all(folder).is_err() {
        return;
    }
    let _ = envlock_fs::write_atomic_unsynced(path, bytes);
}
