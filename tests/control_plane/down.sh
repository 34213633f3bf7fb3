#!/usr/bin/env bash
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Stop the control plane started by up.sh DIR: exactly the PIDs in DIR/pids, newest first, SIGTERM then
# SIGKILL after a grace period. Nothing else is signalled. DIR (logs, volumes, certificates) is kept.
set -uo pipefail

[[ $# -eq 1 ]] || { echo "usage: down.sh DIR" >&2; exit 2; }
pids_file="$1/pids"
[[ -s "$pids_file" ]] || exit 0

mapfile -t entries < <(tac "$pids_file")
for entry in "${entries[@]}"; do
	kill -TERM "${entry##* }" 2>/dev/null || true
done
deadline=$((SECONDS + 15))
for entry in "${entries[@]}"; do
	pid="${entry##* }"
	while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
	if kill -0 "$pid" 2>/dev/null; then
		echo "down.sh: ${entry% *} ($pid) ignored SIGTERM; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
done
: >"$pids_file"
