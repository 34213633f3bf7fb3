# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A fake OpenStack API for the exporter's unit tests: a small tenant, each service's pagination style.

The live behaviour is tested against real services in tests/openstack_testbed; this fake only
serves the shapes those services were seen to return, so the pure logic can be tested in ms.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError, TokenInfo

PID = "p" * 32
DOMAIN_ID = "d" * 32
ADMIN_PID = "a" * 32
IMAGE_ID = "11111111-1111-1111-1111-111111111111"
GONE_IMAGE = "99999999-9999-9999-9999-999999999999"
NET_ID = "22222222-2222-2222-2222-222222222222"
EXT_NET = "33333333-3333-3333-3333-333333333333"


def admin_token():
    return TokenInfo(
        user_id="admin-user",
        project_id=ADMIN_PID,
        project_name="admin",
        project_domain_id="default",
        project_domain_name="Default",
        roles=["admin", "member", "reader"],
    )


def member_token():
    return TokenInfo(
        user_id="alice",
        project_id=PID,
        project_name="prod",
        project_domain_id=DOMAIN_ID,
        project_domain_name="acme",
        roles=["member"],
        auth_method="application_credential",
    )


class FakeCloud:
    """Routes GET (service, path, params) to canned bodies; ``forbidden`` paths answer 403."""

    def __init__(self, servers=3, token=None, page=None, forbidden=(), admin=True):
        self.token = token or admin_token()
        self.page = page
        self.forbidden = set(forbidden)
        self.admin = admin
        self.calls: list[tuple[str, str, dict]] = []
        self.servers = [self._server(i) for i in range(servers)]
        self.ports = [
            {"id": f"port-{i}", "network_id": NET_ID, "device_id": f"srv-{i}", "device_owner": "compute:nova", "project_id": PID} for i in range(servers)
        ]

    @staticmethod
    def _server(i):
        return {
            "id": f"srv-{i}",
            "name": f"vm-{i}",
            "user_id": "alice",
            "key_name": "k1",
            "status": "ACTIVE",
            "tenant_id": PID,
            "image": {"id": GONE_IMAGE if i == 0 else IMAGE_ID},
            "flavor": {"original_name": "m1", "vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 0, "swap": 0, "extra_specs": {}},
            "OS-EXT-SRV-ATTR:user_data": None,
            "OS-EXT-SRV-ATTR:hostname": f"vm-{i}",
            "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
            "OS-EXT-SRV-ATTR:host": "h",
            "OS-EXT-SRV-ATTR:instance_name": f"instance-{i}",
        }

    def max_microversion(self, service):
        return {"compute": "2.96", "volume": "3.71"}.get(service)

    # -- routing ----------------------------------------------------------------------------
    def get(self, service, path, params=None, microversion=None):
        if "://" in path:  # a pagination link
            parts = urlsplit(path)
            path, params = parts.path, {k: v[0] if len(v) == 1 else v for k, v in parse_qs(parts.query).items()}
        params = dict(params or {})
        self.calls.append((service, path, params))
        if path in self.forbidden:
            raise ApiError(403, "GET", f"http://{service}.test{path}", "forbidden by policy")
        handler = getattr(self, "_" + service)
        body = handler(path, params)
        if body is None:
            raise ApiError(404, "GET", f"http://{service}.test{path}", "not found")
        return body

    def _paged(self, service, key, items, params, path):
        """Nova/Neutron/Cinder style ``<key>_links``, or Glance's ``next``."""
        limit = int(params.get("limit") or self.page or 0)
        start = int(params.get("marker") or 0)
        if not limit:
            return {key: items}
        chunk = items[start : start + limit]
        body = {key: chunk}
        if start + limit < len(items):
            href = f"{path}?limit={limit}&marker={start + limit}"
            if service == "image":
                body["next"] = "/v2" + href
            else:
                body[f"{key}_links"] = [{"rel": "next", "href": f"http://{service}.test{href}"}]
        return body

    def _identity(self, path, params):
        project = {"id": PID, "name": "prod", "domain_id": DOMAIN_ID, "enabled": True}
        if path == f"/projects/{PID}":
            return {"project": project}
        if path == "/projects":
            found = [project] if params.get("name") in ("prod", None) else []
            if params.get("name") == "twin":
                found = [dict(project, name="twin"), dict(project, name="twin", id="q" * 32, domain_id="e" * 32)]
            return {"projects": found, "links": {"next": None}}
        if path.startswith("/projects/"):
            return None
        if path == f"/domains/{DOMAIN_ID}":
            return {"domain": {"id": DOMAIN_ID, "name": "acme", "enabled": True}}
        if path == "/domains":
            domains = [{"id": DOMAIN_ID, "name": "acme"}, {"id": "default", "name": "Default"}]
            return {"domains": [d for d in domains if params.get("name") in (None, d["name"])]}
        if path.startswith("/domains/"):
            return None
        if path == "/role_assignments":
            return {
                "role_assignments": [
                    {
                        "role": {"id": "r1", "name": "member"},
                        "user": {"id": "alice", "name": "alice", "domain": {"id": DOMAIN_ID, "name": "acme"}},
                        "scope": {"project": {"id": PID}},
                    },
                    {
                        "role": {"id": "r2", "name": "admin"},
                        "group": {"id": "g1", "name": "ops", "domain": {"id": DOMAIN_ID, "name": "acme"}},
                        "scope": {"project": {"id": PID}},
                    },
                ],
                "links": {"next": None},
            }
        if path == "/users":
            return {"users": [{"id": "alice", "name": "alice"}, {"id": "zed", "name": "zed"}], "links": {}}
        if path == "/groups":
            return {"groups": [{"id": "g1", "name": "ops"}, {"id": "g2", "name": "other"}], "links": {}}
        if path == "/groups/g1/users":
            return {"users": [{"id": "carol", "name": "carol"}], "links": {}}
        return None

    def _compute(self, path, params):
        if path == "/servers/detail":
            servers = self.servers
            if not self.admin:
                servers = [{k: v for k, v in s.items() if not k.startswith("OS-EXT-SRV-ATTR")} for s in servers]
            return self._paged("compute", "servers", servers, params, path)
        if path == "/flavors/detail":
            return self._paged("compute", "flavors", [{"id": "f1", "name": "m1"}], params, path)
        if path == "/os-keypairs":
            return {
                "keypairs": [{"keypair": {"name": "k1", "public_key": "ssh-ed25519 AAA"}}, {"keypair": {"name": "unused", "public_key": "ssh-ed25519 BBB"}}]
            }
        if path == f"/os-quota-sets/{PID}":
            return {"quota_set": {"id": PID, "instances": 10}}
        return None

    def _image(self, path, params):
        image = {"id": IMAGE_ID, "name": "ubuntu", "hw_disk_bus": "virtio"}
        if path == "/images":
            if params.get("owner") == PID:
                return self._paged("image", "images", [], params, path)
            ids = params.get("id", "").removeprefix("in:").split(",")
            return self._paged("image", "images", [image] if IMAGE_ID in ids else [], params, path)
        return None

    def _volume(self, path, params):
        if path == "/volumes/detail":
            return self._paged("volume", "volumes", [{"id": "v1", "name": "data", "attachments": []}], params, path)
        if path == f"/os-quota-sets/{PID}":
            return {"quota_set": {"id": PID, "volumes": 10}}
        return None

    def _network(self, path, params):
        if path == "/ports":
            return self._paged("network", "ports", self.ports, params, path)
        if path == "/security-groups":
            rules = [{"id": "r-b"}, {"id": "r-a"}]
            return self._paged("network", "security_groups", [{"id": "sg1", "security_group_rules": rules}], params, path)
        if path == "/floatingips":
            return self._paged("network", "floatingips", [{"id": "fip1", "floating_network_id": EXT_NET, "port_id": "port-1"}], params, path)
        if path == "/networks":
            if "id" in params:
                ids = params["id"] if isinstance(params["id"], list) else [params["id"]]
                return {"networks": [{"id": i, "name": "public"} for i in ids if i == EXT_NET]}
            return self._paged("network", "networks", [{"id": NET_ID, "name": "app"}], params, path)
        if path == "/subnets":
            return {"subnets": [{"id": "sn1", "network_id": NET_ID}]}
        if path == f"/quotas/{PID}":
            return {"quota": {"port": 50}}
        return None
