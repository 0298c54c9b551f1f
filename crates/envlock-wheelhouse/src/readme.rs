//! `README.txt`: the far side's instructions, in the folder itself.

use std::fmt::Write as _;
use std::path::Path;

use envlock_lock::{Lock, LockedResource};
use envlock_pep::PlatformFamily;

use crate::error::WheelhouseError;
use crate::exports::target_requirements_path;
use crate::far_side::FarSide;
use crate::folder::resource_path;
use crate::fsio::write_atomic;
use crate::sdist::SourceBuild;

/// Writes `README.txt` for a wheelhouse of `lock` serving `targets`.
pub(crate) fn write_readme(
    dir: &Path,
    lock: &Lock,
    targets: &[String],
    far_side: Option<&FarSide>,
    source_builds: &[SourceBuild],
) -> Result<(), WheelhouseError> {
    let mut out = String::new();
    introduction(&mut out, lock, targets);
    install_steps(&mut out, lock, targets);
    interpreters(&mut out, lock, targets);
    resources(&mut out, &lock.resources);
    if let Some(far_side) = far_side {
        far_side_files(&mut out, far_side, &lock.resources);
    }
    source_builds_section(&mut out, source_builds);
    write_atomic(&dir.join("README.txt"), out.as_bytes())
}

/// What the folder is and the targets it serves.
fn introduction(out: &mut String, lock: &Lock, targets: &[String]) {
    let _ = writeln!(out, "An envlock wheelhouse of the lock `{}`.", lock.name);
    out.push_str(
        "Written by `envlock wheelhouse`; every file in it was checked against the lock.\n\n",
    );
    out.push_str("It serves these targets (Python version and platform):\n");
    for name in targets {
        if let Some(target) = lock.target(name) {
            let _ = writeln!(
                out,
                "  {}  (Python {} on {})",
                target.name, target.python, target.platform
            );
        }
    }
}

/// Checking the carry and installing from it.
fn install_steps(out: &mut String, lock: &Lock, targets: &[String]) {
    out.push_str(
        "\nOn the far side, one command checks the carry, finds (or unpacks) the\n\
         target's Python, creates a virtual environment and installs into it,\n\
         offline (POSIX sh; `sh install.sh --help` says more):\n\n\
         \x20   sh install.sh --prefix /path/to/venv\n",
    );
    if targets.iter().any(|name| {
        lock.target(name)
            .is_some_and(|target| target.platform.family() == PlatformFamily::Windows)
    }) {
        out.push_str(
            "\nOn Windows: powershell -ExecutionPolicy Bypass -File install.ps1 -Prefix C:\\path\\to\\venv\n",
        );
    }
    out.push_str(
        "\nOr by hand, from this folder:\n\n\
         1. Check the carry, with standard tools or with envlock:\n\n\
         \x20   sha256sum -c SHA256SUMS\n\
         \x20   envlock verify .\n\n\
         2. Install into a virtual environment made with the target's Python,\n\
         \x20  from the target's own requirement file (pip 20.3 or newer):\n\n\
         \x20   python3.X -m venv .venv\n",
    );
    for name in targets {
        let _ = writeln!(
            out,
            "    .venv/bin/pip install --no-index --find-links . --require-hashes -r {}",
            target_requirements_path(name)
        );
    }
    out.push_str(
        "\n   requirements/<target>.txt pins one target's set, with the extras it\n\
         \x20  requests. requirements.txt (and pylock.toml) serve every target at once,\n\
         \x20  with markers; some pips reject them when targets pin different versions.\n\n\
         3. Or serve this folder with any web server (or use it from disk) as an index:\n\n\
         \x20   pip install --index-url http://<host>/<path>/simple --require-hashes -r requirements/<target>.txt\n\
         \x20   pip install --index-url file://$PWD/simple --require-hashes -r requirements/<target>.txt\n",
    );
}

/// The carried interpreters under `python/`, and how to use one by hand.
fn interpreters(out: &mut String, lock: &Lock, targets: &[String]) {
    let carried: Vec<_> = lock
        .interpreters
        .iter()
        .filter(|interpreter| targets.contains(&interpreter.target))
        .collect();
    if carried.is_empty() {
        return;
    }
    out.push_str(
        "\nA relocatable CPython is carried in python/ for these targets; install.sh\n\
         unpacks it under the prefix and makes the environment with it. By hand:\n\
         tar -xzf python/<file> -C /opt (it unpacks to python/), then\n\
         /opt/python/bin/python3 -m venv .venv\n\n",
    );
    for interpreter in carried {
        let _ = writeln!(out, "  {}  python/{}", interpreter.target, interpreter.file);
    }
}

/// The plain files under `resources/` and their variables.
fn resources(out: &mut String, resources: &[LockedResource]) {
    if resources.is_empty() {
        return;
    }
    out.push_str(
        "\nPlain files the far side needs are in resources/, checked like the rest.\n\
         Point these variables at where they are served (with --serve-url,\n\
         clearml.env and the other clearml files here do that for you):\n\n",
    );
    for resource in resources {
        let _ = writeln!(
            out,
            "  {}={}  ({})",
            resource.env,
            resource_path(resource),
            resource.name
        );
    }
}

/// The generated ClearML files and the variables they set.
fn far_side_files(out: &mut String, far_side: &FarSide, resources: &[LockedResource]) {
    out.push_str(
        "\nServed at the location given to --serve-url, the far side needs:\n\n\
         \x20 clearml.env                          the variables, for docker --env-file or a shell\n\
         \x20 clearml-agent-values.override.yaml   for the ClearML Agent Helm chart (helm ... -f)\n\
         \x20 clearml.conf.snippet                 agent.extra_docker_arguments for clearml.conf\n\n",
    );
    for (name, value) in far_side.variables(resources) {
        let _ = writeln!(out, "  {name}={value}");
    }
}

/// The packages the target builds from source, and what that needs.
fn source_builds_section(out: &mut String, source_builds: &[SourceBuild]) {
    if source_builds.is_empty() {
        return;
    }
    out.push_str(
        "\nThese packages have no wheel for a target and are built from source on it\n\
         (their build requirements are in this folder too):\n\n",
    );
    for build in source_builds {
        let _ = writeln!(
            out,
            "  {} {} ({}): {}{}",
            build.package,
            build.version,
            build.targets.join(", "),
            if build.needs_compiler {
                "needs a C compiler on the target"
            } else {
                "pure Python, no compiler needed"
            },
            if build.build_requirements_locked {
                ""
            } else {
                "; ITS BUILD REQUIREMENTS ARE NOT HERE: pip cannot build it without an index"
            }
        );
    }
}
