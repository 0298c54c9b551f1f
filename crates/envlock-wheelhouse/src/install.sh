
# ---- what follows is the same in every wheelhouse ----
# POSIX sh only: this runs on old, bare machines (dash, busybox ash, ksh).
# It never touches the network: pip gets --no-index and this folder only.

IFS=' 	
'

usage() {
    cat <<'USAGE'
usage: sh install.sh [--prefix DIR] [--target NAME] [--list]

Installs this wheelhouse's locked packages into a new virtual environment,
offline: checks every file against SHA256SUMS, picks the target that fits
this machine, unpacks the carried Python when there is one (otherwise uses a
python3.X of the target's version), creates the environment, installs with
--no-index --require-hashes, and runs `pip check`.

  --prefix DIR    where the environment goes (default: ./.venv)
  --target NAME   the target to install (default: the only one, or the one
                  whose Python and platform this machine has)
  --list          list the targets and exit
  -h, --help      this text

Running it again is safe: what is already in place is kept.
USAGE
}

STEP="reading the arguments"
say() { printf '==> %s\n' "$*"; }
fail() {
    printf 'install.sh: %s failed: %s\n' "$STEP" "$1" >&2
    if [ $# -gt 1 ]; then printf 'hint: %s\n' "$2" >&2; fi
    exit 1
}

PREFIX=""
WANTED=""
LIST=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] && [ -n "$2" ] || fail "--prefix needs a folder"; PREFIX=$2; shift 2 ;;
        --prefix=?*) PREFIX=${1#--prefix=}; shift ;;
        --target) [ $# -ge 2 ] && [ -n "$2" ] || fail "--target needs a name"; WANTED=$2; shift 2 ;;
        --target=?*) WANTED=${1#--target=}; shift ;;
        --list) LIST=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) fail "unknown argument \`$1\`" "see sh install.sh --help" ;;
    esac
done
if [ -n "$LIST" ]; then
    for name in $ENVLOCK_TARGETS; do
        envlock_target "$name"
        printf '%s  (Python %s on %s)\n' "$name" "$T_PYTHON" "$T_PLATFORM"
    done
    exit 0
fi

HERE=$(cd "$(dirname "$0")" && pwd -P) || fail "cannot find the folder install.sh is in"
[ -f "$HERE/install.sh" ] || fail "cannot find the folder install.sh is in" "run it as: sh /path/to/wheelhouse/install.sh"
[ -n "$PREFIX" ] || PREFIX=.venv
case "$PREFIX" in /*) ;; *) PREFIX="$(pwd -P)/$PREFIX" ;; esac

# pip on the far side must see only this folder, whatever the machine's
# settings say: every PIP_* variable goes, and no configuration file is read.
for variable in $(env | sed -n 's/^\(PIP_[A-Za-z0-9_]*\)=.*/\1/p'); do
    unset "$variable"
done
unset PYTHONHOME PYTHONPATH PYTHONSTARTUP PYTHONUSERBASE VIRTUAL_ENV
PIP_CONFIG_FILE=/dev/null
PIP_NO_INPUT=1
PIP_DISABLE_PIP_VERSION_CHECK=1
PYTHONNOUSERSITE=1
export PIP_CONFIG_FILE PIP_NO_INPUT PIP_DISABLE_PIP_VERSION_CHECK PYTHONNOUSERSITE

# ---- 1. which target ------------------------------------------------------
STEP="choosing the target"
host_os() {
    case "$(uname -s 2>/dev/null)" in
        Linux) echo linux ;;
        Darwin) echo macos ;;
        *) uname -s 2>/dev/null || echo unknown ;;
    esac
}
host_arch() {
    case "$(uname -m 2>/dev/null)" in
        x86_64|amd64) echo x86_64 ;;
        aarch64|arm64) echo aarch64 ;;
        i386|i486|i586|i686) echo i686 ;;
        *) uname -m 2>/dev/null || echo unknown ;;
    esac
}
host_libc() {
    if [ "$(host_os)" != linux ]; then echo none; return; fi
    if ldd --version 2>&1 | grep -qi musl; then echo musl; return; fi
    if ls /lib/ld-musl-* >/dev/null 2>&1; then echo musl; return; fi
    echo glibc
}
HOST_OS=$(host_os)
HOST_ARCH=$(host_arch)
HOST_LIBC=$(host_libc)

# Sets FOUND to a Python of version $1 on this machine, or fails. Adds every
# version it sees to SEEN, for the message when none fits. (It sets
# variables rather than printing, so it must not run in a subshell.)
SEEN=""
FOUND=""
find_python() {
    FOUND=""
    for candidate in "python$1" python3 python; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        version=$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
        case " $SEEN " in *" $version "*) ;; *) SEEN="${SEEN:+$SEEN }$version" ;; esac
        if [ "$version" = "$1" ]; then
            FOUND=$(command -v "$candidate")
            return 0
        fi
    done
    return 1
}

platform_fits() {
    [ "$T_OS" = "$HOST_OS" ] || return 1
    case "$T_ARCH" in
        "$HOST_ARCH") ;;
        universal2) [ "$HOST_ARCH" = x86_64 ] || [ "$HOST_ARCH" = aarch64 ] || return 1 ;;
        *) return 1 ;;
    esac
    [ "$T_LIBC" = none ] || [ "$T_LIBC" = "$HOST_LIBC" ]
}

if [ -n "$WANTED" ]; then
    envlock_target "$WANTED" || fail "this wheelhouse has no target \`$WANTED\`" "sh install.sh --list names its targets"
    TARGET=$WANTED
else
    TARGET=""
    count=0
    for name in $ENVLOCK_TARGETS; do count=$((count + 1)); done
    if [ "$count" -eq 1 ]; then
        TARGET=$ENVLOCK_TARGETS
    else
        for name in $ENVLOCK_TARGETS; do
            envlock_target "$name"
            platform_fits || continue
            if [ -n "$T_INTERPRETER" ] || find_python "$T_PYTHON"; then TARGET=$name; break; fi
        done
        [ -n "$TARGET" ] || fail "no target of this wheelhouse fits this machine ($HOST_OS $HOST_ARCH $HOST_LIBC, Python: ${SEEN:-none})" \
            "pick one with --target NAME (sh install.sh --list names them), or rebuild the wheelhouse for this machine"
    fi
    envlock_target "$TARGET"
fi
platform_fits || fail "target $TARGET is for $T_PLATFORM, and this machine is $HOST_OS $HOST_ARCH ($HOST_LIBC)" \
    "carry a wheelhouse built for this machine's platform"
say "target $TARGET (Python $T_PYTHON on $T_PLATFORM)"

# A manylinux target's wheels (and a carried interpreter) need at least the
# glibc its platform names.
STEP="checking the C library"
host_glibc() {
    version=$(getconf GNU_LIBC_VERSION 2>/dev/null | sed -n 's/^glibc \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p')
    if [ -z "$version" ]; then
        version=$(ldd --version 2>&1 | sed -n '1s/.* \([0-9][0-9]*\.[0-9][0-9]*\)$/\1/p')
    fi
    printf '%s\n' "$version"
}
if [ -n "$T_GLIBC" ] && [ "$HOST_LIBC" = glibc ]; then
    HOST_GLIBC=$(host_glibc)
    if [ -z "$HOST_GLIBC" ]; then
        say "warning: cannot tell this machine's glibc version; target $TARGET needs glibc $T_GLIBC or newer"
    else
        have_major=${HOST_GLIBC%%.*}; have_minor=${HOST_GLIBC#*.}
        need_major=${T_GLIBC%%.*}; need_minor=${T_GLIBC#*.}
        if [ "$have_major" -lt "$need_major" ] || { [ "$have_major" -eq "$need_major" ] && [ "$have_minor" -lt "$need_minor" ]; }; then
            fail "this machine has glibc $HOST_GLIBC, and target $TARGET ($T_PLATFORM) needs glibc $T_GLIBC or newer" \
                "rebuild the wheelhouse for an older manylinux platform (one whose glibc this machine has), or install on a newer machine"
        fi
        say "glibc $HOST_GLIBC (the target needs $T_GLIBC or newer)"
    fi
fi

# ---- 2. check every file ----------------------------------------------------
STEP="checking the files against SHA256SUMS"
cd "$HERE" || fail "cannot enter $HERE"
[ -f SHA256SUMS ] || fail "SHA256SUMS is missing: this wheelhouse is unfinished or damaged" "carry it again, or rebuild it with envlock wheelhouse"
checksum_ok=0
if command -v sha256sum >/dev/null 2>&1; then
    checksum_report=$(sha256sum -c SHA256SUMS 2>&1) && checksum_ok=1
elif command -v shasum >/dev/null 2>&1; then
    checksum_report=$(shasum -a 256 -c SHA256SUMS 2>&1) && checksum_ok=1
else
    if [ -n "$T_INTERPRETER" ]; then
        checker=""
    elif find_python "$T_PYTHON"; then
        checker=$FOUND
    else
        checker=$(command -v python3 || command -v python) || checker=""
    fi
    [ -n "$checker" ] || fail "no sha256sum, shasum or python on this machine to check the files with" \
        "install coreutils, or check SHA256SUMS on another machine"
    checksum_report=$("$checker" - <<'PY' 2>&1
import hashlib, sys
bad = 0
for line in open("SHA256SUMS"):
    line = line.rstrip("\n")
    if not line:
        continue
    digest, name = line.split("  ", 1)
    try:
        h = hashlib.sha256()
        with open(name, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        ok = h.hexdigest() == digest
    except (IOError, OSError):
        ok = False
    if not ok:
        bad += 1
    print("%s: %s" % (name, "OK" if ok else "FAILED"))
sys.exit(1 if bad else 0)
PY
) && checksum_ok=1
fi
if [ "$checksum_ok" -ne 1 ]; then
    printf '%s\n' "$checksum_report" | grep -v ': OK$' >&2
    fail "the files above are missing or changed" "carry the wheelhouse again (or its archive); do not install from it as it is"
fi
say "every file matches SHA256SUMS"

# ---- 3. the interpreter -----------------------------------------------------
STEP="finding Python $T_PYTHON"
mkdir -p "$PREFIX" || fail "cannot create $PREFIX"
if [ -n "$T_INTERPRETER" ]; then
    STEP="unpacking the carried Python $T_PYTHON"
    if [ ! -x "$PREFIX/python/bin/python3" ]; then
        staging="$PREFIX/.envlock-python.$$"
        rm -rf "$staging" && mkdir -p "$staging" || fail "cannot create $staging"
        (cd "$staging" && gzip -dc "$HERE/$T_INTERPRETER" | tar -xf -) \
            || { rm -rf "$staging"; fail "cannot unpack $T_INTERPRETER"; }
        [ -x "$staging/python/bin/python3" ] \
            || { rm -rf "$staging"; fail "$T_INTERPRETER has no python/bin/python3"; }
        rm -rf "$PREFIX/python" && mv "$staging/python" "$PREFIX/python" && rm -rf "$staging" \
            || fail "cannot move the interpreter into $PREFIX/python"
    fi
    PYTHON="$PREFIX/python/bin/python3"
    say "using the carried Python: $PYTHON"
else
    if ! find_python "$T_PYTHON"; then
        if [ -n "$SEEN" ]; then have="this machine has Python $SEEN"; else have="this machine has no Python"; fi
        fail "$have; this carry needs $T_PYTHON" \
            "install Python $T_PYTHON here, or rebuild the wheelhouse with a carried interpreter"
    fi
    PYTHON=$FOUND
    say "using $PYTHON"
fi

# ---- 4. the environment -----------------------------------------------------
STEP="creating the virtual environment in $PREFIX"
VENV_PYTHON="$PREFIX/bin/python"
venv_hint="on Debian and Ubuntu, install python$T_PYTHON-venv; or rebuild the wheelhouse with a carried interpreter"
if [ ! -x "$VENV_PYTHON" ]; then
    if [ -n "$T_PIP" ]; then
        # The carried pip goes in below; the machine's own pip (or lack of
        # one) does not matter.
        "$PYTHON" -m venv --without-pip "$PREFIX" || fail "$PYTHON -m venv did not work" "$venv_hint"
    else
        "$PYTHON" -m venv "$PREFIX" || fail "$PYTHON -m venv did not work" "$venv_hint"
    fi
fi
[ -x "$VENV_PYTHON" ] || fail "$VENV_PYTHON is missing after creating the environment"
venv_version=$("$VENV_PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) \
    || fail "$VENV_PYTHON does not run" "remove $PREFIX and run install.sh again"
[ "$venv_version" = "$T_PYTHON" ] || fail "$PREFIX already holds an environment of Python $venv_version, and target $TARGET needs $T_PYTHON" \
    "choose another --prefix, or remove $PREFIX"

STEP="installing the carried pip"
pip_version=$("$VENV_PYTHON" -m pip --version 2>/dev/null | cut -d' ' -f2) || pip_version=""
carried_pip=${T_PIP_WHEEL#pip-}
carried_pip=${carried_pip%%-*}
# A second run finds the carried pip in place, and pip would only say so.
if [ -n "$T_PIP" ] && [ "$pip_version" != "$carried_pip" ]; then
    [ -f "$HERE/$T_PIP_WHEEL" ] || fail "$T_PIP_WHEEL is missing"
    # A pip wheel runs from its own archive: this works whatever pip, if
    # any, the environment already has.
    "$VENV_PYTHON" "$HERE/$T_PIP_WHEEL/pip" install --quiet --no-index --find-links "$HERE" \
        --require-hashes -r "$HERE/$T_PIP" || fail "pip did not install from $T_PIP"
    pip_version=$("$VENV_PYTHON" -m pip --version 2>/dev/null | cut -d' ' -f2) || pip_version=""
fi
STEP="checking pip"
[ -n "$pip_version" ] || fail "the environment has no working pip" \
    "remove $PREFIX and run install.sh again; on Debian and Ubuntu, install python$T_PYTHON-venv"
say "pip $pip_version"

STEP="installing the locked packages"
"$VENV_PYTHON" -m pip install --no-index --find-links "$HERE" --require-hashes \
    -r "$HERE/$T_REQUIREMENTS" || fail "pip did not install $T_REQUIREMENTS" \
    "the lines above say which package; pip older than 20.3 cannot install manylinux_2_x wheels, and an sdist that needs a compiler needs one here"

STEP="checking the environment"
"$VENV_PYTHON" -m pip check || fail "pip check found broken requirements"

say "done: the environment is in $PREFIX"
printf '\nActivate it with:\n\n    . %s/bin/activate\n\n' "$PREFIX"
