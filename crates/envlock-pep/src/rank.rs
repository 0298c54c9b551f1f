//! Choosing among a release's wheels for a target.

use std::borrow::Borrow;
use std::collections::BTreeSet;
use std::fmt;

use crate::tags::Tags;
use crate::wheel::WheelFilename;

/// How many alternatives an error lists before summarising the rest.
const LISTED: usize = 8;

/// No wheel of a release fits a target. [`fmt::Display`] says why in words,
/// listing what the release offers instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoCompatibleWheel {
    interpreter: String,
    platform: String,
    /// Platform tags of wheels that fit no platform of the target.
    other_platforms: BTreeSet<String>,
    /// `python-abi` pairs of wheels whose platform fits but whose python or
    /// ABI tags do not.
    other_pythons: BTreeSet<String>,
}

impl NoCompatibleWheel {
    /// Platform tags offered by wheels built for other platforms, sorted.
    pub fn other_platforms(&self) -> impl Iterator<Item = &str> {
        self.other_platforms.iter().map(String::as_str)
    }

    /// `python-abi` pairs offered for the target's platform but for other
    /// Pythons, sorted.
    pub fn other_pythons(&self) -> impl Iterator<Item = &str> {
        self.other_pythons.iter().map(String::as_str)
    }
}

impl fmt::Display for NoCompatibleWheel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no wheel for {} on {}: ",
            self.interpreter, self.platform
        )?;
        if self.other_platforms.is_empty() && self.other_pythons.is_empty() {
            return f.write_str("the release has no wheels");
        }
        f.write_str("the release only has wheels for ")?;
        if !self.other_platforms.is_empty() {
            write!(f, "other platforms ({})", Listing(&self.other_platforms))?;
        }
        if !self.other_pythons.is_empty() {
            if !self.other_platforms.is_empty() {
                f.write_str(" and ")?;
            }
            write!(f, "other Pythons ({})", Listing(&self.other_pythons))?;
        }
        Ok(())
    }
}

impl std::error::Error for NoCompatibleWheel {}

/// Writes up to [`LISTED`] items comma separated, then "and N more".
struct Listing<'a>(&'a BTreeSet<String>);

impl fmt::Display for Listing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, item) in self.0.iter().take(LISTED).enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            f.write_str(item)?;
        }
        if self.0.len() > LISTED {
            write!(f, " and {} more", self.0.len() - LISTED)?;
        }
        Ok(())
    }
}

/// Orders the wheels that fit the target best first: by tag priority, then
/// higher build tag, then file name (so equal candidates order
/// deterministically). Wheels that do not fit are left out; when none fits,
/// the error explains what the release offers instead.
pub fn rank_wheels<'w, W: Borrow<WheelFilename>>(
    tags: &Tags,
    wheels: &'w [W],
) -> Result<Vec<&'w W>, NoCompatibleWheel> {
    let mut ranked: Vec<(usize, &'w W)> = wheels
        .iter()
        .filter_map(|wheel| {
            tags.wheel_priority(wheel.borrow())
                .map(|priority| (priority, wheel))
        })
        .collect();
    if ranked.is_empty() {
        return Err(explain(tags, wheels.iter().map(Borrow::borrow)));
    }
    ranked.sort_by(|(left_priority, left), (right_priority, right)| {
        let (left, right): (&WheelFilename, &WheelFilename) = ((*left).borrow(), (*right).borrow());
        left_priority
            .cmp(right_priority)
            .then_with(|| right.build().cmp(&left.build()))
            .then_with(|| left.filename().cmp(right.filename()))
    });
    Ok(ranked.into_iter().map(|(_, wheel)| wheel).collect())
}

fn explain<'w>(tags: &Tags, wheels: impl Iterator<Item = &'w WheelFilename>) -> NoCompatibleWheel {
    let mut other_platforms = BTreeSet::new();
    let mut other_pythons = BTreeSet::new();
    for wheel in wheels {
        if wheel
            .platform_tags()
            .iter()
            .any(|platform| tags.accepts_platform(platform))
        {
            for python in wheel.python_tags() {
                for abi in wheel.abi_tags() {
                    other_pythons.insert(format!("{python}-{abi}"));
                }
            }
        } else {
            other_platforms.extend(wheel.platform_tags().iter().cloned());
        }
    }
    NoCompatibleWheel {
        interpreter: tags.python().interpreter_tag(),
        platform: tags.platform().to_string(),
        other_platforms,
        other_pythons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Platform, PythonVersion};

    fn tags(python: &str, platform: &str) -> Tags {
        Tags::new(
            PythonVersion::parse(python).unwrap(),
            &Platform::parse(platform).unwrap(),
        )
    }

    fn wheels(names: &[&str]) -> Vec<WheelFilename> {
        names
            .iter()
            .map(|name| WheelFilename::parse(name).unwrap())
            .collect()
    }

    #[test]
    fn best_first_then_build_tag() {
        let files = wheels(&[
            "pkg-1.0-py3-none-any.whl",
            "pkg-1.0-cp310-cp310-win_amd64.whl",
            "pkg-1.0-cp38-abi3-manylinux2014_x86_64.whl",
            "pkg-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "pkg-1.0-1-cp310-cp310-manylinux_2_28_x86_64.whl",
            "pkg-1.0-2-cp310-cp310-manylinux_2_28_x86_64.whl",
            "pkg-1.0-cp311-cp311-manylinux_2_28_x86_64.whl",
            "pkg-1.0-cp310-cp310-musllinux_1_2_x86_64.whl",
        ]);
        let ranked = rank_wheels(&tags("3.10", "manylinux_2_28_x86_64"), &files).unwrap();
        let names: Vec<&str> = ranked.iter().map(|wheel| wheel.filename()).collect();
        assert_eq!(
            names,
            [
                "pkg-1.0-2-cp310-cp310-manylinux_2_28_x86_64.whl",
                "pkg-1.0-1-cp310-cp310-manylinux_2_28_x86_64.whl",
                "pkg-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                "pkg-1.0-cp38-abi3-manylinux2014_x86_64.whl",
                "pkg-1.0-py3-none-any.whl",
            ]
        );
    }

    #[test]
    fn explains_why_nothing_fits() {
        let files = wheels(&[
            "pkg-1.0-cp38-cp38-macosx_10_9_x86_64.whl",
            "pkg-1.0-cp38-cp38-win_amd64.whl",
            "pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        ]);
        let error = rank_wheels(&tags("3.8", "manylinux_2_28_x86_64"), &files).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no wheel for cp38 on manylinux_2_28_x86_64: the release only has wheels for \
             other platforms (macosx_10_9_x86_64, win_amd64) and other Pythons (cp311-cp311)"
        );
        let none: Vec<WheelFilename> = Vec::new();
        let error = rank_wheels(&tags("3.8", "win32"), &none).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no wheel for cp38 on win32: the release has no wheels"
        );
    }

    #[test]
    fn long_listings_are_summarised() {
        let names: Vec<String> = (0..12)
            .map(|minor| format!("pkg-1.0-cp38-cp38-macosx_10_{minor}_x86_64.whl"))
            .collect();
        let files: Vec<WheelFilename> = names
            .iter()
            .map(|name| WheelFilename::parse(name).unwrap())
            .collect();
        let error = rank_wheels(&tags("3.8", "win_amd64"), &files).unwrap_err();
        assert!(error.to_string().ends_with(" and 4 more)"), "{error}");
        assert_eq!(error.other_platforms().count(), 12);
    }
}
