//! The one place an imported lock is built.

use std::collections::{BTreeMap, BTreeSet};

use envlock_lock::{ImportedFrom, Lock, LockedFile, LockedPackage, LockedTarget, RequiredBy};

use crate::ImportError;
use crate::select::{Selection, Via};
use crate::source::{Source, sha256_hex};

/// What [`assemble`] needs.
pub struct AssembleInputs<'a> {
    /// The lock's `name`.
    pub name: String,
    /// The source.
    pub source: &'a Source,
    /// The source's path as the lock records it (relative to the lock's folder).
    pub source_path: String,
    /// Each target's selection, its files checked.
    pub selections: &'a [Selection],
    /// The index each package was found on (default: `default`).
    pub index_names: &'a BTreeMap<usize, String>,
}

/// Builds the lock: one `[[package]]` per package version any target
/// installs, the files each target installs, `required-by` edges from the
/// source's graph (or, for flat sources, the pin and its marker), and
/// `imported-from`. `inputs-digest` covers the source's hash and the targets.
pub fn assemble(inputs: &AssembleInputs<'_>) -> Result<Lock, ImportError> {
    let source = inputs.source;
    let mut packages: BTreeMap<usize, LockedPackage> = BTreeMap::new();
    for selection in inputs.selections {
        let target = selection.target.name().to_owned();
        let environment = selection.target.marker_environment();
        for (index, chosen) in &selection.chosen {
            let package = &source.packages[*index];
            let entry = packages.entry(*index).or_insert_with(|| LockedPackage {
                name: package.name.clone(),
                version: package.version.clone(),
                index: inputs
                    .index_names
                    .get(index)
                    .cloned()
                    .unwrap_or_else(|| "default".to_owned()),
                targets: BTreeSet::new(),
                requires_python: package
                    .requires_python
                    .as_ref()
                    .map(|(_, text)| text.clone()),
                dependencies: Vec::new(),
                required_by: Vec::new(),
                files: Vec::new(),
            });
            entry.targets.insert(target.clone());
            for edge in &package.dependencies {
                let active = edge
                    .marker
                    .as_ref()
                    .is_none_or(|(marker, _)| marker.evaluate(environment, &[]));
                let text = edge.requirement();
                if active && !entry.dependencies.contains(&text) {
                    entry.dependencies.push(text);
                }
            }
            add_file(entry, chosen, &target).ok_or_else(|| ImportError::NoHashes {
                path: source.path.clone(),
                package: format!("{} {}", package.name, package.version),
            })?;
            for via in &chosen.via {
                add_edge(entry, edge_of(source, via), &target);
            }
        }
    }
    Ok(envlock_lock::normalise(Lock {
        name: inputs.name.clone(),
        inputs_digest: inputs_digest(source, inputs.selections),
        exclude_newer: None,
        imported_from: Some(ImportedFrom {
            format: source.format.as_str().to_owned(),
            path: inputs.source_path.clone(),
            sha256: source.sha256,
        }),
        requirements: requirements(source),
        constraints: Vec::new(),
        targets: inputs
            .selections
            .iter()
            .map(|selection| LockedTarget {
                name: selection.target.name().to_owned(),
                python: selection.target.python(),
                platform: selection.target.platform().clone(),
            })
            .collect(),
        packages: packages.into_values().collect(),
        build_packages: Vec::new(),
        installer_packages: Vec::new(),
        interpreters: Vec::new(),
        resources: Vec::new(),
    }))
}

/// Adds the chosen file for `target`; `None` when it has no valid sha256
/// (the checks before this refuse such files, so this never invents one).
fn add_file(entry: &mut LockedPackage, chosen: &crate::select::Chosen, target: &str) -> Option<()> {
    if let Some(file) = entry
        .files
        .iter_mut()
        .find(|file| file.file_name() == chosen.file.name)
    {
        file.targets.insert(target.to_owned());
        return Some(());
    }
    entry.files.push(LockedFile {
        name: chosen.name.clone(),
        sha256: envlock_fs::Sha256::from_hex(chosen.file.sha256.as_deref()?).ok()?,
        size: chosen.file.size.unwrap_or_default(),
        targets: BTreeSet::from([target.to_owned()]),
    });
    Some(())
}

fn edge_of(source: &Source, via: &Via) -> RequiredBy {
    RequiredBy {
        package: via.parent.map(|parent| {
            let package = &source.packages[parent];
            (package.name.clone(), package.version.clone())
        }),
        extra: via.extra.clone(),
        specifier: via.specifier.clone(),
        marker: via.marker.clone(),
        targets: BTreeSet::new(),
    }
}

fn add_edge(entry: &mut LockedPackage, edge: RequiredBy, target: &str) {
    let same = |other: &RequiredBy| {
        other.package == edge.package
            && other.extra == edge.extra
            && other.specifier == edge.specifier
            && other.marker == edge.marker
    };
    match entry.required_by.iter_mut().find(|other| same(other)) {
        Some(existing) => {
            existing.targets.insert(target.to_owned());
        }
        None => {
            let mut edge = edge;
            edge.targets.insert(target.to_owned());
            entry.required_by.push(edge);
        }
    }
}

/// The source's top-level requirements: the project's edges for a graph,
/// each pin (with its marker) for a flat source.
fn requirements(source: &Source) -> Vec<String> {
    let mut out: Vec<String> = match &source.roots {
        Some(roots) => roots.iter().map(crate::source::Edge::requirement).collect(),
        None => source
            .packages
            .iter()
            .map(|package| match &package.marker {
                Some((_, marker)) => format!("{}=={} ; {marker}", package.name, package.version),
                None => format!("{}=={}", package.name, package.version),
            })
            .collect(),
    };
    out.sort();
    out.dedup();
    out
}

/// `sha256:` of the source's hash and the targets: what the import depends on.
fn inputs_digest(source: &Source, selections: &[Selection]) -> String {
    let mut text = format!(
        "envlock-import 1\nformat {}\nsource {}\n",
        source.format.as_str(),
        source.sha256
    );
    for selection in selections {
        text.push_str(&format!(
            "target {} {} {}\n",
            selection.target.name(),
            selection.target.python(),
            selection.target.platform()
        ));
    }
    format!("sha256:{}", sha256_hex(text.as_bytes()))
}
