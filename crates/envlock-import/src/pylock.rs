//! PEP 751 `pylock.toml`.

use std::collections::BTreeMap;
use std::path::Path;

use envlock_pep::{PackageName, Version};
use serde::Deserialize;

use crate::ImportError;
use crate::source::{
    Format, Source, SourceFile, SourcePackage, file_name_of_url, parse_marker,
    parse_requires_python,
};

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Wire {
    lock_version: Option<String>,
    requires_python: Option<String>,
    #[serde(default)]
    packages: Vec<WirePackage>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct WirePackage {
    name: String,
    version: Option<String>,
    marker: Option<String>,
    requires_python: Option<String>,
    vcs: Option<toml::Value>,
    directory: Option<toml::Value>,
    archive: Option<toml::Value>,
    sdist: Option<WireFile>,
    #[serde(default)]
    wheels: Vec<WireFile>,
}

#[derive(Deserialize)]
struct WireFile {
    name: Option<String>,
    url: Option<String>,
    path: Option<String>,
    size: Option<u64>,
    #[serde(default)]
    hashes: BTreeMap<String, String>,
}

/// Reads a pylock.toml.
pub fn parse(text: &str, path: &Path) -> Result<Source, ImportError> {
    let wire: Wire = toml::from_str(text).map_err(|error| ImportError::Invalid {
        path: path.to_owned(),
        place: "TOML".to_owned(),
        reason: error.to_string(),
    })?;
    match wire.lock_version.as_deref() {
        Some(version) if version.split('.').next() == Some("1") => {}
        other => {
            return Err(ImportError::Invalid {
                path: path.to_owned(),
                place: "lock-version".to_owned(),
                reason: format!(
                    "{} (this envlock reads PEP 751 lock-version 1.x)",
                    other.map_or("missing".to_owned(), |found| format!("`{found}`"))
                ),
            });
        }
    }
    let requires_python = match &wire.requires_python {
        Some(text) => Some(parse_requires_python(text, path, "requires-python")?.0),
        None => None,
    };
    let packages = wire
        .packages
        .into_iter()
        .map(|package| convert(package, path))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Source {
        format: Format::Pylock,
        path: path.to_owned(),
        sha256: envlock_fs::Sha256::from_bytes([0; 32]),
        requires_python,
        packages,
        roots: None,
    })
}

fn convert(package: WirePackage, path: &Path) -> Result<SourcePackage, ImportError> {
    let place = format!("package `{}`", package.name);
    let invalid = |reason: String| ImportError::Invalid {
        path: path.to_owned(),
        place: place.clone(),
        reason,
    };
    let not_from_index = |what: &str| ImportError::NotFromIndex {
        path: path.to_owned(),
        place: place.clone(),
        what: what.to_owned(),
    };
    if package.vcs.is_some() {
        return Err(not_from_index("VCS"));
    }
    if package.directory.is_some() {
        return Err(not_from_index("local directory (path or editable)"));
    }
    if package.archive.is_some() {
        return Err(not_from_index("direct URL or path archive"));
    }
    let name = package
        .name
        .parse::<PackageName>()
        .map_err(|error| invalid(error.to_string()))?;
    let version = package
        .version
        .as_deref()
        .ok_or_else(|| invalid("no `version`".to_owned()))?
        .parse::<Version>()
        .map_err(|error| invalid(error.to_string()))?;
    let mut files = Vec::new();
    for file in package.sdist.into_iter().chain(package.wheels) {
        files.push(file_of(file, &invalid, &not_from_index)?);
    }
    Ok(SourcePackage {
        marker: match &package.marker {
            Some(text) => Some(parse_marker(text, path, &place)?),
            None => None,
        },
        requires_python: match &package.requires_python {
            Some(text) => Some(parse_requires_python(text, path, &place)?),
            None => None,
        },
        name,
        version,
        files,
        hashes: Vec::new(),
        dependencies: Vec::new(),
        optional_dependencies: BTreeMap::new(),
        place,
        not_from_index: None,
    })
}

fn file_of(
    file: WireFile,
    invalid: &dyn Fn(String) -> ImportError,
    not_from_index: &dyn Fn(&str) -> ImportError,
) -> Result<SourceFile, ImportError> {
    if file.url.is_none() && file.path.is_some() {
        return Err(not_from_index("local path file"));
    }
    let name = match (&file.name, &file.url) {
        (Some(name), _) => name.clone(),
        (None, Some(url)) => file_name_of_url(url)
            .ok_or_else(|| invalid(format!("cannot tell a file name from `{url}`")))?,
        (None, None) => return Err(invalid("a file with neither `name` nor `url`".to_owned())),
    };
    let sha256 = match file.hashes.get("sha256") {
        Some(hex) if hex.len() == 64 && hex.bytes().all(|byte| byte.is_ascii_hexdigit()) => {
            Some(hex.to_ascii_lowercase())
        }
        Some(hex) => return Err(invalid(format!("{name}: `{hex}` is not a sha256"))),
        None => None,
    };
    Ok(SourceFile {
        name,
        sha256,
        size: file.size,
    })
}
