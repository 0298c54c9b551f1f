//! Tiny but real distributions: wheels pip installs and sdists pip can build.
//!
//! Everything here is deterministic (fixed timestamps, fixed entry order), so
//! a fixture file's sha256 is the same on every run and tests may compare
//! hashes across builds.

use std::io::{Cursor, Write};

use sha2::{Digest, Sha256};

/// What a generated distribution declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistSpec {
    /// The project name as written (normalized only in file names).
    pub name: String,
    /// The PEP 440 version string.
    pub version: String,
    /// `Requires-Dist` lines, already including `extra == "…"` markers for
    /// requirements added by [`DistSpec::extra`].
    pub requires_dist: Vec<String>,
    /// `Provides-Extra` names.
    pub provides_extra: Vec<String>,
    /// `Requires-Python`, if any.
    pub requires_python: Option<String>,
}

impl DistSpec {
    /// A distribution with no dependencies, extras or requires-python.
    pub fn new(name: &str, version: &str) -> Self {
        DistSpec {
            name: name.to_owned(),
            version: version.to_owned(),
            requires_dist: Vec::new(),
            provides_extra: Vec::new(),
            requires_python: None,
        }
    }

    /// Adds unconditional requirements (PEP 508 strings, markers allowed):
    /// one (`"b>=1"`) or several (`["b>=1", "c"]`, a `Vec`, a slice).
    pub fn requires(mut self, requirements: impl IntoRequirements) -> Self {
        self.requires_dist.extend(requirements.into_requirements());
        self
    }

    /// Adds an extra and the requirements it brings; each requirement gets an
    /// `extra == "name"` marker (combined with its own marker, if any).
    pub fn extra(mut self, name: &str, requirements: impl IntoRequirements) -> Self {
        if !self.provides_extra.iter().any(|extra| extra == name) {
            self.provides_extra.push(name.to_owned());
        }
        for requirement in requirements.into_requirements() {
            self.requires_dist
                .push(with_extra_marker(&requirement, name));
        }
        self
    }

    /// Sets `Requires-Python`.
    pub fn requires_python(mut self, specifiers: impl AsRef<str>) -> Self {
        self.requires_python = Some(specifiers.as_ref().to_owned());
        self
    }

    /// The name as it appears in file names: PEP 503-normalized, then `-`
    /// replaced by `_` (PEP 491 / PEP 625).
    pub fn file_name_stem(&self) -> String {
        normalize_name(&self.name).replace('-', "_")
    }

    /// The import package the distribution contains (a valid identifier).
    pub fn import_name(&self) -> String {
        let stem = self.file_name_stem();
        if stem.starts_with(|c: char| c.is_ascii_digit()) {
            format!("_{stem}")
        } else {
            stem
        }
    }

    /// The core metadata text (Metadata-Version 2.2) of this distribution.
    pub fn metadata(&self) -> String {
        let mut text = String::new();
        text.push_str("Metadata-Version: 2.2\n");
        text.push_str(&format!("Name: {}\n", self.name));
        text.push_str(&format!("Version: {}\n", self.version));
        text.push_str(&format!(
            "Summary: A generated envlock test fixture ({} {})\n",
            self.name, self.version
        ));
        if let Some(requires_python) = &self.requires_python {
            text.push_str(&format!("Requires-Python: {requires_python}\n"));
        }
        for requirement in &self.requires_dist {
            text.push_str(&format!("Requires-Dist: {requirement}\n"));
        }
        for extra in &self.provides_extra {
            text.push_str(&format!("Provides-Extra: {extra}\n"));
        }
        text
    }

    /// The version as it appears in file names: a `-` (possible only in
    /// non-normalized versions) would split the name, so it becomes `_`.
    pub fn file_name_version(&self) -> String {
        self.version.replace('-', "_")
    }

    fn dist_info_dir(&self) -> String {
        format!(
            "{}-{}.dist-info",
            self.file_name_stem(),
            self.file_name_version()
        )
    }
}

/// One requirement string or a collection of them, for the [`DistSpec`]
/// builder methods.
pub trait IntoRequirements {
    /// The requirement strings, in order.
    fn into_requirements(self) -> Vec<String>;
}

impl IntoRequirements for &str {
    fn into_requirements(self) -> Vec<String> {
        vec![self.to_owned()]
    }
}

impl IntoRequirements for String {
    fn into_requirements(self) -> Vec<String> {
        vec![self]
    }
}

impl IntoRequirements for &String {
    fn into_requirements(self) -> Vec<String> {
        vec![self.clone()]
    }
}

impl<S: AsRef<str>> IntoRequirements for &[S] {
    fn into_requirements(self) -> Vec<String> {
        self.iter().map(|item| item.as_ref().to_owned()).collect()
    }
}

impl<S: AsRef<str>, const N: usize> IntoRequirements for [S; N] {
    fn into_requirements(self) -> Vec<String> {
        self.iter().map(|item| item.as_ref().to_owned()).collect()
    }
}

impl<S: AsRef<str>, const N: usize> IntoRequirements for &[S; N] {
    fn into_requirements(self) -> Vec<String> {
        self.iter().map(|item| item.as_ref().to_owned()).collect()
    }
}

impl<S: AsRef<str>> IntoRequirements for Vec<S> {
    fn into_requirements(self) -> Vec<String> {
        self.iter().map(|item| item.as_ref().to_owned()).collect()
    }
}

impl<S: AsRef<str>> IntoRequirements for &Vec<S> {
    fn into_requirements(self) -> Vec<String> {
        self.iter().map(|item| item.as_ref().to_owned()).collect()
    }
}

/// PEP 503 name normalization: lowercase, runs of `-`, `_`, `.` become one `-`.
pub fn normalize_name(name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    let mut last_was_separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !last_was_separator {
                normalized.push('-');
            }
            last_was_separator = true;
        } else {
            normalized.push(c.to_ascii_lowercase());
            last_was_separator = false;
        }
    }
    normalized
}

fn with_extra_marker(requirement: &str, extra: &str) -> String {
    match requirement.split_once(';') {
        Some((base, marker)) => format!(
            "{} ; ({}) and extra == \"{extra}\"",
            base.trim_end(),
            marker.trim()
        ),
        None => format!("{} ; extra == \"{extra}\"", requirement.trim_end()),
    }
}

/// The wheel's file name, e.g. `foo_bar-1.0.0-py3-none-any.whl`.
pub fn wheel_filename(spec: &DistSpec, tag: &str) -> String {
    format!(
        "{}-{}-{tag}.whl",
        spec.file_name_stem(),
        spec.file_name_version()
    )
}

/// The sdist's file name, e.g. `foo_bar-1.0.0.tar.gz`.
pub fn sdist_filename(spec: &DistSpec) -> String {
    format!(
        "{}-{}.tar.gz",
        spec.file_name_stem(),
        spec.file_name_version()
    )
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// The expansion of a possibly compressed tag set (`cp3-abi3-a.b`) into
/// single tags, in the order a `WHEEL` file lists them.
fn expand_tag(tag: &str) -> Vec<String> {
    let mut parts = tag.splitn(3, '-');
    let (Some(python), Some(abi), Some(platform)) = (parts.next(), parts.next(), parts.next())
    else {
        // Not a three-part tag; keep it verbatim so odd fixtures still build.
        return vec![tag.to_owned()];
    };
    let mut tags = Vec::new();
    for python in python.split('.') {
        for abi in abi.split('.') {
            for platform in platform.split('.') {
                tags.push(format!("{python}-{abi}-{platform}"));
            }
        }
    }
    tags
}

/// Builds a wheel for `spec` with the given (possibly compressed) tag.
///
/// Contents: `{pkg}/__init__.py` and `{name}-{version}.dist-info/` with
/// `METADATA`, `WHEEL` and a `RECORD` whose sha256 entries are correct.
pub fn build_wheel(spec: &DistSpec, tag: &str) -> Vec<u8> {
    let dist_info = spec.dist_info_dir();
    let mut wheel_file = String::from("Wheel-Version: 1.0\nGenerator: envlock-test\n");
    let is_pure = tag.ends_with("-any");
    wheel_file.push_str(&format!("Root-Is-Purelib: {is_pure}\n"));
    for single in expand_tag(tag) {
        wheel_file.push_str(&format!("Tag: {single}\n"));
    }
    let entries: Vec<(String, Vec<u8>)> = vec![
        (
            format!("{}/__init__.py", spec.import_name()),
            format!("__version__ = \"{}\"\n", spec.version).into_bytes(),
        ),
        (
            format!("{dist_info}/METADATA"),
            spec.metadata().into_bytes(),
        ),
        (format!("{dist_info}/WHEEL"), wheel_file.into_bytes()),
    ];
    let mut record = String::new();
    for (path, contents) in &entries {
        let digest = Sha256::digest(contents);
        record.push_str(&format!(
            "{path},sha256={},{}\n",
            base64_url_no_pad(&digest),
            contents.len()
        ));
    }
    record.push_str(&format!("{dist_info}/RECORD,,\n"));

    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    // Writing to memory cannot fail for I/O reasons; the zip writer only
    // errors on invalid names, which ours are not. Fall back to an empty
    // archive rather than panicking in library code.
    let result = (|| -> zip::result::ZipResult<Vec<u8>> {
        for (path, contents) in &entries {
            writer.start_file(path.as_str(), options)?;
            writer.write_all(contents)?;
        }
        writer.start_file(format!("{dist_info}/RECORD"), options)?;
        writer.write_all(record.as_bytes())?;
        Ok(writer.finish()?.into_inner())
    })();
    result.unwrap_or_default()
}

/// Builds a source distribution (`.tar.gz`) for `spec`.
///
/// Contents, under `{name}-{version}/`: `PKG-INFO` (Metadata-Version 2.2), a
/// `pyproject.toml` with static `[project]` metadata and a setuptools
/// `[build-system]`, and the import package. Entries are sorted, owned by
/// uid/gid 0 with mtime 0, and the gzip header has no timestamp.
pub fn build_sdist(spec: &DistSpec) -> Vec<u8> {
    let base = format!("{}-{}", spec.file_name_stem(), spec.file_name_version());
    let package_dir = format!("{base}/{}", spec.import_name());
    // `None` contents mark a directory; one sorted list keeps directories
    // and files in path order.
    let mut entries: Vec<(String, Option<Vec<u8>>)> = vec![
        (format!("{base}/"), None),
        (format!("{package_dir}/"), None),
        (
            format!("{base}/PKG-INFO"),
            Some(spec.metadata().into_bytes()),
        ),
        (
            format!("{base}/pyproject.toml"),
            Some(pyproject_toml(spec).into_bytes()),
        ),
        (
            format!("{package_dir}/__init__.py"),
            Some(format!("__version__ = \"{}\"\n", spec.version).into_bytes()),
        ),
    ];
    entries.sort();

    let result = (|| -> std::io::Result<Vec<u8>> {
        let encoder = flate2::GzBuilder::new()
            .mtime(0)
            .write(Vec::new(), flate2::Compression::default());
        let mut archive = tar::Builder::new(encoder);
        archive.mode(tar::HeaderMode::Deterministic);
        for (path, contents) in &entries {
            let mut header = tar::Header::new_ustar();
            match contents {
                None => {
                    header.set_entry_type(tar::EntryType::Directory);
                    header.set_mode(0o755);
                    header.set_size(0);
                }
                Some(contents) => {
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_mode(0o644);
                    header.set_size(contents.len() as u64);
                }
            }
            header.set_mtime(0);
            header.set_uid(0);
            header.set_gid(0);
            let data: &[u8] = contents.as_deref().unwrap_or_default();
            archive.append_data(&mut header, path, data)?;
        }
        archive.into_inner()?.finish()
    })();
    // Writing to memory fails only on paths tar cannot store; ours are short
    // ASCII. Return an empty (invalid) archive rather than panic.
    result.unwrap_or_default()
}

fn toml_string(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

fn toml_string_array<S: AsRef<str>>(values: &[S]) -> String {
    let items: Vec<String> = values.iter().map(|v| toml_string(v.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

fn pyproject_toml(spec: &DistSpec) -> String {
    // The unconditional dependencies and each extra's requirements are
    // recovered from `requires_dist` so that the sdist declares exactly what
    // the wheel's METADATA does.
    let mut dependencies = Vec::new();
    let mut optional: Vec<(String, Vec<String>)> = spec
        .provides_extra
        .iter()
        .map(|extra| (extra.clone(), Vec::new()))
        .collect();
    for requirement in &spec.requires_dist {
        match split_extra_marker(requirement) {
            Some((base, extra)) => {
                if let Some((_, list)) = optional.iter_mut().find(|(name, _)| *name == extra) {
                    list.push(base);
                } else {
                    optional.push((extra, vec![base]));
                }
            }
            None => dependencies.push(requirement.clone()),
        }
    }
    let mut text = String::from(
        "[build-system]\nrequires = [\"setuptools>=40.8.0\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\n",
    );
    text.push_str(&format!("name = {}\n", toml_string(&spec.name)));
    text.push_str(&format!("version = {}\n", toml_string(&spec.version)));
    if let Some(requires_python) = &spec.requires_python {
        text.push_str(&format!(
            "requires-python = {}\n",
            toml_string(requires_python)
        ));
    }
    text.push_str(&format!(
        "dependencies = {}\n",
        toml_string_array(&dependencies)
    ));
    if !optional.is_empty() {
        text.push_str("\n[project.optional-dependencies]\n");
        for (extra, requirements) in &optional {
            text.push_str(&format!(
                "{} = {}\n",
                toml_string(extra),
                toml_string_array(requirements)
            ));
        }
    }
    text
}

/// Undoes [`with_extra_marker`]: `("c", "x")` for `c ; extra == "x"` and
/// `("c ; python_version < '3.9'", "x")` for the combined form.
fn split_extra_marker(requirement: &str) -> Option<(String, String)> {
    let (base, marker) = requirement.split_once(';')?;
    let marker = marker.trim();
    let (condition, extra_part) = match marker.rsplit_once(" and extra == ") {
        Some((condition, extra)) => (Some(condition), extra),
        None => (None, marker.strip_prefix("extra == ")?),
    };
    let extra = extra_part.trim().trim_matches('"').to_owned();
    let base = base.trim_end();
    let requirement = match condition {
        Some(condition) => {
            let condition = condition
                .trim()
                .strip_prefix('(')
                .and_then(|c| c.strip_suffix(')'))
                .unwrap_or(condition);
            format!("{base} ; {condition}")
        }
        None => base.to_owned(),
    };
    Some((requirement, extra))
}

/// URL-safe base64 without padding, as wheel `RECORD` files use.
pub fn base64_url_no_pad(bytes: &[u8]) -> String {
    encode_base64(
        bytes,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        false,
    )
}

/// Standard base64 with padding, as HTTP basic auth uses.
pub fn base64_standard(bytes: &[u8]) -> String {
    encode_base64(
        bytes,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        true,
    )
}

fn encode_base64(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b0 = u32::from(chunk[0]);
        let b1 = chunk.get(1).copied().map_or(0, u32::from);
        let b2 = chunk.get(2).copied().map_or(0, u32::from);
        let triple = (b0 << 16) | (b1 << 8) | b2;
        let symbols = chunk.len() + 1;
        for i in 0..4 {
            if i < symbols {
                let index = ((triple >> (18 - 6 * i)) & 0x3f) as usize;
                out.push(char::from(alphabet[index]));
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}
