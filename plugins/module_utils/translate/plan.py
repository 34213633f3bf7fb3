# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The migration plan: per-server status with reasons, tenant findings, totals, and a human summary."""

from __future__ import annotations

from collections import Counter

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.disk_plan import disk_lines, disks_summary
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import BLOCKER, Finding
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions

PLAN_FORMAT = "ostokubevirt.io/plan/v1"
STATUSES = ("ready", "warning", "blocked")
# Findings about what the exporter could not read (module_utils/not_read.py): each gets its own summary line.
NOT_READ_FIELD = "source.unreadable"


def object_kind(obj: dict) -> str:
    """Kind for counting; Calico's NetworkPolicy is told apart from Kubernetes' by its API group."""
    group = str(obj.get("apiVersion", "")).rpartition("/")[0]
    return f"{obj['kind']}.{group}" if group == "projectcalico.org" else obj["kind"]


def _totals(rows: list[dict]) -> dict:
    return {
        "vms": len(rows),
        "vcpus": sum(int(r.get("vcpus") or 0) for r in rows),
        "ram_mib": sum(int(r.get("ram_mib") or 0) for r in rows),
        "disk_gib": sum(int(r.get("disk_gib") or 0) for r in rows),
        "ips": sum(len(r.get("fixed_ips") or []) + len(r.get("floating_ips") or []) for r in rows),
    }


def build_plan(
    *, snapshot, namespace: str, results: list, tenant_findings: list[Finding], objects: list[dict], options: TranslationOptions | None = None
) -> dict:
    """The report of a translation; render adds the files it writes (render/layout.py)."""
    options = options or TranslationOptions()
    rows = sorted((r.plan for r in results), key=lambda row: (str(row.get("vm_name")), str(row.get("id"))))
    counts = Counter(row["status"] for row in rows)
    kinds = Counter(object_kind(obj) for obj in objects)
    return {
        "format": PLAN_FORMAT,
        "source": snapshot.source,
        "tenant": {
            "domain": snapshot.domain.get("name"),
            "project": snapshot.project.get("name"),
            "project_id": snapshot.project.get("id"),
            "namespace": namespace,
        },
        "summary": {
            "servers": len(rows),
            **{status: counts.get(status, 0) for status in STATUSES},
            "warnings": sum(1 for row in rows for f in row["findings"] if f["severity"] != BLOCKER) + sum(1 for f in tenant_findings if f.severity != BLOCKER),
            "to_migrate": _totals([row for row in rows if row["status"] != "blocked"]),
            "blocked_totals": _totals([row for row in rows if row["status"] == "blocked"]),
            "objects": dict(sorted(kinds.items())),
            "prerequisites": sorted({p for row in rows if row["status"] != "blocked" for p in row.get("prerequisites", [])}),
            "disks": disks_summary([row for row in rows if row["status"] != "blocked"], options),
        },
        "servers": rows,
        "tenant_findings": [f.as_dict() for f in tenant_findings],
    }


def blocked_servers(plan: dict) -> list[dict]:
    """Every blocked server with its blocker reasons, as 'field: message'."""
    return [
        {"name": row["name"], "id": row["id"], "reasons": [f"{f['field']}: {f['message']}" for f in row["findings"] if f["severity"] == BLOCKER]}
        for row in plan["servers"]
        if row["status"] == "blocked"
    ]


def summary_lines(plan: dict, *, output_dir: str | None = None) -> list[str]:
    """What the playbook prints at the end: short, but every blocked server with its reasons."""
    tenant, summary = plan["tenant"], plan["summary"]
    totals = summary["to_migrate"]
    lines = [
        f"Tenant {tenant['domain']}/{tenant['project']} -> namespace {tenant['namespace']}",
        f"Servers: {summary['servers']} (ready {summary['ready']}, warning {summary['warning']}, blocked {summary['blocked']})",
        f"To migrate: {totals['vms']} VMs, {totals['vcpus']} vCPUs, {totals['ram_mib'] / 1024:g} GiB RAM, {totals['disk_gib']} GiB disk, {totals['ips']} IPs",
        "Objects: " + ", ".join(f"{count} {kind}" for kind, count in summary["objects"].items()),
    ]
    for finding in plan["tenant_findings"]:
        if finding["field"].startswith(NOT_READ_FIELD):
            lines.append(f"WARNING {finding['field']}: {finding['message']}")
    for server in blocked_servers(plan):
        lines.append(f"BLOCKED {server['name']} ({server['id']}): {'; '.join(server['reasons'])}")
    warned = [row for row in plan["servers"] if row["status"] == "warning"]
    if warned:
        lines.append("With warnings: " + ", ".join(f"{row['name']} ({len(row['findings'])})" for row in warned))
    restored = [row for row in plan["servers"] if row.get("source_status_from")]
    if restored:
        lines.append(
            "Status before our stop (progress record): "
            + ", ".join(f"{row['name']} {row['source_status']} (the cloud shows {row['source_status_from']['cloud_status']})" for row in restored)
        )
    lines += disk_lines(plan)
    for prerequisite in summary.get("prerequisites", []):
        lines.append(f"Cluster prerequisite: {prerequisite}")
    if plan["tenant_findings"]:
        lines.append(f"Tenant-level warnings: {len(plan['tenant_findings'])} (security groups, floating IPs, RBAC, quota, volumes)")
    if output_dir:
        lines.append(f"Manifests: {output_dir}/manifests  Secrets: {output_dir}/secrets  Plan: {output_dir}/plan.json")
    return lines
