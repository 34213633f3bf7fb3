# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import types
from email.utils import parsedate_to_datetime

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.http_retry import (
    RetryPolicy, next_wait, retry_after_seconds)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack_connection import SdkApi
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack_export import ApiError

NOW = 1_800_000_000.0


@pytest.mark.parametrize("value, expected", [("7", 7.0), (" 0 ", 0.0), (None, None), ("", None), ("soon", None)])
def test_retry_after_seconds(value, expected):
    assert retry_after_seconds(value, NOW) == expected


def test_retry_after_as_an_http_date():
    date = "Fri, 15 Jan 2027 08:00:05 GMT"
    assert retry_after_seconds(date, parsedate_to_datetime(date).timestamp() - 5) == 5.0
    assert retry_after_seconds(date, parsedate_to_datetime(date).timestamp() + 60) == 0.0   # already past


@pytest.mark.parametrize("attempt, status, retry_after, expected", [
    (1, 503, None, 0.5), (2, 502, None, 1.0), (3, None, None, 2.0), (1, 500, "3", 3.0), (1, 504, "0", 0.0),
    (4, 503, None, None),           # 3 retries used
    (1, 404, None, None), (1, 403, None, None), (1, 401, None, None),   # not transient
    (1, 503, "120", None),          # longer than max_wait: fail now instead of hanging
])
def test_next_wait(attempt, status, retry_after, expected):
    wait, why = next_wait(RetryPolicy(), attempt, status, retry_after, NOW)
    assert wait == expected, why


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
    access = types.SimpleNamespace(user_id="u", project_id="p", project_name="n", project_domain_id="d",
                                   project_domain_name="D", role_names=["admin"], application_credential_id=None,
                                   _data={})
    proxy = types.SimpleNamespace(get=get, get_endpoint_data=lambda: types.SimpleNamespace(url="http://nova.test/v2.1"))
    conn = types.SimpleNamespace(
        config=types.SimpleNamespace(name="c", get_auth_args=lambda: {"auth_url": "http://k/v3"}),
        session=types.SimpleNamespace(auth=types.SimpleNamespace(get_access=lambda s: access)), compute=proxy)
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
    api, calls, waits = sdk_api([ConnectionResetError("reset by peer"), ConnectionError("dropped"),
                                 Response(200, {"servers": []})])
    assert api.get("compute", "/servers/detail") == {"servers": []}
    assert waits == [0.5, 1.0] and len(api.retries) == 2 and "reset by peer" in api.retries[0]


def test_retries_are_bounded_and_the_error_says_so():
    api, calls, waits = sdk_api([Response(502)] * 4)
    with pytest.raises(ApiError, match="HTTP 502.*gave up after 4 attempts"):
        api.get("compute", "/servers/detail")
    assert len(calls) == 4 and waits == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409])
def test_other_errors_are_not_retried(status):
    api, calls, waits = sdk_api([Response(status), Response(200)])
    with pytest.raises(ApiError, match=f"HTTP {status}"):
        api.get("compute", "/servers/detail")
    assert len(calls) == 1 and waits == [] and api.retries == []
