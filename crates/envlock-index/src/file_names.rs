//! Which file names on a project page may be used at all: a name that
//! could be a path, carries odd characters or belongs to another project
//! is set aside (with the reason, for a warning) before anything else sees
//! it, so it can never reach a lock or a wheelhouse. A name of the project
//! that merely predates the naming rules (pytz's `pytz-2012d.tar.gz`, whose
//! version is not PEP 440) is set aside too, quietly, as installers do:
//! old indexes list many such files and warning about each drowns the
//! warnings that matter.

use std::cell::RefCell;
use std::collections::HashSet;
use std::str::FromStr as _;

use envlock_pep::{DistKind, PackageName, SourceDistFilename, WheelFilename, WheelNameParts};

use crate::types::IndexFile;

/// Why a listed file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unusable {
    /// The name is suspicious: a path, odd characters, another project's
    /// file. Worth a warning.
    Suspicious(String),
    /// The name is the project's but does not follow the wheel or sdist
    /// naming rules (usually a pre-PEP 440 version). Skipped quietly.
    Nonconforming(String),
}

/// Checks the file names of one project's page. A page repeats each
/// version (once per file of a release) and each tag set (across releases)
/// many times: those found well formed are remembered, so that each is
/// parsed once.
pub(crate) struct PageNames<'p> {
    project: &'p PackageName,
    good_versions: RefCell<HashSet<Box<str>>>,
    good_tags: RefCell<HashSet<Box<str>>>,
}

impl<'p> PageNames<'p> {
    pub(crate) fn new(project: &'p PackageName) -> PageNames<'p> {
        PageNames {
            project,
            good_versions: RefCell::default(),
            good_tags: RefCell::default(),
        }
    }

    /// Why `filename`, listed on the project's page, cannot be used; `None`
    /// when it can. Only wheels and sdists are checked against the project
    /// (other kinds, such as old `.egg` files, are never used and pass
    /// untouched, unless their name holds characters no file name should).
    pub(crate) fn unusable(&self, filename: &str) -> Option<Unusable> {
        if let Some(bad) = filename
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '!')))
        {
            return Some(Unusable::Suspicious(format!(
                "its name holds {bad:?}, which no wheel or sdist name may (a path or a control character?)"
            )));
        }
        if filename.starts_with('.') {
            return Some(Unusable::Suspicious(
                "its name starts with a dot".to_owned(),
            ));
        }
        // Most wheel names are well formed: they are checked without being
        // copied, and only one that fails is parsed, for the error.
        if WheelNameParts::split(filename).is_some_and(|parts| self.well_formed(&parts)) {
            return None;
        }
        unusable_after_parsing(filename, self.project)
    }

    /// Whether a wheel name is the project's and [`WheelFilename::parse`]
    /// would accept it.
    fn well_formed(&self, parts: &WheelNameParts<'_>) -> bool {
        let remembered =
            |known: &RefCell<HashSet<Box<str>>>, text: &str, check: &dyn Fn() -> bool| {
                if known.borrow().contains(text) {
                    return true;
                }
                let good = check();
                if good {
                    known.borrow_mut().insert(text.into());
                }
                good
            };
        parts.names(self.project)
            && parts.build_is_well_formed()
            && remembered(&self.good_versions, parts.version, &|| {
                parts.version_is_well_formed()
            })
            && remembered(&self.good_tags, parts.tags, &|| {
                parts.tags_are_well_formed()
            })
    }
}

/// Why `filename` cannot be used, from a full parse (see
/// [`PageNames::unusable`]).
fn unusable_after_parsing(filename: &str, project: &PackageName) -> Option<Unusable> {
    let kind = DistKind::of(filename);
    let reason = match kind {
        DistKind::Wheel => match WheelFilename::parse(filename) {
            Ok(wheel) if wheel.name() == project => return None,
            Ok(wheel) => {
                return Some(Unusable::Suspicious(format!(
                    "it is a wheel of `{}`, not of `{project}`",
                    wheel.name()
                )));
            }
            Err(error) => format!("it is not a valid wheel name: {error}"),
        },
        DistKind::Sdist => match SourceDistFilename::parse(filename, project) {
            Ok(_) => return None,
            Err(error) => format!("it is not a valid sdist name of `{project}`: {error}"),
        },
        DistKind::Other => return None,
    };
    if names_project(filename, kind, project) {
        Some(Unusable::Nonconforming(reason))
    } else {
        Some(Unusable::Suspicious(reason))
    }
}

/// Whether the name part of `filename` (before the version) is `project`:
/// for a wheel its first `-` field, for an sdist the part before some `-`
/// of its stem (the version itself may hold no `-` a parser accepts).
fn names_project(filename: &str, kind: DistKind, project: &PackageName) -> bool {
    let is_project = |name: &str| PackageName::from_str(name).is_ok_and(|name| &name == project);
    match kind {
        DistKind::Wheel => filename.split('-').next().is_some_and(is_project),
        DistKind::Sdist => filename
            .match_indices('-')
            .any(|(at, _)| is_project(&filename[..at])),
        DistKind::Other => false,
    }
}

/// The files of a page sorted by whether they can be used.
#[derive(Debug, Default)]
pub(crate) struct SortedFiles {
    pub usable: Vec<IndexFile>,
    /// "name (url): reason" of each suspicious name, for warnings.
    pub suspicious: Vec<String>,
    /// "name (url): reason" of each name that predates the naming rules.
    pub nonconforming: Vec<String>,
}

/// Splits a page's files into the usable ones and messages about the rest.
/// The usable files stay where they are (a page can list tens of thousands:
/// a second vector of them would double the page's memory).
pub(crate) fn keep_usable(mut files: Vec<IndexFile>, project: &PackageName) -> SortedFiles {
    let names = PageNames::new(project);
    let mut suspicious = Vec::new();
    let mut nonconforming = Vec::new();
    files.retain(|file| {
        let (list, reason) = match names.unusable(&file.filename) {
            None => return true,
            Some(Unusable::Suspicious(reason)) => (&mut suspicious, reason),
            Some(Unusable::Nonconforming(reason)) => (&mut nonconforming, reason),
        };
        list.push(format!(
            "{:?} ({}): {reason}",
            file.filename,
            file.shown_url()
        ));
        false
    });
    SortedFiles {
        usable: files,
        suspicious,
        nonconforming,
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn check(filename: &str) -> Option<Unusable> {
        PageNames::new(&PackageName::from_str("evil").unwrap()).unusable(filename)
    }

    #[test]
    fn what_a_page_remembers_as_well_formed_lets_no_bad_name_through() {
        let project = PackageName::from_str("evil").unwrap();
        let names = PageNames::new(&project);
        assert_eq!(names.unusable("evil-1.0-py3-none-any.whl"), None);
        assert_eq!(names.unusable("evil-1.0-cp39-cp39-win_amd64.whl"), None);
        for bad in [
            "evil-1.0-x7-py3-none-any.whl",
            "evil-1.0-3py-none-any.whl",
            "other-1.0-py3-none-any.whl",
            "evil-1.0-py3-none-any/x.whl",
        ] {
            assert!(names.unusable(bad).is_some(), "{bad}");
        }
        assert!(matches!(
            names.unusable("evil-2012d-py3-none-any.whl"),
            Some(Unusable::Nonconforming(_))
        ));
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
            assert!(
                matches!(check(name), Some(Unusable::Suspicious(_))),
                "{name:?} should be suspicious"
            );
        }
    }

    #[test]
    fn other_projects_are_unusable_and_good_names_pass() {
        assert_eq!(
            check("other-1.0-py3-none-any.whl"),
            Some(Unusable::Suspicious(
                "it is a wheel of `other`, not of `evil`".to_owned()
            ))
        );
        assert!(matches!(
            check("other-1.0.tar.gz"),
            Some(Unusable::Suspicious(_))
        ));
        assert_eq!(check("Evil-1.0+local-2-py3-none-any.whl"), None);
        assert_eq!(check("evil-1.0.tar.gz"), None);
        assert_eq!(check("evil-1.0.zip"), None);
        assert_eq!(check("evil-0.1.egg"), None);
    }

    #[test]
    fn old_names_of_the_project_are_nonconforming_not_suspicious() {
        for name in ["evil-2012d.tar.gz", "Evil-2012d.zip", "evil-1.0-x.whl"] {
            assert!(
                matches!(check(name), Some(Unusable::Nonconforming(_))),
                "{name:?} should be nonconforming, got {:?}",
                check(name)
            );
        }
        assert!(matches!(
            check("evilish-2012d.tar.gz"),
            Some(Unusable::Suspicious(_))
        ));
    }
}
