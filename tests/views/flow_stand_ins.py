"""Stand-ins for the fields ``tcpscope.state.client`` and ``tcpscope.state.server`` (another
piece of work adds the real ones), for the tests of ``tcpscope flow --states`` and its
pictures, and a registry that has them in place of any real ones."""

from __future__ import annotations

import numpy as np
from tcp_craft import ACK, FIN, SYN

from tcpscope.filter.registry import FieldRegistry
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef, FieldType
from tcpscope.table.values import Values

__all__ = ["ODD_STATE", "STAND_INS", "without_states"]

#: The text both stand-ins give frame 7: text to show, never markup.
ODD_STATE = '<odd & "state">'


def _stand_in(side: str) -> FieldDef:
    """A string field per TCP segment, by its flags alone: for the client, SYN-SENT on a
    SYN, FIN-WAIT-1 on a FIN, else ESTABLISHED; for the server, SYN-RECEIVED on a SYN/ACK,
    else ESTABLISHED; :data:`ODD_STATE` on frame 7."""

    def get(t: PacketTable) -> Values:
        tcp = t.layer("tcp")
        flags = np.asarray(tcp.cols["flags"], dtype=np.int64)
        if side == "client":
            text = np.where(flags & SYN, "SYN-SENT", np.where(flags & FIN, "FIN-WAIT-1", "ESTABLISHED"))
        else:
            text = np.where((flags & (SYN | ACK)) == (SYN | ACK), "SYN-RECEIVED", "ESTABLISHED")
        text = np.where(tcp.pkt + t.records.first_frame + 1 == 7, ODD_STATE, text)
        return Values(tcp.pkt.astype(np.int64), text.astype(str))

    return FieldDef(f"tcpscope.state.{side}", FieldType.STRING, get, description="stand-in")


STAND_INS = (_stand_in("client"), _stand_in("server"))


def without_states(*extra: FieldDef) -> FieldRegistry:
    """The full registry without any ``tcpscope.state.*`` field, plus ``extra``."""
    from tcpscope.views.columns import full_registry

    base = FieldRegistry([f for f in full_registry().values() if not f.name.startswith("tcpscope.state.")])
    return base.extended(extra)


