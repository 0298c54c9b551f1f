//! The carried interpreter, for real and offline: a stand-in for a
//! python-build-standalone `install_only` archive, made here from a local
//! CPython that runs from wherever it is copied, served under a release-like
//! path by the fixture server. `envlock lock` pins it, the wheelhouse
//! carries it, and `install.sh`, in a network namespace with no Python on
//! `PATH`, makes the environment with it under the chosen prefix.
//!
//! A live check against real python-build-standalone archives runs only
//! when `ENVLOCK_PYTHON_INSTALL_MIRROR` is set, and says so otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;

use envlock_test::{DistSpec, FixtureFile, FixtureIndex, FixtureServer, ServerOptions, skip};

use crate::farside::{bare_path, checked, install_sh, offline, venv_state};
use crate::util::{TestDir, assert_output, run, unshare_permitted};

/// The build date the stand-in archive is published under.
const BUILD: &str = "20250101";

/// Copies the running interpreter and its standard library into
/// `<dest>/python` in the `install_only` layout (`bin/python3.X`,
/// `bin/python3`, `lib/python3.X`), leaving out tests, caches and installed
/// packages. Prints the version.
const COPY: &str = r#"
import os, shutil, sys, sysconfig
home = os.path.join(sys.argv[1], "python")
minor = "%d.%d" % sys.version_info[:2]
os.makedirs(os.path.join(home, "bin"))
shutil.copy2(os.path.realpath(sys.executable), os.path.join(home, "bin", "python" + minor))
os.symlink("python" + minor, os.path.join(home, "bin", "python3"))
shutil.copytree(
    sysconfig.get_paths()["stdlib"],
    os.path.join(home, "lib", "python" + minor),
    symlinks=True,
    ignore=shutil.ignore_patterns(
        "test", "tests", "__pycache__", "config-*", "site-packages", "dist-packages",
        "idlelib", "tkinter", "turtledemo", "pydoc_data", "EXTERNALLY-MANAGED",
    ),
)
print("%d.%d.%d" % sys.version_info[:3])
print(sysconfig.get_paths()["stdlib"])
"#;

/// Run by the copy: it must take its prefix and standard library from
/// where it is, and neither read the original's standard library nor map
/// a libpython from outside its own folder.
const RELOCATED: &str = r#"
import os, sys, venv, hashlib, json
home, original = sys.argv[1], sys.argv[2]
assert sys.prefix == home, (sys.prefix, home)
assert os.__file__.startswith(home + os.sep), os.__file__
assert not [p for p in sys.path if p.startswith(original)], sys.path
with open("/proc/self/maps") as maps:
    mapped = [line.split()[-1] for line in maps if "/" in line]
foreign = [p for p in mapped if p.startswith(original + os.sep) or ("libpython" in p and not p.startswith(home))]
assert not foreign, foreign
print("relocated")
"#;

/// A CPython archive made at test time, in the `install_only` layout.
struct StandIn {
    /// `3.X.Y`.
    version: String,
    /// `3.X`.
    minor: String,
    /// The archive's release name.
    file: String,
    /// Its bytes.
    bytes: Vec<u8>,
}

/// The CPythons to try: the system's, then pyenv's.
fn candidates() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .iter()
        .map(PathBuf::from)
        .filter(|path| path.exists())
        .collect();
    if let Some(root) = std::env::var_os("PYENV_ROOT") {
        let mut pyenv: Vec<PathBuf> = std::fs::read_dir(Path::new(&root).join("versions"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path().join("bin/python3"))
            .filter(|path| path.exists())
            .collect();
        pyenv.sort();
        found.extend(pyenv.into_iter().rev());
    }
    found
}

/// The Python triple of this machine, when it is one the test can stand
/// in for (Linux with glibc, x86_64 or aarch64).
fn host_triple() -> Option<&'static str> {
    if !cfg!(all(target_os = "linux", target_env = "gnu")) {
        return None;
    }
    match std::env::consts::ARCH {
        "x86_64" => Some("x86_64-unknown-linux-gnu"),
        "aarch64" => Some("aarch64-unknown-linux-gnu"),
        _ => None,
    }
}

/// Makes the stand-in from the first candidate whose copy runs from its
/// new place; `None` when none does.
fn stand_in(root: &Path, triple: &str) -> Option<StandIn> {
    for (number, python) in candidates().iter().enumerate() {
        let dest = root.join(format!("standin-{number}"));
        let mut copy = Command::new(python);
        copy.arg("-c").arg(COPY).arg(&dest);
        let Ok(printed) = checked(copy, "copying the interpreter") else {
            continue;
        };
        let mut lines = printed.lines();
        let (Some(version), Some(original)) = (lines.next(), lines.next()) else {
            continue;
        };
        let version = version.trim().to_owned();
        let home = dest.join("python");
        let mut check = Command::new(home.join("bin/python3"));
        check
            .env_clear()
            .current_dir(root)
            .arg("-c")
            .arg(RELOCATED)
            .arg(&home)
            .arg(original.trim());
        if checked(check, "running the copy").is_err() {
            continue;
        }
        let file = format!("cpython-{version}+{BUILD}-{triple}-install_only.tar.gz");
        let archive = root.join(&file);
        let mut pack = Command::new("tar");
        pack.arg("-C")
            .arg(&dest)
            .arg("-czf")
            .arg(&archive)
            .arg("python");
        checked(pack, "packing the archive").ok()?;
        let minor = version.rsplit_once('.')?.0.to_owned();
        return Some(StandIn {
            bytes: std::fs::read(&archive).ok()?,
            version,
            minor,
            file,
        });
    }
    None
}

/// A pip wheel to carry: from the test tools, or bundled with a CPython.
fn pip_wheel() -> Option<PathBuf> {
    let mut folders: Vec<PathBuf> = Vec::new();
    if let Some(tools) = std::env::var_os("ENVLOCK_TEST_TOOLS_DIR") {
        folders.push(Path::new(&tools).join("pip-wheels"));
    }
    if let Some(root) = std::env::var_os("PYENV_ROOT") {
        for entry in std::fs::read_dir(Path::new(&root).join("versions"))
            .into_iter()
            .flatten()
            .flatten()
        {
            for lib in std::fs::read_dir(entry.path().join("lib"))
                .into_iter()
                .flatten()
                .flatten()
            {
                folders.push(lib.path().join("ensurepip/_bundled"));
            }
        }
    }
    folders.push(PathBuf::from("/usr/share/python-wheels"));
    let mut wheels: Vec<(Vec<u32>, PathBuf)> = folders
        .iter()
        .flat_map(|folder| std::fs::read_dir(folder).into_iter().flatten().flatten())
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let version = name.strip_prefix("pip-")?.split('-').next()?.to_owned();
            let key = version
                .split('.')
                .map(|part| part.parse().ok())
                .collect::<Option<Vec<u32>>>()?;
            // pip 22 and later know every manylinux_2_x name.
            (name.ends_with(".whl") && key.first() >= Some(&22)).then(|| (key, entry.path()))
        })
        .collect();
    wheels.sort();
    wheels.pop().map(|(_, path)| path)
}

/// The universe: a package that only the archive's exact version selects
/// (a `python_full_version` marker), one that any other version would, and
/// the archive itself and pip.
fn universe(stand_in: &StandIn, pip: &Path) -> FixtureIndex {
    let mut index = FixtureIndex::new();
    index.add_wheel(&DistSpec::new("exact", "1.0"), "py3-none-any");
    index.add_wheel(&DistSpec::new("other", "1.0"), "py3-none-any");
    let name = pip.file_name().unwrap().to_string_lossy().into_owned();
    let mut wheel = FixtureFile::new(&name, std::fs::read(pip).unwrap());
    wheel.requires_python = Some(">=3.7".to_owned());
    index.add_file("pip", wheel);
    index.add_file(
        "python-standalone",
        FixtureFile::new(&stand_in.file, stand_in.bytes.clone()),
    );
    index
}

fn spec(stand_in: &StandIn) -> String {
    format!(
        "name = \"carried\"\n\
         requirements = [\"exact ; python_full_version == '{version}'\", \"other ; python_full_version != '{version}'\"]\n\
         interpreter = {{ build = \"{BUILD}\" }}\n\
         [[targets]]\npython = \"{version}\"\nplatform = \"manylinux_2_17_{arch}\"\n\
         [[targets]]\npython = \"{minor}\"\nplatform = \"manylinux_2_99_{arch}\"\ninterpreter = false\n",
        version = stand_in.version,
        minor = stand_in.minor,
        arch = std::env::consts::ARCH,
    )
}

envlock_test!(
    a_carried_interpreter_is_locked_carried_and_installed_offline,
    |dir| {
        if !unshare_permitted() {
            skip("`unshare -n` is not permitted here; the carried interpreter was not installed");
            return;
        }
        let Some(triple) = host_triple() else {
            skip("the stand-in archive is made for Linux with glibc on x86_64 or aarch64 only");
            return;
        };
        let (Some(stand_in), Some(pip)) = (stand_in(dir.path(), triple), pip_wheel()) else {
            skip(
                "no local CPython runs from a copy in another folder (or no pip wheel to carry); the carried interpreter was not tested",
            );
            return;
        };
        let server =
            FixtureServer::start(universe(&stand_in, &pip), ServerOptions::default()).unwrap();
        std::fs::write(dir.join("envlock.toml"), spec(&stand_in)).unwrap();
        let mut lock = dir.envlock();
        lock.env("ENVLOCK_PYTHON_INSTALL_MIRROR", server.release_base())
            .args(["lock", "--index-url", &server.index_url()]);
        let (code, _, stderr) = run(lock);
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains(", carrying 1 interpreter in "), "{stderr}");

        // The lock pins the archive, with the variable kept, and the target's
        // Python is the archive's exact version.
        let text = std::fs::read_to_string(dir.join("envlock.lock")).unwrap();
        let target = format!(
            "cp{}-manylinux_2_17_{}",
            stand_in.minor.replace('.', ""),
            std::env::consts::ARCH
        );
        let url = format!(
            "url = \"${{ENVLOCK_PYTHON_INSTALL_MIRROR}}/{BUILD}/{}\"",
            stand_in.file
        );
        let sha256 = envlock_test::sha256_hex(&stand_in.bytes);
        for expected in [
            format!(
                "[[interpreter]]\ntarget = \"{target}\"\nfile = \"{}\"\nversion = \"{}\"\nbuild = \"{BUILD}\"\ntriple = \"{triple}\"\n{url}\nsha256 = \"{sha256}\"\nsize = {}\n",
                stand_in.file,
                stand_in.version,
                stand_in.bytes.len()
            ),
            format!("name = \"{target}\"\npython = \"{}\"\n", stand_in.version),
        ] {
            assert!(text.contains(&expected), "{expected}\nnot in\n{text}");
        }
        assert_eq!(text.matches("[[interpreter]]").count(), 1, "{text}");
        assert!(!text.contains("127.0.0.1"), "{text}");

        // The wheelhouse carries it under python/ (from the cache: the mirror
        // variable is not set now), listed and verified.
        let mut wheelhouse = dir.envlock();
        wheelhouse.args([
            "--index-url",
            &server.index_url(),
            "wheelhouse",
            "envlock.lock",
            "-o",
            "wh",
        ]);
        let (code, _, stderr) = run(wheelhouse);
        assert_eq!(code, 0, "{stderr}");
        let wh = dir.join("wh");
        let carried = format!("python/{}", stand_in.file);
        assert_eq!(std::fs::read(wh.join(&carried)).unwrap(), stand_in.bytes);
        let sums = std::fs::read_to_string(wh.join("SHA256SUMS")).unwrap();
        assert!(sums.contains(&format!("{sha256}  {carried}\n")), "{sums}");
        let manifest = std::fs::read_to_string(wh.join("wheelhouse.toml")).unwrap();
        assert!(
            manifest.contains(&format!(
                "[[interpreter]]\ntarget = \"{target}\"\nfile = \"{carried}\""
            )),
            "{manifest}"
        );
        let readme = std::fs::read_to_string(wh.join("README.txt")).unwrap();
        assert!(
            readme.contains(&format!("  {target}  {carried}\n")),
            "{readme}"
        );
        let requirements =
            std::fs::read_to_string(wh.join(format!("requirements/{target}.txt"))).unwrap();
        assert!(
            requirements.contains("\nexact==1.0 \\\n") && !requirements.contains("other=="),
            "{requirements}"
        );

        // install.sh, with no network and no Python on PATH at all.
        let path = bare_path(dir.path(), "nopython", None);
        let venv = dir.join("env");
        let prefix = venv.display().to_string();
        let args = ["--prefix", prefix.as_str(), "--target", target.as_str()];
        let (code, stdout, stderr) = install_sh(&["sh"], &wh, &path, &args);
        assert_eq!(code, 0, "{stdout}\n{stderr}");
        assert!(stdout.contains("using the carried Python"), "{stdout}");
        assert!(
            stdout.contains("(the target needs 2.17 or newer)"),
            "{stdout}"
        );
        let interpreter = venv.join("bin/python").canonicalize().unwrap();
        assert!(
            interpreter.starts_with(venv.join("python").canonicalize().unwrap()),
            "{}",
            interpreter.display()
        );
        let mut import = offline(&venv.join("bin/python"), &venv, &venv);
        import.args([
            "-c",
            "import exact, sys; print(sys.version.split()[0], sys.base_prefix)",
        ]);
        let imported = checked(import, "importing the locked set").unwrap();
        assert_eq!(
            imported.trim(),
            format!("{} {}/python", stand_in.version, prefix),
            "{imported}"
        );
        let first = venv_state(&venv);
        assert!(first.0.contains("exact==1.0"), "{}", first.0);

        // Again, under dash: it succeeds and changes nothing.
        let (code, stdout, stderr) = install_sh(&["dash"], &wh, &path, &args);
        assert_eq!(code, 0, "{stdout}\n{stderr}");
        assert_eq!(venv_state(&venv), first);

        // `envlock import` under the same spec pins the same archive.
        let mut import = dir.envlock();
        import
            .env("ENVLOCK_PYTHON_INSTALL_MIRROR", server.release_base())
            .args(["--index-url", &server.index_url(), "import"])
            .arg(wh.join(format!("requirements/{target}.txt")))
            .args(["--spec", "envlock.toml", "-o", "imported.lock"]);
        let (code, _, stderr) = run(import);
        assert_eq!(code, 0, "{stderr}");
        let imported = std::fs::read_to_string(dir.join("imported.lock")).unwrap();
        let pinned = |text: &str| text[text.find("[[interpreter]]").unwrap()..].to_owned();
        assert!(imported.contains("[[interpreter]]"), "{imported}");
        assert_eq!(
            pinned(&imported).split("\n\n").next(),
            pinned(&text).split("\n\n").next()
        );

        // A machine older than the target's glibc is stopped before anything.
        let newer = format!(
            "cp{}-manylinux_2_99_{}",
            stand_in.minor.replace('.', ""),
            std::env::consts::ARCH
        );
        let (code, _, stderr) = install_sh(
            &["sh"],
            &wh,
            &path,
            &["--prefix", "glibc", "--target", &newer],
        );
        assert_eq!(code, 1, "{stderr}");
        assert!(
            stderr.contains("checking the C library failed: this machine has glibc 2."),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!(
                "target {newer} (manylinux_2_99_{}) needs glibc 2.99 or newer",
                std::env::consts::ARCH
            )),
            "{stderr}"
        );
        assert!(!dir.join("glibc").exists());

        // A damaged archive is named by verify and by install.sh.
        let archive = wh.join(&carried);
        let mut bytes = std::fs::read(&archive).unwrap();
        bytes.push(0);
        std::fs::write(&archive, bytes).unwrap();
        let mut verify = dir.envlock();
        verify.args(["verify", "wh"]);
        let (code, stdout, stderr) = run(verify);
        assert_ne!(code, 0, "{stdout}");
        assert!(
            format!("{stdout}{stderr}").contains(&format!("changed: {carried}")),
            "{stdout}{stderr}"
        );
        let (code, _, stderr) = install_sh(
            &["sh"],
            &wh,
            &path,
            &["--prefix", "damaged", "--target", &target],
        );
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains(&format!("{carried}: FAILED")), "{stderr}");
    }
);

envlock_test!(
    an_archive_for_another_platform_is_refused_with_the_reason,
    |dir| {
        std::fs::write(
        dir.join("envlock.toml"),
        "name = \"carried\"\nrequirements = []\n\
         [[targets]]\npython = \"3.12\"\nplatform = \"manylinux_2_28_x86_64\"\n\
         interpreter = { url = \"archives/cpython-3.12.7+20241016-aarch64-unknown-linux-gnu-install_only.tar.gz\" }\n",
    )
    .unwrap();
        let mut lock = dir.envlock();
        lock.args(["lock", "--index-url", "http://127.0.0.1:9/simple/"]);
        let (code, _, stderr) = run(lock);
        assert_eq!(code, 1, "{stderr}");
        assert_output(&dir, "interpreter_wrong_architecture", &stderr);

        std::fs::write(
        dir.join("envlock.toml"),
        "name = \"carried\"\nrequirements = []\n\
         [[targets]]\npython = \"3.12\"\nplatform = \"musllinux_1_2_x86_64\"\n\
         interpreter = { url = \"archives/cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz\" }\n",
    )
    .unwrap();
        let mut lock = dir.envlock();
        lock.args(["lock", "--index-url", "http://127.0.0.1:9/simple/"]);
        let (code, _, stderr) = run(lock);
        assert_eq!(code, 1, "{stderr}");
        assert_output(&dir, "interpreter_wrong_libc", &stderr);
    }
);

/// Real python-build-standalone archives, from the release base (or a
/// mirror of it) that `ENVLOCK_PYTHON_INSTALL_MIRROR` names.
#[test]
fn live_python_build_standalone_archive_is_locked() {
    let Some(mirror) = std::env::var("ENVLOCK_PYTHON_INSTALL_MIRROR")
        .ok()
        .filter(|value| !value.trim().is_empty())
    else {
        skip(
            "ENVLOCK_PYTHON_INSTALL_MIRROR is not set; the live python-build-standalone check did not run",
        );
        return;
    };
    let build = std::env::var("ENVLOCK_TEST_PBS_BUILD").unwrap_or_else(|_| "20241016".to_owned());
    let version = std::env::var("ENVLOCK_TEST_PBS_VERSION").unwrap_or_else(|_| "3.12.7".to_owned());
    let dir = TestDir::new();
    std::fs::write(
        dir.join("envlock.toml"),
        format!(
            "name = \"live\"\nrequirements = []\ncarry-pip = false\ninterpreter = {{ build = \"{build}\" }}\n\
             [[targets]]\npython = \"{version}\"\nplatform = \"manylinux_2_28_x86_64\"\n"
        ),
    )
    .unwrap();
    let mut lock = dir.envlock();
    lock.env("ENVLOCK_PYTHON_INSTALL_MIRROR", &mirror).args([
        "lock",
        "--index-url",
        "http://127.0.0.1:9/simple/",
    ]);
    let (code, _, stderr) = run(lock);
    assert_eq!(code, 0, "{mirror}: {stderr}");
    let text = std::fs::read_to_string(dir.join("envlock.lock")).unwrap();
    assert!(
        text.contains(&format!(
            "file = \"cpython-{version}+{build}-x86_64-unknown-linux-gnu-install_only.tar.gz\""
        )),
        "{text}"
    );
}
