//! `envlock lock` against the fixture index: what a reviewer relies on
//! (stability, markers per target, sdists made visible) and what CI relies
//! on (`--check`).

use envlock_test::{DistSpec, FixtureServer, ServerOptions};

use crate::universe::{SPEC, universe};
use crate::util::{TestDir, python3_available, run, sdist, zip_archive};

fn lock(dir: &TestDir, server: &FixtureServer, extra: &[&str]) -> (i32, String, String) {
    let mut command = dir.envlock();
    command
        .args(["lock", "--index-url", &server.index_url()])
        .args(extra);
    run(command)
}

fn setup() -> (TestDir, FixtureServer) {
    let server = FixtureServer::start(universe(), ServerOptions::default()).unwrap();
    let dir = TestDir::new();
    std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
    (dir, server)
}

fn read_lock(dir: &TestDir) -> envlock_lock::Lock {
    envlock_lock::read_lock(&dir.join("envlock.lock")).unwrap()
}

fn versions(lock: &envlock_lock::Lock, target: &str) -> Vec<String> {
    lock.packages_for(target)
        .map(|package| format!("{} {}", package.name, package.version))
        .collect()
}

envlock_test!(markers_and_wheels_are_chosen_per_target, |dir| {
    let server = FixtureServer::start(universe(), ServerOptions::default()).unwrap();
    std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
    let (code, _, stderr) = lock(&dir, &server, &[]);
    assert_eq!(code, 0, "{stderr}");
    let lock = read_lock(&dir);
    assert_eq!(
        versions(&lock, "cp38-manylinux_2_28_x86_64"),
        [
            "flask 2.3.3",
            "markupsafe 2.1.5",
            "pyperclip 1.8.2",
            "pysocks 1.7.1",
            "requests 2.32.0",
            "tqdm 4.66.0",
            "werkzeug 2.3.8"
        ]
    );
    assert_eq!(
        versions(&lock, "cp312-manylinux_2_28_x86_64"),
        [
            "flask 3.0.3",
            "markupsafe 2.1.5",
            "pyperclip 1.8.2",
            "pysocks 1.7.1",
            "requests 2.32.0",
            "tqdm 4.66.0",
            "werkzeug 3.0.6"
        ]
    );
    // The whole file, and the gate as written on the target it applies to,
    // are in the snapshot `lock_of_the_universe` (outputs.rs).
    let text = std::fs::read_to_string(dir.join("envlock.lock")).unwrap();
    // Each target gets the wheel built for its own Python.
    let markupsafe = lock
        .packages
        .iter()
        .find(|package| package.name.as_ref() == "markupsafe")
        .unwrap();
    let files: Vec<(&str, Vec<&String>)> = markupsafe
        .files
        .iter()
        .map(|file| (file.file_name(), file.targets.iter().collect()))
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files
            .iter()
            .any(|(name, targets)| name.contains("cp38-cp38")
                && targets.len() == 1
                && targets[0].starts_with("cp38"))
    );
    assert!(
        files
            .iter()
            .any(|(name, targets)| name.contains("cp312-cp312")
                && targets.len() == 1
                && targets[0].starts_with("cp312"))
    );
    // A package with only an sdist is locked as the sdist, visibly.
    let pyperclip = lock
        .packages
        .iter()
        .find(|package| package.name.as_ref() == "pyperclip")
        .unwrap();
    assert_eq!(pyperclip.files[0].file_name(), "pyperclip-1.8.2.tar.gz");
    // The extra's dependency is there, with the edge from the extra.
    let pysocks = lock
        .packages
        .iter()
        .find(|package| package.name.as_ref() == "pysocks")
        .unwrap();
    assert_eq!(pysocks.required_by[0].extra.as_deref(), Some("socks"));
    // No URL or host is ever written.
    assert!(!text.contains("http"), "{text}");
});

envlock_test!(relocking_unchanged_inputs_is_byte_identical, |_dir| {
    let (dir, server) = setup();
    assert_eq!(lock(&dir, &server, &[]).0, 0);
    let first = std::fs::read(dir.join("envlock.lock")).unwrap();
    let (code, _, stderr) = lock(&dir, &server, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read(dir.join("envlock.lock")).unwrap(), first);
    // And from a cold cache too.
    std::fs::remove_dir_all(dir.join(".cache")).unwrap();
    assert_eq!(lock(&dir, &server, &[]).0, 0);
    assert_eq!(std::fs::read(dir.join("envlock.lock")).unwrap(), first);
});

envlock_test!(existing_pins_are_kept_until_upgraded, |_dir| {
    let (dir, server) = setup();
    assert_eq!(lock(&dir, &server, &[]).0, 0);
    // A newer flask and werkzeug appear; a new requirement is added.
    server.update_index(|index| {
        let spec = DistSpec::new("flask", "3.1.0")
            .requires("werkzeug>=3.1")
            .requires_python(">=3.9");
        index.add_wheel(&spec, "py3-none-any");
        let spec = DistSpec::new("werkzeug", "3.1.0")
            .requires("markupsafe>=2.1")
            .requires_python(">=3.9");
        index.add_wheel(&spec, "py3-none-any");
        index.add_wheel(&DistSpec::new("six", "1.16.0"), "py3-none-any");
    });
    let spec = std::fs::read_to_string(dir.join("envlock.toml"))
        .unwrap()
        .replace("\"tqdm<4.67\",", "\"tqdm<4.67\",\n    \"six\",");
    std::fs::write(dir.join("envlock.toml"), spec).unwrap();
    let (code, _, stderr) = lock(&dir, &server, &["--refresh"]);
    assert_eq!(code, 0, "{stderr}");
    let kept = read_lock(&dir);
    let cp312 = versions(&kept, "cp312-manylinux_2_28_x86_64");
    assert_eq!(
        cp312,
        [
            "flask 3.0.3",
            "markupsafe 2.1.5",
            "pyperclip 1.8.2",
            "pysocks 1.7.1",
            "requests 2.32.0",
            "six 1.16.0",
            "tqdm 4.66.0",
            "werkzeug 3.0.6"
        ]
    );
    // Only the named package moves (and what it must drag along).
    let (code, _, stderr) = lock(&dir, &server, &["--refresh", "--upgrade-package", "flask"]);
    assert_eq!(code, 0, "{stderr}");
    let cp312 = versions(&read_lock(&dir), "cp312-manylinux_2_28_x86_64");
    assert_eq!(
        cp312,
        [
            "flask 3.1.0",
            "markupsafe 2.1.5",
            "pyperclip 1.8.2",
            "pysocks 1.7.1",
            "requests 2.32.0",
            "six 1.16.0",
            "tqdm 4.66.0",
            "werkzeug 3.1.0"
        ]
    );
});

envlock_test!(check_fails_on_a_stale_lock_and_writes_nothing, |_dir| {
    let (dir, server) = setup();
    // What `--check` says is in the snapshots `lock_check_*` (outputs.rs).
    let (code, _, stderr) = lock(&dir, &server, &["--check"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(!dir.join("envlock.lock").exists());
    assert_eq!(lock(&dir, &server, &[]).0, 0);
    let (code, _, stderr) = lock(&dir, &server, &["--check"]);
    assert_eq!(code, 0, "{stderr}");
    let before = std::fs::read(dir.join("envlock.lock")).unwrap();
    let spec = std::fs::read_to_string(dir.join("envlock.toml"))
        .unwrap()
        .replace("tqdm<4.67", "tqdm>=4.67");
    std::fs::write(dir.join("envlock.toml"), spec).unwrap();
    let (code, _, stderr) = lock(&dir, &server, &["--check"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(std::fs::read(dir.join("envlock.lock")).unwrap(), before);
});

envlock_test!(target_option_re_resolves_only_that_target, |_dir| {
    let (dir, server) = setup();
    assert_eq!(lock(&dir, &server, &[]).0, 0);
    let spec = std::fs::read_to_string(dir.join("envlock.toml"))
        .unwrap()
        .replace("tqdm<4.67", "tqdm>=4.67");
    std::fs::write(dir.join("envlock.toml"), spec).unwrap();
    let (code, _, stderr) = lock(&dir, &server, &["--target", "cp312-manylinux_2_28_x86_64"]);
    assert_eq!(code, 0, "{stderr}");
    let locked = read_lock(&dir);
    assert_eq!(
        versions(&locked, "cp312-manylinux_2_28_x86_64"),
        [
            "flask 3.0.3",
            "markupsafe 2.1.5",
            "pyperclip 1.8.2",
            "pysocks 1.7.1",
            "requests 2.32.0",
            "tqdm 4.67.0",
            "werkzeug 3.0.6"
        ]
    );
    assert_eq!(
        versions(&locked, "cp38-manylinux_2_28_x86_64"),
        [
            "flask 2.3.3",
            "markupsafe 2.1.5",
            "pyperclip 1.8.2",
            "pysocks 1.7.1",
            "requests 2.32.0",
            "tqdm 4.66.0",
            "werkzeug 2.3.8"
        ]
    );
    // An unknown target: the snapshot `lock_error_unknown_target`.
});

envlock_test!(find_links_folders_are_indexes_too, |dir| {
    let wheels = dir.join("wheels");
    universe().write_find_links_dir(&wheels).unwrap();
    std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
    let mut command = dir.envlock();
    command.args(["lock", "--find-links"]).arg(&wheels);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        versions(&read_lock(&dir), "cp38-manylinux_2_28_x86_64"),
        [
            "flask 2.3.3",
            "markupsafe 2.1.5",
            "pyperclip 1.8.2",
            "pysocks 1.7.1",
            "requests 2.32.0",
            "tqdm 4.66.0",
            "werkzeug 2.3.8"
        ]
    );
});

envlock_test!(
    html_only_indexes_get_sizes_by_range_and_work_offline,
    |_dir| {
        // PEP 503 HTML pages carry no sizes; most mirrors serve only those.
        let options = ServerOptions {
            json: false,
            ..ServerOptions::default()
        };
        let index = universe();
        let expected: Vec<(String, u64)> = index
            .projects()
            .flat_map(|project| {
                index
                    .files(project)
                    .iter()
                    .map(|file| (file.filename.clone(), file.bytes.len() as u64))
            })
            .collect();
        let server = FixtureServer::start(index, options).unwrap();
        let dir = TestDir::new();
        std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
        let (code, _, stderr) = lock(&dir, &server, &[]);
        assert_eq!(code, 0, "{stderr}");
        let locked = read_lock(&dir);
        let mut checked = 0;
        for file in locked.packages.iter().flat_map(|package| &package.files) {
            let (_, size) = expected
                .iter()
                .find(|(name, _)| *name == file.file_name())
                .unwrap();
            assert_eq!(file.size, *size, "{}", file.name);
            checked += 1;
        }
        assert!(checked >= 8, "{checked}");
        let first = std::fs::read(dir.join("envlock.lock")).unwrap();
        // Sizes are cached: an offline re-lock needs no network and agrees.
        let (code, _, stderr) = lock(&dir, &server, &["--offline"]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(std::fs::read(dir.join("envlock.lock")).unwrap(), first);
    }
);

/// An sdist whose metadata is not static (PKG-INFO 1.0, no `[project]`),
/// with an in-tree PEP 517 backend that declares a dependency only when asked
/// for metadata. Needs no network: the backend has no build requirements.
fn dynamic_sdist() -> Vec<u8> {
    sdist(&[
        (
            "dyn-1.0/PKG-INFO",
            "Metadata-Version: 1.0\nName: dyn\nVersion: 1.0\n",
        ),
        (
            "dyn-1.0/pyproject.toml",
            "[build-system]\nrequires = []\nbuild-backend = \"inline_backend\"\nbackend-path = [\".\"]\n",
        ),
        (
            "dyn-1.0/inline_backend.py",
            "import os\n\
             def prepare_metadata_for_build_wheel(directory, config_settings=None):\n\
             \x20   folder = 'dyn-1.0.dist-info'\n\
             \x20   os.makedirs(os.path.join(directory, folder))\n\
             \x20   with open(os.path.join(directory, folder, 'METADATA'), 'w') as out:\n\
             \x20       out.write('Metadata-Version: 2.1\\nName: dyn\\nVersion: 1.0\\nRequires-Dist: tqdm<4.67\\n')\n\
             \x20   return folder\n",
        ),
    ])
}

envlock_test!(
    dynamic_sdist_metadata_is_built_with_the_backend_hook,
    |dir| {
        if !python3_available() {
            return;
        }
        let mut index = universe();
        index.add_file(
            "dyn",
            envlock_test::FixtureFile::new("dyn-1.0.tar.gz", dynamic_sdist()),
        );
        let server = FixtureServer::start(index, ServerOptions::default()).unwrap();
        std::fs::write(
        dir.join("envlock.toml"),
        "name = \"x\"\nrequirements = [\"dyn\"]\ncarry-pip = false\n[[targets]]\npython = \"3.12\"\nplatform = \"manylinux\"\n",
    )
    .unwrap();
        let (code, _, stderr) = lock(&dir, &server, &[]);
        assert_eq!(code, 0, "{stderr}");
        let locked = read_lock(&dir);
        // The dependency only the backend knows about is resolved.
        assert_eq!(
            versions(&locked, "cp312-manylinux_2_28_x86_64"),
            ["dyn 1.0", "tqdm 4.66.0"]
        );
        // The built metadata is cached by the sdist's hash: a re-lock offline
        // needs neither the network nor the backend.
        std::fs::remove_file(dir.join("envlock.lock")).unwrap();
        let (code, _, stderr) = lock(&dir, &server, &["--offline"]);
        assert_eq!(code, 0, "{stderr}");
    }
);

/// A pure-Python wheel holding a PEP 517 backend module: the build
/// requirement of the sdist below, which envlock must unpack into a build
/// environment itself (no pip, no network).
fn backend_wheel() -> Vec<u8> {
    let backend = "import os\n\
        def prepare_metadata_for_build_wheel(directory, config_settings=None):\n\
        \x20   folder = 'needsbackend-2.0.dist-info'\n\
        \x20   os.makedirs(os.path.join(directory, folder))\n\
        \x20   with open(os.path.join(directory, folder, 'METADATA'), 'w') as out:\n\
        \x20       out.write('Metadata-Version: 2.1\\nName: needsbackend\\nVersion: 2.0\\nRequires-Dist: pysocks\\n')\n\
        \x20   return folder\n";
    let files = [
        ("wheel_backend.py", backend),
        (
            "backendpkg-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: backendpkg\nVersion: 1.0\n",
        ),
        (
            "backendpkg-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
        ("backendpkg-1.0.dist-info/RECORD", ""),
    ];
    zip_archive(&files)
}

envlock_test!(build_requirements_are_unpacked_from_pure_wheels, |dir| {
    if !python3_available() {
        return;
    }
    let mut index = universe();
    index.add_file(
        "backendpkg",
        envlock_test::FixtureFile::new("backendpkg-1.0-py3-none-any.whl", backend_wheel()),
    );
    let needs_backend = sdist(&[
        (
            "needsbackend-2.0/PKG-INFO",
            "Metadata-Version: 1.0\nName: needsbackend\nVersion: 2.0\n",
        ),
        (
            "needsbackend-2.0/pyproject.toml",
            "[build-system]\nrequires = [\"backendpkg\"]\nbuild-backend = \"wheel_backend\"\n",
        ),
    ]);
    index.add_file(
        "needsbackend",
        envlock_test::FixtureFile::new("needsbackend-2.0.tar.gz", needs_backend),
    );
    let server = FixtureServer::start(index, ServerOptions::default()).unwrap();
    std::fs::write(
        dir.join("envlock.toml"),
        "name = \"x\"\nrequirements = [\"needsbackend\"]\ncarry-pip = false\n[[targets]]\npython = \"3.12\"\nplatform = \"manylinux\"\n",
    )
    .unwrap();
    let (code, _, stderr) = lock(&dir, &server, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        versions(&read_lock(&dir), "cp312-manylinux_2_28_x86_64"),
        ["needsbackend 2.0", "pysocks 1.7.1"]
    );
    // The backend's wheel was unpacked into a cached build environment.
    let environments = dir.join(".cache/built-metadata-v1/build-environments");
    let unpacked: Vec<_> = std::fs::read_dir(&environments)
        .unwrap()
        .flatten()
        .filter(|entry| entry.path().join("wheel_backend.py").is_file())
        .collect();
    assert_eq!(unpacked.len(), 1, "{environments:?}");
    // Unpacked by envlock, not installed by the pip fallback (pip writes an
    // INSTALLER file into every dist-info it installs).
    assert!(
        !unpacked[0]
            .path()
            .join("backendpkg-1.0.dist-info/INSTALLER")
            .exists()
    );
});

envlock_test!(sdist_build_requirements_are_locked_per_target, |dir| {
    let mut index = universe();
    // Build tools, for the sdists' build environments.
    for version in ["68.0.0", "75.3.0"] {
        index.add_wheel(
            &DistSpec::new("setuptools", version).requires_python(">=3.8"),
            "py3-none-any",
        );
    }
    index.add_wheel(&DistSpec::new("wheel", "0.45.1"), "py3-none-any");
    // An old sdist with no pyproject.toml: pip's defaults apply.
    index.add_file(
        "oldstyle",
        envlock_test::FixtureFile::new(
            "oldstyle-0.1.tar.gz",
            sdist(&[
                (
                    "oldstyle-0.1/PKG-INFO",
                    "Metadata-Version: 2.2\nName: oldstyle\nVersion: 0.1\n",
                ),
                (
                    "oldstyle-0.1/setup.py",
                    "from setuptools import setup\nsetup()\n",
                ),
            ]),
        ),
    );
    let server = FixtureServer::start(index, ServerOptions::default()).unwrap();
    std::fs::write(
        dir.join("envlock.toml"),
        SPEC.replace("\"tqdm<4.67\",", "\"tqdm<4.67\",\n    \"oldstyle\","),
    )
    .unwrap();
    let (code, _, stderr) = lock(&dir, &server, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let locked = read_lock(&dir);
    let build: Vec<String> = locked
        .build_packages
        .iter()
        .map(|package| format!("{} {}", package.name, package.version))
        .collect();
    // The newest setuptools that the build-system allows, and wheel (which
    // setuptools' backend asks for), for both targets; nothing runtime.
    assert_eq!(build, ["setuptools 75.3.0", "wheel 0.45.1"]);
    let setuptools = &locked.build_packages[0];
    assert_eq!(setuptools.targets.len(), 2);
    let requiring: Vec<(String, String)> = setuptools
        .required_by
        .iter()
        .map(|edge| {
            let (name, _) = edge.package.clone().unwrap();
            (name.to_string(), edge.specifier.clone())
        })
        .collect();
    assert!(
        requiring.contains(&("pyperclip".to_owned(), ">=40.8.0".to_owned()))
            && requiring.contains(&("oldstyle".to_owned(), ">=40.8.0".to_owned())),
        "{requiring:?}"
    );
    assert!(
        !locked
            .packages
            .iter()
            .any(|package| package.name.as_ref() == "setuptools"),
        "a build tool leaked into the runtime packages"
    );
    // Re-locking unchanged inputs is byte-identical, build packages included.
    let before = std::fs::read(dir.join("envlock.lock")).unwrap();
    let (code, _, stderr) = lock(&dir, &server, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read(dir.join("envlock.lock")).unwrap(), before);
});

/// An sdist with static metadata (PKG-INFO 2.2) that builds with `requires`.
fn static_sdist(name: &str, version: &str, requires: &str) -> envlock_test::FixtureFile {
    let top = format!("{name}-{version}");
    envlock_test::FixtureFile::new(
        &format!("{top}.tar.gz"),
        sdist(&[
            (
                &format!("{top}/PKG-INFO"),
                &format!("Metadata-Version: 2.2\nName: {name}\nVersion: {version}\n"),
            ),
            (
                &format!("{top}/pyproject.toml"),
                &format!(
                    "[build-system]\nrequires = [{requires}]\nbuild-backend = \"setuptools.build_meta\"\n"
                ),
            ),
        ]),
    )
}

envlock_test!(build_requirements_of_build_requirements_are_locked, |dir| {
    // needstool builds with sdisttool, which has only an sdist and builds
    // with wheel: a second wave locks sdisttool's build requirements.
    let mut index = universe();
    index.add_wheel(&DistSpec::new("wheel", "0.45.1"), "py3-none-any");
    index.add_file("sdisttool", static_sdist("sdisttool", "1.0", "\"wheel\""));
    index.add_file(
        "needstool",
        static_sdist("needstool", "0.1", "\"sdisttool\""),
    );
    let server = FixtureServer::start(index, ServerOptions::default()).unwrap();
    std::fs::write(
        dir.join("envlock.toml"),
        "name = \"x\"\nrequirements = [\"needstool\"]\ncarry-pip = false\n\
         [[targets]]\npython = \"3.12\"\nplatform = \"manylinux\"\n\
         [[targets]]\npython = \"3.11\"\nplatform = \"manylinux\"\n",
    )
    .unwrap();
    let (code, _, stderr) = lock(&dir, &server, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let locked = read_lock(&dir);
    let edges = |package: &envlock_lock::LockedPackage| -> Vec<String> {
        package
            .required_by
            .iter()
            .filter_map(|edge| edge.package.clone())
            .map(|(name, _)| name.to_string())
            .collect()
    };
    let build: Vec<(String, usize, Vec<String>)> = locked
        .build_packages
        .iter()
        .map(|package| {
            (
                format!("{} {}", package.name, package.version),
                package.targets.len(),
                edges(package),
            )
        })
        .collect();
    assert_eq!(
        build,
        [
            ("sdisttool 1.0".to_owned(), 2, vec!["needstool".to_owned()]),
            ("wheel 0.45.1".to_owned(), 2, vec!["sdisttool".to_owned()]),
        ]
    );
    assert_eq!(
        versions(&locked, "cp311-manylinux_2_28_x86_64"),
        ["needstool 0.1"]
    );
    let before = std::fs::read(dir.join("envlock.lock")).unwrap();
    let (code, _, stderr) = lock(&dir, &server, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read(dir.join("envlock.lock")).unwrap(), before);
});

envlock_test!(build_requirements_that_cannot_be_met_are_a_warning, |dir| {
    // universe() has sdists but no setuptools: the packages still lock, and
    // the output says which sdist, for which target, lacks what.
    let server = FixtureServer::start(universe(), ServerOptions::default()).unwrap();
    std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
    let (code, _, stderr) = lock(&dir, &server, &[]);
    assert_eq!(code, 0, "{stderr}");
    // The warning and its hint, whole: the snapshot `lock_summary`.
    assert!(
        stderr.starts_with("warning: no solution for target `cp312-manylinux_2_28_x86_64`"),
        "{stderr}"
    );
    assert!(read_lock(&dir).build_packages.is_empty());
    // The wheelhouse says so again, where it matters.
    let mut command = dir.envlock();
    command.args(["--index-url", &server.index_url()]).args([
        "wheelhouse",
        "--platform",
        "manylinux",
        "-o",
        "wh",
    ]);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 0, "{stderr}");
    // What it says, and the README's note: the snapshots
    // `wheelhouse_summary` and `wheelhouse_readme`.
    crate::util::assert_output(&dir, "wheelhouse_summary_of_the_universe", &stderr);
});

envlock_test!(no_build_refuses_backends_and_names_the_sdist, |dir| {
    let mut index = universe();
    index.add_file(
        "dyn",
        envlock_test::FixtureFile::new("dyn-1.0.tar.gz", dynamic_sdist()),
    );
    let server = FixtureServer::start(index, ServerOptions::default()).unwrap();
    let spec = "name = \"x\"\nrequirements = [\"dyn\"]\n[[targets]]\npython = \"3.12\"\nplatform = \"manylinux\"\n";
    std::fs::write(dir.join("envlock.toml"), spec).unwrap();
    let (code, _, stderr) = lock(&dir, &server, &["--no-build"]);
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("dyn-1.0.tar.gz"), "{stderr}");
    assert!(stderr.contains("dyn==1.0"), "{stderr}");
    assert!(stderr.contains("cp312-manylinux_2_28_x86_64"), "{stderr}");
    assert!(stderr.contains("--no-build"), "{stderr}");
    // No backend ran: nothing was built into the cache.
    assert!(!dir.join(".cache/built-metadata-v1").exists());
    // The spec setting does the same.
    std::fs::write(dir.join("envlock.toml"), format!("no-build = true\n{spec}")).unwrap();
    let (code, _, stderr) = lock(&dir, &server, &[]);
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("dyn-1.0.tar.gz"), "{stderr}");
});

// Dependency confusion: a public index offers `internal-lib` at a higher
// version than the private index the spec pins it to.
envlock_test!(pinned_packages_come_from_their_index_only, |dir| {
    let mut public = envlock_test::FixtureIndex::new();
    public.add_wheel(&DistSpec::new("internal-lib", "99.0"), "py3-none-any");
    public.add_wheel(&DistSpec::new("tqdm", "4.66.0"), "py3-none-any");
    let mut private = envlock_test::FixtureIndex::new();
    private.add_wheel(
        &DistSpec::new("internal-lib", "1.0").requires("tqdm"),
        "py3-none-any",
    );
    // The explicit private index is not used for what is not pinned to it.
    private.add_wheel(&DistSpec::new("tqdm", "9.0"), "py3-none-any");
    let public = FixtureServer::start(public, ServerOptions::default()).unwrap();
    let private = FixtureServer::start(private, ServerOptions::default()).unwrap();
    let spec = |pins: &str| {
        format!(
            "name = \"x\"\nrequirements = [\"internal-lib\"]\n\
             [[targets]]\npython = \"3.12\"\nplatform = \"manylinux\"\n\
             [[indexes]]\nname = \"public\"\nurl = \"{}\"\n\
             [[indexes]]\nname = \"private\"\nurl = \"{}\"\n{pins}",
            public.index_url(),
            private.index_url()
        )
    };
    // Unpinned, the first index that has the project wins: the public one.
    std::fs::write(dir.join("envlock.toml"), spec("")).unwrap();
    let (code, _, stderr) = run({
        let mut command = dir.envlock();
        command.arg("lock");
        command
    });
    assert_eq!(code, 0, "{stderr}");
    let locked = read_lock(&dir);
    assert_eq!(
        versions(&locked, "cp312-manylinux_2_28_x86_64"),
        ["internal-lib 99.0"]
    );
    std::fs::write(
        dir.join("envlock.toml"),
        spec("packages = [\"Internal_Lib\"]\nexplicit = true\n"),
    )
    .unwrap();
    let (code, _, stderr) = run({
        let mut command = dir.envlock();
        command.args(["lock", "--upgrade"]);
        command
    });
    assert_eq!(code, 0, "{stderr}");
    let locked = read_lock(&dir);
    assert_eq!(
        versions(&locked, "cp312-manylinux_2_28_x86_64"),
        ["internal-lib 1.0", "tqdm 4.66.0"]
    );
    let index_of = |name: &str| {
        locked
            .packages
            .iter()
            .find(|package| package.name.as_ref() == name)
            .map(|package| package.index.clone())
    };
    assert_eq!(index_of("internal-lib").as_deref(), Some("private"));
    assert_eq!(index_of("tqdm").as_deref(), Some("public"));
    // A pin to an index that is not in use is an error, not a fallback.
    let (code, _, stderr) = run({
        let mut command = dir.envlock();
        command.args(["lock", "--index-url", &public.index_url()]);
        command
    });
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("pinned to the index `private`"), "{stderr}");
});

/// How many pages of projects the index has the server was asked for
/// since the last clear (a project the index lacks is asked for again: a
/// "not found" is not cached).
fn page_requests(server: &FixtureServer) -> usize {
    let requests = server.requests();
    server.clear_requests();
    let index = universe();
    requests
        .iter()
        .filter_map(|request| request.path.strip_prefix("/simple/"))
        .filter(|project| index.contains(project.trim_end_matches('/')))
        .count()
}

envlock_test!(
    a_relock_within_the_page_max_age_asks_for_no_page_the_server_cannot_revalidate,
    |dir| {
        // A mirror that sends pages without Cache-Control or validators.
        let bare = ServerOptions {
            page_validators: false,
            ..ServerOptions::default()
        };
        let server = FixtureServer::start(universe(), bare).unwrap();
        std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
        let relock = |extra: &[&str]| {
            std::fs::remove_file(dir.join("envlock.lock")).unwrap();
            let (code, _, stderr) = lock(&dir, &server, extra);
            assert_eq!(code, 0, "{stderr}");
            std::fs::read_to_string(dir.join("envlock.lock")).unwrap()
        };
        let (code, _, stderr) = lock(&dir, &server, &[]);
        assert_eq!(code, 0, "{stderr}");
        let first = std::fs::read_to_string(dir.join("envlock.lock")).unwrap();
        assert!(page_requests(&server) > 0);
        // Within the default window (10 minutes): no page is asked for.
        assert_eq!(relock(&[]), first);
        assert_eq!(page_requests(&server), 0);
        // --refresh, and a window of 0, ask again.
        assert_eq!(relock(&["--refresh"]), first);
        assert!(page_requests(&server) > 0);
        assert_eq!(relock(&["--page-max-age", "0"]), first);
        assert!(page_requests(&server) > 0);
    }
);

envlock_test!(a_reader_that_goes_away_does_not_stop_envlock, |dir| {
    let server = FixtureServer::start(universe(), ServerOptions::default()).unwrap();
    std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
    // `envlock lock 2>&1 | head -1`: standard error is closed before
    // envlock says anything. Writing to it fails; the lock goes on.
    let mut command = dir.envlock();
    command
        .args(["lock", "--index-url", &server.index_url()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    read_lock(&dir);
    // And data for a pipe whose reader is gone: `envlock export | true`.
    let mut command = dir.envlock();
    command
        .args(["export", "--target", "cp312-manylinux_2_28_x86_64"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
});
