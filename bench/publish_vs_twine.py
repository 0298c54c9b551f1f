#!/usr/bin/env python3
"""Benchmark: `envlock publish` against `twine upload` into a local pypiserver.

Both upload the same files (every distribution of one target of a
wheelhouse: by default the CPython 3.10 target of
lockfiles/clearml-session.lock) into a fresh, empty pypiserver on 127.0.0.1
with htpasswd authentication, one run each, alternating the order:

  envlock publish   `envlock publish WH --repository-url … --jobs N`: it
                    verifies the wheelhouse first, reads the simple pages,
                    uploads in parallel and reads everything back.
  twine upload      `twine upload --repository-url … FILES` (one file after
                    the other, as twine does). Files whose metadata twine
                    rejects outright are left out of its list (and named):
                    it would otherwise upload nothing.
  envlock again     `envlock publish` into the filled server (nothing to
                    upload: the cost of an idempotent re-run).

Each figure is the median of --runs runs; the ratio is envlock / twine.

The wheelhouse is given with --wheelhouse DIR, or built (not timed) from
the lock, which needs ENVLOCK_INDEX_URL (the simple index to fetch from).
pypiserver, passlib and twine are installed with pip (its normal
configuration) into a virtualenv under the scratch folder, or taken from
$ENVLOCK_TEST_TOOLS_DIR/pypiserver when that exists.

    ENVLOCK_INDEX_URL=https://your-index/simple/ python3 bench/publish_vs_twine.py \
        --envlock target/release/envlock --runs 3
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "lockfiles" / "clearml-session.lock"
USER, PASSWORD = "bench", "bench-password"


def venv(path: Path, packages: list[str]) -> Path:
    if not (path / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run(
            [str(path / "bin" / "python"), "-m", "pip", "install", "--quiet", *packages],
            check=True,
        )
    return path / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PypiServer:
    """A fresh pypiserver with an empty storage folder, stopped on exit."""

    def __init__(self, bin_dir: Path, scratch: Path):
        self.storage = Path(tempfile.mkdtemp(dir=scratch, prefix="packages-"))
        htpasswd = scratch / "htpasswd"
        if not htpasswd.exists():
            subprocess.run(
                [
                    str(bin_dir / "python"),
                    "-c",
                    "import sys; from passlib.apache import HtpasswdFile as H; "
                    "h = H(sys.argv[1], new=True); h.set_password(sys.argv[2], sys.argv[3]); h.save()",
                    str(htpasswd),
                    USER,
                    PASSWORD,
                ],
                check=True,
            )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = open(scratch / f"pypiserver-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [
                str(bin_dir / "pypi-server"), "run", "-i", "127.0.0.1", "-p", str(self.port),
                "-P", str(htpasswd), "-a", "update", "--disable-fallback",
                "--hash-algo", "sha256", str(self.storage),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                break
            except OSError:
                if time.time() > deadline or self.process.poll() is not None:
                    raise SystemExit("pypiserver did not start; see " + self.log.name)
                time.sleep(0.05)

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.process.terminate()
        self.process.wait()
        self.log.close()
        shutil.rmtree(self.storage, ignore_errors=True)


def timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{command[0]} failed:\n{result.stdout[-3000:]}")
    return elapsed


def refused_by_twine(twine_bin: Path, files: list[Path]) -> set[str]:
    """Files twine will not upload at all (it checks every file's metadata
    before sending any: e.g. a License-Expression in metadata 2.3)."""
    script = (
        "import sys\nfrom twine.package import PackageFile\n"
        "for name in sys.argv[1:]:\n"
        "    try: PackageFile.from_filename(name, None)\n"
        "    except Exception as error: print(name)\n"
    )
    result = subprocess.run([str(twine_bin / "python"), "-c", script, *map(str, files)],
                            check=True, capture_output=True, text=True)
    return {Path(line).name for line in result.stdout.splitlines() if line}


def distributions(wheelhouse: Path) -> list[Path]:
    return sorted(
        path for path in wheelhouse.iterdir()
        if path.name.endswith((".whl", ".tar.gz", ".zip"))
    )


def build_wheelhouse(envlock: str, target: str, dest: Path) -> None:
    if "ENVLOCK_INDEX_URL" not in os.environ:
        raise SystemExit("give --wheelhouse DIR, or set ENVLOCK_INDEX_URL to build one from the lock")
    subprocess.run(
        [envlock, "wheelhouse", str(LOCK), "--target", target, "-o", str(dest)],
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envlock", default=str(ROOT / "target" / "release" / "envlock"))
    parser.add_argument("--wheelhouse", type=Path, help="an existing wheelhouse (else built from the lock)")
    parser.add_argument("--target", default="cp310-manylinux_2_28_x86_64")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=8)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="publish-bench-"))
    try:
        wheelhouse = args.wheelhouse
        if wheelhouse is None:
            wheelhouse = scratch / "wheelhouse"
            build_wheelhouse(args.envlock, args.target, wheelhouse)
        files = distributions(wheelhouse)
        size = sum(path.stat().st_size for path in files)
        tools = Path(os.environ.get("ENVLOCK_TEST_TOOLS_DIR", scratch)) / "pypiserver" / "bin"
        if not (tools / "pypi-server").exists():
            tools = venv(scratch / "pypiserver", ["pypiserver", "passlib"])
        twine_bin = venv(scratch / "twine", ["twine"])
        twine = twine_bin / "twine"
        refused = refused_by_twine(twine_bin, files)
        twine_files = [path for path in files if path.name not in refused]
        env = dict(os.environ, TWINE_USERNAME=USER, TWINE_PASSWORD=PASSWORD,
                   ENVLOCK_PUBLISH_USERNAME=USER, ENVLOCK_PUBLISH_PASSWORD=PASSWORD)
        times = {"envlock publish": [], "twine upload": [], "envlock again": []}
        for run in range(args.runs):
            order = ["envlock", "twine"] if run % 2 == 0 else ["twine", "envlock"]
            for tool in order:
                with PypiServer(tools, scratch) as server:
                    if tool == "twine":
                        command = [str(twine), "upload", "--disable-progress-bar", "--non-interactive",
                                   "--repository-url", server.url, *map(str, twine_files)]
                        times["twine upload"].append(timed(command, env))
                    else:
                        command = [args.envlock, "publish", str(wheelhouse), "--target", args.target,
                                   "--repository-url", server.url, "--allow-insecure-host", "127.0.0.1",
                                   "--jobs", str(args.jobs)]
                        times["envlock publish"].append(timed(command, env))
                        times["envlock again"].append(timed(command, env))
                    stored = sorted(path.name for path in server.storage.iterdir())
                    expected = twine_files if tool == "twine" else files
                    if stored != [path.name for path in expected]:
                        raise SystemExit(f"{tool} left {len(stored)} files, not {len(expected)}")
        print(f"{len(files)} files, {size / 2**20:.1f} MiB, {args.runs} runs, medians:")
        if refused:
            print(f"  twine refuses {len(refused)} of them, and uploads {len(twine_files)}: {', '.join(sorted(refused))}")
        for name, values in times.items():
            print(f"  {name:16} {statistics.median(values):7.2f} s   ({', '.join(f'{v:.2f}' for v in values)})")
        ratio = statistics.median(times["envlock publish"]) / statistics.median(times["twine upload"])
        print(f"  envlock publish / twine upload = {ratio:.2f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
