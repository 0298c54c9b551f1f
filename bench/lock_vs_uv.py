#!/usr/bin/env python3
"""Benchmark: `envlock lock` against `uv pip compile` on the ClearML example.

envlock locks the three targets of examples/clearml-session in one run; uv
compiles the same requirements once per target
(`--python-platform x86_64-manylinux_2_28 --python-version 3.X
--generate-hashes`), and its three runs are added up. Runs alternate between
the tools; each figure is the median of --runs runs. "cold" empties both
tools' caches before every run, "warm" keeps a cache filled by one untimed
run. Peak RSS is the largest resident set of the measured process with the
children it waited for (for uv, of any of its three runs); for envlock,
that of its own process follows ("itself"): a cold lock that builds an
sdist's metadata waits for a Python build backend, which may take more.

Needs ENVLOCK_INDEX_URL (the index both tools read). Installs uv into a
virtualenv of its own under --work (default: a temporary folder) and builds
envlock in release mode unless --envlock names a binary.

    ENVLOCK_INDEX_URL=https://your-index/simple/ python3 bench/lock_vs_uv.py --runs 5
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "clearml-session" / "envlock.toml"
sys.path.insert(0, str(Path(__file__).resolve().parent))
# The measuring launcher is the wheelhouse benchmark's own.
from wheelhouse_vs_curl import run_measured  # noqa: E402


def example_packages_spec():
    """The example's spec with its packages only: uv locks no plain files,
    and the example's resources live on hosts a benchmark machine may not
    reach."""
    return EXAMPLE.read_text().split("\n[[resources]]", 1)[0] + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs per tool and mode (default 5)")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--envlock", type=Path, help="envlock binary (default: build target/release/envlock)")
    parser.add_argument("--modes", default="cold,warm", help="cold, warm or both (default)")
    args = parser.parse_args()

    index_url = os.environ.get("ENVLOCK_INDEX_URL")
    if not index_url:
        sys.exit("set ENVLOCK_INDEX_URL to the index to benchmark against (a PEP 503/691 simple URL)")

    work = args.work or Path(tempfile.mkdtemp(prefix="envlock-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    envlock = args.envlock
    if envlock is None:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        envlock = ROOT / "target" / "release" / "envlock"

    venv = work / "uv-venv"
    if not (venv / "bin" / "uv").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "uv"], check=True)
    uv = venv / "bin" / "uv"
    uv_version = subprocess.run([str(uv), "--version"], capture_output=True, text=True, check=True).stdout.strip()

    spec = tomllib.loads(EXAMPLE.read_text())
    requirements = work / "requirements.in"
    requirements.write_text("\n".join(spec["requirements"]) + "\n")
    pythons = [target["python"] for target in spec["targets"]]
    project = work / "project"
    project.mkdir(exist_ok=True)
    (project / "envlock.toml").write_text(example_packages_spec())

    base_env = {key: value for key, value in os.environ.items() if not key.startswith(("PIP_", "UV_"))}
    host_python = shutil.which("python3") or sys.executable
    envlock_cache = work / "envlock-cache"
    uv_cache = work / "uv-cache"

    def envlock_run():
        env = dict(base_env, ENVLOCK_CACHE_DIR=str(envlock_cache))
        (project / "envlock.lock").unlink(missing_ok=True)
        seconds, rss, own, _ = run_measured([str(envlock), "lock", "--quiet", str(project)], env)
        return seconds, rss, own

    def uv_run():
        # uv must not try to download a managed Python (it cannot here, and
        # the retries would be counted against it); it builds sdists with
        # the same host interpreter envlock uses.
        env = dict(base_env, UV_CACHE_DIR=str(uv_cache), UV_NO_PROGRESS="1", UV_PYTHON_DOWNLOADS="never")
        total, peak = 0.0, 0.0
        for python in pythons:
            seconds, rss, _, _ = run_measured(
                [
                    str(uv), "pip", "compile", str(requirements),
                    "--python-platform", "x86_64-manylinux_2_28",
                    "--python-version", python,
                    "--python", host_python,
                    "--generate-hashes",
                    "--index-url", index_url,
                    "--exclude-newer", spec["exclude-newer"],
                    "--output-file", str(work / f"uv-{python}.txt"),
                    "--quiet",
                ],
                env,
            )
            total += seconds
            peak = max(peak, rss)
        return total, peak

    def clear_caches():
        shutil.rmtree(envlock_cache, ignore_errors=True)
        shutil.rmtree(uv_cache, ignore_errors=True)

    print(f"envlock: {envlock}\nuv: {uv_version}\ntargets: CPython {', '.join(pythons)} on manylinux_2_28_x86_64\nruns: {args.runs} per tool and mode\n")
    results = {}
    for mode in [mode.strip() for mode in args.modes.split(",") if mode.strip()]:
        if mode == "warm":
            clear_caches()
            envlock_run()
            uv_run()
        times = {"envlock": [], "uv": []}
        rss = {"envlock": [], "uv": []}
        own = []
        for number in range(args.runs):
            # Alternate which tool goes first, so neither always meets a
            # network or page cache the other has just warmed.
            order = [("envlock", envlock_run), ("uv", uv_run)]
            if number % 2:
                order.reverse()
            for name, function in order:
                if mode == "cold":
                    clear_caches()
                figures = function()
                times[name].append(figures[0])
                rss[name].append(figures[1])
                own.extend(figures[2:])
        envlock_median = statistics.median(times["envlock"])
        uv_median = statistics.median(times["uv"])
        results[mode] = envlock_median / uv_median
        print(f"{mode}:")
        print(f"  envlock lock (3 targets)     median {envlock_median:7.2f} s   runs {', '.join(f'{t:.2f}' for t in times['envlock'])}   peak RSS {max(rss['envlock']):.0f} MiB (itself {max(own):.0f})")
        print(f"  uv pip compile (3 runs)      median {uv_median:7.2f} s   runs {', '.join(f'{t:.2f}' for t in times['uv'])}   peak RSS {max(rss['uv']):.0f} MiB")
        print(f"  ratio envlock / uv: {results[mode]:.2f}x\n")
    targets = {"cold": 0.5, "warm": 1.0}
    for mode, ratio in results.items():
        verdict = "met" if ratio <= targets.get(mode, 1.0) else "MISSED"
        print(f"target {mode} <= {targets.get(mode, 1.0)}x uv: {verdict} ({ratio:.2f}x)")


if __name__ == "__main__":
    main()
