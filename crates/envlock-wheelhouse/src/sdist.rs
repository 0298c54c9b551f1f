//! Packages that the far side builds from source, and whether that needs a
//! compiler there.

use std::path::Path;

use serde::Serialize;

use envlock_lock::Lock;

use crate::plan::PlannedFile;

/// A runtime package whose only file for some chosen target is an sdist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceBuild {
    /// The package.
    pub package: String,
    /// Its version.
    pub version: String,
    /// The sdist's file name.
    pub file: String,
    /// The chosen targets that build it.
    pub targets: Vec<String>,
    /// Whether the sdist holds sources for a compiler (C, C++, Cython,
    /// Fortran or Rust), so that the target needs one to build it.
    pub needs_compiler: bool,
    /// One such source file, when there is one, to show why.
    pub compiled_source: Option<String>,
    /// Whether the lock records build requirements for it on every one of
    /// those targets. When it does not, `pip install --no-index` cannot
    /// build it from this wheelhouse.
    pub build_requirements_locked: bool,
}

/// The source builds among `files`, which are in `dir` and verified.
pub(crate) fn source_builds(dir: &Path, lock: &Lock, files: &[PlannedFile]) -> Vec<SourceBuild> {
    // In parallel: each sdist is read (decompressed) to find its sources.
    use rayon::prelude::*;
    let sdists: Vec<&PlannedFile> = files
        .iter()
        .filter(|file| file.is_sdist() && !file.build_only)
        .collect();
    sdists
        .par_iter()
        .map(|file| {
            let compiled_source = compiled_source(&dir.join(&file.name));
            let built_with = |target: &String| {
                lock.build_packages.iter().any(|package| {
                    package.required_by.iter().any(|edge| {
                        edge.package.as_ref().is_some_and(|(name, version)| {
                            *name == file.package && *version == file.version
                        }) && edge.targets.contains(target)
                    })
                })
            };
            SourceBuild {
                build_requirements_locked: file.targets.iter().all(built_with),
                package: file.package.to_string(),
                version: file.version.to_string(),
                file: file.name.clone(),
                targets: file.targets.clone(),
                needs_compiler: compiled_source.is_some(),
                compiled_source,
            }
        })
        .collect()
}

/// Extensions of files that only a compiler turns into something Python
/// can import.
const COMPILED_EXTENSIONS: &[&str] = &[
    ".c", ".cc", ".cpp", ".cxx", ".c++", ".pyx", ".f", ".f90", ".rs", ".m",
];

fn is_compiled_source(member: &str) -> bool {
    let lower = member.to_ascii_lowercase();
    COMPILED_EXTENSIONS
        .iter()
        .any(|extension| lower.ends_with(extension))
}

/// The first member of the sdist that needs a compiler, if any. An archive
/// that cannot be read is reported as needing one: the cautious answer for
/// someone planning what the far side must have. A tarball is read only as
/// far as that first member: the rest would be decompressed for nothing, on
/// the way from the last download to the finished folder.
fn compiled_source(path: &Path) -> Option<String> {
    first_compiled_member(path)
        .unwrap_or_else(|reason| Some(format!("(cannot read the sdist: {reason})")))
}

fn first_compiled_member(path: &Path) -> Result<Option<String>, String> {
    let file = std::fs::File::open(path).map_err(|error| error.to_string())?;
    let lower = path.to_string_lossy().to_ascii_lowercase();
    if lower.ends_with(".zip") {
        let archive = zip::ZipArchive::new(file).map_err(|error| error.to_string())?;
        return Ok(archive
            .file_names()
            .filter_map(Result::ok)
            .find(|name| is_compiled_source(name))
            .map(std::borrow::Cow::into_owned));
    }
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let entries = archive.entries().map_err(|error| error.to_string())?;
    for entry in entries {
        let entry = entry.map_err(|error| error.to_string())?;
        let name = entry.path().map_err(|error| error.to_string())?;
        let name = name.to_string_lossy();
        if is_compiled_source(&name) {
            return Ok(Some(name.into_owned()));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_sources_are_recognised() {
        assert!(is_compiled_source("urwid-2.1.2/source/str_util.c"));
        assert!(is_compiled_source("pkg/_speedups.pyx"));
        assert!(!is_compiled_source(
            "pyperclip-1.8.2/src/pyperclip/__init__.py"
        ));
        assert!(!is_compiled_source("pkg/README.md"));
    }
}
