//! Every parser returns an error, never panics, on mangled input.

// Helpers outside #[test] functions panic on broken fixtures by design.
use std::str::FromStr;

use envlock_pep::{
    DistFilename, PackageName, Platform, PythonVersion, SourceDistFilename, WheelFilename,
};

/// Valid inputs of every kind; each is mangled at every position.
const SEEDS: &[&str] = &[
    "manylinux_2_28_x86_64",
    "manylinux2014_aarch64",
    "musllinux_1_2_armv7l",
    "macosx_10_9_x86_64",
    "macosx_14_0_universal2",
    "win_arm64",
    "linux_ppc64le",
    "3.8.18",
    "numpy-2.0.0-1b-cp312-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "zope.interface-5.0.tar.gz",
];

/// Characters that sit on the parsers' boundaries: separators, digits,
/// multi-byte UTF-8, and nothing (deletion).
const INSERTS: &[&str] = &[
    "",
    "-",
    "_",
    ".",
    "0",
    "9",
    "é",
    "€",
    "+",
    " ",
    "x",
    "99999999999999999999",
];

fn mangled() -> Vec<String> {
    let mut out = Vec::new();
    for seed in SEEDS {
        let chars: Vec<char> = seed.chars().collect();
        for position in 0..=chars.len() {
            for insert in INSERTS {
                let head: String = chars[..position].iter().collect();
                // Replace the character at `position` (or append at the end).
                let tail: String = chars
                    .get(position + 1..)
                    .unwrap_or_default()
                    .iter()
                    .collect();
                out.push(format!("{head}{insert}{tail}"));
                // Insert without replacing.
                let rest: String = chars[position..].iter().collect();
                out.push(format!("{head}{insert}{rest}"));
            }
        }
        out.push(seed.to_uppercase());
        out.push(seed.chars().rev().collect());
    }
    out
}

#[test]
fn parsers_never_panic_and_errors_name_the_input() {
    let project = PackageName::from_str("zope-interface").unwrap();
    let inputs = mangled();
    assert!(inputs.len() > 5_000);
    let mut errors = 0;
    for input in &inputs {
        if let Err(error) = Platform::parse(input) {
            assert!(error.to_string().contains(input.trim()), "{error}");
            errors += 1;
        }
        if let Err(error) = PythonVersion::parse(input) {
            assert!(error.to_string().contains(input.as_str()), "{error}");
            errors += 1;
        }
        if let Err(error) = WheelFilename::parse(input) {
            assert!(error.to_string().contains(input.as_str()), "{error}");
            errors += 1;
        }
        if let Err(error) = SourceDistFilename::parse(input, &project) {
            assert!(error.to_string().contains(input.as_str()), "{error}");
            errors += 1;
        }
        if let Err(error) = DistFilename::parse(input, &project) {
            assert!(error.to_string().contains(input.as_str()), "{error}");
        }
    }
    // Most mangled inputs are invalid for most parsers.
    assert!(
        errors > inputs.len() * 3,
        "{errors} errors for {} inputs",
        inputs.len()
    );
}
