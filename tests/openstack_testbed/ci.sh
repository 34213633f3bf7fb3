#!/usr/bin/env bash
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# ci.sh - the live export tests against a real OpenStack, in one command:
#   install (apt + a venv cached under ~/.cache, pinned by constraints.txt), start the testbed
#   on 127.0.0.1, seed the demo tenant, run tests/openstack_testbed/tests with pytest, and
#   ALWAYS stop every process it started (down.sh, by recorded PID) - also on failure or Ctrl-C.
#
#   ci.sh                 run everything; exit code = pytest's (non-zero on any failure)
#   ci.sh --fresh         drop the testbed's data first (what a fresh CI machine sees)
#   ci.sh --keep          leave the testbed running afterwards (for debugging; stop with down.sh)
#   ci.sh -- PYTEST ARGS  extra pytest arguments, e.g. -- -k non_admin -x
#   ci.sh --bench         then run benchmarks/disk_path.py --quick on the same testbed (a control plane too:
#                         OKV_CONTROL_PLANE_DIR, or one started with OKV_CONTROL_PLANE_PYTHON; see the script)
#
# Needs root (apt, MariaDB as root) on Debian 12 / Python 3.11. Prints a timing line per
# phase and the peak resident memory of all testbed processes together.
# Environment: OSTK_TESTBED_WORK, OSTK_TESTBED_CACHE (see up.sh), OSTK_VALIDATE_MANIFESTS
# (validator script; default ../shared/tools/validate_manifests.py next to the checkout).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
export OSTK_TESTBED_WORK=${OSTK_TESTBED_WORK:-$HERE/.work}
WORK=$OSTK_TESTBED_WORK
FRESH='' KEEP='' BENCH='' PYTEST_ARGS=()
while (($#)); do
  case $1 in
    --fresh) FRESH=1 ;;
    --keep) KEEP=1 ;;
    --bench) BENCH=1 ;;
    --) shift; PYTEST_ARGS=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d;s/^# \{0,1\}//'; exit 0 ;;
    *) echo "ci.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

T0=$(date +%s)
stamp() { echo "[ci.sh $(date -u +%T) +$(( $(date +%s) - T0 ))s] $*"; }
SAMPLER='' PEAK_FILE=$(mktemp) COLL=''

# shellcheck disable=SC2329  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  set +e
  if [[ -n $SAMPLER ]]; then kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true; fi
  local peak
  peak=$(cat "$PEAK_FILE" 2>/dev/null || true)
  stamp "peak RSS of the testbed processes: $(( ${peak:-0} / 1024 )) MiB"
  rm -f "$PEAK_FILE"
  [[ -z $COLL ]] || rm -rf "$COLL"   # only the link: rm does not follow it
  if [[ -z $KEEP ]]; then
    "$HERE/down.sh" >/dev/null || true
    stamp "testbed stopped"
  fi
  stamp "exit $rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Sum of RSS (KiB) over the process groups up.sh recorded (each service runs in its own session).
sample_memory() {
  set +e +o pipefail   # a sampling hiccup (no pid file yet) must not end the sampler
  local peak=0 total groups
  while sleep 2; do
    groups=$(cat "$WORK"/run/*.pid 2>/dev/null | tr '\n' ' ')
    [[ -n $groups ]] || continue
    total=$(ps -eo pgid=,rss= | awk -v g=" $groups" '{ if (index(g, " " $1 " ")) s += $2 } END { print s + 0 }')
    if ((total > peak)); then peak=$total; echo "$peak" > "$PEAK_FILE"; fi
  done
}

if [[ -n $FRESH ]]; then "$HERE/down.sh" --purge >/dev/null; stamp "testbed data purged"; fi
sample_memory </dev/null & SAMPLER=$!

stamp "up.sh --seed (install if needed, start, seed)"
"$HERE/up.sh" --seed </dev/null
stamp "testbed up and seeded"

VENV=$("$HERE/up.sh" --print-venv)
# migrate_tenant.yml references kubernetes.core (apply mode): take the dependency collections
# from the pinned `ansible` bundle on PyPI (Galaxy may be unreachable), cached next to the venv.
BUNDLE=${OSTK_TESTBED_CACHE:-$HOME/.cache/ostokubevirt-testbed}/ansible-12.3.0
if [[ ! -f $BUNDLE/.complete ]]; then
  stamp "installing the ansible 12.3.0 collection bundle into $BUNDLE"
  rm -rf "$BUNDLE"
  "$VENV/bin/pip" install -q --no-deps --target "$BUNDLE" ansible==12.3.0 </dev/null
  touch "$BUNDLE/.complete"
fi
# The disk tests import into a real Kubernetes control plane (tests/control_plane): its binaries are
# built once (Go, cached outside the checkout), and its Python needs the kubernetes client:
# OKV_CONTROL_PLANE_PYTHON (scripts/test passes its tools venv), else the checkout's .venv, else a
# small venv cached next to the testbed's.
stamp "control plane: build (cached after the first time)"
"$REPO/tests/control_plane/build.sh" >/dev/null </dev/null
if [[ -z ${OKV_CONTROL_PLANE_PYTHON:-} ]]; then
  if [[ -x $REPO/.venv/bin/python ]] && "$REPO/.venv/bin/python" -c 'import kubernetes, yaml' 2>/dev/null; then
    OKV_CONTROL_PLANE_PYTHON=$REPO/.venv/bin/python
  else
    KVENV=${OSTK_TESTBED_CACHE:-$HOME/.cache/ostokubevirt-testbed}/control-plane-venv
    if ! "$KVENV/bin/python" -c 'import kubernetes, yaml' 2>/dev/null; then
      stamp "control plane: a venv with the kubernetes client in $KVENV"
      rm -rf "$KVENV"
      python3 -m venv "$KVENV"
      "$KVENV/bin/pip" install -q kubernetes pyyaml </dev/null
    fi
    OKV_CONTROL_PLANE_PYTHON=$KVENV/bin/python
  fi
fi
export OKV_CONTROL_PLANE_PYTHON
stamp "control plane: binaries built, python $OKV_CONTROL_PLANE_PYTHON"

# The collection must sit at .../ansible_collections/ostokubevirt/migrate for Python and Ansible:
# a link in a temporary directory (not inside the checkout, where tools walking it would loop).
COLL=$(mktemp -d)
mkdir -p "$COLL/ansible_collections/ostokubevirt"
ln -sfn "$REPO" "$COLL/ansible_collections/ostokubevirt/migrate"

set +e
env PYTHONPATH="$COLL:$HERE/tests" ANSIBLE_COLLECTIONS_PATH="$COLL:$BUNDLE" ANSIBLE_HOME="$WORK/ansible-home" \
  OSTK_OPENSTACK_CLOUDS="$WORK/clouds.yaml" OSTK_TESTBED_SUMMARY="$WORK/seed-summary.json" \
  "$VENV/bin/python" -m pytest "$HERE/tests" -p no:cacheprovider -ra -q -s --durations=15 "${PYTEST_ARGS[@]}" </dev/null
rc=$?
set -e
stamp "live tests done (pytest exit $rc)"
if [[ -n $BENCH ]]; then
  # Where the disk bytes go and how fast (printed, never asserted); a failure of the run itself fails the step.
  set +e
  env PYTHONPATH="$COLL" ANSIBLE_COLLECTIONS_PATH="$COLL:$BUNDLE" ANSIBLE_HOME="$WORK/ansible-home" \
    OSTK_OPENSTACK_CLOUDS="$WORK/clouds.yaml" OSTK_TESTBED_SUMMARY="$WORK/seed-summary.json" \
    "$VENV/bin/python" "$REPO/benchmarks/disk_path.py" --quick </dev/null
  bench_rc=$?
  set -e
  stamp "disk path benchmark done (exit $bench_rc)"
  ((rc != 0)) || rc=$bench_rc
fi
exit "$rc"
