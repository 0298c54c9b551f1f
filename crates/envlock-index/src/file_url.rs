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
        let plain = url.query().is_none() && url.fragment().is_none();
        FileUrl::from_text(url.as_str(), plain, filename)
    }

    /// Keeps a link resolved by [`PageLinks`] (its fragment taken off).
    pub(crate) fn from_link(text: &str, filename: &str) -> FileUrl {
        // A parsed URL's text holds `?` only to start its query.
        FileUrl::from_text(text, !text.contains('?'), filename)
    }

    fn from_text(text: &str, plain: bool, filename: &str) -> FileUrl {
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

/// Resolves the links of one page to the URL text a parse gives (without
/// the fragment), and the fragment apart.
///
/// The `url` crate is the authority on every link. A large page links
/// tens of thousands of files on one host, and parsing each link was a
/// tenth of a lock's work. So the first link to each http(s) origin
/// (without credentials) is parsed; a later absolute link that begins
/// with that origin's text exactly (lowercase host, no default port, as
/// the parser wrote it) and goes on with a path the parser keeps byte for
/// byte (see [`plain_path`]) is taken as it is, being the text that
/// parsing it would give. Anything else is parsed.
pub(crate) struct PageLinks<'u> {
    page_url: &'u Url,
    /// `scheme://host[:port]` of the links parsed so far, as the parser
    /// wrote them.
    origins: Vec<String>,
}

/// A link resolved by [`PageLinks`].
pub(crate) struct ResolvedLink {
    /// The URL's text, without the fragment.
    pub text: String,
    /// The fragment, without `#`.
    pub fragment: Option<String>,
}

impl<'u> PageLinks<'u> {
    pub(crate) fn new(page_url: &'u Url) -> PageLinks<'u> {
        PageLinks {
            page_url,
            origins: Vec::new(),
        }
    }

    /// `href` resolved against the page's URL.
    pub(crate) fn resolve(&mut self, href: &str) -> Result<ResolvedLink, url::ParseError> {
        if let Some(link) = self.as_written(href) {
            return Ok(link);
        }
        let mut url = self.page_url.join(href)?;
        let fragment = url.fragment().map(str::to_owned);
        url.set_fragment(None);
        let origin = &url[..url::Position::BeforePath];
        let plain_origin = matches!(url.scheme(), "http" | "https")
            && url.username().is_empty()
            && url.password().is_none();
        // Only plain http(s) origins are written down, a few per page.
        if plain_origin
            && self.origins.len() < 8
            && !self.origins.iter().any(|known| known == origin)
        {
            self.origins.push(origin.to_owned());
        }
        Ok(ResolvedLink {
            text: url.into(),
            fragment,
        })
    }

    /// `href` as it stands, when parsing it would give back the same text.
    fn as_written(&self, href: &str) -> Option<ResolvedLink> {
        let (head, fragment) = match href.split_once('#') {
            Some((head, fragment)) => (head, Some(fragment)),
            None => (href, None),
        };
        if fragment.is_some_and(|fragment| {
            !fragment
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'=')
        }) {
            return None;
        }
        let path = self
            .origins
            .iter()
            .find_map(|origin| head.strip_prefix(origin.as_str()))?;
        plain_path(path).then(|| ResolvedLink {
            text: head.to_owned(),
            fragment: fragment.map(str::to_owned),
        })
    }
}

/// Whether the `url` crate keeps `path` (of an http(s) URL) as it is: it
/// starts with `/`, holds only characters that are never escaped in a
/// path, each `%` begins an escape, and no segment is a dot segment (nor
/// could be read as one once unescaped).
fn plain_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    let kept = |byte: u8| {
        byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'%'
                    | b'+'
                    | b'@'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b','
                    | b';'
                    | b'='
                    | b':'
            )
    };
    let escapes_complete = bytes.iter().enumerate().all(|(at, byte)| {
        *byte != b'%'
            || bytes.get(at + 1..at + 3).is_some_and(|pair| {
                pair.iter().all(u8::is_ascii_hexdigit) && !pair.eq_ignore_ascii_case(b"2e")
            })
    });
    bytes.first() == Some(&b'/')
        && bytes.iter().all(|byte| kept(*byte))
        && escapes_complete
        && path
            .split('/')
            .all(|segment| segment != "." && segment != "..")
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

    const PAGE: &str = "https://index.example.invalid/simple/a/";
    const FILES: &str = "https://files.example.invalid";

    /// What parsing `href` on the page gives: the text without the
    /// fragment, and the fragment.
    fn parsed(href: &str) -> (String, Option<String>) {
        let mut url = Url::parse(PAGE).unwrap().join(href).unwrap();
        let fragment = url.fragment().map(str::to_owned);
        url.set_fragment(None);
        (url.into(), fragment)
    }

    fn resolved(links: &mut PageLinks<'_>, href: &str) -> (String, Option<String>) {
        let link = links.resolve(href).unwrap();
        (link.text, link.fragment)
    }

    #[test]
    fn links_taken_as_written_are_what_parsing_gives() {
        let page = Url::parse(PAGE).unwrap();
        let mut links = PageLinks::new(&page);
        let first = format!("{FILES}/packages/ab/cd/a-1.0-py3-none-any.whl#sha256=ABCD");
        assert_eq!(resolved(&mut links, &first), parsed(&first));
        let plain = format!("{FILES}/packages/ef/01/a-1.1-py3-none-any.whl#sha256=ef01");
        assert!(
            links.as_written(&plain).is_some(),
            "the origin is known now"
        );
        for tail in [
            "/packages/ef/01/a-1.1-py3-none-any.whl#sha256=ef01",
            "/p/%7Euser/a-1.0.tar.gz",
            "/p/%2e%2e/a-1.0.tar.gz",
            "/p/%2E/a-1.0.tar.gz",
            "/p/../a-1.0.tar.gz",
            "/p/./a-1.0.tar.gz",
            "/p/a b.tar.gz",
            "/p/a|b.tar.gz",
            "/p/%zz/a.tar.gz",
            "/p//a.tar.gz",
            "/p/a.tar.gz?x=1",
            "/p/a.tar.gz#md5=00",
            "/p/a.tar.gz#sha256=a%20b",
            "/p/a.tar.gz#sha256=a b",
            "\\p\\a.tar.gz",
            ".evil.invalid/p/a.tar.gz",
            ":443/p/a.tar.gz",
            "/p/\u{e9}.tar.gz",
        ] {
            let href = format!("{FILES}{tail}");
            assert_eq!(resolved(&mut links, &href), parsed(&href), "{href}");
        }
        for href in [
            "https://FILES.example.invalid/p/a.tar.gz",
            "https://u:p@files.example.invalid/p/a.tar.gz",
            "file:///files/a-1.0.tar.gz",
            "file:///files/b-1.0.tar.gz",
            "../../files/a-1.0.tar.gz",
            "/files/a-1.0.tar.gz",
        ] {
            assert_eq!(resolved(&mut links, href), parsed(href), "{href}");
        }
    }

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
