# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault injection: latency, 500, 409, 403, 429, dropped connections; matching, counting, logging."""

from __future__ import annotations

import time

import pytest

kubernetes = pytest.importorskip("kubernetes")
import urllib3
from kubernetes.dynamic import exceptions as dynexc

CMS = "/api/v1/namespaces/default/configmaps"


def _cm(name):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}}


def test_latency(raw):
    raw.fault(action="latency", latency_ms=400, path="/configmaps")
    started = time.monotonic()
    assert raw.request("GET", CMS)[0] == 200
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    assert raw.request("GET", "/api/v1/namespaces/default/secrets")[0] == 200
    assert time.monotonic() - started < 0.3


def test_500_counted_then_recovers(dyn, raw):
    rule = raw.fault(action="status", status=500, kind="ConfigMap", method="POST", count=2)
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    for _attempt in range(2):
        with pytest.raises(dynexc.InternalServerError):
            cms.create(body=_cm("a"), namespace="default")
    assert cms.create(body=_cm("a"), namespace="default").metadata.name == "a"
    rules = raw.request("GET", "/_standin/faults")[2]["rules"]
    assert rules[0]["id"] == rule["id"] and rules[0]["fired"] == 2 and rules[0]["remaining"] == 0


def test_409_on_update(dyn, raw):
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    cms.create(body=_cm("b"), namespace="default")
    raw.fault(action="status", status=409, method="PATCH", name="b", count=1)
    with pytest.raises(dynexc.ConflictError) as caught:
        cms.patch(name="b", namespace="default", body={"data": {"k": "1"}}, content_type="application/merge-patch+json")
    assert caught.value.status == 409
    assert cms.patch(name="b", namespace="default", body={"data": {"k": "1"}},
                     content_type="application/merge-patch+json").data.k == "1"


def test_403_reads_like_rbac(dyn, raw):
    raw.fault(action="status", status=403, kind="VirtualMachine", method="POST")
    status, _h, body = raw.request("POST", "/apis/kubevirt.io/v1/namespaces/default/virtualmachines",
                                   {"metadata": {"name": "vm-x"}})
    assert status == 403 and body["reason"] == "Forbidden"
    assert body["message"] == ('virtualmachines.kubevirt.io is forbidden: User "system:serviceaccount:'
                               'ostokubevirt:migrator" cannot create resource "virtualmachines" in API group '
                               '"kubevirt.io" in the namespace "default"')
    raw.fault(action="status", status=403, method="GET", name="web-1")
    status, _h, body = raw.request("GET", "/apis/kubevirt.io/v1/namespaces/default/virtualmachines/web-1")
    assert status == 403 and body["message"].startswith('virtualmachines.kubevirt.io "web-1" is forbidden: ')
    assert "cannot get resource" in body["message"]
    assert body["details"]["kind"] == "virtualmachines" and body["details"]["group"] == "kubevirt.io"


def test_403_forbidden_everything(dyn, raw):
    raw.fault(action="status", status=403, message='virtualmachines.kubevirt.io is forbidden: User "x" cannot create')
    status, _h, body = raw.request("GET", CMS)
    assert status == 403 and body["reason"] == "Forbidden" and "cannot create" in body["message"]
    raw.request("DELETE", "/_standin/faults")
    assert raw.request("GET", CMS)[0] == 200


def test_429_retry_after(raw):
    raw.fault(action="status", status=429, retry_after=2, count=1)
    status, headers, body = raw.request("GET", CMS)
    assert status == 429 and headers.get("Retry-After") == "2" and body["details"]["retryAfterSeconds"] == 2


def test_dropped_connection(dyn, raw):
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    cms.create(body=_cm("c"), namespace="default")
    # One drop: the client's urllib3 retry hides it, and the request log shows it.
    raw.fault(action="drop_connection", method="GET", path="/configmaps/c$", count=1)
    assert cms.get(name="c", namespace="default").metadata.name == "c"
    outcomes = [e["status"] for e in raw.request("GET", "/_standin/requests")[2]["requests"] if e["name"] == "c"
                and e["method"] == "GET"]
    assert outcomes == ["dropped", 200]
    # Every attempt dropped: the error reaches the caller.
    raw.fault(action="drop_connection", method="GET", path="/configmaps/c$")
    with pytest.raises((urllib3.exceptions.HTTPError, ConnectionError)):
        cms.get(name="c", namespace="default")
    raw.request("DELETE", "/_standin/faults")
    assert cms.get(name="c", namespace="default").metadata.name == "c"


def test_probability_is_reproducible(raw):
    raw.fault(action="status", status=503, probability=0.5, seed=7, path="/configmaps")
    first = [raw.request("GET", CMS)[0] for _attempt in range(20)]
    raw.request("POST", "/_standin/reset")
    raw.fault(action="status", status=503, probability=0.5, seed=7, path="/configmaps")
    second = [raw.request("GET", CMS)[0] for _attempt in range(20)]
    assert first == second and set(first) == {200, 503}


@pytest.mark.parametrize("rule,message", [
    ({"action": "explode"}, "fault action must be one of"),
    ({"action": "status", "status": 200}, "fault status must be 4xx or 5xx"),
    ({"action": "latency", "path": "("}, "not a valid regex"),
])
def test_bad_rules_are_400(raw, rule, message):
    status, _h, body = raw.request("POST", "/_standin/faults", rule)
    assert status == 400 and message in body["message"]


def test_reset_clears_objects(raw):
    raw.request("POST", CMS, _cm("gone"))
    assert raw.request("POST", "/_standin/reset")[0] == 200
    assert raw.request("GET", CMS + "/gone")[0] == 404
    assert raw.request("GET", "/api/v1/namespaces/default")[0] == 200


def test_group_tells_same_kinds_apart(raw):
    raw.fault(action="status", status=500, kind="NetworkPolicy", group="projectcalico.org")
    assert raw.request("GET", "/apis/projectcalico.org/v3/namespaces/default/networkpolicies")[0] == 500
    assert raw.request("GET", "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies")[0] == 200
