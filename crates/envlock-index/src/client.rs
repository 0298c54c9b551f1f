//! The one shared HTTP client: connection pool, TLS roots, credentials,
//! retries, timeouts, the cache and the I/O thread pool.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::HeaderMap;
use url::Url;

use crate::cache::{Cache, PendingFile};
use crate::env::EnvVars;
use crate::error::IndexError;
use crate::safe_url::SafeUrl;

/// The default total time of one request (`--request-timeout`).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// The default largest project page (`--max-page-size`): the largest real
/// pages are tens of MiB of JSON.
pub const DEFAULT_MAX_PAGE_SIZE: u64 = 256 * 1024 * 1024;
/// The default largest PEP 658 metadata file (`--max-metadata-size`): real
/// ones are a few KiB to a few hundred KiB.
pub const DEFAULT_MAX_METADATA_SIZE: u64 = 32 * 1024 * 1024;

/// How long a page the index said nothing about (no `Cache-Control`, no
/// validators) is used from the cache: ten minutes, the `max-age` the
/// public index gives its own pages.
pub const DEFAULT_PAGE_MAX_AGE: Duration = Duration::from_secs(600);
/// The slowest download rate a file of known size is allowed, in bytes per
/// second: a download of N bytes may take `--request-timeout` plus N / this
/// rate. A "total" deadline cannot be one number for a 2 KiB page and a
/// 500 MiB wheel; scaling it by the size the lock (or index) gives keeps a
/// large file on a slow but working link going (500 MiB at 64 KiB/s is
/// over two hours) while a server that trickles a byte at a time still
/// ends. The size is known before the download starts, so this costs no
/// extra pass.
pub const MIN_DOWNLOAD_RATE: u64 = 64 * 1024;

/// The setting that sets the total deadline, for messages.
pub(crate) const REQUEST_TIMEOUT_SETTING: &str = "--request-timeout / ENVLOCK_REQUEST_TIMEOUT";

/// How many bytes a body may have, and which setting says so.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limit {
    pub bytes: u64,
    pub setting: &'static str,
}

/// When a request must be over, and why that long.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    at: Instant,
    budget: Duration,
}

/// How the shared client behaves.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// An extra PEM bundle of trusted roots (`--cert`), added to the system
    /// trust store (and to `SSL_CERT_FILE` / `SSL_CERT_DIR`).
    pub cert: Option<PathBuf>,
    /// Timeout for establishing a connection.
    pub connect_timeout: Duration,
    /// Timeout for each read (and for receiving response headers).
    pub read_timeout: Duration,
    /// Total time one request may take, body included (`--request-timeout`,
    /// `ENVLOCK_REQUEST_TIMEOUT`). A download of a file of known size gets
    /// this plus the time the file takes at `MIN_DOWNLOAD_RATE` (64 KiB/s); see
    /// `IndexClient::deadline_for`.
    pub request_timeout: Duration,
    /// Largest project page read (`--max-page-size`, `ENVLOCK_MAX_PAGE_SIZE`).
    pub max_page_size: u64,
    /// Largest PEP 658 metadata file read (`--max-metadata-size`,
    /// `ENVLOCK_MAX_METADATA_SIZE`).
    pub max_metadata_size: u64,
    /// Hosts that may be reached over plain `http://`
    /// (`--allow-insecure-host`, pip's `trusted-host`). Nothing else is.
    pub allow_insecure_hosts: Vec<String>,
    /// How many times a failed request is retried (connection errors,
    /// timeouts, truncated bodies, 429 and 5xx answers).
    pub retries: u32,
    /// First retry delay; it doubles on each retry, up to `retry_max_delay`.
    pub retry_base_delay: Duration,
    /// Longest wait between retries (also caps `Retry-After`).
    pub retry_max_delay: Duration,
    /// Threads in the I/O pool used for batch work.
    pub concurrency: usize,
    /// Serve only from the cache; never touch the network.
    pub offline: bool,
    /// Do not read the cache (still write it).
    pub refresh: bool,
    /// How long a project page is used from the cache without asking the
    /// index again when the index gave no freshness (`Cache-Control`) and
    /// no validators (`ETag`, `Last-Modified`) for it (`--page-max-age`,
    /// default [`DEFAULT_PAGE_MAX_AGE`]). Zero fetches such pages every
    /// time. The index's own `Cache-Control` always wins.
    pub page_max_age: Duration,
    /// Cache root; `None` uses `ENVLOCK_CACHE_DIR` or the user cache dir.
    pub cache_dir: Option<PathBuf>,
    /// The environment read for `NETRC`, `HOME`, `SSL_CERT_FILE`,
    /// `SSL_CERT_DIR` and `ENVLOCK_CACHE_DIR`.
    pub env: EnvVars,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            cert: None,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_page_size: DEFAULT_MAX_PAGE_SIZE,
            max_metadata_size: DEFAULT_MAX_METADATA_SIZE,
            allow_insecure_hosts: Vec::new(),
            retries: 3,
            retry_base_delay: Duration::from_millis(100),
            retry_max_delay: Duration::from_secs(5),
            concurrency: 32,
            offline: false,
            refresh: false,
            page_max_age: DEFAULT_PAGE_MAX_AGE,
            cache_dir: None,
            env: EnvVars::from_process(),
        }
    }
}

/// A username and password; `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
struct Credentials {
    username: String,
    password: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Credentials(****)")
    }
}

/// An HTTP answer with its body read in full.
#[derive(Debug)]
pub(crate) struct HttpResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The final URL (after redirects), without credentials.
    pub url: Url,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// Why an attempt failed, and whether to try again.
enum Failure {
    Retry {
        error: Box<IndexError>,
        wait: Option<Duration>,
    },
    Fatal(Box<IndexError>),
}

/// The shared client of every HTTP index: one pooled `reqwest` client
/// (HTTP/2 where the server offers it), credentials, retries, the cache and
/// an I/O-sized thread pool for batch work.
pub struct IndexClient {
    http: Client,
    /// The TLS set-up all its HTTP clients share (see [`tls_config`]),
    /// kept to build the download clients when first needed.
    tls: rustls::ClientConfig,
    /// The extra clients bulk downloads take turns over with `http`, built
    /// on the first download (see [`DOWNLOAD_CONNECTIONS`]).
    downloaders: std::sync::OnceLock<Vec<Client>>,
    /// Which download client the next download uses.
    next_downloader: std::sync::atomic::AtomicUsize,
    options: ClientOptions,
    cache: Cache,
    pool: rayon::ThreadPool,
    /// Credentials from index URLs, by `host:port`.
    url_credentials: RwLock<HashMap<String, Credentials>>,
    /// The hosts of the configured indexes: the only ones the netrc
    /// `default` entry is offered to.
    index_hosts: RwLock<std::collections::HashSet<String>>,
    netrc: Option<netrc::Netrc>,
    /// Slots for CPU-bound work (page parsing), one per core.
    cpu_slots: Slots,
    /// Slots for pages being downloaded and parsed.
    page_slots: Slots,
    /// Per `host:port`: whether a request to it has gone through, so that
    /// later ones can share its (HTTP/2) connection. See [`Self::send`].
    first_contact: std::sync::Mutex<HashMap<String, Arc<std::sync::Mutex<bool>>>>,
}

impl std::fmt::Debug for IndexClient {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("IndexClient")
            .field("cache", &self.cache)
            .field("offline", &self.options.offline)
            .finish_non_exhaustive()
    }
}

fn host_key(url: &Url) -> Option<String> {
    Some(format!(
        "{}:{}",
        url.host_str()?,
        url.port_or_known_default()?
    ))
}

fn decode_userinfo(value: &str) -> String {
    // Userinfo is percent-encoded in URLs (`%40` for `@` in tokens).
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && index + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[index + 1..index + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            index += 3;
            continue;
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn url_credentials(url: &Url) -> Option<Credentials> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    Some(Credentials {
        username: decode_userinfo(url.username()),
        password: url.password().map(decode_userinfo),
    })
}

/// Reads the extra trusted roots: `--cert`, `SSL_CERT_FILE`, `SSL_CERT_DIR`.
/// Each file is read once and each certificate added once: machines often
/// name the same roots several times (a bundle, and a folder holding that
/// bundle beside a link to each of its certificates; this one reached the
/// same 146 certificates three times, 440 parses), and every root read
/// costs start-up time, on the way to the first request.
fn extra_roots(
    options: &ClientOptions,
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, IndexError> {
    let mut roots = UniqueRoots::default();
    if let Some(path) = &options.cert {
        roots.add_bundle(path, "--cert")?;
    }
    if let Some(path) = options.env.get("SSL_CERT_FILE") {
        roots.add_bundle(Path::new(path), "SSL_CERT_FILE")?;
    }
    if let Some(dirs) = options.env.get("SSL_CERT_DIR") {
        for dir in std::env::split_paths(dirs) {
            roots.add_folder(&dir)?;
        }
    }
    Ok(roots.certificates)
}

/// Trusted roots in the order first seen, each once.
#[derive(Default)]
struct UniqueRoots {
    seen: std::collections::HashSet<Vec<u8>>,
    certificates: Vec<rustls::pki_types::CertificateDer<'static>>,
    /// The files read so far, by identity (see [`file_identity`]).
    files_read: std::collections::HashSet<FileIdentity>,
}

impl UniqueRoots {
    /// Adds the `.pem` and `.crt` files of an `SSL_CERT_DIR` folder, in
    /// name order.
    fn add_folder(&mut self, dir: &Path) -> Result<(), IndexError> {
        let entries = std::fs::read_dir(dir).map_err(|error| IndexError::Certificate {
            path: dir.to_path_buf(),
            origin: "SSL_CERT_DIR".to_owned(),
            reason: error.to_string(),
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                path.extension()
                    .and_then(|extension| extension.to_str())
                    .is_some_and(|extension| matches!(extension, "pem" | "crt"))
            })
            .collect();
        paths.sort();
        for path in paths {
            self.add_bundle(&path, "SSL_CERT_DIR")?;
        }
        Ok(())
    }

    /// Adds the certificates of a PEM bundle not seen before; a file read
    /// before (under this name or another: a link) is not read again.
    fn add_bundle(&mut self, path: &Path, origin: &str) -> Result<(), IndexError> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject as _;
        let failure = |reason: String| IndexError::Certificate {
            path: path.to_path_buf(),
            origin: origin.to_owned(),
            reason,
        };
        let identity = file_identity(path).map_err(|error| failure(error.to_string()))?;
        if !self.files_read.insert(identity) {
            return Ok(());
        }
        let bytes = std::fs::read(path).map_err(|error| failure(error.to_string()))?;
        let ders = CertificateDer::pem_slice_iter(&bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| failure(format!("not a PEM certificate bundle: {error}")))?;
        if ders.is_empty() {
            return Err(failure("no PEM certificates found in it".to_owned()));
        }
        for der in ders {
            if self.seen.contains(der.as_ref()) {
                continue;
            }
            // Parsed as a trust anchor now, so that a broken one is named
            // with its file rather than by the TLS set-up later.
            rustls::RootCertStore::empty()
                .add(der.clone())
                .map_err(|error| failure(format!("not a usable certificate: {error}")))?;
            self.seen.insert(der.to_vec());
            self.certificates.push(der);
        }
        Ok(())
    }
}

/// What tells two names of one file apart from two files: the device and
/// inode on unix, the canonical path elsewhere.
#[cfg(unix)]
type FileIdentity = (u64, u64);
#[cfg(not(unix))]
type FileIdentity = PathBuf;

#[cfg(unix)]
fn file_identity(path: &Path) -> std::io::Result<FileIdentity> {
    use std::os::unix::fs::MetadataExt as _;
    let metadata = std::fs::metadata(path)?;
    Ok((metadata.dev(), metadata.ino()))
}

#[cfg(not(unix))]
fn file_identity(path: &Path) -> std::io::Result<FileIdentity> {
    std::fs::canonicalize(path)
}

fn read_netrc(env: &EnvVars) -> Result<Option<netrc::Netrc>, IndexError> {
    let (path, explicit) = match env.get("NETRC") {
        Some(path) => (PathBuf::from(path), true),
        None => match env.home_dir() {
            Some(home) => (home.join(".netrc"), false),
            None => return Ok(None),
        },
    };
    if !path.exists() {
        return if explicit {
            Err(IndexError::Netrc {
                path,
                reason: "the file named by NETRC does not exist".to_owned(),
            })
        } else {
            Ok(None)
        };
    }
    match netrc::Netrc::from_file(&path) {
        Ok(parsed) => Ok(Some(parsed)),
        // The parser's message may quote tokens (passwords): never show it.
        Err(_) if !explicit => Ok(None),
        Err(netrc::Error::Io(error)) => Err(IndexError::Netrc {
            path,
            reason: error.to_string(),
        }),
        Err(netrc::Error::Parsing { .. }) => Err(IndexError::Netrc {
            path,
            reason: "it is not a valid netrc file".to_owned(),
        }),
    }
}

/// Classifies a transport error: all are worth retrying except builder errors.
fn transport_failure(url: &SafeUrl, error: reqwest::Error) -> Failure {
    let error = error.without_url();
    let reason = crate::causes::join_causes(&error, ": ");
    let network = IndexError::Network {
        url: url.clone(),
        attempts: 1,
        reason,
    };
    if error.is_builder() || error.is_redirect() {
        Failure::Fatal(Box::new(network))
    } else {
        Failure::Retry {
            error: Box::new(network),
            wait: None,
        }
    }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// How many project pages may be downloaded and parsed at once. Pages
/// arrive faster than two cores parse them, and a page waiting for its
/// parse is megabytes held: in the first 0.3 s of a cold 25-target lock
/// (its 28 requirements' pages asked for at once) RSS reached 57–69 MiB
/// without a limit, and 45–53 MiB with 8; the lock took no longer.
/// Metadata fetches, small and latency-bound, are not held back by this.
const PAGE_SLOTS: usize = 8;

/// How many connections to a host bulk downloads spread over, each through
/// a client of its own (own pool, own I/O thread). One HTTP/2 connection
/// carries every request a client sends to a host, and one connection is
/// slower than the link: here, one curl process fetched the 60 largest
/// files of the 25-target wheelhouse (2 GB) at 250–280 MB/s, two at once
/// at 460 MB/s together. The whole 25-target wheelhouse (912 files, 4 GB,
/// on tmpfs) took 11.3–12.2 s over one connection, 10.0 s over two,
/// 8.9–9.1 s over four and 9.6–10.6 s over eight.
const DOWNLOAD_CONNECTIONS: usize = 4;

/// HTTP/2 settings for bulk downloads. Many downloads share one connection
/// per host, so the connection window bounds their total rate to
/// window / RTT, and the defaults (a few MiB) cap a fast link below its
/// speed. Larger frames mean fewer hand-overs from the I/O thread to the
/// download threads (measured: cold wheelhouse builds about 10% faster,
/// with less CPU; see bench/wheelhouse_vs_curl.py).
const HTTP2_STREAM_WINDOW: u32 = 16 * 1024 * 1024;
const HTTP2_CONNECTION_WINDOW: u32 = 128 * 1024 * 1024;
const HTTP2_MAX_FRAME: u32 = 1024 * 1024;

/// The TLS set-up of every HTTP client: the system's trust store (through
/// the platform verifier) and the extra roots, with HTTP/2 and HTTP/1.1
/// offered. Built once and shared: each client that builds its own loads
/// the system's roots again (7 ms of CPU here, with 292 files in
/// `SSL_CERT_DIR`), and the download clients are built just as the first
/// downloads start.
fn tls_config(
    roots: Vec<rustls::pki_types::CertificateDer<'static>>,
) -> Result<rustls::ClientConfig, IndexError> {
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let failure = |error: rustls::Error| {
        IndexError::Client(format!(
            "cannot set up TLS with the system's trust store and the extra roots \
             (--cert, SSL_CERT_FILE, SSL_CERT_DIR): {error}; check those certificates"
        ))
    };
    let verifier = if roots.is_empty() {
        rustls_platform_verifier::Verifier::new(Arc::clone(&provider))
    } else {
        rustls_platform_verifier::Verifier::new_with_extra_roots(roots, Arc::clone(&provider))
    }
    .map_err(failure)?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(failure)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// An HTTP client with envlock's settings: timeouts, HTTP/2 windows,
/// redirects and the shared TLS set-up.
fn http_client(options: &ClientOptions, tls: &rustls::ClientConfig) -> Result<Client, IndexError> {
    Client::builder()
        .user_agent(concat!("envlock/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(options.connect_timeout)
        .timeout(options.read_timeout)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .http2_initial_stream_window_size(HTTP2_STREAM_WINDOW)
        .http2_initial_connection_window_size(HTTP2_CONNECTION_WINDOW)
        .http2_max_frame_size(HTTP2_MAX_FRAME)
        .redirect(redirect_policy(options.allow_insecure_hosts.clone()))
        .tls_backend_preconfigured(tls.clone())
        .build()
        .map_err(|error| IndexError::Client(error.without_url().to_string()))
}

impl IndexClient {
    /// Builds the shared client: TLS roots, netrc, cache and thread pool.
    pub fn new(options: ClientOptions) -> Result<Self, IndexError> {
        // ring's crypto provider, installed once per process (a provider
        // installed earlier is as good). aws-lc, reqwest's default, seeds
        // its generator with CPU jitter at start-up: about 5% of a cold
        // wheelhouse build's CPU here, on the path to the first request.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let tls = tls_config(extra_roots(&options)?)?;
        let http = http_client(&options, &tls)?;
        let netrc = read_netrc(&options.env)?;
        let cache_root = match &options.cache_dir {
            Some(dir) => dir.clone(),
            None => Cache::default_root(&options.env).ok_or_else(|| {
                IndexError::Client("no cache directory: set ENVLOCK_CACHE_DIR or HOME".to_owned())
            })?,
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.concurrency.max(1))
            .thread_name(|index| format!("envlock-io-{index}"))
            .build()
            .map_err(|error| {
                IndexError::Client(format!("cannot start the I/O thread pool: {error}"))
            })?;
        Ok(Self {
            http,
            tls,
            downloaders: std::sync::OnceLock::new(),
            next_downloader: std::sync::atomic::AtomicUsize::new(0),
            cache: Cache::new(cache_root),
            options,
            pool,
            url_credentials: RwLock::new(HashMap::new()),
            index_hosts: RwLock::new(std::collections::HashSet::new()),
            netrc,
            cpu_slots: Slots::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
            ),
            page_slots: Slots::new(PAGE_SLOTS),
            first_contact: std::sync::Mutex::new(HashMap::new()),
        })
    }

    /// Sends a request. Until one request to a host has been answered,
    /// requests to it go one at a time: the pool does not yet know whether
    /// the host speaks HTTP/2, and would open a connection per waiting
    /// request — dozens at once, which some networks drop (seen here: 40
    /// simultaneous connects to a file host, a third of them timing out
    /// after 10 s). Once the first answer is in, the rest share its
    /// connection (HTTP/2) or open their own (HTTP/1.1) in parallel.
    /// `lane` is the client's (see [`IndexClient::client`]): each has its
    /// own connections.
    fn send(
        &self,
        lane: usize,
        url: &SafeUrl,
        builder: RequestBuilder,
    ) -> reqwest::Result<Response> {
        let Some(host) = host_key(url.as_url()) else {
            return builder.send();
        };
        let key = format!("{lane} {host}");
        let gate = {
            let mut hosts = self
                .first_contact
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(hosts.entry(key).or_default())
        };
        let mut contacted = gate
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *contacted {
            drop(contacted);
            return builder.send();
        }
        let response = builder.send();
        if response.is_ok() {
            *contacted = true;
        }
        response
    }

    /// Runs CPU-bound work (parsing a project page) with at most one such
    /// job per core at a time. Network work runs on many threads; letting
    /// all of them parse multi-megabyte pages at once only multiplies the
    /// memory held (a page is in memory several times while it is parsed)
    /// without finishing sooner.
    pub(crate) fn cpu_bound<R>(&self, work: impl FnOnce() -> R) -> R {
        self.cpu_slots.run(work)
    }

    /// Runs the download and parse of one project page with at most
    /// [`PAGE_SLOTS`] such at a time (see there).
    pub(crate) fn page_bound<R>(&self, work: impl FnOnce() -> R) -> R {
        self.page_slots.run(work)
    }

    /// The options the client was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// The on-disk cache.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// Runs `work` on the client's I/O thread pool (rayon parallel iterators
    /// inside it use that pool, sized for I/O rather than cores).
    pub fn install<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        self.pool.install(work)
    }

    /// Remembers the credentials of an index URL, so files on the same host
    /// get them too.
    pub(crate) fn register_credentials(&self, url: &Url) {
        if let (Some(credentials), Some(key)) = (url_credentials(url), host_key(url))
            && let Ok(mut map) = self.url_credentials.write()
        {
            map.entry(key).or_insert(credentials);
        }
    }

    /// Remembers a configured index's host: the netrc `default` entry is
    /// offered to it (and to no host a page merely links to).
    pub(crate) fn register_index(&self, url: &Url) {
        self.register_credentials(url);
        if let Some(host) = url.host_str()
            && let Ok(mut hosts) = self.index_hosts.write()
        {
            hosts.insert(host.to_ascii_lowercase());
        }
    }

    fn credentials_for(&self, url: &Url) -> Option<Credentials> {
        if let Some(credentials) = url_credentials(url) {
            return Some(credentials);
        }
        if let Some(key) = host_key(url)
            && let Some(found) = self
                .url_credentials
                .read()
                .ok()
                .and_then(|map| map.get(&key).cloned())
        {
            return Some(found);
        }
        let netrc = self.netrc.as_ref()?;
        let host = url.host_str()?;
        let is_index_host = || {
            self.index_hosts
                .read()
                .is_ok_and(|hosts| hosts.contains(&host.to_ascii_lowercase()))
        };
        let entry = netrc.hosts.get(host).or_else(|| {
            is_index_host()
                .then(|| netrc.hosts.get("default"))
                .flatten()
        })?;
        Some(Credentials {
            username: entry.login.clone(),
            password: Some(entry.password.clone()),
        })
    }

    /// The client of `lane`: 0 is the shared client (pages, metadata, and
    /// the first share of downloads), the others are the download clients.
    fn client(&self, lane: usize) -> &Client {
        lane.checked_sub(1)
            .and_then(|extra| self.downloaders.get()?.get(extra))
            .unwrap_or(&self.http)
    }

    /// The lane the next download goes through, in turn over the shared
    /// client and the download clients (built here on the first download;
    /// one that cannot be built is done without).
    fn next_download_lane(&self) -> usize {
        let extra = self.downloaders.get_or_init(|| {
            (1..DOWNLOAD_CONNECTIONS)
                .map_while(|_| http_client(&self.options, &self.tls).ok())
                .collect()
        });
        self.next_downloader
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            % (extra.len() + 1)
    }

    fn request(
        &self,
        lane: usize,
        url: &SafeUrl,
        headers: &[(&str, String)],
    ) -> (RequestBuilder, bool) {
        let mut builder = self.client(lane).get(url.without_credentials());
        for (name, value) in headers {
            builder = builder.header(*name, value.as_str());
        }
        let credentials = self.credentials_for(url.as_url());
        let authorized = credentials.is_some();
        if let Some(credentials) = credentials {
            builder = builder.basic_auth(credentials.username, credentials.password);
        }
        (builder, authorized)
    }

    fn check_status(
        &self,
        url: &SafeUrl,
        response: &Response,
        authorized: bool,
    ) -> Result<(), Failure> {
        let status = response.status();
        if status.is_success()
            || status == StatusCode::NOT_MODIFIED
            || status == StatusCode::RANGE_NOT_SATISFIABLE
        {
            return Ok(());
        }
        let detail = match status.as_u16() {
            401 | 403 if authorized => {
                "; the credentials sent (from the URL or .netrc) were refused".to_owned()
            }
            401 | 403 => "; the index may need credentials: put them in the index URL or in .netrc"
                .to_owned(),
            _ => String::new(),
        };
        let error = IndexError::Status {
            url: url.clone(),
            status: status.as_u16(),
            detail,
        };
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            Err(Failure::Retry {
                error: Box::new(error),
                wait: retry_after(response.headers()),
            })
        } else {
            Err(Failure::Fatal(Box::new(error)))
        }
    }

    fn offline_guard(&self, url: &SafeUrl) -> Result<(), IndexError> {
        if self.options.offline {
            return Err(IndexError::Offline {
                what: format!("{url}"),
            });
        }
        Ok(())
    }

    /// Runs `attempt` until it succeeds, fails fatally, or retries run out.
    fn with_retries<T>(
        &self,
        mut attempt: impl FnMut() -> Result<T, Failure>,
    ) -> Result<T, IndexError> {
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            match attempt() {
                Ok(value) => return Ok(value),
                Err(Failure::Fatal(error)) => return Err(*error),
                Err(Failure::Retry { mut error, wait }) => {
                    if attempts > self.options.retries {
                        if let IndexError::Network {
                            attempts: count, ..
                        } = error.as_mut()
                        {
                            *count = attempts;
                        }
                        return Err(*error);
                    }
                    let exponent = (attempts - 1).min(16);
                    let backoff = self.options.retry_base_delay.saturating_mul(1 << exponent);
                    let delay = wait.unwrap_or(backoff).min(self.options.retry_max_delay);
                    std::thread::sleep(delay);
                }
            }
        }
    }

    /// The deadline of a request started now: `--request-timeout`, plus,
    /// for a download of `size` bytes, the time it takes at
    /// [`MIN_DOWNLOAD_RATE`].
    fn deadline_for(&self, size: Option<u64>) -> Deadline {
        let budget = self
            .options
            .request_timeout
            .saturating_add(Duration::from_secs(size.unwrap_or(0) / MIN_DOWNLOAD_RATE));
        Deadline {
            at: Instant::now() + budget,
            budget,
        }
    }

    /// Refuses plain http to hosts not allowed to be insecure.
    pub(crate) fn check_transport(&self, url: &SafeUrl) -> Result<(), IndexError> {
        if url.as_url().scheme() != "http" {
            return Ok(());
        }
        let host = url.as_url().host_str().unwrap_or_default();
        if insecure_allowed(&self.options.allow_insecure_hosts, url.as_url()) {
            return Ok(());
        }
        Err(IndexError::Insecure {
            url: url.clone(),
            host: host.to_owned(),
        })
    }

    /// Sends one attempt of a GET and checks its status.
    fn start(
        &self,
        lane: usize,
        url: &SafeUrl,
        headers: &[(&str, String)],
        deadline: Deadline,
    ) -> Result<Response, Failure> {
        let (builder, authorized) = self.request(lane, url, headers);
        // Waiting for the headers and each read are bounded by the read
        // timeout, and never past the deadline.
        let wait = self
            .options
            .read_timeout
            .min(deadline.at.saturating_duration_since(Instant::now()))
            .max(Duration::from_millis(1));
        let response = self
            .send(lane, url, builder.timeout(wait))
            .map_err(|error| match deadline_failure(url, deadline, 0) {
                Some(failure) => failure,
                None => transport_failure(url, error),
            })?;
        self.check_status(url, &response, authorized)?;
        Ok(response)
    }

    /// GETs a URL and reads the whole body, with retries, at most
    /// `limit.bytes` of it within the request deadline. Answers other than
    /// 2xx, 304 and 416 are errors (404 is `IndexError::Status` with 404).
    pub(crate) fn get(
        &self,
        url: &SafeUrl,
        headers: &[(&str, String)],
        limit: Limit,
    ) -> Result<HttpResponse, IndexError> {
        self.offline_guard(url)?;
        self.check_transport(url)?;
        self.with_retries(|| {
            let deadline = self.deadline_for(None);
            let mut response = self.start(0, url, headers, deadline)?;
            if let Some(length) = response.content_length()
                && length > limit.bytes
            {
                return Err(too_large(url, limit));
            }
            // Sized up front where the length is announced: project pages
            // run to megabytes, and a growing buffer copies itself as it goes.
            let announced = response.content_length().unwrap_or(0).min(64 << 20);
            let mut body = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
            // Read straight into `body` (no copy), one byte past the limit
            // at most, so that a body over it is seen.
            let mut timed = Timed {
                response: &mut response,
                url,
                deadline,
                received: 0,
                failure: None,
            };
            let result = std::io::Read::take(&mut timed, limit.bytes.saturating_add(1))
                .read_to_end(&mut body);
            if let Some(failure) = timed.failure.take() {
                return Err(failure);
            }
            result.map_err(|error| Failure::Retry {
                error: Box::new(IndexError::Network {
                    url: url.clone(),
                    attempts: 1,
                    reason: format!("reading the body failed: {error}"),
                }),
                wait: None,
            })?;
            if body.len() as u64 > limit.bytes {
                return Err(too_large(url, limit));
            }
            Ok(HttpResponse {
                status: response.status(),
                headers: response.headers().clone(),
                url: SafeUrl::new(response.url().clone()).without_credentials(),
                body,
            })
        })
    }

    /// Streams a URL into `file` (truncated first on each attempt), hashing
    /// while writing, and into `copy` too when given (the cache's entry,
    /// written from the same buffer; a copy that cannot be written is
    /// dropped, the download goes on). Returns (sha256, size). With an
    /// `expected_size` (the lock's), no more than that is read, and the
    /// deadline grows with it.
    pub(crate) fn download(
        &self,
        url: &SafeUrl,
        file: &mut std::fs::File,
        path: &Path,
        expected_size: Option<u64>,
        copy: &mut Option<PendingFile>,
    ) -> Result<(envlock_fs::Sha256, u64), IndexError> {
        self.offline_guard(url)?;
        self.check_transport(url)?;
        let limit = Limit {
            bytes: expected_size.unwrap_or(u64::MAX),
            setting: "the size recorded in the lock",
        };
        let io_error = |error: std::io::Error| {
            Failure::Fatal(Box::new(IndexError::io("cannot write", path, error)))
        };
        let lane = self.next_download_lane();
        self.with_retries(|| {
            rewind(file).map_err(io_error)?;
            if copy
                .as_mut()
                .is_some_and(|pending| rewind(pending.as_file_mut()).is_err())
            {
                *copy = None;
            }
            let deadline = self.deadline_for(expected_size);
            let mut response = self.start(lane, url, &[], deadline)?;
            if !response.status().is_success() {
                return Err(Failure::Fatal(Box::new(IndexError::Status {
                    url: url.clone(),
                    status: response.status().as_u16(),
                    detail: String::new(),
                })));
            }
            if response
                .content_length()
                .is_some_and(|length| length > limit.bytes)
            {
                return Err(too_large(url, limit));
            }
            let mut output = envlock_fs::HashingWriter::new(&mut *file);
            let mut size = 0u64;
            // Reads come in network-sized pieces; they are gathered into
            // whole buffers so that the file sees one write per 256 KiB.
            let mut buffer = vec![0u8; DOWNLOAD_BUFFER];
            let mut filled = 0;
            // Never more than the expected size is read: a longer body is
            // cut there, and the hash check then decides.
            while size < limit.bytes {
                let room = (buffer.len() - filled).min(clamp(limit.bytes - size));
                let read = read_some(
                    &mut response,
                    &mut buffer[filled..filled + room],
                    url,
                    deadline,
                    clamp(size),
                )?;
                if read == 0 {
                    break;
                }
                filled += read;
                size += read as u64;
                if filled == buffer.len() {
                    write_out(&mut output, copy, &buffer).map_err(io_error)?;
                    filled = 0;
                }
            }
            write_out(&mut output, copy, &buffer[..filled]).map_err(io_error)?;
            output.flush().map_err(io_error)?;
            let (sha256, _, _) = output.finish();
            Ok((sha256, size))
        })
    }
}

/// How much of a download is gathered before it is written out (hashed,
/// written to its file and to the cache's copy): large enough that the
/// system calls are few, small enough to stay in the CPU's cache between
/// the write, the hash and the copy.
const DOWNLOAD_BUFFER: usize = 256 * 1024;

/// Empties a file for another attempt.
fn rewind(file: &mut std::fs::File) -> std::io::Result<()> {
    file.set_len(0)?;
    std::io::Seek::rewind(file).map(drop)
}

/// Writes a piece of a download to its file (hashing it) and to the copy,
/// if any; the copy is dropped when it cannot be written.
fn write_out(
    output: &mut envlock_fs::HashingWriter<&mut std::fs::File>,
    copy: &mut Option<PendingFile>,
    bytes: &[u8],
) -> std::io::Result<()> {
    output.write_all(bytes)?;
    if let Some(pending) = copy
        && pending.as_file_mut().write_all(bytes).is_err()
    {
        *copy = None;
    }
    Ok(())
}

/// A `u64` count as a `usize`, saturating.
fn clamp(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// Follows up to 10 redirects, never from https down to http, and to plain
/// http only on a host allowed to be insecure. (reqwest itself drops the
/// `Authorization` header when a redirect leaves the host.)
fn redirect_policy(allowed: Vec<String>) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 10 {
            return attempt.error("more than 10 redirects");
        }
        let downgrade = attempt.url().scheme() == "http"
            && attempt
                .previous()
                .iter()
                .any(|previous| previous.scheme() == "https");
        if downgrade {
            let text = format!(
                "refusing a redirect from https down to plain http ({})",
                crate::safe_url::redacted(attempt.url())
            );
            return attempt.error(text);
        }
        if attempt.url().scheme() == "http" && !insecure_allowed(&allowed, attempt.url()) {
            let text = format!(
                "refusing a redirect to plain http ({}): pass --allow-insecure-host {} to allow it",
                crate::safe_url::redacted(attempt.url()),
                attempt.url().host_str().unwrap_or_default()
            );
            return attempt.error(text);
        }
        attempt.follow()
    })
}

/// Whether plain http to `url`'s host is allowed (`HOST` or `HOST:PORT`).
fn insecure_allowed(allowed: &[String], url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let with_port = url.port().map(|port| format!("{host}:{port}"));
    allowed.iter().any(|entry| {
        let entry = entry.trim().trim_end_matches('/');
        entry.eq_ignore_ascii_case(host)
            || with_port
                .as_deref()
                .is_some_and(|with_port| entry.eq_ignore_ascii_case(with_port))
    })
}

fn too_large(url: &SafeUrl, limit: Limit) -> Failure {
    Failure::Fatal(Box::new(IndexError::TooLarge {
        url: url.clone(),
        limit: limit.bytes,
        setting: limit.setting.to_owned(),
    }))
}

/// The failure of a request whose deadline has passed, if it has. A
/// request that ran out of time is not retried: a server that slow stays so.
fn deadline_failure(url: &SafeUrl, deadline: Deadline, received: usize) -> Option<Failure> {
    (Instant::now() >= deadline.at).then(|| {
        Failure::Fatal(Box::new(IndexError::TooSlow {
            url: url.clone(),
            seconds: deadline.budget.as_secs().max(1),
            setting: REQUEST_TIMEOUT_SETTING,
            received: received as u64,
        }))
    })
}

/// A body as a reader whose reads are checked against the deadline; the
/// failure that stopped it is kept for the caller.
struct Timed<'a> {
    response: &'a mut Response,
    url: &'a SafeUrl,
    deadline: Deadline,
    received: usize,
    failure: Option<Failure>,
}

impl Read for Timed<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        match read_some(
            self.response,
            buffer,
            self.url,
            self.deadline,
            self.received,
        ) {
            Ok(read) => {
                self.received += read;
                Ok(read)
            }
            Err(failure) => {
                self.failure = Some(failure);
                Err(std::io::Error::other("the read was stopped"))
            }
        }
    }
}

/// One read of a body, checked against the deadline: each read waits at
/// most the read timeout, and no read starts after the deadline.
fn read_some(
    response: &mut Response,
    buffer: &mut [u8],
    url: &SafeUrl,
    deadline: Deadline,
    received: usize,
) -> Result<usize, Failure> {
    loop {
        if let Some(failure) = deadline_failure(url, deadline, received) {
            return Err(failure);
        }
        match response.read(buffer) {
            Ok(read) => return Ok(read),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => {
                if let Some(failure) = deadline_failure(url, deadline, received) {
                    return Err(failure);
                }
                return Err(Failure::Retry {
                    error: Box::new(IndexError::Network {
                        url: url.clone(),
                        attempts: 1,
                        reason: format!("the body broke off after {received} bytes: {error}"),
                    }),
                    wait: None,
                });
            }
        }
    }
}

/// A counting semaphore: at most its number of jobs run at once. envlock's
/// one: the client's page and parse limits use it, and so does the
/// resolver's limit on targets solving at once.
pub struct Slots {
    free: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
}

impl Slots {
    /// Slots for `count` jobs at once (at least one).
    pub fn new(count: usize) -> Slots {
        Slots {
            free: std::sync::Mutex::new(count.max(1)),
            freed: std::sync::Condvar::new(),
        }
    }

    /// Runs `work` once a slot is free; gives the slot back after, even
    /// if `work` panics.
    pub fn run<R>(&self, work: impl FnOnce() -> R) -> R {
        {
            let mut free = self
                .free
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            while *free == 0 {
                free = self
                    .freed
                    .wait(free)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            *free -= 1;
        }
        struct Release<'a>(&'a Slots);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                let mut free = self
                    .0
                    .free
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                *free += 1;
                self.0.freed.notify_one();
            }
        }
        let _release = Release(self);
        work()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_let_no_more_jobs_run_at_once_than_they_have() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let slots = Slots::new(3);
        let (started, running, most) = (
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        );
        let holders_inside = std::sync::Barrier::new(3);
        std::thread::scope(|scope| {
            for job in 0..12 {
                let (slots, holders_inside) = (&slots, &holders_inside);
                let (started, running, most) = (&started, &running, &most);
                scope.spawn(move || {
                    started.fetch_add(1, Ordering::SeqCst);
                    slots.run(|| {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        // Three jobs hold all three slots together until
                        // every other job is at the door, and a while after
                        // (time for a fourth to get in, were it let in).
                        if job < 3 {
                            holders_inside.wait();
                            while started.load(Ordering::SeqCst) < 12 {
                                std::thread::yield_now();
                            }
                            for _ in 0..10_000 {
                                if running.load(Ordering::SeqCst) > 3 {
                                    break;
                                }
                                std::thread::yield_now();
                            }
                        }
                        running.fetch_sub(1, Ordering::SeqCst);
                    });
                });
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn a_root_named_twice_is_added_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = include_str!("../tests/index/test-root.pem");
        let bundle = dir.path().join("bundle.crt");
        std::fs::write(&bundle, format!("{root}\n{root}")).unwrap();
        let single = dir.path().join("root.pem");
        std::fs::write(&single, root).unwrap();
        let mut roots = UniqueRoots::default();
        roots.add_bundle(&bundle, "SSL_CERT_FILE").unwrap();
        roots.add_bundle(&single, "SSL_CERT_DIR").unwrap();
        assert_eq!(roots.certificates.len(), 1);
        assert_eq!(roots.seen.len(), 1);
        // A file that is not PEM is still named.
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "-----BEGIN CERTIFICATE-----\n!!\n").unwrap();
        let error = roots
            .add_bundle(&junk, "SSL_CERT_DIR")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("junk.pem") && error.contains("SSL_CERT_DIR"),
            "{error}"
        );
    }

    #[test]
    fn userinfo_is_decoded() {
        let url = Url::parse("https://us%40er:p%3Ass@h.invalid/").unwrap();
        let credentials = url_credentials(&url).unwrap();
        assert_eq!(credentials.username, "us@er");
        assert_eq!(credentials.password.as_deref(), Some("p:ss"));
        assert_eq!(format!("{credentials:?}"), "Credentials(****)");
    }

    #[test]
    fn retry_after_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
    }

    #[test]
    fn missing_cert_names_path_and_origin() {
        let options = ClientOptions {
            cert: Some(PathBuf::from("/nonexistent/corp-ca.pem")),
            env: EnvVars::default(),
            ..ClientOptions::default()
        };
        let error = IndexClient::new(options).unwrap_err().to_string();
        assert!(
            error.contains("/nonexistent/corp-ca.pem") && error.contains("--cert"),
            "{error}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_root_file_named_twice_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let bundle = dir.path().join("bundle.crt");
        std::fs::write(&bundle, include_str!("../tests/index/test-root.pem")).unwrap();
        std::os::unix::fs::symlink(&bundle, dir.path().join("link.pem")).unwrap();
        let mut roots = UniqueRoots::default();
        roots.add_bundle(&bundle, "SSL_CERT_FILE").unwrap();
        roots.add_folder(dir.path()).unwrap();
        assert_eq!(roots.files_read.len(), 1);
        assert_eq!(roots.certificates.len(), 1);
        // A second file of the same certificate is read, the root kept once.
        let copy = dir.path().join("copy.pem");
        std::fs::copy(&bundle, &copy).unwrap();
        roots.add_folder(dir.path()).unwrap();
        assert_eq!(roots.files_read.len(), 2);
        assert_eq!(roots.certificates.len(), 1);
    }
}
