//! `envlock` against a hostile index on 127.0.0.1 (envlock_test::hostile):
//! every case ends quickly with a clear error naming the URL (or in a safe
//! behaviour), never hangs, never panics, and writes no lock.

use envlock_test::hostile::{Behaviour, HostileServer};
use envlock_test::{DistSpec, build_wheel, sha256_hex, wheel_filename};

use crate::util::{TestDir, run};

const SPEC: &str = "name = \"hostile\"\nrequirements = [\"top\"]\n\n[[targets]]\npython = \"3.12\"\nplatform = \"manylinux_2_28_x86_64\"\n";

/// A wheel of `top` 1.0 with these requirements: (file name, bytes).
fn top_wheel(requires: &[&str]) -> (String, Vec<u8>) {
    let mut spec = DistSpec::new("top", "1.0");
    for requirement in requires {
        spec = spec.requires(*requirement);
    }
    let tag = "py3-none-any";
    (wheel_filename(&spec, tag), build_wheel(&spec, tag))
}

/// A PEP 503 page linking `files` as (href, text).
fn page(files: &[(String, String)]) -> Behaviour {
    let links: String = files
        .iter()
        .map(|(href, text)| format!("<a href=\"{href}\">{text}</a>\n"))
        .collect();
    Behaviour::html(&format!(
        "<!DOCTYPE html><html><body>\n{links}</body></html>\n"
    ))
}

/// `text` as a JSON string.
fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A PEP 691 JSON page listing `files` as (filename, url, sha256).
fn json_page(files: &[(&str, &str, &str)]) -> Behaviour {
    let files: Vec<String> = files
        .iter()
        .map(|(filename, url, sha256)| {
            format!(
                "{{\"filename\": {}, \"url\": {}, \"hashes\": {{\"sha256\": {}}}}}",
                json_string(filename),
                json_string(url),
                json_string(sha256)
            )
        })
        .collect();
    Behaviour::Serve {
        status: 200,
        headers: vec![(
            "Content-Type".to_owned(),
            "application/vnd.pypi.simple.v1+json".to_owned(),
        )],
        body: format!(
            "{{\"meta\": {{\"api-version\": \"1.0\"}}, \"name\": \"top\", \"files\": [{}]}}",
            files.join(", ")
        )
        .into_bytes(),
    }
}

/// A server with `top`'s page and its wheel (sha256 fragment `claimed`,
/// or the true hash), plus `extra` routes.
fn serve_top(
    requires: &[&str],
    claimed: Option<&str>,
    extra: Vec<(String, Behaviour)>,
) -> HostileServer {
    let (name, bytes) = top_wheel(requires);
    let sha256 = claimed.map_or_else(|| sha256_hex(&bytes), str::to_owned);
    let mut routes = vec![
        (
            "/simple/top/".to_owned(),
            page(&[(format!("/files/{name}#sha256={sha256}"), name.clone())]),
        ),
        (format!("/files/{name}"), Behaviour::bytes(bytes)),
    ];
    routes.extend(extra);
    HostileServer::start(routes).unwrap()
}

/// `envlock lock` with `args` in a folder holding SPEC.
fn lock(dir: &TestDir, args: &[&str]) -> (i32, String, String) {
    std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
    let mut command = dir.envlock();
    command.arg("lock").args(args);
    run(command)
}

fn assert_no_lock(dir: &TestDir) {
    assert!(!dir.join("envlock.lock").exists(), "a lock was written");
}

envlock_test!(a_trickling_page_ends_at_the_request_deadline, |dir| {
    let server = HostileServer::start(vec![(
        "/simple/top/".to_owned(),
        Behaviour::Trickle {
            length: 1_000_000,
            interval: std::time::Duration::from_millis(100),
        },
    )])
    .unwrap();
    let started = std::time::Instant::now();
    let index = server.url("/simple/");
    let (code, _, stderr) = lock(&dir, &["--index-url", &index, "--request-timeout", "2"]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("/simple/top/")
            && stderr.contains("did not finish within 2 s")
            && stderr.contains("--request-timeout"),
        "{stderr}"
    );
    // Not retried: one deadline, not four.
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    assert_eq!(server.seen().len(), 1, "{:?}", server.seen());
    assert_no_lock(&dir);
});

envlock_test!(an_endless_page_stops_at_the_page_size_limit, |dir| {
    let server =
        HostileServer::start(vec![("/simple/top/".to_owned(), Behaviour::Endless)]).unwrap();
    let index = server.url("/simple/");
    let (code, _, stderr) = lock(&dir, &["--index-url", &index, "--max-page-size", "1"]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("/simple/top/")
            && stderr.contains("more than 1048576 bytes")
            && stderr.contains("--max-page-size"),
        "{stderr}"
    );
    assert_no_lock(&dir);
});

envlock_test!(a_reset_connection_is_retried_then_named, |dir| {
    let server = HostileServer::start(vec![("/simple/top/".to_owned(), Behaviour::Drop)]).unwrap();
    let index = server.url("/simple/");
    let (code, _, stderr) = lock(&dir, &["--index-url", &index]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("/simple/top/") && stderr.contains("failed after 4 attempt(s)"),
        "{stderr}"
    );
    assert_eq!(server.seen().len(), 4);
    assert_no_lock(&dir);
});

envlock_test!(a_lying_hash_is_a_hash_mismatch, |dir| {
    let lie = "0".repeat(64);
    let server = serve_top(&[], Some(&lie), Vec::new());
    let index = server.url("/simple/");
    let (code, _, stderr) = lock(&dir, &["--index-url", &index]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("hash mismatch for top-1.0-py3-none-any.whl") && stderr.contains(&lie),
        "{stderr}"
    );
    assert_no_lock(&dir);
});

envlock_test!(a_deeply_nested_marker_is_an_error_not_a_crash, |dir| {
    let marker = format!(
        "leaf ; {}python_version >= '3'{}",
        "(".repeat(50_000),
        ")".repeat(50_000)
    );
    let server = serve_top(&[&marker], None, Vec::new());
    let index = server.url("/simple/");
    let (code, _, stderr) = lock(&dir, &["--index-url", &index]);
    assert!(code == 1 || code == 2, "exit {code}: {stderr}");
    assert!(
        stderr.contains("top-1.0-py3-none-any.whl") && stderr.contains("at most 64 are accepted"),
        "{stderr}"
    );
    assert_no_lock(&dir);
});

envlock_test!(path_like_file_names_never_enter_the_lock, |dir| {
    let (good, bytes) = top_wheel(&[]);
    let sha256 = sha256_hex(&bytes);
    let good_url = format!("/files/{good}");
    let evil = "top-1.0-1/../../x-py3-none-any.whl";
    let server = HostileServer::start(vec![
        (
            "/simple/top/".to_owned(),
            json_page(&[
                (good.as_str(), good_url.as_str(), sha256.as_str()),
                (evil, "/files/evil.whl", sha256.as_str()),
                (
                    "top-1.0-py3-none-any\u{7}.whl",
                    "/files/bell.whl",
                    sha256.as_str(),
                ),
                (
                    "other-1.0-py3-none-any.whl",
                    "/files/other.whl",
                    sha256.as_str(),
                ),
            ]),
        ),
        (good_url.clone(), Behaviour::bytes(bytes.clone())),
        ("/files/evil.whl".to_owned(), Behaviour::bytes(bytes)),
    ])
    .unwrap();
    let index = server.url("/simple/");
    let (code, _, stderr) = lock(&dir, &["--index-url", &index]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr
            .matches("warning: ignoring a file listed for `top`")
            .count(),
        3,
        "{stderr}"
    );
    assert!(
        stderr.contains(evil) && stderr.contains("a wheel of `other`, not of `top`"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(dir.join("envlock.lock")).unwrap();
    assert!(
        text.contains(&good) && !text.contains("x-py3-none-any"),
        "{text}"
    );
    // The lock reads back.
    envlock_lock::read_lock(&dir.join("envlock.lock")).unwrap();
    // Nothing was fetched from the ignored files' URLs.
    assert!(
        server
            .seen()
            .iter()
            .all(|seen| seen.path != "/files/evil.whl"),
        "{:?}",
        server.seen()
    );
});

envlock_test!(a_project_with_only_unusable_files_says_so, |dir| {
    let (_, bytes) = top_wheel(&[]);
    let sha256 = sha256_hex(&bytes);
    let server = HostileServer::start(vec![(
        "/simple/top/".to_owned(),
        json_page(&[(
            "top-1.0-1/../../x-py3-none-any.whl",
            "/files/x.whl",
            sha256.as_str(),
        )]),
    )])
    .unwrap();
    let index = server.url("/simple/");
    let (code, _, stderr) = lock(&dir, &["--index-url", &index]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("the index has `top`, but none of its 1 file(s) is usable")
            && !stderr.contains("no configured index has a package named"),
        "{stderr}"
    );
    assert_no_lock(&dir);
});

envlock_test!(plain_http_is_refused_unless_the_host_is_allowed, |dir| {
    let server = serve_top(&[], None, Vec::new());
    let index = server.url("/simple/");
    let mut command = dir.envlock();
    std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
    command
        .env_remove("ENVLOCK_ALLOW_INSECURE_HOST")
        .args(["lock", "--index-url", &index]);
    let (code, _, stderr) = run(command);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("refusing plain http to http://127.0.0.1:")
            && stderr.contains("--allow-insecure-host 127.0.0.1"),
        "{stderr}"
    );
    assert!(server.seen().is_empty(), "{:?}", server.seen());
    assert_no_lock(&dir);
    // pip's trusted-host allows it, as the flag does.
    let mut command = dir.envlock();
    command
        .env_remove("ENVLOCK_ALLOW_INSECURE_HOST")
        .env("PIP_TRUSTED_HOST", "127.0.0.1")
        .args(["lock", "--index-url", &index]);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 0, "{stderr}");
    let mut command = dir.envlock();
    command
        .env_remove("ENVLOCK_ALLOW_INSECURE_HOST")
        .args(["lock", "--refresh", "--index-url", &index])
        .args([
            "--allow-insecure-host",
            &format!("127.0.0.1:{}", server.port()),
        ]);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 0, "{stderr}");
});

envlock_test!(a_redirect_to_an_other_host_carries_no_credentials, |dir| {
    // The index (127.0.0.1, with credentials) sends the page to another
    // host (`localhost`): the credentials must not follow.
    let other = serve_top(&[], None, Vec::new());
    let page_there = format!("http://localhost:{}/simple/top/", other.port());
    let index_server = HostileServer::start(vec![(
        "/simple/top/".to_owned(),
        Behaviour::Redirect {
            location: page_there,
        },
    )])
    .unwrap();
    let index = format!(
        "http://user:s3cret@127.0.0.1:{}/simple/",
        index_server.port()
    );
    let (code, _, stderr) = lock(
        &dir,
        &[
            "--index-url",
            &index,
            "--allow-insecure-host",
            "127.0.0.1,localhost",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        index_server.seen()[0].authorization.is_some(),
        "{:?}",
        index_server.seen()
    );
    assert!(!other.seen().is_empty());
    assert!(
        other.seen().iter().all(|seen| seen.authorization.is_none()),
        "{:?}",
        other.seen()
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");
});

envlock_test!(
    a_redirect_to_a_plain_http_host_not_allowed_is_refused,
    |dir| {
        let other = serve_top(&[], None, Vec::new());
        let index_server = HostileServer::start(vec![(
            "/simple/top/".to_owned(),
            Behaviour::Redirect {
                location: format!("http://localhost:{}/simple/top/", other.port()),
            },
        )])
        .unwrap();
        let index = index_server.url("/simple/");
        let (code, _, stderr) = lock(&dir, &["--index-url", &index]);
        assert_ne!(code, 0);
        assert!(
            stderr.contains("refusing a redirect to plain http")
                && stderr.contains("--allow-insecure-host localhost"),
            "{stderr}"
        );
        assert!(other.seen().is_empty(), "{:?}", other.seen());
        assert_no_lock(&dir);
    }
);

envlock_test!(a_download_never_reads_past_the_locked_size, |dir| {
    // Lock against an honest index, then build the wheelhouse from one that
    // serves an endless body for the same file.
    let (name, _) = top_wheel(&[]);
    let honest = serve_top(&[], None, Vec::new());
    let index = honest.url("/simple/");
    let (code, _, stderr) = lock(&dir, &["--index-url", &index]);
    assert_eq!(code, 0, "{stderr}");
    let (_, bytes) = top_wheel(&[]);
    let hostile_page = HostileServer::start(vec![
        (
            "/simple/top/".to_owned(),
            page(&[(
                format!("/files/{name}#sha256={}", sha256_hex(&bytes)),
                name.clone(),
            )]),
        ),
        (format!("/files/{name}"), Behaviour::Endless),
    ])
    .unwrap();
    let mut command = dir.envlock();
    // A cache of its own: the lock above cached the honest wheel.
    command.env("ENVLOCK_CACHE_DIR", dir.join("cache-2"));
    command.args([
        "wheelhouse",
        "envlock.lock",
        "-o",
        "wh",
        "--index-url",
        &hostile_page.url("/simple/"),
        "--request-timeout",
        "5",
    ]);
    let started = std::time::Instant::now();
    let (code, _, stderr) = run(command);
    assert_ne!(code, 0);
    assert!(
        stderr.contains(&name) && stderr.contains("hash mismatch"),
        "{stderr}"
    );
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    assert!(!dir.join("wh").join(&name).exists());
});

/// An index serving `top-1.0.tar.gz` made of `files` (static metadata in
/// its PKG-INFO, so envlock reads the archive itself).
fn serve_top_sdist(files: &[(&str, &str)]) -> HostileServer {
    let sdist = crate::util::sdist(files);
    let sha256 = sha256_hex(&sdist);
    HostileServer::start(vec![
        (
            "/simple/top/".to_owned(),
            page(&[(
                format!("/files/top-1.0.tar.gz#sha256={sha256}"),
                "top-1.0.tar.gz".to_owned(),
            )]),
        ),
        ("/files/top-1.0.tar.gz".to_owned(), Behaviour::bytes(sdist)),
    ])
    .unwrap()
}

// The archive limits are settings, named in the error; an archive within
// them is read as usual.
envlock_test!(archive_limits_are_settings_named_in_the_error, |dir| {
    let pkg_info = "Metadata-Version: 2.2\nName: top\nVersion: 1.0\n";
    let many: Vec<(String, &str)> = (0..20)
        .map(|number| (format!("top-1.0/file{number}.txt"), "x"))
        .collect();
    let mut files: Vec<(&str, &str)> = vec![("top-1.0/PKG-INFO", pkg_info)];
    files.extend(many.iter().map(|(path, text)| (path.as_str(), *text)));
    let server = serve_top_sdist(&files);
    let index = server.url("/simple/");
    let (code, _, stderr) = lock(
        &dir,
        &["--index-url", &index, "--max-archive-entries", "10"],
    );
    assert_ne!(code, 0);
    assert!(
        stderr.contains("top-1.0.tar.gz")
            && stderr.contains("over the limit of 10 per archive")
            && stderr.contains("--max-archive-entries"),
        "{stderr}"
    );
    assert_no_lock(&dir);
    // The same through the environment variable.
    let mut command = dir.envlock();
    command
        .args(["lock", "--index-url", &index])
        .env("ENVLOCK_MAX_ARCHIVE_ENTRIES", "10");
    let (code, _, stderr) = run(command);
    assert_ne!(code, 0);
    assert!(stderr.contains("ENVLOCK_MAX_ARCHIVE_ENTRIES"), "{stderr}");
    assert_no_lock(&dir);
    // A member over the size limit (1 MiB here).
    let padding = format!("{pkg_info}Summary: {}\n", "x".repeat(2 * 1024 * 1024));
    let server = serve_top_sdist(&[("top-1.0/PKG-INFO", &padding)]);
    let index = server.url("/simple/");
    let (code, _, stderr) = lock(
        &dir,
        &["--index-url", &index, "--max-archive-member-size", "1"],
    );
    assert_ne!(code, 0);
    assert!(
        stderr.contains("top-1.0.tar.gz")
            && stderr.contains("PKG-INFO is larger than 1048576 bytes")
            && stderr.contains("--max-archive-member-size"),
        "{stderr}"
    );
    assert_no_lock(&dir);
    // Within the limits, the same archive locks.
    let (code, _, stderr) = lock(&dir, &["--index-url", &index]);
    assert_eq!(code, 0, "{stderr}");
});

/// Runs `openssl` with `args` in `dir`; false (with the reason printed)
/// when it is absent or fails.
fn openssl(dir: &std::path::Path, args: &[&str]) -> bool {
    match std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
    {
        Ok(output) if output.status.success() => true,
        Ok(output) => {
            envlock_test::skip(format!(
                "openssl {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            ));
            false
        }
        Err(error) => {
            envlock_test::skip(format!("openssl is not available: {error}"));
            false
        }
    }
}

/// A test certificate authority (`ca.pem`) and a certificate for 127.0.0.1
/// it signed (`server.pem`, `server.key`), made in `dir` by openssl.
fn test_certificates(dir: &std::path::Path) -> bool {
    std::fs::write(
        dir.join("ca.cnf"),
        "[req]\ndistinguished_name = dn\nx509_extensions = ca\nprompt = no\n\
         [dn]\nCN = envlock test CA\n\
         [ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("server.cnf"),
        "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = 127.0.0.1\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("server.ext"),
        "basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\n\
         extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1\n\
         authorityKeyIdentifier = keyid\n",
    )
    .unwrap();
    let curve = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        dir,
        &[
            &["req", "-x509", "-config", "ca.cnf", "-days", "2"][..],
            &curve,
            &["-keyout", "ca.key", "-out", "ca.pem"],
        ]
        .concat(),
    ) && openssl(
        dir,
        &[
            &["req", "-new", "-config", "server.cnf"][..],
            &curve,
            &["-keyout", "server.key", "-out", "server.csr"],
        ]
        .concat(),
    ) && openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ],
    )
}

/// An https server on 127.0.0.1 (Python's http.server behind its ssl
/// module, with the test certificate) that answers every GET with a
/// redirect to `location`; killed when dropped.
struct RedirectingTlsServer {
    child: std::process::Child,
    port: u16,
}

impl Drop for RedirectingTlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const TLS_REDIRECT_SERVER: &str = r#"
import http.server, ssl, sys
location = sys.argv[1]
class Redirect(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", location + self.path.split("/simple/", 1)[-1])
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Redirect)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain("server.pem", "server.key")
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

fn start_tls_redirect(dir: &std::path::Path, location: &str) -> Option<RedirectingTlsServer> {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new("python3")
        .args(["-c", TLS_REDIRECT_SERVER, location])
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|error| envlock_test::skip(format!("python3 is not available: {error}")))
        .ok()?;
    let mut line = String::new();
    let stdout = child.stdout.take()?;
    std::io::BufReader::new(stdout).read_line(&mut line).ok()?;
    let mut server = RedirectingTlsServer { child, port: 0 };
    match line.trim().parse() {
        Ok(port) => {
            server.port = port;
            Some(server)
        }
        Err(_) => {
            envlock_test::skip("the python3 TLS server did not start");
            None
        }
    }
}

// An https index that redirects to plain http is refused, even to a host
// allowed over plain http: https never downgrades. The index's TLS is
// checked against the test CA given with --cert (without it, the same index
// fails on its certificate).
envlock_test!(https_never_downgrades_to_http_on_redirect, |dir| {
    let certificates = dir.join("certificates");
    std::fs::create_dir_all(&certificates).unwrap();
    if !test_certificates(&certificates) {
        return;
    }
    let plain = serve_top(&[], None, Vec::new());
    let Some(tls) = start_tls_redirect(&certificates, &plain.url("/simple/")) else {
        return;
    };
    let index = format!("https://127.0.0.1:{}/simple/", tls.port);
    let ca = certificates.join("ca.pem").display().to_string();
    // The plain http host is allowed (ENVLOCK_ALLOW_INSECURE_HOST=127.0.0.1
    // in every test); the downgrade is refused all the same.
    let (code, _, stderr) = lock(&dir, &["--index-url", &index, "--cert", &ca]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("refusing a redirect from https down to plain http"),
        "{stderr}"
    );
    assert!(plain.seen().is_empty(), "{:?}", plain.seen());
    assert_no_lock(&dir);
    // Without the test CA, the index is not trusted at all.
    let (code, _, stderr) = lock(&dir, &["--index-url", &index]);
    assert_ne!(code, 0);
    assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
    assert!(plain.seen().is_empty(), "{:?}", plain.seen());
    // SSL_CERT_FILE trusts the test CA as --cert does.
    let mut command = dir.envlock();
    command
        .args(["lock", "--index-url", &index])
        .env("SSL_CERT_FILE", &ca);
    let (code, _, stderr) = run(command);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("refusing a redirect from https down to plain http"),
        "{stderr}"
    );
    assert!(plain.seen().is_empty(), "{:?}", plain.seen());
});
