//! Python packaging standards as envlock needs them, for a *target* rather
//! than the host.
//!
//! This crate owns:
//! - package names, PEP 440 versions and specifiers, PEP 508 requirements and
//!   markers (re-exported from `pep440_rs` and `pep508_rs`);
//! - targets: a CPython version plus a platform (`manylinux_2_28_x86_64`,
//!   `musllinux_1_2_aarch64`, `macosx_11_0_arm64`, `win_amd64`, …) and the
//!   documented shorthands (`manylinux`, `musllinux`, `macos`, `windows`);
//! - a target's PEP 508 marker environment and its ordered PEP 425 tag list,
//!   exactly as Python's `packaging` library computes them for that
//!   interpreter and platform;
//! - wheel file names, and ranking the wheels of a release for a target.
//!
//! Design goal: nothing here looks at the machine it runs on. Markers are
//! evaluated and wheels are chosen for the declared target, never the host.

pub use pep440_rs::{Operator, Version, VersionSpecifier, VersionSpecifiers};
pub use pep508_rs::{
    ExtraName, MarkerEnvironment, MarkerEnvironmentBuilder, MarkerTree, PackageName, Requirement,
};
