//! Turning library errors into `miette` reports: the one place that knows
//! about terminals, source snippets and `help:` lines.
//!
//! Every library error implements [`envlock_pep::Hint`]; its hint becomes the
//! report's `help:` through [`help`], and nowhere else.

use envlock_pep::Hint;
use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// An error that underlines the text it is about in a file the user wrote.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
struct Underlined {
    message: String,
    #[source_code]
    source_code: NamedSource<String>,
    #[label("here")]
    span: SourceSpan,
    #[help]
    help: Option<String>,
}

/// An error with no place to point at, but perhaps advice.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
struct Plain {
    message: String,
    #[help]
    help: Option<String>,
}

/// The `help:` text of any library error: its hint.
fn help(error: &dyn Hint) -> Option<String> {
    error.hint()
}

/// A report for any library error: its message, each cause on a line of its
/// own, and its hint.
pub fn report(error: &dyn Hint) -> miette::Report {
    plain(with_causes(error), help(error))
}

/// The error's message followed by `caused by:` lines for its causes.
fn with_causes(error: &dyn std::error::Error) -> String {
    envlock_index::join_causes(error, "\n  caused by: ")
}

/// A report for a spec or requirements-file error, underlining the text.
pub fn spec_error(error: envlock_spec::SpecError) -> miette::Report {
    let help = help(&error);
    match error.location {
        Some(location) => {
            let (line, column) = location.line_column();
            let name = format!("{}:{line}:{column}", location.path.display());
            let span =
                SourceSpan::from(location.span.start..location.span.end.max(location.span.start));
            miette::Report::new(Underlined {
                message: error.message,
                source_code: NamedSource::new(name, location.text.to_string()),
                span,
                help,
            })
        }
        None => plain(error.message, help),
    }
}

/// A report for a lockfile that cannot be read.
pub fn lock_error(path: &std::path::Path, error: envlock_lock::LockError) -> miette::Report {
    let help = help(&error);
    match (&error, std::fs::read_to_string(path)) {
        (
            envlock_lock::LockError::Syntax {
                span: Some(span),
                message,
            },
            Ok(text),
        ) => miette::Report::new(Underlined {
            message: format!(
                "{}: not a valid envlock lockfile: {message}",
                path.display()
            ),
            source_code: NamedSource::new(path.display().to_string(), text),
            span: SourceSpan::from(span.clone()),
            help,
        }),
        _ => plain(format!("{}: {error}", path.display()), help),
    }
}

/// A report for a lock given as text (not a file) that cannot be read.
pub fn lock_text_error(origin: &str, error: &envlock_lock::LockError) -> miette::Report {
    plain(format!("{origin}: {error}"), help(error))
}

/// A report for a wheelhouse failure; when some files could not be fetched,
/// the first few are listed, each with its causes and hint.
pub fn wheelhouse_error(error: &envlock_wheelhouse::WheelhouseError) -> miette::Report {
    let envlock_wheelhouse::WheelhouseError::Incomplete { failures, .. } = error else {
        return report(error);
    };
    // The first few failures tell the story; a page of identical ones
    // hides it.
    const SHOWN: usize = 10;
    let mut details: Vec<String> = failures
        .iter()
        .take(SHOWN)
        .map(|failure| {
            let mut text = envlock_index::join_causes(failure, ": ");
            if let Some(hint) = help(failure) {
                text.push_str(&format!("\n    hint: {hint}"));
            }
            format!("  - {text}")
        })
        .collect();
    if failures.len() > SHOWN {
        details.push(format!("  … and {} more", failures.len() - SHOWN));
    }
    plain(format!("{error}:\n{}", details.join("\n")), help(error))
}

/// A report made here, with an optional hint.
pub fn plain(message: String, help: Option<String>) -> miette::Report {
    miette::Report::new(Plain { message, help })
}
