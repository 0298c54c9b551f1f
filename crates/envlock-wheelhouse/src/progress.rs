//! What a build tells its caller while it runs.

use serde::Serialize;

/// Where a file of the wheelhouse came from in this build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// It was already in the folder, verified.
    AlreadyThere,
    /// Linked or copied from the local cache.
    Cache,
    /// Downloaded from an index.
    Downloaded,
}

/// Hears about the build's progress; every method has an empty default.
pub trait Reporter: Sync {
    /// The build needs `files` files of `bytes` bytes in all.
    fn planned(&self, _files: usize, _bytes: u64) {}
    /// One file is in place and verified.
    fn file_done(&self, _name: &str, _size: u64, _origin: Origin) {}
}

/// Reports nothing (the same no-op type the resolver takes).
impl Reporter for envlock_pep::Silent {}
