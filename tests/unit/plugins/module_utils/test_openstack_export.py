# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import dataclasses
import os
import re
from urllib.parse import urlsplit

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack import snapshot_file as sfile
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError, ExportError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.assemble import canonical, comparable
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.connection import ConnectError, connect_kwargs, describe_failure
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.export import TenantExporter
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.paging import choose_microversion, next_link, path_part
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.tenants import list_tenants
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.snapshot import TenantSnapshot
from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.module_utils.openstack_fake import (
    DOMAIN_ID,
    EXT_NET,
    GONE_IMAGE,
    IMAGE_ID,
    PID,
    FakeCloud,
    member_token,
)


def export(cloud, tenant="prod", **kwargs):
    exporter = TenantExporter(cloud, tenant, taken_at="2026-01-01T00:00:00Z", **kwargs)
    return exporter, exporter.run()


def test_admin_export_reads_every_list_once_and_loads():
    cloud = FakeCloud(servers=3)
    exporter, snap = export(cloud)
    assert [s["id"] for s in snap["servers"]] == ["srv-0", "srv-1", "srv-2"]
    assert [c[1] for c in cloud.calls[:2]] == ["/projects/prod", "/projects"]  # id first, then by name
    servers_call = next(c for c in cloud.calls if c[1] == "/servers/detail")
    assert servers_call[2] == {"all_tenants": "1", "project_id": PID}
    assert snap["source"]["api_versions"]["compute"] == "2.79"
    assert [k["name"] for k in snap["keypairs"]] == ["k1"]  # only key pairs servers use
    assert [u["id"] for u in snap["users"]] == ["alice", "carol"]  # subjects + group members, not zed
    assert snap["group_members"] == {"g1": ["carol"]}
    assert [n["id"] for n in snap["networks"]] == ["22222222-2222-2222-2222-222222222222", EXT_NET]
    assert [r["id"] for r in snap["security_groups"][0]["security_group_rules"]] == ["r-a", "r-b"]
    assert list(snap)[:4] == ["format", "source", "domain", "project"]
    # the image of srv-0 was deleted: recorded, not fatal
    assert snap["source"]["unreadable"] == exporter.unreadable
    assert [u["resource"] for u in exporter.unreadable] == [f"images/{GONE_IMAGE}"]
    assert "deleted from Glance" in exporter.unreadable[0]["reason"] and "server vm-0" in exporter.unreadable[0]["reason"]
    assert [i["id"] for i in snap["images"]] == [IMAGE_ID]
    loaded = TenantSnapshot(snap)  # the render side accepts the export, provenance included
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
    _exporter, paged = export(cloud, page_size=page)
    assert comparable(paged) == comparable(full)
    assert sum(1 for c in cloud.calls if c[1] == "/servers/detail") == -(-5 // page)
    assert not any(c[0] == "identity" and "limit" in c[2] for c in cloud.calls)  # keystone only truncates


def test_non_admin_export_records_what_is_missing():
    cloud = FakeCloud(servers=2, token=member_token(), admin=False, forbidden={"/role_assignments"})
    exporter, snap = export(cloud)
    missing = {u["resource"]: u["reason"] for u in exporter.unreadable}
    assert "HTTP 403" in missing["role_assignments"] and "http://identity.test/role_assignments" in missing["role_assignments"]
    assert {"users", "groups", "group_members"} <= set(missing)
    assert any(k.startswith("servers[].OS-EXT-SRV-ATTR:user_data") for k in missing)
    assert "role_assignments" not in snap and len(snap["servers"]) == 2
    servers_call = next(c for c in cloud.calls if c[1] == "/servers/detail")
    assert servers_call[2] == {}  # scoped to the project: no all_tenants
    keypairs_call = next(c for c in cloud.calls if c[1] == "/os-keypairs")
    assert keypairs_call[2] == {}  # own key pairs, no user_id (admin only)
    assert snap["source"]["credential"]["auth_method"] == "application_credential"
    assert snap["source"]["credential"]["scoped_to_exported_project"] is True


def test_forbidden_quota_is_recorded_not_fatal():
    exporter, snap = export(FakeCloud(forbidden={f"/os-quota-sets/{PID}"}, token=member_token(), admin=False))
    assert "compute" not in snap["quotas"]
    assert {"quotas.compute", "quotas.volume"} <= {u["resource"] for u in exporter.unreadable}


@pytest.mark.parametrize(
    "tenant, domain, message",
    [
        ("nope", None, "tenant 'nope': no project with this name or id"),
        ("twin", None, "2 projects have this name"),
        ("", None, "tenant: a project name or id is required"),
        ("prod", "nowhere", "domain 'nowhere': no domain"),
    ],
)
def test_project_resolution_errors(tenant, domain, message):
    with pytest.raises(ExportError, match=message):
        export(FakeCloud(), tenant=tenant, domain=domain)


def test_non_admin_asking_for_another_project_gets_a_clear_error():
    cloud = FakeCloud(token=member_token(), admin=False, forbidden={"/projects"})
    with pytest.raises(ExportError, match="scoped to project 'prod'"):
        export(cloud, tenant="other")


@pytest.mark.parametrize(
    "service, body, key, expected",
    [
        ("compute", {"servers_links": [{"rel": "next", "href": "http://n/servers?marker=x"}]}, "servers", "http://n/servers?marker=x"),
        ("network", {"ports_links": [{"rel": "previous", "href": "p"}]}, "ports", None),
        ("image", {"next": "/v2/images?marker=x"}, "images", "/images?marker=x"),
        ("identity", {"links": {"next": None}}, "users", None),
    ],
)
def test_next_link(service, body, key, expected):
    assert next_link(service, body, key) == expected


@pytest.mark.parametrize(
    "service, top, expected",
    [
        ("compute", "2.96", "2.79"),
        ("compute", "2.60", "2.60"),
        ("compute", None, "2.79"),
        ("volume", "3.71", "3.65"),
        ("network", None, None),
    ],
)
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
    assert canonical([{"x": 2}, {"x": 1}]) == [{"x": 2}, {"x": 1}]  # no ids: order kept
    assert comparable(one) != comparable({**two, "servers": []})


def test_snapshot_file_atomic_write_and_unchanged(tmp_path):
    snap = {"format": "f", "source": {"taken_at": "t1"}, "project": {"id": "p", "name": "n"}}
    path = sfile.snapshot_path(str(tmp_path), "acme", "web/shop")
    assert path.endswith(os.path.join("acme", "web_shop.yaml"))
    sfile.write(path, snap)
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert os.listdir(os.path.dirname(path)) == ["web_shop.yaml"]
    existing = sfile.read_existing(path)
    assert sfile.unchanged(existing, {**snap, "source": {"taken_at": "t2"}})
    assert not sfile.unchanged(existing, {**snap, "project": {"id": "p", "name": "m"}})
    assert sfile.read_existing(str(tmp_path / "missing.yaml")) is None
    assert sfile.counts({"a": [1, 2], "b": {}}) == {"a": 2}
    assert sfile.safe_component("..") == "_.." and sfile.safe_component("") == "_"


@pytest.mark.parametrize(
    "name, expected", [("a\nb", "a_b"), ("tab\there", "tab_here"), ("bell\x07", "bell_"), ("del\x7f", "del_"), ("x/y", "x_y"), ("..", "_..")]
)
def test_file_names_are_cleaned_of_control_characters(name, expected):
    assert sfile.safe_component(name) == expected


def snap_of(project_id, name="team_a", unreadable=()):
    return {"format": "ostokubevirt.io/tenant-snapshot/v1", "source": {"unreadable": list(unreadable)}, "project": {"id": project_id, "name": name}}


def test_colliding_project_names_get_an_id_suffix(tmp_path):
    first, note = sfile.choose_path(str(tmp_path), "team", "team/a", "1111aaaa2222")
    assert first == str(tmp_path / "team" / "team_a.yaml") and note is None
    sfile.write(first, snap_of("1111aaaa2222", "team/a"))
    second, note = sfile.choose_path(str(tmp_path), "team", "team_a", "3333bbbb4444")
    assert second == str(tmp_path / "team" / "team_a-3333bbbb.yaml")
    assert "another project" in note and "team_a-3333bbbb.yaml" in note
    sfile.write(second, snap_of("3333bbbb4444"))
    assert sfile.choose_path(str(tmp_path), "team", "team/a", "1111aaaa2222")[0] == first  # stable
    assert sfile.choose_path(str(tmp_path), "team", "team_a", "3333bbbb4444")[0] == second


@pytest.mark.parametrize("content", ["my notes\n", "format: something-else\n", "[1, 2]\n"])
def test_a_file_that_is_not_a_snapshot_is_never_replaced(tmp_path, content):
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "prod.yaml").write_text(content)
    with pytest.raises(sfile.SnapshotFileError, match="is not a tenant snapshot"):
        sfile.choose_path(str(tmp_path), "acme", "prod", PID)


def test_newly_not_read_ignores_deleted_images_and_owner_details():
    complete = snap_of("p", unreadable=[{"resource": "images/x", "reason": "deleted"}])
    partial = snap_of("p", unreadable=[{"resource": "role_assignments", "reason": "403"}, {"resource": "keypairs (owner u1)", "reason": "403"}])
    assert sfile.newly_not_read(complete, partial) == ["keypairs", "role_assignments"]
    assert sfile.newly_not_read(partial, complete) == []
    assert sfile.newly_not_read(None, partial) == []


def test_timestamps_stay_strings_through_yaml():
    text = sfile.dump({"created": "2026-01-01T00:00:00Z", "flag": "true", "n": "1"})
    assert sfile._yaml.load_data(text, source="x") == {"created": "2026-01-01T00:00:00Z", "flag": "true", "n": "1"}


def test_connect_kwargs_follow_openstack_cloud():
    kwargs = connect_kwargs({"cloud": "prod", "auth": None, "validate_certs": False, "ca_cert": "/ca.pem", "api_timeout": 30, "interface": "internal"})
    assert kwargs == {"cloud": "prod", "verify": False, "cacert": "/ca.pem", "api_timeout": 30, "interface": "internal"}
    assert connect_kwargs({"cloud": {"auth": {"auth_url": "u"}}, "api_timeout": 5}) == {"auth": {"auth_url": "u"}, "api_timeout": 5}
    with pytest.raises(ConnectError, match="auth must not be set"):
        connect_kwargs({"cloud": {"auth": {}}, "auth": {"password": "x"}})


class ConnectFailure(Exception):
    pass


class Unauthorized(Exception):
    pass


def test_failures_name_the_endpoint():
    msg = describe_failure(ConnectFailure("Unable to establish connection"), "http://k:5999/v3", "prod")
    assert msg.startswith("cannot reach the identity endpoint k:5999 (http://k:5999/v3) (cloud 'prod')")
    msg = describe_failure(Unauthorized("The request you have made requires authentication. (HTTP 401)"), "https://k/v3", None)
    assert "rejected the credential (HTTP 401)" in msg and "k (https://k/v3)" in msg


def test_list_tenants_filters_domains_and_projects():
    class Api:
        def get(self, service, path, params=None):
            if path == "/domains":
                return {"domains": [{"id": "d1", "name": "acme"}, {"id": "default", "name": "Default"}]}
            return {
                "projects": [
                    {"id": "1", "name": "acme-prod", "domain_id": "d1", "enabled": True},
                    {"id": "2", "name": "acme-dev", "domain_id": "d1", "enabled": False},
                    {"id": "3", "name": "service", "domain_id": "default", "enabled": True},
                    {"id": "4", "name": "admin", "domain_id": "default", "enabled": True},
                ]
            }

    assert [t["name"] for t in list_tenants(Api(), exclude=["service"])] == ["admin", "acme-prod"]  # "D" < "a"
    assert [t["name"] for t in list_tenants(Api(), "^acme$", include_disabled=True)] == ["acme-dev", "acme-prod"]
    assert list_tenants(Api(), project_pattern="prod")[0] == {"id": "1", "name": "acme-prod", "domain_id": "d1", "domain_name": "acme", "enabled": True}
    assert list_tenants(Api(), exclude=["Default/admin", "service"], domain_pattern="Default") == []
    with pytest.raises(ExportError, match="domain_pattern: not a valid regular expression"):
        list_tenants(Api(), "(")


# -- unreadable is not empty (issue 14, item 1) ---------------------------------------------------------
class FaultyCloud(FakeCloud):
    """FakeCloud whose ``faults`` map a path to the HTTP status every GET of it answers."""

    def __init__(self, faults, **kwargs):
        super().__init__(**kwargs)
        self.faults = faults

    def get(self, service, path, params=None, microversion=None):
        status = self.faults.get(path.split("?")[0] if "://" not in path else urlsplit(path).path)
        if status:
            self.calls.append((service, path, dict(params or {})))
            raise ApiError(status, "GET", f"http://{service}.test{path}", "injected")
        return super().get(service, path, params=params, microversion=microversion)


@pytest.mark.parametrize(
    "path", ["/security-groups", "/ports", "/servers/detail", "/volumes/detail", "/networks", "/subnets", "/floatingips", "/flavors/detail", "/images"]
)
@pytest.mark.parametrize("status", [401, 403, 404])
def test_an_unreadable_tenant_resource_fails_the_export_naming_the_call(path, status):
    with pytest.raises(ExportError) as raised:
        export(FaultyCloud({path: status}))
    assert f"{path}: HTTP {status}" in str(raised.value)
    assert "nothing was written" in str(raised.value)


@pytest.mark.parametrize("path", ["/security-groups", "/ports", "/servers/detail"])
def test_a_member_credential_fails_too_on_the_tenant_resources(path):
    with pytest.raises(ExportError, match=f"{path}: HTTP 403"):
        export(FaultyCloud({path: 403}, token=member_token(), admin=False))


@pytest.mark.parametrize("path, status", [("/role_assignments", 403), ("/role_assignments", 401), (f"/os-quota-sets/{PID}", 403), ("/os-keypairs", 403)])
def test_an_admin_credential_fails_on_any_refused_read(path, status):
    with pytest.raises(ExportError, match=f"HTTP {status}"):
        export(FaultyCloud({path: status}))


@pytest.mark.parametrize(
    "path, resource", [("/role_assignments", "role_assignments"), (f"/os-quota-sets/{PID}", "quotas.compute"), (f"/domains/{DOMAIN_ID}", "domain")]
)
def test_optional_reads_stay_not_read_for_a_project_credential(path, resource):
    exporter, _snap = export(FaultyCloud({path: 403}, token=member_token(), admin=False))
    assert resource in {u["resource"] for u in exporter.unreadable}


def test_a_missing_quota_api_is_not_read_not_fatal():
    exporter, snap = export(FaultyCloud({f"/quotas/{PID}": 404}))
    assert "network" not in snap["quotas"]
    assert "quotas.network" in {u["resource"] for u in exporter.unreadable}


def test_a_401_on_an_optional_read_fails_even_for_a_project_credential():
    with pytest.raises(ExportError, match="rejected"):
        export(FaultyCloud({"/role_assignments": 401}, token=member_token(), admin=False))


# -- pagination that does not end (issue 14, item 8) ---------------------------------------------------
class LoopingCloud(FakeCloud):
    """Nova's server list links to a next page forever: with a repeated marker, or a new one each time."""

    def __init__(self, repeat, **kwargs):
        super().__init__(**kwargs)
        self.repeat = repeat
        self.pages = 0

    def _compute(self, path, params):
        if path != "/servers/detail":
            return super()._compute(path, params)
        self.pages += 1
        marker = "m1" if self.repeat else f"m{self.pages}"
        return {"servers": self.servers[:1], "servers_links": [{"rel": "next", "href": f"http://compute.test/servers/detail?marker={marker}"}]}


def test_a_repeated_marker_stops_the_list_naming_the_call():
    cloud = LoopingCloud(repeat=True)
    with pytest.raises(ExportError, match=r"compute list servers \(GET /servers/detail\): page 2 links to marker 'm1'"):
        export(cloud)
    assert cloud.pages == 2


def test_endless_next_links_stop_at_the_page_limit():
    cloud = LoopingCloud(repeat=False)
    with pytest.raises(ExportError, match=r"GET /servers/detail\): still a next page after 25 pages"):
        export(cloud, max_pages=25)
    assert cloud.pages == 25


# -- names that are not URL path segments (issue 14, item 6) ---------------------------------------------
@pytest.mark.parametrize("tenant", ["..", "../users", ".", "a/b", "x?y#z"])
def test_a_tenant_name_never_becomes_another_api_path(tenant):
    cloud = FakeCloud()
    with pytest.raises(ExportError, match=re.escape(f"tenant {tenant!r}: no project with this name or id")):
        export(cloud, tenant=tenant)
    identity_paths = [c[1] for c in cloud.calls if c[0] == "identity"]
    assert set(identity_paths) <= {"/projects", "/projects/" + path_part(tenant)}, identity_paths
    assert all(p != "/users" and ".." not in p.split("/") for p in identity_paths)
    assert ("identity", "/projects", {"name": tenant}) in cloud.calls  # looked up by name, escaped by the client


def test_a_project_really_named_dot_dot_is_exported_by_name():
    class DotDotCloud(FakeCloud):
        def _identity(self, path, params):
            if path == "/projects" and params.get("name") == "..":
                return {"projects": [{"id": PID, "name": "..", "domain_id": DOMAIN_ID}]}
            return super()._identity(path, params)

    cloud = DotDotCloud()
    snap = export(cloud, tenant="..")[1]
    assert snap["project"]["name"] == ".." and not any(c[1] == "/projects/.." for c in cloud.calls)
    assert sfile.snapshot_path("/x", "acme", "..") == "/x/acme/_...yaml"


# -- hints fit the credential (issue 14, item 10) -----------------------------------------------------------
def reader_token():
    return dataclasses.replace(member_token(), roles=["reader"])


def test_a_reader_is_not_told_to_get_the_reader_role():
    exporter, _snap = export(FakeCloud(token=reader_token(), admin=False, forbidden={"/role_assignments"}))
    reason = {u["resource"]: u["reason"] for u in exporter.unreadable}["role_assignments"]
    assert "the credential has the roles reader, scoped to project 'prod'" in reason
    assert "a project reader is not enough" in reason and "needs a reader or admin role" not in reason


def test_an_admin_is_not_told_to_get_the_admin_role_after_a_404():
    with pytest.raises(ExportError) as raised:
        export(FaultyCloud({"/servers/detail": 404}))
    message = str(raised.value)
    assert "check the endpoint in the service catalog" in message and "needs the admin role" not in message


def test_a_member_naming_its_own_domain_gets_a_clear_error_not_a_bare_403():
    cloud = FakeCloud(token=member_token(), admin=False, forbidden={"/projects", "/domains"})
    with pytest.raises(ExportError, match="scoped to project 'prod'"):
        export(cloud, tenant="other", domain="acme")
    assert not any(c[1] == "/domains" for c in cloud.calls)  # its own domain needs no lookup
