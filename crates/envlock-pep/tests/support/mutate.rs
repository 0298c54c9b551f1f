//! Structure-aware inputs for the parsers' property tests, shared by the
//! crates that own a parser (`#[path]`-included from their `tests/`):
//! a valid input with a few edits — characters inserted, deleted, replaced
//! or duplicated, with payloads that parsers find hard (quotes, brackets,
//! NUL, invalid UTF-8, huge numbers, deep nesting, long runs).
//!
//! The number of cases is proptest's: `PROPTEST_CASES` (the suite's default
//! is [`cases`]); set `PROPTEST_CASES=100000` for a long run.

#![allow(dead_code)]

use proptest::prelude::*;
use proptest::sample::Index;

/// Cases per property in the normal suite, unless `PROPTEST_CASES` says
/// otherwise.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// A proptest configuration with [`cases`] cases and no persistence file
/// (failures are turned into plain regression tests instead).
pub fn config(default: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases(default),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// One edit of a byte string.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Insert the payload at a position.
    Insert(Index, Vec<u8>),
    /// Delete up to this many bytes at a position.
    Delete(Index, usize),
    /// Overwrite bytes at a position with the payload.
    Replace(Index, Vec<u8>),
    /// Copy a range of the input and insert it again right after itself
    /// (duplicates keys, tables, lines, elements).
    Duplicate(Index, Index),
}

/// Payloads that stress parsers.
pub fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 1..8),
        "[\\[\\]{}()<>\"'=,;:#@&%\\\\\n\r\t .-]{1,6}".prop_map(String::into_bytes),
        any::<String>().prop_map(String::into_bytes),
        Just(b"\0".to_vec()),
        Just(vec![0xff, 0xfe, 0xc3]),
        Just(b"99999999999999999999999999999999".to_vec()),
        Just(b"-1".to_vec()),
        Just("\u{feff}\u{202e}\u{0301}".as_bytes().to_vec()),
        (1usize..2000).prop_map(|n| "(".repeat(n).into_bytes()),
        (1usize..2000).prop_map(|n| "[".repeat(n).into_bytes()),
        (1usize..2000).prop_map(|n| "{".repeat(n).into_bytes()),
        (1usize..500).prop_map(|n| "<a>".repeat(n).into_bytes()),
        (1usize..5000).prop_map(|n| "x".repeat(n).into_bytes()),
    ]
}

/// One edit.
pub fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), payload()).prop_map(|(at, bytes)| Edit::Insert(at, bytes)),
        (any::<Index>(), 1usize..40).prop_map(|(at, count)| Edit::Delete(at, count)),
        (any::<Index>(), payload()).prop_map(|(at, bytes)| Edit::Replace(at, bytes)),
        (any::<Index>(), any::<Index>()).prop_map(|(at, to)| Edit::Duplicate(at, to)),
    ]
}

/// Applies edits in order.
pub fn apply(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for edit in edits {
        let at = |index: &Index, bytes: &Vec<u8>| index.index(bytes.len() + 1);
        match edit {
            Edit::Insert(index, payload) => {
                let position = at(index, &bytes);
                bytes.splice(position..position, payload.iter().copied());
            }
            Edit::Delete(index, count) => {
                let position = at(index, &bytes);
                let end = (position + count).min(bytes.len());
                bytes.drain(position..end);
            }
            Edit::Replace(index, payload) => {
                let position = at(index, &bytes);
                let end = (position + payload.len()).min(bytes.len());
                bytes.splice(position..end, payload.iter().copied());
            }
            Edit::Duplicate(start, end) => {
                let (a, b) = (at(start, &bytes), at(end, &bytes));
                let (a, b) = (a.min(b), a.max(b));
                let copy = bytes[a..b].to_vec();
                bytes.splice(b..b, copy);
            }
        }
    }
    bytes
}

/// A seed picked from `seeds`, mutated by one to four edits.
pub fn mutated(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(seeds),
        prop::collection::vec(edit(), 1..5),
    )
        .prop_map(|(seed, edits)| apply(&seed, &edits))
}

/// [`mutated`], as text (invalid UTF-8 replaced), for parsers of `&str`.
pub fn mutated_text(seeds: &[&str]) -> impl Strategy<Value = String> {
    let seeds = seeds.iter().map(|seed| seed.as_bytes().to_vec()).collect();
    mutated(seeds).prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}
