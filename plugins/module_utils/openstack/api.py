# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The lowest layer of the OpenStack side: what a cloud API object must offer, and the types every layer shares.

The readers talk to the cloud only through an ``api`` object with three members
(``openstack_connection.SdkApi`` is the real one, the unit tests use a fake):

* ``get(service, path, params=None, microversion=None) -> dict`` returns the decoded JSON body
  or raises ``ApiError``; ``path`` may also be an absolute URL (a pagination link);
* ``max_microversion(service) -> str | None``;
* ``token`` -> ``TokenInfo`` (who we are and where the token is scoped).

Nothing here imports another module of the collection, so the connection, the paging client,
the readers and the modules can all depend on it without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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


class NotRead:
    """What an export could not read; ``entries`` becomes the snapshot's ``source.unreadable``."""

    def __init__(self) -> None:
        self.entries: list[dict] = []

    def add(self, resource: str, reason: str) -> None:
        entry = {"resource": resource, "reason": reason}
        if entry not in self.entries:
            self.entries.append(entry)
