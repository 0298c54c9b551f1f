//! One reproducible archive of a wheelhouse, for the carry.
//!
//! Building the archive twice from the same wheelhouse gives the same
//! bytes: entries are the regular files only, sorted by path, under one
//! top folder named after the wheelhouse, with a fixed modification time,
//! owner and group 0 with empty names, and mode 0644. gzip output carries no
//! file name or time; zstd runs single-threaded at a fixed level.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::error::WheelhouseError;
use crate::folder::{CHECKSUMS, all_files};
use crate::fsio::{TEMPORARY_PREFIX, sha256_of};

/// The modification time of every entry: 2000-01-01T00:00:00Z. A fixed
/// date after 1980 keeps zip-minded and DOS-minded tools from complaining.
const FIXED_MTIME: u64 = 946_684_800;

/// What an archive was written.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveSummary {
    /// Where.
    pub path: std::path::PathBuf,
    /// How many files it holds.
    pub files: usize,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its sha256.
    pub sha256: String,
}

enum Compression {
    Gzip,
    Zstd,
}

/// Writes the wheelhouse at `dir` as one archive at `archive` (`.tar.gz`,
/// `.tgz` or `.tar.zst`), through a temporary file and a rename.
pub fn write_archive(dir: &Path, archive: &Path) -> Result<ArchiveSummary, WheelhouseError> {
    let compression = compression_of(archive)?;
    let top = dir
        .canonicalize()
        .ok()
        .and_then(|path| {
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "wheelhouse".to_owned());
    let paths = entries(dir, archive)?;
    let parent = archive
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .map_err(|error| WheelhouseError::io("create", parent, error))?;
    let temporary = tempfile::Builder::new()
        .prefix(TEMPORARY_PREFIX)
        .tempfile_in(parent)
        .map_err(|error| WheelhouseError::io("create a temporary file in", parent, error))?;
    let output = std::io::BufWriter::new(
        temporary
            .reopen()
            .map_err(|error| WheelhouseError::io("write", archive, error))?,
    );
    write_compressed(compression, output, dir, &top, &paths, archive)?;
    temporary
        .persist(archive)
        .map_err(|error| WheelhouseError::io("write", archive, error.error))?;
    let bytes = std::fs::metadata(archive)
        .map_err(|error| WheelhouseError::io("read", archive, error))?
        .len();
    Ok(ArchiveSummary {
        path: archive.to_path_buf(),
        files: paths.len(),
        bytes,
        sha256: sha256_of(archive)?.to_string(),
    })
}

/// The compression the archive's name asks for.
fn compression_of(archive: &Path) -> Result<Compression, WheelhouseError> {
    let lower = archive.to_string_lossy().to_ascii_lowercase();
    if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
        Ok(Compression::Gzip)
    } else if lower.ends_with(".tar.zst") {
        Ok(Compression::Zstd)
    } else {
        Err(WheelhouseError::ArchiveFormat {
            path: archive.to_path_buf(),
        })
    }
}

/// The wheelhouse's files, sorted, `SHA256SUMS` included, the archive
/// itself excluded (one written inside the wheelhouse must not swallow
/// itself).
fn entries(dir: &Path, archive: &Path) -> Result<Vec<String>, WheelhouseError> {
    let mut paths = all_files(dir)?;
    if dir.join(CHECKSUMS).is_file() {
        paths.push(CHECKSUMS.to_owned());
        paths.sort();
    }
    let archive_inside = archive.canonicalize().ok().or_else(|| {
        archive
            .parent()?
            .canonicalize()
            .ok()?
            .join(archive.file_name()?)
            .into()
    });
    let dir_absolute = dir.canonicalize().ok();
    paths.retain(|path| match (&archive_inside, &dir_absolute) {
        (Some(archive), Some(dir)) => dir.join(path) != *archive,
        _ => true,
    });
    Ok(paths)
}

/// Writes the tar stream of `paths` through the compressor into `output`.
fn write_compressed<W: Write>(
    compression: Compression,
    output: W,
    dir: &Path,
    top: &str,
    paths: &[String],
    archive: &Path,
) -> Result<(), WheelhouseError> {
    let io = |error| WheelhouseError::io("write", archive, error);
    match compression {
        Compression::Gzip => {
            let encoder = flate2::GzBuilder::new()
                .mtime(0)
                .write(output, flate2::Compression::default());
            let encoder = write_tar(dir, top, paths, encoder, archive)?;
            encoder.finish().map_err(io)?.flush().map_err(io)?;
        }
        Compression::Zstd => {
            let encoder = zstd::Encoder::new(output, 3).map_err(io)?;
            let encoder = write_tar(dir, top, paths, encoder, archive)?;
            encoder.finish().map_err(io)?.flush().map_err(io)?;
        }
    }
    Ok(())
}

fn write_tar<W: Write>(
    dir: &Path,
    top: &str,
    paths: &[String],
    output: W,
    archive: &Path,
) -> Result<W, WheelhouseError> {
    let mut builder = tar::Builder::new(output);
    builder.mode(tar::HeaderMode::Deterministic);
    for path in paths {
        let source = dir.join(path);
        let mut file = std::fs::File::open(&source)
            .map_err(|error| WheelhouseError::io("read", &source, error))?;
        let size = file
            .metadata()
            .map_err(|error| WheelhouseError::io("read", &source, error))?
            .len();
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(size);
        header.set_mode(0o644);
        header.set_mtime(FIXED_MTIME);
        header.set_uid(0);
        header.set_gid(0);
        let _ = header.set_username("");
        let _ = header.set_groupname("");
        builder
            .append_data(&mut header, format!("{top}/{path}"), &mut file)
            .map_err(|error| WheelhouseError::io("write", archive, error))?;
    }
    builder
        .into_inner()
        .map_err(|error| WheelhouseError::io("write", archive, error))
}
