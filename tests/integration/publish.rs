//! `envlock publish` against real repositories on 127.0.0.1: pypiserver
//! and devpi-server, each with authentication, and nginx's WebDAV module
//! for resources. The servers come from virtualenvs under
//! `$ENVLOCK_TEST_TOOLS_DIR` (`.ci/install-publish-tools.sh DIR` makes
//! them); each test skips, saying why, when its server is missing.
//!
//! The fixture wheelhouse has wheels, an sdist, a wheel built from it with
//! `--build-wheels`, and the sdist's build requirement.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use envlock_test::{FixtureServer, ServerOptions};

use crate::universe::universe;
use crate::util::{TestDir, lock_ok, run, unshare_permitted, wheelhouse_ok};
use crate::wheelhouse::{host_python, target_name};

const USER: &str = "alice";
const PASSWORD: &str = "s3cret-pw";

/// `$ENVLOCK_TEST_TOOLS_DIR/<venv>/bin/<tool>`, or `None` having said why.
fn tool(venv: &str, name: &str) -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("ENVLOCK_TEST_TOOLS_DIR") else {
        println!(
            "SKIPPED: ENVLOCK_TEST_TOOLS_DIR is not set (.ci/install-publish-tools.sh DIR makes the servers' venvs)"
        );
        return None;
    };
    let path = Path::new(&dir).join(venv).join("bin").join(name);
    if path.is_file() {
        Some(path)
    } else {
        println!(
            "SKIPPED: {} is not installed (.ci/install-publish-tools.sh installs it)",
            path.display()
        );
        None
    }
}

/// A server process, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `command` and waits until it accepts connections on `port`.
fn start(mut command: Command, port: u16, log: &Path) -> Server {
    let file = std::fs::File::create(log).unwrap();
    command
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file);
    let mut server = Server(command.spawn().unwrap());
    let deadline = Instant::now() + Duration::from_secs(90);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        let exited = server.0.try_wait().unwrap();
        assert!(
            exited.is_none() && Instant::now() < deadline,
            "the server did not start: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// Locks the fixture universe for the host's Python and builds its
/// wheelhouse into `wh`, building the sdist's wheel when `build_wheels`.
fn fixture_wheelhouse(dir: &TestDir, build_wheels: bool) -> Option<String> {
    let Some(python) = host_python() else {
        println!("SKIPPED: python3 does not run here");
        return None;
    };
    let server = FixtureServer::start(universe(), ServerOptions::default()).unwrap();
    std::fs::create_dir_all(dir.join("vendor")).unwrap();
    std::fs::write(
        dir.join("vendor/tool.bin"),
        b"a plain file, not a package\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("envlock.toml"),
        format!(
            "name = \"kit\"\nrequirements = [\"flask\", \"tqdm\", \"purecli\"]\n\
             [[targets]]\npython = \"{python}\"\nplatform = \"manylinux_2_28_x86_64\"\n\
             [[resources]]\nname = \"tool\"\nurl = \"vendor/tool.bin\"\nenv = \"TOOL_BIN\"\n"
        ),
    )
    .unwrap();
    lock_ok(dir, &server.index_url());
    let target = target_name(&python);
    let mut args = vec!["envlock.lock", "--target", &target, "-o", "wh"];
    if build_wheels {
        args.extend(["--build-wheels", "--python", "python3"]);
    }
    wheelhouse_ok(dir, &server.index_url(), &args);
    Some(python)
}

/// The distributions the fixture wheelhouse publishes.
fn published_files(build_wheels: bool) -> Vec<&'static str> {
    let mut files = vec![
        "flask-3.0.3-py3-none-any.whl",
        "markupsafe-2.1.5-py3-none-any.whl",
        "purecli-1.0.tar.gz",
        "tinybackend-1.0-py3-none-any.whl",
        "tqdm-4.67.0-py3-none-any.whl",
        "werkzeug-3.0.6-py3-none-any.whl",
    ];
    if build_wheels {
        files.push("purecli-1.0-py3-none-any.whl");
    }
    files.sort_unstable();
    files
}

/// `envlock publish wh ARGS` with only these credentials in the
/// environment (HOME is the test folder: no ~/.pypirc or ~/.netrc leaks in).
fn publish(dir: &TestDir, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = dir.envlock();
    command.env("HOME", dir.path()).env_remove("NETRC");
    for name in [
        "TWINE_USERNAME",
        "TWINE_PASSWORD",
        "ENVLOCK_PUBLISH_USERNAME",
        "ENVLOCK_PUBLISH_PASSWORD",
        "ENVLOCK_PUBLISH_TOKEN",
        "ENVLOCK_PUBLISH_REPOSITORY_URL",
        // Each call says itself which hosts may be plain http.
        "ENVLOCK_ALLOW_INSECURE_HOST",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.args(["publish", "wh"]).args(args);
    let (code, stdout, stderr) = run(command);
    assert!(
        !stdout.contains(PASSWORD) && !stderr.contains(PASSWORD),
        "a password was printed:\n{stdout}\n{stderr}"
    );
    (code, stdout, stderr)
}

/// (file, outcome) of each distribution in a `--json` report.
fn outcomes(stdout: &str) -> Vec<(String, String)> {
    let value: serde_json::Value = serde_json::from_str(stdout).unwrap();
    value["publish"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| {
            (
                file["file"].as_str().unwrap().to_owned(),
                file["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn all(files: &[&str], outcome: &str) -> Vec<(String, String)> {
    files
        .iter()
        .map(|file| ((*file).to_owned(), outcome.to_owned()))
        .collect()
}

fn names_under(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The first file called `name` anywhere under `dir`.
fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    for entry in std::fs::read_dir(dir).ok()? {
        let path = entry.ok()?.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, name) {
                return Some(found);
            }
        } else if path.file_name().is_some_and(|file| file == name) {
            return Some(path);
        }
    }
    None
}

/// An htpasswd file with one user, written by passlib from the venv.
fn htpasswd(python: &Path, path: &Path) {
    let output = Command::new(python)
        .args([
            "-c",
            "import sys; from passlib.apache import HtpasswdFile as H; \
             h = H(sys.argv[1], new=True); h.set_password(sys.argv[2], sys.argv[3]); h.save()",
        ])
        .arg(path)
        .args([USER, PASSWORD])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
}

/// Starts pypiserver (the `pypi-server` at `server`) on a free port,
/// serving `dir/packages` with the test user's password in
/// `dir/htpasswd`; returns it (stopped when dropped) and its port.
fn start_pypiserver(server: &Path, dir: &TestDir) -> (Server, u16) {
    htpasswd(&server.with_file_name("python"), &dir.join("htpasswd"));
    std::fs::create_dir_all(dir.join("packages")).unwrap();
    let port = free_port();
    let argv = pypiserver_command(server, dir, port);
    let mut command = Command::new(&argv[0]);
    command.args(&argv[1..]);
    (start(command, port, &dir.join("pypiserver.log")), port)
}

fn pypiserver_command(server: &Path, dir: &TestDir, port: u16) -> Vec<String> {
    [
        server.display().to_string(),
        "run".to_owned(),
        "-i".to_owned(),
        "127.0.0.1".to_owned(),
        "-p".to_owned(),
        port.to_string(),
        "-P".to_owned(),
        dir.join("htpasswd").display().to_string(),
        "-a".to_owned(),
        "update,download,list".to_owned(),
        "--disable-fallback".to_owned(),
        "--hash-algo".to_owned(),
        "sha256".to_owned(),
        dir.join("packages").display().to_string(),
    ]
    .to_vec()
}

/// Installs `requirements.txt` of the wheelhouse with pip from `index`, in
/// a network namespace with loopback only, where `serve` (shell) runs the
/// repository; `wait_port` is where it listens.
fn pip_install_offline(dir: &TestDir, serve: &str, wait_port: u16, index: &str) {
    if !unshare_permitted() {
        println!("SKIPPED: `unshare -n` is not permitted here; the pip install was not run");
        return;
    }
    let venv = envlock_test::Venv::create(None, &dir.join("venv")).unwrap();
    let wait = format!(
        "import socket, time\nend = time.time() + 90\nwhile True:\n    try:\n        socket.create_connection(('127.0.0.1', {wait_port}), 1).close(); break\n    except OSError:\n        assert time.time() < end, 'the repository did not start'\n        time.sleep(0.1)\n"
    );
    let script = format!(
        "set -e\nip link set lo up\n{serve} > {log} 2>&1 &\nserver=$!\ntrap 'kill $server' EXIT\n\
         python3 -c \"$WAIT\"\n\
         {pip} install --disable-pip-version-check --index-url '{index}' --require-hashes -r {wh}/requirements.txt\n\
         {python} -c \"import flask, tqdm, purecli; print('imported', purecli.NAME)\"\n",
        log = dir.join("offline-server.log").display(),
        pip = venv.pip_shell(),
        python = venv.python().display(),
        wh = dir.join("wh").display(),
    );
    let output = Command::new("unshare")
        .args(["-n", "sh", "-c", &script])
        .env("WAIT", wait)
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_EXTRA_INDEX_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}\nserver: {}",
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string(dir.join("offline-server.log")).unwrap_or_default()
    );
    assert!(stdout.contains("imported purecli"), "{stdout}");
}

envlock_test!(publish_into_pypiserver_then_again_then_tampered, |dir| {
    let Some(server) = tool("pypiserver", "pypi-server") else {
        return;
    };
    let Some(_) = fixture_wheelhouse(&dir, true) else {
        return;
    };
    let (_server, port) = start_pypiserver(&server, &dir);
    let url = format!("http://127.0.0.1:{port}/");
    let files = published_files(true);
    let twine = [("TWINE_USERNAME", USER), ("TWINE_PASSWORD", PASSWORD)];
    let common = [
        "--repository-url",
        url.as_str(),
        "--allow-insecure-host",
        "127.0.0.1",
    ];

    // A repository that is not running is named.
    let closed = format!("http://127.0.0.1:{}/", free_port());
    let (code, _, stderr) = publish(
        &dir,
        &[
            "--repository-url",
            &closed,
            "--allow-insecure-host",
            "127.0.0.1",
        ],
        &twine,
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!("cannot reach {closed}simple/")),
        "{stderr}"
    );
    // Plain http is refused unless the host is allowed.
    let (code, _, stderr) = publish(&dir, &["--repository-url", &url], &twine);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("--allow-insecure-host"), "{stderr}");
    // Wrong credentials: the setting that supplied them is named.
    let wrong = [("TWINE_USERNAME", USER), ("TWINE_PASSWORD", "wrong")];
    let (code, _, stderr) = publish(&dir, &common, &wrong);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("the credentials were refused")
            && stderr.contains("the credentials came from TWINE_USERNAME/TWINE_PASSWORD"),
        "{stderr}"
    );
    // A dry run uploads nothing.
    let mut args = common.to_vec();
    args.extend(["--dry-run", "--json"]);
    let (code, stdout, stderr) = publish(&dir, &args, &twine);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(outcomes(&stdout), all(&files, "would-upload"));
    assert!(names_under(&dir.join("packages")).is_empty());

    // The upload, with the credentials of a ~/.pypirc section, and the
    // ClearML files for the repository.
    std::fs::write(
        dir.join(".pypirc"),
        format!("[distutils]\nindex-servers = site\n\n[site]\nrepository: {url}\nusername: {USER}\npassword: {PASSWORD}\n"),
    )
    .unwrap();
    let (code, stdout, stderr) = publish(
        &dir,
        &[
            "--repository",
            "site",
            "--allow-insecure-host",
            "127.0.0.1",
            "--json",
            "--kit-dir",
            "kit",
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(outcomes(&stdout), all(&files, "uploaded"));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["publish"]["read_back"], files.len());
    assert_eq!(names_under(&dir.join("packages")), files);
    for file in &files {
        assert_eq!(
            std::fs::read(dir.join("packages").join(file)).unwrap(),
            std::fs::read(dir.join("wh").join(file)).unwrap(),
            "{file}"
        );
    }
    assert!(
        stderr.contains("resources stay with the wheelhouse"),
        "{stderr}"
    );
    let env = std::fs::read_to_string(dir.join("kit/clearml.env")).unwrap();
    assert!(
        env.contains(&format!("PIP_EXTRA_INDEX_URL={url}simple/\n")),
        "{env}"
    );
    assert!(
        env.contains(&format!("PIP_TRUSTED_HOST=127.0.0.1:{port}\n")),
        "{env}"
    );
    assert!(!env.contains("TOOL_BIN"), "{env}");

    // Again: everything is there already.
    let ours = [
        ("ENVLOCK_PUBLISH_USERNAME", USER),
        ("ENVLOCK_PUBLISH_PASSWORD", PASSWORD),
    ];
    let mut args = common.to_vec();
    args.push("--json");
    let (code, stdout, stderr) = publish(&dir, &args, &ours);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(outcomes(&stdout), all(&files, "already-there"));

    // A file changed in the repository's storage is named, and not replaced.
    let victim = dir.join("packages/tqdm-4.67.0-py3-none-any.whl");
    let original = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, b"not the locked wheel").unwrap();
    let (code, _, stderr) = publish(&dir, &common, &ours);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("tqdm-4.67.0-py3-none-any.whl") && stderr.contains("tampered"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&victim).unwrap(), b"not the locked wheel");
    std::fs::write(&victim, &original).unwrap();

    // Read back by downloading every file.
    let mut args = common.to_vec();
    args.push("--download-check");
    let (code, _, stderr) = publish(&dir, &args, &ours);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!("Read back {} files", files.len())),
        "{stderr}"
    );

    // pip installs the set from the repository, with no other network.
    drop(_server);
    let inner = 8086;
    let serve = pypiserver_command(&server, &dir, inner).join(" ");
    let index = format!("http://{USER}:{PASSWORD}@127.0.0.1:{inner}/simple/");
    pip_install_offline(&dir, &serve, inner, &index);
});

/// devpi-init, a devpi-server on `port`, and a user with an index.
fn devpi(dir: &TestDir, port: u16) -> Option<(Server, PathBuf)> {
    let server = tool("devpi", "devpi-server")?;
    let serverdir = dir.join("devpi");
    let init = Command::new(server.with_file_name("devpi-init"))
        .arg("--serverdir")
        .arg(&serverdir)
        .args(["--root-passwd", "rootpw", "--no-root-pypi"])
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");
    let mut command = Command::new(&server);
    command.arg("--serverdir").arg(&serverdir).args([
        "--host",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--offline-mode",
    ]);
    command.args(quick_secret(&server));
    let running = start(command, port, &dir.join("devpi.log"));
    let url = format!("http://127.0.0.1:{port}");
    let password = format!("password={PASSWORD}");
    devpi_client(
        dir,
        &server,
        &[
            &["use", &url],
            &["login", "root", "--password", "rootpw"],
            &["user", "-c", USER, &password],
            &["login", USER, "--password", PASSWORD],
            &["index", "-c", "dev", "bases=", "volatile=False"],
            &["index", "-c", "empty", "bases=", "volatile=False"],
            &["index", "-c", "strict", "bases=", "volatile=False"],
        ],
    );
    Some((running, server))
}

/// devpi-server derives its session key with argon2 at settings meant for
/// production: about 4 s of CPU at every start. Its own test suite lowers
/// them with these (hidden) options; they are used when this devpi-server
/// accepts them, and the key's strength is beside the point here.
fn quick_secret(server: &Path) -> &'static [&'static str] {
    static ACCEPTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    const OPTIONS: [&str; 6] = [
        "--argon2-time-cost",
        "1",
        "--argon2-memory-cost",
        "8",
        "--argon2-parallelism",
        "1",
    ];
    let accepted = ACCEPTED.get_or_init(|| {
        Command::new(server)
            .args(OPTIONS)
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success())
    });
    if *accepted { &OPTIONS } else { &[] }
}

/// Runs devpi's client for each step in turn, in one Python process (the
/// client takes about half a second to start), stopping at the first
/// failure.
fn devpi_client(dir: &TestDir, server: &Path, steps: &[&[&str]]) {
    let steps: Vec<Vec<&str>> = steps.iter().map(|step| step.to_vec()).collect();
    let output = Command::new(server.with_file_name("python"))
        .args([
            "-c",
            "import json, sys\n\
             from devpi.main import main\n\
             for step in json.loads(sys.argv[2]):\n\
             \x20   code = main(['devpi', '--clientdir', sys.argv[1]] + step)\n\
             \x20   if code: sys.exit('devpi %s: exit %s' % (step, code))\n",
        ])
        .arg(dir.join("devpi-client"))
        .arg(serde_json::to_string(&steps).unwrap())
        // setuptools' distutils shim, which `devpi upload` imports, is not
        // installed under `python -c`; the standard library's serves.
        .env("SETUPTOOLS_USE_DISTUTILS", "stdlib")
        .output()
        .unwrap();
    assert!(output.status.success(), "devpi {steps:?}: {output:?}");
}

/// Uploads, with devpi's own client, a wheel called `file` into
/// `alice/strict` that is not the wheelhouse's (one more member inside).
fn devpi_upload_impostor(dir: &TestDir, server: &Path, file: &str) {
    let impostor = dir.join("impostor");
    std::fs::create_dir_all(&impostor).unwrap();
    let original = std::fs::File::open(dir.join("wh").join(file)).unwrap();
    let mut source = zip::ZipArchive::new(original).unwrap();
    let target = std::fs::File::create(impostor.join(file)).unwrap();
    let mut copy = zip::ZipWriter::new(target);
    for index in 0..source.len() {
        copy.raw_copy_file(source.by_index(index).unwrap()).unwrap();
    }
    copy.start_file("impostor.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut copy, b"not the locked wheel").unwrap();
    copy.finish().unwrap();
    let upload = impostor.join(file).display().to_string();
    let index = format!("{USER}/strict");
    devpi_client(dir, server, &[&["use", &index], &["upload", &upload]]);
}

envlock_test!(publish_into_devpi_then_again_then_tampered, |dir| {
    let port = free_port();
    if tool("devpi", "devpi-server").is_none() {
        return;
    }
    let Some(_) = fixture_wheelhouse(&dir, true) else {
        return;
    };
    let Some((running, server)) = devpi(&dir, port) else {
        return;
    };
    let root = format!("http://127.0.0.1:{port}");
    let url = format!("{root}/{USER}/dev/");
    let files = published_files(true);
    let ours = [
        ("ENVLOCK_PUBLISH_USERNAME", USER),
        ("ENVLOCK_PUBLISH_PASSWORD", PASSWORD),
    ];
    let mut common = vec![
        "--repository-url",
        url.as_str(),
        "--allow-insecure-host",
        "127.0.0.1",
    ];
    common.push("--json");

    // The simple URL is derived from devpi's layout.
    let (code, stdout, stderr) = publish(&dir, &common, &ours);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(outcomes(&stdout), all(&files, "uploaded"));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["publish"]["index_url"], format!("{url}+simple/"));
    let (code, stdout, stderr) = publish(&dir, &common, &ours);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(outcomes(&stdout), all(&files, "already-there"));

    // devpi refuses another file under a name it has: what it said is
    // reported. (The plan is fooled here by reading another, empty, index.)
    let strict = format!("{root}/{USER}/strict/");
    devpi_upload_impostor(&dir, &server, "werkzeug-3.0.6-py3-none-any.whl");
    let empty = format!("{root}/{USER}/empty/+simple/");
    let args = [
        "--repository-url",
        strict.as_str(),
        "--allow-insecure-host",
        "127.0.0.1",
        "--index-url",
        empty.as_str(),
    ];
    let (code, _, stderr) = publish(&dir, &args, &ours);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("refused werkzeug-3.0.6-py3-none-any.whl with HTTP 409"),
        "{stderr}"
    );
    // ... and the simple URL given does not list what was uploaded.
    assert!(
        stderr.contains("does not list flask-3.0.3-py3-none-any.whl"),
        "{stderr}"
    );

    // A file changed in devpi's storage: devpi lists the hash it recorded,
    // so the download check finds it.
    let victim_name = "werkzeug-3.0.6-py3-none-any.whl";
    let victim = find_file(&dir.join("devpi"), victim_name).expect("devpi stores the file");
    let original = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, b"not the locked wheel").unwrap();
    let mut args = common.clone();
    args.push("--download-check");
    let (code, _, stderr) = publish(&dir, &args, &ours);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(victim_name), "{stderr}");
    std::fs::write(&victim, &original).unwrap();
    let (code, _, stderr) = publish(&dir, &args, &ours);
    assert_eq!(code, 0, "{stderr}");

    // pip installs the set from devpi, with no other network.
    drop(running);
    let inner = 8087;
    let serve = format!(
        "{} --serverdir {} --host 127.0.0.1 --port {inner} --offline-mode {}",
        server.display(),
        dir.join("devpi").display(),
        quick_secret(&server).join(" ")
    );
    let index = format!("http://127.0.0.1:{inner}/{USER}/dev/+simple/");
    pip_install_offline(&dir, &serve, inner, &index);
});

/// nginx with its dav module, from Debian's package.
fn nginx_with_dav() -> Option<String> {
    let found = ["nginx", "/usr/sbin/nginx"]
        .into_iter()
        .find_map(|candidate| {
            let output = Command::new(candidate).arg("-V").output().ok()?;
            String::from_utf8_lossy(&output.stderr)
                .contains("--with-http_dav_module")
                .then(|| candidate.to_owned())
        });
    if found.is_none() {
        println!(
            "SKIPPED: no nginx with the dav module (.ci/install-publish-tools.sh installs Debian's nginx-full)"
        );
    }
    found
}

/// nginx, stopped with `nginx -s stop` (killing its master would leave
/// the worker behind).
struct Nginx {
    server: Server,
    binary: String,
    prefix: PathBuf,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new(&self.binary)
            .arg("-c")
            .arg(self.prefix.join("nginx.conf"))
            .arg("-p")
            .arg(&self.prefix)
            .args(["-s", "stop"])
            .output();
        // The master exits once its worker has: wait for that before
        // `Server` kills whatever is left.
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.server.0.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

envlock_test!(publish_resources_with_put_and_read_them_back, |dir| {
    let Some(server) = tool("pypiserver", "pypi-server") else {
        return;
    };
    let Some(nginx) = nginx_with_dav() else {
        return;
    };
    let Some(_) = fixture_wheelhouse(&dir, false) else {
        return;
    };
    let (_repository, port) = start_pypiserver(&server, &dir);

    let web = dir.join("nginx");
    std::fs::create_dir_all(web.join("logs")).unwrap();
    std::fs::create_dir_all(web.join("root/res")).unwrap();
    let web_port = free_port();
    std::fs::write(
        web.join("nginx.conf"),
        format!(
            "user root;\nworker_processes 1;\ndaemon off;\npid {dir}/nginx.pid;\nerror_log {dir}/logs/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log {dir}/logs/access.log;\n  client_body_temp_path {dir}/body;\n  \
             proxy_temp_path {dir}/proxy;\n  fastcgi_temp_path {dir}/fastcgi;\n  uwsgi_temp_path {dir}/uwsgi;\n  \
             scgi_temp_path {dir}/scgi;\n  server {{\n    listen 127.0.0.1:{web_port};\n    \
             location /res/ {{ root {dir}/root; dav_methods PUT; create_full_put_path on; client_max_body_size 0; }}\n  }}\n}}\n",
            dir = web.display(),
        ),
    )
    .unwrap();
    let mut command = Command::new(&nginx);
    command
        .arg("-c")
        .arg(web.join("nginx.conf"))
        .arg("-p")
        .arg(&web);
    let _web = Nginx {
        server: start(command, web_port, &web.join("nginx.out")),
        binary: nginx.clone(),
        prefix: web.clone(),
    };

    let url = format!("http://127.0.0.1:{port}/");
    let resources = format!("http://127.0.0.1:{web_port}/res/kit");
    let ours = [
        ("ENVLOCK_PUBLISH_USERNAME", USER),
        ("ENVLOCK_PUBLISH_PASSWORD", PASSWORD),
    ];
    let args = [
        "--repository-url",
        url.as_str(),
        "--allow-insecure-host",
        "127.0.0.1",
        "--resources-url",
        resources.as_str(),
        "--kit-dir",
        "kit",
        "--json",
    ];
    let (code, stdout, stderr) = publish(&dir, &args, &ours);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        report["publish"]["resources"][0]["outcome"], "uploaded",
        "{report}"
    );
    let put = web.join("root/res/kit/tool.bin");
    assert_eq!(
        std::fs::read(&put).unwrap(),
        std::fs::read(dir.join("wh/resources/tool.bin")).unwrap()
    );
    let env = std::fs::read_to_string(dir.join("kit/clearml.env")).unwrap();
    assert!(
        env.contains(&format!("TOOL_BIN={resources}/tool.bin\n")),
        "{env}"
    );
    assert!(
        env.contains(&format!("PIP_EXTRA_INDEX_URL={url}simple/\n")),
        "{env}"
    );

    // Again: there already, read back by hash.
    let (code, stdout, stderr) = publish(&dir, &args, &ours);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        report["publish"]["resources"][0]["outcome"],
        "already-there"
    );

    // Another file under that name is named, and not overwritten.
    std::fs::write(&put, b"something else").unwrap();
    let (code, _, stderr) = publish(&dir, &args, &ours);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("tool.bin") && stderr.contains("not overwritten"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&put).unwrap(), b"something else");
});
