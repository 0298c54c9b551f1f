//! Version specifiers as ranges for the resolver, with PEP 440's local
//! version rules.

use pep440_rs::{Operator, Version, VersionSpecifier, VersionSpecifiers};
use version_ranges::Ranges;

/// Converts specifiers to the set of versions they allow, as a
/// [`Ranges<Version>`] the resolver can intersect and complement.
///
/// pep440_rs's own `From<VersionSpecifiers>` conversion treats `==V` as the
/// single point `V` and `<=V` as "up to `V`", so a local version such as
/// `3.0.0+cpu` (which sorts just above `3.0.0`) satisfies neither — yet
/// PEP 440 says local labels are ignored when the specifier has none. Here:
///
/// - `==V` (no local label) is every version from `V` up to, not including,
///   the next version that is not `V` plus a local label; `!=V` is the rest;
/// - `<=V` also includes `V`'s local versions;
/// - `==V+local` and `!=V+local` compare exactly, local label included;
/// - `===V` is the single version `V`: local versions of `V` do not match an
///   arbitrary-equality clause. Ranges compare versions numerically, so
///   `===1.0` also admits `1.0.0`, which the string comparison PEP 440
///   describes would not;
/// - every other operator already handles local versions correctly in
///   pep440_rs (`>=V` and `~=V` include them because they sort above `V`,
///   `<V` and `>V` exclude them) and is converted by pep440_rs.
///
/// In the pathological case of a `.dev` or `.post` number of `u64::MAX` no
/// successor exists and `==`/`!=`/`<=` fall back to pep440_rs's conversion.
pub fn specifiers_to_ranges(specifiers: &VersionSpecifiers) -> Ranges<Version> {
    specifiers.iter().fold(Ranges::full(), |range, specifier| {
        range.intersection(&specifier_to_range(specifier))
    })
}

/// Converts one specifier; see [`specifiers_to_ranges`].
pub fn specifier_to_range(specifier: &VersionSpecifier) -> Ranges<Version> {
    let version = specifier.version();
    let local_matches = |version: &Version| -> Option<Ranges<Version>> {
        if version.is_local() {
            return Some(Ranges::singleton(version.clone()));
        }
        let after_locals = successor_of_local_versions(version)?;
        Some(Ranges::from_range_bounds(version.clone()..after_locals))
    };
    let converted = match specifier.operator() {
        Operator::Equal => local_matches(version),
        Operator::NotEqual => local_matches(version).map(|range| range.complement()),
        Operator::LessThanEqual if !version.is_local() => {
            successor_of_local_versions(version).map(Ranges::strictly_lower_than)
        }
        Operator::ExactEqual => Some(Ranges::singleton(version.clone())),
        _ => None,
    };
    converted.unwrap_or_else(|| Ranges::from(specifier.clone()))
}

/// The smallest version that sorts above every `version+<local>`.
///
/// PEP 440 orders a local label after everything else in a version, so the
/// versions right above `V`'s local versions are the next possible values of
/// its last component: `V.dev(N+1)` for a dev release, `V.post(N+1).dev0`
/// for a post release, and `V.post0.dev0` for a final release or pre-release.
fn successor_of_local_versions(version: &Version) -> Option<Version> {
    let base = version.clone();
    if let Some(dev) = version.dev() {
        return Some(base.with_dev(Some(dev.checked_add(1)?)));
    }
    if let Some(post) = version.post() {
        return Some(base.with_post(Some(post.checked_add(1)?)).with_dev(Some(0)));
    }
    Some(base.with_post(Some(0)).with_dev(Some(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn ranges(specifiers: &str) -> Ranges<Version> {
        specifiers_to_ranges(&VersionSpecifiers::from_str(specifiers).unwrap())
    }

    fn version(text: &str) -> Version {
        Version::from_str(text).unwrap()
    }

    #[test]
    fn local_versions_satisfy_equal_and_less_equal() {
        let local = version("3.0.0+local");
        for specifiers in [
            "==3.0.0",
            "<=3.0.0",
            "==3.0",
            ">=2,<=3.0.0",
            "==3.0.0,!=2.9",
        ] {
            assert!(ranges(specifiers).contains(&local), "{specifiers}");
            // The bug this fixes: pep440_rs's own conversion rejects it.
            let upstream =
                Ranges::<Version>::from(VersionSpecifiers::from_str(specifiers).unwrap());
            assert!(!upstream.contains(&local), "{specifiers}: upstream fixed?");
        }
        assert!(!ranges("!=3.0.0").contains(&local));
        assert!(ranges("!=3.0.0").contains(&version("3.0.0.post0.dev0")));
        assert!(ranges("!=3.0.0").contains(&version("3.0.1")));
        assert!(!ranges("==3.0.0").contains(&version("3.0.0.post0.dev0")));
        assert!(!ranges("==3.0.0").contains(&version("3.0.1")));
        assert!(!ranges("<=3.0.0").contains(&version("3.0.0.post1")));
    }

    #[test]
    fn local_labels_in_the_specifier_compare_exactly() {
        assert!(ranges("==3.0.0+cpu").contains(&version("3.0.0+cpu")));
        assert!(!ranges("==3.0.0+cpu").contains(&version("3.0.0+cu118")));
        assert!(!ranges("==3.0.0+cpu").contains(&version("3.0.0")));
        assert!(!ranges("!=3.0.0+cpu").contains(&version("3.0.0+cpu")));
        assert!(ranges("!=3.0.0+cpu").contains(&version("3.0.0")));
        assert!(ranges("===3.0.0+cpu").contains(&version("3.0.0+cpu")));
        assert!(!ranges("===3.0.0").contains(&version("3.0.0+cpu")));
        assert!(ranges("===3.0.0").contains(&version("3.0.0")));
    }

    /// Checks the ranges against pep440_rs's `VersionSpecifier::contains`,
    /// which implements PEP 440 membership directly, over a grid of
    /// specifiers and candidates full of local, pre, post and dev versions.
    #[test]
    fn agrees_with_specifier_membership() {
        let bases = [
            "1.0",
            "1.0.0",
            "1.0a1",
            "1.0a1.dev2",
            "1.0.dev3",
            "1.0.post2",
            "1.0.post2.dev1",
            "1.0rc1.post1",
            "1!1.0",
            "0.9",
            "1.1",
        ];
        let mut candidates: Vec<Version> = Vec::new();
        for base in bases {
            for suffix in ["", "+local", "+1", "+local.7", "+0"] {
                candidates.push(version(&format!("{base}{suffix}")));
            }
        }
        for extra in [
            "1.0.post0.dev0",
            "1.0.post1",
            "1.0.dev4",
            "1.0a1.dev3",
            "1.0.post3.dev0",
            "1.0.1",
        ] {
            candidates.push(version(extra));
        }
        let mut checked = 0;
        for base in bases {
            let mut specifiers: Vec<String> = ["==", "!=", "<=", ">="]
                .iter()
                .map(|operator| format!("{operator}{base}"))
                .collect();
            specifiers.push(format!("=={base}+local"));
            specifiers.push(format!("!={base}+local"));
            let final_release = version(base).is_stable() && !version(base).is_post();
            if final_release {
                // For `<V` and `>V` with a pre, post or dev V, membership
                // follows packaging's extra base-version rules (`>1.0.dev1`
                // rejects `1.0.post1`), which no interval can express and
                // which do not involve local labels: only final releases
                // are compared for those operators.
                // pep440_rs's `<` also ignores epochs when rejecting
                // pre-releases of the same release number.
                if version(base).epoch() == 0 {
                    specifiers.push(format!("<{base}"));
                }
                specifiers.push(format!(">{base}"));
                specifiers.push(format!("~={base}"));
            }
            for text in specifiers {
                let specifier = VersionSpecifier::from_str(&text).unwrap();
                let range = specifier_to_range(&specifier);
                for candidate in &candidates {
                    assert_eq!(
                        range.contains(candidate),
                        specifier.contains(candidate),
                        "{text} vs {candidate}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 3000, "{checked}");
    }
}
