"""The TCP options that only add to the Info column, check lengths or end the frame.

:mod:`tcpscope.dissect.tcp` walks the options (``tcp_dissect_options``) and decodes the
ones the TCP analysis needs (MSS, window scale, SACK, timestamps); the other option
dissectors of packet-tcp.c run here, one option kind at a time for all segments that
have it. What they leave is per option row: ``v1``/``v2`` (``has_v1``/``has_v2``: shown),
whose meaning depends on the kind (:func:`other_options`), and read past the option's
bytes, which ends the frame's dissection as Wireshark's exception does. Wireshark's
``proto_tree_add_item`` checks that an item's bytes exist even without a tree, so an
item past the captured bytes throws too.

The Info texts are built from those values in :mod:`tcpscope.views.info`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tcpscope._bytes import gather, u16be, u32be
from tcpscope.constants import (
    ACK,
    SYN,
    TCPOPT_ACC_ECN_0,
    TCPOPT_ACC_ECN_1,
    TCPOPT_AO,
    TCPOPT_CC,
    TCPOPT_CCECHO,
    TCPOPT_CCNEW,
    TCPOPT_CORREXP,
    TCPOPT_ECHO,
    TCPOPT_ECHOREPLY,
    TCPOPT_EOL,
    TCPOPT_EXP_FD,
    TCPOPT_EXP_FE,
    TCPOPT_MD5,
    TCPOPT_MPTCP,
    TCPOPT_MSS,
    TCPOPT_NOP,
    TCPOPT_QS,
    TCPOPT_RECBOUND,
    TCPOPT_RVBD_PROBE,
    TCPOPT_RVBD_TRPY,
    TCPOPT_SACK,
    TCPOPT_SACK_PERM,
    TCPOPT_SCPS,
    TCPOPT_SNACK,
    TCPOPT_TFO,
    TCPOPT_TIMESTAMP,
    TCPOPT_USER_TO,
    TCPOPT_WINDOW,
)
from tcpscope.dissect.context import DissectContext
from tcpscope.dissect.experts import EXPERT_CODE

__all__ = ["EXID_ACC_ECN", "EXID_TARR", "EXID_TFO", "ITEM_PROTOCOL", "KNOWN_KINDS", "OPTION_PROTOCOLS", "OptionBytes",
           "OptionRun", "option_layer_numbers", "other_options"]

#: The option protocols of packet-tcp.c (``proto_register_protocol_in_name_only``), each with
#: the kinds its dissector takes (the dissector table "tcp.option"): the echo, CC, Accurate
#: ECN and experimental dissectors serve several kinds under one protocol, and the echo and
#: CC ones add their items under the first kind's (so "tcp.options.echoreply", "ccnew" and
#: "ccecho" take none). MPTCP's is the ``mptcp`` protocol. Every other kind is unknown.
OPTION_PROTOCOLS: dict[str, tuple[int, ...]] = {
    "tcp.options.eol": (TCPOPT_EOL,), "tcp.options.nop": (TCPOPT_NOP,), "tcp.options.mss": (TCPOPT_MSS,),
    "tcp.options.wscale": (TCPOPT_WINDOW,), "tcp.options.sack_perm": (TCPOPT_SACK_PERM,),
    "tcp.options.sack": (TCPOPT_SACK,), "tcp.options.echo": (TCPOPT_ECHO, TCPOPT_ECHOREPLY),
    "tcp.options.echoreply": (), "tcp.options.timestamp": (TCPOPT_TIMESTAMP,),
    "tcp.options.cc": (TCPOPT_CC, TCPOPT_CCNEW, TCPOPT_CCECHO), "tcp.options.ccnew": (), "tcp.options.ccecho": (),
    "tcp.options.md5": (TCPOPT_MD5,), "tcp.options.scps": (TCPOPT_SCPS,), "tcp.options.snack": (TCPOPT_SNACK,),
    "tcp.options.scpsrec": (TCPOPT_RECBOUND,), "tcp.options.scpscor": (TCPOPT_CORREXP,), "tcp.options.qs": (TCPOPT_QS,),
    "tcp.options.user_to": (TCPOPT_USER_TO,), "tcp.options.ao": (TCPOPT_AO,), "mptcp": (TCPOPT_MPTCP,),
    "tcp.options.tfo": (TCPOPT_TFO,), "tcp.options.rvbd.probe": (TCPOPT_RVBD_PROBE,),
    "tcp.options.rvbd.trpy": (TCPOPT_RVBD_TRPY,), "tcp.options.acc_ecn": (TCPOPT_ACC_ECN_0, TCPOPT_ACC_ECN_1),
    "tcp.options.experimental": (TCPOPT_EXP_FD, TCPOPT_EXP_FE),
}
#: The kinds some option dissector takes.
KNOWN_KINDS = np.array(sorted({k for kinds in OPTION_PROTOCOLS.values() for k in kinds}), dtype=np.int64)
#: RFC 6994 experiment IDs packet-tcp.c decodes.
EXID_TFO, EXID_TARR, EXID_ACC_ECN = 0xF989, 0x00AC, (0xACC0, 0xACC1)


class OptionBytes:
    """The option bytes of the segments being walked, copied once into a compact array.

    The walk reads a few bytes of every segment per round. Reading them from here rather
    than from all over the capture keeps those reads in cache, and lets the capture's
    pages go before the walk (``ctx.release``), the moment of most memory. Byte ``p`` of
    the buffer (an absolute offset) for segment ``r`` is ``flat[p + shift[r]]``; every byte
    the walk uses lies in the 40 option bytes.
    """

    WIDTH = 44  # 40 bytes of options at most, and slack for a 2-byte read at the last one

    def __init__(self, start: NDArray[np.int64], flat: NDArray[np.uint8]) -> None:
        """``flat``: ``WIDTH`` bytes per segment from the options of the TCP header at ``start``."""
        self.start = start
        self.flat = flat
        self.shift = np.arange(start.shape[0], dtype=np.int64) * self.WIDTH - (start + 20)

    @classmethod
    def of(cls, data: NDArray[np.uint8], start: NDArray[np.int64]) -> OptionBytes:
        """The option bytes of the TCP headers at ``start`` in ``data``."""
        return cls(start, gather(data, start + 20, cls.WIDTH).reshape(-1))

    def subset(self, rows: NDArray[np.int64]) -> OptionBytes:
        """The option bytes of segments ``rows`` only, numbered from 0."""
        return OptionBytes(self.start[rows], self.flat.reshape(-1, self.WIDTH)[rows].reshape(-1))

    def read(self, r: NDArray[np.int64], at: NDArray[np.int64], width: int) -> NDArray[np.uint8]:
        """``width`` bytes at absolute offsets ``at`` of segments ``r``."""
        return gather(self.flat, at + self.shift[r], width)

    def uint(self, r: NDArray[np.int64], at: NDArray[np.int64], width: int) -> NDArray[np.int64]:
        """The big-endian unsigned numbers of ``width`` bytes (1, 2 or 4) at ``at`` of segments ``r``."""
        b = self.read(r, at, width)
        out = b[:, 0] if width == 1 else u16be(b, 0) if width == 2 else u32be(b, 0)
        return out.astype(np.int64)


@dataclass
class OptionRun:
    """One round of the options walk: the option at ``at`` of each segment, its dissector's results.

    ``seg`` are the segments' rows in ``opts``, ``pkt`` their frames; ``cap_end`` and
    ``rep_end`` where the TCP header's captured and reported bytes end.
    """

    ctx: DissectContext
    opts: OptionBytes
    seg: NDArray[np.int64]
    pkt: NDArray[np.int64]
    kind: NDArray[np.int64]
    olen: NDArray[np.int64]
    at: NDArray[np.int64]
    cap_end: NDArray[np.int64]
    rep_end: NDArray[np.int64]
    order: int

    def __post_init__(self) -> None:
        m = self.pkt.shape[0]
        self.threw = np.zeros(m, dtype=np.bool_)
        self.v1 = np.zeros(m, dtype=np.int64)
        self.v2 = np.zeros(m, dtype=np.int64)
        self.has_v1 = np.zeros(m, dtype=np.bool_)
        self.has_v2 = np.zeros(m, dtype=np.bool_)

    def need(self, mask: NDArray[np.bool_], upto: NDArray[np.int64] | int) -> NDArray[np.bool_]:
        """Rows of ``mask`` whose option bytes up to offset ``upto`` of the option exist;
        the others throw and end their frame.

        The option's tvb (``tvb_new_subset_length``) reports its own length; it contains
        only what the TCP header's tvb reports. A read past the option's length is a
        ReportedBoundsError ("[Malformed Packet]"), past the header's reported bytes a
        ContainedBoundsError, and past the captured bytes only a BoundsError.
        """
        end = self.at + upto
        opt_end = self.at + self.olen
        bad = mask & ~self.threw & (end > np.minimum(self.cap_end, opt_end))
        if bad.any():
            self.threw[bad] = True
            past_opt = end[bad] > opt_end[bad]
            past_hdr = end[bad] > self.rep_end[bad]
            self.ctx.stop(self.pkt[bad], past_opt | past_hdr, contained=~past_opt & past_hdr)
        return mask & ~self.threw

    def byte(self, rows: NDArray[np.bool_], offset: int) -> NDArray[np.int64]:
        """The option byte at ``offset`` of the rows of ``rows``."""
        return self.opts.read(self.seg[rows], self.at[rows] + offset, 1)[:, 0].astype(np.int64)

    def u16(self, rows: NDArray[np.bool_], offset: int) -> NDArray[np.int64]:
        """The big-endian 16-bit value at ``offset`` of the options of ``rows``."""
        return self.opts.uint(self.seg[rows], self.at[rows] + offset, 2)

    def slot(self, k: int) -> int:
        """Where the ``k``-th expert item of this option sits among the header's items."""
        return 100 + 10 * self.order + k


def other_options(run: OptionRun, flags: NDArray[np.uint16], good: NDArray[np.bool_]) -> None:
    """The dissectors of the options :mod:`tcpscope.dissect.tcp` leaves (``good``: the length
    check of ``tcp_option_len_check`` passed, for the kinds that have one).

    Values left per kind (for the Info column):

    * 20 SCPS capabilities (length 4): ``v1`` the capability vector, ``v2`` the connection ID;
    * 27 Quick-Start: ``v1`` the rate code;
    * 76 Riverbed probe: ``v1`` 1 for the "SA+, " prefix, 2 for "SA++, ";
    * 172, 174 Accurate ECN: ``v2`` how many of its 24-bit counters Info shows (``has_v2``:
      the length is right; ``v2`` 0 shows " AccECN");
    * 253, 254 experimental: ``v1`` the ExID; TARR ``v2`` its rate, AccECN ``v2`` as above.
    """
    kind, olen, need = run.kind, run.olen, run.need
    ctx = run.ctx
    # MD5 signature (RFC 2385): the digest
    need((kind == TCPOPT_MD5) & good, run.olen)
    # SCPS capabilities: a 4-byte form; the extended form's Info needs the flow's state
    scps = need((kind == TCPOPT_SCPS) & (olen == 4), 3)
    run.v1[scps] = run.byte(scps, 2)
    run.has_v1[scps] = True
    scps = need(scps, 4)
    run.v2[scps] = run.byte(scps, 3)
    run.has_v2[scps] = True
    # SNACK (SCPS): dissect_tcpopt_snack shows the offset and size, then reads the ACK at
    # offset 8 of its 6-byte option: past its reported end, so a SNACK of the right
    # length always ends the frame as malformed (Wireshark 4.0 behaviour, followed here)
    need(need((kind == TCPOPT_SNACK) & good, 6), 12)
    # Quick-Start (RFC 4782): Info shows the rate once its byte is read, then the TTL diff
    qs = need((kind == TCPOPT_QS) & good, 3)
    run.v1[qs] = run.byte(qs, 2) & 0x0F
    run.has_v1[qs] = True
    need(qs, 4)
    # TCP-AO (RFC 5925): key IDs and the MAC
    ao = kind == TCPOPT_AO
    small = ao & (olen < 4)
    ctx.expert(run.pkt[small], EXPERT_CODE["tcp.option.len.invalid/ao"], slot=run.slot(2))
    need(ao & ~small, run.olen)
    # MPTCP: the subtype (the subtypes' own fields are not read: docs/deviations.md)
    need(kind == TCPOPT_MPTCP, 3)
    # TCP Fast Open (RFC 7413): a cookie request, or the cookie
    need((kind == TCPOPT_TFO) & (olen > 2), run.olen)
    _riverbed(run, flags)
    need((kind == TCPOPT_RVBD_TRPY) & good, 16)
    _acc_ecn(run, (kind == TCPOPT_ACC_ECN_0) | (kind == TCPOPT_ACC_ECN_1), 2)
    # RFC 6994 experimental options: a 16-bit ExID first
    ex = (kind == TCPOPT_EXP_FD) | (kind == TCPOPT_EXP_FE)
    small = ex & (olen < 4)
    ctx.expert(run.pkt[small], EXPERT_CODE["tcp.option.len.invalid/exp_small"], olen[small], slot=run.slot(2))
    e = need(ex & ~small, 4)
    run.v1[e] = run.u16(e, 2)
    run.has_v1[e] = True
    exid = np.where(e, run.v1, -1)
    tarr = e & (exid == EXID_TARR)
    bad = tarr & (olen != 4) & (olen != 5)
    ctx.expert(run.pkt[bad], EXPERT_CODE["tcp.option.len.invalid/tarr"], olen[bad], slot=run.slot(2))
    rate = need(tarr & (olen == 5), 5)
    run.v2[rate] = (run.byte(rate, 4) & 0xFE) >> 1
    run.has_v2[rate] = True
    _acc_ecn(run, e & np.isin(exid, EXID_ACC_ECN), 4)
    need(e & (exid == EXID_TFO) & (olen > 4), run.olen)
    need(e & ~np.isin(exid, (EXID_TARR, EXID_TFO, *EXID_ACC_ECN)) & (olen > 4), run.olen)
    # unknown kinds: their payload
    unknown = ~np.isin(kind, KNOWN_KINDS) & (olen > 2)
    need(unknown, run.olen)
    # TCP Fast Open (RFC 7413): a cookie in a pure SYN (kind 34 longer than 2, or the
    # experimental form longer than 4)
    cookie = ((kind == TCPOPT_TFO) & (olen > 2)) | (e & (exid == EXID_TFO) & (olen > 4))
    tfo = cookie & ~run.threw & ((flags & (SYN | ACK)) == SYN)
    ctx.expert(run.pkt[tfo], EXPERT_CODE["tcp.analysis.tfo_syn"], slot=run.slot(4))


def _acc_ecn(run: OptionRun, rows: NDArray[np.bool_], data: int) -> None:
    """``dissect_tcpopt_acc_ecn_data``: 0, 1, 2 or 3 counters of 24 bits from option offset
    ``data``, each shown once read (``v2``: how many); another length is an expert note."""
    length = run.olen - data
    right = (length == 0) | (length == 3) | (length == 6) | (length == 9)
    bad = rows & ~right
    code = "tcp.option.len.invalid/acc_ecn" if data == 2 else "tcp.option.len.invalid/acc_ecn_exp"
    run.ctx.expert(run.pkt[bad], EXPERT_CODE[code], run.olen[bad], slot=run.slot(2))
    ok = rows & right
    run.has_v2[ok] = True
    run.v2[ok] = 0
    for k in range(3):
        more = run.need(ok & (length > 3 * k), data + 3 * (k + 1))
        run.v2[more] = k + 1


def _riverbed(run: OptionRun, flags: NDArray[np.uint16]) -> None:
    """``dissect_tcpopt_rvbd_probe``: a version/type byte, then fields by version and type;
    responses prepend "SA+, " to Info, a last-notify query in a SYN/ACK "SA++, "."""
    probe = run.kind == TCPOPT_RVBD_PROBE
    small = probe & (run.olen < 3)
    run.ctx.expert(run.pkt[small], EXPERT_CODE["tcp.option.len.invalid/rvbd"], slot=run.slot(2))
    p = run.need(probe & ~small, 3)
    vt = _scatter(run, p, 2)
    v1 = (vt & 1) == 1
    ptype = np.where(v1, vt >> 4, vt >> 1)
    go = p & (ptype < 11)
    # version 1: the prober's address (internal probes stop before it), then by type
    one = go & v1 & (ptype != 2)
    end1 = np.select([np.isin(ptype, (0, 3, 4)), ptype == 1, ptype == 5], [10, 14, 18], 8)
    r1 = run.need(one, end1)
    run.v1[r1 & np.isin(ptype, (1, 5))] = 1
    # version 2: the flags byte of info queries and responses, a client or store ID
    two = go & ~v1
    end2 = np.select([np.isin(ptype, (8, 9)), np.isin(ptype, (6, 7, 10))], [8, 4], 3)
    r2 = run.need(two, end2)
    q = r2 & np.isin(ptype, (6, 8))
    last = np.zeros(q.shape[0], dtype=np.bool_)
    last[q] = (run.byte(q, 3) & 1) == 1
    synack = (flags & (SYN | ACK)) == (SYN | ACK)
    run.v1[last & synack] = 2
    run.has_v1[probe & (run.v1 > 0)] = True


def _scatter(run: OptionRun, rows: NDArray[np.bool_], offset: int) -> NDArray[np.int64]:
    """The option byte at ``offset`` for the rows of ``rows``, 0 elsewhere."""
    out = np.zeros(rows.shape[0], dtype=np.int64)
    out[rows] = run.byte(rows, offset)
    return out


def _item_protocols() -> NDArray[np.int16]:
    """Per option kind, the protocol whose dissector adds its items (0: TCP's own loop, for
    EOL and NOP; every kind without a dissector goes to "tcp.options.unknown")."""
    out = np.full(256, len(OPTION_PROTOCOLS) + 1, dtype=np.int16)  # unknown kinds
    for i, kinds in enumerate(OPTION_PROTOCOLS.values(), start=1):
        out[list(kinds)] = i
    out[TCPOPT_EOL] = out[TCPOPT_NOP] = 0
    return out

#: Option kind -> the protocol of its items (see :func:`option_layer_numbers`).
ITEM_PROTOCOL = _item_protocols()


def option_layer_numbers(pkt: NDArray[np.int64], kind: NDArray[np.integer], item: NDArray[np.bool_],
                         tcp_layer: NDArray[np.int32]) -> NDArray[np.int32]:
    """Wireshark's layer number (``proto_layer_num``, the ``#`` of a filter) of each option row.

    An option dissector is called through a handle of its own protocol, so its items carry
    the count of that protocol in the frame so far: the first window-scale option is
    ``tcp.options.wscale#1`` whatever precedes it. NOP and EOL, and options whose length is
    bad, are added by TCP's option loop and carry TCP's number (``tcp_layer``, per row).
    ``pkt`` is sorted and rows of one frame are in option order.
    """
    proto = np.where(item, ITEM_PROTOCOL[kind.astype(np.int64)], 0).astype(np.int16)
    # rows of a frame are adjacent and few (40 option bytes): count the earlier rows of the
    # same frame and protocol, one shift at a time, until no frame has that many rows
    occ = np.ones(pkt.shape[0], dtype=np.int32)
    k = 1
    while k < pkt.shape[0]:
        same_frame = pkt[k:] == pkt[:-k]
        if not same_frame.any():
            break
        occ[k:] += same_frame & (proto[k:] == proto[:-k])
        k += 1
    return np.where(proto == 0, tcp_layer, occ).astype(np.int32)
