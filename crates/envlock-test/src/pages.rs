//! The PEP 503 HTML pages of a fixture index, shared by the server and the
//! static index writer: plain functions of the index's data, so that
//! neither of those two modules has to reach into the other.

use std::path::Path;

use crate::index::{FixtureFile, FixtureIndex};

impl FixtureIndex {
    /// Writes a static PEP 503 index under `dir`, usable as a `file://`
    /// index or behind any web server: `simple/index.html`,
    /// `simple/<project>/index.html` (links to `../../files/<file>` with
    /// sha256 fragments, requires-python, yanked and, for files with
    /// metadata, `data-core-metadata`), `files/<file>` and
    /// `files/<file>.metadata`.
    pub fn write_static_index(&self, dir: &Path) -> std::io::Result<()> {
        let simple = dir.join("simple");
        let files_dir = dir.join("files");
        std::fs::create_dir_all(&simple)?;
        std::fs::create_dir_all(&files_dir)?;
        std::fs::write(simple.join("index.html"), root_html(self))?;
        for project in self.projects() {
            let files = self.files(project);
            let project_dir = simple.join(project);
            std::fs::create_dir_all(&project_dir)?;
            std::fs::write(
                project_dir.join("index.html"),
                project_html(project, files, true),
            )?;
            for file in files {
                std::fs::write(files_dir.join(&file.filename), &file.bytes)?;
                if let Some(metadata) = &file.metadata {
                    std::fs::write(
                        files_dir.join(format!("{}.metadata", file.filename)),
                        metadata,
                    )?;
                }
            }
        }
        Ok(())
    }
}

/// The PEP 503 HTML project list (shared with the static index writer).
pub(crate) fn root_html(index: &FixtureIndex) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"1.1\">\n<title>Simple index</title>\n</head>\n<body>\n",
    );
    for name in index.projects() {
        html.push_str(&format!(
            "<a href=\"{}/\">{}</a><br/>\n",
            escape_html(&encode_path_segment(name)),
            escape_html(name)
        ));
    }
    html.push_str("</body>\n</html>\n");
    html
}

/// A PEP 503 HTML project page with PEP 592/658/714 attributes (shared with
/// the static index writer). Links point at `../../files/<file>`.
pub(crate) fn project_html(name: &str, files: &[FixtureFile], metadata_files: bool) -> String {
    let metadata_hash = |file: &FixtureFile| {
        if metadata_files {
            file.metadata_sha256()
        } else {
            None
        }
    };
    let mut html = format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"1.1\">\n<title>Links for {0}</title>\n</head>\n<body>\n<h1>Links for {0}</h1>\n",
        escape_html(name)
    );
    for file in files {
        let mut anchor = format!(
            "<a href=\"{}\"",
            escape_html(&format!(
                "../../files/{}#sha256={}",
                encode_path_segment(&file.filename),
                file.sha256()
            ))
        );
        if let Some(requires_python) = &file.requires_python {
            anchor.push_str(&format!(
                " data-requires-python=\"{}\"",
                escape_html(requires_python)
            ));
        }
        if let Some(reason) = &file.yanked {
            anchor.push_str(&format!(" data-yanked=\"{}\"", escape_html(reason)));
        }
        if let Some(hash) = metadata_hash(file) {
            anchor.push_str(&format!(
                " data-core-metadata=\"sha256={hash}\" data-dist-info-metadata=\"sha256={hash}\""
            ));
        }
        anchor.push_str(&format!(">{}</a><br/>\n", escape_html(&file.filename)));
        html.push_str(&anchor);
    }
    html.push_str("</body>\n</html>\n");
    html
}

pub(crate) fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#x27;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Percent-encodes what may not appear literally in a URL path segment.
/// `+` stays literal: local versions (`1.0+local`) put it in file names and
/// it has no special meaning in a path.
pub(crate) fn encode_path_segment(segment: &str) -> String {
    let mut encoded = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~+!$&'()*,;=:@".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}
