//! A serde model of the packse conformance scenarios and a loader for them.
//!
//! The model names the fields envlock's tests use; packse files carry more
//! (and will grow more), so unknown keys are accepted everywhere rather than
//! rejected — a new upstream field must not break every test at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The requires-python a scenario version has when its file gives none
/// (packse's documented default).
pub const DEFAULT_REQUIRES_PYTHON: &str = ">=3.12";

/// The target interpreter version when a scenario has no `[environment]`.
pub const DEFAULT_PYTHON: &str = "3.12";

/// The single wheel tag a scenario version gets when it lists no `wheel_tags`.
pub const DEFAULT_WHEEL_TAG: &str = "py3-none-any";

/// Why a scenario file or directory could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file or directory could not be read.
    #[error("cannot read scenario path {path}")]
    Read {
        /// The file or directory that failed.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid scenario (bad TOML or a field of the wrong type).
    #[error("invalid scenario {origin}: {source}")]
    Parse {
        /// The file name, or `<string>` for text given directly.
        origin: String,
        /// The TOML error, with line and column.
        #[source]
        source: toml::de::Error,
    },
}

/// One packse scenario: a package universe, root requirements, a target and
/// the expected outcome.
#[derive(Debug, Clone, Deserialize)]
pub struct Scenario {
    /// The scenario's name (e.g. `wrong-backtracking-basic`).
    pub name: String,
    /// What the scenario tests, in words.
    #[serde(default)]
    pub description: Option<String>,
    /// The root requirement set.
    #[serde(default)]
    pub root: Root,
    /// The package universe: bare package name → its versions.
    #[serde(default)]
    pub packages: BTreeMap<String, ScenarioPackage>,
    /// The target interpreter.
    #[serde(default)]
    pub environment: Environment,
    /// Options the resolver runs with.
    #[serde(default)]
    pub resolver_options: ResolverOptions,
    /// The expected outcome.
    #[serde(default)]
    pub expected: Expected,
}

/// The root of a scenario: what the user asks for.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Root {
    /// PEP 508 requirement strings.
    #[serde(default)]
    pub requires: Vec<String>,
    /// The project's requires-python; `None` means [`DEFAULT_REQUIRES_PYTHON`].
    #[serde(default)]
    pub requires_python: Option<String>,
}

impl Root {
    /// The root's requires-python with packse's default applied.
    pub fn requires_python_or_default(&self) -> &str {
        self.requires_python
            .as_deref()
            .unwrap_or(DEFAULT_REQUIRES_PYTHON)
    }
}

/// One package of a scenario's universe.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScenarioPackage {
    /// Version string → what that version declares.
    #[serde(default)]
    pub versions: BTreeMap<String, ScenarioVersion>,
}

/// One version of a scenario package and the files it is published as.
#[derive(Debug, Clone, Deserialize)]
pub struct ScenarioVersion {
    /// PEP 508 dependencies.
    #[serde(default)]
    pub requires: Vec<String>,
    /// Extra name → the requirements it adds.
    #[serde(default)]
    pub extras: BTreeMap<String, Vec<String>>,
    /// The version's requires-python; `None` means [`DEFAULT_REQUIRES_PYTHON`].
    #[serde(default)]
    pub requires_python: Option<String>,
    /// Whether a source distribution is published.
    #[serde(default = "default_true")]
    pub sdist: bool,
    /// Whether wheels are published.
    #[serde(default = "default_true")]
    pub wheel: bool,
    /// The wheels' tags; empty means one [`DEFAULT_WHEEL_TAG`] wheel.
    #[serde(default)]
    pub wheel_tags: Vec<String>,
    /// Whether every file of this version is yanked.
    #[serde(default)]
    pub yanked: bool,
}

impl Default for ScenarioVersion {
    fn default() -> Self {
        ScenarioVersion {
            requires: Vec::new(),
            extras: BTreeMap::new(),
            requires_python: None,
            sdist: true,
            wheel: true,
            wheel_tags: Vec::new(),
            yanked: false,
        }
    }
}

impl ScenarioVersion {
    /// The version's requires-python with packse's default applied.
    pub fn requires_python_or_default(&self) -> &str {
        self.requires_python
            .as_deref()
            .unwrap_or(DEFAULT_REQUIRES_PYTHON)
    }

    /// The wheel tags with packse's default applied (empty if `wheel = false`).
    pub fn effective_wheel_tags(&self) -> Vec<String> {
        if !self.wheel {
            Vec::new()
        } else if self.wheel_tags.is_empty() {
            vec![DEFAULT_WHEEL_TAG.to_owned()]
        } else {
            self.wheel_tags.clone()
        }
    }
}

fn default_true() -> bool {
    true
}

fn default_python() -> String {
    DEFAULT_PYTHON.to_owned()
}

/// The interpreter a scenario targets.
#[derive(Debug, Clone, Deserialize)]
pub struct Environment {
    /// The target Python version (`3.12` by default; may have a patch part).
    #[serde(default = "default_python")]
    pub python: String,
    /// Further interpreters packse makes available (rarely used).
    #[serde(default)]
    pub additional_python: Vec<String>,
}

impl Default for Environment {
    fn default() -> Self {
        Environment {
            python: default_python(),
            additional_python: Vec::new(),
        }
    }
}

/// Options the resolver is run with.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResolverOptions {
    /// Allow pre-releases for every package.
    #[serde(default)]
    pub prereleases: bool,
    /// Packages that must not be built from source (wheels only).
    #[serde(default)]
    pub no_build: Vec<String>,
    /// Packages that must not use wheels (sdists only).
    #[serde(default)]
    pub no_binary: Vec<String>,
    /// A target Python version overriding [`Environment::python`].
    #[serde(default)]
    pub python: Option<String>,
    /// A target platform such as `x86_64-manylinux2014`.
    #[serde(default)]
    pub python_platform: Option<String>,
    /// Resolve for all environments at once (uv-style forking).
    #[serde(default)]
    pub universal: bool,
    /// Environments a universal resolution must cover (PEP 508 markers).
    #[serde(default)]
    pub required_environments: Vec<String>,
}

/// The outcome a scenario expects.
#[derive(Debug, Clone, Deserialize)]
pub struct Expected {
    /// Whether a resolution exists.
    pub satisfiable: bool,
    /// The exact solution, bare package name → version (may be empty).
    #[serde(default)]
    pub packages: BTreeMap<String, String>,
    /// Why, in words.
    #[serde(default)]
    pub explanation: Option<String>,
}

impl Default for Expected {
    fn default() -> Self {
        Expected {
            satisfiable: true,
            packages: BTreeMap::new(),
            explanation: None,
        }
    }
}

impl Scenario {
    /// Reads and parses one scenario file.
    pub fn from_path(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        parse(&text, &path.display().to_string())
    }

    /// Parses scenario TOML text.
    pub fn from_toml(text: &str) -> Result<Scenario, ScenarioError> {
        parse(text, "<string>")
    }

    /// The target Python version: the resolver option if set, else the
    /// environment's.
    pub fn target_python(&self) -> &str {
        self.resolver_options
            .python
            .as_deref()
            .unwrap_or(&self.environment.python)
    }
}

fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
    toml::from_str(text).map_err(|source| ScenarioError::Parse {
        origin: origin.to_owned(),
        source,
    })
}

/// The directory holding the packse scenario files.
///
/// `ENVLOCK_CONFORMANCE_DIR` when set; otherwise the `shared/conformance/packse`
/// folder beside the workspace root. The directory may not exist (a checkout
/// without the shared folder); callers skip in that case.
pub fn conformance_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ENVLOCK_CONFORMANCE_DIR") {
        return PathBuf::from(dir);
    }
    let workspace_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = workspace_root.join("../shared/conformance/packse");
    // Canonical paths read better in test output; keep the joined path when
    // the folder is absent.
    dir.canonicalize().unwrap_or(dir)
}

/// Loads every `*.toml` file under `dir` (recursively), sorted by path.
pub fn load_scenarios(dir: &Path) -> Result<Vec<(PathBuf, Scenario)>, ScenarioError> {
    let mut paths = Vec::new();
    collect_toml_files(dir, &mut paths)?;
    paths.sort();
    paths
        .into_iter()
        .map(|path| Scenario::from_path(&path).map(|scenario| (path, scenario)))
        .collect()
}

fn collect_toml_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ScenarioError> {
    let read_error = |source| ScenarioError::Read {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(|source| ScenarioError::Read {
            path: path.clone(),
            source,
        })?;
        if file_type.is_dir() {
            collect_toml_files(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|extension| extension == "toml")
        {
            out.push(path);
        }
    }
    Ok(())
}
