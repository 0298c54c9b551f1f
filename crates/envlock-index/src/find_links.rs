//! A local directory of wheels and sdists used as an index (pip's
//! `--find-links DIR`), e.g. a carried wheelhouse on the air-gapped side.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use envlock_pep::PackageName;
use url::Url;

use crate::error::IndexError;
use crate::metadata::{parse_core_metadata, sdist_metadata, wheel_metadata_from_bytes};
use crate::safe_url::SafeUrl;
use crate::types::{
    CacheKeeps, CoreMetadata, DistKind, FetchedFile, IndexFile, PackageIndex, ProjectPage,
};

/// A directory of distribution files, read as an index. Files are matched
/// to projects by the name part of their file names.
#[derive(Debug, Clone)]
pub struct FindLinks {
    name: String,
    dir: PathBuf,
}

/// The normalised project name a distribution file name belongs to.
fn project_of(filename: &str) -> Option<PackageName> {
    let stem = match DistKind::of(filename) {
        DistKind::Wheel => filename.split('-').next()?,
        DistKind::Sdist => {
            let lower = filename.to_ascii_lowercase();
            let cut = if lower.ends_with(".tar.gz") { 7 } else { 4 };
            let base = &filename[..filename.len() - cut];
            base.rsplit_once('-')?.0
        }
        DistKind::Other => return None,
    };
    PackageName::from_str(stem).ok()
}

fn path_of(file: &IndexFile) -> Result<PathBuf, IndexError> {
    file.url()?
        .as_url()
        .to_file_path()
        .map_err(|()| IndexError::InvalidUrl {
            url: file.shown_url(),
            origin: "a find-links directory".to_owned(),
            reason: "not a local file URL".to_owned(),
        })
}

fn hash_file(path: &Path) -> Result<(envlock_fs::Sha256, u64), IndexError> {
    envlock_fs::sha256_file(path).map_err(|error| IndexError::io("cannot read", path, error))
}

impl FindLinks {
    /// The directory `dir`, as an index called `name`.
    pub fn new(name: &str, dir: impl Into<PathBuf>) -> Result<Self, IndexError> {
        let dir = dir.into();
        let dir = std::fs::canonicalize(&dir)
            .map_err(|error| IndexError::io("cannot open the find-links directory", &dir, error))?;
        if !dir.is_dir() {
            return Err(IndexError::io(
                "cannot use as a find-links directory",
                &dir,
                std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
            ));
        }
        Ok(Self {
            name: name.to_owned(),
            dir,
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl PackageIndex for FindLinks {
    fn name(&self) -> &str {
        &self.name
    }

    fn has_cached_page(&self, _name: &PackageName) -> bool {
        true
    }

    fn project(&self, name: &PackageName) -> Result<ProjectPage, IndexError> {
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|error| IndexError::io("cannot list", &self.dir, error))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.is_file())
            .collect();
        paths.sort();
        let mut files = Vec::new();
        for path in paths {
            let Some(filename) = path.file_name().and_then(|name| name.to_str()) else {
                continue;
            };
            if project_of(filename).as_ref() != Some(name) {
                continue;
            }
            let (sha256, size) = hash_file(&path)?;
            let url = Url::from_file_path(&path).map_err(|()| IndexError::InvalidUrl {
                url: path.display().to_string(),
                origin: "a find-links directory".to_owned(),
                reason: "cannot be expressed as a file URL".to_owned(),
            })?;
            files.push(IndexFile {
                sha256: Some(sha256),
                size: Some(size),
                ..IndexFile::new(filename, &url)
            });
        }
        if files.is_empty() {
            return Err(IndexError::ProjectNotFound {
                project: name.to_string(),
                index: self.name.clone(),
            });
        }
        let url = Url::from_directory_path(&self.dir).map_err(|()| IndexError::InvalidUrl {
            url: self.dir.display().to_string(),
            origin: "a find-links directory".to_owned(),
            reason: "cannot be expressed as a file URL".to_owned(),
        })?;
        Ok(ProjectPage {
            name: name.clone(),
            url: SafeUrl::new(url),
            files,
            ignored: Vec::new(),
            nonconforming: Vec::new(),
        })
    }

    fn core_metadata(&self, file: &IndexFile) -> Result<CoreMetadata, IndexError> {
        let path = path_of(file)?;
        let source = path.display().to_string();
        let bytes =
            std::fs::read(&path).map_err(|error| IndexError::io("cannot read", &path, error))?;
        let metadata = match file.kind() {
            DistKind::Wheel => wheel_metadata_from_bytes(&bytes, &file.filename, &source)?,
            DistKind::Sdist => sdist_metadata(&file.filename, &bytes, &source)?,
            DistKind::Other => {
                return Err(IndexError::BadArchive {
                    source_name: source,
                    reason: "not a wheel or an sdist".to_owned(),
                });
            }
        };
        parse_core_metadata(&metadata, &source)
    }

    /// A local file is copied; the cache is not involved.
    fn fetch(
        &self,
        file: &IndexFile,
        dest: &Path,
        _keeps: CacheKeeps,
    ) -> Result<FetchedFile, IndexError> {
        let source_path = path_of(file)?;
        let mut input = std::fs::File::open(&source_path)
            .map_err(|error| IndexError::io("cannot open", &source_path, error))?;
        let mut temporary = envlock_fs::AtomicFile::create(dest)
            .map_err(|error| IndexError::io("cannot create a temporary file for", dest, error))?;
        let mut output = envlock_fs::HashingWriter::new(&mut temporary);
        std::io::copy(&mut input, &mut output)
            .map_err(|error| IndexError::io("cannot copy", &source_path, error))?;
        let (sha256, size, _) = output.finish();
        if let Some(expected) = file.sha256
            && sha256 != expected
        {
            return Err(IndexError::HashMismatch {
                filename: file.filename.clone(),
                source_name: source_path.display().to_string(),
                expected: expected.to_hex(),
                actual: sha256.to_hex(),
            });
        }
        temporary
            .commit()
            .map_err(|error| IndexError::io("cannot write", dest, error))?;
        Ok(FetchedFile {
            sha256,
            size,
            path: dest.to_path_buf(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_file_names() {
        let name = |text: &str| project_of(text).map(|name| name.to_string());
        assert_eq!(
            name("Foo_Bar-1.0-py3-none-any.whl").as_deref(),
            Some("foo-bar")
        );
        assert_eq!(name("foo-bar-1.0.tar.gz").as_deref(), Some("foo-bar"));
        assert_eq!(name("foo.bar-2.zip").as_deref(), Some("foo-bar"));
        assert_eq!(name("readme.txt"), None);
    }
}
