# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.filter.owned_objects import owned_objects
from ansible_collections.ostokubevirt.migrate.plugins.filter.vm_wait_round import vm_wait_round


def test_round_reads_the_clock_and_reports():
    state = vm_wait_round({}, [{"name": "v", "run_strategy": "Halted", "datavolume_names": []}], [],
                          [{"metadata": {"name": "v"}, "status": {"printableStatus": "Stopped"}}])
    assert state["done"] == ["v"]


@pytest.mark.parametrize("args, fragment", [
    (("nope", [], [], []), "expected the previous state as a dict"),
    (({}, [{"x": 1}], [], []), "vms must be a list of dicts with a name"),
])
def test_wait_round_bad_input(args, fragment):
    with pytest.raises(AnsibleFilterError, match=fragment):
        vm_wait_round(*args)


def test_owned_objects_bad_input():
    with pytest.raises(AnsibleFilterError, match="input must be a list of objects"):
        owned_objects("x")
    with pytest.raises(AnsibleFilterError, match="source_types must be a list"):
        owned_objects([], source_types="a")
