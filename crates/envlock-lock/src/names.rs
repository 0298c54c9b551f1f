//! The names a lock holds, checked when it is read: a lock arrives in pull
//! requests and is hand-edited, and every name in it later becomes a path
//! in a wheelhouse, a link in a `simple/` page, a line of a
//! `requirements.txt` or a variable in `clearml.env`. The grammar itself is
//! `envlock_fs::names` (one place for the spec, the lock and the
//! wheelhouse); this module says which grammar each field of the lock
//! follows. Each check returns the message of the error, naming the field.

use envlock_fs::{check_env_var, check_file_name, check_label};
use envlock_pep::{DistFilename, PackageName, Version};

use crate::model::{Lock, LockedPackage, LockedResource};

/// What to do about a name the lock should not hold.
const EDIT_HINT: &str =
    "the lock was edited by hand or by another tool: write it again with `envlock lock`";

/// Checks the lock's own name and its targets' names.
pub(crate) fn check_lock_names(lock: &Lock) -> Result<(), String> {
    check_label(&lock.name).map_err(|error| format!("the lock's `name`: {error}"))?;
    for target in &lock.targets {
        check_label(&target.name).map_err(|error| format!("a target's `name`: {error}"))?;
    }
    Ok(())
}

/// Checks a package's name (PEP 503-normalised, as the lock writes it), its
/// index name, and that each file is a plain wheel or sdist file name of
/// this package and version.
pub(crate) fn check_package_names(package: &LockedPackage, kind: &str) -> Result<(), String> {
    let shown = package.name.escape_debug();
    let name = PackageName::new(package.name.clone())
        .map_err(|_| format!("{kind} `{shown}` is not a valid package name; {EDIT_HINT}"))?;
    if name.as_ref() != package.name {
        return Err(format!(
            "{kind} `{shown}` is not written in normalised form (`{name}`); {EDIT_HINT}"
        ));
    }
    let id = format!(
        "{kind} `{} {}`",
        package.name,
        package.version.escape_debug()
    );
    let version: Version = package
        .version
        .parse()
        .map_err(|_| format!("{id} has a version that is not PEP 440"))?;
    // Index names are only shown (diff and why escape them for their
    // formats), never written into files: any printable text will do.
    if package.index.chars().any(char::is_control) {
        return Err(format!(
            "{id}: its `index` holds control characters; {EDIT_HINT}"
        ));
    }
    for file in &package.files {
        check_dist_file(&file.name, &name, &version).map_err(|problem| {
            format!(
                "file `{}` of {id}: {problem}; {EDIT_HINT}",
                file.name.escape_debug()
            )
        })?;
    }
    for edge in &package.required_by {
        let Some((requiring, _)) = &edge.package else {
            continue;
        };
        if PackageName::new(requiring.clone()).map(|n| n.as_ref() == requiring) != Ok(true) {
            return Err(format!(
                "a `required-by` edge of {id} names `{}`, which is not a normalised package name",
                requiring.escape_debug()
            ));
        }
    }
    Ok(())
}

/// A distribution file name in a lock: plain (no path, no `..`, no control
/// or shell characters), a wheel or sdist name that parses, of `package` at
/// `version`.
fn check_dist_file(file: &str, package: &PackageName, version: &Version) -> Result<(), String> {
    check_file_name(file).map_err(|error| error.to_string())?;
    let parsed = DistFilename::parse(file, package).map_err(|error| error.to_string())?;
    if parsed.name() != package {
        return Err(format!("it belongs to package `{}`", parsed.name()));
    }
    if parsed.version() != version {
        return Err(format!("it is of version {}", parsed.version()));
    }
    Ok(())
}

/// Checks a resource's name, file name and variable.
pub(crate) fn check_resource_names(resource: &LockedResource) -> Result<(), String> {
    let shown = resource.name.escape_debug();
    check_label(&resource.name).map_err(|error| format!("a resource's `name`: {error}"))?;
    check_file_name(&resource.file)
        .map_err(|error| format!("resource `{shown}`'s `file`: {error}; {EDIT_HINT}"))?;
    check_env_var(&resource.env)
        .map_err(|error| format!("resource `{shown}`'s `env`: {error}; {EDIT_HINT}"))?;
    if resource.url.chars().any(char::is_control) {
        return Err(format!(
            "resource `{shown}`'s `url` holds control characters; {EDIT_HINT}"
        ));
    }
    Ok(())
}
