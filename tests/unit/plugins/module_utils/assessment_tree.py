# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A 10-tenant snapshot tree made from the demo tenant, as export_cloud.yml lays it out: DIR/<domain>/<project>.yaml.

Shared by the assessment's unit tests and its end-to-end and browser tests. Each tenant drops a different number of
the demo's servers, so per-tenant numbers differ; one tenant has an XSS-looking project and server name, one a
spreadsheet-formula server name, one server carries a secret in its user data, and one snapshot is broken.
"""

from __future__ import annotations

import base64
import os

import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
DEMO_PATH = os.path.join(REPO, "examples", "snapshots", "demo.yaml")
DEMO_PROJECT_ID = "1152ad6cd0045b5d8ebd57464d3ea31a"
DOMAINS = ("acme", "globex", "initech")
XSS_PROJECT = '<script>alert("project")</script>&amp;'
XSS_SERVER = "<img src=x onerror=alert(1)>"
FORMULA_SERVER = '=HYPERLINK("http://evil.example","x")'
SECRET = "S3cretMarker-42-do-not-leak"
SECRET_USER_DATA = base64.b64encode(f"#cloud-config\nchpasswd:\n  list: 'root:{SECRET}'\n".encode()).decode()
BROKEN = ("initech", "broken")
TENANTS = 10
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def demo_text() -> str:
    with open(DEMO_PATH, encoding="utf-8") as handle:
        return handle.read()


def tenant_snapshot(index: int, text: str | None = None) -> tuple[str, str, dict]:
    """(domain, file stem, snapshot) of tenant number index (0-based), derived from the demo tenant."""
    # A fresh project id everywhere the demo's appears (security groups, quotas, role scopes follow the project).
    project_id = f"a{index + 1:031x}"  # a letter first: YAML would read all digits as a number
    snapshot = yaml.load((text or demo_text()).replace(DEMO_PROJECT_ID, project_id), Loader=_LOADER)
    domain = DOMAINS[index % len(DOMAINS)]
    stem = f"project-{index:02d}"
    snapshot["domain"]["name"] = domain
    snapshot["project"]["name"] = stem
    snapshot["servers"] = snapshot["servers"][index % 5 :]
    if index == 1:
        snapshot["project"]["name"] = XSS_PROJECT
        snapshot["servers"][0]["name"] = XSS_SERVER
    if index == 2:
        snapshot["servers"][0]["name"] = FORMULA_SERVER
    if index == 3:
        snapshot["servers"][0]["OS-EXT-SRV-ATTR:user_data"] = SECRET_USER_DATA
    return domain, stem, snapshot


def build_tree(root: str, tenants: int = TENANTS) -> list[str]:
    """Write tenants - 1 good snapshots and one broken one under root; returns the paths of the good ones."""
    text = demo_text()
    paths = []
    for index in range(tenants - 1):
        domain, stem, snapshot = tenant_snapshot(index, text)
        os.makedirs(os.path.join(root, domain), exist_ok=True)
        path = os.path.join(root, domain, f"{stem}.yaml")
        with open(path, "w", encoding="utf-8") as handle:
            yaml.dump(snapshot, handle, Dumper=_DUMPER, sort_keys=False)
        paths.append(path)
    os.makedirs(os.path.join(root, BROKEN[0]), exist_ok=True)
    with open(os.path.join(root, BROKEN[0], f"{BROKEN[1]}.yaml"), "w", encoding="utf-8") as handle:
        # Cut mid-way, as a full disk or an interrupted copy leaves it, inside user data holding a secret: the
        # YAML error quotes that line, and the report must not.
        handle.write(text[: text.index("\nservers:")] + f'\nservers:\n  - name: torn\n    OS-EXT-SRV-ATTR:user_data: "{SECRET}\n')
    return paths


def secret_needles() -> list[str]:
    """Strings that must appear in no output: the planted secret and every server's user data, raw or decoded."""
    needles = [SECRET, SECRET_USER_DATA]
    for server in yaml.load(demo_text(), Loader=_LOADER)["servers"]:
        user_data = server.get("OS-EXT-SRV-ATTR:user_data")
        if user_data:
            needles.append(user_data)
            decoded = base64.b64decode(user_data).decode()
            needles += [line for line in decoded.splitlines() if len(line) > 20]
    return needles
