# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The command line (as other tests start it) and the rule that Secret values never reach the log."""

from __future__ import annotations

import base64
import json
import logging
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.ostokubevirt.migrate.tests.k8s_standin.__main__ import default_schemas
from ansible_collections.ostokubevirt.migrate.tests.k8s_standin.api import WriteOptions
from ansible_collections.ostokubevirt.migrate.tests.k8s_standin.resources import by_kind
from ansible_collections.ostokubevirt.migrate.tests.unit.k8s_standin.standin_helpers import Raw, env_without_proxies

TESTS_DIR = Path(__file__).resolve().parents[2]
SECRET_VALUE = "pa55-Word-do-not-log-9f3c"


class _Url:
    """Enough of StandinServer for ``Raw``: url and token."""

    def __init__(self, url: str, token: str | None):
        self.url = url
        self.token = token


def _start_cli(tmp_path, *extra):
    kubeconfig = tmp_path / "kubeconfig"
    pid_file = tmp_path / "standin.pid"
    proc = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, "-m", "k8s_standin", "--port", "0", "--kubeconfig-out", str(kubeconfig),
         "--pid-file", str(pid_file), "--import-seconds", "0.5", *extra],
        cwd=TESTS_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_without_proxies())
    url = proc.stdout.readline().strip()
    return proc, url, kubeconfig, pid_file


def _stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        _out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        _out, err = proc.communicate()
    return proc.returncode, err


def test_cli_serves_writes_kubeconfig_and_stops_cleanly(tmp_path):
    proc, url, kubeconfig, pid_file = _start_cli(tmp_path, "--fault", json.dumps(
        {"action": "status", "status": 503, "path": "/configmaps", "count": 1}))
    try:
        assert url.startswith("http://127.0.0.1:"), url
        assert stat.S_IMODE(kubeconfig.stat().st_mode) == 0o600
        config = json.loads(kubeconfig.read_text())
        assert config["clusters"][0]["cluster"]["server"] == url
        assert int(pid_file.read_text()) == proc.pid
        raw = Raw(_Url(url, config["users"][0]["user"]["token"]))
        assert raw.request("GET", "/api/v1/namespaces/default/configmaps")[0] == 503
        assert raw.request("GET", "/api/v1/namespaces/default/configmaps")[0] == 200
    finally:
        code, err = _stop(proc)
    assert code == 0, err
    assert not pid_file.exists()
    assert "tests only, not a cluster" in err


def test_cli_rejects_bad_fault(tmp_path):
    result = subprocess.run([sys.executable, "-m", "k8s_standin", "--fault", '{"action": "nope"}'], cwd=TESTS_DIR,
                            capture_output=True, text=True, timeout=30, check=False, env=env_without_proxies())
    assert result.returncode == 2 and "fault action must be one of" in result.stderr
    assert "Traceback" not in result.stderr


def test_secret_values_never_logged_by_the_cli(tmp_path):
    kubernetes = pytest.importorskip("kubernetes")
    proc, url, kubeconfig, _pid = _start_cli(tmp_path, "--log-level", "DEBUG")
    try:
        assert url
        api_client = kubernetes.config.new_client_from_config(str(kubeconfig))
        dyn = kubernetes.dynamic.DynamicClient(api_client)
        secrets = dyn.resources.get(api_version="v1", kind="Secret")
        body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"},
                "stringData": {"password": SECRET_VALUE}}
        secrets.create(body=body, namespace="default")
        secrets.server_side_apply(body=body, namespace="default", field_manager="ostokubevirt")
        secrets.patch(name="creds", namespace="default", content_type="application/merge-patch+json",
                      body={"data": {"token": base64.b64encode(SECRET_VALUE.encode()).decode()}})
        bad = dict(body, metadata={"name": "Bad_Name"})
        with pytest.raises(kubernetes.dynamic.exceptions.DynamicApiError):
            secrets.create(body=bad, namespace="default")
        bad_type = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "typed"}, "data": {"x": 12345}}
        with pytest.raises(kubernetes.dynamic.exceptions.DynamicApiError) as caught:
            secrets.create(body=bad_type, namespace="default")
        assert "12345" not in str(caught.value.body)
        secrets.delete(name="creds", namespace="default")
        api_client.close()
        log = Raw(_Url(url, None)).request("GET", "/_standin/requests")[2]
    finally:
        code, err = _stop(proc)
    assert code == 0
    assert "DEBUG" in err  # the debug log was on, so the check below means something
    encoded = base64.b64encode(SECRET_VALUE.encode()).decode()
    for text in (err, json.dumps(log)):
        assert SECRET_VALUE not in text and encoded not in text


def test_redactor_masks_values_in_messages_and_tracebacks(standin, caplog):
    standin.api.create(by_kind("v1", "Secret"), "default",
                       {"metadata": {"name": "s"}, "stringData": {"v": SECRET_VALUE}}, WriteOptions())
    logger = logging.getLogger("k8s_standin")
    with caplog.at_level(logging.DEBUG, logger="k8s_standin"):
        logger.info("value is %s", SECRET_VALUE)
        try:
            raise ValueError(f"boom {SECRET_VALUE}")
        except ValueError:
            logger.exception("failed")
    assert SECRET_VALUE not in caplog.text
    assert caplog.text.count("<redacted>") >= 2


def test_schemas_directory_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("K8S_STANDIN_SCHEMAS", str(tmp_path))
    assert default_schemas() == tmp_path
