//! The package-index client of envlock.
//!
//! It reads the projects of Python package indexes — PEP 691 JSON and
//! PEP 503 HTML Simple API pages over HTTP, or a local find-links directory —
//! and the core metadata of their files: PEP 658 metadata files when the index
//! offers them, otherwise `*.dist-info/METADATA` read from the remote wheel
//! with two HTTP range requests, or the static metadata of an sdist.
//!
//! All network work goes through one shared, pooled blocking HTTP client
//! ([`IndexClient`]) with retries, credentials (URL userinfo or `.netrc`),
//! the system trust store plus extra roots, and an on-disk [`Cache`].
//! Batch work runs on the client's own I/O-sized thread pool.
//!
//! Credentials never appear in errors or logs: every URL is shown through
//! [`SafeUrl`], which masks the userinfo, and a listed file's URL (kept
//! as text, see [`IndexFile::url`]) through [`IndexFile::shown_url`], which
//! masks it the same way.

mod cache;
mod causes;
mod client;
mod config;
mod env;
mod error;
mod file_names;
mod file_url;
mod find_links;
mod http_index;
mod metadata;
mod plain_file;
mod remote_zip;
mod safe_url;
mod simple;
mod stamp;
mod types;

pub use cache::Cache;
pub use causes::join_causes;
pub use client::{ClientOptions, DEFAULT_PAGE_MAX_AGE, IndexClient, Slots};
pub use config::{
    ConfiguredIndex, IndexLocation, IndexSources, IndexUrls, PipConfigFile, SpecIndex,
};
pub use env::EnvVars;
pub use error::IndexError;
pub use find_links::FindLinks;
pub use http_index::HttpIndex;
pub use metadata::{
    DEFAULT_MAX_ARCHIVE_ENTRIES, DEFAULT_MAX_ARCHIVE_MEMBER_SIZE, check_unpacked_member,
    parse_core_metadata, set_archive_limits, wheel_metadata_from_bytes,
};
pub use plain_file::FileSource;
pub use safe_url::{SafeUrl, redacted};
pub use types::{
    CacheKeeps, CoreMetadata, DistKind, FetchedFile, IndexFile, MetadataFile, PackageIndex,
    ProjectPage, RequiresPython,
};
