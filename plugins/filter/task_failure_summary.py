# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: task_failure_summary
short_description: One readable line for a failed Kubernetes task
version_added: 0.1.0
author: ostokubevirt contributors (@ostokubevirt)
description:
  - >-
    Turns a failed task result (C(ansible_failed_result) in a C(rescue), looped or not) into
    C(<task> <Kind/name>: HTTP <code> <reason>: <message>), taking the code, reason and message from the API server's
    Status object embedded in the error text instead of repeating the raw answer.
  - With O(secrets=true) the input is a looped result of Secret applies; only each failed Secret's name, HTTP code
    and reason are returned, never the request or the answer's text, which could echo the Secret's data.
options:
  _input:
    description: The failed task's registered result.
    type: raw
    required: true
  task_name:
    description: Name of the failed task, e.g. C(ansible_failed_task.name).
    type: str
    default: ""
  secrets:
    description: Summarise a loop of Secret applies (names, codes and reasons only).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Collect the failure
  ansible.builtin.set_fact:
    failures: "{{ failures + [ansible_failed_result | ostokubevirt.migrate.task_failure_summary(ansible_failed_task.name)] }}"
"""

RETURN = r"""
_value:
  description: The summary line.
  type: str
"""

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.api_errors import (
    secret_failures_summary,
    task_failure_summary as _task_failure_summary,
)


def task_failure_summary(result, task_name="", secrets=False):
    if secrets:
        return secret_failures_summary((result or {}).get("results") if isinstance(result, dict) else result)
    return _task_failure_summary(result, task_name)


class FilterModule:
    def filters(self):
        return {"task_failure_summary": task_failure_summary}
