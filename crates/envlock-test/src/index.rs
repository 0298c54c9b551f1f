//! The fixture universe: projects and their files, in memory.

use std::collections::BTreeMap;
use std::path::Path;

use crate::dist::{
    DistSpec, build_sdist, build_wheel, normalize_name, sdist_filename, sha256_hex, wheel_filename,
};
use crate::scenario::Scenario;

/// One file of a project, as an index serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureFile {
    /// The file name (`foo-1.0-py3-none-any.whl`, `foo-1.0.tar.gz`).
    pub filename: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// `requires-python` advertised for the file.
    pub requires_python: Option<String>,
    /// `Some(reason)` when yanked; the reason may be empty.
    pub yanked: Option<String>,
    /// Upload time (RFC 3339), advertised in JSON pages when set.
    pub upload_time: Option<String>,
    /// Core metadata served as `<file>.metadata` (PEP 658) when the server
    /// has metadata files enabled; set for generated wheels.
    pub metadata: Option<Vec<u8>>,
}

impl FixtureFile {
    /// A plain file with no requires-python, not yanked, no metadata file.
    pub fn new(filename: &str, bytes: Vec<u8>) -> Self {
        FixtureFile {
            filename: filename.to_owned(),
            bytes,
            requires_python: None,
            yanked: None,
            upload_time: None,
            metadata: None,
        }
    }

    /// Lowercase hex sha256 of the file's bytes.
    pub fn sha256(&self) -> String {
        sha256_hex(&self.bytes)
    }

    /// Lowercase hex sha256 of the metadata file, if there is one.
    pub fn metadata_sha256(&self) -> Option<String> {
        self.metadata.as_deref().map(sha256_hex)
    }

    /// The version this file is for, read from its name (`None` if the name
    /// is not a wheel or sdist name of `project`).
    pub fn version(&self, project: &str) -> Option<String> {
        version_from_filename(&self.filename, project)
    }
}

/// The version part of a wheel or sdist file name of `project`.
fn version_from_filename(filename: &str, project: &str) -> Option<String> {
    if let Some(stem) = filename.strip_suffix(".whl") {
        return stem.split('-').nth(1).map(str::to_owned);
    }
    let stem = [".tar.gz", ".zip", ".tar.bz2", ".tgz"]
        .iter()
        .find_map(|extension| filename.strip_suffix(extension))?;
    let project = normalize_name(project);
    // Legacy sdist names may keep dashes in the project part
    // (`foo-bar-1.0.tar.gz`): split where the prefix is the project.
    stem.match_indices('-')
        .map(|(index, _)| index)
        .find(|&index| normalize_name(&stem[..index]) == project)
        .or_else(|| stem.rfind('-'))
        .map(|index| stem[index + 1..].to_owned())
}

/// An in-memory package index: normalized project name → files.
#[derive(Debug, Clone, Default)]
pub struct FixtureIndex {
    projects: BTreeMap<String, Vec<FixtureFile>>,
}

impl FixtureIndex {
    /// An empty index.
    pub fn new() -> Self {
        FixtureIndex::default()
    }

    /// The universe of a packse scenario: for each version, a wheel per
    /// wheel tag (unless `wheel = false`) and an sdist (unless
    /// `sdist = false`), with the version's requires-python (packse's
    /// default applied), yanked state, dependencies and extras.
    pub fn from_scenario(scenario: &Scenario) -> Self {
        let mut index = FixtureIndex::new();
        for (name, package) in &scenario.packages {
            for (version, declared) in &package.versions {
                let mut spec = DistSpec::new(name, version)
                    .requires_python(declared.requires_python_or_default())
                    .requires(&declared.requires);
                for (extra, requirements) in &declared.extras {
                    spec = spec.extra(extra, requirements);
                }
                let yanked = declared.yanked.then(String::new);
                for tag in declared.effective_wheel_tags() {
                    index.add_wheel(&spec, &tag).yanked = yanked.clone();
                }
                if declared.sdist {
                    index.add_sdist(&spec).yanked = yanked.clone();
                }
            }
        }
        index
    }

    /// Builds and adds a wheel (with its metadata file) and returns it so a
    /// test can adjust it (yank it, set an upload time).
    pub fn add_wheel(&mut self, spec: &DistSpec, tag: &str) -> &mut FixtureFile {
        let file = FixtureFile {
            filename: wheel_filename(spec, tag),
            bytes: build_wheel(spec, tag),
            requires_python: spec.requires_python.clone(),
            yanked: None,
            upload_time: None,
            metadata: Some(spec.metadata().into_bytes()),
        };
        self.insert(&spec.name, file)
    }

    /// Builds and adds an sdist (no metadata file, as real indexes do) and
    /// returns it.
    pub fn add_sdist(&mut self, spec: &DistSpec) -> &mut FixtureFile {
        let file = FixtureFile {
            filename: sdist_filename(spec),
            bytes: build_sdist(spec),
            requires_python: spec.requires_python.clone(),
            yanked: None,
            upload_time: None,
            metadata: None,
        };
        self.insert(&spec.name, file)
    }

    /// Adds an arbitrary file to `project`, replacing a file of the same name.
    pub fn add_file(&mut self, project: &str, file: FixtureFile) {
        self.insert(project, file);
    }

    /// Adds `project` with no files (its page lists nothing).
    pub fn add_project(&mut self, project: &str) {
        self.projects.entry(normalize_name(project)).or_default();
    }

    fn insert(&mut self, project: &str, file: FixtureFile) -> &mut FixtureFile {
        let files = self.projects.entry(normalize_name(project)).or_default();
        let position = match files
            .iter()
            .position(|existing| existing.filename == file.filename)
        {
            Some(position) => {
                files[position] = file;
                position
            }
            None => {
                files.push(file);
                files.len() - 1
            }
        };
        &mut files[position]
    }

    /// The files of `project` (any spelling of the name); empty if unknown.
    pub fn files(&self, project: &str) -> &[FixtureFile] {
        self.projects
            .get(&normalize_name(project))
            .map_or(&[], Vec::as_slice)
    }

    /// A mutable view of the files of `project`, if it exists.
    pub fn files_mut(&mut self, project: &str) -> Option<&mut Vec<FixtureFile>> {
        self.projects.get_mut(&normalize_name(project))
    }

    /// Whether `project` (any spelling) is in the index.
    pub fn contains(&self, project: &str) -> bool {
        self.projects.contains_key(&normalize_name(project))
    }

    /// The normalized project names, sorted.
    pub fn projects(&self) -> impl Iterator<Item = &str> {
        self.projects.keys().map(String::as_str)
    }

    /// Finds a file by name in any project: `(normalized project, file)`.
    pub fn find_file(&self, filename: &str) -> Option<(&str, &FixtureFile)> {
        self.projects.iter().find_map(|(project, files)| {
            files
                .iter()
                .find(|file| file.filename == filename)
                .map(|file| (project.as_str(), file))
        })
    }

    /// Writes every file of every project flat into `dir` (created if
    /// missing), as a pip `--find-links` directory.
    pub fn write_find_links_dir(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for file in self.projects.values().flatten() {
            std::fs::write(dir.join(&file.filename), &file.bytes)?;
        }
        Ok(())
    }
}
