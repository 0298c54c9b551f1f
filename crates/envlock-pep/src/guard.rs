//! Cheap guards run before a PEP 508 requirement or marker from outside
//! (a `Requires-Dist`, a spec, a lock, an imported lock) is parsed, for
//! inputs the parser (`pep508_rs` 0.9) cannot take:
//! - its marker parser recurses once per parenthesis, so tens of thousands
//!   of them overflow a thread's stack and abort the process
//!   ([`check_marker_depth`]);
//! - a package or extra name ending in `.`, `-` or `_` followed by more text
//!   (`foo- >=1`, `foo[a-]`) hits an `expect` and panics
//!   ([`check_requirement`] refuses those names first);
//! - with non-ASCII text it slices strings inside a character and panics
//!   (`end byte index … is not a char boundary`), so [`check_marker`] and
//!   [`check_requirement`] refuse non-ASCII text: PEP 508 names, versions
//!   and marker values in real packages are ASCII.

/// The deepest parenthesis nesting accepted; real markers use two or three.
pub const MAX_MARKER_DEPTH: usize = 64;

/// A requirement or marker nests parentheses deeper than
/// [`MAX_MARKER_DEPTH`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "parentheses nested {depth} deep (at most {MAX_MARKER_DEPTH} are accepted); \
     this is not a real marker, check where it came from"
)]
pub struct MarkerDepthError {
    /// The deepest nesting found.
    pub depth: usize,
}

/// Refuses text whose parentheses nest deeper than [`MAX_MARKER_DEPTH`].
/// Quotes are not honoured on purpose: a quote in a URL must not hide
/// parentheses from the check, and no real marker has dozens of
/// parentheses inside its strings.
pub fn check_marker_depth(text: &str) -> Result<(), MarkerDepthError> {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    for byte in text.bytes() {
        match byte {
            b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_MARKER_DEPTH {
        Err(MarkerDepthError { depth: deepest })
    } else {
        Ok(())
    }
}

/// A requirement the PEP 508 parser must not be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnsafeRequirement {
    /// Parentheses nested too deep.
    #[error(transparent)]
    Depth(#[from] MarkerDepthError),
    /// A character outside ASCII.
    #[error(
        "character `{character}` at byte {at} is not ASCII; \
         envlock accepts ASCII requirements and markers only"
    )]
    NotAscii {
        /// The character.
        character: char,
        /// Its byte offset.
        at: usize,
    },
    /// A package or extra name that ends with punctuation.
    #[error("the name `{name}` ends with `{last}`; names end with a letter or digit")]
    NameEnd {
        /// The name as written.
        name: String,
        /// Its last character.
        last: char,
    },
}

fn is_name_character(character: char) -> bool {
    character.is_ascii_alphanumeric() || matches!(character, '.' | '-' | '_')
}

/// The leading run of name characters of `text`, refused when it ends with
/// punctuation.
fn check_name(text: &str) -> Result<usize, UnsafeRequirement> {
    let length = text
        .find(|character| !is_name_character(character))
        .unwrap_or(text.len());
    let name = &text[..length];
    match name.chars().last() {
        Some(last @ ('.' | '-' | '_')) => Err(UnsafeRequirement::NameEnd {
            name: name.to_owned(),
            last,
        }),
        _ => Ok(length),
    }
}

/// Checks a marker's text before it is parsed: ASCII only, parentheses
/// nested at most [`MAX_MARKER_DEPTH`] deep.
pub fn check_marker(text: &str) -> Result<(), UnsafeRequirement> {
    if let Some((at, character)) = text.char_indices().find(|(_, c)| !c.is_ascii()) {
        return Err(UnsafeRequirement::NotAscii { character, at });
    }
    check_marker_depth(text)?;
    Ok(())
}

/// Checks a PEP 508 requirement's text before it is parsed: [`check_marker`]
/// holds, and its name and extras do not end with punctuation. Text that
/// passes may still be an invalid requirement; the parser then says why.
pub fn check_requirement(text: &str) -> Result<(), UnsafeRequirement> {
    check_marker(text)?;
    let rest = text.trim_start();
    let length = check_name(rest)?;
    if let Some(extras) = rest[length..].trim_start().strip_prefix('[') {
        let inner = extras.split(']').next().unwrap_or_default();
        for extra in inner.split(',') {
            check_name(extra.trim_start())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shallow_markers_pass_and_deep_ones_are_refused() {
        assert!(check_marker_depth("a ; (python_version > '3' or (os_name == 'nt'))").is_ok());
        let deep = format!("{}x{}", "(".repeat(65), ")".repeat(65));
        assert_eq!(
            check_marker_depth(&deep),
            Err(MarkerDepthError { depth: 65 })
        );
        let hidden = format!("a @ http://h/' ; {}", "(".repeat(100));
        assert!(check_marker_depth(&hidden).is_err());
    }

    /// Each of these panicked inside `pep508_rs` 0.9.2.
    #[test]
    fn names_ending_in_punctuation_are_refused_before_parsing() {
        for text in [
            "2.8.*; python_version < '2.7'",
            "foo- >=1",
            "foo_;os_name=='nt'",
            "foo[a-]",
            "foo [ok, b. ]",
        ] {
            assert!(
                matches!(
                    check_requirement(text),
                    Err(UnsafeRequirement::NameEnd { .. })
                ),
                "{text}"
            );
        }
        // Panicked with "end byte index … is not a char boundary".
        assert!(matches!(
            check_requirement("a ; python_version < '3.9' \"'x`\u{8072}'s})\u{a1}n"),
            Err(UnsafeRequirement::NotAscii { at: 31, .. })
        ));
        for text in [
            "foo",
            "foo.bar[a_b,c] >=1 ; (extra == 'a')",
            "foo @ http://h/x-",
        ] {
            check_requirement(text).unwrap();
            text.parse::<crate::Requirement>().unwrap();
        }
    }
}
