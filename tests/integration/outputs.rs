//! What users see, whole: the lock `envlock lock` writes for the fixture
//! universe, and the output of `lock`, `wheelhouse`, `verify`, `diff` and
//! `why`, success and error alike, compared with the snapshots in
//! `snapshots/` (paths, ports and durations filtered out).

use envlock_test::{FixtureServer, ServerOptions};

use crate::universe::{SPEC, universe};
use crate::util::{TestDir, assert_output, run};

fn envlock(dir: &TestDir, args: &[&str]) -> (i32, String, String) {
    let mut command = dir.envlock();
    command.args(args);
    run(command)
}

/// The universe served, [`SPEC`] written and locked.
fn locked() -> (TestDir, FixtureServer) {
    let server = FixtureServer::start(universe(), ServerOptions::default()).unwrap();
    let dir = TestDir::new();
    std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
    let (code, _, stderr) = envlock(&dir, &["lock", "--index-url", &server.index_url()]);
    assert_eq!(code, 0, "{stderr}");
    (dir, server)
}

/// Exit code, stdout and stderr as one text, for one snapshot.
fn outcome((code, stdout, stderr): (i32, String, String)) -> String {
    format!("exit code: {code}\n--- stdout\n{stdout}--- stderr\n{stderr}")
}

envlock_test!(lock_of_the_universe_and_its_summaries, |dir| {
    let server = FixtureServer::start(universe(), ServerOptions::default()).unwrap();
    std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
    let index_url = server.index_url();
    let lock = |extra: &[&str]| {
        let mut args = vec!["lock", "--index-url", &index_url];
        args.extend_from_slice(extra);
        outcome(envlock(&dir, &args))
    };
    // `--check` without a lock fails and writes none.
    assert_output(&dir, "lock_check_missing", &lock(&["--check"]));
    assert!(!dir.join("envlock.lock").exists());
    assert_output(&dir, "lock_summary", &lock(&[]));
    let text = std::fs::read_to_string(dir.join("envlock.lock")).unwrap();
    assert_output(&dir, "lock_of_the_universe", &text);
    assert_output(&dir, "lock_unchanged", &lock(&[]));
    assert_output(&dir, "lock_check_up_to_date", &lock(&["--check"]));
    let spec = SPEC.replace("tqdm<4.67", "tqdm>=4.67");
    std::fs::write(dir.join("envlock.toml"), spec).unwrap();
    assert_output(&dir, "lock_check_stale", &lock(&["--check"]));
    assert_eq!(
        std::fs::read_to_string(dir.join("envlock.lock")).unwrap(),
        text
    );
    assert_output(&dir, "lock_upgrade_summary", &lock(&[]));
});

envlock_test!(lock_errors, |dir| {
    // A spec error points at the line and column.
    std::fs::write(
        dir.join("envlock.toml"),
        "name = \"x\"\nrequirements = [\"flask>>2\"]\n[[targets]]\npython = \"3.12\"\nplatform = \"manylinux\"\n",
    )
    .unwrap();
    let bad_spec = envlock(&dir, &["lock", "--index-url", "http://127.0.0.1:9/simple/"]);
    assert_output(&dir, "lock_error_bad_spec", &outcome(bad_spec));
    // No index configured: how to set one.
    std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
    // (No python3 on PATH either, so there is no pip to ask for its index.)
    let mut command = dir.envlock();
    command.arg("lock").env("PATH", dir.join("empty-bin"));
    assert_output(&dir, "lock_error_no_index", &outcome(run(command)));
    // A conflict, in requirement terms, with its help lines.
    let server = FixtureServer::start(universe(), ServerOptions::default()).unwrap();
    let spec = SPEC.replace("\"flask\",", "\"flask>=3\",\n    \"werkzeug<3\",");
    std::fs::write(dir.join("envlock.toml"), spec).unwrap();
    let conflict = envlock(&dir, &["lock", "--index-url", &server.index_url()]);
    assert_output(&dir, "lock_error_no_solution", &outcome(conflict));
    assert!(!dir.join("envlock.lock").exists());
    // A version passed over on one target: the help says why.
    let spec = SPEC.replace(
        "\"werkzeug>2,<3.0 ; python_version < '3.9'\",",
        "\"werkzeug>=3\",",
    );
    std::fs::write(dir.join("envlock.toml"), spec).unwrap();
    let passed_over = envlock(&dir, &["lock", "--index-url", &server.index_url()]);
    assert_output(&dir, "lock_error_passed_over", &outcome(passed_over));
    // A target that the spec does not declare.
    std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
    let unknown = envlock(
        &dir,
        &[
            "lock",
            "--index-url",
            &server.index_url(),
            "--target",
            "cp99-nowhere",
        ],
    );
    assert_output(&dir, "lock_error_unknown_target", &outcome(unknown));
});

envlock_test!(wheelhouse_and_verify, |_dir| {
    let (dir, server) = locked();
    let index_url = server.index_url();
    let wheelhouse = |output: &str, extra: &[&str]| {
        let mut args = vec![
            "--index-url",
            &index_url,
            "wheelhouse",
            "--platform",
            "manylinux",
            "-o",
            output,
        ];
        args.extend_from_slice(extra);
        outcome(envlock(&dir, &args))
    };
    assert_output(&dir, "wheelhouse_summary", &wheelhouse("wh", &[]));
    assert_output(&dir, "wheelhouse_json", &wheelhouse("wh2", &["--json"]));
    let readme = std::fs::read_to_string(dir.join("wh/README.txt")).unwrap();
    assert_output(&dir, "wheelhouse_readme", &readme);
    let manifest = std::fs::read_to_string(dir.join("wh/wheelhouse.toml")).unwrap();
    assert_output(&dir, "wheelhouse_manifest", &manifest);
    let sums = std::fs::read_to_string(dir.join("wh/SHA256SUMS")).unwrap();
    assert_output(&dir, "wheelhouse_sha256sums", &sums);
    assert_output(
        &dir,
        "verify_clean",
        &outcome(envlock(&dir, &["verify", "wh"])),
    );
    // A flipped byte, a missing file and a stray one.
    let flipped = dir.join("wh/flask-3.0.3-py3-none-any.whl");
    let mut bytes = std::fs::read(&flipped).unwrap();
    bytes[10] ^= 0x01;
    std::fs::remove_file(&flipped).unwrap();
    std::fs::write(&flipped, bytes).unwrap();
    std::fs::remove_file(dir.join("wh/tqdm-4.66.0-py3-none-any.whl")).unwrap();
    std::fs::write(dir.join("wh/stowaway-1.0-py3-none-any.whl"), b"stray").unwrap();
    assert_output(
        &dir,
        "verify_tampered",
        &outcome(envlock(&dir, &["verify", "wh"])),
    );
    assert_output(
        &dir,
        "verify_tampered_json",
        &outcome(envlock(&dir, &["verify", "wh", "--json"])),
    );
});

envlock_test!(wheelhouse_errors, |_dir| {
    let (dir, server) = locked();
    drop(server);
    // A mirror without one of the locked files.
    let mut lacking = universe();
    lacking.files_mut("tqdm").unwrap().clear();
    let server = FixtureServer::start(lacking, ServerOptions::default()).unwrap();
    let missing = envlock(
        &dir,
        &[
            "--index-url",
            &server.index_url(),
            "wheelhouse",
            "--platform",
            "manylinux",
            "-o",
            "wh",
        ],
    );
    assert_output(&dir, "wheelhouse_error_missing_file", &outcome(missing));
    assert_output(
        &dir,
        "verify_error_unfinished",
        &outcome(envlock(&dir, &["verify", "wh"])),
    );
    // No target for the platform asked for; a platform that is not one.
    let windows = envlock(&dir, &["wheelhouse", "--platform", "windows", "-o", "win"]);
    assert_output(&dir, "wheelhouse_error_no_target", &outcome(windows));
    let plan9 = envlock(&dir, &["wheelhouse", "--platform", "plan9", "-o", "x"]);
    assert_output(&dir, "wheelhouse_error_unknown_platform", &outcome(plan9));
});

envlock_test!(a_lock_that_does_not_parse, |dir| {
    std::fs::write(
        dir.join("envlock.lock"),
        "version = 1\n[[package]]\nname = \"flask\"\nversion = 3\n",
    )
    .unwrap();
    for (name, args) in [
        ("lock_error_unparsable_why", vec!["why", "flask"]),
        (
            "lock_error_unparsable_wheelhouse",
            vec!["wheelhouse", "--platform", "manylinux", "-o", "wh"],
        ),
        (
            "lock_error_unparsable_diff",
            vec!["diff", "envlock.lock", "envlock.lock"],
        ),
    ] {
        assert_output(&dir, name, &outcome(envlock(&dir, &args)));
    }
});

envlock_test!(diff_and_why_of_the_universe, |_dir| {
    let (dir, server) = locked();
    std::fs::copy(dir.join("envlock.lock"), dir.join("before.lock")).unwrap();
    let spec = SPEC.replace("tqdm<4.67", "tqdm>=4.67");
    std::fs::write(dir.join("envlock.toml"), spec).unwrap();
    let (code, _, stderr) = envlock(&dir, &["lock", "--index-url", &server.index_url()]);
    assert_eq!(code, 0, "{stderr}");
    for (name, format) in [
        ("diff_universe_table", "table"),
        ("diff_universe_markdown", "markdown"),
        ("diff_universe_json", "json"),
    ] {
        let diff = envlock(
            &dir,
            &["diff", "--format", format, "before.lock", "envlock.lock"],
        );
        assert_output(&dir, name, &outcome(diff));
    }
    for (name, package) in [
        ("why_markupsafe", "markupsafe"),
        ("why_pysocks", "pysocks"),
        ("why_not_installed", "no-such-package"),
    ] {
        assert_output(&dir, name, &outcome(envlock(&dir, &["why", package])));
    }
});
