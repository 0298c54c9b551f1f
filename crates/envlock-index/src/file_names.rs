//! Which file names on a project page may be used at all: a name that
//! could be a path, carries odd characters, or belongs to another project
//! is set aside (with the reason, for a warning) before anything else sees
//! it, so it can never reach a lock or a wheelhouse.

use envlock_pep::{DistKind, PackageName, SourceDistFilename, WheelFilename};

use crate::types::IndexFile;

/// Why `filename`, listed on `project`'s page, cannot be used; `None` when
/// it can. Only wheels and sdists are checked against the project (other
/// kinds, such as old `.egg` files, are never used and pass untouched,
/// unless their name holds characters no file name should).
pub(crate) fn unusable(filename: &str, project: &PackageName) -> Option<String> {
    if let Some(bad) = filename
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '!')))
    {
        return Some(format!(
            "its name holds {bad:?}, which no wheel or sdist name may (a path or a control character?)"
        ));
    }
    if filename.starts_with('.') {
        return Some("its name starts with a dot".to_owned());
    }
    match DistKind::of(filename) {
        DistKind::Wheel => match WheelFilename::parse(filename) {
            Ok(wheel) if wheel.name() == project => None,
            Ok(wheel) => Some(format!(
                "it is a wheel of `{}`, not of `{project}`",
                wheel.name()
            )),
            Err(error) => Some(format!("it is not a valid wheel name: {error}")),
        },
        DistKind::Sdist => match SourceDistFilename::parse(filename, project) {
            Ok(_) => None,
            Err(error) => Some(format!(
                "it is not a valid sdist name of `{project}`: {error}"
            )),
        },
        DistKind::Other => None,
    }
}

/// Splits a page's files into the usable ones and messages about the rest.
pub(crate) fn keep_usable(
    files: Vec<IndexFile>,
    project: &PackageName,
) -> (Vec<IndexFile>, Vec<String>) {
    let mut ignored = Vec::new();
    let usable = files
        .into_iter()
        .filter(|file| match unusable(&file.filename, project) {
            None => true,
            Some(reason) => {
                ignored.push(format!("{:?} ({}): {reason}", file.filename, file.url));
                false
            }
        })
        .collect();
    (usable, ignored)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn check(filename: &str) -> Option<String> {
        unusable(filename, &PackageName::from_str("evil").unwrap())
    }

    #[test]
    fn paths_and_odd_characters_are_unusable() {
        for name in [
            "evil-1.0-1/../../x-py3-none-any.whl",
            "evil-1.0-py3-none-any.whl/",
            "evil-1.0\\x-py3-none-any.whl",
            "evil-1.0-py3-none-any\n.whl",
            "evil-1.0-py3-none-any\u{7}.whl",
            ".evil-1.0.tar.gz",
            "evil-1.0 .tar.gz",
        ] {
            assert!(check(name).is_some(), "{name:?} should be unusable");
        }
    }

    #[test]
    fn other_projects_are_unusable_and_good_names_pass() {
        assert!(
            check("other-1.0-py3-none-any.whl")
                .unwrap()
                .contains("`other`")
        );
        assert!(check("other-1.0.tar.gz").is_some());
        assert_eq!(check("Evil-1.0+local-2-py3-none-any.whl"), None);
        assert_eq!(check("evil-1.0.tar.gz"), None);
        assert_eq!(check("evil-1.0.zip"), None);
        assert_eq!(check("evil-0.1.egg"), None);
    }
}
