//! Reading one member of a remote zip (a wheel's `METADATA`) with range
//! requests: the tail holds the end-of-central-directory record and usually
//! the whole central directory; one more range fetches the member's local
//! header and compressed data.
//!
//! The parsing is bounds-checked throughout: a corrupt archive gives an
//! [`IndexError::BadArchive`], never a panic. A member's bytes are checked
//! against the CRC-32 its directory entry records.
//!
//! The wheels of one release nearly always carry the same METADATA, and a
//! matrix of targets reads one wheel per target: 25 of numpy's. When a
//! wheel's directory records the same member name, CRC-32 and size as a
//! METADATA already read (and checked against that CRC) from another file,
//! those bytes are used, and the member's range request is not made (see
//! [`KnownMembers`]).

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex, OnceLock};

use crate::error::IndexError;
use crate::metadata::{
    choose_metadata_member, is_dist_info_metadata, max_archive_entries, max_member_size,
    member_too_large, too_many_entries,
};

/// How many bytes the first (suffix) range request asks for. Big enough to
/// hold the central directory of nearly every wheel, and often METADATA too.
pub(crate) const TAIL_SIZE: u64 = 64 * 1024;

/// The largest central directory we accept.
const MAX_CENTRAL_DIRECTORY: u64 = 256 * 1024 * 1024;

const EOCD_SIGNATURE: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const ZIP64_EOCD_SIGNATURE: u32 = 0x0606_4b50;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const LOCAL_SIGNATURE: u32 = 0x0403_4b50;

/// The last bytes of a file, as the first range request returned them.
#[derive(Debug)]
pub(crate) struct Tail {
    /// Offset of `bytes[0]` in the file.
    pub start: u64,
    /// The bytes from `start` to the end of the file.
    pub bytes: Vec<u8>,
}

impl Tail {
    fn total(&self) -> u64 {
        self.start + self.bytes.len() as u64
    }

    /// The bytes `[start, end)` if the tail holds them all.
    fn slice(&self, start: u64, end: u64) -> Option<&[u8]> {
        if start < self.start || end > self.total() || start > end {
            return None;
        }
        let from = usize::try_from(start - self.start).ok()?;
        let to = usize::try_from(end - self.start).ok()?;
        self.bytes.get(from..to)
    }
}

fn u16_at(buffer: &[u8], at: usize) -> Option<u16> {
    let bytes = buffer.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([bytes[0], bytes[1]]))
}

fn u32_at(buffer: &[u8], at: usize) -> Option<u32> {
    let bytes = buffer.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

fn u64_at(buffer: &[u8], at: usize) -> Option<u64> {
    let bytes = buffer.get(at..at.checked_add(8)?)?;
    let mut array = [0u8; 8];
    array.copy_from_slice(bytes);
    Some(u64::from_le_bytes(array))
}

/// One central-directory entry, as far as we need it.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    method: u16,
    crc32: u32,
    compressed_size: u64,
    uncompressed_size: u64,
    local_offset: u64,
}

/// What identifies a member's content without reading it: its name (for
/// METADATA, `{name}-{version}.dist-info/METADATA`), CRC-32 and size.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct MemberKey {
    name: String,
    crc32: u32,
    size: u64,
}

/// METADATA members fetched so far, by [`MemberKey`], as their archives
/// hold them (compressed; the distinct METADATA of a cold 25-target lock
/// is 3.2 MB inflated, and keeping it inflated raised the lock's median
/// peak RSS by about 2 MiB), kept once they inflated to what their
/// directory entry says. A wheel whose METADATA is not in its tail
/// inflates the bytes of one fetched before with the same key, and checks
/// them against its own entry, instead of asking for its member: a cold
/// 25-target lock made 1,263 requests instead of 1,610. While the first wheel with a key is
/// read, others with that key wait for it rather than all asking at once;
/// if it fails, each reads its own.
///
/// The CRC-32 guards against accident, not against a forger: a file whose
/// directory claims another wheel's METADATA could carry different bytes.
/// Only a release's own uploader can place such a file, and its code runs
/// at install time anyway; the lock records every file's sha256 all the
/// same.
#[derive(Debug, Default)]
pub(crate) struct KnownMembers {
    members: Mutex<HashMap<MemberKey, Arc<KnownMember>>>,
}

/// A member's stored bytes once its first reader is done; `None` if that
/// read failed.
type KnownMember = OnceLock<Option<StoredMember>>;

/// A member's data as its archive stores it, and how.
#[derive(Debug, Clone)]
struct StoredMember {
    method: u16,
    data: Arc<[u8]>,
}

/// A member inflated, and as its archive stored it.
type ReadMember = (Vec<u8>, StoredMember);

impl KnownMembers {
    /// The member `read` gives, kept for others; or, for a key read
    /// before, what `reuse` makes of the bytes kept then.
    fn get_or_read(
        &self,
        key: MemberKey,
        read: impl FnOnce() -> Result<ReadMember, IndexError>,
        reuse: impl FnOnce(&StoredMember) -> Result<Vec<u8>, IndexError>,
    ) -> Result<Vec<u8>, IndexError> {
        let slot = {
            let mut members = self
                .members
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(members.entry(key).or_default())
        };
        let mut read = Some(read);
        let mut own = None;
        let known = slot.get_or_init(|| {
            let result = read.take().map(|read| read());
            let kept = match &result {
                Some(Ok((_, stored))) => Some(stored.clone()),
                _ => None,
            };
            own = result.map(|result| result.map(|(inflated, _)| inflated));
            kept
        });
        match (own, known, read) {
            // This call read it (or failed to): its own result.
            (Some(result), _, _) => result,
            (None, Some(stored), _) => reuse(stored),
            // The first reader failed: this wheel's own member is read.
            (None, None, Some(read)) => read().map(|(inflated, _)| inflated),
            (None, None, None) => Err(IndexError::Client(
                "a wheel's METADATA was neither read nor known".to_owned(),
            )),
        }
    }
}

/// Where the central directory is.
#[derive(Debug)]
struct Directory {
    offset: u64,
    size: u64,
    entries: u64,
}

/// Reads the METADATA member of a wheel. `fetch(start, end)` must return
/// the file's bytes `[start, end)` (one range request).
pub(crate) fn read_remote_metadata(
    tail: Tail,
    filename: &str,
    source_name: &str,
    known: &KnownMembers,
    mut fetch: impl FnMut(u64, u64) -> Result<Vec<u8>, IndexError>,
) -> Result<Vec<u8>, IndexError> {
    let corrupt = |reason: String| IndexError::BadArchive {
        source_name: source_name.to_owned(),
        reason,
    };
    let (directory, directory_end) = locate_directory(&tail, &mut fetch, &corrupt)?;
    // Checked before the directory is fetched: its count is the server's word.
    if directory.entries > max_archive_entries() {
        return Err(corrupt(too_many_entries(directory.entries)));
    }
    let central = central_directory(&tail, &directory, directory_end, &mut fetch, &corrupt)?;
    let central: &[u8] = &central;
    let entries = parse_central_directory(central, directory.entries).map_err(corrupt)?;
    let candidates: Vec<&str> = entries
        .iter()
        .map(|entry| entry.name.as_str())
        .filter(|name| is_dist_info_metadata(name))
        .collect();
    let member_name = choose_metadata_member(&candidates, filename, source_name)?;
    let member = entries
        .iter()
        .find(|entry| entry.name == member_name)
        .ok_or_else(|| corrupt("METADATA entry vanished".to_owned()))?;
    // The member ends where the next one starts (or the directory does):
    // this bounds the local header's unknown extra field exactly.
    let member_end = entries
        .iter()
        .map(|entry| entry.local_offset)
        .filter(|offset| *offset > member.local_offset)
        .min()
        .unwrap_or(directory.offset)
        .min(directory.offset);
    if member.local_offset >= member_end {
        return Err(corrupt(format!("{member_name} has an invalid offset")));
    }
    // Inflated and checked against this wheel's own directory entry,
    // whichever archive the data came from.
    let inflate_checked = |method: u16, data: &[u8]| -> Result<Vec<u8>, IndexError> {
        let inflated = inflate(data, method, &member.name).map_err(corrupt)?;
        check_member(&inflated, member).map_err(corrupt)?;
        Ok(inflated)
    };
    if let Some(local) = tail.slice(member.local_offset, member_end) {
        let data = member_data(local, member).map_err(corrupt)?;
        return inflate_checked(member.method, data);
    }
    // Only members that cost a request are kept: one in the tail is read
    // from there again, and keeping it would only hold memory.
    let key = MemberKey {
        name: member.name.clone(),
        crc32: member.crc32,
        size: member.uncompressed_size,
    };
    known.get_or_read(
        key,
        || {
            let local = fetch(member.local_offset, member_end)?;
            let data = member_data(&local, member).map_err(corrupt)?;
            let inflated = inflate_checked(member.method, data)?;
            let stored = StoredMember {
                method: member.method,
                data: Arc::from(data),
            };
            Ok((inflated, stored))
        },
        |stored| inflate_checked(stored.method, &stored.data),
    )
}

/// Whether inflated bytes are what the directory entry says: its size and
/// CRC-32.
fn check_member(inflated: &[u8], member: &Entry) -> Result<(), String> {
    if inflated.len() as u64 != member.uncompressed_size {
        return Err(format!(
            "{} inflates to {} bytes, its directory entry says {}",
            member.name,
            inflated.len(),
            member.uncompressed_size
        ));
    }
    let mut crc = flate2::Crc::new();
    crc.update(inflated);
    if crc.sum() != member.crc32 {
        return Err(format!(
            "{} does not match the CRC-32 its directory entry records",
            member.name
        ));
    }
    Ok(())
}

/// Where the central directory is (from the end-of-central-directory
/// record, or its zip64 form), checked to lie within the file and to be of
/// a sane size; and where it ends.
fn locate_directory(
    tail: &Tail,
    fetch: &mut impl FnMut(u64, u64) -> Result<Vec<u8>, IndexError>,
    corrupt: &impl Fn(String) -> IndexError,
) -> Result<(Directory, u64), IndexError> {
    let (eocd_offset, mut directory) = find_end_of_directory(tail).ok_or_else(|| {
        corrupt("no end-of-central-directory record in the last bytes of the file".to_owned())
    })?;
    let saturated = directory.entries == u64::from(u16::MAX)
        || directory.size == u64::from(u32::MAX)
        || directory.offset == u64::from(u32::MAX);
    if let Some(zip64) = zip64_directory(tail, eocd_offset, saturated, fetch, corrupt)? {
        directory = zip64;
    }
    let directory_end = directory
        .offset
        .checked_add(directory.size)
        .filter(|end| *end <= eocd_offset)
        .ok_or_else(|| corrupt("the central directory lies outside the file".to_owned()))?;
    if directory.size > MAX_CENTRAL_DIRECTORY {
        return Err(corrupt(format!(
            "central directory of {} bytes is too large",
            directory.size
        )));
    }
    Ok((directory, directory_end))
}

/// The central directory's bytes: from the tail, or, when it starts before
/// the tail, its missing head fetched and joined with what the tail holds.
fn central_directory<'t>(
    tail: &'t Tail,
    directory: &Directory,
    directory_end: u64,
    fetch: &mut impl FnMut(u64, u64) -> Result<Vec<u8>, IndexError>,
    corrupt: &impl Fn(String) -> IndexError,
) -> Result<std::borrow::Cow<'t, [u8]>, IndexError> {
    let central = match tail.slice(directory.offset, directory_end) {
        Some(bytes) => std::borrow::Cow::Borrowed(bytes),
        None => {
            let mut bytes = fetch(directory.offset, tail.start.min(directory_end))?;
            if directory_end > tail.start {
                let rest = tail
                    .slice(tail.start, directory_end)
                    .ok_or_else(|| corrupt("inconsistent central directory bounds".to_owned()))?;
                bytes.extend_from_slice(rest);
            }
            std::borrow::Cow::Owned(bytes)
        }
    };
    if central.len() as u64 != directory.size {
        return Err(corrupt("short read of the central directory".to_owned()));
    }
    Ok(central)
}

fn find_end_of_directory(tail: &Tail) -> Option<(u64, Directory)> {
    let bytes = &tail.bytes;
    if bytes.len() < 22 {
        return None;
    }
    // The record is 22 bytes plus a comment of at most 65535 bytes; scan
    // backwards for a signature whose comment length reaches the end.
    let lowest = bytes.len().saturating_sub(22 + 65_535);
    let mut position = bytes.len() - 22;
    loop {
        if u32_at(bytes, position) == Some(EOCD_SIGNATURE) {
            let comment = usize::from(u16_at(bytes, position + 20)?);
            if position + 22 + comment <= bytes.len() {
                let directory = Directory {
                    entries: u64::from(u16_at(bytes, position + 10)?),
                    size: u64::from(u32_at(bytes, position + 12)?),
                    offset: u64::from(u32_at(bytes, position + 16)?),
                };
                return Some((tail.start + position as u64, directory));
            }
        }
        if position == lowest {
            return None;
        }
        position -= 1;
    }
}

fn zip64_directory(
    tail: &Tail,
    eocd_offset: u64,
    saturated: bool,
    fetch: &mut impl FnMut(u64, u64) -> Result<Vec<u8>, IndexError>,
    corrupt: &impl Fn(String) -> IndexError,
) -> Result<Option<Directory>, IndexError> {
    let Some(locator_offset) = eocd_offset.checked_sub(20) else {
        return Ok(None);
    };
    let fetched_locator;
    let locator = match tail.slice(locator_offset, eocd_offset) {
        Some(bytes) => bytes,
        // Only worth a request when the end record says ZIP64 values follow.
        None if saturated => {
            fetched_locator = fetch(locator_offset, eocd_offset)?;
            &fetched_locator[..]
        }
        None => return Ok(None),
    };
    if u32_at(locator, 0) != Some(ZIP64_LOCATOR_SIGNATURE) {
        return Ok(None);
    }
    let record_offset =
        u64_at(locator, 8).ok_or_else(|| corrupt("short ZIP64 locator".to_owned()))?;
    let record_end = record_offset
        .checked_add(56)
        .filter(|end| *end <= locator_offset)
        .ok_or_else(|| corrupt("the ZIP64 end record lies outside the file".to_owned()))?;
    let fetched;
    let record = match tail.slice(record_offset, record_end) {
        Some(bytes) => bytes,
        None => {
            fetched = fetch(record_offset, record_end)?;
            &fetched[..]
        }
    };
    if u32_at(record, 0) != Some(ZIP64_EOCD_SIGNATURE) {
        return Err(corrupt(
            "bad ZIP64 end-of-central-directory signature".to_owned(),
        ));
    }
    let field = |at| u64_at(record, at).ok_or_else(|| corrupt("short ZIP64 end record".to_owned()));
    Ok(Some(Directory {
        entries: field(32)?,
        size: field(40)?,
        offset: field(48)?,
    }))
}

fn parse_central_directory(central: &[u8], expected: u64) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    let mut position = 0usize;
    while position < central.len() {
        let short = || format!("truncated central directory entry at byte {position}");
        if u32_at(central, position) != Some(CENTRAL_SIGNATURE) {
            return Err(format!(
                "bad central directory signature at byte {position}"
            ));
        }
        let method = u16_at(central, position + 10).ok_or_else(short)?;
        let crc32 = u32_at(central, position + 16).ok_or_else(short)?;
        let mut compressed_size = u64::from(u32_at(central, position + 20).ok_or_else(short)?);
        let mut uncompressed_size = u64::from(u32_at(central, position + 24).ok_or_else(short)?);
        let name_length = usize::from(u16_at(central, position + 28).ok_or_else(short)?);
        let extra_length = usize::from(u16_at(central, position + 30).ok_or_else(short)?);
        let comment_length = usize::from(u16_at(central, position + 32).ok_or_else(short)?);
        let mut local_offset = u64::from(u32_at(central, position + 42).ok_or_else(short)?);
        let name_start = position + 46;
        let name = central
            .get(name_start..name_start + name_length)
            .ok_or_else(short)?;
        let extra = central
            .get(name_start + name_length..name_start + name_length + extra_length)
            .ok_or_else(short)?;
        // ZIP64 extended information: the 8-byte values appear, in this
        // order, only for the fields whose 32-bit value is saturated.
        let mut extra_position = 0usize;
        while extra_position + 4 <= extra.len() {
            let id = u16_at(extra, extra_position).unwrap_or(0);
            let size = usize::from(u16_at(extra, extra_position + 2).unwrap_or(0));
            let body = extra
                .get(extra_position + 4..extra_position + 4 + size)
                .ok_or_else(|| format!("truncated extra field at byte {position}"))?;
            if id == 0x0001 {
                let mut cursor = 0usize;
                let mut next = || {
                    let value = u64_at(body, cursor);
                    cursor += 8;
                    value.ok_or_else(|| format!("truncated ZIP64 field at byte {position}"))
                };
                if uncompressed_size == u64::from(u32::MAX) {
                    uncompressed_size = next()?;
                }
                if compressed_size == u64::from(u32::MAX) {
                    compressed_size = next()?;
                }
                if local_offset == u64::from(u32::MAX) {
                    local_offset = next()?;
                }
            }
            extra_position += 4 + size;
        }
        entries.push(Entry {
            name: String::from_utf8_lossy(name).into_owned(),
            method,
            crc32,
            compressed_size,
            uncompressed_size,
            local_offset,
        });
        position = name_start + name_length + extra_length + comment_length;
    }
    if entries.len() as u64 != expected {
        return Err(format!(
            "the central directory holds {} entries, the end record says {expected}",
            entries.len()
        ));
    }
    Ok(entries)
}

fn member_data<'a>(local: &'a [u8], member: &Entry) -> Result<&'a [u8], String> {
    if u32_at(local, 0) != Some(LOCAL_SIGNATURE) {
        return Err(format!("bad local header signature for {}", member.name));
    }
    let short = || format!("truncated local header for {}", member.name);
    let name_length = usize::from(u16_at(local, 26).ok_or_else(short)?);
    let extra_length = usize::from(u16_at(local, 28).ok_or_else(short)?);
    let start = 30 + name_length + extra_length;
    let length = usize::try_from(member.compressed_size).map_err(|_| short())?;
    local
        .get(start..start.checked_add(length).ok_or_else(short)?)
        .ok_or_else(|| format!("the data of {} runs past its end", member.name))
}

fn inflate(data: &[u8], method: u16, name: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let read = match method {
        0 => {
            out.extend_from_slice(data);
            Ok(out.len())
        }
        8 => flate2::read::DeflateDecoder::new(data)
            .take(max_member_size().saturating_add(1))
            .read_to_end(&mut out),
        other => {
            return Err(format!(
                "{name} uses unsupported compression method {other}"
            ));
        }
    };
    read.map_err(|error| format!("cannot inflate {name}: {error}"))?;
    if out.len() as u64 > max_member_size() {
        return Err(member_too_large(name));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tail_of(bytes: &[u8], size: usize) -> Tail {
        let start = bytes.len().saturating_sub(size);
        Tail {
            start: start as u64,
            bytes: bytes[start..].to_vec(),
        }
    }

    fn ranged<'a>(
        bytes: &'a [u8],
        log: &'a mut Vec<(u64, u64)>,
    ) -> impl FnMut(u64, u64) -> Result<Vec<u8>, IndexError> + 'a {
        move |start, end| {
            log.push((start, end));
            Ok(bytes[start as usize..end as usize].to_vec())
        }
    }

    fn wheel() -> (Vec<u8>, String) {
        let spec = envlock_test::DistSpec::new("demo", "1.0").requires("leaf>=2");
        (
            envlock_test::build_wheel(&spec, "py3-none-any"),
            spec.metadata(),
        )
    }

    #[test]
    fn reads_from_whole_tail() {
        let (bytes, metadata) = wheel();
        let mut log = Vec::new();
        let tail = tail_of(&bytes, bytes.len());
        let read = read_remote_metadata(
            tail,
            "demo-1.0-py3-none-any.whl",
            "t",
            &KnownMembers::default(),
            ranged(&bytes, &mut log),
        )
        .unwrap();
        assert_eq!(String::from_utf8(read).unwrap(), metadata);
        assert!(log.is_empty());
    }

    #[test]
    fn fetches_directory_and_member_when_tail_is_short() {
        let (bytes, metadata) = wheel();
        let mut log = Vec::new();
        let tail = tail_of(&bytes, 30);
        let read = read_remote_metadata(
            tail,
            "demo-1.0-py3-none-any.whl",
            "t",
            &KnownMembers::default(),
            ranged(&bytes, &mut log),
        )
        .unwrap();
        assert_eq!(String::from_utf8(read).unwrap(), metadata);
        assert_eq!(log.len(), 2, "{log:?}");
    }

    #[test]
    fn corrupt_directory_is_an_error() {
        let (mut bytes, _) = wheel();
        // Overwrite every central-directory signature.
        for index in 0..bytes.len() - 4 {
            if bytes[index..index + 4] == CENTRAL_SIGNATURE.to_le_bytes() {
                bytes[index..index + 4].copy_from_slice(b"JUNK");
            }
        }
        let error = error_reading(&bytes, bytes.len());
        assert!(
            error.contains("http://h.invalid/demo.whl") && error.contains("signature"),
            "{error}"
        );
    }

    /// The error reading `bytes`'s METADATA from a tail of `tail` bytes
    /// gives, as a sentence.
    fn error_reading(bytes: &[u8], tail: usize) -> String {
        let mut log = Vec::new();
        read_remote_metadata(
            tail_of(bytes, tail),
            "demo-1.0-py3-none-any.whl",
            "http://h.invalid/demo.whl",
            &KnownMembers::default(),
            ranged(bytes, &mut log),
        )
        .unwrap_err()
        .to_string()
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for length in [0usize, 1, 21, 22, 100, 5000] {
            let mut bytes = vec![0x50u8; length];
            if length >= 22 {
                let at = length - 22;
                bytes[at..at + 4].copy_from_slice(&EOCD_SIGNATURE.to_le_bytes());
            }
            let mut log = Vec::new();
            let bytes_copy = bytes.clone();
            let result = read_remote_metadata(
                tail_of(&bytes, length),
                "x.whl",
                "x",
                &KnownMembers::default(),
                ranged(&bytes_copy, &mut log),
            );
            assert!(result.is_err());
        }
    }

    type MetadataRead = Result<Vec<u8>, IndexError>;

    /// Reads `bytes`'s METADATA with a tail too short to hold it, with
    /// `known`; returns it and the ranges fetched.
    fn read_short_tail(bytes: &[u8], known: &KnownMembers) -> (MetadataRead, Vec<(u64, u64)>) {
        let mut log = Vec::new();
        let read = read_remote_metadata(
            tail_of(bytes, 30),
            "demo-1.0-py3-none-any.whl",
            "t",
            known,
            ranged(bytes, &mut log),
        );
        (read, log)
    }

    #[test]
    fn a_member_read_before_with_the_same_name_crc_and_size_is_not_asked_for_again() {
        let spec = envlock_test::DistSpec::new("demo", "1.0").requires("leaf>=2");
        let any = envlock_test::build_wheel(&spec, "py3-none-any");
        let linux = envlock_test::build_wheel(&spec, "cp311-cp311-manylinux_2_28_x86_64");
        assert_ne!(any, linux);
        let known = KnownMembers::default();
        let (first, first_log) = read_short_tail(&any, &known);
        assert_eq!(String::from_utf8(first.unwrap()).unwrap(), spec.metadata());
        assert_eq!(first_log.len(), 2, "directory and member: {first_log:?}");
        let (second, second_log) = read_short_tail(&linux, &known);
        assert_eq!(String::from_utf8(second.unwrap()).unwrap(), spec.metadata());
        assert_eq!(second_log.len(), 1, "the directory only: {second_log:?}");
        // Another release's METADATA (other requirements) is its own.
        let other = envlock_test::DistSpec::new("demo", "1.0").requires("leaf>=3");
        let (third, third_log) =
            read_short_tail(&envlock_test::build_wheel(&other, "py3-none-any"), &known);
        assert_eq!(String::from_utf8(third.unwrap()).unwrap(), other.metadata());
        assert_eq!(third_log.len(), 2, "{third_log:?}");
    }

    #[test]
    fn a_failed_first_read_leaves_the_next_wheel_to_read_its_own() {
        let (bytes, metadata) = wheel();
        let known = KnownMembers::default();
        // The directory is fetched; the member is refused.
        let mut calls = 0;
        let failing = read_remote_metadata(
            tail_of(&bytes, 30),
            "demo-1.0-py3-none-any.whl",
            "t",
            &known,
            |start, end| {
                calls += 1;
                if calls == 2 {
                    Err(IndexError::Client("refused".to_owned()))
                } else {
                    Ok(bytes[start as usize..end as usize].to_vec())
                }
            },
        );
        assert!(failing.is_err());
        let (read, log) = read_short_tail(&bytes, &known);
        assert_eq!(String::from_utf8(read.unwrap()).unwrap(), metadata);
        assert_eq!(log.len(), 2, "{log:?}");
    }

    #[test]
    fn a_member_that_does_not_match_its_crc_is_an_error() {
        let (mut bytes, _) = wheel();
        // The directory entry is the name's last occurrence, 46 bytes
        // after the entry's start; its CRC-32 is at byte 16.
        let name = b"demo-1.0.dist-info/METADATA";
        let at = bytes
            .windows(name.len())
            .rposition(|window| window == name)
            .unwrap();
        bytes[at - 46 + 16] ^= 0xff;
        for tail in [bytes.len(), 30] {
            let error = error_reading(&bytes, tail);
            assert!(
                error.contains("http://h.invalid/demo.whl") && error.contains("CRC-32"),
                "{error}"
            );
        }
    }

    /// Rewrites a plain zip so its end record points at a ZIP64 end record.
    fn as_zip64(bytes: &[u8]) -> Vec<u8> {
        let eocd = bytes.len() - 22;
        assert_eq!(u32_at(bytes, eocd), Some(EOCD_SIGNATURE));
        let entries = u64::from(u16_at(bytes, eocd + 10).unwrap());
        let size = u64::from(u32_at(bytes, eocd + 12).unwrap());
        let offset = u64::from(u32_at(bytes, eocd + 16).unwrap());
        let mut out = bytes[..eocd].to_vec();
        let record_offset = out.len() as u64;
        out.extend_from_slice(&ZIP64_EOCD_SIGNATURE.to_le_bytes());
        out.extend_from_slice(&44u64.to_le_bytes());
        out.extend_from_slice(&[45, 0, 45, 0]);
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&entries.to_le_bytes());
        out.extend_from_slice(&entries.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&ZIP64_LOCATOR_SIGNATURE.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&record_offset.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&EOCD_SIGNATURE.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&[0xff; 4]);
        out.extend_from_slice(&[0xff; 8]);
        out.extend_from_slice(&[0; 2]);
        out
    }

    #[test]
    fn reads_zip64_end_records() {
        let (bytes, metadata) = wheel();
        let bytes = as_zip64(&bytes);
        for tail_size in [bytes.len(), 40] {
            let mut log = Vec::new();
            let read = read_remote_metadata(
                tail_of(&bytes, tail_size),
                "demo-1.0-py3-none-any.whl",
                "t",
                &KnownMembers::default(),
                ranged(&bytes, &mut log),
            )
            .unwrap();
            assert_eq!(String::from_utf8(read).unwrap(), metadata);
        }
    }
}
