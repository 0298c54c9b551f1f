//! Core metadata: parsing RFC 822 `METADATA`/`PKG-INFO`, reading it out of
//! wheel and sdist archives, and deriving it from a static `pyproject.toml`.

use std::io::{Cursor, Read};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use envlock_pep::{ExtraName, PackageName, Requirement, Version, VersionSpecifiers};

use crate::error::IndexError;
use crate::types::CoreMetadata;

/// Largest metadata member inflated by default (`--max-archive-member-size`):
/// real METADATA files are a few KiB to a few hundred KiB, so this only
/// stops zip bombs.
pub const DEFAULT_MAX_ARCHIVE_MEMBER_SIZE: u64 = 64 * 1024 * 1024;

/// The most entries an archive read for its metadata may have by default
/// (`--max-archive-entries`). Real wheels and sdists have up to a few tens
/// of thousands; this only stops archives built to exhaust memory or time.
pub const DEFAULT_MAX_ARCHIVE_ENTRIES: u64 = 200_000;

static MAX_ARCHIVE_MEMBER_SIZE: AtomicU64 = AtomicU64::new(DEFAULT_MAX_ARCHIVE_MEMBER_SIZE);
static MAX_ARCHIVE_ENTRIES: AtomicU64 = AtomicU64::new(DEFAULT_MAX_ARCHIVE_ENTRIES);

/// The settings that raise the archive limits, as errors name them.
const ENTRIES_SETTING: &str = "--max-archive-entries / ENVLOCK_MAX_ARCHIVE_ENTRIES";
const MEMBER_SIZE_SETTING: &str = "--max-archive-member-size / ENVLOCK_MAX_ARCHIVE_MEMBER_SIZE";

/// Sets, for the whole process, the most entries an archive read for its
/// metadata may have and the largest member (METADATA, PKG-INFO,
/// pyproject.toml) inflated from one, in bytes. Archives are read deep
/// inside parsers that have no options of their own, so these are set once
/// at start-up (the command line's `--max-archive-entries` and
/// `--max-archive-member-size`).
pub fn set_archive_limits(entries: u64, member_size: u64) {
    MAX_ARCHIVE_ENTRIES.store(entries.max(1), Ordering::Relaxed);
    MAX_ARCHIVE_MEMBER_SIZE.store(member_size.max(1), Ordering::Relaxed);
}

/// The most entries an archive may have (see [`set_archive_limits`]).
pub(crate) fn max_archive_entries() -> u64 {
    MAX_ARCHIVE_ENTRIES.load(Ordering::Relaxed)
}

/// The largest member inflated (see [`set_archive_limits`]).
pub(crate) fn max_member_size() -> u64 {
    MAX_ARCHIVE_MEMBER_SIZE.load(Ordering::Relaxed)
}

/// The reason given for a member over the size limit.
pub(crate) fn member_too_large(member: &str) -> String {
    format!(
        "{member} is larger than {} bytes, the limit set by {MEMBER_SIZE_SETTING}",
        max_member_size()
    )
}

/// Checks the `index`-th entry (counting from 1) of an archive about to be
/// unpacked whole (an sdist for a build, a build requirement's wheel)
/// against the same limits as metadata reads: the error names the member
/// and the setting that raises the limit.
pub fn check_unpacked_member(index: u64, member: &str, size: u64) -> Result<(), String> {
    if index > max_archive_entries() {
        return Err(too_many_entries(index));
    }
    if size > max_member_size() {
        return Err(member_too_large(member));
    }
    Ok(())
}

/// At most the first 80 characters of an outside text, for an error
/// message: a hostile requirement may be megabytes long.
fn shortened(text: &str) -> String {
    const SHOWN: usize = 80;
    match text.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// The error for an archive with too many entries.
pub(crate) fn too_many_entries(count: u64) -> String {
    format!(
        "it has {count} entries or more, over the limit of {} per archive set by {ENTRIES_SETTING}",
        max_archive_entries()
    )
}

/// Parses RFC 822 core metadata (`METADATA`, `PKG-INFO`, a PEP 658 file).
/// `source_name` names where the bytes came from, for errors.
pub fn parse_core_metadata(bytes: &[u8], source_name: &str) -> Result<CoreMetadata, IndexError> {
    let bad = |reason: String| IndexError::BadMetadata {
        source_name: source_name.to_owned(),
        reason,
    };
    let raw = python_pkginfo::Metadata::parse(&resolution_headers(bytes))
        .map_err(|error| bad(error.to_string()))?;
    let name = PackageName::from_str(raw.name.trim())
        .map_err(|error| bad(format!("invalid Name `{}`: {error}", raw.name)))?;
    let version = Version::from_str(raw.version.trim())
        .map_err(|error| bad(format!("invalid Version `{}`: {error}", raw.version)))?;
    let requires_dist = raw
        .requires_dist
        .iter()
        .map(|text| {
            envlock_pep::check_requirement(text).map_err(|error| {
                bad(format!(
                    "invalid Requires-Dist `{}`: {error}",
                    shortened(text)
                ))
            })?;
            Requirement::from_str(text).map_err(|error| {
                bad(format!(
                    "invalid Requires-Dist `{}`: {error}",
                    shortened(text)
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let provides_extra = raw
        .provides_extras
        .iter()
        .map(|text| {
            ExtraName::from_str(text.trim())
                .map_err(|error| bad(format!("invalid Provides-Extra `{text}`: {error}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    // An unparsable Requires-Python is ignored, as installers do.
    let requires_python = raw
        .requires_python
        .as_deref()
        .and_then(|text| VersionSpecifiers::from_str(text.trim()).ok());
    Ok(CoreMetadata {
        name,
        version,
        requires_dist,
        requires_python,
        provides_extra,
        dynamic: raw.dynamic,
    })
}

/// The header fields a resolution reads (lowercase).
const RESOLUTION_FIELDS: [&str; 7] = [
    "metadata-version",
    "name",
    "version",
    "requires-dist",
    "requires-python",
    "provides-extra",
    "dynamic",
];

/// The header lines of core metadata a resolution reads, without the
/// others (descriptions, licence texts, classifiers) and without the body
/// (the long description): the parser decodes every field and the body,
/// which cost a warm lock more time than the fields it needs. A field's
/// continuation lines go with it; a line that is not a field (damaged
/// metadata) is kept, so the parser still sees it.
fn resolution_headers(bytes: &[u8]) -> Vec<u8> {
    let mut kept = Vec::with_capacity(bytes.len().min(16 * 1024));
    let mut keeping = true;
    for line in bytes.split_inclusive(|byte| *byte == b'\n') {
        if matches!(line, b"\n" | b"\r\n") {
            break;
        }
        if !matches!(line.first(), Some(b' ' | b'\t')) {
            keeping = match line.iter().position(|byte| *byte == b':') {
                Some(colon) => RESOLUTION_FIELDS.iter().any(|field| {
                    line[..colon]
                        .trim_ascii()
                        .eq_ignore_ascii_case(field.as_bytes())
                }),
                None => true,
            };
        }
        if keeping {
            kept.extend_from_slice(line);
        }
    }
    kept
}

/// Whether a zip member name is a top-level `<name>.dist-info/METADATA`.
pub(crate) fn is_dist_info_metadata(member: &str) -> bool {
    match member.split_once('/') {
        Some((dir, rest)) => rest == "METADATA" && dir.ends_with(".dist-info") && !dir.is_empty(),
        None => false,
    }
}

/// Picks the METADATA member among candidates: the only one, or the one
/// whose `.dist-info` directory matches the wheel's name part.
pub(crate) fn choose_metadata_member<'a>(
    candidates: &[&'a str],
    filename: &str,
    source_name: &str,
) -> Result<&'a str, IndexError> {
    match candidates {
        [] => Err(IndexError::BadArchive {
            source_name: source_name.to_owned(),
            reason: "no *.dist-info/METADATA member".to_owned(),
        }),
        [only] => Ok(only),
        many => {
            let wanted = filename
                .split('-')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            many.iter()
                .find(|member| {
                    member
                        .split('-')
                        .next()
                        .is_some_and(|name| name.to_ascii_lowercase() == wanted)
                })
                .copied()
                .ok_or_else(|| IndexError::BadArchive {
                    source_name: source_name.to_owned(),
                    reason: format!("several *.dist-info/METADATA members: {}", many.join(", ")),
                })
        }
    }
}

/// Reads `*.dist-info/METADATA` from a whole wheel held in memory.
/// `filename` names the wheel (its project and version pick the right
/// `.dist-info` folder); `source_name` is used in errors.
pub fn wheel_metadata_from_bytes(
    bytes: &[u8],
    filename: &str,
    source_name: &str,
) -> Result<Vec<u8>, IndexError> {
    let bad = |reason: String| IndexError::BadArchive {
        source_name: source_name.to_owned(),
        reason,
    };
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|error| bad(error.to_string()))?;
    if archive.len() as u64 > max_archive_entries() {
        return Err(bad(too_many_entries(archive.len() as u64)));
    }
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|name| name.into_owned())
        .collect();
    let candidates: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|name| is_dist_info_metadata(name))
        .collect();
    let member = choose_metadata_member(&candidates, filename, source_name)?;
    let entry = archive
        .by_name(member)
        .map_err(|error| bad(error.to_string()))?;
    read_limited(entry, member, source_name)
}

fn read_limited(reader: impl Read, member: &str, source_name: &str) -> Result<Vec<u8>, IndexError> {
    let limit = max_member_size();
    let mut out = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|error| IndexError::BadArchive {
            source_name: source_name.to_owned(),
            reason: format!("cannot read {member}: {error}"),
        })?;
    if out.len() as u64 > limit {
        return Err(IndexError::BadArchive {
            source_name: source_name.to_owned(),
            reason: member_too_large(member),
        });
    }
    Ok(out)
}

/// The two files of an sdist that can hold static metadata.
#[derive(Default)]
struct SdistFiles {
    pkg_info: Option<Vec<u8>>,
    pyproject: Option<Vec<u8>>,
}

fn top_level_member(path: &str) -> Option<&str> {
    let path = path.strip_prefix("./").unwrap_or(path);
    let (dir, rest) = path.split_once('/')?;
    (!dir.is_empty() && (rest == "PKG-INFO" || rest == "pyproject.toml")).then_some(rest)
}

fn read_sdist_files(
    filename: &str,
    bytes: &[u8],
    source_name: &str,
) -> Result<SdistFiles, IndexError> {
    let bad = |reason: String| IndexError::BadArchive {
        source_name: source_name.to_owned(),
        reason,
    };
    let mut files = SdistFiles::default();
    if filename.to_ascii_lowercase().ends_with(".zip") {
        let mut archive =
            zip::ZipArchive::new(Cursor::new(bytes)).map_err(|error| bad(error.to_string()))?;
        if archive.len() as u64 > max_archive_entries() {
            return Err(bad(too_many_entries(archive.len() as u64)));
        }
        let names: Vec<String> = archive
            .file_names()
            .filter_map(Result::ok)
            .map(|name| name.into_owned())
            .collect();
        for name in names {
            let Some(which) = top_level_member(&name) else {
                continue;
            };
            let entry = archive
                .by_name(&name)
                .map_err(|error| bad(error.to_string()))?;
            let content = read_limited(entry, &name, source_name)?;
            store(&mut files, which, content);
        }
    } else {
        let decoder = flate2::read::GzDecoder::new(bytes);
        let mut archive = tar::Archive::new(decoder);
        let entries = archive.entries().map_err(|error| bad(error.to_string()))?;
        for (count, entry) in entries.enumerate() {
            if count as u64 >= max_archive_entries() {
                return Err(bad(too_many_entries(count as u64)));
            }
            let entry = entry.map_err(|error| bad(error.to_string()))?;
            let path = entry
                .path()
                .map_err(|error| bad(error.to_string()))?
                .to_string_lossy()
                .into_owned();
            let Some(which) = top_level_member(&path) else {
                continue;
            };
            let content = read_limited(entry, &path, source_name)?;
            store(&mut files, which, content);
        }
    }
    Ok(files)
}

fn store(files: &mut SdistFiles, which: &str, content: Vec<u8>) {
    // The first occurrence wins; sdists have one top-level directory.
    match which {
        "PKG-INFO" if files.pkg_info.is_none() => files.pkg_info = Some(content),
        "pyproject.toml" if files.pyproject.is_none() => files.pyproject = Some(content),
        _ => {}
    }
}

fn metadata_version_at_least(version: &str, major: u64, minor: u64) -> bool {
    let mut parts = version
        .trim()
        .split('.')
        .map(|part| part.parse::<u64>().ok());
    let found_major = parts.next().flatten().unwrap_or(0);
    let found_minor = parts.next().flatten().unwrap_or(0);
    (found_major, found_minor) >= (major, minor)
}

fn is_dynamic(dynamic: &[String], field: &str) -> bool {
    dynamic
        .iter()
        .any(|entry| entry.trim().eq_ignore_ascii_case(field))
}

/// Static core metadata of an sdist, as RFC 822 bytes (so it can be cached
/// and parsed like any other): `PKG-INFO` when it is metadata 2.2+ with
/// static dependencies, else synthesised from a static `[project]` table.
///
/// Static means what a resolution reads from metadata: `Requires-Dist`
/// (PEP 643: a field `PKG-INFO` does not mark `Dynamic` is the same in
/// every wheel built from the sdist). `Requires-Python` may be dynamic: the
/// resolver takes every file's `Requires-Python` from the index page, never
/// from metadata, so a built wheel's would not change the lock (setuptools
/// marks it `Dynamic` whenever `setup.py` sets it, as psutil 7.0.0's does,
/// whose dependencies are static; building it to learn nothing the lock
/// uses was about a third of a cold 25-target lock's CPU).
pub(crate) fn sdist_metadata(
    filename: &str,
    bytes: &[u8],
    source_name: &str,
) -> Result<Vec<u8>, IndexError> {
    let files = read_sdist_files(filename, bytes, source_name)?;
    let pkg_info = files
        .pkg_info
        .as_deref()
        .and_then(|content| python_pkginfo::Metadata::parse(content).ok());
    let mut reasons = Vec::new();
    if let (Some(raw), Some(parsed)) = (files.pkg_info.as_ref(), pkg_info.as_ref()) {
        if !metadata_version_at_least(&parsed.metadata_version, 2, 2) {
            reasons.push(format!(
                "PKG-INFO has Metadata-Version {} (static metadata needs 2.2+)",
                parsed.metadata_version.trim()
            ));
        } else if is_dynamic(&parsed.dynamic, "Requires-Dist") {
            reasons.push("PKG-INFO marks Requires-Dist as Dynamic".to_owned());
        } else {
            return Ok(raw.clone());
        }
    } else {
        reasons.push("no readable PKG-INFO".to_owned());
    }
    match files.pyproject {
        Some(pyproject) => match pyproject_metadata(&pyproject, pkg_info.as_ref(), source_name)? {
            Ok(text) => Ok(text.into_bytes()),
            Err(reason) => {
                reasons.push(reason);
                Err(IndexError::DynamicSdistMetadata {
                    filename: filename.to_owned(),
                    reason: reasons.join("; "),
                })
            }
        },
        None => {
            reasons.push("no pyproject.toml".to_owned());
            Err(IndexError::DynamicSdistMetadata {
                filename: filename.to_owned(),
                reason: reasons.join("; "),
            })
        }
    }
}

/// Synthesises METADATA from `pyproject.toml`'s `[project]`. The outer error
/// is a broken file; the inner `Err` says why the metadata is not static.
fn pyproject_metadata(
    content: &[u8],
    pkg_info: Option<&python_pkginfo::Metadata>,
    source_name: &str,
) -> Result<Result<String, String>, IndexError> {
    let bad = |reason: String| IndexError::BadMetadata {
        source_name: format!("{source_name} (pyproject.toml)"),
        reason,
    };
    let text = std::str::from_utf8(content).map_err(|error| bad(error.to_string()))?;
    let document: toml::Table = toml::from_str(text).map_err(|error| bad(error.to_string()))?;
    let Some(project) = document.get("project").and_then(toml::Value::as_table) else {
        return Ok(Err("pyproject.toml has no [project] table".to_owned()));
    };
    if let Some(field) = dynamic_dependency_field(project) {
        return Ok(Err(format!(
            "pyproject.toml lists `{field}` in project.dynamic"
        )));
    }
    let Some((name, version)) = static_name_and_version(project, pkg_info) else {
        return Ok(Err(
            "pyproject.toml has no static name and version".to_owned()
        ));
    };
    let mut out = format!("Metadata-Version: 2.2\nName: {name}\nVersion: {version}\n");
    if let Some(requires_python) = project.get("requires-python") {
        let value = requires_python
            .as_str()
            .ok_or_else(|| bad("project.requires-python is not a string".to_owned()))?;
        out.push_str(&format!("Requires-Python: {value}\n"));
    }
    for dependency in string_array(project.get("dependencies"), "project.dependencies", &bad)? {
        let requirement = pyproject_dependency(&dependency, &bad)?;
        out.push_str(&format!("Requires-Dist: {requirement}\n"));
    }
    if let Some(optional) = project.get("optional-dependencies") {
        let table = optional
            .as_table()
            .ok_or_else(|| bad("project.optional-dependencies is not a table".to_owned()))?;
        for (extra, entries) in table {
            let extra_name = ExtraName::from_str(extra)
                .map_err(|error| bad(format!("invalid extra `{extra}`: {error}")))?;
            out.push_str(&format!("Provides-Extra: {extra_name}\n"));
            for dependency in string_array(Some(entries), "project.optional-dependencies", &bad)? {
                let requirement =
                    pyproject_dependency(&dependency, &bad)?.with_extra_marker(&extra_name);
                out.push_str(&format!("Requires-Dist: {requirement}\n"));
            }
        }
    }
    Ok(Ok(out))
}

/// The first of the fields that decide dependencies which
/// `project.dynamic` lists, if any (`requires-python` does not: see
/// [`sdist_metadata`]).
fn dynamic_dependency_field(project: &toml::Table) -> Option<&'static str> {
    let dynamic: Vec<String> = project
        .get("dynamic")
        .and_then(toml::Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|entry| entry.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    ["dependencies", "optional-dependencies"]
        .into_iter()
        .find(|field| is_dynamic(&dynamic, field))
}

/// The project's name and version: `[project]`'s, or else PKG-INFO's.
fn static_name_and_version(
    project: &toml::Table,
    pkg_info: Option<&python_pkginfo::Metadata>,
) -> Option<(String, String)> {
    let field = |key: &str| {
        project
            .get(key)
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
    };
    let name = field("name").or_else(|| pkg_info.map(|raw| raw.name.clone()));
    let version = field("version").or_else(|| pkg_info.map(|raw| raw.version.clone()));
    Some((name?, version?))
}

/// One `pyproject.toml` dependency, checked before the parser sees it.
fn pyproject_dependency(
    dependency: &str,
    bad: &impl Fn(String) -> IndexError,
) -> Result<Requirement, IndexError> {
    let invalid = |error: &dyn std::fmt::Display| {
        bad(format!(
            "invalid dependency `{}`: {error}",
            shortened(dependency)
        ))
    };
    envlock_pep::check_requirement(dependency).map_err(|error| invalid(&error))?;
    Requirement::from_str(dependency).map_err(|error| invalid(&error))
}

fn string_array(
    value: Option<&toml::Value>,
    what: &str,
    bad: &impl Fn(String) -> IndexError,
) -> Result<Vec<String>, IndexError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let entries = value
        .as_array()
        .ok_or_else(|| bad(format!("{what} is not an array")))?;
    entries
        .iter()
        .map(|entry| {
            entry
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| bad(format!("{what} holds a non-string entry")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_fields_a_resolution_reads_are_parsed_and_they_parse_alike() {
        let text = "Metadata-Version: 2.1\nName: Demo_Pkg\nVersion: 1.0\n\
            Summary: a: summary\nLicense: BSD\n        Name: not-a-field\n\
            \tRequires-Dist: not-a-field\nClassifier: Programming Language :: Python\n\
            requires-dist: numpy>=1.20\nRequires-Dist: rich; extra == 'cli'\n\
            Requires-Dist: colorama;\n  sys_platform == 'win32'\nProvides-Extra: cli\n\
            Requires-Python: >=3.9\nDynamic: License\n\n\
            Requires-Dist: from-the-body\nName: body\n";
        for bytes in [text.to_owned(), text.replace('\n', "\r\n")] {
            let whole = python_pkginfo::Metadata::parse(bytes.as_bytes()).unwrap();
            let kept = resolution_headers(bytes.as_bytes());
            let kept_text = String::from_utf8(kept.clone()).unwrap();
            for gone in [
                "License: BSD",
                "not-a-field",
                "Classifier",
                "from-the-body",
                "Summary",
            ] {
                assert!(!kept_text.contains(gone), "{gone} in {kept_text:?}");
            }
            let filtered = python_pkginfo::Metadata::parse(&kept).unwrap();
            assert_eq!(filtered.name, whole.name);
            assert_eq!(filtered.version, whole.version);
            assert_eq!(filtered.requires_dist, whole.requires_dist);
            assert_eq!(filtered.requires_python, whole.requires_python);
            assert_eq!(filtered.provides_extras, whole.provides_extras);
            assert_eq!(filtered.dynamic, whole.dynamic);
            let metadata = parse_core_metadata(bytes.as_bytes(), "demo").unwrap();
            assert_eq!(metadata.name.as_ref(), "demo-pkg");
            assert_eq!(metadata.requires_dist.len(), 3);
            assert_eq!(metadata.provides_extra.len(), 1);
            assert_eq!(metadata.dynamic, ["License"]);
        }
        // Damaged metadata still fails, naming its source.
        let error = parse_core_metadata(b"Summary: x\n\nName: body\n", "there").unwrap_err();
        assert!(error.to_string().contains("there"), "{error}");
    }

    #[test]
    fn parses_metadata() {
        let text = "Metadata-Version: 2.1\nName: Foo_Bar\nVersion: 1.0\nRequires-Python: >=3.8\n\
                    Requires-Dist: leaf>=2\nRequires-Dist: extra-dep; extra == \"x\"\nProvides-Extra: x\n\nbody\n";
        let metadata = parse_core_metadata(text.as_bytes(), "test").unwrap();
        assert_eq!(metadata.name.as_ref(), "foo-bar");
        assert_eq!(metadata.version.to_string(), "1.0");
        assert_eq!(metadata.requires_dist.len(), 2);
        assert_eq!(metadata.requires_python.unwrap().to_string(), ">=3.8");
        assert_eq!(metadata.provides_extra[0].as_ref(), "x");
    }

    #[test]
    fn deeply_nested_marker_is_refused_before_parsing() {
        let marker = format!(
            "{}python_version >= '3'{}",
            "(".repeat(50_000),
            ")".repeat(50_000)
        );
        let text = format!(
            "Metadata-Version: 2.1\nName: top\nVersion: 1.0\nRequires-Dist: leaf; {marker}\n"
        );
        let error = parse_core_metadata(text.as_bytes(), "https://h.invalid/top.metadata")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("https://h.invalid/top.metadata")
                && error.contains("at most 64 are accepted"),
            "{error}"
        );
        let shallow = "Metadata-Version: 2.1\nName: top\nVersion: 1.0\nRequires-Dist: leaf; ((python_version >= '3'))\n";
        assert!(parse_core_metadata(shallow.as_bytes(), "x").is_ok());
    }

    #[test]
    fn tolerates_bad_requires_python() {
        let text = "Metadata-Version: 2.1\nName: a\nVersion: 1\nRequires-Python: >=3.6.*garbage\n";
        let metadata = parse_core_metadata(text.as_bytes(), "test").unwrap();
        assert!(metadata.requires_python.is_none());
    }

    #[test]
    fn names_source_on_error() {
        let error = parse_core_metadata(
            b"this is not metadata at all",
            "http://h.invalid/x.metadata",
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("http://h.invalid/x.metadata"), "{error}");
        let error = parse_core_metadata(b"Metadata-Version: 2.1\nName: a\n", "src").unwrap_err();
        assert!(error.to_string().contains("Version"), "{error}");
    }

    #[test]
    fn dist_info_member_names() {
        assert!(is_dist_info_metadata("foo-1.0.dist-info/METADATA"));
        assert!(!is_dist_info_metadata("foo/METADATA"));
        assert!(!is_dist_info_metadata("a/foo-1.0.dist-info/METADATA"));
        assert!(!is_dist_info_metadata("foo-1.0.dist-info/RECORD"));
    }

    #[test]
    fn pyproject_static_metadata() {
        let pyproject = br#"
[project]
name = "demo"
version = "2.0"
requires-python = ">=3.9"
dependencies = ["leaf>=1; python_version < '3.12'"]
[project.optional-dependencies]
fast = ["speedy"]
"#;
        let text = pyproject_metadata(pyproject, None, "demo.tar.gz")
            .unwrap()
            .unwrap();
        let metadata = parse_core_metadata(text.as_bytes(), "x").unwrap();
        assert_eq!(metadata.requires_dist.len(), 2);
        assert_eq!(metadata.provides_extra.len(), 1);
        let speedy = metadata.requires_dist[1].to_string();
        assert!(
            speedy.contains("extra == 'fast'") || speedy.contains("extra == \"fast\""),
            "{speedy}"
        );
    }

    #[test]
    fn pyproject_dynamic_dependencies() {
        let pyproject = b"[project]\nname='d'\nversion='1'\ndynamic=['dependencies']\n";
        let reason = pyproject_metadata(pyproject, None, "d.tar.gz")
            .unwrap()
            .unwrap_err();
        assert!(reason.contains("dependencies"), "{reason}");
    }

    #[test]
    fn metadata_versions() {
        assert!(metadata_version_at_least("2.2", 2, 2));
        assert!(metadata_version_at_least("2.10", 2, 2));
        assert!(!metadata_version_at_least("2.1", 2, 2));
        assert!(!metadata_version_at_least("1.0", 2, 2));
    }
}
