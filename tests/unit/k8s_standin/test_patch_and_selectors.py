# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure functions: patch formats, selectors, managedFields encoding."""

from __future__ import annotations

import pytest

from ansible_collections.ostokubevirt.migrate.tests.k8s_standin import errors
from ansible_collections.ostokubevirt.migrate.tests.k8s_standin.apply import field_paths, from_fields_v1, to_fields_v1
from ansible_collections.ostokubevirt.migrate.tests.k8s_standin.patch import json_patch, merge_patch, strategic_merge_patch
from ansible_collections.ostokubevirt.migrate.tests.k8s_standin.selectors import SelectorError, field_matcher, label_matcher

POD_SPEC = {"containers": [{"name": "a", "image": "one"}, {"name": "b", "image": "two"}]}


def test_merge_patch_rfc7386():
    assert merge_patch({"a": {"b": 1, "c": 2}, "l": [1, 2]}, {"a": {"b": None, "d": 3}, "l": [3]}) == {
        "a": {"c": 2, "d": 3}, "l": [3]}


def test_strategic_merge_patch_keyed_lists_and_directives():
    patched = strategic_merge_patch(POD_SPEC, {"containers": [{"name": "b", "image": "new"}, {"name": "c"}]})
    assert patched["containers"] == [{"name": "a", "image": "one"}, {"name": "b", "image": "new"}, {"name": "c"}]
    deleted = strategic_merge_patch(POD_SPEC, {"containers": [{"name": "a", "$patch": "delete"}]})
    assert deleted["containers"] == [{"name": "b", "image": "two"}]
    replaced = strategic_merge_patch({"m": {"x": 1, "y": 2}}, {"m": {"$patch": "replace", "z": 3}})
    assert replaced == {"m": {"z": 3}}
    assert strategic_merge_patch({"args": ["a", "b"]}, {"args": ["c"]}) == {"args": ["c"]}  # atomic list


def test_json_patch_operations():
    doc = {"a": {"b": [1, 2]}, "c": "x"}
    out = json_patch(doc, [
        {"op": "add", "path": "/a/b/-", "value": 3},
        {"op": "replace", "path": "/c", "value": "y"},
        {"op": "copy", "from": "/c", "path": "/d"},
        {"op": "move", "from": "/d", "path": "/e~1f"},
        {"op": "remove", "path": "/a/b/0"},
        {"op": "test", "path": "/c", "value": "y"},
    ])
    assert out == {"a": {"b": [2, 3]}, "c": "y", "e/f": "y"} and doc["c"] == "x"
    with pytest.raises(errors.StatusError) as caught:
        json_patch(doc, [{"op": "test", "path": "/c", "value": "nope"}])
    assert caught.value.code == 422
    with pytest.raises(errors.StatusError) as caught:
        json_patch(doc, [{"op": "remove", "path": "/missing"}])
    assert caught.value.code == 422
    with pytest.raises(errors.StatusError) as caught:
        json_patch(doc, {"op": "add"})
    assert caught.value.code == 400


@pytest.mark.parametrize("selector,labels,expected", [
    ("", {}, True),
    ("a=b", {"a": "b"}, True),
    ("a==b", {"a": "c"}, False),
    ("a!=b", {}, True),
    ("a", {"a": ""}, True),
    ("!a", {"a": "x"}, False),
    ("a in (x, y),b notin (z)", {"a": "y", "b": "w"}, True),
    ("a in (x,y)", {}, False),
    ("app.kubernetes.io/managed-by=ostokubevirt", {"app.kubernetes.io/managed-by": "ostokubevirt"}, True),
])
def test_label_selectors(selector, labels, expected):
    assert label_matcher(selector)({"metadata": {"labels": labels}}) is expected


@pytest.mark.parametrize("selector", ["a in (", "a in ()", "bad key!=x", "a=b c", "=x", "a,,b"])
def test_bad_label_selectors(selector):
    with pytest.raises(SelectorError):
        label_matcher(selector)


def test_field_selectors():
    secret = {"metadata": {"name": "s", "namespace": "n"}, "type": "kubernetes.io/ssh-auth"}
    assert field_matcher("metadata.name=s,type=kubernetes.io/ssh-auth", "Secret")(secret)
    assert not field_matcher("metadata.namespace!=n", "Secret")(secret)
    with pytest.raises(SelectorError):
        field_matcher("type=x", "ConfigMap")


def test_fields_v1_round_trip():
    obj = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x", "labels": {"a": "b"}},
           "spec": {"ports": [{"name": "http", "port": 80}], "selector": {}}}
    paths = field_paths(obj)
    assert ("f:spec", "f:ports", 'k:{"name":"http"}', "f:port") in paths and ("f:spec", "f:selector") in paths
    assert ("f:metadata", "f:name") not in paths
    tree = to_fields_v1(paths)
    assert tree["f:spec"]["f:ports"]['k:{"name":"http"}']["."] == {}
    assert from_fields_v1(tree) == paths
