//! `simple/`: a static PEP 503 index of the folder's distributions, with
//! relative links and each file's sha256 as the fragment.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::error::WheelhouseError;
use crate::fsio::TEMPORARY_PREFIX;
use crate::plan::PlannedFile;

/// The static index folder.
const SIMPLE: &str = "simple";

const PAGE_TAIL: &str = "  </body>\n</html>\n";

/// Writes `simple/index.html` and one page per project, linking to the
/// flat files one and two levels up. The pages are built in a temporary
/// folder that replaces the old one whole.
pub(crate) fn write_simple_index(dir: &Path, files: &[PlannedFile]) -> Result<(), WheelhouseError> {
    let projects = by_project(files);
    let staging = tempfile::Builder::new()
        .prefix(TEMPORARY_PREFIX)
        .tempdir_in(dir)
        .map_err(|error| WheelhouseError::io("create a temporary folder in", dir, error))?;
    let mut root = page_head("Simple index");
    for (project, project_files) in &projects {
        // Normalised names are `[a-z0-9-]`; escaped all the same, so that
        // the page stays inert whatever reaches it.
        let _ = writeln!(
            root,
            "    <a href=\"{}/\">{}</a><br>",
            html_escape::encode_double_quoted_attribute(project),
            html_escape::encode_text(project)
        );
        // The staging folder replaces `simple/` whole or not at all, so its
        // pages need no temporary names of their own.
        let project_dir = envlock_fs::join_file_name(staging.path(), project)
            .map_err(|error| WheelhouseError::io("create", staging.path(), error))?;
        std::fs::create_dir(&project_dir)
            .map_err(|error| WheelhouseError::io("create", &project_dir, error))?;
        write_page(&project_dir, &project_page(project, project_files))?;
    }
    root.push_str(PAGE_TAIL);
    write_page(staging.path(), &root)?;
    let final_dir = dir.join(SIMPLE);
    if final_dir.exists() {
        std::fs::remove_dir_all(&final_dir)
            .map_err(|error| WheelhouseError::io("remove", &final_dir, error))?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, &final_dir)
        .map_err(|error| WheelhouseError::io("write", &final_dir, error))
}

/// The files grouped by their project's PEP 503 name (the lock's typed
/// name, normalised when it was read).
fn by_project(files: &[PlannedFile]) -> BTreeMap<String, Vec<&PlannedFile>> {
    let mut projects: BTreeMap<String, Vec<&PlannedFile>> = BTreeMap::new();
    for file in files {
        projects
            .entry(file.package.to_string())
            .or_default()
            .push(file);
    }
    projects
}

/// One project's page.
fn project_page(project: &str, files: &[&PlannedFile]) -> String {
    let mut page = page_head(&format!("Links for {project}"));
    for file in files {
        let name = html_escape::encode_double_quoted_attribute(&file.name);
        let requires_python = file
            .requires_python
            .as_deref()
            .map(|value| {
                format!(
                    " data-requires-python=\"{}\"",
                    html_escape::encode_double_quoted_attribute(value)
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            page,
            "    <a href=\"../../{name}#sha256={}\"{requires_python}>{}</a><br>",
            file.sha256,
            html_escape::encode_text(&file.name)
        );
    }
    page.push_str(PAGE_TAIL);
    page
}

fn write_page(folder: &Path, page: &str) -> Result<(), WheelhouseError> {
    let path = folder.join("index.html");
    std::fs::write(&path, page.as_bytes())
        .map_err(|error| WheelhouseError::io("write", &path, error))
}

fn page_head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.0\">\n    <title>{}</title>\n  </head>\n  <body>\n",
        html_escape::encode_text(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(package: &str) -> PlannedFile {
        PlannedFile {
            package: package.parse().unwrap(),
            version: "1.0".parse().unwrap(),
            index: "main".to_owned(),
            name: format!("{package}-1.0.tar.gz"),
            sdist: true,
            sha256: envlock_fs::Sha256::from_bytes([0xaa; 32]),
            size: 1,
            targets: Vec::new(),
            build_only: false,
            requires_python: None,
        }
    }

    #[test]
    fn project_names_are_normalised_as_pep_503_says() {
        let files = [
            file("Friendly.Bard__Lib"),
            file("urwid-mitmproxy"),
            file("zope.interface"),
        ];
        let projects = by_project(&files);
        let names: Vec<&str> = projects.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["friendly-bard-lib", "urwid-mitmproxy", "zope-interface"]
        );
    }
}
