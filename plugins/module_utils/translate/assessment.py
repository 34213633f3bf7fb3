# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The pre-migration assessment of a cloud: per-tenant, per-VM and cloud-wide numbers.

Everything here is read off the TenantTranslation the plan comes from (its plan, RoleBindings, policies and
floating-IP Services), so the assessment and the migration cannot disagree. No I/O: render/assessment_report.py
writes the files.
"""

from __future__ import annotations

import heapq
import re

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import BLOCKER
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import SOURCE_ID_ANNOTATION, SOURCE_NAME_ANNOTATION
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import DISK_MANUAL
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.plan import STATUSES

ASSESSMENT_FORMAT = "ostokubevirt.io/assessment/v1"
GIB = 1024**3
# The ClusterRoles that the default role_map gives Keystone's admin and member roles: their holders own the tenant.
OWNER_CLUSTER_ROLES = ("admin", "edit")
BIGGEST_TENANTS = 10
# Ids differ per VM; a reason only groups VMs when they are masked.
_ID_PATTERNS = (
    re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    re.compile(r"\b[0-9a-fA-F]{32}\b"),
)
_BRACKETED = re.compile(r"\[[^\]]*\]")


def reason_key(finding: dict) -> str:
    """'field: message' with ids masked, so the same problem on many VMs is one reason."""
    text = f"{_BRACKETED.sub('[*]', str(finding.get('field', '')))}: {finding.get('message', '')}"
    for pattern in _ID_PATTERNS:
        text = pattern.sub("<id>", text)
    return text


def parallel_seconds(durations: list[int], max_parallel: int) -> int:
    """Wall time of jobs run max_parallel at a time, longest first, each starting when a slot frees up."""
    lanes = [0] * max(1, int(max_parallel))
    for duration in sorted(durations, reverse=True):
        heapq.heappush(lanes, heapq.heappop(lanes) + int(duration))
    return max(lanes)


def _vm_transfer_seconds(row: dict) -> int:
    return sum(int(disk["transfer"].get("transfer_seconds") or 0) for disk in row.get("disks") or [] if _moved(disk))


def _moved(disk: dict) -> bool:
    transfer = disk.get("transfer") or {}
    return "method" in transfer and transfer["method"] != DISK_MANUAL


def _vm(row: dict) -> dict:
    return {
        "name": row.get("name"),
        "id": row.get("id"),
        "vm_name": row.get("vm_name"),
        "status": row["status"],
        "source_status": row.get("source_status"),
        "flavor": row.get("flavor"),
        "image": row.get("image"),
        "vcpus": int(row.get("vcpus") or 0),
        "ram_mib": int(row.get("ram_mib") or 0),
        "disk_gib": int(row.get("disk_gib") or 0),
        "floating_ips": list(row.get("floating_ips") or []),
        "disks": [
            {
                "name": disk.get("volume_name"),
                "datavolume": disk.get("datavolume"),
                "size_gib": disk.get("size_gib"),
                "boot": bool(disk.get("boot")),
                "method": (disk.get("transfer") or {}).get("method"),
                "size_bytes": (disk.get("transfer") or {}).get("size_bytes"),
            }
            for disk in row.get("disks") or []
        ],
        "transfer_seconds": _vm_transfer_seconds(row) if row["status"] != "blocked" else 0,
        "findings": [{"severity": f["severity"], "field": f["field"], "message": f["message"]} for f in row.get("findings") or []],
    }


def _owners(rolebindings: list[dict]) -> list[dict]:
    owners: dict[tuple, set] = {}
    for binding in rolebindings:
        cluster_role = (binding.get("roleRef") or {}).get("name")
        if cluster_role not in OWNER_CLUSTER_ROLES:
            continue
        for subject in binding.get("subjects") or []:
            owners.setdefault((subject["kind"], subject["name"]), set()).add(cluster_role)
    return [{"kind": kind, "name": name, "roles": sorted(roles)} for (kind, name), roles in sorted(owners.items())]


def _calico_security_groups(policies: list[dict]) -> list[str]:
    names = set()
    for policy in policies:
        if str(policy.get("apiVersion", "")).startswith("projectcalico.org/"):
            annotations = policy["metadata"].get("annotations") or {}
            names.add(annotations.get(SOURCE_NAME_ANNOTATION) or annotations.get(SOURCE_ID_ANNOTATION))
    return sorted(names)


def assess_tenant(translation, *, max_parallel: int, snapshot_path: str = "") -> dict:
    """One tenant's assessment from its TenantTranslation; max_parallel VMs import at once."""
    plan = translation.plan
    summary = plan["summary"]
    vms = [_vm(row) for row in plan["servers"]]
    moved = summary["to_migrate"]
    disks = summary["disks"]
    return {
        "status": "assessed",
        "snapshot": snapshot_path,
        "domain": plan["tenant"]["domain"],
        "project": plan["tenant"]["project"],
        "project_id": plan["tenant"]["project_id"],
        "namespace": translation.namespace,
        "owners": _owners(translation.rolebindings),
        "vms": {status: summary[status] for status in STATUSES} | {"total": summary["servers"]},
        "vcpus": moved["vcpus"],
        "ram_mib": moved["ram_mib"],
        "disk_gib": moved["disk_gib"],
        "bytes_to_move": disks["bytes_to_move"],
        "disks_by_method": dict(disks["by_method"]),
        "floating_ips": sum(len(vm["floating_ips"]) for vm in vms),
        "floating_ip_services": len(translation.floating_ip_services),
        "calico_security_groups": _calico_security_groups(translation.policies),
        "bandwidth_mbps": disks["bandwidth_mbps"],
        "max_parallel": int(max_parallel),
        "transfer_seconds": parallel_seconds([vm["transfer_seconds"] for vm in vms], max_parallel),
        "tenant_findings": [{"severity": f["severity"], "field": f["field"], "message": f["message"]} for f in plan["tenant_findings"]],
        "servers": vms,
    }


def failed_tenant(*, snapshot_path: str, domain: str, project: str, error: str) -> dict:
    """A tenant whose snapshot could not be translated: listed with its error, counted in no total."""
    return {"status": "failed", "snapshot": snapshot_path, "domain": domain, "project": project, "error": error}


def cloud_assessment(tenants: list[dict], *, bandwidth_mbps: float, max_parallel: int) -> dict:
    """The whole report: every tenant (assessed or failed), the cloud totals, blockers by reason, the biggest tenants."""
    assessed = [t for t in tenants if t["status"] == "assessed"]
    blockers: dict[str, list[str]] = {}
    for tenant in assessed:
        for vm in tenant["servers"]:
            for reason in sorted({reason_key(f) for f in vm["findings"] if f["severity"] == BLOCKER}):
                blockers.setdefault(reason, []).append(f"{tenant['domain']}/{tenant['project']}/{vm['name']}")
    totals = {
        "tenants": len(tenants),
        "tenants_assessed": len(assessed),
        "tenants_failed": len(tenants) - len(assessed),
        **{f"vms_{status}": sum(t["vms"][status] for t in assessed) for status in (*STATUSES, "total")},
        **{key: sum(t[key] for t in assessed) for key in ("vcpus", "ram_mib", "disk_gib", "bytes_to_move", "floating_ips", "floating_ip_services")},
        "calico_security_groups": sum(len(t["calico_security_groups"]) for t in assessed),
        # Tenants go one after another (a wave at a time); within one, max_parallel VMs import at once.
        "transfer_seconds": sum(t["transfer_seconds"] for t in assessed),
    }
    biggest = sorted(assessed, key=lambda t: (-t["bytes_to_move"], -t["vms"]["total"], t["domain"], t["project"]))[:BIGGEST_TENANTS]
    return {
        "format": ASSESSMENT_FORMAT,
        "bandwidth_mbps": bandwidth_mbps,
        "max_parallel": int(max_parallel),
        "totals": totals,
        "blockers": [{"reason": reason, "count": len(vms), "vms": vms} for reason, vms in sorted(blockers.items(), key=lambda item: (-len(item[1]), item[0]))],
        "biggest_tenants": [
            {"domain": t["domain"], "project": t["project"], "namespace": t["namespace"], "bytes_to_move": t["bytes_to_move"], "vms": t["vms"]["total"]}
            for t in biggest
        ],
        "tenants": sorted(tenants, key=lambda t: (str(t["domain"]), str(t["project"]))),
    }
