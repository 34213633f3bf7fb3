# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which values of a credential Ansible must mask in a module's output: the secrets, not the names.

``auth`` and ``cloud_config`` are ``no_log`` options, so Ansible never logs them and masks every
value they hold wherever it appears in the output. That is too much: with a cloud config dict,
``identity_api_version: 3`` turned every "3" into ``********`` (``HTTP 40********``), and the
project and domain names masked the snapshot's path. After Ansible has read the arguments, the
modules narrow the masked values to what is secret: every value under ``auth`` except the
known identifiers (an unknown auth plugin key stays masked), and any value whose key names a
secret. A value that is also a secret somewhere stays masked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# keystoneauth auth options that name something and hold no secret
AUTH_IDENTIFIERS = frozenset(
    (
        "auth_url",
        "username",
        "user_id",
        "project_name",
        "project_id",
        "tenant_name",
        "tenant_id",
        "project_domain_name",
        "project_domain_id",
        "user_domain_name",
        "user_domain_id",
        "domain_name",
        "domain_id",
        "default_domain_name",
        "default_domain_id",
        "application_credential_id",
        "application_credential_name",
        "system_scope",
        "trust_id",
        "identity_provider",
        "protocol",
    )
)
SECRET_KEY = re.compile(r"password|secret|token|passcode|key", re.IGNORECASE)


def leaves(value) -> set[str]:
    """Every scalar in ``value`` as the text Ansible compares (strings and numbers; not booleans or None)."""
    if isinstance(value, Mapping):
        return set().union(*(leaves(v) for v in value.values())) if value else set()
    if isinstance(value, (list, tuple, set)):
        return set().union(*(leaves(v) for v in value)) if value else set()
    if isinstance(value, bool) or value is None:
        return set()
    text = str(value)
    return {text} if text else set()


def secret_values(config, under_auth: bool = False) -> set[str]:
    """The values of a cloud config dict (or of an ``auth`` dict with ``under_auth``) that are secrets."""
    found: set[str] = set()
    if not isinstance(config, Mapping):
        return found
    for key, value in config.items():
        name = str(key)
        if isinstance(value, Mapping):
            found |= secret_values(value, under_auth=under_auth or name == "auth")
        elif name not in AUTH_IDENTIFIERS if under_auth else SECRET_KEY.search(name):
            found |= leaves(value)
    return found


def narrow_masking(module) -> None:
    """Mask only the secrets of ``auth``, ``cloud_config`` and a dict ``cloud``; say when a dict came as ``cloud``."""
    params = module.params
    credentials = {"cloud_config": params.get("cloud_config"), "auth": params.get("auth")}
    innocuous = leaves(credentials["cloud_config"]) | leaves(credentials["auth"])
    secrets = secret_values(credentials["cloud_config"]) | secret_values(credentials["auth"], under_auth=True)
    if isinstance(params.get("cloud"), Mapping):
        secrets |= secret_values(params["cloud"])
        module.warn(
            "cloud is a cloud config dict, which holds the credential: pass it as cloud_config instead. This "
            "module masks its secrets in its own output, but only cloud_config is never logged by Ansible."
        )
    module.no_log_values.difference_update(innocuous - secrets)
    module.no_log_values.update(secrets)
