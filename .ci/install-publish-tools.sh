#!/usr/bin/env bash
# Installs what the `envlock publish` tests run against, idempotently:
#   DIR/pypiserver  a virtualenv with pypiserver and passlib (htpasswd auth)
#   DIR/devpi       a virtualenv with devpi-server and devpi-client
#   nginx with its dav module (Debian's nginx-full), for --resources-url
# Packages come from pip's and apt's usual configuration; no host is named.
# The tests find the venvs through ENVLOCK_TEST_TOOLS_DIR=DIR and skip,
# saying so, when one is missing. Usage: .ci/install-publish-tools.sh DIR
set -euo pipefail

dir="${1:?usage: $0 DIR (where the tool virtualenvs go)}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
python="${PYTHON:-python3}"

# venv NAME CHECK-COMMAND PACKAGE...: creates DIR/NAME with the packages,
# unless CHECK-COMMAND already runs inside it.
venv() {
    local name="$1" check="$2"
    shift 2
    if [ -x "$dir/$name/bin/python" ] && "$dir/$name/bin/python" -c "$check" >/dev/null 2>&1; then
        echo "$name: already installed in $dir/$name"
        return 0
    fi
    rm -rf "$dir/$name"
    "$python" -m venv "$dir/$name"
    "$dir/$name/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
    echo "$name: installed in $dir/$name"
}

venv pypiserver "import pypiserver, passlib" pypiserver passlib
venv devpi "import devpi_server, devpi" devpi-server devpi-client

# nginx with the WebDAV module (PUT). Debian's nginx-light lacks it;
# nginx-full has it and replaces nginx-light, which the other tests accept.
has_dav() {
    local nginx
    nginx="$(command -v nginx || echo /usr/sbin/nginx)"
    [ -x "$nginx" ] && "$nginx" -V 2>&1 | grep -q -- '--with-http_dav_module'
}
if has_dav; then
    echo "nginx: already has the dav module"
elif command -v apt-get >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
        sudo="sudo -n"
    fi
    install_full() {
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx-full >/dev/null 2>&1
    }
    if install_full || { $sudo apt-get update -qq >/dev/null 2>&1 && install_full; }; then
        echo "nginx: installed nginx-full"
    else
        echo "note: nginx-full could not be installed; the --resources-url test will be skipped"
    fi
else
    echo "note: no apt-get; the --resources-url test needs nginx with its dav module"
fi
