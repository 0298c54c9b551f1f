//! envlock-pep's tests: one binary, each file a module, so that they are
//! linked once and share one copy of what they instantiate.

#![allow(clippy::unwrap_used)]

mod bad_input;
#[path = "../support/mutate.rs"]
mod mutate;
mod packaging_fixtures;
mod properties;
