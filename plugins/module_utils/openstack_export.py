# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Read one OpenStack project into a tenant snapshot (format v1), as raw API objects.

The exporter talks to the cloud only through an ``api`` object with three members (see
``openstack_connection.SdkApi`` for the real one, the unit tests use a fake):

* ``get(service, path, params=None, microversion=None) -> dict`` returns the decoded JSON body
  or raises ``ApiError``; ``path`` may also be an absolute URL (a pagination link);
* ``max_microversion(service) -> str | None``;
* ``token`` -> ``TokenInfo`` (who we are and where the token is scoped).

Cost does not grow with the number of servers: every resource type is one paginated list
call per tenant. Lookups by id are batched (Glance ``id=in:``, Neutron repeated ``id=``) in
chunks of ``ID_CHUNK``; only identity objects (group members, keypairs of server owners) cost
one call per group or per owner, and images a listing does not show (deleted, or private to
another project) one call each.

What a snapshot cannot do without (the tenant's servers, flavors, volumes, images, networks,
subnets, ports, security groups and floating IPs) must be read, or the export fails naming the
call: render would otherwise translate "could not read the security groups" into "there are
none" and leave the VMs' traffic unrestricted. Only reads that a project-scoped credential is
not expected to be allowed (role assignments and the identities behind them, other users' key
pairs, quotas, the domain, admin-only server fields) may stay "not read"; they are recorded in
``source.unreadable`` with the call and its HTTP status, and render and apply warn about each.
A refusal of those reads still fails the export when the credential is admin (it should be
allowed), and so does every 401 (keystoneauth has already re-authenticated once) and every 404
on a collection (a wrong endpoint, not an empty list).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlsplit

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.snapshot import SNAPSHOT_FORMAT

EXPORTER = "ostokubevirt.migrate 0.1.0"
# Wanted microversions: compute 2.79 embeds the flavor (2.47), returns user_data (2.3), tags
# (2.26), description (2.19); block storage 3.65 adds consumes_quota/shared_targets fields.
WANTED_MICROVERSIONS = {"compute": (2, 79), "volume": (3, 65)}
MIN_COMPUTE_EMBEDDED_FLAVOR = (2, 47)
ID_CHUNK = 40
# Pages of one list call before the export gives up: a service whose next links never end must
# not keep the export running (one was seen making 1,233 requests a minute). With the services'
# default page sizes (Nova and Neutron: 1000) this is far above any real tenant.
MAX_PAGES = 1000
# Nova returns these only when policy os_compute_api:os-extended-server-attributes allows
# (admin by default); without them user data, hostname and the root device are unknown.
ADMIN_SERVER_FIELDS = (
    "OS-EXT-SRV-ATTR:user_data", "OS-EXT-SRV-ATTR:hostname", "OS-EXT-SRV-ATTR:root_device_name",
    "OS-EXT-SRV-ATTR:host", "OS-EXT-SRV-ATTR:instance_name",
)
ADMIN_ROLE = "admin"
# What each kind of read needs, as the error hint says it (next to the credential's own roles).
PROJECT_MEMBER = "a member or reader role on the project"
ALL_TENANTS = "the admin role (listing another project's resources with all_tenants)"
DOMAIN_READER = "the admin role, or the reader role on the system or on the domain"


class ApiError(Exception):
    """An HTTP error (or transport failure) of one API call, naming the URL."""

    def __init__(self, status: int | None, method: str, url: str, detail: str = "") -> None:
        self.status = status
        self.method = method
        self.url = url
        self.detail = detail
        what = f"HTTP {status}" if status else "no response"
        super().__init__(f"{method} {url}: {what}{': ' + detail if detail else ''}")


class ExportError(Exception):
    """The tenant cannot be exported at all (unknown, ambiguous, not visible to this credential)."""


@dataclass
class TokenInfo:
    user_id: str
    project_id: str | None
    project_name: str | None
    project_domain_id: str | None
    project_domain_name: str | None
    roles: list[str] = field(default_factory=list)
    auth_method: str = "password"


def parse_microversion(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    match = re.fullmatch(r"(\d+)\.(\d+)", str(value).strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def choose_microversion(service: str, max_supported: str | None) -> str | None:
    """The wanted microversion, or the server's maximum when it is older."""
    wanted = WANTED_MICROVERSIONS.get(service)
    if wanted is None:
        return None
    top = parse_microversion(max_supported)
    chosen = wanted if top is None or top >= wanted else top
    return f"{chosen[0]}.{chosen[1]}"


def chunks(values: list[str], size: int = ID_CHUNK) -> list[list[str]]:
    return [values[i:i + size] for i in range(0, len(values), size)]


def next_link(service: str, body: dict, key: str) -> str | None:
    """The next page's URL of a list response, in each service's own convention."""
    if service == "image":
        link = body.get("next")
        # Glance returns "/v2/images?marker=..." relative to the unversioned endpoint, while
        # the client's endpoint already ends in /v2.
        return re.sub(r"^/v2(?=/)", "", link) if link else None
    if service == "identity":
        links = body.get("links") or {}
        return links.get("next") if isinstance(links, dict) else None
    for link in body.get(f"{key}_links") or []:
        if isinstance(link, dict) and link.get("rel") == "next":
            return link.get("href")
    return None


def path_part(value) -> str:
    """One URL path segment: a name like ``../users`` must not climb to another API path."""
    return quote(str(value), safe="")


def addressable(value) -> bool:
    """Whether ``value`` can be looked up as a path segment. HTTP clients drop ``.`` and ``..`` segments even
    percent-encoded (requests unquotes dots), so a project named ``..`` is only found by name."""
    text = str(value)
    return bool(text) and set(text) != {"."}


def page_marker(link: str) -> str:
    """What identifies the page a next link asks for: its ``marker``, or the whole link when it has none."""
    values = parse_qs(urlsplit(link).query).get("marker")
    return values[-1] if values else link


def _dedupe(items: list[dict]) -> list[dict]:
    seen, kept = set(), []
    for item in items:
        ident = item.get("id")
        if ident is not None and ident in seen:
            continue
        seen.add(ident)
        kept.append(item)
    return kept


class TenantExporter:
    """One export run. ``run()`` returns the snapshot dict; ``requests`` counts API calls."""

    def __init__(self, api, tenant: str, domain: str | None = None, page_size: int | None = None,
                 taken_at: str = "", source: dict | None = None, max_pages: int = MAX_PAGES) -> None:
        if not tenant or not str(tenant).strip():
            raise ExportError("tenant: a project name or id is required")
        self.api = api
        self.tenant = str(tenant).strip()
        self.domain_filter = domain
        self.page_size = page_size
        self.max_pages = max_pages
        self.taken_at = taken_at
        self.source_extra = dict(source or {})
        self.unreadable: list[dict] = []
        self.requests = 0
        self.microversions: dict[str, str] = {}
        self.token: TokenInfo = api.token
        self.is_admin = ADMIN_ROLE in (self.token.roles or [])

    # -- plumbing -------------------------------------------------------------------------
    def _get(self, service: str, path: str, params: dict | None = None) -> dict:
        self.requests += 1
        return self.api.get(service, path, params=params, microversion=self.microversions.get(service))

    def _list(self, service: str, path: str, key: str, params: dict | None = None) -> list[dict]:
        params = dict(params or {})
        if self.page_size and service != "identity":
            # keystone does not paginate: a limit there only truncates the list
            params["limit"] = self.page_size
        items: list[dict] = []
        seen_markers: set[str] = set()
        url, query = path, params
        for pages in range(1, self.max_pages + 1):
            body = self._get(service, url, query)
            page = body.get(key)
            if not isinstance(page, list):
                raise ApiError(200, "GET", url, f"response has no list {key!r}")
            items.extend(page)
            if service == "identity" and body.get("truncated"):
                self._unreadable(key, f"GET {path}: keystone truncated the list at its list_limit; "
                                      "raise [DEFAULT] list_limit or export with a narrower scope")
            nxt = next_link(service, body, key)
            if not nxt or not page:
                return items
            marker = page_marker(nxt)
            if marker in seen_markers:
                raise ExportError(f"{service} list {key} (GET {path}): page {pages} links to marker {marker!r} "
                                  "again, so the service's pagination loops; nothing was written")
            seen_markers.add(marker)
            url, query = nxt, None
        raise ExportError(f"{service} list {key} (GET {path}): still a next page after {self.max_pages} pages "
                          f"({len(items)} objects); the service's pagination does not end (raise max_pages if the "
                          "list is really that long); nothing was written")

    def _unreadable(self, resource: str, reason: str) -> None:
        entry = {"resource": resource, "reason": reason}
        if entry not in self.unreadable:
            self.unreadable.append(entry)

    def _explain(self, exc: ApiError, needs: str) -> str:
        """Why the call failed, in terms of this credential's actual roles and scope."""
        if exc.status == 401:
            return ("the credential was rejected even after re-authenticating: the token was revoked or expired, "
                    "the password changed, or the application credential was deleted")
        if exc.status == 404:
            return ("the service answered 'not found' for a list it must have: check the endpoint in the service "
                    "catalog (interface, region) and the service's API version")
        tok = self.token
        roles = ", ".join(sorted(tok.roles)) or "none"
        scope = f"project {tok.project_name!r}" if tok.project_id else "no project"
        if self.is_admin:
            return (f"the credential has the admin role (roles: {roles}, scoped to {scope}), yet the service's "
                    "policy refuses this call: check that service's policy file")
        return f"this call needs {needs}; the credential has the roles {roles}, scoped to {scope}"

    def _tolerated(self, exc: ApiError, collection: bool) -> bool:
        """Whether a failed optional read may stay "not read" (see the module docstring)."""
        if exc.status == 403:
            return not self.is_admin
        return exc.status == 404 and not collection

    def _fail(self, resource: str, exc: ApiError, needs: str) -> ExportError:
        return ExportError(f"{resource} could not be read: {exc} ({self._explain(exc, needs)}); nothing was written: "
                           f"a snapshot without {resource} would translate as if the project had none")

    def _not_read(self, resource: str, exc: ApiError, needs: str) -> None:
        self._unreadable(resource, f"{exc} ({self._explain(exc, needs)})")

    def _optional(self, resource: str, exc: ApiError, needs: str, collection: bool) -> None:
        """Record an optional read as not read, or raise when this failure must stop the export."""
        if exc.status in (401, 403, 404) and self._tolerated(exc, collection):
            self._not_read(resource, exc, needs)
            return
        if exc.status in (401, 403, 404):
            raise self._fail(resource, exc, needs) from exc
        raise exc

    def _try_list(self, resource: str, needs: str, service: str, path: str, key: str,
                  params: dict | None = None) -> list[dict] | None:
        """An optional list: None when it may stay not read."""
        try:
            return self._list(service, path, key, params)
        except ApiError as exc:
            self._optional(resource, exc, needs, collection=True)
            return None

    def _try_get(self, resource: str, needs: str, service: str, path: str, key: str | None) -> dict | None:
        """An optional single object: None when it may stay not read."""
        try:
            body = self._get(service, path)
        except ApiError as exc:
            self._optional(resource, exc, needs, collection=False)
            return None
        return body[key] if key else body

    def _must_list(self, resource: str, needs: str, service: str, path: str, key: str,
                   params: dict | None = None) -> list[dict]:
        """A list the snapshot cannot do without: any refusal fails the export, naming the call."""
        try:
            return self._list(service, path, key, params)
        except ApiError as exc:
            if exc.status in (401, 403, 404):
                raise self._fail(resource, exc, needs) from exc
            raise

    def _scoped_here(self, project_id: str) -> bool:
        return self.token.project_id == project_id

    # -- identity -------------------------------------------------------------------------
    def resolve_project(self) -> dict:
        tok = self.token
        if self.tenant in (tok.project_id, tok.project_name) and (
                not self.domain_filter or self.domain_filter in (tok.project_domain_name, tok.project_domain_id)):
            return self._get("identity", f"/projects/{path_part(tok.project_id)}")["project"]
        try:
            if addressable(self.tenant):
                return self._get("identity", f"/projects/{path_part(self.tenant)}")["project"]
        except ApiError as exc:
            if exc.status not in (403, 404):
                raise
        params = {"name": self.tenant}
        if self.domain_filter:
            params["domain_id"] = self._domain_id(self.domain_filter)
        try:
            found = self._list("identity", "/projects", "projects", params)
        except ApiError as exc:
            if exc.status == 403:
                raise ExportError(
                    f"tenant {self.tenant!r}: this credential is scoped to project {tok.project_name!r} "
                    f"({tok.project_id}) and may not look up other projects ({exc}); export with a credential "
                    "scoped to that project, or with an admin/reader credential") from exc
            raise
        if not found:
            where = f" in domain {self.domain_filter!r}" if self.domain_filter else ""
            raise ExportError(f"tenant {self.tenant!r}: no project with this name or id{where}")
        if len(found) > 1:
            domains = ", ".join(sorted(str(p.get("domain_id")) for p in found))
            raise ExportError(f"tenant {self.tenant!r}: {len(found)} projects have this name (domains {domains}); "
                              "pass domain to choose one")
        return found[0]

    def _domain_id(self, domain: str) -> str:
        try:
            if addressable(domain):
                return self._get("identity", f"/domains/{path_part(domain)}")["domain"]["id"]
        except ApiError as exc:
            if exc.status not in (403, 404):
                raise
        tok = self.token
        if domain in (tok.project_domain_name, tok.project_domain_id) and tok.project_domain_id:
            return tok.project_domain_id   # the credential's own domain: no lookup a member may be refused
        try:
            found = self._list("identity", "/domains", "domains", {"name": domain})
        except ApiError as exc:
            if exc.status != 403:
                raise
            raise ExportError(f"domain {domain!r}: this credential may not look up domains ({exc}); pass the domain's "
                              f"id, or leave domain out: this credential's project is in domain "
                              f"{tok.project_domain_name!r}") from exc
        if not found:
            raise ExportError(f"domain {domain!r}: no domain with this name or id")
        return found[0]["id"]

    def read_domain(self, project: dict) -> dict:
        domain_id = project.get("domain_id")
        domain = self._try_get("domain", "a reader role on the domain, or admin", "identity",
                               f"/domains/{path_part(domain_id)}", "domain")
        if domain is not None:
            return domain
        if self._scoped_here(project["id"]) and self.token.project_domain_name:
            # the token response names the domain: better than the bare id for namespace naming
            return {"id": domain_id, "name": self.token.project_domain_name}
        return {"id": domain_id, "name": domain_id}

    def read_identity(self, project: dict, snap: dict) -> None:
        needs = ("the admin role, or the reader role on the system or on the project's domain "
                 "(identity:list_role_assignments; a project reader is not enough)")
        assignments = self._try_list(
            "role_assignments", needs, "identity", "/role_assignments", "role_assignments",
            {"scope.project.id": project["id"], "include_names": "true"})
        if assignments is None:
            for resource in ("users", "groups", "group_members"):
                self._unreadable(resource, "not exported: the role assignments that name them could not be read")
            return
        snap["role_assignments"] = assignments
        user_ids = {a["user"]["id"] for a in assignments if isinstance(a.get("user"), dict)}
        group_ids = {a["group"]["id"] for a in assignments if isinstance(a.get("group"), dict)}
        user_domains = {a["user"].get("domain", {}).get("id") for a in assignments if isinstance(a.get("user"), dict)}
        group_domains = {a["group"].get("domain", {}).get("id") for a in assignments if isinstance(a.get("group"), dict)}

        groups: list[dict] = []
        for domain_id in sorted(d for d in group_domains if d):
            listed = self._try_list("groups", DOMAIN_READER, "identity", "/groups",
                                    "groups", {"domain_id": domain_id})
            groups.extend(g for g in listed or [] if g.get("id") in group_ids)
        members: dict[str, list[str]] = {}
        member_users: list[dict] = []
        for group_id in sorted(group_ids):
            listed = self._try_list("group_members", DOMAIN_READER, "identity",
                                    f"/groups/{path_part(group_id)}/users", "users")
            if listed is not None:
                members[group_id] = [u["id"] for u in listed]
                member_users.extend(listed)
        users: list[dict] = []
        for domain_id in sorted(d for d in user_domains if d):
            listed = self._try_list("users", DOMAIN_READER, "identity", "/users", "users",
                                    {"domain_id": domain_id})
            users.extend(u for u in listed or [] if u.get("id") in user_ids)
        snap["users"] = _dedupe(users + member_users)
        snap["groups"] = groups
        snap["group_members"] = members

    # -- compute --------------------------------------------------------------------------
    def read_compute(self, project: dict, snap: dict) -> None:
        pid = project["id"]
        self.microversions["compute"] = choose_microversion("compute", self.api.max_microversion("compute"))
        if parse_microversion(self.microversions["compute"]) < MIN_COMPUTE_EMBEDDED_FLAVOR:
            self._unreadable("servers[].flavor", f"compute API offers microversion {self.microversions['compute']} "
                                                 "< 2.47: flavors are not embedded in servers")
        if self._scoped_here(pid):
            servers = self._must_list("servers", PROJECT_MEMBER, "compute", "/servers/detail", "servers")
        else:
            servers = self._must_list("servers", ALL_TENANTS, "compute", "/servers/detail", "servers",
                                      {"all_tenants": "1", "project_id": pid})
        snap["servers"] = servers
        missing = [f for f in ADMIN_SERVER_FIELDS if servers and not any(f in s for s in servers)]
        if missing:
            self._unreadable("servers[]." + ",".join(missing),
                             "hidden by Nova policy os_compute_api:os-extended-server-attributes (admin by default): "
                             "user data, hostname and root device are unknown; export with an admin credential")
        # is_public=None: public and private flavors (private ones only as admin)
        snap["flavors"] = self._must_list("flavors", PROJECT_MEMBER, "compute", "/flavors/detail", "flavors",
                                          {"is_public": "None"})
        snap["keypairs"] = self._read_keypairs(servers)
        self._read_quota(snap, "compute", "compute", f"/os-quota-sets/{path_part(pid)}", "quota_set")

    def _read_keypairs(self, servers: list[dict]) -> list[dict]:
        wanted: dict[str, set[str]] = {}
        for server in servers:
            if server.get("key_name"):
                wanted.setdefault(str(server.get("user_id")), set()).add(server["key_name"])
        keypairs: list[dict] = []
        for user_id in sorted(wanted):
            params = None if user_id == self.token.user_id else {"user_id": user_id}
            listed = self._try_list(f"keypairs (owner {user_id})",
                                    "the admin role to read another user's key pairs (os_compute_api:os-keypairs)",
                                    "compute", "/os-keypairs", "keypairs", params)
            for item in listed or []:
                keypair = item.get("keypair", item)
                if keypair.get("name") in wanted[user_id]:
                    keypairs.append(keypair)
        return keypairs

    # -- image ----------------------------------------------------------------------------
    def read_images(self, project: dict, snap: dict) -> None:
        referenced: dict[str, list[str]] = {}
        for server in snap.get("servers", []):
            image = server.get("image")
            if isinstance(image, dict) and image.get("id"):
                referenced.setdefault(image["id"], []).append(f"server {server.get('name')}")
        for volume in snap.get("volumes", []):
            image_id = (volume.get("volume_image_metadata") or {}).get("image_id")
            if image_id:
                referenced.setdefault(image_id, []).append(f"volume {volume.get('name') or volume.get('id')}")
        images = self._must_list("images", PROJECT_MEMBER, "image", "/images", "images", {"owner": project["id"]})
        for ids in chunks(sorted(referenced)):
            images.extend(self._must_list("images", PROJECT_MEMBER, "image", "/images", "images",
                                          {"id": "in:" + ",".join(ids)}))
        images = _dedupe(images)
        have = {i.get("id") for i in images}
        for image_id in sorted(set(referenced) - have):
            # not in a listing: community, or private to another project, or deleted
            try:
                images.append(self._get("image", f"/images/{path_part(image_id)}"))
            except ApiError as exc:
                if not (exc.status == 404 or (exc.status == 403 and not self.is_admin)):
                    # raises: only "deleted" or "private to another project" may stay not read
                    self._optional(f"images/{image_id}", exc, PROJECT_MEMBER, collection=False)
                users = ", ".join(referenced[image_id])
                self._unreadable(f"images/{image_id}", f"{exc}; referenced by {users} "
                                                       f"({'deleted from Glance' if exc.status == 404 else 'not visible'})")
        snap["images"] = images

    # -- block storage --------------------------------------------------------------------
    def read_volumes(self, project: dict, snap: dict) -> None:
        pid = project["id"]
        self.microversions["volume"] = choose_microversion("volume", self.api.max_microversion("volume"))
        if self._scoped_here(pid):
            volumes = self._must_list("volumes", PROJECT_MEMBER, "volume", "/volumes/detail", "volumes")
        else:
            volumes = self._must_list("volumes", ALL_TENANTS, "volume", "/volumes/detail", "volumes",
                                      {"all_tenants": "1", "project_id": pid})
        snap["volumes"] = volumes
        self._read_quota(snap, "volume", "volume", f"/os-quota-sets/{path_part(pid)}", "quota_set")

    # -- network --------------------------------------------------------------------------
    def read_network(self, project: dict, snap: dict) -> None:
        pid = project["id"]
        scope = {"project_id": pid}
        needs = PROJECT_MEMBER
        snap["ports"] = self._must_list("ports", needs, "network", "/ports", "ports", scope)
        snap["security_groups"] = self._must_list("security_groups", needs, "network", "/security-groups",
                                                  "security_groups", scope)
        snap["floating_ips"] = self._must_list("floating_ips", needs, "network", "/floatingips", "floatingips", scope)
        networks = self._must_list("networks", needs, "network", "/networks", "networks", scope)
        have = {n.get("id") for n in networks}
        used = {p.get("network_id") for p in snap["ports"]} | {
            f.get("floating_network_id") for f in snap["floating_ips"]}
        for ids in chunks(sorted(i for i in used - have if i)):
            networks.extend(self._must_list("networks", needs, "network", "/networks", "networks", {"id": ids}))
        snap["networks"] = _dedupe(networks)
        subnets: list[dict] = []
        for ids in chunks(sorted({n["id"] for n in snap["networks"] if n.get("id")})):
            subnets.extend(self._must_list("subnets", needs, "network", "/subnets", "subnets", {"network_id": ids}))
        snap["subnets"] = _dedupe(subnets)
        self._read_quota(snap, "network", "network", f"/quotas/{path_part(pid)}", "quota")

    def _read_quota(self, snap: dict, name: str, service: str, path: str, key: str) -> None:
        quota = self._try_get(f"quotas.{name}", "a reader role on the project, or admin", service, path, key)
        if quota is not None:
            snap.setdefault("quotas", {})[name] = quota

    # -- all ------------------------------------------------------------------------------
    def run(self) -> dict:
        project = self.resolve_project()
        snap: dict = {"format": SNAPSHOT_FORMAT, "source": {}, "domain": self.read_domain(project),
                      "project": project}
        self.read_identity(project, snap)
        self.read_compute(project, snap)
        self.read_volumes(project, snap)   # before images: volumes reference images too
        self.read_images(project, snap)
        self.read_network(project, snap)
        snap["source"] = self.source(project)
        sort_embedded_rules(snap)
        return order_snapshot(snap)

    def source(self, project: dict) -> dict:
        tok = self.token
        source = {
            **self.source_extra,
            "taken_at": self.taken_at,
            "exporter": EXPORTER,
            "api_versions": {"identity": "3", "compute": self.microversions.get("compute"), "image": "2",
                             "volume": self.microversions.get("volume"), "network": "2.0"},
            "credential": {"user_id": tok.user_id, "project_id": tok.project_id, "roles": sorted(tok.roles),
                           "auth_method": tok.auth_method, "scoped_to_exported_project": tok.project_id == project["id"]},
            "unreadable": self.unreadable,
        }
        return source


SNAPSHOT_KEY_ORDER = (
    "format", "source", "domain", "project", "users", "groups", "group_members", "role_assignments", "flavors",
    "images", "servers", "volumes", "networks", "subnets", "ports", "security_groups", "floating_ips", "keypairs",
    "quotas",
)


def order_snapshot(snap: dict) -> dict:
    """Keys in documentation order, so files diff well between exports."""
    ordered = {key: snap[key] for key in SNAPSHOT_KEY_ORDER if key in snap}
    ordered.update({k: v for k, v in snap.items() if k not in ordered})
    return ordered


def canonical(value):
    """``value`` with every list of objects that carry an ``id`` sorted by id.

    APIs return some collections in no stable order (Neutron's embedded security group rules
    change order between two identical calls), so two exports of an unchanged cloud are only
    comparable once such lists are put in one order. Lists without ids keep their order.
    """
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [canonical(v) for v in value]
        if items and all(isinstance(i, dict) and i.get("id") is not None for i in items):
            return sorted(items, key=lambda i: str(i["id"]))
        return items
    return value


def comparable(snap: dict) -> dict:
    """The snapshot minus what differs between two exports of an unchanged cloud."""
    source = dict(snap.get("source") or {})
    source.pop("taken_at", None)
    return canonical({**snap, "source": source})


def sort_embedded_rules(snap: dict) -> None:
    """Security group rules sorted by id in the file: Neutron's order is arbitrary, diffs stay small."""
    for group in snap.get("security_groups") or []:
        rules = group.get("security_group_rules") if isinstance(group, dict) else None
        if isinstance(rules, list) and all(isinstance(r, dict) for r in rules):
            group["security_group_rules"] = sorted(rules, key=lambda r: str(r.get("id")))
