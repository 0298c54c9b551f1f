//! `install.sh` (and `install.ps1` for Windows targets): the far side's one
//! command, from a carried folder to a working environment.
//!
//! `install.sh` is a generated header, which describes the wheelhouse's
//! targets in shell variables, followed by a body that is the same in every
//! wheelhouse (`install.sh` beside this file, POSIX sh). The header defines
//! `ENVLOCK_TARGETS` (the target names, space-separated) and the function
//! `envlock_target NAME`, which sets `T_PYTHON`, `T_PLATFORM`, `T_OS`,
//! `T_ARCH`, `T_LIBC`, `T_GLIBC` (the glibc a manylinux target needs, as
//! `2.N`), `T_REQUIREMENTS`, `T_INTERPRETER` (the carried archive's path),
//! `T_PIP` and `T_PIP_WHEEL` for that target and returns 1 for an unknown
//! name. Every value is checked against a plain alphabet and written
//! single-quoted, so nothing in a lock can become shell code.

use std::fmt::Write as _;
use std::path::Path;

use envlock_lock::{Lock, LockedTarget};
use envlock_pep::PlatformFamily;

use crate::error::WheelhouseError;
use crate::exports::{carried_pip, target_pip_path, target_requirements_path};
use crate::folder::interpreter_path;
use crate::fsio::write_atomic;

/// The shell script's name.
pub(crate) const INSTALL_SH: &str = "install.sh";
/// The PowerShell script's name, written when a Windows target is served.
pub(crate) const INSTALL_PS1: &str = "install.ps1";

/// The part of `install.sh` that is the same in every wheelhouse.
const BODY: &str = include_str!("install.sh");
/// The part of `install.ps1` that is the same in every wheelhouse.
const PS1_BODY: &str = include_str!("install.ps1");

/// What the scripts know about one target.
struct ScriptTarget {
    name: String,
    python: String,
    platform: String,
    os: &'static str,
    arch: String,
    libc: &'static str,
    /// The glibc a manylinux target needs (`2.28`); empty otherwise.
    glibc: String,
    requirements: String,
    /// The carried interpreter's path in the wheelhouse; empty without one.
    interpreter: String,
    /// The carried pip's requirement file and wheel, when the lock has one.
    pip: Option<(String, String)>,
}

/// Writes `install.sh` for the chosen targets, and `install.ps1` when one of
/// them is a Windows target (removing a stale one otherwise).
pub(crate) fn write_install_scripts(
    dir: &Path,
    lock: &Lock,
    targets: &[String],
) -> Result<(), WheelhouseError> {
    let described = targets
        .iter()
        .filter_map(|name| lock.target(name))
        .map(|target| {
            let interpreter = lock
                .interpreters
                .iter()
                .find(|interpreter| interpreter.target == target.name)
                .map(|interpreter| interpreter.file.as_str());
            describe(
                target,
                carried_pip(lock, &target.name).map(|(_, file)| file.file_name()),
                interpreter,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let text = format!("{}{BODY}", shell_header(&lock.name, &described));
    write_atomic(&dir.join(INSTALL_SH), text.as_bytes())?;
    let windows: Vec<&ScriptTarget> = described
        .iter()
        .filter(|target| target.os == "windows")
        .collect();
    let ps1 = dir.join(INSTALL_PS1);
    if windows.is_empty() {
        if ps1.is_file() {
            std::fs::remove_file(&ps1)
                .map_err(|error| WheelhouseError::io("remove", &ps1, error))?;
        }
        return Ok(());
    }
    let text = format!("{}{PS1_BODY}", powershell_header(&lock.name, &windows));
    write_atomic(&ps1, text.as_bytes())
}

/// Reads what the scripts need from a locked target, refusing anything that
/// is not plain enough to write into a script.
fn describe(
    target: &LockedTarget,
    pip_wheel: Option<&str>,
    interpreter: Option<&str>,
) -> Result<ScriptTarget, WheelhouseError> {
    let malformed = |reason: String| WheelhouseError::Malformed {
        path: format!("the lock's target `{}`", target.name).into(),
        reason,
    };
    if !is_plain_name(&target.name) {
        return Err(malformed(
            "a target name used in install.sh may hold only letters, digits, `.`, `_` and `-`"
                .to_owned(),
        ));
    }
    let python = target.python;
    let platform = &target.platform;
    let (os, libc) = match platform.family() {
        PlatformFamily::Manylinux => ("linux", "glibc"),
        PlatformFamily::Musllinux => ("linux", "musl"),
        PlatformFamily::Linux => ("linux", "none"),
        PlatformFamily::Macos => ("macos", "none"),
        PlatformFamily::Windows => ("windows", "none"),
    };
    let described = ScriptTarget {
        name: target.name.clone(),
        python: format!("{}.{}", python.major(), python.minor()),
        platform: target.platform.to_string(),
        os,
        arch: platform.arch().to_string(),
        libc,
        glibc: platform
            .glibc_minor()
            .map_or_else(String::new, |minor| format!("2.{minor}")),
        requirements: target_requirements_path(&target.name),
        interpreter: interpreter.map_or_else(String::new, interpreter_path),
        pip: pip_wheel.map(|wheel| (target_pip_path(&target.name), wheel.to_owned())),
    };
    if let Some((_, wheel)) = &described.pip
        && !is_plain_name(wheel)
    {
        return Err(malformed(format!(
            "the carried pip's file name `{wheel}` has characters a script cannot carry"
        )));
    }
    // An archive name holds `+` (`cpython-3.12.7+20241016-…`): plain
    // enough inside single quotes.
    if !described.interpreter.bytes().all(|byte| {
        byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-' | b'+' | b'/')
    }) {
        return Err(malformed(format!(
            "the carried interpreter's file name `{}` has characters a script cannot carry",
            described.interpreter
        )));
    }
    if !is_plain_name(&described.platform) {
        return Err(malformed(format!(
            "platform `{}` has characters a script cannot carry",
            described.platform
        )));
    }
    Ok(described)
}

/// Whether a value is `[A-Za-z0-9._-]+`.
pub(crate) fn is_plain_name(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-'))
}

/// A lock name for a comment line: anything outside a plain alphabet
/// becomes `?`, so that no newline or quote reaches the script.
fn comment_safe(value: &str) -> String {
    value
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() || " ._-".contains(character) {
                character
            } else {
                '?'
            }
        })
        .collect()
}

/// `ENVLOCK_TARGETS` and `envlock_target`, for the chosen targets. Every
/// value was checked by [`describe`]; it is single-quoted all the same.
fn shell_header(lock_name: &str, targets: &[ScriptTarget]) -> String {
    let mut out = String::new();
    out.push_str("#!/bin/sh\n");
    let _ = writeln!(
        out,
        "# Written by `envlock wheelhouse` from the lock `{}`. Do not edit:\n\
         # SHA256SUMS covers this file. Run it from anywhere: sh install.sh --help",
        comment_safe(lock_name)
    );
    let names: Vec<&str> = targets.iter().map(|target| target.name.as_str()).collect();
    let _ = writeln!(out, "\nENVLOCK_TARGETS='{}'\n", names.join(" "));
    out.push_str("envlock_target() {\n    case \"$1\" in\n");
    for target in targets {
        let _ = writeln!(out, "        '{}')", target.name);
        let pip = target.pip.as_ref();
        for (variable, value) in [
            ("T_PYTHON", target.python.as_str()),
            ("T_PLATFORM", &target.platform),
            ("T_OS", target.os),
            ("T_ARCH", &target.arch),
            ("T_LIBC", target.libc),
            ("T_GLIBC", &target.glibc),
            ("T_REQUIREMENTS", &target.requirements),
            ("T_INTERPRETER", &target.interpreter),
            ("T_PIP", pip.map_or("", |(path, _)| path.as_str())),
            ("T_PIP_WHEEL", pip.map_or("", |(_, wheel)| wheel.as_str())),
        ] {
            let _ = writeln!(out, "            {variable}='{value}'");
        }
        out.push_str("            ;;\n");
    }
    out.push_str("        *) return 1 ;;\n    esac\n    return 0\n}\n");
    out
}

/// `$EnvlockTargets`, a table of the Windows targets, for `install.ps1`.
fn powershell_header(lock_name: &str, targets: &[&ScriptTarget]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Written by `envlock wheelhouse` from the lock `{}`. Do not edit:\n\
         # SHA256SUMS covers this file. Run: powershell -ExecutionPolicy Bypass -File install.ps1 [-Prefix DIR] [-Target NAME]",
        comment_safe(lock_name)
    );
    out.push_str("param([string]$Prefix = \".venv\", [string]$Target = \"\")\n\n");
    out.push_str("$EnvlockTargets = [ordered]@{\n");
    for target in targets {
        let _ = writeln!(
            out,
            "    '{}' = @{{ Python = '{}'; Platform = '{}'; Requirements = '{}'; Interpreter = '{}' }}",
            target.name,
            target.python,
            target.platform,
            target.requirements.replace('/', "\\"),
            target.interpreter.replace('/', "\\")
        );
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str, python: &str, platform: &str) -> LockedTarget {
        LockedTarget {
            name: name.to_owned(),
            python: python.parse().unwrap(),
            platform: platform.parse().unwrap(),
        }
    }

    #[test]
    fn the_header_describes_each_target_in_quoted_values() {
        let described = [
            describe(
                &target("cp38-linux", "3.8.18", "manylinux_2_28_x86_64"),
                Some("pip-24.2-py3-none-any.whl"),
                Some("cpython-3.8.18+20240224-x86_64-unknown-linux-gnu-install_only.tar.gz"),
            )
            .unwrap(),
            describe(
                &target("cp312-mac", "3.12", "macosx_11_0_arm64"),
                None,
                None,
            )
            .unwrap(),
        ];
        let header = shell_header("kit\n rm -rf /", &described);
        assert!(
            header.contains("ENVLOCK_TARGETS='cp38-linux cp312-mac'"),
            "{header}"
        );
        assert!(header.contains("T_PYTHON='3.8'"), "{header}");
        assert!(header.contains("T_LIBC='glibc'"), "{header}");
        assert!(header.contains("T_ARCH='aarch64'"), "{header}");
        assert!(header.contains("T_OS='macos'"), "{header}");
        assert!(
            header.contains("T_PIP='requirements/pip/cp38-linux.txt'"),
            "{header}"
        );
        assert!(
            header.contains("T_PIP_WHEEL='pip-24.2-py3-none-any.whl'"),
            "{header}"
        );
        assert!(header.contains("T_PIP=''"), "{header}");
        assert!(header.contains("T_GLIBC='2.28'"), "{header}");
        assert!(header.contains("T_GLIBC=''"), "{header}");
        assert!(
            header.contains(
                "T_INTERPRETER='python/cpython-3.8.18+20240224-x86_64-unknown-linux-gnu-install_only.tar.gz'"
            ),
            "{header}"
        );
        assert!(header.contains("T_INTERPRETER=''"), "{header}");
        assert!(
            header.contains("T_REQUIREMENTS='requirements/cp38-linux.txt'"),
            "{header}"
        );
        // The lock's name cannot break out of its comment.
        assert!(header.contains("kit? rm -rf ?"), "{header}");
        assert!(!header.contains("\n rm -rf"), "{header}");
    }

    #[test]
    fn the_powershell_header_names_the_carried_interpreter() {
        let windows = describe(
            &target("cp312-win", "3.12.7", "win_amd64"),
            None,
            Some("cpython-3.12.7+20241016-x86_64-pc-windows-msvc-install_only.tar.gz"),
        )
        .unwrap();
        let header = powershell_header("kit", &[&windows]);
        assert!(
            header.contains(
                "Interpreter = 'python\\cpython-3.12.7+20241016-x86_64-pc-windows-msvc-install_only.tar.gz'"
            ),
            "{header}"
        );
        assert!(header.contains("Python = '3.12'"), "{header}");
    }

    #[test]
    fn a_target_name_a_script_cannot_carry_is_refused() {
        for name in ["a'b", "a b", "$(x)", ""] {
            let error = describe(&target(name, "3.8", "manylinux_2_28_x86_64"), None, None)
                .err()
                .unwrap_or_else(|| panic!("{name} was accepted"));
            assert!(error.to_string().contains("letters, digits"), "{error}");
        }
    }
}
