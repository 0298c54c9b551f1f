//! The errors of publishing. Each names the file, URL or setting it is
//! about; URLs are shown without credentials, and no credential is ever
//! part of a message.

use std::path::PathBuf;

/// Everything that can stop a publish before or around the uploads. What
/// goes wrong with one file is reported per file instead (see
/// [`crate::FileOutcome`]), so the other files still go up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The wheelhouse does not verify: nothing is published from it.
    #[error("the wheelhouse {dir} does not verify, so nothing was published: {problems}")]
    NotIntact {
        /// The wheelhouse.
        dir: PathBuf,
        /// What `envlock verify` found, one per line.
        problems: String,
    },
    /// The wheelhouse could not be read at all.
    #[error(transparent)]
    Wheelhouse(#[from] envlock_wheelhouse::WheelhouseError),
    /// Its manifest or lock cannot be read.
    #[error("{path}: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A `--target` the wheelhouse does not serve.
    #[error("the wheelhouse does not serve the target `{name}` (it serves: {available})")]
    UnknownTarget {
        /// The name asked for.
        name: String,
        /// The wheelhouse's targets.
        available: String,
    },
    /// A URL that cannot be used (bad syntax, wrong scheme, plain http).
    #[error("{what} `{url}`: {reason}")]
    BadUrl {
        /// Which setting gave it (`--repository-url`, `--index-url`, …).
        what: String,
        /// The URL, without credentials.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// `~/.pypirc` (or `--config-file`) cannot be used.
    #[error("{path}: {reason}")]
    Pypirc {
        /// The file.
        path: PathBuf,
        /// What is wrong (never a password).
        reason: String,
    },
    /// The netrc file cannot be read.
    #[error("cannot read the netrc file {path}: {reason}")]
    Netrc {
        /// The file.
        path: PathBuf,
        /// What is wrong (never its content).
        reason: String,
    },
    /// Reading the repository's simple index failed.
    #[error("reading the repository's simple index: {0}")]
    Index(Box<envlock_index::IndexError>),
    /// The repository refused the credentials on a read.
    #[error("{url} answered HTTP {status}: the credentials were refused")]
    Unauthorized {
        /// The URL, without credentials.
        url: String,
        /// 401 or 403.
        status: u16,
        /// Where the credentials came from (never the credentials).
        source_name: String,
    },
    /// The repository (or the resources server) cannot be reached.
    #[error("cannot reach {url}: {reason}")]
    Unreachable {
        /// The URL, without credentials.
        url: String,
        /// What the connection attempt said.
        reason: String,
    },
    /// A local file operation failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP client could not be built.
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
}

impl envlock_pep::Hint for PublishError {
    fn hint(&self) -> Option<String> {
        match self {
            PublishError::NotIntact { dir, .. } => Some(format!(
                "run `envlock verify {}` for the details, and build the wheelhouse again from its lock",
                dir.display()
            )),
            PublishError::Wheelhouse(error) => envlock_pep::Hint::hint(error),
            PublishError::UnknownTarget { .. } => {
                Some("leave out --target to publish every target of the wheelhouse".to_owned())
            }
            PublishError::BadUrl { reason, .. } if reason.contains("plain http") => Some(
                "use https, or pass --allow-insecure-host HOST for a repository on a trusted network"
                    .to_owned(),
            ),
            PublishError::BadUrl { what, .. } if what == "--repository-url" => Some(
                "give the repository's upload URL (pypiserver: http(s)://host[:port]/; devpi: http(s)://host/USER/INDEX/)"
                    .to_owned(),
            ),
            PublishError::Unauthorized { source_name, .. } => Some(credentials_hint(source_name)),
            PublishError::Unreachable { .. } => Some(
                "check the URL and that the repository is running and reachable from here (proxy, firewall, TLS)"
                    .to_owned(),
            ),
            PublishError::Index(error)
                if matches!(
                    **error,
                    envlock_index::IndexError::Status {
                        status: 401 | 403,
                        ..
                    }
                ) =>
            {
                Some(credentials_hint("the settings named in the README"))
            }
            _ => None,
        }
    }
}

impl From<envlock_index::IndexError> for PublishError {
    fn from(error: envlock_index::IndexError) -> Self {
        PublishError::Index(Box::new(error))
    }
}

impl PublishError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        PublishError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// What to say when a repository refuses the credentials from `source`.
pub(crate) fn credentials_hint(source: &str) -> String {
    format!(
        "the credentials came from {source}; set ENVLOCK_PUBLISH_USERNAME and ENVLOCK_PUBLISH_PASSWORD \
         (or TWINE_USERNAME/TWINE_PASSWORD, a ~/.pypirc section with --repository NAME, or a netrc entry \
         for the host; a token goes with the username __token__), and check the account may upload to this index"
    )
}
