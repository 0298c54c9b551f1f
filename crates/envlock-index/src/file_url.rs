//! A listed file's URL, kept as text.
//!
//! A lock of many targets holds tens of thousands of file records at once
//! and fetches from a few hundred of them. A parsed `Url` costs 88 bytes
//! beside its text, and nearly every file URL ends with `/` and the file's
//! own name, which the record holds anyway. So a record keeps only the
//! text before the name, and the URL is parsed again where it is used: a
//! fetch, or a message.

use std::fmt;

use url::Url;

use crate::error::IndexError;
use crate::safe_url::{SafeUrl, redacted};

/// The text of a file's URL (no fragment), without the file's name when
/// the URL ends with it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct FileUrl {
    /// The URL's text, up to and including the last `/` when `name_left_out`.
    text: Box<str>,
    /// Whether the file's name, exactly as the record holds it, follows.
    name_left_out: bool,
}

impl FileUrl {
    /// Keeps `url`, the URL of the file named `filename`.
    pub(crate) fn new(url: &Url, filename: &str) -> FileUrl {
        let text = url.as_str();
        let plain = url.query().is_none() && url.fragment().is_none();
        match text.strip_suffix(filename) {
            Some(head) if plain && !filename.is_empty() && head.ends_with('/') => FileUrl {
                text: head.into(),
                name_left_out: true,
            },
            _ => FileUrl {
                text: text.into(),
                name_left_out: false,
            },
        }
    }

    /// The whole URL's text. It may hold credentials: never print it.
    fn full_text(&self, filename: &str) -> String {
        if self.name_left_out {
            format!("{}{filename}", self.text)
        } else {
            self.text.to_string()
        }
    }

    /// The URL, parsed again.
    pub(crate) fn parse(&self, filename: &str) -> Result<SafeUrl, IndexError> {
        // The text is a parsed URL's own serialization, which parses back
        // to the same URL; this error is for a broken promise of `url`.
        Url::parse(&self.full_text(filename))
            .map(SafeUrl::new)
            .map_err(|error| IndexError::BadUrl {
                url: format!("the URL of {filename}"),
                reason: error.to_string(),
            })
    }

    /// The URL for messages, with any credentials masked.
    pub(crate) fn shown(&self, filename: &str) -> String {
        match Url::parse(&self.full_text(filename)) {
            Ok(url) => redacted(&url),
            Err(_) => format!("<the URL of {filename}>"),
        }
    }
}

impl fmt::Debug for FileUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.shown("");
        let tail = if self.name_left_out { "<name>" } else { "" };
        write!(formatter, "FileUrl({shown}{tail})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(url: &str, filename: &str) -> FileUrl {
        FileUrl::new(&Url::parse(url).unwrap(), filename)
    }

    #[test]
    fn the_name_at_the_end_is_left_out_and_put_back() {
        let url = "https://files.example.invalid/packages/ab/cd/a-1.0-py3-none-any.whl";
        let file_url = kept(url, "a-1.0-py3-none-any.whl");
        assert!(file_url.name_left_out);
        assert_eq!(
            &*file_url.text,
            "https://files.example.invalid/packages/ab/cd/"
        );
        let parsed = file_url.parse("a-1.0-py3-none-any.whl").unwrap();
        assert_eq!(parsed.as_url().as_str(), url);
    }

    #[test]
    fn a_url_that_does_not_end_with_the_name_is_kept_whole() {
        for (url, filename) in [
            ("https://h.invalid/get?file=a-1.0.tar.gz", "a-1.0.tar.gz"),
            (
                "https://h.invalid/a-1.0%2Blocal.tar.gz",
                "a-1.0+local.tar.gz",
            ),
            ("https://h.invalid/xa-1.0.tar.gz", "a-1.0.tar.gz"),
            ("https://h.invalid/d/", ""),
        ] {
            let file_url = kept(url, filename);
            assert!(!file_url.name_left_out, "{url}");
            assert_eq!(file_url.parse(filename).unwrap().as_url().as_str(), url);
        }
    }

    #[test]
    fn credentials_are_masked_in_messages_and_debug() {
        let file_url = kept(
            "https://tok:s3cret@h.invalid/p/a-1.0.tar.gz",
            "a-1.0.tar.gz",
        );
        let shown = file_url.shown("a-1.0.tar.gz");
        assert_eq!(shown, "https://****@h.invalid/p/a-1.0.tar.gz");
        let debug = format!("{file_url:?}");
        assert!(
            !debug.contains("s3cret") && !debug.contains("tok"),
            "{debug}"
        );
        let parsed = file_url.parse("a-1.0.tar.gz").unwrap();
        assert!(parsed.has_credentials());
    }
}
