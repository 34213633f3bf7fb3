# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import tvo_http
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import MANAGED_BY_LABEL, MANAGED_BY_VALUE, SOURCE_ID_ANNOTATION


def test_the_server_mounts_the_export_read_only_and_is_ours():
    deployment, service = tvo_http.server_objects("migration", "nfs.example.com", "/srv/tvo", image="registry.local/nginx:1", port=8081)
    pod = deployment["spec"]["template"]["spec"]
    assert pod["volumes"][0] == {"name": "backup-target", "nfs": {"server": "nfs.example.com", "path": "/srv/tvo", "readOnly": True}}
    mount = next(m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "backup-target")
    assert mount["readOnly"] is True and pod["containers"][0]["image"] == "registry.local/nginx:1"
    for obj in (deployment, service):
        assert obj["metadata"]["labels"][MANAGED_BY_LABEL] == MANAGED_BY_VALUE
        assert obj["metadata"]["annotations"][SOURCE_ID_ANNOTATION] == "nfs.example.com:/srv/tvo"
    # the Service reaches exactly the Deployment's pods
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert all(labels[k] == v for k, v in service["spec"]["selector"].items())
    assert service["spec"]["ports"][0]["port"] == 8081
    assert tvo_http.base_url(tvo_http.DEFAULT_NAME, "migration", 8081) == "http://ostokubevirt-tvo-http.migration.svc:8081"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "Bad_Name"}, "must be a DNS-1035 label"),
        ({"nfs_path": "srv/tvo"}, "nfs_path must be the absolute exported path"),
        ({"nfs_server": " "}, "nfs_server must name"),
        ({"port": 0}, "port must be a port number"),
        ({"image": ""}, "image must be set"),
        ({"replicas": 0}, "replicas must be a positive number"),
    ],
)
def test_bad_settings_name_the_setting(kwargs, message):
    args = {"namespace": "migration", "nfs_server": "nfs", "nfs_path": "/srv/tvo", **kwargs}
    with pytest.raises(tvo_http.TvoHttpError, match=message):
        tvo_http.server_objects(args.pop("namespace"), args.pop("nfs_server"), args.pop("nfs_path"), **args)


def test_the_server_passes_upstream_schemas_strict(tmp_path, shared_dir):
    path = tmp_path / "tvo-http.yaml"
    path.write_text(yaml.safe_dump_all(tvo_http.server_objects("migration", "10.0.0.5", "/export/tvo")))
    validator = os.path.join(shared_dir, "tools", "validate_manifests.py")
    result = subprocess.run([sys.executable, validator, "--strict", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
