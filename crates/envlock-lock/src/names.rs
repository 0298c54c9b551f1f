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
pub(crate) const EDIT_HINT: &str =
    "the lock was edited by hand or by another tool: write it again with `envlock lock`";

/// Checks the lock's own name and its targets' names.
pub(crate) fn check_lock_names(lock: &Lock) -> Result<(), String> {
    check_wire_names(&lock.name, lock.targets.iter().map(|target| &target.name))
}

/// Checks a lock's name and its targets' names, as read or as built.
pub(crate) fn check_wire_names<'a>(
    name: &str,
    targets: impl IntoIterator<Item = &'a String>,
) -> Result<(), String> {
    check_label(name).map_err(|error| format!("the lock's `name`: {error}"))?;
    for target in targets {
        check_label(target).map_err(|error| format!("a target's `name`: {error}"))?;
    }
    Ok(())
}

/// Parses a package's name, which must be written PEP 503-normalised (as
/// the lock writes it).
pub(crate) fn parse_package_name(text: &str, kind: &str) -> Result<PackageName, String> {
    let shown = text.escape_debug();
    let name = PackageName::new(text.to_owned())
        .map_err(|_| format!("{kind} `{shown}` is not a valid package name; {EDIT_HINT}"))?;
    if name.as_ref() != text {
        return Err(format!(
            "{kind} `{shown}` is not written in normalised form (`{name}`); {EDIT_HINT}"
        ));
    }
    Ok(name)
}

/// Parses a package's version, which must be PEP 440 and written
/// normalised (as the lock writes it, so that it keeps its bytes). `id`
/// names the package, for the error.
pub(crate) fn parse_version(text: &str, id: &str) -> Result<Version, String> {
    let version: Version = text
        .parse()
        .map_err(|_| format!("{id} has a version that is not PEP 440"))?;
    if version.to_string() != text {
        return Err(format!(
            "{id} has version `{}`, which is not written in normalised form (`{version}`); \
             {EDIT_HINT}",
            text.escape_debug()
        ));
    }
    Ok(version)
}

/// Parses a file of `name` at `version`: a plain (no path, no `..`, no
/// control or shell characters) wheel or sdist file name that parses, of
/// that package and version. `id` names the package, for the error.
pub(crate) fn parse_file_name(
    text: &str,
    name: &PackageName,
    version: &Version,
    id: &str,
) -> Result<DistFilename, String> {
    let checked = check_file_name(text)
        .map_err(|error| error.to_string())
        .and_then(|()| DistFilename::parse(text, name).map_err(|error| error.to_string()))
        .and_then(|parsed| check_dist_file(&parsed, name, version).map(|()| parsed));
    checked.map_err(|problem| {
        format!(
            "file `{}` of {id}: {problem}; {EDIT_HINT}",
            text.escape_debug()
        )
    })
}

/// Parses the requiring package of a `required-by` edge of the package
/// `id` names: a normalised name and a PEP 440 version written normalised.
pub(crate) fn parse_requiring(
    name: &str,
    version: &str,
    id: &str,
) -> Result<(PackageName, Version), String> {
    let parsed = PackageName::new(name.to_owned())
        .ok()
        .filter(|parsed| parsed.as_ref() == name)
        .ok_or_else(|| {
            format!(
                "a `required-by` edge of {id} names `{}`, which is not a normalised package name",
                name.escape_debug()
            )
        })?;
    let edge = format!("a `required-by` edge of {id}, `{name}`,");
    let version = parse_version(version, &edge)?;
    Ok((parsed, version))
}

/// Checks the names of a package that the types do not already promise:
/// its index name, and that each file is a plain file name of this package
/// and version.
pub(crate) fn check_package_names(package: &LockedPackage, kind: &str) -> Result<(), String> {
    let id = format!("{kind} `{} {}`", package.name, package.version);
    // Index names are only shown (diff and why escape them for their
    // formats), never written into files: any printable text will do.
    if package.index.chars().any(char::is_control) {
        return Err(format!(
            "{id}: its `index` holds control characters; {EDIT_HINT}"
        ));
    }
    for file in &package.files {
        check_file_name(file.file_name())
            .map_err(|error| error.to_string())
            .and_then(|()| check_dist_file(&file.name, &package.name, &package.version))
            .map_err(|problem| {
                format!(
                    "file `{}` of {id}: {problem}; {EDIT_HINT}",
                    file.file_name().escape_debug()
                )
            })?;
    }
    Ok(())
}

/// A distribution file name in a lock is of `package` at `version`.
fn check_dist_file(
    parsed: &DistFilename,
    package: &PackageName,
    version: &Version,
) -> Result<(), String> {
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
