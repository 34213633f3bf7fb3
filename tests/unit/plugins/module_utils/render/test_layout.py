# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.layout import plan_report, tenant_files
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant


def _paths(files):
    return [path for path, _objects in files]


def test_demo_files_in_apply_order(demo_snapshot):
    paths = _paths(tenant_files(translate_tenant(demo_snapshot, options=TranslationOptions(instancetypes=True))))
    assert paths[:4] == ["manifests/00-namespace.yaml", "manifests/10-rbac.yaml", "secrets/keypairs.yaml", "manifests/35-instancetypes.yaml"]
    policies = [p for p in paths if p.startswith("manifests/20-network-policies/")]
    assert "manifests/20-network-policies/sg-web.yaml" in policies
    services = [p for p in paths if p.startswith("manifests/30-services/")]
    # The hostnames Service before the per-VM and floating-IP Services.
    assert services[0] == "manifests/30-services/vms.yaml" and "manifests/30-services/fip-203-0-113-21.yaml" in services
    vm_files = paths[paths.index("secrets/db-01.yaml") :]
    assert vm_files[:2] == ["secrets/db-01.yaml", "manifests/40-vms/db-01.yaml"]
    assert len(paths) == len(set(paths))


def test_every_object_in_exactly_one_file_and_no_file_empty(demo_snapshot):
    translation = translate_tenant(demo_snapshot)
    files = tenant_files(translation)
    assert all(objects for _path, objects in files)
    placed = [id(obj) for _path, objects in files for obj in objects]
    assert sorted(placed) == sorted(id(obj) for obj in translation.objects)
    for path, objects in files:
        assert path.startswith("secrets/") == all(obj["kind"] == "Secret" for obj in objects), path


def test_a_security_groups_policies_share_a_file(demo_snapshot):
    translation = translate_tenant(demo_snapshot)
    files = dict(tenant_files(translation))
    for policy in translation.policies:
        source = policy["metadata"]["annotations"]["ostokubevirt.io/source-id"]
        together = [p for p in translation.policies if p["metadata"]["annotations"]["ostokubevirt.io/source-id"] == source]
        assert files[f"manifests/20-network-policies/{together[0]['metadata']['name']}.yaml"] == together


def test_minimal_tenant_has_only_the_files_it_needs(minimal_snapshot):
    translation = translate_tenant(minimal_snapshot)
    paths = _paths(tenant_files(translation))
    assert "manifests/35-instancetypes.yaml" not in paths
    assert all(not p.startswith("manifests/10-rbac") for p in paths) or translation.rolebindings


def test_plan_report_lists_the_files_last_and_leaves_the_translation_alone(demo_snapshot):
    translation = translate_tenant(demo_snapshot)
    files = tenant_files(translation)
    report = plan_report(translation, files)
    assert list(report)[-1] == "files" and report["files"] == _paths(files)
    assert "files" not in translation.plan
