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
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(report) => {
            // The one place a report reaches the terminal.
            #[allow(clippy::print_stderr)]
            {
                eprintln!("{report:?}");
            }
            ExitCode::FAILURE
        }
    }
}
