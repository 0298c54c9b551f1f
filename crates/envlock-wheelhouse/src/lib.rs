//! The envlock wheelhouse builder.
//!
//! Owns turning a lock and a choice of targets into a verified, hermetic
//! wheelhouse: every locked file fetched in parallel, its sha256 and size
//! checked while streaming, written under a temporary name and renamed only
//! once verified, plus the exports that let plain `pip --no-index` install
//! from it on the far side of an air gap.
//!
//! The builder is filled in by the `envlock wheelhouse` work; see the README
//! for its status.
