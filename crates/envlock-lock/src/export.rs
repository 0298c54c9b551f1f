//! Exports of a lock for installers: a hashed `requirements.txt` and a
//! PEP 751 `pylock.toml`.
//!
//! Both serve several targets from one file. A package version that only
//! some of the chosen targets install gets a marker that holds on exactly
//! those targets, built from their marker environments and written with
//! only the variables that differ among the chosen targets
//! (`python_version == '3.8'` when every target is Linux x86_64;
//! `python_version == '3.12' and sys_platform == 'win32'` when they
//! differ in OS too). A version every chosen target installs has no marker.
//! When two chosen targets cannot be told apart by any marker (a
//! `manylinux` and a `musllinux` target of the same Python and machine) and
//! they install different versions, the export fails with
//! [`ExportError::IndistinguishableTargets`]: export them one at a time.
//!
//! # requirements.txt
//!
//! One `name==version` line per package version, its marker, and a
//! `--hash=sha256:…` line for every file of that version any chosen target
//! installs, so that `pip install --require-hashes -r requirements.txt`
//! (with `--no-index --find-links <wheelhouse>` or an `--index-url`)
//! accepts exactly the locked files.
//!
//! # pylock.toml (PEP 751)
//!
//! `lock-version = "1.0"`, `created-by = "envlock"`, `environments` (one
//! marker per chosen target), `requires-python` (`>=` the lowest chosen
//! Python), and one `[[packages]]` entry per package version with its
//! `marker` where needed, `requires-python`, `dependencies` (informational,
//! from the lock's `required-by` edges), its `wheels` and, when a chosen
//! target builds from source, its `sdist`. Every file has `name`, `size`
//! and `hashes = { sha256 = … }`, and exactly one of `url` or `path`:
//!
//! - [`FileLocation::Wheelhouse`]: `path = "./<file>"`, relative to the
//!   `pylock.toml`, which sits in the flat wheelhouse next to the files.
//! - [`FileLocation::Index`]: PEP 751 requires a `url` or a `path` for
//!   every file, and the lock holds neither (it is index-agnostic, and an
//!   index's file URLs follow no fixed pattern). So the caller passes the
//!   index URL, written as `index` on every package (installers may use it
//!   to find a file whose URL went stale), and the URL of every file, as the
//!   index's project pages list them; a file without one is an error
//!   ([`ExportError::MissingFileUrl`]) rather than a guessed URL.
//!
//! A package version normally has at most one sdist; if it has several,
//! the first by name is written (PEP 751 allows one).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use thiserror::Error;

use crate::encode::quote;
use crate::environment::{Discriminator, TargetEnvironmentError, TargetFacts};
use crate::model::{Lock, LockedFile, LockedPackage};

/// Why a lock could not be exported.
#[derive(Debug, Error)]
pub enum ExportError {
    /// A target asked for is not in the lock.
    #[error("the lock has no target `{name}`; its targets are: {}", known.join(", "))]
    UnknownTarget {
        /// The name asked for.
        name: String,
        /// The lock's targets.
        known: Vec<String>,
    },
    /// No target was chosen, or the lock has none.
    #[error("nothing to export: no target chosen")]
    NoTargets,
    /// A target's python or platform cannot be read.
    #[error(transparent)]
    Target(#[from] TargetEnvironmentError),
    /// Two chosen targets install different things but no marker tells
    /// them apart.
    #[error(
        "targets `{selected}` and `{other}` install different versions of `{package}`, but no environment marker tells them apart; export them separately (choose targets)"
    )]
    IndistinguishableTargets {
        /// The package.
        package: String,
        /// A target that installs the version.
        selected: String,
        /// A target that does not, with the same marker values.
        other: String,
    },
    /// A chosen target installs a package version the lock names no file
    /// for, so nothing could be hashed.
    #[error(
        "`{package} {version}` is installed on target `{target}` but the lock names no file of it for that target"
    )]
    NoFiles {
        /// The package.
        package: String,
        /// The version.
        version: String,
        /// The target.
        target: String,
    },
    /// [`FileLocation::Index`] was given no URL for a file.
    #[error("no URL given for file `{file}` of the index `{index}`")]
    MissingFileUrl {
        /// The file name.
        file: String,
        /// The index URL.
        index: String,
    },
}

/// Where a `pylock.toml` says each file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileLocation {
    /// `path = "./<file>"`: the `pylock.toml` sits in a flat wheelhouse.
    Wheelhouse,
    /// Files on a package index: `index` is recorded on every package, and
    /// each file's `url` is looked up by file name in `file_urls`.
    Index {
        /// The index's base (simple API) URL.
        index_url: String,
        /// File name → absolute URL of the file.
        file_urls: BTreeMap<String, String>,
    },
}

/// The chosen targets and the per-package markers that select them.
struct Selection<'lock> {
    chosen: Vec<TargetFacts>,
    discriminator: Discriminator,
    lock: &'lock Lock,
}

/// One package version to export, with its files for the chosen targets.
struct Entry<'lock> {
    package: &'lock LockedPackage,
    marker: Option<String>,
    files: Vec<&'lock LockedFile>,
}

impl<'lock> Selection<'lock> {
    fn new(lock: &'lock Lock, targets: Option<&[String]>) -> Result<Self, ExportError> {
        let names: Vec<&str> = match targets {
            Some(asked) => {
                for name in asked {
                    if lock.target(name).is_none() {
                        return Err(ExportError::UnknownTarget {
                            name: name.clone(),
                            known: lock
                                .targets
                                .iter()
                                .map(|target| target.name.clone())
                                .collect(),
                        });
                    }
                }
                // Lock order, not the order asked, keeps the output stable.
                lock.targets
                    .iter()
                    .filter(|target| asked.contains(&target.name))
                    .map(|target| target.name.as_str())
                    .collect()
            }
            None => lock
                .targets
                .iter()
                .map(|target| target.name.as_str())
                .collect(),
        };
        if names.is_empty() {
            return Err(ExportError::NoTargets);
        }
        let chosen = names
            .iter()
            .filter_map(|name| lock.target(name))
            .map(TargetFacts::of)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Selection {
            discriminator: Discriminator::new(&chosen),
            chosen,
            lock,
        })
    }

    fn is_chosen(&self, target: &str) -> bool {
        self.chosen.iter().any(|facts| facts.name == target)
    }

    /// The package versions some chosen target installs, in lock order.
    fn entries(&self) -> Result<Vec<Entry<'lock>>, ExportError> {
        let mut entries = Vec::new();
        for package in &self.lock.packages {
            let selected: BTreeSet<String> = package
                .targets
                .iter()
                .filter(|target| self.is_chosen(target))
                .cloned()
                .collect();
            if selected.is_empty() {
                continue;
            }
            let marker = self
                .discriminator
                .selecting(&self.chosen, &selected)
                .map_err(|clash| ExportError::IndistinguishableTargets {
                    package: package.name.to_string(),
                    selected: clash.selected,
                    other: clash.other,
                })?;
            let files: Vec<&LockedFile> = package
                .files
                .iter()
                .filter(|file| file.targets.iter().any(|target| self.is_chosen(target)))
                .collect();
            if let Some(bare) = selected
                .iter()
                .find(|target| !files.iter().any(|file| file.targets.contains(*target)))
            {
                return Err(ExportError::NoFiles {
                    package: package.name.to_string(),
                    version: package.version.to_string(),
                    target: bare.clone(),
                });
            }
            entries.push(Entry {
                package,
                marker,
                files,
            });
        }
        Ok(entries)
    }

    fn target_list(&self) -> String {
        self.chosen
            .iter()
            .map(|facts| facts.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Text for a `#` comment line: a name read from a lock is checked when
/// the lock is read, but a lock can also be built in memory, so control
/// characters (a newline would start a requirement line of its own) become
/// spaces here too.
fn comment_text(text: &str) -> String {
    text.chars()
        .map(|character| {
            if character.is_control() {
                ' '
            } else {
                character
            }
        })
        .collect()
}

/// Exports the lock as a pip requirements file for the chosen targets (all
/// of the lock's targets when `targets` is `None`).
pub fn export_requirements(lock: &Lock, targets: Option<&[String]>) -> Result<String, ExportError> {
    let selection = Selection::new(lock, targets)?;
    let entries = selection.entries()?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Written by `envlock export` from the lock `{}`. Do not edit.",
        comment_text(&lock.name)
    );
    let _ = writeln!(out, "# Targets: {}.", selection.target_list());
    out.push_str("# Install with: pip install --require-hashes -r <this file>\n");
    out.push_str("# (add --no-index --find-links <wheelhouse> on a machine without an index)\n");
    for entry in entries {
        out.push('\n');
        let _ = write!(out, "{}=={}", entry.package.name, entry.package.version);
        if let Some(marker) = &entry.marker {
            let _ = write!(out, " ; {marker}");
        }
        let hashes: BTreeSet<envlock_fs::Sha256> =
            entry.files.iter().map(|file| file.sha256).collect();
        for hash in hashes {
            let _ = write!(out, " \\\n    --hash=sha256:{hash}");
        }
        out.push('\n');
    }
    Ok(out)
}

/// Exports the lock as a PEP 751 `pylock.toml` for the chosen targets (all
/// of the lock's targets when `targets` is `None`), with files located as
/// `location` says.
pub fn export_pylock(
    lock: &Lock,
    targets: Option<&[String]>,
    location: &FileLocation,
) -> Result<String, ExportError> {
    let selection = Selection::new(lock, targets)?;
    let entries = selection.entries()?;
    let mut out = String::new();
    pylock_header(&mut out, &selection);
    let dependencies = pylock_dependencies(&selection, &entries);
    for entry in &entries {
        pylock_package(&mut out, entry, &dependencies, location)?;
    }
    out.push_str("\n[tool.envlock]\n");
    let _ = writeln!(out, "lock = {}", quote(&lock.name));
    let _ = writeln!(out, "inputs-digest = {}", quote(&lock.inputs_digest));
    let targets: Vec<String> = selection
        .chosen
        .iter()
        .map(|facts| quote(&facts.name))
        .collect();
    let _ = writeln!(out, "targets = [{}]", targets.join(", "));
    Ok(out)
}

/// The top-level keys of a `pylock.toml`.
fn pylock_header(out: &mut String, selection: &Selection<'_>) {
    out.push_str("lock-version = \"1.0\"\n");
    out.push_str("environments = [\n");
    for facts in &selection.chosen {
        let _ = writeln!(out, "    {},", quote(&facts.full_marker()));
    }
    out.push_str("]\n");
    if let Some(requires_python) = requires_python(selection) {
        let _ = writeln!(out, "requires-python = {}", quote(&requires_python));
    }
    out.push_str("extras = []\ndependency-groups = []\ndefault-groups = []\n");
    out.push_str("created-by = \"envlock\"\n");
}

/// `(name, version)` of a package → the `(name, version)`s it depends on.
type Dependencies<'lock> = BTreeMap<(&'lock str, String), BTreeSet<(&'lock str, String)>>;

/// The version of each package that each chosen target installs, to name a
/// dependency's version (informational only, per PEP 751).
fn pylock_dependencies<'lock>(
    selection: &Selection<'lock>,
    entries: &[Entry<'lock>],
) -> Dependencies<'lock> {
    let chosen_names: BTreeSet<&str> = selection
        .chosen
        .iter()
        .map(|facts| facts.name.as_str())
        .collect();
    let mut dependencies: Dependencies<'lock> = BTreeMap::new();
    for entry in entries {
        for edge in &entry.package.required_by {
            if let Some((name, version)) = edge.package_text()
                && edge
                    .targets
                    .iter()
                    .any(|target| chosen_names.contains(target.as_str()))
            {
                dependencies.entry((name, version)).or_default().insert((
                    entry.package.name.as_ref(),
                    entry.package.version.to_string(),
                ));
            }
        }
    }
    dependencies
}

/// One `[[packages]]` table.
fn pylock_package(
    out: &mut String,
    entry: &Entry<'_>,
    dependencies: &Dependencies<'_>,
    location: &FileLocation,
) -> Result<(), ExportError> {
    let package = entry.package;
    out.push_str("\n[[packages]]\n");
    let _ = writeln!(out, "name = {}", quote(package.name.as_ref()));
    let _ = writeln!(out, "version = {}", quote(&package.version.to_string()));
    if let Some(marker) = &entry.marker {
        let _ = writeln!(out, "marker = {}", quote(marker));
    }
    if let Some(requires_python) = &package.requires_python {
        let _ = writeln!(out, "requires-python = {}", quote(requires_python));
    }
    let needs = dependencies
        .get(&(package.name.as_ref(), package.version.to_string()))
        .cloned()
        .unwrap_or_default();
    if needs.is_empty() {
        out.push_str("dependencies = []\n");
    } else {
        out.push_str("dependencies = [\n");
        for (name, version) in needs {
            let _ = writeln!(
                out,
                "    {{ name = {}, version = {} }},",
                quote(name),
                quote(&version)
            );
        }
        out.push_str("]\n");
    }
    if let FileLocation::Index { index_url, .. } = location {
        let _ = writeln!(out, "index = {}", quote(index_url));
    }
    let (sdists, wheels): (Vec<&LockedFile>, Vec<&LockedFile>) =
        entry.files.iter().partition(|file| file.is_sdist());
    if let Some(sdist) = sdists.first() {
        let _ = writeln!(out, "sdist = {}", file_table(sdist, location)?);
    }
    if !wheels.is_empty() {
        out.push_str("wheels = [\n");
        for wheel in wheels {
            let _ = writeln!(out, "    {},", file_table(wheel, location)?);
        }
        out.push_str("]\n");
    }
    Ok(())
}

/// `>=` the lowest Python among the chosen targets.
fn requires_python(selection: &Selection<'_>) -> Option<String> {
    selection
        .chosen
        .iter()
        .filter_map(|facts| selection.lock.target(&facts.name))
        .map(|target| (target.python.major(), target.python.minor()))
        .min()
        .map(|(major, minor)| format!(">={major}.{minor}"))
}

fn file_table(file: &LockedFile, location: &FileLocation) -> Result<String, ExportError> {
    let place = match location {
        FileLocation::Wheelhouse => format!("path = {}", quote(&format!("./{}", file.file_name()))),
        FileLocation::Index {
            index_url,
            file_urls,
        } => {
            let url =
                file_urls
                    .get(file.file_name())
                    .ok_or_else(|| ExportError::MissingFileUrl {
                        file: file.file_name().to_owned(),
                        index: index_url.clone(),
                    })?;
            format!("url = {}", quote(url))
        }
    };
    Ok(format!(
        "{{ name = {}, {place}, size = {}, hashes = {{ sha256 = {} }} }}",
        quote(file.file_name()),
        file.size,
        quote(&file.sha256.to_string())
    ))
}
