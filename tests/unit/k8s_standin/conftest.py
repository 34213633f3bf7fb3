# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures: a Kubernetes API stand-in on 127.0.0.1 (random port) and clients for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.ostokubevirt.migrate.tests.k8s_standin import StandinServer
from ansible_collections.ostokubevirt.migrate.tests.k8s_standin.__main__ import default_schemas
from ansible_collections.ostokubevirt.migrate.tests.unit.k8s_standin.standin_helpers import Raw


def schemas_dir() -> Path | None:
    found = default_schemas()
    return found if found is not None and found.is_dir() else None


@pytest.fixture
def standin(tmp_path):
    """A running stand-in with the shared schemas (when present) and fast controllers."""
    server = StandinServer(port=0, schemas_dir=schemas_dir(), kubeconfig_out=tmp_path / "kubeconfig",
                           import_seconds=1.2, start_seconds=0.3)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def needs_schemas():
    if schemas_dir() is None:
        pytest.skip("shared schemas not found: set K8S_STANDIN_SCHEMAS, or (under ansible-test, which does not pass "
                    "it through) link <dir>/shared -> the shared directory for some ancestor <dir> of the checkout")


@pytest.fixture
def dyn(standin):
    """The unmodified kubernetes DynamicClient, configured from the stand-in's kubeconfig."""
    kubernetes = pytest.importorskip("kubernetes")
    from kubernetes import dynamic  # pylint: disable=import-outside-toplevel

    api_client = kubernetes.config.new_client_from_config(str(standin.kubeconfig_path))
    client = dynamic.DynamicClient(api_client)
    try:
        yield client
    finally:
        api_client.close()


@pytest.fixture
def raw(standin):
    return Raw(standin)
