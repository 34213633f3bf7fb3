#!/usr/bin/env bash
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Start a real Kubernetes control plane on loopback for tests:
#
#   tests/control_plane/up.sh DIR      # returns once the API answers; DIR/kubeconfig is the admin's
#   tests/control_plane/down.sh DIR    # stops exactly the processes listed in DIR/pids
#
# etcd, kube-apiserver (RBAC, token file, service-account keys) and kube-controller-manager are built once
# from tests/control_plane/go (build.sh, cached outside the checkout). Then the upstream CRDs of
# ../shared/crds/ and tests/control_plane/manifests/*.yaml are applied, and the controller doubles and the
# fault proxy start. Free ports are chosen at start, so several control planes can run side by side.
# See tests/control_plane/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
die() { echo "up.sh: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: up.sh DIR"
mkdir -p "$1"
dir="$(cd "$1" && pwd)"
[[ ! -s "$dir/pids" ]] || die "$dir/pids exists: a control plane may still run there (tests/control_plane/down.sh $dir)"

# The repository sits beside shared/ (here: /work/<checkout> and /work/shared; in CI: <clone> and its sibling).
shared="${OKV_SHARED_DIR:-}"
if [[ -z "$shared" ]]; then
	for candidate in "$repo/../shared" "$repo/../../shared"; do
		[[ -d "$candidate/crds" ]] && shared="$(cd "$candidate" && pwd)" && break
	done
	# A staged copy (…/ansible_collections/ostokubevirt/migrate) finds it beside the directory it was staged from.
	if [[ -z "$shared" && -n "${OKV_SOURCE_CHECKOUT:-}" && -d "$OKV_SOURCE_CHECKOUT/../shared/crds" ]]; then
		shared="$(cd "$OKV_SOURCE_CHECKOUT/../shared" && pwd)"
	fi
fi
[[ -n "$shared" && -d "$shared/crds" ]] || die "no shared/crds beside $repo (set OKV_SHARED_DIR to the shared directory)"

python="${OKV_CONTROL_PLANE_PYTHON:-}"
if [[ -z "$python" ]]; then
	if [[ -x "$repo/.venv/bin/python" ]]; then python="$repo/.venv/bin/python"; else python="$(command -v python3)"; fi
fi
"$python" -c 'import kubernetes, yaml' 2>/dev/null || die "$python lacks the kubernetes client (pip install kubernetes)"
command -v openssl >/dev/null || die "openssl is needed to generate the certificates"

bin="$("$here/build.sh")"
mkdir -p "$dir/logs" "$dir/pki" "$dir/etcd" "$dir/volumes"
: >"$dir/pids"

started=()
on_failure() {
	echo "up.sh: start failed; logs in $dir/logs" >&2
	for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done
	: >"$dir/pids"
}
trap on_failure ERR

free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
remember() { # remember NAME PID
	started+=("$2")
	echo "$1 $2" >>"$dir/pids"
}

# ----------------------------------------------------------------------------- certificates and tokens
pki="$dir/pki"
openssl_quiet() { openssl "$@" 2>>"$dir/logs/openssl.log"; }
openssl_quiet req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=okv-test-ca" \
	-keyout "$pki/ca.key" -out "$pki/ca.crt"
serving_cert() { # serving_cert NAME
	openssl_quiet req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$pki/$1.key" -out "$pki/$1.csr"
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$pki/$1.ext"
	openssl_quiet x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 7 \
		-extfile "$pki/$1.ext" -out "$pki/$1.crt"
}
serving_cert apiserver
serving_cert proxy
openssl_quiet genrsa -out "$pki/sa.key" 2048
openssl_quiet rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub"

new_token() { "$python" -c 'import secrets; print(secrets.token_hex(24))'; }
# token,user,uid,"groups": the admin, the controllers' identity, and plain users without any grant, for tests
# that bind roles to them (or impersonate them from the admin).
{
	echo "$(new_token),okv-admin,okv-admin,\"system:masters\""
	echo "$(new_token),okv-controllers,okv-controllers,\"system:masters\""
	for user in alice bob carol; do echo "$(new_token),$user,$user,\"okv-test-users\""; done
} >"$dir/tokens.csv"
chmod 600 "$dir/tokens.csv" "$pki"/*.key
token_of() { awk -F, -v user="$1" '$2 == user { print $1 }' "$dir/tokens.csv"; }

write_kubeconfig() { # write_kubeconfig PATH SERVER USER
	umask 077
	cat >"$1" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: okv-test
  cluster:
    server: $2
    certificate-authority: $pki/ca.crt
users:
- name: $3
  user:
    token: $(token_of "$3")
contexts:
- name: okv-test
  context: {cluster: okv-test, user: $3, namespace: default}
current-context: okv-test
KUBECONFIG
}

# ----------------------------------------------------------------------------- etcd
etcd_port="$(free_port)"
etcd_peer_port="$(free_port)"
"$bin/etcd" --data-dir "$dir/etcd" --listen-client-url "http://127.0.0.1:$etcd_port" \
	--listen-peer-url "http://127.0.0.1:$etcd_peer_port" >"$dir/logs/etcd.log" 2>&1 </dev/null &
remember etcd $!

# ----------------------------------------------------------------------------- kube-apiserver
api_port="$(free_port)"
"$bin/kube-apiserver" \
	--etcd-servers "http://127.0.0.1:$etcd_port" \
	--bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
	--tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
	--client-ca-file "$pki/ca.crt" \
	--token-auth-file "$dir/tokens.csv" \
	--authorization-mode RBAC \
	--service-account-issuer https://kubernetes.default.svc \
	--service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
	--service-cluster-ip-range 10.96.0.0/16 \
	--cert-dir "$pki" \
	--profiling=false \
	>"$dir/logs/kube-apiserver.log" 2>&1 </dev/null &
remember kube-apiserver $!
api="https://127.0.0.1:$api_port"
write_kubeconfig "$dir/kubeconfig-direct" "$api" okv-admin
write_kubeconfig "$dir/controllers.kubeconfig" "$api" okv-controllers

wait_ready() { # wait_ready URL SECONDS WHAT
	local deadline=$((SECONDS + $2))
	until curl -fsS --cacert "$pki/ca.crt" "$1" >/dev/null 2>&1; do
		((SECONDS < deadline)) || die "$3 did not answer $1 within $2 s (logs in $dir/logs)"
		sleep 0.5
	done
}
wait_ready "$api/readyz" 180 kube-apiserver

# ----------------------------------------------------------------------------- kube-controller-manager
# The CRDs are installed after the controllers start. A ResourceQuota created before the quota controller has
# discovered them gets no usage for count/virtualmachines.kubevirt.io until its next full resync (5 min by
# default), and admission refuses VMs until then; on a real cluster KubeVirt was installed long before. Resync
# every 10 s, so a test on a cluster that just started waits seconds, not minutes.
controllers=(namespace-controller garbage-collector-controller resourcequota-controller serviceaccount-controller
	serviceaccount-token-controller clusterrole-aggregation-controller persistentvolumeclaim-protection-controller
	root-ca-certificate-publisher-controller)
"$bin/kube-controller-manager" \
	--kubeconfig "$dir/controllers.kubeconfig" \
	--authentication-kubeconfig "$dir/controllers.kubeconfig" --authorization-kubeconfig "$dir/controllers.kubeconfig" \
	--bind-address 127.0.0.1 --secure-port "$(free_port)" --cert-dir "$pki/controller-manager" \
	--controllers "$(IFS=,; echo "${controllers[*]}")" \
	--leader-elect=false \
	--service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
	--concurrent-gc-syncs 5 --concurrent-namespace-syncs 5 \
	--resource-quota-sync-period 10s \
	>"$dir/logs/kube-controller-manager.log" 2>&1 </dev/null &
remember kube-controller-manager $!

# ----------------------------------------------------------------------------- CRDs and manifests
"$python" "$here/apply_manifests.py" --kubeconfig "$dir/kubeconfig-direct" --wait-established "$shared/crds" \
	2>>"$dir/logs/apply.log"
if [[ -d "$here/manifests" ]] && compgen -G "$here/manifests/*.y*ml" >/dev/null; then
	"$python" "$here/apply_manifests.py" --kubeconfig "$dir/kubeconfig-direct" --wait-established "$here/manifests" \
		2>>"$dir/logs/apply.log"
fi

# ----------------------------------------------------------------------------- doubles and fault proxy
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" "$python" -m doubles --kubeconfig "$dir/controllers.kubeconfig" \
	--volumes "$dir/volumes" ${OKV_IMPORT_SECONDS:+--import-seconds "$OKV_IMPORT_SECONDS"} \
	${OKV_START_SECONDS:+--start-seconds "$OKV_START_SECONDS"} ${OKV_FETCH_HTTP:+--fetch-http} >"$dir/logs/doubles.log" 2>&1 </dev/null &
remember doubles $!

proxy_port="$(free_port)"
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" "$python" -m fault_proxy --listen "127.0.0.1:$proxy_port" \
	--upstream "$api" --ca "$pki/ca.crt" --cert "$pki/proxy.crt" --key "$pki/proxy.key" \
	--discovery-kubeconfig "$dir/kubeconfig-direct" >"$dir/logs/fault-proxy.log" 2>&1 </dev/null &
remember fault-proxy $!
proxy="https://127.0.0.1:$proxy_port"
write_kubeconfig "$dir/kubeconfig" "$proxy" okv-admin
wait_ready "$proxy/_okv/healthz" 30 "fault proxy"
wait_ready "$proxy/readyz" 30 "kube-apiserver through the fault proxy"

cat >"$dir/env" <<ENV
OKV_CONTROL_PLANE_DIR=$dir
KUBECONFIG=$dir/kubeconfig
OKV_API_SERVER=$api
OKV_FAULT_PROXY=$proxy
ENV
trap - ERR
echo "up.sh: control plane ready in $dir (API $api, through the fault proxy $proxy)" >&2
