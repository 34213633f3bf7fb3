# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.ownership import is_ours, owned_objects

OURS = {"app.kubernetes.io/managed-by": "ostokubevirt"}


def obj(name, labels=None, annotations=None, api="networking.k8s.io/v1", kind="NetworkPolicy", ns="t"):
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": ns, "labels": labels or {}, "annotations": annotations or {}}}


def sg(name, source_type="neutron.security_group", api="networking.k8s.io/v1"):
    return obj(name, OURS, {"ostokubevirt.io/source-id": "x", "ostokubevirt.io/source-type": source_type}, api=api)


def test_label_alone_or_annotation_alone_is_not_ours():
    assert not is_ours(obj("a", OURS))
    assert not is_ours(obj("b", {}, {"ostokubevirt.io/source-id": "x"}))
    assert not is_ours(obj("c", {"app.kubernetes.io/managed-by": "helm"}, {"ostokubevirt.io/source-id": "x"}))
    assert is_ours(sg("d"))


def test_prune_selects_only_our_stale_objects_of_the_given_source_types():
    live = [sg("sg-web"), sg("sg-gone"), sg("fip-1", "neutron.floating_ip"), obj("hand-made", OURS), obj("other"), sg("sg-web", api="projectcalico.org/v3")]
    wanted = [sg("sg-web")]
    stale = owned_objects(live, wanted, ["neutron.security_group"])
    expected = [("networking.k8s.io/v1", "sg-gone"), ("projectcalico.org/v3", "sg-web")]
    assert [(o["apiVersion"], o["metadata"]["name"]) for o in stale] == expected
    assert [o["metadata"]["name"] for o in owned_objects(live, invert=True)] == ["hand-made", "other"]


def test_exclude_without_namespace_matches_any_namespace():
    assert owned_objects([sg("n")], [{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "n"}}]) == []
