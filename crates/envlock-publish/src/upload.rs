//! One upload, in the protocol twine speaks and pypiserver, devpi,
//! Artifactory, Nexus and the forges accept: a `multipart/form-data` POST
//! to the upload URL with `:action=file_upload`, `protocol_version=1`, the
//! core metadata fields read from the file itself (`METADATA` in a wheel,
//! `PKG-INFO` in an sdist), `filetype`, `pyversion`, `sha256_digest`, and
//! the file as `content`.

use std::time::Duration;

use reqwest::blocking::multipart::{Form, Part};

use crate::credentials::Credentials;
use crate::error::credentials_hint;
use crate::repository::server_said;
use crate::wheelhouse::Artifact;

/// Why one file was not uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadFailure {
    /// The file's metadata could not be read.
    Metadata(String),
    /// 401/403: the credentials were refused (the message says which
    /// setting supplied them).
    Unauthorized(String),
    /// The repository refused the file (400, 409, …): what it said.
    Refused(String),
    /// The repository could not be reached, after the retries.
    Unreachable(String),
}

impl std::fmt::Display for UploadFailure {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UploadFailure::Metadata(text)
            | UploadFailure::Unauthorized(text)
            | UploadFailure::Refused(text)
            | UploadFailure::Unreachable(text) => formatter.write_str(text),
        }
    }
}

/// The form fields of `artifact`, from the metadata inside it.
pub(crate) fn form_fields(artifact: &Artifact) -> Result<Vec<(&'static str, String)>, String> {
    let distribution = python_pkginfo::Distribution::new(&artifact.path).map_err(|error| {
        format!(
            "cannot read the core metadata of {}: {error}",
            artifact.file
        )
    })?;
    let filetype = match distribution.r#type() {
        python_pkginfo::DistributionType::Wheel => "bdist_wheel",
        python_pkginfo::DistributionType::SDist => "sdist",
        other => return Err(format!("{}: a {other:?} is not uploaded", artifact.file)),
    };
    let pyversion = distribution.python_version().to_owned();
    let meta = distribution.metadata();
    let mut fields: Vec<(&'static str, String)> = vec![
        (":action", "file_upload".to_owned()),
        ("protocol_version", "1".to_owned()),
        ("filetype", filetype.to_owned()),
        ("pyversion", pyversion),
        ("sha256_digest", artifact.sha256.clone()),
        ("metadata_version", meta.metadata_version.clone()),
        ("name", meta.name.clone()),
        ("version", meta.version.clone()),
    ];
    let single = [
        ("summary", &meta.summary),
        ("description", &meta.description),
        ("description_content_type", &meta.description_content_type),
        ("keywords", &meta.keywords),
        ("home_page", &meta.home_page),
        ("download_url", &meta.download_url),
        ("author", &meta.author),
        ("author_email", &meta.author_email),
        ("maintainer", &meta.maintainer),
        ("maintainer_email", &meta.maintainer_email),
        ("license", &meta.license),
        ("license_expression", &meta.license_expression),
        ("requires_python", &meta.requires_python),
    ];
    for (name, value) in single {
        if let Some(value) = value {
            fields.push((name, value.clone()));
        }
    }
    let multiple = [
        ("platform", &meta.platforms),
        ("supported_platform", &meta.supported_platforms),
        ("classifiers", &meta.classifiers),
        ("requires_dist", &meta.requires_dist),
        ("provides_dist", &meta.provides_dist),
        ("obsoletes_dist", &meta.obsoletes_dist),
        ("requires_external", &meta.requires_external),
        ("project_urls", &meta.project_urls),
        ("provides_extra", &meta.provides_extras),
        ("license_file", &meta.license_files),
        ("dynamic", &meta.dynamic),
    ];
    for (name, values) in multiple {
        fields.extend(values.iter().map(|value| (name, value.clone())));
    }
    Ok(fields)
}

/// How an upload is made: the client, where, as whom, how often to retry.
pub(crate) struct Uploader<'a> {
    pub client: &'a reqwest::blocking::Client,
    pub url: &'a url::Url,
    pub credentials: Option<&'a Credentials>,
    pub retries: u32,
}

impl Uploader<'_> {
    /// Uploads one file, retrying connection failures, 429 and 5xx.
    pub(crate) fn upload(&self, artifact: &Artifact) -> Result<(), UploadFailure> {
        let fields = form_fields(artifact).map_err(UploadFailure::Metadata)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            // Streamed from disk with its length known, so that the body
            // has a Content-Length and large wheels are never held in memory.
            let content = std::fs::File::open(&artifact.path).map_err(|error| {
                UploadFailure::Metadata(format!("cannot read {}: {error}", artifact.path.display()))
            })?;
            let length = content
                .metadata()
                .map_or(artifact.size, |metadata| metadata.len());
            let mut form = Form::new();
            for (name, value) in &fields {
                form = form.text(*name, value.clone());
            }
            let part = Part::reader_with_length(content, length)
                .file_name(artifact.file.clone())
                .mime_str("application/octet-stream")
                .map_err(|error| UploadFailure::Metadata(error.to_string()))?;
            form = form.part("content", part);
            let mut request = self.client.post(self.url.clone()).multipart(form);
            if let Some(credentials) = self.credentials {
                request = request.basic_auth(&credentials.username, Some(&credentials.password));
            }
            match self.answer(artifact, request.send()) {
                Answer::Done => return Ok(()),
                Answer::Failed(failure) => return Err(failure),
                Answer::Retry(failure) if attempt > self.retries => return Err(failure),
                Answer::Retry(_) => {
                    std::thread::sleep(Duration::from_millis(200u64 << attempt.min(5)));
                }
            }
        }
    }

    fn answer(
        &self,
        artifact: &Artifact,
        response: reqwest::Result<reqwest::blocking::Response>,
    ) -> Answer {
        let url = envlock_index::redacted(self.url);
        let response = match response {
            Ok(response) => response,
            Err(error) => {
                return Answer::Retry(UploadFailure::Unreachable(format!(
                    "cannot reach {url}: {}",
                    error.without_url()
                )));
            }
        };
        let status = response.status();
        if status.is_success() {
            return Answer::Done;
        }
        let reason = status.canonical_reason();
        let body = response.text().unwrap_or_default();
        let said = server_said(reason, &body);
        let code = status.as_u16();
        match code {
            401 | 403 => Answer::Failed(UploadFailure::Unauthorized(format!(
                "{url} answered HTTP {code} to the upload of {}: {said}; {}",
                artifact.file,
                credentials_hint(
                    self.credentials
                        .map_or("nowhere (no credentials were found)", |credentials| {
                            credentials.source.as_str()
                        })
                )
            ))),
            429 | 500..=599 => Answer::Retry(UploadFailure::Refused(format!(
                "{url} answered HTTP {code} to the upload of {}: {said}",
                artifact.file
            ))),
            409 => Answer::Failed(UploadFailure::Refused(format!(
                "{url} refused {} with HTTP 409 (it will not overwrite a file, or holds another under this name): {said}",
                artifact.file
            ))),
            _ => Answer::Failed(UploadFailure::Refused(format!(
                "{url} refused {} with HTTP {code}: {said}",
                artifact.file
            ))),
        }
    }
}

enum Answer {
    Done,
    Retry(UploadFailure),
    Failed(UploadFailure),
}
