//! A hostile index on 127.0.0.1: a tiny HTTP/1.1 server whose every path
//! does one (mis)behaviour — answer normally, trickle a byte at a time,
//! stream an endless body, drop the connection, or redirect. Each request
//! is answered on its own connection (`Connection: close`) and recorded with
//! its `Authorization` header, so a test can see where credentials went.
//!
//! ```
//! use envlock_test::hostile::{Behaviour, HostileServer};
//!
//! let server = HostileServer::start(vec![(
//!     "/simple/a/".to_owned(),
//!     Behaviour::html("<a href='a-1.0.tar.gz'>a-1.0.tar.gz</a>"),
//! )])?;
//! assert!(server.url("/simple/").starts_with("http://127.0.0.1:"));
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the server does for one path.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// A normal answer.
    Serve {
        /// The HTTP status.
        status: u16,
        /// Extra headers (Content-Length is added).
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// Headers announcing `length` bytes, then one byte every `interval`
    /// until the client goes away.
    Trickle {
        /// The announced Content-Length.
        length: u64,
        /// The pause between bytes.
        interval: Duration,
    },
    /// A 200 with no length and a body that never ends.
    Endless,
    /// Reads the request and closes the connection without a word.
    Drop,
    /// A `302 Found` to `location`.
    Redirect {
        /// Where to.
        location: String,
    },
}

impl Behaviour {
    /// A PEP 503 HTML page.
    pub fn html(body: &str) -> Behaviour {
        Behaviour::Serve {
            status: 200,
            headers: vec![("Content-Type".to_owned(), "text/html".to_owned())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// A file's bytes.
    pub fn bytes(body: Vec<u8>) -> Behaviour {
        Behaviour::Serve {
            status: 200,
            headers: vec![(
                "Content-Type".to_owned(),
                "application/octet-stream".to_owned(),
            )],
            body,
        }
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The request target's path.
    pub path: String,
    /// The `Authorization` header, if one was sent.
    pub authorization: Option<String>,
}

/// The hostile server; it stops when dropped.
#[derive(Debug)]
pub struct HostileServer {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Seen>>>,
    thread: Option<JoinHandle<()>>,
}

/// The routes and the shared state of the connections.
struct State {
    routes: Vec<(String, Behaviour)>,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl HostileServer {
    /// Starts the server with (path, behaviour) routes; other paths get 404.
    pub fn start(routes: Vec<(String, Behaviour)>) -> std::io::Result<HostileServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = Arc::new(State {
            routes,
            stop: Arc::clone(&stop),
            seen: Arc::clone(&seen),
        });
        let thread = std::thread::spawn(move || accept_loop(&listener, &state));
        Ok(HostileServer {
            address,
            stop,
            seen,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, state: &Arc<State>) {
    while !state.stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let state = Arc::clone(state);
                // Connection threads end on their own: every behaviour
                // ends when the client leaves or the server stops.
                std::thread::spawn(move || serve(stream, &state));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

/// Reads the request head; returns (path, authorization).
fn read_head(stream: &TcpStream) -> Option<Seen> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_owned();
    let mut authorization = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("authorization")
        {
            authorization = Some(value.trim().to_owned());
        }
    }
    Some(Seen {
        path,
        authorization,
    })
}

fn serve(mut stream: TcpStream, state: &State) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let Some(seen) = read_head(&stream) else {
        return;
    };
    let path = seen.path.split('?').next().unwrap_or_default().to_owned();
    if let Ok(mut all) = state.seen.lock() {
        all.push(seen);
    }
    let behaviour = state
        .routes
        .iter()
        .find(|(route, _)| *route == path)
        .map(|(_, behaviour)| behaviour.clone())
        .unwrap_or(Behaviour::Serve {
            status: 404,
            headers: Vec::new(),
            body: b"not found\n".to_vec(),
        });
    let _ = respond(&mut stream, &behaviour, &state.stop);
    let _ = stream.shutdown(Shutdown::Both);
}

fn respond(
    stream: &mut TcpStream,
    behaviour: &Behaviour,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    match behaviour {
        Behaviour::Serve {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            stream.write_all(head.as_bytes())?;
            stream.write_all(body)
        }
        Behaviour::Trickle { length, interval } => {
            stream.write_all(
                format!("HTTP/1.1 200 OK\r\nContent-Length: {length}\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )?;
            for _ in 0..*length {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                stream.write_all(b"<")?;
                stream.flush()?;
                std::thread::sleep(*interval);
            }
            Ok(())
        }
        Behaviour::Endless => {
            stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n",
            )?;
            let chunk = vec![b' '; 64 * 1024];
            while !stop.load(Ordering::SeqCst) {
                stream.write_all(&chunk)?;
            }
            Ok(())
        }
        Behaviour::Drop => Ok(()),
        Behaviour::Redirect { location } => stream.write_all(
            format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        ),
    }
}
