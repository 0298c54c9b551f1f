//! Property tests of the lock reader: hostile text never panics, anything
//! accepted re-encodes to text that decodes to the same lock, and generated
//! valid locks round-trip through `encode` and `decode`. `PROPTEST_CASES`
//! sets the cases per property (e.g. `PROPTEST_CASES=100000`).

use crate::mutate;

use std::collections::BTreeSet;

use envlock_fs::Sha256;
use envlock_lock::{
    ImportedFrom, Lock, LockedFile, LockedPackage, LockedResource, LockedTarget, RequiredBy,
    decode, encode, normalise, read_lock,
};
use envlock_pep::{DistFilename, PackageName};
use proptest::prelude::*;

/// Every fixture lock, as bytes (the 200 KB example lock is left out: it
/// would make each case slow, and `roundtrip.rs` reads it).
fn seeds() -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<_> = std::fs::read_dir(root.join("tests/fixtures"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "lock")
        })
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| std::fs::read(path).unwrap())
        .collect()
}

const TARGETS: &[(&str, &str, &str)] = &[
    (
        "cp312-manylinux_2_28_x86_64",
        "3.12",
        "manylinux_2_28_x86_64",
    ),
    ("cp310-win_amd64", "3.10", "win_amd64"),
    ("cp39-macosx_11_0_arm64", "3.9", "macosx_11_0_arm64"),
];

fn version() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(0u64..100_000, 1..4),
        prop::option::of(0u32..99),
    )
        .prop_map(|(release, post)| {
            let parts: Vec<String> = release.iter().map(u64::to_string).collect();
            let post = post.map(|post| format!(".post{post}")).unwrap_or_default();
            format!("{}{post}", parts.join("."))
        })
}

fn requirement() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,8}(\\[[a-z]{1,5}\\])?(>=[0-9]{1,3}(\\.[0-9]{1,3}){0,2})?( ; python_version < '3\\.1[0-3]')?"
}

/// Free text as hostile as TOML strings get: quotes, backslashes, control
/// characters, any Unicode.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[\"\\\\\n\r\t\u{0}\u{7f}\u{1b}a-z ]{0,12}"]
}

/// An index name or a resource URL: any printable text (the reader
/// refuses control characters there, so a generated lock holds none).
fn printable_text() -> impl Strategy<Value = String> {
    prop_oneof!["[^\\p{Cc}]{0,24}", "[\"\\\\a-z:/.${}% ]{0,24}"]
}

fn sha() -> impl Strategy<Value = Sha256> {
    any::<[u8; 8]>().prop_map(|seed| Sha256::digest(&seed))
}

/// The targets a mask picks out of the first `count`; never none.
fn pick(mask: u8, count: usize) -> BTreeSet<String> {
    let picked: BTreeSet<String> = (0..count)
        .filter(|index| mask & (1 << index) != 0)
        .map(|index| TARGETS[index].0.to_owned())
        .collect();
    if picked.is_empty() {
        BTreeSet::from([TARGETS[0].0.to_owned()])
    } else {
        picked
    }
}

const FILE_TAGS: &[&str] = &[
    "py3-none-any",
    "cp310-cp310-win_amd64",
    "cp312-abi3-manylinux_2_28_x86_64",
];

fn package(count: usize) -> impl Strategy<Value = LockedPackage> {
    (
        (
            "[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?",
            version(),
            printable_text(),
            any::<u8>(),
        ),
        (
            prop::option::of(">=3\\.[0-9]{1,2}"),
            prop::collection::vec(requirement(), 0..3),
        ),
        prop::collection::vec(
            (
                prop::option::of(("[a-z]{1,6}", version())),
                prop::option::of("[a-z]{1,5}"),
                "(>=1\\.0|<2|)",
                prop::option::of(text()),
                any::<u8>(),
            ),
            0..3,
        ),
        prop::collection::vec((any::<bool>(), sha(), any::<u64>(), any::<u8>()), 0..4),
    )
        .prop_map(
            move |((name, version, index, mask), (python, dependencies), edges, files)| {
                let targets = pick(mask, count);
                let required_by = edges
                    .into_iter()
                    .map(|(package, extra, specifier, marker, mask)| RequiredBy {
                        package: package.map(|(name, version)| {
                            (PackageName::new(name).unwrap(), version.parse().unwrap())
                        }),
                        extra,
                        specifier,
                        marker,
                        targets: pick(mask, count),
                    })
                    .collect();
                let package_name = PackageName::new(name.clone()).unwrap();
                let files = files
                    .into_iter()
                    .enumerate()
                    .map(|(number, (sdist, sha256, size, mask))| {
                        let stem = format!("{}-{version}", name.replace('-', "_"));
                        let name = if sdist {
                            format!("{name}-{version}.tar.gz")
                        } else {
                            format!("{stem}-{}.whl", FILE_TAGS[number % FILE_TAGS.len()])
                        };
                        let targets = pick(mask, count).intersection(&targets).cloned().collect();
                        LockedFile {
                            name: DistFilename::parse(&name, &package_name).unwrap(),
                            sha256,
                            size,
                            targets,
                        }
                    })
                    .collect::<Vec<_>>();
                let mut seen = BTreeSet::new();
                let files = files
                    .into_iter()
                    .filter(|file| seen.insert(file.file_name().to_owned()))
                    .collect();
                LockedPackage {
                    name: package_name,
                    version: version.parse().unwrap(),
                    index,
                    targets,
                    requires_python: python,
                    dependencies,
                    required_by,
                    files,
                }
            },
        )
}

fn resource(number: usize) -> impl Strategy<Value = LockedResource> {
    (sha(), any::<u64>(), printable_text()).prop_map(move |(sha256, size, url)| LockedResource {
        name: format!("resource-{number}"),
        url,
        file: format!("file-{number}.bin"),
        env: format!("RESOURCE_{number}"),
        sha256,
        size,
    })
}

/// A valid lock: what `validate` accepts, with free text wherever the
/// format allows it.
fn lock() -> impl Strategy<Value = Lock> {
    (1..=TARGETS.len()).prop_flat_map(|count| {
        (
            (
                "[a-z0-9][a-z0-9-]{0,12}",
                sha(),
                prop::option::of("2024-0[1-9]-1[0-9]T00:00:00Z"),
            ),
            prop::option::of(("(pylock|uv\\.lock|requirements)", text(), sha())),
            prop::collection::vec(requirement(), 0..4),
            prop::collection::vec(requirement(), 0..2),
            prop::collection::vec(package(count), 0..5),
            prop::collection::vec(package(count), 0..2),
            (0usize..3).prop_flat_map(|n| (0..n).map(resource).collect::<Vec<_>>()),
        )
            .prop_map(
                move |(head, imported, requirements, constraints, packages, build, resources)| {
                    let (name, digest, exclude_newer) = head;
                    let unique = |packages: Vec<LockedPackage>| {
                        let mut seen = BTreeSet::new();
                        packages
                            .into_iter()
                            .filter(|package| {
                                seen.insert((package.name.clone(), package.version.clone()))
                            })
                            .collect()
                    };
                    Lock {
                        name,
                        inputs_digest: format!("sha256:{digest}"),
                        exclude_newer,
                        imported_from: imported.map(|(format, path, sha256)| ImportedFrom {
                            format,
                            path,
                            sha256,
                        }),
                        requirements,
                        constraints,
                        targets: TARGETS[..count]
                            .iter()
                            .map(|(name, python, platform)| LockedTarget {
                                name: (*name).to_owned(),
                                python: python.parse().unwrap(),
                                platform: platform.parse().unwrap(),
                            })
                            .collect(),
                        packages: unique(packages),
                        build_packages: unique(build),
                        // The [[installer-package]] tables share the package
                        // encoder; their round trip is a fixture of roundtrip.rs.
                        installer_packages: Vec::new(),
                        interpreters: Vec::new(),
                        resources,
                    }
                },
            )
    })
}

proptest! {
    #![proptest_config(mutate::config(128))]

    #[test]
    fn generated_locks_round_trip(lock in lock()) {
        let text = encode(&lock);
        let decoded = decode(&text).map_err(|error| TestCaseError::fail(format!("{error}\n{text}")))?;
        prop_assert_eq!(&decoded, &normalise(lock));
        prop_assert_eq!(encode(&decoded), text);
    }

    #[test]
    fn mutated_locks_never_panic_and_accepted_ones_round_trip(
        bytes in mutate::mutated(seeds()),
    ) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(lock) = decode(&text) {
            let again = decode(&encode(&lock)).map_err(|error| TestCaseError::fail(error.to_string()))?;
            prop_assert_eq!(again, normalise(lock));
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        prop_assert!(decode(&text).is_err());
    }
}

/// The file reader turns invalid UTF-8 and NUL bytes into errors.
#[test]
fn read_lock_refuses_bytes_that_are_not_text() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("envlock.lock");
    let mut bytes = seeds().remove(0);
    bytes.extend_from_slice(b"\n# \xff\xfe\0\n");
    std::fs::write(&path, &bytes).unwrap();
    let error = read_lock(&path).unwrap_err();
    assert!(!error.to_string().is_empty());
}
