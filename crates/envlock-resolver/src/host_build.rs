//! Locking an sdist's build requirements for the machine that builds it.
//!
//! When `envlock lock` must build an sdist's metadata on this machine, its
//! `build-system.requires` are resolved by envlock's own resolver for the
//! host's Python (its version and platform asked once from the interpreter
//! that runs the builds), against the same indexes with the same pins as
//! the lock: a package pinned to an index comes from that index only, an
//! `explicit` index serves only its pinned packages, `exclude-newer` and the
//! pre-release policy hold. Only wheels are chosen (an sdist among build
//! requirements would itself need building). Every chosen file comes with
//! the sha256 its index page gives; files without one are refused.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::str::FromStr as _;
use std::sync::{Arc, OnceLock};

use envlock_index::PackageIndex;
use envlock_pep::{Platform, PythonVersion, Requirement, Target};
use pubgrub::PubGrubError;

use crate::inputs::TargetInputs;
use crate::project::{Keep, KeepTarget};
use crate::provider::{Node, StandIns, TargetProvider, root_version};
use crate::reporter::Silent;
use crate::sdist_build::{LockBuildRequirements, LockedBuildFile};
use crate::shared::{IndexPins, SharedIndexes, Wanted};

/// Resolves build requirements for the host Python; see the module docs.
pub(crate) struct HostBuildLocker {
    view: Arc<HostView>,
    python: std::path::PathBuf,
    /// The host target, asked once (early, by
    /// [`LockBuildRequirements::expect_build`]).
    target: Arc<OnceLock<Result<Target, String>>>,
    /// Whether [`LockBuildRequirements::expect_build`] has started its
    /// thread.
    expecting: std::sync::Once,
    /// The index view resolved against, made on first use or by
    /// [`LockBuildRequirements::expect_build`] (a lock that builds
    /// nothing starts no threads for it).
    shared: Arc<OnceLock<Arc<SharedIndexes>>>,
}

/// What the index view of the host's resolutions is made of.
struct HostView {
    indexes: Vec<Arc<dyn PackageIndex>>,
    pins: IndexPins,
    exclude_newer: Option<jiff::Timestamp>,
    prereleases: envlock_spec::PrereleasePolicy,
}

/// How many threads fetch ahead for the host's resolutions: a build
/// environment is a handful of packages.
const HOST_PREFETCH_THREADS: usize = 8;

/// The build requirements nearly every sdist that must be built has (PEP
/// 517's default, which envlock completes with `wheel` as pip does, and
/// what most sdists declare): their pages are read as soon as a build is
/// likely (see [`LockBuildRequirements::expect_build`]).
const LIKELY_BUILD_REQUIREMENTS: [&str; 2] = ["setuptools", "wheel"];

impl HostView {
    /// The index view for resolutions for `target`.
    fn shared_for(&self, target: &Target) -> Arc<SharedIndexes> {
        let keep = Keep {
            targets: vec![KeepTarget {
                tags: target.tags(),
                python: target.python().full_version(),
            }],
            exclude_newer: self.exclude_newer,
            sdists_always: false,
        };
        Arc::new(SharedIndexes::new(
            self.indexes.clone(),
            self.pins.clone(),
            Arc::new(Silent),
            None,
            keep,
            HOST_PREFETCH_THREADS,
        ))
    }

    /// What a resolution of `requirements` for the host is asked.
    fn inputs(&self, target: &Target, requirements: Vec<Requirement>) -> TargetInputs {
        TargetInputs {
            target_index: 0,
            markers: target.marker_environment().clone(),
            python: target.python().full_version(),
            requirements,
            constraints: HashMap::new(),
            prereleases: self.prereleases,
            only_binary: Default::default(),
            only_binary_all: true,
            no_binary: Default::default(),
            no_binary_all: false,
            exclude_newer: self.exclude_newer,
            preferences: HashMap::new(),
            user_constraint_specifiers: Vec::new(),
        }
    }
}

impl HostBuildLocker {
    pub fn new(
        indexes: Vec<Arc<dyn PackageIndex>>,
        pins: IndexPins,
        spec: &envlock_spec::Spec,
        python: std::path::PathBuf,
    ) -> HostBuildLocker {
        HostBuildLocker {
            view: Arc::new(HostView {
                indexes,
                pins,
                exclude_newer: spec.exclude_newer,
                prereleases: spec.prereleases,
            }),
            python,
            target: Arc::new(OnceLock::new()),
            expecting: std::sync::Once::new(),
            shared: Arc::new(OnceLock::new()),
        }
    }

    fn host(&self) -> Result<(&Target, &Arc<SharedIndexes>), String> {
        let target = self
            .target
            .get_or_init(|| host_target(&self.python))
            .as_ref()
            .map_err(Clone::clone)?;
        let shared = self.shared.get_or_init(|| self.view.shared_for(target));
        Ok((target, shared))
    }
}

impl LockBuildRequirements for HostBuildLocker {
    /// Asks, on a thread of its own, what the first build will need: the
    /// interpreter behind `python` (a launcher such as a pyenv shim, a
    /// bash script that starts a dozen processes, takes 0.1 s on an idle
    /// machine and up to 0.6 s beside a lock's threads) and the host's
    /// version and platform; then fetches ahead the likely build
    /// requirements (setuptools and wheel) for the host: their pages and
    /// the metadata of the wheels it would take. In a cold 25-target lock,
    /// reading the pages after psutil's sdist was unpacked took 0.13-0.17 s
    /// on the way to its build, and the solve then read each wheel's
    /// metadata in turn. The lock goes on meanwhile; the first build waits
    /// only for what is not known yet. A lock that builds nothing runs no
    /// interpreter. (Whether builds can run without network is not asked
    /// here: where they cannot, asking says so, which a lock that builds
    /// nothing must not.)
    fn expect_build(&self) {
        self.expecting.call_once(|| {
            let (target, shared) = (Arc::clone(&self.target), Arc::clone(&self.shared));
            let (view, python) = (Arc::clone(&self.view), self.python.clone());
            let spawned = std::thread::Builder::new()
                .name("envlock-build-pages".to_owned())
                .spawn(move || {
                    let Ok(target) = target.get_or_init(|| host_target(&python)) else {
                        return;
                    };
                    let shared = shared.get_or_init(|| view.shared_for(target));
                    let likely: Vec<Requirement> = LIKELY_BUILD_REQUIREMENTS
                        .iter()
                        .filter_map(|name| name.parse().ok())
                        .collect();
                    let inputs = view.inputs(target, likely.clone());
                    let wanted = likely
                        .iter()
                        .map(|requirement| Wanted::of(&inputs, requirement))
                        .collect();
                    shared.prefetch(Arc::new(inputs), wanted);
                });
            // Without the thread, the first build reads them itself.
            drop(spawned);
        });
    }

    fn lock_for_host(&self, requires: &[String]) -> Result<Vec<LockedBuildFile>, String> {
        let (target, shared) = self.host()?;
        let requirements = requires
            .iter()
            .map(|text| {
                envlock_pep::check_requirement(text)
                    .map_err(|error| format!("`{text}`: {error}"))?;
                Requirement::from_str(text).map_err(|error| format!("`{text}`: {error}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // A build environment is locked exactly as it will be installed:
        // nothing stands in for an sdist's metadata here.
        let provider = TargetProvider::new(
            Arc::clone(shared),
            Arc::new(self.view.inputs(target, requirements)),
            StandIns::Refused,
        );
        let selected = match pubgrub::resolve(&provider, Node::Root, root_version()) {
            Ok(selected) => selected,
            Err(PubGrubError::NoSolution(mut tree)) => {
                let skipped = provider.skipped_reasons();
                let (explanation, _) =
                    crate::report::explain(&mut tree, &skipped, &Default::default());
                return Err(format!(
                    "no set of wheels for this machine's Python ({target}) meets them:\n{explanation}"
                ));
            }
            Err(PubGrubError::ErrorChoosingVersion { source, .. })
            | Err(PubGrubError::ErrorRetrievingDependencies { source, .. })
            | Err(PubGrubError::ErrorInShouldCancel(source)) => return Err(source.to_string()),
        };
        let observed = provider.observed.borrow();
        let mut locked = Vec::new();
        for (node, version) in selected {
            let Node::Package(name) = node else { continue };
            let file = observed
                .files
                .get(&(name.clone(), version.clone()))
                .map(|chosen| chosen.file().clone())
                .ok_or_else(|| format!("no file was recorded for {name} {version}"))?;
            // Lowercase, as pip's `--hash` wants it.
            let sha256 = file
                .sha256_hex()
                .ok_or_else(|| format!("the index gives no usable sha256 for {}", file.filename))?;
            let index = self.index_of(shared, &name)?;
            locked.push(LockedBuildFile {
                name: name.to_string(),
                version: version.to_string(),
                sha256,
                index,
                file,
            });
        }
        locked.sort_by(|a, b| a.file.filename.cmp(&b.file.filename));
        Ok(locked)
    }
}

impl HostBuildLocker {
    /// The index that served `name` in the host resolution.
    fn index_of(
        &self,
        shared: &SharedIndexes,
        name: &envlock_pep::PackageName,
    ) -> Result<Arc<dyn PackageIndex>, String> {
        let index_name = shared
            .project(name)
            .map(|project| project.index_name.clone())
            .map_err(|error| error.to_string())?;
        self.view
            .indexes
            .iter()
            .find(|index| index.name() == index_name)
            .cloned()
            .ok_or_else(|| format!("no index named `{index_name}` serves {name}"))
    }
}

/// Prints the interpreter's file, its version and a platform name envlock
/// parses.
const HOST_PROBE: &str = r#"
import platform, sys, sysconfig
print(sys.executable)
print("%d.%d.%d" % sys.version_info[:3])
machine = platform.machine()
if sys.platform.startswith("linux"):
    libc, version = platform.libc_ver()
    if libc == "glibc" and version.count(".") >= 1:
        print("manylinux_%s_%s_%s" % (tuple(version.split(".")[:2]) + (machine,)))
    else:
        print("linux_" + machine)
elif sys.platform == "darwin":
    release = (platform.mac_ver()[0].split(".") + ["0"])[:2]
    print("macosx_%s_%s_%s" % (release[0], release[1], machine))
else:
    print(sysconfig.get_platform().replace("-", "_").replace(".", "_"))
"#;

/// The target the host's Python is: its version and platform. `python`
/// (often a launcher, such as a pyenv shim, slow to start) is run once:
/// the interpreter file it stands for, which the builds run, is learnt
/// from the same answer.
fn host_target(python: &std::path::Path) -> Result<Target, String> {
    let interpreter = python;
    let output = Command::new(interpreter)
        .args(["-I", "-c", HOST_PROBE])
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("cannot run {}: {error}", interpreter.display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines = text.lines();
    let (Some(executable), Some(version), Some(platform), true) = (
        lines.next(),
        lines.next(),
        lines.next(),
        output.status.success(),
    ) else {
        return Err(format!(
            "cannot tell the version and platform of {}: {}",
            interpreter.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    };
    let unusable = |what: String| {
        format!(
            "{} reports {what}, which envlock cannot build for",
            interpreter.display()
        )
    };
    envlock_confine::remember_interpreter(python, executable);
    let python = PythonVersion::from_str(version.trim())
        .map_err(|error| unusable(format!("Python {version} ({error})")))?;
    let platform = Platform::from_str(platform.trim())
        .map_err(|error| unusable(format!("the platform {platform} ({error})")))?;
    Target::new(python, platform)
        .map(|target| target.with_name(format!("this machine ({})", python)))
        .map_err(|error| error.to_string())
}
