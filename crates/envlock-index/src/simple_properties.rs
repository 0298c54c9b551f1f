//! Property tests of the Simple API page parsers (crate-private, so they
//! live here rather than in `tests/`): mutated and arbitrary HTML and JSON
//! pages never panic, and every file they keep has a name with no path.
//! `PROPTEST_CASES` sets the cases per property (e.g. 100000).

#[path = "../../envlock-pep/tests/support/mutate.rs"]
mod mutate;

use proptest::prelude::*;
use url::Url;

use super::{keep_all, page_format, parse_page};

const HTML: &str = r#"<!DOCTYPE html><html><head><base href="http://127.0.0.1:2/mirror/"><meta name="pypi:repository-version" content="1.1"></head><body>
<a href="../../files/foo-1.0-py3-none-any.whl#sha256=ABCD" data-requires-python="&gt;=3.8" data-core-metadata="sha256=ef01">foo-1.0-py3-none-any.whl</a>
<a href="../../files/foo-1.0.tar.gz" data-yanked="bad &amp; broken" data-requires-python="&gt;=3.6.*junk" data-dist-info-metadata="true">foo-1.0.tar.gz</a>
<a href="../../files/foo%2B1.0.zip" data-yanked>x</a>
<a href="http://127.0.0.1:9/f/foo-2.0.tar.gz#md5=00">foo-2.0.tar.gz</a>
</body></html>"#;

const JSON: &str = r#"{"meta":{"api-version":"1.1"},"name":"foo","files":[
{"filename":"foo-1.0-py3-none-any.whl","url":"../../files/foo-1.0-py3-none-any.whl","hashes":{"sha256":"AB"},
 "requires-python":">=3.8","core-metadata":{"sha256":"cd"},"yanked":false,"size":12,"upload-time":"2024-01-01T00:00:00Z"},
{"filename":"foo-1.0.tar.gz","url":"http://127.0.0.1:9/x/foo-1.0.tar.gz#sha256=ee","hashes":{},"yanked":"reason","dist-info-metadata":true}
]}"#;

fn parse(content_type: Option<&str>, body: &str) -> Result<(), TestCaseError> {
    let page_url = Url::parse("http://127.0.0.1:1/simple/foo/")
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let Ok(format) = page_format(content_type, body) else {
        return Ok(());
    };
    match parse_page(format, body, &page_url, &keep_all) {
        Ok(files) => {
            for file in files {
                prop_assert!(file.url().is_ok());
            }
        }
        Err(error) => prop_assert!(!error.is_empty()),
    }
    Ok(())
}

proptest! {
    #![proptest_config(mutate::config(128))]

    #[test]
    fn mutated_pages_never_panic(
        body in mutate::mutated_text(&[HTML, JSON]),
        content_type in prop::option::of("(text/html|application/vnd\\.pypi\\.simple\\.v1\\+json|text/plain)(; charset=utf-8)?"),
    ) {
        parse(content_type.as_deref(), &body)?;
    }

    /// A link on a host the page linked before is resolved as parsing it
    /// would (see `PageLinks`), whether or not it is taken as written.
    #[test]
    fn links_on_a_known_host_resolve_as_parsing_does(
        tail in "[/a-zA-Z0-9%._~+@!$&'()*,;=:#?|\\\\ -]{0,40}",
    ) {
        let page = Url::parse("https://index.example.invalid/simple/a/")
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut links = crate::file_url::PageLinks::new(&page);
        let files = "https://files.example.invalid";
        let first = format!("{files}/first.whl");
        prop_assert!(links.resolve(&first).is_ok());
        let href = format!("{files}{tail}");
        if let Ok(mut url) = page.join(&href) {
            let fragment = url.fragment().map(str::to_owned);
            url.set_fragment(None);
            let link = links.resolve(&href).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!((link.text, link.fragment), (String::from(url), fragment));
        }
    }

    #[test]
    fn arbitrary_pages_never_panic(body in any::<String>(), content_type in prop::option::of(any::<String>())) {
        parse(content_type.as_deref(), &body)?;
        parse(Some("text/html"), &format!("<html>{body}"))?;
        parse(Some("application/json"), &format!("{{{body}"))?;
    }
}

/// Deeply nested JSON and HTML are errors (or ignored markup), not a
/// stack overflow.
#[test]
fn deep_nesting_does_not_overflow() {
    let json = format!(
        "{{\"meta\":{{}},\"files\":[{}]}}",
        "[".repeat(100_000) + &"]".repeat(100_000)
    );
    parse(Some("application/json"), &json)
        .map_err(|error| error.to_string())
        .expect("no failure");
    let html = format!(
        "<html><body>{}<a href=\"f-1.0.tar.gz\">f</a></body></html>",
        "<div>".repeat(100_000)
    );
    parse(Some("text/html"), &html)
        .map_err(|error| error.to_string())
        .expect("no failure");
}
