# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a job template of playbooks/vars/awx.yml the way AWX does: ansible-runner over a private data dir.

AWX writes, per job, ``env/extravars`` (the template's extra vars, its survey answers and what earlier workflow
nodes handed on with set_stats), ``env/envvars`` (credential injectors' environment), the credential files the
injectors render, ``inventory/`` and ``project/``, then calls ansible-runner. This does the same, without AWX:
a template's credential types are rendered from their injector templates with the inputs given, so a secret
reaches the job exactly as AWX would hand it over, as a file or an environment variable.

Used by tests/e2e/test_awx_runner.py (offline) and tests/openstack_testbed/tests/test_awx_runner.py (live).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
AWX = yaml.safe_load((REPO / "playbooks" / "vars" / "awx.yml").read_text(encoding="utf-8"))


def template(key: str) -> dict:
    return next(t for t in AWX["awx_job_templates"] if t["key"] == key)


def survey_defaults(key: str) -> dict:
    questions = [AWX["awx_survey_questions"][name] for name in template(key)["survey"]]
    return {q["variable"]: q["default"] for q in questions if "default" in q}


def _render(text: str, inputs: dict, files: dict) -> str:
    # The injector templates are plain "{{ name }}" references (tests/unit/test_awx_definitions.py holds them to it).
    def value(match):
        name = match[1]
        return str(files[name.split(".", 2)[2]]) if name.startswith("tower.filename.") else str(inputs[name])

    return re.sub(r"{{\s*([\w.]+)\s*}}", value, text)


def inject(kind: str, inputs: dict, env_dir: Path) -> dict:
    """Write the credential's files as AWX would (0600, private data dir) and return its environment."""
    injectors = AWX["awx_credential_types"][kind]["injectors"]
    files = {}
    for name, body in injectors.get("file", {}).items():
        path = env_dir / f"credential_{kind}_{name.split('.', 1)[1]}"
        files[name.split(".", 1)[1]] = path
        path.write_text(_render(body, inputs, {}), encoding="utf-8")
        path.chmod(0o600)
    return {name: _render(body, inputs, files) for name, body in injectors.get("env", {}).items()}


@dataclass
class Job:
    key: str
    directory: Path
    rc: int
    status: str
    events: list[dict]
    stdout: str
    stats: dict = field(default_factory=dict)

    def artifact_texts(self) -> list[str]:
        """The job's events as ansible-runner wrote them (what AWX stores and shows), its stdout and stderr.

        Left out: ``command``, where ansible-runner records the job's environment, injected credentials
        included, like ``env/envvars``: both stay in the private data dir, which AWX deletes after the job.
        """
        root = self.directory / "artifacts" / "job"
        files = [*(root / "job_events").glob("*.json"), root / "stdout", root / "stderr"]
        return [p.read_text(encoding="utf-8", errors="replace") for p in files if p.is_file()]

    def verbose_lines(self) -> list[str]:
        return [e.get("stdout", "") for e in self.events if e.get("event") == "verbose"]


RUNNER = """
import sys
import ansible_runner
result = ansible_runner.run(private_data_dir=sys.argv[1], playbook=sys.argv[2], ident="job", quiet=True)
print(result.status, result.rc)
"""


def run(
    key: str,
    work: Path,
    *,
    survey: dict | None = None,
    handed: dict | None = None,
    credentials: dict | None = None,
    extra: dict | None = None,
    collections_path: str = "",
    python: Path | None = None,
) -> Job:
    """Run job template KEY in WORK/KEY: survey answers over the defaults, set_stats of earlier nodes, credentials.

    credentials maps a credential type key of awx.yml to its inputs; extra stands for extra vars a user adds
    at launch (AWX's prompt on launch), e.g. short poll intervals for tests. python is the execution
    environment's: it has ansible-runner, ansible and the collection's requirements (default: this one); the
    runner's Python API runs in it, in a process of its own as in AWX.
    """
    python = Path(python or sys.executable)
    spec = template(key)
    directory = work / key
    (directory / "env").mkdir(parents=True)
    (directory / "inventory").mkdir()
    (directory / "project").symlink_to(REPO)
    extravars = {**spec["extra_vars"], **survey_defaults(key), **(survey or {}), **(handed or {}), **(extra or {})}
    (directory / "env" / "extravars").write_text(json.dumps(extravars), encoding="utf-8")
    envvars = {"ANSIBLE_COLLECTIONS_PATH": collections_path, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0"}
    for kind, inputs in (credentials or {}).items():
        envvars.update(inject(kind, inputs, directory / "env"))
    (directory / "env" / "envvars").write_text(json.dumps(envvars), encoding="utf-8")
    (directory / "env" / "envvars").chmod(0o600)
    # AWX's inventory for these templates: localhost, run by the execution environment's own Python.
    (directory / "inventory" / "hosts").write_text(f"localhost ansible_connection=local ansible_python_interpreter={python}\n", encoding="utf-8")
    env = dict(os.environ, PATH=f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    subprocess.run([str(python), "-c", RUNNER, str(directory), spec["playbook"]], env=env, check=True, timeout=1800, capture_output=True)
    artifacts = directory / "artifacts" / "job"
    events = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((artifacts / "job_events").glob("*.json"), key=lambda p: int(p.name.split("-", 1)[0]))]
    stats = next((e["event_data"].get("artifact_data") or {} for e in events if e.get("event") == "playbook_on_stats"), {})
    rc = int((artifacts / "rc").read_text(encoding="utf-8").strip())
    status = (artifacts / "status").read_text(encoding="utf-8").strip()
    stdout = (artifacts / "stdout").read_text(encoding="utf-8", errors="replace")
    return Job(key, directory, rc, status, events, stdout, stats)


def leaks(job: Job, secrets: list[str]) -> list[str]:
    """The secrets found in any of the job's events or its stdout."""
    texts = [job.stdout, json.dumps(job.events), *job.artifact_texts()]
    return [s for s in secrets if any(s in text for text in texts)]
