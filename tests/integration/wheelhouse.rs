//! `envlock wheelhouse` and `envlock verify` against the fixture index: a
//! wheelhouse installs with pip and no network, faults leave nothing
//! unverified behind, rebuilds come from the cache, archives are
//! reproducible, and a damaged carry is caught.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use envlock_test::{Fault, FixtureFile, FixtureServer, ServerOptions};

use crate::universe::universe;
use crate::util::{TestDir, check_with_sha256sum, run, unshare_permitted};

/// The Python the tests install with, as `3.X`; asked once.
pub(crate) fn host_python() -> Option<String> {
    static VERSION: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    VERSION
        .get_or_init(|| {
            let python = envlock_test::venv::host_python()?;
            let output = Command::new(python)
                .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
                .output()
                .ok()?;
            output
                .status
                .success()
                .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        })
        .clone()
}

/// `text` with the host's Python (`3.X`, and `cpXY` in tags and target
/// names) written as `[PY]`, for snapshots that hold on any host.
fn without_host_python(text: &str, python: &str) -> String {
    text.replace(&format!("cp{}", python.replace('.', "")), "cp[PY]")
        .replace(python, "[PY]")
}

pub(crate) fn target_name(python: &str) -> String {
    format!("cp{}-manylinux_2_28_x86_64", python.replace('.', ""))
}

/// Writes the spec (for the host's Python and one macOS target) and locks it.
fn locked(dir: &TestDir, server: &FixtureServer, python: &str) {
    locked_with(
        dir,
        server,
        python,
        r#""flask", "tqdm", "purecli", "native", "bigpkg""#,
    );
}

/// The universe served and locked for the host's Python; `None` (having
/// said why) where python3 does not run, since the wheelhouse tests
/// install or build with it.
fn locked_universe(dir: &TestDir) -> Option<(FixtureServer, String)> {
    let Some(python) = host_python() else {
        envlock_test::skip("python3 does not run here");
        return None;
    };
    let server = FixtureServer::start(universe(), ServerOptions::default()).unwrap();
    locked(dir, &server, &python);
    Some((server, python))
}

/// [`locked_universe`], then a wheelhouse of it built from the server into
/// `wh`.
fn built_universe(dir: &TestDir) -> Option<FixtureServer> {
    let (server, _) = locked_universe(dir)?;
    let (code, _, stderr) = wheelhouse(dir, Some(&server.index_url()), &[]);
    assert_eq!(code, 0, "{stderr}");
    Some(server)
}

/// Like [`locked`], with these requirements (TOML strings, comma-separated).
fn locked_with(dir: &TestDir, server: &FixtureServer, python: &str, requirements: &str) {
    std::fs::write(
        dir.join("envlock.toml"),
        format!(
            "name = \"kit\"\nrequirements = [{requirements}]\ncarry-pip = false\n\
             [[targets]]\npython = \"{python}\"\nplatform = \"manylinux_2_28_x86_64\"\n\
             [[targets]]\npython = \"{python}\"\nplatform = \"macos\"\n"
        ),
    )
    .unwrap();
    let mut command = dir.envlock();
    command.args(["lock", "--index-url", &server.index_url()]);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 0, "{stderr}");
}

fn wheelhouse(dir: &TestDir, index_url: Option<&str>, extra: &[&str]) -> (i32, String, String) {
    let mut command = dir.envlock();
    if let Some(url) = index_url {
        command.args(["--index-url", url]);
    }
    command
        .args([
            "wheelhouse",
            "envlock.lock",
            "--platform",
            "manylinux",
            "-o",
            "wh",
        ])
        .args(extra);
    run(command)
}

/// A wheelhouse of the lock into `output`, with `--offline` and no index.
fn offline_wheelhouse(dir: &TestDir, output: &str, extra: &[&str]) -> (i32, String, String) {
    let mut command = dir.envlock();
    command
        .args([
            "--offline",
            "wheelhouse",
            "envlock.lock",
            "--platform",
            "manylinux",
            "-o",
            output,
        ])
        .args(extra);
    run(command)
}

pub(crate) fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub(crate) fn file_requests(server: &FixtureServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|request| request.path.starts_with("/files/"))
        .count()
}

envlock_test!(downloads_take_turns_over_four_connections, |dir| {
    let Some((server, _)) = locked_universe(&dir) else {
        return;
    };
    // One download at a time, so that a single client would carry them
    // over its kept-alive connections.
    server.clear_requests();
    let (code, _, stderr) = wheelhouse(&dir, Some(&server.index_url()), &["--jobs", "1"]);
    assert_eq!(code, 0, "{stderr}");
    let downloads: Vec<usize> = server
        .requests()
        .iter()
        .filter(|request| request.path.starts_with("/files/"))
        .map(|request| request.connection)
        .collect();
    assert!(downloads.len() >= 4, "{downloads:?}");
    // One client would have at most three connections open (two page
    // look-ups and one download at a time); the downloads alone use four.
    // (The first client's page look-ups may make it open a second one.)
    let connections: std::collections::BTreeSet<usize> = downloads.iter().copied().collect();
    assert!(connections.len() >= 4, "{downloads:?}");
});

envlock_test!(wheelhouse_installs_with_pip_and_no_network, |dir| {
    let Some((server, python)) = locked_universe(&dir) else {
        return;
    };
    let (code, stdout, stderr) = wheelhouse(&dir, Some(&server.index_url()), &["--json"]);
    assert_eq!(code, 0, "{stderr}");
    let wh = dir.join("wh");
    let names = names_in(&wh);
    for expected in [
        "README.txt",
        "SHA256SUMS",
        "envlock.lock",
        "flask-3.0.3-py3-none-any.whl",
        "native-1.0.tar.gz",
        "purecli-1.0.tar.gz",
        "pylock.toml",
        "requirements.txt",
        "simple",
        "tinybackend-1.0-py3-none-any.whl",
        "wheelhouse.toml",
    ] {
        assert!(
            names.contains(&expected.to_owned()),
            "{expected}: {names:?}"
        );
    }
    assert!(
        !names.iter().any(|name| name.starts_with(".envlock-")),
        "{names:?}"
    );
    // Only the manylinux target was asked for.
    let manifest = std::fs::read_to_string(wh.join("wheelhouse.toml")).unwrap();
    assert!(manifest.contains(&target_name(&python)), "{manifest}");
    assert!(!manifest.contains("macosx"), "{manifest}");
    // The lock is carried byte for byte.
    assert_eq!(
        std::fs::read(wh.join("envlock.lock")).unwrap(),
        std::fs::read(dir.join("envlock.lock")).unwrap()
    );
    // The summary says what is built on the target and what needs a compiler.
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let builds = summary["wheelhouse"]["source_builds"].as_array().unwrap();
    let needs: Vec<(String, bool)> = builds
        .iter()
        .map(|build| {
            (
                build["package"].as_str().unwrap().to_owned(),
                build["needs_compiler"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        needs,
        [("native".to_owned(), true), ("purecli".to_owned(), false)]
    );
    // Their build requirements were locked, and are in the wheelhouse.
    assert!(
        builds
            .iter()
            .all(|build| build["build_requirements_locked"] == true),
        "{summary}"
    );
    assert!(
        stderr.contains("native 1.0") && stderr.contains("needs a C compiler"),
        "{stderr}"
    );
    // The static index links to the flat files with their hashes.
    let page = std::fs::read_to_string(wh.join("simple/purecli/index.html")).unwrap();
    assert!(
        page.contains("href=\"../../purecli-1.0.tar.gz#sha256="),
        "{page}"
    );
    // Standard tools check the carry.
    check_with_sha256sum(&wh);
    let mut verify = dir.envlock();
    verify.args(["verify", "wh"]);
    let (code, _, stderr) = run(verify);
    assert_eq!(code, 0, "{stderr}");

    // The far side: no network at all.
    if !unshare_permitted() {
        envlock_test::skip("`unshare -n` is not permitted here; the offline install was not run");
        return;
    }
    for (venv, index_args) in [
        (
            "venv-find-links",
            vec![
                "--no-index".to_owned(),
                "--find-links".to_owned(),
                wh.display().to_string(),
            ],
        ),
        (
            "venv-simple",
            vec![
                "--index-url".to_owned(),
                format!("file://{}/simple", wh.display()),
            ],
        ),
    ] {
        install_offline(&dir.join(venv), &index_args, &wh);
    }
});

/// Creates a venv and installs the wheelhouse's requirements into it inside
/// a network namespace with no network, then runs `pip check`.
fn install_offline(venv: &Path, index_args: &[String], wh: &Path) {
    let venv = envlock_test::Venv::create(None, venv).unwrap();
    let output = Command::new("unshare")
        .arg("-n")
        .args(venv.pip_argv())
        .args(["install", "--disable-pip-version-check", "--require-hashes"])
        .args(index_args)
        .arg("-r")
        .arg(wh.join("requirements.txt"))
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_EXTRA_INDEX_URL")
        .env_remove("PIP_FIND_LINKS")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let check = Command::new("unshare")
        .arg("-n")
        .args(venv.pip_argv())
        .args(["check", "--disable-pip-version-check"])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let imported = Command::new(venv.python())
        .args(["-c", "import flask, purecli, native; print(native.NAME)"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&imported.stdout).trim(), "native");
}

envlock_test!(faults_leave_nothing_unverified_and_a_rerun_resumes, |dir| {
    let Some(python) = host_python() else {
        envlock_test::skip("python3 does not run here");
        return;
    };
    let lock_server = FixtureServer::start(universe(), ServerOptions::default()).unwrap();
    locked(&dir, &lock_server, &python);
    drop(lock_server);

    // Transient faults are retried: two 500s, a dropped connection and a
    // truncated body, each on a different file.
    let transient = ServerOptions {
        faults: vec![
            Fault::Status {
                path: "/files/flask-".to_owned(),
                status: 500,
                times: 2,
            },
            Fault::DropConnection {
                path: "/files/werkzeug-".to_owned(),
                times: 1,
            },
            Fault::TruncateBody {
                path: "/files/tqdm-".to_owned(),
                times: 1,
            },
        ],
        ..ServerOptions::default()
    };
    let server = FixtureServer::start(universe(), transient).unwrap();
    let (code, _, stderr) = wheelhouse(&dir, Some(&server.index_url()), &[]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::remove_dir_all(dir.join("wh")).unwrap();
    std::fs::remove_dir_all(dir.join(".cache")).unwrap();

    // A file served with a wrong byte, every time: a loud error naming the
    // file and both hashes; nothing unverified in the folder, no SHA256SUMS.
    let tampered = ServerOptions {
        faults: vec![Fault::WrongBody {
            path: "/files/purecli-".to_owned(),
            times: usize::MAX,
        }],
        ..ServerOptions::default()
    };
    let server = FixtureServer::start(universe(), tampered).unwrap();
    let (code, _, stderr) = wheelhouse(&dir, Some(&server.index_url()), &[]);
    assert_eq!(code, 1, "{stderr}");
    let expected = universe()
        .find_file("purecli-1.0.tar.gz")
        .unwrap()
        .1
        .sha256();
    assert!(
        stderr.contains("purecli-1.0.tar.gz") && stderr.contains(&expected),
        "{stderr}"
    );
    let names = names_in(&dir.join("wh"));
    assert!(
        !names.contains(&"purecli-1.0.tar.gz".to_owned()),
        "{names:?}"
    );
    assert!(!names.contains(&"SHA256SUMS".to_owned()), "{names:?}");
    assert!(
        !names.iter().any(|name| name.starts_with(".envlock-")),
        "{names:?}"
    );
    assert!(names.contains(&"flask-3.0.3-py3-none-any.whl".to_owned()));
    let mut verify = dir.envlock();
    verify.args(["verify", "wh"]);
    let (code, _, stderr) = run(verify);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("did not finish"), "{stderr}");

    // The index heals (a new server, at a new address: the lock holds no
    // URLs); the rerun fetches only the missing file.
    drop(server);
    let healed = FixtureServer::start(universe(), ServerOptions::default()).unwrap();
    let (code, _, stderr) = wheelhouse(&dir, Some(&healed.index_url()), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(file_requests(&healed), 1, "{:?}", healed.requests());
});

envlock_test!(
    rebuilds_come_from_the_cache_and_archives_are_reproducible,
    |dir| {
        let Some(server) = built_universe(&dir) else {
            return;
        };
        server.clear_requests();

        // Offline, with no index at all, into a new folder: all from the cache.
        let (code, stdout, stderr) = offline_wheelhouse(&dir, "again", &["--json"]);
        assert_eq!(code, 0, "{stderr}");
        assert!(server.requests().is_empty(), "{:?}", server.requests());
        let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(summary["wheelhouse"]["downloaded_files"], 0);
        assert_eq!(
            summary["wheelhouse"]["cached_files"],
            summary["wheelhouse"]["files"]
        );
        assert_eq!(
            std::fs::read(dir.join("again/SHA256SUMS")).unwrap(),
            std::fs::read(dir.join("wh/SHA256SUMS")).unwrap()
        );

        // The same folder again: nothing fetched, nothing copied.
        let (code, stdout, stderr) = wheelhouse(&dir, None, &["--json"]);
        assert_eq!(code, 0, "{stderr}");
        let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(
            summary["wheelhouse"]["kept_files"],
            summary["wheelhouse"]["files"]
        );

        // Two archives of each kind, byte-identical, with fixed metadata.
        for extension in ["tar.gz", "tar.zst"] {
            let first = dir.join(&format!("one.{extension}"));
            let second = dir.join(&format!("two.{extension}"));
            for archive in [&first, &second] {
                let (code, _, stderr) =
                    wheelhouse(&dir, None, &["--archive", archive.to_str().unwrap()]);
                assert_eq!(code, 0, "{stderr}");
            }
            assert_eq!(
                std::fs::read(&first).unwrap(),
                std::fs::read(&second).unwrap()
            );
        }
        let archive = std::fs::File::open(dir.join("one.tar.gz")).unwrap();
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(archive));
        let mut paths = Vec::new();
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            let header = entry.header();
            assert_eq!(header.entry_type(), tar::EntryType::Regular);
            assert_eq!(header.mtime().unwrap(), 946_684_800);
            assert_eq!((header.uid().unwrap(), header.gid().unwrap()), (0, 0));
            assert_eq!(header.mode().unwrap(), 0o644);
            paths.push(entry.path().unwrap().display().to_string());
        }
        let mut sorted = paths.clone();
        sorted.sort();
        assert_eq!(paths, sorted);
        assert!(paths.contains(&"wh/SHA256SUMS".to_owned()), "{paths:?}");
        assert!(
            paths.contains(&"wh/simple/flask/index.html".to_owned()),
            "{paths:?}"
        );
    }
);

envlock_test!(
    verify_catches_a_flipped_byte_a_missing_and_an_extra_file,
    |dir| {
        let Some(server) = built_universe(&dir) else {
            return;
        };
        let wh = dir.join("wh");
        // Flip one byte of a wheel (a new file: the cache shares the old one).
        let flipped = wh.join("flask-3.0.3-py3-none-any.whl");
        let mut bytes = std::fs::read(&flipped).unwrap();
        bytes[10] ^= 0x01;
        std::fs::remove_file(&flipped).unwrap();
        std::fs::write(&flipped, bytes).unwrap();
        std::fs::remove_file(wh.join("tqdm-4.67.0-py3-none-any.whl")).unwrap();
        std::fs::write(
            wh.join("stowaway-1.0-py3-none-any.whl"),
            b"not from the lock",
        )
        .unwrap();
        let mut verify = dir.envlock();
        verify.args(["verify", "wh", "--json"]);
        let (code, stdout, stderr) = run(verify);
        assert_eq!(code, 1, "{stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let problems: Vec<(String, String)> = report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|problem| {
                (
                    problem["kind"].as_str().unwrap().to_owned(),
                    problem["path"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            problems,
            [
                (
                    "changed".to_owned(),
                    "flask-3.0.3-py3-none-any.whl".to_owned()
                ),
                (
                    "extra".to_owned(),
                    "stowaway-1.0-py3-none-any.whl".to_owned()
                ),
                (
                    "missing".to_owned(),
                    "tqdm-4.67.0-py3-none-any.whl".to_owned()
                ),
            ]
        );
        // What it says: the snapshot `verify_tampered`.
        assert!(
            stderr.starts_with("error: changed: flask-3.0.3"),
            "{stderr}"
        );
        // A rebuild repairs it: the bad copy is replaced, the stray removed.
        let (code, _, stderr) = wheelhouse(&dir, Some(&server.index_url()), &[]);
        assert_eq!(code, 0, "{stderr}");
        let mut verify = dir.envlock();
        verify.args(["verify", "wh"]);
        let (code, _, stderr) = run(verify);
        assert_eq!(code, 0, "{stderr}");
    }
);

envlock_test!(an_index_that_lacks_or_changed_a_file_is_an_error, |dir| {
    let Some((server, _)) = locked_universe(&dir) else {
        return;
    };
    drop(server);
    // A mirror without tqdm's file.
    let mut lacking = universe();
    lacking.files_mut("tqdm").unwrap().clear();
    let server = FixtureServer::start(lacking, ServerOptions::default()).unwrap();
    let (code, _, stderr) = wheelhouse(&dir, Some(&server.index_url()), &[]);
    assert_eq!(code, 1, "{stderr}");
    // What it says: the snapshot `wheelhouse_error_missing_file`.
    drop(server);
    // A mirror that republished tqdm's file with other bytes.
    let mut republished = universe();
    let files = republished.files_mut("tqdm").unwrap();
    let locked = files
        .iter_mut()
        .find(|file| file.filename == "tqdm-4.67.0-py3-none-any.whl")
        .unwrap();
    let mut bytes = locked.bytes.clone();
    bytes.extend_from_slice(b"\0");
    *locked = FixtureFile::new("tqdm-4.67.0-py3-none-any.whl", bytes);
    let server = FixtureServer::start(republished, ServerOptions::default()).unwrap();
    let (code, _, stderr) = wheelhouse(&dir, Some(&server.index_url()), &[]);
    assert_eq!(code, 1, "{stderr}");
    let python = host_python().unwrap_or_default();
    let stderr = without_host_python(&stderr, &python);
    crate::util::assert_output(&dir, "wheelhouse_error_republished_file", &stderr);
    assert!(
        !dir.join("wh/tqdm-4.67.0-py3-none-any.whl").exists(),
        "an unverified file was left"
    );
});

envlock_test!(targets_are_chosen_by_platform_or_name, |dir| {
    let Some((server, python)) = locked_universe(&dir) else {
        return;
    };
    let mut command = dir.envlock();
    command.args(["wheelhouse", "--platform", "windows", "-o", "win"]);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 1);
    // What it says: the snapshot `wheelhouse_error_no_target`.
    assert!(stderr.contains(&target_name(&python)), "{stderr}");
    assert!(!dir.join("win").exists());
    let mut command = dir.envlock();
    command.args(["wheelhouse", "--platform", "plan9", "-o", "x"]);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 1, "{stderr}");
    // A folder with other things in it is not built into.
    std::fs::create_dir(dir.join("busy")).unwrap();
    std::fs::write(dir.join("busy/notes.txt"), "mine").unwrap();
    let mut command = dir.envlock();
    command.args(["--index-url", &server.index_url()]).args([
        "wheelhouse",
        "--platform",
        "macos",
        "-o",
        "busy",
    ]);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 1);
    crate::util::assert_output(
        &dir,
        "wheelhouse_error_not_a_wheelhouse",
        &without_host_python(&stderr, &python),
    );
    assert_eq!(names_in(&dir.join("busy")), ["notes.txt"]);
    // By name: the macOS target alone.
    let mut command = dir.envlock();
    command
        .args(["--index-url", &server.index_url()])
        .args(["wheelhouse", "--target"])
        .arg(format!("cp{}-macosx_11_0_arm64", python.replace('.', "")))
        .args(["-o", "mac"]);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 0, "{stderr}");
    let manifest = std::fs::read_to_string(dir.join("mac/wheelhouse.toml")).unwrap();
    assert!(manifest.contains("macosx_11_0_arm64"), "{manifest}");
});

envlock_test!(
    build_wheels_keeps_wheels_for_the_target_and_refuses_host_wheels,
    |dir| {
        let Some(python) = host_python() else {
            envlock_test::skip("python3 does not run here");
            return;
        };
        let server = FixtureServer::start(universe(), ServerOptions::default()).unwrap();
        locked_with(&dir, &server, &python, r#""flask", "purecli""#);
        let (code, stdout, stderr) = wheelhouse(
            &dir,
            Some(&server.index_url()),
            &["--build-wheels", "--python", "python3", "--json"],
        );
        assert_eq!(code, 0, "{stderr}");
        let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let built = summary["wheelhouse"]["built_wheels"].as_array().unwrap();
        assert_eq!(built.len(), 1, "{summary}");
        assert_eq!(built[0]["file"], "purecli-1.0-py3-none-any.whl");
        assert_eq!(
            summary["wheelhouse"]["source_builds"],
            serde_json::json!([])
        );
        // The built wheel is installable with --require-hashes: its hash is in
        // requirements.txt, and the static index links it.
        let requirements = std::fs::read_to_string(dir.join("wh/requirements.txt")).unwrap();
        let sha256 = built[0]["sha256"].as_str().unwrap();
        assert!(requirements.contains(sha256), "{requirements}");
        let page = std::fs::read_to_string(dir.join("wh/simple/purecli/index.html")).unwrap();
        assert!(
            page.contains("purecli-1.0-py3-none-any.whl#sha256="),
            "{page}"
        );
        let mut verify = dir.envlock();
        verify.args(["verify", "wh"]);
        let (code, _, stderr) = run(verify);
        assert_eq!(code, 0, "{stderr}");

        // A compiled build is tagged for this machine: refused, not carried.
        locked_with(&dir, &server, &python, r#""flask", "native""#);
        let mut command = dir.envlock();
        command.args(["--index-url", &server.index_url()]).args([
            "wheelhouse",
            "--platform",
            "manylinux",
            "-o",
            "wh2",
            "--build-wheels",
        ]);
        let (code, _, stderr) = run(command);
        assert_eq!(code, 1, "{stderr}");
        crate::util::assert_output(
            &dir,
            "wheelhouse_error_host_wheel",
            &without_host_python(&stderr, &python),
        );
        let names = names_in(&dir.join("wh2"));
        assert!(
            !names.iter().any(|name| name.contains("linux_x86_64")),
            "{names:?}"
        );
        assert!(!names.contains(&"SHA256SUMS".to_owned()), "{names:?}");

        // An interpreter that is not the target's Python is refused too.
        let mut command = dir.envlock();
        command
            .args(["--index-url", &server.index_url()])
            .args(["wheelhouse", "--platform", "manylinux", "-o", "wh3"])
            .args(["--build-wheels", "--python", "/bin/true"]);
        let (code, _, stderr) = run(command);
        assert_eq!(code, 1, "{stderr}");
        crate::util::assert_output(
            &dir,
            "wheelhouse_error_wrong_interpreter",
            &without_host_python(&stderr, &python),
        );
    }
);

envlock_test!(
    verify_against_the_reviewed_lock_catches_files_and_lock_swapped_together,
    |dir| {
        let Some((server, _)) = locked_universe(&dir) else {
            return;
        };
        let (code, stdout, stderr) = wheelhouse(&dir, Some(&server.index_url()), &["--json"]);
        assert_eq!(code, 0, "{stderr}");
        let reviewed = std::fs::read_to_string(dir.join("envlock.lock")).unwrap();
        let reviewed_sha256 = FixtureFile::new("l", reviewed.clone().into_bytes()).sha256();
        let built: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(built["wheelhouse"]["lock_sha256"], reviewed_sha256.as_str());
        assert!(
            stderr.contains(&format!("Lock sha256 {reviewed_sha256}")),
            "{stderr}"
        );

        // The attacker swaps a wheel, and the carried lock and SHA256SUMS with it.
        let wh = dir.join("wh");
        let swapped = wh.join("flask-3.0.3-py3-none-any.whl");
        let original = std::fs::read(&swapped).unwrap();
        let mut bytes = original.clone();
        bytes[10] ^= 0x01;
        std::fs::remove_file(&swapped).unwrap();
        std::fs::write(&swapped, &bytes).unwrap();
        let old = FixtureFile::new("a", original).sha256();
        let new = FixtureFile::new("b", bytes).sha256();
        let carried = reviewed.replace(&old, &new);
        assert_ne!(carried, reviewed);
        std::fs::write(wh.join("envlock.lock"), &carried).unwrap();
        let carried_sha256 = FixtureFile::new("c", carried.into_bytes()).sha256();
        let sums = std::fs::read_to_string(wh.join("SHA256SUMS"))
            .unwrap()
            .replace(&reviewed_sha256, &carried_sha256);
        std::fs::write(wh.join("SHA256SUMS"), sums).unwrap();

        // Against its own lock, the carry looks intact...
        let mut verify = dir.envlock();
        verify.args(["verify", "wh"]);
        let (code, _, stderr) = run(verify);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stderr.contains(&format!("lock sha256 {carried_sha256}")),
            "{stderr}"
        );
        // ...against the reviewed lock, it is not.
        let mut verify = dir.envlock();
        verify.args(["verify", "wh", "--lock", "envlock.lock", "--json"]);
        let (code, stdout, stderr) = run(verify);
        assert_eq!(code, 1, "{stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(report["lock_sha256"], reviewed_sha256.as_str());
        let kinds: Vec<&str> = report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|problem| problem["kind"].as_str().unwrap())
            .collect();
        assert!(kinds.contains(&"lock-differs"), "{kinds:?}");
        assert!(
            stderr.contains("changed: flask-3.0.3-py3-none-any.whl"),
            "{stderr}"
        );
        assert!(
            stderr.contains("envlock.lock is not the reviewed lock"),
            "{stderr}"
        );
    }
);

/// The distributions (wheels and sdists) a wheelhouse's SHA256SUMS lists,
/// with their hashes.
fn listed_distributions(wheelhouse: &Path) -> Vec<(PathBuf, envlock_fs::Sha256)> {
    std::fs::read_to_string(wheelhouse.join("SHA256SUMS"))
        .unwrap()
        .lines()
        .filter_map(|line| line.split_once("  "))
        .filter(|(_, path)| path.ends_with(".whl") || path.ends_with(".tar.gz"))
        .map(|(sha256, path)| {
            (
                wheelhouse.join(path),
                envlock_fs::Sha256::from_hex(sha256).unwrap(),
            )
        })
        .collect()
}

envlock_test!(
    downloads_are_written_once_and_a_second_wheelhouse_copies_from_the_first,
    |dir| {
        let Some(_server) = built_universe(&dir) else {
            return;
        };
        // The cache keeps no second copy of a downloaded file, only a note of
        // where the verified one lies.
        let cache = envlock_index::Cache::new(dir.join(".cache"));
        let distributions = listed_distributions(&dir.join("wh"));
        assert!(!distributions.is_empty());
        // (The lock itself fetched the sdists and the build backend's wheel:
        // those the cache had, and the wheelhouse copied.)
        for (path, sha256) in &distributions {
            let placed = cache.placed_file(sha256);
            assert!(
                cache.cached_file(sha256).is_some() || placed.as_ref() == Some(path),
                "{}",
                path.display()
            );
        }
        let (flask, flask_sha256) = distributions
            .iter()
            .find(|(path, _)| path.ends_with("flask-3.0.3-py3-none-any.whl"))
            .unwrap();
        assert_eq!(cache.cached_file(flask_sha256), None);
        assert_eq!(cache.placed_file(flask_sha256).as_ref(), Some(flask));
        // Another wheelhouse of the lock needs no network while the first is
        // there ...
        let (code, _, stderr) = offline_wheelhouse(&dir, "wh2", &[]);
        assert_eq!(code, 0, "{stderr}");
        let mut verify = dir.envlock();
        verify.args(["verify", "wh2"]);
        let (code, _, stderr) = run(verify);
        assert_eq!(code, 0, "{stderr}");
        // ... and once both are gone, the wheels must be downloaded again.
        std::fs::remove_dir_all(dir.join("wh")).unwrap();
        std::fs::remove_dir_all(dir.join("wh2")).unwrap();
        let (code, _, stderr) = offline_wheelhouse(&dir, "wh3", &[]);
        assert_ne!(code, 0);
        assert!(stderr.contains("are not in the cache"), "{stderr}");
    }
);

envlock_test!(editing_a_wheelhouse_file_cannot_edit_the_cache, |dir| {
    let Some(server) = built_universe(&dir) else {
        return;
    };
    // Edit a wheel of the wheelhouse in place (same inode, same size).
    let edited = dir.join("wh/flask-3.0.3-py3-none-any.whl");
    let mut bytes = std::fs::read(&edited).unwrap();
    bytes[10] ^= 0x01;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&edited)
        .unwrap()
        .write_all(&bytes)
        .unwrap();
    // A new wheelhouse without the network copies the other files from the
    // first one, never the edited one: its stamp no longer holds.
    let (code, _, stderr) = offline_wheelhouse(&dir, "wh2", &[]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("1 files are not in the cache")
            && stderr.contains("flask-3.0.3-py3-none-any.whl"),
        "{stderr}"
    );
    // With the index, it gets the good bytes.
    let mut command = dir.envlock();
    command.args(["--index-url", &server.index_url()]).args([
        "wheelhouse",
        "envlock.lock",
        "--platform",
        "manylinux",
        "-o",
        "wh2",
    ]);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 0, "{stderr}");
    let mut verify = dir.envlock();
    verify.args(["verify", "wh2"]);
    let (code, _, stderr) = run(verify);
    assert_eq!(code, 0, "{stderr}");
    // Rebuilding the edited one in place notices the edit (its stamp no
    // longer matches) and replaces the file with a good copy.
    let (code, _, stderr) = wheelhouse(&dir, None, &["--offline"]);
    assert_eq!(code, 0, "{stderr}");
    let mut verify = dir.envlock();
    verify.args(["verify", "wh"]);
    let (code, _, stderr) = run(verify);
    assert_eq!(code, 0, "{stderr}");
});

envlock_test!(
    every_placed_file_stays_stamped_so_rebuilds_need_not_hash,
    |dir| {
        let Some(_server) = built_universe(&dir) else {
            return;
        };
        // Built twice: downloaded files, then files kept in place. Each build
        // ends by giving the folder's files their modes; a mode set again
        // changes a file's ctime, which its stamp records.
        let (code, _, stderr) = wheelhouse(&dir, None, &["--offline"]);
        assert_eq!(code, 0, "{stderr}");
        let cache = envlock_index::Cache::new(dir.join(".cache"));
        let sums = std::fs::read_to_string(dir.join("wh/SHA256SUMS")).unwrap();
        let mut distributions = 0;
        for line in sums.lines() {
            let (sha256, path) = line.split_once("  ").unwrap();
            if path.ends_with(".whl") || path.ends_with(".tar.gz") {
                let placed = dir.join("wh").join(path);
                let sha256 = envlock_fs::Sha256::from_hex(sha256).unwrap();
                assert!(cache.is_stamped(&placed, &sha256), "{path} is not stamped");
                distributions += 1;
            }
        }
        assert!(distributions > 3, "{sums}");
    }
);
