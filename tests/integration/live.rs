//! Checks against a real index. They run only when `ENVLOCK_INDEX_URL` is
//! set (to any index or mirror that serves the public packages) and skip,
//! saying so, otherwise: tests never need the internet.

use std::path::PathBuf;

use crate::util::{TestDir, run};

fn live_index() -> Option<String> {
    match std::env::var("ENVLOCK_INDEX_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            envlock_test::skip(
                "ENVLOCK_INDEX_URL is not set; the live checks against a real index did not run",
            );
            None
        }
    }
}

/// The checked-in ClearML lock is what `envlock lock` makes today from the
/// example spec (its `exclude-newer` keeps newer uploads out).
///
/// The spec's resources are left out: the machine the lock was made on
/// cannot reach their hosts, so the checked-in lock holds the packages only
/// (the example's README says so).
#[test]
fn clearml_example_lock_is_up_to_date() {
    let Some(index_url) = live_index() else {
        return;
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = TestDir::new();
    let spec = std::fs::read_to_string(root.join("examples/clearml-session/envlock.toml")).unwrap();
    let packages_only = match spec.find("[[resources]]") {
        Some(start) => &spec[..start],
        None => spec.as_str(),
    };
    std::fs::write(dir.join("envlock.toml"), packages_only).unwrap();
    let mut command = dir.envlock();
    command
        .env("ENVLOCK_INDEX_URL", &index_url)
        .arg("lock")
        .arg(dir.path())
        .arg("--check")
        .arg("-o")
        .arg(root.join("lockfiles/clearml-session.lock"));
    let (code, _, stderr) = run(command);
    assert_eq!(
        code, 0,
        "the checked-in lock is stale against {index_url}:\n{stderr}"
    );
    assert!(stderr.contains("is up to date"), "{stderr}");
}
