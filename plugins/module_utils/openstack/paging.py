# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Counted GET calls and complete list calls over an ``api`` (see ``api``), in each service's paging style.

Cost does not grow with the number of servers: every resource type is one paginated list call
per tenant, and lookups by id are batched in chunks of ``ID_CHUNK``. A list whose next links
never end, or loop, stops the export instead of running on.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError, ExportError, NotRead

# Wanted microversions: compute 2.79 embeds the flavor (2.47), returns user_data (2.3), tags
# (2.26), description (2.19); block storage 3.65 adds consumes_quota/shared_targets fields.
WANTED_MICROVERSIONS = {"compute": (2, 79), "volume": (3, 65)}
ID_CHUNK = 40
# Pages of one list call before the export gives up: a service whose next links never end must
# not keep the export running (one was seen making 1,233 requests a minute). With the services'
# default page sizes (Nova and Neutron: 1000) this is far above any real tenant.
MAX_PAGES = 1000


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
    return [values[i : i + size] for i in range(0, len(values), size)]


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


def dedupe(items: list[dict]) -> list[dict]:
    """``items`` without repeated ids: an object found by two lookups (listing and by id) is kept once."""
    seen, kept = set(), []
    for item in items:
        ident = item.get("id")
        if ident is not None and ident in seen:
            continue
        seen.add(ident)
        kept.append(item)
    return kept


class PagedClient:
    """GET calls of one export run: counted in ``requests``, at the microversion chosen per service."""

    def __init__(self, api, not_read: NotRead, page_size: int | None = None, max_pages: int = MAX_PAGES) -> None:
        self.api = api
        self.not_read = not_read
        self.page_size = page_size
        self.max_pages = max_pages
        self.requests = 0
        self.microversions: dict[str, str | None] = {}

    def use_microversion(self, service: str) -> str | None:
        """Choose the microversion for every later call to ``service``; returns it."""
        self.microversions[service] = choose_microversion(service, self.api.max_microversion(service))
        return self.microversions[service]

    def get(self, service: str, path: str, params: dict | None = None) -> dict:
        self.requests += 1
        return self.api.get(service, path, params=params, microversion=self.microversions.get(service))

    def list(self, service: str, path: str, key: str, params: dict | None = None) -> list[dict]:
        """Every page of one list call, or ExportError when the pages do not end."""
        params = dict(params or {})
        if self.page_size and service != "identity":
            # keystone does not paginate: a limit there only truncates the list
            params["limit"] = self.page_size
        items: list[dict] = []
        seen_markers: set[str] = set()
        url, query = path, params
        for pages in range(1, self.max_pages + 1):
            body = self.get(service, url, query)
            page = body.get(key)
            if not isinstance(page, list):
                raise ApiError(200, "GET", url, f"response has no list {key!r}")
            items.extend(page)
            if service == "identity" and body.get("truncated"):
                self.not_read.add(key, f"GET {path}: keystone truncated the list at its list_limit; raise [DEFAULT] list_limit or export with a narrower scope")
            nxt = next_link(service, body, key)
            if not nxt or not page:
                return items
            marker = page_marker(nxt)
            if marker in seen_markers:
                raise ExportError(
                    f"{service} list {key} (GET {path}): page {pages} links to marker {marker!r} again, so the service's pagination loops; nothing was written"
                )
            seen_markers.add(marker)
            url, query = nxt, None
        raise ExportError(
            f"{service} list {key} (GET {path}): still a next page after {self.max_pages} pages "
            f"({len(items)} objects); the service's pagination does not end (raise max_pages if the "
            "list is really that long); nothing was written"
        )
