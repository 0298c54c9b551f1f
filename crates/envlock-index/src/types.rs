//! The data model shared by every index: projects, files, core metadata.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use envlock_pep::{ExtraName, PackageName, Requirement, Version, VersionSpecifiers};
use rayon::prelude::*;

use envlock_fs::Sha256;
use url::Url;

use crate::error::IndexError;
use crate::file_url::FileUrl;
use crate::safe_url::SafeUrl;

/// Whether (and how) an index offers a file's core metadata as a separate
/// PEP 658/714 `<file-url>.metadata` file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MetadataFile {
    /// No metadata file is offered; metadata must come from the file itself.
    #[default]
    NotOffered,
    /// A metadata file is offered, with its sha256 when the index gives one.
    Offered {
        /// Lowercase hex sha256 of the metadata file, if announced.
        sha256: Option<String>,
    },
}

pub use envlock_pep::DistKind;

/// One file of a project, as an index lists it.
///
/// A lock of many targets keeps tens of thousands of these at once, so the
/// values are parsed once and kept small: the hash as bytes, the upload
/// time as a timestamp, and one shared `Requires-Python` for all the files
/// of a page that give the same text.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexFile {
    /// The file name, e.g. `foo-1.0-py3-none-any.whl`.
    pub filename: String,
    /// Where to get it (an `http(s)://` or `file://` URL), without the hash
    /// fragment: see [`IndexFile::url`].
    pub(crate) url: FileUrl,
    /// The sha256 the index gives; `None` when it gives none or one that is
    /// not 64 hex digits (such a file cannot be locked: the lock records
    /// only hashes the index gave).
    pub sha256: Option<Sha256>,
    /// The `Requires-Python` the index gives, if any.
    pub requires_python: Option<Arc<RequiresPython>>,
    /// `Some(reason)` when the file is yanked (the reason may be empty).
    pub yanked: Option<String>,
    /// Whether the index offers a PEP 658 metadata file.
    pub core_metadata: MetadataFile,
    /// The size in bytes, when the index gives it.
    pub size: Option<u64>,
    /// The upload time, when the index gives one that is an RFC 3339
    /// timestamp (PEP 700); others are treated as absent.
    pub upload_time: Option<jiff::Timestamp>,
}

impl IndexFile {
    /// A file named `filename` at `url` (its hash fragment already taken
    /// off), of which the index says nothing more (yet).
    pub fn new(filename: impl Into<String>, url: &Url) -> IndexFile {
        let filename = filename.into();
        IndexFile::at(FileUrl::new(url, &filename), filename)
    }

    /// A file named `filename` at a link a page gave (see
    /// [`crate::file_url::PageLinks`]), of which the index says nothing
    /// more (yet).
    pub(crate) fn from_link(filename: String, link: &str) -> IndexFile {
        IndexFile::at(FileUrl::from_link(link, &filename), filename)
    }

    fn at(url: FileUrl, filename: String) -> IndexFile {
        IndexFile {
            url,
            filename,
            sha256: None,
            requires_python: None,
            yanked: None,
            core_metadata: MetadataFile::NotOffered,
            size: None,
            upload_time: None,
        }
    }

    /// Where to get the file: an `http(s)://` or `file://` URL.
    pub fn url(&self) -> Result<SafeUrl, IndexError> {
        self.url.parse(&self.filename)
    }

    /// The URL for messages, with any credentials masked.
    pub fn shown_url(&self) -> String {
        self.url.shown(&self.filename)
    }

    /// The kind of distribution, by extension.
    pub fn kind(&self) -> DistKind {
        DistKind::of(&self.filename)
    }

    /// The parsed `Requires-Python`; `None` when absent or unparsable
    /// (unparsable values are ignored, as pip does).
    pub fn requires_python_specifiers(&self) -> Option<&VersionSpecifiers> {
        self.requires_python.as_deref()?.specifiers.as_ref()
    }

    /// The `Requires-Python` exactly as the index gave it.
    pub fn requires_python_raw(&self) -> Option<&str> {
        self.requires_python.as_deref().map(|value| &*value.raw)
    }

    /// The sha256 as lowercase hex, when the index gave one.
    pub fn sha256_hex(&self) -> Option<String> {
        self.sha256.map(|hash| hash.to_hex())
    }
}

/// A file's `Requires-Python`, as given and as parsed.
#[derive(Debug, PartialEq)]
pub struct RequiresPython {
    /// The text as the index gave it, trimmed (HTML entities decoded).
    pub raw: Box<str>,
    /// The parsed specifiers; `None` when the text does not parse.
    pub specifiers: Option<VersionSpecifiers>,
}

/// The `Requires-Python` values of one page, each parsed once and shared:
/// a page gives the same few texts for thousands of files.
#[derive(Default)]
pub(crate) struct RequiresPythonTexts(HashMap<Box<str>, Arc<RequiresPython>>);

impl RequiresPythonTexts {
    /// The shared value for `raw`; `None` when it is absent or blank.
    pub(crate) fn get(&mut self, raw: Option<&str>) -> Option<Arc<RequiresPython>> {
        let raw = raw.map(str::trim).filter(|value| !value.is_empty())?;
        if let Some(known) = self.0.get(raw) {
            return Some(Arc::clone(known));
        }
        let value = Arc::new(RequiresPython {
            raw: raw.into(),
            specifiers: raw.parse::<VersionSpecifiers>().ok(),
        });
        self.0.insert(raw.into(), Arc::clone(&value));
        Some(value)
    }
}

/// An index's upload time, when it is an RFC 3339 timestamp.
pub(crate) fn parse_upload_time(text: Option<&str>) -> Option<jiff::Timestamp> {
    text?.trim().parse().ok()
}

/// All files of one project on one index.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectPage {
    /// The normalised project name.
    pub name: PackageName,
    /// The page's URL (or the find-links directory as a `file://` URL).
    pub url: SafeUrl,
    /// Every usable file listed, in page order.
    pub files: Vec<IndexFile>,
    /// Files the page listed that cannot be used (a name that is a path,
    /// holds odd characters or belongs to another project), each as
    /// "name (url): reason", for warnings. They are not in `files`.
    pub ignored: Vec<String>,
    /// Files of the project whose names do not follow the wheel or sdist
    /// naming rules (old releases whose version is not PEP 440), each as
    /// "name (url): reason". Skipped without a warning, as installers do;
    /// said only when the project has no usable file at all.
    pub nonconforming: Vec<String>,
}

/// The parts of a distribution's core metadata that locking needs.
#[derive(Debug, Clone, PartialEq)]
pub struct CoreMetadata {
    /// The project name.
    pub name: PackageName,
    /// The version.
    pub version: Version,
    /// `Requires-Dist`, with their markers (extras appear as `extra == "x"`).
    pub requires_dist: Vec<Requirement>,
    /// `Requires-Python`; `None` when absent or unparsable.
    pub requires_python: Option<VersionSpecifiers>,
    /// `Provides-Extra`.
    pub provides_extra: Vec<ExtraName>,
    /// `Dynamic` fields (metadata 2.2+).
    pub dynamic: Vec<String>,
}

/// A file downloaded and verified by [`PackageIndex::fetch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedFile {
    /// The sha256 of the content.
    pub sha256: Sha256,
    /// Size in bytes.
    pub size: u64,
    /// Where it now is (the requested destination).
    pub path: PathBuf,
}

/// What the cache keeps of a file downloaded with a known hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheKeeps {
    /// A copy of its own: for a file put somewhere that goes away (a build
    /// folder, a scratch folder) or is handed on.
    Copy,
    /// A note of where the file was put, and its stamp: for a file that
    /// stays where it is put (a wheelhouse's). No bytes are written twice,
    /// and a later build copies from that place while the stamp holds (see
    /// [`crate::Cache::note_placed`]).
    Place,
}

/// A package index: an HTTP Simple API index or a find-links directory.
pub trait PackageIndex: Send + Sync {
    /// The index's name (from configuration), used in locks and messages.
    fn name(&self) -> &str;

    /// All files of a project.
    fn project(&self, name: &PackageName) -> Result<ProjectPage, IndexError>;

    /// The files of a project whose names `keep` accepts. A file it
    /// rejects is dropped as soon as its name is read, before its link is
    /// resolved or its fields converted: a resolution that can use a few
    /// hundred of a page's thousands of files need not hold the rest, even
    /// while the page is read. Unusable names (see `ProjectPage::ignored`
    /// and `ProjectPage::nonconforming`) are reported whatever `keep` says.
    fn project_where(
        &self,
        name: &PackageName,
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<ProjectPage, IndexError> {
        let mut page = self.project(name)?;
        page.files.retain(|file| keep(&file.filename));
        Ok(page)
    }

    /// The files of a project whose names are in `filenames` (the page's
    /// other files left out). Indexes with large pages answer this more
    /// cheaply than [`PackageIndex::project`].
    fn project_files(
        &self,
        name: &PackageName,
        filenames: &[&str],
    ) -> Result<ProjectPage, IndexError> {
        let mut page = self.project(name)?;
        page.files
            .retain(|file| filenames.contains(&file.filename.as_str()));
        Ok(page)
    }

    /// Whether a copy of the project's page is at hand: in the cache (to be
    /// used as it is, or revalidated with a short request that brings no
    /// body back when it has not changed), or in a local folder. Only
    /// scheduling asks this; a wrong answer costs time, never changes a
    /// result.
    fn has_cached_page(&self, _name: &PackageName) -> bool {
        false
    }

    /// Whether this index's cache holds the file's core metadata, read
    /// before: reading it again takes no network and runs no build. Only
    /// scheduling asks this, like [`PackageIndex::has_cached_page`].
    fn has_cached_metadata(&self, _file: &IndexFile) -> bool {
        false
    }

    /// The core metadata of one file (wheel or sdist).
    fn core_metadata(&self, file: &IndexFile) -> Result<CoreMetadata, IndexError>;

    /// Downloads a file to `dest`, verifying its sha256 when known. The file
    /// appears at `dest` only when complete and verified; `keeps` says what
    /// the cache keeps of it.
    fn fetch(
        &self,
        file: &IndexFile,
        dest: &Path,
        keeps: CacheKeeps,
    ) -> Result<FetchedFile, IndexError>;

    /// The size of a file in bytes: the index's own figure when its page
    /// gave one, otherwise whatever the index can tell without downloading
    /// the whole file where it can avoid it.
    fn file_size(&self, file: &IndexFile) -> Result<u64, IndexError> {
        match file.size {
            Some(size) => Ok(size),
            None => Err(IndexError::BadPage {
                url: file.url()?,
                reason: format!("the index gives no size for {}", file.filename),
            }),
        }
    }

    /// The core metadata of many files, in parallel; results are in input order.
    fn core_metadata_many(&self, files: &[IndexFile]) -> Vec<Result<CoreMetadata, IndexError>> {
        files
            .par_iter()
            .map(|file| self.core_metadata(file))
            .collect()
    }
}
