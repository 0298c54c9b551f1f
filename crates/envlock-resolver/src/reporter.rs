//! Progress reporting without knowing about terminals: the CLI implements
//! [`Reporter`] with a progress bar; tests and libraries pass [`Silent`].

/// Receives progress events from a resolution. Called from several threads.
pub trait Reporter: Send + Sync {
    /// A project page was fetched (or read from the cache).
    fn project_fetched(&self, _name: &str) {}
    /// A file on a project's page was set aside as unusable (`message`
    /// names it, its URL and why); it never enters a lock.
    fn file_ignored(&self, _project: &str, _message: &str) {}
    /// A release's metadata was fetched (or read from the cache).
    fn metadata_fetched(&self, _filename: &str) {}
    /// A target's resolution finished with this many packages.
    fn target_resolved(&self, _target: &str, _packages: usize) {}
}

pub use envlock_pep::Silent;

/// Reports nothing (the same no-op type the wheelhouse builder takes).
impl Reporter for Silent {}
