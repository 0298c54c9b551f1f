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

use std::path::PathBuf;

use envlock_lock::{Lock, decode};

/// A lock of `tests/fixtures`, read.
pub(crate) fn fixture(name: &str) -> Lock {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    decode(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

pub(crate) const CP38: &str = "cp38-manylinux_2_28_x86_64";
pub(crate) const CP312: &str = "cp312-manylinux_2_28_x86_64";
