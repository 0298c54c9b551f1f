//! Reading specs and requirements files: what is accepted, and that every
//! error names the file, line and column and says what to do.

use std::path::{Path, PathBuf};

use envlock_pep::Hint;
use envlock_spec::{PrereleasePolicy, Spec, SpecError, read_requirements_file};

fn no_environment(_: &str) -> Option<String> {
    None
}

fn test_environment(name: &str) -> Option<String> {
    match name {
        "ENVLOCK_INDEX_URL" => Some("http://127.0.0.1:1/simple/".to_owned()),
        "PIN" => Some("2.0".to_owned()),
        _ => None,
    }
}

fn parse(text: &str) -> Result<Spec, SpecError> {
    Spec::parse(text, Path::new("/specs/envlock.toml"), &no_environment)
}

fn error(text: &str) -> SpecError {
    parse(text).expect_err("the spec should be rejected")
}

const TARGET: &str = "\n[[targets]]\npython = \"3.12\"\nplatform = \"manylinux\"\n";

#[test]
fn the_clearml_example_reads() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/clearml-session");
    let spec = Spec::read(&path, &test_environment).unwrap();
    assert_eq!(spec.name, "clearml-session");
    assert_eq!(spec.requirements.len(), 11);
    let werkzeug = spec
        .requirements
        .iter()
        .find(|entry| entry.value.name.as_ref() == "werkzeug")
        .unwrap();
    assert_eq!(
        werkzeug.value.to_string(),
        "werkzeug>2,<3.0 ; python_full_version < '3.9'"
    );
    assert_eq!(werkzeug.location.line_column().0, 11);
    let pythons: Vec<&str> = spec
        .targets
        .iter()
        .map(|target| target.python.value.as_str())
        .collect();
    assert_eq!(pythons, ["3.8", "3.10", "3.12"]);
    // The three files the ClearML air-gap documentation names.
    let resources: Vec<(&str, &str)> = spec
        .resources
        .iter()
        .map(|resource| (resource.env.value.as_str(), resource.file.as_str()))
        .collect();
    assert_eq!(
        resources,
        [
            (
                "CLEARML_SESSION_VSCODE_SERVER_DEB",
                "code-server_4.96.2_amd64.deb"
            ),
            (
                "CLEARML_SESSION_VSCODE_PY_EXT",
                "ms-python.python-2022.12.0.vsix"
            ),
            ("CLEARML_DROPBEAR_EXEC", "dropbearmulti"),
        ]
    );
    // No index in the example: it is configuration (or pip's index).
    assert!(spec.indexes.is_empty());
    assert_eq!(
        spec.exclude_newer.unwrap().to_string(),
        "2026-11-01T00:00:00Z"
    );
}

#[test]
fn an_unset_index_variable_points_at_the_url() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("envlock.toml"),
        format!("name = \"x\"\n{TARGET}\n[[indexes]]\nname = \"default\"\nurl = \"${{ENVLOCK_INDEX_URL}}\"\n"),
    )
    .unwrap();
    let spec = Spec::read(dir.path(), &no_environment).unwrap();
    let error = spec.indexes[0].expanded_url(&no_environment).unwrap_err();
    let location = error.location.clone().unwrap();
    assert_eq!(
        &location.text[location.span.clone()],
        "\"${ENVLOCK_INDEX_URL}\""
    );
    assert!(
        error
            .to_string()
            .contains("uses ${ENVLOCK_INDEX_URL}, which is not set"),
        "{error}"
    );
    assert!(error.hint().unwrap().contains("--index-url"));
}

#[test]
fn unknown_keys_are_errors_with_line_and_column() {
    let error = error(&format!("name = \"x\"\nrequirement = [\"a\"]\n{TARGET}"));
    assert!(
        error
            .to_string()
            .starts_with("/specs/envlock.toml:2:1: unknown field `requirement`"),
        "{error}"
    );
    assert!(error.hint().is_some());
    let error = error_in_target("flavour = \"x\"");
    assert!(
        error.to_string().contains("unknown field `flavour`"),
        "{error}"
    );
}

fn error_in_target(line: &str) -> SpecError {
    error(&format!(
        "name = \"x\"\n[[targets]]\npython = \"3.12\"\nplatform = \"manylinux\"\n{line}\n"
    ))
}

#[test]
fn a_bad_requirement_points_at_the_column_the_parser_names() {
    let text =
        format!("name = \"x\"\nrequirements = [\"flask\", \"jupyterlab>4,<<4.4\"]\n{TARGET}");
    let error = error(&text);
    let location = error.location.clone().unwrap();
    let (line, column) = location.line_column();
    assert_eq!(line, 2);
    // The parser stops at the second `<` of `<<4.4`, or at the operator: in
    // either case the span lies within the bad specifier, not at the key.
    let underlined = &location.text[location.span.clone()];
    assert!(
        column > 28,
        "column {column} should point inside the string, underlined {underlined:?}"
    );
    assert!(
        error
            .to_string()
            .contains("invalid requirement `jupyterlab>4,<<4.4`"),
        "{error}"
    );
}

#[test]
fn direct_urls_and_paths_are_refused_with_a_hint() {
    for requirement in [
        "./local-project",
        "pkg @ http://127.0.0.1/pkg-1.0.tar.gz",
        "dist/pkg-1.0-py3-none-any.whl",
    ] {
        let error = error(&format!(
            "name = \"x\"\nrequirements = [\"{requirement}\"]\n{TARGET}"
        ));
        assert!(
            error.hint().unwrap_or_default().contains("index"),
            "{requirement}: {error}"
        );
    }
}

#[test]
fn a_spec_without_targets_says_how_to_add_one() {
    let error = error("name = \"x\"\nrequirements = [\"a\"]\n");
    assert!(error.to_string().contains("declares no targets"));
    assert!(error.hint().unwrap().contains("[[targets]]"));
}

#[test]
fn exclude_newer_must_be_rfc_3339() {
    let error = error(&format!(
        "name = \"x\"\nexclude-newer = \"yesterday\"\n{TARGET}"
    ));
    assert!(
        error
            .to_string()
            .starts_with("/specs/envlock.toml:2:17: `exclude-newer` is not an RFC 3339 time"),
        "{error}"
    );
}

#[test]
fn prerelease_policy_values_are_checked() {
    assert_eq!(
        parse(&format!("name = \"x\"\nprereleases = \"allow\"\n{TARGET}"))
            .unwrap()
            .prereleases,
        PrereleasePolicy::Allow
    );
    let error = error(&format!(
        "name = \"x\"\nprereleases = \"sometimes\"\n{TARGET}"
    ));
    assert!(
        error.to_string().contains("unknown variant `sometimes`"),
        "{error}"
    );
}

#[test]
fn duplicate_index_names_are_errors() {
    let error = error(&format!(
        "name = \"x\"\n{TARGET}\n[[indexes]]\nname = \"a\"\nurl = \"u\"\n[[indexes]]\nname = \"a\"\nurl = \"v\"\n"
    ));
    assert!(
        error
            .to_string()
            .contains("the index name `a` is used twice"),
        "{error}"
    );
}

#[test]
fn the_digest_ignores_order_and_urls_but_not_targets() {
    let base = |requirements: &str, url: &str, python: &str| {
        parse(&format!(
            "name = \"x\"\nrequirements = [{requirements}]\n[[targets]]\npython = \"{python}\"\nplatform = \"manylinux\"\n[[indexes]]\nname = \"default\"\nurl = \"{url}\"\n"
        ))
        .unwrap()
        .inputs_digest()
    };
    let digest = base("\"a\", \"b>1\"", "http://one/simple/", "3.12");
    assert!(digest.starts_with("sha256:") && digest.len() == 71);
    assert_eq!(digest, base("\"b>1\", \"a\"", "http://one/simple/", "3.12"));
    assert_eq!(digest, base("\"a\", \"b>1\"", "http://two/simple/", "3.12"));
    assert_ne!(digest, base("\"a\", \"b>1\"", "http://one/simple/", "3.11"));
    assert_ne!(digest, base("\"a\", \"b>2\"", "http://one/simple/", "3.12"));
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn requirements_files_follow_pip_syntax() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "constraints.txt",
        "urllib3<2  # keep botocore happy\n",
    );
    write(
        dir.path(),
        "base.txt",
        "-c constraints.txt\nrequests[socks]>=2 ; python_version >= \"3.8\"\n",
    );
    let main = write(
        dir.path(),
        "requirements.in",
        "# comment line\n\
         --index-url http://127.0.0.1:1/simple/\n\
         --extra-index-url=http://127.0.0.1:2/simple/#not-a-comment\n\
         -r base.txt\n\
         flask==${PIN} \\\n    --hash=sha256:0123\n\
         tqdm>=4 # a trailing comment\n\
         --pre\n\
         --only-binary :all:\n\
         -f wheels\n",
    );
    let file = read_requirements_file(&main, &test_environment).unwrap();
    let names: Vec<String> = file
        .requirements
        .iter()
        .map(|entry| entry.value.to_string())
        .collect();
    assert_eq!(
        names[0],
        "requests[socks]>=2 ; python_full_version >= '3.8'"
    );
    assert_eq!(names[1], "flask==2.0");
    assert_eq!(names[2], "tqdm>=4");
    assert_eq!(file.requirements.len(), 3, "{names:?}");
    assert_eq!(file.constraints.len(), 1);
    assert_eq!(file.constraints[0].value.to_string(), "urllib3<2");
    assert_eq!(
        file.constraints[0].location.path,
        dir.path()
            .join("base.txt")
            .parent()
            .unwrap()
            .join("constraints.txt")
    );
    assert_eq!(file.index_url.unwrap().value, "http://127.0.0.1:1/simple/");
    // pip only treats `#` as a comment after white space.
    assert_eq!(
        file.extra_index_urls[0].value,
        "http://127.0.0.1:2/simple/#not-a-comment"
    );
    assert!(file.prereleases);
    assert_eq!(file.only_binary, [":all:"]);
    assert_eq!(file.find_links[0].value, dir.path().join("wheels"));
}

#[test]
fn requirements_file_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "flask\n-e ./project\n",
            "requirements.in:2:1: editable requirements cannot be locked",
        ),
        ("flask\n\nnumpy>=>1\n", "requirements.in:3:"),
        (
            "--no-such-option\n",
            "requirements.in:1:1: unknown or unsupported option `--no-such-option`",
        ),
        (
            "flask==${NOT_SET}\n",
            "requirements.in:1:1: the environment variable `NOT_SET` is not set",
        ),
        ("-r missing.txt\n", "the included file"),
        ("-r requirements.in\n", "include cycle"),
    ];
    for (text, expected) in cases {
        let path = write(dir.path(), "requirements.in", text);
        let error = read_requirements_file(&path, &test_environment).unwrap_err();
        assert!(
            error.to_string().contains(expected),
            "{text:?}: {error} should contain {expected}"
        );
    }
}

#[test]
fn spec_includes_requirements_files_and_their_indexes() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "requirements.in",
        "-i http://127.0.0.1:3/simple/\nflask\n",
    );
    let spec_path = write(
        dir.path(),
        "envlock.toml",
        &format!(
            "name = \"x\"\nrequirements = [\"tqdm\"]\nrequirements-files = [\"requirements.in\"]\n{TARGET}"
        ),
    );
    let spec = Spec::read(dir.path(), &no_environment).unwrap();
    assert_eq!(spec.path, spec_path);
    let names: Vec<&str> = spec
        .requirements
        .iter()
        .map(|entry| entry.value.name.as_ref())
        .collect();
    assert_eq!(names, ["tqdm", "flask"]);
    assert_eq!(spec.indexes[0].name, "default");
    let missing = Spec::read(&dir.path().join("nope"), &no_environment).unwrap_err();
    assert!(missing.to_string().contains("no such file or folder"));
    let empty = tempfile::tempdir().unwrap();
    let no_spec = Spec::read(empty.path(), &no_environment).unwrap_err();
    assert!(
        no_spec
            .to_string()
            .contains("no envlock.toml in this folder"),
        "{no_spec}"
    );
}

#[test]
fn targets_are_validated_and_named() {
    let spec = parse(&format!("name = \"x\"\n{TARGET}\n[[targets]]\npython = \"3.8.18\"\nplatform = \"manylinux2014_aarch64\"\nname = \"arm\"\n")).unwrap();
    let targets = spec.targets().unwrap();
    let names: Vec<&str> = targets.iter().map(|target| target.name()).collect();
    assert_eq!(names, ["cp312-manylinux_2_28_x86_64", "arm"]);
    assert_eq!(targets[1].platform().to_string(), "manylinux_2_17_aarch64");

    let error =
        parse("name = \"x\"\n[[targets]]\npython = \"3.12\"\nplatform = \"manylinux_2_x86\"\n")
            .unwrap()
            .targets()
            .unwrap_err();
    assert!(
        error.to_string().starts_with("/specs/envlock.toml:4:12: "),
        "{error}"
    );
    assert!(error.to_string().contains("manylinux_2_x86"), "{error}");

    let error = parse("name = \"x\"\n[[targets]]\npython = \"2.7\"\nplatform = \"manylinux\"\n")
        .unwrap()
        .targets()
        .unwrap_err();
    assert!(
        error.to_string().starts_with("/specs/envlock.toml:3:10: "),
        "{error}"
    );

    let error = parse(&format!("name = \"x\"\n{TARGET}{TARGET}"))
        .unwrap()
        .targets()
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("two targets are named `cp312-manylinux_2_28_x86_64`"),
        "{error}"
    );
}

const RESOURCE: &str = "\n[[resources]]\nname = \"code-server\"\nurl = \"${MIRROR}/code-server_4.96.2_amd64.deb\"\nenv = \"CLEARML_SESSION_VSCODE_SERVER_DEB\"\n";

#[test]
fn resources_are_read_with_a_file_name_taken_from_the_url() {
    let spec = parse(&format!("name = \"x\"\n{TARGET}{RESOURCE}")).unwrap();
    let [resource] = spec.resources.as_slice() else {
        panic!("one resource expected: {:?}", spec.resources);
    };
    assert_eq!(resource.name.value, "code-server");
    assert_eq!(resource.file, "code-server_4.96.2_amd64.deb");
    assert_eq!(resource.env.value, "CLEARML_SESSION_VSCODE_SERVER_DEB");
    assert_eq!(resource.sha256, None);
    let environment = |name: &str| (name == "MIRROR").then(|| "http://127.0.0.1:9".to_owned());
    assert_eq!(
        resource.expanded_url(&environment).unwrap(),
        "http://127.0.0.1:9/code-server_4.96.2_amd64.deb"
    );
    let unset = resource.expanded_url(&no_environment).unwrap_err();
    assert!(unset.to_string().contains("${MIRROR}"), "{unset}");
    assert_eq!(unset.location.unwrap().line_column(), (9, 7));
}

#[test]
fn a_resource_sha256_is_normalised_and_enters_the_digest() {
    let with_hash = parse(&format!(
        "name = \"x\"\n{TARGET}{RESOURCE}sha256 = \"sha256:{}\"\nsize = 12\n",
        "AB".repeat(32)
    ))
    .unwrap();
    assert_eq!(
        with_hash.resources[0].sha256.map(|sha256| sha256.to_hex()),
        Some("ab".repeat(32))
    );
    assert_eq!(with_hash.resources[0].size, Some(12));
    let without = parse(&format!("name = \"x\"\n{TARGET}{RESOURCE}")).unwrap();
    let none = parse(&format!("name = \"x\"\n{TARGET}")).unwrap();
    assert_ne!(with_hash.inputs_digest(), without.inputs_digest());
    assert_ne!(without.inputs_digest(), none.inputs_digest());
}

#[test]
fn bad_resources_point_at_the_value() {
    let cases = [
        (
            "env = \"1BAD\"",
            "is not an environment variable name",
            (11, 7),
        ),
        ("file = \"../x.deb\"", "is not a plain file name", (11, 8)),
        (
            "file = \"x$(touch pwned).bin\"",
            "is not a plain file name",
            (11, 8),
        ),
        ("file = \"x`id`.bin\"", "is not a plain file name", (11, 8)),
        ("file = \"x;id.bin\"", "is not a plain file name", (11, 8)),
        ("file = \"x\\nid.bin\"", "is not a plain file name", (11, 8)),
        (
            "env = \"A;B\"",
            "is not an environment variable name",
            (11, 7),
        ),
        ("sha256 = \"abc\"", "must be 64 hex digits", (11, 10)),
        ("mode = 1", "unknown field `mode`", (11, 1)),
    ];
    for (line, message, line_column) in cases {
        let text = format!(
            "name = \"x\"\n{TARGET}\n[[resources]]\nname = \"r\"\nurl = \"https://h.invalid/r.bin\"\nenv = \"R\"\n{line}\n"
        );
        let text = if line.starts_with("env") {
            text.replace("env = \"R\"\n", "")
        } else {
            text
        };
        let error = error(&text);
        assert!(error.message.contains(message), "{line}: {error}");
        let location = error.location.unwrap().line_column();
        let expected_line = if line.starts_with("env") {
            line_column.0 - 1
        } else {
            line_column.0
        };
        assert_eq!(location, (expected_line, line_column.1), "{line}");
    }
}

#[test]
fn resources_need_unique_names_files_and_variables_and_a_file_name() {
    let twice = |second: &str| {
        error(&format!(
            "name = \"x\"\n{TARGET}\n[[resources]]\nname = \"a\"\nurl = \"https://h.invalid/a.bin\"\nenv = \"A\"\n\n[[resources]]\n{second}\n"
        ))
    };
    let name = twice("name = \"a\"\nurl = \"https://h.invalid/b.bin\"\nenv = \"B\"");
    assert!(
        name.message.contains("two resources are named `a`"),
        "{name}"
    );
    let file = twice("name = \"b\"\nurl = \"https://h.invalid/other/a.bin\"\nenv = \"B\"");
    assert!(file.message.contains("file name `a.bin`"), "{file}");
    assert!(file.hint().unwrap().contains("`file`"));
    let variable = twice("name = \"b\"\nurl = \"https://h.invalid/b.bin\"\nenv = \"A\"");
    assert!(
        variable.message.contains("two resources set `A`"),
        "{variable}"
    );
    let nameless = error(&format!(
        "name = \"x\"\n{TARGET}\n[[resources]]\nname = \"ext\"\nurl = \"https://h.invalid/vspackage/\"\nenv = \"EXT\"\n"
    ));
    assert!(nameless.message.contains("no file name"), "{nameless}");
    assert!(nameless.hint().unwrap().contains("file = "));
}

const TWO_INDEXES: &str = "name = \"x\"\n[[targets]]\npython = \"3.12\"\nplatform = \"manylinux\"\n\
    [[indexes]]\nname = \"public\"\nurl = \"https://public.invalid/simple/\"\n\
    [[indexes]]\nname = \"private\"\nurl = \"https://private.invalid/simple/\"\n";

#[test]
fn index_pins_are_normalised_and_change_the_inputs_digest() {
    let plain = parse(TWO_INDEXES).unwrap();
    let pinned = parse(&format!(
        "{TWO_INDEXES}packages = [\"Internal_Lib\"]\nexplicit = true\n"
    ))
    .unwrap();
    assert_eq!(pinned.indexes[1].packages, ["internal-lib"]);
    assert!(pinned.indexes[1].explicit);
    assert!(plain.indexes[1].packages.is_empty());
    assert_ne!(plain.inputs_digest(), pinned.inputs_digest());
}

#[test]
fn index_pins_are_checked() {
    let twice = error(&TWO_INDEXES.replace(
        "url = \"https://p",
        "packages = [\"lib\"]\nurl = \"https://p",
    ));
    assert!(twice.to_string().contains("more than one index"), "{twice}");
    let unused = error(&format!("{TWO_INDEXES}explicit = true\n"));
    assert!(
        unused.to_string().contains("pins no `packages`"),
        "{unused}"
    );
    let bad = error(&format!("{TWO_INDEXES}packages = [\"not a name\"]\n"));
    assert!(bad.to_string().contains("not a package name"), "{bad}");
}

#[test]
fn hostile_names_and_inline_credentials_are_refused() {
    let resource = |name: &str, url: &str| {
        format!(
            "name = \"x\"\n{TARGET}\n[[resources]]\nname = \"{name}\"\nurl = \"{url}\"\nenv = \"R\"\n"
        )
    };
    let credentials = error(&resource("r", "https://user:pass@h.invalid/r.bin"));
    assert!(
        credentials.message.contains("holds credentials"),
        "{credentials}"
    );
    let hint = credentials.hint().unwrap();
    assert!(hint.contains("${") && hint.contains("netrc"), "{hint}");
    assert_eq!(credentials.location.unwrap().line_column(), (9, 7));
    // Credentials taken from the environment stay out of the lock: allowed.
    let spec = parse(&resource("r", "https://${U}:${T}@h.invalid/r.bin")).unwrap();
    assert_eq!(spec.resources[0].file, "r.bin");
    // A file name taken from the URL follows the same grammar.
    let taken = error(&resource("r", "https://h.invalid/x$(touch%20pwned).bin"));
    assert!(taken.message.contains("no file name"), "{taken}");
    let named = error(&resource("x;id", "https://h.invalid/r.bin"));
    assert!(named.message.contains("a resource name"), "{named}");
    let lock_name = error(&format!("name = \"evil\\nname\"\n{TARGET}"));
    assert!(lock_name.message.contains("`name`"), "{lock_name}");
    assert!(!lock_name.message.contains('\n'), "{lock_name}");
}
