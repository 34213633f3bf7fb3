# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import re

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import naming

LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@pytest.mark.parametrize(
    "domain, project, expected",
    [
        ("Default", "demo", "default-demo"),
        ("ACME", "Web_Shop", "acme-web-shop"),  # the seed's "_" bug: underscores are not valid in a label
        ("acme", "web shop (prod)", "acme-web-shop-prod"),
        ("acme", "--x--", "acme-x"),
    ],
)
def test_namespace_name_is_rfc1123(domain, project, expected):
    assert naming.namespace_name(domain, project) == expected


def test_long_names_truncate_with_stable_distinct_hash():
    first = naming.namespace_name("acme", "p" * 80 + "one")
    second = naming.namespace_name("acme", "p" * 80 + "two")
    assert len(first) <= 63 and len(second) <= 63
    assert LABEL.match(first) and LABEL.match(second)
    assert first != second
    assert first == naming.namespace_name("acme", "p" * 80 + "one")


@pytest.mark.parametrize("value", ["", "___", "ÄÖÜ", "-", "9lives", "a" * 300, "UPPER.case"])
def test_dns_label_always_valid(value):
    label = naming.dns_label(value)
    assert LABEL.match(label) and len(label) <= 63


def test_dns_label_rfc1035_starts_with_letter():
    assert naming.dns_label("203.0.113.10", must_start_alpha=True)[0].isalpha()


def test_allocator_keeps_unique_names_and_suffixes_collisions():
    allocator = naming.NameAllocator()
    allocator.claim("Web_1", "id-a")
    allocator.claim("web-1", "id-b")
    allocator.claim("db", "id-c")
    names = allocator.assign()
    assert names["id-c"] == "db"
    assert names["id-a"] != names["id-b"]
    assert all(n.startswith("web-1-") for n in (names["id-a"], names["id-b"]))
    assert len(set(names.values())) == 3


def test_allocator_same_identity_twice_is_not_a_collision():
    allocator = naming.NameAllocator()
    allocator.claim("web", "id-a")
    allocator.claim("web", "id-a")
    assert allocator.assign() == {"id-a": "web"}


@pytest.mark.parametrize(
    "key, ok",
    [
        ("metadata.ostokubevirt.io/role", True),
        ("metadata.ostokubevirt.io/has space", False),
        ("metadata.ostokubevirt.io/" + "k" * 64, False),
        ("plain", True),
        ("", False),
    ],
)
def test_is_qualified_key(key, ok):
    assert naming.is_qualified_key(key) is ok


@pytest.mark.parametrize("value, ok", [("web", True), ("", True), ("a b", False), ("x" * 64, False), ("-a", False)])
def test_is_label_value(value, ok):
    assert naming.is_label_value(value) is ok
