//! The data model shared by every index: projects, files, core metadata.

use std::path::{Path, PathBuf};

use envlock_pep::{ExtraName, PackageName, Requirement, Version, VersionSpecifiers};
use rayon::prelude::*;

use crate::error::IndexError;
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
#[derive(Debug, Clone, PartialEq)]
pub struct IndexFile {
    /// The file name, e.g. `foo-1.0-py3-none-any.whl`.
    pub filename: String,
    /// Where to get it (an `http(s)://` or `file://` URL), without the hash fragment.
    pub url: SafeUrl,
    /// Lowercase hex sha256, when the index gives it.
    pub sha256: Option<String>,
    /// The parsed `Requires-Python`; `None` when absent or unparsable
    /// (unparsable values are ignored, as pip does; see `requires_python_raw`).
    pub requires_python: Option<VersionSpecifiers>,
    /// The `Requires-Python` exactly as the index gave it (HTML entities decoded).
    pub requires_python_raw: Option<String>,
    /// `Some(reason)` when the file is yanked (the reason may be empty).
    pub yanked: Option<String>,
    /// Whether the index offers a PEP 658 metadata file.
    pub core_metadata: MetadataFile,
    /// The size in bytes, when the index gives it.
    pub size: Option<u64>,
    /// The upload time (ISO 8601), when the index gives it.
    pub upload_time: Option<String>,
}

impl IndexFile {
    /// The kind of distribution, by extension.
    pub fn kind(&self) -> DistKind {
        DistKind::of(&self.filename)
    }

    /// Sets `requires_python` and `requires_python_raw` from the raw value,
    /// treating an unparsable value as absent.
    pub(crate) fn set_requires_python(&mut self, raw: Option<String>) {
        let raw = raw
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty());
        self.requires_python = raw
            .as_deref()
            .and_then(|value| value.parse::<VersionSpecifiers>().ok());
        self.requires_python_raw = raw;
    }

    /// Like [`Self::set_requires_python`], taking the parsed value from
    /// `previous` when its raw value is the same: a page lists the files
    /// of a release one after the other, with one `Requires-Python`.
    pub(crate) fn set_requires_python_after(
        &mut self,
        raw: Option<String>,
        previous: Option<&IndexFile>,
    ) {
        let trimmed = raw
            .as_deref()
            .map(str::trim)
            .filter(|value| !value.is_empty());
        match previous {
            Some(previous) if previous.requires_python_raw.as_deref() == trimmed => {
                self.requires_python = previous.requires_python.clone();
                self.requires_python_raw = previous.requires_python_raw.clone();
            }
            _ => self.set_requires_python(raw),
        }
    }
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
    /// Lowercase hex sha256 of the content.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Where it now is (the requested destination).
    pub path: PathBuf,
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

    /// The core metadata of one file (wheel or sdist).
    fn core_metadata(&self, file: &IndexFile) -> Result<CoreMetadata, IndexError>;

    /// Downloads a file to `dest`, verifying its sha256 when known. The file
    /// appears at `dest` only when complete and verified.
    fn fetch(&self, file: &IndexFile, dest: &Path) -> Result<FetchedFile, IndexError>;

    /// The size of a file in bytes: the index's own figure when its page
    /// gave one, otherwise whatever the index can tell without downloading
    /// the whole file where it can avoid it.
    fn file_size(&self, file: &IndexFile) -> Result<u64, IndexError> {
        file.size.ok_or_else(|| IndexError::BadPage {
            url: file.url.clone(),
            reason: format!("the index gives no size for {}", file.filename),
        })
    }

    /// The core metadata of many files, in parallel; results are in input order.
    fn core_metadata_many(&self, files: &[IndexFile]) -> Vec<Result<CoreMetadata, IndexError>> {
        files
            .par_iter()
            .map(|file| self.core_metadata(file))
            .collect()
    }
}
