# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Private doc fragment: the standard attributes every module of this collection declares.

Not public API (leading underscore, as community.crypto and community.docker use it): may change
without a deprecation cycle. Modules use it as::

    extends_documentation_fragment:
      - ostokubevirt.migrate._attributes
    attributes:
      check_mode:
        support: full
      diff_mode:
        support: full
      idempotent:
        support: full
"""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
      - This assumes that the system controlled/queried by the module has not changed in a relevant way.
"""
