//! A pip requirements file whose pins carry `--hash` options.

use std::collections::BTreeMap;
use std::path::Path;

use envlock_pep::{Operator, PackageName, Requirement};

use crate::ImportError;
use crate::source::{Format, Source, SourcePackage, parse_marker, sha256_of};

/// Options that take a value and say nothing about the packages.
const IGNORED_OPTIONS: &[&str] = &[
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--only-binary",
    "--no-binary",
    "--prefer-binary",
    "--pre",
    "--no-index",
];

/// Reads a hashed requirements file.
pub fn parse(text: &str, path: &Path) -> Result<Source, ImportError> {
    let mut packages = Vec::new();
    for (number, line) in logical_lines(text) {
        let place = format!("line {number}");
        let invalid = |reason: String| ImportError::Invalid {
            path: path.to_owned(),
            place: place.clone(),
            reason,
        };
        let mut words = line.split_whitespace().peekable();
        let Some(first) = words.peek().copied() else {
            continue;
        };
        if first.starts_with('-') {
            let option = first.split('=').next().unwrap_or(first);
            if IGNORED_OPTIONS.contains(&option) {
                continue;
            }
            let what = match option {
                "-e" | "--editable" => "editable",
                "-r" | "--requirement" | "-c" | "--constraint" => {
                    return Err(invalid(format!(
                        "`{option}`: import the compiled file, which lists every pin itself"
                    )));
                }
                _ => return Err(invalid(format!("unsupported option `{option}`"))),
            };
            return Err(ImportError::NotFromIndex {
                path: path.to_owned(),
                place,
                what: what.to_owned(),
            });
        }
        let (requirement, hashes) = split_hashes(&line, &invalid)?;
        packages.push(package(&requirement, hashes, path, place)?);
    }
    Ok(Source {
        format: Format::Requirements,
        path: path.to_owned(),
        sha256: envlock_fs::Sha256::from_bytes([0; 32]),
        requires_python: None,
        packages,
        roots: None,
    })
}

/// The requirement text and the sha256 hashes of `--hash` options.
fn split_hashes(
    line: &str,
    invalid: &dyn Fn(String) -> ImportError,
) -> Result<(String, Vec<String>), ImportError> {
    let mut requirement = Vec::new();
    let mut hashes = Vec::new();
    let mut words = line.split_whitespace();
    while let Some(word) = words.next() {
        let value = if word == "--hash" {
            words.next().unwrap_or_default()
        } else if let Some(value) = word.strip_prefix("--hash=") {
            value
        } else {
            requirement.push(word);
            continue;
        };
        // Other algorithms are allowed by pip but tell envlock nothing it
        // can check against an index's sha256.
        if let Some(hex) = sha256_of(value) {
            hashes.push(hex);
        } else if !value.contains(':') {
            return Err(invalid(format!("`--hash {value}` is not `algorithm:hex`")));
        }
    }
    Ok((requirement.join(" "), hashes))
}

fn package(
    text: &str,
    hashes: Vec<String>,
    path: &Path,
    place: String,
) -> Result<SourcePackage, ImportError> {
    let invalid = |reason: String| ImportError::Invalid {
        path: path.to_owned(),
        place: place.clone(),
        reason,
    };
    let (head, marker) = match text.split_once(';') {
        Some((head, marker)) => (head.trim(), Some(marker.trim())),
        None => (text.trim(), None),
    };
    if head.contains('@') || head.contains("://") || head.starts_with(['.', '/']) {
        return Err(ImportError::NotFromIndex {
            path: path.to_owned(),
            place,
            what: "direct URL or path".to_owned(),
        });
    }
    envlock_pep::check_requirement(head).map_err(|error| invalid(format!("`{head}`: {error}")))?;
    let requirement: Requirement = head
        .parse()
        .map_err(|error| invalid(format!("`{head}`: {error}")))?;
    let version = match &requirement.version_or_url {
        Some(pep508_rs::VersionOrUrl::VersionSpecifier(specifiers))
            if specifiers.len() == 1
                && matches!(
                    specifiers.iter().next().map(|s| s.operator()),
                    Some(Operator::Equal | Operator::ExactEqual)
                ) =>
        {
            specifiers
                .iter()
                .next()
                .map(|specifier| specifier.version().clone())
        }
        _ => None,
    }
    .ok_or_else(|| {
        invalid(format!(
            "`{head}` is not pinned with `==`; import the compiled output (pip-compile, uv pip compile)"
        ))
    })?;
    let name: PackageName = requirement.name.clone();
    Ok(SourcePackage {
        name,
        version,
        marker: match marker {
            Some(text) => Some(parse_marker(text, path, &place)?),
            None => None,
        },
        requires_python: None,
        files: Vec::new(),
        hashes,
        dependencies: Vec::new(),
        optional_dependencies: BTreeMap::new(),
        place,
        not_from_index: None,
    })
}

/// Lines with comments removed and `\` continuations joined, numbered by
/// the line they start on.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let without_comment = strip_comment(raw);
        let (body, continues) = match without_comment.trim_end().strip_suffix('\\') {
            Some(body) => (body, true),
            None => (without_comment, false),
        };
        let entry = current.get_or_insert_with(|| (index + 1, String::new()));
        entry.1.push(' ');
        entry.1.push_str(body);
        if !continues
            && let Some(done) = current.take()
            && !done.1.trim().is_empty()
        {
            lines.push(done);
        }
    }
    if let Some(done) = current.filter(|done| !done.1.trim().is_empty()) {
        lines.push(done);
    }
    lines
}

/// The line up to a `#` at its start or after white space.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (at, byte) in bytes.iter().enumerate() {
        if *byte == b'#' && (at == 0 || bytes[at - 1].is_ascii_whitespace()) {
            return &line[..at];
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_hashes_markers_and_continuations() {
        let text = "# comment\n--index-url http://127.0.0.1:1/simple\nwerkzeug==2.3.8 ; python_version < \"3.9\" \\\n    --hash=sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa \\\n    --hash=sha256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\n    # via flask\n";
        let source = parse(text, Path::new("r.txt")).unwrap();
        assert_eq!(source.packages.len(), 1);
        let package = &source.packages[0];
        assert_eq!(package.name.to_string(), "werkzeug");
        assert_eq!(package.version.to_string(), "2.3.8");
        assert_eq!(package.hashes.len(), 2);
        assert_eq!(package.hashes[1], "b".repeat(64));
        assert_eq!(package.place, "line 3");
        assert!(package.marker.is_some());
    }

    #[test]
    fn editable_urls_and_ranges_are_refused() {
        for (text, expected) in [
            ("-e ./here\n", "editable"),
            ("foo @ https://127.0.0.1/foo.whl\n", "direct URL"),
            ("foo>=1\n", "not pinned"),
        ] {
            let error = parse(text, Path::new("r.txt")).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
    }
}
