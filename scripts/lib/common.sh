# shellcheck shell=bash
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Shared by scripts/demo and scripts/test. Source it; it defines functions and these variables:
#   OKV_REPO_ROOT   the collection root (this checkout)
#   OKV_VENV        the tools venv      (env OSTOKUBEVIRT_VENV, default <repo>/.venv)
#   OKV_PYTHON      the Python that creates it (env OSTOKUBEVIRT_PYTHON, default python3; 3.11+)
# Everything here is non-interactive and idempotent.

OKV_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
OKV_REPO_ROOT="$(cd "$OKV_LIB_DIR/../.." && pwd -P)"
OKV_VENV="${OSTOKUBEVIRT_VENV:-$OKV_REPO_ROOT/.venv}"
OKV_PYTHON="${OSTOKUBEVIRT_PYTHON:-python3}"
OKV_NAMESPACE=ostokubevirt
OKV_NAME=migrate
# Collections the `ansible` PyPI bundle provides and ours needs (Galaxy is unreachable).
OKV_DEP_COLLECTIONS=(kubernetes/core openstack/cloud kubevirt/core)

okv_log() { printf '%s: %s\n' "${OKV_SCRIPT:-okv}" "$*" >&2; }
okv_die() {
    printf '%s: ERROR: %s\n' "${OKV_SCRIPT:-okv}" "$*" >&2
    exit 1
}
okv_banner() { printf '\n======================================== %s ========================================\n' "$*"; }
okv_now() { date +%s.%N; }
okv_elapsed() { awk -v a="$1" -v b="$(okv_now)" 'BEGIN { printf "%.1f", b - a }'; }

# Absolute path of $1 (need not exist), relative paths taken from the current directory.
okv_abspath() {
    case "$1" in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s/%s\n' "$(pwd -P)" "${1#./}" ;;
    esac
}

# Make sure $OKV_PYTHON is 3.11+ and can create venvs with pip. On Debian, venv/ensurepip live in
# python3-venv; install it when we are root (CI), otherwise say what to run.
okv_check_python() {
    command -v "$OKV_PYTHON" >/dev/null 2>&1 || okv_die "$OKV_PYTHON not found (set OSTOKUBEVIRT_PYTHON to a Python 3.11+)"
    "$OKV_PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        okv_die "$("$OKV_PYTHON" -V 2>&1) is too old: ansible-core 2.19 needs Python 3.11+ (set OSTOKUBEVIRT_PYTHON)"
    if ! "$OKV_PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            okv_log "installing python3-venv (ensurepip is missing)"
            DEBIAN_FRONTEND=noninteractive apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        else
            okv_die "$OKV_PYTHON cannot create venvs: run 'sudo apt-get install python3-venv' first"
        fi
    fi
}

# Make sure qemu-img is on PATH: the CDI importer double (tests/control_plane/doubles/importer.py) converts
# imported qcow2 disks with it. On Debian it is in qemu-utils; install it when we are root (CI), otherwise say
# what to run.
okv_ensure_qemu_img() {
    command -v qemu-img >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        okv_log "installing qemu-utils (qemu-img is missing; the CDI importer double needs it)"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-utils >/dev/null
    fi
    command -v qemu-img >/dev/null 2>&1 ||
        okv_die "qemu-img not found: run 'sudo apt-get install qemu-utils' first (the CDI importer double converts disks with it)"
}

# The assessment's browser test opens index.html in a real headless Chromium (Debian's chromium package);
# install it when we are root (CI), otherwise say what to run.
okv_ensure_chromium() {
    command -v chromium >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        okv_log "installing chromium (the assessment report's browser test needs it)"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
    command -v chromium >/dev/null 2>&1 ||
        okv_die "chromium not found: run 'sudo apt-get install chromium' first (the assessment report's browser test needs it)"
}

# okv_ensure_venv NAME REQFILE...: create $OKV_VENV if needed and pip-install the requirement files,
# unless the stamp $OKV_VENV/.okv-stamp-NAME already holds the hash of those files and of the Python.
okv_ensure_venv() {
    local name="$1"
    shift
    local stamp="$OKV_VENV/.okv-stamp-$name" want have="" req args=()
    if [ -x "$OKV_VENV/bin/python" ] && ! "$OKV_VENV/bin/python" -c '' >/dev/null 2>&1; then
        okv_log "venv $OKV_VENV is broken (its base Python moved?): recreating it"
        rm -rf "$OKV_VENV"
    fi
    if [ ! -x "$OKV_VENV/bin/python" ]; then
        okv_check_python
        okv_log "creating venv $OKV_VENV with $("$OKV_PYTHON" -V 2>&1)"
        "$OKV_PYTHON" -m venv "$OKV_VENV"
    fi
    want="$({
        "$OKV_VENV/bin/python" -VV
        for req in "$@"; do cat "$req"; done
    } | sha256sum | cut -d' ' -f1)"
    [ -f "$stamp" ] && have="$(cat "$stamp")"
    if [ "$want" = "$have" ]; then
        okv_log "venv $OKV_VENV is up to date ($name)"
        return 0
    fi
    for req in "$@"; do args+=(-r "$req"); done
    okv_log "installing $name requirements into $OKV_VENV (takes a minute or two the first time)"
    "$OKV_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --progress-bar off "${args[@]}"
    printf '%s\n' "$want" >"$stamp"
}

# Put $OKV_VENV/bin first on PATH, as `activate` would (ansible-test looks for python3.X on PATH).
okv_activate() {
    export VIRTUAL_ENV="$OKV_VENV"
    export PATH="$OKV_VENV/bin:$PATH"
    unset PYTHONHOME
}

# Site-packages dir of the venv, where the `ansible` bundle put its ansible_collections/.
okv_site_packages() {
    "$OKV_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'
}

# Install the offline get-pip.py stand-in where ansible-test looks for its cached bootstrap script.
# The pip version in the file name is read from the installed ansible-test, never hard-coded.
okv_install_get_pip_shim() {
    local ver target tmp
    ver="$("$OKV_VENV/bin/python" "$OKV_LIB_DIR/ansible_test_pip_version.py")"
    target="$HOME/.ansible/test/cache/get_pip_${ver//./_}.py"
    mkdir -p "$(dirname "$target")"
    tmp="$(mktemp "$target.XXXXXX")"
    sed "s|@OUTER_PYTHON@|$OKV_VENV/bin/python|" "$OKV_LIB_DIR/get_pip_shim.py" >"$tmp"
    if cmp -s "$tmp" "$target"; then
        rm -f "$tmp"
    else
        mv -f "$tmp" "$target"
        okv_log "installed ansible-test pip $ver bootstrap shim at $target"
    fi
}

# List the files of the checkout to copy (NUL-separated, relative): tracked + untracked files that
# .gitignore does not exclude, when git knows the tree; otherwise everything but well-known junk.
okv_list_source_files() {
    local venv_rel=""
    case "$OKV_VENV/" in "$OKV_REPO_ROOT"/*) venv_rel="${OKV_VENV#"$OKV_REPO_ROOT"/}" ;; esac
    if git -C "$OKV_REPO_ROOT" rev-parse --show-toplevel >/dev/null 2>&1 &&
        [ "$(cd "$(git -C "$OKV_REPO_ROOT" rev-parse --show-toplevel)" && pwd -P)" = "$OKV_REPO_ROOT" ]; then
        git -C "$OKV_REPO_ROOT" ls-files -z --cached --others --exclude-standard
    else
        (cd "$OKV_REPO_ROOT" && find . \( -name .git -o -name .venv -o -name __pycache__ -o -name .ansible -o -name .pytest_cache \
            -o -name .ruff_cache -o -path ./tests/output -o -path ./rendered \) -prune -o \( -type f -o -type l \) -print0 |
            sed -z 's|^\./||')
    fi | while IFS= read -r -d '' f; do
        case "$f" in
            .git/* | .venv/* | tests/output/* | .ansible/* | */__pycache__/* | __pycache__/*) continue ;;
        esac
        [ -n "$venv_rel" ] && case "$f" in "$venv_rel"/*) continue ;; esac
        [ -e "$OKV_REPO_ROOT/$f" ] || [ -L "$OKV_REPO_ROOT/$f" ] || continue # deleted but still tracked
        printf '%s\0' "$f"
    done
}

# okv_stage_collection BASE: (re)create BASE/ansible_collections/ostokubevirt/migrate as a real copy
# of the checkout (ansible-test rejects symlinks), with the dependency collections beside it.
# Prints the staged collection path.
okv_stage_collection() {
    local base="$1" dest site dep src
    dest="$base/ansible_collections/$OKV_NAMESPACE/$OKV_NAME"
    rm -rf "$dest"
    mkdir -p "$dest"
    okv_list_source_files | tar -C "$OKV_REPO_ROOT" --null --no-recursion -T - -cf - | tar -C "$dest" -xf -
    # Tests look for the team's shared tools and upstream schemas at <collection>/../shared, as in a
    # checkout; give the staged copy the same neighbour when the checkout has one.
    rm -f "$base/ansible_collections/$OKV_NAMESPACE/shared"
    if [ -d "$OKV_REPO_ROOT/../shared" ]; then
        ln -s "$(cd "$OKV_REPO_ROOT/../shared" && pwd -P)" "$base/ansible_collections/$OKV_NAMESPACE/shared"
    fi
    site="$(okv_site_packages)"
    for dep in "${OKV_DEP_COLLECTIONS[@]}"; do
        src="$site/ansible_collections/$dep"
        [ -d "$src" ] || okv_die "collection ${dep/\//.} is not in $site (is ansible==12.3.0 installed?)"
        if ! cmp -s "$src/MANIFEST.json" "$base/ansible_collections/$dep/MANIFEST.json"; then
            rm -rf "${base:?}/ansible_collections/$dep"
            mkdir -p "$base/ansible_collections/$dep"
            cp -a "$src/." "$base/ansible_collections/$dep/"
        fi
    done
    printf '%s\n' "$dest"
}
