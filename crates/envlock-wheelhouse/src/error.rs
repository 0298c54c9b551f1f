//! What can go wrong building or checking a wheelhouse. Every variant names
//! the file, folder or target it is about.

use std::path::PathBuf;

use envlock_index::IndexError;

/// A failure of the wheelhouse builder.
#[derive(Debug, thiserror::Error)]
pub enum WheelhouseError {
    /// `--platform` named neither a platform family nor a platform.
    #[error("`{value}` is neither a platform family nor a platform")]
    UnknownPlatform {
        /// The value given.
        value: String,
    },

    /// `--target` named a target the lock does not have.
    #[error("the lock has no target named `{name}`; its targets are: {available}")]
    UnknownTarget {
        /// The name given.
        name: String,
        /// The lock's targets, comma-separated.
        available: String,
    },

    /// The selection left no target to build for.
    #[error("no target of the lock matches {selection}; its targets are: {available}")]
    NoTargetSelected {
        /// What was asked for, in words.
        selection: String,
        /// The lock's targets, comma-separated.
        available: String,
    },

    /// The output folder holds files but is not a wheelhouse, so building
    /// into it could clobber them.
    #[error("{} is not empty and is not a wheelhouse (it has no wheelhouse.toml)", path.display())]
    NotAWheelhouse {
        /// The folder.
        path: PathBuf,
    },

    /// A locked file is on none of the configured indexes.
    #[error("`{file}` ({package} {version}) is not on {indexes}")]
    FileNotOnIndex {
        /// The file name.
        file: String,
        /// Its package.
        package: String,
        /// Its version.
        version: String,
        /// The indexes searched, in words.
        indexes: String,
    },

    /// The index lists the file with a different sha256 than the lock.
    #[error(
        "the index `{index}` lists `{file}` with sha256 {index_sha256}, but the lock says {lock_sha256}"
    )]
    IndexHashDiffers {
        /// The file name.
        file: String,
        /// The index's name.
        index: String,
        /// What the index says.
        index_sha256: String,
        /// What the lock says.
        lock_sha256: String,
    },

    /// A downloaded file's size is not the locked one (its hash matched, so
    /// this only happens with a lock edited by hand).
    #[error("`{file}` is {actual} bytes, but the lock says {expected}")]
    SizeDiffers {
        /// The file name.
        file: String,
        /// The locked size.
        expected: u64,
        /// The size received.
        actual: u64,
    },

    /// An index could not list the project of a file.
    #[error("cannot look up `{file}`: the project page of `{project}` failed")]
    ProjectPage {
        /// The file name.
        file: String,
        /// The project.
        project: String,
        /// Why.
        #[source]
        source: std::sync::Arc<IndexError>,
    },

    /// Fetching a file from an index failed.
    #[error("cannot get `{file}`")]
    Fetch {
        /// The file name.
        file: String,
        /// Why.
        #[source]
        source: Box<IndexError>,
    },

    /// Some files could not be fetched; the rest are in place and verified.
    #[error("{} of {total} files could not be fetched", failures.len())]
    Incomplete {
        /// Each failure, one per file.
        failures: Vec<WheelhouseError>,
        /// How many files the wheelhouse needs.
        total: usize,
    },

    /// Files are missing from the cache and there is no index to fetch them from.
    #[error(
        "{missing} files are not in the cache (`{example}` among them) and no index is configured to fetch them from"
    )]
    NoIndex {
        /// How many files are missing.
        missing: usize,
        /// One of them.
        example: String,
    },

    /// `--build-wheels` found no interpreter for a target's Python.
    #[error(
        "--build-wheels needs Python {version} for the target `{target}`, and there is no python{version} on PATH"
    )]
    NoInterpreter {
        /// The Python version, `3.X`.
        version: String,
        /// The target.
        target: String,
    },

    /// The interpreter found or given is not the target's Python.
    #[error("{} is {found}, but the target `{target}` needs Python {version}", python.display())]
    WrongInterpreter {
        /// The interpreter.
        python: PathBuf,
        /// What it turned out to be.
        found: String,
        /// The version needed.
        version: String,
        /// The target.
        target: String,
    },

    /// Building a wheel from a locked sdist failed.
    #[error("building a wheel of {package} for `{target}` with {} failed:\n{reason}", python.display())]
    WheelBuildFailed {
        /// The package.
        package: String,
        /// The target.
        target: String,
        /// The interpreter.
        python: PathBuf,
        /// pip's last lines.
        reason: String,
    },

    /// A wheel built here does not install on the target's platform.
    #[error(
        "building {package} here gave `{wheel}`, which does not install on `{target}` ({platform}); envlock does not put a wheel built for this machine into a wheelhouse for another platform"
    )]
    HostWheel {
        /// The package.
        package: String,
        /// The wheel built.
        wheel: String,
        /// The target.
        target: String,
        /// The target's platform.
        platform: String,
    },

    /// The lock inside a wheelhouse cannot be read.
    #[error("cannot read the lock of the wheelhouse at {}", path.display())]
    Lock {
        /// The lock's path.
        path: PathBuf,
        /// Why.
        #[source]
        source: envlock_lock::LockError,
    },

    /// An export of the lock failed.
    #[error(transparent)]
    Export(#[from] envlock_lock::ExportError),

    /// A file of the wheelhouse is malformed.
    #[error("{}: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line when there is one.
        reason: String,
    },

    /// An archive name has an extension envlock does not write.
    #[error("{}: an archive must end in .tar.gz, .tgz or .tar.zst", path.display())]
    ArchiveFormat {
        /// The archive path given.
        path: PathBuf,
    },

    /// A resource of the lock could not be placed.
    #[error("resource `{name}`: {reason}")]
    Resource {
        /// The resource's name.
        name: String,
        /// Why.
        reason: String,
    },

    /// `--serve-url` cannot be used.
    #[error("--serve-url {value}: {reason}")]
    ServeLocation {
        /// The value given.
        value: String,
        /// What is wrong.
        reason: String,
    },

    /// Something inside the builder went wrong (a bug).
    #[error("internal error: {0}")]
    Internal(String),

    /// A file-system operation failed.
    #[error("cannot {action} {}", path.display())]
    Io {
        /// What was being done ("write", "read", …).
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

impl WheelhouseError {
    /// An I/O error on `path`.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        WheelhouseError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

impl envlock_pep::Hint for WheelhouseError {
    fn hint(&self) -> Option<String> {
        match self {
            WheelhouseError::UnknownPlatform { .. } => Some(
                "give a family (manylinux, musllinux, macos, windows) or a platform such as manylinux_2_28_x86_64".to_owned(),
            ),
            WheelhouseError::UnknownTarget { .. } | WheelhouseError::NoTargetSelected { .. } => {
                Some("add the target to the spec and run `envlock lock`, or pick one of the lock's targets".to_owned())
            }
            WheelhouseError::NotAWheelhouse { .. } => {
                Some("give a new or empty folder with -o".to_owned())
            }
            WheelhouseError::FileNotOnIndex { .. } => Some(
                "build from the index the lock was made with (--index-url, or --find-links for a folder); a mirror must carry the same files".to_owned(),
            ),
            WheelhouseError::IndexHashDiffers { .. } => Some(
                "the file was republished or tampered with; do not carry it. Re-lock only after finding out why".to_owned(),
            ),
            WheelhouseError::NoIndex { .. } => Some(
                "pass --index-url URL (or --find-links DIR), or set ENVLOCK_INDEX_URL".to_owned(),
            ),
            WheelhouseError::NoInterpreter { version, .. } => Some(format!(
                "install Python {version}, or give one with --python PATH"
            )),
            WheelhouseError::WrongInterpreter { version, .. } => Some(format!(
                "give a Python {version} with --python PATH"
            )),
            WheelhouseError::HostWheel { .. } => Some(
                "leave out --build-wheels to carry the sdist and its build requirements (it is then built on the target), or build that wheel on a machine of the target's platform".to_owned(),
            ),
            WheelhouseError::Resource { .. } => Some(
                "resources fetched by `envlock lock` are in the cache; on another machine, make the resource's URL reachable (its `${VAR}` can point at a mirror)".to_owned(),
            ),
            WheelhouseError::Incomplete { .. } => Some(
                "run the same command again: verified files are kept and only the missing ones are fetched".to_owned(),
            ),
            _ => None,
        }
    }
}
