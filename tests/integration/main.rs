//! The integration tests of the `envlock` binary: one test binary (so it
//! links once), one module per area, and a small macro for the common shape
//! "run envlock in a fresh temporary folder".

#[macro_use]
mod util;

mod cli;
