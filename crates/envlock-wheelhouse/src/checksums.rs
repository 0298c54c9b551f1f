//! `SHA256SUMS`: every other file of the folder, in `sha256sum`'s format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use envlock_fs::Sha256;
use envlock_lock::LockedResource;

use crate::error::WheelhouseError;
use crate::folder::{CHECKSUMS, all_files, resource_path};
use crate::fsio::{hash_all, write_atomic};
use crate::plan::PlannedFile;

/// Writes `SHA256SUMS` over every other file. The distributions and the
/// resources were verified against the lock as they were placed, so their
/// locked hashes are used; only the generated files are hashed.
pub(crate) fn write_checksums(
    dir: &Path,
    files: &[PlannedFile],
    resources: &[LockedResource],
) -> Result<(), WheelhouseError> {
    let resource_paths: Vec<(String, Sha256)> = resources
        .iter()
        .map(|resource| (resource_path(resource), resource.sha256))
        .collect();
    let known: BTreeMap<&str, &Sha256> = files
        .iter()
        .map(|file| (file.name.as_str(), &file.sha256))
        .chain(
            resource_paths
                .iter()
                .map(|(path, sha256)| (path.as_str(), sha256)),
        )
        .collect();
    let paths = all_files(dir)?;
    let generated: Vec<String> = paths
        .iter()
        .filter(|path| !known.contains_key(path.as_str()))
        .cloned()
        .collect();
    let mut hashed: BTreeMap<String, String> = generated
        .iter()
        .cloned()
        .zip(hash_all(dir, &generated)?)
        .collect();
    let mut out = String::new();
    for path in &paths {
        let sha256 = match known.get(path.as_str()) {
            Some(sha256) => sha256.to_hex(),
            None => hashed.remove(path).unwrap_or_default(),
        };
        let _ = writeln!(out, "{sha256}  {path}");
    }
    write_atomic(&dir.join(CHECKSUMS), out.as_bytes())
}

/// Reads `SHA256SUMS`: relative path → sha256.
pub(crate) fn read_checksums(dir: &Path) -> Result<BTreeMap<String, String>, WheelhouseError> {
    let path = dir.join(CHECKSUMS);
    let text = std::fs::read_to_string(&path)
        .map_err(|error| WheelhouseError::io("read", &path, error))?;
    let mut sums = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = line
            .split_once("  ")
            .or_else(|| line.split_once(" *"))
            .filter(|(sha256, _)| {
                sha256.len() == 64 && sha256.bytes().all(|byte| byte.is_ascii_hexdigit())
            });
        let Some((sha256, file)) = parsed else {
            return Err(WheelhouseError::Malformed {
                path: path.clone(),
                reason: format!("line {}: expected `<sha256>  <path>`", number + 1),
            });
        };
        sums.insert(file.to_owned(), sha256.to_ascii_lowercase());
    }
    Ok(sums)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_are_read_back_and_bad_lines_are_pointed_at() {
        let dir = tempfile::tempdir().unwrap();
        let sha256 = "a".repeat(64);
        std::fs::write(
            dir.path().join(CHECKSUMS),
            format!("{sha256}  simple/index.html\n{sha256} *b.whl\n"),
        )
        .unwrap();
        let sums = read_checksums(dir.path()).unwrap();
        assert_eq!(sums.get("simple/index.html"), Some(&sha256));
        assert_eq!(sums.get("b.whl"), Some(&sha256));
        std::fs::write(
            dir.path().join(CHECKSUMS),
            format!("{sha256}  ok.whl\nnot a checksum line\n"),
        )
        .unwrap();
        let error = read_checksums(dir.path()).unwrap_err().to_string();
        assert!(error.contains("line 2"), "{error}");
    }
}
