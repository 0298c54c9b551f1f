//! What each command does.

use std::process::ExitCode;

use crate::cli::{Cli, Command};

mod import;
mod indexes;
mod init;
mod lock;
mod pip_index;
mod progress;
mod publish;
mod review;
mod wheelhouse;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> miette::Result<ExitCode> {
    match cli.command {
        Command::Init(args) => init::run(&cli.global, &args),
        Command::Lock(args) => lock::run(&cli.global, &args),
        Command::Import(args) => import::run(&cli.global, &args),
        Command::Diff(args) => review::diff(&args),
        Command::Why(args) => review::why(&args),
        Command::Export(args) => review::export(&cli.global, &args),
        Command::Wheelhouse(args) => wheelhouse::build(&cli.global, &args),
        Command::Verify(args) => wheelhouse::verify(&cli.global, &args),
        Command::Publish(args) => publish::run(&cli.global, &args),
    }
}
