# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Random structural mutations of a snapshot (issue 10): render either succeeds or fails with a RenderError,
no Python exception text ever reaches the user, and nothing is written outside the tenant directory."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import shutil
import tempfile

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.job import RenderError, render_tenant

HERE = os.path.dirname(__file__)


def _load(*parts):
    with open(os.path.join(HERE, *parts), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


_MINIMAL = _load("fixtures", "snapshot_minimal.yaml")
_DEMO = _load("..", "..", "..", "..", "examples", "snapshots", "demo.yaml")
# What Python's own exception messages look like; type names alone ("got list") are fair in a finding.
PYTHON_TEXT = re.compile(
    r"\b[A-Z]\w*(Error|Exception)\b|Traceback|unhashable|has no attribute|not subscriptable|"
    r"not iterable|NoneType|object is not|invalid literal|argument must be"
)
_DELETE = object()

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=False), st.text(max_size=12))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=6)


def _paths(node, prefix=()):
    """Every (container path, key) in the snapshot, leaves and containers alike."""
    found = []
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return found
    for key, child in items:
        found.append((*prefix, key))
        found.extend(_paths(child, (*prefix, key)))
    return found


def _apply(snapshot, path, value):
    parent = snapshot
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if value is _DELETE:
        del parent[key]
    elif value == "__duplicate__" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[key]))
    else:
        parent[key] = value


MUTATION = st.tuples(st.integers(min_value=0), st.one_of(VALUES, st.just(_DELETE), st.just("__duplicate__")))


def _everything_under(root):
    found = set()
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            found.add(os.path.relpath(os.path.join(dirpath, name), root))
    return found


@contextlib.contextmanager
def _workspace(snapshot):
    """(snapshot file, output directory) in a fresh scratch directory whose root/ holds only the output directory."""
    work = tempfile.mkdtemp(prefix="okv-fuzz-")
    try:
        snapshot_path = os.path.join(work, "snapshot.yaml")
        with open(snapshot_path, "w", encoding="utf-8") as handle:
            yaml.safe_dump(snapshot, handle)
        out = os.path.join(work, "root", "out")
        os.makedirs(out)
        yield snapshot_path, out
    finally:
        shutil.rmtree(work)


def _render_mutated(base, mutations):
    snapshot = copy.deepcopy(base)
    for index, value in mutations:
        paths = _paths(snapshot)
        if not paths:
            break
        _apply(snapshot, paths[index % len(paths)], value)
    with _workspace(snapshot) as (snapshot_path, out):
        try:
            outcome = render_tenant(snapshot_path, tenant=None, output_dir=out, raw_options={})
        except RenderError as exc:
            text, tenant_dir = str(exc), None
        else:
            text, tenant_dir = json.dumps(outcome), outcome["tenant_dir"]
            with open(outcome["plan_path"], encoding="utf-8") as handle:
                text += handle.read()
        match = PYTHON_TEXT.search(text.replace(snapshot_path, "<snapshot>"))
        assert match is None, f"Python text {match.group(0)!r} reaches the user: {text[:2000]}"
        written = _everything_under(os.path.dirname(out))
        allowed = {"out"}
        if tenant_dir is not None:
            namespace = os.path.relpath(tenant_dir, out)
            assert "/" not in namespace and namespace not in (".", "..")
            allowed |= {os.path.join("out", namespace)}
            allowed |= {path for path in written if path.startswith(os.path.join("out", namespace) + os.sep)}
        assert written <= allowed, f"written outside the tenant directory: {sorted(written - allowed)}"


# OKV_FUZZ_SCALE=10 runs ten times the examples (a longer hunt; CI keeps the default).
SCALE = int(os.environ.get("OKV_FUZZ_SCALE", "1"))


@settings(max_examples=80 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(MUTATION, min_size=1, max_size=4))
def test_mutated_minimal_snapshot(mutations):
    _render_mutated(_MINIMAL, mutations)


@settings(max_examples=25 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(MUTATION, min_size=1, max_size=6))
def test_mutated_demo_snapshot(mutations):
    _render_mutated(_DEMO, mutations)


@settings(max_examples=100 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=70), st.text(alphabet="./-abc", max_size=12)))
def test_any_namespace_option_stays_inside_the_output_directory(namespace):
    with _workspace(_MINIMAL) as (snapshot_path, out):
        try:
            outcome = render_tenant(snapshot_path, tenant=None, output_dir=out, raw_options={"namespace": namespace})
        except RenderError as exc:
            assert "option namespace must be an RFC 1123 label" in str(exc)
            assert _everything_under(os.path.dirname(out)) == {"out"}
        else:
            assert outcome["tenant_dir"] == os.path.join(out, namespace)
            written = _everything_under(os.path.dirname(out)) - {"out"}
            assert {path.split(os.sep)[:2] == ["out", namespace] for path in written} == {True}
