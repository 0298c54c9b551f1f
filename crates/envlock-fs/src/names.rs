//! The grammar of every name that envlock turns into a file, a path, a
//! shell variable or a line of a generated file.
//!
//! One place, used where names enter (the spec, the lock reader) and again
//! where they are used (the wheelhouse joins paths with them): a name that
//! passes these checks is safe to join under a folder, to write into a
//! `simple/` page, a `requirements.txt` comment or an env file, because it
//! holds no separator, no `..`, no control character, no quote, no `$`, no
//! backtick and no `;`. The checks are deliberately stricter than the file
//! systems: what they refuse is not something a package index, a spec or a
//! lock writes in good faith.

use std::path::{Path, PathBuf};

use thiserror::Error;

/// The longest name accepted (a common file-system limit on one path part).
pub const MAX_NAME_LENGTH: usize = 255;

/// What kind of name was checked: it says which grammar applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A plain file name: `[A-Za-z0-9_][A-Za-z0-9._+~!-]*`, no `..`.
    File,
    /// An environment variable: `[A-Za-z_][A-Za-z0-9_]*`.
    EnvVar,
    /// A label (target, resource, lock or index name): `[A-Za-z0-9._-]+`,
    /// not starting with `-`.
    Label,
}

impl NameKind {
    /// The grammar, as the error shows it.
    pub fn grammar(self) -> &'static str {
        match self {
            NameKind::File => {
                "letters, digits and `._+~!-`, starting with a letter, digit or `_`, \
                 without `..`, `/` or `\\`"
            }
            NameKind::EnvVar => "letters, digits and `_`, not starting with a digit",
            NameKind::Label => "letters, digits and `._-`, not starting with `-`",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            NameKind::File => "a plain file name",
            NameKind::EnvVar => "an environment variable name",
            NameKind::Label => "a valid name",
        }
    }
}

/// A name that breaks its grammar.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`{shown}` is not {}: use {}", kind.noun(), kind.grammar())]
pub struct NameError {
    /// The grammar that was broken.
    pub kind: NameKind,
    /// The name, with control characters escaped so that the error itself
    /// cannot inject lines into a terminal or a log.
    pub shown: String,
}

/// Checks `name` against the grammar of `kind`.
pub fn check_name(kind: NameKind, name: &str) -> Result<(), NameError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME_LENGTH
        && match kind {
            NameKind::File => is_file_name(name),
            NameKind::EnvVar => is_env_var(name),
            NameKind::Label => is_label(name),
        };
    if valid {
        Ok(())
    } else {
        Err(NameError {
            kind,
            shown: name.escape_debug().to_string(),
        })
    }
}

/// A plain file name (see [`NameKind::File`]).
pub fn check_file_name(name: &str) -> Result<(), NameError> {
    check_name(NameKind::File, name)
}

/// An environment variable name (see [`NameKind::EnvVar`]).
pub fn check_env_var(name: &str) -> Result<(), NameError> {
    check_name(NameKind::EnvVar, name)
}

/// A label: target, resource, index or lock name (see [`NameKind::Label`]).
pub fn check_label(name: &str) -> Result<(), NameError> {
    check_name(NameKind::Label, name)
}

fn is_file_name(name: &str) -> bool {
    let first_ok = name
        .bytes()
        .next()
        .is_some_and(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
    first_ok
        && !name.contains("..")
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"._+~!-".contains(&byte))
}

fn is_env_var(name: &str) -> bool {
    !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
}

fn is_label(name: &str) -> bool {
    !name.starts_with('-')
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"._-".contains(&byte))
}

/// `folder` joined with the plain file name `name`, after checking it
/// (see [`NameKind::File`]): the defensive check where a name from a lock
/// or an index becomes a path, so that no name can reach outside `folder`
/// even if a check where it entered was missed.
pub fn join_file_name(folder: &Path, name: &str) -> std::io::Result<PathBuf> {
    check_file_name(name).map_err(|error| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "refusing to write `{}` under `{}`: {error}",
                error.shown,
                folder.display()
            ),
        )
    })?;
    Ok(folder.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        for good in [
            "flask-2.3.3-py3-none-any.whl",
            "Zope.Interface-5.0.tar.gz",
            "code-server_4.96.2_amd64.deb",
            "ms-python.python-2024.22.1.vsix",
            "torch-2.1.0+cu118-cp310-cp310-linux_x86_64.whl",
            "_private",
        ] {
            assert_eq!(check_file_name(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "-rf",
            "../x",
            "a/b",
            "a\\b",
            "x$(touch pwned).bin",
            "x`id`.bin",
            "x;id.bin",
            "a b",
            "a\nb",
            "a\0b",
            "evil-1.0-1..x-py3-none-any.whl",
            "<script>.whl",
            "it's",
            "é.whl",
        ] {
            assert!(check_file_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_file_name(&"a".repeat(256)).is_err());
    }

    #[test]
    fn variables_and_labels() {
        for good in ["CLEARML_DROPBEAR_EXEC", "_x", "a1"] {
            assert_eq!(check_env_var(good), Ok(()));
        }
        for bad in ["", "1A", "A-B", "A B", "A=1", "A$", "A\n"] {
            assert!(check_env_var(bad).is_err(), "{bad:?}");
        }
        for good in ["cp38-manylinux_2_28_x86_64", "clearml-session", "py3.12"] {
            assert_eq!(check_label(good), Ok(()));
        }
        for bad in ["", "-x", "a b", "a\nb", "<script>", "a/b", "x$(id)"] {
            assert!(check_label(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn joins_stay_inside_the_folder() {
        let folder = Path::new("/srv/wheelhouse");
        assert_eq!(
            join_file_name(folder, "a-1.0.tar.gz").unwrap(),
            folder.join("a-1.0.tar.gz")
        );
        for bad in ["/tmp/x/pwned", "../x", "..", "a/../../b", ""] {
            let error = join_file_name(folder, bad).unwrap_err();
            assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn errors_escape_control_characters() {
        let error = check_label("evil\nname").unwrap_err().to_string();
        assert!(!error.contains('\n'), "{error}");
        assert!(error.contains("evil\\nname"), "{error}");
    }
}
