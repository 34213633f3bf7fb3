# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SdkApi on a fake openstacksdk connection: retries (issue 14, item 2) and missing endpoints (item 9)."""

from __future__ import annotations

import types

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.connection import ConnectError, SdkApi


class Response:
    def __init__(self, status, body=None, headers=None, url="http://nova.test/v2.1/servers/detail?limit=1"):
        self.status_code, self._body, self.headers, self.url, self.text = status, body or {}, headers or {}, url, ""

    def json(self):
        return self._body


def sdk_api(answers):
    """SdkApi on a fake connection whose compute proxy answers from ``answers`` (a Response or an exception)."""
    calls = []

    def get(path, **kwargs):
        calls.append(path)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    access = types.SimpleNamespace(
        user_id="u",
        project_id="p",
        project_name="n",
        project_domain_id="d",
        project_domain_name="D",
        role_names=["admin"],
        application_credential_id=None,
        _data={},
    )
    proxy = types.SimpleNamespace(get=get, get_endpoint_data=lambda: types.SimpleNamespace(url="http://nova.test/v2.1"))
    conn = types.SimpleNamespace(
        config=types.SimpleNamespace(name="c", get_auth_args=lambda: {"auth_url": "http://k/v3"}),
        session=types.SimpleNamespace(auth=types.SimpleNamespace(get_access=lambda s: access)),
        compute=proxy,
    )
    api = SdkApi(conn)
    waits = []
    api.sleep = waits.append
    return api, calls, waits


def test_one_503_is_retried_with_retry_after_and_logged():
    api, calls, waits = sdk_api([Response(503, headers={"Retry-After": "2"}), Response(200, {"servers": []})])
    assert api.get("compute", "/servers/detail") == {"servers": []}
    assert len(calls) == 2 and waits == [2.0]
    assert api.retries == ["GET http://nova.test/v2.1/servers/detail: HTTP 503; attempt 2 of 4 after Retry-After 2 s"]


def test_a_dropped_connection_is_retried_with_backoff():
    api, _calls, waits = sdk_api([ConnectionResetError("reset by peer"), ConnectionError("dropped"), Response(200, {"servers": []})])
    assert api.get("compute", "/servers/detail") == {"servers": []}
    assert waits == [0.5, 1.0] and len(api.retries) == 2 and "reset by peer" in api.retries[0]


def test_retries_are_bounded_and_the_error_says_so():
    api, calls, waits = sdk_api([Response(502)] * 4)
    with pytest.raises(ApiError, match=r"HTTP 502.*gave up after 4 attempts"):
        api.get("compute", "/servers/detail")
    assert len(calls) == 4 and waits == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409])
def test_other_errors_are_not_retried(status):
    api, calls, waits = sdk_api([Response(status), Response(200)])
    with pytest.raises(ApiError, match=f"HTTP {status}"):
        api.get("compute", "/servers/detail")
    assert len(calls) == 1 and waits == [] and api.retries == []


class EndpointNotFound(Exception):
    pass


def test_a_missing_service_endpoint_names_service_interface_and_region():
    api, _calls, _waits = sdk_api([])
    api.conn.config.get_interface = lambda service_type: "internal"
    api.conn.config.get_region_name = lambda service_type: "RegionTwo"
    with pytest.raises(ConnectError) as raised:
        api.max_microversion("volume")  # the fake connection has no block_storage proxy
    message = str(raised.value)
    assert "no usable block-storage endpoint" in message and "'internal'" in message and "'RegionTwo'" in message
    assert "openstack endpoint list --service block-storage --interface internal" in message


def test_an_endpoint_the_adapter_cannot_find_is_not_retried():
    api, calls, waits = sdk_api([EndpointNotFound("Could not find requested endpoint in Service Catalog.")])
    with pytest.raises(ConnectError, match="no usable compute endpoint"):
        api.get("compute", "/servers/detail")
    assert len(calls) == 1 and waits == []
