//! Virtual environments for tests that install with pip.
//!
//! `python -m venv` with pip runs `ensurepip`, which installs pip into the
//! new venv and compiles it: seconds of CPU per venv, more than some tests
//! spend on what they test. These venvs are made without pip, and the
//! host's pip installs into them through `--python` (pip 22.3 and newer);
//! pip then runs inside the venv's interpreter, as the venv's own would.
//! Where the host's pip is older, the venv gets its own pip the slow way.
//!
//! The host interpreter is found once, by asking `python3` for its real
//! path: a version manager's `python3` (pyenv's shim is a chain of shell
//! scripts) would otherwise cost a fraction of a second on every call.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The real path of the `python3` on `PATH`, or `None` where none runs.
pub fn host_python() -> Option<&'static Path> {
    static HOST: OnceLock<Option<PathBuf>> = OnceLock::new();
    HOST.get_or_init(|| {
        let output = Command::new("python3")
            .args([
                "-c",
                "import os, sys; print(os.path.realpath(sys.executable))",
            ])
            .output()
            .ok()?;
        let path = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        (output.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
    })
    .as_deref()
}

/// Whether the host's pip knows `--python` (22.3 or newer).
fn host_pip_runs_other_pythons(host: &Path) -> bool {
    static KNOWS: OnceLock<bool> = OnceLock::new();
    *KNOWS.get_or_init(|| {
        let Ok(output) = Command::new(host)
            .args(["-c", "import pip; print(pip.__version__)"])
            .output()
        else {
            return false;
        };
        let version = String::from_utf8_lossy(&output.stdout);
        let mut parts = version.trim().split('.').map(|part| part.parse::<u32>());
        match (parts.next(), parts.next()) {
            (Some(Ok(major)), Some(Ok(minor))) => (major, minor) >= (22, 3),
            _ => false,
        }
    })
}

/// A venv at a path, and how to run pip for it.
#[derive(Debug, Clone)]
pub struct Venv {
    root: PathBuf,
    python: PathBuf,
    /// The host interpreter whose pip installs here; `None` when the venv
    /// has its own pip.
    host_pip: Option<PathBuf>,
}

impl Venv {
    /// Makes a venv of `base` (a Python interpreter; `None` for the host's
    /// `python3`) at `root`. The error says what failed, for a skip.
    pub fn create(base: Option<&Path>, root: &Path) -> Result<Venv, String> {
        let host = host_python().ok_or("python3 does not run here")?;
        let base = base.unwrap_or(host);
        let host_pip = host_pip_runs_other_pythons(host).then(|| host.to_path_buf());
        let mut command = Command::new(base);
        command.args(["-m", "venv"]);
        if host_pip.is_some() {
            command.arg("--without-pip");
        }
        let output = command
            .arg(root)
            .output()
            .map_err(|error| format!("{} cannot run: {error}", base.display()))?;
        if !output.status.success() {
            return Err(format!(
                "`{} -m venv` failed: {}",
                base.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(Venv {
            root: root.to_path_buf(),
            python: root.join("bin/python"),
            host_pip,
        })
    }

    /// The venv's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The venv's interpreter.
    pub fn python(&self) -> &Path {
        &self.python
    }

    /// The words that run pip for this venv (program first).
    pub fn pip_argv(&self) -> Vec<OsString> {
        match &self.host_pip {
            Some(host) => vec![
                host.into(),
                "-m".into(),
                "pip".into(),
                "--python".into(),
                self.python.clone().into(),
            ],
            None => vec![self.python.clone().into(), "-m".into(), "pip".into()],
        }
    }

    /// pip for this venv, as a command to add arguments to.
    pub fn pip(&self) -> Command {
        let argv = self.pip_argv();
        let mut command = Command::new(&argv[0]);
        command.args(&argv[1..]);
        command
    }

    /// pip for this venv as one line of POSIX shell, each word quoted.
    pub fn pip_shell(&self) -> String {
        self.pip_argv()
            .iter()
            .map(|word| format!("'{}'", word.to_string_lossy().replace('\'', r"'\''")))
            .collect::<Vec<_>>()
            .join(" ")
    }
}
