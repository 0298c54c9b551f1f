//! Per-target resolution for envlock.
//!
//! Owns the resolution policy: PubGrub (the `pubgrub` crate) over the
//! configured indexes, once per declared target, with markers evaluated and
//! wheels chosen for that target, producing an `envlock-lock` lock. An
//! existing lock serves as preferences so that re-locking is stable. The
//! policy itself is written down in the `provider` module.
//!
//! Targets are resolved in parallel and share one view of the indexes, so a
//! project page or a release's metadata is fetched once for all of them.
//!
//! The spec's resources (plain files, not packages) are locked beside the
//! packages by [`lock_resources`]: fetched once, pinned by sha256 and size.

mod error;
mod host_build;
mod inputs;
mod interpreters;
mod project;
mod provider;
mod report;
mod reporter;
mod resolve;
mod resources;
mod sdist_build;
mod shared;

pub use error::ResolveError;
pub use interpreters::{InterpreterOutcome, InterpreterRequest, lock_interpreters};
pub use reporter::{Reporter, Silent};
pub use resolve::{Leftovers, LockOutcome, LockRequest, Upgrade, lock};
pub use resources::{ResourceOutcome, ResourceRequest, lock_resources};
pub use sdist_build::{BuildRun, SdistBuilder};
pub use shared::FetchCounts;
