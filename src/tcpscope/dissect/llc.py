"""IEEE 802.2 LLC with SNAP (packet-llc.c), as far as it leads to protocols tcpscope decodes.

DSAP, SSAP, then an xDLC control field: one byte for U frames, two for I and S frames
(``XDLC_CONTROL_LEN`` in extended mode). With DSAP = SSAP = 0xAA (SNAP) an OUI and a
protocol id follow; for OUI 00-00-00 (encapsulated Ethernet) and 00-00-F8 (Cisco) on an
information frame the protocol id is an EtherType; for the IEEE 802.1 OUI, protocol ids
1 and 7 are bridged Ethernet frames (after two bytes of padding). Otherwise an information frame goes
by its DSAP: 0x06 is IP (``dissect_ip``). Anything else is data. An EtherType is
looked up in the EtherType table directly, so ``frame.protocols`` reads ``eth:llc:ip``. LLC has no fields in
tcpscope's registry: each header is one row of the ``llc`` layer table, where it starts
(``_start``), for the details tree (:mod:`tcpscope.views.tree_llc`), which reads its bytes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tcpscope.dissect.context import DissectContext, Proto
from tcpscope.dissect.link import from_ethertype
from tcpscope.dissect.protocols import PROTO_CODE

__all__ = ["SAP_IP", "SAP_SNAP", "dissect_llc"]

SAP_SNAP = 0xAA
SAP_IP = 0x06
#: OUIs whose SNAP protocol id is an EtherType
OUI_ETHERTYPE = (0x000000, 0x0000F8)
#: IEEE 802.1 OUI: bridged Ethernet (protocol id 1 with FCS, 7 without), after 2 bytes of padding
OUI_IEEE_802_1 = 0x0080C2
BPID_ETH = (0x0001, 0x0007)


def dissect_llc(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """Step over LLC (and SNAP) headers; hand the payload to the protocol they name."""
    ctx.mark_stack(idx, PROTO_CODE["llc"])
    ctx.add_rows("llc", idx, {})
    hdr = ctx.read(idx, 4).astype(np.int64)
    avail = ctx.avail(idx)
    dsap, ssap, c0, c1 = hdr[:, 0], hdr[:, 1], hdr[:, 2], hdr[:, 3]
    u_frame = (c0 & 0x03) == 0x03
    clen = np.where(u_frame, 1, 2)
    control = np.where(u_frame, c0, c0 | (c1 << 8))
    information = ((control & 0x01) == 0) | (control == 0x03)
    hlen = 2 + clen
    snap = (dsap == SAP_SNAP) & (ssap == SAP_SNAP)
    # reads in packet-llc.c's order: DSAP, SSAP, control, then SNAP's protocol id and OUI
    need = np.where(snap, hlen + 5, hlen)
    short = avail < need
    if short.any():
        ctx.stop(idx[short], ctx.ravail(idx[short]) < need[short])
    ok = ~short
    snap_hdr = ctx.read(idx, 5, at=ctx.off[idx] + hlen).astype(np.int64)
    oui = (snap_hdr[:, 0] << 16) | (snap_hdr[:, 1] << 8) | snap_hdr[:, 2]
    pid = (snap_hdr[:, 3] << 8) | snap_hdr[:, 4]
    to_etype = ok & snap & information & np.isin(oui, OUI_ETHERTYPE)
    ei = idx[to_etype]
    ctx.off[ei] += need[to_etype]
    # straight into the EtherType table, not through the 'ethertype' protocol: no such layer
    # in frame.protocols (eth:llc:ip)
    ctx.nxt[ei] = from_ethertype(pid[to_etype])
    bridged = ok & snap & (oui == OUI_IEEE_802_1) & np.isin(pid, BPID_ETH)
    bi = idx[bridged]
    ctx.off[bi] += need[bridged] + 2
    ctx.nxt[bi] = Proto.ETH
    to_etype |= bridged
    to_ip = ok & ~snap & information & (dsap == SAP_IP) & (ctx.ravail(idx) > hlen)
    ii = idx[to_ip]
    ctx.off[ii] += hlen[to_ip]
    ctx.nxt[ii] = Proto.IP
    other = ok & ~to_etype & ~to_ip
    rest = idx[other]
    ctx.mark_stack(rest[ctx.ravail(rest) > need[other]], PROTO_CODE["data"])
    ctx.nxt[rest] = Proto.DONE
