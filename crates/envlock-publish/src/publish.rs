//! The publish itself: plan against what the repository lists, upload in
//! parallel, put the resources, and read everything back.

use std::collections::BTreeMap;
use std::sync::Mutex;

use envlock_index::IndexFile;
use rayon::prelude::*;
use serde::Serialize;
use url::Url;

use crate::error::PublishError;
use crate::remote::RemoteIndex;
use crate::repository::Repository;
use crate::resources::{Placed, ResourceTarget};
use crate::upload::Uploader;
use crate::wheelhouse::{Artifact, Wheelhouse};

/// Told about progress (a progress bar, or nothing).
pub trait Reporter: Sync {
    /// The uploads to come: how many files and bytes.
    fn planned(&self, _files: usize, _bytes: u64) {}
    /// One file is done, whatever its outcome.
    fn file_done(&self, _file: &str, _size: u64) {}
}

/// A reporter that says nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct SilentReporter;

impl Reporter for SilentReporter {}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum FileOutcome {
    /// Uploaded now.
    Uploaded,
    /// The repository already had it, with the lock's sha256.
    AlreadyThere,
    /// `--dry-run`: it would be uploaded.
    WouldUpload,
    /// Not uploaded: why.
    Failed {
        /// What went wrong, naming the file.
        reason: String,
    },
}

/// One file of the publish and its outcome.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The file name (a distribution, or a resource's file).
    pub file: String,
    /// The sha256 the lock gives.
    pub sha256: String,
    /// Its size.
    pub size: u64,
    /// What happened.
    #[serde(flatten)]
    pub outcome: FileOutcome,
}

/// Everything a publish did and found.
#[derive(Debug, Clone, Serialize)]
pub struct PublishReport {
    /// The upload URL.
    pub repository_url: String,
    /// The simple index URL read before and after.
    pub index_url: String,
    /// The resources folder URL, when resources were uploaded.
    pub resources_url: Option<String>,
    /// The targets published.
    pub targets: Vec<String>,
    /// `--dry-run`: nothing was uploaded.
    pub dry_run: bool,
    /// One entry per distribution, sorted by file name.
    pub files: Vec<FileReport>,
    /// One entry per resource (empty without a resources URL).
    pub resources: Vec<FileReport>,
    /// Files the read-back checked against the lock.
    pub read_back: usize,
    /// What the read-back found wrong (empty when all is well).
    pub read_back_problems: Vec<String>,
}

impl PublishReport {
    /// Whether every file is there with the lock's sha256 (or, for a dry
    /// run, nothing stands in the way).
    pub fn is_success(&self) -> bool {
        self.read_back_problems.is_empty()
            && self
                .files
                .iter()
                .chain(&self.resources)
                .all(|file| !matches!(file.outcome, FileOutcome::Failed { .. }))
    }

    /// How many files (distributions and resources) had `outcome`'s kind.
    pub fn count(&self, kind: fn(&FileOutcome) -> bool) -> usize {
        self.files
            .iter()
            .chain(&self.resources)
            .filter(|file| kind(&file.outcome))
            .count()
    }
}

/// What to publish where, and how.
pub struct PublishRequest<'a> {
    /// The verified wheelhouse (see [`crate::open_wheelhouse`]).
    pub wheelhouse: &'a Wheelhouse,
    /// The repository.
    pub repository: &'a Repository,
    /// Where resources go with PUT (folder URL, trailing slash), if anywhere.
    pub resources_url: Option<&'a Url>,
    /// Credentials for the resources server.
    pub resources_credentials: Option<&'a crate::Credentials>,
    /// Print the plan, upload nothing.
    pub dry_run: bool,
    /// Also download every file from the repository and hash it.
    pub download_check: bool,
    /// Uploads at once.
    pub jobs: usize,
    /// Retries of a failed upload (connection errors, 429, 5xx).
    pub retries: u32,
    /// `--cert`.
    pub cert: Option<&'a std::path::Path>,
    /// Hosts (`HOST` or `HOST:PORT`) that may be read over plain http
    /// (`--allow-insecure-host`).
    pub allow_insecure_hosts: &'a [String],
    /// Progress.
    pub reporter: &'a dyn Reporter,
}

/// Publishes the wheelhouse's files for its chosen targets: skips those the
/// repository has with the lock's sha256, refuses those it has with
/// another, uploads the rest, then reads every file back.
pub fn publish(request: &PublishRequest<'_>) -> Result<PublishReport, PublishError> {
    let repository = request.repository;
    let remote = RemoteIndex::new(
        &repository.index_url,
        &repository.upload_url,
        repository.credentials.as_ref(),
        request.cert,
        request.jobs,
        request.allow_insecure_hosts,
    )?;
    let artifacts = &request.wheelhouse.artifacts;
    let projects = project_names(artifacts);
    let before = remote.files(&projects)?;
    let (mut reports, to_upload) = plan(artifacts, &before, request.dry_run);
    let client = crate::repository::http_client(request.cert)?;
    request.reporter.planned(
        to_upload.len(),
        to_upload.iter().map(|artifact| artifact.size).sum(),
    );
    reports.extend(upload_all(request, &client, &to_upload)?);
    reports.sort_by(|left, right| left.file.cmp(&right.file));
    let resources = match request.resources_url {
        Some(url) => place_resources(request, &client, url),
        None => Vec::new(),
    };
    let mut report = PublishReport {
        repository_url: repository.upload_url.to_string(),
        index_url: remote.url(),
        resources_url: request.resources_url.map(ToString::to_string),
        targets: request.wheelhouse.targets.clone(),
        dry_run: request.dry_run,
        files: reports,
        resources,
        read_back: 0,
        read_back_problems: Vec::new(),
    };
    if !request.dry_run {
        let after = remote.files(&projects)?;
        read_back(request, &remote, &after, &mut report)?;
    }
    Ok(report)
}

fn project_names(artifacts: &[Artifact]) -> Vec<String> {
    let mut projects: Vec<String> = artifacts.iter().map(|a| a.package.clone()).collect();
    projects.sort();
    projects.dedup();
    projects
}

fn report(artifact: &Artifact, outcome: FileOutcome) -> FileReport {
    FileReport {
        file: artifact.file.clone(),
        sha256: artifact.sha256.clone(),
        size: artifact.size,
        outcome,
    }
}

/// Decides each file's fate from what the repository lists.
fn plan<'a>(
    artifacts: &'a [Artifact],
    listed: &BTreeMap<String, IndexFile>,
    dry_run: bool,
) -> (Vec<FileReport>, Vec<&'a Artifact>) {
    let mut reports = Vec::new();
    let mut to_upload = Vec::new();
    for artifact in artifacts {
        match listed.get(&artifact.file).map(IndexFile::sha256_hex) {
            None if dry_run => reports.push(report(artifact, FileOutcome::WouldUpload)),
            None => to_upload.push(artifact),
            Some(Some(sha256)) if sha256.eq_ignore_ascii_case(&artifact.sha256) => {
                reports.push(report(artifact, FileOutcome::AlreadyThere));
            }
            Some(found) => reports.push(report(
                artifact,
                FileOutcome::Failed {
                    reason: match found {
                        Some(sha256) => format!(
                            "the repository already has {} with sha256 {sha256}, not the lock's {}: a republished or tampered file; nothing was uploaded for it",
                            artifact.file, artifact.sha256
                        ),
                        None => format!(
                            "the repository lists {} without a sha256, so it cannot be compared with the lock's; nothing was uploaded for it",
                            artifact.file
                        ),
                    },
                },
            )),
        }
    }
    (reports, to_upload)
}

fn upload_all(
    request: &PublishRequest<'_>,
    client: &reqwest::blocking::Client,
    to_upload: &[&Artifact],
) -> Result<Vec<FileReport>, PublishError> {
    let uploader = Uploader {
        client,
        url: &request.repository.upload_url,
        credentials: request.repository.credentials.as_ref(),
        retries: request.retries,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(request.jobs.max(1))
        .thread_name(|index| format!("envlock-upload-{index}"))
        .build()
        .map_err(|error| {
            PublishError::Client(format!("cannot start the upload threads: {error}"))
        })?;
    // Largest first, so the last minutes are not one big file alone.
    let mut order: Vec<&Artifact> = to_upload.to_vec();
    order.sort_by_key(|artifact| std::cmp::Reverse(artifact.size));
    let reports = Mutex::new(Vec::new());
    pool.install(|| {
        order.par_iter().with_max_len(1).for_each(|artifact| {
            let outcome = match uploader.upload(artifact) {
                Ok(()) => FileOutcome::Uploaded,
                Err(failure) => FileOutcome::Failed {
                    reason: failure.to_string(),
                },
            };
            request.reporter.file_done(&artifact.file, artifact.size);
            if let Ok(mut reports) = reports.lock() {
                reports.push(report(artifact, outcome));
            }
        });
    });
    Ok(reports
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner))
}

fn place_resources(
    request: &PublishRequest<'_>,
    client: &reqwest::blocking::Client,
    url: &Url,
) -> Vec<FileReport> {
    let target = ResourceTarget {
        client,
        url,
        credentials: request.resources_credentials,
    };
    request
        .wheelhouse
        .resources()
        .iter()
        .map(|(resource, path)| {
            let outcome = if request.dry_run {
                match target
                    .file_url(&resource.file)
                    .and_then(|url| target.remote_sha256(&url))
                {
                    Ok(Some(found)) if resource.sha256.matches_hex(&found) => {
                        FileOutcome::AlreadyThere
                    }
                    Ok(Some(found)) => FileOutcome::Failed {
                        reason: format!(
                            "the resources server holds {} with sha256 {found}, not the lock's {}",
                            resource.file, resource.sha256
                        ),
                    },
                    Ok(None) => FileOutcome::WouldUpload,
                    Err(reason) => FileOutcome::Failed { reason },
                }
            } else {
                match target.place(resource, path) {
                    Ok(Placed::Uploaded) => FileOutcome::Uploaded,
                    Ok(Placed::AlreadyThere) => FileOutcome::AlreadyThere,
                    Err(reason) => FileOutcome::Failed { reason },
                }
            };
            FileReport {
                file: resource.file.clone(),
                sha256: resource.sha256.to_string(),
                size: resource.size,
                outcome,
            }
        })
        .collect()
}

/// Every locked file of the chosen targets must be listed with the lock's
/// sha256 (and, with `download_check`, download to it).
fn read_back(
    request: &PublishRequest<'_>,
    remote: &RemoteIndex,
    listed: &BTreeMap<String, IndexFile>,
    report: &mut PublishReport,
) -> Result<(), PublishError> {
    let scratch = tempfile::tempdir()
        .map_err(|error| PublishError::io("create", std::env::temp_dir(), error))?;
    let artifacts = &request.wheelhouse.artifacts;
    let problems: Vec<Option<String>> = artifacts
        .par_iter()
        .map(|artifact| {
            let Some(file) = listed.get(&artifact.file) else {
                return Some(format!(
                    "{} does not list {} (of {}), after the upload",
                    remote.url(),
                    artifact.file,
                    artifact.package
                ));
            };
            match file.sha256_hex() {
                Some(sha256) if sha256.eq_ignore_ascii_case(&artifact.sha256) => {}
                Some(sha256) => {
                    return Some(format!(
                        "{} lists {} with sha256 {sha256}, the lock says {}",
                        remote.url(),
                        artifact.file,
                        artifact.sha256
                    ));
                }
                None if !request.download_check => {
                    return Some(format!(
                        "{} lists {} without a sha256; use --download-check to hash the file itself",
                        remote.url(),
                        artifact.file
                    ));
                }
                None => {}
            }
            if request.download_check {
                return match remote.download(file, scratch.path()) {
                    Ok(sha256) if sha256 == artifact.sha256 => None,
                    Ok(sha256) => Some(format!(
                        "{} downloads from the repository with sha256 {sha256}, the lock says {}",
                        artifact.file, artifact.sha256
                    )),
                    Err(error) => Some(format!("downloading {}: {error}", artifact.file)),
                };
            }
            None
        })
        .collect();
    report.read_back = artifacts.len();
    report.read_back_problems = problems.into_iter().flatten().collect();
    Ok(())
}
