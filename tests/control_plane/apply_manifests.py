# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Server-side apply every object of the given YAML files (or directories of them) to the control plane.

Used by up.sh for ../shared/crds/ and tests/control_plane/manifests/. Server-side apply, because the
kubevirt.io CRDs are too large for client-side apply's last-applied annotation. CRDs are waited for until
Established, so a caller can create their objects as soon as this returns.

    python apply_manifests.py --kubeconfig DIR/kubeconfig [--wait-established] PATH...
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml
from kubernetes import config, dynamic
from kubernetes.client.exceptions import ApiException

FIELD_MANAGER = "okv-control-plane"


def manifest_files(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise SystemExit(f"apply_manifests: {path} does not exist")
    return found


def documents(path: Path) -> list[dict]:
    try:
        loaded = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        raise SystemExit(f"apply_manifests: {path} is not valid YAML: {exc}") from exc
    objects = []
    for doc in loaded:
        if not doc:
            continue
        if doc.get("kind", "").endswith("List") and isinstance(doc.get("items"), list):
            objects.extend(doc["items"])
        else:
            objects.append(doc)
    return objects


def apply_object(api: dynamic.DynamicClient, obj: dict, source: Path) -> None:
    name = (obj.get("metadata") or {}).get("name", "?")
    try:
        resource = api.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        api.server_side_apply(
            resource, body=obj, name=name, namespace=(obj.get("metadata") or {}).get("namespace"), field_manager=FIELD_MANAGER, force_conflicts=True
        )
    except (ApiException, dynamic.exceptions.DynamicApiError, dynamic.exceptions.ResourceNotFoundError) as exc:
        raise SystemExit(f"apply_manifests: {source}: {obj.get('kind')} {name}: {exc}") from exc


def wait_established(api: dynamic.DynamicClient, names: list[str], timeout: float) -> None:
    crds = api.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition")
    deadline = time.monotonic() + timeout
    pending = set(names)
    while pending:
        for name in sorted(pending):
            conditions = (crds.get(name=name).to_dict().get("status") or {}).get("conditions") or []
            if any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions):
                pending.discard(name)
        if not pending:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"apply_manifests: CRDs not Established after {timeout:.0f} s: {', '.join(sorted(pending))}")
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--wait-established", action="store_true", help="wait until every CRD applied is Established")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    api = dynamic.DynamicClient(config.new_client_from_config(config_file=args.kubeconfig))
    crd_names = []
    count = 0
    for path in manifest_files(args.paths):
        for obj in documents(path):
            apply_object(api, obj, path)
            count += 1
            if obj.get("kind") == "CustomResourceDefinition":
                crd_names.append(obj["metadata"]["name"])
    if args.wait_established and crd_names:
        wait_established(api, crd_names, args.timeout)
    print(f"apply_manifests: applied {count} object(s) from {', '.join(args.paths)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
