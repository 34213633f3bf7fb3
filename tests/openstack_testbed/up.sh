#!/usr/bin/env bash
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# up.sh - install and start a small but REAL OpenStack on 127.0.0.1 for tests:
#   keystone, glance (file store), placement, nova (fake virt driver),
#   neutron (ML2, no agents), cinder (sparse-file volumes)
#   on MariaDB + RabbitMQ from Debian. Needs root (apt, mariadbd --user=root).
#
# Idempotent: packages, the venv, DB migrations and the catalog are only done
# once; running services are left alone; stopped ones are started.
#
#   up.sh                 install what is missing, start everything, wait until ready
#   up.sh --seed          ... then run seed.py (demo tenant + clouds demo-member/-appcred)
#   up.sh --install-only  apt + venv only (e.g. a CI cache-warming step)
#   up.sh --no-install    never run apt/pip (fail if something is missing)
#   up.sh --print-venv    print the venv path for this constraints.txt and exit
#
# Environment:
#   OSTK_TESTBED_WORK   work dir: etc/ state/ logs/ run/ clouds.yaml secrets.env
#                       (default: <this dir>/.work)
#   OSTK_TESTBED_CACHE  cache dir holding venv-<hash of constraints.txt>/
#                       (default: ~/.cache/ostokubevirt-testbed)
#   OSTK_TESTBED_PYTHON interpreter for the venv (default: python3, must be 3.11)
#
# Afterwards: export OSTK_OPENSTACK_CLOUDS=$OSTK_TESTBED_WORK/clouds.yaml
# Stop with down.sh (--purge drops all state).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${OSTK_TESTBED_WORK:-$HERE/.work}
CACHE=${OSTK_TESTBED_CACHE:-$HOME/.cache/ostokubevirt-testbed}
PYTHON=${OSTK_TESTBED_PYTHON:-python3}
ETC=$WORK/etc STATE=$WORK/state LOGS=$WORK/logs RUN=$WORK/run SITE=$WORK/site
HOST=127.0.0.1
KS=http://$HOST:5000

# Top-level packages; every transitive version is pinned in constraints.txt.
PY_PKGS=(keystone==30.0.0 glance==33.0.0 nova==34.0.0 neutron==29.0.0
         cinder==29.0.0 openstack-placement==16.0.0 openstacksdk==4.22.0
         python-openstackclient==10.5.0 PyMySQL==1.2.4 gunicorn==27.0.1
         pytest==9.0.3 ansible-core==2.19.14 kubernetes-validate==1.37.0)
# iproute2: ss, for the loopback-only test; python3-venv: Debian's python3 has no ensurepip without it;
# curl: the baseline of benchmarks/disk_path.py (qemu-utils: the importer double and the TVO stand-in)
APT_PKGS=(mariadb-server rabbitmq-server qemu-utils iproute2 python3-venv curl)

MODE=up
for arg in "$@"; do
  case $arg in
    --seed) SEED=1 ;;
    --install-only) MODE=install ;;
    --no-install) NO_INSTALL=1 ;;
    --print-venv) MODE=print-venv ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d;s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

# The venv is keyed by what goes into it, so a pin change builds a new one
# and old checkouts keep theirs.
VENV_KEY=$( { cat "$HERE/constraints.txt"; echo "${PY_PKGS[*]}"; "$PYTHON" -V; } \
            | sha256sum | cut -c1-12)
VENV=$CACHE/venv-$VENV_KEY
if [[ $MODE == print-venv ]]; then echo "$VENV"; exit 0; fi

T0=$(date +%s)
mkdir -p "$ETC" "$STATE" "$LOGS" "$RUN"
[[ -f $WORK/.gitignore ]] || printf '*\n!.gitignore\n' > "$WORK/.gitignore"
log() { local m; m="[$(date -u +%T) +$(( $(date +%s) - T0 ))s] $*"; echo "$m"; echo "$m" >> "$LOGS/up.timings"; }
die() { echo "up.sh: $*" >&2; exit 1; }

# ------------------------------------------------------------------ install
install_apt() {
  if command -v mariadbd >/dev/null && command -v qemu-img >/dev/null && command -v ss >/dev/null && command -v curl >/dev/null \
     && "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null \
     && [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]]; then return; fi
  [[ -z ${NO_INSTALL:-} ]] || die "missing Debian packages: ${APT_PKGS[*]}"
  [[ $(id -u) == 0 ]] || die "apt-get needs root"
  log "apt-get install ${APT_PKGS[*]}"
  # Keep apt from starting the system-wide daemons (they would take ports
  # 3306/5672 on a systemd machine); we run our own copies on loopback.
  local prc=/usr/sbin/policy-rc.d own_prc=
  if [[ ! -e $prc ]]; then
    printf '#!/bin/sh\nexit 101\n' > $prc; chmod +x $prc; own_prc=1
  fi
  apt-get update -q >"$LOGS/apt.log" 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${APT_PKGS[@]}" >>"$LOGS/apt.log" 2>&1 || { [[ -z $own_prc ]] || rm -f $prc; die "apt failed, see $LOGS/apt.log"; }
  [[ -z $own_prc ]] || rm -f $prc
  log "apt done"
}

install_venv() {
  mkdir -p "$CACHE"
  # one builder at a time per cache dir (parallel checkouts share it)
  exec 9>"$CACHE/.lock"; flock 9
  if [[ ! -f $VENV/.complete ]]; then
    [[ -z ${NO_INSTALL:-} ]] || die "venv $VENV is missing"
    log "building venv $VENV (pip, a few minutes cold)"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -q -c "$HERE/constraints.txt" "${PY_PKGS[@]}" \
      >"$LOGS/pip.log" 2>&1 || die "pip failed, see $LOGS/pip.log"
    touch "$VENV/.complete"
    log "venv done ($(du -sh "$VENV" | cut -f1))"
  fi
  exec 9>&-
  # Our two drivers go into the work dir (not the shared venv), put on
  # PYTHONPATH of every service; rebuilt when their sources change.
  local h; h=$(cd "$HERE/drivers" && find . -type f \( -name '*.py' -o -name '*.toml' \) -print0 \
               | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)
  if [[ $(cat "$SITE/.hash" 2>/dev/null) != "$h" ]]; then
    rm -rf "$SITE"
    install_drivers "$HERE/drivers" "$SITE" || die "driver install failed"
    echo "$h" > "$SITE/.hash"
  fi
}

# install_drivers SRC DEST: what 'pip install --target' would do for the pure
# Python package in SRC (copy + .dist-info with the entry points), without
# needing setuptools/wheel or an index. The ML2 driver is found by entry point.
install_drivers() {
  "$VENV/bin/python" - "$1" "$2" <<'PY'
import pathlib, shutil, sys, tomllib
src, dest = map(pathlib.Path, sys.argv[1:3])
meta = tomllib.loads((src / 'pyproject.toml').read_text())
project = meta['project']
for pkg in meta['tool']['setuptools']['packages']:
    shutil.copytree(src / pkg, dest / pkg, ignore=shutil.ignore_patterns('__pycache__'))
info = dest / ('%s-%s.dist-info' % (project['name'].replace('-', '_'), project['version']))
info.mkdir(parents=True)
(info / 'METADATA').write_text('Metadata-Version: 2.1\nName: %s\nVersion: %s\n'
                               % (project['name'], project['version']))
(info / 'entry_points.txt').write_text(''.join(
    '[%s]\n%s\n' % (group, ''.join('%s = %s\n' % kv for kv in eps.items()))
    for group, eps in project.get('entry-points', {}).items()))
PY
}

# ------------------------------------------------------------------ helpers
running() { [[ -f $RUN/$1.pid ]] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }
# start NAME CMD... : run CMD in its own session (pid == pgid, see down.sh)
start() {
  local name=$1; shift
  if running "$name"; then return; fi
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! > "$RUN/$name.pid"
  log "started $name (pid $!)"
}
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
# wait_port NAME PORT [SECONDS]: also fails fast when the process died
wait_port() {
  local i
  for ((i = 0; i < ${3:-180}; i++)); do
    port_open "$2" && return 0
    running "$1" || die "$1 died, see $LOGS/$1.log"
    sleep 1
  done
  die "$1: port $2 not open after ${3:-180}s, see $LOGS/$1.log"
}
sql() { mariadb --socket="$RUN/mysql.sock" -uroot -e "$1"; }
# serve NAME PORT WSGI_TARGET [ENV=VAL...] [-- APP ARGS]: WSGI app under gunicorn
serve() {
  local name=$1 port=$2 target=$3 envs=(); shift 3
  while (($#)) && [[ $1 != -- ]]; do envs+=("$1"); shift; done
  (($#)) && shift
  start "$name" env PYTHONPATH="$SITE" "${envs[@]}" \
    "$VENV/bin/python" "$HERE/bin/serve.py" --name "$name" --port "$port" --app "$target" -- "$@"
}
# daemon NAME: an oslo.service daemon of nova/cinder from the venv
daemon() {
  local name=$1 project=${1%%-*} cmd=("$VENV/bin/$1")
  # nova loads a compute driver only from nova.virt: this launcher puts ours there
  [[ $name == nova-compute ]] && cmd=("$VENV/bin/python" -m ostk_testbed_drivers.nova_compute)
  start "$name" env PYTHONPATH="$SITE" "${cmd[@]}" \
    --config-file "$ETC/$project/$project.conf" --log-file "$LOGS/$name.app.log"
}

# --------------------------------------------------------------- secrets
load_secrets() {
  if [[ ! -f $WORK/secrets.env ]]; then
    pw() { tr -dc 'A-Za-z0-9' </dev/urandom | head -c 24 || true; }
    (umask 077; printf 'DB_PW=%s\nADMIN_PW=%s\nSERVICE_PW=%s\n' "$(pw)" "$(pw)" "$(pw)" > "$WORK/secrets.env")
  fi
  # shellcheck disable=SC1091
  source "$WORK/secrets.env"
  DBURL="mysql+pymysql://os:$DB_PW@$HOST:3306"
  RABBIT="rabbit://guest:guest@$HOST:5672/"   # rabbit's guest is loopback-only anyway
}

write_clouds_yaml() {
  # admin only; seed.py adds demo-member and demo-appcred
  local f=$WORK/clouds.yaml
  [[ -f $f ]] && grep -q "password: $ADMIN_PW" "$f" && return
  (umask 077; cat > "$f" <<YAML
# generated by tests/openstack_testbed/up.sh - contains passwords, keep private
clouds:
  admin:
    auth:
      auth_url: $KS/v3
      username: admin
      password: $ADMIN_PW
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    identity_api_version: 3
    interface: public
YAML
  )
  chmod 600 "$f"
}

# --------------------------------------------------------------- configs
# [keystone_authtoken] of a service whose keystone user is NAME
authtoken() { cat <<EOF
[keystone_authtoken]
www_authenticate_uri = $KS
auth_url = $KS
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $SERVICE_PW
service_token_roles_required = true
EOF
}
# keystoneauth section SECTION used by service USER to call another service
ksa() { cat <<EOF
[$1]
auth_url = $KS
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $SERVICE_PW
region_name = RegionOne
EOF
}

write_configs() {
  local venv_etc=$VENV/etc
  mkdir -p "$ETC"/{keystone,glance,placement,nova,neutron,cinder} "$STATE"/{keystone,glance/images,glance/staging,glance/tasks,nova/instances,cinder/volumes,lock}

  cat > "$ETC/keystone/keystone.conf" <<EOF
[DEFAULT]
log_file = $LOGS/keystone.app.log
[database]
connection = $DBURL/keystone
[token]
provider = fernet
[fernet_tokens]
key_repository = $STATE/keystone/fernet-keys
[credential]
key_repository = $STATE/keystone/credential-keys
EOF

  cp "$venv_etc/glance/glance-api-paste.ini" "$ETC/glance/"
  cat > "$ETC/glance/glance-api.conf" <<EOF
[DEFAULT]
enabled_backends = file:file
log_file = $LOGS/glance-api.app.log
[database]
connection = $DBURL/glance
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = $STATE/glance/images
[os_glance_staging_store]
filesystem_store_datadir = $STATE/glance/staging
[os_glance_tasks_store]
filesystem_store_datadir = $STATE/glance/tasks
[paste_deploy]
flavor = keystone
[oslo_concurrency]
lock_path = $STATE/lock
$(authtoken glance)
EOF

  cat > "$ETC/placement/placement.conf" <<EOF
[DEFAULT]
log_file = $LOGS/placement-api.app.log
[placement_database]
connection = $DBURL/placement
[api]
auth_strategy = keystone
$(authtoken placement)
EOF

  cp "$venv_etc/nova/api-paste.ini" "$ETC/nova/"
  cat > "$ETC/nova/nova.conf" <<EOF
[DEFAULT]
# No hypervisor: instances are bookkeeping only. FakeDriverWithoutFakeNodes (our driver's base)
# persists its node UUID in state_path/compute_id; plain FakeDriver makes a
# new one per process and nova-compute then refuses to start again.
# drivers/ostk_testbed_drivers/nova_disk.py: the fake driver plus a root disk file per
# image-booted server, so createImage uploads real bytes
compute_driver = ostk_disk.DiskFakeDriver
host = fake-compute-1
my_ip = $HOST
transport_url = $RABBIT
state_path = $STATE/nova
instances_path = $STATE/nova/instances
enabled_apis = osapi_compute
# nothing plugs VIFs, so do not wait for network-vif-plugged events
vif_plugging_is_fatal = false
vif_plugging_timeout = 0
# the fake driver forgets its instances on restart; without this the power
# state sync would flip every ACTIVE server to SHUTOFF
sync_power_state_interval = -1
[api]
auth_strategy = keystone
[api_database]
connection = $DBURL/nova_api
[database]
connection = $DBURL/nova
[oslo_concurrency]
lock_path = $STATE/lock
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 10
[conductor]
workers = 1
[glance]
region_name = RegionOne
$(ksa cinder nova)
os_region_name = RegionOne
$(authtoken nova)
$(ksa placement nova)
$(ksa neutron nova)
$(ksa service_user nova)
send_service_user_token = true
EOF

  cp "$venv_etc/neutron/api-paste.ini" "$ETC/neutron/"
  cat > "$ETC/neutron/neutron.conf" <<EOF
[DEFAULT]
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
api_paste_config = $ETC/neutron/api-paste.ini
transport_url = $RABBIT
bind_host = $HOST
allow_overlapping_ips = true
# no DHCP agent exists; do not cast to one
dhcp_agent_notification = false
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
log_file = $LOGS/neutron-api.app.log
[database]
connection = $DBURL/neutron
[oslo_concurrency]
lock_path = $STATE/lock
$(authtoken neutron)
$(ksa nova neutron)
EOF
  cat > "$ETC/neutron/ml2_conf.ini" <<EOF
[ml2]
type_drivers = flat,vlan,vxlan
tenant_network_types = vxlan
# drivers/ostk_testbed_drivers/ml2_noop.py: binds every port, no agent needed
mechanism_drivers = ostk_noop
extension_drivers = port_security
[ml2_type_flat]
flat_networks = public
[ml2_type_vlan]
network_vlan_ranges = public
[ml2_type_vxlan]
vni_ranges = 1:1000
[securitygroup]
enable_security_group = true
EOF

  cp "$venv_etc/cinder/api-paste.ini" "$venv_etc/cinder/resource_filters.json" "$ETC/cinder/"
  cat > "$ETC/cinder/cinder.conf" <<EOF
[DEFAULT]
transport_url = $RABBIT
auth_strategy = keystone
api_paste_config = $ETC/cinder/api-paste.ini
# without it every ?name= filter is rejected ("Invalid filters ...")
resource_query_filters_file = $ETC/cinder/resource_filters.json
my_ip = $HOST
host = fake-storage-1
state_path = $STATE/cinder
enabled_backends = file
[file]
# drivers/ostk_testbed_drivers/cinder_file.py: one sparse file per volume
volume_driver = ostk_testbed_drivers.cinder_file.SparseFileVolumeDriver
volume_backend_name = file
sparse_file_volume_dir = $STATE/cinder/volumes
# privsep normally starts through sudo + rootwrap; we are root already
[cinder_sys_admin]
helper_command = $VENV/bin/privsep-helper --config-file $ETC/cinder/cinder.conf
[privsep_osbrick]
helper_command = $VENV/bin/privsep-helper --config-file $ETC/cinder/cinder.conf
[database]
connection = $DBURL/cinder
[oslo_concurrency]
lock_path = $STATE/lock
$(authtoken cinder)
service_token_roles = service
$(ksa nova cinder)
$(ksa service_user cinder)
send_service_user_token = true
EOF
}

# ------------------------------------------------------- MariaDB + RabbitMQ
# The ports are fixed: a testbed of another work directory still running would answer this one's clients (and
# this one's services would fail to bind), so a run would test the wrong cloud. Refuse before starting anything.
refuse_foreign_listeners() {
  local port
  running mariadb && return 0
  for port in 3306 5672 5000 9292 8778 8774 8776 9696; do
    if port_open "$port"; then
      die "$HOST:$port is already taken by another process (a testbed of another OSTK_TESTBED_WORK left running? stop it with OSTK_TESTBED_WORK=<its directory> $HERE/down.sh); not starting this one ($WORK)"
    fi
  done
}

start_infra() {
  if [[ ! -d $STATE/mysql/mysql ]]; then
    mariadb-install-db --user=root --datadir="$STATE/mysql" \
      --auth-root-authentication-method=socket >"$LOGS/mariadb-install.log" 2>&1
  fi
  # durability is not needed for a throw-away test DB: no fsync per commit
  start mariadb mariadbd --no-defaults --user=root --datadir="$STATE/mysql" \
    --bind-address=$HOST --port=3306 --socket="$RUN/mysql.sock" \
    --pid-file="$RUN/mariadbd.pidfile" --log-error="$LOGS/mariadb.err" \
    --max-connections=1000 --innodb-buffer-pool-size=128M --skip-name-resolve \
    --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --skip-log-bin
  # Erlang: our own epmd (else erl daemonizes one we have no pid for), then
  # the rabbit node directly (the Debian wrapper switches to user rabbitmq).
  mkdir -p "$STATE/rabbit"
  start epmd env HOME="$STATE/rabbit" epmd -address $HOST -port 4369
  start rabbitmq env HOME="$STATE/rabbit" RABBITMQ_NODENAME=rabbit@localhost \
    RABBITMQ_NODE_IP_ADDRESS=$HOST RABBITMQ_NODE_PORT=5672 \
    ERL_EPMD_ADDRESS=$HOST RABBITMQ_DIST_PORT=25672 \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    RABBITMQ_MNESIA_BASE="$STATE/rabbit/mnesia" RABBITMQ_LOG_BASE="$LOGS/rabbit" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$STATE/rabbit/enabled_plugins" \
    RABBITMQ_CONFIG_FILE="$STATE/rabbit/rabbitmq" \
    /usr/lib/rabbitmq/bin/rabbitmq-server
  wait_port mariadb 3306 60
  sql "CREATE USER IF NOT EXISTS 'os'@'127.0.0.1' IDENTIFIED BY '$DB_PW';
       GRANT ALL ON *.* TO 'os'@'127.0.0.1';"
}

# ------------------------------------------------------------ DB migrations
# One function per service, run in parallel; each leaves a marker when done.
dbsync_keystone() {
  local km=("$VENV/bin/keystone-manage" --config-file "$ETC/keystone/keystone.conf")
  "${km[@]}" db_sync
  "${km[@]}" fernet_setup --keystone-user root --keystone-group root
  "${km[@]}" credential_setup --keystone-user root --keystone-group root
  "${km[@]}" bootstrap --bootstrap-password "$ADMIN_PW" --bootstrap-region-id RegionOne \
    --bootstrap-admin-url $KS/v3 --bootstrap-public-url $KS/v3 --bootstrap-internal-url $KS/v3
}
dbsync_glance() { "$VENV/bin/glance-manage" --config-file "$ETC/glance/glance-api.conf" db_sync; }
dbsync_placement() { "$VENV/bin/placement-manage" --config-file "$ETC/placement/placement.conf" db sync; }
dbsync_nova() {
  local nm=("$VENV/bin/nova-manage" --config-file "$ETC/nova/nova.conf")
  "${nm[@]}" api_db sync
  "${nm[@]}" cell_v2 map_cell0 --database_connection "$DBURL/nova_cell0"
  "${nm[@]}" cell_v2 list_cells | grep -q ' cell1 ' || "${nm[@]}" cell_v2 create_cell --name cell1
  "${nm[@]}" db sync
}
dbsync_neutron() {
  "$VENV/bin/neutron-db-manage" --config-file "$ETC/neutron/neutron.conf" \
    --config-file "$ETC/neutron/ml2_conf.ini" upgrade head
}
dbsync_cinder() { "$VENV/bin/cinder-manage" --config-file "$ETC/cinder/cinder.conf" db sync; }

db_syncs() {
  local svc pids=() names=() i rc=0
  for svc in keystone glance placement nova neutron cinder; do
    [[ -f $STATE/.dbsync-$svc ]] && continue
    case $svc in
      nova) sql "CREATE DATABASE IF NOT EXISTS nova_api; CREATE DATABASE IF NOT EXISTS nova;
                 CREATE DATABASE IF NOT EXISTS nova_cell0;" ;;
      *) sql "CREATE DATABASE IF NOT EXISTS $svc" ;;
    esac
    ( "dbsync_$svc" >"$LOGS/dbsync-$svc.log" 2>&1 && touch "$STATE/.dbsync-$svc" ) &
    pids+=($!); names+=("$svc")
  done
  ((${#pids[@]})) || return 0
  log "DB migrations: ${names[*]} (in parallel)"
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { echo "DB sync of ${names[$i]} failed, see $LOGS/dbsync-${names[$i]}.log" >&2; rc=1; }
  done
  ((rc == 0)) || exit 1
  log "DB migrations done"
}

# ------------------------------------------------------------------- main
install_apt
install_venv
[[ $MODE == install ]] && { log "install done"; exit 0; }
load_secrets
write_configs
write_clouds_yaml
refuse_foreign_listeners
start_infra
log "MariaDB up"
db_syncs

serve keystone 5000 "keystone.server.wsgi:initialize_public_application()" \
  OS_KEYSTONE_CONFIG_DIR="$ETC/keystone" OS_KEYSTONE_CONFIG_FILES=keystone.conf
serve glance-api 9292 glance.wsgi.api:application OS_GLANCE_CONFIG_DIR="$ETC/glance"
serve placement-api 8778 placement.wsgi.api:application OS_PLACEMENT_CONFIG_DIR="$ETC/placement"
serve neutron-api 9696 neutron.wsgi.api:application \
  OS_NEUTRON_CONFIG_DIR="$ETC/neutron" OS_NEUTRON_CONFIG_FILES="neutron.conf;ml2_conf.ini"
serve nova-api 8774 nova.wsgi.osapi_compute:application OS_NOVA_CONFIG_DIR="$ETC/nova"
serve cinder-api 8776 cinder.wsgi.api:application -- --config-file "$ETC/cinder/cinder.conf"

wait_port keystone 5000
wait_port rabbitmq 5672 120
log "keystone + RabbitMQ up"
# service project/role/users and the catalog, in one Python process
"$VENV/bin/python" "$HERE/bin/catalog.py" --clouds "$WORK/clouds.yaml" \
  --service-password "$SERVICE_PW" >>"$LOGS/catalog.log" 2>&1 \
  || die "catalog setup failed, see $LOGS/catalog.log"
log "catalog done"
for d in nova-conductor nova-scheduler nova-compute cinder-scheduler cinder-volume; do daemon "$d"; done

wait_port glance-api 9292; wait_port placement-api 8778; wait_port neutron-api 9696
wait_port nova-api 8774; wait_port cinder-api 8776
log "all API ports open"
"$VENV/bin/python" "$HERE/bin/wait_ready.py" --clouds "$WORK/clouds.yaml" \
  --nova-manage "$VENV/bin/nova-manage --config-file $ETC/nova/nova.conf" 2>>"$LOGS/wait_ready.log" \
  || die "services did not become ready, see $LOGS/wait_ready.log and $LOGS/*.log"
log "all services ready"

if [[ -n ${SEED:-} ]]; then
  "$VENV/bin/python" "$HERE/seed.py" --clouds "$WORK/clouds.yaml" --summary "$WORK/seed-summary.json" \
    >/dev/null 2>>"$LOGS/seed.log" || die "seed failed, see $LOGS/seed.log"
  log "seed done"
fi
echo "export OSTK_OPENSTACK_CLOUDS=$WORK/clouds.yaml   # clouds: admin$([[ -f $WORK/seed-summary.json ]] && echo ', demo-member, demo-appcred')"
