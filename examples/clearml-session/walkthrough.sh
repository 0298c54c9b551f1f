#!/usr/bin/env bash
# The commands of README.md in this folder, in order, as a user runs them:
# lock, review, build the wheelhouse, carry it, check it on the far side.
# The test suite runs this script against its fixture index and stand-in
# resources (tests/integration/kit.rs), so the README cannot drift from
# what works.
#
# Environment:
#   ENVLOCK_INDEX_URL  the index to lock and build from (optional: without
#                      it, and without pip configuration, the index the
#                      local pip uses)
#   ENVLOCK            the envlock binary (default: envlock on PATH)
#   SPEC               the spec's folder (default: this folder)
#   WORK               a folder to work in; it becomes a git repository
#                      (default: a new temporary folder)
#   SERVE_URL          where the far side will serve the wheelhouse
#                      (default: http://wheels.internal/clearml)
#   QUEUE              the ClearML Agent queue (default: default)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
envlock=${ENVLOCK:-envlock}
spec=${SPEC:-$here}
work=${WORK:-$(mktemp -d)}
serve_url=${SERVE_URL:-http://wheels.internal/clearml}
queue=${QUEUE:-default}

step() { printf '\n== %s\n' "$*" >&2; }

mkdir -p "$work"
cd "$work"
if [ ! -d .git ]; then
    git init -q
fi
mkdir -p lockfiles

step "1. Lock, on the connected side"
"$envlock" lock "$spec" -o lockfiles/clearml-session.lock
"$envlock" lock "$spec" -o lockfiles/clearml-session.lock --check
if ! git rev-parse -q --verify HEAD >/dev/null; then
    git add lockfiles/clearml-session.lock
    git -c user.name=walkthrough -c user.email=walkthrough@localhost \
        commit -qm "Lock the ClearML session packages"
fi

step "2. Review"
# Exit 0: no change; 1: changes (shown); 2: error.
"$envlock" diff --git HEAD lockfiles/clearml-session.lock || [ $? -eq 1 ]
"$envlock" diff --git HEAD lockfiles/clearml-session.lock --format markdown \
    > lock-changes.md || [ $? -eq 1 ]
"$envlock" why werkzeug --lock lockfiles/clearml-session.lock

step "3. Build the wheelhouse and its archive"
"$envlock" wheelhouse lockfiles/clearml-session.lock --platform manylinux \
    -o clearml-wheelhouse --archive clearml-wheelhouse.tar.gz \
    --serve-url "$serve_url" --queue "$queue"

step "4. Carry the archive; on the far side, unpack and check it"
mkdir -p far-side
tar -xzf clearml-wheelhouse.tar.gz -C far-side
cd far-side/clearml-wheelhouse
sha256sum -c --quiet SHA256SUMS
"$envlock" verify .

step "5. What the far side configures"
cat clearml.env
