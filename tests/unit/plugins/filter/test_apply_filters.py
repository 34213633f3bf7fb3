# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.filter.migration_progress import migration_progress

RECORD = {"vm.web-01": json.dumps({"phase": "done", "hash": "h1", "server_id": "s1"})}


def test_progress_from_k8s_info_resources_or_data():
    assert migration_progress([{"metadata": {"name": "ostokubevirt-progress"}, "data": RECORD}])["done_hashes"] == ["h1"]
    assert migration_progress(RECORD)["done_hashes"] == ["h1"]
    # No ConfigMap yet, or one without data
    assert migration_progress([])["vms"] == {}
    assert migration_progress([{"metadata": {"name": "x"}}])["vms"] == {}
    assert migration_progress(None)["vms"] == {}


def test_progress_bad_input():
    with pytest.raises(AnsibleFilterError, match="expected the ConfigMap data"):
        migration_progress("vm.web-01")
