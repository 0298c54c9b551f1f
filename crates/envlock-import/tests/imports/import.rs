//! Reading sources, choosing per target, and the lock that results (no network).

use std::collections::BTreeMap;
use std::path::Path;

use envlock_import::{AssembleInputs, Format, ImportError, assemble, read, select};
use envlock_pep::{Platform, PythonVersion, Target};

fn target(python: &str) -> Target {
    Target::new(
        PythonVersion::parse(python).unwrap(),
        Platform::parse("manylinux_2_28_x86_64").unwrap(),
    )
    .unwrap()
}

fn hex(c: char) -> String {
    c.to_string().repeat(64)
}

fn uv_lock() -> String {
    format!(
        r#"version = 1
revision = 3
requires-python = ">=3.8"
resolution-markers = ["python_full_version >= '3.9'", "python_full_version < '3.9'"]

[[package]]
name = "app"
version = "0.1.0"
source = {{ virtual = "." }}
dependencies = [
    {{ name = "werkzeug", version = "2.3.8", source = {{ registry = "http://127.0.0.1:1/simple/" }}, marker = "python_full_version < '3.9'" }},
    {{ name = "werkzeug", version = "3.0.6", source = {{ registry = "http://127.0.0.1:1/simple/" }}, marker = "python_full_version >= '3.9'" }},
    {{ name = "gitpkg", marker = "sys_platform == 'win32'" }},
]

[[package]]
name = "gitpkg"
version = "1.0"
source = {{ git = "https://127.0.0.1/gitpkg.git" }}

[[package]]
name = "markupsafe"
version = "2.1.5"
source = {{ registry = "http://127.0.0.1:1/simple/" }}
sdist = {{ url = "http://127.0.0.1:1/files/markupsafe-2.1.5.tar.gz", hash = "sha256:{a}", size = 10 }}
wheels = [
    {{ url = "http://127.0.0.1:1/files/markupsafe-2.1.5-cp38-cp38-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hash = "sha256:{b}", size = 11 }},
    {{ url = "http://127.0.0.1:1/files/markupsafe-2.1.5-cp312-cp312-win_amd64.whl", hash = "sha256:{c}", size = 12 }},
]

[[package]]
name = "werkzeug"
version = "2.3.8"
source = {{ registry = "http://127.0.0.1:1/simple/" }}
dependencies = [{{ name = "markupsafe" }}]
wheels = [{{ url = "http://127.0.0.1:1/files/werkzeug-2.3.8-py3-none-any.whl", hash = "sha256:{d}", size = 13 }}]

[[package]]
name = "werkzeug"
version = "3.0.6"
source = {{ registry = "http://127.0.0.1:1/simple/" }}
dependencies = [{{ name = "markupsafe" }}]
wheels = [{{ url = "http://127.0.0.1:1/files/werkzeug-3.0.6-py3-none-any.whl", hash = "sha256:{e}", size = 14 }}]
"#,
        a = hex('a'),
        b = hex('b'),
        c = hex('c'),
        d = hex('d'),
        e = hex('e')
    )
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_uv_lock_is_walked_per_target() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "uv.lock", &uv_lock());
    let source = read(&path, None).unwrap();
    assert_eq!(source.format, Format::UvLock);
    let selections = select(&source, &[target("3.8"), target("3.12")]).unwrap();
    let files = |index: usize| -> Vec<String> {
        selections[index]
            .chosen
            .values()
            .map(|chosen| chosen.file.name.clone())
            .collect()
    };
    // 3.8: werkzeug 2 and markupsafe's cp38 wheel; 3.12: werkzeug 3 and,
    // with no cp312 Linux wheel, markupsafe's sdist. The git package is
    // behind a Windows marker, so neither target reaches it.
    assert_eq!(
        files(0),
        [
            "markupsafe-2.1.5-cp38-cp38-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "werkzeug-2.3.8-py3-none-any.whl"
        ]
    );
    assert_eq!(
        files(1),
        ["markupsafe-2.1.5.tar.gz", "werkzeug-3.0.6-py3-none-any.whl"]
    );
    let lock = assemble(&AssembleInputs {
        name: "app".to_owned(),
        source: &source,
        source_path: "uv.lock".to_owned(),
        selections: &selections,
        index_names: &BTreeMap::new(),
    })
    .unwrap();
    envlock_lock::validate(&lock).unwrap();
    let text = envlock_lock::encode(&lock);
    assert!(text.contains(&format!(
        "imported-from = {{ format = \"uv.lock\", path = \"uv.lock\", sha256 = \"{}\" }}",
        source.sha256
    )));
    assert!(
        text.contains("{ specifier = \"\", marker = \"python_full_version < '3.9'\", targets = [\"cp38-manylinux_2_28_x86_64\"] }"),
        "{text}"
    );
    let decoded = envlock_lock::decode(&text).unwrap();
    assert_eq!(decoded, lock);
    assert_eq!(decoded.imported_from.unwrap().sha256, source.sha256);
}

#[test]
fn a_non_index_package_a_target_reaches_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = uv_lock().replace("sys_platform == 'win32'", "sys_platform == 'linux'");
    let path = write(dir.path(), "uv.lock", &text);
    let source = read(&path, None).unwrap();
    let error = select(&source, &[target("3.12")]).unwrap_err();
    assert!(matches!(error, ImportError::NotFromIndex { .. }), "{error}");
    assert!(error.to_string().contains("gitpkg"), "{error}");
}

#[test]
fn a_pylock_names_what_a_target_cannot_install() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "lock-version = \"1.0\"\nrequires-python = \">=3.9\"\ncreated-by = \"hand\"\n\n[[packages]]\nname = \"x\"\nversion = \"1.0\"\nrequires-python = \"<3.12\"\nwheels = [{{ url = \"http://127.0.0.1:1/x-1.0-py3-none-any.whl\", hashes = {{ sha256 = \"{}\" }} }}]\n",
        hex('a')
    );
    let path = write(dir.path(), "pylock.toml", &text);
    let source = read(&path, None).unwrap();
    assert_eq!(source.format, Format::Pylock);
    let error = select(&source, &[target("3.8")]).unwrap_err().to_string();
    assert!(
        error.contains("requires-python `>=3.9` excludes Python 3.8"),
        "{error}"
    );
    let error = select(&source, &[target("3.12")]).unwrap_err().to_string();
    assert!(
        error.contains("x 1.0") && error.contains("`<3.12` excludes Python 3.12"),
        "{error}"
    );
    let chosen = select(&source, &[target("3.10")]).unwrap();
    assert_eq!(chosen[0].chosen.len(), 1);
}
