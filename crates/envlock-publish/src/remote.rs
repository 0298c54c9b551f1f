//! What the repository's simple index lists, read with envlock's own index
//! client (PEP 691 JSON or PEP 503 HTML, credentials, retries), never from
//! a cache: a fresh read before the uploads and another after them.

use std::collections::BTreeMap;
use std::str::FromStr as _;
use std::sync::Arc;

use envlock_index::{
    CacheKeeps, ClientOptions, HttpIndex, IndexClient, IndexError, IndexFile, PackageIndex,
};
use envlock_pep::PackageName;
use rayon::prelude::*;
use url::Url;

use crate::credentials::Credentials;
use crate::error::PublishError;

/// A reader of the repository's simple index.
pub struct RemoteIndex {
    index: HttpIndex,
    client: Arc<IndexClient>,
    credentials_source: String,
    // Holds the throw-away cache until the reader is dropped.
    _cache: tempfile::TempDir,
}

impl std::fmt::Debug for RemoteIndex {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("RemoteIndex")
            .field("url", &self.index.url().to_string())
            .finish_non_exhaustive()
    }
}

impl RemoteIndex {
    /// A reader of the index at `url`. The upload credentials are sent with
    /// it when it is on the upload URL's host (a repository that wants them
    /// for reads too); otherwise the index client's own (URL, netrc).
    pub fn new(
        url: &Url,
        upload_url: &Url,
        credentials: Option<&Credentials>,
        cert: Option<&std::path::Path>,
        jobs: usize,
        allow_insecure_hosts: &[String],
    ) -> Result<RemoteIndex, PublishError> {
        let cache = tempfile::tempdir()
            .map_err(|error| PublishError::io("create", std::env::temp_dir(), error))?;
        let options = ClientOptions {
            cert: cert.map(std::path::Path::to_path_buf),
            cache_dir: Some(cache.path().to_path_buf()),
            refresh: true,
            concurrency: jobs.max(1),
            allow_insecure_hosts: allow_insecure_hosts.to_vec(),
            ..ClientOptions::default()
        };
        let client = Arc::new(IndexClient::new(options)?);
        let mut with_credentials = url.clone();
        let mut credentials_source = "no credentials (none were found)".to_owned();
        if let Some(credentials) = credentials
            && url.host_str() == upload_url.host_str()
            && url.port_or_known_default() == upload_url.port_or_known_default()
        {
            let _ = with_credentials.set_username(&encode(&credentials.username));
            let _ = with_credentials.set_password(Some(&encode(&credentials.password)));
            credentials_source = credentials.source.clone();
        }
        let index = HttpIndex::new("repository", &with_credentials, Arc::clone(&client))?;
        Ok(RemoteIndex {
            index,
            client,
            credentials_source,
            _cache: cache,
        })
    }

    /// The index URL, without credentials.
    pub fn url(&self) -> String {
        self.index.url().without_credentials().to_string()
    }

    /// Every file the index lists for these projects, by file name. A
    /// project the index does not have lists nothing.
    pub fn files(&self, projects: &[String]) -> Result<BTreeMap<String, IndexFile>, PublishError> {
        let pages: Vec<Result<Vec<IndexFile>, PublishError>> = self.client.install(|| {
            projects
                .par_iter()
                .map(|project| self.project(project))
                .collect()
        });
        let mut files = BTreeMap::new();
        for page in pages {
            for file in page? {
                files.insert(file.filename.clone(), file);
            }
        }
        Ok(files)
    }

    fn project(&self, project: &str) -> Result<Vec<IndexFile>, PublishError> {
        let name = PackageName::from_str(project).map_err(|error| PublishError::Malformed {
            path: "envlock.lock".into(),
            reason: format!("package name `{project}`: {error}"),
        })?;
        match self.index.project(&name) {
            Ok(page) => Ok(page.files),
            Err(IndexError::ProjectNotFound { .. }) => Ok(Vec::new()),
            Err(error) => Err(self.explain(error)),
        }
    }

    /// Downloads a listed file into `dir` and returns its sha256.
    pub fn download(
        &self,
        file: &IndexFile,
        dir: &std::path::Path,
    ) -> Result<String, PublishError> {
        let mut unverified = file.clone();
        // Hash what arrives, rather than trust the page's figure.
        unverified.sha256 = None;
        let fetched = self
            .index
            .fetch(&unverified, &dir.join(&file.filename), CacheKeeps::Copy)
            .map_err(|error| self.explain(error))?;
        let _ = std::fs::remove_file(&fetched.path);
        Ok(fetched.sha256.to_hex())
    }

    /// Turns the index client's error into one a publisher can act on.
    fn explain(&self, error: IndexError) -> PublishError {
        match error {
            IndexError::Status {
                url,
                status: status @ (401 | 403),
                ..
            } => PublishError::Unauthorized {
                url: url.without_credentials().to_string(),
                status,
                source_name: self.credentials_source.clone(),
            },
            IndexError::Network { url, reason, .. } => PublishError::Unreachable {
                url: url.without_credentials().to_string(),
                reason,
            },
            other => PublishError::from(other),
        }
    }
}

/// Percent-encodes userinfo (a token may hold `@`, `:` or `/`).
fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
