//! Exports: a requirements file real pip accepts with `--require-hashes`
//! against the fixture index, and a `pylock.toml` that keeps PEP 751's rules.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use crate::{CP38, CP312, fixture};
use envlock_lock::{
    ExportError, FileLocation, Lock, LockedFile, LockedPackage, LockedTarget, RequiredBy,
    export_pylock, export_requirements,
};
use envlock_test::{DistSpec, FixtureIndex, FixtureServer, ServerOptions};

#[test]
fn requirements_mark_what_only_some_targets_install() {
    let text = export_requirements(&fixture("marker-gate.lock"), None).unwrap();
    assert!(
        text.contains("\nflask==2.3.3 \\\n    --hash=sha256:2e7d"),
        "{text}"
    );
    assert!(
        text.contains("\nwerkzeug==2.3.8 ; python_version == '3.8' \\\n"),
        "{text}"
    );
    assert!(
        text.contains("\nwerkzeug==3.0.6 ; python_version == '3.12' \\\n"),
        "{text}"
    );
    // Narrowed to one target: no markers at all, and nothing of the other.
    let only = export_requirements(&fixture("marker-gate.lock"), Some(&[CP38.to_owned()])).unwrap();
    assert!(only.contains("\nwerkzeug==2.3.8 \\\n"), "{only}");
    assert!(!only.contains("3.0.6"), "{only}");
    assert!(!only.contains(';'), "{only}");
}

#[test]
fn requirements_hash_every_file_of_the_chosen_targets() {
    let lock = fixture("sdist-and-wheels.lock");
    let text = export_requirements(&lock, None).unwrap();
    // Both targets install urwid-mitmproxy: no marker, the sdist (linux)
    // and the wheel (windows) hashes.
    let line = text
        .split("\n\n")
        .find(|block| block.starts_with("urwid-mitmproxy==2.1.2.1 \\"))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(line.matches("--hash=sha256:").count(), 2, "{line}");
    let windows = export_requirements(&lock, Some(&["cp310-win_amd64".to_owned()])).unwrap();
    let line = windows
        .split("\n\n")
        .find(|block| block.starts_with("urwid-mitmproxy"))
        .unwrap();
    assert_eq!(line.matches("--hash=sha256:").count(), 1, "{line}");
    assert!(line.contains("3e23e816"), "{line}");
}

#[test]
fn markers_name_the_os_when_targets_differ_in_it() {
    let mut lock = fixture("sdist-and-wheels.lock");
    // Make the windows target install a different mitmproxy.
    let mut windows = lock.packages[0].clone();
    windows.version = "10.1.5".parse().unwrap();
    windows.targets = ["cp310-win_amd64".to_owned()].into();
    windows.files[0].name =
        envlock_pep::DistFilename::parse("mitmproxy-10.1.5-py3-none-any.whl", &windows.name)
            .unwrap();
    windows.files[0].targets = windows.targets.clone();
    lock.packages[0].targets.remove("cp310-win_amd64");
    lock.packages[0].files[0].targets.remove("cp310-win_amd64");
    lock.packages.push(windows);
    let text = export_requirements(&lock, None).unwrap();
    assert!(
        text.contains(
            "mitmproxy==10.1.5 ; sys_platform == 'win32' and platform_machine == 'AMD64'"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "mitmproxy==10.1.6 ; sys_platform == 'linux' and platform_machine == 'x86_64'"
        ),
        "{text}"
    );
}

#[test]
fn targets_no_marker_tells_apart_are_refused_when_they_differ() {
    let mut lock = fixture("marker-gate.lock");
    lock.targets[1] = LockedTarget {
        name: "cp38-musllinux_1_2_x86_64".to_owned(),
        python: "3.8".parse().unwrap(),
        platform: "musllinux_1_2_x86_64".parse().unwrap(),
    };
    for package in &mut lock.packages {
        let rename = |set: &mut BTreeSet<String>| {
            if set.remove(CP312) {
                set.insert("cp38-musllinux_1_2_x86_64".to_owned());
            }
        };
        rename(&mut package.targets);
        package
            .files
            .iter_mut()
            .for_each(|file| rename(&mut file.targets));
    }
    let error = export_requirements(&lock, None).unwrap_err();
    assert!(
        matches!(error, ExportError::IndistinguishableTargets { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("werkzeug"), "{error}");
    // One at a time works.
    export_requirements(&lock, Some(&[CP38.to_owned()])).unwrap();
}

#[test]
fn unknown_targets_and_missing_files_are_errors() {
    let lock = fixture("marker-gate.lock");
    let error = export_requirements(&lock, Some(&["cp39-win32".to_owned()])).unwrap_err();
    assert!(
        error.to_string().contains("no target `cp39-win32`"),
        "{error}"
    );
    let mut bare = lock.clone();
    bare.packages[0].files.clear();
    let error = export_requirements(&bare, None).unwrap_err();
    assert!(matches!(error, ExportError::NoFiles { .. }), "{error}");
}

#[test]
fn snapshot_requirements_marker_gate() {
    insta::assert_snapshot!(export_requirements(&fixture("marker-gate.lock"), None).unwrap());
}

// ------------------------------------------------------------------ pylock

/// Checks the PEP 751 rules a reader can check; returns the parsed document.
fn check_pylock(text: &str) -> toml::Table {
    let document: toml::Table =
        toml::from_str(text).unwrap_or_else(|error| panic!("{error}\n{text}"));
    assert_eq!(document["lock-version"].as_str(), Some("1.0"));
    assert!(document["created-by"].is_str());
    for environment in document
        .get("environments")
        .and_then(|value| value.as_array())
        .into_iter()
        .flatten()
    {
        let marker = environment.as_str().unwrap();
        marker
            .parse::<envlock_pep::MarkerTree>()
            .unwrap_or_else(|error| panic!("{marker}: {error}"));
    }
    let packages = document["packages"]
        .as_array()
        .expect("[[packages]] is required");
    assert!(!packages.is_empty());
    for package in packages {
        let name = package["name"].as_str().expect("packages.name is required");
        let normalized: envlock_pep::PackageName = name.parse().unwrap();
        assert_eq!(normalized.to_string(), name, "names are normalized");
        package["version"]
            .as_str()
            .unwrap()
            .parse::<envlock_pep::Version>()
            .unwrap();
        if let Some(marker) = package.get("marker") {
            marker
                .as_str()
                .unwrap()
                .parse::<envlock_pep::MarkerTree>()
                .unwrap();
        }
        for exclusive in ["vcs", "directory", "archive"] {
            assert!(package.get(exclusive).is_none());
        }
        let mut files: Vec<&toml::Value> = Vec::new();
        if let Some(sdist) = package.get("sdist") {
            files.push(sdist);
        }
        files.extend(
            package
                .get("wheels")
                .and_then(|wheels| wheels.as_array())
                .into_iter()
                .flatten(),
        );
        assert!(!files.is_empty(), "{name} has no file");
        for file in files {
            let has_url = file.get("url").is_some();
            let has_path = file.get("path").is_some();
            assert!(has_url != has_path, "exactly one of url and path: {file}");
            let location = file
                .get("url")
                .or(file.get("path"))
                .unwrap()
                .as_str()
                .unwrap();
            let file_name = file["name"].as_str().unwrap();
            assert!(
                location.ends_with(&format!("/{file_name}")),
                "{location} names {file_name}"
            );
            let hashes = file["hashes"].as_table().expect("hashes are required");
            let sha256 = hashes["sha256"].as_str().unwrap();
            assert_eq!(sha256.len(), 64);
            assert!(file["size"].as_integer().unwrap() >= 0);
        }
    }
    document
}

#[test]
fn pylock_for_a_wheelhouse_has_relative_paths_and_markers() {
    let text = export_pylock(
        &fixture("marker-gate.lock"),
        None,
        &FileLocation::Wheelhouse,
    )
    .unwrap();
    let document = check_pylock(&text);
    assert_eq!(document["requires-python"].as_str(), Some(">=3.8"));
    assert_eq!(document["environments"].as_array().unwrap().len(), 2);
    let packages = document["packages"].as_array().unwrap();
    let werkzeug: Vec<&toml::Value> = packages
        .iter()
        .filter(|package| package["name"].as_str() == Some("werkzeug"))
        .collect();
    assert_eq!(werkzeug.len(), 2);
    assert_eq!(
        werkzeug[0]["marker"].as_str(),
        Some("python_version == '3.8'")
    );
    assert_eq!(
        werkzeug[1]["marker"].as_str(),
        Some("python_version == '3.12'")
    );
    assert_eq!(
        werkzeug[0]["wheels"][0]["path"].as_str(),
        Some("./werkzeug-2.3.8-py3-none-any.whl")
    );
    let flask = &packages[0];
    assert!(flask.get("marker").is_none());
    // Each target's environment selects exactly one werkzeug.
    for (environment, expected) in document["environments"]
        .as_array()
        .unwrap()
        .iter()
        .zip(["2.3.8", "3.0.6"])
    {
        let python = if environment.as_str().unwrap().contains("'3.8'") {
            "3.8"
        } else {
            "3.12"
        };
        let chosen: Vec<&str> = werkzeug
            .iter()
            .filter(|package| {
                package["marker"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("'{python}'"))
            })
            .map(|package| package["version"].as_str().unwrap())
            .collect();
        assert_eq!(chosen, [expected]);
    }
    assert_eq!(
        flask["dependencies"].as_array().unwrap().len(),
        2,
        "flask needs werkzeug 2.3.8 on 3.8 and 3.0.6 on 3.12"
    );
}

#[test]
fn pylock_with_an_index_needs_every_file_url() {
    let lock = fixture("sdist-and-wheels.lock");
    let mut file_urls = BTreeMap::new();
    for package in &lock.packages {
        for file in &package.files {
            file_urls.insert(
                file.file_name().to_owned(),
                format!("http://127.0.0.1:9/files/{}", file.file_name()),
            );
        }
    }
    let location = FileLocation::Index {
        index_url: "http://127.0.0.1:9/simple/".to_owned(),
        file_urls: file_urls.clone(),
    };
    let text = export_pylock(&lock, None, &location).unwrap();
    let document = check_pylock(&text);
    let urwid = &document["packages"][1];
    assert_eq!(urwid["index"].as_str(), Some("http://127.0.0.1:9/simple/"));
    assert_eq!(
        urwid["sdist"]["name"].as_str(),
        Some("urwid-mitmproxy-2.1.2.1.tar.gz")
    );
    assert_eq!(urwid["wheels"].as_array().unwrap().len(), 1);
    file_urls.remove("urwid-mitmproxy-2.1.2.1.tar.gz");
    let error = export_pylock(
        &lock,
        None,
        &FileLocation::Index {
            index_url: "http://127.0.0.1:9/simple/".to_owned(),
            file_urls,
        },
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("urwid-mitmproxy-2.1.2.1.tar.gz"),
        "{error}"
    );
}

#[test]
fn pylock_of_every_fixture_is_valid_and_deterministic() {
    for name in [
        "marker-gate.lock",
        "sdist-and-wheels.lock",
        "diff-old.lock",
        "diff-new.lock",
    ] {
        let lock = fixture(name);
        let text = export_pylock(&lock, None, &FileLocation::Wheelhouse).unwrap();
        check_pylock(&text);
        let mut reversed = lock.clone();
        reversed.packages.reverse();
        assert_eq!(
            export_pylock(
                &envlock_lock::normalise(reversed),
                None,
                &FileLocation::Wheelhouse
            )
            .unwrap(),
            text,
            "{name}"
        );
    }
}

#[test]
fn snapshot_pylock_marker_gate() {
    insta::assert_snapshot!(
        export_pylock(
            &fixture("marker-gate.lock"),
            None,
            &FileLocation::Wheelhouse
        )
        .unwrap()
    );
}

// --------------------------------------------------------------- real pip

/// The host's `3.<minor>`, or `None` (after saying why) when python3 with
/// venv is missing.
fn host_python() -> Option<String> {
    let output = Command::new("python3")
        .args([
            "-c",
            "import sys, venv; print('%d.%d' % sys.version_info[:2])",
        ])
        .output();
    match output {
        Ok(output) if output.status.success() => {
            Some(String::from_utf8_lossy(&output.stdout).trim().to_owned())
        }
        _ => {
            println!("SKIPPED: python3 with the venv module is not available");
            None
        }
    }
}

fn locked(
    index: &FixtureIndex,
    name: &str,
    version: &str,
    targets: &[&str],
    required_by: Vec<RequiredBy>,
) -> LockedPackage {
    let targets: BTreeSet<String> = targets.iter().map(|target| (*target).to_owned()).collect();
    let files = index
        .files(name)
        .iter()
        .filter(|file| {
            file.version(name).as_deref() == Some(version)
                && file.filename.ends_with("-py3-none-any.whl")
        })
        .map(|file| LockedFile {
            name: envlock_pep::DistFilename::parse(&file.filename, &name.parse().unwrap()).unwrap(),
            sha256: file.sha256().parse().unwrap(),
            size: file.bytes.len() as u64,
            targets: targets.clone(),
        })
        .collect();
    LockedPackage {
        name: name.parse().unwrap(),
        version: version.parse().unwrap(),
        index: "default".to_owned(),
        targets,
        requires_python: None,
        dependencies: Vec::new(),
        required_by,
        files,
    }
}

fn root(targets: &[&str]) -> RequiredBy {
    RequiredBy {
        package: None,
        extra: None,
        specifier: String::new(),
        marker: None,
        targets: targets.iter().map(|target| (*target).to_owned()).collect(),
    }
}

fn pip(venv: &envlock_test::Venv, arguments: &[&str]) -> std::process::Output {
    venv.pip()
        .args([
            "--disable-pip-version-check",
            "--no-cache-dir",
            "--no-input",
        ])
        .args(arguments)
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_EXTRA_INDEX_URL")
        .env_remove("PIP_FIND_LINKS")
        .output()
        .unwrap()
}

#[test]
fn pip_installs_the_requirements_export_with_require_hashes() {
    let Some(host) = host_python() else { return };
    // The host is one target; another Python is the other.
    let other = if host == "3.8" { "3.9" } else { "3.8" };
    let tag = |python: &str| format!("cp{}-manylinux_2_28_x86_64", python.replace('.', ""));
    let (host_target, other_target) = (tag(&host), tag(other));

    let mut index = FixtureIndex::new();
    index.add_wheel(
        &DistSpec::new("top", "1.0").requires(["leaf>=1", "backport ; python_version < '3.9'"]),
        "py3-none-any",
    );
    index.add_wheel(&DistSpec::new("leaf", "1.0"), "py3-none-any");
    index.add_wheel(&DistSpec::new("leaf", "2.0"), "py3-none-any");
    index.add_wheel(&DistSpec::new("backport", "1.0"), "py3-none-any");
    // A file the lock does not name: pip must not take it.
    index.add_wheel(&DistSpec::new("leaf", "2.0"), "py2.py3-none-any");

    let both = [host_target.as_str(), other_target.as_str()];
    let top_edge = |targets: &[&str]| RequiredBy {
        package: Some(("top".parse().unwrap(), "1.0".parse().unwrap())),
        extra: None,
        specifier: ">=1".to_owned(),
        marker: None,
        targets: targets.iter().map(|target| (*target).to_owned()).collect(),
    };
    let lock = envlock_lock::normalise(Lock {
        name: "pip-check".to_owned(),
        inputs_digest: format!("sha256:{}", "0".repeat(64)),
        targets: [&host, other]
            .iter()
            .map(|python| LockedTarget {
                name: tag(python),
                python: python.parse().unwrap(),
                platform: "manylinux_2_28_x86_64".parse().unwrap(),
            })
            .collect(),
        requirements: vec!["top".to_owned()],
        packages: vec![
            locked(&index, "top", "1.0", &both, vec![root(&both)]),
            locked(
                &index,
                "leaf",
                "2.0",
                &[&host_target],
                vec![top_edge(&[&host_target])],
            ),
            locked(
                &index,
                "leaf",
                "1.0",
                &[&other_target],
                vec![top_edge(&[&other_target])],
            ),
            locked(
                &index,
                "backport",
                "1.0",
                &[&other_target],
                vec![top_edge(&[&other_target])],
            ),
        ],
        ..Lock::default()
    });
    envlock_lock::validate(&lock).unwrap();
    let requirements = export_requirements(&lock, None).unwrap();
    assert!(
        requirements.contains(&format!("leaf==2.0 ; python_version == '{host}'")),
        "{requirements}"
    );

    let server = FixtureServer::start(index, ServerOptions::default()).unwrap();
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("requirements.txt");
    std::fs::write(&file, &requirements).unwrap();
    let venv = match envlock_test::Venv::create(None, &work.path().join("venv")) {
        Ok(venv) => venv,
        Err(error) => {
            // Some distributions ship venv without ensurepip.
            println!("SKIPPED: {error}");
            return;
        }
    };
    let index_url = server.index_url();
    let output = pip(
        &venv,
        &[
            "install",
            "--require-hashes",
            "--index-url",
            &index_url,
            "-r",
            file.to_str().unwrap(),
        ],
    );
    assert!(
        output.status.success(),
        "pip refused the export:\n{requirements}\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let listed = pip(&venv, &["list", "--format=freeze"]);
    let installed: BTreeSet<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter(|line| {
            ["top==", "leaf==", "backport=="]
                .iter()
                .any(|name| line.starts_with(name))
        })
        .map(str::to_owned)
        .collect();
    assert_eq!(
        installed,
        BTreeSet::from(["leaf==2.0".to_owned(), "top==1.0".to_owned()])
    );

    // A hash that does not match the index's file is refused: the hashes
    // really are checked.
    let mut tampered = lock.clone();
    for package in &mut tampered.packages {
        if package.name.as_ref() == "leaf" {
            for file in &mut package.files {
                file.sha256 = "ab".repeat(32).parse().unwrap();
            }
        }
    }
    let bad = work.path().join("tampered.txt");
    std::fs::write(&bad, export_requirements(&tampered, None).unwrap()).unwrap();
    let output = pip(
        &venv,
        &[
            "download",
            "--require-hashes",
            "--index-url",
            &index_url,
            "-d",
            work.path().join("downloads").to_str().unwrap(),
            "-r",
            bad.to_str().unwrap(),
        ],
    );
    assert!(!output.status.success(), "pip accepted a wrong hash");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("HASH"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn patch_versions_are_used_only_when_two_targets_share_a_minor() {
    let mut lock = fixture("marker-gate.lock");
    lock.targets[0].python = "3.12.4".parse().unwrap();
    lock.targets[1].python = "3.12.14".parse().unwrap();
    let text = export_requirements(&lock, None).unwrap();
    assert!(
        text.contains("werkzeug==2.3.8 ; python_full_version == '3.12.4' \\"),
        "{text}"
    );
    assert!(
        text.contains("werkzeug==3.0.6 ; python_full_version == '3.12.14' \\"),
        "{text}"
    );
    // Every emitted marker holds on exactly the targets that install it.
    let environments: Vec<(&str, envlock_pep::MarkerEnvironment)> = lock
        .targets
        .iter()
        .map(|target| {
            let built = envlock_pep::Target::new(target.python, target.platform.clone()).unwrap();
            (target.name.as_str(), built.marker_environment().clone())
        })
        .collect();
    for package in &lock.packages {
        let header = format!("{}=={}", package.name, package.version);
        let line = text.lines().find(|line| line.starts_with(&header)).unwrap();
        let marker = line
            .split_once(" ; ")
            .map(|(_, marker)| marker.trim_end_matches(" \\"));
        for (name, environment) in &environments {
            let holds = marker.is_none_or(|marker| {
                marker
                    .parse::<envlock_pep::MarkerTree>()
                    .unwrap()
                    .evaluate(environment, &[])
            });
            assert_eq!(holds, package.targets.contains(*name), "{line} on {name}");
        }
    }
}

#[test]
fn a_lock_name_built_in_memory_cannot_add_a_requirement_line() {
    let mut lock = fixture("marker-gate.lock");
    lock.name = "kit\n--index-url http://evil.invalid/simple\nevil==1.0".to_owned();
    let text = export_requirements(&lock, None).unwrap();
    assert!(
        text.lines()
            .all(|line| !line.starts_with("--index-url") && !line.starts_with("evil")),
        "{text}"
    );
    assert!(text.starts_with("# Written by `envlock export` from the lock `kit --index-url"));
}
