"""UDP (RFC 768) and the protocols tcpscope names without decoding: ARP, ICMP, ICMPv6.

UDP gives ``udp.srcport``/``udp.dstport`` (and the length and checksum) when its ports
are captured; the payload is data. ARP, ICMP and ICMPv6 are recorded in the frame's
protocol stack, so the packet list can give them a line of their own.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tcpscope.dissect.context import DissectContext, Proto
from tcpscope.dissect.protocols import PROTO_CODE

__all__ = ["dissect_named", "dissect_udp"]

_HDR = np.dtype([("sport", ">u2"), ("dport", ">u2"), ("len", ">u2"), ("sum", ">u2")])


def dissect_udp(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """Decode the UDP header of frames ``idx`` (packet-udp.c reads both ports first)."""
    ctx.mark_stack(idx, PROTO_CODE["udp"])
    avail = ctx.avail(idx)
    h = ctx.read(idx, 8).view(_HDR).reshape(-1)
    reach = np.searchsorted(np.array([4, 6, 8]), avail, side="right").astype(np.int8)
    ctx.add_rows("udp", idx, {
        "srcport": h["sport"], "dstport": h["dport"], "length": h["len"], "checksum": h["sum"],
        "reach": reach,
    })
    cut = avail < 8
    if cut.any():
        ctx.stop(idx[cut], ctx.ravail(idx[cut]) < np.array([4, 6, 8])[np.minimum(reach[cut], 2)])
    ok = idx[~cut]
    ctx.off[ok] += 8
    more = ok[(ctx.rend[ok] - ctx.off[ok]) > 0]
    ctx.mark_stack(more, PROTO_CODE["data"])
    ctx.nxt[ok] = Proto.DONE


def dissect_named(name: str):  # type: ignore[no-untyped-def]
    """A dissector that only records ``name`` in the protocol stack and stops."""

    def run(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
        ctx.mark_stack(idx, PROTO_CODE[name])
        ctx.nxt[idx] = Proto.DONE

    run.__name__ = f"dissect_{name}"
    return run
