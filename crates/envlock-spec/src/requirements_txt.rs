//! pip's requirements-file syntax, as far as a lock needs it.
//!
//! Understood: comments (`#` at the start or after white space), line
//! continuations (`\` at the end of a line), `-r`/`--requirement` and
//! `-c`/`--constraint` (paths relative to the including file),
//! `-i`/`--index-url`, `--extra-index-url`, `-f`/`--find-links`, `--pre`,
//! `--only-binary`, `--no-binary`, `${VAR}` expansion, PEP 508 requirements
//! with markers, and a trailing `--hash=…` on a requirement (ignored: envlock
//! records the hashes of the files it locks). Editable installs, local paths
//! and direct URLs are refused with an explanation: a lock names index files.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use envlock_pep::Requirement;

use crate::error::{Location, SpecError};
use crate::expand::{Environment, expand};

/// A value with the place it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub location: Location,
}

/// What a requirements file (and the files it includes) says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequirementsFile {
    /// Requirements to install.
    pub requirements: Vec<Located<Requirement>>,
    /// Constraints (from `-c` files): they limit versions, they add nothing.
    pub constraints: Vec<Located<Requirement>>,
    /// `--index-url`, the last one given.
    pub index_url: Option<Located<String>>,
    /// `--extra-index-url`s, in order.
    pub extra_index_urls: Vec<Located<String>>,
    /// `--find-links` folders, resolved against the file that names them.
    pub find_links: Vec<Located<PathBuf>>,
    /// `--pre` was given.
    pub prereleases: bool,
    /// `--only-binary` package names (`:all:` and `:none:` kept as written).
    pub only_binary: Vec<String>,
    /// `--no-binary` package names (`:all:` and `:none:` kept as written).
    pub no_binary: Vec<String>,
}

/// Reads a requirements file and everything it includes.
pub fn read_requirements_file(
    path: &Path,
    environment: Environment<'_>,
) -> Result<RequirementsFile, SpecError> {
    let mut out = RequirementsFile::default();
    let mut reader = Reader {
        environment,
        visiting: HashSet::new(),
    };
    reader.read(path, Kind::Requirements, &mut out)?;
    Ok(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Requirements,
    Constraints,
}

struct Reader<'env> {
    environment: Environment<'env>,
    /// Files being read, to refuse include cycles.
    visiting: HashSet<PathBuf>,
}

/// One logical line: continuations joined, comment removed.
struct LogicalLine {
    text: String,
    /// Byte offset in the file of the line's first character.
    offset: usize,
}

impl Reader<'_> {
    fn read(
        &mut self,
        path: &Path,
        kind: Kind,
        out: &mut RequirementsFile,
    ) -> Result<(), SpecError> {
        let text: Arc<str> = std::fs::read_to_string(path)
            .map_err(|error| {
                SpecError::file(path, format!("cannot read the requirements file: {error}"))
            })?
            .into();
        let key = path.canonicalize().unwrap_or_else(|_| path.to_owned());
        if !self.visiting.insert(key.clone()) {
            return Err(SpecError::file(
                path,
                "is included again by a file it includes (an include cycle)",
            ));
        }
        let folder = path.parent().unwrap_or(Path::new("."));
        for line in logical_lines(&text) {
            self.line(path, folder, &text, &line, kind, out)?;
        }
        self.visiting.remove(&key);
        Ok(())
    }

    fn line(
        &mut self,
        path: &Path,
        folder: &Path,
        text: &Arc<str>,
        line: &LogicalLine,
        kind: Kind,
        out: &mut RequirementsFile,
    ) -> Result<(), SpecError> {
        let located = |start: usize, length: usize| Location {
            path: path.to_owned(),
            text: Arc::clone(text),
            span: line.offset + start..line.offset + start + length,
        };
        let whole = || located(0, line.text.len());
        let expanded = expand(&line.text, self.environment).map_err(|name| {
            SpecError::at(
                whole(),
                format!("the environment variable `{name}` is not set"),
            )
            .with_hint(format!("set {name}, or write the value into the file"))
        })?;
        let content = expanded.trim();
        if !content.starts_with('-') {
            return self.requirement(content, &line.text, kind, &located, out);
        }
        let (option, value) = split_option(content);
        let value_location = whole();
        let needs_value = |value: Option<&str>| {
            value
                .map(str::to_owned)
                .ok_or_else(|| SpecError::at(whole(), format!("`{option}` needs a value")))
        };
        match option {
            "-r" | "--requirement" | "-c" | "--constraint" => {
                let include = folder.join(needs_value(value)?);
                let include_kind = if matches!(option, "-c" | "--constraint") {
                    Kind::Constraints
                } else {
                    kind
                };
                if !include.exists() {
                    return Err(SpecError::at(
                        whole(),
                        format!("the included file `{}` does not exist", include.display()),
                    ));
                }
                self.read(&include, include_kind, out)
            }
            "-i" | "--index-url" => {
                out.index_url = Some(Located { value: needs_value(value)?, location: value_location });
                Ok(())
            }
            "--extra-index-url" => {
                out.extra_index_urls.push(Located { value: needs_value(value)?, location: value_location });
                Ok(())
            }
            "-f" | "--find-links" => {
                out.find_links.push(Located { value: folder.join(needs_value(value)?), location: value_location });
                Ok(())
            }
            "--pre" => {
                out.prereleases = true;
                Ok(())
            }
            "--only-binary" => {
                out.only_binary.extend(package_list(&needs_value(value)?));
                Ok(())
            }
            "--no-binary" => {
                out.no_binary.extend(package_list(&needs_value(value)?));
                Ok(())
            }
            "-e" | "--editable" => Err(SpecError::at(whole(), "editable requirements cannot be locked")
                .with_hint("a lock names files from an index; build the project into a wheel and add its folder with --find-links")),
            "--no-index" | "--prefer-binary" | "--require-hashes" | "--trusted-host" => Ok(()),
            other => Err(SpecError::at(located(0, other.len()), format!("unknown or unsupported option `{other}`"))
                .with_hint("supported: -r, -c, -i/--index-url, --extra-index-url, -f/--find-links, --pre, --only-binary, --no-binary")),
        }
    }

    fn requirement(
        &self,
        content: &str,
        raw: &str,
        kind: Kind,
        located: &dyn Fn(usize, usize) -> Location,
        out: &mut RequirementsFile,
    ) -> Result<(), SpecError> {
        // A requirement may carry per-requirement options; only `--hash` is
        // meaningful to pip here and envlock computes hashes itself.
        let (requirement_text, options) = match content.find(" --") {
            Some(index) => (content[..index].trim_end(), &content[index..]),
            None => (content, ""),
        };
        for option in options.split_whitespace() {
            if !option.starts_with("--hash") && !option.starts_with("sha256:") {
                return Err(SpecError::at(
                    located(0, raw.len()),
                    format!("unsupported option `{option}` on a requirement"),
                ));
            }
        }
        let start_in_raw = raw.find(requirement_text).unwrap_or(0);
        let requirement = parse_requirement(requirement_text, &|start, length| {
            located(start_in_raw + start, length)
        })?;
        let entry = Located {
            value: requirement,
            location: located(start_in_raw, requirement_text.len()),
        };
        match kind {
            Kind::Requirements => out.requirements.push(entry),
            Kind::Constraints => out.constraints.push(entry),
        }
        Ok(())
    }
}

/// Parses one PEP 508 requirement, pointing errors at the column the parser
/// reports. `located(start, length)` maps offsets within `text` to the file.
pub(crate) fn parse_requirement(
    text: &str,
    located: &dyn Fn(usize, usize) -> Location,
) -> Result<Requirement, SpecError> {
    if looks_like_path_or_url(text) {
        return Err(SpecError::at(located(0, text.len()), format!("`{text}` is a path or URL, not a requirement"))
            .with_hint("a lock names files from an index; put the file in a folder and add it with --find-links, then require it by name"));
    }
    envlock_pep::check_requirement(text).map_err(|error| {
        SpecError::at(
            located(0, text.len().max(1)),
            format!("invalid requirement `{text}`: {error}"),
        )
    })?;
    let requirement = Requirement::from_str(text).map_err(|error| {
        let length = error
            .len
            .max(1)
            .min(text.len().saturating_sub(error.start).max(1));
        SpecError::at(
            located(error.start, length),
            format!("invalid requirement `{text}`: {}", error.message),
        )
    })?;
    if matches!(
        requirement.version_or_url,
        Some(pep508_rs::VersionOrUrl::Url(_))
    ) {
        return Err(SpecError::at(
            located(0, text.len()),
            format!("`{text}` names a direct URL"),
        )
        .with_hint(
            "a lock names files from an index; require the package by name and version instead",
        ));
    }
    Ok(requirement)
}

fn looks_like_path_or_url(text: &str) -> bool {
    text.starts_with('.')
        || text.starts_with('/')
        || text.contains("://")
        || text.ends_with(".whl")
        || text.ends_with(".tar.gz")
        || text.ends_with(".zip")
}

fn package_list(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
}

/// Splits `--opt=value`, `--opt value`, `-r file` and `-rfile`.
fn split_option(content: &str) -> (&str, Option<&str>) {
    if let Some(long) = content.strip_prefix("--") {
        let end = long
            .find(['=', ' ', '\t'])
            .map_or(content.len(), |index| index + 2);
        let value = content[end..].trim_start_matches(['=', ' ', '\t']).trim();
        return (&content[..end], (!value.is_empty()).then_some(value));
    }
    let end = content
        .char_indices()
        .nth(2)
        .map_or(content.len(), |(index, _)| index);
    let value = content[end..].trim_start_matches(['=', ' ', '\t']).trim();
    (&content[..end], (!value.is_empty()).then_some(value))
}

/// Joins continuation lines and drops comments and blank lines.
fn logical_lines(text: &str) -> Vec<LogicalLine> {
    let mut lines = Vec::new();
    let mut current: Option<LogicalLine> = None;
    let mut offset = 0;
    for physical in text.split_inclusive('\n') {
        let line_offset = offset;
        offset += physical.len();
        let content = physical.trim_end_matches(['\n', '\r']);
        let (content, continues) = match content.strip_suffix('\\') {
            Some(stripped) => (stripped, true),
            None => (content, false),
        };
        let logical = current.get_or_insert_with(|| LogicalLine {
            text: String::new(),
            offset: line_offset,
        });
        logical.text.push_str(content);
        if continues {
            continue;
        }
        if let Some(mut logical) = current.take() {
            strip_comment(&mut logical.text);
            if !logical.text.trim().is_empty() {
                lines.push(logical);
            }
        }
    }
    if let Some(mut logical) = current.take() {
        strip_comment(&mut logical.text);
        if !logical.text.trim().is_empty() {
            lines.push(logical);
        }
    }
    lines
}

/// Removes a comment: `#` at the start of the line or after white space.
fn strip_comment(line: &mut String) {
    let mut previous_is_space = true;
    for (index, character) in line.char_indices() {
        if character == '#' && previous_is_space {
            line.truncate(index);
            break;
        }
        previous_is_space = character.is_whitespace();
    }
    let trimmed = line.trim_end().len();
    line.truncate(trimmed);
}
