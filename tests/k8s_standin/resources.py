# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The kinds the stand-in serves, and the discovery documents built from them."""
from __future__ import annotations

import base64
import dataclasses
import hashlib

ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
READ_VERBS = ["get", "list", "watch"]


@dataclasses.dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    status_subresource: bool = False
    read_only: bool = False
    crd: bool = False
    categories: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def group_resource(self) -> str:
        """``virtualmachines.kubevirt.io`` -- how the real server names a resource in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def verbs(self) -> list[str]:
        return list(READ_VERBS) if self.read_only else list(ALL_VERBS)

    def discovery_entries(self) -> list[dict]:
        digest = hashlib.sha256(f"{self.api_version}/{self.kind}".encode()).digest()[:8]
        entry = {
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": self.verbs,
            "storageVersionHash": base64.b64encode(digest).decode(),
        }
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        entries = [entry]
        if self.status_subresource:
            entries.append({
                "name": f"{self.plural}/status",
                "singularName": "",
                "namespaced": self.namespaced,
                "kind": self.kind,
                "verbs": ["get", "patch", "update"],
            })
        return entries


RESOURCES: tuple[ResourceType, ...] = (
    ResourceType("", "v1", "Namespace", "namespaces", namespaced=False, short_names=("ns",), status_subresource=True),
    ResourceType("", "v1", "Secret", "secrets"),
    ResourceType("", "v1", "ConfigMap", "configmaps", short_names=("cm",)),
    ResourceType("", "v1", "Service", "services", short_names=("svc",), status_subresource=True, categories=("all",)),
    ResourceType("", "v1", "ServiceAccount", "serviceaccounts", short_names=("sa",)),
    ResourceType("", "v1", "ResourceQuota", "resourcequotas", short_names=("quota",), status_subresource=True),
    ResourceType("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", short_names=("pvc",),
                 status_subresource=True),
    ResourceType("", "v1", "Pod", "pods", short_names=("po",), status_subresource=True, read_only=True,
                 categories=("all",)),
    ResourceType("", "v1", "Event", "events", short_names=("ev",)),
    ResourceType("", "v1", "LimitRange", "limitranges", short_names=("limits",)),
    ResourceType("rbac.authorization.k8s.io", "v1", "Role", "roles"),
    ResourceType("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings"),
    ResourceType("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", namespaced=False),
    ResourceType("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", namespaced=False),
    ResourceType("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", short_names=("netpol",)),
    ResourceType("kubevirt.io", "v1", "VirtualMachine", "virtualmachines", short_names=("vm", "vms"),
                 status_subresource=True, crd=True, categories=("all",)),
    ResourceType("kubevirt.io", "v1", "VirtualMachineInstance", "virtualmachineinstances",
                 short_names=("vmi", "vmis"), status_subresource=True, crd=True, categories=("all",)),
    ResourceType("cdi.kubevirt.io", "v1beta1", "DataVolume", "datavolumes", short_names=("dv", "dvs"),
                 status_subresource=True, crd=True, categories=("all",)),
    ResourceType("cdi.kubevirt.io", "v1beta1", "DataSource", "datasources", short_names=("das",),
                 status_subresource=True, crd=True),
    ResourceType("instancetype.kubevirt.io", "v1beta1", "VirtualMachineInstancetype", "virtualmachineinstancetypes",
                 short_names=("vminstancetype", "vmf"), crd=True),
    ResourceType("instancetype.kubevirt.io", "v1beta1", "VirtualMachineClusterInstancetype",
                 "virtualmachineclusterinstancetypes", namespaced=False, short_names=("vmclusterinstancetype", "vmcf"),
                 crd=True),
    ResourceType("instancetype.kubevirt.io", "v1beta1", "VirtualMachinePreference", "virtualmachinepreferences",
                 short_names=("vmpref", "vmp"), crd=True),
    ResourceType("instancetype.kubevirt.io", "v1beta1", "VirtualMachineClusterPreference",
                 "virtualmachineclusterpreferences", namespaced=False, short_names=("vmcp", "vmcps"), crd=True),
    ResourceType("projectcalico.org", "v3", "NetworkPolicy", "networkpolicies", short_names=("cnp",), crd=True),
    ResourceType("projectcalico.org", "v3", "GlobalNetworkPolicy", "globalnetworkpolicies", namespaced=False,
                 short_names=("gnp",), crd=True),
    ResourceType("projectcalico.org", "v3", "Tier", "tiers", namespaced=False, crd=True),
    ResourceType("projectcalico.org", "v3", "NetworkSet", "networksets", crd=True),
    ResourceType("projectcalico.org", "v3", "GlobalNetworkSet", "globalnetworksets", namespaced=False, crd=True),
    ResourceType("k8s.cni.cncf.io", "v1", "NetworkAttachmentDefinition", "network-attachment-definitions",
                 short_names=("net-attach-def",), crd=True),
)


def find(group: str, version: str, plural: str) -> ResourceType | None:
    for rtype in RESOURCES:
        if (rtype.group, rtype.version, rtype.plural) == (group, version, plural):
            return rtype
    return None


def by_kind(api_version: str, kind: str) -> ResourceType | None:
    for rtype in RESOURCES:
        if rtype.api_version == api_version and rtype.kind == kind:
            return rtype
    return None


def group_versions() -> dict[str, list[str]]:
    """Named groups (not the legacy core group) and their versions, in serving order."""
    groups: dict[str, list[str]] = {}
    for rtype in RESOURCES:
        if rtype.group:
            versions = groups.setdefault(rtype.group, [])
            if rtype.version not in versions:
                versions.append(rtype.version)
    return groups


def api_versions(server_address: str) -> dict:
    """``GET /api``."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def _group_entry(name: str, versions: list[str]) -> dict:
    listed = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": listed, "preferredVersion": dict(listed[0])}


def api_group_list() -> dict:
    """``GET /apis`` in the legacy (unaggregated) APIGroupList form."""
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group_entry(name, versions) for name, versions in group_versions().items()],
    }


def api_group(name: str) -> dict | None:
    """``GET /apis/<group>``."""
    versions = group_versions().get(name)
    if versions is None:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(name, versions)}


def api_resource_list(group: str, version: str) -> dict | None:
    """``GET /api/v1`` or ``GET /apis/<group>/<version>``."""
    served = [r for r in RESOURCES if r.group == group and r.version == version]
    if not served:
        return None
    resources: list[dict] = []
    for rtype in served:
        resources.extend(rtype.discovery_entries())
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }
