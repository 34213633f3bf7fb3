#!/usr/bin/env bash
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The playbook as users run it: by FQCN, at -vvv, on the demo tenant. It must render, exit 0 even
# though one server is blocked (that is reported, not fatal, by default), print the summary, and
# never print a secret (user data, decoded user data, SSH public keys) however verbose it is.
set -euo pipefail

collection=""
IFS=: read -ra search_paths <<<"${ANSIBLE_COLLECTIONS_PATH:-}"
for base in "${search_paths[@]}"; do
    if [ -f "$base/ansible_collections/ostokubevirt/migrate/galaxy.yml" ]; then
        collection="$base/ansible_collections/ostokubevirt/migrate"
        break
    fi
done
[ -n "$collection" ] || { echo "ostokubevirt.migrate not found on ANSIBLE_COLLECTIONS_PATH" >&2; exit 1; }

work="${OUTPUT_DIR:?}/render_playbook"
rm -rf "$work"
mkdir -p "$work"
log="$work/playbook.log"

ansible-playbook -vvv ostokubevirt.migrate.migrate_tenant \
    -e tenant=web-shop \
    -e "migration_snapshot=$collection/examples/snapshots/demo.yaml" \
    -e migration_mode=render \
    -e "migration_output_dir=$work/out" >"$log" 2>&1 || { cat "$log"; exit 1; }

plan="$work/out/acme-web-shop/plan.json"
[ -s "$plan" ] || { echo "no plan at $plan" >&2; exit 1; }
grep -q "blocked" "$log" || { echo "the summary does not mention the blocked server" >&2; exit 1; }

# Disk options given in migration_options reach the plan when their migration_* variables are unset (an omit
# placeholder of the playbook once replaced them, so glance_interface: admin silently became public).
ansible-playbook ostokubevirt.migrate.migrate_tenant -e tenant=web-shop \
    -e "migration_snapshot=$collection/examples/snapshots/demo.yaml" -e migration_mode=render \
    -e "migration_output_dir=$work/options" \
    -e '{"migration_options": {"glance_interface": "admin", "bandwidth_mbps": 123}}' >"$work/options.log" 2>&1 || { cat "$work/options.log"; exit 1; }
python - "$work/options/acme-web-shop/plan.json" <<'PY' || exit 1
import json, sys
disks = json.load(open(sys.argv[1]))["summary"]["disks"]
got = {key: disks[key] for key in ("glance_interface", "bandwidth_mbps")}
if got != {"glance_interface": "admin", "bandwidth_mbps": 123}:
    sys.exit(f"migration_options disk settings lost on the way to the plan: {got}")
PY

# Blocked servers fail the run only when asked to.
if ansible-playbook ostokubevirt.migrate.migrate_tenant -e tenant=web-shop \
    -e "migration_snapshot=$collection/examples/snapshots/demo.yaml" -e migration_mode=render \
    -e "migration_output_dir=$work/out" -e migration_fail_on_blocked=true >"$work/strict.log" 2>&1; then
    echo "migration_fail_on_blocked=true did not fail on the blocked server" >&2
    exit 1
fi
grep -q "legacy-01" "$work/strict.log" || { echo "the failure does not name the blocked server" >&2; exit 1; }

# An empty output directory is refused, naming the variable, and nothing lands where the run started.
mkdir "$work/cwd"
if (cd "$work/cwd" && ansible-playbook ostokubevirt.migrate.migrate_tenant -e tenant=web-shop \
    -e "migration_snapshot=$collection/examples/snapshots/demo.yaml" -e migration_mode=render \
    -e migration_output_dir= >"$work/empty.log" 2>&1); then
    echo "an empty migration_output_dir was accepted" >&2
    exit 1
fi
grep -q "migration_output_dir) is empty" "$work/empty.log" || { cat "$work/empty.log"; exit 1; }
[ -z "$(ls -A "$work/cwd")" ] || { echo "an empty migration_output_dir wrote into the current directory" >&2; exit 1; }

python "$(dirname "$0")/find_secrets.py" "$collection/examples/snapshots/demo.yaml" "$log" "$plan" "$work/out/acme-web-shop/manifests"
# The same check must see the secrets where they belong, or it proves nothing.
if python "$(dirname "$0")/find_secrets.py" "$collection/examples/snapshots/demo.yaml" "$work/out/acme-web-shop/secrets" >/dev/null; then
    echo "find_secrets.py found no secret even in secrets/: the check is blind" >&2
    exit 1
fi
echo "render_playbook: FQCN playbook rendered $(grep -c '"name"' "$plan") named entries; no secret in the -vvv log, plan or manifests"
