#!/usr/bin/env python3
"""Benchmark: a 25-target matrix, locked and fetched.

The spec bench/matrix/envlock.toml asks for 28 requirements (most with
compiled wheels) on CPython 3.9-3.13 x manylinux_2_28 x86_64 and aarch64,
musllinux_1_2 x86_64, win_amd64 and macOS 14 arm64: 25 targets.

Lock      `envlock lock` of every target in one run, against `uv pip compile`
          of the same requirements once per target (`--python-platform`,
          `--python-version`, the host interpreter given with `--python`,
          one uv cache shared by the 25 runs, whose times are added up).
          "cold" empties both tools' caches before each run (for uv: before
          its first target), "warm" keeps caches that one untimed run filled.
          The runs alternate which tool goes first.
Flatness  The ClearML example (examples/clearml-session, 3 targets, its
          packages only) is locked cold --runs times as well, by envlock
          alone, and the matrix lock's peak RSS is divided by its own (as
          the process with the children it waited for, and the process
          alone): the issue's bar for memory nearly flat in the targets.

Wheelhouse  `envlock wheelhouse` of every target of the lock, cold (empty
          cache, fresh folder), against `curl --parallel --parallel-max 32`
          given the URLs of the same files (read from the index beforehand,
          not timed). Every file each tool wrote is checked against the lock
          outside the timing, then deleted.

Each figure is the median of --runs runs; peak RSS is that of the measured
process (for uv, the largest of its runs). Needs ENVLOCK_INDEX_URL. The
wheelhouse of all targets is about 4 GB (envlock's cache keeps no second
copy; each run's folder is removed after it): give --work a folder with
room for about 5 GB (the default is a temporary folder under TMPDIR).

    ENVLOCK_INDEX_URL=https://your-index/simple/ python3 bench/matrix.py --runs 3
    python3 bench/matrix.py --skip-uv --skip-wheelhouse    # envlock's lock only
    python3 bench/matrix.py --lock LOCK --baseline OLD-ENVLOCK --runs 3   # wheelhouse only,
                                            # two envlock builds and curl, alternating
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
# The measuring launcher, the index page reader and the file checks are the
# wheelhouse benchmark's own.
from wheelhouse_vs_curl import check_files, resolve_urls, run_measured  # noqa: E402
from lock_vs_uv import example_packages_spec  # noqa: E402

SPEC = ROOT / "bench" / "matrix" / "envlock.toml"

# envlock's platform -> (uv's --python-platform, extra environment for uv).
UV_PLATFORMS = {
    "manylinux_2_28_x86_64": ("x86_64-manylinux_2_28", {}),
    "manylinux_2_28_aarch64": ("aarch64-manylinux_2_28", {}),
    "musllinux_1_2_x86_64": ("x86_64-unknown-linux-musl", {}),
    "win_amd64": ("x86_64-pc-windows-msvc", {}),
}


def uv_platform(platform):
    """uv's `--python-platform` for an envlock platform, and the environment it needs."""
    if platform in UV_PLATFORMS:
        return UV_PLATFORMS[platform]
    # uv assumes a recent macOS unless told the deployment target.
    match = re.fullmatch(r"macosx_(\d+)_(\d+)_(arm64|x86_64)", platform)
    if match:
        arch = "aarch64" if match.group(3) == "arm64" else "x86_64"
        return f"{arch}-apple-darwin", {"MACOSX_DEPLOYMENT_TARGET": f"{match.group(1)}.{match.group(2)}"}
    return None

# The targets: (label, figure name, bound).
TARGETS = [
    ("cold lock / uv's 25 runs <= 0.03", "lock cold ratio", 0.03),
    ("warm lock <= 2 s", "lock warm", 2.0),
    ("lock peak RSS <= 150 MB", "lock rss", 150.0),
    ("lock peak RSS / the ClearML example's 3-target lock <= 1.3", "lock rss ratio", 1.3),
    ("wheelhouse cold / curl <= 0.8", "wheelhouse ratio", 0.8),
    ("wheelhouse peak RSS <= 150 MB", "wheelhouse rss", 150.0),
]


def all_locked_files(lock):
    """Every file the lock installs or builds with, on any target: {filename: (project, version, sha256, size)}."""
    files = {}
    for package in lock.get("package", []) + lock.get("build-package", []) + lock.get("installer-package", []):
        for file in package.get("files", []):
            files[file["name"]] = (package["name"], package["version"], file["sha256"], file["size"])
    return files


def median_line(label, samples, unit="s"):
    """Samples are (seconds, peak RSS) or (seconds, peak RSS, the process's own peak RSS)."""
    values = [sample[0] for sample in samples]
    rss = max(sample[1] for sample in samples)
    own = [sample[2] for sample in samples if len(sample) > 2]
    own_text = f" (itself {max(own):.0f})" if own else ""
    return (f"  {label:<34} median {statistics.median(values):8.2f} {unit}   "
            f"runs {', '.join(f'{value:.2f}' for value in values)}   peak RSS {rss:.0f} MiB{own_text}")


def lock_phase(args, envlock, uv, spec, work, base_env, index_url, figures):
    targets = [(target["python"], target["platform"]) for target in spec["targets"]]
    requirements = work / "requirements.in"
    requirements.write_text("\n".join(spec["requirements"]) + "\n")
    project = work / "project"
    project.mkdir(exist_ok=True)
    shutil.copy(args.spec, project / "envlock.toml")
    envlock_cache, uv_cache = work / "envlock-cache", work / "uv-cache"
    host_python = shutil.which("python3") or sys.executable

    def envlock_run():
        (project / "envlock.lock").unlink(missing_ok=True)
        seconds, rss, own, _ = run_measured([envlock, "lock", "--quiet", project],
                                            dict(base_env, ENVLOCK_CACHE_DIR=str(envlock_cache)))
        return seconds, rss, own

    def uv_run():
        total, peak = 0.0, 0.0
        for python, platform in targets:
            uv_name, extra = uv_platform(platform)
            env = dict(base_env, UV_CACHE_DIR=str(uv_cache), UV_NO_PROGRESS="1", UV_PYTHON_DOWNLOADS="never", **extra)
            seconds, rss, _, _ = run_measured(
                [uv, "pip", "compile", requirements, "--python-platform", uv_name,
                 "--python-version", python, "--python", host_python, "--generate-hashes",
                 "--index-url", index_url, "--exclude-newer", spec["exclude-newer"],
                 "--output-file", work / f"uv-{python}-{platform}.txt", "--quiet"], env)
            total, peak = total + seconds, max(peak, rss)
        return total, peak

    tools = {"envlock": envlock_run} if uv is None else {"envlock": envlock_run, "uv": uv_run}
    runs = {"envlock": args.runs, "uv": args.uv_runs if args.uv_runs is not None else args.runs}
    for mode in [mode.strip() for mode in args.modes.split(",") if mode.strip()]:
        if mode == "warm":
            for cache in (envlock_cache, uv_cache):
                shutil.rmtree(cache, ignore_errors=True)
            for function in tools.values():
                function()
        samples = {name: [] for name in tools}
        for number in range(max(runs[name] for name in tools)):
            order = list(tools.items())
            if number % 2:
                order.reverse()
            for name, function in order:
                if number >= runs[name]:
                    continue
                if mode == "cold":
                    shutil.rmtree(envlock_cache if name == "envlock" else uv_cache, ignore_errors=True)
                samples[name].append(function())
                print(f"  {mode} run {number + 1} {name:<8} {samples[name][-1][0]:8.2f} s  "
                      f"{samples[name][-1][1]:6.0f} MiB", flush=True)
        print(f"{mode} lock:")
        print(median_line(f"envlock lock ({len(targets)} targets)", samples["envlock"]))
        envlock_median = statistics.median(sample[0] for sample in samples["envlock"])
        figures[f"lock {mode}"] = envlock_median
        figures["lock rss"] = max(figures.get("lock rss", 0), max(sample[1] for sample in samples["envlock"]) * 1.048576)
        figures["lock rss itself"] = max(figures.get("lock rss itself", 0),
                                         max(sample[2] for sample in samples["envlock"]) * 1.048576)
        if "uv" in samples:
            print(median_line(f"uv pip compile ({len(targets)} runs)", samples["uv"]))
            ratio = envlock_median / statistics.median(sample[0] for sample in samples["uv"])
            figures[f"lock {mode} ratio"] = ratio
            print(f"  ratio envlock / uv: {ratio:.3f}x")
        print(flush=True)
    return project / "envlock.lock"


def clearml_phase(args, envlock, work, base_env, figures):
    """Peak RSS of cold locks of the ClearML example (3 targets), the bar the
    matrix lock's memory is held to (nearly flat in the number of targets)."""
    project = work / "clearml"
    project.mkdir(exist_ok=True)
    (project / "envlock.toml").write_text(example_packages_spec())
    cache = work / "clearml-cache"
    samples = []
    for _ in range(args.runs):
        shutil.rmtree(cache, ignore_errors=True)
        (project / "envlock.lock").unlink(missing_ok=True)
        samples.append(run_measured([envlock, "lock", "--quiet", project],
                                    dict(base_env, ENVLOCK_CACHE_DIR=str(cache)))[:3])
    print("ClearML example, cold lock (the memory bar):")
    print(median_line("envlock lock (3 targets)", samples))
    matrix_rss, matrix_own = figures["lock rss"], figures["lock rss itself"]
    clearml_rss = max(sample[1] for sample in samples) * 1.048576
    clearml_own = max(sample[2] for sample in samples) * 1.048576
    figures["lock rss ratio"] = matrix_rss / clearml_rss
    print(f"  matrix lock / ClearML lock peak RSS: {figures['lock rss ratio']:.2f}x "
          f"(the processes alone: {matrix_own / clearml_own:.2f}x)")
    print(flush=True)


def wheelhouse_phase(args, envlock, lock_path, work, base_env, index_url, figures):
    lock = tomllib.loads(lock_path.read_text())
    files = all_locked_files(lock)
    total = sum(size for *_, size in files.values())
    started = time.perf_counter()
    urls = resolve_urls(index_url, files)
    print(f"wheelhouse: {len(files)} files, {total / 1e6:.0f} MB for {len(lock['target'])} targets "
          f"(index pages read in {time.perf_counter() - started:.1f} s, not timed)")

    def envlock_run(run_dir, binary=envlock):
        out = run_dir / "envlock"
        env = dict(base_env, ENVLOCK_CACHE_DIR=str(run_dir / "envlock-cache"))
        seconds, rss, _, _ = run_measured([binary, "wheelhouse", lock_path, "--quiet", "-o", out], env)
        check_files(out, files, "envlock")
        return seconds, rss

    def baseline_run(run_dir):
        return envlock_run(run_dir, args.baseline)

    def curl_run(run_dir):
        out = run_dir / "curl"
        out.mkdir()
        config = run_dir / "curl.config"
        config.write_text("".join(f'url = "{url}"\noutput = "{out / name}"\n' for name, url in urls.items()))
        seconds, rss, _, _ = run_measured(["curl", "--parallel", "--parallel-max", "32", "--fail", "--location",
                                        "--silent", "--show-error", "--config", config], base_env)
        check_files(out, files, "curl")
        return seconds, rss

    tools = [("envlock", envlock_run), ("curl", curl_run)]
    if args.baseline:
        tools.insert(1, ("baseline", baseline_run))
    samples = {name: [] for name, _ in tools}
    for number in range(args.runs):
        # Each run starts with another tool, so none always goes first.
        shift = number % len(tools)
        order = tools[shift:] + tools[:shift]
        for name, function in order:
            run_dir = work / f"wheelhouse-{name}-{number + 1}"
            # What an interrupted earlier run left is not this run's.
            shutil.rmtree(run_dir, ignore_errors=True)
            run_dir.mkdir()
            try:
                samples[name].append(function(run_dir))
            finally:
                shutil.rmtree(run_dir, ignore_errors=True)
            print(f"  run {number + 1} {name:<8} {samples[name][-1][0]:8.2f} s  {samples[name][-1][1]:6.0f} MiB",
                  flush=True)
    print("wheelhouse, cold:")
    medians = {}
    labels = {"envlock": "envlock wheelhouse (all targets)", "baseline": "baseline envlock wheelhouse",
              "curl": "curl --parallel-max 32"}
    for name, _ in tools:
        medians[name] = statistics.median(s for s, _ in samples[name])
        print(median_line(labels[name], samples[name]) + f"   {total / 1e6 / medians[name]:.0f} MB/s")
    figures["wheelhouse ratio"] = medians["envlock"] / medians["curl"]
    figures["wheelhouse rss"] = max(r for _, r in samples["envlock"]) * 1.048576
    print(f"  ratio envlock / curl: {figures['wheelhouse ratio']:.2f}x")
    if args.baseline:
        print(f"  ratio baseline / curl: {medians['baseline'] / medians['curl']:.2f}x, "
              f"envlock / baseline: {medians['envlock'] / medians['baseline']:.2f}x")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per tool and mode (default 3)")
    parser.add_argument("--uv-runs", type=int, help="runs of uv per mode (default: --runs; a cold uv run takes minutes)")
    parser.add_argument("--modes", default="cold,warm", help="lock modes: cold, warm or both (default)")
    parser.add_argument("--spec", type=Path, default=SPEC, help=f"the spec (default {SPEC.relative_to(ROOT)})")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--envlock", type=Path, default=ROOT / "target" / "release" / "envlock",
                        help="envlock binary (default: target/release/envlock)")
    parser.add_argument("--uv", type=Path, help="uv binary (default: installed with pip into --work)")
    parser.add_argument("--skip-uv", action="store_true", help="lock with envlock only")
    parser.add_argument("--skip-wheelhouse", action="store_true", help="no wheelhouse against curl")
    parser.add_argument("--lock", type=Path, help="skip the lock phase and build the wheelhouse of this lock "
                        "(one made by an earlier run, e.g. WORK/project/envlock.lock with --work)")
    parser.add_argument("--baseline", type=Path, help="another envlock binary whose wheelhouse runs alternate "
                        "with --envlock's and curl's (to compare two builds)")
    args = parser.parse_args()

    index_url = os.environ.get("ENVLOCK_INDEX_URL")
    if not index_url:
        sys.exit("set ENVLOCK_INDEX_URL to the index to benchmark against (a PEP 503/691 simple URL)")
    if not os.access(args.envlock, os.X_OK):
        sys.exit(f"no envlock binary at {args.envlock} (build it with `cargo build --release`, or pass --envlock)")
    spec = tomllib.loads(args.spec.read_text())
    unknown = {target["platform"] for target in spec["targets"] if uv_platform(target["platform"]) is None}
    if args.lock:
        args.skip_uv = True
    if unknown and not args.skip_uv:
        sys.exit(f"no uv --python-platform known for {', '.join(sorted(unknown))} (or pass --skip-uv)")
    keep_work = args.work is not None
    work = args.work or Path(tempfile.mkdtemp(prefix="envlock-bench-matrix-"))
    work.mkdir(parents=True, exist_ok=True)
    base_env = {key: value for key, value in os.environ.items() if not key.startswith(("PIP_", "UV_"))}

    uv = None
    if not args.skip_uv:
        uv = args.uv
        if uv is None:
            venv = work / "uv-venv"
            if not (venv / "bin" / "uv").exists():
                subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
                subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "uv"], check=True)
            uv = venv / "bin" / "uv"
        version = subprocess.run([str(uv), "--version"], capture_output=True, text=True, check=True).stdout.strip()
        print(f"uv: {version}")
    print(f"envlock: {args.envlock}\nspec: {args.spec} ({len(spec['requirements'])} requirements, "
          f"{len(spec['targets'])} targets)\nruns: {args.runs}, work: {work}\n", flush=True)

    figures = {}
    try:
        if args.lock:
            lock_path = args.lock.resolve()
        else:
            lock_path = lock_phase(args, args.envlock, uv, spec, work, base_env, index_url, figures)
            clearml_phase(args, args.envlock, work, base_env, figures)
        if not args.skip_wheelhouse:
            wheelhouse_phase(args, args.envlock, lock_path, work, base_env, index_url, figures)
    finally:
        if not keep_work:
            shutil.rmtree(work, ignore_errors=True)

    for label, name, bound in TARGETS:
        value = figures.get(name)
        verdict = "n/a " if value is None else ("PASS" if value <= bound else "MISS")
        print(f"{verdict} {label}" + ("" if value is None else f"   (measured {value:.3f})"))


if __name__ == "__main__":
    main()
