//! Status lines for the person at the terminal (standard error) and data
//! for the next program of a pipe (standard output).
//!
//! A reader that goes away early (`envlock lock 2>&1 | head -1`) must not
//! make envlock panic halfway through its work: `eprintln!` and `print!`
//! panic when a write fails, and a panic in one of a lock's threads ends in
//! an abort. Write errors are ignored here instead; what envlock makes goes
//! to files, written whole or not at all, so nothing is lost with the
//! messages.

use std::io::Write;

/// A status line on standard error.
pub(crate) fn say(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Data on standard output, as given (no newline added).
pub(crate) fn print_out(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
