//! Turning library errors into `miette` reports: the one place that knows
//! about terminals, source snippets and `help:` lines.

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// An error that points into a file the user wrote.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
struct Located {
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

fn join_hints(hints: Vec<String>) -> Option<String> {
    (!hints.is_empty()).then(|| hints.join("\n"))
}

/// A report for a spec or requirements-file error, underlining the text.
pub fn spec_error(error: envlock_spec::SpecError) -> miette::Report {
    match error.location {
        Some(location) => {
            let (line, column) = location.line_column();
            let name = format!("{}:{line}:{column}", location.path.display());
            let span =
                SourceSpan::from(location.span.start..location.span.end.max(location.span.start));
            miette::Report::new(Located {
                message: error.message,
                source_code: NamedSource::new(name, location.text.to_string()),
                span,
                help: error.hint,
            })
        }
        None => miette::Report::new(Plain {
            message: error.message,
            help: error.hint,
        }),
    }
}

/// A report for a lockfile that cannot be read.
pub fn lock_error(path: &std::path::Path, error: envlock_lock::LockError) -> miette::Report {
    let help = error.hint().map(str::to_owned);
    match (&error, std::fs::read_to_string(path)) {
        (
            envlock_lock::LockError::Syntax {
                span: Some(span),
                message,
            },
            Ok(text),
        ) => miette::Report::new(Located {
            message: format!(
                "{}: not a valid envlock lockfile: {message}",
                path.display()
            ),
            source_code: NamedSource::new(path.display().to_string(), text),
            span: SourceSpan::from(span.clone()),
            help,
        }),
        _ => miette::Report::new(Plain {
            message: format!("{}: {error}", path.display()),
            help,
        }),
    }
}

/// A report for any error with a chain of causes and optional hints.
pub fn chained(error: &dyn std::error::Error, hints: Vec<String>) -> miette::Report {
    let message = envlock_index::join_causes(error, "\n  caused by: ");
    miette::Report::new(Plain {
        message,
        help: join_hints(hints),
    })
}

/// A report for an index-client error.
pub fn index_error(error: &envlock_index::IndexError) -> miette::Report {
    use envlock_index::IndexError;
    let hints = match error {
        IndexError::Network { .. } => vec![
            "check the index URL and the network; behind a TLS-intercepting proxy, pass its CA with --cert or SSL_CERT_FILE".to_owned(),
        ],
        IndexError::Status { status: 401 | 403, .. } => vec![
            "give credentials in the index URL (https://user:token@host/…) or in ~/.netrc".to_owned(),
        ],
        _ => Vec::new(),
    };
    chained(error, hints)
}

/// A report for a resolution failure.
pub fn resolve_error(error: &envlock_resolver::ResolveError) -> miette::Report {
    match error {
        envlock_resolver::ResolveError::Index { source, .. } => {
            let mut report_hints = error.hints();
            if let envlock_index::IndexError::Offline { .. } = source.as_ref() {
                report_hints.clear();
            }
            chained(error, report_hints)
        }
        _ => chained(error, error.hints()),
    }
}

/// A report made here, with an optional hint.
pub fn plain(message: String, help: Option<String>) -> miette::Report {
    miette::Report::new(Plain { message, help })
}
