# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Assess a tree of tenant snapshots and write index.html, assessment.json and assessment.csv: the body of cloud_assessment.

Each snapshot goes through the same translate_tenant call as render and apply (render/job.py); one that fails is
listed with its error and the others carry on.
"""

from __future__ import annotations

import csv
import io
import json
import os

from ansible_collections.ostokubevirt.migrate.plugins.module_utils import _atomic_file
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ExportError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.snapshot_tree import SnapshotTreeError, list_snapshot_tree
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.assessment_html import render_html
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.job import RenderError, load_snapshot, parse_options, translate_raw
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.assessment import GIB, assess_tenant, cloud_assessment, failed_tenant
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.disk_plan import human_duration
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import OptionsError

REPORT_FILES = ("index.html", "assessment.json", "assessment.csv")
CSV_COLUMNS = (
    "record",
    "domain",
    "project",
    "namespace",
    "server",
    "server_id",
    "status",
    "vms_ready",
    "vms_warning",
    "vms_blocked",
    "vcpus",
    "ram_mib",
    "disk_gib",
    "gib_to_transfer",
    "disk_methods",
    "floating_ips",
    "calico_security_groups",
    "owners",
    "transfer_seconds",
    "transfer_time",
    "findings",
)
# A spreadsheet runs a cell that starts with one of these as a formula; names come from tenants.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _without_source_lines(message: str) -> str:
    """A YAML error quoted the offending line of the snapshot (4-space indented, with a caret line under it): that
    line may be user data or a password, and the report is read by people who should not see those. The line and
    column stay."""
    return " ".join(line.strip() for line in message.splitlines() if not line.startswith("    ") and line.strip())


class AssessmentError(Exception):
    """Stops the whole assessment (bad options, unreadable directory), phrased for the user."""


def snapshot_files(snapshot_dir: str, *, domain_pattern: str = "", project_pattern: str = "", exclude: list[str] | None = None) -> list[tuple[str, str, str]]:
    """(domain, project, path) of every DIR/<domain>/<project>.yaml, filtered as export_cloud filters projects."""
    try:
        tree = list_snapshot_tree(snapshot_dir, domain_pattern=domain_pattern, project_pattern=project_pattern, exclude=exclude)
    except (SnapshotTreeError, ExportError) as exc:
        raise AssessmentError(str(exc)) from exc
    return [(entry["domain"], entry["project"], entry["path"]) for entry in tree]


def assess_snapshots(entries: list[tuple[str, str, str]], *, raw_options: dict | None, max_parallel: int) -> dict:
    """The report over (domain, project, path) entries; a snapshot that cannot be translated becomes a failed tenant."""
    try:
        options = parse_options(raw_options)
    except RenderError as exc:
        raise AssessmentError(str(exc)) from exc
    if isinstance(max_parallel, bool) or not isinstance(max_parallel, int) or max_parallel < 1:
        raise AssessmentError(f"max_parallel must be a whole number of at least 1, got {max_parallel!r}")
    tenants = []
    for domain, project, path in entries:
        try:
            translation = translate_raw(load_snapshot(path), path, None, options)
        except (RenderError, OptionsError) as exc:
            tenants.append(failed_tenant(snapshot_path=path, domain=domain, project=project, error=_without_source_lines(str(exc))))
            continue
        except Exception as exc:  # pylint: disable=broad-exception-caught
            # One tenant's snapshot must not cost the report of the others; the error still names the file.
            tenants.append(
                failed_tenant(
                    snapshot_path=path,
                    domain=domain,
                    project=project,
                    error=_without_source_lines(f"{path}: cannot be translated ({type(exc).__name__}: {exc})"),
                )
            )
            continue
        tenants.append(assess_tenant(translation, max_parallel=max_parallel, snapshot_path=path))
    return cloud_assessment(tenants, bandwidth_mbps=options.bandwidth_mbps, max_parallel=max_parallel)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _findings_text(findings: list[dict]) -> str:
    return "; ".join(f"{f['severity']} {f['field']}: {f['message']}" for f in findings)


def render_csv(report: dict) -> str:
    """One row per tenant (record=tenant or failed-tenant) and one per VM (record=vm), same columns."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for t in report["tenants"]:
        base = {"domain": t["domain"], "project": t["project"]}
        if t["status"] != "assessed":
            writer.writerow({k: _cell(v) for k, v in {**base, "record": "failed-tenant", "status": "failed", "findings": t["error"]}.items()})
            continue
        tenant_row = {
            **base,
            "record": "tenant",
            "namespace": t["namespace"],
            "status": "assessed",
            "vms_ready": t["vms"]["ready"],
            "vms_warning": t["vms"]["warning"],
            "vms_blocked": t["vms"]["blocked"],
            "vcpus": t["vcpus"],
            "ram_mib": t["ram_mib"],
            "disk_gib": t["disk_gib"],
            "gib_to_transfer": f"{t['bytes_to_move'] / GIB:.1f}",
            "disk_methods": " ".join(f"{m}={n}" for m, n in t["disks_by_method"].items()),
            "floating_ips": t["floating_ips"],
            "calico_security_groups": " ".join(t["calico_security_groups"]),
            "owners": " ".join(f"{o['kind'].lower()}:{o['name']}" for o in t["owners"]),
            "transfer_seconds": t["transfer_seconds"],
            "transfer_time": human_duration(t["transfer_seconds"]),
            "findings": _findings_text(t["tenant_findings"]),
        }
        writer.writerow({k: _cell(v) for k, v in tenant_row.items()})
        for vm in t["servers"]:
            vm_row = {
                **base,
                "record": "vm",
                "namespace": t["namespace"],
                "server": vm["name"],
                "server_id": vm["id"],
                "status": vm["status"],
                "vcpus": vm["vcpus"],
                "ram_mib": vm["ram_mib"],
                "disk_gib": vm["disk_gib"],
                "gib_to_transfer": f"{sum(d['size_bytes'] or 0 for d in vm['disks'] if d['method'] not in (None, 'manual')) / GIB:.1f}",
                "disk_methods": " ".join(f"{d['name']}:{d['size_gib']}GiB:{d['method']}" for d in vm["disks"]),
                "floating_ips": len(vm["floating_ips"]),
                "transfer_seconds": vm["transfer_seconds"],
                "transfer_time": human_duration(vm["transfer_seconds"]),
                "findings": _findings_text(vm["findings"]),
            }
            writer.writerow({k: _cell(v) for k, v in vm_row.items()})
    return out.getvalue()


def render_texts(report: dict) -> dict[str, str]:
    return {
        "index.html": render_html(report),
        "assessment.json": json.dumps(report, indent=1, sort_keys=True) + "\n",
        "assessment.csv": render_csv(report),
    }


def _current(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def write_report(assessment_dir: str, texts: dict[str, str], *, check_mode: bool = False) -> dict[str, list[str]]:
    """Write the files that differ; only REPORT_FILES in assessment_dir are touched."""
    if os.path.lexists(assessment_dir) and not os.path.isdir(assessment_dir):
        raise AssessmentError(f"assessment_dir {assessment_dir} exists and is not a directory")
    changed, unchanged = [], []
    for name, text in texts.items():
        path = os.path.join(assessment_dir, name)
        if os.path.islink(path) or (os.path.lexists(path) and not os.path.isfile(path)):
            raise AssessmentError(f"{path} is a symbolic link or special file; refusing to write there")
        (unchanged if _current(path) == text else changed).append(name)
    if changed and not check_mode:
        try:
            os.makedirs(assessment_dir, exist_ok=True)
            for name in changed:
                _atomic_file.write_atomic(os.path.join(assessment_dir, name), texts[name], mode=0o644)
        except OSError as exc:
            raise AssessmentError(f"cannot write the assessment to {assessment_dir}: {exc.strerror or exc}") from exc
    return {"changed": changed, "unchanged": unchanged}


def summary_lines(report: dict, assessment_dir: str) -> list[str]:
    """What the playbook prints: the totals, the failed tenants, the top blocker reasons, where the report is."""
    totals = report["totals"]
    lines = [
        f"Tenants: {totals['tenants']} ({totals['tenants_assessed']} assessed, {totals['tenants_failed']} failed)",
        f"VMs: {totals['vms_total']} (ready {totals['vms_ready']}, warning {totals['vms_warning']}, blocked {totals['vms_blocked']})",
        f"To migrate: {totals['vcpus']} vCPUs, {totals['ram_mib'] / 1024:g} GiB RAM, {totals['disk_gib']} GiB disk, "
        f"{totals['bytes_to_move'] / GIB:.1f} GiB to transfer in about {human_duration(totals['transfer_seconds'])} "
        f"at {report['bandwidth_mbps']:g} Mbit/s, {report['max_parallel']} VMs at a time",
    ]
    lines += [f"FAILED {t['domain']}/{t['project']}: {t['error']}" for t in report["tenants"] if t["status"] != "assessed"]
    lines += [f"Blocker: {b['reason']}: {b['count']} VM{'s' if b['count'] != 1 else ''}" for b in report["blockers"][:10]]
    lines.append("Report: " + ", ".join(os.path.join(assessment_dir, name) for name in REPORT_FILES))
    return lines
