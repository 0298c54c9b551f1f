//! `interpreter`: a relocatable CPython for a target to carry, asked for at
//! the top level (every target) or per `[[targets]]`.
//!
//! ```toml
//! interpreter = { build = "20241016" }     # every target, from the release base
//!
//! [[targets]]
//! python = "3.12.7"                        # the exact version of the archive
//! platform = "manylinux_2_28_x86_64"
//! interpreter = { url = "archives/cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz" }
//! ```
//!
//! The default source is a python-build-standalone `install_only` archive
//! under a release base: `<base>/<build>/<file>`, where the base is
//! `mirror` or, by default, `${ENVLOCK_PYTHON_INSTALL_MIRROR}` (the prefix
//! that replaces the release download base, as uv's
//! `UV_PYTHON_INSTALL_MIRROR`; `file://` allowed). `${VAR}` stays
//! unexpanded in the lock.

use std::ops::Range;

use envlock_pep::{InterpreterArchive, PythonVersion, Triple, check_build};
use serde::Deserialize;
use serde_spanned::Spanned;

use crate::error::{Location, SpecError};
use crate::expand::{Environment, expand};

/// The variable whose value is the default release base.
pub const PYTHON_INSTALL_MIRROR: &str = "ENVLOCK_PYTHON_INSTALL_MIRROR";

/// `interpreter = true | false | { … }`, as written. (Read as a value and
/// converted: an untagged enum would lose the spans.)
pub(crate) type WireSetting = Spanned<toml::Value>;

/// The keys of an `interpreter` table.
#[derive(Deserialize, Clone, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct WireInterpreter {
    version: Option<String>,
    build: Option<String>,
    mirror: Option<String>,
    url: Option<String>,
}

/// A setting read: off, on with the defaults, or a table.
enum Setting {
    Off,
    On,
    Table(WireInterpreter),
}

fn read_setting(setting: &WireSetting, location: &Location) -> Result<Setting, SpecError> {
    match setting.get_ref() {
        toml::Value::Boolean(false) => Ok(Setting::Off),
        toml::Value::Boolean(true) => Ok(Setting::On),
        table @ toml::Value::Table(_) => table
            .clone()
            .try_into::<WireInterpreter>()
            .map(Setting::Table)
            .map_err(|error| {
                SpecError::at(
                    location.clone(),
                    format!("`interpreter`: {}", error.message().trim()),
                )
                .with_hint("its keys are `version`, `build`, `mirror` and `url`")
            }),
        _ => Err(SpecError::at(
            location.clone(),
            "`interpreter` is `true`, `false` or a table such as { build = \"20241016\" }",
        )),
    }
}

/// Where a target's interpreter archive comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpreterSource {
    /// A python-build-standalone release: `<base>/<build>/<file>`, the file
    /// named for the target's version and platform.
    Release {
        /// The release base as written (`${VAR}` unexpanded), without a
        /// trailing `/`.
        base: String,
        /// The release date (`YYYYMMDD`).
        build: String,
    },
    /// One archive, by URL or by path (relative to the spec's folder).
    Archive {
        /// The URL or path as written.
        url: String,
        /// The archive's name (the URL's last part).
        archive: InterpreterArchive,
    },
}

/// A target's carried interpreter, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterpreterSpec {
    /// The exact CPython version it is; the target's Python version
    /// becomes this.
    pub version: PythonVersion,
    /// Where it comes from.
    pub source: InterpreterSource,
    /// Where the setting was written.
    pub location: Location,
}

impl InterpreterSpec {
    /// The archive's file name, for the triple that fits the target.
    pub fn file_name(&self, triple: &Triple) -> String {
        match &self.source {
            InterpreterSource::Release { build, .. } => {
                InterpreterArchive::file_name(&self.version, build, triple)
            }
            InterpreterSource::Archive { archive, .. } => archive.file.clone(),
        }
    }

    /// The URL as the lock records it (`${VAR}` unexpanded).
    pub fn url_as_written(&self, triple: &Triple) -> String {
        match &self.source {
            InterpreterSource::Release { base, build } => {
                format!("{base}/{build}/{}", self.file_name(triple))
            }
            InterpreterSource::Archive { url, .. } => url.clone(),
        }
    }

    /// The URL with `${VAR}` expanded; an unset variable is an error that
    /// points at the setting and says what to set.
    pub fn expanded_url(
        &self,
        triple: &Triple,
        environment: Environment<'_>,
    ) -> Result<String, SpecError> {
        expand(&self.url_as_written(triple), environment).map_err(|name| {
            let hint = if name == PYTHON_INSTALL_MIRROR {
                format!(
                    "set {PYTHON_INSTALL_MIRROR} to the python-build-standalone release download \
                     base, or a mirror of it (a prefix under which <build>/<file> is found; \
                     file:// works), or give `mirror` or `url` in the spec's `interpreter`"
                )
            } else {
                format!("set {name} before running envlock")
            };
            SpecError::at(
                self.location.clone(),
                format!("the carried interpreter's URL uses ${{{name}}}, which is not set"),
            )
            .with_hint(hint)
        })
    }

    /// The spec digest's line for the target called `name`.
    pub(crate) fn digest_line(&self, name: &str) -> String {
        match &self.source {
            InterpreterSource::Release { base, build } => {
                format!("interpreter {name} {} release {base} {build}", self.version)
            }
            InterpreterSource::Archive { url, .. } => {
                format!("interpreter {name} {} archive {url}", self.version)
            }
        }
    }
}

/// Resolves the setting of one target from the top-level one and its own;
/// `python` is the target's `python` as written.
pub(crate) fn target_interpreter(
    top: Option<&WireSetting>,
    own: Option<&WireSetting>,
    python: &Spanned<String>,
    at: &dyn Fn(Range<usize>) -> Location,
) -> Result<Option<InterpreterSpec>, SpecError> {
    let top = top
        .map(|setting| {
            let location = at(setting.span());
            read_setting(setting, &location).map(|read| (read, location))
        })
        .transpose()?;
    if let Some((Setting::Table(table), location)) = &top
        && table.url.is_some()
    {
        return Err(SpecError::at(
            location.clone(),
            "a top-level `interpreter` cannot name one archive's `url`: every target needs its own",
        )
        .with_hint("put `url` in the `interpreter` of a `[[targets]]` table"));
    }
    let top_table = match &top {
        Some((Setting::Table(table), _)) => Some(table),
        _ => None,
    };
    let (location, own_table) = match own {
        Some(setting) => {
            let location = at(setting.span());
            match read_setting(setting, &location)? {
                Setting::Off => return Ok(None),
                Setting::On => (location, None),
                Setting::Table(table) => (location, Some(table)),
            }
        }
        None => match &top {
            Some((Setting::On | Setting::Table(_), location)) => (location.clone(), None),
            _ => return Ok(None),
        },
    };
    let fields = merged(top_table, own_table.as_ref());
    let source = match &fields.url {
        Some(url) => archive_source(url, &location)?,
        None => release_source(&fields, &location)?,
    };
    let version = exact_version(&fields, &source, python, &location, at)?;
    Ok(Some(InterpreterSpec {
        version,
        source,
        location,
    }))
}

/// The top-level table's keys, with the target's own on top.
fn merged(top: Option<&WireInterpreter>, own: Option<&WireInterpreter>) -> WireInterpreter {
    let mut fields = top.cloned().unwrap_or_default();
    if let Some(own) = own {
        if own.url.is_some() {
            // One archive: the release keys of the top level do not apply.
            fields = WireInterpreter::default();
        }
        for (mine, theirs) in [
            (&mut fields.version, &own.version),
            (&mut fields.build, &own.build),
            (&mut fields.mirror, &own.mirror),
            (&mut fields.url, &own.url),
        ] {
            if theirs.is_some() {
                mine.clone_from(theirs);
            }
        }
    }
    fields
}

fn archive_source(url: &str, location: &Location) -> Result<InterpreterSource, SpecError> {
    let written = url.trim();
    refuse_credentials(written, location.clone())?;
    let last = written
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let archive = InterpreterArchive::parse(last).map_err(|error| {
        SpecError::at(location.clone(), error.to_string()).with_hint(
            "the archive keeps its release name, which says its version, build and triple; \
             rename a copy to it",
        )
    })?;
    Ok(InterpreterSource::Archive {
        url: written.to_owned(),
        archive,
    })
}

fn release_source(
    fields: &WireInterpreter,
    location: &Location,
) -> Result<InterpreterSource, SpecError> {
    let Some(build) = &fields.build else {
        return Err(SpecError::at(
            location.clone(),
            "a carried interpreter needs `build` (the python-build-standalone release date) or `url`",
        )
        .with_hint("for example interpreter = { build = \"20241016\" }"));
    };
    let build = build.trim();
    check_build(build).map_err(|problem| SpecError::at(location.clone(), problem))?;
    let base = match &fields.mirror {
        Some(mirror) => {
            let written = mirror.trim().trim_end_matches('/');
            if written.is_empty() {
                return Err(SpecError::at(location.clone(), "`mirror` is empty"));
            }
            refuse_credentials(written, location.clone())?;
            written.to_owned()
        }
        None => format!("${{{PYTHON_INSTALL_MIRROR}}}"),
    };
    Ok(InterpreterSource::Release {
        base,
        build: build.to_owned(),
    })
}

/// The archive's exact version: the archive name's, else `version`, else
/// the target's `python` when it has a patch number. The target's `python`
/// must agree with it.
fn exact_version(
    fields: &WireInterpreter,
    source: &InterpreterSource,
    python: &Spanned<String>,
    location: &Location,
    at: &dyn Fn(Range<usize>) -> Location,
) -> Result<PythonVersion, SpecError> {
    let target = PythonVersion::parse(python.get_ref().trim())
        .map_err(|error| SpecError::at(at(python.span()), error.to_string()))?;
    let given = fields
        .version
        .as_ref()
        .map(|version| {
            PythonVersion::parse(version.trim())
                .ok()
                .filter(|parsed| parsed.patch().is_some())
                .ok_or_else(|| {
                    SpecError::at(
                        location.clone(),
                        format!("`{version}` is not an exact CPython version X.Y.Z"),
                    )
                })
        })
        .transpose()?;
    let version = match (source, given) {
        (InterpreterSource::Archive { archive, .. }, _) => archive.version,
        (_, Some(version)) => version,
        (_, None) if target.patch().is_some() => target,
        (_, None) => {
            return Err(SpecError::at(
                at(python.span()),
                format!(
                    "the carried interpreter needs the exact version: `python = \"{}\"` has no patch number",
                    python.get_ref()
                ),
            )
            .with_hint("write it like python = \"3.12.7\" (a version the release has), or give `version` in `interpreter`"));
        }
    };
    let agrees = version.minor() == target.minor()
        && target
            .patch()
            .is_none_or(|patch| Some(patch) == version.patch());
    if !agrees {
        return Err(SpecError::at(
            location.clone(),
            format!(
                "the carried interpreter is CPython {version}, and the target's `python` is `{}`",
                python.get_ref()
            ),
        )
        .with_hint("make the target's `python` the archive's version (or its X.Y)"));
    }
    Ok(version)
}

/// A URL copied into the lock must not carry a user or password.
fn refuse_credentials(url: &str, location: Location) -> Result<(), SpecError> {
    let authority = url.split_once("://").map_or("", |(_, rest)| {
        rest.split(['/', '?', '#']).next().unwrap_or_default()
    });
    let Some((userinfo, _)) = authority.rsplit_once('@') else {
        return Ok(());
    };
    let is_variable = |part: &str| {
        part.strip_prefix("${")
            .and_then(|part| part.strip_suffix('}'))
            .is_some_and(|name| envlock_fs::check_env_var(name).is_ok())
    };
    if userinfo.split(':').all(is_variable) {
        return Ok(());
    }
    Err(SpecError::at(
        location,
        "the interpreter's URL holds credentials (`user:password@`)",
    )
    .with_hint(
        "the URL is copied into the lock: write `https://${USER_VAR}:${TOKEN_VAR}@host/…` \
         (expanded only when fetching) or put the credentials in ~/.netrc",
    ))
}
