//! Flattening an error and its causes into one line of text.
//!
//! It lives here because this is the lowest crate that needs it (the index
//! client turns a transport error's whole chain into the reason of an
//! [`IndexError::Network`](crate::IndexError::Network)); the binary, which
//! renders every other chain, depends on this crate anyway. `envlock-fs`
//! owns files and hashes and `envlock-pep` packaging names, so neither fits.

/// The error's message followed by each of its causes' messages, outermost
/// first, joined by `separator`.
pub fn join_causes(error: &dyn std::error::Error, separator: &str) -> String {
    let mut text = error.to_string();
    for cause in std::iter::successors(error.source(), |cause| cause.source()) {
        text.push_str(separator);
        text.push_str(&cause.to_string());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn joins_every_cause_outermost_first() {
        let inner = std::io::Error::other("inner");
        assert_eq!(join_causes(&Outer(inner), ": "), "outer: inner");
        assert_eq!(join_causes(&std::io::Error::other("alone"), ": "), "alone");
    }
}
