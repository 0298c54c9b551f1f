//! Asking the local pip which index it would use, for a first run with no
//! index configured anywhere envlock looks.
//!
//! The answer comes from pip's own option parsing (its defaults, its
//! configuration files, its environment variables), run by `python3`; no
//! index host is written in envlock.

use std::process::Command;

/// pip's effective `index-url` and `extra-index-url`s, or `None` when there
/// is no `python3` with pip, or pip is set to use no index.
const ASK_PIP: &str = r#"
import sys
try:
    from pip._internal.commands import create_command
    options, _ = create_command("download").parse_args([])
except Exception as error:
    sys.stderr.write("pip could not be asked: %s\n" % error)
    sys.exit(2)
if getattr(options, "no_index", False):
    sys.exit(3)
print(options.index_url)
for url in options.extra_index_urls:
    print(url)
"#;

/// The URLs pip would use, primary first.
pub fn ask() -> Option<Vec<String>> {
    let output = Command::new("python3")
        .args(["-c", ASK_PIP])
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let urls: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("http://") || line.starts_with("https://"))
        .map(str::to_owned)
        .collect();
    (!urls.is_empty()).then_some(urls)
}
