# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fault proxy's request reading and rules (the proxy itself runs live in tests/e2e/test_control_plane.py)."""

from __future__ import annotations

import re
import time

import pytest

from ansible_collections.ostokubevirt.migrate.tests.control_plane.fault_proxy.requests import describe, verb
from ansible_collections.ostokubevirt.migrate.tests.control_plane.fault_proxy.rules import Faults, RuleError


@pytest.mark.parametrize(
    "method, path, expected",
    [
        (
            "GET",
            "/api/v1/namespaces/acme/secrets/db-1?x=1",
            {"group": "", "version": "v1", "plural": "secrets", "namespace": "acme", "name": "db-1", "subresource": None},
        ),
        (
            "PATCH",
            "/apis/kubevirt.io/v1/namespaces/acme/virtualmachines/web-01/status",
            {"group": "kubevirt.io", "plural": "virtualmachines", "name": "web-01", "subresource": "status"},
        ),
        ("GET", "/api/v1/namespaces/acme", {"plural": "namespaces", "name": "acme", "namespace": "acme"}),
        ("GET", "/apis/cdi.kubevirt.io/v1beta1/datavolumes", {"plural": "datavolumes", "name": None, "namespace": None}),
        ("GET", "/version", {"plural": None, "group": None}),
        ("GET", "/apis/kubevirt.io/v1", {"plural": None, "group": "kubevirt.io", "version": "v1"}),
    ],
)
def test_describe_reads_the_resource_from_the_url(method, path, expected):
    info = describe(method, path)
    assert {k: info[k] for k in expected} == expected


@pytest.mark.parametrize(
    "method, path, expected",
    [
        ("GET", "/api/v1/namespaces/a/secrets", "list"),
        ("GET", "/api/v1/namespaces/a/secrets?watch=true", "watch"),
        ("GET", "/api/v1/namespaces/a/secrets/s", "get"),
        ("POST", "/api/v1/namespaces/a/secrets", "create"),
        ("DELETE", "/api/v1/namespaces/a/secrets", "deletecollection"),
        ("PATCH", "/api/v1/namespaces/a/secrets/s", "patch"),
    ],
)
def test_verb_is_the_authorizers(method, path, expected):
    assert verb(describe(method, path)) == expected


def _request(method="PATCH", kind="VirtualMachine", name="web-01"):
    info = describe(method, f"/apis/kubevirt.io/v1/namespaces/acme/virtualmachines/{name}")
    info["kind"] = kind
    return info


def test_first_matching_rule_wins_and_count_limits_it():
    faults = Faults()
    faults.add(
        [{"action": "status", "status": 500, "kind": "VirtualMachine", "name": "web-01", "count": 1}, {"action": "status", "status": 503, "method": "PATCH"}]
    )
    first = faults.decide(_request())
    assert first.rule.status == 500
    assert faults.decide(_request()).rule.status == 503  # the counted rule is spent
    assert faults.decide(_request(method="GET")).rule is None
    assert [r["fired"] for r in faults.rules()] == [1, 1]


def test_status_answer_reads_like_the_real_servers():
    faults = Faults()
    faults.add({"action": "status", "status": 403, "kind": "VirtualMachine"})
    answer = faults.decide(_request()).rule.answer(_request(), "okv-admin")
    assert answer["kind"] == "Status" and answer["code"] == 403 and answer["reason"] == "Forbidden"
    assert answer["message"] == (
        'virtualmachines.kubevirt.io "web-01" is forbidden: User "okv-admin" cannot patch '
        'resource "virtualmachines" in API group "kubevirt.io" in the namespace "acme"'
    )
    assert answer["details"]["causes"][0]["reason"] == "InjectedFault"


def test_latency_delays_and_lets_later_rules_decide():
    faults = Faults()
    faults.add([{"action": "latency", "latency_ms": 200}, {"action": "drop_connection", "name": "web-01"}])
    started = time.monotonic()
    decision = faults.decide(_request())
    assert time.monotonic() - started >= 0.2
    assert decision.drop and decision.fired == [1, 2]
    assert not faults.decide(_request(name="web-02")).drop


@pytest.mark.parametrize(
    "rule, message",
    [
        ({"action": "explode"}, "fault action must be one of"),
        ({"action": "status", "status": 200}, "must be 4xx or 5xx"),
        ({"action": "status", "path": "("}, "not a valid regex"),
        ({"action": "status", "verb": "get"}, "unknown fault rule field(s): verb"),
        ("status", "expected a rule object"),
    ],
)
def test_bad_rules_are_refused_with_the_reason(rule, message):
    with pytest.raises(RuleError, match=re.escape(message)):
        Faults().add(rule)


def test_request_log_is_sequenced_and_reset_empties_it():
    faults = Faults()
    faults.log({"method": "GET"})
    faults.log({"method": "PATCH"})
    assert [e["seq"] for e in faults.requests()] == [1, 2]
    assert [e["method"] for e in faults.requests(since=1)] == ["PATCH"]
    faults.add({"action": "status"})
    faults.reset()
    assert faults.requests() == [] and faults.rules() == []
