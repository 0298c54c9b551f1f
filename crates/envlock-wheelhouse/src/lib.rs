//! The envlock wheelhouse builder.
//!
//! Turns a lock and a choice of its targets into a verified, hermetic
//! wheelhouse: every locked file for those targets, fetched in parallel,
//! checked against the lock's sha256 and size before it gets its final
//! name, plus what lets plain `pip --no-index` install from it on the far
//! side of an air gap (see the `layout` module for the folder's contents).
//!
//! Design goals:
//!
//! - **Nothing unverified in the folder.** Downloads land under temporary
//!   names and are renamed only once their hash matches the lock; a build
//!   that fails leaves verified files (so the next run resumes) and no
//!   `SHA256SUMS` (so the folder cannot pass for complete).
//! - **The lock decides, not the index.** Files are found on the index by
//!   name; a different hash on the index is an error, never a substitute.
//! - **As fast as the network.** A warm cache is used without asking the
//!   index anything; cold downloads run `jobs` at a time, largest first.
//! - **Plain files too.** The lock's resources (a `.deb`, an editor
//!   extension, a static binary) are placed under `resources/`, verified
//!   the same way, and the far side is told where to find everything
//!   (`clearml.env`, a Helm values override and a `clearml.conf` snippet;
//!   see the `far_side` module).
//! - **Reproducible carry.** [`write_archive`] gives identical bytes for
//!   identical wheelhouses.

mod archive;
mod build;
mod error;
mod far_side;
mod layout;
mod plan;
mod resources;
mod sdist;
mod verify;
mod wheel_build;

pub use archive::{ArchiveSummary, write_archive};
pub use build::{BuildRequest, BuildSummary, Origin, Reporter, SilentReporter, build};
pub use error::WheelhouseError;
pub use far_side::{DEFAULT_QUEUE, FarSide, IndexMode, ServeLocation};
pub use layout::write_far_side;
pub use plan::{PlatformSelector, select_targets};
pub use sdist::SourceBuild;
pub use verify::{Problem, VerifyReport, verify};
pub use wheel_build::{BuiltWheel, WheelBuildOptions};
