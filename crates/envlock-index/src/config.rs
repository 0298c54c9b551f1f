//! Where the index URLs come from.
//!
//! Precedence for the primary index: `--index-url`, then the spec's
//! `[[indexes]]`, then `ENVLOCK_INDEX_URL`, then `PIP_INDEX_URL` (with
//! `PIP_EXTRA_INDEX_URL`), then pip's configuration files (`[global]
//! index-url` / `extra-index-url`, later files overriding earlier ones).
//! `--extra-index-url` flags always add indexes, and `--find-links`
//! directories are indexes too. [`IndexUrls::from_sources`] is a pure
//! function of [`IndexSources`]; [`IndexSources::read_pip_config`] does the
//! file reading, with the environment injected.

use std::path::PathBuf;

use url::Url;

use crate::env::EnvVars;
use crate::error::IndexError;
use crate::safe_url::redacted;

/// An `[[indexes]]` entry of the spec (its URL already environment-expanded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecIndex {
    /// The index's name.
    pub name: String,
    /// Its URL.
    pub url: String,
}

/// One pip configuration file and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipConfigFile {
    /// Where it was read from (for messages).
    pub path: PathBuf,
    /// Its content.
    pub contents: String,
}

/// Everything index selection depends on.
#[derive(Debug, Clone, Default)]
pub struct IndexSources {
    /// `--index-url`.
    pub index_url: Option<String>,
    /// `--extra-index-url` (repeatable).
    pub extra_index_urls: Vec<String>,
    /// `--find-links` directories.
    pub find_links: Vec<PathBuf>,
    /// The spec's `[[indexes]]`, in order (the first is primary).
    pub spec_indexes: Vec<SpecIndex>,
    /// The environment (`ENVLOCK_INDEX_URL`, `PIP_INDEX_URL`, `PIP_EXTRA_INDEX_URL`).
    pub env: EnvVars,
    /// pip configuration files that exist, in load order (later wins).
    pub pip_config: Vec<PipConfigFile>,
}

/// Where an index is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexLocation {
    /// An HTTP(S) Simple API root.
    Url(Url),
    /// A local directory of files (`--find-links`, or a `file://` URL).
    Directory(PathBuf),
}

/// One index to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredIndex {
    /// Its name (`default`, a spec name, `extra-1`, `find-links-1`, …).
    pub name: String,
    /// Where it is.
    pub location: IndexLocation,
    /// Where the setting came from, e.g. `--index-url` or `PIP_INDEX_URL`.
    pub origin: String,
}

/// The indexes to use, primary first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexUrls {
    /// Primary first, then extra indexes, then find-links directories.
    pub indexes: Vec<ConfiguredIndex>,
}

/// The `[global]` settings of pip's configuration that matter here.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct PipSettings {
    index_url: Option<(String, PathBuf)>,
    extra_index_urls: Option<(Vec<String>, PathBuf)>,
    trusted_hosts: Vec<String>,
}

/// Parses pip's INI format: `[section]`, `key = value` or `key: value`,
/// indented continuation lines, `#`/`;` comments. Returns (section, key,
/// value) triples, keys normalised to lowercase with `-`.
fn parse_ini(text: &str) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    let mut section = String::new();
    let mut last_key_in_section = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if line.starts_with([' ', '\t']) && last_key_in_section {
            if let Some(last) = out.last_mut() {
                if !last.2.is_empty() {
                    last.2.push('\n');
                }
                last.2.push_str(trimmed);
            }
            continue;
        }
        if let Some(name) = trimmed
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            section = name.trim().to_ascii_lowercase();
            last_key_in_section = false;
            continue;
        }
        let split = trimmed.find(['=', ':']);
        if let Some(at) = split {
            let key = trimmed[..at].trim().to_ascii_lowercase().replace('_', "-");
            let value = trimmed[at + 1..].trim().to_owned();
            out.push((section.clone(), key, value));
            last_key_in_section = true;
        }
    }
    out
}

fn pip_settings(files: &[PipConfigFile]) -> PipSettings {
    let mut settings = PipSettings::default();
    for file in files {
        for (section, key, value) in parse_ini(&file.contents) {
            if key == "trusted-host" && matches!(section.as_str(), "global" | "install") {
                settings
                    .trusted_hosts
                    .extend(value.split_whitespace().map(str::to_owned));
            }
            if section != "global" {
                continue;
            }
            match key.as_str() {
                "index-url" => {
                    settings.index_url = Some((value.trim().to_owned(), file.path.clone()))
                }
                "extra-index-url" => {
                    settings.extra_index_urls = Some((
                        value.split_whitespace().map(str::to_owned).collect(),
                        file.path.clone(),
                    ));
                }
                _ => {}
            }
        }
    }
    settings
}

fn location(url: &str, origin: &str) -> Result<IndexLocation, IndexError> {
    let invalid = |reason: String| IndexError::InvalidUrl {
        url: Url::parse(url)
            .map(|parsed| redacted(&parsed))
            .unwrap_or_else(|_| "<unparsable>".to_owned()),
        origin: origin.to_owned(),
        reason,
    };
    let parsed = Url::parse(url.trim()).map_err(|error| invalid(error.to_string()))?;
    match parsed.scheme() {
        "http" | "https" => Ok(IndexLocation::Url(parsed)),
        "file" => parsed
            .to_file_path()
            .map(IndexLocation::Directory)
            .map_err(|()| invalid("not a local path".to_owned())),
        other => Err(invalid(format!(
            "unsupported scheme `{other}` (use http, https or file)"
        ))),
    }
}

impl IndexSources {
    /// pip's trusted hosts: `PIP_TRUSTED_HOST` (space-separated) and
    /// `trusted-host` in the `[global]` or `[install]` section of pip's
    /// configuration files. They may be reached over plain http.
    pub fn trusted_hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = self
            .env
            .get("PIP_TRUSTED_HOST")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        hosts.extend(pip_settings(&self.pip_config).trusted_hosts);
        hosts
    }

    /// The pip configuration files pip would read, in load order: the
    /// global `/etc/pip.conf`, the legacy `~/.pip/pip.conf`, the user
    /// `$XDG_CONFIG_HOME/pip/pip.conf` (or `~/.config/pip/pip.conf`), then
    /// `$VIRTUAL_ENV/pip.conf`. `PIP_CONFIG_FILE` replaces them all.
    pub fn pip_config_paths(env: &EnvVars) -> Vec<PathBuf> {
        if let Some(file) = env.get("PIP_CONFIG_FILE") {
            return vec![PathBuf::from(file)];
        }
        let mut paths = vec![PathBuf::from("/etc/pip.conf")];
        let home = env.home_dir();
        if let Some(home) = &home {
            paths.push(home.join(".pip/pip.conf"));
        }
        match (env.get("XDG_CONFIG_HOME"), &home) {
            (Some(config), _) => paths.push(PathBuf::from(config).join("pip/pip.conf")),
            (None, Some(home)) => paths.push(home.join(".config/pip/pip.conf")),
            (None, None) => {}
        }
        if let Some(venv) = env.get("VIRTUAL_ENV") {
            paths.push(PathBuf::from(venv).join("pip.conf"));
        }
        paths
    }

    /// Reads the pip configuration files that exist (see
    /// [`IndexSources::pip_config_paths`]).
    pub fn read_pip_config(env: &EnvVars) -> Result<Vec<PipConfigFile>, IndexError> {
        let mut files = Vec::new();
        for path in Self::pip_config_paths(env) {
            match std::fs::read(&path) {
                Ok(bytes) => files.push(PipConfigFile {
                    contents: String::from_utf8_lossy(&bytes).into_owned(),
                    path,
                }),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => {
                    return Err(IndexError::Config {
                        path,
                        reason: error.to_string(),
                    });
                }
            }
        }
        Ok(files)
    }
}

impl IndexUrls {
    /// Chooses the indexes from the sources (pure; see the module docs).
    pub fn from_sources(sources: &IndexSources) -> Result<Self, IndexError> {
        let FirstSource {
            primary: mut indexes,
            mut extras,
        } = first_source(sources)?;
        for url in &sources.extra_index_urls {
            extras.push((url.clone(), "--extra-index-url".to_owned()));
        }
        for (number, (url, origin)) in extras.into_iter().enumerate() {
            let location = location(&url, &origin)?;
            // With no primary index, the first extra one becomes it.
            let name = if indexes.is_empty() {
                "default".to_owned()
            } else {
                format!("extra-{}", number + 1)
            };
            if indexes.iter().any(|index| index.location == location) {
                continue;
            }
            indexes.push(ConfiguredIndex {
                name,
                location,
                origin,
            });
        }
        for (number, dir) in sources.find_links.iter().enumerate() {
            indexes.push(ConfiguredIndex {
                name: format!("find-links-{}", number + 1),
                location: IndexLocation::Directory(dir.clone()),
                origin: "--find-links".to_owned(),
            });
        }
        if indexes.is_empty() {
            return Err(IndexError::NoIndex);
        }
        Ok(Self { indexes })
    }

    /// The primary index (the first).
    pub fn primary(&self) -> Option<&ConfiguredIndex> {
        self.indexes.first()
    }
}

/// What the first source that names an index says.
struct FirstSource {
    /// Its primary indexes.
    primary: Vec<ConfiguredIndex>,
    /// Its extra index URLs, each with its origin.
    extras: Vec<(String, String)>,
}

/// The indexes of the first source that names any: `--index-url`, the
/// spec's `[[indexes]]`, ENVLOCK_INDEX_URL, PIP_INDEX_URL /
/// PIP_EXTRA_INDEX_URL, pip's configuration files.
fn first_source(sources: &IndexSources) -> Result<FirstSource, IndexError> {
    let default = |url: &str, origin: String| -> Result<ConfiguredIndex, IndexError> {
        Ok(ConfiguredIndex {
            name: "default".to_owned(),
            location: location(url, &origin)?,
            origin,
        })
    };
    let env = |name: &str| sources.env.get(name);
    if let Some(url) = &sources.index_url {
        return Ok(FirstSource {
            primary: vec![default(url, "--index-url".to_owned())?],
            extras: Vec::new(),
        });
    }
    if !sources.spec_indexes.is_empty() {
        let mut primary = Vec::new();
        for index in &sources.spec_indexes {
            let origin = format!("[[indexes]] `{}` in the spec", index.name);
            primary.push(ConfiguredIndex {
                name: index.name.clone(),
                location: location(&index.url, &origin)?,
                origin,
            });
        }
        return Ok(FirstSource {
            primary,
            extras: Vec::new(),
        });
    }
    if let Some(url) = env("ENVLOCK_INDEX_URL") {
        return Ok(FirstSource {
            primary: vec![default(url, "ENVLOCK_INDEX_URL".to_owned())?],
            extras: Vec::new(),
        });
    }
    if env("PIP_INDEX_URL").is_some() || env("PIP_EXTRA_INDEX_URL").is_some() {
        let primary = match env("PIP_INDEX_URL") {
            Some(url) => vec![default(url, "PIP_INDEX_URL".to_owned())?],
            None => Vec::new(),
        };
        let extras = env("PIP_EXTRA_INDEX_URL")
            .unwrap_or_default()
            .split_whitespace()
            .map(|url| (url.to_owned(), "PIP_EXTRA_INDEX_URL".to_owned()))
            .collect();
        return Ok(FirstSource { primary, extras });
    }
    let settings = pip_settings(&sources.pip_config);
    let mut primary = Vec::new();
    if let Some((url, path)) = settings.index_url {
        primary.push(default(&url, format!("index-url in {}", path.display()))?);
    }
    let mut extras = Vec::new();
    if let Some((urls, path)) = settings.extra_index_urls {
        for url in urls {
            extras.push((url, format!("extra-index-url in {}", path.display())));
        }
    }
    Ok(FirstSource { primary, extras })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_parsing() {
        let text = "# comment\n[global]\nindex_url = http://a.invalid/simple\nextra-index-url =\n    http://b.invalid/simple\n    http://c.invalid/simple\n[install]\nindex-url = http://ignored.invalid/\n";
        let settings = pip_settings(&[PipConfigFile {
            path: "/p".into(),
            contents: text.into(),
        }]);
        assert_eq!(settings.index_url.unwrap().0, "http://a.invalid/simple");
        assert_eq!(
            settings.extra_index_urls.unwrap().0,
            vec!["http://b.invalid/simple", "http://c.invalid/simple"]
        );
    }

    #[test]
    fn trusted_hosts_from_env_and_config() {
        let sources = IndexSources {
            env: EnvVars::from_pairs([("PIP_TRUSTED_HOST", "a.invalid b.invalid:8080")]),
            pip_config: vec![PipConfigFile {
                path: "/p".into(),
                contents:
                    "[install]\ntrusted-host =\n    c.invalid\n[other]\ntrusted-host = no.invalid\n"
                        .into(),
            }],
            ..IndexSources::default()
        };
        assert_eq!(
            sources.trusted_hosts(),
            vec!["a.invalid", "b.invalid:8080", "c.invalid"]
        );
    }

    #[test]
    fn later_files_override() {
        let files = [
            PipConfigFile {
                path: "/etc/pip.conf".into(),
                contents: "[global]\nindex-url=http://first.invalid/\n".into(),
            },
            PipConfigFile {
                path: "/home/u/.config/pip/pip.conf".into(),
                contents: "[global]\nindex-url: http://second.invalid/\n".into(),
            },
        ];
        let settings = pip_settings(&files);
        let (url, path) = settings.index_url.unwrap();
        assert_eq!(url, "http://second.invalid/");
        assert_eq!(path, PathBuf::from("/home/u/.config/pip/pip.conf"));
    }

    #[test]
    fn config_paths() {
        let env = EnvVars::from_pairs([("HOME", "/home/u"), ("VIRTUAL_ENV", "/venv")]);
        assert_eq!(
            IndexSources::pip_config_paths(&env),
            vec![
                PathBuf::from("/etc/pip.conf"),
                PathBuf::from("/home/u/.pip/pip.conf"),
                PathBuf::from("/home/u/.config/pip/pip.conf"),
                PathBuf::from("/venv/pip.conf"),
            ]
        );
        let env = EnvVars::from_pairs([("PIP_CONFIG_FILE", "/x.conf"), ("HOME", "/home/u")]);
        assert_eq!(
            IndexSources::pip_config_paths(&env),
            vec![PathBuf::from("/x.conf")]
        );
    }
}
