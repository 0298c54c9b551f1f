//! Times reading wheel METADATA with HTTP range requests from the fixture
//! index (no PEP 658 metadata files), sequentially and in parallel, and
//! compares with servers that ignore ranges (full downloads).
//!
//! Run with `cargo run --release -p envlock-index --example range_bench`.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use envlock_index::{ClientOptions, EnvVars, HttpIndex, IndexClient, IndexFile, PackageIndex};
use envlock_pep::PackageName;
use envlock_test::{DistSpec, FixtureFile, FixtureIndex, FixtureServer, ServerOptions};

const WHEELS: usize = 50;
const RUNS: usize = 7;

/// Deterministic incompressible bytes.
fn filler(size: usize, seed: u64) -> Vec<u8> {
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

/// A wheel with METADATA first and `filler_size` incompressible bytes after it.
fn wheel(spec: &DistSpec, filler_size: usize) -> FixtureFile {
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
    for part in 0..4 {
        writer
            .start_file(format!("{}/_part{part}.so", spec.import_name()), stored)
            .unwrap();
        writer
            .write_all(&filler(filler_size / 4, (filler_size + part) as u64))
            .unwrap();
    }
    writer
        .start_file(format!("{dist_info}/WHEEL"), deflated)
        .unwrap();
    writer
        .write_all(b"Wheel-Version: 1.0\nTag: py3-none-any\n")
        .unwrap();
    writer
        .start_file(format!("{dist_info}/RECORD"), deflated)
        .unwrap();
    let bytes = writer.finish().unwrap().into_inner();
    FixtureFile::new(&envlock_test::wheel_filename(spec, "py3-none-any"), bytes)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn measure(label: &str, ranges: bool, fixture: &FixtureIndex) {
    let server = FixtureServer::start(
        fixture.clone(),
        ServerOptions {
            metadata_files: false,
            ranges,
            ..ServerOptions::default()
        },
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let client = Arc::new(
        IndexClient::new(ClientOptions {
            cache_dir: Some(cache.path().to_path_buf()),
            // Bypass cache reads so every run goes to the server.
            refresh: true,
            env: EnvVars::default(),
            allow_insecure_hosts: vec!["127.0.0.1".to_owned()],
            ..ClientOptions::default()
        })
        .unwrap(),
    );
    let index = HttpIndex::new(
        "bench",
        &url::Url::parse(&server.index_url()).unwrap(),
        client,
    )
    .unwrap();
    let page = index
        .project(&PackageName::from_str("bench").unwrap())
        .unwrap();
    let files: Vec<IndexFile> = page.files;
    assert_eq!(files.len(), WHEELS);
    server.clear_requests();

    let mut sequential = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        for file in &files {
            index.core_metadata(file).unwrap();
        }
        sequential.push(start.elapsed());
    }
    let mut parallel = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        for result in index.core_metadata_many(&files) {
            result.unwrap();
        }
        parallel.push(start.elapsed());
    }
    let requests = server.requests();
    let per_wheel = requests.len() as f64 / (2 * RUNS * WHEELS) as f64;
    println!(
        "{label:<28} sequential median {:>8.1} ms   parallel median {:>7.1} ms   requests/wheel {per_wheel:.1}",
        median(sequential).as_secs_f64() * 1e3,
        median(parallel).as_secs_f64() * 1e3,
    );
}

fn main() {
    let mut fixture = FixtureIndex::new();
    let mut total = 0usize;
    for number in 0..WHEELS {
        let spec = DistSpec::new("bench", &format!("1.{number}"))
            .requires("leaf>=2")
            .requires("other ; python_version < '3.9'");
        // 200–500 KiB per wheel.
        let file = wheel(&spec, (200 + (number * 6) % 300) * 1024);
        total += file.bytes.len();
        fixture.add_file("bench", file);
    }
    println!(
        "{WHEELS} wheels, {:.1} MiB in all; median of {RUNS} runs each; I/O pool of 32 threads",
        total as f64 / (1024.0 * 1024.0)
    );
    measure("range requests", true, &fixture);
    measure("server ignores ranges", false, &fixture);
}
