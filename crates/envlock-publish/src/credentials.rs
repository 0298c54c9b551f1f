//! Where the upload credentials come from, the ecosystem's way, first match
//! wins:
//!
//! 1. `ENVLOCK_PUBLISH_USERNAME` / `ENVLOCK_PUBLISH_PASSWORD`
//!    (`ENVLOCK_PUBLISH_TOKEN` alone means the username `__token__`);
//! 2. `TWINE_USERNAME` / `TWINE_PASSWORD`;
//! 3. the `--repository NAME` section of `~/.pypirc` (or `--config-file`),
//!    which may also give the repository URL;
//! 4. userinfo in the repository URL;
//! 5. the netrc entry of the repository's host (`NETRC`, else `~/.netrc`).
//!
//! A password without a username is a token: the username is `__token__`.
//! Credentials are sent, never printed, never written: `Debug` hides them
//! and every message names only where they came from.

use std::path::{Path, PathBuf};

use url::Url;

use crate::error::PublishError;

/// A username and password, and the setting they came from.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The username (`__token__` for a token).
    pub username: String,
    /// The password or token.
    pub password: String,
    /// Where they came from, for messages (`TWINE_USERNAME/TWINE_PASSWORD`, …).
    pub source: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "Credentials(from {}, ****)", self.source)
    }
}

/// The username used with an API token.
pub const TOKEN_USERNAME: &str = "__token__";

/// A section of `.pypirc`.
#[derive(Debug, Clone, Default)]
pub struct PypircSection {
    /// `repository`: the upload URL.
    pub repository: Option<String>,
    /// `username`.
    pub username: Option<String>,
    /// `password` (never shown).
    pub password: Option<String>,
}

/// The default `.pypirc`: `$HOME/.pypirc`.
pub fn default_pypirc(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    env("HOME").map(|home| Path::new(&home).join(".pypirc"))
}

/// Reads the section `name` of a `.pypirc`. A file that is absent, or has
/// no such section, is an error naming the file (the user asked for it).
pub fn read_pypirc(path: &Path, name: &str) -> Result<PypircSection, PublishError> {
    let bad = |reason: String| PublishError::Pypirc {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path)
        .map_err(|error| bad(format!("cannot read it for --repository {name}: {error}")))?;
    let ini = ini::Ini::load_from_str_noescape(&text)
        // The parser's message may quote a line (a password): never show it.
        .map_err(|_| bad("it is not a valid .pypirc (INI) file".to_owned()))?;
    let Some(section) = ini.section(Some(name)) else {
        let known: Vec<&str> = ini.sections().flatten().collect();
        return Err(bad(format!(
            "it has no [{name}] section (it has: {})",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )));
    };
    let value = |key: &str| {
        section
            .get(key)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    };
    Ok(PypircSection {
        repository: value("repository"),
        username: value("username"),
        password: value("password"),
    })
}

fn pair(username: Option<String>, password: Option<String>, source: &str) -> Option<Credentials> {
    let password = password.filter(|value| !value.is_empty())?;
    Some(Credentials {
        username: username
            .filter(|value| !value.is_empty())
            .unwrap_or_else(|| TOKEN_USERNAME.to_owned()),
        password,
        source: source.to_owned(),
    })
}

/// The credentials for uploading to `url`, in the documented order.
/// `section` is the `--repository` section, when one was named.
pub fn resolve(
    url: &Url,
    section: Option<(&Path, &str, &PypircSection)>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Credentials>, PublishError> {
    if let Some(found) = pair(
        env("ENVLOCK_PUBLISH_USERNAME"),
        env("ENVLOCK_PUBLISH_PASSWORD"),
        "ENVLOCK_PUBLISH_USERNAME/ENVLOCK_PUBLISH_PASSWORD",
    )
    .or_else(|| pair(None, env("ENVLOCK_PUBLISH_TOKEN"), "ENVLOCK_PUBLISH_TOKEN"))
    .or_else(|| {
        pair(
            env("TWINE_USERNAME"),
            env("TWINE_PASSWORD"),
            "TWINE_USERNAME/TWINE_PASSWORD",
        )
    }) {
        return Ok(Some(found));
    }
    if let Some((path, name, section)) = section
        && let Some(found) = pair(
            section.username.clone(),
            section.password.clone(),
            &format!("the [{name}] section of {}", path.display()),
        )
    {
        return Ok(Some(found));
    }
    if let Some(found) = userinfo(url) {
        return Ok(Some(found));
    }
    netrc_entry(url, env)
}

/// Credentials written into the URL (`https://user:token@host/…`).
pub(crate) fn userinfo(url: &Url) -> Option<Credentials> {
    let decode = |value: &str| {
        url::form_urlencoded::parse(format!("x={}", value.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    let username = (!url.username().is_empty()).then(|| decode(url.username()));
    pair(
        username,
        url.password().map(decode),
        "the credentials in the repository URL",
    )
}

/// The netrc entry of `url`'s host.
pub(crate) fn netrc_entry(
    url: &Url,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Credentials>, PublishError> {
    let (path, explicit) = match env("NETRC") {
        Some(path) => (PathBuf::from(path), true),
        None => match env("HOME") {
            Some(home) => (Path::new(&home).join(".netrc"), false),
            None => return Ok(None),
        },
    };
    if !path.exists() {
        if explicit {
            return Err(PublishError::Netrc {
                path,
                reason: "the file named by NETRC does not exist".to_owned(),
            });
        }
        return Ok(None);
    }
    let parsed = match netrc::Netrc::from_file(&path) {
        Ok(parsed) => parsed,
        Err(_) if !explicit => return Ok(None),
        // The parser's message may quote tokens (passwords): never show it.
        Err(_) => {
            return Err(PublishError::Netrc {
                path,
                reason: "it is not a valid netrc file".to_owned(),
            });
        }
    };
    let Some(host) = url.host_str() else {
        return Ok(None);
    };
    Ok(parsed.hosts.get(host).and_then(|entry| {
        pair(
            Some(entry.login.clone()),
            Some(entry.password.clone()),
            &format!("the netrc entry for {host} in {}", path.display()),
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn the_documented_order_decides_and_a_lone_password_is_a_token() {
        let url = Url::parse("https://alice:s%40cret@repo.invalid/").unwrap();
        let ours = env_of(&[
            ("ENVLOCK_PUBLISH_USERNAME", "ci"),
            ("ENVLOCK_PUBLISH_PASSWORD", "pw"),
            ("TWINE_USERNAME", "t"),
            ("TWINE_PASSWORD", "tp"),
        ]);
        let found = resolve(&url, None, &ours).unwrap().unwrap();
        assert_eq!(
            (found.username.as_str(), found.password.as_str()),
            ("ci", "pw")
        );
        assert!(!format!("{found:?}").contains("pw"));
        let twine = env_of(&[("TWINE_PASSWORD", "pypi-abc")]);
        let found = resolve(&url, None, &twine).unwrap().unwrap();
        assert_eq!(found.username, TOKEN_USERNAME);
        assert_eq!(found.source, "TWINE_USERNAME/TWINE_PASSWORD");
        let none = env_of(&[]);
        let section = PypircSection {
            repository: None,
            username: Some("bob".to_owned()),
            password: Some("pp".to_owned()),
        };
        let found = resolve(
            &url,
            Some((Path::new("/x/.pypirc"), "local", &section)),
            &none,
        )
        .unwrap()
        .unwrap();
        assert_eq!(found.username, "bob");
        assert!(found.source.contains("[local]"), "{}", found.source);
        let found = resolve(&url, None, &none).unwrap().unwrap();
        assert_eq!(
            (found.username.as_str(), found.password.as_str()),
            ("alice", "s@cret")
        );
    }

    #[test]
    fn pypirc_sections_and_netrc_entries_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let pypirc = dir.path().join(".pypirc");
        std::fs::write(
            &pypirc,
            "[distutils]\nindex-servers = local\n\n[local]\nrepository: http://127.0.0.1:8080/\nusername = up\npassword = s3cret%x\n",
        )
        .unwrap();
        let section = read_pypirc(&pypirc, "local").unwrap();
        assert_eq!(
            section.repository.as_deref(),
            Some("http://127.0.0.1:8080/")
        );
        assert_eq!(section.password.as_deref(), Some("s3cret%x"));
        let missing = read_pypirc(&pypirc, "other").unwrap_err().to_string();
        assert!(
            missing.contains("no [other] section") && missing.contains("local"),
            "{missing}"
        );
        assert!(!missing.contains("s3cret"));

        let netrc = dir.path().join("netrc");
        std::fs::write(&netrc, "machine repo.invalid login nl password np\n").unwrap();
        let path = netrc.display().to_string();
        let env = move |name: &str| (name == "NETRC").then(|| path.clone());
        let url = Url::parse("https://repo.invalid/simple/").unwrap();
        let found = resolve(&url, None, &env).unwrap().unwrap();
        assert_eq!(
            (found.username.as_str(), found.password.as_str()),
            ("nl", "np")
        );
        let other = Url::parse("https://elsewhere.invalid/").unwrap();
        assert!(resolve(&other, None, &env).unwrap().is_none());
    }
}
