# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a cluster's storage and load balancer would do: claims bind, LoadBalancer Services get an address.

kube-controller-manager's volume binder would need PersistentVolumes and a provisioner, and no cloud
controller runs here, so these two are doubled too.
"""

from __future__ import annotations

import ipaddress
import logging

from .api import Api, ApiException

LOG = logging.getLogger("doubles.core")
# Where load-balancer implementations read a requested address (MetalLB, kube-vip, Cilium LB-IPAM).
LB_IP_ANNOTATIONS = ("metallb.io/loadBalancerIPs", "metallb.universe.tf/loadBalancerIPs", "kube-vip.io/loadbalancerIPs", "lbipam.cilium.io/ips")
LB_POOL = ipaddress.ip_network("192.0.2.0/24")  # TEST-NET-1: never a real address


def _ingress_ip(service: dict) -> str | None:
    return ((((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or [{}])[0]).get("ip")


class Core:
    def __init__(self, api: Api):
        self.api = api

    def reconcile(self, claims: list[dict], services: list[dict]) -> None:
        for claim in claims:
            try:
                self._bind(claim)
            except ApiException as exc:
                LOG.info("PersistentVolumeClaim %s: %s", claim["metadata"]["name"], exc.reason)
        used = {_ingress_ip(s) for s in services} - {None}
        for service in services:
            try:
                self._load_balancer(service, used)
            except ApiException as exc:
                LOG.info("Service %s: %s", service["metadata"]["name"], exc.reason)

    def _bind(self, claim: dict) -> None:
        """Claims a DataVolume does not own bind at once (the CDI double binds its own when the import ends)."""
        meta, spec = claim["metadata"], claim.get("spec") or {}
        if any(r.get("kind") == "DataVolume" for r in meta.get("ownerReferences") or []):
            return
        if meta.get("deletionTimestamp") or (claim.get("status") or {}).get("phase") == "Bound":
            return
        status = {
            "phase": "Bound",
            "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
            "capacity": {"storage": ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")},
        }
        self.api.patch_status(f"/api/v1/namespaces/{meta['namespace']}/persistentvolumeclaims/{meta['name']}", status)

    def _load_balancer(self, service: dict, used: set[str]) -> None:
        spec, meta = service.get("spec") or {}, service["metadata"]
        if spec.get("type") != "LoadBalancer" or meta.get("deletionTimestamp"):
            return
        annotations = meta.get("annotations") or {}
        wanted = spec.get("loadBalancerIP") or next((annotations[k].split(",")[0].strip() for k in LB_IP_ANNOTATIONS if annotations.get(k)), None)
        current = _ingress_ip(service)
        if (wanted is None and current) or (wanted is not None and wanted == current):
            return
        address = wanted or next((str(a) for a in LB_POOL.hosts() if str(a) not in used), None)
        if address is None:
            return
        used.add(address)
        self.api.patch_status(
            f"/api/v1/namespaces/{meta['namespace']}/services/{meta['name']}", {"loadBalancer": {"ingress": [{"ip": address, "ipMode": "VIP"}]}}
        )
