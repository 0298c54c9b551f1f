//! The packse conformance scenarios (`shared/conformance/packse`), end to
//! end: each scenario's package universe is served on 127.0.0.1 by the
//! fixture index, `envlock lock` resolves its root requirements for the
//! scenario's target, and the lock is checked against the expected outcome.
//!
//! Universal (`universal = true`) scenarios describe one resolution across
//! every environment; envlock resolves per declared target instead, so they
//! are not run. Deliberate departures are listed in `DEPARTURES` with their
//! reasons; the test fails if a listed scenario starts passing (so the list
//! stays true) or if an unlisted one fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use envlock_test::{
    FixtureIndex, FixtureServer, Scenario, ServerOptions, conformance_dir, load_scenarios,
};

use crate::util::{TestDir, run};

/// Scenarios where envlock's policy differs on purpose, with the reason.
const DEPARTURES: &[(&str, &str)] = &[(
    "python-less-than-current",
    "packse expects the upper bound of Requires-Python (`<=3.8`) to be ignored for a 3.9 target. \
     envlock resolves for a concrete interpreter, and pip on that interpreter refuses a file whose \
     Requires-Python excludes it; a lock that pip then rejects on the far side of the air gap is \
     exactly the failure envlock exists to prevent.",
)];

/// The platform a scenario's target runs on.
fn platform(scenario: &Scenario) -> String {
    match scenario.resolver_options.python_platform.as_deref() {
        Some(platform) => {
            // packse writes `<arch>-<platform>`, e.g. `x86_64-manylinux2014`.
            let (arch, name) = platform.split_once('-').unwrap_or(("x86_64", platform));
            format!("{name}_{arch}")
        }
        None => "manylinux_2_28_x86_64".to_owned(),
    }
}

fn spec_text(scenario: &Scenario) -> String {
    let quote = |text: &str| format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""));
    let requirements: Vec<String> = scenario
        .root
        .requires
        .iter()
        .map(|requirement| quote(requirement))
        .collect();
    let mut text = format!(
        "name = {}\nrequirements = [{}]\n",
        quote(&scenario.name),
        requirements.join(", ")
    );
    if scenario.resolver_options.prereleases {
        text.push_str("prereleases = \"allow\"\n");
    }
    let names = |names: &[String]| {
        names
            .iter()
            .map(|name| quote(name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !scenario.resolver_options.no_build.is_empty() {
        text.push_str(&format!(
            "only-binary = [{}]\n",
            names(&scenario.resolver_options.no_build)
        ));
    }
    if !scenario.resolver_options.no_binary.is_empty() {
        text.push_str(&format!(
            "no-binary = [{}]\n",
            names(&scenario.resolver_options.no_binary)
        ));
    }
    text.push_str(&format!(
        "\n[[targets]]\nname = \"target\"\npython = {}\nplatform = {}\n",
        quote(scenario.target_python()),
        quote(&platform(scenario))
    ));
    text
}

/// Runs one scenario; `Ok` when envlock's outcome is the expected one.
fn run_scenario(scenario: &Scenario) -> Result<(), String> {
    let server = FixtureServer::start(
        FixtureIndex::from_scenario(scenario),
        ServerOptions::default(),
    )
    .map_err(|error| format!("fixture server: {error}"))?;
    let dir = TestDir::new();
    std::fs::write(dir.join("envlock.toml"), spec_text(scenario))
        .map_err(|error| error.to_string())?;
    let mut command = dir.envlock();
    command.args(["lock", "--index-url", &server.index_url()]);
    let (code, _, stderr) = run(command);
    let expected = &scenario.expected;
    match (expected.satisfiable, code) {
        (true, 0) => {
            if expected.packages.is_empty() {
                return Ok(());
            }
            let lock = envlock_lock::read_lock(&dir.join("envlock.lock"))
                .map_err(|error| error.to_string())?;
            let got: BTreeMap<String, String> = lock
                .packages_for("target")
                .map(|package| (package.name.to_string(), package.version.to_string()))
                .collect();
            let want: BTreeMap<String, String> = expected
                .packages
                .iter()
                .map(|(name, version)| (envlock_test::normalize_name(name), version.clone()))
                .collect();
            if got == want {
                Ok(())
            } else {
                Err(format!("expected {want:?}, locked {got:?}"))
            }
        }
        (true, _) => Err(format!("expected a solution, envlock failed:\n{stderr}")),
        (false, 1) if stderr.contains("no solution") => Ok(()),
        (false, 0) => Err("expected no solution, envlock locked one".to_owned()),
        (false, _) => Err(format!("expected `no solution`, envlock said:\n{stderr}")),
    }
}

/// A scenario that failed: its name, its file and why.
type Failure = (String, String, String);

/// Runs the scenarios three at a time (each spends most of its time
/// starting a process and waiting on its fixture server); returns the names
/// of those that passed and, for the others, name, file and why.
fn run_scenarios(scenarios: &[&(PathBuf, Scenario)]) -> (Vec<String>, Vec<Failure>) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let outcomes = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                while let Some((path, scenario)) =
                    scenarios.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    let outcome = run_scenario(scenario);
                    let name = scenario.name.clone();
                    let path = path.display().to_string();
                    outcomes.lock().unwrap().push((name, path, outcome));
                }
            });
        }
    });
    let mut outcomes = outcomes.into_inner().unwrap();
    outcomes.sort_by(|a, b| a.0.cmp(&b.0));
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    for (name, path, outcome) in outcomes {
        match outcome {
            Ok(()) => passed.push(name),
            Err(why) => failed.push((name, path, why)),
        }
    }
    (passed, failed)
}

#[test]
fn packse_scenarios() {
    let dir = conformance_dir();
    if !Path::new(&dir).is_dir() {
        envlock_test::skip(format_args!(
            "the packse conformance scenarios did not run: {} does not exist \
             (it is shared/conformance/packse beside the checkout; set ENVLOCK_CONFORMANCE_DIR \
             to point elsewhere)",
            dir.display()
        ));
        return;
    }
    let scenarios = load_scenarios(&dir).expect("scenarios load");
    let universal = scenarios
        .iter()
        .filter(|(_, scenario)| scenario.resolver_options.universal)
        .count();
    let runnable: Vec<_> = scenarios
        .iter()
        .filter(|(_, scenario)| !scenario.resolver_options.universal)
        .collect();
    let (passed, failed) = run_scenarios(&runnable);
    let run_count = passed.len() + failed.len();
    println!(
        "packse: {} passed, {} failed, {universal} universal scenarios not run",
        passed.len(),
        failed.len()
    );
    let unexpected: Vec<String> = failed
        .iter()
        .filter(|(name, _, _)| !DEPARTURES.iter().any(|(departure, _)| departure == name))
        .map(|(name, path, why)| format!("{name} ({path}): {why}"))
        .collect();
    let fixed: Vec<&str> = DEPARTURES
        .iter()
        .filter(|(departure, _)| passed.iter().any(|name| name == departure))
        .map(|(departure, _)| *departure)
        .collect();
    assert!(
        unexpected.is_empty(),
        "scenarios failing that are not listed departures:\n{}",
        unexpected.join("\n\n")
    );
    assert!(
        fixed.is_empty(),
        "listed departures that now pass (remove them from DEPARTURES): {fixed:?}"
    );
    assert!(
        passed.len() * 100 >= run_count * 95,
        "only {} of {run_count} scenarios pass",
        passed.len()
    );
}
