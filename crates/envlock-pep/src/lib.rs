//! Python packaging standards as envlock needs them, for a *target* rather
//! than the host.
//!
//! This crate owns:
//! - package names, PEP 440 versions and specifiers, PEP 508 requirements and
//!   markers (re-exported from `pep440_rs` and `pep508_rs`), and
//!   [`specifiers_to_ranges`], the specifier → resolver range conversion that
//!   honours PEP 440's local version rules;
//! - targets ([`Target`]): a CPython version ([`PythonVersion`]) plus a
//!   [`Platform`] (`manylinux_2_28_x86_64`, `musllinux_1_2_aarch64`,
//!   `macosx_11_0_arm64`, `win_amd64`, …) and the documented shorthands
//!   (`manylinux`, `musllinux`, `macos`, `windows`);
//! - a target's PEP 508 marker environment and its ordered PEP 425 tag list
//!   ([`Tags`]), exactly as Python's `packaging` library computes them for
//!   that interpreter and platform (checked against fixtures it generated);
//! - wheel and source distribution file names ([`WheelFilename`],
//!   [`SourceDistFilename`], [`DistFilename`]), and ranking the wheels of a
//!   release for a target ([`rank_wheels`]), with an explanation when none
//!   fits ([`NoCompatibleWheel`]);
//! - relocatable CPython archives ([`InterpreterArchive`]): the
//!   python-build-standalone `install_only` file names and whether a
//!   [`Triple`] fits a platform;
//! - the [`Hint`] every library error of envlock gives, and [`Silent`], the
//!   reporter that reports nothing.
//!
//! Design goal: nothing here looks at the machine it runs on. Markers are
//! evaluated and wheels are chosen for the declared target, never the host.

mod guard;
mod interpreter;
mod platform;
mod python;
mod ranges;
mod rank;
mod report;
mod tag;
mod tags;
mod target;
mod wheel;

pub use pep440_rs::{Operator, Version, VersionSpecifier, VersionSpecifiers};
pub use pep508_rs::{
    ExtraName, MarkerEnvironment, MarkerEnvironmentBuilder, MarkerTree, PackageName, Requirement,
};

pub use guard::{
    MAX_MARKER_DEPTH, MarkerDepthError, UnsafeRequirement, check_marker, check_marker_depth,
    check_requirement,
};
pub use interpreter::{
    ArchiveNameError, InterpreterArchive, STANDALONE_GLIBC_MINOR, Triple, check_build,
};
pub use platform::{Arch, Platform, PlatformError, PlatformFamily};
pub use python::{PythonVersion, PythonVersionError};
pub use ranges::{specifier_to_range, specifiers_to_ranges};
pub use rank::{NoCompatibleWheel, rank_wheels};
pub use report::{Hint, Silent, join_hints};
pub use tag::Tag;
pub use tags::Tags;
pub use target::{Target, TargetError};
pub use version_ranges::Ranges;
pub use wheel::{
    BuildTag, DistFilename, DistFilenameError, DistKind, SourceDistExtension, SourceDistFilename,
    SourceDistFilenameError, WheelFilename, WheelFilenameError, WheelNameParts, is_sdist,
};
