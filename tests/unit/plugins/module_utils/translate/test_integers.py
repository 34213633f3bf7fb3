# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import BLOCKER, FindingCollector, TranslationError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.integers import NotAnInteger, int_field, parse_int
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.secgroup import parse_rule


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7, 7), (0, 0), (-3, -3), (20.0, 20), ("42", 42), (" 42 ", 42), ("+5", 5), ("-5", -5), ("007", 7), (None, None), ("", None), ("  ", None)],
)
def test_accepted_values(value, expected):
    assert parse_int(value) == expected


@pytest.mark.parametrize("value", ["2.5", 2.5, "2.0", "1e3", "ten", "0x10", "4 2", True, False, [], {}, float("inf")])
def test_rejected_values(value):
    with pytest.raises(NotAnInteger, match=r"expected an integer, got"):
        parse_int(value)


def _field(value, **kwargs):
    return int_field(value, collector=FindingCollector("server", "vm1 (id1)"), field="flavor.disk", **kwargs)


def test_a_bad_value_blocks_naming_the_field_and_the_value():
    with pytest.raises(TranslationError) as info:
        _field("2.5")
    finding = info.value.finding
    assert (finding.severity, finding.subject, finding.field) == (BLOCKER, "vm1 (id1)", "flavor.disk")
    assert "'2.5'" in finding.message


def test_unset_gives_the_default_or_is_an_error_when_required():
    assert _field(None, default=0) == 0
    assert _field("", default=None) is None
    with pytest.raises(TranslationError, match="expected an integer, got None"):
        _field(None)


def test_minimum():
    assert _field("1", minimum=1) == 1
    with pytest.raises(TranslationError, match="must be >= 1, got 0"):
        _field(0, minimum=1)
    with pytest.raises(TranslationError, match="must be >= 0, got -1"):
        _field("-1")


def test_security_group_rules_use_the_same_rules_and_only_skip_the_rule():
    collector = FindingCollector("security_group", "web")
    base = {"id": "r1", "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp"}
    assert parse_rule({**base, "port_range_min": "80", "port_range_max": 80.0}, collector).ports == (80, 80)
    assert parse_rule({**base, "port_range_min": "80.5"}, collector) is None
    (finding,) = collector.findings
    assert finding.field == "security_group_rules[r1].port_range_min" and "'80.5'" in finding.message
    assert finding.severity != BLOCKER
