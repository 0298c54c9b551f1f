//! envlock-import's tests: one binary, each file a module, so that they are
//! linked once and share one copy of what they instantiate.

#![allow(clippy::unwrap_used, missing_docs)]

mod import;
#[path = "../../../envlock-pep/tests/support/mutate.rs"]
mod mutate;
mod properties;
