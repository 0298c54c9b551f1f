//! The one package universe the integration tests lock, build wheelhouses
//! from and export: served on 127.0.0.1 by the fixture index.

use envlock_test::{DistSpec, FixtureFile, FixtureIndex};

use crate::util::{sdist, zip_archive};

/// The universe, with the shapes that matter:
///
/// - for resolution: a marker-gated root requirement (werkzeug), a package
///   whose newest version dropped an old Python (werkzeug, flask), a binary
///   wheel per Python with an sdist beside it (markupsafe), one with only an
///   sdist (pyperclip), an extra (requests[socks]) and a version to hold
///   back (tqdm);
/// - for wheelhouses: one more pure wheel (bigpkg), two sdist-only packages
///   built by a tiny in-index PEP 517 backend (purecli, and native with a C
///   source that makes its wheel platform-specific), and that backend.
pub(crate) fn universe() -> FixtureIndex {
    let mut index = FixtureIndex::new();
    for version in ["2.3.8", "3.0.6"] {
        let spec = DistSpec::new("werkzeug", version).requires("markupsafe>=2.1");
        let spec = if version.starts_with('3') {
            spec.requires_python(">=3.9")
        } else {
            spec.requires_python(">=3.8")
        };
        index.add_wheel(&spec, "py3-none-any");
    }
    for version in ["2.3.3", "3.0.3"] {
        let werkzeug = if version.starts_with('3') {
            "werkzeug>=3.0"
        } else {
            "werkzeug>=2.3.7"
        };
        let spec = DistSpec::new("flask", version)
            .requires(werkzeug)
            .requires_python(">=3.8");
        index.add_wheel(&spec, "py3-none-any");
    }
    let markupsafe = DistSpec::new("markupsafe", "2.1.5");
    for python in ["cp38", "cp310", "cp312"] {
        index.add_wheel(
            &markupsafe,
            &format!("{python}-{python}-manylinux_2_17_x86_64.manylinux2014_x86_64"),
        );
    }
    index.add_wheel(&markupsafe, "cp310-cp310-win_amd64");
    // The pure fallback, so that every Python the host may run installs
    // markupsafe without building it.
    index.add_wheel(&markupsafe, "py3-none-any");
    index.add_sdist(&markupsafe);
    index.add_sdist(&DistSpec::new("pyperclip", "1.8.2"));
    let requests = DistSpec::new("requests", "2.32.0").extra("socks", ["pysocks>=1.5.6"]);
    index.add_wheel(&requests, "py3-none-any");
    index.add_wheel(&DistSpec::new("pysocks", "1.7.1"), "py3-none-any");
    index.add_wheel(&DistSpec::new("tqdm", "4.66.0"), "py3-none-any");
    index.add_wheel(&DistSpec::new("tqdm", "4.67.0"), "py3-none-any");
    index.add_wheel(&DistSpec::new("bigpkg", "1.0"), "py3-none-any");
    index.add_file(
        "tinybackend",
        FixtureFile::new("tinybackend-1.0-py3-none-any.whl", backend_wheel()),
    );
    index.add_file(
        "purecli",
        FixtureFile::new("purecli-1.0.tar.gz", tiny_sdist("purecli", false)),
    );
    index.add_file(
        "native",
        FixtureFile::new("native-1.0.tar.gz", tiny_sdist("native", true)),
    );
    index
}

/// The spec most lock tests lock against [`universe`]: two Linux targets,
/// one on each side of werkzeug's and flask's Python cut.
pub(crate) const SPEC: &str = r#"name = "fixture"
requirements = [
    "flask",
    "werkzeug>2,<3.0 ; python_version < '3.9'",
    "pyperclip",
    "requests[socks]",
    "tqdm<4.67",
]
# The fixture index has no pip to carry.
carry-pip = false

[[targets]]
python = "3.8"
platform = "manylinux_2_28_x86_64"

[[targets]]
python = "3.12"
platform = "manylinux_2_28_x86_64"
"#;

/// A PEP 517 backend small enough to read: it packs the sdist's import
/// package into a wheel. A C file in the package is never compiled, but it
/// makes the wheel platform-specific (tagged for this interpreter on
/// `linux_x86_64`), as a real compiled build would be.
const TINY_BACKEND: &str = r#"import base64, hashlib, os, sys, zipfile

def _fields():
    with open("PKG-INFO") as source:
        text = source.read()
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line), text

def get_requires_for_build_wheel(config_settings=None):
    return []

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    fields, metadata = _fields()
    stem = fields["Name"].replace("-", "_") + "-" + fields["Version"]
    package = fields["Name"].replace("-", "_")
    compiled = any(name.endswith(".c") for name in os.listdir(package))
    python = "cp%d%d" % sys.version_info[:2]
    tag = python + "-" + python + "-linux_x86_64" if compiled else "py3-none-any"
    wheel = stem + "-" + tag + ".whl"
    records = []
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w") as out:
        def add(path, data):
            out.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            records.append("%s,sha256=%s,%d" % (path, digest.decode(), len(data)))
        for name in sorted(os.listdir(package)):
            if name.endswith(".py"):
                with open(os.path.join(package, name), "rb") as source:
                    add(package + "/" + name, source.read())
        add(stem + ".dist-info/METADATA", metadata.encode())
        add(stem + ".dist-info/WHEEL", ("Wheel-Version: 1.0\nGenerator: tiny\nRoot-Is-Purelib: %s\nTag: %s\n" % (str(not compiled).lower(), tag)).encode())
        out.writestr(stem + ".dist-info/RECORD", "\n".join(records + [stem + ".dist-info/RECORD,,"]) + "\n")
    return wheel
"#;

fn backend_wheel() -> Vec<u8> {
    zip_archive(&[
        ("tiny_backend.py", TINY_BACKEND),
        (
            "tinybackend-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: tinybackend\nVersion: 1.0\n",
        ),
        (
            "tinybackend-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
        ("tinybackend-1.0.dist-info/RECORD", ""),
    ])
}

/// An sdist built by the tiny backend; `c_source` adds a C file that a
/// real build would compile.
fn tiny_sdist(name: &str, c_source: bool) -> Vec<u8> {
    let base = format!("{name}-1.0");
    let metadata =
        format!("Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nRequires-Dist: flask\n");
    let pyproject =
        "[build-system]\nrequires = [\"tinybackend\"]\nbuild-backend = \"tiny_backend\"\n";
    let module = format!("NAME = \"{name}\"\n");
    let mut entries = vec![
        (format!("{base}/PKG-INFO"), metadata),
        (format!("{base}/pyproject.toml"), pyproject.to_owned()),
        (format!("{base}/{name}/__init__.py"), module),
    ];
    if c_source {
        entries.push((
            format!("{base}/{name}/_speedups.c"),
            "int speedup(void) { return 1; }\n".to_owned(),
        ));
    }
    let borrowed: Vec<(&str, &str)> = entries
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    sdist(&borrowed)
}
