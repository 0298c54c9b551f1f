#!/usr/bin/env bash
# Installs the tools the import tests drive (uv, pip-tools and a pip that has
# `pip lock`, 25.1 or newer) into DIR/frontdoor, a virtualenv of their own.
# Packages come from the index pip is configured with (PIP_INDEX_URL, pip.conf).
# Idempotent: when the venv already has all three, it does nothing.
# Usage: .ci/install-frontdoor-tools.sh DIR   (then ENVLOCK_TEST_TOOLS_DIR=DIR)
set -euo pipefail
if [ "$#" -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
venv="$1/frontdoor"
python="${PYTHON:-python3}"

ready() {
    [ -x "$venv/bin/uv" ] && [ -x "$venv/bin/pip-compile" ] && [ -x "$venv/bin/python" ] \
        && "$venv/bin/python" - <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
major, minor = (int(part) for part in version("pip").split(".")[:2])
sys.exit(0 if (major, minor) >= (25, 1) else 1)
PY
}

if ready; then
    echo "frontdoor tools already in $venv"
    exit 0
fi
mkdir -p "$1"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.1"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade uv pip-tools
if ! ready; then
    echo "error: $venv lacks uv, pip-compile or pip>=25.1 after installing" >&2
    exit 1
fi
echo "frontdoor tools: $("$venv/bin/uv" --version), pip-compile $("$venv/bin/pip-compile" --version 2>&1 | tail -1), $("$venv/bin/pip" --version | cut -d' ' -f1-2)"
