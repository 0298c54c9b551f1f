//! `envlock.toml`: the declared inputs of a lock.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use envlock_pep::Requirement;
use serde::Deserialize;
use serde_spanned::Spanned;

use crate::error::{Location, SpecError};
use crate::expand::{Environment, expand};
use crate::interpreter::{InterpreterSpec, WireSetting, target_interpreter};
use crate::requirements_txt::{
    Located, RequirementsFile, parse_requirement, read_requirements_file,
};

/// The file name `envlock lock` looks for in a folder.
pub const SPEC_FILE_NAME: &str = "envlock.toml";

/// The pre-release policy (`prereleases = "…"` in the spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrereleasePolicy {
    /// PEP 440's rule: a pre-release is a candidate only when a specifier
    /// names one explicitly, or when no final release satisfies the
    /// requirement at all.
    #[default]
    IfNecessaryOrExplicit,
    /// Pre-releases are candidates like any other version.
    Allow,
    /// Pre-releases are never candidates.
    Disallow,
}

impl PrereleasePolicy {
    fn as_str(self) -> &'static str {
        match self {
            PrereleasePolicy::IfNecessaryOrExplicit => "if-necessary-or-explicit",
            PrereleasePolicy::Allow => "allow",
            PrereleasePolicy::Disallow => "disallow",
        }
    }
}

/// A declared target, as written; `envlock-pep` validates python and platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSpec {
    /// The name given, if any (a default is derived from python and platform).
    pub name: Option<Located<String>>,
    /// The Python version as written (`3.8`, `3.10.14`).
    pub python: Located<String>,
    /// The platform as written (`manylinux_2_28_x86_64`, `manylinux`, …).
    pub platform: Located<String>,
    /// The relocatable CPython it carries, when it asks for one (its own
    /// `interpreter`, or the top-level one); its version is the target's.
    pub interpreter: Option<InterpreterSpec>,
}

/// A declared index: a name (recorded in the lock) and a URL (never recorded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSpec {
    /// The index's name.
    pub name: String,
    /// The URL as written, before `${VAR}` expansion.
    pub url: Located<String>,
    /// Packages pinned to this index (PEP 503 normalised names): they come
    /// from it alone, whatever the other indexes offer.
    pub packages: Vec<String>,
    /// Whether the index serves only the packages pinned to it.
    pub explicit: bool,
}

impl IndexSpec {
    /// Its lines of the inputs digest: the name, and the pins (which change
    /// what is locked; specs without them keep their digest).
    fn digest_lines(&self) -> Vec<String> {
        let mut lines = vec![format!("index {}", self.name)];
        lines.extend(
            self.packages
                .iter()
                .map(|package| format!("index {} package {package}", self.name)),
        );
        if self.explicit {
            lines.push(format!("index {} explicit", self.name));
        }
        lines
    }

    /// The URL with `${VAR}` expanded; an unset variable is an error that
    /// points at the `url` value.
    pub fn expanded_url(&self, environment: Environment<'_>) -> Result<String, SpecError> {
        expand(&self.url.value, environment).map_err(|name| {
            SpecError::at(
                self.url.location.clone(),
                format!("index `{}` uses ${{{name}}}, which is not set", self.name),
            )
            .with_hint(format!("set {name}, or give the index with --index-url"))
        })
    }
}

/// A declared resource: a plain file (not a Python package) that the far
/// side needs, found through an environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceSpec {
    /// The resource's name, unique in the spec.
    pub name: Located<String>,
    /// Where to fetch it, as written (`https://…`, `http://…`, `file://…` or
    /// a local path, relative to the spec's folder); `${VAR}` is expanded
    /// when it is fetched.
    pub url: Located<String>,
    /// The file name it gets under `resources/` in a wheelhouse.
    pub file: String,
    /// The environment variable that points to it on the far side.
    pub env: Located<String>,
    /// The expected sha256, when the spec gives one.
    pub sha256: Option<envlock_fs::Sha256>,
    /// The expected size in bytes, when the spec gives one.
    pub size: Option<u64>,
}

impl ResourceSpec {
    /// Its line of the inputs digest.
    fn digest_line(&self) -> String {
        format!(
            "resource {} {} {} {} {} {}",
            self.name.value,
            self.url.value,
            self.file,
            self.env.value,
            self.sha256
                .map_or_else(|| "-".to_owned(), |sha256| sha256.to_hex()),
            self.size
                .map_or_else(|| "-".to_owned(), |size| size.to_string()),
        )
    }

    /// The URL with `${VAR}` expanded; an unset variable is an error that
    /// points at the `url` value.
    pub fn expanded_url(&self, environment: Environment<'_>) -> Result<String, SpecError> {
        expand(&self.url.value, environment).map_err(|name| {
            SpecError::at(
                self.url.location.clone(),
                format!(
                    "resource `{}` uses ${{{name}}}, which is not set",
                    self.name.value
                ),
            )
            .with_hint(format!("set {name} before running envlock"))
        })
    }
}

/// A whole spec, read and checked, with requirements files included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// The `envlock.toml` it was read from.
    pub path: PathBuf,
    /// The spec's name.
    pub name: String,
    /// Every requirement, from `requirements` and then `requirements-files`.
    pub requirements: Vec<Located<Requirement>>,
    /// Every constraint, from `constraints` and `-c` lines.
    pub constraints: Vec<Located<Requirement>>,
    /// The targets, in the order declared.
    pub targets: Vec<TargetSpec>,
    /// The indexes, in the order declared (`[[indexes]]`, then those that
    /// requirements files name with `--index-url` / `--extra-index-url`).
    pub indexes: Vec<IndexSpec>,
    /// Folders of distributions named with `--find-links` in requirements files.
    pub find_links: Vec<Located<PathBuf>>,
    /// Ignore files uploaded after this time.
    pub exclude_newer: Option<jiff::Timestamp>,
    /// The pre-release policy.
    pub prereleases: PrereleasePolicy,
    /// Packages that must be installed from wheels (`:all:` for every one).
    pub only_binary: BTreeSet<String>,
    /// Packages that must be installed from sdists (`:all:` for every one).
    pub no_binary: BTreeSet<String>,
    /// `no-build = true`: never run an sdist's build backend while locking
    /// (releases whose metadata would need a build are passed over).
    pub no_build: bool,
    /// Plain files to carry with the packages, in the order declared.
    pub resources: Vec<ResourceSpec>,
    /// Whether the lock pins a current pip for each target, which the
    /// wheelhouse carries and `install.sh` installs first (`carry-pip`,
    /// true unless the spec says `false`).
    pub carry_pip: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct WireSpec {
    name: Spanned<String>,
    #[serde(default)]
    requirements: Vec<Spanned<String>>,
    #[serde(default)]
    requirements_files: Vec<Spanned<String>>,
    #[serde(default)]
    constraints: Vec<Spanned<String>>,
    exclude_newer: Option<Spanned<String>>,
    #[serde(default)]
    prereleases: PrereleasePolicy,
    #[serde(default)]
    only_binary: Vec<String>,
    #[serde(default)]
    no_binary: Vec<String>,
    #[serde(default)]
    no_build: bool,
    #[serde(default)]
    targets: Vec<WireTarget>,
    #[serde(default)]
    indexes: Vec<WireIndex>,
    #[serde(default)]
    resources: Vec<WireResource>,
    carry_pip: Option<bool>,
    interpreter: Option<WireSetting>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireResource {
    name: Spanned<String>,
    url: Spanned<String>,
    file: Option<Spanned<String>>,
    env: Spanned<String>,
    sha256: Option<Spanned<String>>,
    size: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireTarget {
    name: Option<Spanned<String>>,
    python: Spanned<String>,
    platform: Spanned<String>,
    interpreter: Option<WireSetting>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireIndex {
    name: Spanned<String>,
    url: Spanned<String>,
    #[serde(default)]
    packages: Vec<Spanned<String>>,
    #[serde(default)]
    explicit: bool,
}

/// Finds the spec for `path`: the file itself, or `envlock.toml` in the folder.
pub fn find_spec(path: &Path) -> Result<PathBuf, SpecError> {
    if path.is_dir() {
        let candidate = path.join(SPEC_FILE_NAME);
        if candidate.is_file() {
            return Ok(candidate);
        }
        return Err(
            SpecError::file(path, format!("no {SPEC_FILE_NAME} in this folder")).with_hint(
                "create one (see the README's \"The spec\"), or pass the spec file's path",
            ),
        );
    }
    if path.is_file() {
        return Ok(path.to_owned());
    }
    Err(SpecError::file(path, "no such file or folder"))
}

impl Spec {
    /// Reads the spec at `path` (a file or a folder holding `envlock.toml`).
    pub fn read(path: &Path, environment: Environment<'_>) -> Result<Spec, SpecError> {
        let path = find_spec(path)?;
        let text = std::fs::read_to_string(&path)
            .map_err(|error| SpecError::file(&path, format!("cannot read the spec: {error}")))?;
        Spec::parse(&text, &path, environment)
    }

    /// Parses spec text; `path` is where it came from (relative paths inside
    /// are resolved against its folder).
    pub fn parse(text: &str, path: &Path, environment: Environment<'_>) -> Result<Spec, SpecError> {
        let source = SpecSource {
            path,
            text: text.into(),
        };
        let wire = source.decode()?;
        let mut gathered = Gathered {
            requirements: source.requirements(&wire.requirements)?,
            constraints: source.requirements(&wire.constraints)?,
            indexes: Vec::new(),
            index_names: BTreeSet::new(),
            pinned: BTreeSet::new(),
            find_links: Vec::new(),
            prereleases: wire.prereleases,
            only_binary: wire.only_binary.iter().cloned().collect(),
            no_binary: wire.no_binary.iter().cloned().collect(),
        };
        gathered.declare_indexes(&source, &wire.indexes)?;
        let folder = path.parent().unwrap_or(Path::new("."));
        for file in &wire.requirements_files {
            gathered.include(source.requirements_file(folder, file, environment)?);
        }
        let targets = source.targets(&wire.targets, wire.interpreter.as_ref())?;
        let exclude_newer = source.exclude_newer(wire.exclude_newer.as_ref())?;
        let resources = wire
            .resources
            .iter()
            .map(|resource| read_resource(resource, &source))
            .collect::<Result<Vec<_>, _>>()?;
        check_resources_unique(&resources, &wire.resources, &source)?;
        if let Err(error) = envlock_fs::check_label(wire.name.get_ref()) {
            return Err(
                SpecError::at(source.at(wire.name.span()), format!("`name`: {error}"))
                    .with_hint("the name is recorded in the lock and written into generated files"),
            );
        }
        Ok(Spec {
            path: path.to_owned(),
            name: wire.name.into_inner(),
            requirements: gathered.requirements,
            constraints: gathered.constraints,
            targets,
            indexes: gathered.indexes,
            find_links: gathered.find_links,
            exclude_newer,
            prereleases: gathered.prereleases,
            only_binary: gathered.only_binary,
            no_binary: gathered.no_binary,
            no_build: wire.no_build,
            resources,
            carry_pip: wire.carry_pip.unwrap_or(true),
        })
    }

    /// The declared targets, validated: Python versions and platforms parsed
    /// (errors point at the value), names defaulted and checked for clashes.
    pub fn targets(&self) -> Result<Vec<envlock_pep::Target>, SpecError> {
        let mut targets: Vec<envlock_pep::Target> = Vec::with_capacity(self.targets.len());
        for declared in &self.targets {
            let python = match &declared.interpreter {
                // The carried archive's exact version, so that
                // `python_full_version` markers are exact.
                Some(interpreter) => interpreter.version,
                None => envlock_pep::PythonVersion::parse(declared.python.value.trim()).map_err(
                    |error| SpecError::at(declared.python.location.clone(), error.to_string()),
                )?,
            };
            let platform =
                envlock_pep::Platform::parse(declared.platform.value.trim()).map_err(|error| {
                    SpecError::at(declared.platform.location.clone(), error.to_string())
                })?;
            let mut target = envlock_pep::Target::new(python, platform).map_err(|error| {
                SpecError::at(declared.python.location.clone(), error.to_string())
            })?;
            if let Some(name) = &declared.name {
                if let Err(error) = envlock_fs::check_label(&name.value) {
                    return Err(SpecError::at(
                        name.location.clone(),
                        format!("a target name: {error}"),
                    ));
                }
                target = target.with_name(name.value.clone());
            }
            if targets
                .iter()
                .any(|existing| existing.name() == target.name())
            {
                let location = declared
                    .name
                    .as_ref()
                    .map_or(declared.platform.location.clone(), |name| {
                        name.location.clone()
                    });
                return Err(SpecError::at(
                    location,
                    format!("two targets are named `{}`", target.name()),
                )
                .with_hint("give one of them a different `name`"));
            }
            targets.push(target);
        }
        Ok(targets)
    }

    /// `sha256:<hex>` of the normalised inputs: what the lock depends on,
    /// and nothing that may differ between two machines that should produce
    /// the same lock (index URLs, paths, the order of requirements).
    pub fn inputs_digest(&self) -> String {
        let mut lines = vec!["envlock-inputs 1".to_owned(), format!("name {}", self.name)];
        let mut requirements: Vec<String> = self
            .requirements
            .iter()
            .map(|entry| entry.value.to_string())
            .collect();
        requirements.sort();
        lines.extend(
            requirements
                .into_iter()
                .map(|requirement| format!("requirement {requirement}")),
        );
        let mut constraints: Vec<String> = self
            .constraints
            .iter()
            .map(|entry| entry.value.to_string())
            .collect();
        constraints.sort();
        lines.extend(
            constraints
                .into_iter()
                .map(|constraint| format!("constraint {constraint}")),
        );
        for target in &self.targets {
            let name = target.name.as_ref().map_or("", |name| name.value.as_str());
            lines.push(format!(
                "target {name} {} {}",
                target.python.value, target.platform.value
            ));
            // Only targets that carry an interpreter add a line, so that
            // the digest of every lock made before it existed stays.
            if let Some(interpreter) = &target.interpreter {
                lines.push(interpreter.digest_line(name));
            }
        }
        lines.extend(self.indexes.iter().flat_map(IndexSpec::digest_lines));
        if let Some(exclude_newer) = &self.exclude_newer {
            lines.push(format!("exclude-newer {exclude_newer}"));
        }
        lines.push(format!("prereleases {}", self.prereleases.as_str()));
        lines.extend(
            self.only_binary
                .iter()
                .map(|name| format!("only-binary {name}")),
        );
        lines.extend(
            self.no_binary
                .iter()
                .map(|name| format!("no-binary {name}")),
        );
        // Only a spec that turns the carried pip off adds a line, so that
        // the digest of every lock made before it existed stays the same.
        if !self.carry_pip {
            lines.push("carry-pip false".to_owned());
        }
        // Only specs that refuse builds add a line, so older digests stay.
        if self.no_build {
            lines.push("no-build".to_owned());
        }
        // Only specs with resources add lines, so that the digest of every
        // lock made before resources existed stays the same.
        lines.extend(self.resources.iter().map(ResourceSpec::digest_line));
        use std::io::Write as _;
        let mut hasher = envlock_fs::HashingWriter::new(std::io::sink());
        for line in lines {
            // Writing into a sink cannot fail.
            let _ = hasher.write_all(line.as_bytes());
            let _ = hasher.write_all(b"\n");
        }
        let (digest, _, _) = hasher.finish();
        format!("sha256:{digest}")
    }
}

/// The spec's text and the file it came from: what every error points into.
struct SpecSource<'a> {
    path: &'a Path,
    text: Arc<str>,
}

impl SpecSource<'_> {
    /// The place of `span` in the spec.
    fn at(&self, span: Range<usize>) -> Location {
        Location {
            path: self.path.to_owned(),
            text: Arc::clone(&self.text),
            span,
        }
    }

    /// A value of the spec with the place it was written.
    fn located(&self, value: &Spanned<String>) -> Located<String> {
        Located {
            value: value.get_ref().clone(),
            location: self.at(value.span()),
        }
    }

    /// The TOML read into the spec's shape; unknown keys are refused.
    fn decode(&self) -> Result<WireSpec, SpecError> {
        toml::from_str(&self.text).map_err(|error| {
            let span = error.span().unwrap_or(0..0);
            let message = error.message().trim().to_owned();
            let hint = message.contains("unknown field").then(|| {
                "the keys of envlock.toml are listed in the README's \"The spec\"".to_owned()
            });
            SpecError {
                message,
                location: Some(self.at(span)),
                hint,
            }
        })
    }

    /// `requirements` or `constraints`: PEP 508 strings, each error pointing
    /// inside the string when it is written without escapes.
    fn requirements(
        &self,
        values: &[Spanned<String>],
    ) -> Result<Vec<Located<Requirement>>, SpecError> {
        values
            .iter()
            .map(|value| {
                let span = value.span();
                // The value's span includes its quotes; offsets inside the
                // string line up with the file when it has no escapes.
                let inner_start = span.start + 1;
                let verbatim = self.text.get(inner_start..span.end.saturating_sub(1))
                    == Some(value.get_ref().as_str());
                let locate = |start: usize, length: usize| {
                    if verbatim {
                        self.at(inner_start + start..inner_start + start + length)
                    } else {
                        self.at(span.clone())
                    }
                };
                let requirement = parse_requirement(value.get_ref().trim(), &locate)?;
                Ok(Located {
                    value: requirement,
                    location: self.at(span.clone()),
                })
            })
            .collect()
    }

    /// One of `requirements-files`, read relative to the spec's folder.
    fn requirements_file(
        &self,
        folder: &Path,
        file: &Spanned<String>,
        environment: Environment<'_>,
    ) -> Result<RequirementsFile, SpecError> {
        let file_path = folder.join(file.get_ref());
        if !file_path.is_file() {
            return Err(SpecError::at(
                self.at(file.span()),
                format!(
                    "the requirements file `{}` does not exist",
                    file_path.display()
                ),
            ));
        }
        read_requirements_file(&file_path, environment)
    }

    /// The `[[targets]]` tables as written, each with its interpreter; at
    /// least one is needed.
    fn targets(
        &self,
        targets: &[WireTarget],
        interpreter: Option<&WireSetting>,
    ) -> Result<Vec<TargetSpec>, SpecError> {
        if targets.is_empty() {
            return Err(SpecError::at(self.at(0..0), "the spec declares no targets")
                .with_hint("add one, e.g.\n[[targets]]\npython = \"3.12\"\nplatform = \"manylinux_2_28_x86_64\""));
        }
        targets
            .iter()
            .map(|target| {
                Ok(TargetSpec {
                    name: target.name.as_ref().map(|name| self.located(name)),
                    python: self.located(&target.python),
                    platform: self.located(&target.platform),
                    interpreter: target_interpreter(
                        interpreter,
                        target.interpreter.as_ref(),
                        &target.python,
                        &|span| self.at(span),
                    )?,
                })
            })
            .collect()
    }

    /// `exclude-newer`, an RFC 3339 time.
    fn exclude_newer(
        &self,
        value: Option<&Spanned<String>>,
    ) -> Result<Option<jiff::Timestamp>, SpecError> {
        value
            .map(|value| {
                value.get_ref().parse::<jiff::Timestamp>().map_err(|error| {
                    SpecError::at(
                        self.at(value.span()),
                        format!("`exclude-newer` is not an RFC 3339 time: {error}"),
                    )
                    .with_hint("write it like \"2026-11-01T00:00:00Z\"")
                })
            })
            .transpose()
    }
}

/// What the spec and its requirements files ask for, gathered in the
/// order they are read.
struct Gathered {
    requirements: Vec<Located<Requirement>>,
    constraints: Vec<Located<Requirement>>,
    indexes: Vec<IndexSpec>,
    index_names: BTreeSet<String>,
    /// Packages pinned to an index so far.
    pinned: BTreeSet<String>,
    find_links: Vec<Located<PathBuf>>,
    prereleases: PrereleasePolicy,
    only_binary: BTreeSet<String>,
    no_binary: BTreeSet<String>,
}

impl Gathered {
    /// The spec's `[[indexes]]`: names must be non-empty and unique.
    fn declare_indexes(
        &mut self,
        source: &SpecSource<'_>,
        indexes: &[WireIndex],
    ) -> Result<(), SpecError> {
        for index in indexes {
            let name = index.name.get_ref();
            if name.trim().is_empty() {
                return Err(SpecError::at(
                    source.at(index.name.span()),
                    "an index name cannot be empty",
                ));
            }
            if !self.index_names.insert(name.clone()) {
                return Err(SpecError::at(
                    source.at(index.name.span()),
                    format!("the index name `{name}` is used twice"),
                ));
            }
            let packages = self.pinned_packages(source, index)?;
            self.indexes.push(IndexSpec {
                name: name.clone(),
                url: source.located(&index.url),
                packages,
                explicit: index.explicit,
            });
        }
        Ok(())
    }

    /// An index's `packages`: valid names, each pinned to one index only.
    fn pinned_packages(
        &mut self,
        source: &SpecSource<'_>,
        index: &WireIndex,
    ) -> Result<Vec<String>, SpecError> {
        let mut packages = Vec::new();
        for package in &index.packages {
            let name = package
                .get_ref()
                .trim()
                .parse::<envlock_pep::PackageName>()
                .map_err(|error| {
                    SpecError::at(
                        source.at(package.span()),
                        format!("`{}` is not a package name: {error}", package.get_ref()),
                    )
                })?
                .to_string();
            if !self.pinned.insert(name.clone()) {
                return Err(SpecError::at(
                    source.at(package.span()),
                    format!("`{name}` is pinned to more than one index"),
                ));
            }
            packages.push(name);
        }
        if index.explicit && packages.is_empty() {
            return Err(SpecError::at(
                source.at(index.name.span()),
                format!(
                    "index `{}` is `explicit` but pins no `packages`, so it would never be used",
                    index.name.get_ref()
                ),
            ));
        }
        Ok(packages)
    }

    /// Adds what a requirements file asks for; its `--index-url` is the
    /// index `default` and its `--extra-index-url`s `extra-1`, `extra-2`, …,
    /// unless the spec already has an index of that name.
    fn include(&mut self, included: RequirementsFile) {
        self.requirements.extend(included.requirements);
        self.constraints.extend(included.constraints);
        self.find_links.extend(included.find_links);
        if included.prereleases && self.prereleases == PrereleasePolicy::IfNecessaryOrExplicit {
            self.prereleases = PrereleasePolicy::Allow;
        }
        self.only_binary.extend(included.only_binary);
        self.no_binary.extend(included.no_binary);
        let named = included
            .index_url
            .into_iter()
            .map(|url| ("default".to_owned(), url))
            .chain(
                included
                    .extra_index_urls
                    .into_iter()
                    .enumerate()
                    .map(|(number, url)| (format!("extra-{}", number + 1), url)),
            );
        for (name, url) in named {
            if self.index_names.insert(name.clone()) {
                self.indexes.push(IndexSpec {
                    name,
                    url,
                    packages: Vec::new(),
                    explicit: false,
                });
            }
        }
    }
}

/// Checks one `[[resources]]` table; errors point at the offending value.
fn read_resource(
    resource: &WireResource,
    source: &SpecSource<'_>,
) -> Result<ResourceSpec, SpecError> {
    let name = resource.name.get_ref().trim();
    if let Err(error) = envlock_fs::check_label(name) {
        return Err(SpecError::at(
            source.at(resource.name.span()),
            format!("a resource name: {error}"),
        ));
    }
    let url = resource.url.get_ref().trim();
    if url.is_empty() {
        return Err(SpecError::at(
            source.at(resource.url.span()),
            format!("resource `{name}` has an empty `url`"),
        ));
    }
    refuse_inline_credentials(url, name, resource.url.span(), source)?;
    let file = resource_file(resource, name, url, source)?;
    let env = resource_variable(&resource.env, source)?;
    let sha256 = resource
        .sha256
        .as_ref()
        .map(|value| resource_sha256(value, source))
        .transpose()?;
    let trimmed = |value: &str, span: Range<usize>| Located {
        value: value.to_owned(),
        location: source.at(span),
    };
    Ok(ResourceSpec {
        name: trimmed(name, resource.name.span()),
        url: trimmed(url, resource.url.span()),
        file,
        env: trimmed(env, resource.env.span()),
        sha256,
        size: resource.size,
    })
}

/// The file name a resource is kept under: `file`, or the last segment of
/// its URL.
fn resource_file(
    resource: &WireResource,
    name: &str,
    url: &str,
    source: &SpecSource<'_>,
) -> Result<String, SpecError> {
    if let Some(file) = &resource.file {
        let value = file.get_ref().trim();
        if let Err(error) = envlock_fs::check_file_name(value) {
            return Err(SpecError::at(source.at(file.span()), error.to_string())
                .with_hint("for example \"tool_1.0_amd64.deb\""));
        }
        return Ok(value.to_owned());
    }
    let last = url
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    if let Err(error) = envlock_fs::check_file_name(last) {
        return Err(SpecError::at(
            source.at(resource.url.span()),
            format!("resource `{name}`: no file name can be taken from this URL ({error})"),
        )
        .with_hint("add `file = \"…\"` with the name the file should have"));
    }
    Ok(last.to_owned())
}

/// A resource's `env`: the name of the variable that gets its path.
fn resource_variable<'w>(
    env: &'w Spanned<String>,
    source: &SpecSource<'_>,
) -> Result<&'w str, SpecError> {
    let variable = env.get_ref().trim();
    if let Err(error) = envlock_fs::check_env_var(variable) {
        return Err(SpecError::at(source.at(env.span()), error.to_string()));
    }
    Ok(variable)
}

/// A resource URL must not carry a user or password: the URL is copied
/// into the lock (and so into every carry). Credentials come from the
/// environment (`${VAR}`, expanded only when fetching) or from netrc.
fn refuse_inline_credentials(
    url: &str,
    name: &str,
    span: Range<usize>,
    source: &SpecSource<'_>,
) -> Result<(), SpecError> {
    let Some((_, rest)) = url.split_once("://") else {
        return Ok(());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let Some((userinfo, _host)) = authority.rsplit_once('@') else {
        return Ok(());
    };
    let is_variable = |part: &str| {
        part.strip_prefix("${")
            .and_then(|part| part.strip_suffix('}'))
            .is_some_and(|name| envlock_fs::check_env_var(name).is_ok())
    };
    if !userinfo.split(':').all(is_variable) {
        return Err(SpecError::at(
            source.at(span),
            format!("resource `{name}`'s URL holds credentials (`user:password@`)"),
        )
        .with_hint(
            "the URL is copied into the lock and the carry: write `https://${USER_VAR}:${TOKEN_VAR}@host/…` \
             (expanded only when fetching) or put the credentials in ~/.netrc",
        ));
    }
    Ok(())
}

/// A resource's `sha256`, in either case, with or without a `sha256:`
/// prefix.
fn resource_sha256(
    value: &Spanned<String>,
    source: &SpecSource<'_>,
) -> Result<envlock_fs::Sha256, SpecError> {
    let hex = value.get_ref().trim().to_ascii_lowercase();
    let hex = hex.strip_prefix("sha256:").unwrap_or(&hex);
    envlock_fs::Sha256::from_hex(hex)
        .map_err(|_| SpecError::at(source.at(value.span()), "`sha256` must be 64 hex digits"))
}

/// Names, files and variables of resources must each be unique: two
/// resources in one `resources/` folder, or behind one variable, would
/// overwrite each other.
fn check_resources_unique(
    resources: &[ResourceSpec],
    wire: &[WireResource],
    source: &SpecSource<'_>,
) -> Result<(), SpecError> {
    let mut names = BTreeSet::new();
    let mut files = BTreeSet::new();
    let mut variables = BTreeSet::new();
    for (resource, wire) in resources.iter().zip(wire) {
        if !names.insert(resource.name.value.as_str()) {
            return Err(SpecError::at(
                resource.name.location.clone(),
                format!("two resources are named `{}`", resource.name.value),
            ));
        }
        if !files.insert(resource.file.as_str()) {
            let span = wire.file.as_ref().map_or(wire.url.span(), Spanned::span);
            return Err(SpecError::at(
                source.at(span),
                format!("two resources have the file name `{}`", resource.file),
            )
            .with_hint("give one of them a different `file`"));
        }
        if !variables.insert(resource.env.value.as_str()) {
            return Err(SpecError::at(
                resource.env.location.clone(),
                format!("two resources set `{}`", resource.env.value),
            ));
        }
    }
    Ok(())
}
