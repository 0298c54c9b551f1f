//! Times tag-list computation and wheel ranking on a page the size of a big
//! numeric library's (~1,800 wheels).
//!
//! Run with `cargo run --release -p envlock-pep --example rank_bench`.

// A benchmark's printed figures are its whole output.
#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use envlock_pep::{Platform, PythonVersion, Tags, WheelFilename, rank_wheels};

/// Platform tag sets as numeric libraries publish them.
const PLATFORMS: &[&str] = &[
    "manylinux_2_17_x86_64.manylinux2014_x86_64",
    "manylinux_2_17_aarch64.manylinux2014_aarch64",
    "musllinux_1_1_x86_64",
    "macosx_10_9_x86_64",
    "macosx_11_0_arm64",
    "win_amd64",
    "win32",
];

/// 32 releases × CPython 3.6–3.13 × 7 platforms = 1,792 wheel names.
fn wheel_names() -> Vec<String> {
    let mut names = Vec::new();
    for release in 0..32 {
        let version = format!("1.{}.{}", 20 + release / 4, release % 4);
        for minor in 6..=13 {
            let abi = if minor < 8 {
                format!("cp3{minor}m")
            } else {
                format!("cp3{minor}")
            };
            for platform in PLATFORMS {
                names.push(format!(
                    "NumPyLike-{version}-cp3{minor}-{abi}-{platform}.whl"
                ));
            }
        }
    }
    names
}

/// Runs `work` `iterations` times and returns the median duration.
fn median(iterations: usize, mut work: impl FnMut()) -> Duration {
    let mut samples: Vec<Duration> = (0..iterations)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let python = PythonVersion::parse("3.12")?;
    let platform = Platform::parse("manylinux_2_28_x86_64")?;
    let names = wheel_names();

    let tags_time = median(2_000, || {
        black_box(Tags::new(black_box(python), black_box(&platform)));
    });

    let tags = Tags::new(python, &platform);
    let mut compatible = 0;
    let rank_time = median(200, || {
        let wheels: Vec<WheelFilename> = names
            .iter()
            .filter_map(|name| WheelFilename::parse(name).ok())
            .collect();
        compatible = rank_wheels(&tags, &wheels)
            .map(|ranked| ranked.len())
            .unwrap_or(0);
        black_box(&wheels);
    });

    let wheels: Vec<WheelFilename> = names
        .iter()
        .filter_map(|name| WheelFilename::parse(name).ok())
        .collect();
    let parse_time = median(200, || {
        for name in &names {
            let _ = black_box(WheelFilename::parse(black_box(name)));
        }
    });
    let rank_only_time = median(200, || {
        black_box(rank_wheels(&tags, &wheels).map(|ranked| ranked.len()).ok());
    });

    println!("target cp312-manylinux_2_28_x86_64: {} tags", tags.len());
    println!("tag list:                    median {tags_time:?} (2,000 iterations)");
    println!(
        "parse + rank {} wheels:   median {rank_time:?} (200 iterations; {compatible} fit)",
        names.len()
    );
    println!("  parse only:                median {parse_time:?}");
    println!("  rank only (pre-parsed):    median {rank_only_time:?}");
    Ok(())
}
