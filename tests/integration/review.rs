//! `envlock diff`, `envlock why` and `envlock export`: what a reviewer and a
//! CI script see, and that the exports install.

use std::path::PathBuf;
use std::process::Command;

use envlock_test::{FixtureServer, ServerOptions};

use crate::universe::{SPEC, universe};
use crate::util::{TestDir, assert_output, run};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("crates/envlock-lock/tests/fixtures")
        .join(name)
}

fn envlock(dir: &TestDir, args: &[&str]) -> (i32, String, String) {
    let mut command = dir.envlock();
    command.args(args);
    run(command)
}

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

envlock_test!(diff_exits_like_diff, |dir| {
    let (code, stdout, _) = envlock(
        &dir,
        &["diff", &path("diff-old.lock"), &path("diff-old.lock")],
    );
    assert_eq!((code, stdout.as_str()), (0, "The locks are the same.\n"));
    let (code, stdout, stderr) = envlock(
        &dir,
        &["diff", &path("diff-old.lock"), &path("diff-new.lock")],
    );
    assert_eq!(code, 1, "{stderr}");
    insta::assert_snapshot!("diff_table", stdout);
    let (code, _, stderr) = envlock(
        &dir,
        // A short relative path, so the message is not wrapped differently
        // in a deeper checkout.
        &["diff", "no-such.lock", &path("diff-new.lock")],
    );
    assert_eq!(code, 2);
    assert_output(&dir, "diff_error_no_such_lock", &stderr);
});

envlock_test!(diff_speaks_markdown_and_json, |dir| {
    let (code, markdown, _) = envlock(
        &dir,
        &[
            "diff",
            "--format",
            "markdown",
            &path("diff-old.lock"),
            &path("diff-new.lock"),
        ],
    );
    assert_eq!(code, 1);
    // The tampered file comes first, loudly.
    insta::assert_snapshot!("diff_markdown", markdown);
    let (code, json, _) = envlock(
        &dir,
        &[
            "diff",
            "--format",
            "json",
            &path("diff-old.lock"),
            &path("diff-new.lock"),
        ],
    );
    assert_eq!(code, 1);
    insta::assert_snapshot!("diff_json", json);
});

envlock_test!(diff_reads_git_revisions, |dir| {
    let git = |args: &[&str]| {
        Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(dir.path())
            .output()
    };
    if git(&["init", "-q"]).is_err() {
        envlock_test::skip("git is not available");
        return;
    }
    std::fs::copy(fixture("diff-old.lock"), dir.join("envlock.lock")).unwrap();
    git(&["add", "envlock.lock"]).unwrap();
    assert!(git(&["commit", "-qm", "lock"]).unwrap().status.success());
    std::fs::copy(fixture("diff-new.lock"), dir.join("envlock.lock")).unwrap();
    // A revision reads as the same file on disk would.
    let (code, stdout, stderr) = envlock(&dir, &["diff", "HEAD:envlock.lock", "envlock.lock"]);
    assert_eq!(code, 1, "{stderr}");
    let files = ["diff", &path("diff-old.lock"), &path("diff-new.lock")];
    assert_eq!(stdout, envlock(&dir, &files).1);
    let (code, json, _) = envlock(
        &dir,
        &["diff", "--git", "HEAD", "envlock.lock", "--format", "json"],
    );
    assert_eq!(code, 1);
    let files = [
        "diff",
        "--format",
        "json",
        &path("diff-old.lock"),
        &path("diff-new.lock"),
    ];
    assert_eq!(json, envlock(&dir, &files).1);
    let (code, _, stderr) = envlock(&dir, &["diff", "NOPE:envlock.lock", "envlock.lock"]);
    assert_eq!(code, 2);
    assert_output(&dir, "diff_error_bad_revision", &stderr);
});

envlock_test!(why_shows_every_path_with_its_gate, |dir| {
    let lock = path("marker-gate.lock");
    let (code, stdout, stderr) = envlock(&dir, &["why", "werkzeug", "--lock", &lock]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("why_werkzeug", stdout);
    let (code, stdout, _) = envlock(
        &dir,
        &[
            "why",
            "werkzeug",
            "--lock",
            &lock,
            "--target",
            "cp312-manylinux_2_28_x86_64",
        ],
    );
    assert_eq!(code, 0);
    insta::assert_snapshot!("why_werkzeug_one_target", stdout);
    let (code, stdout, _) = envlock(&dir, &["why", "no-such-package", "--lock", &lock]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("why_not_in_the_lock", stdout);
});

/// Locks the fixture universe, for the export tests.
fn locked(dir: &TestDir, server: &FixtureServer) {
    std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
    let (code, _, stderr) = envlock(dir, &["lock", "--index-url", &server.index_url()]);
    assert_eq!(code, 0, "{stderr}");
}

envlock_test!(requirements_export_installs_with_require_hashes, |dir| {
    let server = FixtureServer::start(universe(), ServerOptions::default()).unwrap();
    locked(&dir, &server);
    // Only the 3.12 target: one file for one interpreter.
    let (code, requirements, stderr) = envlock(
        &dir,
        &[
            "export",
            "--target",
            "cp312-manylinux_2_28_x86_64",
            "-o",
            "requirements.txt",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(requirements.is_empty());
    let text = std::fs::read_to_string(dir.join("requirements.txt")).unwrap();
    assert!(
        text.contains("flask==3.0.3") && text.contains("--hash=sha256:"),
        "{text}"
    );
    // pip picks files for the Python it runs on: install with a 3.12.
    let Some(python) = python_3_12() else {
        envlock_test::skip(
            "no CPython 3.12 here (python3.12 on PATH or under ~/.pyenv/versions) to install the 3.12 export with",
        );
        return;
    };
    let venv = match envlock_test::Venv::create(Some(&python), &dir.join("venv")) {
        Ok(venv) => venv,
        Err(error) => {
            envlock_test::skip(error);
            return;
        }
    };
    // The sdist-only package needs a build backend that this offline
    // fixture index does not have; install the rest.
    let wheels_only: String = text
        .split("\n\n")
        .filter(|block| !block.starts_with("pyperclip"))
        .collect::<Vec<_>>()
        .join("\n\n");
    std::fs::write(dir.join("wheels.txt"), wheels_only).unwrap();
    let output = venv
        .pip()
        .args([
            "install",
            "--disable-pip-version-check",
            "--require-hashes",
            "--index-url",
            &server.index_url(),
            "-r",
        ])
        .arg(dir.join("wheels.txt"))
        .env("PIP_CONFIG_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let freeze = venv.pip().arg("freeze").output().unwrap();
    let freeze = String::from_utf8_lossy(&freeze.stdout).to_lowercase();
    assert!(
        freeze.contains("flask==3.0.3") && freeze.contains("werkzeug==3.0.6"),
        "{freeze}"
    );
});

envlock_test!(pylock_export_has_paths_or_index_urls, |dir| {
    let server = FixtureServer::start(universe(), ServerOptions::default()).unwrap();
    locked(&dir, &server);
    let (code, text, stderr) = envlock(&dir, &["export", "--format", "pylock", "--wheelhouse"]);
    assert_eq!(code, 0, "{stderr}");
    let pylock: toml::Table = toml::from_str(&text).unwrap();
    assert_eq!(pylock["lock-version"].as_str(), Some("1.0"));
    let files = |pylock: &toml::Table, key: &str| -> Vec<String> {
        pylock["packages"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|package| {
                let wheels = package
                    .get("wheels")
                    .and_then(|wheels| wheels.as_array())
                    .cloned()
                    .unwrap_or_default();
                wheels.into_iter().chain(package.get("sdist").cloned())
            })
            .filter_map(|file| {
                file.get(key)
                    .and_then(|value| value.as_str())
                    .map(str::to_owned)
            })
            .collect()
    };
    let paths = files(&pylock, "path");
    assert!(
        paths.len() >= 8 && paths.iter().all(|path| path.starts_with("./")),
        "{paths:?}"
    );
    let (code, text, stderr) = envlock(
        &dir,
        &[
            "export",
            "--format",
            "pylock",
            "--index-url",
            &server.index_url(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let pylock: toml::Table = toml::from_str(&text).unwrap();
    let urls = files(&pylock, "url");
    assert_eq!(urls.len(), paths.len());
    assert!(
        urls.iter().all(|url| url.starts_with(&server.base_url())),
        "{urls:?}"
    );
});

/// A CPython 3.12 interpreter, if this machine has one.
fn python_3_12() -> Option<PathBuf> {
    let reports_3_12 = |candidate: &PathBuf| {
        Command::new(candidate)
            .args(["-c", "import sys; print(sys.version_info[:2] == (3, 12))"])
            .output()
            .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "True")
    };
    let on_path = PathBuf::from("python3.12");
    if reports_3_12(&on_path) {
        return Some(on_path);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from)?;
    let mut versions: Vec<PathBuf> = std::fs::read_dir(home.join(".pyenv/versions"))
        .ok()?
        .flatten()
        .map(|entry| entry.path().join("bin/python3"))
        .collect();
    versions.sort();
    versions.into_iter().find(reports_3_12)
}
