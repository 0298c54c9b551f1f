//! Saying that a test skipped, where the person running the tests sees it.
//!
//! The test harness captures what `println!` and `eprintln!` print and shows
//! it only for failing tests, so a skip printed with them is silent: the test
//! reads as passed. [`skip`] writes to the process's standard error directly,
//! which the harness does not capture.

use std::fmt::Display;
use std::io::Write as _;

/// Reports that the calling test skipped (all of it or a part), and why:
/// `SKIPPED: <reason>` on standard error, shown even when the test passes.
pub fn skip(reason: impl Display) {
    // Nothing useful is left to do if standard error cannot be written.
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED: {reason}");
}
