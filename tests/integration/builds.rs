//! The sdist build boundary of `envlock lock`: what a build backend sees
//! (no secrets, no network where unshare is permitted), how long it may run,
//! and which `build-system.requires` reach pip.

use envlock_test::{DistSpec, FixtureFile, FixtureIndex, FixtureServer, ServerOptions};

use crate::util::{TestDir, python3_available, run, sdist, unshare_permitted};

const SPEC: &str = "name = \"x\"\nrequirements = [\"probe\"]\n[[targets]]\npython = \"3.12\"\nplatform = \"manylinux\"\n";

/// An sdist of `probe` 1.0 with dynamic metadata, an in-tree backend whose
/// metadata hook runs `hook_body` (Python, indented by four spaces) before
/// writing its METADATA, and `requires` as its build requirements.
fn probe_sdist(hook_body: &str, requires: &str) -> Vec<u8> {
    let members = probe_members(hook_body, requires);
    let members: Vec<(&str, &str)> = members
        .iter()
        .map(|(name, text)| (*name, text.as_str()))
        .collect();
    sdist(&members)
}

/// The members of [`probe_sdist`]'s archive: (path, text).
fn probe_members(hook_body: &str, requires: &str) -> Vec<(&'static str, String)> {
    probe_members_declaring(hook_body, requires, "")
}

/// The same, whose METADATA ends with `declared` (Python string escapes,
/// e.g. `Requires-Dist: beta\\n`).
fn probe_members_declaring(
    hook_body: &str,
    requires: &str,
    declared: &str,
) -> Vec<(&'static str, String)> {
    let backend = format!(
        "import os\n\
         def prepare_metadata_for_build_wheel(directory, config_settings=None):\n\
         {hook_body}\n\
         \x20   folder = 'probe-1.0.dist-info'\n\
         \x20   os.makedirs(os.path.join(directory, folder))\n\
         \x20   with open(os.path.join(directory, folder, 'METADATA'), 'w') as out:\n\
         \x20       out.write('Metadata-Version: 2.1\\nName: probe\\nVersion: 1.0\\n{declared}')\n\
         \x20   return folder\n"
    );
    let pyproject = format!(
        "[build-system]\nrequires = {requires}\nbuild-backend = \"probe_backend\"\nbackend-path = [\".\"]\n"
    );
    vec![
        (
            "probe-1.0/PKG-INFO",
            "Metadata-Version: 1.0\nName: probe\nVersion: 1.0\n".to_owned(),
        ),
        ("probe-1.0/pyproject.toml", pyproject),
        ("probe-1.0/probe_backend.py", backend),
    ]
}

fn serve(sdist: Vec<u8>) -> FixtureServer {
    let mut index = FixtureIndex::new();
    index.add_file("probe", FixtureFile::new("probe-1.0.tar.gz", sdist));
    FixtureServer::start(index, ServerOptions::default()).unwrap()
}

/// `envlock lock` with secrets in its environment.
fn lock(dir: &TestDir, server: &FixtureServer, extra: &[&str]) -> (i32, String, String) {
    std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
    let mut command = dir.envlock();
    command
        .args(["lock", "--index-url", &server.index_url()])
        .args(extra)
        .env("ENVLOCK_SECRET_SETTING", "envlock-secret-value")
        .env(
            "PIP_EXTRA_INDEX_URL",
            "https://user:pip-secret-value@127.0.0.1:9/simple/",
        )
        .env("DEPLOY_TOKEN", "token-secret-value")
        .env("DATABASE_PASSWORD", "password-secret-value");
    run(command)
}

envlock_test!(a_build_backend_sees_no_secrets_and_no_network, |dir| {
    if !python3_available() {
        return;
    }
    let report = dir.join("probe-report.txt");
    let placeholder = FixtureServer::start(FixtureIndex::new(), ServerOptions::default()).unwrap();
    let address = placeholder.address();
    let hook = format!(
        "    import socket\n\
         \x20   lines = ['%s=%s' % item for item in sorted(os.environ.items())]\n\
         \x20   try:\n\
         \x20       socket.create_connection(('{}', {}), timeout=5).close()\n\
         \x20       lines.append('NETWORK reachable')\n\
         \x20   except OSError as error:\n\
         \x20       lines.append('NETWORK unreachable %s' % error)\n\
         \x20   with open({:?}, 'w') as out:\n\
         \x20       out.write('\\n'.join(lines))",
        address.ip(),
        address.port(),
        report.display().to_string()
    );
    let server = serve(probe_sdist(&hook, "[]"));
    let (code, _, stderr) = lock(&dir, &server, &[]);
    assert_eq!(code, 0, "{stderr}");
    // Each build is announced, with its backend.
    assert!(
        stderr.contains("building the metadata of probe-1.0.tar.gz with probe_backend"),
        "{stderr}"
    );
    let seen = std::fs::read_to_string(&report).unwrap();
    for secret in [
        "envlock-secret-value",
        "pip-secret-value",
        "token-secret-value",
        "password-secret-value",
        "ENVLOCK_",
        "PIP_EXTRA_INDEX_URL",
        "PIP_INDEX_URL",
        &server.index_url(),
    ] {
        assert!(
            !seen.contains(secret),
            "{secret} reached the backend:\n{seen}"
        );
    }
    assert!(seen.contains("SOURCE_DATE_EPOCH="), "{seen}");
    if unshare_permitted() {
        assert!(seen.contains("NETWORK unreachable"), "{seen}");
    } else {
        envlock_test::skip("unshare -n is not permitted here: the network assertion is skipped");
        assert!(
            stderr.contains("builds run with network access"),
            "{stderr}"
        );
    }
});

// pip's isolated builds hide the packages installed on the machine; so do
// envlock's: a backend that imports one it did not declare must not work
// here and fail elsewhere, and the host's `.pth` files must not run.
envlock_test!(a_build_backend_does_not_see_the_hosts_packages, |dir| {
    if !python3_available() {
        return;
    }
    let report = dir.join("probe-report.txt");
    let hook = format!(
        "    import sys, sysconfig\n\
         \x20   host = [sysconfig.get_paths()[key] for key in ('purelib', 'platlib')]\n\
         \x20   seen = [path for path in host if path in sys.path]\n\
         \x20   with open({:?}, 'w') as out:\n\
         \x20       out.write('HOST PACKAGES %s; site imported: %s' % (seen, 'site' in sys.modules))",
        report.display().to_string()
    );
    let server = serve(probe_sdist(&hook, "[]"));
    let (code, _, stderr) = lock(&dir, &server, &[]);
    assert_eq!(code, 0, "{stderr}");
    let seen = std::fs::read_to_string(&report).unwrap();
    assert_eq!(seen, "HOST PACKAGES []; site imported: False");
});

envlock_test!(a_backend_that_hangs_is_killed_at_the_build_timeout, |dir| {
    if !python3_available() {
        return;
    }
    let server = serve(probe_sdist("    import time\n    time.sleep(3600)", "[]"));
    let (code, _, stderr) = lock(&dir, &server, &["--build-timeout", "2"]);
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("probe-1.0.tar.gz"), "{stderr}");
    assert!(stderr.contains("ran longer than 2 seconds"), "{stderr}");
    assert!(stderr.contains("--build-timeout"), "{stderr}");
});

// pip ends its report of a failed build with "See above for output"; the
// error must carry what the backend itself printed, not only pip's notes.
envlock_test!(a_failed_build_carries_what_the_backend_printed, |dir| {
    if !python3_available() {
        return;
    }
    let hook = "    import sys\n\
                \x20   print('probe backend: the frobnicator headers are missing', file=sys.stderr)\n\
                \x20   raise SystemExit(1)";
    let server = serve(probe_sdist(hook, "[]"));
    let (code, _, stderr) = lock(&dir, &server, &[]);
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("probe-1.0.tar.gz"), "{stderr}");
    assert!(
        stderr.contains("probe backend: the frobnicator headers are missing"),
        "{stderr}"
    );
});

/// The `python3` that PATH names, as a file.
fn python3_on_path() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|folder| folder.join("python3"))
        .find(|candidate| candidate.is_file())
}

// The host's interpreter is asked about only when an sdist may need a
// build: a lock whose sdist metadata was built before (a warm one) starts
// no Python at all. A `python3` first on PATH records each time it is run.
#[cfg(unix)]
envlock_test!(a_lock_with_built_metadata_starts_no_python, |dir| {
    use std::os::unix::fs::PermissionsExt as _;
    if !python3_available() {
        return;
    }
    let Some(real) = python3_on_path() else {
        envlock_test::skip("no python3 file on PATH to stand in front of");
        return;
    };
    let bin = dir.join("recording-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("python3-runs.txt");
    let wrapper = bin.join("python3");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho run >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let server = serve(probe_sdist("    pass", "[]"));
    std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
    let lock_through_wrapper = || {
        let mut command = dir.envlock();
        command
            .args(["lock", "--index-url", &server.index_url()])
            .env("PATH", &path);
        run(command)
    };
    let (code, _, stderr) = lock_through_wrapper();
    assert_eq!(code, 0, "{stderr}");
    // The build ran the recording python3.
    assert!(log.is_file(), "the build did not run python3 from PATH");
    std::fs::remove_file(&log).unwrap();
    std::fs::remove_file(dir.join("envlock.lock")).unwrap();
    let (code, _, stderr) = lock_through_wrapper();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stderr.contains("building the metadata of"),
        "the warm lock built again: {stderr}"
    );
    assert!(
        !log.exists(),
        "a lock with nothing to build ran python3 {} time(s)",
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .count()
    );
});

envlock_test!(
    build_requirements_that_are_not_requirements_are_refused,
    |dir| {
        for requires in [
            "[\"--index-url=http://evil.invalid/simple\"]",
            "[\"-e .\"]",
            "[\"evil @ http://evil.invalid/evil.tar.gz\"]",
        ] {
            let server = serve(probe_sdist("    pass", requires));
            let (code, _, stderr) = lock(&dir, &server, &[]);
            assert_ne!(code, 0, "{requires}: {stderr}");
            assert!(stderr.contains("probe-1.0.tar.gz"), "{stderr}");
            assert!(stderr.contains("build-system.requires"), "{stderr}");
            assert!(stderr.contains("is refused"), "{stderr}");
            assert!(!stderr.contains("building the metadata of"), "{stderr}");
        }
    }
);

envlock_test!(a_changed_cached_build_environment_is_made_again, |dir| {
    if !python3_available() {
        return;
    }
    let marker = dir.join("planted-code-ran");
    let server = serve(probe_sdist("    pass", "[]"));
    let (code, _, stderr) = lock(&dir, &server, &[]);
    assert_eq!(code, 0, "{stderr}");
    let cache = dir.join(".cache/built-metadata-v1");
    let environments: Vec<_> = std::fs::read_dir(cache.join("build-environments"))
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.join(".envlock-stamp").is_file())
        .collect();
    assert_eq!(environments.len(), 1, "{environments:?}");
    // Plant code that Python would run at start-up from the environment.
    let planted = environments[0].join("sitecustomize.py");
    std::fs::write(
        &planted,
        format!("open({:?}, 'w').close()\n", marker.display().to_string()),
    )
    .unwrap();
    // Forget the built metadata, so that the sdist is built again.
    forget_built_metadata(&cache);
    std::fs::remove_file(dir.join("envlock.lock")).unwrap();
    let (code, _, stderr) = lock(&dir, &server, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("building the metadata of probe-1.0.tar.gz"),
        "{stderr}"
    );
    assert!(!planted.exists(), "the changed environment was reused");
    assert!(!marker.exists(), "planted code ran in the build");
});

/// A hook body that imports `buildtool` from the build environment and
/// writes its version to `report`.
fn report_buildtool_version(report: &std::path::Path) -> String {
    format!(
        "    import buildtool\n\
         \x20   with open({:?}, 'w') as out:\n\
         \x20       out.write(buildtool.__version__)",
        report.display().to_string()
    )
}

/// Removes the cached built metadata in `cache`, so that the next lock
/// builds the sdist again.
fn forget_built_metadata(cache: &std::path::Path) {
    for entry in std::fs::read_dir(cache).unwrap().flatten() {
        if entry
            .path()
            .extension()
            .is_some_and(|ext| ext == "metadata")
        {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
}

/// An index with the probe sdist, whose build requires `buildtool` (a
/// pure wheel, 1.0) and writes its version to `report`.
fn serve_probe_with_buildtool(report: &std::path::Path) -> FixtureServer {
    let mut index = FixtureIndex::new();
    index.add_file(
        "probe",
        FixtureFile::new(
            "probe-1.0.tar.gz",
            probe_sdist(&report_buildtool_version(report), "[\"buildtool\"]"),
        ),
    );
    index.add_wheel(&DistSpec::new("buildtool", "1.0"), "py3-none-any");
    FixtureServer::start(index, ServerOptions::default()).unwrap()
}

/// Whether `python3 -m pip` can run (the build environment of a
/// build requirement that is not pure Python is installed by pip).
fn pip_available() -> bool {
    let available = std::process::Command::new("python3")
        .args(["-m", "pip", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !available {
        envlock_test::skip("python3 -m pip is not available to install build requirements");
    }
    available
}

// A build requirement pinned to a private index comes from there, even
// where the first index offers a newer version ("newest matching" from the
// sdist's index would take 2.0). Both the direct unpacking of pure wheels
// and pip's install of a platform wheel are checked.
envlock_test!(build_requirements_come_from_their_pinned_index, |dir| {
    if !python3_available() {
        return;
    }
    pinned_build_requirement(&dir, "py3-none-any");
    if std::env::consts::ARCH == "x86_64" && pip_available() {
        pinned_build_requirement(&TestDir::new(), "py3-none-manylinux_2_17_x86_64");
    } else {
        envlock_test::skip("the platform-wheel case needs x86_64 and pip");
    }
});

fn pinned_build_requirement(dir: &TestDir, tag: &str) {
    let report = dir.join("buildtool-version.txt");
    let mut public = FixtureIndex::new();
    public.add_file(
        "probe",
        FixtureFile::new(
            "probe-1.0.tar.gz",
            probe_sdist(&report_buildtool_version(&report), "[\"buildtool\"]"),
        ),
    );
    public.add_wheel(&DistSpec::new("buildtool", "2.0"), tag);
    let mut private = FixtureIndex::new();
    private.add_wheel(&DistSpec::new("buildtool", "1.0"), tag);
    let public = FixtureServer::start(public, ServerOptions::default()).unwrap();
    let private = FixtureServer::start(private, ServerOptions::default()).unwrap();
    let spec = format!(
        "{SPEC}[[indexes]]\nname = \"public\"\nurl = \"{}\"\n\
         [[indexes]]\nname = \"private\"\nurl = \"{}\"\npackages = [\"buildtool\"]\nexplicit = true\n",
        public.index_url(),
        private.index_url()
    );
    std::fs::write(dir.join("envlock.toml"), spec).unwrap();
    let mut command = dir.envlock();
    command.arg("lock");
    let (code, _, stderr) = run(command);
    assert_eq!(code, 0, "{tag}: {stderr}");
    let seen = std::fs::read_to_string(&report).unwrap();
    assert_eq!(seen, "1.0", "{tag}: the build used buildtool {seen}");
    let pinned = envlock_test::wheel_filename(&DistSpec::new("buildtool", "1.0"), tag);
    let requested = |server: &FixtureServer, part: &str| {
        server
            .requests()
            .iter()
            .any(|request| request.path.contains(part))
    };
    assert!(requested(&private, &pinned), "{tag}");
    assert!(!requested(&public, "buildtool"), "{tag}");
}

// The index serves a build requirement whose bytes do not match the sha256
// its page gives (and so the host lock of the build requirements records):
// the build environment is not made, the backend does not run, and the
// error names the file.
envlock_test!(
    a_build_requirement_that_does_not_match_its_hash_is_refused,
    |dir| {
        if !python3_available() {
            return;
        }
        use envlock_test::hostile::{Behaviour, HostileServer};
        let report = dir.join("buildtool-version.txt");
        let probe = probe_sdist(&report_buildtool_version(&report), "[\"buildtool\"]");
        let listed = DistSpec::new("buildtool", "1.0");
        let wheel = envlock_test::wheel_filename(&listed, "py3-none-any");
        let listed_bytes = envlock_test::build_wheel(&listed, "py3-none-any");
        let served_bytes = envlock_test::build_wheel(
            &DistSpec::new("buildtool", "1.0").requires_python(">=3"),
            "py3-none-any",
        );
        let metadata = listed.metadata();
        let metadata_sha256 = envlock_test::sha256_hex(metadata.as_bytes());
        let routes = vec![
            (
                "/simple/probe/".to_owned(),
                Behaviour::html(&format!(
                    "<a href=\"/files/probe-1.0.tar.gz#sha256={}\">probe-1.0.tar.gz</a>",
                    envlock_test::sha256_hex(&probe)
                )),
            ),
            (
                "/files/probe-1.0.tar.gz".to_owned(),
                Behaviour::bytes(probe),
            ),
            (
                "/simple/buildtool/".to_owned(),
                Behaviour::html(&format!(
                    "<a href=\"/files/{wheel}#sha256={}\" data-core-metadata=\"sha256={metadata_sha256}\" data-dist-info-metadata=\"sha256={metadata_sha256}\">{wheel}</a>",
                    envlock_test::sha256_hex(&listed_bytes)
                )),
            ),
            (
                format!("/files/{wheel}.metadata"),
                Behaviour::bytes(metadata.into_bytes()),
            ),
            (format!("/files/{wheel}"), Behaviour::bytes(served_bytes)),
        ];
        let server = HostileServer::start(routes).unwrap();
        std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
        let mut command = dir.envlock();
        command.args(["lock", "--index-url", &server.url("/simple/")]);
        let (code, _, stderr) = run(command);
        assert_ne!(code, 0, "{stderr}");
        assert!(stderr.contains(&wheel), "{stderr}");
        assert!(stderr.contains("probe-1.0.tar.gz"), "{stderr}");
        assert!(stderr.contains("sha256"), "{stderr}");
        assert!(
            !report.exists(),
            "the backend ran with an unverified build requirement"
        );
        // The wheel was asked for (the metadata alone was not enough).
        assert!(
            server
                .seen()
                .iter()
                .any(|seen| seen.path == format!("/files/{wheel}")),
            "the wheel was never downloaded"
        );
        // Nothing was stamped as a usable build environment.
        let environments = dir.join(".cache/built-metadata-v1/build-environments");
        let stamped = std::fs::read_dir(&environments)
            .into_iter()
            .flatten()
            .flatten()
            .any(|entry| entry.path().join(".envlock-stamp").is_file());
        assert!(!stamped, "a build environment was kept");
    }
);

// A file of a cached build environment edited in place (same size, its
// modification time set back) is noticed: the environment is made again
// from the locked wheel before the next build uses it.
envlock_test!(
    a_build_environment_file_edited_in_place_is_made_again,
    |dir| {
        if !python3_available() {
            return;
        }
        let report = dir.join("buildtool-version.txt");
        let server = serve_probe_with_buildtool(&report);
        let (code, _, stderr) = lock(&dir, &server, &[]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(std::fs::read_to_string(&report).unwrap(), "1.0");
        let cache = dir.join(".cache/built-metadata-v1");
        let module = std::fs::read_dir(cache.join("build-environments"))
            .unwrap()
            .flatten()
            .map(|entry| entry.path().join("buildtool/__init__.py"))
            .find(|path| path.is_file())
            .unwrap();
        let mtime = std::fs::metadata(&module).unwrap().modified().unwrap();
        let original = std::fs::read_to_string(&module).unwrap();
        std::fs::write(&module, original.replace("1.0", "6.6")).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&module)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        forget_built_metadata(&cache);
        std::fs::remove_file(dir.join("envlock.lock")).unwrap();
        std::fs::remove_file(&report).unwrap();
        let (code, _, stderr) = lock(&dir, &server, &[]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(
            std::fs::read_to_string(&report).unwrap(),
            "1.0",
            "the edited environment was used"
        );
    }
);

envlock_test!(
    an_sdist_unpacked_for_a_build_keeps_the_archive_limits,
    |dir| {
        if !python3_available() {
            return;
        }
        let ran = dir.join("backend-ran");
        let hook = format!("    open({:?}, 'w').close()", ran.display().to_string());
        // The probe sdist with one member over the limit: reading its PKG-INFO
        // for metadata is within the limits, unpacking it whole for the build
        // is not.
        let members = probe_members(&hook, "[]");
        let big = "0".repeat(3 * 1024 * 1024);
        let mut with_big: Vec<(&str, &str)> = members
            .iter()
            .map(|(name, text)| (*name, text.as_str()))
            .collect();
        with_big.push(("probe-1.0/data.txt", &big));
        let server = serve(sdist(&with_big));
        let (code, _, stderr) = lock(&dir, &server, &["--max-archive-member-size", "1"]);
        assert_ne!(code, 0, "{stderr}");
        assert!(stderr.contains("probe-1.0.tar.gz"), "{stderr}");
        assert!(
            stderr.contains("probe-1.0/data.txt is larger than 1048576 bytes"),
            "{stderr}"
        );
        assert!(stderr.contains("--max-archive-member-size"), "{stderr}");
        assert!(!ran.exists(), "the backend ran: {stderr}");
    }
);

// A cache folder given as a relative path still reaches the build: the
// backend runs in another folder, and a relative build-environment path on
// its PYTHONPATH would leave `buildtool` unimportable (and let the host's
// own packages build instead).
envlock_test!(a_relative_cache_dir_still_reaches_the_build, |dir| {
    if !python3_available() {
        return;
    }
    let report = dir.join("buildtool-version.txt");
    let server = serve_probe_with_buildtool(&report);
    std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
    let mut command = dir.envlock();
    command
        .args(["lock", "--index-url", &server.index_url()])
        .args(["--cache-dir", "relative-cache"]);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read_to_string(&report).unwrap(), "1.0");
    assert!(dir.join("relative-cache").is_dir());
});

/// A hook body (for [`probe_members`]) that waits, at most a minute, until
/// `flag` exists, and fails saying `why` when it does not come.
fn hook_waiting_for(flag: &std::path::Path, why: &str) -> String {
    format!(
        "    import time\n\
         \x20   deadline = time.time() + 60\n\
         \x20   while not os.path.exists({:?}):\n\
         \x20       if time.time() > deadline:\n\
         \x20           raise SystemExit({why:?})\n\
         \x20       time.sleep(0.01)",
        flag.display().to_string()
    )
}

/// Runs `command` (a lock whose build waits for `flag`, see
/// [`hook_waiting_for`]), and makes `flag` once `server` was asked for a
/// path holding `asked_for`, or after a minute. Returns whether it was
/// asked for before `flag` was made, and the lock's output.
fn lock_releasing_the_build(
    mut command: std::process::Command,
    server: &FixtureServer,
    asked_for: &str,
    flag: &std::path::Path,
) -> (bool, std::process::Output) {
    command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().unwrap();
    let asked = || {
        server
            .requests()
            .iter()
            .any(|request| request.path.contains(asked_for))
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !asked() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let asked_before = asked();
    std::fs::write(flag, "").unwrap();
    (asked_before, child.wait_with_output().unwrap())
}

/// Locks probe 1.0 for CPython 3.12 and 3.13 on manylinux. Its one wheel is
/// for 3.12 and requires `gamma` on 3.13 and later only, so the index is
/// asked for gamma only by a 3.13 solver that went on with the wheel's
/// metadata. The 3.13 target must build the sdist, whose backend waits
/// until gamma was asked for and then declares `declared`: the build
/// cannot end before a solver stood the wheel's metadata in for it.
/// The lock must succeed and say, with `-v`, that a wheel stood in once and
/// how many targets were `solved_again`. Returns the lock; `None` (skipped)
/// without python3.
fn lock_with_a_stand_in(dir: &TestDir, declared: &str, solved_again: usize) -> Option<toml::Table> {
    if !python3_available() {
        return None;
    }
    let went_on = dir.join("gamma-was-asked-for");
    let hook = hook_waiting_for(&went_on, "no solver went on while this sdist was built");
    let members = probe_members_declaring(&hook, "[]", declared);
    let members: Vec<(&str, &str)> = members
        .iter()
        .map(|(name, text)| (*name, text.as_str()))
        .collect();
    let mut index = FixtureIndex::new();
    index.add_file(
        "probe",
        FixtureFile::new("probe-1.0.tar.gz", sdist(&members)),
    );
    index.add_wheel(
        &DistSpec::new("probe", "1.0").requires("gamma; python_version >= '3.13'"),
        "cp312-cp312-manylinux_2_17_x86_64",
    );
    for name in ["gamma", "delta"] {
        index.add_wheel(&DistSpec::new(name, "1.0"), "py3-none-any");
    }
    let server = FixtureServer::start(index, ServerOptions::default()).unwrap();
    std::fs::write(
        dir.join("envlock.toml"),
        "name = \"x\"\nrequirements = [\"probe\"]\n\
         [[targets]]\npython = \"3.12\"\nplatform = \"manylinux\"\n\
         [[targets]]\npython = \"3.13\"\nplatform = \"manylinux\"\n",
    )
    .unwrap();
    let mut command = dir.envlock();
    command.args(["lock", "-v", "--index-url", &server.index_url()]);
    let (_, output) = lock_releasing_the_build(command, &server, "/gamma/", &went_on);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let counts = format!(
        "Stand-ins (a wheel's metadata solved with while an sdist's was built): 1; targets solved again where the two differed: {solved_again}"
    );
    assert!(stderr.contains(&counts), "{stderr}");
    let lock = std::fs::read_to_string(dir.join("envlock.lock")).unwrap();
    Some(toml::from_str(&lock).unwrap())
}

/// The name of the 3.13 target of [`lock_with_a_stand_in`]'s spec.
const TARGET_313: &str = "cp313-manylinux_2_28_x86_64";

/// The targets the lock installs `name` on.
fn locked_targets(lock: &toml::Table, name: &str) -> Vec<String> {
    lock.get("package")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter(|package| package.get("name").and_then(toml::Value::as_str) == Some(name))
        .flat_map(|package| package.get("targets").and_then(toml::Value::as_array))
        .flatten()
        .filter_map(|target| target.as_str().map(str::to_owned))
        .collect()
}

// While an sdist's metadata is built, a target that must build it solves on
// with the metadata of a wheel of the same release; the two agree, so the
// lock is what waiting would have given, and nothing is solved again.
envlock_test!(a_wheel_stands_in_for_an_sdist_while_it_builds, |dir| {
    let declared = "Requires-Dist: gamma; python_version >= \"3.13\"\\n";
    let Some(lock) = lock_with_a_stand_in(&dir, declared, 0) else {
        return;
    };
    assert_eq!(locked_targets(&lock, "gamma"), [TARGET_313], "{lock:#?}");
});

// When the built metadata differs from the wheel's that stood in, the
// target is solved again with the built metadata: the lock follows what
// the sdist declares, not what its wheel did.
envlock_test!(
    a_stand_in_that_differs_from_the_build_is_solved_again,
    |dir| {
        let Some(lock) = lock_with_a_stand_in(&dir, "Requires-Dist: delta\\n", 1) else {
            return;
        };
        assert_eq!(locked_targets(&lock, "delta"), [TARGET_313], "{lock:#?}");
        assert!(locked_targets(&lock, "gamma").is_empty(), "{lock:#?}");
    }
);

/// A pure wheel of `hookmaker` 1.0: a build backend whose metadata hook
/// writes the name and version the sdist's PKG-INFO gives.
fn hookmaker_wheel() -> Vec<u8> {
    let backend = "import os\n\
                   def prepare_metadata_for_build_wheel(directory, config_settings=None):\n\
                   \x20   fields = dict(line.split(': ', 1) for line in open('PKG-INFO').read().splitlines() if ': ' in line)\n\
                   \x20   folder = '%s-%s.dist-info' % (fields['Name'], fields['Version'])\n\
                   \x20   os.makedirs(os.path.join(directory, folder))\n\
                   \x20   with open(os.path.join(directory, folder, 'METADATA'), 'w') as out:\n\
                   \x20       out.write('Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n' % (fields['Name'], fields['Version']))\n\
                   \x20   return folder\n";
    crate::util::zip_archive(&[
        ("hookmaker/__init__.py", backend),
        (
            "hookmaker-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: hookmaker\nVersion: 1.0\n",
        ),
        (
            "hookmaker-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: envlock-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
        ("hookmaker-1.0.dist-info/RECORD", ""),
    ])
}

/// An sdist of `name` 1.0 with dynamic metadata, built by `hookmaker`.
fn hookmaker_sdist(name: &str) -> Vec<u8> {
    let pkg_info = format!("Metadata-Version: 1.0\nName: {name}\nVersion: 1.0\n");
    let pyproject = "[build-system]\nrequires = [\"hookmaker\"]\nbuild-backend = \"hookmaker\"\n";
    sdist(&[
        (&format!("{name}-1.0/PKG-INFO"), &pkg_info),
        (&format!("{name}-1.0/pyproject.toml"), pyproject),
    ])
}

/// Locks `names` (sdists built by `hookmaker`) with the cache in `dir`,
/// and returns the stamped build environments: (folder name, how many
/// bytecode files it holds).
fn hookmaker_environments(dir: &TestDir, names: &[&str]) -> Vec<(String, usize)> {
    let mut index = FixtureIndex::new();
    for name in names {
        index.add_file(
            name,
            FixtureFile::new(&format!("{name}-1.0.tar.gz"), hookmaker_sdist(name)),
        );
    }
    index.add_file(
        "hookmaker",
        FixtureFile::new("hookmaker-1.0-py3-none-any.whl", hookmaker_wheel()),
    );
    let server = FixtureServer::start(index, ServerOptions::default()).unwrap();
    let requirements: Vec<String> = names.iter().map(|name| format!("{name:?}")).collect();
    let spec = format!(
        "name = \"x\"\nrequirements = [{}]\n[[targets]]\npython = \"3.12\"\nplatform = \"manylinux\"\n",
        requirements.join(", ")
    );
    std::fs::write(dir.join("envlock.toml"), spec).unwrap();
    let cache = dir.join("cache");
    let mut command = dir.envlock();
    command
        .args(["lock", "--index-url", &server.index_url(), "--cache-dir"])
        .arg(&cache);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 0, "{stderr}");
    let environments = cache.join("built-metadata-v1").join("build-environments");
    let mut found: Vec<(String, usize)> = std::fs::read_dir(&environments)
        .unwrap()
        .flatten()
        .filter(|entry| entry.path().join(".envlock-stamp").is_file())
        .map(|entry| {
            let bytecode = walk_files(&entry.path())
                .iter()
                .filter(|path| path.extension().is_some_and(|ext| ext == "pyc"))
                .count();
            (entry.file_name().to_string_lossy().into_owned(), bytecode)
        })
        .collect();
    found.sort();
    found
}

fn walk_files(folder: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else {
                files.push(entry.path());
            }
        }
    }
    files
}

// Writing a build environment's bytecode costs about one build and saves
// about half of each later one: the first build of a run does not wait
// for it, and a run that builds one sdist makes none.
envlock_test!(one_build_does_not_wait_for_bytecode, |dir| {
    if !python3_available() {
        return;
    }
    let environments = hookmaker_environments(&dir, &["alpha"]);
    assert_eq!(environments.len(), 1, "{environments:?}");
    let (name, bytecode) = &environments[0];
    assert!(name.ends_with("-without-bytecode"), "{environments:?}");
    assert_eq!(*bytecode, 0, "{environments:?}");
});

// A second build in the run makes (and uses) the environment with the
// bytecode of its backend, written before the environment is stamped.
envlock_test!(a_second_build_gets_an_environment_with_bytecode, |dir| {
    if !python3_available() {
        return;
    }
    let environments = hookmaker_environments(&dir, &["alpha", "beta"]);
    let with_bytecode: Vec<_> = environments
        .iter()
        .filter(|(name, _)| !name.ends_with("-without-bytecode"))
        .collect();
    assert_eq!(with_bytecode.len(), 1, "{environments:?}");
    assert!(with_bytecode[0].1 > 0, "{environments:?}");
    assert!(
        std::fs::read_to_string(dir.join("envlock.lock"))
            .unwrap()
            .contains("beta"),
        "both sdists were built and locked"
    );
});

// Reading the build system from the archive keeps the archive limits: a
// pyproject.toml over the member size is refused before it is read, also
// where nothing else reads the archive (the build requirements of an
// sdist whose metadata is cached, which the lock records).
envlock_test!(a_pyproject_over_the_member_limit_is_not_read, |dir| {
    let padding = format!("{}\n", "#".repeat(2 * 1024 * 1024));
    let pyproject = format!("[build-system]\nrequires = [\"buildtool\"]\n{padding}");
    let server = serve(sdist(&[
        (
            "probe-1.0/PKG-INFO",
            "Metadata-Version: 2.2\nName: probe\nVersion: 1.0\n",
        ),
        ("probe-1.0/pyproject.toml", &pyproject),
    ]));
    let (code, _, stderr) = lock(&dir, &server, &[]);
    assert_eq!(code, 0, "{stderr}");
    // The metadata stays cached; the build requirements are read again.
    let kept = dir.join(".cache/built-metadata-v1/build-requires");
    assert!(kept.is_dir(), "{stderr}");
    std::fs::remove_dir_all(&kept).unwrap();
    std::fs::remove_file(dir.join("envlock.lock")).unwrap();
    let (code, _, stderr) = lock(&dir, &server, &["--max-archive-member-size", "1"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("probe-1.0/pyproject.toml is larger than 1048576 bytes"),
        "{stderr}"
    );
});

// A target solved with a stand-in locks the build requirements of the
// sdists it chose while it waits for their builds, instead of after every
// target is done. Here the 3.13 target builds probe's sdist (its wheel,
// the stand-in, is for 3.12), and the build cannot end before that lock
// asked for `deeptool`: a dependency of `locktool`, a build requirement for
// CPython 3.13 only, which the build environment (made for this machine's
// Python) does not need. Only a solve asks for it (fetching ahead reads
// the pages and metadata of build requirements, not of their dependencies).
envlock_test!(build_requirements_are_locked_while_the_build_runs, |dir| {
    if !python3_available() {
        return;
    }
    let host_is_older = std::process::Command::new("python3")
        .args(["-c", "import sys; sys.exit(sys.version_info >= (3, 13))"])
        .status()
        .is_ok_and(|status| status.success());
    if !host_is_older {
        envlock_test::skip(
            "python3 is 3.13 or newer: its build environment would ask for locktool too",
        );
        return;
    }
    let went_on = dir.join("deeptool-was-asked-for");
    let hook = hook_waiting_for(
        &went_on,
        "no build requirement was locked while this sdist was built",
    );
    let members = probe_members(&hook, "[\"locktool; python_version >= '3.13'\"]");
    let members: Vec<(&str, &str)> = members
        .iter()
        .map(|(name, text)| (*name, text.as_str()))
        .collect();
    let mut index = FixtureIndex::new();
    index.add_file(
        "probe",
        FixtureFile::new("probe-1.0.tar.gz", sdist(&members)),
    );
    index.add_wheel(
        &DistSpec::new("probe", "1.0"),
        "cp312-cp312-manylinux_2_17_x86_64",
    );
    index.add_wheel(
        &DistSpec::new("locktool", "1.0").requires("deeptool"),
        "py3-none-any",
    );
    index.add_wheel(&DistSpec::new("deeptool", "1.0"), "py3-none-any");
    let server = FixtureServer::start(index, ServerOptions::default()).unwrap();
    std::fs::write(
        dir.join("envlock.toml"),
        "name = \"x\"\nrequirements = [\"probe\"]\n\
         [[targets]]\npython = \"3.12\"\nplatform = \"manylinux\"\n\
         [[targets]]\npython = \"3.13\"\nplatform = \"manylinux\"\n",
    )
    .unwrap();
    let mut command = dir.envlock();
    command.args(["lock", "--index-url", &server.index_url()]);
    let (asked_during_the_build, output) =
        lock_releasing_the_build(command, &server, "/deeptool/", &went_on);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        asked_during_the_build,
        "deeptool was not asked for while probe was built: {stderr}"
    );
    assert!(output.status.success(), "{stderr}");
    let lock: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.join("envlock.lock")).unwrap()).unwrap();
    let build = lock
        .get("build-package")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|package| package.get("name").and_then(toml::Value::as_str))
        .collect::<Vec<_>>();
    assert_eq!(build, ["deeptool", "locktool"], "{lock:#?}");
});

// An sdist whose `PKG-INFO` (2.2) lists static dependencies is read, not
// built, even when it marks Requires-Python `Dynamic` (as setuptools does
// for `setup.py`'s python_requires: the resolver reads Requires-Python from
// the index page). And a cold lock that builds nothing runs no Python at
// all: the `python3` first on PATH here only leaves a mark that it ran.
envlock_test!(
    a_static_sdist_is_read_and_a_lock_that_builds_nothing_runs_no_python,
    |dir| {
        if !cfg!(unix) {
            envlock_test::skip("the stand-in python3 is a shell script");
            return;
        }
        let ran = dir.join("python3-ran");
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let fake = bin.join("python3");
        std::fs::write(
            &fake,
            format!("#!/bin/sh\ntouch '{}'\nexit 1\n", ran.display()),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let mut index = FixtureIndex::new();
        let pkg_info = "Metadata-Version: 2.2\nName: probe\nVersion: 1.0\nRequires-Python: >=3.6\n\
                    Requires-Dist: leaf\nDynamic: requires-python\nDynamic: license\n";
        let members = [
            ("probe-1.0/PKG-INFO", pkg_info),
            (
                "probe-1.0/setup.py",
                "raise SystemExit('setup.py was run')\n",
            ),
        ];
        index.add_file(
            "probe",
            FixtureFile::new("probe-1.0.tar.gz", sdist(&members)),
        );
        index.add_wheel(&DistSpec::new("leaf", "1.0"), "py3-none-any");
        let server = FixtureServer::start(index, ServerOptions::default()).unwrap();
        std::fs::write(dir.join("envlock.toml"), SPEC).unwrap();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut command = dir.envlock();
        command
            .args(["lock", "--index-url", &server.index_url()])
            .env("PATH", path);
        let (code, _, stderr) = run(command);
        assert_eq!(code, 0, "{stderr}");
        assert!(!ran.exists(), "python3 was run: {stderr}");
        let lock = std::fs::read_to_string(dir.join("envlock.lock")).unwrap();
        assert!(
            lock.contains("probe-1.0.tar.gz") && lock.contains("leaf-1.0-py3-none-any.whl"),
            "{lock}"
        );
    }
);
