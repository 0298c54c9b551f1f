//! Per-target resolution for envlock.
//!
//! Owns the resolution policy: PubGrub (the `pubgrub` crate) over the
//! configured indexes, once per declared target, with markers evaluated and
//! wheels chosen for that target, producing an `envlock-lock` lock. An
//! existing lock serves as preferences so that re-locking is stable.
//!
//! The resolver is filled in by the `envlock lock` work; see the README for
//! its status.
