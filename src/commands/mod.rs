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
pub(crate) mod terminal;
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

/// What `--check` decides before any difference is described: a missing
/// or identical file ends the check (with its exit code); otherwise the
/// first line of the report. `command` is the one that would write it.
fn stale_or_settled(
    output: &std::path::Path,
    previous_text: Option<&str>,
    text: &str,
    command: &str,
    quiet: bool,
) -> Result<String, ExitCode> {
    let Some(previous_text) = previous_text else {
        terminal::say(&format!(
            "{} does not exist; run `{command}` to create it",
            output.display()
        ));
        return Err(ExitCode::FAILURE);
    };
    if previous_text == text {
        if !quiet {
            terminal::say(&format!("{} is up to date", output.display()));
        }
        return Err(ExitCode::SUCCESS);
    }
    Ok(format!(
        "{} is stale: `{command}` would change it",
        output.display()
    ))
}
