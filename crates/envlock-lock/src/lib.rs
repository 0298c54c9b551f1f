//! The envlock lockfile: its model and its TOML wire format.
//!
//! This crate knows nothing of the solver or the network: it reads, writes,
//! validates, diffs and exports locks. Design goal: the encoding is
//! byte-for-byte reproducible (same lock, same bytes), sorted, and free of
//! anything that changes from run to run, so that a lock reviews well in a
//! pull request.
//!
//! The lockfile format is filled in by the `envlock lock` work; see the
//! README for its status.
