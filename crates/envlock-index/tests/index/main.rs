//! Integration tests of envlock-index against the fixture index on 127.0.0.1.

// Test helpers may unwrap: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../../envlock-pep/tests/support/mutate.rs"]
mod mutate;

mod cache;
mod local;
mod metadata;
mod network;
mod pages;
mod properties;

use std::io::Write;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use envlock_index::{ClientOptions, EnvVars, HttpIndex, IndexClient};
use envlock_pep::PackageName;
use envlock_test::{DistSpec, FixtureFile, FixtureIndex, FixtureServer};
use url::Url;

/// Client options for tests: a private cache, no real environment, quick retries.
pub fn options(cache: &Path) -> ClientOptions {
    ClientOptions {
        cache_dir: Some(cache.to_path_buf()),
        env: EnvVars::default(),
        retries: 3,
        retry_base_delay: Duration::from_millis(1),
        retry_max_delay: Duration::from_millis(20),
        read_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        // The fixture servers speak plain http on 127.0.0.1.
        allow_insecure_hosts: vec!["127.0.0.1".to_owned()],
        ..ClientOptions::default()
    }
}

/// A shared client built from `options`.
pub fn client_with(options: ClientOptions) -> Arc<IndexClient> {
    Arc::new(IndexClient::new(options).unwrap())
}

/// An HTTP index called `default` at `url`.
pub fn http_index(url: &str, client: Arc<IndexClient>) -> HttpIndex {
    HttpIndex::new("default", &Url::parse(url).unwrap(), client).unwrap()
}

/// A package name.
pub fn name(text: &str) -> PackageName {
    PackageName::from_str(text).unwrap()
}

/// `demo` 1.0: a wheel (requires-python with `>` to be entity-escaped, a
/// yanked reason with markup characters) and an sdist.
pub fn sample_index() -> FixtureIndex {
    let mut index = FixtureIndex::new();
    let spec = DistSpec::new("demo", "1.0")
        .requires("leaf>=2")
        .requires("extra-dep ; extra == 'fast'")
        .requires_python(">=3.8");
    let wheel = index.add_wheel(&spec, "py3-none-any");
    wheel.requires_python = Some(">=3.8,<4".to_owned());
    wheel.yanked = Some("broken <&> \"quoted\"".to_owned());
    wheel.upload_time = Some("2024-05-01T12:00:00Z".to_owned());
    index.add_sdist(&spec);
    index.add_wheel(&DistSpec::new("leaf", "2.0"), "py3-none-any");
    index
}

/// Deterministic incompressible bytes.
pub fn filler(size: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// A wheel of realistic size: METADATA near the start, then `filler_size`
/// bytes of incompressible data, so METADATA is outside the tail read.
pub fn big_wheel(spec: &DistSpec, filler_size: usize) -> FixtureFile {
    let dist_info = format!("{}-{}.dist-info", spec.file_name_stem(), spec.version);
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    writer
        .start_file(format!("{dist_info}/METADATA"), deflated)
        .unwrap();
    writer.write_all(spec.metadata().as_bytes()).unwrap();
    writer
        .start_file(format!("{}/_data.bin", spec.import_name()), stored)
        .unwrap();
    writer
        .write_all(&filler(filler_size, filler_size as u64))
        .unwrap();
    writer
        .start_file(format!("{dist_info}/WHEEL"), deflated)
        .unwrap();
    writer
        .write_all(b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        .unwrap();
    writer
        .start_file(format!("{dist_info}/RECORD"), deflated)
        .unwrap();
    writer.write_all(b"").unwrap();
    let bytes = writer.finish().unwrap().into_inner();
    let filename = envlock_test::wheel_filename(spec, "py3-none-any");
    let mut file = FixtureFile::new(&filename, bytes);
    file.metadata = Some(spec.metadata().into_bytes());
    file
}

/// Starts a server, panicking on failure.
pub fn start(index: FixtureIndex, options: envlock_test::ServerOptions) -> FixtureServer {
    FixtureServer::start(index, options).unwrap()
}
