//! Every fixture lock reads, validates, and writes back to the same bytes;
//! bad locks are rejected with errors that say what is wrong.

use std::path::PathBuf;

use envlock_lock::{Lock, LockError, decode, encode, read_lock, write_lock};
use envlock_pep::Hint;

fn fixtures() -> Vec<(PathBuf, String)> {
    lock_files("tests/fixtures")
}

/// Every `.lock` file in a folder relative to this crate.
fn lock_files(folder: &str) -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut files: Vec<(PathBuf, String)> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .map(|entry| entry.expect("fixture entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "lock")
        })
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("fixture text");
            (path, text)
        })
        .collect();
    files.sort();
    files
}

fn assert_round_trips(locks: Vec<(PathBuf, String)>) {
    for (path, text) in locks {
        let lock = decode(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        assert_eq!(
            encode(&lock),
            text,
            "{} does not round-trip",
            path.display()
        );
    }
}

#[test]
fn every_fixture_round_trips_byte_for_byte() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 3, "fixtures went missing: {fixtures:?}");
    assert_round_trips(fixtures);
}

#[test]
fn the_checked_in_locks_round_trip_byte_for_byte() {
    let locks = lock_files("../../lockfiles");
    assert!(!locks.is_empty(), "lockfiles/ holds no .lock file");
    assert_round_trips(locks);
}

#[test]
fn encoding_sorts_whatever_order_it_is_given() {
    let text = marker_gate();
    let mut lock = decode(&text).unwrap();
    lock.packages.reverse();
    for package in &mut lock.packages {
        package.required_by.reverse();
        package.files.reverse();
    }
    assert_eq!(encode(&lock), text);
}

#[test]
fn versions_sort_by_pep_440_not_by_text() {
    let text = marker_gate();
    let mut lock = decode(&text).unwrap();
    // 10.0 sorts after 3.0.6 by PEP 440 but before it as text.
    let mut newer = lock.packages[2].clone();
    newer.version = "10.0".parse().unwrap();
    lock.packages.insert(0, newer);
    let encoded = encode(&lock);
    let order: Vec<&str> = encoded
        .lines()
        .filter_map(|line| line.strip_prefix("version = \""))
        .collect();
    assert_eq!(order, ["2.3.3\"", "2.3.8\"", "3.0.6\"", "10.0\""]);
}

#[test]
fn write_lock_replaces_the_file_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("envlock.lock");
    std::fs::write(&path, "old").unwrap();
    let (_, text) = fixtures().remove(0);
    let lock = decode(&text).unwrap();
    write_lock(&path, &lock).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    assert_eq!(read_lock(&path).unwrap(), lock);
    // Nothing but the lock is left in the folder: no temporary files.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

fn marker_gate() -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/marker-gate.lock"),
    )
    .unwrap()
}

fn rejects(text: &str) -> LockError {
    match decode(text) {
        Ok(lock) => panic!("accepted a bad lock: {lock:?}"),
        Err(error) => error,
    }
}

#[test]
fn a_newer_format_version_is_rejected_with_a_hint() {
    let error = rejects(&marker_gate().replace("version = 1", "version = 2"));
    assert!(matches!(error, LockError::UnsupportedVersion { found: 2 }));
    assert_eq!(
        error.to_string(),
        "lockfile format version 2 is not supported: this envlock reads version 1"
    );
    assert!(error.hint().unwrap().contains("upgrade envlock"));
}

/// A later format may change the shape of what this one reads: its lock
/// is still told as a newer version, not as a broken lock of this one.
#[test]
fn a_newer_format_of_another_shape_is_told_by_its_version() {
    let text = marker_gate()
        .replace("version = 1", "version = 2")
        .replace("size = 96112", "size = \"big\"");
    let error = rejects(&text);
    assert!(
        matches!(error, LockError::UnsupportedVersion { found: 2 }),
        "{error}"
    );
}

#[test]
fn a_missing_version_is_rejected() {
    let error = rejects(&marker_gate().replace("version = 1\n", ""));
    assert!(
        error.to_string().contains("`version` key is missing"),
        "{error}"
    );
}

#[test]
fn toml_errors_carry_a_span() {
    let text = marker_gate().replace("size = 96112", "size = \"big\"");
    let error = rejects(&text);
    let LockError::Syntax {
        span: Some(span), ..
    } = &error
    else {
        panic!("expected a syntax error with a span, got {error:?}");
    };
    assert_eq!(&text[span.clone()], "\"big\"");
}

#[test]
fn invariants_are_checked() {
    let cases = [
        (
            marker_gate().replacen(
                "targets = [\"cp38-manylinux_2_28_x86_64\"]",
                "targets = [\"cp39-linux\"]",
                1,
            ),
            "names target `cp39-linux`, which the lock does not declare",
        ),
        (
            marker_gate().replacen("sha256 = \"", "sha256 = \"X", 1),
            "which is not 64 lowercase hex digits",
        ),
        (
            marker_gate().replace("version = \"3.0.6\"", "version = \"2.3.8\""),
            "`werkzeug 2.3.8` is listed twice",
        ),
        (
            marker_gate().replace("version = \"3.0.6\"", "version = \"three\""),
            "has a version that is not PEP 440",
        ),
        (
            marker_gate().replace(
                "name = \"flask-2.3.3-py3-none-any.whl\"",
                "name = \"../flask-2.3.3-py3-none-any.whl\"",
            ),
            "is not a plain file name",
        ),
        (
            marker_gate().replace(
                "name = \"flask-2.3.3-py3-none-any.whl\"",
                "name = \"flask-2.3.3-1/../../x-py3-none-any.whl\"",
            ),
            "is not a plain file name",
        ),
        (
            marker_gate().replace(
                "name = \"flask-2.3.3-py3-none-any.whl\"",
                "name = \"werkzeug-2.3.3-py3-none-any.whl\"",
            ),
            "it belongs to package `werkzeug`",
        ),
        (
            marker_gate().replace(
                "name = \"flask-2.3.3-py3-none-any.whl\"",
                "name = \"flask-2.3.4-py3-none-any.whl\"",
            ),
            "it is of version 2.3.4",
        ),
        (
            marker_gate().replace("name = \"flask\"", "name = \"/tmp/x/pwned\""),
            "is not a valid package name",
        ),
        (
            marker_gate().replace("name = \"flask\"", "name = \"../x\""),
            "is not a valid package name",
        ),
        (
            marker_gate().replace("name = \"flask\"", "name = \"<script>alert(1)</script>\""),
            "is not a valid package name",
        ),
        (
            marker_gate().replace("name = \"flask\"", "name = \"Flask\""),
            "is not written in normalised form (`flask`)",
        ),
        (
            marker_gate().replacen("name = \"", "name = \"evil\\npip install x ; ", 1),
            "the lock's `name`: `evil\\npip install x ; ",
        ),
        (
            marker_gate().replacen(
                "name = \"cp38-manylinux_2_28_x86_64\"",
                "name = \"cp38 $(id)\"",
                1,
            ),
            "a target's `name`",
        ),
        (
            marker_gate().replacen(
                "{ package = \"flask\", version = \"2.3.3\", ",
                "{ package = \"flask\", ",
                1,
            ),
            "has only one of `package` and `version`",
        ),
        // Versions, pythons and platforms are read once, typed, and must be
        // written as the lock writes them so that the lock keeps its bytes.
        (
            marker_gate().replace("version = \"3.0.6\"", "version = \"3.0.6-1\""),
            "has version `3.0.6-1`, which is not written in normalised form (`3.0.6.post1`)",
        ),
        (
            marker_gate().replacen(
                "{ package = \"flask\", version = \"2.3.3\", ",
                "{ package = \"flask\", version = \"two\", ",
                1,
            ),
            "a `required-by` edge of package `werkzeug 2.3.8`, `flask`, has a version that is not PEP 440",
        ),
        (
            marker_gate().replacen("python = \"3.8\"", "python = \"2.7\"", 1),
            "target `cp38-manylinux_2_28_x86_64`: python `2.7`: unsupported Python version",
        ),
        (
            marker_gate().replacen("python = \"3.8\"", "python = \"3.08\"", 1),
            "python `3.08`: not written in canonical form (`3.8`)",
        ),
        (
            marker_gate().replacen(
                "platform = \"manylinux_2_28_x86_64\"",
                "platform = \"manylinux2014_x86_64\"",
                1,
            ),
            "platform `manylinux2014_x86_64`: not written in canonical form (`manylinux_2_17_x86_64`)",
        ),
        (
            marker_gate().replacen(
                "platform = \"manylinux_2_28_x86_64\"",
                "platform = \"amiga\"",
                1,
            ),
            "platform `amiga`: unknown platform",
        ),
        (
            marker_gate().replacen(
                "requirements = [",
                "imported-from = { format = \"uv.lock\", path = \"uv.lock\", sha256 = \"abc\" }\nrequirements = [",
                1,
            ),
            "`imported-from` has sha256 `abc`, which is not 64 lowercase hex digits",
        ),
    ];
    for (text, expected) in cases {
        let error = rejects(&text);
        assert!(
            error.to_string().contains(expected),
            "{error} should say {expected}"
        );
    }
}

fn sdist_and_wheels() -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sdist-and-wheels.lock"),
    )
    .unwrap()
}

#[test]
fn build_packages_are_read_apart_from_the_packages_and_checked_alike() {
    let lock = decode(&sdist_and_wheels()).unwrap();
    let names = |packages: &[envlock_lock::LockedPackage]| {
        packages
            .iter()
            .map(|package| package.name.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&lock.packages), ["mitmproxy", "urwid-mitmproxy"]);
    assert_eq!(names(&lock.build_packages), ["setuptools", "wheel"]);
    assert_eq!(
        lock.build_packages[0].required_by[0].package_text(),
        Some(("urwid-mitmproxy", "2.1.2.1".to_owned()))
    );
    // What is installed is not what is only built with.
    let requirements = envlock_lock::export_requirements(&lock, None).unwrap();
    assert!(!requirements.contains("setuptools"), "{requirements}");
    // The same invariants hold, and errors say which kind of entry is wrong.
    let stray = sdist_and_wheels().replace(
        "targets = [\"cp310-manylinux_2_28_x86_64\"]\nrequires-python = \">=3.8\"",
        "targets = [\"cp39-nowhere\"]\nrequires-python = \">=3.8\"",
    );
    let error = rejects(&stray).to_string();
    assert!(
        error.contains("build package `setuptools 75.3.0`") && error.contains("cp39-nowhere"),
        "{error}"
    );
}

#[test]
fn unknown_keys_are_ignored_within_a_format_version() {
    let text = marker_gate().replace(
        "index = \"default\"\n",
        "index = \"default\"\nsome-future-key = true\n",
    );
    let lock: Lock = decode(&text).unwrap();
    assert_eq!(encode(&lock), marker_gate());
}

fn with_resources() -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/resources.lock"),
    )
    .unwrap()
}

#[test]
fn resources_are_read_sorted_and_checked() {
    let lock = decode(&with_resources()).unwrap();
    let names: Vec<&str> = lock
        .resources
        .iter()
        .map(|resource| resource.name.as_str())
        .collect();
    assert_eq!(names, ["code-server", "dropbear"]);
    // `${VAR}` in a URL is kept as written.
    assert!(lock.resources[1].url.starts_with("${RELEASES_MIRROR}/"));
    // Written in name order whatever order they come in.
    let mut shuffled = lock.clone();
    shuffled.resources.reverse();
    assert_eq!(encode(&shuffled), with_resources());
    // An older reader's view: a lock without resources is still what it was.
    let mut without = lock.clone();
    without.resources.clear();
    assert!(!encode(&without).contains("[[resource]]"));

    let cases = [
        (
            "file = \"dropbearmulti\"",
            "file = \"bin/dropbearmulti\"",
            "not a plain file name",
        ),
        (
            "file = \"dropbearmulti\"",
            "file = \"code-server_4.96.2_amd64.deb\"",
            "reuses the file name",
        ),
        (
            "env = \"CLEARML_DROPBEAR_EXEC\"",
            "env = \"CLEARML_SESSION_VSCODE_SERVER_DEB\"",
            "reuses the variable",
        ),
        (
            "name = \"dropbear\"",
            "name = \"code-server\"",
            "is listed twice",
        ),
        (
            "sha256 = \"d4735e3a265e16eee03f59718b9b5d03019c07d8b6c51f90da3a666eec13ab35\"",
            "sha256 = \"D4735E\"",
            "not 64 lowercase hex digits",
        ),
    ];
    for (from, to, message) in cases {
        let error = rejects(&with_resources().replace(from, to)).to_string();
        assert!(error.contains(message), "{to}: {error}");
    }
}

fn with_interpreters() -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/interpreter.lock"),
    )
    .unwrap()
}

#[test]
fn interpreters_are_read_sorted_and_checked() {
    let lock = decode(&with_interpreters()).unwrap();
    let targets: Vec<&str> = lock
        .interpreters
        .iter()
        .map(|interpreter| interpreter.target.as_str())
        .collect();
    assert_eq!(
        targets,
        ["cp311-musllinux_1_2_x86_64", "cp312-manylinux_2_28_x86_64"]
    );
    // `${VAR}` in a URL is kept as written.
    assert!(
        lock.interpreters[1]
            .url
            .starts_with("${ENVLOCK_PYTHON_INSTALL_MIRROR}/")
    );
    let mut shuffled = lock.clone();
    shuffled.interpreters.reverse();
    assert_eq!(encode(&shuffled), with_interpreters());
    // An older reader's view: no table, and nothing else changes.
    let mut without = lock.clone();
    without.interpreters.clear();
    assert!(!encode(&without).contains("[[interpreter]]"));

    let gnu = "file = \"cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz\"";
    let cases = [
        (
            gnu,
            "file = \"../cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz\"",
            "not a plain file name",
        ),
        (
            gnu,
            "file = \"cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-full.tar.zst\"",
            "-install_only.tar.gz",
        ),
        (
            gnu,
            "file = \"cpython-3.12.7+20241017-x86_64-unknown-linux-gnu-install_only.tar.gz\"",
            "`build = \"20241016\"`, and its file name says `20241017`",
        ),
        (
            "version = \"3.12.7\"\nbuild",
            "version = \"3.12.6\"\nbuild",
            "`version = \"3.12.6\"`, and its file name says `3.12.7`",
        ),
        (
            "python = \"3.12.7\"",
            "python = \"3.12\"",
            "the target's `python` is `3.12`",
        ),
        (
            "platform = \"manylinux_2_28_x86_64\"",
            "platform = \"manylinux_2_28_aarch64\"",
            "built for x86_64",
        ),
        (
            "sha256 = \"3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d\"",
            "sha256 = \"3E23E8160039594A33894F6564E1B1348BBD7A0088D42C4ACB73EEAED59C009D\"",
            "not 64 lowercase hex digits",
        ),
        (
            "target = \"cp311-musllinux_1_2_x86_64\"",
            "target = \"cp312-manylinux_2_28_x86_64\"",
            "has two interpreters",
        ),
        (
            "target = \"cp311-musllinux_1_2_x86_64\"",
            "target = \"cp39-nowhere\"",
            "does not declare this target",
        ),
    ];
    for (from, to, needle) in cases {
        let text = with_interpreters().replacen(from, to, 1);
        assert_ne!(text, with_interpreters(), "{from} not found");
        let error = decode(&text).unwrap_err().to_string();
        assert!(error.contains(needle), "{to}: {error}");
    }
}
