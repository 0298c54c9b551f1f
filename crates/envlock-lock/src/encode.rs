//! Writing a lock as TOML.
//!
//! The text is produced by hand rather than by a generic serializer so that
//! the layout is fixed: one table per target and package, one line per file
//! and per edge (so a diff shows exactly the files and edges that changed),
//! keys in a fixed order, everything sorted. Same lock, same bytes.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::interpreter::LockedInterpreter;
use crate::model::{Lock, LockedFile, LockedPackage, RequiredBy};
use crate::{FORMAT_VERSION, HEADER};

/// Encodes a lock in the version-1 wire format. The lock is normalised first
/// (see [`normalise`]), so callers need not sort anything.
pub fn encode(lock: &Lock) -> String {
    let lock = normalise(lock.clone());
    let mut out = String::with_capacity(4096 + lock.packages.len() * 512);
    out.push_str(HEADER);
    line(&mut out, "version", &FORMAT_VERSION.to_string());
    line(&mut out, "name", &quote(&lock.name));
    line(&mut out, "inputs-digest", &quote(&lock.inputs_digest));
    if let Some(exclude_newer) = &lock.exclude_newer {
        line(&mut out, "exclude-newer", &quote(exclude_newer));
    }
    if let Some(source) = &lock.imported_from {
        let value = format!(
            "{{ format = {}, path = {}, sha256 = {} }}",
            quote(&source.format),
            quote(&source.path),
            quote(&source.sha256.to_string())
        );
        line(&mut out, "imported-from", &value);
    }
    string_array(&mut out, "requirements", &lock.requirements);
    if !lock.constraints.is_empty() {
        string_array(&mut out, "constraints", &lock.constraints);
    }
    for target in &lock.targets {
        out.push_str("\n[[target]]\n");
        line(&mut out, "name", &quote(&target.name));
        line(&mut out, "python", &quote(&target.python.to_string()));
        line(&mut out, "platform", &quote(&target.platform.to_string()));
    }
    for package in &lock.packages {
        encode_package(&mut out, "package", package);
    }
    for package in &lock.build_packages {
        encode_package(&mut out, "build-package", package);
    }
    for package in &lock.installer_packages {
        encode_package(&mut out, "installer-package", package);
    }
    encode_interpreters(&mut out, &lock.interpreters);
    for resource in &lock.resources {
        out.push_str("\n[[resource]]\n");
        line(&mut out, "name", &quote(&resource.name));
        line(&mut out, "url", &quote(&resource.url));
        line(&mut out, "file", &quote(&resource.file));
        line(&mut out, "env", &quote(&resource.env));
        line(&mut out, "sha256", &quote(&resource.sha256.to_string()));
        line(&mut out, "size", &resource.size.to_string());
    }
    out
}

/// Writes the `[[interpreter]]` tables, in target order.
fn encode_interpreters(out: &mut String, interpreters: &[LockedInterpreter]) {
    for interpreter in interpreters {
        out.push_str("\n[[interpreter]]\n");
        for (key, value) in [
            ("target", quote(&interpreter.target)),
            ("file", quote(&interpreter.file)),
            ("version", quote(&interpreter.version)),
            ("build", quote(&interpreter.build)),
            ("triple", quote(&interpreter.triple)),
            ("url", quote(&interpreter.url)),
            ("sha256", quote(&interpreter.sha256.to_string())),
            ("size", interpreter.size.to_string()),
        ] {
            out.push_str(key);
            out.push_str(" = ");
            out.push_str(&value);
            out.push('\n');
        }
    }
}

fn encode_package(out: &mut String, table: &str, package: &LockedPackage) {
    out.push_str("\n[[");
    out.push_str(table);
    out.push_str("]]\n");
    line(out, "name", &quote(package.name.as_ref()));
    line(out, "version", &quote(&package.version.to_string()));
    line(out, "index", &quote(&package.index));
    line(out, "targets", &inline_set(&package.targets));
    if let Some(requires_python) = &package.requires_python {
        line(out, "requires-python", &quote(requires_python));
    }
    string_array(out, "dependencies", &package.dependencies);
    table_array(
        out,
        "required-by",
        package.required_by.iter().map(inline_required_by),
    );
    table_array(out, "files", package.files.iter().map(inline_file));
}

fn inline_required_by(edge: &RequiredBy) -> String {
    let mut fields = Vec::with_capacity(6);
    if let Some((name, version)) = edge.package_text() {
        fields.push(format!("package = {}", quote(name)));
        fields.push(format!("version = {}", quote(&version)));
    }
    if let Some(extra) = &edge.extra {
        fields.push(format!("extra = {}", quote(extra)));
    }
    fields.push(format!("specifier = {}", quote(&edge.specifier)));
    if let Some(marker) = &edge.marker {
        fields.push(format!("marker = {}", quote(marker)));
    }
    fields.push(format!("targets = {}", inline_set(&edge.targets)));
    format!("{{ {} }}", fields.join(", "))
}

fn inline_file(file: &LockedFile) -> String {
    format!(
        "{{ name = {}, sha256 = {}, size = {}, targets = {} }}",
        quote(file.file_name()),
        quote(&file.sha256.to_string()),
        file.size,
        inline_set(&file.targets)
    )
}

/// Puts a lock in its canonical order: packages by name then PEP 440
/// version, files by name, edges root-first then by requiring package, and
/// duplicate strings removed from requirement lists, resources by name.
/// Targets keep the order the spec declared them in, which is part of the
/// input.
pub fn normalise(mut lock: Lock) -> Lock {
    lock.resources.sort();
    lock.interpreters.sort();
    for packages in [
        &mut lock.packages,
        &mut lock.build_packages,
        &mut lock.installer_packages,
    ] {
        packages.sort_by(|a, b| {
            a.name
                .cmp(&b.name)
                .then_with(|| a.version.cmp(&b.version))
                .then_with(|| a.version.to_string().cmp(&b.version.to_string()))
        });
        for package in packages.iter_mut() {
            package.files.sort();
            package.files.dedup();
            package.required_by.sort();
            package.required_by.dedup();
            package.dependencies.sort();
            package.dependencies.dedup();
        }
    }
    lock
}

fn line(out: &mut String, key: &str, value: &str) {
    // Writing to a String cannot fail.
    let _ = writeln!(out, "{key} = {value}");
}

fn string_array(out: &mut String, key: &str, values: &[String]) {
    table_array(out, key, values.iter().map(|value| quote(value)));
}

/// A multi-line array, one element per line, or `[]` when empty.
fn table_array(out: &mut String, key: &str, elements: impl Iterator<Item = String>) {
    let mut elements = elements.peekable();
    if elements.peek().is_none() {
        line(out, key, "[]");
        return;
    }
    let _ = writeln!(out, "{key} = [");
    for element in elements {
        let _ = writeln!(out, "    {element},");
    }
    out.push_str("]\n");
}

fn inline_set(values: &BTreeSet<String>) -> String {
    let quoted: Vec<String> = values.iter().map(|value| quote(value)).collect();
    format!("[{}]", quoted.join(", "))
}

/// `value` as a double-quoted string with the escapes that TOML basic
/// strings and JSON strings share (`\"`, `\\`, `\n`, `\t`, `\r`, and
/// `\uXXXX` for any other control character), so that it reads back as
/// `value` in either, and in what follows JSON's strings (YAML's
/// double-quoted scalars, HOCON's quoted strings). Every generated file
/// that quotes a value quotes it here.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for character in value.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            control if control.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(control));
            }
            other => out.push(other),
        }
    }
    out.push('"');
    out
}
