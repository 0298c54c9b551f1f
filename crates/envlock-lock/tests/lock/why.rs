//! `why` on fixture locks: paths with their gates, and packages gated out.

use crate::{CP38, CP312, fixture};
use envlock_lock::{
    LockedFile, LockedPackage, MAX_PATHS, MentionSource, RequiredBy, WhyError, WhyOutcome,
    render_why, why,
};

#[test]
fn werkzeug_shows_the_root_gate_on_38_and_flask_everywhere() {
    let report = why(&fixture("marker-gate.lock"), "Werkzeug", None).unwrap();
    assert_eq!(report.package, "werkzeug");
    let WhyOutcome::Installed { targets } = &report.outcome else {
        panic!("{report:?}");
    };
    let cp38 = &targets[0];
    assert_eq!(cp38.target, CP38);
    assert_eq!(cp38.versions[0].version, "2.3.8");
    let paths = &cp38.versions[0].paths;
    assert_eq!(paths.len(), 2);
    // The root edge, with its gate.
    assert_eq!(paths[0].edges.len(), 1);
    assert_eq!(paths[0].edges[0].from, None);
    assert_eq!(
        paths[0].edges[0].marker.as_deref(),
        Some("python_version < '3.9'")
    );
    assert_eq!(paths[0].edges[0].specifier, ">2,<3.0");
    // Through flask.
    assert_eq!(paths[1].edges.len(), 2);
    assert_eq!(
        paths[1].edges[1].from,
        Some(("flask".to_owned(), "2.3.3".to_owned()))
    );
    let cp312 = &targets[1];
    assert_eq!(cp312.versions[0].version, "3.0.6");
    assert_eq!(cp312.versions[0].paths.len(), 1);
    assert!(
        cp312.versions[0].paths[0]
            .edges
            .iter()
            .all(|edge| edge.marker.is_none())
    );
}

#[test]
fn one_target_can_be_asked_for() {
    let report = why(&fixture("marker-gate.lock"), "werkzeug", Some(CP312)).unwrap();
    let WhyOutcome::Installed { targets } = &report.outcome else {
        panic!("{report:?}");
    };
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].target, CP312);
    let error = why(&fixture("marker-gate.lock"), "werkzeug", Some("cp99-linux")).unwrap_err();
    assert!(matches!(error, WhyError::UnknownTarget { .. }));
    assert!(error.to_string().contains(CP38), "{error}");
}

#[test]
fn a_package_gated_out_on_every_target_says_which_marker() {
    let report = why(&fixture("diff-new.lock"), "pywin32", None).unwrap();
    let WhyOutcome::NotInstalled {
        mentions,
        installed_on,
        ..
    } = &report.outcome
    else {
        panic!("{report:?}");
    };
    assert!(installed_on.is_empty());
    assert_eq!(mentions.len(), 1);
    assert_eq!(mentions[0].source, MentionSource::Requirement);
    assert_eq!(
        mentions[0].marker.as_deref(),
        Some("sys_platform == 'win32'")
    );
    assert!(mentions[0].holds_on.is_empty());
    let text = render_why(&report);
    assert!(text.contains("is false on every target"), "{text}");
}

#[test]
fn a_package_nobody_names_is_reported_as_such() {
    let report = why(&fixture("marker-gate.lock"), "numpy", None).unwrap();
    let text = render_why(&report);
    assert!(
        text.contains("numpy is not installed on any target"),
        "{text}"
    );
    assert!(
        text.contains("No requirement, constraint or locked dependency names it"),
        "{text}"
    );
    // A constraint names markupsafe, but constraints add nothing.
    let text = render_why(&why(&fixture("marker-gate.lock"), "MarkupSafe", None).unwrap());
    assert!(
        text.contains("constraints limit versions but never add a package"),
        "{text}"
    );
}

#[test]
fn werkzeug_on_312_only_is_not_installed_on_38_when_asked() {
    // 3.0.6 exists only on cp312; asking cp38 for a package only cp312 has:
    let mut lock = fixture("marker-gate.lock");
    lock.packages
        .retain(|package| package.version.to_string() != "2.3.8");
    let report = why(&lock, "werkzeug", Some(CP38)).unwrap();
    let WhyOutcome::NotInstalled {
        installed_on,
        mentions,
        ..
    } = &report.outcome
    else {
        panic!("{report:?}");
    };
    assert_eq!(installed_on, &[CP312.to_owned()]);
    // The root requirement's gate holds on 3.8: the lock is stale.
    let root = mentions
        .iter()
        .find(|mention| mention.source == MentionSource::Requirement)
        .unwrap();
    assert_eq!(root.holds_on, [CP38.to_owned()]);
    assert!(render_why(&report).contains("the lock may be stale"));
}

fn package(name: &str, required_by: Vec<RequiredBy>) -> LockedPackage {
    LockedPackage {
        name: name.parse().unwrap(),
        version: "1.0".parse().unwrap(),
        index: "default".to_owned(),
        targets: [CP312.to_owned()].into(),
        requires_python: None,
        dependencies: Vec::new(),
        required_by,
        files: vec![LockedFile {
            name: envlock_pep::WheelFilename::parse(&format!("{name}-1.0-py3-none-any.whl"))
                .map(envlock_pep::DistFilename::Wheel)
                .unwrap(),
            sha256: "0".repeat(64).parse().unwrap(),
            size: 1,
            targets: [CP312.to_owned()].into(),
        }],
    }
}

fn edge(from: Option<&str>) -> RequiredBy {
    RequiredBy {
        package: from.map(|name| (name.parse().unwrap(), "1.0".parse().unwrap())),
        extra: None,
        specifier: String::new(),
        marker: None,
        targets: [CP312.to_owned()].into(),
    }
}

#[test]
fn cycles_are_cut_and_many_paths_are_capped() {
    let mut lock = fixture("empty.lock");
    // a <-> b cycle, both reachable from the root; c needs both.
    lock.packages = vec![
        package("a", vec![edge(None), edge(Some("b"))]),
        package("b", vec![edge(Some("a"))]),
        package("c", vec![edge(Some("a")), edge(Some("b"))]),
    ];
    lock.targets[0].name = CP312.to_owned();
    let report = why(&lock, "c", None).unwrap();
    let WhyOutcome::Installed { targets } = &report.outcome else {
        panic!("{report:?}");
    };
    // root -> a -> c, and root -> a -> b -> c.
    assert_eq!(targets[0].versions[0].paths.len(), 2);
    assert!(!targets[0].versions[0].capped);

    // A ladder of 6 diamonds has 2^6 = 64 paths to the bottom.
    let mut packages = vec![package("p0", vec![edge(None)])];
    for level in 1..=6 {
        let above = format!("p{}", level - 1);
        packages.push(package(&format!("l{level}"), vec![edge(Some(&above))]));
        packages.push(package(&format!("r{level}"), vec![edge(Some(&above))]));
        packages.push(package(
            &format!("p{level}"),
            vec![
                edge(Some(&format!("l{level}"))),
                edge(Some(&format!("r{level}"))),
            ],
        ));
    }
    lock.packages = packages;
    let report = why(&lock, "p6", None).unwrap();
    let WhyOutcome::Installed { targets } = &report.outcome else {
        panic!("{report:?}");
    };
    assert_eq!(targets[0].versions[0].paths.len(), MAX_PATHS);
    assert!(targets[0].versions[0].capped);
    assert!(render_why(&report).contains(&format!("only the first {MAX_PATHS} are shown")));
}

#[test]
fn snapshot_why_werkzeug() {
    insta::assert_snapshot!(render_why(
        &why(&fixture("marker-gate.lock"), "werkzeug", None).unwrap()
    ));
}

#[test]
fn snapshot_why_gated_out() {
    insta::assert_snapshot!(render_why(
        &why(&fixture("diff-new.lock"), "pywin32", None).unwrap()
    ));
}
