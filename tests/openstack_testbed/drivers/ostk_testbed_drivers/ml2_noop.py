# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ML2 mechanism driver that binds every port on any host, without an agent.

Upstream's agent-based drivers (openvswitch, linuxbridge, ...) only bind a
port once an L2 agent of their kind reported from the port's host, and OVN
needs a chassis. Nova's fake virt driver has no dataplane at all, so this
driver binds the first segment it is offered (vif_type ``ovs``) and reports
the port ACTIVE, which is all nova needs to finish a boot.

Enable with ``[ml2] mechanism_drivers = ostk_noop`` (entry point of the
``ostk-testbed-drivers`` package).
"""

from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api

VIF_DETAILS = {
    portbindings.CAP_PORT_FILTER: True,
    portbindings.OVS_HYBRID_PLUG: False,
}


class NoopBindingDriver(api.MechanismDriver):
    """Bind any port to its first network segment."""

    def initialize(self):
        """Nothing to set up."""

    def bind_port(self, context):
        """Bind to the first candidate segment and mark the port ACTIVE."""
        for segment in context.segments_to_bind:
            context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OVS, VIF_DETAILS, status=constants.PORT_STATUS_ACTIVE)
            return
