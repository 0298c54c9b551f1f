//! Test support for envlock (never a dependency of a shipped crate).
//!
//! It owns: a fixture package index served over HTTP on 127.0.0.1 (PEP 691
//! JSON and PEP 503 HTML pages, PEP 658 metadata files, Range requests,
//! basic auth, injected faults), a generator of tiny but real wheels and
//! sdists with the right metadata, and a loader for the packse conformance
//! scenarios in `shared/conformance/`.
//!
//! ```
//! use envlock_test::{DistSpec, FixtureIndex, FixtureServer, ServerOptions};
//!
//! let mut index = FixtureIndex::new();
//! let spec = DistSpec::new("top", "1.0").requires("leaf>=2").requires_python(">=3.8");
//! index.add_wheel(&spec, "py3-none-any");
//! index.add_sdist(&spec).yanked = Some("use 1.1".to_owned());
//! let server = FixtureServer::start(index, ServerOptions::default())?;
//! assert!(server.index_url().ends_with("/simple/"));
//! # Ok::<(), std::io::Error>(())
//! ```

pub mod dist;
pub mod hostile;
pub mod index;
mod pages;
pub mod scenario;
pub mod server;
pub mod skip;
pub mod venv;

pub use dist::{
    DistSpec, build_sdist, build_wheel, normalize_name, sdist_filename, sha256_hex, wheel_filename,
};
pub use index::{FixtureFile, FixtureIndex};
pub use scenario::{
    Environment, Expected, ResolverOptions, Root, Scenario, ScenarioError, ScenarioPackage,
    ScenarioVersion, conformance_dir, load_scenarios,
};
pub use server::{Fault, FixtureServer, RequestRecord, ServerOptions};
pub use skip::skip;
pub use venv::Venv;
