//! The envlock wheelhouse builder.
//!
//! Turns a lock and a choice of its targets into a verified, hermetic
//! wheelhouse: every locked file for those targets, fetched in parallel,
//! checked against the lock's sha256 and size before it gets its final
//! name, plus what lets plain `pip --no-index` install from it on the far
//! side of an air gap. What the folder holds is described once, in the
//! repository's README.md, section "Building a wheelhouse".
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

// Modules, each on top of those below it (none imports one above it):
//
// - `build`: the steps of a build in their order.
// - `fetch`: downloading what the folder lacks, pages and files in parallel.
// - `resources`: the lock's plain files under `resources/`.
// - `place`: putting one verified file in place (kept, from the cache, or
//   fetched from an index).
// - `verify`, `archive`: reading a built wheelhouse back.
// - the artifacts, one module each: `manifest` (`wheelhouse.toml`),
//   `simple_index` (`simple/`), `checksums` (`SHA256SUMS`), `exports`
//   (`requirements.txt`, `pylock.toml`), `readme` (`README.txt`),
//   `far_side` (the ClearML files), `install_script` (`install.sh`,
//   `install.ps1`).
// - `wheel_build` (`--build-wheels`), `sdist` (what the target builds).
// - `folder`: the folder's lifecycle and the names of its fixed files.
// - `plan` (targets and planned files), `progress` (`Reporter`, `Origin`).
// - `fsio`: atomic writes, hashing, temporary names.
// - `error`.

mod archive;
mod build;
mod checksums;
mod error;
mod exports;
mod far_side;
mod fetch;
mod folder;
mod fsio;
mod install_script;
mod manifest;
mod place;
mod plan;
mod progress;
mod readme;
mod resources;
mod sdist;
mod simple_index;
mod verify;
mod wheel_build;

pub use archive::{ArchiveSummary, write_archive};
pub use build::{BuildRequest, BuildSummary, build};
pub use envlock_pep::Silent;
pub use error::WheelhouseError;
pub use far_side::{DEFAULT_QUEUE, FarSide, IndexMode, ServeLocation, write_far_side};
pub use manifest::{Manifest, ManifestWheel, read_manifest};
pub use plan::{PlatformSelector, select_targets};
pub use progress::{Origin, Reporter};
pub use sdist::SourceBuild;
pub use verify::{Problem, VerifyReport, sha256_hex as lock_sha256, verify, verify_against};
pub use wheel_build::{BuiltWheel, WheelBuildOptions};
