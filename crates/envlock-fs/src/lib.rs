//! envlock's file and hash primitives, written once for every crate.
//!
//! Why a crate of its own: every envlock crate writes files that must never
//! be seen half-written (the lock, the cache, the wheelhouse, `review`'s
//! exports) and checks or prints sha256 hashes (the spec's resources, the
//! lock's files, the index's downloads, the wheelhouse's checksums). No
//! existing crate sits below all of them and owns files or hashes:
//! `envlock-pep` is about Python packaging names and must not know the file
//! system. So this crate sits lowest in the graph, depends on no envlock
//! crate, and holds only:
//!
//! - [`write_atomic`] and [`write_atomic_with`]: write to a temporary file
//!   in the destination's folder, `fsync` it, rename it over the
//!   destination, and `fsync` the folder, so that after a crash the path
//!   holds either the old content or the new, never a mix; [`AtomicFile`]
//!   when the content must be checked before it replaces anything.
//! - [`Sha256`]: a sha256 digest parsed once from hex and displayed as
//!   lowercase hex; [`HashingWriter`] and [`HashingReader`] hash (and count)
//!   the bytes that stream through them; [`sha256_file`] hashes a file.
//! - [`hex`] (lowercase hex of bytes) and [`is_sha256_hex`] (the "64 hex
//!   digits" check).
//! - [`names`]: the grammar of names that become files, paths and variables
//!   (file names, environment variables, labels), checked where they enter
//!   and again where paths are joined.

mod atomic;
mod hash;
pub mod names;

pub use atomic::{
    AtomicFile, STALE_AFTER, TEMPORARY_PREFIX, remove_stale_temporaries, sync_dir, write_atomic,
    write_atomic_unsynced, write_atomic_with,
};
pub use hash::{
    HashingReader, HashingWriter, ParseSha256Error, Sha256, hex, is_lowercase_sha256_hex,
    is_sha256_hex, sha256_file,
};
pub use names::{
    NameError, NameKind, check_env_var, check_file_name, check_label, check_name, join_file_name,
};
