//! The ClearML air-gapped kit: resources locked and carried beside the
//! packages, the files that tell the far side where everything is (parsed
//! back with real YAML and HOCON parsers), and the whole wheelhouse served
//! by a real nginx to a pip with no other network.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use envlock_test::{FixtureFile, FixtureIndex, FixtureServer, ServerOptions};

use crate::universe::universe;
use crate::util::{TestDir, assert_output, check_with_sha256sum, run, unshare_permitted};
use crate::wheelhouse::{host_python, names_in, target_name};

/// Stand-ins for the three files the ClearML air-gap documentation names;
/// the real ones live on hosts this machine cannot reach.
const DEB: (&str, &[u8]) = (
    "code-server_4.96.2_amd64.deb",
    b"!<arch>\ndebian-binary   stand-in for code-server\n",
);
const DROPBEAR: (&str, &[u8]) = ("dropbearmulti", b"\x7fELF stand-in for dropbear\n");
const VSIX: &[u8] = b"PK\x03\x04 stand-in for the VS Code Python extension\n";

/// The wheelhouse universe, plus the stand-ins served as plain files.
fn universe_with_stand_ins() -> FixtureIndex {
    let mut index = universe();
    for (name, bytes) in [DEB, DROPBEAR] {
        index.add_file("stand-ins", FixtureFile::new(name, bytes.to_vec()));
    }
    index
}

fn sha256_hex(bytes: &[u8]) -> String {
    FixtureFile::new("x", bytes.to_vec()).sha256()
}

/// The resources table of the spec: two fetched over HTTP from `${STAND_INS}`,
/// one from a path next to the spec.
const RESOURCES: &str = r#"
[[resources]]
name = "code-server"
url = "${STAND_INS}/files/code-server_4.96.2_amd64.deb"
env = "CLEARML_SESSION_VSCODE_SERVER_DEB"

[[resources]]
name = "vscode-python"
url = "vendor/vspackage"
file = "ms-python.python-2022.12.0.vsix"
env = "CLEARML_SESSION_VSCODE_PY_EXT"

[[resources]]
name = "dropbear"
url = "${STAND_INS}/files/dropbearmulti"
env = "CLEARML_DROPBEAR_EXEC"
"#;

fn write_spec(dir: &TestDir, python: &str, requirements: &str, resources: &str) {
    std::fs::create_dir_all(dir.join("vendor")).unwrap();
    std::fs::write(dir.join("vendor/vspackage"), VSIX).unwrap();
    std::fs::write(
        dir.join("envlock.toml"),
        format!(
            "name = \"kit\"\nrequirements = [{requirements}]\ncarry-pip = false\n\
             [[targets]]\npython = \"{python}\"\nplatform = \"manylinux_2_28_x86_64\"\n{resources}"
        ),
    )
    .unwrap();
}

fn lock(dir: &TestDir, server: &FixtureServer, extra: &[&str]) -> (i32, String, String) {
    let mut command = dir.envlock();
    command
        .env("STAND_INS", server.base_url())
        .args(["lock", "--index-url", &server.index_url()])
        .args(extra);
    run(command)
}

fn resource_requests(server: &FixtureServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|request| {
            request.path.ends_with(".deb") || request.path.ends_with("/dropbearmulti")
        })
        .count()
}

envlock_test!(resources_are_locked_once_and_checked, |dir| {
    let (server, stderr) = lock_flask_with_resources(&dir);
    // The summary counts the resources.
    assert_output(&dir, "lock_summary_with_resources", &stderr);
    let text = std::fs::read_to_string(dir.join("envlock.lock")).unwrap();
    let locked = envlock_lock::decode(&text).unwrap();
    let hashes: Vec<String> = locked
        .resources
        .iter()
        .map(|resource| resource.sha256.to_string())
        .collect();
    let found: Vec<(&str, &str, &str, u64)> = locked
        .resources
        .iter()
        .zip(&hashes)
        .map(|(resource, sha256)| {
            (
                resource.name.as_str(),
                resource.file.as_str(),
                sha256.as_str(),
                resource.size,
            )
        })
        .collect();
    let (deb_sha, dropbear_sha, vsix_sha) =
        (sha256_hex(DEB.1), sha256_hex(DROPBEAR.1), sha256_hex(VSIX));
    assert_eq!(
        found,
        [
            ("code-server", DEB.0, deb_sha.as_str(), DEB.1.len() as u64),
            (
                "dropbear",
                DROPBEAR.0,
                dropbear_sha.as_str(),
                DROPBEAR.1.len() as u64
            ),
            (
                "vscode-python",
                "ms-python.python-2022.12.0.vsix",
                vsix_sha.as_str(),
                VSIX.len() as u64
            ),
        ]
    );
    // The URL is kept as written: the mirror behind ${STAND_INS} is
    // configuration, never lock content.
    assert!(
        text.contains("url = \"${STAND_INS}/files/dropbearmulti\""),
        "{text}"
    );
    assert!(!text.contains("127.0.0.1"), "{text}");

    // Locked once: a re-lock keeps the entries without fetching them.
    server.clear_requests();
    let (code, _, stderr) = lock(&dir, &server, &["--check"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(resource_requests(&server), 0);
    // --upgrade fetches them again, and they are the same.
    let (code, _, stderr) = lock(&dir, &server, &["--upgrade"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(resource_requests(&server), 2);
    assert_eq!(
        std::fs::read_to_string(dir.join("envlock.lock")).unwrap(),
        text
    );

    // A sha256 in the spec that the file does not have: a loud error naming
    // both hashes, and the lock is left as it was.
    let wrong = "0".repeat(64);
    write_spec(
        &dir,
        "3.12",
        r#""flask""#,
        &RESOURCES.replace(
            "env = \"CLEARML_DROPBEAR_EXEC\"",
            &format!("env = \"CLEARML_DROPBEAR_EXEC\"\nsha256 = \"{wrong}\""),
        ),
    );
    let (code, _, stderr) = lock(&dir, &server, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_output(&dir, "lock_error_resource_hash", &stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("envlock.lock")).unwrap(),
        text
    );
});

envlock_test!(
    an_unreachable_resource_is_locked_only_from_the_spec,
    |dir| {
        let server =
            FixtureServer::start(universe_with_stand_ins(), ServerOptions::default()).unwrap();
        let unreachable = "[[resources]]\nname = \"dropbear\"\nurl = \"http://127.0.0.1:1/dropbearmulti\"\nenv = \"CLEARML_DROPBEAR_EXEC\"\n";
        write_spec(&dir, "3.12", r#""flask""#, unreachable);
        let (code, _, stderr) = lock(&dir, &server, &[]);
        assert_eq!(code, 1, "{stderr}");
        assert_output(&dir, "lock_error_resource_unreachable", &stderr);
        assert!(!dir.join("envlock.lock").exists());

        // With the hash and size from a machine that can reach it, the lock
        // records them and says so.
        let sha256 = sha256_hex(DROPBEAR.1);
        write_spec(
            &dir,
            "3.12",
            r#""flask""#,
            &format!(
                "{unreachable}sha256 = \"{sha256}\"\nsize = {}\n",
                DROPBEAR.1.len()
            ),
        );
        let (code, _, stderr) = lock(&dir, &server, &[]);
        assert_eq!(code, 0, "{stderr}");
        assert_output(&dir, "lock_resource_from_the_spec", &stderr);
        let locked = envlock_lock::read_lock(&dir.join("envlock.lock")).unwrap();
        assert_eq!(locked.resources[0].sha256.to_string(), sha256);

        // The wheelhouse then has to fetch it, and cannot: it says which
        // resource, and leaves the folder visibly unfinished.
        let (code, _, stderr) = wheelhouse(&dir, &server, &[]);
        assert_eq!(code, 1, "{stderr}");
        assert_output(&dir, "wheelhouse_error_resource_unreachable", &stderr);
        assert!(!dir.join("wh/SHA256SUMS").exists());
    }
);

fn wheelhouse(dir: &TestDir, server: &FixtureServer, extra: &[&str]) -> (i32, String, String) {
    let mut command = dir.envlock();
    command
        .env("STAND_INS", server.base_url())
        .args(["--index-url", &server.index_url()])
        .args(["wheelhouse", "envlock.lock", "-o", "wh"])
        .args(extra);
    run(command)
}

/// The fixture server, and `flask` for CPython 3.12 locked in `dir` with
/// the resources of [`RESOURCES`]; the lock's stderr beside it.
fn lock_flask_with_resources(dir: &TestDir) -> (FixtureServer, String) {
    let server = FixtureServer::start(universe_with_stand_ins(), ServerOptions::default()).unwrap();
    write_spec(dir, "3.12", r#""flask""#, RESOURCES);
    let (code, _, stderr) = lock(dir, &server, &[]);
    assert_eq!(code, 0, "{stderr}");
    (server, stderr)
}

/// `KEY=value` lines of an environment file, comments skipped.
fn env_file(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (key, value) = line.split_once('=').expect("KEY=value");
            (key.to_owned(), value.to_owned())
        })
        .collect()
}

envlock_test!(
    a_resource_downloaded_into_a_wheelhouse_serves_the_next_one,
    |dir| {
        let (server, _) = lock_flask_with_resources(&dir);
        // The wheelhouse gets a cache of its own, so that it downloads the
        // resources itself (the lock's cache keeps copies of them).
        let cache_dir = dir.join("wheelhouse-cache");
        let build = |output: &str, offline: bool| {
            let mut command = dir.envlock();
            command
                .env("ENVLOCK_CACHE_DIR", &cache_dir)
                .env("STAND_INS", server.base_url())
                .args(["--index-url", &server.index_url()]);
            if offline {
                command.arg("--offline");
            }
            command.args(["wheelhouse", "envlock.lock", "-o", output]);
            run(command)
        };
        let (code, _, stderr) = build("wh", false);
        assert_eq!(code, 0, "{stderr}");
        // The cache notes where the verified resource lies, with the mode
        // the build ends with, and keeps no copy of it ...
        let cache = envlock_index::Cache::new(cache_dir.clone());
        let sha256 = envlock_fs::Sha256::digest(DROPBEAR.1);
        let placed = dir.join("wh/resources").join(DROPBEAR.0);
        assert_eq!(cache.placed_file(&sha256), Some(placed));
        assert_eq!(cache.cached_file(&sha256), None);
        // ... so the next wheelhouse copies it from there, with no network.
        let (code, _, stderr) = build("wh2", true);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(
            std::fs::read(dir.join("wh2/resources").join(DROPBEAR.0)).unwrap(),
            DROPBEAR.1
        );
    }
);

envlock_test!(
    the_wheelhouse_carries_resources_and_tells_the_far_side,
    |dir| {
        let (server, _) = lock_flask_with_resources(&dir);
        let (code, _, stderr) = wheelhouse(
            &dir,
            &server,
            &[
                "--serve-url",
                "http://wheels.internal/clearml/",
                "--queue",
                "gpu",
                "--queue",
                "cpu",
                "--image-pull-secret",
                "regcred",
            ],
        );
        assert_eq!(code, 0, "{stderr}");
        assert_output(&dir, "wheelhouse_summary_with_resources", &stderr);
        let wh = dir.join("wh");
        assert_eq!(
            names_in(&wh.join("resources")),
            [
                "code-server_4.96.2_amd64.deb",
                "dropbearmulti",
                "ms-python.python-2022.12.0.vsix"
            ]
        );
        assert_eq!(
            std::fs::read(wh.join("resources/dropbearmulti")).unwrap(),
            DROPBEAR.1
        );
        let sums = std::fs::read_to_string(wh.join("SHA256SUMS")).unwrap();
        assert!(
            sums.contains(&format!("{}  resources/{}", sha256_hex(DEB.1), DEB.0)),
            "{sums}"
        );
        for generated in [
            "clearml.env",
            "clearml-agent-values.override.yaml",
            "clearml.conf.snippet",
        ] {
            assert!(
                sums.contains(&format!("  {generated}\n")),
                "{generated}: {sums}"
            );
        }
        check_with_sha256sum(&wh);

        // The far side's README names the resources and the generated files.
        let readme = std::fs::read_to_string(wh.join("README.txt")).unwrap();
        assert!(
            readme.contains("CLEARML_DROPBEAR_EXEC=resources/dropbearmulti")
                && readme.contains("clearml-agent-values.override.yaml"),
            "{readme}"
        );

        // clearml.env: pip's extra index and each resource's variable, served.
        let variables = env_file(&wh.join("clearml.env"));
        let expected: BTreeMap<String, String> = [
            (
                "PIP_EXTRA_INDEX_URL",
                "http://wheels.internal/clearml/simple/",
            ),
            ("PIP_TRUSTED_HOST", "wheels.internal"),
            (
                "CLEARML_SESSION_VSCODE_SERVER_DEB",
                "http://wheels.internal/clearml/resources/code-server_4.96.2_amd64.deb",
            ),
            (
                "CLEARML_SESSION_VSCODE_PY_EXT",
                "http://wheels.internal/clearml/resources/ms-python.python-2022.12.0.vsix",
            ),
            (
                "CLEARML_DROPBEAR_EXEC",
                "http://wheels.internal/clearml/resources/dropbearmulti",
            ),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect();
        assert_eq!(variables, expected);

        // The Helm values override, read by a YAML parser: the same variables
        // in each queue's pod template, and the pull secret.
        let yaml_text =
            std::fs::read_to_string(wh.join("clearml-agent-values.override.yaml")).unwrap();
        let documents = yaml_rust2::YamlLoader::load_from_str(&yaml_text).unwrap();
        let values = &documents[0];
        for queue in ["gpu", "cpu"] {
            let env = values["agentk8sglue"]["queues"][queue]["templateOverrides"]["env"]
                .as_vec()
                .unwrap_or_else(|| panic!("queue {queue}: {yaml_text}"));
            let pairs: BTreeMap<String, String> = env
                .iter()
                .map(|entry| {
                    (
                        entry["name"].as_str().unwrap().to_owned(),
                        entry["value"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            assert_eq!(pairs, expected, "{queue}");
        }
        let secrets = values["imageCredentials"]["extraImagePullSecrets"]
            .as_vec()
            .unwrap();
        assert_eq!(secrets.len(), 1);
        assert_eq!(secrets[0]["name"].as_str(), Some("regcred"));

        // The clearml.conf snippet, read by a HOCON parser.
        let conf_text = std::fs::read_to_string(wh.join("clearml.conf.snippet")).unwrap();
        let conf = hocon::HoconLoader::new()
            .load_str(&conf_text)
            .unwrap()
            .hocon()
            .unwrap();
        let arguments: Vec<String> = match &conf["agent"]["extra_docker_arguments"] {
            hocon::Hocon::Array(items) => {
                items.iter().map(|item| item.as_string().unwrap()).collect()
            }
            other => panic!("not a list: {other:?}\n{conf_text}"),
        };
        let pairs: BTreeMap<String, String> = arguments
            .chunks(2)
            .map(|pair| {
                assert_eq!(pair[0], "-e");
                let (key, value) = pair[1].split_once('=').unwrap();
                (key.to_owned(), value.to_owned())
            })
            .collect();
        assert_eq!(pairs, expected);

        // verify checks resources against the lock.
        let verify = |expect: i32| {
            let mut command = dir.envlock();
            command.args(["verify", "wh"]);
            let (code, _, stderr) = run(command);
            assert_eq!(code, expect, "{stderr}");
            stderr
        };
        verify(0);
        let dropbear = wh.join("resources/dropbearmulti");
        let mut bytes = std::fs::read(&dropbear).unwrap();
        bytes[0] ^= 1;
        // Break the link to the cache before writing, as a damaged carry would.
        std::fs::remove_file(&dropbear).unwrap();
        std::fs::write(&dropbear, &bytes).unwrap();
        assert_output(&dir, "verify_changed_resource", &verify(1));
        std::fs::remove_file(&dropbear).unwrap();
        assert_output(&dir, "verify_missing_resource", &verify(1));

        // A rebuild from the cache alone (no index, --offline) restores it, and
        // without --serve-url the far-side files go; --index-mode replace
        // makes the wheelhouse pip's only index.
        let mut offline = dir.envlock();
        offline.args(["--offline", "wheelhouse", "envlock.lock", "-o", "wh"]);
        let (code, _, stderr) = run(offline);
        assert_eq!(code, 0, "{stderr}");
        assert_output(&dir, "wheelhouse_summary_offline_with_resources", &stderr);
        assert_eq!(std::fs::read(&dropbear).unwrap(), DROPBEAR.1);
        assert!(!wh.join("clearml.env").exists());
        verify(0);
        let (code, _, stderr) = wheelhouse(
            &dir,
            &server,
            &["--serve-url", "/mnt/kit", "--index-mode", "replace"],
        );
        assert_eq!(code, 0, "{stderr}");
        let variables = env_file(&wh.join("clearml.env"));
        assert_eq!(variables["PIP_INDEX_URL"], "file:///mnt/kit/simple/");
        assert_eq!(
            variables["CLEARML_DROPBEAR_EXEC"],
            "/mnt/kit/resources/dropbearmulti"
        );
        assert!(!variables.contains_key("PIP_EXTRA_INDEX_URL"));

        // Flags that only make sense with --serve-url say so.
        let (code, _, stderr) = wheelhouse(&dir, &server, &["--queue", "gpu"]);
        assert_eq!(code, 2, "{stderr}");
        assert_output(&dir, "wheelhouse_error_queue_without_serve_url", &stderr);
        let (code, _, stderr) = wheelhouse(&dir, &server, &["--serve-url", "wheels/"]);
        assert_eq!(code, 1, "{stderr}");
        assert_output(&dir, "wheelhouse_error_relative_serve_url", &stderr);
    }
);

/// nginx from Debian's package: on PATH, or where Debian puts it.
fn nginx() -> Option<String> {
    ["nginx", "/usr/sbin/nginx"]
        .into_iter()
        .find_map(|candidate| {
            Command::new(candidate)
                .arg("-v")
                .output()
                .ok()
                .filter(|output| output.status.success())
                .map(|_| candidate.to_owned())
        })
}

envlock_test!(
    a_wheelhouse_served_by_nginx_installs_and_serves_resources,
    |dir| {
        let Some(python) = host_python() else {
            envlock_test::skip("python3 does not run here");
            return;
        };
        let Some(nginx) = nginx() else {
            envlock_test::skip("nginx is not installed (.ci/run installs Debian's nginx-light)");
            return;
        };
        if !unshare_permitted() {
            envlock_test::skip("`unshare -n` is not permitted here");
            return;
        }
        let server =
            FixtureServer::start(universe_with_stand_ins(), ServerOptions::default()).unwrap();
        write_spec(&dir, &python, r#""flask", "purecli""#, RESOURCES);
        let (code, _, stderr) = lock(&dir, &server, &[]);
        assert_eq!(code, 0, "{stderr}");
        // Inside the namespace, nothing but loopback exists: this port is free.
        let serve_url = "http://127.0.0.1:8085/kit";
        let (code, _, stderr) = wheelhouse(
            &dir,
            &server,
            &[
                "--target",
                &target_name(&python),
                "--serve-url",
                serve_url,
                "--index-mode",
                "replace",
            ],
        );
        assert_eq!(code, 0, "{stderr}");
        drop(server);

        let wh = dir.join("wh");
        let nginx_dir = dir.join("nginx");
        std::fs::create_dir_all(nginx_dir.join("logs")).unwrap();
        std::fs::write(
        nginx_dir.join("nginx.conf"),
        format!(
            "user root;\nworker_processes 1;\npid {dir}/nginx.pid;\nerror_log {dir}/logs/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log {dir}/logs/access.log;\n  client_body_temp_path {dir}/body;\n  \
             proxy_temp_path {dir}/proxy;\n  fastcgi_temp_path {dir}/fastcgi;\n  uwsgi_temp_path {dir}/uwsgi;\n  \
             scgi_temp_path {dir}/scgi;\n  server {{\n    listen 127.0.0.1:8085;\n    \
             location /kit/ {{ alias {wh}/; }}\n  }}\n}}\n",
            dir = nginx_dir.display(),
            wh = wh.display()
        ),
    )
    .unwrap();
        let venv = envlock_test::Venv::create(None, &dir.join("venv")).unwrap();

        // Everything on the far side runs in one namespace with loopback only:
        // nginx serves the wheelhouse, pip installs through the variables of
        // clearml.env, and each resource is fetched through its variable and
        // hashed.
        let lock = envlock_lock::read_lock(&dir.join("envlock.lock")).unwrap();
        let expected_hashes: Vec<String> = lock
            .resources
            .iter()
            .map(|resource| format!("{}={}", resource.env, resource.sha256))
            .collect();
        let fetch_resources = r#"
import hashlib, os, sys, urllib.request
for name in sys.argv[1:]:
    with urllib.request.urlopen(os.environ[name]) as response:
        print("%s=%s" % (name, hashlib.sha256(response.read()).hexdigest()))
"#;
        let names: Vec<String> = lock
            .resources
            .iter()
            .map(|resource| resource.env.clone())
            .collect();
        let script = format!(
            "set -e\nip link set lo up\n{nginx} -c {conf} -p {prefix}\n\
         set -a; . {wh}/clearml.env; set +a\n\
         trap '{nginx} -c {conf} -p {prefix} -s stop' EXIT\n\
         {pip} install --disable-pip-version-check --index-url \"$PIP_INDEX_URL\" --require-hashes -r {wh}/requirements.txt\n\
         {pip} check --disable-pip-version-check\n\
         {python} -c \"import flask, purecli; print('imported', purecli.NAME)\"\n\
         {python} -c '{fetch}' {names}\n",
            conf = nginx_dir.join("nginx.conf").display(),
            prefix = nginx_dir.display(),
            wh = wh.display(),
            pip = venv.pip_shell(),
            python = venv.python().display(),
            fetch = fetch_resources,
            names = names.join(" "),
        );
        let output = Command::new("unshare")
            .args(["-n", "sh", "-c", &script])
            .env("PIP_CONFIG_FILE", "/dev/null")
            .env_remove("PIP_INDEX_URL")
            .env_remove("PIP_EXTRA_INDEX_URL")
            .env_remove("PIP_FIND_LINKS")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let log = std::fs::read_to_string(nginx_dir.join("logs/error.log")).unwrap_or_default();
        assert!(output.status.success(), "{stdout}\n{stderr}\nnginx: {log}");
        assert!(stdout.contains("imported purecli"), "{stdout}");
        for hash in &expected_hashes {
            assert!(stdout.contains(hash.as_str()), "{hash} not in:\n{stdout}");
        }
        // pip really went through nginx.
        let access = std::fs::read_to_string(nginx_dir.join("logs/access.log")).unwrap();
        assert!(access.contains("GET /kit/simple/flask/"), "{access}");
        assert!(
            access.contains("GET /kit/resources/dropbearmulti"),
            "{access}"
        );
    }
);

envlock_test!(the_clearml_walkthrough_runs_as_written, |dir| {
    if Command::new("git").arg("--version").output().is_err() {
        envlock_test::skip("git is not installed; the walkthrough uses `envlock diff --git`");
        return;
    }
    let server = FixtureServer::start(universe_with_stand_ins(), ServerOptions::default()).unwrap();
    // The example's spec, with the fixture's packages and stand-in resources.
    write_spec(&dir, "3.12", r#""flask", "purecli""#, RESOURCES);
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/clearml-session/walkthrough.sh");
    let mut command = Command::new("bash");
    command
        .arg(&script)
        .current_dir(dir.path())
        .env("ENVLOCK", env!("CARGO_BIN_EXE_envlock"))
        .env("ENVLOCK_INDEX_URL", server.index_url())
        .env("ENVLOCK_ALLOW_INSECURE_HOST", "127.0.0.1")
        .env("ENVLOCK_CACHE_DIR", dir.join(".cache"))
        .env("STAND_INS", server.base_url())
        .env("SPEC", dir.path())
        .env("WORK", dir.join("work"))
        .env("QUEUE", "sessions")
        .env("NO_COLOR", "1")
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_EXTRA_INDEX_URL");
    let (code, stdout, stderr) = run(command);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("PIP_EXTRA_INDEX_URL=http://wheels.internal/clearml/simple/"),
        "{stdout}"
    );
    let far_side = dir.join("work/far-side/clearml-wheelhouse");
    assert_eq!(
        std::fs::read(far_side.join("resources/dropbearmulti")).unwrap(),
        DROPBEAR.1
    );
    let values =
        std::fs::read_to_string(far_side.join("clearml-agent-values.override.yaml")).unwrap();
    assert!(values.contains("\"sessions\":"), "{values}");
    assert!(
        std::fs::read_to_string(dir.join("work/lock-changes.md"))
            .unwrap()
            .contains("The locks are the same"),
        "a fresh lock equals the one just committed"
    );
});

envlock_test!(a_hand_edited_lock_can_neither_inject_nor_escape, |dir| {
    let (server, _) = lock_flask_with_resources(&dir);
    let reviewed = std::fs::read_to_string(dir.join("envlock.lock")).unwrap();

    // The lock as written: its clearml.env, sourced by a shell, sets the
    // variables to exactly the values docker --env-file reads.
    let (code, _, stderr) = wheelhouse(&dir, &server, &["--serve-url", "/mnt/kit"]);
    assert_eq!(code, 0, "{stderr}");
    let sourced = Command::new("sh")
            .current_dir(dir.join("wh"))
            .args([
                "-c",
                "set -a; . ./clearml.env; set +a; printf '%s|%s' \"$CLEARML_DROPBEAR_EXEC\" \"$PIP_EXTRA_INDEX_URL\"",
            ])
            .output()
            .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&sourced.stdout),
        "/mnt/kit/resources/dropbearmulti|file:///mnt/kit/simple/"
    );
    let variables = env_file(&dir.join("wh/clearml.env"));
    assert_eq!(
        variables["CLEARML_DROPBEAR_EXEC"],
        "/mnt/kit/resources/dropbearmulti"
    );
    std::fs::remove_dir_all(dir.join("wh")).unwrap();

    let cases = [
        (
            "file = \"dropbearmulti\"",
            "file = \"x$(touch pwned).bin\"",
            "`file`",
        ),
        (
            "file = \"dropbearmulti\"",
            "file = \"x`touch pwned`.bin\"",
            "`file`",
        ),
        (
            "file = \"dropbearmulti\"",
            "file = \"x;touch pwned\"",
            "`file`",
        ),
        (
            "file = \"dropbearmulti\"",
            "file = \"../../pwned\"",
            "`file`",
        ),
        (
            "env = \"CLEARML_DROPBEAR_EXEC\"",
            "env = \"X;touch pwned;Y\"",
            "`env`",
        ),
        (
            "name = \"flask\"",
            "name = \"/tmp/x/pwned\"",
            "not a valid package name",
        ),
        (
            "name = \"flask\"",
            "name = \"../x\"",
            "not a valid package name",
        ),
        (
            "name = \"flask\"",
            "name = \"<script>alert(1)</script>\"",
            "not a valid package name",
        ),
        (
            "name = \"flask\"",
            "name = \"a<img onerror=alert(1)>\"",
            "not a valid package name",
        ),
        (
            "name = \"kit\"",
            "name = \"kit\\n--index-url http://evil\"",
            "the lock's `name`",
        ),
        (
            "name = \"kit\"",
            "name = \"kit'$(touch pwned)\\\"\"",
            "the lock's `name`",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(reviewed.contains(from), "{from}");
        std::fs::write(dir.join("envlock.lock"), reviewed.replacen(from, to, 1)).unwrap();
        let (code, _, stderr) = wheelhouse(&dir, &server, &["--serve-url", "/mnt/kit"]);
        assert_eq!(code, 1, "{to}: {stderr}");
        assert!(stderr.contains("invalid lockfile"), "{to}: {stderr}");
        assert!(stderr.contains(expected), "{to}: {stderr}");
        assert!(!dir.join("wh").exists(), "{to}: the wheelhouse was started");
        assert!(
            !dir.join("pwned").exists() && !dir.join("x").exists(),
            "{to}"
        );
    }
});
