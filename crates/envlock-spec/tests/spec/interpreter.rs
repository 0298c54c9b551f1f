//! `interpreter` in the spec: the carried CPython of each target, its
//! version, its source and the errors that point at the setting.

use std::path::Path;

use envlock_pep::{Hint, Platform, Triple};
use envlock_spec::{InterpreterSource, Spec, SpecError};

fn no_environment(_: &str) -> Option<String> {
    None
}

fn parse(text: &str) -> Result<Spec, SpecError> {
    Spec::parse(text, Path::new("/specs/envlock.toml"), &no_environment)
}

const GNU: &str = "cpython-3.11.10+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz";

#[test]
fn a_top_level_setting_applies_to_every_target_unless_one_says_false() {
    let spec = parse(
        "name = \"kit\"\ninterpreter = { build = \"20241016\" }\n\
         [[targets]]\npython = \"3.12.7\"\nplatform = \"manylinux_2_28_x86_64\"\n\
         [[targets]]\npython = \"3.8\"\nplatform = \"manylinux_2_28_x86_64\"\ninterpreter = false\n\
         [[targets]]\npython = \"3.11\"\nplatform = \"manylinux_2_28_aarch64\"\n\
         interpreter = { version = \"3.11.10\", mirror = \"file:///srv/pbs/\" }\n",
    )
    .unwrap();
    let first = spec.targets[0].interpreter.as_ref().unwrap();
    assert_eq!(first.version.to_string(), "3.12.7");
    let triple = Triple::for_platform(&Platform::parse("manylinux_2_28_x86_64").unwrap()).unwrap();
    assert_eq!(
        first.url_as_written(&triple),
        "${ENVLOCK_PYTHON_INSTALL_MIRROR}/20241016/cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz"
    );
    assert!(spec.targets[1].interpreter.is_none());
    let third = spec.targets[2].interpreter.as_ref().unwrap();
    assert_eq!(
        third.source,
        InterpreterSource::Release {
            base: "file:///srv/pbs".to_owned(),
            build: "20241016".to_owned()
        }
    );
    // The target's Python becomes the archive's exact version.
    let targets = spec.targets().unwrap();
    let pythons: Vec<String> = targets
        .iter()
        .map(|target| target.python().to_string())
        .collect();
    assert_eq!(pythons, ["3.12.7", "3.8", "3.11.10"]);
    assert_eq!(targets[2].name(), "cp311-manylinux_2_28_aarch64");
    // An unset mirror variable says what to set.
    let error = first.expanded_url(&triple, &no_environment).unwrap_err();
    assert!(
        error.to_string().contains("ENVLOCK_PYTHON_INSTALL_MIRROR"),
        "{error}"
    );
}

#[test]
fn an_archive_url_gives_the_version_and_the_digest_changes() {
    let without = parse(
        "name = \"kit\"\n[[targets]]\npython = \"3.11\"\nplatform = \"manylinux_2_28_x86_64\"\n",
    )
    .unwrap();
    let text = format!(
        "name = \"kit\"\n[[targets]]\npython = \"3.11\"\nplatform = \"manylinux_2_28_x86_64\"\n\
         interpreter = {{ url = \"archives/{GNU}\" }}\n"
    );
    let spec = parse(&text).unwrap();
    let interpreter = spec.targets[0].interpreter.as_ref().unwrap();
    assert_eq!(interpreter.version.to_string(), "3.11.10");
    assert!(matches!(
        &interpreter.source,
        InterpreterSource::Archive { url, .. } if url == &format!("archives/{GNU}")
    ));
    assert_ne!(spec.inputs_digest(), without.inputs_digest());
    // A spec without one keeps the digest it always had.
    assert_eq!(
        without.inputs_digest(),
        parse(
            "name = \"kit\"\ninterpreter = false\n[[targets]]\npython = \"3.11\"\nplatform = \"manylinux_2_28_x86_64\"\n"
        )
        .unwrap()
        .inputs_digest()
    );
}

#[test]
fn bad_settings_point_at_the_value_and_say_what_to_do() {
    let target = |python: &str, setting: &str| {
        format!(
            "name = \"kit\"\n[[targets]]\npython = \"{python}\"\nplatform = \"manylinux_2_28_x86_64\"\ninterpreter = {setting}\n"
        )
    };
    let cases = [
        (target("3.12", "true"), "needs `build`"),
        (
            target("3.12", "{ build = \"20241016\" }"),
            "has no patch number",
        ),
        (target("3.12.7", "{ build = \"2024\" }"), "eight digits"),
        (
            target("3.12", &format!("{{ url = \"{GNU}\" }}")),
            "the target's `python` is `3.12`",
        ),
        (
            target("3.11", "{ url = \"archives/python.tar.gz\" }"),
            "not a python-build-standalone archive name",
        ),
        (
            target(
                "3.12.7",
                "{ build = \"20241016\", mirror = \"https://me:secret@host/pbs\" }",
            ),
            "holds credentials",
        ),
        (
            target("3.12.7", "{ build = \"20241016\", version = \"3.12\" }"),
            "not an exact CPython version",
        ),
        (
            format!(
                "name = \"kit\"\ninterpreter = {{ url = \"{GNU}\" }}\n[[targets]]\npython = \"3.11\"\nplatform = \"manylinux\"\n"
            ),
            "cannot name one archive",
        ),
    ];
    for (text, needle) in cases {
        let error = parse(&text).and_then(|spec| spec.targets().map(|_| spec));
        let error = error.err().unwrap_or_else(|| panic!("accepted: {text}"));
        let shown = format!("{error} {:?}", error.hint());
        assert!(shown.contains(needle), "{text}\n{shown}");
        assert!(error.location.is_some(), "{shown}");
    }
}
