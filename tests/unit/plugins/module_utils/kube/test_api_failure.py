# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.api_failure import MAX_MESSAGE, ApiFailure

kubernetes = pytest.importorskip("kubernetes")
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import api_exception


def _api_exception(status, reason, body):
    exc = ApiException(status=status, reason=reason)
    exc.body = body
    return exc


def test_status_reason_and_message_come_from_the_status_body():
    body = json.dumps({"kind": "Status", "code": 422, "reason": "Invalid", "message": 'VirtualMachine "a" is invalid'})
    failure = ApiFailure.from_exception(_api_exception(422, "Unprocessable Entity", body.encode()))
    assert failure == ApiFailure(422, "Invalid", 'VirtualMachine "a" is invalid')
    assert failure.summary() == 'HTTP 422 Invalid: VirtualMachine "a" is invalid'
    assert failure.summary(with_message=False) == "HTTP 422 Invalid"


def test_the_dynamic_clients_subclass_is_read_the_same_way():
    body = json.dumps({"kind": "Status", "code": 403, "reason": "Forbidden", "message": "no"})
    failure = ApiFailure.from_exception(api_exception(_api_exception(403, "Forbidden", body)))
    assert (failure.status, failure.reason, failure.message) == (403, "Forbidden", "no")


def test_a_body_that_is_not_a_status_keeps_the_http_reason_and_no_text():
    failure = ApiFailure.from_exception(_api_exception(502, "Bad Gateway", b"<html>proxy error</html>"))
    assert failure.summary() == "HTTP 502 Bad Gateway"


def test_no_answer_names_the_cause():
    failure = ApiFailure.from_exception(ConnectionRefusedError("[Errno 111] Connection refused"))
    assert failure.status is None
    assert failure.summary() == "no answer from the API server (ConnectionRefusedError): [Errno 111] Connection refused"
    assert "Errno" not in failure.summary(with_message=False)


def test_long_messages_are_cut():
    body = json.dumps({"code": 500, "reason": "InternalError", "message": "x" * 5000})
    assert len(ApiFailure.from_exception(_api_exception(500, "", body)).message) == MAX_MESSAGE
