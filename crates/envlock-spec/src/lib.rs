//! The envlock spec: `envlock.toml` and the pip-syntax requirements files it
//! includes, read into checked, normalised inputs for a lock.
//!
//! This crate touches no network and knows nothing of the solver. Every
//! error points at the file, line and column of the offending text (and
//! carries the byte span, so the CLI can underline it), and says what to do.
//!
//! The spec's keys are documented in the README ("The spec"); unknown keys
//! are errors, so a typo is never silently ignored.

mod error;
mod expand;
mod interpreter;
mod requirements_txt;
mod spec;

pub use error::{Location, SpecError};
pub use expand::{Environment, expand, process_environment};
pub use interpreter::{InterpreterSource, InterpreterSpec, PYTHON_INSTALL_MIRROR};
pub use requirements_txt::{Located, RequirementsFile, read_requirements_file};
pub use spec::{
    IndexSpec, PrereleasePolicy, ResourceSpec, SPEC_FILE_NAME, Spec, TargetSpec, find_spec,
};
