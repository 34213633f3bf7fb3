# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for what only a real kube-apiserver can check (issue 9): the control plane and the migrated tenants.

The control plane is $OKV_CONTROL_PLANE_DIR's (scripts/test starts one per step), else one started here with
tests/control_plane/up.sh and stopped with down.sh at the end of the session. Tenants are migrated with the
real playbooks, each in a namespace of its own, and their namespaces are deleted when they are no longer used.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import tenant_apply
from live_cluster import Cluster

sys.path.insert(0, str(tenant_apply.REPO / "tests" / "control_plane"))
try:
    from control_plane import ControlPlane
except ImportError:  # a checkout without the control plane of issue 9
    ControlPlane = None

# The demo tenant, in a namespace no other test suite uses (tests/e2e/test_apply_e2e.py owns acme-web-shop).
DEMO_NAMESPACE = "real-server-web-shop"
# Fast doubles for these tests' namespaces: an import and a VM start take about a second.
DOUBLE_TIMINGS = {"import_seconds": 1, "start_seconds": 0.2}


class Tenants:
    """Migrates tenants with the real playbook and removes their namespaces (waiting for the namespace controller)."""

    def __init__(self, plane) -> None:
        self.plane = plane
        self.kubeconfig = Path(plane.kubeconfig)
        self._fast: set[str] = set()

    def migrate(self, tenant: tenant_apply.Tenant, *args: str, check: bool = False) -> tuple[int, str]:
        if tenant.namespace not in self._fast:
            self._fast.add(tenant.namespace)
            self.plane.set_timings(namespaces=dict.fromkeys(self._fast, DOUBLE_TIMINGS))
        return tenant_apply.migrate(self.kubeconfig, tenant, *args, check=check)

    def migrated(self, tenant: tenant_apply.Tenant):
        """Fixture body: the tenant migrated successfully, then removed."""
        try:
            rc, output = self.migrate(tenant)
            assert rc == 0, f"migrating {tenant.project} failed:\n{output[-4000:]}"
            tenant.apply_output = output
            yield tenant
        finally:
            self.remove(tenant)

    def remove(self, tenant: tenant_apply.Tenant) -> None:
        self.plane.delete_namespace(tenant.namespace)
        self._fast.discard(tenant.namespace)
        self.plane.set_timings(namespaces=dict.fromkeys(self._fast, DOUBLE_TIMINGS))


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory):
    if ControlPlane is None:
        pytest.skip("tests/control_plane (the real control plane of issue 9) is not in this checkout")
    if not (tenant_apply.e2e.BIN / "ansible-playbook").exists() or not tenant_apply.e2e.COLLECTIONS_PATH:
        pytest.skip("needs ansible-playbook next to this python and the collection on ANSIBLE_COLLECTIONS_PATH")
    plane = ControlPlane.from_environment(tmp_path_factory.mktemp("control-plane"))
    try:
        yield plane
    finally:
        plane.set_timings()
        plane.stop()


@pytest.fixture(scope="session")
def kube_admin(control_plane) -> Cluster:
    return Cluster(Path(control_plane.kubeconfig))


@pytest.fixture(scope="session")
def tenants(control_plane) -> Tenants:
    return Tenants(control_plane)


@pytest.fixture(scope="session")
def work_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tenants")


@pytest.fixture(scope="session")
def demo(tenants, work_dir):
    """The demo tenant, migrated once per session: several modules read it; those that change it put it back."""
    yield from tenants.migrated(tenant_apply.demo_tenant(work_dir, DEMO_NAMESPACE))


@pytest.fixture(scope="module")
def second_tenant(tenants, work_dir):
    """Another tenant with users and groups of its own, beside the demo tenant."""
    yield from tenants.migrated(
        tenant_apply.minimal_tenant(work_dir, "shop-b", role_assignments={"user:erin": "admin", "user:dave": "member", "group:shop-b-readers": "reader"})
    )
