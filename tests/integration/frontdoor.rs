//! The front door: a first run with no index set (pip's index), `envlock
//! init`, and `envlock import` of locks written by the real tools (uv,
//! pip, pip-compile) against the fixture index.
//!
//! The tools are looked for in `$ENVLOCK_TEST_TOOLS_DIR/frontdoor/bin`
//! (`.ci/install-frontdoor-tools.sh DIR` puts them there); a test whose
//! tool is missing skips, saying so.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use envlock_lock::Lock;
use envlock_test::{DistSpec, FixtureIndex, FixtureServer, ServerOptions};

use crate::universe::{SPEC, universe};
use crate::util::{TestDir, lock_ok, run, wheelhouse_ok};

/// The requirements of [`spec`], for the other tools. A universal resolver
/// may keep werkzeug 2 everywhere (it installs on every Python); the second
/// werkzeug line makes it fork where envlock's per-target resolutions differ.
const REQUIREMENTS: &[&str] = &[
    "flask",
    "werkzeug>2,<3.0 ; python_version < '3.9'",
    "werkzeug>=3 ; python_version >= '3.9'",
    "pyperclip",
    "requests[socks]",
    "tqdm<4.67",
];

const PLATFORM: &str = "manylinux_2_28_x86_64";

/// `lock::SPEC` with the requirements of [`REQUIREMENTS`].
fn spec() -> String {
    SPEC.replace(
        "\"pyperclip\",",
        "\"werkzeug>=3 ; python_version >= '3.9'\",\n    \"pyperclip\",",
    )
}

/// A tool of the `frontdoor` tools venv, or `None` (printing why).
fn tool(name: &str) -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("ENVLOCK_TEST_TOOLS_DIR") else {
        println!(
            "SKIPPED: ENVLOCK_TEST_TOOLS_DIR is not set, so there is no {name} to write the source lock (.ci/install-frontdoor-tools.sh DIR installs it)"
        );
        return None;
    };
    let path = PathBuf::from(dir).join("frontdoor/bin").join(name);
    if path.is_file() {
        Some(path)
    } else {
        println!(
            "SKIPPED: {} does not exist (.ci/install-frontdoor-tools.sh installs it)",
            path.display()
        );
        None
    }
}

/// The fixture universe with build tools for the sdist and a CPython 3.11
/// wheel of markupsafe (the tools' own Python, for pip and pip-compile).
fn index() -> FixtureIndex {
    let mut index = universe();
    index.add_wheel(
        &DistSpec::new("setuptools", "75.3.0").requires_python(">=3.8"),
        "py3-none-any",
    );
    index.add_wheel(&DistSpec::new("wheel", "0.45.1"), "py3-none-any");
    index.add_wheel(
        &DistSpec::new("markupsafe", "2.1.5"),
        "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
    );
    index
}

/// Runs a tool, failing the test with its output when it fails.
fn run_tool(mut command: Command, what: &str) {
    let output = command.output().expect("the tool runs");
    assert!(
        output.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A command of a tool, isolated from the machine's configuration.
fn tool_command(dir: &TestDir, path: &Path) -> Command {
    let mut command = Command::new(path);
    command
        .current_dir(dir.path())
        .env("UV_CACHE_DIR", dir.join(".uv-cache"))
        .env("UV_NO_CONFIG", "1")
        .env("UV_PYTHON_DOWNLOADS", "never")
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_CACHE_DIR", dir.join(".pip-cache"))
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_EXTRA_INDEX_URL")
        .env_remove("PIP_FIND_LINKS")
        .env_remove("UV_INDEX_URL")
        .env_remove("UV_DEFAULT_INDEX");
    command
}

/// `envlock lock` of `spec` in a folder of its own: the reference.
fn envlock_lock(server: &FixtureServer, spec: &str) -> Lock {
    let dir = TestDir::new();
    std::fs::write(dir.join("envlock.toml"), spec).unwrap();
    lock_ok(&dir, &server.index_url());
    envlock_lock::read_lock(&dir.join("envlock.lock")).unwrap()
}

/// `envlock import SOURCE` with the targets of `pythons` on PLATFORM.
fn import(
    dir: &TestDir,
    server: &FixtureServer,
    source: &str,
    pythons: &[&str],
) -> (i32, String, String) {
    let mut command = dir.envlock();
    command
        .args(["import", source, "--index-url", &server.index_url()])
        .args(["--platform", PLATFORM]);
    for python in pythons {
        command.args(["--python", python]);
    }
    run(command)
}

/// Per target: (package, version, file) of everything it installs.
fn installed(lock: &Lock, target: &str) -> BTreeSet<(String, String, String)> {
    lock.packages_for(target)
        .flat_map(|package| {
            package
                .files
                .iter()
                .filter(|file| file.targets.contains(target))
                .map(|file| {
                    (
                        package.name.to_string(),
                        package.version.to_string(),
                        file.file_name().to_owned(),
                    )
                })
        })
        .collect()
}

fn names(lock: &Lock, build: bool) -> Vec<String> {
    let list = if build {
        &lock.build_packages
    } else {
        &lock.packages
    };
    list.iter()
        .map(|package| format!("{} {} {:?}", package.name, package.version, package.targets))
        .collect()
}

/// The imported lock installs, on each target, exactly the files
/// `envlock lock` chooses for the same requirements, and carries the same
/// build packages for the sdist.
fn assert_same_as_envlock(imported: &Lock, reference: &Lock) {
    assert_eq!(imported.targets, reference.targets);
    for target in &reference.targets {
        assert_eq!(
            installed(imported, &target.name),
            installed(reference, &target.name),
            "target {}",
            target.name
        );
    }
    assert_eq!(names(imported, true), names(reference, true));
    for (ours, theirs) in imported.packages.iter().zip(&reference.packages) {
        assert_eq!(ours.files, theirs.files, "{} {}", ours.name, ours.version);
    }
}

fn pyproject(dir: &TestDir) {
    let dependencies: Vec<String> = REQUIREMENTS
        .iter()
        .map(|requirement| format!("    \"{requirement}\","))
        .collect();
    std::fs::write(
        dir.join("pyproject.toml"),
        format!(
            "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\n{}\n]\n\n[tool.uv]\npackage = false\n",
            dependencies.join("\n")
        ),
    )
    .unwrap();
}

fn read(dir: &TestDir, name: &str) -> Lock {
    envlock_lock::read_lock(&dir.join(name)).unwrap()
}

#[test]
fn uv_lock_imports_per_target_with_the_werkzeug_gate() {
    let Some(uv) = tool("uv") else { return };
    let server = FixtureServer::start(index(), ServerOptions::default()).unwrap();
    let dir = TestDir::new();
    pyproject(&dir);
    let mut command = tool_command(&dir, &uv);
    command.args(["lock", "--default-index", &server.index_url()]);
    run_tool(command, "uv lock");

    let (code, _, stderr) = import(&dir, &server, "uv.lock", &["3.8", "3.12"]);
    assert_eq!(code, 0, "{stderr}");
    let imported = read(&dir, "envlock.lock");
    let reference = envlock_lock(&server, &spec());
    assert_same_as_envlock(&imported, &reference);
    // The gate: werkzeug 2 on 3.8 only, werkzeug 3 on 3.12.
    let werkzeug: Vec<String> = imported
        .packages
        .iter()
        .filter(|package| package.name.as_ref() == "werkzeug")
        .map(|package| format!("{} {:?}", package.version, package.targets))
        .collect();
    assert_eq!(
        werkzeug,
        [
            "2.3.8 {\"cp38-manylinux_2_28_x86_64\"}",
            "3.0.6 {\"cp312-manylinux_2_28_x86_64\"}"
        ]
    );
    // The sdist-only package is carried with its build requirements.
    let pyperclip = imported
        .packages
        .iter()
        .find(|package| package.name.as_ref() == "pyperclip")
        .unwrap();
    assert!(pyperclip.files[0].file_name().ends_with(".tar.gz"));
    assert!(pyperclip.files[0].is_sdist());
    assert!(
        imported
            .build_packages
            .iter()
            .any(|package| package.name.as_ref() == "setuptools"),
        "{:?}",
        names(&imported, true)
    );
    // An ordinary lock: the wheelhouse builds from it and verifies, with the
    // sdist and its build requirements inside.
    wheelhouse_ok(&dir, &server.index_url(), &["envlock.lock", "-o", "wh"]);
    assert!(dir.join("wh/pyperclip-1.8.2.tar.gz").is_file());
    assert!(dir.join("wh/setuptools-75.3.0-py3-none-any.whl").is_file());
    let mut command = dir.envlock();
    command.args(["verify", "wh"]);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 0, "{stderr}");
    // The lock records its source; `--check` passes, then fails once the
    // source changes.
    let source = imported.imported_from.clone().unwrap();
    assert_eq!(
        (source.format.as_str(), source.path.as_str()),
        ("uv.lock", "uv.lock")
    );
    let check = |dir: &TestDir| {
        let mut command = dir.envlock();
        command.args([
            "import",
            "uv.lock",
            "--check",
            "--index-url",
            &server.index_url(),
        ]);
        command.args([
            "--platform",
            PLATFORM,
            "--python",
            "3.8",
            "--python",
            "3.12",
        ]);
        run(command)
    };
    let (code, _, stderr) = check(&dir);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(dir.join("uv.lock")).unwrap();
    std::fs::write(dir.join("uv.lock"), format!("{text}\n# edited\n")).unwrap();
    let (code, _, stderr) = check(&dir);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("uv.lock changed since the lock was imported"),
        "{stderr}"
    );

    // A source whose hash for a file differs from the index's is refused,
    // naming both.
    let tqdm = imported
        .packages
        .iter()
        .find(|package| package.name.as_ref() == "tqdm")
        .unwrap();
    let real = &tqdm.files[0].sha256;
    let forged = "f".repeat(64);
    std::fs::write(
        dir.join("uv.lock"),
        text.replace(real.to_string().as_str(), &forged),
    )
    .unwrap();
    let (code, _, stderr) = import(&dir, &server, "uv.lock", &["3.12"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(tqdm.files[0].file_name())
            && stderr.contains(&forged)
            && stderr.contains(real.to_string().as_str()),
        "{stderr}"
    );
}

#[test]
fn uv_export_pylock_imports_like_envlock_locks() {
    let Some(uv) = tool("uv") else { return };
    let server = FixtureServer::start(index(), ServerOptions::default()).unwrap();
    let dir = TestDir::new();
    pyproject(&dir);
    let mut command = tool_command(&dir, &uv);
    command.args(["lock", "--default-index", &server.index_url()]);
    run_tool(command, "uv lock");
    let mut command = tool_command(&dir, &uv);
    command.args([
        "export",
        "--format",
        "pylock.toml",
        "-o",
        "pylock.toml",
        "--frozen",
    ]);
    run_tool(command, "uv export");
    let (code, _, stderr) = import(&dir, &server, "pylock.toml", &["3.8", "3.12"]);
    assert_eq!(code, 0, "{stderr}");
    assert_same_as_envlock(&read(&dir, "envlock.lock"), &envlock_lock(&server, &spec()));
}

#[test]
fn uv_pip_compile_universal_hashes_import_like_envlock_locks() {
    let Some(uv) = tool("uv") else { return };
    let server = FixtureServer::start(index(), ServerOptions::default()).unwrap();
    let dir = TestDir::new();
    std::fs::write(dir.join("requirements.in"), REQUIREMENTS.join("\n") + "\n").unwrap();
    let mut command = tool_command(&dir, &uv);
    command.args([
        "pip",
        "compile",
        "requirements.in",
        "--universal",
        "--generate-hashes",
    ]);
    command.args(["--python-version", "3.8", "-o", "requirements.txt"]);
    command.args(["--index-url", &server.index_url()]);
    run_tool(command, "uv pip compile");
    let (code, _, stderr) = import(&dir, &server, "requirements.txt", &["3.8", "3.12"]);
    assert_eq!(code, 0, "{stderr}");
    assert_same_as_envlock(&read(&dir, "envlock.lock"), &envlock_lock(&server, &spec()));
}

/// What pip and pip-compile lock for their own CPython 3.11 (no sdist: pip
/// would build it to read its metadata).
const HOST_REQUIREMENTS: &str = "flask\nrequests[socks]\ntqdm<4.67\n";

fn host_spec() -> String {
    format!(
        "name = \"fixture\"\nrequirements = [\"flask\", \"requests[socks]\", \"tqdm<4.67\"]\n[[targets]]\npython = \"3.11\"\nplatform = \"{PLATFORM}\"\n"
    )
}

/// Whether the tools' Python is 3.11, which the expectations are written for.
fn tools_python_is_311(python: &Path) -> bool {
    let output = Command::new(python)
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .expect("python runs");
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if version != "3.11" {
        println!("SKIPPED: the tools' Python is {version}, the fixture has wheels for 3.11");
    }
    version == "3.11"
}

#[test]
fn pip_lock_pylock_imports_like_envlock_locks() {
    let Some(python) = tool("python") else { return };
    if !tools_python_is_311(&python) {
        return;
    }
    host_lock_imports_like_envlock(
        &python,
        &[
            "-m",
            "pip",
            "lock",
            "-r",
            "requirements.in",
            "-o",
            "pylock.toml",
        ],
        "pylock.toml",
        "pip lock",
    );
}

#[test]
fn pip_compile_hashes_import_like_envlock_locks() {
    let Some(pip_compile) = tool("pip-compile") else {
        return;
    };
    let Some(python) = tool("python") else { return };
    if !tools_python_is_311(&python) {
        return;
    }
    host_lock_imports_like_envlock(
        &pip_compile,
        &[
            "--generate-hashes",
            "-o",
            "requirements.txt",
            "requirements.in",
        ],
        "requirements.txt",
        "pip-compile",
    );
}

/// Runs a tool that locks the host requirements for its own CPython 3.11
/// (`program ARGS… --index-url URL`, writing `output`), imports what it
/// wrote for 3.11 and checks it is the lock envlock makes itself.
fn host_lock_imports_like_envlock(program: &Path, args: &[&str], output: &str, what: &str) {
    let server = FixtureServer::start(index(), ServerOptions::default()).unwrap();
    let dir = TestDir::new();
    std::fs::write(dir.join("requirements.in"), HOST_REQUIREMENTS).unwrap();
    let mut command = tool_command(&dir, program);
    command
        .args(args)
        .args(["--index-url", &server.index_url()]);
    run_tool(command, what);
    let (code, _, stderr) = import(&dir, &server, output, &["3.11"]);
    assert_eq!(code, 0, "{stderr}");
    assert_same_as_envlock(
        &read(&dir, "envlock.lock"),
        &envlock_lock(&server, &host_spec()),
    );
}

envlock_test!(
    a_pylock_hash_that_differs_from_the_index_is_refused,
    |dir| {
        let server = FixtureServer::start(index(), ServerOptions::default()).unwrap();
        let tqdm = index()
            .files("tqdm")
            .iter()
            .find(|file| file.filename == "tqdm-4.66.0-py3-none-any.whl")
            .unwrap()
            .clone();
        let forged = "0".repeat(64);
        std::fs::write(
        dir.join("pylock.toml"),
        format!(
            "lock-version = \"1.0\"\ncreated-by = \"hand\"\n\n[[packages]]\nname = \"tqdm\"\nversion = \"4.66.0\"\nwheels = [{{ name = \"{}\", size = {}, hashes = {{ sha256 = \"{forged}\" }} }}]\n",
            tqdm.filename,
            tqdm.bytes.len()
        ),
    )
    .unwrap();
        let (code, _, stderr) = import(&dir, &server, "pylock.toml", &["3.12"]);
        assert_eq!(code, 1, "{stderr}");
        assert!(
            stderr.contains(&forged)
                && stderr.contains(&tqdm.sha256())
                && stderr.contains(&tqdm.filename),
            "{stderr}"
        );
        assert!(!dir.join("envlock.lock").exists());
        // With the right hash it imports, and names the file the index has.
        let text = std::fs::read_to_string(dir.join("pylock.toml")).unwrap();
        std::fs::write(
            dir.join("pylock.toml"),
            text.replace(&forged, &tqdm.sha256()),
        )
        .unwrap();
        let (code, _, stderr) = import(&dir, &server, "pylock.toml", &["3.12"]);
        assert_eq!(code, 0, "{stderr}");
        let lock = read(&dir, "envlock.lock");
        assert_eq!(
            lock.packages[0].files[0].sha256,
            tqdm.sha256().parse().unwrap()
        );
        // Without a hash it is refused, unless the hashes may come from the index.
        let text = std::fs::read_to_string(dir.join("pylock.toml")).unwrap();
        let bare = text.replace(
            &format!(", hashes = {{ sha256 = \"{}\" }}", tqdm.sha256()),
            "",
        );
        assert_ne!(bare, text);
        std::fs::write(dir.join("pylock.toml"), bare).unwrap();
        let (code, _, stderr) = import(&dir, &server, "pylock.toml", &["3.12"]);
        assert_eq!(code, 1, "{stderr}");
        assert!(
            stderr.contains("no sha256 hash") && stderr.contains("--fetch-hashes"),
            "{stderr}"
        );
        let mut command = dir.envlock();
        command.args([
            "import",
            "pylock.toml",
            "--fetch-hashes",
            "--python",
            "3.12",
        ]);
        command.args(["--platform", PLATFORM, "--index-url", &server.index_url()]);
        let (code, _, stderr) = run(command);
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains("vouches for the index"), "{stderr}");
        assert_eq!(
            read(&dir, "envlock.lock").packages[0].files[0].sha256,
            tqdm.sha256().parse().unwrap()
        );
        // With no --python/--platform, the targets are ./envlock.toml's.
        std::fs::write(
            dir.join("envlock.toml"),
            "name = \"mine\"\n[[targets]]\nname = \"py312\"\npython = \"3.12\"\nplatform = \"manylinux\"\n",
        )
        .unwrap();
        let mut command = dir.envlock();
        command.args([
            "import",
            "pylock.toml",
            "--fetch-hashes",
            "--index-url",
            &server.index_url(),
        ]);
        let (code, _, stderr) = run(command);
        assert_eq!(code, 0, "{stderr}");
        let lock = read(&dir, "envlock.lock");
        assert_eq!(
            (lock.name.as_str(), lock.targets[0].name.as_str()),
            ("mine", "py312")
        );
    }
);

envlock_test!(a_target_the_source_cannot_serve_is_named, |dir| {
    std::fs::write(
        dir.join("pylock.toml"),
        format!(
            "lock-version = \"1.0\"\ncreated-by = \"hand\"\n\n[[packages]]\nname = \"markupsafe\"\nversion = \"2.1.5\"\nwheels = [{{ name = \"markupsafe-2.1.5-cp310-cp310-win_amd64.whl\", size = 1, hashes = {{ sha256 = \"{}\" }} }}]\n\n[[packages]]\nname = \"pkg\"\nversion = \"1.0\"\nvcs = {{ type = \"git\", url = \"https://127.0.0.1/x.git\", commit-id = \"abc\" }}\n",
            "a".repeat(64)
        ),
    )
    .unwrap();
    let import_for_310 = || {
        let mut command = dir.envlock();
        command.args([
            "import",
            "pylock.toml",
            "--python",
            "3.10",
            "--platform",
            PLATFORM,
        ]);
        run(command)
    };
    let (code, _, stderr) = import_for_310();
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("VCS entries cannot be imported"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(dir.join("pylock.toml")).unwrap();
    let cut = text.find("\n[[packages]]\nname = \"pkg\"").unwrap();
    std::fs::write(dir.join("pylock.toml"), &text[..cut]).unwrap();
    let (code, _, stderr) = import_for_310();
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("cp310-manylinux_2_28_x86_64")
            && stderr.contains("markupsafe 2.1.5")
            && stderr.contains("win_amd64"),
        "{stderr}"
    );
});

/// A folder whose `python3` is a virtualenv's, with pip's site
/// configuration file (inside that virtualenv, where envlock itself does not
/// look) naming `index_url`.
fn python_with_pip_config(dir: &TestDir, index_url: &str) -> Option<PathBuf> {
    let venv = dir.join("pyenv");
    let made = Command::new("python3")
        .args(["-m", "venv", "--without-pip", "--system-site-packages"])
        .arg(&venv)
        .output()
        .is_ok_and(|output| output.status.success());
    let has_pip = made
        && Command::new(venv.join("bin/python3"))
            .args(["-c", "import pip"])
            .output()
            .is_ok_and(|output| output.status.success());
    if !has_pip {
        println!("SKIPPED: no python3 with venv and pip here to ask for its index");
        return None;
    }
    std::fs::write(
        venv.join("pip.conf"),
        format!("[global]\nindex-url = {index_url}\n"),
    )
    .unwrap();
    Some(venv.join("bin"))
}

envlock_test!(init_then_lock_uses_pips_index_with_nothing_set, |dir| {
    let server = FixtureServer::start(index(), ServerOptions::default()).unwrap();
    let Some(bin) = python_with_pip_config(&dir, &server.index_url()) else {
        return;
    };
    let project = dir.join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(
        project.join("requirements.txt"),
        "tqdm<4.67\nrequests[socks]\n",
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let envlock = |args: &[&str]| {
        let mut command = dir.envlock();
        command
            .current_dir(&project)
            .args(args)
            .env("PATH", &path)
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.join("xdg"))
            .env_remove("PIP_CONFIG_FILE")
            .env_remove("VIRTUAL_ENV");
        run(command)
    };
    let (code, _, stderr) = envlock(&["init"]);
    assert_eq!(code, 0, "{stderr}");
    let spec = std::fs::read_to_string(project.join("envlock.toml")).unwrap();
    assert!(
        spec.contains("requirements-files = [\"requirements.txt\"]"),
        "{spec}"
    );
    assert!(spec.contains("platform = \"manylinux_2_28_"), "{spec}");
    // A second init does not overwrite it.
    let (code, _, stderr) = envlock(&["init"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");

    let (code, _, stderr) = envlock(&["lock"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "using pip's index: {}; set ENVLOCK_INDEX_URL to choose another",
            server.index_url()
        )),
        "{stderr}"
    );
    let lock = envlock_lock::read_lock(&project.join("envlock.lock")).unwrap();
    let locked: Vec<String> = lock
        .packages
        .iter()
        .map(|package| format!("{} {}", package.name, package.version))
        .collect();
    assert_eq!(locked, ["pysocks 1.7.1", "requests 2.32.0", "tqdm 4.66.0"]);
});

envlock_test!(init_writes_the_cross_product_and_freezes, |dir| {
    std::fs::write(dir.join("reqs.in"), "tqdm\n").unwrap();
    let mut command = dir.envlock();
    command.args([
        "init",
        "--requirements",
        "reqs.in",
        "--python",
        "3.8",
        "--python",
        "3.12",
    ]);
    command.args([
        "--platform",
        "manylinux_2_28_x86_64",
        "--platform",
        "macos",
        "--exclude-newer",
        "now",
    ]);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 0, "{stderr}");
    let spec = envlock_spec::Spec::read(&dir.join("envlock.toml"), &|_: &str| None).unwrap();
    let targets: Vec<String> = spec
        .targets()
        .unwrap()
        .iter()
        .map(|target| target.name().to_owned())
        .collect();
    assert_eq!(targets.len(), 4, "{targets:?}");
    assert!(spec.exclude_newer.is_some());
    assert_eq!(spec.requirements.len(), 1);
    let mut command = dir.envlock();
    command.args(["init", "--force", "--python", "3.10"]);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 0, "{stderr}");
});
