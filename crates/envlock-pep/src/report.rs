//! What every library crate of envlock offers the CLI for talking to the
//! user: a [`Hint`] on each error, and [`Silent`], the progress reporter
//! that reports nothing.
//!
//! They live here because this is the one crate every other library crate
//! depends on; nothing here knows about terminals.

/// Advice on what to do about an error, implemented by every library error
/// type of envlock.
///
/// A trait rather than an inherent method on each error, so that the CLI
/// renders every error's hint through one function that takes any
/// `&dyn Hint`, and so that one error can ask another it wraps for its hint
/// without knowing its type. The text of a hint lives beside the error it is
/// about, in the crate that defines that error.
pub trait Hint: std::error::Error {
    /// What the user can do about the error, when there is something to say.
    /// Several pieces of advice are lines of one hint.
    fn hint(&self) -> Option<String>;
}

/// Joins pieces of advice into one hint, a line each; `None` when there are
/// none.
pub fn join_hints<I>(hints: I) -> Option<String>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let lines: Vec<String> = hints
        .into_iter()
        .map(|hint| hint.as_ref().to_owned())
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// A progress reporter that reports nothing, for tests and library callers.
/// Each crate that reports progress (the resolver, the wheelhouse builder)
/// implements its own `Reporter` trait for this one type.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

// The errors of this crate are about values the user typed; their messages
// already say what is accepted, so they carry no separate hint.
macro_rules! no_hint {
    ($($error:ty),* $(,)?) => {
        $(impl Hint for $error {
            fn hint(&self) -> Option<String> {
                None
            }
        })*
    };
}

no_hint!(
    crate::PlatformError,
    crate::PythonVersionError,
    crate::TargetError,
    crate::WheelFilenameError,
    crate::SourceDistFilenameError,
    crate::DistFilenameError,
);
