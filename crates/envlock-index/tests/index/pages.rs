//! Project pages: JSON and HTML agree; errors for bad and missing pages.

use envlock_index::{IndexError, MetadataFile, PackageIndex};
use envlock_test::{Fault, FixtureFile, ServerOptions};

use crate::{client_with, http_index, name, options, sample_index, start};

#[test]
fn looking_files_up_finds_the_files_a_resolution_reads() {
    let cache = tempfile::tempdir().unwrap();
    let fixture = sample_index();
    let server = start(fixture.clone(), ServerOptions::default());
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let expected = fixture.files("demo");
    let wanted: Vec<&str> = expected.iter().map(|file| file.filename.as_str()).collect();
    let found = index.project_files(&name("demo"), &wanted).unwrap();
    let resolved = index.project(&name("demo")).unwrap();
    assert_eq!(found.files.len(), expected.len());
    for (looked_up, read) in found.files.iter().zip(&resolved.files) {
        assert_eq!(looked_up.filename, read.filename);
        assert_eq!(looked_up.sha256_hex(), read.sha256_hex());
        assert_eq!(
            looked_up.url().unwrap().as_url(),
            read.url().unwrap().as_url()
        );
    }
    // Both asked for JSON first (see `ACCEPT` in simple.rs for why a
    // look-up does not ask for HTML).
    for request in server.requests() {
        let accept = request.accept.unwrap();
        assert!(
            accept.starts_with("application/vnd.pypi.simple.v1+json"),
            "{accept}"
        );
    }
}

#[test]
fn json_and_html_pages_give_the_same_files() {
    let cache = tempfile::tempdir().unwrap();
    let fixture = sample_index();
    let json_server = start(fixture.clone(), ServerOptions::default());
    let html_server = start(
        fixture.clone(),
        ServerOptions {
            json: false,
            ..ServerOptions::default()
        },
    );
    let client = client_with(options(cache.path()));
    let json = http_index(&json_server.index_url(), client.clone())
        .project(&name("Demo"))
        .unwrap();
    let html = http_index(&html_server.index_url(), client)
        .project(&name("demo"))
        .unwrap();

    // The servers really answered in the two formats.
    let accept = json_server.requests()[0].accept.clone().unwrap();
    assert!(
        accept.starts_with("application/vnd.pypi.simple.v1+json"),
        "{accept}"
    );

    let expected = fixture.files("demo");
    assert_eq!(json.files.len(), expected.len());
    assert_eq!(html.files.len(), expected.len());
    for ((from_json, from_html), fixture_file) in json.files.iter().zip(&html.files).zip(expected) {
        for file in [from_json, from_html] {
            assert_eq!(file.filename, fixture_file.filename);
            assert_eq!(file.sha256_hex(), Some(fixture_file.sha256()));
            assert_eq!(
                file.requires_python_raw(),
                fixture_file.requires_python.as_deref()
            );
            assert_eq!(file.yanked, fixture_file.yanked);
            let metadata = match fixture_file.metadata_sha256() {
                Some(sha256) => MetadataFile::Offered {
                    sha256: Some(sha256),
                },
                None => MetadataFile::NotOffered,
            };
            assert_eq!(file.core_metadata, metadata);
            assert!(
                file.url()
                    .unwrap()
                    .as_url()
                    .path()
                    .ends_with(&format!("/files/{}", file.filename))
            );
        }
        assert_eq!(from_json.requires_python, from_html.requires_python);
    }
    let wheel = &json.files[0];
    assert_eq!(
        wheel.requires_python_specifiers().unwrap().to_string(),
        ">=3.8, <4"
    );
    assert_eq!(wheel.yanked.as_deref(), Some("broken <&> \"quoted\""));
    assert_eq!(
        wheel.upload_time.map(|time| time.to_string()).as_deref(),
        Some("2024-05-01T12:00:00Z")
    );
    assert_eq!(wheel.size, Some(expected[0].bytes.len() as u64));
}

#[test]
fn unknown_project_is_not_found() {
    let cache = tempfile::tempdir().unwrap();
    let server = start(sample_index(), ServerOptions::default());
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let error = index.project(&name("nope")).unwrap_err();
    assert!(
        matches!(error, IndexError::ProjectNotFound { ref project, .. } if project == "nope"),
        "{error}"
    );
}

#[test]
fn a_page_that_is_neither_html_nor_json_is_an_error_naming_the_url() {
    let cache = tempfile::tempdir().unwrap();
    let server = start(
        sample_index(),
        ServerOptions {
            faults: vec![Fault::BadPage {
                project: "demo".into(),
            }],
            ..ServerOptions::default()
        },
    );
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let error = index.project(&name("demo")).unwrap_err();
    assert!(matches!(error, IndexError::BadPage { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains(&server.project_url("demo")), "{message}");
    // The broken page was not cached: the good project still works.
    assert!(index.project(&name("leaf")).is_ok());
}

#[test]
fn a_filtered_page_keeps_what_the_filter_accepts_and_still_reports_unusable_names() {
    let cache = tempfile::tempdir().unwrap();
    let mut fixture = sample_index();
    fixture.add_file(
        "demo",
        FixtureFile::new("other-1.0-py3-none-any.whl", b"x".to_vec()),
    );
    for json in [true, false] {
        let server = start(
            fixture.clone(),
            ServerOptions {
                json,
                ..ServerOptions::default()
            },
        );
        let index = http_index(&server.index_url(), client_with(options(cache.path())));
        let page = index
            .project_where(&name("demo"), &|filename| filename.ends_with(".tar.gz"))
            .unwrap();
        let names: Vec<_> = page
            .files
            .iter()
            .map(|file| file.filename.as_str())
            .collect();
        assert_eq!(names, ["demo-1.0.tar.gz"], "json: {json}");
        // The filter turned the other project's wheel away too, but it is
        // still reported.
        assert_eq!(page.ignored.len(), 1, "json: {json}");
        assert!(
            page.ignored[0].contains("other-1.0-py3-none-any.whl"),
            "{:?}",
            page.ignored
        );
    }
}
