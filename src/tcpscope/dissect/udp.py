"""UDP (RFC 768), and the data dissector's entry in the protocol stack.

UDP gives ``udp.srcport``/``udp.dstport`` (and the length and checksum) when its ports
are captured, with packet-udp.c's checks of the length and (over IPv6) of a zero
checksum, and what its Info column needs; the payload is data. :func:`dissect_named`
makes a dissector that only records a protocol's name (the data dissector's ``data``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from tcpscope.dissect.context import DissectContext, Proto
from tcpscope.dissect.experts import EXPERT_CODE
from tcpscope.dissect.protocols import PROTO_CODE

#: UDP ports whose payload goes to DNS (packet-dns.c's default range "53"; 5353 and 5355
#: go to its mDNS and LLMNR dissectors, not written); a lower port with a dissector of
#: its own, which packet-udp.c tries first, is not modelled
DNS_UDP_PORTS = (53,)

__all__ = ["DNS_UDP_PORTS", "dissect_named", "dissect_udp"]

_HDR = np.dtype([("sport", ">u2"), ("dport", ">u2"), ("len", ">u2"), ("sum", ">u2")])


def dissect_udp(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
    """Decode the UDP header of frames ``idx`` (packet-udp.c reads both ports first).

    Besides the header's fields, each row keeps what the Info column needs: ``ulen``, the
    length packet-udp.c goes by, and the verdicts of :func:`_checks`; and ``rep``, the
    bytes from the header on that the IP header says there are (the end of the payload
    item).
    """
    ctx.mark_stack(idx, PROTO_CODE["udp"])
    avail = ctx.avail(idx)
    h = ctx.read(idx, 8).view(_HDR).reshape(-1)
    reach = np.searchsorted(np.array([4, 6, 8]), avail, side="right").astype(np.int8)
    checks = _checks(ctx, idx, h, reach)
    ctx.add_rows("udp", idx, {
        "srcport": h["sport"], "dstport": h["dport"], "length": h["len"], "checksum": h["sum"],
        "reach": reach, "rep": ctx.ravail(idx), **checks,
    })
    bad_len = checks["length_short"].astype(np.bool_)
    cut = (avail < 8) & ~bad_len
    if cut.any():
        ctx.stop(idx[cut], ctx.ravail(idx[cut]) < np.array([4, 6, 8])[np.minimum(reach[cut], 2)])
    ctx.nxt[idx[bad_len]] = Proto.DONE
    keep = ~cut & ~bad_len
    ok = idx[keep]
    ctx.off[ok] += 8
    # packet-udp.c stops at a length of 8 (an empty datagram: no payload, whatever follows);
    # a longer one whose IP payload ends with the header fails adding its payload item
    # (past the reported length: malformed)
    longer = np.asarray(checks["ulen"], dtype=np.int64)[keep] > 8
    left = ctx.rend[ok] - ctx.off[ok]
    nothing = ok[longer & (left <= 0)]
    if nothing.shape[0]:
        ctx.stop(nothing, np.ones(nothing.shape[0], dtype=np.bool_))
    more = ok[longer & (left > 0)]
    ports = (h["sport"][keep][longer & (left > 0)], h["dport"][keep][longer & (left > 0)])
    dns = np.isin(ports[0], DNS_UDP_PORTS) | np.isin(ports[1], DNS_UDP_PORTS)
    ctx.mark_stack(more[~dns], PROTO_CODE["data"])
    if dns.any():  # (DNS's module imported only where a datagram is DNS's)
        from tcpscope.dissect.dns import dissect_dns_udp

        size = np.asarray(checks["ulen"], dtype=np.int64)[keep][longer & (left > 0)] - 8
        dissect_dns_udp(ctx, more[dns], size[dns])
    ctx.nxt[ok] = Proto.DONE


#: LBL traceroute's ports: 33434 + 3 attempts per hop, 10 hops
_TRACEROUTE_FIRST, _TRACEROUTE_LAST = 32768 + 666 + 1, 32768 + 666 + 30


def _checks(ctx: DissectContext, idx: NDArray[np.int64], h: NDArray[np.void], reach: NDArray[np.int8],
            ) -> dict[str, NDArray[np.generic]]:
    """packet-udp.c's expert items, in its order: traceroute ports, then the length (under 8
    ends the dissection), then a zero checksum over IPv6 (pinfo->src).

    Returned as row columns: ``ulen`` (the header's length, or for an IPv6 jumbogram the
    IP payload's), ``length_short`` (under 8), ``length_past_ip`` (past the IP payload,
    not fragmented), ``jumbogram``, ``checksum_zero_illegal`` and ``checksum_status``
    (udp.checksum.status: 2 unverified, 3 not present, 4 illegal).
    """
    for slot, port in ((1, h["sport"]), (2, h["dport"])):
        p = port.astype(np.int64)
        tr = (reach >= 1) & (p >= _TRACEROUTE_FIRST) & (p <= _TRACEROUTE_LAST)
        k = p[tr] - _TRACEROUTE_FIRST
        ctx.expert(idx[tr], EXPERT_CODE["udp.possible_traceroute"], k // 3 + 1, k % 3 + 1, slot=slot)
    src_v6: NDArray[np.bool_] = ctx.pending.get("src_v6", np.zeros(ctx.n, np.bool_))  # type: ignore[assignment]
    v6 = src_v6[idx]
    rep = ctx.ravail(idx)
    ulen = h["len"].astype(np.int64)
    jumbo = (reach >= 2) & (ulen == 0) & v6  # RFC 2675 §4: the IP payload length counts
    ulen = np.where(jumbo, rep, ulen)
    short = (reach >= 2) & (ulen < 8)
    ctx.expert(idx[short], EXPERT_CODE["udp.length.bad"], ulen[short], slot=3)
    long = (reach >= 2) & ~short & (ulen > rep) & ~ctx.fragmented[idx]
    ctx.expert(idx[long], EXPERT_CODE["udp.length.bad/ip"], ulen[long], slot=3)
    small = jumbo & ~short & (ulen < 65536)
    ctx.expert(idx[small], EXPERT_CODE["udp.length.bad_zero"], slot=4)
    zero = (reach >= 3) & ~short & (h["sum"] == 0) & v6
    ctx.expert(idx[zero], EXPERT_CODE["udp.checksum.zero"], slot=5)
    # the checksum is not verified (tshark's default): unverified, or when zero not present
    # (over IPv4), illegal (over IPv6)
    status = np.where(h["sum"] != 0, 2, np.where(v6, 4, 3)).astype(np.int8)
    return {"ulen": ulen, "length_short": short, "length_past_ip": long, "jumbogram": jumbo & ~short,
            "checksum_zero_illegal": zero, "checksum_status": status}


def dissect_named(name: str) -> Callable[[DissectContext, NDArray[np.int64]], None]:
    """A dissector that only records ``name`` in the protocol stack and stops."""

    def run(ctx: DissectContext, idx: NDArray[np.int64]) -> None:
        ctx.mark_stack(idx, PROTO_CODE[name])
        ctx.nxt[idx] = Proto.DONE

    run.__name__ = f"dissect_{name}"
    return run
