//! URLs that never show their credentials.

use std::fmt;

use url::Url;

/// A URL whose `Display` and `Debug` mask the userinfo
/// (`https://****@host/path`), so credentials never reach an error message
/// or a log. The full URL is still available to the HTTP client through
/// [`SafeUrl::as_url`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SafeUrl(Url);

impl SafeUrl {
    /// Wraps a URL.
    pub fn new(url: Url) -> Self {
        Self(url)
    }

    /// The full URL, credentials included. Never print it.
    pub fn as_url(&self) -> &Url {
        &self.0
    }

    /// The URL without userinfo (what is sent on the wire; credentials travel
    /// in the `Authorization` header instead).
    pub fn without_credentials(&self) -> Url {
        let mut url = self.0.clone();
        // Both setters only fail for URLs that cannot have userinfo, in which
        // case there is nothing to strip.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        url
    }

    /// Whether the URL carries a username or a password.
    pub fn has_credentials(&self) -> bool {
        !self.0.username().is_empty() || self.0.password().is_some()
    }
}

impl From<Url> for SafeUrl {
    fn from(url: Url) -> Self {
        Self(url)
    }
}

impl fmt::Display for SafeUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&redacted(&self.0))
    }
}

impl fmt::Debug for SafeUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "SafeUrl({})", redacted(&self.0))
    }
}

/// The URL as text with any username and password replaced by `****`.
pub fn redacted(url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut masked = url.clone();
    let _ = masked.set_password(None);
    if masked.set_username("****").is_err() {
        return "<url with credentials>".to_owned();
    }
    masked.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_user_and_password() {
        let url = Url::parse("https://alice:s3cret@example.invalid/simple/").unwrap();
        let shown = SafeUrl::new(url).to_string();
        assert_eq!(shown, "https://****@example.invalid/simple/");
        assert!(!shown.contains("s3cret") && !shown.contains("alice"));
    }

    #[test]
    fn leaves_plain_urls_alone() {
        let url = Url::parse("http://127.0.0.1:8080/simple/a/").unwrap();
        assert_eq!(redacted(&url), "http://127.0.0.1:8080/simple/a/");
        assert_eq!(
            format!("{:?}", SafeUrl::new(url)),
            "SafeUrl(http://127.0.0.1:8080/simple/a/)"
        );
    }

    #[test]
    fn strips_credentials_for_the_wire() {
        let url = SafeUrl::new(Url::parse("https://tok:pw@h.invalid/x").unwrap());
        assert!(url.has_credentials());
        assert_eq!(url.without_credentials().as_str(), "https://h.invalid/x");
    }
}
