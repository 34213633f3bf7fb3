#!/usr/bin/env bash
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Build etcd, kube-apiserver and kube-controller-manager from tests/control_plane/go, once per key.
#
# The binaries live outside the checkout, under a key made of the Kubernetes version, the Go version and a
# hash of go.mod, go.sum, our own Go sources and the build flags: a second run with the same key builds nothing. Prints the
# directory holding the binaries on stdout; progress goes to stderr.
set -euo pipefail

module_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/go" && pwd)"
cache_root="${OKV_CONTROL_PLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ostokubevirt/control-plane}"
binaries=(etcd kube-apiserver kube-controller-manager)

kubernetes_version="$(awk '$1 == "k8s.io/kubernetes" { print $2 }' "$module_dir/go.mod" | head -n 1)"
if [[ -z "$kubernetes_version" ]]; then
	echo "build.sh: $module_dir/go.mod does not require k8s.io/kubernetes" >&2
	exit 1
fi
go_version="$(go env GOVERSION)"
version_pkg=k8s.io/component-base/version
minor="${kubernetes_version#v1.}"
minor="${minor%%.*}"
ldflags="-s -w -X $version_pkg.gitVersion=$kubernetes_version -X $version_pkg.gitMajor=1 -X $version_pkg.gitMinor=$minor"
ldflags+=" -X $version_pkg.gitTreeState=clean"
build_flags=(-trimpath -buildvcs=false "-ldflags=$ldflags")
sources_hash="$(
	cd "$module_dir"
	mapfile -t go_sources < <(find . -name '*.go' | LC_ALL=C sort)
	{ cat go.mod go.sum "${go_sources[@]}"; printf '%s\n' "${build_flags[@]}"; } | sha256sum | cut -c1-16
)"
key="${kubernetes_version}-${go_version}-${sources_hash}"
out="$cache_root/$key"

if [[ -f "$out/.complete" ]]; then
	echo "$out"
	exit 0
fi

mkdir -p "$cache_root"
# One builder per key at a time: a second caller (another step, another checkout) waits and then reuses it.
exec 9>"$cache_root/$key.lock"
flock 9
if [[ -f "$out/.complete" ]]; then
	echo "$out"
	exit 0
fi

echo "build.sh: building control plane $key (cold: module download and compile take a while)" >&2
staging="$(mktemp -d "$cache_root/.build-XXXXXX")"
chmod 755 "$staging"
trap 'rm -rf "$staging"' EXIT
started=$SECONDS
(
	cd "$module_dir"
	CGO_ENABLED=0 go build "${build_flags[@]}" -o "$staging/" \
		./cmd/etcd k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
)
for binary in "${binaries[@]}"; do
	[[ -x "$staging/$binary" ]] || { echo "build.sh: $binary was not built" >&2; exit 1; }
done
touch "$staging/.complete"
rm -rf "$out"
mv "$staging" "$out"
trap - EXIT
echo "build.sh: built $key in $((SECONDS - started)) s" >&2
echo "$out"
