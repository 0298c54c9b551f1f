//! Explaining a failed resolution in requirement terms.
//!
//! PubGrub proves that no solution exists with a derivation tree; this
//! module words it the way the spec and the metadata word things
//! (`jupyterlab>4,<4.4`, `the requirements`), not as raw version ranges.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;

use envlock_pep::{PackageName, Version};
use pubgrub::{DerivationTree, Derived, External, Map, ReportFormatter, Reporter, Term};

use crate::inputs::VersionRange;
use crate::project::Unusable;
use crate::provider::Node;

/// Words a version range as PEP 440 specifiers: `>=1.0,<2.0`, `==1.2`, or
/// empty for any version.
pub(crate) fn specifier_text(range: &VersionRange) -> String {
    let segments: Vec<String> = range
        .iter()
        .map(|(low, high)| match (low, high) {
            (Bound::Unbounded, Bound::Unbounded) => String::new(),
            (Bound::Included(a), Bound::Included(b)) if a == b => format!("=={a}"),
            // `==V` admits V's local versions, so it is a range up to the
            // next non-local version; show it as the user wrote it.
            (Bound::Included(a), Bound::Excluded(b)) if is_exact_pin(a, b) => format!("=={a}"),
            (low, high) => {
                let low = match low {
                    Bound::Included(version) => Some(format!(">={version}")),
                    Bound::Excluded(version) => Some(format!(">{version}")),
                    Bound::Unbounded => None,
                };
                let high = match high {
                    Bound::Included(version) => Some(format!("<={version}")),
                    Bound::Excluded(version) => Some(format!("<{version}")),
                    Bound::Unbounded => None,
                };
                low.into_iter().chain(high).collect::<Vec<_>>().join(",")
            }
        })
        .collect();
    segments.join(" or ")
}

fn is_exact_pin(low: &Version, high: &Version) -> bool {
    let Ok(specifiers) = format!("=={low}").parse::<envlock_pep::VersionSpecifiers>() else {
        return false;
    };
    let pin = envlock_pep::specifiers_to_ranges(&specifiers);
    let expected = (Bound::Included(low.clone()), Bound::Excluded(high.clone()));
    pin.iter().eq(std::iter::once((&expected.0, &expected.1)))
}

fn describe(node: &Node, range: &VersionRange) -> String {
    let specifier = specifier_text(range);
    match node {
        Node::Root => "the requirements".to_owned(),
        _ if specifier.is_empty() => format!("any version of {node}"),
        _ => format!("{node}{specifier}"),
    }
}

struct Explainer;

impl ReportFormatter<Node, VersionRange, String> for Explainer {
    type Output = String;

    fn format_external(&self, external: &External<Node, VersionRange, String>) -> String {
        match external {
            External::NotRoot(_, _) => "the requirements are being resolved".to_owned(),
            External::NoVersions(node, range) => {
                format!(
                    "no version of {} can be installed on this target",
                    describe(node, range).trim_start_matches("any version of ")
                )
            }
            External::FromDependencyOf(Node::Root, _, dependency, range) => {
                format!("the requirements need {}", describe(dependency, range))
            }
            External::FromDependencyOf(node, range, dependency, dependency_range) => {
                format!(
                    "{} depends on {}",
                    describe(node, range),
                    describe(dependency, dependency_range)
                )
            }
            External::Custom(node, range, reason) => {
                format!("{} cannot be used: {reason}", describe(node, range))
            }
        }
    }

    fn format_terms(&self, terms: &Map<Node, Term<VersionRange>>) -> String {
        let terms: Vec<_> = terms.iter().collect();
        match terms.as_slice() {
            [] => "no versions satisfy every requirement".to_owned(),
            [(Node::Root, Term::Positive(_))] => "the requirements cannot be satisfied".to_owned(),
            [(node, Term::Positive(range))] => format!("{} cannot be used", describe(node, range)),
            [(node, Term::Negative(range))] => format!("{} is needed", describe(node, range)),
            [
                (node, Term::Positive(range)),
                (dependency, Term::Negative(dependency_range)),
            ]
            | [
                (dependency, Term::Negative(dependency_range)),
                (node, Term::Positive(range)),
            ] => self.format_external(&External::FromDependencyOf(
                (*node).clone(),
                range.clone(),
                (*dependency).clone(),
                dependency_range.clone(),
            )),
            many => {
                let parts: Vec<String> = many
                    .iter()
                    .map(|(node, term)| match term {
                        Term::Positive(range) => describe(node, range),
                        Term::Negative(range) => format!("not {}", describe(node, range)),
                    })
                    .collect();
                format!("{} cannot all be installed together", parts.join(", "))
            }
        }
    }

    fn explain_both_external(
        &self,
        first: &External<Node, VersionRange, String>,
        second: &External<Node, VersionRange, String>,
        terms: &Map<Node, Term<VersionRange>>,
    ) -> String {
        format!(
            "Because {} and {}, {}.",
            self.format_external(first),
            self.format_external(second),
            self.format_terms(terms)
        )
    }

    fn explain_both_ref(
        &self,
        first_id: usize,
        first: &Derived<Node, VersionRange, String>,
        second_id: usize,
        second: &Derived<Node, VersionRange, String>,
        terms: &Map<Node, Term<VersionRange>>,
    ) -> String {
        format!(
            "Because {} ({first_id}) and {} ({second_id}), {}.",
            self.format_terms(&first.terms),
            self.format_terms(&second.terms),
            self.format_terms(terms)
        )
    }

    fn explain_ref_and_external(
        &self,
        id: usize,
        derived: &Derived<Node, VersionRange, String>,
        external: &External<Node, VersionRange, String>,
        terms: &Map<Node, Term<VersionRange>>,
    ) -> String {
        format!(
            "Because {} ({id}) and {}, {}.",
            self.format_terms(&derived.terms),
            self.format_external(external),
            self.format_terms(terms)
        )
    }

    fn and_explain_external(
        &self,
        external: &External<Node, VersionRange, String>,
        terms: &Map<Node, Term<VersionRange>>,
    ) -> String {
        format!(
            "And because {}, {}.",
            self.format_external(external),
            self.format_terms(terms)
        )
    }

    fn and_explain_ref(
        &self,
        id: usize,
        derived: &Derived<Node, VersionRange, String>,
        terms: &Map<Node, Term<VersionRange>>,
    ) -> String {
        format!(
            "And because {} ({id}), {}.",
            self.format_terms(&derived.terms),
            self.format_terms(terms)
        )
    }

    fn and_explain_prior_and_external(
        &self,
        prior: &External<Node, VersionRange, String>,
        external: &External<Node, VersionRange, String>,
        terms: &Map<Node, Term<VersionRange>>,
    ) -> String {
        format!(
            "And because {} and {}, {}.",
            self.format_external(prior),
            self.format_external(external),
            self.format_terms(terms)
        )
    }
}

/// The explanation of a failure, and hints drawn from what the provider saw:
/// which versions were passed over and why, and which names no index has.
pub(crate) fn explain(
    tree: &mut DerivationTree<Node, VersionRange, String>,
    skipped: &HashMap<PackageName, Vec<(Version, Unusable)>>,
    missing_projects: &std::collections::BTreeMap<String, Vec<String>>,
) -> (String, Vec<String>) {
    tree.collapse_no_versions();
    let explanation = match &*tree {
        // A single fact needs no "Because …" chain, but it does need a
        // conclusion.
        DerivationTree::External(External::FromDependencyOf(Node::Root, _, dependency, range)) => {
            format!(
                "The requirements need {}, and no version of it can be installed on this target.",
                describe(dependency, range)
            )
        }
        DerivationTree::External(external) => format!("{}.", Explainer.format_external(external)),
        DerivationTree::Derived(_) => {
            pubgrub::DefaultStringReporter::report_with_formatter(tree, &Explainer)
        }
    };
    let mut mentioned = BTreeSet::new();
    collect_packages(tree, &mut mentioned);
    let mut hints = Vec::new();
    for name in &mentioned {
        if let Some(ignored) = missing_projects.get(name) {
            hints.push(match ignored.first() {
                None => format!(
                    "no configured index has a package named `{name}`: check the spelling, or the index"
                ),
                Some(first) => format!(
                    "the index has `{name}`, but none of its {} file(s) is usable; the first: {first}",
                    ignored.len()
                ),
            });
            continue;
        }
        let Some(skipped) = skipped
            .iter()
            .find(|(package, _)| package.as_ref() == name.as_str())
            .map(|(_, skipped)| skipped)
        else {
            continue;
        };
        let mut reasons: Vec<(Version, String)> = skipped
            .iter()
            .map(|(version, reason)| (version.clone(), reason.to_string()))
            .collect();
        reasons.sort_by(|a, b| b.0.cmp(&a.0));
        reasons.dedup_by(|a, b| a.0 == b.0);
        let shown: Vec<String> = reasons
            .iter()
            .take(3)
            .map(|(version, reason)| format!("{name} {version} {reason}"))
            .collect();
        if !shown.is_empty() {
            let more = reasons.len().saturating_sub(shown.len());
            let tail = if more > 0 {
                format!(" (and {more} more versions passed over)")
            } else {
                String::new()
            };
            hints.push(format!("{}{tail}", shown.join("; ")));
        }
    }
    (explanation, hints)
}

fn collect_packages(
    tree: &DerivationTree<Node, VersionRange, String>,
    names: &mut BTreeSet<String>,
) {
    match tree {
        DerivationTree::External(external) => {
            let node = match external {
                External::NotRoot(node, _)
                | External::NoVersions(node, _)
                | External::Custom(node, _, _) => node,
                External::FromDependencyOf(_, _, dependency, _) => dependency,
            };
            if let Some(name) = node.name() {
                names.insert(name.to_string());
            }
        }
        DerivationTree::Derived(derived) => {
            collect_packages(&derived.cause1, names);
            collect_packages(&derived.cause2, names);
        }
    }
}
