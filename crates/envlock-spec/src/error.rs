//! Errors that point at the offending text.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use thiserror::Error;

/// Where in which file something is wrong: enough to print `file:line:column`
/// and, at the CLI, to underline the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub path: PathBuf,
    /// The file's whole text.
    pub text: Arc<str>,
    /// Byte offsets of the offending text within `text`.
    pub span: Range<usize>,
}

impl Location {
    /// The 1-based line and column (in characters) of the span's start.
    pub fn line_column(&self) -> (usize, usize) {
        let start = self.span.start.min(self.text.len());
        let before = self.text.get(..start).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        let column = before.get(line_start..).unwrap_or_default().chars().count() + 1;
        (line, column)
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (line, column) = self.line_column();
        write!(formatter, "{}:{line}:{column}", self.path.display())
    }
}

/// A spec or requirements file that cannot be used, with where and why.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("{}{message}", location.as_ref().map(|location| format!("{location}: ")).unwrap_or_default())]
pub struct SpecError {
    /// What is wrong.
    pub message: String,
    /// Where, when it is known.
    pub location: Option<Location>,
    /// What to do about it, when there is something specific to say; read
    /// it through [`envlock_pep::Hint`], as for every error of envlock.
    pub(crate) hint: Option<String>,
}

impl SpecError {
    /// An error at a place in a file.
    pub(crate) fn at(location: Location, message: impl Into<String>) -> SpecError {
        SpecError {
            message: message.into(),
            location: Some(location),
            hint: None,
        }
    }

    /// An error about a whole file (it cannot be read, say).
    pub(crate) fn file(path: &Path, message: impl Into<String>) -> SpecError {
        SpecError {
            message: format!("{}: {}", path.display(), message.into()),
            location: None,
            hint: None,
        }
    }

    /// Adds a hint.
    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> SpecError {
        self.hint = Some(hint.into());
        self
    }
}

impl envlock_pep::Hint for SpecError {
    fn hint(&self) -> Option<String> {
        self.hint.clone()
    }
}
