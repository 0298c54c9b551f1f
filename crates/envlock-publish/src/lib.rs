//! Publishing a verified wheelhouse into a site's package repository
//! (`envlock publish`).
//!
//! The carried set goes *into* the far side's own repository (pypiserver,
//! devpi, Artifactory, Nexus, a forge's package registry) through the
//! upload protocol twine speaks, and is checked there against the lock:
//!
//! - **Only a verified wheelhouse** is published ([`open_wheelhouse`] runs
//!   `envlock verify` first).
//! - **Idempotent and safe:** the repository's simple index is read first;
//!   a file it has with the lock's sha256 is skipped, one it has with
//!   another sha256 is an error for that file and nothing is uploaded for
//!   it.
//! - **Read back:** after the uploads every file of the chosen targets must
//!   be listed with the lock's sha256 (and, when asked, download to it).
//! - **Credentials the ecosystem's way** (see [`credentials`]), never
//!   printed or written.
//! - **Resources** go to a folder URL with HTTP PUT and are read back by
//!   their sha256.

pub mod credentials;
mod error;
mod publish;
mod remote;
pub mod repository;
mod resources;
mod upload;
mod wheelhouse;

pub use credentials::Credentials;
pub use error::PublishError;
pub use publish::{
    FileOutcome, FileReport, PublishReport, PublishRequest, Reporter, SilentReporter, publish,
};
pub use repository::Repository;
pub use upload::UploadFailure;
pub use wheelhouse::{Artifact, Wheelhouse, open as open_wheelhouse};
