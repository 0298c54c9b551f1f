//! Resources (plain files, not packages) go to a folder URL with HTTP PUT,
//! which Artifactory generic repositories, Nexus raw repositories and
//! WebDAV servers accept, and are read back and hashed. A resource already
//! there with the lock's sha256 is left alone; one with another sha256 is
//! an error and is not overwritten.

use std::io::Read as _;
use std::path::Path;

use envlock_lock::LockedResource;
use sha2::{Digest as _, Sha256};
use url::Url;

use crate::credentials::Credentials;
use crate::error::credentials_hint;
use crate::repository::server_said;

/// Where resources go, and how.
pub(crate) struct ResourceTarget<'a> {
    pub client: &'a reqwest::blocking::Client,
    /// The folder URL (with its trailing slash).
    pub url: &'a Url,
    pub credentials: Option<&'a Credentials>,
}

/// What happened to one resource.
pub(crate) enum Placed {
    AlreadyThere,
    Uploaded,
}

impl ResourceTarget<'_> {
    /// The URL of one resource file.
    pub(crate) fn file_url(&self, file: &str) -> Result<Url, String> {
        self.url
            .join(&encode_segment(file))
            .map_err(|error| format!("{file}: {error}"))
    }

    fn request(&self, method: reqwest::Method, url: &Url) -> reqwest::blocking::RequestBuilder {
        let request = self.client.request(method, url.clone());
        match self.credentials {
            Some(credentials) => {
                request.basic_auth(&credentials.username, Some(&credentials.password))
            }
            None => request,
        }
    }

    /// The sha256 of what is at `url`; `None` when nothing is there.
    pub(crate) fn remote_sha256(&self, url: &Url) -> Result<Option<String>, String> {
        let shown = envlock_index::redacted(url);
        let mut response = self
            .request(reqwest::Method::GET, url)
            .send()
            .map_err(|error| format!("cannot reach {shown}: {}", error.without_url()))?;
        match response.status().as_u16() {
            404 | 410 => return Ok(None),
            code if !response.status().is_success() => {
                return Err(self.refusal(&shown, code, "reading", response));
            }
            _ => {}
        }
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let read = response
                .read(&mut buffer)
                .map_err(|error| format!("reading {shown}: {error}"))?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
        }
        Ok(Some(hex(&hasher.finalize())))
    }

    /// Puts one resource there unless it already is, then reads it back.
    pub(crate) fn place(&self, resource: &LockedResource, path: &Path) -> Result<Placed, String> {
        let url = self.file_url(&resource.file)?;
        let shown = envlock_index::redacted(&url);
        match self.remote_sha256(&url)? {
            Some(found) if resource.sha256.matches_hex(&found) => return Ok(Placed::AlreadyThere),
            Some(found) => {
                return Err(format!(
                    "{shown} holds another file than the lock's resource `{}` (sha256 {found}, the lock says {}); it was not overwritten",
                    resource.name, resource.sha256
                ));
            }
            None => {}
        }
        let body = std::fs::read(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let response = self
            .request(reqwest::Method::PUT, &url)
            .body(body)
            .send()
            .map_err(|error| format!("cannot reach {shown}: {}", error.without_url()))?;
        let code = response.status().as_u16();
        if !response.status().is_success() {
            return Err(self.refusal(&shown, code, "the upload of", response));
        }
        match self.remote_sha256(&url)? {
            Some(found) if resource.sha256.matches_hex(&found) => Ok(Placed::Uploaded),
            Some(found) => Err(format!(
                "{shown} was uploaded but reads back with sha256 {found}, not the lock's {}",
                resource.sha256
            )),
            None => Err(format!(
                "{shown} was uploaded (HTTP {code}) but cannot be read back (404)"
            )),
        }
    }

    fn refusal(
        &self,
        shown: &str,
        code: u16,
        doing: &str,
        response: reqwest::blocking::Response,
    ) -> String {
        let reason = response.status().canonical_reason();
        let said = server_said(reason, &response.text().unwrap_or_default());
        let mut message = format!("{shown} answered HTTP {code} to {doing} it: {said}");
        if matches!(code, 401 | 403) {
            message.push_str("; ");
            message.push_str(&credentials_hint(
                self.credentials
                    .map_or("nowhere (no credentials were found)", |credentials| {
                        credentials.source.as_str()
                    }),
            ));
        }
        message
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Percent-encodes a file name as one path segment.
fn encode_segment(file: &str) -> String {
    let mut out = String::new();
    for byte in file.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~+".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
