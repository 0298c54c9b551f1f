//! The envlock lockfile: its model and its TOML wire format, and what is
//! computed from a lock alone.
//!
//! This crate knows nothing of the solver or the network: it reads, writes
//! and validates locks ([`decode`], [`encode`]), compares two of them
//! ([`LockDiff`], rendered by [`render_table`], [`render_markdown`] and
//! [`render_json`]), explains why a package is locked ([`why`],
//! [`render_why`]), and exports a lock for installers
//! ([`export_requirements`], [`export_pylock`]). Its design goals:
//!
//! - **Byte-for-byte reproducible.** The same lock always encodes to the same
//!   bytes: everything is sorted, keys come in a fixed order, and nothing
//!   that changes from run to run (times, paths, hosts) is written.
//! - **Reviewable.** One table per target and per package version; one line
//!   per file and per `required-by` edge, so that a pull request's diff shows
//!   exactly which files and edges changed.
//! - **Index-agnostic.** Files are named with their sha256 and size, and an
//!   index *name*; a lock never holds a URL or a host, so it builds from any
//!   mirror that has the same files.
//!
//! # The format (version 1)
//!
//! ```toml
//! # This file is written by `envlock lock`. ...
//! version = 1
//! name = "clearml-session"
//! inputs-digest = "sha256:…"            # of the normalised inputs, for `lock --check`
//! exclude-newer = "2026-11-01T00:00:00Z" # only when the spec sets it
//! imported-from = { format = "uv.lock", path = "uv.lock", sha256 = "…" }  # only from `envlock import`
//! requirements = [
//!     "werkzeug>2,<3.0 ; python_version < '3.9'",
//! ]
//! constraints = [ … ]                    # only when the spec has some
//!
//! [[target]]                             # in the order the spec declares them
//! name = "cp38-manylinux_2_28_x86_64"
//! python = "3.8"
//! platform = "manylinux_2_28_x86_64"
//!
//! [[package]]                            # sorted by name, then PEP 440 version
//! name = "werkzeug"
//! version = "2.3.8"
//! index = "default"
//! targets = ["cp38-manylinux_2_28_x86_64"]
//! requires-python = ">=3.8"               # when the release declares one
//! dependencies = [
//!     "markupsafe>=2.1.1",
//! ]
//! required-by = [                        # root edges (no `package`) first
//!     { specifier = ">2,<3.0", marker = "python_version < '3.9'", targets = ["cp38-manylinux_2_28_x86_64"] },
//! ]
//! files = [                              # sorted by name
//!     { name = "werkzeug-2.3.8-py3-none-any.whl", sha256 = "…", size = 242338, targets = ["cp38-manylinux_2_28_x86_64"] },
//! ]
//!
//! [[build-package]]                      # after every [[package]]; same keys and order
//! name = "setuptools"                    # needed only to build an sdist on a target:
//! version = "75.3.0"                     # the sdist's build-system.requires, resolved
//! index = "default"                      # for that target
//! targets = ["cp310-manylinux_2_28_x86_64"]
//! dependencies = []
//! required-by = [                        # edges name the package built from its sdist
//!     { package = "pyperclip", version = "1.8.2", specifier = ">=40.8.0", targets = ["cp310-manylinux_2_28_x86_64"] },
//! ]
//! files = [ … ]
//!
//! [[installer-package]]                  # after every [[build-package]]; same keys and order
//! name = "pip"                           # what the far side installs into a new environment
//! version = "24.2"                       # before the locked set: the newest pip whose
//! index = "default"                      # Requires-Python admits the target (spec:
//! targets = ["cp38-manylinux_2_28_x86_64"] # `carry-pip`, on by default)
//! requires-python = ">=3.8"
//! dependencies = []
//! required-by = [
//!     { targets = ["cp38-manylinux_2_28_x86_64"] },
//! ]
//! files = [ … ]
//!
//! [[interpreter]]                        # after every [[installer-package]], sorted by target:
//! target = "cp312-manylinux_2_28_x86_64" # the relocatable CPython this target carries
//! file = "cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz"
//! version = "3.12.7"                     # also the target's `python`
//! build = "20241016"                     # the release (build) date
//! triple = "x86_64-unknown-linux-gnu"    # fits the target's platform
//! url = "${ENVLOCK_PYTHON_INSTALL_MIRROR}/20241016/cpython-3.12.7+…"  # as configured (`${VAR}` kept)
//! sha256 = "…"
//! size = 31234567
//!
//! [[resource]]                           # last, sorted by name: plain files, not packages
//! name = "code-server"
//! url = "https://…/code-server_4.96.2_amd64.deb"   # as the spec writes it (`${VAR}` kept)
//! file = "code-server_4.96.2_amd64.deb"  # its name under `resources/` in a wheelhouse
//! env = "CLEARML_SESSION_VSCODE_SERVER_DEB"
//! sha256 = "…"
//! size = 51228340
//! ```
//!
//! # Invariants (checked on read)
//!
//! - `version` is present and is a version this envlock reads.
//! - Target names are unique; every target named anywhere is declared; a
//!   target's `python` and `platform` parse and are written in canonical
//!   form (`3.10`, `manylinux_2_28_x86_64`).
//! - A package version appears once (among packages, and among build
//!   packages), has a normalised name, a PEP 440 version written normalised
//!   (so that a lock that reads re-encodes to the same bytes) and at least
//!   one target; a file
//!   appears once per package, is a bare file name (never a path or URL),
//!   has a 64-digit lowercase hex sha256, and is installed only on targets
//!   that install its package.
//! - A `required-by` edge names both `package` and `version` (a normalised
//!   name and a normalised PEP 440 version), or neither (a requirement of
//!   the spec itself).
//!
//! The decoder parses each of these once into the model's types
//! ([`envlock_pep::PackageName`], [`envlock_pep::Version`],
//! [`envlock_pep::DistFilename`], [`envlock_pep::PythonVersion`],
//! [`envlock_pep::Platform`], [`envlock_fs::Sha256`]); readers never parse the
//! lock's strings again.
//! - Resource names, file names and variables are each unique; a resource's
//!   file is a bare file name and its sha256 is 64 lowercase hex digits.
//! - An interpreter names a declared target, at most one per target; its
//!   `file` is a bare name in python-build-standalone's release naming
//!   (`cpython-X.Y.Z+DATE-TRIPLE-install_only.tar.gz`) that agrees with its
//!   `version`, `build` and `triple`; its version is the target's `python`;
//!   its triple fits the target's platform (manylinux: `*-linux-gnu` of a
//!   glibc the platform promises; musllinux: `*-linux-musl`; macOS:
//!   `*-apple-darwin`; Windows: `*-pc-windows-msvc`; the same architecture);
//!   its sha256 is 64 lowercase hex digits.
//!
//! # Compatibility policy
//!
//! - Within format version 1, changes are additive only: a new *optional*
//!   key whose absence means what older envlocks already assume. Readers
//!   ignore keys they do not know, so an older envlock can read a lock from a
//!   newer one of the same format version. `[[build-package]]` was added so:
//!   a separate table, not a flag on `[[package]]`, so that an older reader
//!   sees no build packages (what it assumed) rather than taking them for
//!   packages to install. `[[resource]]` was added the same way, and so was
//!   `[[installer-package]]`: an older reader sees no carried pip, and its
//!   wheelhouse installs with the far side's own pip, as it always did.
//!   `[[interpreter]]` too: an older reader sees no carried Python, and its
//!   far side looks for one of the target's version, as it always did (the
//!   target's `python` is then the archive's exact version, which older
//!   readers already accept).
//!   `imported-from` (written by `envlock import`: the other tool's lock the
//!   packages were taken from, its format, its path relative to the lock and
//!   its sha256) is optional too: an older reader sees an ordinary lock,
//!   which it is; only `envlock import --check` reads it.
//! - A resource and an interpreter are the only places a lock holds a URL:
//!   a plain file has no index to be looked up in. The URL is kept as the spec writes it, with
//!   `${VAR}` unexpanded, so a mirror or a credential is configuration, not
//!   lock content; the hash still proves the file is the same.
//! - Any change that an older reader would misread — a key whose absence
//!   means something new, a changed meaning, a removed key — bumps `version`.
//!   A reader rejects versions it does not know, with an error saying to
//!   upgrade envlock or re-create the lock.
//! - A new envlock keeps reading every older format version it has shipped
//!   and rewrites it in the newest format on the next `envlock lock`.

mod decode;
mod diff;
mod encode;
mod environment;
mod export;
mod hint;
mod interpreter;
mod model;
mod names;
mod why;

pub use decode::{LockError, decode, read_lock, validate};
pub use diff::{
    ChangedHash, FilesChange, LockDiff, PackageVersion, ResourceChange, SdistFile, Step,
    TargetDiff, TargetSummary, VersionChange, render_json, render_markdown, render_table,
};
pub use encode::{encode, normalise, quote};
pub use environment::TargetEnvironmentError;
pub use export::{ExportError, FileLocation, export_pylock, export_requirements};
pub use interpreter::{InterpreterChange, LockedInterpreter};
pub use model::{
    ImportedFrom, Lock, LockedFile, LockedPackage, LockedResource, LockedTarget, RequiredBy,
};
pub use why::{
    MAX_PATHS, Mention, MentionSource, TargetWhy, VersionWhy, WhyEdge, WhyError, WhyOutcome,
    WhyPath, WhyReport, render_why, why,
};

/// The format version this crate writes, and the only one it reads.
pub const FORMAT_VERSION: i64 = 1;

/// The comment at the top of every lockfile.
pub const HEADER: &str = "# This file is written by `envlock lock`. Review it in pull requests; do not edit it by hand.\n";

/// Encodes `lock` and writes it to `path` atomically (see
/// [`write_encoded`]).
pub fn write_lock(path: &std::path::Path, lock: &Lock) -> Result<(), LockError> {
    write_encoded(path, &encode(lock))
}

/// Writes `text`, a lock as [`encode`] wrote it, to `path` atomically
/// (temporary file, `fsync`, rename, `fsync` of the folder), so a failure
/// never leaves a half-written lock behind. For a caller that has the text
/// already (to compare it with the lock on disk): encoding a 25-target
/// lock again took 20-40 ms.
pub fn write_encoded(path: &std::path::Path, text: &str) -> Result<(), LockError> {
    // A run killed between the temporary file and the rename left one
    // beside the lock: sweep those of earlier runs.
    if let Some(folder) = path
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
    {
        envlock_fs::remove_stale_temporaries(folder, envlock_fs::STALE_AFTER);
    }
    envlock_fs::write_atomic(path, text.as_bytes()).map_err(|source| LockError::Io {
        action: "write",
        path: path.to_owned(),
        source,
    })
}
