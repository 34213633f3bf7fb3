# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The calls the disk export makes (GET, POST, PATCH, DELETE) on an openstacksdk connection, as raw JSON.

``disk_export`` talks to the cloud only through an object with these members (``SdkCloud`` is the
real one; the unit tests use a fake that keeps Nova, Cinder and Glance state in dicts):

* ``request(method, service, path, body=None, params=None, microversion=None, content_type=None)``
  returns the decoded JSON body (``{}`` when there is none) or raises ``ApiError``;
* ``max_microversion(service) -> tuple[int, int] | None``;
* ``catalog_url(service, interface) -> str``: the endpoint exactly as the service catalog lists it;
* ``issue_token() -> (token, expires_at)`` (only for ``state: token``).

Only GETs are repeated after a transient fault (``http_retry``): a repeated POST could start a
second upload, which is what the export's resume logic exists to prevent.
"""

from __future__ import annotations

import time

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.connection import SERVICE_PROXIES, _error_text, _strip_query
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.http_retry import RetryPolicy, next_wait
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.paging import parse_microversion

CATALOG_SERVICE_TYPES = {"compute": "compute", "image": "image", "volume": "block-storage", "identity": "identity"}


class SdkCloud:
    """``request``/``max_microversion``/``catalog_url`` on the SDK's per-service adapters."""

    def __init__(self, conn, retry_policy: RetryPolicy | None = None, sleep=time.sleep) -> None:
        self.conn = conn
        self.retry_policy = retry_policy or RetryPolicy()
        self.sleep = sleep
        self.retries: list[str] = []
        self.requests = 0

    def _proxy(self, service: str):
        return getattr(self.conn, SERVICE_PROXIES[service])

    def max_microversion(self, service: str) -> tuple[int, int] | None:
        try:
            data = self._proxy(service).get_endpoint_data()
        except Exception as exc:  # pylint: disable=broad-except  # keystoneauth and SDK discovery errors
            raise ApiError(None, "GET", service, f"version discovery failed: {type(exc).__name__}: {exc}") from exc
        top = getattr(data, "max_microversion", None) if data is not None else None
        return (int(top[0]), int(top[1])) if top else None

    def catalog_url(self, service: str, interface: str) -> str:
        """The catalog URL itself (no version discovery), so the URL CDI gets is the operator's."""
        service_type = CATALOG_SERVICE_TYPES[service]
        region = None
        try:
            region = self.conn.config.get_region_name(service_type)
        except Exception:  # pylint: disable=broad-except  # optional
            region = None
        try:
            url = self.conn.session.get_endpoint(service_type=service_type, interface=interface, region_name=region)
        except Exception as exc:  # pylint: disable=broad-except  # keystoneauth raises per cause
            raise ApiError(None, "GET", f"catalog {service_type}/{interface}", f"{type(exc).__name__}: {exc}") from exc
        if not url:
            raise ApiError(None, "GET", f"catalog {service_type}/{interface}", f"no {interface} {service_type} endpoint in the service catalog")
        return str(url)

    def request(self, method: str, service: str, path: str, body=None, params=None, microversion=None, content_type=None) -> dict:
        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            response, failure = self._once(method, service, path, body, params, microversion, content_type)
            if failure is None and response.status_code < 400:
                break
            status = None if failure is not None else response.status_code
            url = failure.url if failure is not None else _strip_query(getattr(response, "url", "") or path)
            detail = failure.detail if failure is not None else _error_text(response)
            if method != "GET":
                raise ApiError(status, method, url, detail)
            retry_after = None if failure is not None else response.headers.get("Retry-After")
            wait, why = next_wait(self.retry_policy, attempt, status, retry_after, time.time())
            if wait is None:
                raise ApiError(status, method, url, f"{detail}; {why}" if attempt > 1 else detail)
            self.retries.append(f"{method} {url}: {'HTTP ' + str(status) if status else detail}; attempt {attempt + 1} after {why}")
            self.sleep(wait)
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            return {}

    def issue_token(self) -> tuple[str, str | None]:
        """A token Keystone issues now for the connection's credential, and its expiry (ISO 8601).

        The auth plugin's cached token is dropped first, so the token is a new one with its full lifetime
        (CDI may need it for hours), not whatever the plugin held. Errors never carry the token.
        """
        auth = self.conn.session.auth
        try:
            auth.invalidate()
            access = auth.get_access(self.conn.session)
        except Exception as exc:  # pylint: disable=broad-except  # keystoneauth raises per cause
            raise ApiError(
                getattr(exc, "http_status", None), "POST", "identity /auth/tokens", f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            ) from exc
        token = getattr(access, "auth_token", None)
        if not token:
            raise ApiError(None, "POST", "identity /auth/tokens", "Keystone answered without a token")
        expires = getattr(access, "expires", None)
        return str(token), (expires.isoformat() if hasattr(expires, "isoformat") else None)

    def _once(self, method, service, path, body, params, microversion, content_type):
        kwargs = {"params": params, "raise_exc": False}
        if body is not None:
            kwargs["json"] = body
        if microversion:
            kwargs["microversion"] = microversion
        if content_type:
            kwargs["headers"] = {"Content-Type": content_type}
        try:
            return self._proxy(service).request(path, method, **kwargs), None
        except Exception as exc:  # pylint: disable=broad-except  # transport errors of requests/keystoneauth
            return None, ApiError(None, method, path, f"{type(exc).__name__}: {exc}")


def microversion_at_least(have: tuple[int, int] | str | None, wanted: tuple[int, int]) -> bool:
    if isinstance(have, str):
        have = parse_microversion(have)
    return bool(have) and tuple(have) >= wanted
