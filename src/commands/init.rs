//! `envlock init`: a commented envlock.toml from flags and what is at hand.

use super::terminal::say;
use std::path::Path;
use std::process::{Command, ExitCode};

use envlock_lock::quote;
use envlock_spec::Spec;

use crate::cli::{GlobalOptions, InitArgs, TargetArgs};
use crate::diagnostics;

/// What a generated spec says.
pub(crate) struct SpecInputs {
    /// `name`.
    pub name: String,
    /// `requirements-files`, relative to the spec (`/` separated).
    pub requirements_file: Option<String>,
    /// `(python, platform)` of each target.
    pub targets: Vec<(String, String)>,
    /// `exclude-newer`, RFC 3339.
    pub exclude_newer: Option<String>,
}

pub fn run(global: &GlobalOptions, args: &InitArgs) -> miette::Result<ExitCode> {
    let spec_path = args.dir.join("envlock.toml");
    if spec_path.exists() && !args.force {
        return Err(diagnostics::plain(
            format!("{} exists already", spec_path.display()),
            Some("pass --force to replace it, or edit it".to_owned()),
        ));
    }
    if !args.dir.is_dir() {
        return Err(diagnostics::plain(
            format!("{} is not a folder", args.dir.display()),
            Some("create it first, or give the folder that holds your requirements".to_owned()),
        ));
    }
    let requirements_file = requirements_file(&args.dir, args.requirements.as_deref())?;
    let exclude_newer = match args.exclude_newer.as_deref() {
        None => None,
        Some("now") => Some(now_rfc3339()),
        Some(text) => Some(
            text.parse::<jiff::Timestamp>()
                .map_err(|error| {
                    diagnostics::plain(
                        format!("--exclude-newer {text}: {error}"),
                        Some(
                            "give `now` or an RFC 3339 time such as 2026-11-01T00:00:00Z"
                                .to_owned(),
                        ),
                    )
                })?
                .to_string(),
        ),
    };
    let inputs = SpecInputs {
        name: args.name.clone().unwrap_or_else(|| folder_name(&args.dir)),
        requirements_file,
        targets: targets_from_flags(&args.targets)?,
        exclude_newer,
    };
    let text = spec_text(&inputs);
    // What is written must be a spec `envlock lock` reads.
    Spec::parse(&text, &spec_path, &envlock_spec::process_environment)
        .map_err(diagnostics::spec_error)?;
    write_atomically(&spec_path, &text).map_err(|error| {
        diagnostics::plain(
            format!("cannot write {}: {error}", spec_path.display()),
            None,
        )
    })?;
    if global.quiet == 0 {
        say(&format!(
            "wrote {} ({} target{}{}); next: envlock lock {}",
            spec_path.display(),
            inputs.targets.len(),
            if inputs.targets.len() == 1 { "" } else { "s" },
            inputs
                .requirements_file
                .as_deref()
                .map(|file| format!(", requirements from {file}"))
                .unwrap_or_default(),
            args.dir.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// The requirements file to reference, relative to the spec's folder.
fn requirements_file(dir: &Path, given: Option<&Path>) -> miette::Result<Option<String>> {
    let Some(given) = given else {
        return Ok(["requirements.in", "requirements.txt"]
            .into_iter()
            .find(|name| dir.join(name).is_file())
            .map(str::to_owned));
    };
    if !given.is_file() {
        return Err(diagnostics::plain(
            format!("--requirements {}: no such file", given.display()),
            None,
        ));
    }
    let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let (file, folder) = (absolute(given), absolute(dir));
    let relative = file
        .strip_prefix(&folder)
        .map(Path::to_path_buf)
        .unwrap_or(file);
    Ok(Some(relative.to_string_lossy().replace('\\', "/")))
}

/// The cross product of `--python` and `--platform`, with the host's defaults.
pub(crate) fn targets_from_flags(args: &TargetArgs) -> miette::Result<Vec<(String, String)>> {
    let pythons = if args.python.is_empty() {
        vec![host_python()?]
    } else {
        args.python.clone()
    };
    let platforms = if args.platform.is_empty() {
        vec![host_platform()?]
    } else {
        args.platform.clone()
    };
    Ok(pythons
        .iter()
        .flat_map(|python| {
            platforms
                .iter()
                .map(move |platform| (python.clone(), platform.clone()))
        })
        .collect())
}

fn host_python() -> miette::Result<String> {
    let output = Command::new("python3")
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .ok()
        .filter(|output| output.status.success());
    output
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .filter(|version| !version.is_empty())
        .ok_or_else(|| {
            diagnostics::plain(
                "cannot tell the host's Python version (no python3 here)".to_owned(),
                Some("name the targets' Pythons with --python 3.X".to_owned()),
            )
        })
}

fn host_platform() -> miette::Result<String> {
    match std::env::consts::ARCH {
        arch @ ("x86_64" | "aarch64" | "ppc64le" | "s390x") => Ok(format!("manylinux_2_28_{arch}")),
        other => Err(diagnostics::plain(
            format!("no manylinux_2_28 default for this machine's architecture `{other}`"),
            Some("name the targets' platforms with --platform".to_owned()),
        )),
    }
}

fn folder_name(dir: &Path) -> String {
    let name = std::path::absolute(dir)
        .ok()
        .and_then(|path| {
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_default();
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if cleaned.trim_matches('-').is_empty() {
        "environment".to_owned()
    } else {
        cleaned
    }
}

fn now_rfc3339() -> String {
    let now = jiff::Timestamp::now();
    jiff::Timestamp::from_second(now.as_second())
        .unwrap_or(now)
        .to_string()
}

/// The commented spec.
pub(crate) fn spec_text(inputs: &SpecInputs) -> String {
    let mut text = String::from(
        "# envlock.toml: what to lock, and for which machines. `envlock lock` reads it\n# and writes envlock.lock beside it; the README's \"The spec\" lists every key.\n",
    );
    text.push_str(&format!("name = {}\n\n", quote(&inputs.name)));
    match &inputs.requirements_file {
        Some(file) => text.push_str(&format!(
            "# PEP 508 requirements, markers allowed; more can be listed here.\nrequirements = []\n# pip-syntax files, relative to this one.\nrequirements-files = [{}]\n",
            quote(file)
        )),
        None => text.push_str(
            "# PEP 508 requirements, markers allowed, e.g. \"requests>=2.31\",\n# \"werkzeug<3 ; python_version < '3.9'\". Or list pip-syntax files in\n# requirements-files = [\"requirements.in\"].\nrequirements = []\n",
        ),
    }
    text.push_str("# constraints = [\"urllib3<2\"]        # limit versions, add no packages\n");
    match &inputs.exclude_newer {
        Some(time) => text.push_str(&format!(
            "\n# Files uploaded after this moment are ignored: re-locking gives the same lock.\nexclude-newer = {}\n",
            quote(time)
        )),
        None => text.push_str(
            "# exclude-newer = \"2026-01-01T00:00:00Z\"  # ignore files uploaded later (freezes the lock)\n",
        ),
    }
    text.push_str(
        "\n# One resolution per target: a CPython version and a platform (exact, such as\n# manylinux_2_28_x86_64, or manylinux, musllinux, macos, windows).\n",
    );
    for (python, platform) in &inputs.targets {
        text.push_str(&format!(
            "[[targets]]\npython = {}\nplatform = {}\n\n",
            quote(python),
            quote(platform)
        ));
    }
    text.push_str(
        "# The index: with none set here, envlock takes --index-url, ENVLOCK_INDEX_URL,\n# PIP_INDEX_URL, pip's configuration, or else the index the local pip uses.\n# [[indexes]]\n# name = \"default\"\n# url = \"${ENVLOCK_INDEX_URL}\"\n",
    );
    text
}

/// Writes `text` to `path`: a temporary file in the same folder, synced,
/// then renamed over `path`.
pub(crate) fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    // `.envlock-` temporary names (swept by later runs), file and folder
    // flushed before and after the rename.
    envlock_fs::write_atomic(path, text.as_bytes())
}
