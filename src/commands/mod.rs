//! What each command does.

use std::process::ExitCode;

use miette::Diagnostic;
use thiserror::Error;

use crate::cli::{Cli, Command};

mod indexes;
mod lock;
mod progress;
mod review;

/// Failures that belong to the command line itself rather than to a library.
#[derive(Debug, Error, Diagnostic)]
pub enum CliError {
    /// The command exists in the interface but its work has not landed yet.
    #[error("`envlock {command}` is not available in this build yet")]
    #[diagnostic(
        code(envlock::not_yet_available),
        help("see the Status section of the README for what each command does today")
    )]
    NotYetAvailable {
        /// The command's name.
        command: &'static str,
    },
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> miette::Result<ExitCode> {
    let command = cli.command.name();
    match cli.command {
        Command::Lock(args) => lock::run(&cli.global, &args),
        Command::Diff(args) => review::diff(&args),
        Command::Why(args) => review::why(&args),
        Command::Export(args) => review::export(&cli.global, &args),
        Command::Wheelhouse(_) | Command::Verify(_) => {
            Err(CliError::NotYetAvailable { command }.into())
        }
    }
}
