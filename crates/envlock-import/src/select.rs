//! Per target: which packages of the source it installs, and which file of each.

use std::collections::{BTreeMap, BTreeSet};

use envlock_pep::{DistFilename, DistKind, MarkerEnvironment, Target, WheelFilename};

use crate::ImportError;
use crate::source::{Edge, Source, SourceFile, SourcePackage};

/// What one target installs.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The target.
    pub target: Target,
    /// By index into [`Source::packages`]: the file chosen and why the package is there.
    pub chosen: BTreeMap<usize, Chosen>,
}

/// The file a target installs for one package, and the edges that pull it in.
#[derive(Debug, Clone)]
pub struct Chosen {
    /// The file.
    pub file: SourceFile,
    /// Its name, parsed (a wheel or an sdist of the package).
    pub name: DistFilename,
    /// The edges into the package that are active on the target.
    pub via: BTreeSet<Via>,
}

/// One edge into a package, as the lock's `required-by` records it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Via {
    /// The requiring package (index into [`Source::packages`]); `None` for the project.
    pub parent: Option<usize>,
    /// The extra of the parent the edge belongs to.
    pub extra: Option<String>,
    /// The version specifier on the edge.
    pub specifier: String,
    /// The edge's marker as written.
    pub marker: Option<String>,
}

/// Chooses, for each target, the packages it installs and the best file of
/// each, or says which package the target cannot be served and why.
pub fn select(source: &Source, targets: &[Target]) -> Result<Vec<Selection>, ImportError> {
    targets
        .iter()
        .map(|target| select_target(source, target))
        .collect()
}

fn select_target(source: &Source, target: &Target) -> Result<Selection, ImportError> {
    let python = target.python().full_version();
    if let Some(requires) = &source.requires_python
        && !requires.contains(&python)
    {
        return Err(not_served(
            source,
            target,
            "the whole lock".to_owned(),
            format!(
                "its requires-python `{requires}` excludes Python {}",
                target.python()
            ),
        ));
    }
    let environment = target.marker_environment();
    let packages: BTreeMap<usize, BTreeSet<Via>> = match &source.roots {
        Some(roots) => walk(source, roots, environment)?,
        None => flat(source, environment),
    };
    let mut chosen = BTreeMap::new();
    for (index, via) in packages {
        let package = &source.packages[index];
        let (file, name) = choose_file(source, package, target)?;
        chosen.insert(index, Chosen { file, name, via });
    }
    Ok(Selection {
        target: target.clone(),
        chosen,
    })
}

fn not_served(source: &Source, target: &Target, package: String, reason: String) -> ImportError {
    ImportError::TargetNotServed {
        path: source.path.clone(),
        target: target.name().to_owned(),
        package,
        reason,
    }
}

/// Flat formats: each package whose marker holds.
fn flat(source: &Source, environment: &MarkerEnvironment) -> BTreeMap<usize, BTreeSet<Via>> {
    source
        .packages
        .iter()
        .enumerate()
        .filter(|(_, package)| {
            package
                .marker
                .as_ref()
                .is_none_or(|(marker, _)| marker.evaluate(environment, &[]))
        })
        .map(|(index, package)| {
            let via = Via {
                parent: None,
                extra: None,
                specifier: format!("=={}", package.version),
                marker: package.marker.as_ref().map(|(_, text)| text.clone()),
            };
            (index, BTreeSet::from([via]))
        })
        .collect()
}

/// Graph formats: every package reachable from the roots over edges whose
/// marker holds, following the extras the edges ask for.
fn walk(
    source: &Source,
    roots: &[Edge],
    environment: &MarkerEnvironment,
) -> Result<BTreeMap<usize, BTreeSet<Via>>, ImportError> {
    let mut reached: BTreeMap<usize, BTreeSet<Via>> = BTreeMap::new();
    let mut expanded: BTreeSet<(usize, Option<String>)> = BTreeSet::new();
    let mut queue: Vec<(Option<usize>, Option<String>, &Edge)> =
        roots.iter().map(|edge| (None, None, edge)).collect();
    while let Some((parent, extra, edge)) = queue.pop() {
        if let Some((marker, _)) = &edge.marker
            && !marker.evaluate(environment, &[])
        {
            continue;
        }
        let index = find(source, edge)?;
        reached.entry(index).or_default().insert(Via {
            parent,
            extra,
            specifier: String::new(),
            marker: edge.marker.as_ref().map(|(_, text)| text.clone()),
        });
        let package = &source.packages[index];
        let wanted = std::iter::once(None).chain(edge.extras.iter().cloned().map(Some));
        for part in wanted {
            if !expanded.insert((index, part.clone())) {
                continue;
            }
            let edges = match &part {
                None => package.dependencies.as_slice(),
                Some(name) => package
                    .optional_dependencies
                    .get(name)
                    .map_or(&[][..], Vec::as_slice),
            };
            queue.extend(edges.iter().map(|next| (Some(index), part.clone(), next)));
        }
    }
    Ok(reached)
}

/// The package an edge points to.
fn find(source: &Source, edge: &Edge) -> Result<usize, ImportError> {
    let matching: Vec<usize> = source
        .packages
        .iter()
        .enumerate()
        .filter(|(_, package)| {
            package.name == edge.name
                && edge
                    .version
                    .as_ref()
                    .is_none_or(|version| *version == package.version)
        })
        .map(|(index, _)| index)
        .collect();
    match matching.as_slice() {
        [one] => Ok(*one),
        [] => Err(ImportError::Invalid {
            path: source.path.clone(),
            place: format!("dependency `{}`", edge.requirement()),
            reason: "no such package in the lock".to_owned(),
        }),
        _ => Err(ImportError::Invalid {
            path: source.path.clone(),
            place: format!("dependency `{}`", edge.requirement()),
            reason: "several versions match and the edge names none".to_owned(),
        }),
    }
}

/// The best file of a package for the target: the wheel first in the
/// target's tag order, else the sdist; with its parsed name.
fn choose_file(
    source: &Source,
    package: &SourcePackage,
    target: &Target,
) -> Result<(SourceFile, DistFilename), ImportError> {
    let label = format!("{} {}", package.name, package.version);
    if let Some(kind) = &package.not_from_index {
        return Err(ImportError::NotFromIndex {
            path: source.path.clone(),
            place: format!("{} (source: {kind})", package.place),
            what: "non-index".to_owned(),
        });
    }
    if let Some((requires, text)) = &package.requires_python
        && !requires.contains(&target.python().full_version())
    {
        return Err(not_served(
            source,
            target,
            label,
            format!(
                "its requires-python `{text}` excludes Python {}",
                target.python()
            ),
        ));
    }
    let wheels: Vec<(WheelFilename, &SourceFile)> = package
        .files
        .iter()
        .filter_map(|file| {
            WheelFilename::parse(&file.name)
                .ok()
                .map(|wheel| (wheel, file))
        })
        .collect();
    let names: Vec<&WheelFilename> = wheels.iter().map(|(wheel, _)| wheel).collect();
    let tags = target.tags();
    let no_wheel = match envlock_pep::rank_wheels(&tags, &names) {
        Ok(ranked) => {
            let best = ranked[0].filename();
            if let Some((wheel, file)) = wheels.iter().find(|(wheel, _)| wheel.filename() == best) {
                return Ok(((*file).clone(), DistFilename::Wheel(wheel.clone())));
            }
            String::new()
        }
        Err(error) => error.to_string(),
    };
    let sdist = package
        .files
        .iter()
        .find(|file| DistKind::of(&file.name) == DistKind::Sdist);
    match sdist {
        Some(file) => DistFilename::parse(&file.name, &package.name)
            .map(|name| (file.clone(), name))
            .map_err(|error| ImportError::Invalid {
                path: source.path.clone(),
                place: format!("package {label}"),
                reason: error.to_string(),
            }),
        None if package.files.is_empty() => Err(not_served(
            source,
            target,
            label,
            "the source lists no files for it".to_owned(),
        )),
        None => Err(not_served(
            source,
            target,
            label,
            format!("{no_wheel}, and there is no sdist"),
        )),
    }
}
