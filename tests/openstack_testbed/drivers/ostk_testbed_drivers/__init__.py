# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Drivers for the ostokubevirt OpenStack testbed (test use only).

* ``ml2_noop.NoopBindingDriver`` - ML2 mechanism driver ``ostk_noop``.
* ``cinder_file.SparseFileVolumeDriver`` - cinder volume driver.
"""
