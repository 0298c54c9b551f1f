//! Shared helpers of the integration tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh temporary folder and an `envlock` command that runs inside it,
/// isolated from the developer's environment (cache, index settings, pip
/// configuration).
pub struct TestDir {
    root: tempfile::TempDir,
}

impl TestDir {
    /// Creates the folder.
    pub fn new() -> TestDir {
        TestDir {
            root: tempfile::tempdir().expect("temporary folder"),
        }
    }

    /// The folder's path.
    pub fn path(&self) -> &Path {
        self.root.path()
    }

    /// A path inside the folder.
    #[allow(dead_code)]
    pub fn join(&self, relative: &str) -> PathBuf {
        self.root.path().join(relative)
    }

    /// An `envlock` command that runs in the folder with a private cache and
    /// no index configuration inherited from the environment.
    pub fn envlock(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_envlock"));
        command
            .current_dir(self.path())
            .env("ENVLOCK_CACHE_DIR", self.path().join(".cache"))
            .env("NO_COLOR", "1")
            // The fixture servers speak plain http on 127.0.0.1, which is
            // refused unless allowed (tests/integration/hostile.rs checks that).
            .env("ENVLOCK_ALLOW_INSECURE_HOST", "127.0.0.1")
            .env_remove("ENVLOCK_REQUEST_TIMEOUT")
            .env_remove("ENVLOCK_PAGE_MAX_AGE")
            .env_remove("PIP_TRUSTED_HOST")
            .env_remove("ENVLOCK_INDEX_URL")
            .env_remove("PIP_INDEX_URL")
            .env_remove("PIP_EXTRA_INDEX_URL")
            .env("PIP_CONFIG_FILE", "/dev/null");
        command
    }
}

/// Defines a test that gets a fresh [`TestDir`]:
/// `envlock_test!(name, |dir| { ... })`.
macro_rules! envlock_test {
    ($name:ident, |$dir:ident| $body:block) => {
        #[test]
        fn $name() {
            let $dir = $crate::util::TestDir::new();
            $body
        }
    };
}

/// Runs a command and returns (exit code, stdout, stderr) as text.
pub fn run(mut command: Command) -> (i32, String, String) {
    let output = command.output().expect("envlock runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs a command that must succeed (the failure shows its stderr) and
/// returns its stdout.
pub fn run_ok(command: Command) -> String {
    let (code, stdout, stderr) = run(command);
    assert_eq!(code, 0, "{stderr}");
    stdout
}

/// `envlock lock` of the folder's `envlock.toml` against the index at
/// `index_url`, which must succeed.
pub fn lock_ok(dir: &TestDir, index_url: &str) {
    let mut command = dir.envlock();
    command.args(["lock", "--index-url", index_url]);
    run_ok(command);
}

/// `envlock --index-url URL wheelhouse ARGS…` in the folder, which must
/// succeed.
pub fn wheelhouse_ok(dir: &TestDir, index_url: &str, args: &[&str]) {
    let mut command = dir.envlock();
    command
        .args(["--index-url", index_url, "wheelhouse"])
        .args(args);
    run_ok(command);
}

/// A tar.gz of (path, text) entries.
pub fn sdist(files: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for &(path, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, path, text.as_bytes())
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// A zip of `(path, text)` entries: a hand-made wheel.
pub fn zip_archive(files: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write as _;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (path, text) in files {
        writer
            .start_file(*path, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(text.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Whether `unshare -n` (a network namespace with no network) works here.
pub fn unshare_permitted() -> bool {
    Command::new("unshare")
        .args(["-n", "true"])
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Runs `sha256sum -c SHA256SUMS` in a wheelhouse, as the far side would,
/// where the tool exists.
pub fn check_with_sha256sum(wheelhouse: &Path) {
    if let Ok(output) = Command::new("sha256sum")
        .args(["-c", "--quiet", "SHA256SUMS"])
        .current_dir(wheelhouse)
        .output()
    {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

/// Snapshots `text` (a whole output) under `name`, with what varies from run
/// to run replaced: the test's folder, other temporary folders, the fixture
/// server's port and durations.
pub fn assert_output(dir: &TestDir, name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    for path in [
        Some(dir.path().to_path_buf()),
        dir.path().canonicalize().ok(),
    ]
    .into_iter()
    .flatten()
    {
        settings.add_filter(&escape(&path.display().to_string()), "[DIR]");
    }
    settings.add_filter(r"/[^\s`'\x22]*/\.tmp[A-Za-z0-9]{6}", "[TMP]");
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]");
    settings.add_filter(r"\b\d+(\.\d+)?\s?(ms|s|µs)\b", "[TIME]");
    settings.add_filter(r#""seconds": [0-9.e-]+"#, r#""seconds": "[SECONDS]""#);
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// `text` as a regular expression that matches it literally.
fn escape(text: &str) -> String {
    let mut escaped = String::new();
    for character in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(character) {
            escaped.push('\\');
        }
        escaped.push(character);
    }
    escaped
}

/// Whether `python3` runs here (to run a build backend); says so when it
/// does not.
pub(crate) fn python3_available() -> bool {
    let available = envlock_test::venv::host_python().is_some();
    if !available {
        envlock_test::skip("python3 is not available to run the build backend");
    }
    available
}
