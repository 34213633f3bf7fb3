# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The render, apply and rollback job templates run through ansible-runner as AWX runs them, without a cloud.

The demo snapshot stands for what the export node hands on (migration_snapshot, as its set_stats would). Render
hands the plan to the next node through set_stats (the playbook_on_stats event AWX reads); apply, with the
Kubernetes bearer-token credential injected as environment and a CA file, migrates the tenant to the real
control plane, and its job events show each disk's phase and progress while the imports run (the VM engine's
per-round lines, through Display); rollback removes it. No secret (the clouds.yaml password, the bearer token)
appears in any job event or stdout. tests/openstack_testbed/tests/test_awx_runner.py runs the whole
workflow against the test cloud.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import awx_job
import yaml
from test_apply_e2e import COLLECTIONS_PATH, DISKS, NAMESPACE, SNAPSHOT

pytest.importorskip("ansible_runner")
pytestmark = pytest.mark.skipif(not COLLECTIONS_PATH, reason="needs the collection on ANSIBLE_COLLECTIONS_PATH")
PASSWORD = "awx-runner-clouds-yaml-password-4f1d"
CLOUDS_YAML = yaml.safe_dump(
    {"clouds": {"demo": {"auth": {"auth_url": "http://127.0.0.1:9/v3", "username": "migrator", "password": PASSWORD, "project_name": "web-shop"}}}}
)


def _progress_lines(events: Path) -> list[str]:
    found = []
    for path in events.glob("*.json") if events.exists() else []:
        try:
            event = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:  # being written
            continue
        line = event.get("stdout", "")
        if event.get("event") == "verbose" and re.search(r": disks \d+/\d+ ready; DataVolume \S+ phase ImportInProgress, progress", line):
            found.append(line)
    return found


def test_render_apply_rollback_through_ansible_runner(plane, tmp_path):
    plane.delete_namespace(NAMESPACE)
    # Imports slow enough that several rounds see them in progress.
    plane.set_timings(import_seconds=4, start_seconds=0.3)
    openstack = {"clouds_yaml": CLOUDS_YAML, "cloud": "demo"}
    kubernetes = {"host": plane.url, "bearer_token": plane.token, "ca_cert": (plane.dir / "pki" / "ca.crt").read_text(encoding="utf-8")}
    paths = {"export_dir": str(tmp_path / "snapshots"), "migration_output_dir": str(tmp_path / "rendered")}
    handed = {"migration_snapshot": str(SNAPSHOT)}  # what the export node's set_stats hands on
    run = {"work": tmp_path, "collections_path": COLLECTIONS_PATH}

    render = awx_job.run("render", survey={"tenant": "web-shop"}, handed=handed, credentials={"openstack": openstack}, extra=paths, **run)
    assert (render.rc, render.status) == (0, "successful"), render.stdout[-3000:]
    plan_path = Path(render.stats["migration_plan"])
    assert plan_path == tmp_path / "rendered" / NAMESPACE / "plan.json"
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    assert render.stats["migration_plan_summary"] == plan["summary"]

    # The imports hang in progress until the job's events have shown it, then finish: no timing guesswork.
    plane.set_timings(import_seconds=600, start_seconds=0.3)
    done: dict = {}
    worker = threading.Thread(
        target=lambda: done.update(
            job=awx_job.run(
                "apply",
                survey={"tenant": "web-shop", "migration_max_parallel": 9, "migration_disk_method": "manual"},
                handed={**handed, **render.stats},
                credentials={"openstack": openstack, "kubernetes": kubernetes},
                extra={**paths, **yaml.safe_load(DISKS.read_text(encoding="utf-8")), "migration_poll_interval": 1},
                **run,
            )
        )
    )
    worker.start()
    events = tmp_path / "apply" / "artifacts" / "job" / "job_events"
    deadline = time.monotonic() + 600
    while worker.is_alive() and not _progress_lines(events) and time.monotonic() < deadline:
        time.sleep(0.5)
    plane.set_timings(import_seconds=0.5, start_seconds=0.3)
    worker.join(900)
    apply = done["job"]
    assert (apply.rc, apply.status) == (0, "successful"), apply.stdout[-3000:]
    vms = {o["metadata"]["name"] for o in plane.items(f"/apis/kubevirt.io/v1/namespaces/{NAMESPACE}/virtualmachines")}
    assert len(vms) == len(plan["servers"]) - len([s for s in plan["servers"] if s.get("status") == "blocked"]), vms
    # Per-disk progress as verbose job events (the VM engine's round lines through Display): each naming the VM,
    # the DataVolume and the disk it imports, its phase and its progress.
    progress = _progress_lines(events)
    assert progress, "\n".join(apply.verbose_lines())[-3000:]
    assert all(re.search(r"DataVolume \S+ phase ImportInProgress, progress \d+\.\d+%", line) for line in progress), progress
    assert set(progress) <= set(apply.verbose_lines())

    rollback = awx_job.run(
        "rollback",
        survey={"tenant": "web-shop", "confirm": "yes", "migration_restart_source": "false"},
        credentials={"openstack": openstack, "kubernetes": kubernetes},
        extra={"migration_keep_exports": True},
        **run,
    )
    assert (rollback.rc, rollback.status) == (0, "successful"), rollback.stdout[-3000:]
    assert not plane.items(f"/apis/kubevirt.io/v1/namespaces/{NAMESPACE}/virtualmachines")

    for job in (render, apply, rollback):
        assert not awx_job.leaks(job, [PASSWORD, plane.token]), f"{job.key}: a secret is in its job events"
        extravars = (job.directory / "env" / "extravars").read_text(encoding="utf-8")
        assert PASSWORD not in extravars and plane.token not in extravars
    # They reached the jobs the way AWX hands them over: the token as environment, the password in a file.
    assert plane.token in (apply.directory / "env" / "envvars").read_text(encoding="utf-8")
    assert PASSWORD in (render.directory / "env" / "credential_openstack_clouds_yaml").read_text(encoding="utf-8")
    assert os.stat(apply.directory / "env" / "credential_kubernetes_ca_cert").st_mode & 0o077 == 0


def test_assess_through_ansible_runner(tmp_path):
    """The assess template on a snapshot tree (what export_cloud.yml writes), with the cloud credential injected."""
    tree = tmp_path / "tree" / "acme"
    tree.mkdir(parents=True)
    (tree / "web-shop.yaml").write_bytes(SNAPSHOT.read_bytes())
    answers = {"migration_snapshot_dir": str(tmp_path / "tree"), "assessment_dir": str(tmp_path / "assessment")}
    job = awx_job.run(
        "assess",
        work=tmp_path,
        survey=answers,
        credentials={"openstack": {"clouds_yaml": CLOUDS_YAML, "cloud": "demo"}},
        collections_path=COLLECTIONS_PATH,
    )
    assert (job.rc, job.status) == (0, "successful"), job.stdout[-3000:]
    assert {p.name for p in (tmp_path / "assessment").iterdir()} >= {"index.html", "assessment.json", "assessment.csv"}
    report = json.loads((tmp_path / "assessment" / "assessment.json").read_text(encoding="utf-8"))
    assert "web-shop" in json.dumps(report)
    assert not awx_job.leaks(job, [PASSWORD])
