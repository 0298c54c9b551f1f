//! The far side, for real and offline: a multi-target wheelhouse installs
//! with every pip from 20.3 to the newest on each CPython this machine has
//! that the pip supports (the pip matrix), and `install.sh` installs into a
//! venv whose pip is 20.0.2, is safe to run twice, and fails clearly on a
//! damaged carry or a machine without the target's Python.
//!
//! Needs `unshare -n`, the pip wheels that `.ci/install-pip-wheels.sh`
//! fetches into `$ENVLOCK_TEST_TOOLS_DIR/pip-wheels`, and CPythons under
//! `$PYENV_ROOT/versions`; each test skips, saying why, without them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use envlock_test::{DistSpec, FixtureFile, FixtureIndex, FixtureServer, ServerOptions, skip};

use crate::util::{TestDir, lock_ok, run, unshare_permitted, wheelhouse_ok};

/// Every CPython minor version a target of the matrix lock names.
const PYTHONS: [&str; 8] = ["3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13"];

/// The pips of the matrix, with the CPython minor versions each supports
/// (its `Requires-Python` floor, and the newest CPython released before
/// it: an older pip does not run on a later CPython). `None` stands for the
/// newest pip in the wheels folder, bounded by its own `Requires-Python`.
const PIPS: [(Option<&str>, &[&str]); 6] = [
    (Some("20.3.4"), &["3.6", "3.7", "3.8", "3.9"]),
    (Some("21.3.1"), &["3.6", "3.7", "3.8", "3.9", "3.10"]),
    (Some("22.3.1"), &["3.7", "3.8", "3.9", "3.10", "3.11"]),
    (Some("23.0.1"), &["3.7", "3.8", "3.9", "3.10", "3.11"]),
    (
        Some("23.2.1"),
        &["3.7", "3.8", "3.9", "3.10", "3.11", "3.12"],
    ),
    (None, &PYTHONS),
];

/// Packages that split between targets and request an extra, like
/// `jupyter-events` asking for `jsonschema[format-nongpl]>=4.18` where 3.8
/// gets an older jsonschema than 3.10: `events` requires `schema[fmt]`, and
/// `schema` 5.0 needs Python 3.9. `backport` is needed below 3.8 only;
/// `platformpkg` has only a PEP 600 (`manylinux_2_28`) wheel. `agent`
/// asks for `schema` without the extra, as `clearml` asks for plain
/// `jsonschema>=2.6` beside `jupyter-events`' extra; it sorts first, so pip
/// meets its loose requirement before the pins.
fn far_side_universe() -> FixtureIndex {
    let mut index = FixtureIndex::new();
    index.add_wheel(
        &DistSpec::new("agent", "1.0").requires(["schema>=1.0"]),
        "py3-none-any",
    );
    index.add_wheel(&DistSpec::new("fmtcheck", "1.0"), "py3-none-any");
    index.add_wheel(&DistSpec::new("backport", "1.0"), "py3-none-any");
    for (version, python) in [("4.0", ">=3.6"), ("5.0", ">=3.9")] {
        index.add_wheel(
            &DistSpec::new("schema", version)
                .requires_python(python)
                .extra("fmt", "fmtcheck>=1"),
            "py3-none-any",
        );
    }
    index.add_wheel(
        &DistSpec::new("events", "1.0")
            .requires(["schema[fmt]>=4.0", "backport>=1 ; python_version < '3.8'"])
            .requires_python(">=3.6"),
        "py3-none-any",
    );
    index.add_wheel(
        &DistSpec::new("platformpkg", "1.0"),
        "py3-none-manylinux_2_28_x86_64",
    );
    // Real pips for the lock to carry, each with its Requires-Python.
    if let Some(wheels) = pip_wheels() {
        for version in [Some("21.3.1"), Some("23.2.1"), None] {
            if let Some(pip) = pip_wheel(&wheels, version) {
                let name = pip.1.file_name().unwrap().to_string_lossy().into_owned();
                let mut file = FixtureFile::new(&name, std::fs::read(&pip.1).unwrap());
                file.requires_python = Some(format!(">={}", pip_floor(&pip)));
                index.add_file("pip", file);
            }
        }
    }
    index
}

fn target_name(python: &str) -> String {
    format!("cp{}-manylinux_2_28_x86_64", python.replace('.', ""))
}

/// The `schema` version a target of this Python installs.
fn schema_version(python: &str) -> &'static str {
    if matches!(python, "3.6" | "3.7" | "3.8") {
        "4.0"
    } else {
        "5.0"
    }
}

/// Locks `requirements` for `pythons` (manylinux_2_28_x86_64 each) and
/// builds the wheelhouse `wh`.
fn locked_wheelhouse(
    dir: &TestDir,
    server: &FixtureServer,
    pythons: &[&str],
    requirements: &str,
    carry_pip: bool,
) {
    let mut spec =
        format!("name = \"far\"\nrequirements = [{requirements}]\ncarry-pip = {carry_pip}\n");
    for python in pythons {
        spec.push_str(&format!(
            "[[targets]]\npython = \"{python}\"\nplatform = \"manylinux_2_28_x86_64\"\n"
        ));
    }
    std::fs::write(dir.join("envlock.toml"), spec).unwrap();
    lock_ok(dir, &server.index_url());
    wheelhouse_ok(
        dir,
        &server.index_url(),
        &["envlock.lock", "--platform", "manylinux", "-o", "wh"],
    );
}

/// The CPython `3.X` under `$PYENV_ROOT/versions`.
fn cpython(minor: &str) -> Option<PathBuf> {
    let root = std::env::var_os("PYENV_ROOT")?;
    let versions = Path::new(&root).join("versions");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&versions)
        .ok()?
        .flatten()
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.strip_prefix(minor)
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|patch| patch.bytes().all(|byte| byte.is_ascii_digit()))
        })
        .map(|entry| entry.path().join("bin").join(format!("python{minor}")))
        .filter(|path| path.is_file())
        .collect();
    found.sort();
    found.pop()
}

/// `$ENVLOCK_TEST_TOOLS_DIR/pip-wheels`, when it exists.
fn pip_wheels() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("ENVLOCK_TEST_TOOLS_DIR")?).join("pip-wheels");
    dir.is_dir().then_some(dir)
}

/// The wheel of pip `version` in `dir`, or the newest one for `None`, with
/// its version.
fn pip_wheel(dir: &Path, version: Option<&str>) -> Option<(String, PathBuf)> {
    let mut wheels: Vec<(Vec<u32>, String, PathBuf)> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let found = name.strip_prefix("pip-")?.split('-').next()?.to_owned();
            let key = found
                .split('.')
                .map(|part| part.parse().ok())
                .collect::<Option<Vec<u32>>>()?;
            name.ends_with(".whl").then(|| (key, found, entry.path()))
        })
        .filter(|(_, found, _)| version.is_none_or(|wanted| wanted == found))
        .collect();
    wheels.sort();
    wheels.pop().map(|(_, found, path)| (found, path))
}

/// Runs `command` and returns its combined output, or the same as an error
/// when it fails.
pub(crate) fn checked(mut command: Command, what: &str) -> Result<String, String> {
    let output = command
        .output()
        .map_err(|error| format!("{what}: {error}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(format!("{what} failed:\n{text}"))
    }
}

/// A command that runs without any network, in `cwd`, with pip's settings
/// and caches private to `home`.
pub(crate) fn offline(program: &Path, cwd: &Path, home: &Path) -> Command {
    // By its path: a test may give the command a bare PATH.
    let unshare = ["/usr/bin/unshare", "/bin/unshare"]
        .into_iter()
        .find(|path| Path::new(path).exists())
        .unwrap_or("unshare");
    let mut command = Command::new(unshare);
    command
        .arg("-n")
        .arg(program)
        .current_dir(cwd)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_EXTRA_INDEX_URL")
        .env_remove("PIP_FIND_LINKS")
        .env_remove("PYTHONPATH");
    command
}

/// One cell of the matrix: a venv of `python` without pip, pip from its
/// wheel, then the README's plain command for the target, and the installed
/// set compared with the target's pins (exactly those, nothing else) and
/// imported. The comparison is stricter than `pip check` and costs one
/// Python start instead of a second run of pip.
fn install_with(
    wh: &Path,
    root: &Path,
    python: &str,
    interpreter: &Path,
    pip: &(String, PathBuf),
) -> Result<(), String> {
    let venv = root.join(format!("pip{}-py{python}", pip.0));
    let mut create = Command::new(interpreter);
    create.args(["-m", "venv", "--without-pip"]).arg(&venv);
    checked(create, "creating the venv")?;
    // A wheel is a zip: unpacked into site-packages, pip runs as `python -m pip`.
    let site = venv.join(format!("lib/python{python}/site-packages"));
    let wheel = std::fs::File::open(&pip.1).map_err(|error| format!("pip's wheel: {error}"))?;
    zip::ZipArchive::new(wheel)
        .and_then(|mut archive| archive.extract(&site))
        .map_err(|error| format!("unpacking pip: {error}"))?;
    let venv_python = venv.join("bin/python");
    let requirements = format!("requirements/{}.txt", target_name(python));
    let mut install = offline(&venv_python, wh, &venv);
    install
        .args(["-m", "pip", "install", "--no-index", "--find-links", "."])
        .args(["--require-hashes", "--no-compile", "-r", &requirements]);
    checked(install, "pip install")?;
    let mut import = offline(&venv_python, wh, &venv);
    import.args([
        "-c",
        "import os, sys, events, fmtcheck, pip, platformpkg, schema\n\
         print(pip.__version__, schema.__version__)\n\
         site = os.path.dirname(os.path.dirname(schema.__file__))\n\
         print(' '.join(sorted(n[:-10].lower() for n in os.listdir(site) if n.endswith('.dist-info'))))",
    ]);
    let imported = checked(import, "importing the locked set")?;
    let mut lines = imported.lines();
    let expected = format!("{} {}", pip.0, schema_version(python));
    let versions = lines.next().unwrap_or_default().trim();
    if versions != expected {
        return Err(format!(
            "pip and schema are {versions}; expected {expected}"
        ));
    }
    let pins = std::fs::read_to_string(wh.join(&requirements))
        .map_err(|error| format!("{requirements}: {error}"))?;
    let expected = installed_set(&pins, &pip.0);
    let installed = lines.next().unwrap_or_default().trim();
    if installed != expected {
        return Err(format!(
            "installed {installed}; {requirements} pins {expected}"
        ));
    }
    Ok(())
}

/// The `name-version` of every distribution a requirement file pins, with
/// pip's own, sorted as the venv's `.dist-info` folders list them.
fn installed_set(pins: &str, pip: &str) -> String {
    let mut set: Vec<String> = pins
        .lines()
        .filter_map(|line| line.split_once("=="))
        .map(|(name, rest)| {
            let name = name.split('[').next().unwrap_or(name).trim();
            let version = rest.split([' ', ';', '\\']).next().unwrap_or(rest);
            format!("{}-{version}", name.to_lowercase().replace('-', "_"))
        })
        .chain([format!("pip-{pip}")])
        .collect();
    set.sort();
    set.dedup();
    set.join(" ")
}

envlock_test!(far_side_pip_matrix_installs_each_target_offline, |dir| {
    if !unshare_permitted() {
        skip("`unshare -n` is not permitted here; the pip matrix was not run");
        return;
    }
    let Some(wheels) = pip_wheels() else {
        skip(
            "no pip wheels in $ENVLOCK_TEST_TOOLS_DIR/pip-wheels (run .ci/install-pip-wheels.sh DIR); the pip matrix was not run",
        );
        return;
    };
    let server = FixtureServer::start(far_side_universe(), ServerOptions::default()).unwrap();
    locked_wheelhouse(
        &dir,
        &server,
        &PYTHONS,
        r#""agent", "events", "platformpkg""#,
        true,
    );
    let wh = dir.join("wh");

    // Each target's own file: its pins only, the extra written on the pin.
    let read = |python: &str| {
        std::fs::read_to_string(wh.join(format!("requirements/{}.txt", target_name(python))))
            .unwrap()
    };
    let old = read("3.8");
    // Pinned plainly and with the extra: either alone fails some old pip.
    assert!(old.contains("\nschema==4.0 \\\n"), "{old}");
    assert!(old.contains("\nschema[fmt]==4.0 \\\n"), "{old}");
    assert!(!old.contains("==5.0"), "{old}");
    assert!(!old.contains("backport"), "{old}");
    assert!(read("3.6").contains("\nbackport==1.0 \\\n"));
    assert!(read("3.12").contains("\nschema[fmt]==5.0 \\\n"));
    let sums = std::fs::read_to_string(wh.join("SHA256SUMS")).unwrap();
    for name in ["install.sh", "requirements/cp38-manylinux_2_28_x86_64.txt"] {
        assert!(sums.contains(&format!("  {name}\n")), "{name}: {sums}");
    }
    assert!(!wh.join("install.ps1").exists());
    let readme = std::fs::read_to_string(wh.join("README.txt")).unwrap();
    assert!(readme.contains("sh install.sh"), "{readme}");
    assert!(
        readme.contains("-r requirements/cp38-manylinux_2_28_x86_64.txt"),
        "{readme}"
    );
    assert_readable(&wh);

    let cells = matrix_cells(&wheels);
    let results = run_matrix(&wh, &dir.join("venvs"), cells);
    let mut passed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut failures = Vec::new();
    for (pip, python, result) in results {
        match result {
            Ok(()) => passed.entry(pip).or_default().push(python),
            Err(error) => failures.push(format!("pip {pip} on Python {python}: {error}")),
        }
    }
    for (pip, pythons) in &passed {
        println!(
            "installed offline with pip {pip} on Python {}",
            pythons.join(", ")
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(!passed.is_empty(), "no cell of the pip matrix ran");
});

/// One cell of the pip matrix: a pip (version, wheel), a CPython minor
/// version and its interpreter.
type Cell = ((String, PathBuf), &'static str, PathBuf);
/// What a cell did: pip version, Python version, and the failure if any.
type Outcome = (String, String, Result<(), String>);

/// The cells whose pip wheel and CPython are here, saying which are not.
fn matrix_cells(wheels: &Path) -> Vec<Cell> {
    let mut cells = Vec::new();
    for (version, pythons) in PIPS {
        let Some(pip) = pip_wheel(wheels, version) else {
            skip(format!(
                "no wheel of pip {} in {}",
                version.unwrap_or("(newest)"),
                wheels.display()
            ));
            continue;
        };
        for python in pythons {
            let floor_ok = version.is_some() || pip_admits(&pip, python);
            match cpython(python) {
                Some(interpreter) if floor_ok => cells.push((pip.clone(), *python, interpreter)),
                Some(_) => {}
                None => skip(format!(
                    "pip {} on Python {python}: no CPython {python} under $PYENV_ROOT/versions",
                    pip.0
                )),
            }
        }
    }
    cells
}

/// Runs the cells, three at a time (each is mostly waiting on a Python
/// process), sorted by pip and Python.
fn run_matrix(wh: &Path, root: &Path, cells: Vec<Cell>) -> Vec<Outcome> {
    std::fs::create_dir_all(root).unwrap();
    let results: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
    let queue = Mutex::new(cells);
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                loop {
                    let Some((pip, python, interpreter)) = queue.lock().unwrap().pop() else {
                        return;
                    };
                    let result = install_with(wh, root, python, &interpreter, &pip);
                    results
                        .lock()
                        .unwrap()
                        .push((pip.0.clone(), python.to_owned(), result));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort();
    results
}

/// The `3.N` floor of a pip wheel's `Requires-Python` (`>=3.N`).
fn pip_floor((version, wheel): &(String, PathBuf)) -> String {
    let file = std::fs::File::open(wheel).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    let name = format!("pip-{version}.dist-info/METADATA");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut archive.by_name(&name).unwrap(), &mut text).unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix("Requires-Python: >="))
        .unwrap_or("3.0")
        .trim()
        .to_owned()
}

/// The minor number of `3.N`.
fn minor(version: &str) -> u32 {
    version
        .strip_prefix("3.")
        .and_then(|rest| rest.split('.').next())
        .and_then(|minor| minor.parse().ok())
        .unwrap_or(0)
}

/// Whether the pip wheel's `Requires-Python` admits `python`.
fn pip_admits(pip: &(String, PathBuf), python: &str) -> bool {
    minor(python) >= minor(&pip_floor(pip))
}

/// Every file of the wheelhouse is 0644 and every folder 0755.
fn assert_readable(wh: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut pending = vec![wh.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let mode = std::fs::metadata(&folder).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755, "{}", folder.display());
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o644, "{}", path.display());
            }
        }
    }
}

/// A CPython 3.8 whose `python -m venv` gives pip 20.0.2, as Ubuntu 20.04's
/// does: Debian's venv takes pip from its own bundle, not the one CPython
/// ships. Made like that here: a prefix with a copy of the interpreter,
/// links to the standard library, and an `ensurepip` that bundles pip 20.0.2.
fn python_with_old_ensurepip(base: &Path, root: &Path, pip_wheel: &Path) -> PathBuf {
    let home = base.parent().unwrap().parent().unwrap();
    let stdlib = home.join("lib/python3.8");
    let prefix = root.join("python38");
    let own_stdlib = prefix.join("lib/python3.8");
    std::fs::create_dir_all(prefix.join("bin")).unwrap();
    std::fs::create_dir_all(&own_stdlib).unwrap();
    let python = prefix.join("bin/python3.8");
    std::fs::copy(base, &python).unwrap();
    for entry in std::fs::read_dir(&stdlib).unwrap().flatten() {
        if entry.file_name() != "ensurepip" {
            std::os::unix::fs::symlink(entry.path(), own_stdlib.join(entry.file_name())).unwrap();
        }
    }
    let ensurepip = own_stdlib.join("ensurepip");
    std::fs::create_dir_all(ensurepip.join("_bundled")).unwrap();
    let bundled = stdlib.join("ensurepip");
    for name in ["__main__.py", "_uninstall.py"] {
        std::fs::copy(bundled.join(name), ensurepip.join(name)).unwrap();
    }
    for entry in std::fs::read_dir(bundled.join("_bundled"))
        .unwrap()
        .flatten()
    {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with("setuptools-")
        {
            std::fs::copy(
                entry.path(),
                ensurepip.join("_bundled").join(entry.file_name()),
            )
            .unwrap();
        }
    }
    std::fs::copy(
        pip_wheel,
        ensurepip
            .join("_bundled")
            .join(pip_wheel.file_name().unwrap()),
    )
    .unwrap();
    let init = std::fs::read_to_string(bundled.join("__init__.py")).unwrap();
    let version_line = init
        .lines()
        .find(|line| line.starts_with("_PIP_VERSION = "))
        .unwrap();
    let patched = init
        .replace(version_line, "_PIP_VERSION = \"20.0.2\"")
        .replace(
            "(\"pip\", _PIP_VERSION, \"py3\")",
            "(\"pip\", _PIP_VERSION, \"py2.py3\")",
        );
    std::fs::write(ensurepip.join("__init__.py"), patched).unwrap();
    python
}

/// A folder for `PATH` with the tools `install.sh` uses and, as `name`, the
/// Python at `python`: no other Python is found through it.
pub(crate) fn bare_path(root: &Path, folder: &str, python: Option<(&str, &Path)>) -> PathBuf {
    let bin = root.join(folder);
    std::fs::create_dir_all(&bin).unwrap();
    for tool in [
        "sh",
        "dash",
        "env",
        "sed",
        "grep",
        "uname",
        "ldd",
        "ls",
        "sha256sum",
        "mkdir",
        "rm",
        "mv",
        "cut",
        "dirname",
        "cat",
        "tar",
        "gzip",
        "busybox",
    ] {
        for folder in ["/usr/bin", "/bin"] {
            let path = Path::new(folder).join(tool);
            if path.exists() {
                std::os::unix::fs::symlink(&path, bin.join(tool)).unwrap();
                break;
            }
        }
    }
    if let Some((name, python)) = python {
        std::os::unix::fs::symlink(python, bin.join(name)).unwrap();
    }
    bin
}

/// `install.sh` run by `shell` (a program and its first arguments) without
/// network, with only `path` on `PATH`.
pub(crate) fn install_sh(
    shell: &[&str],
    wh: &Path,
    path: &Path,
    args: &[&str],
) -> (i32, String, String) {
    let mut command = offline(
        Path::new(shell[0]),
        wh.parent().unwrap(),
        wh.parent().unwrap(),
    );
    command
        .args(&shell[1..])
        .env_clear()
        .env("PATH", path)
        .env("HOME", wh.parent().unwrap())
        .arg(wh.join("install.sh"))
        .args(args);
    run(command)
}

/// What a venv holds: `pip freeze`, and every file with its size and time.
pub(crate) fn venv_state(venv: &Path) -> (String, Vec<String>) {
    let mut freeze = offline(&venv.join("bin/python"), venv, venv);
    freeze.args(["-m", "pip", "freeze", "--all"]);
    let frozen = checked(freeze, "pip freeze").unwrap();
    let mut files = Vec::new();
    let mut pending = vec![venv.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let metadata = entry.path().symlink_metadata().unwrap();
            if metadata.is_dir() {
                pending.push(entry.path());
            }
            files.push(format!(
                "{} {} {:?}",
                entry.path().display(),
                metadata.len(),
                metadata.modified().ok()
            ));
        }
    }
    files.sort();
    (frozen, files)
}

envlock_test!(
    install_sh_installs_with_an_old_pip_and_fails_clearly,
    |dir| {
        if !unshare_permitted() {
            skip("`unshare -n` is not permitted here; install.sh was not run");
            return;
        }
        let old_pip = pip_wheels().and_then(|wheels| pip_wheel(&wheels, Some("20.0.2")));
        let (Some((_, old_pip)), Some(python38), Some(python311)) =
            (old_pip, cpython("3.8"), cpython("3.11"))
        else {
            skip(
                "install.sh needs pip 20.0.2's wheel in $ENVLOCK_TEST_TOOLS_DIR/pip-wheels and CPython 3.8 and 3.11 under $PYENV_ROOT/versions",
            );
            return;
        };
        let server = FixtureServer::start(far_side_universe(), ServerOptions::default()).unwrap();
        let requirements = r#""events", "platformpkg""#;
        let debian_like = python_with_old_ensurepip(&python38, dir.path(), &old_pip);
        let path = bare_path(dir.path(), "bin38", Some(("python3.8", &debian_like)));

        // Without a carried pip, the machine's pip 20.0.2 cannot read the
        // name of a manylinux_2_28 wheel, and install.sh says so.
        let own_pip = TestDir::new();
        locked_wheelhouse(&own_pip, &server, &["3.8", "3.11"], requirements, false);
        let (code, stdout, stderr) = install_sh(&["sh"], &own_pip.join("wh"), &path, &[]);
        assert_eq!(code, 1, "{stdout}\n{stderr}");
        assert!(stdout.contains("==> pip 20.0.2"), "{stdout}");
        assert!(
            stderr.contains("pip older than 20.3 cannot install manylinux_2_x wheels"),
            "{stderr}"
        );

        // With it (the default), the environment gets the carried pip first.
        locked_wheelhouse(&dir, &server, &["3.8", "3.11"], requirements, true);
        let wh = dir.join("wh");
        let venv = dir.join("venv");
        let prefix = venv.display().to_string();
        let carried =
            std::fs::read_to_string(wh.join("requirements/pip/cp38-manylinux_2_28_x86_64.txt"))
                .unwrap();
        assert!(
            carried.contains("\npip==23.2.1 \\\n    --hash=sha256:"),
            "{carried}"
        );
        // Traced (`-x`), to see which commands ran.
        let carried_pip_runs = "-none-any.whl/pip install --quiet";
        let (code, stdout, stderr) = install_sh(&["sh", "-x"], &wh, &path, &["--prefix", &prefix]);
        assert_eq!(code, 0, "{stdout}\n{stderr}");
        assert!(stderr.contains(carried_pip_runs), "{stderr}");
        assert!(
            stdout.contains("target cp38-manylinux_2_28_x86_64"),
            "{stdout}"
        );
        assert!(stdout.contains("==> pip 23.2.1"), "{stdout}");
        assert!(
            stdout.contains(&format!(". {prefix}/bin/activate")),
            "{stdout}"
        );
        let first = venv_state(&venv);
        assert!(first.0.contains("schema==4.0"), "{}", first.0);
        assert!(first.0.contains("fmtcheck==1.0"), "{}", first.0);
        assert!(first.0.contains("platformpkg==1.0"), "{}", first.0);
        assert!(first.0.contains("pip==23.2.1"), "{}", first.0);

        // Again, under dash: it succeeds and changes nothing, and does not
        // start the carried pip to install itself again.
        let (code, stdout, stderr) =
            install_sh(&["dash", "-x"], &wh, &path, &["--prefix", &prefix]);
        assert_eq!(code, 0, "{stdout}\n{stderr}");
        assert!(!stderr.contains(carried_pip_runs), "{stderr}");
        assert_eq!(venv_state(&venv), first);
        if Path::new("/usr/bin/busybox").exists() || Path::new("/bin/busybox").exists() {
            let busybox = ["busybox", "sh"];
            let (code, stdout, stderr) = install_sh(&busybox, &wh, &path, &["--prefix", &prefix]);
            assert_eq!(code, 0, "{stdout}\n{stderr}");
            assert_eq!(venv_state(&venv), first);
        } else {
            skip("busybox is not installed; install.sh ran under sh and dash only");
        }

        // No Python of the target's version: the message says what there is.
        let path311 = bare_path(dir.path(), "bin311", Some(("python3", &python311)));
        let args = [
            "--prefix",
            "elsewhere",
            "--target",
            "cp38-manylinux_2_28_x86_64",
        ];
        let (code, _, stderr) = install_sh(&["dash"], &wh, &path311, &args);
        assert_eq!(code, 1, "{stderr}");
        assert!(
            stderr.contains("this machine has Python 3.11; this carry needs 3.8"),
            "{stderr}"
        );
        let (code, _, stderr) =
            install_sh(&["sh"], &wh, &bare_path(dir.path(), "none", None), &args);
        assert_eq!(code, 1, "{stderr}");
        assert!(
            stderr.contains("this machine has no Python; this carry needs 3.8"),
            "{stderr}"
        );

        // A damaged file is named, and nothing is installed from the carry.
        let damaged = wh.join("fmtcheck-1.0-py3-none-any.whl");
        let mut bytes = std::fs::read(&damaged).unwrap();
        bytes.push(0);
        std::fs::write(&damaged, bytes).unwrap();
        let (code, _, stderr) = install_sh(&["sh"], &wh, &path, &["--prefix", "other"]);
        assert_eq!(code, 1, "{stderr}");
        assert!(
            stderr.contains("fmtcheck-1.0-py3-none-any.whl: FAILED"),
            "{stderr}"
        );
        assert!(
            stderr.contains("checking the files against SHA256SUMS failed"),
            "{stderr}"
        );
        assert!(!dir.join("other").exists());
    }
);
