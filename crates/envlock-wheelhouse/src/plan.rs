//! Which targets a wheelhouse is for, and which locked files it holds.

use std::collections::BTreeSet;

use envlock_fs::Sha256;
use envlock_lock::{Lock, LockedPackage};
use envlock_pep::{PackageName, Platform, PlatformFamily, Version};

use crate::error::WheelhouseError;

/// A `--platform` value: a family (`manylinux`, `macos`, …) takes every
/// target on a platform of that family; anything else must parse as a
/// platform and takes the targets on exactly that platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlatformSelector {
    /// Every target whose platform is of this family.
    Family(PlatformFamily),
    /// Every target on exactly this platform.
    Exact(Platform),
}

impl PlatformSelector {
    /// Parses a family name, or else a platform string.
    ///
    /// A family wins over the shorthand of the same name: `manylinux` means
    /// every manylinux target, not only `manylinux_2_28_x86_64`.
    pub fn parse(value: &str) -> Result<PlatformSelector, WheelhouseError> {
        if let Some(family) = PlatformFamily::parse(value) {
            return Ok(PlatformSelector::Family(family));
        }
        Platform::parse(value)
            .map(PlatformSelector::Exact)
            .map_err(|_| WheelhouseError::UnknownPlatform {
                value: value.to_owned(),
            })
    }

    fn matches(&self, platform: &Platform) -> bool {
        match self {
            PlatformSelector::Family(family) => platform.family() == *family,
            PlatformSelector::Exact(exact) => platform == exact,
        }
    }

    fn describe(&self) -> String {
        match self {
            PlatformSelector::Family(family) => format!("the platform family `{family}`"),
            PlatformSelector::Exact(platform) => format!("the platform `{platform}`"),
        }
    }
}

/// The names of the lock's targets that the wheelhouse is for, in the
/// lock's order: those on any of `platforms` (all when empty) and, when
/// `names` is not empty, only those named.
pub fn select_targets(
    lock: &Lock,
    platforms: &[PlatformSelector],
    names: &[String],
) -> Result<Vec<String>, WheelhouseError> {
    let available = || {
        lock.targets
            .iter()
            .map(|target| target.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for name in names {
        if lock.target(name).is_none() {
            return Err(WheelhouseError::UnknownTarget {
                name: name.clone(),
                available: available(),
            });
        }
    }
    let chosen: Vec<String> = lock
        .targets
        .iter()
        .filter(|target| {
            platforms.is_empty()
                || platforms
                    .iter()
                    .any(|selector| selector.matches(&target.platform))
        })
        .filter(|target| names.is_empty() || names.contains(&target.name))
        .map(|target| target.name.clone())
        .collect();
    if chosen.is_empty() {
        let mut parts: Vec<String> = platforms.iter().map(PlatformSelector::describe).collect();
        if !names.is_empty() {
            parts.push(format!("the names {}", names.join(", ")));
        }
        return Err(WheelhouseError::NoTargetSelected {
            selection: parts.join(" and "),
            available: available(),
        });
    }
    Ok(chosen)
}

/// One file the wheelhouse must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlannedFile {
    /// The package's name.
    pub package: PackageName,
    /// The package's version.
    pub version: Version,
    /// The index the lock names for the package.
    pub index: String,
    /// The file name.
    pub name: String,
    /// Whether the file is a source distribution (from the lock's parsed
    /// file name).
    pub sdist: bool,
    /// The locked sha256.
    pub sha256: Sha256,
    /// The locked size.
    pub size: u64,
    /// The chosen targets that install it.
    pub targets: Vec<String>,
    /// Whether it is only needed to build an sdist on the target.
    pub build_only: bool,
    /// The package's `requires-python`, for the simple index.
    pub requires_python: Option<String>,
}

impl PlannedFile {
    /// Whether the file is a source distribution (built on the target).
    pub fn is_sdist(&self) -> bool {
        self.sdist
    }
}

/// Every file of `lock` that one of `targets` installs, sorted by name.
pub(crate) fn planned_files(lock: &Lock, targets: &[String]) -> Vec<PlannedFile> {
    let chosen: BTreeSet<&str> = targets.iter().map(String::as_str).collect();
    let mut files = Vec::new();
    let mut add = |package: &LockedPackage, build_only: bool| {
        for file in &package.files {
            let targets: Vec<String> = file
                .targets
                .iter()
                .filter(|target| chosen.contains(target.as_str()))
                .cloned()
                .collect();
            if targets.is_empty() {
                continue;
            }
            files.push(PlannedFile {
                package: package.name.clone(),
                version: package.version.clone(),
                index: package.index.clone(),
                name: file.file_name().to_owned(),
                sdist: file.is_sdist(),
                sha256: file.sha256,
                size: file.size,
                targets,
                build_only,
                requires_python: package.requires_python.clone(),
            });
        }
    };
    for package in &lock.packages {
        add(package, false);
    }
    // What pip needs to build, on the target, the sdists among them.
    for package in &lock.build_packages {
        add(package, true);
    }
    // The pip the far side installs first (never built there).
    for package in &lock.installer_packages {
        add(package, true);
    }
    files.sort_by(|left, right| left.name.cmp(&right.name));
    // A build requirement that is also a runtime package is listed once.
    files.dedup_by(|later, earlier| later.name == earlier.name);
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock() -> Lock {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../lockfiles/clearml-session.lock"
        ))
        .unwrap();
        envlock_lock::decode(&text).unwrap()
    }

    #[test]
    fn families_and_exact_platforms_pick_targets() {
        let lock = lock();
        let all =
            select_targets(&lock, &[PlatformSelector::parse("manylinux").unwrap()], &[]).unwrap();
        assert_eq!(all.len(), 3);
        let exact = select_targets(
            &lock,
            &[PlatformSelector::parse("manylinux_2_28_x86_64").unwrap()],
            &["cp310-manylinux_2_28_x86_64".to_owned()],
        )
        .unwrap();
        assert_eq!(exact, ["cp310-manylinux_2_28_x86_64"]);
        let none =
            select_targets(&lock, &[PlatformSelector::parse("macos").unwrap()], &[]).unwrap_err();
        assert!(
            none.to_string().contains("the platform family `macos`"),
            "{none}"
        );
        let unknown = select_targets(&lock, &[], &["cp39-nowhere".to_owned()]).unwrap_err();
        assert!(unknown.to_string().contains("cp38-manylinux_2_28_x86_64"));
        assert!(PlatformSelector::parse("plan9").is_err());
    }

    #[test]
    fn planned_files_are_those_of_the_chosen_targets() {
        let lock = lock();
        let only_310 = planned_files(&lock, &["cp310-manylinux_2_28_x86_64".to_owned()]);
        let all = planned_files(
            &lock,
            &lock
                .targets
                .iter()
                .map(|target| target.name.clone())
                .collect::<Vec<_>>(),
        );
        assert!(only_310.len() < all.len());
        assert!(
            only_310
                .iter()
                .any(|file| file.name.starts_with("pyperclip-"))
        );
        // werkzeug 2.x is gated to Python 3.8.
        assert!(
            !only_310
                .iter()
                .any(|file| file.name.starts_with("werkzeug-2"))
        );
        assert!(all.iter().any(|file| file.name.starts_with("werkzeug-2")));
        let mut names: Vec<&str> = all.iter().map(|file| file.name.as_str()).collect();
        names.dedup();
        assert_eq!(names.len(), all.len());
    }
}
