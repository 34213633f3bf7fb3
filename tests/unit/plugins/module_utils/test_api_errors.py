# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.api_errors import (
    MAX_TEXT,
    api_error_summary,
    secret_failures_summary,
    status_object,
    task_failure_summary,
)

STATUS = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
          "message": 'secrets "db-01-cloud-init" is forbidden: user \u2019ci\u2019 cannot patch',
          "reason": "Forbidden", "details": {"name": "db-01-cloud-init", "kind": "secrets"}, "code": 403}
BODY = (json.dumps(STATUS, ensure_ascii=False) + "\n").encode()


@pytest.mark.parametrize("text", [
    # kubernetes.core formats the raw body: bytes under the dynamic client, str elsewhere
    f"Failed to apply object: {BODY}",
    f"Failed to apply object: {BODY.decode()}",
    f"Failed to patch object: {json.dumps(STATUS)}",
])
def test_status_is_found_however_the_body_was_formatted(text):
    assert status_object(text)["code"] == 403
    assert api_error_summary(text) == ('HTTP 403 Forbidden: secrets "db-01-cloud-init" is forbidden: '
                                       'user \u2019ci\u2019 cannot patch')


def test_without_text_only_code_and_reason():
    assert api_error_summary(f"Failed to apply object: {BODY}", with_text=False) == "HTTP 403 Forbidden"
    assert api_error_summary("Connection reset by peer", with_text=False) == "request failed without an HTTP answer"


def test_damaged_json_falls_back_to_fields():
    text = 'Failed: {"code": 500, "reason": "InternalError", "message": "etcd \\"leader\\" lost", trunc'
    assert api_error_summary(text) == 'HTTP 500 InternalError: etcd \\"leader\\" lost'


def test_plain_text_is_kept_and_truncated():
    assert api_error_summary("  Max retries exceeded  ") == "Max retries exceeded"
    long = api_error_summary("x" * 5000)
    assert len(long) == MAX_TEXT and long.endswith("...")
    assert api_error_summary(None) == ""


def test_json_without_code_is_not_a_status():
    assert status_object('{"kind": "Status"} and {"code": "x"}') is None


def test_task_failure_names_task_and_failed_object():
    result = {"failed": True, "msg": "One or more items failed", "results": [
        {"failed": False, "item": {"kind": "DataVolume", "metadata": {"name": "ok"}}},
        {"failed": True, "msg": f"Failed to apply object: {BODY}", "ansible_loop_var": "item",
         "item": {"kind": "DataVolume", "metadata": {"name": "db-01-data"}}},
    ]}
    assert task_failure_summary(result, "Apply the DataVolumes of db-01").startswith(
        "Apply the DataVolumes of db-01 DataVolume/db-01-data: HTTP 403 Forbidden: ")


def test_task_failure_without_loop_or_name():
    assert task_failure_summary({"failed": True, "msg": "timed out"}) == "timed out"
    assert task_failure_summary("boom", "Task") == "Task: boom"
    assert task_failure_summary({}, "Task") == "Task: failed"


def test_secret_failures_never_echo_the_answer_text():
    results = [
        {"result": {"kind": "Secret"}, "ansible_loop_var": "__vm_secret_name", "__vm_secret_name": "web-01-cloud-init"},
        {"failed": True, "msg": f"Failed to apply object: {BODY}", "ansible_loop_var": "__vm_secret_name",
         "__vm_secret_name": "db-01-cloud-init"},
        {"failed": True, "msg": "Connection refused", "ansible_loop_var": "__vm_secret_name",
         "__vm_secret_name": "db-01-ssh-keys"},
    ]
    summary = secret_failures_summary(results)
    assert summary == ("Secret db-01-cloud-init: HTTP 403 Forbidden; "
                       "Secret db-01-ssh-keys: request failed without an HTTP answer")
    assert "forbidden" not in summary and "refused" not in summary
    assert secret_failures_summary(results[:1]) == ""
    assert secret_failures_summary(None) == ""
