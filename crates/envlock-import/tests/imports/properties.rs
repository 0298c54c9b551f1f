//! Property tests of the importers: mutated `pylock.toml`, `uv.lock` and
//! hashed requirements files (including invalid UTF-8 and NUL bytes) are
//! read and, when accepted, chosen from for a target, without a panic.
//! `PROPTEST_CASES` sets the cases per property (e.g. 100000).

use crate::mutate;

use envlock_import::{Format, read, select};
use envlock_pep::{Platform, PythonVersion, Target};
use proptest::prelude::*;

fn targets() -> Vec<Target> {
    ["3.8", "3.12"]
        .iter()
        .map(|python| {
            Target::new(
                PythonVersion::parse(python).unwrap(),
                Platform::parse("manylinux_2_28_x86_64").unwrap(),
            )
            .unwrap()
        })
        .collect()
}

fn sha(c: char) -> String {
    c.to_string().repeat(64)
}

fn pylock() -> String {
    format!(
        r#"lock-version = "1.0"
requires-python = ">=3.8"
created-by = "hand"

[[packages]]
name = "x"
version = "1.0"
marker = "python_version >= '3.9' and (sys_platform == 'linux' or extra == 'a')"
requires-python = "<3.13"
wheels = [{{ url = "http://127.0.0.1:1/x-1.0-py3-none-any.whl", size = 10, hashes = {{ sha256 = "{a}" }} }}]
sdist = {{ url = "http://127.0.0.1:1/x-1.0.tar.gz", hashes = {{ sha256 = "{b}" }} }}

[[packages]]
name = "y"
version = "2.0"
wheels = [{{ name = "y-2.0-cp312-cp312-manylinux_2_17_x86_64.whl", url = "http://127.0.0.1:1/y-2.0-cp312-cp312-manylinux_2_17_x86_64.whl", hashes = {{ sha256 = "{c}" }} }}]
"#,
        a = sha('a'),
        b = sha('b'),
        c = sha('c')
    )
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
    {{ name = "markupsafe", extra = ["x"], marker = "sys_platform == 'linux'" }},
]

[[package]]
name = "markupsafe"
version = "2.1.5"
source = {{ registry = "http://127.0.0.1:1/simple/" }}
sdist = {{ url = "http://127.0.0.1:1/files/markupsafe-2.1.5.tar.gz", hash = "sha256:{a}", size = 10 }}
wheels = [
    {{ url = "http://127.0.0.1:1/files/markupsafe-2.1.5-cp38-cp38-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hash = "sha256:{b}", size = 11 }},
]

[[package]]
name = "werkzeug"
version = "2.3.8"
source = {{ registry = "http://127.0.0.1:1/simple/" }}
dependencies = [{{ name = "markupsafe" }}]
wheels = [{{ url = "http://127.0.0.1:1/files/werkzeug-2.3.8-py3-none-any.whl", hash = "sha256:{d}", size = 13 }}]
"#,
        a = sha('a'),
        b = sha('b'),
        d = sha('d')
    )
}

fn requirements() -> String {
    format!(
        "# pinned\nwerkzeug==2.3.8 ; python_version < '3.9' \\\n    --hash=sha256:{a} \\\n    --hash=sha256:{b}\nmarkupsafe==2.1.5 --hash=sha256:{c}\n",
        a = sha('a'),
        b = sha('b'),
        c = sha('c')
    )
}

/// Reads the bytes as `format` from a file and, if accepted, selects for
/// two targets; errors must carry a message.
fn read_and_select(format: Format, bytes: &[u8]) -> Result<(), TestCaseError> {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("source");
    std::fs::write(&path, bytes).unwrap();
    match read(&path, Some(format)) {
        Ok(source) => {
            if let Err(error) = select(&source, &targets()) {
                prop_assert!(!error.to_string().is_empty());
            }
        }
        Err(error) => prop_assert!(!error.to_string().is_empty()),
    }
    Ok(())
}

proptest! {
    #![proptest_config(mutate::config(64))]

    #[test]
    fn mutated_pylocks_never_panic(bytes in mutate::mutated(vec![pylock().into_bytes()])) {
        read_and_select(Format::Pylock, &bytes)?;
    }

    #[test]
    fn mutated_uv_locks_never_panic(bytes in mutate::mutated(vec![uv_lock().into_bytes()])) {
        read_and_select(Format::UvLock, &bytes)?;
    }

    #[test]
    fn mutated_requirements_never_panic(bytes in mutate::mutated(vec![requirements().into_bytes()])) {
        read_and_select(Format::Requirements, &bytes)?;
    }
}

/// The seeds are accepted, so mutations start from valid input.
#[test]
fn the_seeds_are_read() {
    for (format, text) in [
        (Format::Pylock, pylock()),
        (Format::UvLock, uv_lock()),
        (Format::Requirements, requirements()),
    ] {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("source");
        std::fs::write(&path, text).unwrap();
        read(&path, Some(format)).unwrap();
    }
}

/// Deeply nested markers and names that panicked the PEP 508 parser are
/// errors naming the place.
#[test]
fn hostile_markers_and_names_are_errors() {
    let deep = format!(
        "{}python_version > '3'{}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let cases = [
        (
            Format::Pylock,
            pylock().replacen(
                "python_version >= '3.9' and (sys_platform == 'linux' or extra == 'a')",
                &deep,
                1,
            ),
        ),
        (
            Format::Requirements,
            format!("x==1.0 ; {deep} --hash=sha256:{}\n", sha('a')),
        ),
        (
            Format::Requirements,
            format!("x_==1.0;os_name=='nt' --hash=sha256:{}\n", sha('a')),
        ),
    ];
    for (format, text) in cases {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("source");
        std::fs::write(&path, text).unwrap();
        let error = read(&path, Some(format)).unwrap_err().to_string();
        assert!(
            error.contains("nested") || error.contains("ends with"),
            "{error}"
        );
    }
}
