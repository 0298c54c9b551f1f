//! Property tests of the spec and requirements-file readers: hostile text
//! and bytes never panic, errors carry a message, and a `${VAR}` in an
//! index URL never panics the expander either. `PROPTEST_CASES` sets the
//! cases per property (e.g. `PROPTEST_CASES=100000` for a long run).

use crate::mutate;

use std::path::Path;

use envlock_spec::{Spec, expand, read_requirements_file};
use proptest::prelude::*;

fn environment(name: &str) -> Option<String> {
    (name == "INDEX").then(|| "http://127.0.0.1:1/simple/".to_owned())
}

const SPEC: &str = r#"# A spec with every table.
name = "clearml-session"
requirements = [
    "jupyterlab>4,<4.4",
    "werkzeug>2,<3.0 ; python_version < '3.9' and (os_name == 'posix' or extra == 'x')",
    "clearml_session[ssh]==0.16.0",
]
constraints = ["urllib3<2"]
exclude-newer = "2026-11-01T00:00:00Z"
prereleases = "allow"
only-binary = [":all:"]
no-binary = ["pyyaml"]

[[targets]]
name = "old"
python = "3.8"
platform = "manylinux_2_28_x86_64"

[[targets]]
python = "3.12"
platform = "win_amd64"

[[indexes]]
name = "mirror"
url = "${INDEX}"

[[resources]]
name = "code-server"
url = "https://127.0.0.1:1/files/code-server_4.96.2_amd64.deb"
file = "code-server.deb"
env = "CLEARML_SESSION_VSCODE_SERVER_DEB"
size = 1234
"#;

const REQUIREMENTS: &str = "# pinned\n\
--index-url ${INDEX}\n\
--extra-index-url http://127.0.0.1:2/simple/\n\
-f ./wheels\n\
--pre\n\
--only-binary :all:\n\
--no-binary pyyaml\n\
requests[socks]>=2.8.1,==2.8.* ; python_version < '3.9' \\\n    and os_name == 'nt'\n\
numpy==1.26.4 --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000\n\
-c constraints.txt\n";

proptest! {
    #![proptest_config(mutate::config(128))]

    #[test]
    fn mutated_specs_never_panic(text in mutate::mutated_text(&[SPEC])) {
        if let Err(error) = Spec::parse(&text, Path::new("/specs/envlock.toml"), &environment) {
            prop_assert!(!error.to_string().is_empty());
        }
    }

    #[test]
    fn arbitrary_specs_never_panic(text in any::<String>()) {
        prop_assert!(Spec::parse(&text, Path::new("/specs/envlock.toml"), &environment).is_err());
    }

    #[test]
    fn expansion_never_panics(text in prop_oneof![any::<String>(), "[${}A-Z_a:-]{0,16}"]) {
        let _ = expand(&text, &environment);
    }

    #[test]
    fn mutated_requirements_files_never_panic(
        bytes in mutate::mutated(vec![REQUIREMENTS.as_bytes().to_vec()]),
    ) {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("constraints.txt"), "urllib3<2\n-r requirements.txt\n").unwrap();
        let path = folder.path().join("requirements.txt");
        std::fs::write(&path, &bytes).unwrap();
        if let Err(error) = read_requirements_file(&path, &environment) {
            prop_assert!(!error.to_string().is_empty());
        }
    }
}

/// The unmutated seeds are valid, so mutations start from accepted input.
#[test]
fn the_seeds_are_valid() {
    Spec::parse(SPEC, Path::new("/specs/envlock.toml"), &environment).unwrap();
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("constraints.txt"), "urllib3<2\n").unwrap();
    let path = folder.path().join("requirements.txt");
    std::fs::write(&path, REQUIREMENTS).unwrap();
    read_requirements_file(&path, &environment).unwrap();
}

/// A deeply nested marker in a spec or a requirements file is an error
/// naming the place, not a stack overflow.
#[test]
fn deep_markers_are_errors() {
    let marker = format!(
        "{}python_version > '3'{}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let spec = format!(
        "name = \"x\"\nrequirements = [\"foo ; {marker}\"]\n[[targets]]\npython = \"3.12\"\nplatform = \"manylinux\"\n"
    );
    let error = Spec::parse(&spec, Path::new("/specs/envlock.toml"), &environment).unwrap_err();
    assert!(error.to_string().contains("nested"), "{error}");
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("requirements.txt");
    std::fs::write(&path, format!("foo ; {marker}\n")).unwrap();
    let error = read_requirements_file(&path, &environment).unwrap_err();
    assert!(error.to_string().contains("nested"), "{error}");
}
