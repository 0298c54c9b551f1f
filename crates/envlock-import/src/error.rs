//! What can go wrong importing a lock; every variant says where and what to do.

use std::path::PathBuf;

/// An import failure.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The source could not be read.
    #[error("cannot read {}: {reason}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The source is not valid in its format.
    #[error("{}: {place}: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Where in it (`line 3`, `package flask 3.0.3`).
        place: String,
        /// What is wrong.
        reason: String,
    },
    /// An entry a lock of index files cannot hold (direct URL, VCS, path, editable).
    #[error("{}: {place}: {what} entries cannot be imported", path.display())]
    NotFromIndex {
        /// The file.
        path: PathBuf,
        /// The entry.
        place: String,
        /// `a direct URL`, `a VCS`, `a local path`, `an editable`.
        what: String,
    },
    /// A package has no hash in the source.
    #[error("{}: {package} has no sha256 hash in the source", path.display())]
    NoHashes {
        /// The file.
        path: PathBuf,
        /// The package (`name version`).
        package: String,
    },
    /// A target cannot be served by what the source lists.
    #[error("target `{target}` cannot be served by {}: {package}: {reason}", path.display())]
    TargetNotServed {
        /// The source.
        path: PathBuf,
        /// The target.
        target: String,
        /// The package (`name version`).
        package: String,
        /// Why.
        reason: String,
    },
    /// The index lists a file with another sha256 than the source.
    #[error("{file}: the source {} says sha256 {source_sha256}, the index `{index}` says {index_sha256}", path.display())]
    HashMismatch {
        /// The source.
        path: PathBuf,
        /// The file.
        file: String,
        /// The source's hash.
        source_sha256: String,
        /// The index.
        index: String,
        /// The index's hash.
        index_sha256: String,
    },
    /// A file is on none of the indexes.
    #[error("{file} ({package}) is not on the index{}: {}", if indexes.len() == 1 { "" } else { "es" }, indexes.join(", "))]
    NotOnIndex {
        /// The file (or, for a requirements file, the hashes looked for).
        file: String,
        /// The package.
        package: String,
        /// The indexes asked.
        indexes: Vec<String>,
    },
    /// A file's size is unknown and there is no index to ask.
    #[error("{file}: the source gives no size and no index is configured to learn it from")]
    NoSize {
        /// The file.
        file: String,
    },
    /// An index failed to answer.
    #[error("index `{index}`: {source}")]
    Index {
        /// The index.
        index: String,
        /// What it said.
        #[source]
        source: Box<envlock_index::IndexError>,
    },
}

impl envlock_pep::Hint for ImportError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            ImportError::Io { .. } => return None,
            ImportError::Invalid { .. } => "check that the file is what its name says; `--format` tells envlock which it is".to_owned(),
            ImportError::NotFromIndex { .. } => "a lock names files from a package index; publish the package to an index, or lock it with `envlock lock` from a spec".to_owned(),
            ImportError::NoHashes { .. } => "regenerate the source with hashes (`pip-compile --generate-hashes`, `uv pip compile --generate-hashes`), or pass --fetch-hashes to take them from the index".to_owned(),
            ImportError::TargetNotServed { .. } => "lock the source for this target too (a universal uv.lock, or `--python-platform`/`--python-version` of the tool that wrote it), or drop the target".to_owned(),
            ImportError::HashMismatch { .. } => "the file was republished or tampered with, or the source was made against another index; find out which before trusting either".to_owned(),
            ImportError::NotOnIndex { .. } => "point envlock at the index the source was made against (--index-url, ENVLOCK_INDEX_URL, pip's configuration)".to_owned(),
            ImportError::NoSize { .. } => "configure the index the source was made against (--index-url, ENVLOCK_INDEX_URL), so sizes are learnt from it".to_owned(),
            ImportError::Index { .. } => return None,
        })
    }
}
