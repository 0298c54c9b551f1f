//! Why a resolution failed.

use std::sync::Arc;

use envlock_index::IndexError;
use thiserror::Error;

/// Why `envlock lock` could not produce a lock.
#[derive(Debug, Error, Clone)]
pub enum ResolveError {
    /// An index could not be read for a package.
    #[error("cannot read the index for `{package}`")]
    Index {
        /// The package (and version, when metadata was being read).
        package: String,
        /// What the index client said.
        #[source]
        source: Arc<IndexError>,
    },
    /// No set of versions satisfies the requirements on a target.
    #[error("no solution for target `{target}`:\n{explanation}")]
    NoSolution {
        /// The target's name.
        target: String,
        /// The derivation, in requirement terms.
        explanation: String,
        /// What the user might do, one line each.
        hints: Vec<String>,
    },
    /// The build requirements of an sdist a target builds could not be read.
    #[error("cannot read the build requirements of {package} for target `{target}`: {reason}")]
    BuildRequirements {
        /// The package and version whose sdist it is.
        package: String,
        /// The target that builds it.
        target: String,
        /// Why.
        reason: String,
    },
    /// The spec pins a package to an index that is not in use.
    #[error(
        "`{package}` is pinned to the index `{index}`, which is not among the indexes in use ({})",
        in_use.join(", ")
    )]
    PinnedIndexMissing {
        /// The pinned package.
        package: String,
        /// The index the spec pins it to.
        index: String,
        /// The names of the indexes in use.
        in_use: Vec<String>,
    },
    /// A file the lock would name has no sha256 on the index.
    #[error("the index gives no sha256 for `{file}` (package `{package}`), so it cannot be locked")]
    MissingHash {
        /// The package.
        package: String,
        /// The file name.
        file: String,
    },
    /// A file's size could not be learnt.
    #[error("cannot learn the size of `{file}` (package `{package}`)")]
    MissingSize {
        /// The package.
        package: String,
        /// The file name.
        file: String,
        /// What the index client said.
        #[source]
        source: Option<Arc<IndexError>>,
    },
    /// A target in the spec is not valid.
    #[error("target `{target}`: {message}")]
    Target {
        /// The target as written.
        target: String,
        /// What is wrong.
        message: String,
    },
    /// A resource of the spec could not be locked.
    #[error("resource `{resource}`: {message}")]
    Resource {
        /// The resource's name.
        resource: String,
        /// What went wrong.
        message: String,
        /// What to do about it.
        hint: String,
    },
    /// A target's carried interpreter could not be locked.
    #[error("the interpreter of target `{target}`: {message}")]
    Interpreter {
        /// The target's name.
        target: String,
        /// What went wrong.
        message: String,
        /// What to do about it.
        hint: String,
    },
    /// Something inside the resolver went wrong (a bug).
    #[error("internal resolver error: {0}")]
    Internal(String),
}

impl envlock_pep::Hint for ResolveError {
    fn hint(&self) -> Option<String> {
        match self {
            ResolveError::NoSolution { hints, .. } => envlock_pep::join_hints(hints),
            ResolveError::MissingHash { .. } => Some(
                "use an index that publishes sha256 digests (PEP 503 `#sha256=` fragments or PEP 691 `hashes`)".to_owned(),
            ),
            ResolveError::Resource { hint, .. } | ResolveError::Interpreter { hint, .. } => {
                Some(hint.clone())
            }
            // Offline already says what to do in its message.
            ResolveError::Index { source, .. } if matches!(source.as_ref(), IndexError::Offline { .. }) => None,
            ResolveError::Index { .. } => Some("check the index URL and your network, or run with --offline to use the cache".to_owned()),
            _ => None,
        }
    }
}

/// The outcome of a scoped thread; one that panicked gives an internal
/// error naming `what` it was doing.
pub(crate) fn join<T>(
    handle: std::thread::ScopedJoinHandle<'_, Result<T, ResolveError>>,
    what: &str,
) -> Result<T, ResolveError> {
    handle
        .join()
        .unwrap_or_else(|_| Err(ResolveError::Internal(format!("{what} panicked"))))
}

/// The outcomes of scoped threads in the order they were started (see
/// [`join`]).
pub(crate) fn join_all<T>(
    handles: Vec<std::thread::ScopedJoinHandle<'_, Result<T, ResolveError>>>,
    what: &str,
) -> Vec<Result<T, ResolveError>> {
    handles
        .into_iter()
        .map(|handle| join(handle, what))
        .collect()
}
