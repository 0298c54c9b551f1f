//! `LockDiff` between fixture locks: what it finds, and its three renderings.

use crate::fixture;
use envlock_lock::{LockDiff, Step, render_json, render_markdown, render_table};

fn demo() -> LockDiff {
    LockDiff::new(&fixture("diff-old.lock"), &fixture("diff-new.lock"))
}

#[test]
fn a_same_version_hash_change_is_found_and_listed_first() {
    let diff = demo();
    assert_eq!(diff.changed_hashes.len(), 1, "{diff:#?}");
    let changed = &diff.changed_hashes[0];
    assert_eq!(changed.package, "markupsafe");
    assert_eq!(changed.version, "2.1.5");
    assert_eq!(
        changed.file,
        "MarkupSafe-2.1.5-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    );
    assert_ne!(changed.old_sha256, changed.new_sha256);
    // Every rendering leads with it.
    let table = render_table(&diff);
    assert!(table.starts_with("!! CHANGED HASHES: 1 file"), "{table}");
    let markdown = render_markdown(&diff);
    let warning = markdown.find("> [!WARNING]").unwrap();
    assert!(warning < markdown.find("###").unwrap());
    let json = render_json(&diff);
    assert!(
        json.trim_start()
            .starts_with("{\n  \"changed_hashes\": [\n    {"),
        "{json}"
    );
}

#[test]
fn every_kind_of_step_is_classified() {
    let diff = demo();
    let cp311 = diff
        .targets
        .iter()
        .find(|target| target.target == "cp311-manylinux_2_28_x86_64")
        .unwrap();
    let step_of = |package: &str| {
        cp311
            .upgraded
            .iter()
            .chain(&cp311.downgraded)
            .find(|change| change.package == package)
            .map(|change| change.step)
    };
    assert_eq!(step_of("flask"), Some(Step::Major));
    assert_eq!(step_of("click"), Some(Step::Minor));
    assert_eq!(step_of("werkzeug"), Some(Step::Patch));
    assert_eq!(step_of("blinker"), Some(Step::PreRelease));
    assert_eq!(step_of("pytz"), Some(Step::Other));
    assert_eq!(step_of("itsdangerous"), Some(Step::Minor));
    assert!(
        cp311
            .downgraded
            .iter()
            .any(|change| change.package == "itsdangerous")
    );
    assert!(
        !cp311
            .upgraded
            .iter()
            .any(|change| change.package == "itsdangerous")
    );
    assert_eq!(
        cp311
            .added
            .iter()
            .map(|added| added.package.as_str())
            .collect::<Vec<_>>(),
        ["docopt"]
    );
    assert_eq!(
        cp311
            .removed
            .iter()
            .map(|removed| removed.package.as_str())
            .collect::<Vec<_>>(),
        ["zipp"]
    );
    assert_eq!(cp311.new_sdists.len(), 1);
    assert_eq!(cp311.new_sdists[0].file, "docopt-0.6.2.tar.gz");
}

#[test]
fn step_sizes_follow_pep_440() {
    let step = |old: &str, new: &str| Step::between(&old.parse().unwrap(), &new.parse().unwrap());
    assert_eq!(step("1.9", "2.0"), Step::Major);
    assert_eq!(step("2", "2.1"), Step::Minor);
    assert_eq!(step("2.1", "2.1.0.1"), Step::Patch);
    assert_eq!(step("2.1.0", "2.1"), Step::Other); // equal releases
    assert_eq!(step("2.0.dev3", "2.0"), Step::PreRelease);
    assert_eq!(step("2.0+local", "2.0"), Step::Other);
    assert_eq!(step("1!1.0", "1.0"), Step::Other);
}

#[test]
fn targets_gained_and_lost() {
    let diff = demo();
    let gained: Vec<&str> = diff
        .targets_gained
        .iter()
        .map(|target| target.name.as_str())
        .collect();
    let lost: Vec<&str> = diff
        .targets_lost
        .iter()
        .map(|target| target.name.as_str())
        .collect();
    assert_eq!(gained, ["cp313-manylinux_2_28_x86_64"]);
    assert_eq!(lost, ["cp38-manylinux_2_28_x86_64"]);
    // The gained target builds markupsafe and docopt from source: loud.
    let sdists: Vec<&str> = diff.targets_gained[0]
        .sdists
        .iter()
        .map(|sdist| sdist.file.as_str())
        .collect();
    assert_eq!(sdists, ["docopt-0.6.2.tar.gz", "MarkupSafe-2.1.5.tar.gz"]);
    assert_eq!(diff.requirements_removed, ["zipp"]);
    assert_eq!(
        diff.requirements_added,
        ["docopt", "pywin32 ; sys_platform == 'win32'"]
    );
}

#[test]
fn a_lock_equals_itself_and_the_renderings_say_so() {
    for name in [
        "diff-old.lock",
        "marker-gate.lock",
        "sdist-and-wheels.lock",
        "empty.lock",
    ] {
        let lock = fixture(name);
        let diff = LockDiff::new(&lock, &lock);
        assert!(diff.is_empty(), "{name}: {diff:#?}");
        assert_eq!(render_table(&diff), "The locks are the same.\n");
    }
    assert!(!demo().is_empty());
}

#[test]
fn a_swapped_file_for_the_same_version_is_a_change() {
    let old = fixture("marker-gate.lock");
    let mut new = old.clone();
    new.packages[0].files[0].name =
        envlock_pep::DistFilename::parse("flask-2.3.3-py2.py3-none-any.whl", &new.packages[0].name)
            .unwrap();
    let diff = LockDiff::new(&old, &new);
    assert!(!diff.is_empty());
    assert!(diff.changed_hashes.is_empty());
    assert_eq!(diff.targets.len(), 2);
    assert_eq!(
        diff.targets[0].files_changed[0].added,
        ["flask-2.3.3-py2.py3-none-any.whl"]
    );
}

#[test]
fn the_json_rendering_parses_and_keeps_its_key_order() {
    let json = render_json(&demo());
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["changed_hashes"][0]["package"], "markupsafe");
    assert_eq!(value["targets"][0]["upgraded"][0]["step"], "pre-release");
    let keys: Vec<usize> = [
        "changed_hashes",
        "targets_gained",
        "targets_lost",
        "targets\": [",
    ]
    .iter()
    .map(|key| json.find(&format!("\"{key}")).unwrap())
    .collect();
    assert!(keys.windows(2).all(|pair| pair[0] < pair[1]), "{json}");
}

#[test]
fn snapshot_table() {
    insta::assert_snapshot!(render_table(&demo()));
}

#[test]
fn snapshot_markdown() {
    insta::assert_snapshot!(render_markdown(&demo()));
}

#[test]
fn snapshot_json() {
    insta::assert_snapshot!(render_json(&demo()));
}

#[test]
fn resources_added_removed_and_changed_are_shown() {
    let old = fixture("marker-gate.lock");
    let mut new = fixture("resources.lock");
    new.name = old.name.clone();
    let added = LockDiff::new(&old, &new);
    let kinds: Vec<(&str, bool, bool)> = added
        .resources
        .iter()
        .map(|change| {
            (
                change.name.as_str(),
                change.old.is_some(),
                change.new.is_some(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [("code-server", false, true), ("dropbear", false, true)]
    );
    assert!(!added.is_empty());
    let table = render_table(&added);
    assert!(
        table.contains("resource added") && table.contains("dropbearmulti from ${RELEASES_MIRROR}"),
        "{table}"
    );
    let removed = LockDiff::new(&new, &old);
    assert!(render_markdown(&removed).contains("- Resource removed: `code-server`"));
    let mut changed = new.clone();
    changed.resources[1].sha256 = "e".repeat(64).parse().unwrap();
    let diff = LockDiff::new(&new, &changed);
    assert_eq!(diff.resources.len(), 1);
    let text = render_table(&diff);
    assert!(
        text.contains("resource changed") && text.contains(&"e".repeat(64)),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&render_json(&diff)).unwrap();
    assert_eq!(json["resources"][0]["name"], "dropbear");
}

#[test]
fn interpreters_added_removed_and_changed_are_shown() {
    let with = fixture("interpreter.lock");
    let mut without = with.clone();
    without.interpreters.clear();
    let added = LockDiff::new(&without, &with);
    assert_eq!(added.interpreters.len(), 2);
    assert!(!added.is_empty());
    let table = render_table(&added);
    assert!(
        table.contains("interpreter added")
            && table.contains("cp312-manylinux_2_28_x86_64")
            && table.contains("CPython 3.12.7 (build 20241016, x86_64-unknown-linux-gnu"),
        "{table}"
    );
    let removed = LockDiff::new(&with, &without);
    let markdown = render_markdown(&removed);
    assert!(
        markdown.contains("- Interpreter removed: `cp311-musllinux_1_2_x86_64`"),
        "{markdown}"
    );
    // A new build of the same version, and a new hash, are changes.
    let mut rebuilt = with.clone();
    rebuilt.interpreters[1].build = "20241206".to_owned();
    rebuilt.interpreters[1].sha256 = "e".repeat(64).parse().unwrap();
    let diff = LockDiff::new(&with, &rebuilt);
    assert_eq!(diff.interpreters.len(), 1);
    let text = render_table(&diff);
    assert!(
        text.contains("interpreter changed")
            && text.contains("build 20241016")
            && text.contains("build 20241206")
            && text.contains(&"e".repeat(64)),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&render_json(&diff)).unwrap();
    assert_eq!(
        json["interpreters"][0]["target"],
        "cp312-manylinux_2_28_x86_64"
    );
    assert!(LockDiff::new(&with, &with.clone()).is_empty());
}
