# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The round loop of ostokubevirt.migrate.vm_migrate: one short module call per round, lines printed as they come.

Why an action plugin: a module prints nothing until it returns, and an hour-long wait in one module call would
show nothing in ansible-playbook or AWX until the end. Calling the module once per round keeps each call short,
and Display lines from the worker reach the main process (ansible-core proxies them), so every round's progress
is shown as it happens (AWX records them as verbose events). The loop is flat and bounded: the module fails a VM
on its timeouts, and the loop also stops after the rounds those timeouts allow for every VM.

The stops of source servers happen here, between two rounds, with ostokubevirt.migrate.server_power (raw Nova
os-stop, so no openstacksdk version dependence): the module asks for them (and records the request first), the next
round applies the VM only after its stop succeeded.

So do the disk exports (ostokubevirt.migrate.disk_export with wait false: one step per round, never a blocking
upload; for tvo disks ostokubevirt.migrate.tvo_backup with wait false, handed the snapshot the module saved),
the Glance token right before an import (state token, only ever passed on in the module's no_log option
disk_token, for one round) and the deletion of the imported VMs' export temporaries (state absent with their
records, one call per round for all of them).
"""

from __future__ import annotations

import math
import time

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.credential_masking import secret_values
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import tvo_http

display = Display()

MODULE = "ostokubevirt.migrate.vm_migrate"
STOP_MODULE = "ostokubevirt.migrate.server_power"
EXPORT_MODULE = "ostokubevirt.migrate.disk_export"
TVO_MODULE = "ostokubevirt.migrate.tvo_backup"
TVO_PASSED = ("mount_path", "checksum", "incremental", "flatten_dir", "flatten_base_url", "workload_type_id")
# Options of this action only: the cloud credential and what the loop hands from one round to the next.
LOOP_ONLY = ("cloud", "round_state", "stop_results", "export_results", "disk_token", "token_error")
SECRET_DATA = ("data", "stringData")


def _tail(text, lines: int = 3) -> str:
    return " | ".join(line.strip() for line in str(text or "").strip().splitlines()[-lines:] if line.strip())


def stop_failure_message(result: dict, cloud) -> str:
    """A failed module call's message with the cloud credential's secrets masked as Ansible masks no_log values.

    A module that crashed (an import error, a traceback) has no ``msg``, only ``module_stderr`` or ``exception``:
    their last lines say why, where "failed" alone would not.
    """
    text = str(result.get("msg") or "").strip()
    detail = _tail(result.get("module_stderr")) or _tail(result.get("exception")) or _tail(result.get("module_stdout"))
    if not text or text.startswith("MODULE FAILURE"):
        first = text.splitlines()[0] if text else ""
        text = f"{first + ': ' if first else ''}{detail}" if detail else first
    return remove_values(text or f"the module failed without a message or error output (rc {result.get('rc', 'unknown')})", secret_values(cloud))


def split_secrets(secrets: dict) -> dict:
    """Secret data (no_log in the module) apart from the rest of each Secret.

    A no_log option has every string in it masked wherever it appears in the module's output; whole objects
    would mask "v1", "Secret", the namespace and the labels too.
    """
    data = {name: {k: v for k, v in obj.items() if k in SECRET_DATA} for name, obj in secrets.items()}
    objects = {name: {k: v for k, v in obj.items() if k not in SECRET_DATA} for name, obj in secrets.items()}
    return {"secrets": data, "secret_objects": objects}


def _for_server(items, server: str, wanted: set) -> list[dict]:
    # An error with no source_id is the server's own (it could not be read): it fails the VM too.
    return [
        i
        for i in items or []
        if isinstance(i, dict) and str(i.get("server_id")) == server and (i.get("source_id") is None or str(i.get("source_id")) in wanted)
    ]


def tvo_backup_args(tvo: dict, namespace: str) -> dict:
    """tvo_backup's options from vm_migrate's tvo option; the base URL defaults to the Service http_server creates."""
    base_url = tvo.get("http_base_url")
    server = tvo.get("http_server") or {}
    if not base_url and server:
        base_url = tvo_http.base_url(server.get("name") or tvo_http.DEFAULT_NAME, namespace, int(server.get("port") or tvo_http.DEFAULT_PORT))
    return {key: tvo[key] for key in TVO_PASSED if tvo.get(key) is not None} | {"http_base_url": base_url}


def tvo_started(outcomes: list[dict]) -> bool:
    """A TVO snapshot was started this round: its id is saved by the next round, which must not wait."""
    return any(p.get("step") == "snapshot" and p.get("status") == "started" for o in outcomes for p in o.get("pending") or [] if isinstance(p, dict))


def split_exports(requests: list[dict], result: dict, failure: str | None) -> list[dict]:
    """One disk_export answer (records, pending, errors of several servers) -> one outcome per requesting VM."""
    outcomes = []
    for request in requests:
        if failure:
            outcomes.append({"vm": request["vm"], "message": failure})
            continue
        server, wanted = str(request["server_id"]), set(request["source_ids"])
        outcomes.append({key: _for_server(result.get(key), server, wanted) for key in ("records", "pending", "errors")} | {"vm": request["vm"]})
    return outcomes


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def _round(self, args: dict, task_vars: dict) -> dict:
        result = self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)
        if result.get("failed"):
            raise AnsibleActionFail(result.get("msg") or f"{MODULE} failed: {result.get('module_stderr') or ''}")
        return result

    def _stop(self, request: dict, args: dict, task_vars: dict) -> dict:
        stop_args = {**self._cloud_args(args), "server": request["server_id"], "state": "stopped", "wait": True, "timeout": args["stop_timeout"]}
        display.display(f"{request['vm']}: stopping source server {request['server_id']}")
        result = self._execute_module(module_name=STOP_MODULE, module_args=stop_args, task_vars=task_vars)
        ok = not result.get("failed")
        message = "" if ok else stop_failure_message(result, args.get("cloud"))
        return {"vm": request["vm"], "ok": ok, "message": message}

    def _cloud_args(self, args: dict) -> dict:
        # A credential dict goes in the no_log option cloud_config (disk_export, server_power), which Ansible never logs.
        cloud = args.get("cloud")
        if not cloud:
            return {}
        return {"cloud_config": cloud} if isinstance(cloud, dict) else {"cloud": cloud}

    def _failure(self, result: dict, args: dict) -> str:
        return stop_failure_message(result, args.get("cloud"))

    def _per_consistency(self, module: str, requests: list[dict], module_args, args: dict, task_vars: dict) -> tuple[list[dict], list[dict]]:
        """One non-blocking call of module per kind of consistency (cold first, then crash-consistent) for the requests.

        module_args(stopped, group) gives the call's options; returns one outcome per requesting VM, and the answers.
        """
        outcomes: list[dict] = []
        answers: list[dict] = []
        for stopped in (True, False):
            group = [r for r in requests if bool(r.get("source_stopped")) == stopped]
            if not group:
                continue
            result = self._execute_module(module_name=module, module_args=module_args(stopped, group), task_vars=task_vars)
            outcomes += split_exports(group, result, self._failure(result, args) if result.get("failed") else None)
            answers.append(result)
        return outcomes, answers

    def _export(self, requests: list[dict], args: dict, task_vars: dict) -> list[dict]:
        """The round's exports: disk_export for glance disks, tvo_backup for tvo disks, one call per consistency each."""

        def export_args(stopped: bool, group: list[dict]) -> dict:
            return {
                **self._cloud_args(args),
                "servers": [r["server_id"] for r in group],
                "source_ids": sorted({s for r in group for s in r["source_ids"]}),
                "state": "present",
                "wait": False,
                "run_id": args.get("export_run_id") or args["namespace"],
                "source_stopped": stopped,
                "image_interface": args.get("glance_interface") or "public",
            }

        outcomes = self._export_tvo([r for r in requests if r.get("kind") == "tvo"], args, task_vars)
        glance, _answers = self._per_consistency(EXPORT_MODULE, [r for r in requests if r.get("kind") != "tvo"], export_args, args, task_vars)
        # The next round prints each disk's export step, status and progress in its VM's line.
        return outcomes + glance

    def _export_tvo(self, requests: list[dict], args: dict, task_vars: dict) -> list[dict]:
        """The tvo_backup steps of the VMs whose tvo disks are backed up this round."""
        if not requests:
            return []
        if not args.get("tvo"):
            return [{"vm": r["vm"], "message": "its disks use method tvo and the tvo option is not set"} for r in requests]

        def backup_args(stopped: bool, group: list[dict]) -> dict:
            return {
                **self._cloud_args(args),
                **tvo_backup_args(args["tvo"], args["namespace"]),
                "servers": [r["server_id"] for r in group],
                "wait": False,
                "in_flight": {k: v for r in group for k, v in (r.get("tvo_in_flight") or {}).items()},
                "consistency": "cold" if stopped else "crash-consistent",
            }

        outcomes, answers = self._per_consistency(TVO_MODULE, requests, backup_args, args, task_vars)
        for line in (line for answer in answers for line in answer.get("actions") or []):
            display.display(f"TVO: {line}")
        return outcomes

    def _token(self, args: dict, task_vars: dict) -> tuple[str | None, str | None]:
        """(token, error): a freshly issued token, kept out of every result and line."""
        result = self._execute_module(module_name=EXPORT_MODULE, module_args={**self._cloud_args(args), "state": "token"}, task_vars=task_vars)
        if result.get("failed") or not result.get("token"):
            return None, self._failure(result, args) if result.get("failed") else "disk_export returned no token"
        return str(result["token"]), None

    def _cleanup(self, requests: list[dict], args: dict, task_vars: dict) -> list[dict]:
        """One disk_export state=absent call for every VM of the round whose import finished, as the export does."""
        if not requests:
            return []
        names = [r["vm"] for r in requests]
        cleanup_args = {
            **self._cloud_args(args),
            "servers": sorted({str(r["server_id"]) for r in requests}),
            "state": "absent",
            "records": [record for r in requests for record in r["records"]],
        }
        result = self._execute_module(module_name=EXPORT_MODULE, module_args=cleanup_args, task_vars=task_vars)
        if result.get("failed"):
            # The module's message names each temporary it could not delete; which VM's it was is in the record.
            message = self._failure(result, args)
            display.warning(f"{', '.join(names)}: the temporaries of their disk exports were not all deleted: {message}")
            return [{"vm": name, "message": message} for name in names]
        display.display(f"{', '.join(names)}: temporaries of their disk exports deleted")
        return []

    def run(self, tmp=None, task_vars=None):
        super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = dict(self._task.args)
        try:
            for key, default in (("poll_interval", 10), ("datavolume_timeout", 3600), ("ready_timeout", 600), ("stop_timeout", 600), ("export_timeout", 21600)):
                args[key] = int(args.get(key, default))
        except (TypeError, ValueError) as exc:
            raise AnsibleActionFail(f"{MODULE}: {key} must be an integer: {exc}") from None
        all_vms = args.get("vms")
        secrets = args.get("secrets") or {}
        if not isinstance(all_vms, list) or not all(isinstance(vm, dict) and vm.get("name") for vm in all_vms):
            raise AnsibleActionFail(f"{MODULE}: vms must be the vms list returned by ostokubevirt.migrate.tenant_objects")
        if not isinstance(secrets, dict) or not all(isinstance(obj, dict) for obj in secrets.values()):
            raise AnsibleActionFail(f"{MODULE}: secrets must map Secret names to Secret objects")
        cloud = args.get("cloud")
        # The cloud credential never goes to the module; the round state and the stop outcomes are the loop's.
        module_args = {key: value for key, value in args.items() if key not in LOOP_ONLY}
        poll = max(1, args["poll_interval"])
        # Every VM may use its full timeouts one after another in the worst case (one in flight), plus a round to
        # apply it and one to record it.
        timeouts = args["export_timeout"] + args["datavolume_timeout"] + args["ready_timeout"]
        max_rounds = len(all_vms) * (math.ceil(timeouts / poll) + 6) + 3
        state: dict = {}
        stop_results: list[dict] = []
        export_results: list[dict] = []
        token: str | None = None
        token_error: str | None = None
        cleanup_errors: list[dict] = []
        changed = False
        result: dict = {}
        for number in range(1, max_rounds + 1):
            needed = set(result.get("needed", [vm["name"] for vm in all_vms]))
            vms = [vm for vm in all_vms if vm["name"] in needed]
            names = {secret for vm in vms for secret in vm.get("secret_names") or []}
            round_args = {
                **module_args,
                "vms": vms,
                **split_secrets({k: v for k, v in secrets.items() if k in names}),
                "round_state": state,
                "stop_results": stop_results,
                "export_results": export_results,
            }
            if token:
                round_args["disk_token"] = token
            if token_error:
                round_args["token_error"] = token_error
            result = self._round(round_args, task_vars)
            changed = changed or bool(result.get("changed"))
            state = result.get("state") or {}
            prefix = f"[poll {number}] " if number > 1 else ""
            for line in result.get("lines") or []:
                display.display(prefix + line)
            if result.get("finished"):
                break
            loop_args = {**args, "cloud": cloud}
            stop_results = [self._stop(request, loop_args, task_vars) for request in result.get("stop_requests") or []]
            cleanup_errors += self._cleanup(result.get("cleanup_requests") or [], loop_args, task_vars)
            export_results = self._export(result.get("export_requests") or [], loop_args, task_vars)
            # A token lives for one round only: fetched right before the round that applies it.
            token, token_error = self._token(loop_args, task_vars) if result.get("token_needed") else (None, None)
            # A killed run between a snapshot's start and the next round would take a second full backup.
            if not stop_results and not token and not token_error and not tvo_started(export_results):
                time.sleep(poll)
        else:
            raise AnsibleActionFail(f"{MODULE}: still running after {max_rounds} rounds; run it again to resume")
        return {
            "changed": changed,
            "done": result.get("done", []),
            "applied": result.get("applied", []),
            "failed_vms": result.get("failed_vms", []),
            "skipped": result.get("skipped", []),
            "disks": result.get("disks", {}),
            "cleanup_errors": cleanup_errors,
            "lines": result.get("lines", []),
            "rounds": state.get("rounds", 0),
        }
