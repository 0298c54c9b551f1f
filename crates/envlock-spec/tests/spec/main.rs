//! envlock-spec's tests: one binary, each file a module, so that they are
//! linked once and share one copy of what they instantiate.

#![allow(clippy::unwrap_used)]

mod interpreter;
#[path = "../../../envlock-pep/tests/support/mutate.rs"]
mod mutate;
mod properties;
mod spec;
