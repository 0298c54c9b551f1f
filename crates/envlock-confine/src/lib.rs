//! Running an sdist's build steps confined: a scrubbed environment, a
//! private home, a deadline that kills the whole process group, and (for
//! the backend itself) no network where the platform allows it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// What a confined step printed, and how it ended.
pub struct Finished {
    /// How it exited.
    pub status: ExitStatus,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

/// Why a confined step did not finish.
pub enum Unfinished {
    /// It ran past its deadline and was killed.
    TimedOut,
    /// It could not be started or watched.
    Io(String),
}

/// A fixed time for every build (1980-01-01, the zip format's first day),
/// so that what a backend stamps does not depend on when envlock ran.
const SOURCE_DATE_EPOCH: &str = "315532800";

/// Clears the environment `command` inherits and sets only what a build
/// needs: PATH, a private HOME and TMPDIR under `home`, a UTF-8 locale and
/// SOURCE_DATE_EPOCH. No index URL, credential, `ENVLOCK_*` or `PIP_*`
/// variable of the user's reaches it; pip's configuration files are hidden
/// too (the private HOME, `PIP_CONFIG_FILE` set to the null device).
pub fn scrub(command: &mut Command, home: &Path) -> Result<(), String> {
    let temporary = home.join("tmp");
    std::fs::create_dir_all(&temporary)
        .map_err(|error| format!("cannot create {}: {error}", temporary.display()))?;
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    #[cfg(windows)]
    for name in ["SYSTEMROOT", "COMSPEC", "PATHEXT"] {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    command
        .env("HOME", home)
        .env("USERPROFILE", home)
        .env("TMPDIR", &temporary)
        .env("TEMP", &temporary)
        .env("TMP", &temporary)
        .env("LANG", "C.UTF-8")
        .env("LC_ALL", "C.UTF-8")
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PIP_CONFIG_FILE", null_device())
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_NO_INPUT", "1");
    Ok(())
}

fn null_device() -> &'static str {
    if cfg!(windows) { "nul" } else { "/dev/null" }
}

/// The command that runs `program` with no network: `unshare -n` (as root
/// or with the capability), else `unshare -rn` (a user namespace), when
/// either works here. Checked once; when neither does, says so once and
/// runs `program` as it is.
pub fn without_network(program: &Path) -> Command {
    match network_isolation() {
        Some(prefix) => {
            let mut command = Command::new("unshare");
            command.args(*prefix).arg("--").arg(program);
            command
        }
        None => Command::new(program),
    }
}

/// Whether builds run without network here (for messages and tests).
pub fn network_isolated() -> bool {
    network_isolation().is_some()
}

fn network_isolation() -> &'static Option<&'static [&'static str]> {
    static ANSWER: OnceLock<Option<&'static [&'static str]>> = OnceLock::new();
    ANSWER.get_or_init(|| {
        const CHOICES: [&[&str]; 2] = [&["-n"], &["-r", "-n"]];
        let works = |prefix: &[&str]| {
            cfg!(target_os = "linux")
                && Command::new("unshare")
                    .args(prefix)
                    .arg("true")
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|status| status.success())
        };
        let found = CHOICES.into_iter().find(|prefix| works(prefix));
        if found.is_none() {
            say_network_open();
        }
        found
    })
}

fn say_network_open() {
    // A closed standard error is no reason to stop (`eprintln!` would panic).
    let _ = writeln!(
        std::io::stderr().lock(),
        "note: sdist builds run with network access: `unshare -n` (a network namespace) is not available or not permitted here"
    );
}

/// Runs `command` until it ends or `timeout` passes; then its whole
/// process group is killed. Output goes through files in `work`, so a
/// chatty build cannot fill a pipe and stall.
pub fn run(command: &mut Command, work: &Path, timeout: Duration) -> Result<Finished, Unfinished> {
    let io = |error: std::io::Error| Unfinished::Io(error.to_string());
    let stdout_path = work.join(".build-stdout");
    let stderr_path = work.join(".build-stderr");
    command
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).map_err(io)?)
        .stderr(std::fs::File::create(&stderr_path).map_err(io)?);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        command.process_group(0);
    }
    let child = command.spawn().map_err(io)?;
    let status = wait_or_kill(child, timeout)?;
    let read = |path: &Path| {
        String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
    };
    Ok(Finished {
        status,
        stdout: read(&stdout_path),
        stderr: read(&stderr_path),
    })
}

/// Waits for `child` to end, or kills its process group once `timeout`
/// has passed. The wait is a blocking one on a thread of its own, so the
/// end of a step is seen at once: polling for it every 25 ms, as this once
/// did, put 12 ms on average after every build step on the way to a lock.
fn wait_or_kill(
    mut child: std::process::Child,
    timeout: Duration,
) -> Result<ExitStatus, Unfinished> {
    let id = child.id();
    let (ended, end) = std::sync::mpsc::channel();
    let waiter = std::thread::Builder::new()
        .name("envlock-build-wait".to_owned())
        .spawn(move || {
            let status = child.wait();
            let _ = ended.send(());
            status
        })
        .map_err(|error| Unfinished::Io(error.to_string()))?;
    if end.recv_timeout(timeout).is_err() {
        kill_group(id);
        // The group is killed: its leader ends, and the waiter with it. A
        // process that survives that leaves the waiter behind, not the run.
        let _ = end.recv_timeout(KILLED_GRACE);
        return Err(Unfinished::TimedOut);
    }
    match waiter.join() {
        Ok(status) => status.map_err(|error| Unfinished::Io(error.to_string())),
        Err(_) => Err(Unfinished::Io(
            "the thread waiting for a build step failed".to_owned(),
        )),
    }
}

/// How long a killed step is given to end before the run goes on.
const KILLED_GRACE: Duration = Duration::from_secs(10);

/// Kills the process group `id` leads (the child and what it started).
fn kill_group(id: u32) {
    #[cfg(unix)]
    let mut kill = {
        let mut kill = Command::new("kill");
        kill.args(["-s", "KILL", "--", &format!("-{id}")]);
        kill
    };
    #[cfg(not(unix))]
    let mut kill = {
        let mut kill = Command::new("taskkill");
        kill.args(["/PID", &id.to_string(), "/T", "/F"]);
        kill
    };
    let _ = kill.stdout(Stdio::null()).stderr(Stdio::null()).status();
}

/// The interpreters already asked: what `python` stands for.
fn known_interpreters()
-> std::sync::MutexGuard<'static, std::collections::HashMap<PathBuf, PathBuf>> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static KNOWN: OnceLock<Mutex<HashMap<PathBuf, PathBuf>>> = OnceLock::new();
    KNOWN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The interpreter file `python` stands for (`sys.executable`), asked once
/// with the full environment: a launcher such as a pyenv shim finds its
/// Python through variables a scrubbed environment no longer has. When it
/// cannot be asked, `python` itself.
pub fn real_interpreter(python: &Path) -> PathBuf {
    known_interpreters()
        .entry(python.to_path_buf())
        .or_insert_with(|| {
            Command::new(python)
                .args(["-c", "import sys; print(sys.executable)"])
                .stdin(Stdio::null())
                .output()
                .ok()
                .filter(|output| output.status.success())
                .and_then(|output| usable_interpreter(&String::from_utf8_lossy(&output.stdout)))
                .unwrap_or_else(|| python.to_path_buf())
        })
        .clone()
}

/// Records what `python` stands for, when a caller that ran it anyway
/// learnt its `sys.executable` (printed as `executable`): the next
/// [`real_interpreter`] need not start a launcher again. An executable
/// that is not a file is not recorded.
pub fn remember_interpreter(python: &Path, executable: &str) {
    if let Some(real) = usable_interpreter(executable) {
        known_interpreters()
            .entry(python.to_path_buf())
            .or_insert(real);
    }
}

fn usable_interpreter(executable: &str) -> Option<PathBuf> {
    let path = executable.trim();
    (!path.is_empty() && Path::new(path).is_file()).then(|| PathBuf::from(path))
}
