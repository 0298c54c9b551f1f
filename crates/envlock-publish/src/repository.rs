//! The repository: where files are uploaded, where its simple index is,
//! which plain-http hosts the user allowed, and the HTTP client that talks
//! to it.
//!
//! The simple index URL is `--index-url` when given, else derived from the
//! upload URL for the layouts known here:
//!
//! - pypiserver: the upload URL is the server's root (`http://host:8080/`),
//!   the index is `<root>/simple/`;
//! - devpi: the upload URL is an index, `<root>/<user>/<index>/`, whose
//!   simple pages are under `<root>/<user>/<index>/+simple/`.
//!
//! Any other layout (Artifactory, Nexus, GitLab, Gitea) needs `--index-url`.

use std::path::Path;
use std::time::Duration;

use url::Url;

use crate::credentials::Credentials;
use crate::error::PublishError;

/// The repository to publish into.
#[derive(Debug, Clone)]
pub struct Repository {
    /// The upload URL, without credentials.
    pub upload_url: Url,
    /// The simple index URL (trailing slash), without credentials.
    pub index_url: Url,
    /// The upload credentials, when any were found.
    pub credentials: Option<Credentials>,
}

/// Parses a URL given with `what` (a flag name), removing its credentials
/// (returned apart) and refusing plain http unless the host is allowed.
pub fn parse_url(value: &str, what: &str, insecure_hosts: &[String]) -> Result<Url, PublishError> {
    let mut url = Url::parse(value.trim()).map_err(|error| PublishError::BadUrl {
        what: what.to_owned(),
        url: mask_userinfo(value.trim()),
        reason: error.to_string(),
    })?;
    let shown = envlock_index::redacted(&url);
    let bad = |reason: &str| PublishError::BadUrl {
        what: what.to_owned(),
        url: shown.clone(),
        reason: reason.to_owned(),
    };
    match url.scheme() {
        "https" => {}
        "http" => {
            let host = url.host_str().unwrap_or_default().to_owned();
            let with_port = url
                .port()
                .map_or_else(|| host.clone(), |port| format!("{host}:{port}"));
            if !insecure_hosts
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(&host) || *allowed == with_port)
            {
                return Err(bad(&format!(
                    "plain http sends the credentials and the files unprotected; {host} is not allowed with --allow-insecure-host"
                )));
            }
        }
        _ => return Err(bad("only http(s) URLs are supported")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("the URL has no host"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// A URL that did not parse, with anything before an `@` in its
/// authority masked.
fn mask_userinfo(value: &str) -> String {
    let Some((scheme, rest)) = value.split_once("://") else {
        return value.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://****{}", &rest[at..]),
        None => value.to_owned(),
    }
}

/// The URL without its userinfo.
pub fn without_credentials(url: &Url) -> Url {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url
}

/// The simple index URL of a repository whose upload URL is `upload`, for
/// the layouts known here; `None` for any other.
pub fn derive_index_url(upload: &Url) -> Option<Url> {
    let segments: Vec<&str> = upload
        .path_segments()
        .map(|segments| segments.filter(|segment| !segment.is_empty()).collect())
        .unwrap_or_default();
    let mut url = upload.clone();
    match segments.as_slice() {
        [] => url.set_path("/simple/"),
        [user, index] if !user.starts_with('+') && !index.starts_with('+') => {
            url.set_path(&format!("/{user}/{index}/+simple/"));
        }
        _ => return None,
    }
    Some(url)
}

/// The HTTP client for uploads and resources: the same TLS set-up as the
/// index client (ring, system roots, `--cert`), and a timeout long enough
/// for a large file (30 minutes a request).
pub fn http_client(cert: Option<&Path>) -> Result<reqwest::blocking::Client, PublishError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::blocking::Client::builder()
        .user_agent(concat!("envlock/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30 * 60))
        .tcp_nodelay(true);
    if let Some(path) = cert {
        let pem = std::fs::read(path).map_err(|error| PublishError::io("read", path, error))?;
        let roots = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|error| PublishError::Client(format!("--cert {}: {error}", path.display())))?;
        builder = builder.tls_certs_merge(roots);
    }
    builder
        .build()
        .map_err(|error| PublishError::Client(error.without_url().to_string()))
}

/// What a refusing server said: the body's text, tags dropped, on one
/// line, cut short.
pub(crate) fn server_said(reason: Option<&str>, body: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for character in body.chars() {
        match character {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(character),
            _ => {}
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut said = words.join(" ");
    if said.chars().count() > 300 {
        said = said.chars().take(300).collect::<String>() + "…";
    }
    match (reason, said.is_empty()) {
        (Some(reason), true) => reason.to_owned(),
        (_, true) => "nothing".to_owned(),
        _ => said,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_layouts_give_their_simple_urls() {
        let pypiserver = Url::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(
            derive_index_url(&pypiserver).unwrap().as_str(),
            "http://127.0.0.1:8080/simple/"
        );
        let devpi = Url::parse("https://devpi.internal/ci/stable/").unwrap();
        assert_eq!(
            derive_index_url(&devpi).unwrap().as_str(),
            "https://devpi.internal/ci/stable/+simple/"
        );
        let other = Url::parse("https://art.internal/api/pypi/pypi-local/").unwrap();
        assert!(derive_index_url(&other).is_none());
    }

    #[test]
    fn plain_http_needs_the_host_allowed() {
        let error = parse_url("http://127.0.0.1:9/", "--repository-url", &[]).unwrap_err();
        assert!(error.to_string().contains("plain http"), "{error}");
        assert!(
            envlock_pep::Hint::hint(&error)
                .unwrap()
                .contains("--allow-insecure-host")
        );
        for allowed in ["127.0.0.1", "127.0.0.1:9"] {
            let url = parse_url(
                "http://127.0.0.1:9",
                "--repository-url",
                &[allowed.to_owned()],
            )
            .unwrap();
            assert_eq!(url.as_str(), "http://127.0.0.1:9/");
        }
        assert!(parse_url("ftp://h/", "--repository-url", &[]).is_err());
        let shown = parse_url("http://u:secret@h/", "--index-url", &[])
            .unwrap_err()
            .to_string();
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn what_a_server_said_is_one_short_line() {
        assert_eq!(
            server_said(
                Some("Conflict"),
                "<html><body><h1>409</h1>\n<p>File exists</p></body></html>"
            ),
            "409 File exists"
        );
        assert_eq!(server_said(Some("Bad Request"), ""), "Bad Request");
    }
}
