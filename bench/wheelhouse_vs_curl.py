#!/usr/bin/env python3
"""Benchmark: `envlock wheelhouse` against plain curl and `pip download`.

All three fetch the files of one target of lockfiles/clearml-session.lock
(default: CPython 3.10 on manylinux_2_28_x86_64):

  envlock cold   `envlock wheelhouse LOCK --target T -o DIR --json` with an
                 empty ENVLOCK_CACHE_DIR and a fresh DIR.
  envlock warm   the same again with the cache the cold run left (it notes where
                 the cold run's files lie, and copies them from there), fresh DIR.
  envlock no-op  the same cache and the warm run's DIR (resume, nothing to do).
  curl           `curl --parallel --parallel-max 32` given the ready list of
                 URLs: the speed of the network, the bar for the cold build.
                 The index pages are read before the clock starts.
  pip download   `pip download --no-deps --require-hashes` for the target,
                 with an empty pip cache.

Runs alternate the order of the tools; each figure is the median of --runs
runs. Whatever each tool wrote is checked (file names and sha256) against
the lock afterwards, outside the timing. Peak RSS is that of the measured
process and the children it waited for (not of this script: see LAUNCHER).

Needs ENVLOCK_INDEX_URL (the PEP 503/691 simple index all tools read).

    ENVLOCK_INDEX_URL=https://your-index/simple/ python3 bench/wheelhouse_vs_curl.py --runs 3
"""

import argparse
import concurrent.futures
import hashlib
import html.parser
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "lockfiles" / "clearml-session.lock"
TOOLS = ("envlock", "curl", "pip")


# Linux counts the memory a process had before exec in its peak RSS, so a
# tool forked straight from this script (which holds the index pages) would
# report at least this script's size. A small fresh interpreter forks the
# tool instead, and reports the tool's time and two peaks (floor: ~7 MiB):
# that of the tool with the children it waited for (a build backend run by
# `envlock lock`, say), and that of the tool's own process, read from its
# high-water mark while it runs (a thread polls; the wait itself is not
# delayed).
LAUNCHER = """
import os, sys, threading, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
own = [0]
def poll():
    path = f"/proc/{pid}/status"
    while True:
        try:
            with open(path) as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        own[0] = max(own[0], int(line.split()[1]))
        except (OSError, ValueError):
            return
        time.sleep(0.002)
threading.Thread(target=poll, daemon=True).start()
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - started
with open(sys.argv[1], "w") as report:
    report.write(f"{elapsed} {usage.ru_maxrss} {own[0]}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(command, env):
    """Runs a command; returns (seconds, peak RSS in MiB with the children it
    waited for, peak RSS in MiB of its own process, stdout). Fails loudly."""
    # Output goes to files, not pipes, so a chatty tool never blocks on a full pipe.
    with tempfile.TemporaryFile() as stdout_file, tempfile.TemporaryFile() as stderr_file, \
            tempfile.NamedTemporaryFile("r") as report:
        process = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, report.name, *map(str, command)],
                                 env=env, stdout=stdout_file, stderr=stderr_file)
        stdout_file.seek(0)
        stderr_file.seek(0)
        stdout, stderr = stdout_file.read(), stderr_file.read()
        figures = report.read().split()
    if process.returncode != 0 or len(figures) != 3:
        sys.exit(f"failed ({process.returncode}): {' '.join(map(str, command))}\n"
                 f"{stderr.decode(errors='replace')[-4000:]}")
    return float(figures[0]), int(figures[1]) / 1024, int(figures[2]) / 1024, stdout.decode(errors="replace")


def locked_files(lock, target):
    """Every file of the lock that `target` installs: {filename: (project, version, sha256, size)}."""
    if target not in {entry["name"] for entry in lock.get("target", [])}:
        sys.exit(f"{LOCK}: no target named {target!r}")
    files = {}
    # Build requirements of sdists (issue 4) are recorded as [[build-package]];
    # envlock puts them into the wheelhouse, so the others must fetch them too.
    for package in lock.get("package", []) + lock.get("build-package", []):
        for file in package.get("files", []):
            if target in file.get("targets", package.get("targets", [])):
                files[file["name"]] = (package["name"], package["version"], file["sha256"], file["size"])
    return files


class AnchorParser(html.parser.HTMLParser):
    """Collects the href of every <a> of a PEP 503 HTML page."""

    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.extend(value for name, value in attrs if name == "href" and value)


def project_file_urls(index_url, project):
    """{filename: absolute URL without fragment} of one project's simple page."""
    normalized = re.sub(r"[-_.]+", "-", project).lower()
    page_url = index_url.rstrip("/") + "/" + normalized + "/"
    request = urllib.request.Request(
        page_url, headers={"Accept": "application/vnd.pypi.simple.v1+json, text/html;q=0.1"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            final_url = response.geturl()  # relative links resolve against the page after redirects
            content_type = response.headers.get("Content-Type", "")
            body = response.read()
    except OSError as error:  # URLError and HTTPError are OSErrors
        sys.exit(f"cannot read the index page {page_url}: {error}")
    if "json" in content_type:
        hrefs = [entry["url"] for entry in json.loads(body)["files"]]
    else:
        parser = AnchorParser()
        parser.feed(body.decode(errors="replace"))
        hrefs = parser.hrefs
    urls = {}
    for href in hrefs:
        absolute = urllib.parse.urldefrag(urllib.parse.urljoin(final_url, href)).url
        urls[urllib.parse.unquote(absolute.rsplit("/", 1)[-1])] = absolute
    return urls


def resolve_urls(index_url, files):
    """{filename: URL} for every locked file; exits naming any file the index lacks."""
    projects = sorted({project for project, *_ in files.values()})
    # Page lookups are not what is being measured; do them in parallel so the
    # set-up stays short.
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        pages = dict(zip(projects, pool.map(lambda project: project_file_urls(index_url, project), projects)))
    urls, missing = {}, []
    for filename, (project, *_) in files.items():
        if filename in pages[project]:
            urls[filename] = pages[project][filename]
        else:
            missing.append(filename)
    if missing:
        sys.exit(f"the index {index_url} has no {', '.join(sorted(missing))}")
    return urls


def check_files(directory, files, tool):
    """Fails loudly unless `directory` holds every locked file with its locked sha256."""
    for filename, (_, _, sha256, _) in files.items():
        path = directory / filename
        if not path.is_file():
            sys.exit(f"{tool}: {filename} is missing from {directory}")
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != sha256:
            sys.exit(f"{tool}: {path} has sha256 {digest.hexdigest()}, the lock says {sha256}")


def pip_platforms(platform):
    """The --platform values that make pip accept every wheel `platform` runs.

    pip (23.x) does not widen `--platform manylinux_2_28_x86_64` to the older
    glibc tags a manylinux_2_28 machine also installs, so a wheel tagged only
    manylinux_2_17 would be skipped for the sdist. A user of pip download has
    to list them; so does this script.
    """
    match = re.fullmatch(r"manylinux_2_(\d+)_(\w+)", platform)
    if not match:
        return [platform]
    glibc_minor, arch = int(match.group(1)), match.group(2)
    platforms = [f"manylinux_2_{minor}_{arch}" for minor in range(glibc_minor, 4, -1)]
    legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    platforms += [f"{name}_{arch}" for minor, name in legacy.items() if minor <= glibc_minor]
    return platforms


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per tool (default 3)")
    parser.add_argument("--envlock", type=Path, default=ROOT / "target" / "release" / "envlock",
                        help="envlock binary (default: target/release/envlock)")
    parser.add_argument("--target", default="cp310-manylinux_2_28_x86_64", help="lock target to fetch")
    parser.add_argument("--tools", default=",".join(TOOLS), help="which of envlock,curl,pip to run (default all)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = parser.parse_args()

    index_url = os.environ.get("ENVLOCK_INDEX_URL")
    if not index_url:
        sys.exit("set ENVLOCK_INDEX_URL to the index to benchmark against (a PEP 503/691 simple URL)")
    tools = [tool.strip() for tool in args.tools.split(",") if tool.strip()]
    if unknown := set(tools) - set(TOOLS):
        sys.exit(f"unknown tools: {', '.join(sorted(unknown))} (choose from {', '.join(TOOLS)})")
    if "envlock" in tools and not os.access(args.envlock, os.X_OK):
        sys.exit(f"no envlock binary at {args.envlock} (build it, or pass --envlock PATH)")

    lock = tomllib.loads(LOCK.read_text())
    files = locked_files(lock, args.target)
    total_bytes = sum(size for *_, size in files.values())
    target = next(entry for entry in lock["target"] if entry["name"] == args.target)
    python, platform = target["python"], target["platform"]
    work = Path(tempfile.mkdtemp(prefix="envlock-bench-wheelhouse-"))
    # Tools inherit none of the user's pip settings (an index or cache of theirs
    # would change what is measured).
    base_env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}

    if "curl" in tools:
        started = time.perf_counter()
        urls = resolve_urls(index_url, files)
        print(f"index pages read in {time.perf_counter() - started:.1f} s (not timed)")
    if "pip" in tools:
        # One pin per project with the hash of exactly the locked file, so pip
        # (which drops candidates whose hash is not listed) picks that file.
        # pip takes one version per project in one run, and a build tool can
        # be locked at two versions (one to install, one to build with), so
        # the pins go into as many files as the most versions of a project.
        batches = []
        for project, version, sha256, _ in sorted(files.values()):
            pin = f"{project}=={version} --hash=sha256:{sha256}\n"
            batch = next((b for b in batches if not any(p.startswith(f"{project}==") for p in b)), None)
            if batch is None:
                batch = []
                batches.append(batch)
            batch.append(pin)
        requirement_files = []
        for number, batch in enumerate(batches):
            path = work / f"requirements-{number}.txt"
            path.write_text("".join(batch))
            requirement_files.append(path)

    def envlock_runs(run_dir):
        """Cold, warm and no-op builds, which must run in that order on one cache."""
        env = dict(base_env, ENVLOCK_CACHE_DIR=str(run_dir / "envlock-cache"))
        command = [str(args.envlock), "wheelhouse", str(LOCK), "--target", args.target, "--json", "-o"]
        figures = {}
        for mode, out in (("cold", "cold"), ("warm", "warm"), ("no-op", "warm")):
            seconds, rss, _, stdout = run_measured(command + [str(run_dir / f"envlock-{out}")], env)
            try:
                json.loads(stdout)  # --json promises a JSON summary on stdout
            except json.JSONDecodeError as error:
                sys.exit(f"envlock {mode}: --json printed no JSON ({error}): {stdout[:500]!r}")
            check_files(run_dir / f"envlock-{out}", files, f"envlock {mode}")
            figures[f"envlock {mode}"] = (seconds, rss)
        return figures

    def curl_run(run_dir):
        out = run_dir / "curl"
        out.mkdir()
        config = run_dir / "curl.config"
        config.write_text("".join(f'url = "{url}"\noutput = "{out / name}"\n' for name, url in urls.items()))
        seconds, rss, _, _ = run_measured(
            ["curl", "--parallel", "--parallel-max", "32", "--fail", "--location", "--silent",
             "--show-error", "--config", str(config)], base_env)
        check_files(out, files, "curl")
        return {"curl": (seconds, rss)}

    def pip_run(run_dir):
        out = run_dir / "pip"
        env = dict(base_env, PIP_CACHE_DIR=str(run_dir / "pip-cache"), PIP_DISABLE_PIP_VERSION_CHECK="1")
        platform_flags = [flag for tag in pip_platforms(platform) for flag in ("--platform", tag)]
        # --no-deps is what lets pip take the lock's two sdists despite --platform.
        seconds, rss = 0.0, 0
        for requirements in requirement_files:
            batch_seconds, batch_rss, _, _ = run_measured(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", *platform_flags,
                 "--python-version", python, "--implementation", "cp", "--abi", "cp" + python.replace(".", ""),
                 "--require-hashes", "-r", str(requirements), "-d", str(out), "--index-url", index_url], env)
            seconds, rss = seconds + batch_seconds, max(rss, batch_rss)
        if len(list(out.iterdir())) != len(files):
            sys.exit(f"pip download wrote {len(list(out.iterdir()))} files, the lock has {len(files)}")
        check_files(out, files, "pip download")
        return {"pip download": (seconds, rss)}

    runners = {"envlock": envlock_runs, "curl": curl_run, "pip": pip_run}
    print(f"lock: {LOCK.relative_to(ROOT)}, target {args.target}: {len(files)} files, "
          f"{total_bytes / 1e6:.1f} MB\nruns: {args.runs}, work: {work}\n")
    samples = {}
    try:
        for number in range(args.runs):
            run_dir = work / f"run-{number + 1}"
            run_dir.mkdir()
            # Rotate the order so no tool always follows another that has just
            # warmed a CDN edge or the network path.
            order = tools[number % len(tools):] + tools[:number % len(tools)]
            for tool in order:
                for name, figure in runners[tool](run_dir).items():
                    samples.setdefault(name, []).append(figure)
                    print(f"  run {number + 1} {name:<13} {figure[0]:7.2f} s  {figure[1]:6.0f} MiB", flush=True)
            if not args.keep:
                shutil.rmtree(run_dir)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    medians = {name: statistics.median(s for s, _ in runs) for name, runs in samples.items()}
    print(f"\n{'median':<14} {'seconds':>8} {'MB/s':>8} {'peak RSS MiB':>13}")
    for name, runs in samples.items():
        rate = total_bytes / 1e6 / medians[name] if name not in ("envlock warm", "envlock no-op") else None
        print(f"{name:<14} {medians[name]:8.2f} {f'{rate:.1f}' if rate else '-':>8} "
              f"{statistics.median(r for _, r in runs):13.0f}")

    envlock_rss = [rss for name, runs in samples.items() if name.startswith("envlock") for _, rss in runs]
    cold, curl, pip, warm = (medians.get(name) for name in ("envlock cold", "curl", "pip download", "envlock warm"))
    # (the target, the measured value or None if a tool did not run, whether it is met)
    checks = [
        ("envlock cold / curl <= 1.3", cold / curl if cold and curl else None, lambda value: value <= 1.3),
        ("pip download / envlock cold >= 20", pip / cold if pip and cold else None, lambda value: value >= 20),
        ("envlock warm <= 0.5 s", warm, lambda value: value <= 0.5),
        # The target is in MB and RSS is measured in MiB; the largest run counts, not the median.
        ("envlock peak RSS <= 100 MB", max(envlock_rss) * 1.048576 if envlock_rss else None,
         lambda value: value <= 100),
    ]
    print()
    for label, value, met in checks:
        verdict = "n/a " if value is None else ("PASS" if met(value) else "MISS")
        print(f"{verdict} {label}" + ("" if value is None else f"   (measured {value:.2f})"))


if __name__ == "__main__":
    main()
