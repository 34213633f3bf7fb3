# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Read one OpenStack project into a tenant snapshot (format v1), as raw API objects.

The layers, each importing only those below it: ``api`` (the API contract and shared types),
``paging`` (counted, complete list calls), ``read_policy`` (which refusals may stay "not
read"), one ``read_<service>`` module per service, and ``assemble`` (provenance and order).
This module only runs them in order.
"""

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ExportError, NotRead
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.assemble import finish, source_block
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.paging import MAX_PAGES, PagedClient
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.read_compute import read_compute
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.read_identity import read_domain, read_identity, resolve_project
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.read_image import read_images
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.read_network import read_network
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.read_policy import Reads
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.read_volume import read_volumes
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.snapshot import SNAPSHOT_FORMAT


class TenantExporter:
    """One export run. ``run()`` returns the snapshot dict; ``requests`` counts API calls."""

    def __init__(
        self,
        api,
        tenant: str,
        domain: str | None = None,
        page_size: int | None = None,
        taken_at: str = "",
        source: dict | None = None,
        max_pages: int = MAX_PAGES,
    ) -> None:
        if not tenant or not str(tenant).strip():
            raise ExportError("tenant: a project name or id is required")
        self.tenant = str(tenant).strip()
        self.domain_filter = domain
        self.taken_at = taken_at
        self.source_extra = dict(source or {})
        self._not_read = NotRead()
        self.client = PagedClient(api, self._not_read, page_size=page_size, max_pages=max_pages)
        self.reads = Reads(self.client, api.token, self._not_read)

    @property
    def unreadable(self) -> list[dict]:
        """What this run could not read so far: ``[{resource, reason}]``."""
        return self._not_read.entries

    @property
    def requests(self) -> int:
        return self.client.requests

    def run(self) -> dict:
        reads = self.reads
        project = resolve_project(reads, self.tenant, self.domain_filter)
        snap: dict = {"format": SNAPSHOT_FORMAT, "source": {}, "domain": read_domain(reads, project), "project": project}
        read_identity(reads, project, snap)
        read_compute(reads, project, snap)
        read_volumes(reads, project, snap)  # before images: volumes reference images too
        read_images(reads, project, snap)
        read_network(reads, project, snap)
        snap["source"] = source_block(reads.token, project, self.client.microversions, self.unreadable, self.taken_at, self.source_extra)
        return finish(snap)
