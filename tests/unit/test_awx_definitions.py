# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The AWX objects (playbooks/vars/awx.yml) and the execution environment agree with the playbooks they run.

awx.awx's modules need a live AWX, so awx_configure.yml cannot run here: these checks hold the data it sends
against what is real. Every survey question and fixed extra var is a variable its playbook reads, with a type and
choices the role's argument spec accepts; credential injectors only put inputs into files and environment
variables the libraries read; the workflow's nodes exist and hand on what the next one reads; the EE's inline
dependencies are requirements.txt and requirements.yml.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
AWX = yaml.safe_load((REPO / "playbooks" / "vars" / "awx.yml").read_text(encoding="utf-8"))
EE = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text(encoding="utf-8"))
# what issue 12 fixes as assess_cloud.yml's interface (other test suites drive it)
ASSESS_INTERFACE = {"migration_snapshot_dir", "assessment_dir"}
EXPRESSION = re.compile(r"{{\s*(\w+)")


def _play(playbook: str) -> dict:
    return yaml.safe_load((REPO / playbook).read_text(encoding="utf-8"))[0]


def _playbook_vars(playbook: str) -> dict[str, tuple[str, str] | None]:
    """Each -e variable the playbook reads -> (role, role variable) it feeds, or None (read by the play itself)."""
    play = _play(playbook)
    found: dict[str, tuple[str, str] | None] = {}
    roles = [role["role"].rsplit(".", 1)[-1] for role in play.get("roles") or []]
    for role in play.get("roles") or []:
        name = role["role"].rsplit(".", 1)[-1]
        for role_var, expression in (role.get("vars") or {}).items():
            for used in EXPRESSION.findall(str(expression)):
                found.setdefault(used, (name, role_var))
    # Play-level vars files (playbooks/vars/migrate_tenant.yml) feed the play's role by its variable prefix.
    for vars_file in play.get("vars_files") or []:
        mapping = yaml.safe_load(((REPO / playbook).parent / vars_file).read_text(encoding="utf-8"))
        for role_var, expression in mapping.items():
            owner = next((name for name in roles if role_var.startswith(f"{name}_")), None)
            for used in EXPRESSION.findall(str(expression)):
                found.setdefault(used, (owner, role_var) if owner else None)
    for used in EXPRESSION.findall(yaml.safe_dump({k: v for k, v in play.items() if k not in ("roles", "vars_files")})):
        found.setdefault(used, None)
    return found


def _spec(role: str) -> dict:
    specs = yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    return specs["argument_specs"]["main"]["options"]


@pytest.mark.parametrize("template", AWX["awx_job_templates"], ids=lambda t: t["key"])
def test_every_survey_question_and_extra_var_is_a_variable_of_the_playbook(template):
    readable = _playbook_vars(template["playbook"])
    questions = [AWX["awx_survey_questions"][key] for key in template["survey"]]
    for variable in [q["variable"] for q in questions] + list(template["extra_vars"]):
        assert variable in readable, f"template {template['key']}: {variable} is not read by {template['playbook']}"
    for question in questions:
        target = readable[question["variable"]]
        if target is None:
            continue
        role, role_var = target
        option = _spec(role)[role_var]
        where = f"template {template['key']}, question {question['variable']} -> {role}.{role_var}"
        if question["type"] == "integer":
            assert option["type"] == "int", where
            assert question["min"] <= question["default"] <= question["max"], where
        if question["type"] == "multiplechoice":
            assert question["default"] in question["choices"], where
            if option.get("choices"):
                assert set(question["choices"]) <= set(option["choices"]), where
            if option["type"] == "bool":
                # AWX sends strings: ones Ansible's boolean conversion reads.
                assert set(question["choices"]) <= {"true", "false", "yes", "no"}, where


def test_the_survey_names_the_variables_the_issue_asks_for():
    apply = next(t for t in AWX["awx_job_templates"] if t["key"] == "apply")
    assert {"tenant", "mode", "disk_method", "max_parallel", "stop_source"} <= set(apply["survey"])
    assert {t["key"] for t in AWX["awx_job_templates"]} == {"export", "assess", "render", "apply", "rollback"}
    assess = next(t for t in AWX["awx_job_templates"] if t["key"] == "assess")
    assert {AWX["awx_survey_questions"][q]["variable"] for q in assess["survey"]} == ASSESS_INTERFACE


def test_the_disk_method_choices_are_the_translation_options():
    from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import options

    source = Path(options.__file__).read_text(encoding="utf-8")
    for choice in AWX["awx_survey_questions"]["disk_method"]["choices"]:
        assert f'"{choice}"' in source, f"disk method {choice} is not a translation option value"


@pytest.mark.parametrize("key", sorted(AWX["awx_credential_types"]))
def test_injectors_put_every_input_in_a_file_or_the_environment_never_in_extra_vars(key):
    kind = AWX["awx_credential_types"][key]
    fields = {f["id"]: f for f in kind["inputs"]["fields"]}
    injectors = kind["injectors"]
    assert set(injectors) <= {"file", "env"}, f"{key}: secrets go to files and env only, not {set(injectors) - {'file', 'env'}}"
    files = {name.split(".", 1)[1] for name in injectors.get("file", {})}
    used = set()
    for template in list(injectors.get("file", {}).values()) + list(injectors.get("env", {}).values()):
        for reference in re.findall(r"{{\s*([\w.]+)\s*}}", template):
            if reference.startswith("tower.filename."):
                assert reference.split(".", 2)[2] in files, f"{key}: {reference} names no injected file"
            else:
                assert reference in fields, f"{key}: {reference} is not an input"
                used.add(reference)
    assert used == set(fields), f"{key}: inputs never injected: {set(fields) - used}"
    assert set(kind["inputs"]["required"]) <= set(fields)
    assert any(f.get("secret") for f in fields.values()), f"{key}: the credential's secret is not marked secret"


def test_the_kubernetes_environment_is_what_kubernetes_core_reads():
    common = pytest.importorskip("ansible_collections.kubernetes.core.plugins.module_utils.args_common")
    env = AWX["awx_credential_types"]["kubernetes"]["injectors"]["env"]
    for name in env:
        option = name.removeprefix("K8S_AUTH_").lower()
        names = {alias for key, spec in common.AUTH_ARG_SPEC.items() for alias in [key, *spec.get("aliases", [])]}
        assert option in names, f"{name}: kubernetes.core has no option {option}"


def test_the_openstack_environment_points_openstacksdk_at_the_injected_clouds_yaml():
    env = AWX["awx_credential_types"]["openstack"]["injectors"]["env"]
    assert env["OS_CLIENT_CONFIG_FILE"] == "{{ tower.filename.clouds_yaml }}"
    assert env["OS_CLOUD"] == "{{ cloud }}"


def test_the_workflow_runs_export_render_approval_apply_and_hands_on_what_the_next_node_reads():
    nodes = {n["identifier"]: n for n in AWX["awx_workflow"]["nodes"]}
    order, current = [], "export"
    while current:
        order.append(current)
        following = nodes[current]["success_nodes"]
        assert len(following) <= 1
        current = following[0] if following else None
    assert order == ["export", "render", "approve", "apply"]
    assert "approval" in nodes["approve"] and "template" not in nodes["approve"]
    templates = {t["key"]: t for t in AWX["awx_job_templates"]}
    assert all(templates[n["template"]] for n in nodes.values() if "template" in n)
    assert set(AWX["awx_workflow"]["survey"]) <= set(AWX["awx_survey_questions"])
    # set_stats of the export node -> extra vars of render and apply: each key a variable migrate_tenant.yml reads.
    handed = _set_stats("playbooks/export_tenant.yml")
    assert handed == {"migration_snapshot"}
    assert handed <= set(_playbook_vars(templates["render"]["playbook"]))
    assert _set_stats("playbooks/migrate_tenant.yml") == {"migration_plan", "migration_plan_summary"}


def _set_stats(playbook: str) -> set[str]:
    play = _play(playbook)
    tasks = [t for t in play.get("post_tasks") or [] if "ansible.builtin.set_stats" in t]
    assert len(tasks) == 1, f"{playbook}: one set_stats task"
    return set(tasks[0]["ansible.builtin.set_stats"]["data"])


def _requirement_names(lines) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower() for line in lines}


def test_the_execution_environment_has_our_requirements():
    assert EE["version"] == 3
    deps = EE["dependencies"]
    ours = [line.split("#", 1)[0].strip() for line in (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines()]
    assert sorted(deps["python"]) == sorted(line for line in ours if line)
    collections = yaml.safe_load((REPO / "requirements.yml").read_text(encoding="utf-8"))["collections"]
    assert deps["galaxy"]["collections"] == collections
    packages = {entry.split()[0] for entry in deps["system"]}
    assert {"qemu-img", "qemu-utils"} <= packages
    assert "ansible-runner" in deps["ansible_runner"]["package_pip"] and "ansible-core" in deps["ansible_core"]["package_pip"]
