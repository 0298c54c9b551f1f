//! What the wheelhouse tells the far side: the environment that points
//! ClearML's containers at the served wheelhouse and its resources, in the
//! three forms an installation takes it.
//!
//! - `clearml.env`: `KEY=value` lines, for `docker --env-file` or
//!   `set -a; . ./clearml.env`;
//! - `clearml-agent-values.override.yaml`: a Helm values override for the
//!   ClearML Agent chart, setting the variables in the pod template of each
//!   queue (`agentk8sglue.queues.<QUEUE>.templateOverrides.env`) and, when
//!   asked, `imageCredentials.extraImagePullSecrets`;
//! - `clearml.conf.snippet`: the same variables as
//!   `agent.extra_docker_arguments`, for agents on VMs or bare metal.
//!
//! The three are generated from the lock and the flags, never edited: every
//! build writes them again (and removes them when no `--serve-url` is given).

use std::fmt::Write as _;
use std::path::Path;

use envlock_lock::{LockedResource, quote};

use crate::error::WheelhouseError;
use crate::folder::RESOURCES;
use crate::fsio::write_atomic;

/// The environment file.
const ENV_FILE: &str = "clearml.env";
/// The Helm values override.
const HELM_FILE: &str = "clearml-agent-values.override.yaml";
/// The `clearml.conf` snippet.
const CONF_FILE: &str = "clearml.conf.snippet";
/// Every file this module writes.
const FILES: [&str; 3] = [ENV_FILE, HELM_FILE, CONF_FILE];

/// Writes the far side's three files (`clearml.env`, the Helm values
/// override, the `clearml.conf` snippet) into `dir`, atomically: the one
/// writer for `wheelhouse --serve-url` and `publish --kit-dir`. Returns the
/// paths written.
pub fn write_far_side(
    dir: &Path,
    far_side: &FarSide,
    lock_name: &str,
    resources: &[LockedResource],
) -> Result<Vec<std::path::PathBuf>, WheelhouseError> {
    let mut written = Vec::new();
    for (name, text) in far_side.render(lock_name, resources)? {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// Writes the far-side files into the folder at `dir`; without a
/// `far_side` (no `--serve-url`), removes those of an earlier build, which
/// would be stale.
pub(crate) fn write_far_side_files(
    dir: &Path,
    far_side: Option<&FarSide>,
    lock_name: &str,
    resources: &[LockedResource],
) -> Result<(), WheelhouseError> {
    match far_side {
        Some(far_side) => {
            write_far_side(dir, far_side, lock_name, resources)?;
        }
        None => {
            for name in FILES {
                let path = dir.join(name);
                if path.is_file() {
                    std::fs::remove_file(&path)
                        .map_err(|error| WheelhouseError::io("remove", &path, error))?;
                }
            }
        }
    }
    Ok(())
}

/// The queue the ClearML Agent chart serves when none is named.
pub const DEFAULT_QUEUE: &str = "default";

/// Where the wheelhouse folder will be on the far side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServeLocation {
    /// Served by a web server at this URL (no trailing slash).
    Url(String),
    /// Mounted into the containers at this absolute path (no trailing slash).
    Path(String),
    /// A package repository the files were published into (`envlock
    /// publish`): its simple index URL, and where the resources were put
    /// (`None`: they stay with the wheelhouse, and get no variable).
    Repository {
        /// The repository's simple index URL (with its trailing slash).
        index: String,
        /// The folder URL the resources were uploaded under (no trailing slash).
        resources: Option<String>,
    },
}

impl ServeLocation {
    /// Reads `--serve-url`: an `http://` or `https://` URL, a `file://` URL,
    /// or an absolute path.
    pub fn parse(value: &str) -> Result<ServeLocation, WheelhouseError> {
        let bad = |reason: &str| WheelhouseError::ServeLocation {
            value: value.to_owned(),
            reason: reason.to_owned(),
        };
        let trimmed = value.trim().trim_end_matches('/');
        if let Some(character) = trimmed.chars().find(|character| !is_plain(*character)) {
            return Err(bad(&format!(
                "`{character}` would need quoting in an environment file; percent-encode it or choose another location"
            )));
        }
        let lower = trimmed.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            let host = trimmed
                .split_once("://")
                .map(|(_, rest)| rest.split('/').next().unwrap_or_default())
                .unwrap_or_default();
            if host.is_empty() {
                return Err(bad("the URL has no host"));
            }
            if host.contains('@') {
                return Err(bad(
                    "credentials do not belong in generated files; give them to pip on the far side (netrc, or a keyring)",
                ));
            }
            return Ok(ServeLocation::Url(trimmed.to_owned()));
        }
        let path = trimmed.strip_prefix("file://").unwrap_or(trimmed);
        if path.starts_with('/') {
            return Ok(ServeLocation::Path(path.to_owned()));
        }
        Err(bad(
            "give an http(s) URL where a web server serves the wheelhouse folder, or the absolute path it is mounted at",
        ))
    }

    /// A repository's simple index URL and resources folder URL, checked
    /// as `--serve-url` is (http(s), nothing to quote, no credentials).
    pub fn repository(
        index: &str,
        resources: Option<&str>,
    ) -> Result<ServeLocation, WheelhouseError> {
        let url = |value: &str| match ServeLocation::parse(value)? {
            ServeLocation::Url(url) => Ok(url),
            _ => Err(WheelhouseError::ServeLocation {
                value: value.to_owned(),
                reason: "a repository is reached over http(s)".to_owned(),
            }),
        };
        Ok(ServeLocation::Repository {
            index: format!("{}/", url(index)?),
            resources: resources.map(url).transpose()?,
        })
    }

    /// The URL pip uses for the index.
    fn index_url(&self) -> String {
        match self {
            ServeLocation::Url(url) => format!("{url}/simple/"),
            ServeLocation::Path(path) => format!("file://{}/simple/", path.trim_end_matches('/')),
            ServeLocation::Repository { index, .. } => index.clone(),
        }
    }

    /// Where a resource is on the far side: a URL, or a plain path (what
    /// ClearML's `CLEARML_SESSION_*` variables accept for a local copy).
    fn resource_location(&self, file: &str) -> Option<String> {
        match self {
            ServeLocation::Url(url) => Some(format!("{url}/{RESOURCES}/{}", percent_encode(file))),
            ServeLocation::Path(path) => {
                Some(format!("{}/{RESOURCES}/{file}", path.trim_end_matches('/')))
            }
            ServeLocation::Repository { resources, .. } => resources
                .as_ref()
                .map(|url| format!("{url}/{}", percent_encode(file))),
        }
    }

    /// `host[:port]` of a plain-HTTP URL: pip ignores an index on such a
    /// host unless it is trusted.
    fn insecure_host(&self) -> Option<String> {
        let url = match self {
            ServeLocation::Url(url) => url,
            ServeLocation::Repository { index, .. } => index,
            ServeLocation::Path(_) => return None,
        };
        let rest = url
            .get(..7)
            .filter(|scheme| scheme.eq_ignore_ascii_case("http://"))
            .map(|_| &url[7..])?;
        Some(rest.split('/').next().unwrap_or_default().to_owned())
    }
}

/// Whether pip's index replaces the default one or is added to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IndexMode {
    /// `PIP_EXTRA_INDEX_URL`: the served wheelhouse is added to whatever
    /// index the containers already use (ClearML's documented setting).
    #[default]
    Extra,
    /// `PIP_INDEX_URL`: the served wheelhouse is the only index.
    Replace,
}

/// Everything the far-side files are made from, besides the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FarSide {
    /// Where the wheelhouse will be served.
    pub serve: ServeLocation,
    /// `PIP_EXTRA_INDEX_URL` or `PIP_INDEX_URL`.
    pub index_mode: IndexMode,
    /// The agent queues whose pod templates get the variables; empty means
    /// [`DEFAULT_QUEUE`].
    pub queues: Vec<String>,
    /// Image pull secrets for the agent and the pods it starts.
    pub image_pull_secrets: Vec<String>,
}

impl FarSide {
    /// The variables, in a fixed order: pip's first, then one per resource
    /// (sorted by name, as the lock lists them).
    pub(crate) fn variables(&self, resources: &[LockedResource]) -> Vec<(String, String)> {
        let index_variable = match self.index_mode {
            IndexMode::Extra => "PIP_EXTRA_INDEX_URL",
            IndexMode::Replace => "PIP_INDEX_URL",
        };
        let mut variables = vec![(index_variable.to_owned(), self.serve.index_url())];
        if let Some(host) = self.serve.insecure_host() {
            variables.push(("PIP_TRUSTED_HOST".to_owned(), host));
        }
        for resource in resources {
            if let Some(location) = self.serve.resource_location(&resource.file) {
                variables.push((resource.env.clone(), location));
            }
        }
        variables
    }

    /// The three files, as `(name, text)`.
    fn render(
        &self,
        lock_name: &str,
        resources: &[LockedResource],
    ) -> Result<[(&'static str, String); 3], WheelhouseError> {
        let variables = self.variables(resources);
        for (name, value) in &variables {
            check_env_line(name, value)?;
        }
        let header = format!(
            "Written by envlock from the lock `{lock_name}`; do not edit by hand, generate it again."
        );
        Ok([
            (ENV_FILE, env_file(&header, &variables)),
            (HELM_FILE, helm_values(&header, self, &variables)),
            (CONF_FILE, conf_snippet(&header, &variables)),
        ])
    }
}

/// `clearml.env` has two readers that disagree on quotes: a POSIX shell
/// (`set -a; . ./clearml.env`) removes them, `docker --env-file` keeps them
/// as part of the value. No quoting is right for both, so the file holds
/// no quotes at all and refuses, rather than writes, a value that would
/// need them: every name is `[A-Za-z_][A-Za-z0-9_]*` and every value is
/// made only of [`is_plain`] characters, which a shell takes literally
/// (no `$`, backtick, quote, `;`, `&`, `|`, `<`, `>`, space, `*`, `?`, `~`,
/// `#` or newline). Resource file names in URLs are percent-encoded, so
/// only a mounted path (`--serve-url /mnt/kit`) can meet a refused
/// character, and the spec and lock grammars already keep those out.
fn check_env_line(name: &str, value: &str) -> Result<(), WheelhouseError> {
    let unsafe_character = value.chars().find(|character| !is_plain(*character));
    if envlock_fs::check_env_var(name).is_ok() && unsafe_character.is_none() {
        return Ok(());
    }
    let reason = match unsafe_character {
        Some(character) => format!(
            "the value of `{name}` holds `{}`, which {ENV_FILE} cannot carry unquoted for both \
             `docker --env-file` and a shell; rename the resource's `file` or choose another --serve-url",
            character.escape_debug()
        ),
        None => format!(
            "`{}` is not an environment variable name",
            name.escape_debug()
        ),
    };
    Err(WheelhouseError::Malformed {
        path: ENV_FILE.into(),
        reason,
    })
}

fn env_file(header: &str, variables: &[(String, String)]) -> String {
    // The header is a comment: one line, whatever the lock's name holds.
    let mut out = format!("# {}\n", single_line(header));
    out.push_str(
        "# Use with `docker run --env-file clearml.env`, or `set -a; . ./clearml.env; set +a`.\n\
         # Install the locked set from the target's own file, with its hashes:\n\
         #   pip install --require-hashes -r requirements/<target>.txt  (in the wheelhouse)\n",
    );
    for (name, value) in variables {
        let _ = writeln!(out, "{name}={value}");
    }
    out
}

fn helm_values(header: &str, far_side: &FarSide, variables: &[(String, String)]) -> String {
    let mut out = format!("# {}\n", single_line(header));
    out.push_str("# Use with `helm upgrade --install <release> <clearml-agent chart> -f clearml-agent-values.override.yaml`.\n");
    out.push_str("agentk8sglue:\n  queues:\n");
    let default_queue = [DEFAULT_QUEUE.to_owned()];
    let queues = if far_side.queues.is_empty() {
        &default_queue[..]
    } else {
        &far_side.queues[..]
    };
    for queue in queues {
        let _ = writeln!(out, "    {}:", quote(queue));
        out.push_str("      templateOverrides:\n        env:\n");
        for (name, value) in variables {
            let _ = writeln!(out, "          - name: {}", quote(name));
            let _ = writeln!(out, "            value: {}", quote(value));
        }
    }
    if !far_side.image_pull_secrets.is_empty() {
        out.push_str("imageCredentials:\n  extraImagePullSecrets:\n");
        for secret in &far_side.image_pull_secrets {
            let _ = writeln!(out, "    - name: {}", quote(secret));
        }
    }
    out
}

fn conf_snippet(header: &str, variables: &[(String, String)]) -> String {
    let mut out = format!("# {}\n", single_line(header));
    out.push_str(
        "# Merge into clearml.conf on agents that run on VMs or bare metal (docker mode).\n",
    );
    out.push_str("agent {\n    extra_docker_arguments: [\n");
    for (name, value) in variables {
        let _ = writeln!(
            out,
            "        \"-e\", {},",
            quote(&format!("{name}={value}"))
        );
    }
    out.push_str("    ]\n}\n");
    out
}

/// Text for a `#` comment line: control characters (newlines among them)
/// become spaces, so nothing after them can become a line of its own.
fn single_line(text: &str) -> String {
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

/// Characters that need no quoting in an environment file or a shell. `~`
/// is left out: a shell expands it at the start of an assignment's value
/// and after a `:` in it (it is percent-encoded in URLs instead).
fn is_plain(character: char) -> bool {
    character.is_ascii_alphanumeric() || "-._:/%@+=,".contains(character)
}

/// Percent-encodes what is not plain in a file name.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        let character = char::from(byte);
        if byte.is_ascii() && is_plain(character) && character != '%' {
            out.push(character);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(name: &str, env: &str, file: &str) -> LockedResource {
        LockedResource {
            name: name.to_owned(),
            url: format!("https://h.invalid/{file}"),
            file: file.to_owned(),
            env: env.to_owned(),
            sha256: "a".repeat(64).parse().unwrap(),
            size: 1,
        }
    }

    #[test]
    fn serve_locations_are_urls_or_absolute_paths() {
        assert_eq!(
            ServeLocation::parse("http://wheels.internal/clearml/").unwrap(),
            ServeLocation::Url("http://wheels.internal/clearml".to_owned())
        );
        assert_eq!(
            ServeLocation::parse("file:///mnt/wheels").unwrap(),
            ServeLocation::Path("/mnt/wheels".to_owned())
        );
        for bad in ["wheels/", "http:///x", "https://u:p@h/x", "/mnt/my wheels"] {
            let error = ServeLocation::parse(bad).unwrap_err();
            assert!(
                matches!(error, WheelhouseError::ServeLocation { .. }),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn variables_point_at_the_served_index_and_resources() {
        let far_side = FarSide {
            serve: ServeLocation::parse("http://wheels.internal:8080/kit").unwrap(),
            index_mode: IndexMode::Extra,
            queues: Vec::new(),
            image_pull_secrets: Vec::new(),
        };
        let resources = [resource("ext", "EXT", "ms python+1.vsix")];
        let variables = far_side.variables(&resources);
        assert_eq!(
            variables,
            [
                (
                    "PIP_EXTRA_INDEX_URL".to_owned(),
                    "http://wheels.internal:8080/kit/simple/".to_owned()
                ),
                (
                    "PIP_TRUSTED_HOST".to_owned(),
                    "wheels.internal:8080".to_owned()
                ),
                (
                    "EXT".to_owned(),
                    "http://wheels.internal:8080/kit/resources/ms%20python+1.vsix".to_owned()
                ),
            ]
        );
        // pip trusts an https host without being told.
        let secure = FarSide {
            serve: ServeLocation::parse("https://wheels.internal/kit").unwrap(),
            ..far_side.clone()
        };
        assert!(
            !secure
                .variables(&resources)
                .iter()
                .any(|(name, _)| name == "PIP_TRUSTED_HOST")
        );
        let mounted = FarSide {
            serve: ServeLocation::parse("/mnt/kit").unwrap(),
            index_mode: IndexMode::Replace,
            ..far_side
        };
        assert_eq!(
            mounted.variables(&resources),
            [
                (
                    "PIP_INDEX_URL".to_owned(),
                    "file:///mnt/kit/simple/".to_owned()
                ),
                (
                    "EXT".to_owned(),
                    "/mnt/kit/resources/ms python+1.vsix".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn a_repository_gives_its_own_index_and_resources_urls() {
        let resources = [resource("ext", "EXT", "ms python+1.vsix")];
        let published = FarSide {
            serve: ServeLocation::repository(
                "http://127.0.0.1:8080/alice/dev/+simple",
                Some("https://files.internal/clearml/"),
            )
            .unwrap(),
            index_mode: IndexMode::Extra,
            queues: Vec::new(),
            image_pull_secrets: Vec::new(),
        };
        assert_eq!(
            published.variables(&resources),
            [
                (
                    "PIP_EXTRA_INDEX_URL".to_owned(),
                    "http://127.0.0.1:8080/alice/dev/+simple/".to_owned()
                ),
                ("PIP_TRUSTED_HOST".to_owned(), "127.0.0.1:8080".to_owned()),
                (
                    "EXT".to_owned(),
                    "https://files.internal/clearml/ms%20python+1.vsix".to_owned()
                ),
            ]
        );
        // Resources left with the wheelhouse get no variable.
        let packages_only = FarSide {
            serve: ServeLocation::repository("https://pypi.internal/simple/", None).unwrap(),
            ..published
        };
        assert_eq!(packages_only.variables(&resources).len(), 1);
        assert!(ServeLocation::repository("/mnt/kit", None).is_err());
        assert!(ServeLocation::repository("https://u:p@pypi.internal/simple/", None).is_err());
    }

    #[test]
    fn env_values_that_would_need_quoting_are_refused_not_written() {
        // The lock reader refuses such a file name; this is the check
        // behind it, where the env file is written.
        let hostile = [resource("dropbear", "DROPBEAR", "x$(touch pwned).bin")];
        let mounted = FarSide {
            serve: ServeLocation::parse("/mnt/kit").unwrap(),
            index_mode: IndexMode::Extra,
            queues: Vec::new(),
            image_pull_secrets: Vec::new(),
        };
        let error = mounted.render("kit", &hostile).unwrap_err().to_string();
        assert!(
            error.contains("clearml.env") && error.contains("`$`"),
            "{error}"
        );
        let bad_variable = [resource("dropbear", "A;B", "dropbearmulti")];
        assert!(mounted.render("kit", &bad_variable).is_err());
        // Served over HTTP, the name is percent-encoded: nothing to refuse,
        // and a shell reading the file runs nothing.
        let served = FarSide {
            serve: ServeLocation::parse("https://h.internal/kit").unwrap(),
            ..mounted
        };
        let [(_, env_text), ..] = served.render("kit\nrm -rf /", &hostile).unwrap();
        assert!(
            env_text.contains(
                "DROPBEAR=https://h.internal/kit/resources/x%24%28touch%20pwned%29.bin\n"
            ),
            "{env_text}"
        );
        assert!(
            env_text
                .lines()
                .all(|line| line.starts_with('#') || line.contains('='))
        );
        assert!(!env_text.contains("\nrm -rf"), "{env_text}");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("clearml.env"), &env_text).unwrap();
        let status = std::process::Command::new("sh")
            .current_dir(dir.path())
            .args(["-c", "set -a; . ./clearml.env"])
            .status()
            .unwrap();
        assert!(status.success());
        assert!(!dir.path().join("pwned").exists());
    }

    #[test]
    fn quoted_scalars_escape_what_their_languages_treat_specially() {
        assert_eq!(quote("a\"b\\c\nd\u{7}"), "\"a\\\"b\\\\c\\nd\\u0007\"");
        assert_eq!(single_line("a\nb\rc\u{1b}d"), "a b c d");
    }
}
