# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from email.utils import parsedate_to_datetime

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.http_retry import RetryPolicy, next_wait, retry_after_seconds

NOW = 1_800_000_000.0


@pytest.mark.parametrize("value, expected", [("7", 7.0), (" 0 ", 0.0), (None, None), ("", None), ("soon", None)])
def test_retry_after_seconds(value, expected):
    assert retry_after_seconds(value, NOW) == expected


def test_retry_after_as_an_http_date():
    date = "Fri, 15 Jan 2027 08:00:05 GMT"
    assert retry_after_seconds(date, parsedate_to_datetime(date).timestamp() - 5) == 5.0
    assert retry_after_seconds(date, parsedate_to_datetime(date).timestamp() + 60) == 0.0  # already past


@pytest.mark.parametrize(
    "attempt, status, retry_after, expected",
    [
        (1, 503, None, 0.5),
        (2, 502, None, 1.0),
        (3, None, None, 2.0),
        (1, 500, "3", 3.0),
        (1, 504, "0", 0.0),
        (4, 503, None, None),  # 3 retries used
        (1, 404, None, None),
        (1, 403, None, None),
        (1, 401, None, None),  # not transient
        (1, 503, "120", None),  # longer than max_wait: fail now instead of hanging
    ],
)
def test_next_wait(attempt, status, retry_after, expected):
    wait, why = next_wait(RetryPolicy(), attempt, status, retry_after, NOW)
    assert wait == expected, why
