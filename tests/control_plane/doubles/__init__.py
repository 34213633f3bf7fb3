# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller doubles for the test control plane: what CDI, KubeVirt and a load balancer would do, and no more.

They run as one process beside a real kube-apiserver (tests/control_plane/up.sh) and write only through its
API, so everything they do passes the real server's validation, structural pruning and status subresources.
"""
