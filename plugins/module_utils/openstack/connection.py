# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Connect to OpenStack with openstacksdk the way openstack.cloud modules do, and make raw API calls.

openstacksdk is imported lazily (``import_sdk``) so that the rest of the collection, and this
module's import, work without it; modules report ``missing_required_lib('openstacksdk')``.

Raw calls go through the SDK's per-service adapters (catalog lookup, version discovery,
microversion header, token refresh, CA bundle) but return the JSON bodies untouched: the SDK's
resource classes rename keys (``is_public``, ``is_router_external``), which a snapshot must not.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError, TokenInfo
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.http_retry import RetryPolicy, next_wait

# the option names and meaning of openstack.cloud's doc fragment, so module_defaults carry over
AUTH_ARG_SPEC = {
    # A clouds.yaml entry's name is not secret: no_log would make Ansible mask it (say "prod") in every path and
    # message. A cloud config dict holds the credential, so it has its own no_log option; see hide_cloud_dict().
    "cloud": {"type": "raw"},
    "cloud_config": {"type": "dict", "no_log": True},
    "auth": {"type": "dict", "no_log": True},
    "auth_type": {"type": "str"},
    "region_name": {"type": "str"},
    "validate_certs": {"type": "bool", "aliases": ["verify"]},
    "ca_cert": {"type": "str", "aliases": ["cacert"]},
    "client_cert": {"type": "str", "aliases": ["cert"]},
    "client_key": {"type": "str", "no_log": True, "aliases": ["key"]},
    "api_timeout": {"type": "int", "default": 60},
    "interface": {"type": "str", "default": "public", "choices": ["public", "internal", "admin"], "aliases": ["endpoint_type"]},
}
SERVICE_PROXIES = {"identity": "identity", "compute": "compute", "image": "image", "volume": "block_storage", "network": "network"}
# keystoneauth/openstacksdk errors that mean "no such endpoint": a configuration fault, never retried
NO_ENDPOINT_ERRORS = ("EndpointNotFound", "ServiceDiscoveryException", "EmptyCatalog", "DiscoveryFailure")
# service type in the catalog, as an operator looks it up
CATALOG_TYPES = {"identity": "identity", "compute": "compute", "image": "image", "volume": "block-storage", "network": "network"}


class ConnectError(Exception):
    """The cloud could not be reached or rejected the credential; the message names the endpoint."""


def import_sdk():
    """The ``openstack`` package, or None when openstacksdk is not installed."""
    try:
        import openstack  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    return openstack


def connect_kwargs(params: dict) -> dict:
    """openstack.connect() keyword arguments from module parameters (openstack.cloud semantics)."""
    cloud = params.get("cloud_config") or params.get("cloud")
    if params.get("cloud_config") and params.get("cloud"):
        raise ConnectError("cloud and cloud_config are mutually exclusive: name a clouds.yaml entry, or give the dict")
    if isinstance(cloud, dict):
        for name in ("auth", "auth_type", "region_name", "validate_certs", "ca_cert", "client_cert", "client_key"):
            if params.get(name) is not None:
                raise ConnectError(f"cloud is a cloud config dict, so {name} must not be set as well")
        return {**cloud, "api_timeout": params.get("api_timeout")}
    kwargs = {
        "cloud": cloud,
        "auth_type": params.get("auth_type"),
        "auth": params.get("auth"),
        "region_name": params.get("region_name"),
        "verify": params.get("validate_certs"),
        "cacert": params.get("ca_cert"),
        "cert": params.get("client_cert"),
        "key": params.get("client_key"),
        "api_timeout": params.get("api_timeout"),
        "interface": params.get("interface"),
    }
    return {k: v for k, v in kwargs.items() if v is not None}


def _auth_url(conn) -> str:
    try:
        return str(conn.config.get_auth_args().get("auth_url") or "")
    except Exception:  # pylint: disable=broad-except
        return ""


def _endpoint_words(auth_url: str) -> str:
    """``host:port (url)``: Ansible masks every value of the no_log ``auth`` option in output, so when
    auth_url comes from there the URL reads ``********``; host:port alone still names the endpoint."""
    parts = urlsplit(auth_url or "")
    if not parts.netloc:
        return auth_url or "(no auth_url configured)"
    return f"{parts.netloc} ({auth_url})"


def describe_failure(exc: Exception, auth_url: str, cloud: str | None) -> str:
    """One line naming the endpoint and what went wrong, never the credential."""
    name = type(exc).__name__
    text = str(exc).splitlines()[0] if str(exc) else name
    where = f" (cloud {cloud!r})" if cloud else ""
    endpoint = _endpoint_words(auth_url)
    if name in ("ConnectFailure", "ConnectTimeout", "SSLError", "DiscoveryFailure", "EndpointNotFound", "UnknownConnectionError") or "connect" in text.lower():
        return f"cannot reach the identity endpoint {endpoint}{where}: {name}: {text}"
    if name == "Unauthorized" or "401" in text:
        return f"the identity endpoint {endpoint}{where} rejected the credential (HTTP 401): {text}"
    return f"cannot authenticate at the identity endpoint {endpoint}{where}: {name}: {text}"


def _token_info(access) -> TokenInfo:
    if getattr(access, "application_credential_id", None):
        method = "application_credential"
    else:
        methods = ((getattr(access, "_data", None) or {}).get("token") or {}).get("methods") or ["password"]
        method = methods[0]
    return TokenInfo(
        user_id=access.user_id,
        project_id=access.project_id,
        project_name=access.project_name,
        project_domain_id=access.project_domain_id,
        project_domain_name=access.project_domain_name,
        roles=list(access.role_names or []),
        auth_method=method,
    )


class SdkApi:
    """The ``api`` the exporter needs, on an authenticated openstacksdk Connection."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.auth_url = _auth_url(conn)
        self.cloud = getattr(conn.config, "name", None)
        try:
            access = conn.session.auth.get_access(conn.session)
        except Exception as exc:  # pylint: disable=broad-except  # keystoneauth raises many types
            raise ConnectError(describe_failure(exc, self.auth_url, self.cloud)) from exc
        self.token = _token_info(access)
        self._max_mv: dict[str, str | None] = {}
        self.retry_policy = RetryPolicy()
        self.retries: list[str] = []
        self.sleep = time.sleep

    def _proxy(self, service: str):
        try:
            return getattr(self.conn, SERVICE_PROXIES[service])
        except Exception as exc:  # pylint: disable=broad-except  # the SDK raises its own types per cause
            raise ConnectError(self._no_endpoint(service, exc)) from exc

    def _no_endpoint(self, service: str, exc: Exception) -> str:
        """Which catalog entry is missing or unreachable, and what to check (the SDK's message names neither)."""
        service_type = CATALOG_TYPES[service]
        config = self.conn.config
        interface = _config_value(config, "get_interface", service_type) or "public"
        region = _config_value(config, "get_region_name", service_type) or "(none)"
        where = f" of cloud {self.cloud!r}" if self.cloud else ""
        return (
            f"no usable {service_type} endpoint in the service catalog{where} for interface {interface!r} in "
            f"region {region!r} ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); check "
            f"'openstack endpoint list --service {service_type} --interface {interface}', and the region_name and "
            f"interface options (or {SERVICE_PROXIES[service]}_endpoint_override in the cloud config)"
        )

    def endpoint(self, service: str) -> str:
        try:
            return str(self._proxy(service).get_endpoint_data().url)
        except Exception:  # pylint: disable=broad-except
            return ""

    def max_microversion(self, service: str) -> str | None:
        if service not in self._max_mv:
            proxy = self._proxy(service)
            try:
                data = proxy.get_endpoint_data()
            except Exception as exc:  # pylint: disable=broad-except  # discovery: keystoneauth and SDK types
                raise ConnectError(self._no_endpoint(service, exc)) from exc
            if data is None:
                raise ConnectError(self._no_endpoint(service, LookupError("no endpoint data found")))
            top = getattr(data, "max_microversion", None)
            self._max_mv[service] = f"{top[0]}.{top[1]}" if top else None
        return self._max_mv[service]

    def get(self, service: str, path: str, params: dict | None = None, microversion: str | None = None) -> dict:
        """The JSON body of one GET; transient faults are retried (``http_retry``) and logged in ``retries``."""
        attempt = 0
        while True:
            attempt += 1
            response, failure = self._get_once(service, path, params, microversion)
            if failure is None and response.status_code < 400:
                break
            status = None if failure is not None else response.status_code
            retry_after = None if failure is not None else response.headers.get("Retry-After")
            wait, why = next_wait(self.retry_policy, attempt, status, retry_after, time.time())
            url = failure.url if failure is not None else _response_url(response, self._url(service, path))
            detail = failure.detail if failure is not None else _error_text(response)
            if wait is None:
                raise ApiError(status, "GET", url, f"{detail}; {why}" if attempt > 1 else detail)
            self.retries.append(
                f"GET {url}: {'HTTP ' + str(status) if status else detail}; attempt {attempt + 1} of {self.retry_policy.retries + 1} after {why}"
            )
            self.sleep(wait)
        url = _response_url(response, self._url(service, path))
        try:
            return response.json()
        except ValueError as exc:
            raise ApiError(response.status_code, "GET", url, "response is not JSON") from exc

    def _get_once(self, service: str, path: str, params: dict | None, microversion: str | None):
        """(response, None), or (None, ApiError) when no HTTP answer came back."""
        kwargs = {"params": params, "raise_exc": False}
        if microversion:
            kwargs["microversion"] = microversion
        proxy = self._proxy(service)
        try:
            return proxy.get(path, **kwargs), None
        except Exception as exc:  # pylint: disable=broad-except  # transport errors of requests/keystoneauth
            if type(exc).__name__ in NO_ENDPOINT_ERRORS:
                raise ConnectError(self._no_endpoint(service, exc)) from exc
            return None, ApiError(None, "GET", self._url(service, path), f"{type(exc).__name__}: {exc}")

    def _url(self, service: str, path: str) -> str:
        return path if "://" in path else self.endpoint(service).rstrip("/") + "/" + path.lstrip("/")


def _config_value(config, getter: str, service_type: str) -> str | None:
    try:
        return getattr(config, getter)(service_type)
    except Exception:  # pylint: disable=broad-except  # optional detail for a message
        return None


def _response_url(response, fallback: str) -> str:
    return _strip_query(response.url) if getattr(response, "url", None) else fallback


def _strip_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _error_text(response) -> str:
    """The service's own error message (each service wraps it differently), first line only."""
    try:
        body = response.json()
    except ValueError:
        return (response.text or "").strip().splitlines()[0][:200] if response.text else ""
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, dict) and value.get("message"):
                return str(value["message"]).splitlines()[0][:200]
        if body.get("message"):
            return str(body["message"]).splitlines()[0][:200]
        if body.get("NeutronError"):
            return str(body["NeutronError"])[:200]
    return ""


def connect(params: dict):
    """An authenticated SdkApi, or ConnectError naming the identity endpoint."""
    sdk = import_sdk()
    if sdk is None:
        raise ImportError("openstacksdk")
    kwargs = connect_kwargs(params)
    cloud = kwargs.get("cloud") if isinstance(kwargs.get("cloud"), str) else None
    try:
        conn = sdk.connect(**kwargs)
    except Exception as exc:  # pylint: disable=broad-except  # config errors: unknown cloud, missing auth
        raise ConnectError(
            f"cannot configure the OpenStack connection{' for cloud ' + repr(cloud) if cloud else ''}: "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from exc
    return SdkApi(conn)
