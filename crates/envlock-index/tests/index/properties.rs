//! Property tests of the core metadata readers: mutated and arbitrary
//! `METADATA` text (invalid UTF-8, NUL bytes, deep markers, huge numbers)
//! and mutated wheel archives never panic; errors carry a message.
//! `PROPTEST_CASES` sets the cases per property (e.g. 100000).

use crate::mutate;

use std::io::Write;

use envlock_index::{parse_core_metadata, wheel_metadata_from_bytes};
use proptest::prelude::*;

const METADATA: &str = "Metadata-Version: 2.3\n\
Name: Foo.Bar\n\
Version: 1.0.post1\n\
Summary: a package\n\
Requires-Python: >=3.8\n\
Requires-Dist: requests[socks]>=2.8.1,==2.8.* ; python_version < '3.9' and (os_name == 'nt' or extra == 'x')\n\
Requires-Dist: numpy>=1.26\n\
Provides-Extra: x\n\
Dynamic: License\n\
Description-Content-Type: text/markdown\n\
\n\
A long description\nwith lines.\n";

/// A wheel holding `foo_bar-1.0.dist-info/METADATA`.
fn wheel() -> Vec<u8> {
    let mut archive = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    archive.start_file("foo_bar/__init__.py", options).unwrap();
    archive.write_all(b"").unwrap();
    archive
        .start_file("foo_bar-1.0.dist-info/METADATA", options)
        .unwrap();
    archive.write_all(METADATA.as_bytes()).unwrap();
    archive.finish().unwrap().into_inner()
}

proptest! {
    #![proptest_config(mutate::config(128))]

    #[test]
    fn mutated_metadata_never_panics(bytes in mutate::mutated(vec![METADATA.as_bytes().to_vec()])) {
        if let Err(error) = parse_core_metadata(&bytes, "foo-1.0.metadata") {
            prop_assert!(error.to_string().contains("foo-1.0.metadata"));
        }
    }

    #[test]
    fn arbitrary_metadata_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_core_metadata(&bytes, "x.metadata");
    }

    #[test]
    fn mutated_wheels_never_panic(bytes in mutate::mutated(vec![wheel()])) {
        if let Ok(metadata) = wheel_metadata_from_bytes(&bytes, "foo_bar-1.0-py3-none-any.whl", "w") {
            let _ = parse_core_metadata(&metadata, "w");
        }
    }
}

/// The seeds are valid.
#[test]
fn the_seeds_are_valid() {
    let metadata = parse_core_metadata(METADATA.as_bytes(), "m").unwrap();
    assert_eq!(metadata.requires_dist.len(), 2);
    let bytes = wheel_metadata_from_bytes(&wheel(), "foo_bar-1.0-py3-none-any.whl", "w").unwrap();
    assert_eq!(bytes, METADATA.as_bytes());
}

/// A Requires-Dist that panicked (a name ending in `.` before more text)
/// or overflowed the stack (deep parentheses) is an error naming the file.
#[test]
fn hostile_requires_dist_is_an_error() {
    let deep = format!(
        "x ; {}os_name == 'nt'{}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    for requirement in [
        "2.8.*; python_version < '2.7'",
        "x[a-] ; os_name == 'nt'",
        deep.as_str(),
    ] {
        let text = format!(
            "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nRequires-Dist: {requirement}\n"
        );
        let error = parse_core_metadata(text.as_bytes(), "foo-1.0.metadata")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("foo-1.0.metadata") && error.contains("Requires-Dist"),
            "{error}"
        );
    }
}
