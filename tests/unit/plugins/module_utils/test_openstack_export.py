# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils import openstack_snapshot_file as sfile
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack_connection import (
    ConnectError, connect_kwargs, describe_failure)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack_export import (
    ExportError, TenantExporter, canonical, choose_microversion, comparable, next_link)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack_tenants import list_tenants
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.snapshot import TenantSnapshot
from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.module_utils.openstack_fake import (
    EXT_NET, GONE_IMAGE, IMAGE_ID, PID, FakeCloud, member_token)


def export(cloud, tenant="prod", **kwargs):
    exporter = TenantExporter(cloud, tenant, taken_at="2026-01-01T00:00:00Z", **kwargs)
    return exporter, exporter.run()


def test_admin_export_reads_every_list_once_and_loads():
    cloud = FakeCloud(servers=3)
    exporter, snap = export(cloud)
    assert [s["id"] for s in snap["servers"]] == ["srv-0", "srv-1", "srv-2"]
    assert [c[1] for c in cloud.calls[:2]] == ["/projects/prod", "/projects"]   # id first, then by name
    servers_call = next(c for c in cloud.calls if c[1] == "/servers/detail")
    assert servers_call[2] == {"all_tenants": "1", "project_id": PID}
    assert snap["source"]["api_versions"]["compute"] == "2.79"
    assert [k["name"] for k in snap["keypairs"]] == ["k1"]   # only key pairs servers use
    assert [u["id"] for u in snap["users"]] == ["alice", "carol"]   # subjects + group members, not zed
    assert snap["group_members"] == {"g1": ["carol"]}
    assert [n["id"] for n in snap["networks"]] == ["22222222-2222-2222-2222-222222222222", EXT_NET]
    assert [r["id"] for r in snap["security_groups"][0]["security_group_rules"]] == ["r-a", "r-b"]
    assert list(snap)[:4] == ["format", "source", "domain", "project"]
    # the image of srv-0 was deleted: recorded, not fatal
    assert snap["source"]["unreadable"] == exporter.unreadable
    assert [u["resource"] for u in exporter.unreadable] == [f"images/{GONE_IMAGE}"]
    assert "deleted from Glance" in exporter.unreadable[0]["reason"] and "server vm-0" in exporter.unreadable[0]["reason"]
    assert [i["id"] for i in snap["images"]] == [IMAGE_ID]
    loaded = TenantSnapshot(snap)   # the render side accepts the export, provenance included
    assert loaded.project["id"] == PID and loaded.source["taken_at"] == "2026-01-01T00:00:00Z"


def test_request_count_does_not_grow_with_servers():
    few, many = FakeCloud(servers=3), FakeCloud(servers=300)
    export(few)
    export(many)
    assert len(few.calls) == len(many.calls)


@pytest.mark.parametrize("page", [1, 2, 7])
def test_every_page_is_read(page):
    full = export(FakeCloud(servers=5))[1]
    cloud = FakeCloud(servers=5)
    exporter, paged = export(cloud, page_size=page)
    assert comparable(paged) == comparable(full)
    assert sum(1 for c in cloud.calls if c[1] == "/servers/detail") == -(-5 // page)
    assert not any(c[0] == "identity" and "limit" in c[2] for c in cloud.calls)   # keystone only truncates


def test_non_admin_export_records_what_is_missing():
    cloud = FakeCloud(servers=2, token=member_token(), admin=False, forbidden={"/role_assignments"})
    exporter, snap = export(cloud)
    missing = {u["resource"]: u["reason"] for u in exporter.unreadable}
    assert "HTTP 403" in missing["role_assignments"] and "http://identity.test/role_assignments" in missing[
        "role_assignments"]
    assert {"users", "groups", "group_members"} <= set(missing)
    assert any(k.startswith("servers[].OS-EXT-SRV-ATTR:user_data") for k in missing)
    assert "role_assignments" not in snap and len(snap["servers"]) == 2
    servers_call = next(c for c in cloud.calls if c[1] == "/servers/detail")
    assert servers_call[2] == {}   # scoped to the project: no all_tenants
    keypairs_call = next(c for c in cloud.calls if c[1] == "/os-keypairs")
    assert keypairs_call[2] == {}   # own key pairs, no user_id (admin only)
    assert snap["source"]["credential"]["auth_method"] == "application_credential"
    assert snap["source"]["credential"]["scoped_to_exported_project"] is True


def test_forbidden_quota_is_recorded_not_fatal():
    exporter, snap = export(FakeCloud(forbidden={f"/os-quota-sets/{PID}"}))
    assert "compute" not in snap["quotas"]
    assert {"quotas.compute", "quotas.volume"} <= {u["resource"] for u in exporter.unreadable}


@pytest.mark.parametrize("tenant, domain, message", [
    ("nope", None, "tenant 'nope': no project with this name or id"),
    ("twin", None, "2 projects have this name"),
    ("", None, "tenant: a project name or id is required"),
    ("prod", "nowhere", "domain 'nowhere': no domain"),
])
def test_project_resolution_errors(tenant, domain, message):
    with pytest.raises(ExportError, match=message):
        export(FakeCloud(), tenant=tenant, domain=domain)


def test_non_admin_asking_for_another_project_gets_a_clear_error():
    cloud = FakeCloud(token=member_token(), admin=False, forbidden={"/projects"})
    with pytest.raises(ExportError, match="scoped to project 'prod'"):
        export(cloud, tenant="other")


@pytest.mark.parametrize("service, body, key, expected", [
    ("compute", {"servers_links": [{"rel": "next", "href": "http://n/servers?marker=x"}]}, "servers",
     "http://n/servers?marker=x"),
    ("network", {"ports_links": [{"rel": "previous", "href": "p"}]}, "ports", None),
    ("image", {"next": "/v2/images?marker=x"}, "images", "/images?marker=x"),
    ("identity", {"links": {"next": None}}, "users", None),
])
def test_next_link(service, body, key, expected):
    assert next_link(service, body, key) == expected


@pytest.mark.parametrize("service, top, expected", [
    ("compute", "2.96", "2.79"), ("compute", "2.60", "2.60"), ("compute", None, "2.79"),
    ("volume", "3.71", "3.65"), ("network", None, None),
])
def test_choose_microversion(service, top, expected):
    assert choose_microversion(service, top) == expected


def test_old_compute_api_is_reported():
    cloud = FakeCloud()
    cloud.max_microversion = lambda service: "2.40" if service == "compute" else None
    exporter = export(cloud)[0]
    assert "servers[].flavor" in {u["resource"] for u in exporter.unreadable}


def test_comparable_ignores_time_and_unordered_lists():
    one = {"source": {"taken_at": "a"}, "security_groups": [{"id": "s", "security_group_rules": [{"id": 2}, {"id": 1}]}]}
    two = {"source": {"taken_at": "b"}, "security_groups": [{"id": "s", "security_group_rules": [{"id": 1}, {"id": 2}]}]}
    assert comparable(one) == comparable(two)
    assert canonical([{"x": 2}, {"x": 1}]) == [{"x": 2}, {"x": 1}]   # no ids: order kept
    assert comparable(one) != comparable({**two, "servers": []})


def test_snapshot_file_atomic_write_and_unchanged(tmp_path):
    snap = {"format": "f", "source": {"taken_at": "t1"}, "project": {"id": "p", "name": "n"}}
    path = sfile.snapshot_path(str(tmp_path), "acme", "web/shop")
    assert path.endswith(os.path.join("acme", "web_shop.yaml"))
    sfile.write_atomic(path, sfile.dump(snap))
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert os.listdir(os.path.dirname(path)) == ["web_shop.yaml"]
    existing = sfile.read_existing(path)
    assert sfile.unchanged(existing, {**snap, "source": {"taken_at": "t2"}})
    assert not sfile.unchanged(existing, {**snap, "project": {"id": "p", "name": "m"}})
    assert sfile.read_existing(str(tmp_path / "missing.yaml")) is None
    assert sfile.counts({"a": [1, 2], "b": {}}) == {"a": 2}
    with pytest.raises(ValueError):
        sfile.safe_component("..")


def test_timestamps_stay_strings_through_yaml():
    text = sfile.dump({"created": "2026-01-01T00:00:00Z", "flag": "true", "n": "1"})
    assert sfile._yaml.load_data(text, source="x") == {"created": "2026-01-01T00:00:00Z", "flag": "true", "n": "1"}


def test_connect_kwargs_follow_openstack_cloud():
    kwargs = connect_kwargs({"cloud": "prod", "auth": None, "validate_certs": False, "ca_cert": "/ca.pem",
                             "api_timeout": 30, "interface": "internal"})
    assert kwargs == {"cloud": "prod", "verify": False, "cacert": "/ca.pem", "api_timeout": 30, "interface": "internal"}
    assert connect_kwargs({"cloud": {"auth": {"auth_url": "u"}}, "api_timeout": 5}) == {"auth": {"auth_url": "u"},
                                                                                        "api_timeout": 5}
    with pytest.raises(ConnectError, match="auth must not be set"):
        connect_kwargs({"cloud": {"auth": {}}, "auth": {"password": "x"}})


class ConnectFailure(Exception):
    pass


class Unauthorized(Exception):
    pass


def test_failures_name_the_endpoint():
    msg = describe_failure(ConnectFailure("Unable to establish connection"), "http://k:5999/v3", "prod")
    assert msg.startswith("cannot reach the identity endpoint k:5999 (http://k:5999/v3) (cloud 'prod')")
    msg = describe_failure(Unauthorized("The request you have made requires authentication. (HTTP 401)"),
                           "https://k/v3", None)
    assert "rejected the credential (HTTP 401)" in msg and "k (https://k/v3)" in msg


def test_list_tenants_filters_domains_and_projects():
    class Api:
        def get(self, service, path, params=None):
            if path == "/domains":
                return {"domains": [{"id": "d1", "name": "acme"}, {"id": "default", "name": "Default"}]}
            return {"projects": [
                {"id": "1", "name": "acme-prod", "domain_id": "d1", "enabled": True},
                {"id": "2", "name": "acme-dev", "domain_id": "d1", "enabled": False},
                {"id": "3", "name": "service", "domain_id": "default", "enabled": True},
                {"id": "4", "name": "admin", "domain_id": "default", "enabled": True}]}

    assert [t["name"] for t in list_tenants(Api(), exclude=["service"])] == ["admin", "acme-prod"]   # "D" < "a"
    assert [t["name"] for t in list_tenants(Api(), "^acme$", include_disabled=True)] == ["acme-dev", "acme-prod"]
    assert list_tenants(Api(), project_pattern="prod")[0] == {"id": "1", "name": "acme-prod", "domain_id": "d1",
                                                              "domain_name": "acme", "enabled": True}
    assert list_tenants(Api(), exclude=["Default/admin", "service"], domain_pattern="Default") == []
    with pytest.raises(ExportError, match="domain_pattern: not a valid regular expression"):
        list_tenants(Api(), "(")
