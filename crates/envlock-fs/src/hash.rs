//! sha256 digests: the typed [`Sha256`], streaming hashers, hex.

use std::fmt;
use std::io::{self, Read, Write};
use std::path::Path;
use std::str::FromStr;

use sha2::Digest as _;

/// Lowercase hex of a byte slice.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// Whether `text` is a sha256 in hex: exactly 64 hex digits, either case.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// Whether `text` is a sha256 in canonical form: 64 *lowercase* hex digits
/// (the form envlock writes, and the only one a lock may hold).
pub fn is_lowercase_sha256_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

/// A sha256 digest.
///
/// Case: parsing ([`FromStr`], [`Sha256::from_hex`], deserializing) accepts
/// hex digits of either case, because indexes and users write both; the
/// value holds the 32 bytes, so two spellings of one digest are equal.
/// Display (and serializing) always writes 64 lowercase digits. Where only
/// the canonical form is allowed (a lock), check the text with
/// [`is_lowercase_sha256_hex`] before parsing, or use
/// [`Sha256::from_lowercase_hex`]. The order is the order of the bytes,
/// which is also the order of the lowercase hex text.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sha256([u8; 32]);

/// Why a text is not a sha256.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a sha256: expected 64 {case}hex digits")]
pub struct ParseSha256Error {
    text: String,
    case: &'static str,
}

impl Sha256 {
    /// The digest of `bytes`.
    pub fn digest(bytes: &[u8]) -> Self {
        Self(sha2::Sha256::digest(bytes).into())
    }

    /// The digest with these bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The digest's 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses 64 hex digits of either case.
    pub fn from_hex(text: &str) -> Result<Self, ParseSha256Error> {
        if !is_sha256_hex(text) {
            return Err(ParseSha256Error {
                text: text.to_owned(),
                case: "",
            });
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
            *byte = (nibble(pair[0]) << 4) | nibble(pair[1]);
        }
        Ok(Self(bytes))
    }

    /// Parses 64 lowercase hex digits, the canonical form.
    pub fn from_lowercase_hex(text: &str) -> Result<Self, ParseSha256Error> {
        if !is_lowercase_sha256_hex(text) {
            return Err(ParseSha256Error {
                text: text.to_owned(),
                case: "lowercase ",
            });
        }
        Self::from_hex(text)
    }

    /// The 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// Whether `text` is this digest in hex, of either case.
    pub fn matches_hex(&self, text: &str) -> bool {
        Self::from_hex(text).is_ok_and(|other| other == *self)
    }
}

/// The value of one hex digit (the caller has checked it is one).
fn nibble(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => digit.to_ascii_lowercase().wrapping_sub(b'a') + 10,
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(formatter, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Sha256({self})")
    }
}

impl FromStr for Sha256 {
    type Err = ParseSha256Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_hex(text)
    }
}

impl serde::Serialize for Sha256 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Sha256 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

/// A writer that hashes and counts every byte written through it to `inner`.
#[derive(Debug)]
pub struct HashingWriter<W> {
    inner: W,
    hasher: sha2::Sha256,
    size: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: sha2::Sha256::new(),
            size: 0,
        }
    }

    /// The writer inside.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The digest and size of what was written, and the writer.
    pub fn finish(self) -> (Sha256, u64, W) {
        (Sha256(self.hasher.finalize().into()), self.size, self.inner)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buffer)?;
        self.hasher.update(&buffer[..written]);
        self.size += written as u64;
        Ok(written)
    }

    fn write_all(&mut self, buffer: &[u8]) -> io::Result<()> {
        self.inner.write_all(buffer)?;
        self.hasher.update(buffer);
        self.size += buffer.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A reader that hashes and counts every byte read through it from `inner`.
#[derive(Debug)]
pub struct HashingReader<R> {
    inner: R,
    hasher: sha2::Sha256,
    size: u64,
}

impl<R: Read> HashingReader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: sha2::Sha256::new(),
            size: 0,
        }
    }

    /// The digest and size of what was read, and the reader.
    pub fn finish(self) -> (Sha256, u64, R) {
        (Sha256(self.hasher.finalize().into()), self.size, self.inner)
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.hasher.update(&buffer[..read]);
        self.size += read as u64;
        Ok(read)
    }
}

/// The sha256 and size of a file's content, read in large blocks.
pub fn sha256_file(path: &Path) -> io::Result<(Sha256, u64)> {
    let file = std::fs::File::open(path)?;
    let mut reader = HashingReader::new(file);
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    let (sha256, size, _) = reader.finish();
    Ok((sha256, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn hex_is_lowercase() {
        assert_eq!(hex(&[0x00, 0xab, 0x0f]), "00ab0f");
        assert_eq!(Sha256::digest(b"").to_string(), EMPTY);
    }

    #[test]
    fn parsing_accepts_either_case_and_displays_lowercase() {
        let upper = EMPTY.to_ascii_uppercase();
        let parsed: Sha256 = upper.parse().unwrap();
        assert_eq!(parsed, Sha256::digest(b""));
        assert_eq!(parsed.to_string(), EMPTY);
        assert!(parsed.matches_hex(EMPTY));
        assert!(Sha256::from_lowercase_hex(&upper).is_err());
        assert_eq!(Sha256::from_lowercase_hex(EMPTY).unwrap(), parsed);
    }

    #[test]
    fn the_64_hex_check() {
        assert!(is_sha256_hex(EMPTY));
        assert!(is_sha256_hex(&EMPTY.to_ascii_uppercase()));
        assert!(!is_lowercase_sha256_hex(&EMPTY.to_ascii_uppercase()));
        assert!(!is_sha256_hex(&EMPTY[1..]));
        assert!(!is_sha256_hex(&format!("{}g", &EMPTY[1..])));
        let error = "xyz".parse::<Sha256>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "`xyz` is not a sha256: expected 64 hex digits"
        );
    }

    #[test]
    fn order_follows_the_hex_text() {
        let mut digests: Vec<Sha256> = (0u8..20).map(|n| Sha256::digest(&[n])).collect();
        digests.sort();
        let texts: Vec<String> = digests.iter().map(Sha256::to_string).collect();
        let mut sorted = texts.clone();
        sorted.sort();
        assert_eq!(texts, sorted);
    }

    #[test]
    fn streaming_hashes_match_the_one_shot_digest() {
        let data: Vec<u8> = (0..300_000u32).map(|n| (n % 251) as u8).collect();
        let mut writer = HashingWriter::new(Vec::new());
        writer.write_all(&data[..1000]).unwrap();
        writer.write_all(&data[1000..]).unwrap();
        let (sha256, size, copy) = writer.finish();
        assert_eq!((sha256, size), (Sha256::digest(&data), data.len() as u64));
        assert_eq!(copy, data);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data");
        std::fs::write(&path, &data).unwrap();
        assert_eq!(
            sha256_file(&path).unwrap(),
            (Sha256::digest(&data), data.len() as u64)
        );
    }

    #[test]
    fn serde_uses_the_hex_text() {
        let digest = Sha256::digest(b"");
        let json = serde_json::to_string(&digest).unwrap();
        assert_eq!(json, format!("\"{EMPTY}\""));
        let back: Sha256 = serde_json::from_str(&json.to_ascii_uppercase()).unwrap();
        assert_eq!(back, digest);
    }
}
