//! The on-disk cache: revalidation, offline mode, immutable metadata and files.

use envlock_index::{CacheKeeps, ClientOptions, HttpIndex, IndexError, PackageIndex};
use envlock_test::{DistSpec, FixtureServer, ServerOptions};

use crate::{client_with, http_index, name, options, sample_index, start};

#[test]
fn a_second_page_request_revalidates_and_uses_the_cached_body() {
    let cache = tempfile::tempdir().unwrap();
    let server = start(sample_index(), ServerOptions::default());
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let first = index.project(&name("demo")).unwrap();
    let second = index.project(&name("demo")).unwrap();
    assert_eq!(first, second);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[0].if_none_match.is_none());
    let etag = requests[1]
        .if_none_match
        .clone()
        .expect("revalidation sends If-None-Match");
    assert!(!etag.is_empty());

    // A changed page is fetched again, not served stale.
    server.update_index(|index| {
        index.add_wheel(&DistSpec::new("demo", "2.0"), "py3-none-any");
    });
    let third = index.project(&name("demo")).unwrap();
    assert_eq!(third.files.len(), first.files.len() + 1);
}

#[test]
fn a_stale_page_without_validators_is_fetched_whole_and_replaced() {
    let cache = tempfile::tempdir().unwrap();
    let server = start(sample_index(), ServerOptions::default());
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let first = index.project(&name("demo")).unwrap();
    // Make the entry one the server cannot revalidate (no ETag, no
    // Last-Modified, as some mirrors and proxies answer), with a body that
    // would fail to parse if it were read.
    let entry = walk(cache.path())
        .into_iter()
        .find(|path| path.file_name().is_some_and(|file| file == "demo.page"))
        .expect("the page is cached as pages/<index>/demo.page");
    let text = std::fs::read_to_string(&entry).unwrap();
    let (header, _) = text.split_once('\n').expect("a header line");
    let mut header: serde_json::Value = serde_json::from_str(header).unwrap();
    header["etag"] = serde_json::Value::Null;
    header["last_modified"] = serde_json::Value::Null;
    std::fs::write(&entry, format!("{header}\nnot a page at all")).unwrap();

    let second = index.project(&name("demo")).unwrap();
    assert_eq!(second, first);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[1].if_none_match.is_none(),
        "nothing to revalidate with"
    );
    // The whole page replaced the entry: the next request revalidates again.
    assert!(
        !std::fs::read_to_string(&entry)
            .unwrap()
            .contains("not a page")
    );
    assert_eq!(index.project(&name("demo")).unwrap(), first);
    assert!(server.requests()[2].if_none_match.is_some());
}

/// Every file below `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_page_within_its_max_age_is_used_without_asking_again() {
    let cache = tempfile::tempdir().unwrap();
    let fresh = ServerOptions {
        page_max_age: Some(600),
        ..ServerOptions::default()
    };
    let server = start(sample_index(), fresh);
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let first = index.project(&name("demo")).unwrap();
    assert_eq!(index.project(&name("demo")).unwrap(), first);
    assert_eq!(server.requests().len(), 1, "a fresh page needs no request");
    // --refresh still asks.
    let refreshing = http_index(
        &server.index_url(),
        client_with(ClientOptions {
            refresh: true,
            ..options(cache.path())
        }),
    );
    refreshing.project(&name("demo")).unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_page_the_server_says_nothing_about_is_used_for_the_page_max_age() {
    let cache = tempfile::tempdir().unwrap();
    // No Cache-Control, no ETag, no Last-Modified: checking the page means
    // downloading it whole, so it is kept for the default window.
    let bare = ServerOptions {
        page_validators: false,
        ..ServerOptions::default()
    };
    let server = start(sample_index(), bare);
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let first = index.project(&name("demo")).unwrap();
    server.update_index(|index| {
        index.add_wheel(&DistSpec::new("demo", "2.0"), "py3-none-any");
    });
    // Another client (another run) within the window asks nothing and sees
    // the page as it was.
    let again = http_index(&server.index_url(), client_with(options(cache.path())));
    assert_eq!(again.project(&name("demo")).unwrap(), first);
    assert_eq!(server.requests().len(), 1, "{:?}", server.requests());
    // --refresh fetches it, and sees the new file.
    let refreshing = http_index(
        &server.index_url(),
        client_with(ClientOptions {
            refresh: true,
            ..options(cache.path())
        }),
    );
    let refreshed = refreshing.project(&name("demo")).unwrap();
    assert_eq!(refreshed.files.len(), first.files.len() + 1);
    assert_eq!(server.requests().len(), 2);
    // A window of 0 fetches such a page every time, whole.
    let no_window = http_index(
        &server.index_url(),
        client_with(ClientOptions {
            page_max_age: std::time::Duration::ZERO,
            ..options(cache.path())
        }),
    );
    assert_eq!(no_window.project(&name("demo")).unwrap(), refreshed);
    assert_eq!(no_window.project(&name("demo")).unwrap(), refreshed);
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert!(
        requests
            .iter()
            .all(|request| request.if_none_match.is_none())
    );
}

#[test]
fn a_page_with_max_age_zero_is_checked_every_time() {
    // With validators: revalidated (a 304, no body), never served unasked.
    let cache = tempfile::tempdir().unwrap();
    let checked = ServerOptions {
        page_max_age: Some(0),
        ..ServerOptions::default()
    };
    let server = start(sample_index(), checked.clone());
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let first = index.project(&name("demo")).unwrap();
    assert_eq!(index.project(&name("demo")).unwrap(), first);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].if_none_match.is_some(), "revalidated");

    // Without validators: the server said "check every time", so the
    // default window does not apply; the page is fetched again.
    let cache = tempfile::tempdir().unwrap();
    let server = start(
        sample_index(),
        ServerOptions {
            page_validators: false,
            ..checked
        },
    );
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let first = index.project(&name("demo")).unwrap();
    assert_eq!(index.project(&name("demo")).unwrap(), first);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn refresh_skips_cache_reads() {
    let cache = tempfile::tempdir().unwrap();
    let server = start(sample_index(), ServerOptions::default());
    http_index(&server.index_url(), client_with(options(cache.path())))
        .project(&name("demo"))
        .unwrap();
    let refreshing = http_index(
        &server.index_url(),
        client_with(ClientOptions {
            refresh: true,
            ..options(cache.path())
        }),
    );
    refreshing.project(&name("demo")).unwrap();
    assert!(server.requests()[1].if_none_match.is_none());
}

#[test]
fn offline_with_an_empty_cache_says_what_is_missing() {
    let cache = tempfile::tempdir().unwrap();
    let server = start(sample_index(), ServerOptions::default());
    let index = http_index(
        &server.index_url(),
        client_with(ClientOptions {
            offline: true,
            ..options(cache.path())
        }),
    );
    let error = index.project(&name("demo")).unwrap_err();
    assert!(matches!(error, IndexError::Offline { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("`demo`") && message.contains("--offline"),
        "{message}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn offline_after_a_warm_cache_needs_no_network() {
    let cache = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let server = start(
        sample_index(),
        ServerOptions {
            metadata_files: false,
            ..ServerOptions::default()
        },
    );
    let online = http_index(&server.index_url(), client_with(options(cache.path())));
    let page = online.project(&name("demo")).unwrap();
    let metadata = online.core_metadata(&page.files[0]).unwrap();
    let fetched = online
        .fetch(
            &page.files[0],
            &dest.path().join("first.whl"),
            CacheKeeps::Copy,
        )
        .unwrap();
    let before = server.requests().len();

    let offline = http_index(
        &server.index_url(),
        client_with(ClientOptions {
            offline: true,
            ..options(cache.path())
        }),
    );
    assert_eq!(offline.project(&name("demo")).unwrap(), page);
    assert_eq!(offline.core_metadata(&page.files[0]).unwrap(), metadata);
    let again = offline
        .fetch(
            &page.files[0],
            &dest.path().join("second.whl"),
            CacheKeeps::Copy,
        )
        .unwrap();
    assert_eq!(again.sha256, fetched.sha256);
    assert_eq!(
        std::fs::read(dest.path().join("second.whl")).unwrap(),
        std::fs::read(dest.path().join("first.whl")).unwrap()
    );
    assert_eq!(server.requests().len(), before, "offline made no request");

    // What was never fetched is reported as missing.
    let error = offline.core_metadata(&page.files[1]).unwrap_err();
    assert!(
        error.to_string().contains(&page.files[1].filename),
        "{error}"
    );
}

#[test]
fn metadata_and_files_are_fetched_once() {
    let cache = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let server = start(sample_index(), ServerOptions::default());
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let page = index.project(&name("demo")).unwrap();
    server.clear_requests();
    index.core_metadata(&page.files[0]).unwrap();
    index.core_metadata(&page.files[0]).unwrap();
    index
        .fetch(&page.files[0], &dest.path().join("a.whl"), CacheKeeps::Copy)
        .unwrap();
    index
        .fetch(&page.files[0], &dest.path().join("b.whl"), CacheKeeps::Copy)
        .unwrap();
    assert_eq!(server.requests().len(), 2, "{:?}", server.requests());
    let sha256 = page.files[0].sha256_hex().unwrap();
    let stored = cache.path().join("v1/files/sha256").join(&sha256);
    assert!(stored.is_file());
}

/// An index over the sample, with an empty cache, and a second one on the
/// same cache that refreshes (`--refresh`). The folder and server must
/// outlive both.
fn plain_and_refreshing() -> (tempfile::TempDir, FixtureServer, HttpIndex, HttpIndex) {
    let cache = tempfile::tempdir().unwrap();
    let server = start(sample_index(), ServerOptions::default());
    let index = http_index(&server.index_url(), client_with(options(cache.path())));
    let refreshing = ClientOptions {
        refresh: true,
        ..options(cache.path())
    };
    let refreshing = http_index(&server.index_url(), client_with(refreshing));
    (cache, server, index, refreshing)
}

#[test]
fn a_page_is_at_hand_once_the_cache_holds_it() {
    let (_cache, server, index, refreshing) = plain_and_refreshing();
    assert!(!index.has_cached_page(&name("demo")));
    index.project(&name("demo")).unwrap();
    assert!(index.has_cached_page(&name("demo")));
    assert!(!index.has_cached_page(&name("other")));
    // A run that refreshes fetches every page whole.
    assert!(!refreshing.has_cached_page(&name("demo")));
    // Asking reads only the cache.
    assert_eq!(server.requests().len(), 1, "{:?}", server.requests());
}

#[test]
fn metadata_is_at_hand_once_the_cache_holds_it() {
    let (_cache, _server, index, refreshing) = plain_and_refreshing();
    let page = index.project(&name("demo")).unwrap();
    let file = &page.files[0];
    assert!(!index.has_cached_metadata(file));
    index.core_metadata(file).unwrap();
    assert!(index.has_cached_metadata(file));
    assert!(!refreshing.has_cached_metadata(file));
}
