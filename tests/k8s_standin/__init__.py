# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A loopback stand-in for a Kubernetes API server, for tests only.

It serves the kinds the collection creates (core, RBAC, NetworkPolicy, KubeVirt,
CDI, Calico, Multus) well enough for the unmodified ``kubernetes`` client and
``kubernetes.core`` modules.  It is not a cluster; see README.md for the limits.
"""
from __future__ import annotations

from .server import StandinServer, start_server

__all__ = ["StandinServer", "start_server"]
