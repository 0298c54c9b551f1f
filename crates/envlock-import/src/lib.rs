//! Importing the locks other tools write.
//!
//! Three formats are read into one intermediate form, [`Source`]:
//!
//! - PEP 751 `pylock.toml` (`pip lock`, `uv export --format pylock.toml`,
//!   pdm, pex): a flat list of packages, each with its marker,
//!   `requires-python`, wheels and sdist with hashes and sizes;
//! - `uv.lock`: a universal graph whose edges carry markers, rooted at the
//!   project's own (virtual or editable) packages, with wheels and sdists
//!   with hashes and sizes;
//! - a pip `requirements.txt` whose pins carry `--hash` options
//!   (`pip-compile --generate-hashes`, `uv pip compile --generate-hashes`),
//!   markers allowed; it names hashes, not files, so its files are found on
//!   the index ([`find_files`]).
//!
//! For each target, [`select`] evaluates the source's markers with the
//! target's environment and picks, for each package, the best file the
//! source lists (by the target's tag order and `requires-python`), or
//! explains why the target cannot be served. [`check_on_index`] looks each
//! chosen file up by name on the configured indexes, requires the same
//! sha256 and learns the sizes the source lacks. [`assemble`] turns the
//! selections into an ordinary [`envlock_lock::Lock`] that records where it
//! came from (`imported-from`).
//!
//! Direct URL, VCS, path and editable entries are refused: a lock names files
//! that any mirror of an index can serve.

mod assemble;
mod error;
mod lookup;
mod pylock;
mod requirements;
mod select;
mod source;
mod uvlock;

pub use assemble::{AssembleInputs, assemble};
pub use error::ImportError;
pub use lookup::{check_on_index, find_files};
pub use select::{Chosen, Selection, select};
pub use source::{Edge, Format, Source, SourceFile, SourcePackage};

/// Reads a source lock from `path`, its format told by `format` or guessed
/// from its name (`pylock.toml` / `pylock.*.toml`, `uv.lock`, anything else
/// is a requirements file).
pub fn read(path: &std::path::Path, format: Option<Format>) -> Result<Source, ImportError> {
    let bytes = std::fs::read(path).map_err(|error| ImportError::Io {
        path: path.to_owned(),
        reason: error.to_string(),
    })?;
    let text = String::from_utf8(bytes.clone()).map_err(|_| ImportError::Io {
        path: path.to_owned(),
        reason: "not UTF-8 text".to_owned(),
    })?;
    let format = format.unwrap_or_else(|| Format::guess(path));
    let mut source = match format {
        Format::Pylock => pylock::parse(&text, path)?,
        Format::UvLock => uvlock::parse(&text, path)?,
        Format::Requirements => requirements::parse(&text, path)?,
    };
    source.sha256 = envlock_fs::Sha256::digest(&bytes);
    Ok(source)
}
