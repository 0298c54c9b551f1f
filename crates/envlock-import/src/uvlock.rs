//! uv's `uv.lock`: a universal graph rooted at the project's own packages.

use std::collections::BTreeMap;
use std::path::Path;

use envlock_pep::{PackageName, Version};
use serde::Deserialize;

use crate::ImportError;
use crate::source::{
    Edge, Format, Source, SourceFile, SourcePackage, file_name_of_url, parse_marker,
    parse_requires_python, sha256_of,
};

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Wire {
    version: Option<i64>,
    requires_python: Option<String>,
    #[serde(default)]
    package: Vec<WirePackage>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct WirePackage {
    name: String,
    version: Option<String>,
    #[serde(default)]
    source: BTreeMap<String, toml::Value>,
    #[serde(default)]
    dependencies: Vec<WireEdge>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, Vec<WireEdge>>,
    sdist: Option<WireFile>,
    #[serde(default)]
    wheels: Vec<WireFile>,
}

#[derive(Deserialize)]
struct WireEdge {
    name: String,
    version: Option<String>,
    #[serde(default)]
    extra: Vec<String>,
    marker: Option<String>,
}

#[derive(Deserialize)]
struct WireFile {
    url: Option<String>,
    path: Option<String>,
    hash: Option<String>,
    size: Option<u64>,
}

/// Reads a uv.lock.
pub fn parse(text: &str, path: &Path) -> Result<Source, ImportError> {
    let wire: Wire = toml::from_str(text).map_err(|error| ImportError::Invalid {
        path: path.to_owned(),
        place: "TOML".to_owned(),
        reason: error.to_string(),
    })?;
    if wire.version != Some(1) {
        return Err(ImportError::Invalid {
            path: path.to_owned(),
            place: "version".to_owned(),
            reason: format!("{:?} (this envlock reads uv.lock version 1)", wire.version),
        });
    }
    let requires_python = match &wire.requires_python {
        Some(text) => Some(parse_requires_python(text, path, "requires-python")?.0),
        None => None,
    };
    let mut roots = Vec::new();
    let mut packages = Vec::new();
    for package in wire.package {
        let place = format!("package `{}`", package.name);
        let kind = package.source.keys().next().cloned().unwrap_or_default();
        let dependencies = edges(&package.dependencies, path, &place)?;
        if kind == "virtual" || kind == "editable" {
            // The project itself (a workspace member): its dependencies are
            // the roots; it is not a package to carry.
            roots.extend(dependencies);
            continue;
        }
        packages.push(convert(package, &kind, dependencies, path, place)?);
    }
    Ok(Source {
        format: Format::UvLock,
        path: path.to_owned(),
        sha256: envlock_fs::Sha256::from_bytes([0; 32]),
        requires_python,
        packages,
        roots: Some(roots),
    })
}

fn convert(
    package: WirePackage,
    kind: &str,
    dependencies: Vec<Edge>,
    path: &Path,
    place: String,
) -> Result<SourcePackage, ImportError> {
    let invalid = |reason: String| ImportError::Invalid {
        path: path.to_owned(),
        place: place.clone(),
        reason,
    };
    let name = package
        .name
        .parse::<PackageName>()
        .map_err(|error| invalid(error.to_string()))?;
    let version = package
        .version
        .as_deref()
        .unwrap_or_default()
        .parse::<Version>()
        .map_err(|error| invalid(format!("version: {error}")))?;
    let mut optional_dependencies = BTreeMap::new();
    for (extra, list) in &package.optional_dependencies {
        optional_dependencies.insert(extra.clone(), edges(list, path, &place)?);
    }
    let mut files = Vec::new();
    if kind == "registry" {
        for file in package.sdist.iter().chain(&package.wheels) {
            let url = file.url.as_deref().or(file.path.as_deref()).unwrap_or("");
            files.push(SourceFile {
                name: file_name_of_url(url)
                    .ok_or_else(|| invalid(format!("cannot tell a file name from `{url}`")))?,
                sha256: file.hash.as_deref().and_then(sha256_of),
                size: file.size,
            });
        }
    }
    Ok(SourcePackage {
        name,
        version,
        marker: None,
        requires_python: None,
        files,
        hashes: Vec::new(),
        dependencies,
        optional_dependencies,
        place,
        // Refused when a target reaches it.
        not_from_index: (kind != "registry").then(|| kind.to_owned()),
    })
}

fn edges(list: &[WireEdge], path: &Path, place: &str) -> Result<Vec<Edge>, ImportError> {
    list.iter()
        .map(|edge| {
            let invalid = |reason: String| ImportError::Invalid {
                path: path.to_owned(),
                place: place.to_owned(),
                reason,
            };
            Ok(Edge {
                name: edge
                    .name
                    .parse::<PackageName>()
                    .map_err(|error| invalid(error.to_string()))?,
                version: match &edge.version {
                    Some(text) => Some(
                        text.parse::<Version>()
                            .map_err(|error| invalid(error.to_string()))?,
                    ),
                    None => None,
                },
                extras: edge.extra.clone(),
                marker: match &edge.marker {
                    Some(text) => Some(parse_marker(text, path, place)?),
                    None => None,
                },
            })
        })
        .collect()
}
