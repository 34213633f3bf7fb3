#!/usr/bin/env bash
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# down.sh - stop the testbed started by up.sh.
#
#   down.sh                stop every service; keep data (a later up.sh is a warm start)
#   down.sh --purge        ... and delete the work dir's content (DBs, images, volumes,
#                          configs, logs, secrets.env, clouds.yaml)
#   down.sh --purge-cache  ... and also delete the cached venvs (OSTK_TESTBED_CACHE)
#   down.sh NAME...        stop only these services (e.g. nova-compute); up.sh starts them again
#
# up.sh starts every service with setsid and records its PID in run/NAME.pid,
# so the PID is also the process group id: we signal that group (gunicorn
# workers, nova's privsep helpers, beam.smp, ...) and nothing else.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${OSTK_TESTBED_WORK:-$HERE/.work}
CACHE=${OSTK_TESTBED_CACHE:-$HOME/.cache/ostokubevirt-testbed}
RUN=$WORK/run
PURGE='' PURGE_CACHE='' ONLY=()
for arg in "$@"; do
  case $arg in
    --purge) PURGE=1 ;;
    --purge-cache) PURGE=1 PURGE_CACHE=1 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d;s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown argument: $arg" >&2; exit 2 ;;
    *) [[ -f $RUN/$arg.pid ]] || { echo "no service $arg is recorded in $RUN" >&2; exit 2; }
       ONLY+=("$arg") ;;
  esac
done
if ((${#ONLY[@]})); then
  [[ -z $PURGE ]] || { echo "--purge stops every service: it takes no service names" >&2; exit 2; }
fi

# OpenStack services first (all at once: several of them need the full grace period, one
# by one that took a minute), infrastructure last, so no service logs errors about a vanished DB.
SERVICES=(cinder-volume cinder-scheduler nova-compute nova-scheduler nova-conductor
          cinder-api nova-api neutron-api placement-api glance-api keystone)
INFRA=(rabbitmq epmd mariadb)
group_alive() { kill -0 -- "-$1" 2>/dev/null; }

# stop_all NAME... : SIGTERM every recorded process group, wait up to 10 s, SIGKILL what is left
stop_all() {
  local name f pgid i groups=() names=() left
  for name in "$@"; do
    f=$RUN/$name.pid
    [[ -f $f ]] || continue
    pgid=$(cat "$f")
    if [[ $pgid =~ ^[0-9]+$ ]] && group_alive "$pgid"; then
      kill -TERM -- "-$pgid" 2>/dev/null
      groups+=("$pgid"); names+=("$name")
    fi
    rm -f "$f"
  done
  ((${#groups[@]})) || return 0
  echo "stopping ${names[*]}"
  for ((i = 0; i < 40; i++)); do
    left=0
    for pgid in "${groups[@]}"; do group_alive "$pgid" && left=1; done
    ((left)) || return 0
    sleep 0.25
  done
  for i in "${!groups[@]}"; do
    if group_alive "${groups[$i]}"; then
      echo "  ${names[$i]} did not stop in 10s: SIGKILL"
      kill -KILL -- "-${groups[$i]}" 2>/dev/null
    fi
  done
}

if ((${#ONLY[@]})); then stop_all "${ONLY[@]}"; exit 0; fi
stop_all "${SERVICES[@]}"
# anything else up.sh recorded (e.g. a service added later), then the infrastructure
others=()
for f in "$RUN"/*.pid; do
  [[ -e $f ]] || continue
  name=$(basename "$f" .pid)
  [[ " ${INFRA[*]} " == *" $name "* ]] || others+=("$name")
done
((${#others[@]} == 0)) || stop_all "${others[@]}"
stop_all "${INFRA[@]}"

if [[ -n $PURGE && -d $WORK ]]; then
  echo "purging $WORK"
  find "$WORK" -mindepth 1 -maxdepth 1 ! -name .gitignore -exec rm -rf {} +
fi
if [[ -n $PURGE_CACHE && -d $CACHE ]]; then
  echo "purging $CACHE"
  rm -rf "$CACHE"
fi
exit 0
