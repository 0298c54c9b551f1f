//! The configured indexes: finding the files a hashed requirements file
//! names by hash, and checking every chosen file against the index.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use envlock_index::{IndexFile, PackageIndex};
use envlock_pep::DistFilename;

use crate::ImportError;
use crate::select::Selection;
use crate::source::{Source, SourceFile};

/// Fills in the files of packages that name only hashes (requirements
/// files): the files of that version on the first index that has the
/// project, whose sha256 is among the hashes. With `fetch_hashes`, a package
/// without hashes takes every file of its version, hashes from the index.
pub fn find_files(
    source: &mut Source,
    indexes: &[Arc<dyn PackageIndex>],
    fetch_hashes: bool,
) -> Result<(), ImportError> {
    for package in &mut source.packages {
        if !package.files.is_empty() {
            continue;
        }
        if package.hashes.is_empty() && !fetch_hashes {
            return Err(ImportError::NoHashes {
                path: source.path.clone(),
                package: format!("{} {}", package.name, package.version),
            });
        }
        let mut found = Vec::new();
        for index in indexes {
            let page = match index.project(&package.name) {
                Ok(page) => page,
                Err(envlock_index::IndexError::ProjectNotFound { .. }) => continue,
                Err(source) => {
                    return Err(ImportError::Index {
                        index: index.name().to_owned(),
                        source: Box::new(source),
                    });
                }
            };
            found = page
                .files
                .into_iter()
                .filter(|file| {
                    DistFilename::parse(&file.filename, &package.name)
                        .is_ok_and(|name| *name.version() == package.version)
                })
                .filter(|file| {
                    package.hashes.is_empty()
                        || file
                            .sha256
                            .is_some_and(|sha| package.hashes.contains(&sha.to_hex()))
                })
                .map(|file| SourceFile {
                    name: file.filename,
                    sha256: file.sha256.map(|hash| hash.to_hex()),
                    size: file.size,
                })
                .collect();
            if !found.is_empty() {
                break;
            }
        }
        if found.is_empty() {
            return Err(ImportError::NotOnIndex {
                file: format!(
                    "a file with one of the {} listed hashes",
                    package.hashes.len()
                ),
                package: format!("{} {}", package.name, package.version),
                indexes: indexes
                    .iter()
                    .map(|index| index.name().to_owned())
                    .collect(),
            });
        }
        package.files = found;
    }
    Ok(())
}

/// Looks every chosen file up by name on the indexes (a project on the
/// first index that has it), requires the index's sha256 to be the
/// source's, and fills in sizes the source lacks (and, with
/// `fetch_hashes`, hashes). Returns, per package, the name of the index it
/// was found on. With no index, every file must already have a hash and a size.
pub fn check_on_index(
    source: &Source,
    selections: &mut [Selection],
    indexes: &[Arc<dyn PackageIndex>],
    fetch_hashes: bool,
) -> Result<BTreeMap<usize, String>, ImportError> {
    let mut wanted: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for selection in selections.iter() {
        for (index, chosen) in &selection.chosen {
            wanted
                .entry(*index)
                .or_default()
                .insert(chosen.file.name.clone());
        }
    }
    let mut learnt: BTreeMap<String, SourceFile> = BTreeMap::new();
    let mut index_names = BTreeMap::new();
    for (package_index, filenames) in &wanted {
        let package = &source.packages[*package_index];
        let label = format!("{} {}", package.name, package.version);
        if indexes.is_empty() {
            index_names.insert(*package_index, "default".to_owned());
            continue;
        }
        let names: Vec<&str> = filenames.iter().map(String::as_str).collect();
        let (index_name, files) = files_on_indexes(indexes, package, &names, &label)?;
        index_names.insert(*package_index, index_name.clone());
        for (name, file) in files {
            let claimed = source_file(selections, *package_index, &name);
            let known = verify(source, claimed, &file, &index_name, indexes, fetch_hashes)?;
            learnt.insert(name, known);
        }
    }
    for selection in selections.iter_mut() {
        for (index, chosen) in selection.chosen.iter_mut() {
            if let Some(file) = learnt.get(&chosen.file.name) {
                chosen.file = file.clone();
            }
            complete(source, &source.packages[*index], &chosen.file, fetch_hashes)?;
        }
    }
    Ok(index_names)
}

/// The files named `names` of a package, from the first index that has the project.
fn files_on_indexes(
    indexes: &[Arc<dyn PackageIndex>],
    package: &crate::source::SourcePackage,
    names: &[&str],
    label: &str,
) -> Result<(String, Vec<(String, IndexFile)>), ImportError> {
    for index in indexes {
        let page = match index.project_files(&package.name, names) {
            Ok(page) => page,
            Err(envlock_index::IndexError::ProjectNotFound { .. }) => continue,
            Err(source) => {
                return Err(ImportError::Index {
                    index: index.name().to_owned(),
                    source: Box::new(source),
                });
            }
        };
        let mut files = Vec::new();
        for name in names {
            match page.files.iter().find(|file| file.filename == *name) {
                Some(file) => files.push(((*name).to_owned(), file.clone())),
                None => {
                    return Err(ImportError::NotOnIndex {
                        file: (*name).to_owned(),
                        package: label.to_owned(),
                        indexes: vec![index.name().to_owned()],
                    });
                }
            }
        }
        return Ok((index.name().to_owned(), files));
    }
    Err(ImportError::NotOnIndex {
        file: names.join(", "),
        package: label.to_owned(),
        indexes: indexes
            .iter()
            .map(|index| index.name().to_owned())
            .collect(),
    })
}

fn source_file(selections: &[Selection], package: usize, name: &str) -> SourceFile {
    selections
        .iter()
        .filter_map(|selection| selection.chosen.get(&package))
        .map(|chosen| chosen.file.clone())
        .find(|file| file.name == name)
        .unwrap_or(SourceFile {
            name: name.to_owned(),
            sha256: None,
            size: None,
        })
}

/// The source's file checked against the index's, with what the index adds.
fn verify(
    source: &Source,
    claimed: SourceFile,
    file: &IndexFile,
    index_name: &str,
    indexes: &[Arc<dyn PackageIndex>],
    fetch_hashes: bool,
) -> Result<SourceFile, ImportError> {
    let sha256 = match (&claimed.sha256, file.sha256_hex()) {
        (Some(ours), Some(theirs)) if *ours != theirs => {
            return Err(ImportError::HashMismatch {
                path: source.path.clone(),
                file: claimed.name.clone(),
                source_sha256: ours.clone(),
                index: index_name.to_owned(),
                index_sha256: theirs,
            });
        }
        (Some(ours), _) => Some(ours.clone()),
        (None, theirs) if fetch_hashes => theirs,
        (None, _) => None,
    };
    let size = match (claimed.size, file.size) {
        (Some(size), _) | (None, Some(size)) => Some(size),
        (None, None) => {
            let index = indexes
                .iter()
                .find(|index| index.name() == index_name)
                .ok_or_else(|| ImportError::NoSize {
                    file: claimed.name.clone(),
                })?;
            Some(index.file_size(file).map_err(|source| ImportError::Index {
                index: index_name.to_owned(),
                source: Box::new(source),
            })?)
        }
    };
    Ok(SourceFile {
        name: claimed.name,
        sha256,
        size,
    })
}

/// Every chosen file needs a hash and a size by now.
fn complete(
    source: &Source,
    package: &crate::source::SourcePackage,
    file: &SourceFile,
    fetch_hashes: bool,
) -> Result<(), ImportError> {
    if file.sha256.is_none() {
        return Err(if fetch_hashes {
            ImportError::NotOnIndex {
                file: file.name.clone(),
                package: format!("{} {}", package.name, package.version),
                indexes: Vec::new(),
            }
        } else {
            ImportError::NoHashes {
                path: source.path.clone(),
                package: format!("{} {} ({})", package.name, package.version, file.name),
            }
        });
    }
    if file.size.is_none() {
        return Err(ImportError::NoSize {
            file: file.name.clone(),
        });
    }
    Ok(())
}
