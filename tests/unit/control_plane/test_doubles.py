# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The controller doubles' pure parts: importer, timings, run strategy (live behaviour: tests/e2e/test_control_plane.py)."""

from __future__ import annotations

import json
import os
import re

import pytest

from ansible_collections.ostokubevirt.migrate.tests.control_plane.doubles.importer import Importer, ImportFailed, quantity_bytes
from ansible_collections.ostokubevirt.migrate.tests.control_plane.doubles.kubevirt import datavolume_names, wants_running
from ansible_collections.ostokubevirt.migrate.tests.control_plane.doubles.settings import Settings


@pytest.mark.parametrize("quantity, expected", [("1Gi", 1 << 30), ("512Mi", 512 << 20), ("10G", 10 * 1000**3), ("4096", 4096)])
def test_quantity_bytes(quantity, expected):
    assert quantity_bytes(quantity) == expected


def test_quantity_bytes_refuses_what_it_cannot_read():
    with pytest.raises(ImportFailed, match=re.escape("cannot read the storage request '1.5Gi'")):
        quantity_bytes("1.5Gi")


def test_importer_writes_a_sparse_raw_disk_of_the_requested_size(tmp_path):
    spec = {"source": {"http": {"url": "http://192.0.2.1/x.qcow2"}}, "storage": {"resources": {"requests": {"storage": "20Gi"}}}}
    path = Importer(tmp_path).write("acme", "web-01-root", spec)
    assert path == tmp_path / "acme" / "web-01-root.img"
    assert path.stat().st_size == 20 << 30
    assert path.stat().st_blocks * 512 < 1 << 20  # sparse: nothing was written


def test_importer_removes_disks_of_datavolumes_that_are_gone(tmp_path):
    importer = Importer(tmp_path)
    importer.write("a", "keep", {})
    importer.write("a", "gone", {})
    importer.remove_namespace_leftovers({("a", "keep")})
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["keep.img"]


def test_settings_are_reread_and_namespaces_override(tmp_path):
    path = tmp_path / "doubles.json"
    settings = Settings(path, import_seconds=5, start_seconds=0.3)
    settings.refresh()
    assert settings.import_seconds("any") == 5
    path.write_text(json.dumps({"import_seconds": 2, "namespaces": {"slow": {"import_seconds": 600}}}))
    os.utime(path, (1, 1))
    settings.refresh()
    assert (settings.import_seconds("any"), settings.import_seconds("slow"), settings.start_seconds("slow")) == (2, 600, 0.3)
    path.unlink()
    settings.refresh()
    assert settings.import_seconds("slow") == 5


@pytest.mark.parametrize(
    "spec, expected",
    [({"runStrategy": "Always"}, True), ({"runStrategy": "Halted"}, False), ({"runStrategy": "Manual"}, False), ({"running": True}, True), ({}, False)],
)
def test_wants_running_follows_run_strategy_then_running(spec, expected):
    assert wants_running(spec) is expected


def test_datavolume_names_come_from_templates_and_volumes():
    spec = {
        "dataVolumeTemplates": [{"metadata": {"name": "a-root"}}],
        "template": {"spec": {"volumes": [{"dataVolume": {"name": "a-data"}}, {"cloudInitNoCloud": {}}]}},
    }
    assert datavolume_names(spec) == ["a-data", "a-root"]
