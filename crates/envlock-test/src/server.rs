//! A fixture package index served over HTTP/1.1 on 127.0.0.1.
//!
//! Hand-written on `std::net` rather than built on an HTTP framework because
//! the fault injections (dropped connections, truncated or corrupted bodies)
//! need raw control of the socket, which frameworks deliberately hide.
//!
//! Routes:
//! - `GET /simple/` — the project list (PEP 503 HTML or PEP 691 JSON);
//! - `GET /simple/<name>/` — a project page; non-normalized names redirect
//!   (301) to the normalized one, unknown projects are 404; pages carry an
//!   `ETag` and answer `If-None-Match` with 304;
//! - `GET /files/<file>` — the file, with `ETag`, `Content-Length` and Range
//!   support; `GET /files/<file>.metadata` — its PEP 658 metadata file;
//! - `GET /releases/<tag>/<file>` — the same file, under a path shaped like
//!   a release download (a base, a release tag, a file name), as
//!   interpreter archives are published (any tag serves it).
//!
//! `HEAD` works on every route.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::dist::{base64_standard, normalize_name, sha256_hex};
use crate::index::{FixtureFile, FixtureIndex};
use crate::pages::{encode_path_segment, project_html, root_html};

/// The PEP 691 JSON media type the server answers with.
pub const JSON_CONTENT_TYPE: &str = "application/vnd.pypi.simple.v1+json";

/// How often an idle connection thread checks whether the server stopped.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// How long a write may block before the connection is abandoned.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Requests larger than this (request line plus headers) are refused; the
/// limit only guards against a runaway client in a test.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// How the fixture server behaves.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Answer PEP 691 JSON when the `Accept` header prefers it (default true).
    /// When false, every page is PEP 503 HTML.
    pub json: bool,
    /// Advertise and serve PEP 658 `.metadata` files for files that have
    /// metadata (default true).
    pub metadata_files: bool,
    /// Honour `Range: bytes=…` on files with 206 responses (default true).
    /// When false, `Range` is ignored and the full body is sent with 200.
    pub ranges: bool,
    /// Require HTTP basic auth with this user and password on every route.
    pub basic_auth: Option<(String, String)>,
    /// Faults to inject, checked in order.
    pub faults: Vec<Fault>,
    /// Send `Cache-Control: max-age=N` on project pages (default: no
    /// `Cache-Control`, so clients revalidate every time).
    pub page_max_age: Option<u32>,
    /// Send `ETag` on project pages and answer `If-None-Match` with 304
    /// (default true). When false, pages come without validators, as some
    /// mirrors and proxies send them.
    pub page_validators: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            json: true,
            metadata_files: true,
            ranges: true,
            basic_auth: None,
            faults: Vec::new(),
            page_max_age: None,
            page_validators: true,
        }
    }
}

/// A fault injected into the server's answers.
///
/// Faults with `times` fire for the first `times` requests whose path starts
/// with `path` (after authentication); later requests are answered normally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status (429 carries `Retry-After: 0`).
    Status {
        /// Path prefix the fault applies to.
        path: String,
        /// The status code to send (e.g. 500, 503, 429).
        status: u16,
        /// How many matching requests fail.
        times: usize,
    },
    /// Read the request, then close the socket without answering.
    DropConnection {
        /// Path prefix the fault applies to.
        path: String,
        /// How many matching requests fail.
        times: usize,
    },
    /// Send the headers with the full `Content-Length` but only half of the
    /// body, then close the connection.
    TruncateBody {
        /// Path prefix the fault applies to.
        path: String,
        /// How many matching requests fail.
        times: usize,
    },
    /// Send a body of the right length with one byte flipped.
    WrongBody {
        /// Path prefix the fault applies to.
        path: String,
        /// How many matching requests fail.
        times: usize,
    },
    /// Always serve this project's page as `text/plain` bytes that are
    /// neither PEP 503 HTML nor PEP 691 JSON.
    BadPage {
        /// The project (any spelling).
        project: String,
    },
}

impl Fault {
    fn path_and_times(&self) -> Option<(&str, usize)> {
        match self {
            Fault::Status { path, times, .. }
            | Fault::DropConnection { path, times }
            | Fault::TruncateBody { path, times }
            | Fault::WrongBody { path, times } => Some((path, *times)),
            Fault::BadPage { .. } => None,
        }
    }
}

/// One request the server received, as logged by [`FixtureServer::requests`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// `GET`, `HEAD`, …
    pub method: String,
    /// The request target as sent (path and query, percent-encoded).
    pub path: String,
    /// The `Range` header, if any.
    pub range: Option<String>,
    /// The `Accept` header, if any.
    pub accept: Option<String>,
    /// Whether the request passed authentication: true when the server
    /// needs no credentials or the request carried the right ones.
    pub authorized: bool,
    /// The `If-None-Match` header, if any.
    pub if_none_match: Option<String>,
    /// The raw `Authorization` header, if any (to check that credentials
    /// were, or were not, sent).
    pub authorization: Option<String>,
    /// The `User-Agent` header, if any.
    pub user_agent: Option<String>,
    /// Which TCP connection carried the request, numbered from 0 in accept
    /// order (to check that a client reuses connections).
    pub connection: usize,
}

struct Shared {
    index: RwLock<FixtureIndex>,
    options: ServerOptions,
    /// How often each fault of `options.faults` has fired.
    fault_hits: Mutex<Vec<usize>>,
    requests: Mutex<Vec<RequestRecord>>,
    stop: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not make every later request fail.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running fixture index; the server stops (and its threads end) on drop.
pub struct FixtureServer {
    address: SocketAddr,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
    connection_threads: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl std::fmt::Debug for FixtureServer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("FixtureServer")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl FixtureServer {
    /// Binds 127.0.0.1 on a free port and starts serving `index`.
    pub fn start(index: FixtureIndex, options: ServerOptions) -> std::io::Result<FixtureServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let fault_count = options.faults.len();
        let shared = Arc::new(Shared {
            index: RwLock::new(index),
            options,
            fault_hits: Mutex::new(vec![0; fault_count]),
            requests: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let connection_threads = Arc::new(Mutex::new(Vec::new()));
        let accept_thread = {
            let shared = Arc::clone(&shared);
            let connection_threads = Arc::clone(&connection_threads);
            std::thread::Builder::new()
                .name("envlock-test-accept".to_owned())
                .spawn(move || accept_loop(&listener, &shared, &connection_threads))?
        };
        Ok(FixtureServer {
            address,
            shared,
            accept_thread: Some(accept_thread),
            connection_threads,
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// `http://127.0.0.1:PORT/simple/`
    pub fn index_url(&self) -> String {
        format!("{}/simple/", self.base_url())
    }

    /// `http://127.0.0.1:PORT/files/<filename>`
    pub fn file_url(&self, filename: &str) -> String {
        format!(
            "{}/files/{}",
            self.base_url(),
            encode_path_segment(filename)
        )
    }

    /// `http://127.0.0.1:PORT/releases`: a release download base, under
    /// which `<tag>/<file>` serves any file of the index.
    pub fn release_base(&self) -> String {
        format!("{}/releases", self.base_url())
    }

    /// `http://127.0.0.1:PORT/simple/<normalized name>/`
    pub fn project_url(&self, project: &str) -> String {
        format!("{}{}/", self.index_url(), normalize_name(project))
    }

    /// The socket address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.requests).clone()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Changes the served universe while running (e.g. to publish a new
    /// version and check that a cache revalidates). Project ETags change
    /// with the content.
    pub fn update_index(&self, change: impl FnOnce(&mut FixtureIndex)) {
        let mut index = self
            .shared
            .index
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        change(&mut index);
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // `accept` blocks; a connection of our own wakes it up to see the flag.
        let _ = TcpStream::connect(self.address);
        if let Some(thread) = self.accept_thread.take() {
            let _ = thread.join();
        }
        let threads = std::mem::take(&mut *lock(&self.connection_threads));
        for thread in threads {
            let _ = thread.join();
        }
    }
}

fn accept_loop(
    listener: &TcpListener,
    shared: &Arc<Shared>,
    connection_threads: &Mutex<Vec<JoinHandle<()>>>,
) {
    let mut next_connection = 0;
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(shared);
        let connection = next_connection;
        next_connection += 1;
        let spawned = std::thread::Builder::new()
            .name("envlock-test-connection".to_owned())
            .spawn(move || serve_connection(stream, &shared, connection));
        if let Ok(handle) = spawned {
            let mut threads = lock(connection_threads);
            threads.retain(|thread| !thread.is_finished());
            threads.push(handle);
        }
    }
}

/// A parsed request head.
struct Request {
    method: String,
    target: String,
    http10: bool,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn wants_close(&self) -> bool {
        match self.header("connection") {
            Some(value) if value.eq_ignore_ascii_case("close") => true,
            Some(value) if value.eq_ignore_ascii_case("keep-alive") => false,
            _ => self.http10,
        }
    }
}

/// A response before it is written.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn new(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Response {
            status,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body,
        }
    }

    fn text(status: u16, body: &str) -> Self {
        Response::new(
            status,
            "text/plain; charset=utf-8",
            body.as_bytes().to_vec(),
        )
    }

    fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    fn redirect(location: &str) -> Self {
        Response::text(301, "moved\n").header("Location", location)
    }
}

/// What to do with a response on the wire.
enum Delivery {
    Normal,
    Drop,
    Truncate,
    Corrupt,
}

fn serve_connection(stream: TcpStream, shared: &Shared, connection: usize) {
    // The read timeout lets an idle keep-alive connection notice that the
    // server is stopping.
    if stream.set_read_timeout(Some(POLL_INTERVAL)).is_err() {
        return;
    }
    // A client that stops reading must not keep the server's drop waiting.
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        let request = match read_request(&mut reader, &shared.stop) {
            Ok(Some(request)) => request,
            Ok(None) => break,
            Err(_) => {
                let _ = write_response(
                    &mut writer,
                    &Response::text(400, "bad request\n"),
                    false,
                    true,
                    Delivery::Normal,
                );
                break;
            }
        };
        let close = request.wants_close();
        let head_only = request.method == "HEAD";
        let (response, delivery) = handle(&request, shared, connection);
        if matches!(delivery, Delivery::Drop) {
            break;
        }
        let ends_connection = matches!(delivery, Delivery::Truncate) || close;
        if write_response(&mut writer, &response, head_only, ends_connection, delivery).is_err()
            || ends_connection
        {
            break;
        }
    }
    let _ = writer.flush();
    let _ = writer.shutdown(Shutdown::Both);
}

/// Reads one line (with its `\n`), waiting through read timeouts until data
/// arrives, the peer closes (`None`) or the server stops (`None`).
fn read_line(
    reader: &mut BufReader<TcpStream>,
    line: &mut Vec<u8>,
    stop: &AtomicBool,
) -> std::io::Result<Option<()>> {
    loop {
        match reader.read_until(b'\n', line) {
            Ok(0) => return Ok(None),
            Ok(_) if line.ends_with(b"\n") => return Ok(Some(())),
            // End of stream in the middle of a line.
            Ok(_) => return Ok(None),
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                if stop.load(Ordering::SeqCst) {
                    return Ok(None);
                }
                if line.len() > MAX_HEAD_BYTES {
                    return Err(std::io::Error::other("request line too long"));
                }
            }
            Err(error) => return Err(error),
        }
    }
}

fn read_request(
    reader: &mut BufReader<TcpStream>,
    stop: &AtomicBool,
) -> std::io::Result<Option<Request>> {
    let mut line = Vec::new();
    // Tolerate blank lines between requests (RFC 9112 §2.2).
    loop {
        line.clear();
        if read_line(reader, &mut line, stop)?.is_none() {
            return Ok(None);
        }
        if !trim_line(&line).is_empty() {
            break;
        }
    }
    let request_line = String::from_utf8_lossy(trim_line(&line)).into_owned();
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(std::io::Error::other("malformed request line"));
    };
    let mut request = Request {
        method: method.to_owned(),
        target: target.to_owned(),
        http10: version == "HTTP/1.0",
        headers: Vec::new(),
    };
    let mut head_bytes = line.len();
    loop {
        line.clear();
        if read_line(reader, &mut line, stop)?.is_none() {
            return Ok(None);
        }
        head_bytes += line.len();
        if head_bytes > MAX_HEAD_BYTES {
            return Err(std::io::Error::other("request head too large"));
        }
        let header_line = trim_line(&line);
        if header_line.is_empty() {
            break;
        }
        let header_line = String::from_utf8_lossy(header_line);
        if let Some((name, value)) = header_line.split_once(':') {
            request
                .headers
                .push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    // GET and HEAD carry no body, but drain one if a client sends it so the
    // next request on the connection parses.
    if let Some(length) = request
        .header("content-length")
        .and_then(|value| value.parse::<u64>().ok())
    {
        let mut remaining = length;
        let mut buffer = [0u8; 8192];
        while remaining > 0 {
            let want = usize::try_from(remaining.min(8192)).unwrap_or(8192);
            match reader.read(&mut buffer[..want]) {
                Ok(0) => return Ok(None),
                Ok(read) => remaining -= read as u64,
                Err(error)
                    if matches!(
                        error.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    if stop.load(Ordering::SeqCst) {
                        return Ok(None);
                    }
                }
                Err(error) => return Err(error),
            }
        }
    }
    Ok(Some(request))
}

/// The path part of a request target; absolute-form targets
/// (`http://host/path`, as sent to proxies) are reduced to their path.
fn origin_form(target: &str) -> &str {
    let Some(after_scheme) = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    else {
        return target;
    };
    after_scheme
        .find('/')
        .map_or("/", |slash| &after_scheme[slash..])
}

fn trim_line(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn write_response(
    writer: &mut TcpStream,
    response: &Response,
    head_only: bool,
    close: bool,
    delivery: Delivery,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason_phrase(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    head.push_str(if close {
        "Connection: close\r\n"
    } else {
        "Connection: keep-alive\r\n"
    });
    head.push_str("\r\n");
    let body_allowed = !head_only && response.status != 304;
    let mut bytes = head.into_bytes();
    if body_allowed {
        match delivery {
            Delivery::Truncate => {
                bytes.extend_from_slice(&response.body[..response.body.len() / 2])
            }
            Delivery::Corrupt => {
                let mut body = response.body.clone();
                let middle = body.len() / 2;
                if let Some(byte) = body.get_mut(middle) {
                    *byte ^= 0xff;
                }
                bytes.extend_from_slice(&body);
            }
            Delivery::Normal | Delivery::Drop => bytes.extend_from_slice(&response.body),
        }
    }
    writer.write_all(&bytes)?;
    writer.flush()
}

fn handle(request: &Request, shared: &Shared, connection: usize) -> (Response, Delivery) {
    let options = &shared.options;
    let authorization = request.header("authorization").map(str::to_owned);
    let authorized = match &options.basic_auth {
        None => true,
        Some((user, password)) => authorization.as_deref().is_some_and(|value| {
            let expected = base64_standard(format!("{user}:{password}").as_bytes());
            value.split_once(' ').is_some_and(|(scheme, token)| {
                scheme.eq_ignore_ascii_case("basic") && token.trim() == expected
            })
        }),
    };
    lock(&shared.requests).push(RequestRecord {
        method: request.method.clone(),
        path: request.target.clone(),
        range: request.header("range").map(str::to_owned),
        accept: request.header("accept").map(str::to_owned),
        authorized,
        if_none_match: request.header("if-none-match").map(str::to_owned),
        authorization,
        user_agent: request.header("user-agent").map(str::to_owned),
        connection,
    });
    if !authorized {
        let response = Response::text(401, "authentication required\n")
            .header("WWW-Authenticate", "Basic realm=\"envlock-test\"");
        return (response, Delivery::Normal);
    }

    let raw_path = origin_form(&request.target)
        .split(['?', '#'])
        .next()
        .unwrap_or("");
    let path = percent_decode(raw_path);

    let mut delivery = Delivery::Normal;
    {
        let mut hits = lock(&shared.fault_hits);
        let fired = options.faults.iter().enumerate().find(|(position, fault)| {
            fault.path_and_times().is_some_and(|(prefix, times)| {
                (path.starts_with(prefix) || raw_path.starts_with(prefix))
                    && hits.get(*position).is_some_and(|hit| *hit < times)
            })
        });
        if let Some((position, fault)) = fired {
            if let Some(hit) = hits.get_mut(position) {
                *hit += 1;
            }
            match fault {
                Fault::Status { status, .. } => {
                    let mut response = Response::text(*status, "injected failure\n");
                    if *status == 429 {
                        response = response.header("Retry-After", "0");
                    }
                    return (response, Delivery::Normal);
                }
                Fault::DropConnection { .. } => {
                    return (Response::text(500, ""), Delivery::Drop);
                }
                Fault::TruncateBody { .. } => delivery = Delivery::Truncate,
                Fault::WrongBody { .. } => delivery = Delivery::Corrupt,
                Fault::BadPage { .. } => {}
            }
        }
    }

    if request.method != "GET" && request.method != "HEAD" {
        return (
            Response::text(405, "method not allowed\n").header("Allow", "GET, HEAD"),
            delivery,
        );
    }
    let index = shared.index.read().unwrap_or_else(PoisonError::into_inner);
    (route(request, &path, &index, options), delivery)
}

fn route(request: &Request, path: &str, index: &FixtureIndex, options: &ServerOptions) -> Response {
    if path == "/simple" {
        return Response::redirect("/simple/");
    }
    if path == "/simple/" {
        let format = negotiate(request.header("accept"), options.json);
        return with_etag(request, root_page(index, format));
    }
    if let Some(rest) = path.strip_prefix("/simple/") {
        let name = rest.strip_suffix('/').unwrap_or(rest);
        if name.is_empty() || name.contains('/') {
            return Response::text(404, "no such project\n");
        }
        let normalized = normalize_name(name);
        // A bad page is served even for a project with no files, so a test
        // need not publish anything to get one.
        let bad = options.faults.iter().any(|fault| {
            matches!(fault, Fault::BadPage { project } if normalize_name(project) == normalized)
        });
        if !bad && !index.contains(name) {
            return Response::text(404, "no such project\n");
        }
        if normalized != name || !rest.ends_with('/') {
            return Response::redirect(&format!("/simple/{normalized}/"));
        }
        if bad {
            return Response::new(
                200,
                "text/plain",
                b"\x00\x01 this is not an index page {\"meta\": <a href=\xff\xfe\n".to_vec(),
            );
        }
        let format = negotiate(request.header("accept"), options.json);
        let mut page = project_page(&normalized, index.files(&normalized), format, options);
        if let Some(max_age) = options.page_max_age {
            page = page.header("Cache-Control", format!("max-age={max_age}"));
        }
        if !options.page_validators {
            return page;
        }
        return with_etag(request, page);
    }
    if let Some((_tag, filename)) = path
        .strip_prefix("/releases/")
        .and_then(|rest| rest.split_once('/'))
    {
        return match index.find_file(filename) {
            Some((_, file)) => {
                file_response(request, &file.bytes, options, "application/octet-stream")
            }
            None => Response::text(404, "no such release file\n"),
        };
    }
    if let Some(filename) = path.strip_prefix("/files/") {
        if let Some((_, file)) = index.find_file(filename) {
            return file_response(request, &file.bytes, options, "application/octet-stream");
        }
        if let Some(base) = filename.strip_suffix(".metadata")
            && options.metadata_files
            && let Some((_, file)) = index.find_file(base)
            && let Some(metadata) = &file.metadata
        {
            return file_response(request, metadata, options, "application/octet-stream");
        }
        return Response::text(404, "no such file\n");
    }
    Response::text(404, "not found\n")
}

/// The response format of an index page.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum PageFormat {
    Html,
    Json,
}

/// Picks JSON when the client names a PEP 691 JSON type with a quality at
/// least as high as any HTML type (wildcards count as HTML, because a client
/// that only says `*/*` has not asked for the new format).
fn negotiate(accept: Option<&str>, json_enabled: bool) -> PageFormat {
    let Some(accept) = accept else {
        return PageFormat::Html;
    };
    if !json_enabled {
        return PageFormat::Html;
    }
    let mut json_quality: f32 = 0.0;
    let mut html_quality: f32 = 0.0;
    for item in accept.split(',') {
        let mut parameters = item.split(';');
        let media_type = parameters.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parameters
            .filter_map(|parameter| parameter.trim().strip_prefix("q="))
            .find_map(|value| value.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match media_type.as_str() {
            "application/vnd.pypi.simple.v1+json" | "application/vnd.pypi.simple.latest+json" => {
                json_quality = json_quality.max(quality);
            }
            "text/html"
            | "text/*"
            | "*/*"
            | "application/vnd.pypi.simple.v1+html"
            | "application/vnd.pypi.simple.latest+html" => {
                html_quality = html_quality.max(quality);
            }
            _ => {}
        }
    }
    if json_quality > 0.0 && json_quality >= html_quality {
        PageFormat::Json
    } else {
        PageFormat::Html
    }
}

fn page_content_type(format: PageFormat) -> &'static str {
    match format {
        PageFormat::Json => JSON_CONTENT_TYPE,
        PageFormat::Html => "text/html; charset=utf-8",
    }
}

/// Adds a content-derived ETag and answers a matching `If-None-Match` with 304.
fn with_etag(request: &Request, response: Response) -> Response {
    let etag = format!("\"{}\"", sha256_hex(&response.body));
    let response = response
        .header("ETag", etag.clone())
        .header("Vary", "Accept");
    if if_none_match_matches(request.header("if-none-match"), &etag) {
        return Response {
            status: 304,
            headers: response.headers,
            body: Vec::new(),
        };
    }
    response
}

fn if_none_match_matches(header: Option<&str>, etag: &str) -> bool {
    let Some(header) = header else { return false };
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    header
        .split(',')
        .any(|candidate| candidate.trim() == "*" || bare(candidate) == bare(etag))
}

fn root_page(index: &FixtureIndex, format: PageFormat) -> Response {
    let body = match format {
        PageFormat::Json => {
            let projects: Vec<serde_json::Value> = index
                .projects()
                .map(|name| serde_json::json!({ "name": name }))
                .collect();
            serde_json::json!({ "meta": { "api-version": "1.1" }, "projects": projects })
                .to_string()
        }
        PageFormat::Html => root_html(index),
    };
    Response::new(200, page_content_type(format), body.into_bytes())
}

fn project_page(
    name: &str,
    files: &[FixtureFile],
    format: PageFormat,
    options: &ServerOptions,
) -> Response {
    let metadata_hash = |file: &FixtureFile| {
        if options.metadata_files {
            file.metadata_sha256()
        } else {
            None
        }
    };
    let body = match format {
        PageFormat::Json => {
            let entries: Vec<serde_json::Value> = files
                .iter()
                .map(|file| {
                    let mut entry = serde_json::Map::new();
                    entry.insert("filename".into(), file.filename.clone().into());
                    entry.insert(
                        "url".into(),
                        format!("../../files/{}", encode_path_segment(&file.filename)).into(),
                    );
                    entry.insert(
                        "hashes".into(),
                        serde_json::json!({ "sha256": file.sha256() }),
                    );
                    entry.insert(
                        "requires-python".into(),
                        file.requires_python
                            .clone()
                            .map_or(serde_json::Value::Null, Into::into),
                    );
                    let yanked = match &file.yanked {
                        None => serde_json::Value::Bool(false),
                        Some(reason) if reason.is_empty() => serde_json::Value::Bool(true),
                        Some(reason) => reason.clone().into(),
                    };
                    entry.insert("yanked".into(), yanked);
                    let core_metadata = match metadata_hash(file) {
                        Some(hash) => serde_json::json!({ "sha256": hash }),
                        None => serde_json::Value::Bool(false),
                    };
                    entry.insert("core-metadata".into(), core_metadata.clone());
                    entry.insert("dist-info-metadata".into(), core_metadata);
                    entry.insert("size".into(), file.bytes.len().into());
                    if let Some(upload_time) = &file.upload_time {
                        entry.insert("upload-time".into(), upload_time.clone().into());
                    }
                    serde_json::Value::Object(entry)
                })
                .collect();
            let versions: BTreeSet<String> =
                files.iter().filter_map(|file| file.version(name)).collect();
            serde_json::json!({
                "meta": { "api-version": "1.1" },
                "name": name,
                "files": entries,
                "versions": versions,
            })
            .to_string()
        }
        PageFormat::Html => project_html(name, files, options.metadata_files),
    };
    Response::new(200, page_content_type(format), body.into_bytes())
}

fn file_response(
    request: &Request,
    bytes: &[u8],
    options: &ServerOptions,
    content_type: &str,
) -> Response {
    let etag = format!("\"{}\"", sha256_hex(bytes));
    if if_none_match_matches(request.header("if-none-match"), &etag) {
        return Response {
            status: 304,
            headers: vec![("ETag".to_owned(), etag)],
            body: Vec::new(),
        };
    }
    let mut response = Response::new(200, content_type, bytes.to_vec()).header("ETag", etag);
    if !options.ranges {
        return response;
    }
    response = response.header("Accept-Ranges", "bytes");
    let Some(range) = request.header("range") else {
        return response;
    };
    let total = bytes.len();
    match parse_range(range, total) {
        RangeRequest::Ignore => response,
        RangeRequest::Unsatisfiable => Response::text(416, "range not satisfiable\n")
            .header("Content-Range", format!("bytes */{total}"))
            .header("Accept-Ranges", "bytes"),
        RangeRequest::Bytes { start, end } => {
            response.status = 206;
            response.body = bytes[start..=end].to_vec();
            response.header("Content-Range", format!("bytes {start}-{end}/{total}"))
        }
    }
}

/// The outcome of reading a `Range` header against a body length.
#[derive(Debug, PartialEq, Eq)]
enum RangeRequest {
    /// Not a single byte range we understand: send the whole body (allowed
    /// by RFC 9110 for any range a server chooses not to honour).
    Ignore,
    /// A syntactically valid range outside the body: 416.
    Unsatisfiable,
    /// An inclusive byte range within the body.
    Bytes { start: usize, end: usize },
}

fn parse_range(header: &str, total: usize) -> RangeRequest {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return RangeRequest::Ignore;
    };
    if spec.contains(',') {
        return RangeRequest::Ignore;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeRequest::Ignore;
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // Suffix range: the last `n` bytes.
        let Ok(length) = last.parse::<usize>() else {
            return RangeRequest::Ignore;
        };
        if length == 0 || total == 0 {
            return RangeRequest::Unsatisfiable;
        }
        return RangeRequest::Bytes {
            start: total.saturating_sub(length),
            end: total - 1,
        };
    }
    let Ok(start) = first.parse::<usize>() else {
        return RangeRequest::Ignore;
    };
    let end = if last.is_empty() {
        None
    } else {
        match last.parse::<usize>() {
            Ok(end) if end >= start => Some(end),
            _ => return RangeRequest::Ignore,
        }
    };
    if start >= total {
        return RangeRequest::Unsatisfiable;
    }
    RangeRequest::Bytes {
        start,
        end: end.map_or(total - 1, |end| end.min(total - 1)),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut position = 0;
    while position < bytes.len() {
        if bytes[position] == b'%'
            && let Some(hex) = bytes.get(position + 1..position + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(value) = u8::from_str_radix(hex, 16)
        {
            decoded.push(value);
            position += 3;
            continue;
        }
        decoded.push(bytes[position]);
        position += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_like_rfc_9110() {
        assert_eq!(
            parse_range("bytes=0-9", 100),
            RangeRequest::Bytes { start: 0, end: 9 }
        );
        assert_eq!(
            parse_range("bytes=90-200", 100),
            RangeRequest::Bytes { start: 90, end: 99 }
        );
        assert_eq!(
            parse_range("bytes=-10", 100),
            RangeRequest::Bytes { start: 90, end: 99 }
        );
        assert_eq!(
            parse_range("bytes=-1000", 100),
            RangeRequest::Bytes { start: 0, end: 99 }
        );
        assert_eq!(
            parse_range("bytes=50-", 100),
            RangeRequest::Bytes { start: 50, end: 99 }
        );
        assert_eq!(parse_range("bytes=100-", 100), RangeRequest::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), RangeRequest::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), RangeRequest::Ignore);
        assert_eq!(parse_range("items=0-1", 100), RangeRequest::Ignore);
        assert_eq!(parse_range("bytes=9-1", 100), RangeRequest::Ignore);
    }

    #[test]
    fn negotiation_prefers_json_only_when_asked() {
        assert_eq!(negotiate(None, true), PageFormat::Html);
        assert_eq!(negotiate(Some("*/*"), true), PageFormat::Html);
        assert_eq!(negotiate(Some("text/html"), true), PageFormat::Html);
        assert_eq!(negotiate(Some(JSON_CONTENT_TYPE), true), PageFormat::Json);
        assert_eq!(negotiate(Some(JSON_CONTENT_TYPE), false), PageFormat::Html);
        assert_eq!(
            negotiate(
                Some(
                    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
                ),
                true
            ),
            PageFormat::Json
        );
        assert_eq!(
            negotiate(
                Some("text/html, application/vnd.pypi.simple.v1+json;q=0.5"),
                true
            ),
            PageFormat::Html
        );
    }

    #[test]
    fn etags_match_with_and_without_weak_prefix() {
        assert!(if_none_match_matches(Some("\"abc\""), "\"abc\""));
        assert!(if_none_match_matches(Some("W/\"abc\""), "\"abc\""));
        assert!(if_none_match_matches(Some("\"x\", \"abc\""), "\"abc\""));
        assert!(if_none_match_matches(Some("*"), "\"abc\""));
        assert!(!if_none_match_matches(Some("\"abd\""), "\"abc\""));
        assert!(!if_none_match_matches(None, "\"abc\""));
    }

    #[test]
    fn absolute_form_targets_reduce_to_their_path() {
        assert_eq!(origin_form("/simple/a/"), "/simple/a/");
        assert_eq!(
            origin_form("http://127.0.0.1:8080/simple/a/?x=1"),
            "/simple/a/?x=1"
        );
        assert_eq!(origin_form("http://127.0.0.1:8080"), "/");
    }

    #[test]
    fn paths_round_trip_through_encoding() {
        let name = "a-1.2.3+foo-py3-none-any.whl";
        assert_eq!(encode_path_segment(name), name);
        assert_eq!(percent_decode("a%2B1%20b"), "a+1 b");
        assert_eq!(percent_decode(&encode_path_segment("x y%z")), "x y%z");
    }
}
