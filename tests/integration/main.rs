//! The integration tests of the `envlock` binary: one test binary (so it
//! links once), one module per area, and a small macro for the common shape
//! "run envlock in a fresh temporary folder".

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[macro_use]
mod util;

mod builds;
mod cli;
mod conformance;
mod farside;
mod frontdoor;
mod hostile;
mod interpreter;
mod kit;
mod live;
mod lock;
mod outputs;
mod publish;
mod review;
mod universe;
mod wheelhouse;
