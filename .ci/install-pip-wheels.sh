#!/usr/bin/env bash
# Fetches the pip wheels the far-side install tests use (the pip matrix):
# old pips that far-side machines still run, and the newest. Idempotent:
# a wheel already in DIR/pip-wheels is not fetched again.
# usage: .ci/install-pip-wheels.sh DIR
set -euo pipefail
unset PIP_FIND_LINKS
dir="${1:?usage: install-pip-wheels.sh DIR}/pip-wheels"
mkdir -p "$dir"
for version in 20.0.2 20.3.4 21.3.1 22.3.1 23.0.1 23.2.1; do
    if ! ls "$dir"/pip-"$version"-*.whl >/dev/null 2>&1; then
        python3 -m pip download --quiet --no-deps --only-binary :all: \
            --dest "$dir" "pip==$version"
    fi
done
# The newest pip: fetched once, then kept (a later run does not ask again).
if [ ! -f "$dir/.newest" ]; then
    python3 -m pip download --quiet --no-deps --only-binary :all: \
        --dest "$dir/newest" pip
    mv "$dir"/newest/pip-*.whl "$dir"/ && rmdir "$dir/newest"
    touch "$dir/.newest"
fi
ls "$dir"
