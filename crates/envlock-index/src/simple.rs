//! Parsing Simple API project pages: PEP 691 JSON and PEP 503 HTML.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use url::Url;

use envlock_fs::Sha256;

use crate::file_url::PageLinks;
use crate::types::{IndexFile, MetadataFile, RequiresPythonTexts, parse_upload_time};

/// The `Accept` header for project pages: JSON preferred, HTML accepted.
/// Pages read only to find the URLs of files already chosen (a
/// wheelhouse's) are asked for the same way. HTML would carry what they
/// need in fewer bytes, but the mirror here answers JSON whenever JSON is
/// named, whatever the q-values, and its HTML pages come slower: all 159
/// pages of the ClearML cp310 wheelhouse over one HTTP/2 connection took
/// 0.18–0.22 s as JSON (30 MB) against 0.27–0.53 s as `text/html` (22 MB),
/// and the cp310 build, asking for `text/html` only, took 0.5–1.2 s
/// instead of 0.35–0.47 s.
pub(crate) const ACCEPT: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

/// The format of a page, decided from its content type and content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageFormat {
    Json,
    Html,
}

/// Decides whether a body is PEP 691 JSON or PEP 503 HTML; `Err` holds why
/// it is neither.
pub(crate) fn page_format(content_type: Option<&str>, body: &str) -> Result<PageFormat, String> {
    let media_type = content_type
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase());
    let start = body.trim_start_matches('\u{feff}').trim_start();
    let looks_json = start.starts_with('{');
    let lower_head: String = start
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    let looks_html = start.starts_with('<')
        && (lower_head.contains("<html")
            || lower_head.contains("<!doctype html")
            || lower_head.contains("<a ")
            || lower_head.contains("<head")
            || lower_head.contains("<body")
            || lower_head.contains("<meta"));
    let is_json_type = media_type
        .as_deref()
        .is_some_and(|value| value == "application/json" || value.ends_with("+json"));
    let is_html_type = media_type
        .as_deref()
        .is_some_and(|value| value == "text/html" || value.ends_with("+html"));
    // Static file servers often send no type or a generic one: sniff.
    let is_generic_type = matches!(
        media_type.as_deref(),
        None | Some("text/plain") | Some("application/octet-stream")
    );
    if (is_json_type || is_generic_type) && looks_json {
        Ok(PageFormat::Json)
    } else if (is_html_type && start.starts_with('<')) || (is_generic_type && looks_html) {
        Ok(PageFormat::Html)
    } else {
        Err(format!(
            "content type `{}` with a body that is neither PEP 691 JSON nor PEP 503 HTML",
            media_type.as_deref().unwrap_or("none")
        ))
    }
}

/// Which files of a page to keep, by file name. Files not kept cost little:
/// their links are neither resolved nor their fields parsed, which matters
/// on pages of thousands of files when a few are wanted.
pub(crate) type Keep<'a> = &'a dyn Fn(&str) -> bool;

/// Keeps every file.
pub(crate) fn keep_all(_filename: &str) -> bool {
    true
}

/// Parses a page in the given format, keeping the files `keep` accepts.
pub(crate) fn parse_page(
    format: PageFormat,
    body: &str,
    page_url: &Url,
    keep: Keep<'_>,
) -> Result<Vec<IndexFile>, String> {
    match format {
        PageFormat::Json => parse_json(body, page_url, keep),
        PageFormat::Html => parse_html(body, page_url, keep),
    }
}

#[derive(Deserialize)]
struct JsonMeta {
    #[serde(rename = "api-version")]
    api_version: Option<String>,
}

/// A file's `yanked`: `false`, `true` or a reason.
enum BoolOrString {
    Bool(bool),
    String(String),
}

/// A file's `core-metadata` (or `dist-info-metadata`): `false`, `true` or
/// the metadata file's hashes, of which only `sha256` is kept.
enum BoolOrHashes {
    Bool(bool),
    Hashes { sha256: Option<String> },
}

/// A `hashes` object: only `sha256` is kept (the last one given), but
/// every name and value must still be a string. Read by hand, as serde's
/// untagged enums and maps would buffer or allocate for every file of a
/// page.
#[derive(Default)]
struct Hashes<'a> {
    sha256: Option<Cow<'a, str>>,
}

impl<'de> Deserialize<'de> for BoolOrString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Expect;
        impl Visitor<'_> for Expect {
            type Value = BoolOrString;
            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a boolean or a string")
            }
            fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<BoolOrString, E> {
                Ok(BoolOrString::Bool(value))
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<BoolOrString, E> {
                Ok(BoolOrString::String(value.to_owned()))
            }
        }
        deserializer.deserialize_any(Expect)
    }
}

impl<'de> Deserialize<'de> for BoolOrHashes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Expect;
        impl<'de> Visitor<'de> for Expect {
            type Value = BoolOrHashes;
            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a boolean or an object of hashes")
            }
            fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<BoolOrHashes, E> {
                Ok(BoolOrHashes::Bool(value))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<BoolOrHashes, A::Error> {
                let hashes: Hashes<'_> = HashesVisitor(std::marker::PhantomData).visit_map(map)?;
                Ok(BoolOrHashes::Hashes {
                    sha256: hashes.sha256.map(Cow::into_owned),
                })
            }
        }
        deserializer.deserialize_any(Expect)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Hashes<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(HashesVisitor(std::marker::PhantomData))
    }
}

struct HashesVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for HashesVisitor<'a> {
    type Value = Hashes<'a>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("an object of hash names and hex digests")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Hashes<'a>, A::Error> {
        let mut hashes = Hashes::default();
        while let Some(name) = map.next_key::<Text<'a>>()? {
            let value = map.next_value::<Text<'a>>()?;
            if name.0 == "sha256" {
                hashes.sha256 = Some(value.0);
            }
        }
        Ok(hashes)
    }
}

/// A JSON string, borrowed from the page when it holds no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Expect<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Expect<'a> {
            type Value = Text<'a>;
            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                value: &'de str,
            ) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(value)))
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(value.to_owned())))
            }
        }
        deserializer.deserialize_str(Expect(std::marker::PhantomData))
    }
}

/// One file of a JSON page; the strings borrow from the page where they
/// have no escapes, so that skipping a file allocates next to nothing.
#[derive(Deserialize)]
struct JsonFile<'a> {
    #[serde(borrow)]
    filename: Cow<'a, str>,
    #[serde(borrow)]
    url: Cow<'a, str>,
    #[serde(default, borrow)]
    hashes: Hashes<'a>,
    #[serde(rename = "requires-python", borrow)]
    requires_python: Option<Cow<'a, str>>,
    #[serde(rename = "core-metadata")]
    core_metadata: Option<BoolOrHashes>,
    #[serde(rename = "dist-info-metadata")]
    dist_info_metadata: Option<BoolOrHashes>,
    yanked: Option<BoolOrString>,
    size: Option<u64>,
    #[serde(rename = "upload-time", borrow)]
    upload_time: Option<Cow<'a, str>>,
}

/// Parses a PEP 691 JSON page. The files are converted one at a time as
/// the parser reaches them, so that a page of tens of thousands of files
/// never exists twice in memory (once parsed, once converted); files `keep`
/// rejects are dropped as soon as their name is read.
pub(crate) fn parse_json(
    body: &str,
    page_url: &Url,
    keep: Keep<'_>,
) -> Result<Vec<IndexFile>, String> {
    let mut files = Vec::new();
    let mut failure = None;
    let mut deserializer = serde_json::Deserializer::from_str(body);
    let page = PageSeed {
        files: FilesSeed {
            page_url,
            keep,
            files: &mut files,
            failure: &mut failure,
        },
    }
    .deserialize(&mut deserializer)
    .and_then(|meta| deserializer.end().map(|()| meta));
    if let Some(failure) = failure {
        return Err(failure);
    }
    let meta = page.map_err(|error| format!("invalid JSON: {error}"))?;
    match meta.as_ref().and_then(unsupported) {
        Some(reason) => Err(reason),
        None => Ok(files),
    }
}

/// Why a page's `meta` rules it out: an API version this parser does not
/// know.
fn unsupported(meta: &JsonMeta) -> Option<String> {
    let version = meta.api_version.as_deref()?;
    (!version.starts_with("1.") && version != "1")
        .then(|| format!("unsupported Simple API version {version}"))
}

/// Reads a page object: its `meta` (returned) and its `files` (handed to
/// [`FilesSeed`]); other keys are skipped.
struct PageSeed<'s, 'u> {
    files: FilesSeed<'s, 'u>,
}

impl<'de> DeserializeSeed<'de> for PageSeed<'_, '_> {
    type Value = Option<JsonMeta>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PageSeed<'_, '_> {
    type Value = Option<JsonMeta>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a PEP 691 project page")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut meta = None;
        let mut files = Some(self.files);
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "meta" => {
                    meta = map.next_value::<Option<JsonMeta>>()?;
                    // Files of an unknown version are not read at all.
                    if let (Some(reason), Some(seed)) =
                        (meta.as_ref().and_then(unsupported), files.as_mut())
                    {
                        *seed.failure = Some(reason.clone());
                        return Err(serde::de::Error::custom(reason));
                    }
                }
                "files" => match files.take() {
                    Some(seed) => map.next_value_seed(seed)?,
                    None => return Err(serde::de::Error::duplicate_field("files")),
                },
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if files.is_some() {
            return Err(serde::de::Error::missing_field("files"));
        }
        Ok(meta)
    }
}

/// Reads the `files` array, converting each entry `keep` wants into an
/// [`IndexFile`] as soon as it is parsed. A conversion failure (a URL that
/// does not resolve) is kept in `failure`, as it is not a JSON error.
struct FilesSeed<'s, 'u> {
    page_url: &'u Url,
    keep: Keep<'u>,
    files: &'s mut Vec<IndexFile>,
    failure: &'s mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for FilesSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FilesSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a list of files")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut requires_python = RequiresPythonTexts::default();
        let mut links = PageLinks::new(self.page_url);
        while let Some(entry) = seq.next_element::<JsonFile<'de>>()? {
            if !(self.keep)(&entry.filename) {
                continue;
            }
            match json_file(entry, &mut links, &mut requires_python) {
                Ok(file) => self.files.push(file),
                Err(failure) => {
                    *self.failure = Some(failure.clone());
                    return Err(serde::de::Error::custom(failure));
                }
            }
        }
        Ok(())
    }
}

/// One entry of a JSON page as an [`IndexFile`].
fn json_file(
    entry: JsonFile<'_>,
    links: &mut PageLinks<'_>,
    requires_python: &mut RequiresPythonTexts,
) -> Result<IndexFile, String> {
    let link = links.resolve(&entry.url).map_err(|error| {
        format!(
            "invalid URL `{}` for {}: {error}",
            entry.url, entry.filename
        )
    })?;
    let fragment_hash = sha256_of_fragment(link.fragment.as_deref());
    let sha256 = entry
        .hashes
        .sha256
        .and_then(|hash| Sha256::from_hex(&hash).ok())
        .or(fragment_hash);
    let core_metadata = match entry.core_metadata.or(entry.dist_info_metadata) {
        None | Some(BoolOrHashes::Bool(false)) => MetadataFile::NotOffered,
        Some(BoolOrHashes::Bool(true)) => MetadataFile::Offered { sha256: None },
        Some(BoolOrHashes::Hashes { sha256 }) => MetadataFile::Offered {
            sha256: sha256.map(|hash| hash.to_ascii_lowercase()),
        },
    };
    let yanked = match entry.yanked {
        None | Some(BoolOrString::Bool(false)) => None,
        Some(BoolOrString::Bool(true)) => Some(String::new()),
        Some(BoolOrString::String(reason)) => Some(reason),
    };
    Ok(IndexFile {
        sha256,
        requires_python: requires_python.get(entry.requires_python.as_deref()),
        yanked,
        core_metadata,
        size: entry.size,
        upload_time: parse_upload_time(entry.upload_time.as_deref()),
        ..IndexFile::from_link(entry.filename.into_owned(), &link.text)
    })
}

/// Removes a `#sha256=<hex>` fragment from a URL, returning the hash. Other
/// fragments (other algorithms) are dropped too: they are not part of the
/// file's address.
fn take_sha256_fragment(url: &mut Url) -> Option<Sha256> {
    let fragment = url.fragment().map(str::to_owned);
    url.set_fragment(None);
    sha256_of_fragment(fragment.as_deref())
}

/// The hash of a `sha256=<hex>` fragment.
fn sha256_of_fragment(fragment: Option<&str>) -> Option<Sha256> {
    let (algorithm, value) = fragment?.split_once('=')?;
    if !algorithm.eq_ignore_ascii_case("sha256") {
        return None;
    }
    Sha256::from_hex(value).ok()
}

fn decode_entities(value: &str) -> String {
    html_escape::decode_html_entities(value).into_owned()
}

/// Parses a PEP 503 HTML page.
pub(crate) fn parse_html(
    body: &str,
    page_url: &Url,
    keep: Keep<'_>,
) -> Result<Vec<IndexFile>, String> {
    let dom = tl::parse(body, tl::ParserOptions::default())
        .map_err(|error| format!("invalid HTML: {error}"))?;
    let base = base_url(&dom, page_url)?;
    let mut files = Vec::new();
    let mut requires_python = RequiresPythonTexts::default();
    for node in dom.nodes() {
        let Some(tag) = node.as_tag() else { continue };
        if !tag.name().as_utf8_str().eq_ignore_ascii_case("a") {
            continue;
        }
        let link = Link {
            tag,
            parser: dom.parser(),
            base: &base,
        };
        if let Some(file) = file_of_link(link, keep, &mut requires_python)? {
            files.push(file);
        }
    }
    Ok(files)
}

/// What relative links resolve against: the page's URL, or its first
/// `<base href>`.
fn base_url(dom: &tl::VDom<'_>, page_url: &Url) -> Result<Url, String> {
    for node in dom.nodes() {
        let Some(tag) = node.as_tag() else { continue };
        if tag.name().as_utf8_str().eq_ignore_ascii_case("base") {
            if let Some(Some(href)) = tag.attributes().get("href") {
                let href = decode_entities(&href.as_utf8_str());
                return page_url
                    .join(href.trim())
                    .map_err(|error| format!("invalid <base href> `{href}`: {error}"));
            }
            break;
        }
    }
    Ok(page_url.clone())
}

/// An `<a>` of a page, with what its text and relative links need.
struct Link<'a, 'b> {
    tag: &'a tl::HTMLTag<'b>,
    parser: &'a tl::Parser<'b>,
    base: &'a Url,
}

/// The file an `<a>` links to, or `None` when it has no `href` or `keep`
/// does not want it.
fn file_of_link(
    link: Link<'_, '_>,
    keep: Keep<'_>,
    requires_python: &mut RequiresPythonTexts,
) -> Result<Option<IndexFile>, String> {
    let Link { tag, parser, base } = link;
    let attributes = tag.attributes();
    let attribute = |name: &str| -> Option<String> {
        match attributes.get(name) {
            Some(Some(value)) => Some(decode_entities(&value.as_utf8_str())),
            Some(None) => Some(String::new()),
            None => None,
        }
    };
    let Some(href) = attribute("href") else {
        return Ok(None);
    };
    // The file name is the link's last path segment; a link whose name
    // is plainly not wanted is not resolved at all.
    let link_name = href
        .split(['#', '?'])
        .next()
        .and_then(|path| path.rsplit('/').next())
        .map(percent_decode)
        .unwrap_or_default();
    if !link_name.is_empty() && !keep(&link_name) {
        return Ok(None);
    }
    let mut url = base
        .join(href.trim())
        .map_err(|error| format!("invalid link `{href}`: {error}"))?;
    let sha256 = take_sha256_fragment(&mut url);
    let filename = url
        .path_segments()
        .and_then(|mut segments| segments.next_back())
        .map(percent_decode)
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| decode_entities(tag.inner_text(parser).trim()));
    if filename.is_empty() || !keep(&filename) {
        return Ok(None);
    }
    let core_metadata = metadata_offer(
        attribute("data-core-metadata").or_else(|| attribute("data-dist-info-metadata")),
    );
    Ok(Some(IndexFile {
        sha256,
        requires_python: requires_python.get(attribute("data-requires-python").as_deref()),
        yanked: attribute("data-yanked"),
        core_metadata,
        size: attribute("data-size").and_then(|size| size.trim().parse().ok()),
        upload_time: parse_upload_time(attribute("data-upload-time").as_deref()),
        ..IndexFile::new(filename, &url)
    }))
}

/// A link's `data-core-metadata` (or older `data-dist-info-metadata`).
fn metadata_offer(value: Option<String>) -> MetadataFile {
    let Some(value) = value else {
        return MetadataFile::NotOffered;
    };
    let value = value.trim();
    match value.split_once('=') {
        Some((algorithm, hash)) if algorithm.eq_ignore_ascii_case("sha256") => {
            MetadataFile::Offered {
                sha256: Some(hash.to_ascii_lowercase()),
            }
        }
        _ if value.eq_ignore_ascii_case("false") => MetadataFile::NotOffered,
        // `true`, an empty value or another algorithm: offered, hash unknown.
        _ => MetadataFile::Offered { sha256: None },
    }
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).ok();
            if let Some(value) = hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                out.push(value);
                index += 3;
                continue;
            }
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_url() -> Url {
        Url::parse("http://127.0.0.1:1/simple/foo/").unwrap()
    }

    #[test]
    fn json_files_with_the_same_requires_python_read_alike() {
        let body = r#"{"meta": {"api-version": "1.0"}, "name": "foo", "files": [
            {"filename": "foo-1.0-py3-none-any.whl", "url": "a", "hashes": {}, "requires-python": ">=3.8"},
            {"filename": "foo-1.0.tar.gz", "url": "b", "hashes": {}, "requires-python": " >=3.8 "},
            {"filename": "foo-2.0.tar.gz", "url": "c", "hashes": {}, "requires-python": ">=3.9"},
            {"filename": "foo-3.0.tar.gz", "url": "d", "hashes": {}},
            {"filename": "foo-4.0.tar.gz", "url": "e", "hashes": {}, "requires-python": "junk"},
            {"filename": "foo-5.0.tar.gz", "url": "f", "hashes": {}, "requires-python": "junk"}
        ]}"#;
        let files = parse_json(body, &page_url(), &keep_all).unwrap();
        let read: Vec<_> = files
            .iter()
            .map(|file| {
                (
                    file.requires_python_raw(),
                    file.requires_python_specifiers().map(ToString::to_string),
                )
            })
            .collect();
        // One text is parsed once and shared by the files that give it.
        assert!(std::sync::Arc::ptr_eq(
            files[0].requires_python.as_ref().unwrap(),
            files[1].requires_python.as_ref().unwrap()
        ));
        assert_eq!(
            read,
            [
                (Some(">=3.8"), Some(">=3.8".to_owned())),
                (Some(">=3.8"), Some(">=3.8".to_owned())),
                (Some(">=3.9"), Some(">=3.9".to_owned())),
                (None, None),
                (Some("junk"), None),
                (Some("junk"), None),
            ]
        );
    }

    #[test]
    fn html_page() {
        let body = r#"<!DOCTYPE html><html><body>
<a href="../../files/foo-1.0-py3-none-any.whl#sha256=ABCDABCDABCDABCDABCDABCDABCDABCDABCDABCDABCDABCDABCDABCDABCDABCD" data-upload-time="2024-01-01T00:00:00Z" data-requires-python="&gt;=3.8" data-core-metadata="sha256=ef01">foo-1.0-py3-none-any.whl</a>
<a href="../../files/foo-1.0.tar.gz#sha256=abcd" data-upload-time="yesterday" data-yanked="bad &amp; broken" data-requires-python="&gt;=3.6.*junk" data-dist-info-metadata="true">foo-1.0.tar.gz</a>
<a href="../../files/foo%2B1.0.zip" data-yanked>x</a>
</body></html>"#;
        let files = parse_html(body, &page_url(), &keep_all).unwrap();
        assert_eq!(files.len(), 3);
        assert_eq!(files[0].filename, "foo-1.0-py3-none-any.whl");
        assert_eq!(
            files[0].url().unwrap().as_url().as_str(),
            "http://127.0.0.1:1/files/foo-1.0-py3-none-any.whl"
        );
        assert_eq!(files[0].sha256_hex(), Some("abcd".repeat(16)));
        assert_eq!(
            files[0].requires_python_specifiers().unwrap().to_string(),
            ">=3.8"
        );
        assert_eq!(
            files[0].upload_time.map(|time| time.to_string()).as_deref(),
            Some("2024-01-01T00:00:00Z")
        );
        // A hash that is not 64 hex digits, and a time that is not RFC 3339,
        // are treated as not given.
        assert_eq!(files[1].sha256, None);
        assert_eq!(files[1].upload_time, None);
        assert_eq!(
            files[0].core_metadata,
            MetadataFile::Offered {
                sha256: Some("ef01".into())
            }
        );
        assert_eq!(files[0].yanked, None);
        assert_eq!(files[1].yanked.as_deref(), Some("bad & broken"));
        assert_eq!(files[1].requires_python_specifiers(), None);
        assert_eq!(files[1].requires_python_raw(), Some(">=3.6.*junk"));
        assert_eq!(
            files[1].core_metadata,
            MetadataFile::Offered { sha256: None }
        );
        assert_eq!(files[2].filename, "foo+1.0.zip");
        assert_eq!(files[2].yanked.as_deref(), Some(""));
    }

    #[test]
    fn html_base_href() {
        let body = r#"<html><head><base href="http://127.0.0.1:2/mirror/"></head><body><a href="f/a-1.tar.gz">a</a></body></html>"#;
        let files = parse_html(body, &page_url(), &keep_all).unwrap();
        assert_eq!(
            files[0].url().unwrap().as_url().as_str(),
            "http://127.0.0.1:2/mirror/f/a-1.tar.gz"
        );
    }

    #[test]
    fn json_page() {
        let body = r#"{"meta":{"api-version":"1.1"},"name":"foo","files":[
{"filename":"foo-1.0-py3-none-any.whl","url":"../../files/foo-1.0-py3-none-any.whl","hashes":{"sha256":"ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB"},
 "requires-python":">=3.8","core-metadata":{"sha256":"cd"},"yanked":false,"size":12,"upload-time":"2024-01-01T00:00:00Z"},
{"filename":"foo-1.0.tar.gz","url":"http://127.0.0.1:9/x/foo-1.0.tar.gz#sha256=eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee","hashes":{},"yanked":"reason","dist-info-metadata":true}
]}"#;
        let files = parse_json(body, &page_url(), &keep_all).unwrap();
        assert_eq!(files[0].sha256_hex(), Some("ab".repeat(32)));
        assert_eq!(
            files[0].core_metadata,
            MetadataFile::Offered {
                sha256: Some("cd".into())
            }
        );
        assert_eq!(files[0].size, Some(12));
        assert_eq!(
            files[0].upload_time.map(|time| time.to_string()).as_deref(),
            Some("2024-01-01T00:00:00Z")
        );
        assert_eq!(files[1].sha256_hex(), Some("e".repeat(64)));
        assert_eq!(
            files[1].url().unwrap().as_url().as_str(),
            "http://127.0.0.1:9/x/foo-1.0.tar.gz"
        );
        assert_eq!(files[1].yanked.as_deref(), Some("reason"));
        assert_eq!(
            files[1].core_metadata,
            MetadataFile::Offered { sha256: None }
        );
    }

    #[test]
    fn json_pages_are_read_whatever_the_order_of_their_keys() {
        let body = r#"{"files": [
            {"filename": "foo-1.0.tar.gz", "url": "a", "hashes": {}, "extra": [1, {"x": null}]},
            {"filename": "foo-2.0.tar.gz", "url": "b", "hashes": {}}
        ], "name": "foo", "versions": ["1.0"], "meta": {"api-version": "1.1"}}"#;
        let keep_second = |filename: &str| filename.starts_with("foo-2");
        let files = parse_json(body, &page_url(), &keep_second).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].filename, "foo-2.0.tar.gz");
        assert_eq!(
            files[0].url().unwrap().as_url().as_str(),
            "http://127.0.0.1:1/simple/foo/b"
        );
    }

    #[test]
    fn json_hashes_and_offers_keep_what_they_name_and_refuse_what_is_not_text() {
        let one = |fields: &str| {
            let body =
                format!(r#"{{"files": [{{"filename": "foo-1.0.tar.gz", "url": "a", {fields}}}]}}"#);
            parse_json(&body, &page_url(), &keep_all).map(|mut files| files.remove(0))
        };
        let hex = |byte: &str| byte.repeat(32);
        let file = one(&format!(
            r#""hashes": {{"md5": "00", "sha256": "{}", "sha256": "{}"}}, "core-metadata": {{"md5": "x", "sha256": "AB"}}, "yanked": "gone""#,
            hex("aa"),
            hex("bb")
        ))
        .unwrap();
        assert_eq!(file.sha256_hex(), Some(hex("bb")), "the last sha256 counts");
        assert_eq!(
            file.core_metadata,
            MetadataFile::Offered {
                sha256: Some("ab".to_owned())
            }
        );
        assert_eq!(file.yanked.as_deref(), Some("gone"));
        let escaped = one(&format!(
            r#""hashes": {{"sha\u0032\u0035\u0036": "\u0061{}"}}"#,
            &hex("aa")[1..]
        ))
        .unwrap();
        assert_eq!(
            escaped.sha256_hex(),
            Some(hex("aa")),
            "escaped text reads alike"
        );
        for (fields, expected) in [
            (r#""hashes": {"sha256": 1}"#, "expected a string"),
            (r#""hashes": []"#, "expected an object of hash names"),
            (
                r#""core-metadata": 5"#,
                "expected a boolean or an object of hashes",
            ),
            (r#""core-metadata": {"sha256": null}"#, "expected a string"),
            (r#""yanked": 3"#, "expected a boolean or a string"),
        ] {
            let error = one(fields).err().unwrap_or_default();
            assert!(error.contains(expected), "{fields}: {error}");
        }
        let plain = one(r#""core-metadata": true, "yanked": false"#).unwrap();
        assert_eq!(plain.core_metadata, MetadataFile::Offered { sha256: None });
        assert_eq!(plain.yanked, None);
    }

    #[test]
    fn json_page_errors_say_what_is_wrong() {
        let check = |body: &str, expected: &str| {
            let error = parse_json(body, &page_url(), &keep_all).unwrap_err();
            assert!(error.contains(expected), "{body}: {error}");
        };
        check(
            r#"{"meta": {"api-version": "2.0"}, "files": [{"filename": 1}]}"#,
            "unsupported Simple API version 2.0",
        );
        check(
            r#"{"files": [], "meta": {"api-version": "2.0"}}"#,
            "unsupported Simple API version 2.0",
        );
        check(
            r#"{"files": [{"filename": "foo-1.0.tar.gz", "url": "http://[::1"}]}"#,
            "invalid URL `http://[::1` for foo-1.0.tar.gz",
        );
        check(
            r#"{"meta": {"api-version": "1.0"}}"#,
            "missing field `files`",
        );
        check(r#"{"files": [], "files": []}"#, "duplicate field `files`");
        check(r#"{"files": [{"url": "a"}]}"#, "missing field `filename`");
        check(r#"{"files": []} trailing"#, "invalid JSON");
        check(r#"[]"#, "invalid JSON");
    }

    #[test]
    fn formats() {
        assert_eq!(
            page_format(Some("application/vnd.pypi.simple.v1+json"), "{}"),
            Ok(PageFormat::Json)
        );
        assert_eq!(
            page_format(Some("text/html; charset=utf-8"), "<html></html>"),
            Ok(PageFormat::Html)
        );
        assert_eq!(
            page_format(None, " <html><a href=x>x</a>"),
            Ok(PageFormat::Html)
        );
        assert!(page_format(Some("text/html"), "not a page").is_err());
        assert!(page_format(Some("image/png"), "{}").is_err());
        assert!(page_format(None, "garbage").is_err());
    }
}

#[cfg(test)]
#[path = "simple_properties.rs"]
mod properties;
