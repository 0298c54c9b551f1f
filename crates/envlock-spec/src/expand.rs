//! `${VAR}` expansion, as pip does it in requirements files: only the
//! braced form, with names of capitals, digits and underscores, so that a `$`
//! in a URL or a password is left alone.

/// Looks up an environment variable; injected so tests never read the real
/// environment.
pub type Environment<'env> = &'env dyn Fn(&str) -> Option<String>;

/// The environment of this process.
pub fn process_environment(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Replaces every `${NAME}` in `text`. Returns the name of the first
/// variable that is not set, as the error.
pub fn expand(text: &str, environment: Environment<'_>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        let is_variable = !name.is_empty()
            && name
                .bytes()
                .all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit() || byte == b'_');
        out.push_str(&rest[..start]);
        if is_variable {
            match environment(name) {
                Some(value) => out.push_str(&value),
                None => return Err(name.to_owned()),
            }
        } else {
            out.push_str(&rest[start..start + 3 + end]);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::expand;

    fn environment(name: &str) -> Option<String> {
        (name == "TOKEN_1").then(|| "s3cret".to_owned())
    }

    #[test]
    fn expands_braced_capital_names_only() {
        assert_eq!(
            expand("https://u:${TOKEN_1}@h/$HOME/${lower}", &environment).unwrap(),
            "https://u:s3cret@h/$HOME/${lower}"
        );
    }

    #[test]
    fn names_the_missing_variable() {
        assert_eq!(expand("${NOPE}/x", &environment), Err("NOPE".to_owned()));
    }

    #[test]
    fn leaves_an_unclosed_brace_alone() {
        assert_eq!(expand("a${B", &environment).unwrap(), "a${B");
    }
}
