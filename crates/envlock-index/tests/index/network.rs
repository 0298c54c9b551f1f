//! Credentials, retries, download verification and TLS configuration.

use std::path::PathBuf;

use envlock_index::{CacheKeeps, ClientOptions, EnvVars, IndexClient, IndexError, PackageIndex};
use envlock_test::{Fault, ServerOptions};

use crate::{client_with, http_index, name, options, sample_index, start};

const USER: &str = "alice";
const PASSWORD: &str = "pw-Zq81x";

fn auth_server() -> envlock_test::FixtureServer {
    start(
        sample_index(),
        ServerOptions {
            basic_auth: Some((USER.into(), PASSWORD.into())),
            ..ServerOptions::default()
        },
    )
}

fn with_userinfo(url: &str, user: &str, password: &str) -> String {
    url.replacen("http://", &format!("http://{user}:{password}@"), 1)
}

#[test]
fn url_credentials_are_sent_to_pages_and_files_on_the_same_host() {
    let cache = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let server = auth_server();
    let index = http_index(
        &with_userinfo(&server.index_url(), USER, PASSWORD),
        client_with(options(cache.path())),
    );
    let page = index.project(&name("demo")).unwrap();
    index.core_metadata(&page.files[0]).unwrap();
    index
        .fetch(
            &page.files[0],
            &dest.path().join(&page.files[0].filename),
            CacheKeeps::Copy,
        )
        .unwrap();
    let requests = server.requests();
    assert!(requests.len() >= 3);
    assert!(
        requests.iter().all(|request| request.authorized),
        "{requests:?}"
    );
    // The index URL shows no credentials.
    assert!(!index.url().to_string().contains(PASSWORD));
}

#[test]
fn netrc_credentials_are_used() {
    let cache = tempfile::tempdir().unwrap();
    let netrc_dir = tempfile::tempdir().unwrap();
    let netrc = netrc_dir.path().join("netrc");
    std::fs::write(
        &netrc,
        format!("machine 127.0.0.1\n  login {USER}\n  password {PASSWORD}\n"),
    )
    .unwrap();
    let server = auth_server();
    let client = client_with(ClientOptions {
        env: EnvVars::from_pairs([("NETRC", netrc.to_str().unwrap())]),
        ..options(cache.path())
    });
    let index = http_index(&server.index_url(), client);
    let page = index.project(&name("demo")).unwrap();
    index.core_metadata(&page.files[0]).unwrap();
    assert!(server.requests().iter().all(|request| request.authorized));
}

#[test]
fn missing_or_wrong_credentials_give_an_error_without_the_password() {
    let cache = tempfile::tempdir().unwrap();
    let server = auth_server();
    let anonymous = http_index(&server.index_url(), client_with(options(cache.path())));
    let error = anonymous.project(&name("demo")).unwrap_err();
    assert!(
        matches!(error, IndexError::Status { status: 401, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("credentials"), "{error}");

    let wrong_password = "wrong-Pw-77321";
    let wrong = http_index(
        &with_userinfo(&server.index_url(), USER, wrong_password),
        client_with(options(cache.path())),
    );
    let error = wrong.project(&name("demo")).unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(wrong_password), "{shown}");
    assert!(shown.contains("****@127.0.0.1"), "{shown}");
}

#[test]
fn a_missing_netrc_named_by_netrc_is_an_error() {
    let cache = tempfile::tempdir().unwrap();
    let error = IndexClient::new(ClientOptions {
        env: EnvVars::from_pairs([("NETRC", "/nonexistent/envlock-netrc")]),
        ..options(cache.path())
    })
    .unwrap_err();
    assert!(
        error.to_string().contains("/nonexistent/envlock-netrc"),
        "{error}"
    );
}

fn count(server: &envlock_test::FixtureServer, path: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|request| request.path == path)
        .count()
}

#[test]
fn server_errors_rate_limits_and_dropped_connections_are_retried() {
    let cache = tempfile::tempdir().unwrap();
    let server = start(
        sample_index(),
        ServerOptions {
            faults: vec![
                Fault::Status {
                    path: "/simple/demo/".into(),
                    status: 500,
                    times: 2,
                },
                Fault::Status {
                    path: "/simple/leaf/".into(),
                    status: 429,
                    times: 1,
                },
                Fault::DropConnection {
                    path: "/files/leaf-2.0-py3-none-any.whl.metadata".into(),
                    times: 2,
                },
            ],
            ..ServerOptions::default()
        },
    );
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    assert_eq!(index.project(&name("demo")).unwrap().files.len(), 2);
    assert_eq!(count(&server, "/simple/demo/"), 3);
    let leaf = index.project(&name("leaf")).unwrap();
    assert_eq!(count(&server, "/simple/leaf/"), 2);
    index.core_metadata(&leaf.files[0]).unwrap();
    assert_eq!(
        count(&server, "/files/leaf-2.0-py3-none-any.whl.metadata"),
        3
    );
}

#[test]
fn retries_run_out() {
    let cache = tempfile::tempdir().unwrap();
    let server = start(
        sample_index(),
        ServerOptions {
            faults: vec![Fault::Status {
                path: "/simple/demo/".into(),
                status: 503,
                times: 100,
            }],
            ..ServerOptions::default()
        },
    );
    let index = http_index(
        &server.index_url(),
        client_with(ClientOptions {
            retries: 2,
            ..options(cache.path())
        }),
    );
    let error = index.project(&name("demo")).unwrap_err();
    assert!(
        matches!(error, IndexError::Status { status: 503, .. }),
        "{error:?}"
    );
    assert_eq!(count(&server, "/simple/demo/"), 3);
}

#[test]
fn a_truncated_download_is_retried_and_verified() {
    let cache = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let fixture = sample_index();
    let wheel = fixture.files("demo")[0].clone();
    let path = format!("/files/{}", wheel.filename);
    let server = start(
        fixture,
        ServerOptions {
            faults: vec![Fault::TruncateBody {
                path: path.clone(),
                times: 1,
            }],
            ..ServerOptions::default()
        },
    );
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let page = index.project(&name("demo")).unwrap();
    let target = dest.path().join(&wheel.filename);
    let fetched = index
        .fetch(&page.files[0], &target, CacheKeeps::Copy)
        .unwrap();
    assert_eq!(fetched.sha256.to_hex(), wheel.sha256());
    assert_eq!(fetched.size, wheel.bytes.len() as u64);
    assert_eq!(std::fs::read(&target).unwrap(), wheel.bytes);
    assert_eq!(count(&server, &path), 2);
    // The cache's copy is written beside the download, from the same
    // bytes: the broken first attempt left nothing of itself in it.
    let files = cache.path().join("v1/files/sha256");
    assert_eq!(
        std::fs::read(files.join(wheel.sha256())).unwrap(),
        wheel.bytes
    );
    assert_eq!(
        std::fs::read_dir(&files).unwrap().count(),
        1,
        "no temporary file left in the cache"
    );
}

#[test]
fn a_wrong_hash_download_is_an_error_and_leaves_no_file() {
    let cache = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let fixture = sample_index();
    let wheel = fixture.files("demo")[0].clone();
    let server = start(
        fixture,
        ServerOptions {
            faults: vec![Fault::WrongBody {
                path: format!("/files/{}", wheel.filename),
                times: 100,
            }],
            ..ServerOptions::default()
        },
    );
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let page = index.project(&name("demo")).unwrap();
    let target = dest.path().join(&wheel.filename);
    let error = index
        .fetch(&page.files[0], &target, CacheKeeps::Copy)
        .unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, IndexError::HashMismatch { .. }),
        "{error:?}"
    );
    assert!(
        message.contains(&wheel.filename) && message.contains(&wheel.sha256()),
        "{message}"
    );
    assert!(!target.exists());
    assert_eq!(
        std::fs::read_dir(dest.path()).unwrap().count(),
        0,
        "no temporary file left behind"
    );
    // Nor did the unverified bytes enter the cache, under any name.
    let files = cache.path().join("v1/files/sha256");
    let cached = std::fs::read_dir(&files).map_or(0, Iterator::count);
    assert_eq!(cached, 0, "nothing unverified in the cache");
}

#[test]
fn certificate_sources_that_do_not_exist_are_named() {
    let cache = tempfile::tempdir().unwrap();
    let error = IndexClient::new(ClientOptions {
        cert: Some(PathBuf::from("/nonexistent/corp-root.pem")),
        ..options(cache.path())
    })
    .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("/nonexistent/corp-root.pem") && message.contains("--cert"),
        "{message}"
    );

    let error = IndexClient::new(ClientOptions {
        env: EnvVars::from_pairs([("SSL_CERT_FILE", "/nonexistent/bundle.crt")]),
        ..options(cache.path())
    })
    .unwrap_err();
    assert!(error.to_string().contains("SSL_CERT_FILE"), "{error}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("junk.pem"), "not a certificate").unwrap();
    let error = IndexClient::new(ClientOptions {
        env: EnvVars::from_pairs([("SSL_CERT_DIR", dir.path().to_str().unwrap())]),
        ..options(cache.path())
    })
    .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("junk.pem") && message.contains("SSL_CERT_DIR"),
        "{message}"
    );
}

#[test]
fn a_pem_block_that_holds_no_certificate_is_named() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("corp-bundle.crt");
    // Well-formed PEM around bytes that are not a certificate.
    std::fs::write(
        &bundle,
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGUgYXQgYWxs\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let error = IndexClient::new(ClientOptions {
        env: EnvVars::from_pairs([("SSL_CERT_FILE", bundle.to_str().unwrap())]),
        ..options(cache.path())
    })
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("corp-bundle.crt")
            && error.contains("SSL_CERT_FILE")
            && error.contains("not a usable certificate"),
        "{error}"
    );
}

#[test]
fn extra_certificates_are_accepted_alongside_the_system_store() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("root.pem");
    std::fs::write(&pem, TEST_ROOT_PEM).unwrap();
    let client = IndexClient::new(ClientOptions {
        cert: Some(pem.clone()),
        env: EnvVars::from_pairs([("SSL_CERT_FILE", pem.to_str().unwrap())]),
        ..options(cache.path())
    });
    assert!(client.is_ok(), "{:?}", client.err());
}

/// A throwaway self-signed CA certificate made for this test only.
const TEST_ROOT_PEM: &str = include_str!("test-root.pem");

#[test]
fn credentials_are_not_sent_to_another_host() {
    let cache = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let with_auth = auth_server();
    let other = start(sample_index(), ServerOptions::default());
    let index = http_index(
        &with_userinfo(&with_auth.index_url(), USER, PASSWORD),
        client_with(options(cache.path())),
    );
    let listed = index.project(&name("leaf")).unwrap().files.remove(0);
    // The same file, listed at another origin (another port).
    let elsewhere = url::Url::parse(&other.file_url(&listed.filename)).unwrap();
    let mut file = envlock_index::IndexFile::new(listed.filename.clone(), &elsewhere);
    file.sha256 = listed.sha256;
    file.size = listed.size;
    index
        .fetch(&file, &dest.path().join(&file.filename), CacheKeeps::Copy)
        .unwrap();
    let requests = other.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].authorization, None);
    assert!(
        with_auth
            .requests()
            .iter()
            .all(|request| request.authorization.is_some())
    );
}

#[test]
fn the_netrc_default_entry_goes_to_index_hosts_only() {
    use envlock_test::hostile::{Behaviour, HostileServer};
    let cache = tempfile::tempdir().unwrap();
    let netrc_dir = tempfile::tempdir().unwrap();
    let netrc = netrc_dir.path().join("netrc");
    std::fs::write(
        &netrc,
        format!("default login {USER} password {PASSWORD}\n"),
    )
    .unwrap();
    // The page of the index (127.0.0.1) links a file on another host
    // (`localhost`).
    let files = HostileServer::start(vec![(
        "/files/demo-1.0.tar.gz".to_owned(),
        Behaviour::bytes(b"not really an sdist".to_vec()),
    )])
    .unwrap();
    let link = format!("http://localhost:{}/files/demo-1.0.tar.gz", files.port());
    let index_server = HostileServer::start(vec![(
        "/simple/demo/".to_owned(),
        Behaviour::html(&format!("<a href=\"{link}\">demo-1.0.tar.gz</a>")),
    )])
    .unwrap();
    let client = client_with(ClientOptions {
        env: EnvVars::from_pairs([("NETRC", netrc.to_str().unwrap())]),
        allow_insecure_hosts: vec!["127.0.0.1".to_owned(), "localhost".to_owned()],
        ..options(cache.path())
    });
    let index = http_index(&index_server.url("/simple/"), client);
    let page = index.project(&name("demo")).unwrap();
    assert!(index_server.seen()[0].authorization.is_some());
    let dest = cache.path().join("demo-1.0.tar.gz");
    index
        .fetch(&page.files[0], &dest, CacheKeeps::Copy)
        .unwrap();
    assert_eq!(files.seen().len(), 1);
    assert_eq!(files.seen()[0].authorization, None, "{:?}", files.seen());
}

#[test]
fn plain_http_is_refused_before_any_request() {
    let cache = tempfile::tempdir().unwrap();
    let server = auth_server();
    let client = client_with(ClientOptions {
        allow_insecure_hosts: Vec::new(),
        ..options(cache.path())
    });
    let index = http_index(&server.index_url(), client);
    let error = index.project(&name("demo")).unwrap_err();
    assert!(matches!(error, IndexError::Insecure { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("--allow-insecure-host 127.0.0.1"),
        "{error}"
    );
    assert!(server.requests().is_empty());
}
