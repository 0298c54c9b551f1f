//! The errors of the index client. Each names the URL, file or path it is
//! about (URLs always through [`SafeUrl`], so without credentials).

use std::path::PathBuf;

use crate::safe_url::SafeUrl;

/// Everything that can go wrong while reading an index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// The request could not be completed (connection, TLS, timeout, body),
    /// after all retries.
    #[error("request to {url} failed after {attempts} attempt(s): {reason}")]
    Network {
        /// The URL requested.
        url: SafeUrl,
        /// How many attempts were made.
        attempts: u32,
        /// What went wrong on the last attempt.
        reason: String,
    },
    /// The request did not finish within its total deadline.
    #[error(
        "{url} did not finish within {seconds} s (the deadline set by {setting}); \
         {received} bytes had arrived"
    )]
    TooSlow {
        /// The URL requested.
        url: SafeUrl,
        /// The deadline, in seconds.
        seconds: u64,
        /// The setting that sets it.
        setting: &'static str,
        /// How much of the body had arrived.
        received: u64,
    },
    /// A body is larger than allowed.
    #[error("{url} sent more than {limit} bytes, the limit set by {setting}")]
    TooLarge {
        /// The URL requested.
        url: SafeUrl,
        /// The limit, in bytes.
        limit: u64,
        /// The setting (or the lock's size) that sets it.
        setting: String,
    },
    /// A plain `http://` URL whose host is not allowed to be insecure.
    #[error(
        "refusing plain http to {url}: its host `{host}` is not allowed to be insecure \
         (use https, or pass --allow-insecure-host {host})"
    )]
    Insecure {
        /// The URL.
        url: SafeUrl,
        /// Its host.
        host: String,
    },
    /// The server answered with an unexpected HTTP status.
    #[error("{url} answered HTTP {status}{detail}")]
    Status {
        /// The URL requested.
        url: SafeUrl,
        /// The HTTP status code.
        status: u16,
        /// The end of the message, possibly empty: what the status means
        /// here (e.g. that the credentials sent were refused). Advice on
        /// what to do is the error's [`envlock_pep::Hint`].
        detail: String,
    },
    /// The index has no page for this project (HTTP 404, or no files in a
    /// find-links directory).
    #[error("project `{project}` was not found on index `{index}`")]
    ProjectNotFound {
        /// The normalised project name.
        project: String,
        /// The index's name.
        index: String,
    },
    /// A page could not be parsed, or is neither PEP 691 JSON nor PEP 503 HTML.
    #[error("the page at {url} is not a valid Simple API page: {reason}")]
    BadPage {
        /// The page's URL.
        url: SafeUrl,
        /// What is wrong with it.
        reason: String,
    },
    /// Core metadata could not be parsed.
    #[error("invalid core metadata from {source_name}: {reason}")]
    BadMetadata {
        /// Where the metadata came from (a redacted URL or a file path).
        source_name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A wheel or an sdist (zip or tar) could not be read as an archive.
    #[error("cannot read the archive {source_name}: {reason}")]
    BadArchive {
        /// The archive's redacted URL or path.
        source_name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An sdist's metadata is dynamic: it must be built to be known.
    #[error(
        "the metadata of sdist {filename} is dynamic ({reason}); it must be built to know its dependencies"
    )]
    DynamicSdistMetadata {
        /// The sdist's file name.
        filename: String,
        /// Which fields are dynamic or missing.
        reason: String,
    },
    /// A downloaded file (or metadata file) did not have the expected sha256.
    #[error(
        "hash mismatch for {filename} from {source_name}: expected sha256 {expected}, got {actual}"
    )]
    HashMismatch {
        /// The file name.
        filename: String,
        /// Where it came from (redacted URL or path).
        source_name: String,
        /// The sha256 the index announced.
        expected: String,
        /// The sha256 of the bytes received.
        actual: String,
    },
    /// `--offline` is set and the cache does not hold what is needed.
    #[error(
        "{what} is not in the cache, and --offline is set (run once without --offline to fill the cache)"
    )]
    Offline {
        /// What is missing, e.g. "the project page of `foo` on index `default`".
        what: String,
    },
    /// A certificate file or directory could not be used.
    #[error("cannot use the certificates at {path} (from {origin}): {reason}")]
    Certificate {
        /// The file or directory.
        path: PathBuf,
        /// Where the path came from: `--cert`, `SSL_CERT_FILE` or `SSL_CERT_DIR`.
        origin: String,
        /// What is wrong.
        reason: String,
    },
    /// The `.netrc` file could not be read or parsed.
    #[error("cannot read the netrc file {path}: {reason}")]
    Netrc {
        /// The file.
        path: PathBuf,
        /// What is wrong (never its content).
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    /// A local file operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done, e.g. "cannot write".
        action: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A URL or index location is invalid.
    #[error("invalid index URL `{url}` (from {origin}): {reason}")]
    InvalidUrl {
        /// The URL as given (redacted).
        url: String,
        /// Where it came from (flag, env var, config file).
        origin: String,
        /// What is wrong.
        reason: String,
    },
    /// A file's location (a resource's URL) cannot be used.
    #[error("invalid URL `{url}`: {reason}")]
    BadUrl {
        /// The URL as given, with any userinfo masked.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// A configuration file could not be read.
    #[error("cannot read the configuration file {path}: {reason}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// No index is configured at all.
    #[error(
        "no package index is configured: pass `--index-url URL`, set ENVLOCK_INDEX_URL or PIP_INDEX_URL, \
         or add an `[[indexes]]` entry with a `url` to envlock.toml (or use `--find-links DIR` for a local directory)"
    )]
    NoIndex,
}

impl envlock_pep::Hint for IndexError {
    fn hint(&self) -> Option<String> {
        let hint = match self {
            IndexError::Network { .. } => {
                "check the index URL and the network; behind a TLS-intercepting proxy, pass its CA with --cert or SSL_CERT_FILE"
            }
            IndexError::Status {
                status: 401 | 403, ..
            } => "give credentials in the index URL (https://user:token@host/…) or in ~/.netrc",
            IndexError::TooSlow { .. } => {
                "the server is too slow or stalls; raise --request-timeout (ENVLOCK_REQUEST_TIMEOUT, seconds) if the link is merely slow"
            }
            IndexError::TooLarge { .. } => {
                "the index sent far more than such a file should be; check the index, or raise the limit named if it is legitimate"
            }
            IndexError::Insecure { .. } => {
                "plain http can be read and changed on the way; allow a host you trust on this network with --allow-insecure-host HOST (or ENVLOCK_ALLOW_INSECURE_HOST, or pip's trusted-host)"
            }
            _ => return None,
        };
        Some(hint.to_owned())
    }
}

impl IndexError {
    /// Shorthand for an [`IndexError::Io`].
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
