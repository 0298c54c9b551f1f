//! Core metadata: PEP 658 files, range requests, full-download fallback,
//! sdists, and errors for broken inputs.

use envlock_index::{IndexError, PackageIndex};
use envlock_test::{DistSpec, Fault, FixtureFile, FixtureIndex, ServerOptions};

use crate::{big_wheel, client_with, http_index, name, options, sample_index, start};

fn no_metadata_files() -> ServerOptions {
    ServerOptions {
        metadata_files: false,
        ..ServerOptions::default()
    }
}

/// The requests `server` received for files (not pages), in order.
fn file_requests(server: &envlock_test::FixtureServer) -> Vec<envlock_test::RequestRecord> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/files/"))
        .collect()
}

fn requirement_strings(metadata: &envlock_index::CoreMetadata) -> Vec<String> {
    metadata
        .requires_dist
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn metadata_comes_from_the_metadata_file_when_offered() {
    let cache = tempfile::tempdir().unwrap();
    let server = start(sample_index(), ServerOptions::default());
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let page = index.project(&name("demo")).unwrap();
    let wheel = &page.files[0];
    let metadata = index.core_metadata(wheel).unwrap();
    assert_eq!(metadata.name.as_ref(), "demo");
    assert_eq!(metadata.version.to_string(), "1.0");
    assert_eq!(requirement_strings(&metadata)[0], "leaf>=2");
    assert_eq!(metadata.requires_python.unwrap().to_string(), ">=3.8");
    let file_requests = file_requests(&server);
    assert_eq!(file_requests.len(), 1, "{file_requests:?}");
    assert_eq!(
        file_requests[0].path,
        format!("/files/{}.metadata", wheel.filename)
    );
}

#[test]
fn metadata_is_read_with_two_range_requests_when_no_metadata_file() {
    let cache = tempfile::tempdir().unwrap();
    let mut fixture = FixtureIndex::new();
    let spec = DistSpec::new("bigpkg", "3.1").requires("leaf>=2 ; python_version < '3.9'");
    let wheel = big_wheel(&spec, 300 * 1024);
    let wheel_size = wheel.bytes.len();
    fixture.add_file("bigpkg", wheel);
    let server = start(fixture, no_metadata_files());
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let page = index.project(&name("bigpkg")).unwrap();
    let metadata = index.core_metadata(&page.files[0]).unwrap();
    assert_eq!(metadata.version.to_string(), "3.1");
    let requirements = requirement_strings(&metadata);
    assert_eq!(requirements.len(), 1);
    assert!(
        requirements[0].starts_with("leaf>=2") && requirements[0].contains("3.9"),
        "{requirements:?}"
    );

    let file_requests = file_requests(&server);
    assert_eq!(
        file_requests.len(),
        2,
        "the tail and the member: {file_requests:?}"
    );
    assert_eq!(file_requests[0].range.as_deref(), Some("bytes=-65536"));
    let member_range = file_requests[1]
        .range
        .clone()
        .expect("the member read is ranged");
    let (start, end) = member_range
        .trim_start_matches("bytes=")
        .split_once('-')
        .unwrap();
    let (start, end): (usize, usize) = (start.parse().unwrap(), end.parse().unwrap());
    assert!(
        end - start < 4096,
        "only the member is read: {member_range}"
    );
    assert!(wheel_size > 300 * 1024);
}

#[test]
fn a_wheel_whose_metadata_matches_another_wheel_of_the_release_needs_only_its_tail() {
    let cache = tempfile::tempdir().unwrap();
    let mut fixture = FixtureIndex::new();
    let spec = DistSpec::new("bigpkg", "3.1").requires("leaf>=2");
    fixture.add_file("bigpkg", big_wheel(&spec, 300 * 1024));
    // Another wheel of the release: other bytes, the same METADATA.
    let other = big_wheel(&spec, 400 * 1024);
    fixture.add_file(
        "bigpkg",
        FixtureFile::new(
            "bigpkg-3.1-cp311-cp311-manylinux_2_28_x86_64.whl",
            other.bytes,
        ),
    );
    let server = start(fixture, no_metadata_files());
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let page = index.project(&name("bigpkg")).unwrap();
    assert_eq!(page.files.len(), 2);
    for file in &page.files {
        let metadata = index.core_metadata(file).unwrap();
        assert_eq!(requirement_strings(&metadata), vec!["leaf>=2"]);
    }
    let file_requests = file_requests(&server);
    assert_eq!(
        file_requests.len(),
        3,
        "the first wheel's tail and member, the second's tail: {file_requests:?}"
    );
    assert_eq!(file_requests[2].range.as_deref(), Some("bytes=-65536"));
}

#[test]
fn a_small_wheel_needs_only_the_tail_request() {
    let cache = tempfile::tempdir().unwrap();
    let server = start(sample_index(), no_metadata_files());
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let page = index.project(&name("demo")).unwrap();
    let metadata = index.core_metadata(&page.files[0]).unwrap();
    assert_eq!(metadata.provides_extra.len(), 0);
    assert_eq!(requirement_strings(&metadata).len(), 2);
    let file_requests = file_requests(&server);
    assert_eq!(file_requests.len(), 1);
    assert!(file_requests[0].range.is_some());
}

#[test]
fn a_server_without_ranges_gets_one_full_download() {
    let cache = tempfile::tempdir().unwrap();
    let mut fixture = FixtureIndex::new();
    let spec = DistSpec::new("bigpkg", "3.1").requires("leaf");
    fixture.add_file("bigpkg", big_wheel(&spec, 200 * 1024));
    let server = start(
        fixture,
        ServerOptions {
            ranges: false,
            ..no_metadata_files()
        },
    );
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let page = index.project(&name("bigpkg")).unwrap();
    let metadata = index.core_metadata(&page.files[0]).unwrap();
    assert_eq!(requirement_strings(&metadata), vec!["leaf"]);
    let file_requests = file_requests(&server);
    assert_eq!(
        file_requests.len(),
        1,
        "the 200 answer to the tail request is used as the full download"
    );
}

#[test]
fn sdist_metadata_comes_from_pkg_info() {
    let cache = tempfile::tempdir().unwrap();
    let server = start(sample_index(), no_metadata_files());
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let page = index.project(&name("demo")).unwrap();
    let sdist = page
        .files
        .iter()
        .find(|file| file.filename.ends_with(".tar.gz"))
        .unwrap();
    let metadata = index.core_metadata(sdist).unwrap();
    assert_eq!(metadata.name.as_ref(), "demo");
    assert_eq!(requirement_strings(&metadata)[0], "leaf>=2");
}

fn tar_gz(entries: &[(&str, &str)]) -> Vec<u8> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(encoder);
    for (path, content) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, path, content.as_bytes())
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

#[test]
fn sdist_metadata_from_static_pyproject_or_a_dynamic_error() {
    let cache = tempfile::tempdir().unwrap();
    let mut fixture = FixtureIndex::new();
    let old_pkg_info = "Metadata-Version: 2.1\nName: old\nVersion: 1.0\n";
    fixture.add_file(
        "old",
        FixtureFile::new(
            "old-1.0.tar.gz",
            tar_gz(&[
                ("old-1.0/PKG-INFO", old_pkg_info),
                (
                    "old-1.0/pyproject.toml",
                    "[project]\nname = \"old\"\nversion = \"1.0\"\ndependencies = [\"leaf<3\"]\n",
                ),
            ]),
        ),
    );
    fixture.add_file(
        "old",
        FixtureFile::new(
            "old-2.0.tar.gz",
            tar_gz(&[
                (
                    "old-2.0/PKG-INFO",
                    "Metadata-Version: 2.1\nName: old\nVersion: 2.0\n",
                ),
                (
                    "old-2.0/pyproject.toml",
                    "[project]\nname = \"old\"\nversion = \"2.0\"\ndynamic = [\"dependencies\"]\n",
                ),
            ]),
        ),
    );
    let server = start(fixture, no_metadata_files());
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let page = index.project(&name("old")).unwrap();
    let metadata = index.core_metadata(&page.files[0]).unwrap();
    assert_eq!(requirement_strings(&metadata), vec!["leaf<3"]);
    let error = index.core_metadata(&page.files[1]).unwrap_err();
    assert!(
        matches!(error, IndexError::DynamicSdistMetadata { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("old-2.0.tar.gz") && message.contains("built"),
        "{message}"
    );
}

#[test]
fn a_pkg_info_with_static_dependencies_is_used_even_when_requires_python_is_dynamic() {
    // As setuptools writes it for a `setup.py` that sets python_requires
    // (psutil 7.0.0's): the resolver takes Requires-Python from the index
    // page, so only Requires-Dist must be static. A Dynamic Requires-Dist,
    // in any spelling, still needs a build.
    let pkg_info = |name: &str, dynamic: &str| {
        format!(
            "Metadata-Version: 2.2\nName: {name}\nVersion: 1.0\nRequires-Python: >=3.6\n\
             Requires-Dist: leaf>=2\nRequires-Dist: extra-leaf; extra == \"test\"\n\
             Provides-Extra: test\nDynamic: license\n{dynamic}\n"
        )
    };
    let cache = tempfile::tempdir().unwrap();
    let mut fixture = FixtureIndex::new();
    let sdists = [
        ("pythondynamic", "Dynamic: requires-python"),
        ("depsdynamic", "Dynamic: requires-dist"),
        (
            "bothdynamic",
            "Dynamic: Requires-Python\nDynamic: Requires-Dist",
        ),
    ];
    for (name, dynamic) in sdists {
        fixture.add_file(
            name,
            FixtureFile::new(
                &format!("{name}-1.0.tar.gz"),
                tar_gz(&[(&format!("{name}-1.0/PKG-INFO"), &pkg_info(name, dynamic))]),
            ),
        );
    }
    let server = start(fixture, no_metadata_files());
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let read = |project: &str| {
        let page = index.project(&name(project)).unwrap();
        index.core_metadata(&page.files[0]).map_err(Box::new)
    };
    let metadata = read("pythondynamic").unwrap();
    assert_eq!(
        requirement_strings(&metadata),
        vec!["leaf>=2", "extra-leaf ; extra == 'test'"]
    );
    for project in ["depsdynamic", "bothdynamic"] {
        let error = read(project).unwrap_err();
        assert!(
            matches!(&*error, IndexError::DynamicSdistMetadata { reason, .. }
                if reason.contains("Requires-Dist as Dynamic")),
            "{project}: {error:?}"
        );
    }
}

#[test]
fn a_bad_metadata_file_is_an_error_naming_its_url() {
    let cache = tempfile::tempdir().unwrap();
    let mut fixture = sample_index();
    fixture.files_mut("leaf").unwrap()[0].metadata =
        Some(b"<html>certainly not metadata</html>".to_vec());
    let server = start(fixture, ServerOptions::default());
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let page = index.project(&name("leaf")).unwrap();
    let error = index.core_metadata(&page.files[0]).unwrap_err();
    assert!(matches!(error, IndexError::BadMetadata { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains(&server.file_url(&page.files[0].filename)),
        "{error}"
    );
}

#[test]
fn a_corrupted_metadata_file_fails_its_hash_check() {
    let cache = tempfile::tempdir().unwrap();
    let fixture = sample_index();
    let filename = fixture.files("leaf")[0].filename.clone();
    let server = start(
        fixture,
        ServerOptions {
            faults: vec![Fault::WrongBody {
                path: format!("/files/{filename}.metadata"),
                times: 10,
            }],
            ..ServerOptions::default()
        },
    );
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let page = index.project(&name("leaf")).unwrap();
    let error = index.core_metadata(&page.files[0]).unwrap_err();
    assert!(
        matches!(error, IndexError::HashMismatch { .. }),
        "{error:?}"
    );
}

#[test]
fn a_corrupt_central_directory_is_an_error_not_a_panic() {
    let cache = tempfile::tempdir().unwrap();
    let spec = DistSpec::new("broken", "1.0");
    let mut bytes = envlock_test::build_wheel(&spec, "py3-none-any");
    // Damage every central-directory header signature.
    let signature = [0x50u8, 0x4b, 0x01, 0x02];
    let positions: Vec<usize> = bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == signature)
        .map(|(i, _)| i)
        .collect();
    assert!(!positions.is_empty());
    for position in positions {
        bytes[position + 2] = 0x7f;
    }
    let mut fixture = FixtureIndex::new();
    fixture.add_file(
        "broken",
        FixtureFile::new("broken-1.0-py3-none-any.whl", bytes),
    );
    for ranges in [true, false] {
        let server = start(
            fixture.clone(),
            ServerOptions {
                ranges,
                ..no_metadata_files()
            },
        );
        let index = http_index(&server.index_url(), client_with(options(cache.path())));
        let page = index.project(&name("broken")).unwrap();
        let error = index.core_metadata(&page.files[0]).unwrap_err();
        assert!(matches!(error, IndexError::BadArchive { .. }), "{error:?}");
        assert!(
            error
                .to_string()
                .contains(&server.file_url("broken-1.0-py3-none-any.whl")),
            "{error}"
        );
    }
}

#[test]
fn many_files_in_parallel_keep_their_order() {
    let cache = tempfile::tempdir().unwrap();
    let mut fixture = FixtureIndex::new();
    for minor in 0..20 {
        let spec =
            DistSpec::new("many", &format!("1.{minor}")).requires(format!("dep{minor}").as_str());
        fixture.add_wheel(&spec, "py3-none-any");
    }
    let server = start(fixture, no_metadata_files());
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let page = index.project(&name("many")).unwrap();
    let results = index.core_metadata_many(&page.files);
    assert_eq!(results.len(), 20);
    for (file, result) in page.files.iter().zip(results) {
        let metadata = result.unwrap();
        assert!(file.filename.contains(&format!("-{}-", metadata.version)));
        let minor = metadata
            .version
            .to_string()
            .trim_start_matches("1.")
            .to_owned();
        assert_eq!(requirement_strings(&metadata), vec![format!("dep{minor}")]);
    }
}

#[test]
fn a_central_directory_larger_than_the_tail_costs_one_more_range() {
    use std::io::Write;
    let cache = tempfile::tempdir().unwrap();
    let spec = DistSpec::new("wide", "1.0").requires("leaf");
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default();
    writer
        .start_file("wide-1.0.dist-info/METADATA", deflated)
        .unwrap();
    writer.write_all(spec.metadata().as_bytes()).unwrap();
    // 1500 entries with long names: a central directory of ~150 KiB.
    for number in 0..1500 {
        writer
            .start_file(
                format!("wide/a/rather/deeply/nested/package/path/module_{number:05}.py"),
                deflated,
            )
            .unwrap();
        writer.write_all(b"x = 1\n").unwrap();
    }
    let bytes = writer.finish().unwrap().into_inner();
    let mut fixture = FixtureIndex::new();
    fixture.add_file("wide", FixtureFile::new("wide-1.0-py3-none-any.whl", bytes));
    let server = start(fixture, no_metadata_files());
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let page = index.project(&name("wide")).unwrap();
    let metadata = index.core_metadata(&page.files[0]).unwrap();
    assert_eq!(requirement_strings(&metadata), vec!["leaf"]);
    let file_requests = file_requests(&server);
    assert_eq!(
        file_requests.len(),
        3,
        "tail, rest of the directory, member: {file_requests:?}"
    );
    assert!(file_requests.iter().all(|request| request.range.is_some()));
}
