//! The envlock command line: argument parsing, commands, progress and
//! diagnostics. Libraries return typed errors; only this binary turns them
//! into `miette` reports.
//!
//! Exit codes: 0 success, 1 a failure the report explains, 2 a usage error
//! (clap's own convention).

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;
mod diagnostics;

fn main() -> ExitCode {
    tune_malloc();
    unwrapped_reports_off_terminal();
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(report) => {
            // The one place a report reaches the terminal.
            commands::terminal::say(&format!("{report:?}"));
            ExitCode::FAILURE
        }
    }
}

/// Reports wrap to the terminal's width on a terminal, and not at all
/// elsewhere: a CI log or a script grepping stderr gets each message on one
/// line, whatever the length of the paths in it.
fn unwrapped_reports_off_terminal() {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        // Only fails if a hook is already set, and none is.
        let _ = miette::set_hook(Box::new(|_| {
            Box::new(miette::MietteHandlerOpts::new().wrap_lines(false).build())
        }));
    }
}

/// Tunes glibc's malloc for a process that holds tens of megabytes of
/// small records while megabyte buffers come and go.
///
/// - At most two arenas. envlock fetches with dozens of I/O threads; by
///   default glibc gives each thread its own arena (up to eight per core)
///   and keeps freed memory in each, which put peak RSS of the ClearML lock
///   near twice its heap (about 175 MiB for 85 MiB of heap). With two
///   arenas the peak stays near the heap, at no measurable cost in time:
///   the threads mostly wait on the network. (mimalloc, tried instead,
///   held more: 250–430 MiB.)
/// - Blocks of 2 MiB and more (the largest page bodies, the vectors a
///   large page is parsed into) always get their own mapping, given back
///   to the system when freed. By default glibc raises that threshold to
///   the largest block freed so far, after which such blocks are carved
///   from the arenas and their space stays there, between the records that
///   outlive them: the cold 25-target lock peaked at 64–69 MiB, and at
///   60–62 MiB with this. (256 KiB saved as much but made the warm ClearML
///   lock 5 % slower: every mapped block is zero-filled page by page.)
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn tune_malloc() {
    // SAFETY: `mallopt` only changes allocator tuning; it is called once,
    // before any other thread exists. Its result (0 on failure) only means
    // the default stays in force.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 2 * 1024 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_malloc() {}
