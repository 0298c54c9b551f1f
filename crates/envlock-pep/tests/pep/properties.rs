//! Property tests of the parsers that take outside input: wheel and sdist
//! file names, PEP 508 requirements and markers. None may panic or overflow
//! the stack; file names print back to themselves. `PROPTEST_CASES` sets
//! the cases per property (e.g. `PROPTEST_CASES=100000` for a long run).

use crate::mutate;

use std::str::FromStr;

use envlock_pep::{
    DistFilename, MarkerTree, PackageName, Requirement, SourceDistFilename, WheelFilename,
    check_marker, check_marker_depth, check_requirement,
};
use proptest::prelude::*;

const WHEELS: &[&str] = &[
    "numpy-2.1.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "six-1.16.0-py2.py3-none-any.whl",
    "Zope.Interface-5.0-1build-cp39-abi3-win_amd64.whl",
    "foo_bar-1.0.post1.dev3+local.7-py3-none-macosx_11_0_arm64.whl",
];
const SDISTS: &[&str] = &[
    "foo-1.0.tar.gz",
    "Foo.Bar-2!1.0rc1.zip",
    "foo_bar-1.0.post2.tar.bz2",
];
const REQUIREMENTS: &[&str] = &[
    "requests[socks,security]>=2.8.1,==2.8.*; python_version < '2.7' and (os_name == 'nt' or extra == 'x')",
    "numpy>=1.26 ; platform_machine in 'x86_64 aarch64' and implementation_name != \"pypy\"",
    "foo @ https://127.0.0.1/foo-1.0.tar.gz#sha256=00",
    "name ~= 1.4.5; sys_platform == 'linux' and python_full_version >= '3.8.1'",
];

/// A project name as an index might spell it.
fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]([A-Za-z0-9._-]{0,10}[A-Za-z0-9])?"
}

/// A PEP 440 version (no local part: it would contain `+`, fine, but keep
/// the generator simple and the parse well-defined).
fn version() -> impl Strategy<Value = String> {
    (
        prop::option::of(1u32..5),
        prop::collection::vec(0u64..1_000_000, 1..5),
        prop::option::of(("(a|b|rc)", 0u32..20)),
        prop::option::of(0u32..20),
    )
        .prop_map(|(epoch, release, pre, post)| {
            let mut text = String::new();
            if let Some(epoch) = epoch {
                text.push_str(&format!("{epoch}!"));
            }
            let parts: Vec<String> = release.iter().map(u64::to_string).collect();
            text.push_str(&parts.join("."));
            if let Some((kind, number)) = pre {
                text.push_str(&format!("{kind}{number}"));
            }
            if let Some(post) = post {
                text.push_str(&format!(".post{post}"));
            }
            text
        })
}

fn tag() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,11}(\\.[a-z][a-z0-9_]{0,11}){0,2}"
}

fn wheel_name() -> impl Strategy<Value = String> {
    (
        name(),
        version(),
        prop::option::of("[0-9]{1,4}[a-z]{0,3}"),
        tag(),
        tag(),
        tag(),
    )
        .prop_map(|(name, version, build, python, abi, platform)| {
            let escaped = name.replace(['-', '.'], "_");
            let build = build.map(|build| format!("-{build}")).unwrap_or_default();
            format!("{escaped}-{version}{build}-{python}-{abi}-{platform}.whl")
        })
}

proptest! {
    #![proptest_config(mutate::config(128))]

    #[test]
    fn wheel_names_never_panic_and_print_back(text in any::<String>()) {
        if let Ok(wheel) = WheelFilename::parse(&text) {
            prop_assert_eq!(WheelFilename::parse(&wheel.to_string()).unwrap(), wheel);
        }
    }

    #[test]
    fn mutated_wheel_names_never_panic(text in mutate::mutated_text(WHEELS)) {
        if let Ok(wheel) = WheelFilename::parse(&text) {
            prop_assert_eq!(WheelFilename::parse(&wheel.to_string()).unwrap(), wheel);
        }
    }

    #[test]
    fn generated_wheel_names_parse_and_print_back(text in wheel_name()) {
        let wheel = WheelFilename::parse(&text).unwrap();
        prop_assert_eq!(wheel.to_string(), text.clone());
        prop_assert_eq!(WheelFilename::parse(&wheel.to_string()).unwrap(), wheel);
    }

    #[test]
    fn sdist_names_never_panic_and_print_back(
        text in prop_oneof![any::<String>(), mutate::mutated_text(SDISTS)],
        project in name(),
    ) {
        let project = PackageName::from_str(&project).unwrap();
        if let Ok(sdist) = SourceDistFilename::parse(&text, &project) {
            let again = SourceDistFilename::parse(&sdist.to_string(), &project).unwrap();
            prop_assert_eq!(again, sdist);
        }
        if let Ok(dist) = DistFilename::parse(&text, &project) {
            prop_assert_eq!(DistFilename::parse(&dist.to_string(), &project).unwrap(), dist);
        }
    }

    #[test]
    fn generated_sdist_names_parse_and_print_back(
        project in name(),
        version in version(),
        extension in "(\\.tar\\.gz|\\.zip|\\.tar\\.bz2|\\.tar\\.xz|\\.tgz)",
    ) {
        let text = format!("{project}-{version}{extension}");
        let package = PackageName::from_str(&project).unwrap();
        let sdist = SourceDistFilename::parse(&text, &package).unwrap();
        prop_assert_eq!(sdist.to_string(), text.clone());
        prop_assert_eq!(sdist.version(), &envlock_pep::Version::from_str(&version).unwrap());
    }

    #[test]
    fn requirements_and_markers_never_panic(
        text in prop_oneof![any::<String>(), mutate::mutated_text(REQUIREMENTS)],
    ) {
        if check_requirement(&text).is_ok() {
            let _ = text.parse::<Requirement>();
        }
        if let Some((_, marker)) = text.split_once(';')
            && check_marker(marker).is_ok()
        {
            let _ = MarkerTree::from_str(marker);
        }
    }
}

/// Deep nesting is refused by the depth check before the recursive parser
/// sees it, and nesting up to the limit parses on a test thread's stack.
#[test]
fn deep_marker_nesting_is_refused_before_parsing() {
    let nested = |depth: usize| {
        format!(
            "foo ; {}python_version > '3'{}",
            "(".repeat(depth),
            ")".repeat(depth)
        )
    };
    let deep = nested(100_000);
    let error = check_marker_depth(&deep).unwrap_err();
    assert_eq!(error.depth, 100_000);
    assert!(error.to_string().contains("nested 100000 deep"), "{error}");
    let limit = nested(envlock_pep::MAX_MARKER_DEPTH);
    check_marker_depth(&limit).unwrap();
    limit.parse::<Requirement>().unwrap();
}
