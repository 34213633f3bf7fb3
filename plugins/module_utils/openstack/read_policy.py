# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which failed reads may stay "not read" and which must stop the export: the rules every reader follows.

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

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError, ExportError, NotRead, TokenInfo
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.paging import PagedClient

ADMIN_ROLE = "admin"
# What each kind of read needs, as the error hint says it (next to the credential's own roles).
PROJECT_MEMBER = "a member or reader role on the project"
ALL_TENANTS = "the admin role (listing another project's resources with all_tenants)"
DOMAIN_READER = "the admin role, or the reader role on the system or on the domain"
QUOTA_READER = "a reader role on the project, or admin"


class Reads:
    """Required and optional reads through one client, for one credential (``token``)."""

    def __init__(self, client: PagedClient, token: TokenInfo, not_read: NotRead) -> None:
        self.client = client
        self.token = token
        self.not_read = not_read
        self.is_admin = ADMIN_ROLE in (token.roles or [])

    def scoped_here(self, project_id: str) -> bool:
        return self.token.project_id == project_id

    def explain(self, exc: ApiError, needs: str) -> str:
        """Why the call failed, in terms of this credential's actual roles and scope."""
        if exc.status == 401:
            return (
                "the credential was rejected even after re-authenticating: the token was revoked or expired, "
                "the password changed, or the application credential was deleted"
            )
        if exc.status == 404:
            return (
                "the service answered 'not found' for a list it must have: check the endpoint in the service "
                "catalog (interface, region) and the service's API version"
            )
        tok = self.token
        roles = ", ".join(sorted(tok.roles)) or "none"
        scope = f"project {tok.project_name!r}" if tok.project_id else "no project"
        if self.is_admin:
            return (
                f"the credential has the admin role (roles: {roles}, scoped to {scope}), yet the service's "
                "policy refuses this call: check that service's policy file"
            )
        return f"this call needs {needs}; the credential has the roles {roles}, scoped to {scope}"

    def _tolerated(self, exc: ApiError, collection: bool) -> bool:
        if exc.status == 403:
            return not self.is_admin
        return exc.status == 404 and not collection

    def _fail(self, resource: str, exc: ApiError, needs: str) -> ExportError:
        return ExportError(
            f"{resource} could not be read: {exc} ({self.explain(exc, needs)}); nothing was written: "
            f"a snapshot without {resource} would translate as if the project had none"
        )

    def optional(self, resource: str, exc: ApiError, needs: str, collection: bool) -> None:
        """Record an optional read as not read, or raise when this failure must stop the export."""
        if exc.status in (401, 403, 404) and self._tolerated(exc, collection):
            self.not_read.add(resource, f"{exc} ({self.explain(exc, needs)})")
            return
        if exc.status in (401, 403, 404):
            raise self._fail(resource, exc, needs) from exc
        raise exc

    def try_list(self, resource: str, needs: str, service: str, path: str, key: str, params: dict | None = None) -> list[dict] | None:
        """An optional list: None when it may stay not read."""
        try:
            return self.client.list(service, path, key, params)
        except ApiError as exc:
            self.optional(resource, exc, needs, collection=True)
            return None

    def try_get(self, resource: str, needs: str, service: str, path: str, key: str | None) -> dict | None:
        """An optional single object: None when it may stay not read."""
        try:
            body = self.client.get(service, path)
        except ApiError as exc:
            self.optional(resource, exc, needs, collection=False)
            return None
        return body[key] if key else body

    def must_list(self, resource: str, needs: str, service: str, path: str, key: str, params: dict | None = None) -> list[dict]:
        """A list the snapshot cannot do without: any refusal fails the export, naming the call."""
        try:
            return self.client.list(service, path, key, params)
        except ApiError as exc:
            if exc.status in (401, 403, 404):
                raise self._fail(resource, exc, needs) from exc
            raise

    def quota(self, snap: dict, name: str, service: str, path: str, key: str) -> None:
        """One service's quota set into ``snap["quotas"][name]``, when this credential may read it."""
        quota = self.try_get(f"quotas.{name}", QUOTA_READER, service, path, key)
        if quota is not None:
            snap.setdefault("quotas", {})[name] = quota
