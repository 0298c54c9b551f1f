//! envlock-lock's tests: one binary, each file a module, so that they are
//! linked once and share one copy of what they instantiate.

#![allow(clippy::expect_used, clippy::print_stdout, clippy::unwrap_used)]

mod diff;
mod export;
#[path = "../../../envlock-pep/tests/support/mutate.rs"]
mod mutate;
mod properties;
mod roundtrip;
mod why;
