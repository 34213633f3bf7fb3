# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A whole tenant snapshot -> every Kubernetes object of its migration, in typed groups, plus the plan.

This is the single code path behind render (files) and apply (cluster): both consume the groups of
TenantTranslation. It knows no paths: render/layout.py maps the groups to files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import plan as _plan
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.addressing import tenant_address_services
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.disk_plan import cinder_quota_findings, server_disk_methods
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.disks import storage_class_for
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import WARNING, Finding, describe
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.floating_ip import floating_ip_to_service
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.guest import keypair_secret
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.identity import role_assignments_to_rolebindings
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.instancetypes import InstancetypeCatalog
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import (
    PROJECT_ID_LABEL,
    SERVER_ID_LABEL,
    k8s_object,
    object_meta,
)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.naming import NameAllocator, dns_label, namespace_name
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.not_read import not_read_findings
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.quota import quotas_to_resourcequota
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.secgroup import secgroups_to_policies
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.server import BLOCKED, ServerResult, translate_server
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.snapshot import SnapshotError, TenantSnapshot
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.snapshot_checks import annotations_over_limit


@dataclasses.dataclass
class TenantTranslation:
    """Every object of a tenant's migration, grouped by what it is, plus the plan (a report built from them).

    Render (render/layout.py maps the groups to files) and apply consume the same groups.
    """

    namespace: str
    plan: dict
    namespace_object: dict
    quota: dict | None
    rolebindings: list[dict]
    # NetworkPolicies and Calico NetworkPolicies, the ones of each security group together.
    policies: list[dict]
    # The hostnames Service and the per-VM ClusterIP Services (address_mode pod).
    address_services: list[dict]
    floating_ip_services: list[dict]
    instancetypes: list[dict]
    # The servers that are migrated, by VM name (blocked servers are only in the plan).
    vms: list[ServerResult]
    # Tenant-wide Secrets: the key pairs the VMs use. Each VM's own Secrets are in its ServerResult.
    keypair_secrets: list[dict]
    # The options it was made with: apply reads the import settings from here instead of parsing them again.
    options: TranslationOptions = dataclasses.field(default_factory=TranslationOptions)

    @property
    def namespace_rbac(self) -> list[dict]:
        return [self.namespace_object] + ([self.quota] if self.quota else []) + self.rolebindings

    @property
    def services(self) -> list[dict]:
        return self.address_services + self.floating_ip_services

    @property
    def secrets(self) -> list[dict]:
        return self.keypair_secrets + [secret for vm in self.vms for secret in vm.secrets]

    @property
    def objects(self) -> list[dict]:
        return self.namespace_rbac + self.keypair_secrets + self.instancetypes + self.policies + self.services + [obj for vm in self.vms for obj in vm.objects]


def _namespace_object(snapshot: TenantSnapshot, namespace: str) -> dict:
    project, domain = snapshot.project, snapshot.domain
    labels = {PROJECT_ID_LABEL: dns_label(str(project["id"])), "ostokubevirt.io/domain": dns_label(str(domain["name"]))}
    annotations = {
        "ostokubevirt.io/domain-name": str(domain.get("name")),
        "ostokubevirt.io/domain-id": str(domain.get("id", "")),
        "ostokubevirt.io/project-name": str(project.get("name")),
    }
    if project.get("description"):
        annotations["ostokubevirt.io/project-description"] = str(project["description"])
    meta = object_meta(
        namespace, None, source_type="keystone.project", source_id=str(project["id"]), source_name=str(project["name"]), labels=labels, annotations=annotations
    )
    return k8s_object("v1", "Namespace", meta)


def _allocate_vm_names(servers: list[dict]) -> dict[str, str]:
    allocator = NameAllocator()
    for server in servers:
        allocator.claim(str(server.get("name") or server.get("id")), str(server.get("id")))
    return allocator.assign()


def _allocate_datavolume_names(snapshot: TenantSnapshot, vm_names: dict[str, str]) -> dict[str, str]:
    """DataVolume names for root disks ("<vm>-root") and volumes, unique in the namespace.

    Also records "owner:<volume id>" -> server id: the one server that emits a volume shared by several.
    """
    allocator = NameAllocator()
    owners: dict[str, str] = {}
    for server in sorted(snapshot.servers, key=lambda s: str(s.get("id"))):
        server_id = str(server.get("id"))
        if server.get("image"):
            allocator.claim(f"{vm_names[server_id]}-root", f"{server_id}:root")
        for entry in server.get("os-extended-volumes:volumes_attached") or []:
            volume_id = str(entry.get("id"))
            if volume_id in owners:
                continue
            owners[volume_id] = server_id
            volume = snapshot.volumes_by_id.get(volume_id) or {}
            allocator.claim(volume.get("name") or f"volume-{volume_id[:8]}", volume_id)
    names = allocator.assign()
    names.update({f"owner:{volume_id}": server_id for volume_id, server_id in owners.items()})
    return names


def _unattached_volume_findings(snapshot: TenantSnapshot, dv_names: dict[str, str]) -> list[Finding]:
    return [
        Finding(
            WARNING, "volume", describe(volume, "volume"), "attachments", "volume is attached to no server; it is not migrated (its data stays on OpenStack)"
        )
        for volume in snapshot.lists["volumes"]
        if f"owner:{volume.get('id')}" not in dv_names
    ]


def _services(snapshot: TenantSnapshot, results: dict[str, ServerResult], namespace: str, options: TranslationOptions) -> tuple[list[dict], list[Finding]]:
    services: list[dict] = []
    findings: list[Finding] = []
    for fip in snapshot.lists["floating_ips"]:
        port = snapshot.ports_by_id.get(str(fip.get("port_id"))) if fip.get("port_id") else None
        selector = None
        if port is not None:
            result = results.get(str(port.get("device_id")))
            if result and result.status != BLOCKED and result.primary_port is not None and result.primary_port.get("id") == port.get("id"):
                selector = {SERVER_ID_LABEL: result.server_id}
                result.plan.setdefault("floating_ips", []).append(fip.get("floating_ip_address"))
        groups = [snapshot.security_groups_by_id[sg] for sg in (port or {}).get("security_groups") or [] if sg in snapshot.security_groups_by_id]
        service, fip_findings = floating_ip_to_service(fip, port, selector, groups, namespace=namespace, options=options)
        findings.extend(fip_findings)
        if service is not None:
            services.append(service)
    return services, findings


def translate_tenant(raw_snapshot: Mapping, *, tenant: str | None = None, options: TranslationOptions | None = None) -> TenantTranslation:
    options = options or TranslationOptions()
    snapshot = TenantSnapshot(raw_snapshot)
    snapshot.require_tenant(tenant)
    project, domain = snapshot.project, snapshot.domain
    namespace = options.namespace or namespace_name(str(domain["name"]), str(project["name"]), str(project["id"]))
    tenant_findings: list[Finding] = list(snapshot.findings)
    project_label = f"{domain['name']}/{project['name']} ({project['id']})"
    tenant_findings.extend(not_read_findings(snapshot.source, project_label=project_label, allow_unread_security_groups=options.allow_unread_security_groups))

    vm_names = _allocate_vm_names(snapshot.servers)
    dv_names = _allocate_datavolume_names(snapshot, vm_names)
    disk_methods = server_disk_methods(snapshot.servers, options)
    results = {
        str(server.get("id")): translate_server(
            server,
            vm_name=vm_names[str(server.get("id"))],
            namespace=namespace,
            snapshot=snapshot,
            dv_names=dv_names,
            options=options,
            disk_method=disk_methods[str(server.get("id"))],
        )
        for server in snapshot.servers
    }
    tenant_findings.extend(_unattached_volume_findings(snapshot, dv_names))

    policies, sg_findings = secgroups_to_policies(
        snapshot.tenant_security_groups,
        namespace=namespace,
        options=options,
        internal_cidrs=[subnet.get("cidr") for subnet in snapshot.lists["subnets"] if isinstance(subnet, dict)],
    )
    tenant_findings.extend(sg_findings)
    fip_services, fip_findings = _services(snapshot, results, namespace, options)
    address_services, address_findings = tenant_address_services(
        snapshot, [r for r in results.values() if r.status != BLOCKED], namespace=namespace, service_port_range_limit=options.service_port_range_limit
    )
    tenant_findings.extend(address_findings)
    tenant_findings.extend(fip_findings)
    bindings, rbac_findings = role_assignments_to_rolebindings(
        snapshot.lists["role_assignments"], project_id=str(project["id"]), namespace=namespace, options=options
    )
    tenant_findings.extend(rbac_findings)

    migrated = [r for r in results.values() if r.status != BLOCKED]
    image_booted = [r for r in migrated if not r.boot_from_volume]
    root_gib = sum(r.root_disk_gib for r in image_booted)
    quota, quota_findings = quotas_to_resourcequota(
        snapshot.quotas,
        project_id=str(project["id"]),
        namespace=namespace,
        extra_pvcs=len(image_booted),
        extra_storage_gib=root_gib,
        vm_memory_overhead_mib=options.quota_vm_overhead_memory_mib,
        storage_class_for_type=options.storage_map.get,
    )
    tenant_findings.extend(quota_findings)
    tenant_findings.extend(cinder_quota_findings(snapshot.quotas, snapshot.lists["volumes"], [t for r in migrated for t in r.disk_transfers]))
    _warn_unmapped_volume_types(snapshot, options, tenant_findings)

    used_keys = sorted({r.key_name for r in migrated} - {None})
    catalog = _reference_instancetypes(migrated, namespace, options) if options.instancetypes else None
    translation = TenantTranslation(
        namespace=namespace,
        plan={},
        namespace_object=_namespace_object(snapshot, namespace),
        quota=quota,
        rolebindings=bindings,
        policies=policies,
        address_services=address_services,
        floating_ip_services=fip_services,
        instancetypes=catalog.sorted_objects() if catalog is not None else [],
        vms=sorted(migrated, key=lambda r: r.vm_name),
        keypair_secrets=[keypair_secret(snapshot.keypairs_by_name[k], namespace=namespace) for k in used_keys if k in snapshot.keypairs_by_name],
        options=options,
    )
    objects = translation.objects
    for obj in objects:
        oversized = annotations_over_limit(obj)
        if oversized:
            raise SnapshotError(oversized[1])
    translation.plan = _plan.build_plan(
        snapshot=snapshot, namespace=namespace, results=list(results.values()), tenant_findings=tenant_findings, objects=objects, options=options
    )
    return translation


def _reference_instancetypes(migrated: list[ServerResult], namespace: str, options: TranslationOptions) -> InstancetypeCatalog:
    catalog = InstancetypeCatalog(options.instancetype_scope, namespace)
    for result in sorted(migrated, key=lambda r: r.vm_name):
        vm = result.virtualmachine
        reason = catalog.reference(vm, flavor_name=result.flavor_name, flavor_id=result.flavor_id, image_name=result.image_name, image_id=result.image_id)
        result.plan["instancetype"] = (
            {"inline": reason} if reason else {"instancetype": vm["spec"]["instancetype"]["name"], "preference": vm["spec"]["preference"]["name"]}
        )
    return catalog


def _warn_unmapped_volume_types(snapshot: TenantSnapshot, options: TranslationOptions, findings: list[Finding]) -> None:
    types = sorted({str(v.get("volume_type")) for v in snapshot.lists["volumes"] if v.get("volume_type")})
    for volume_type in types:
        if storage_class_for(volume_type, options) is None:
            findings.append(
                Finding(
                    WARNING,
                    "volume_type",
                    volume_type,
                    "storage_map",
                    f"volume type {volume_type!r} has no storage_map entry and no 'default'; CDI "
                    "gives its DataVolumes the StorageClass annotated "
                    "storageclass.kubevirt.io/is-default-virt-class=true, else the cluster default",
                )
            )
