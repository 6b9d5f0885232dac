"""How each TCP connection opened and closed, from the analysed segments.

For every ``tcp.stream``: the frames of the three-way handshake (RFC 9293 §3.5: the
SYN, the SYN/ACK, and the ACK that acknowledges the SYN/ACK: the first segment with ACK
set and SYN clear from the other side, after the SYN/ACK, whose acknowledgment number is
the SYN/ACK's sequence number plus one; matched by numbers, not by
``tcp.analysis.acks_frame``, which tshark leaves empty when the SYN/ACK was captured
before the SYN), the first FIN of each side (the side whose FIN came first *initiates*
the close, tshark's ``tcp.connection.fin_active``) with the ACK of each FIN (through
``tcp.analysis.acks_frame``), and the RST that ended the connection: the first one after
the handshake's ACK when the handshake completed (a RST before it, answering the SYN,
belongs to the opening), else the first one. The client is the side that sent the first
SYN; without one, the side that received the first SYN/ACK; without either, the side
that sent the first segment. All per-stream reductions are whole-array operations,
summed a piece of the capture at a time (:class:`LifecycleSums`); only the text is built
per connection.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tcpscope._types import Array
from tcpscope.analysis.conversations import AT_IPV4
from tcpscope.constants import ACK, FIN, RST, SYN
from tcpscope.table.packets import PacketTable
from tcpscope.views.conversations import address_text, row_addresses

__all__ = ["Lifecycle", "LifecycleSums", "describe", "lifecycles"]

NONE = -1


@dataclass(frozen=True, kw_only=True)
class Lifecycle:
    """Per stream (index = tcp.stream), frame numbers (1-based; -1 when absent) of the
    events that open and close a connection, and which side is the client."""

    first_frame: Array
    last_frame: Array
    client_side: Array  # the client's side (``_flow``: 0 or 1)
    syn: Array
    synack: Array
    handshake_ack: Array
    fin_client: Array
    fin_server: Array
    fin_first_side: Array  # 0 client closed first, 1 server, -1 no FIN
    fin_client_acked: Array
    fin_server_acked: Array
    rst: Array  # the RST that ended the connection
    rst_side: Array  # 0 client, 1 server, -1 none
    rst_before_open: Array  # a RST before the handshake's ACK, when the handshake then completed
    rst_before_open_side: Array
    initial_rtt_ns: Array

    def __len__(self) -> int:
        return int(self.first_frame.shape[0])


_MAX = np.iinfo(np.int64).max


#: per-stream columns of :class:`LifecycleSums` and the value of a stream not seen yet
_COLUMNS: dict[str, tuple[type, int, int]] = {  # name: (dtype, fill, width; 0 = one value, 2 = per flow)
    "first": (np.int64, _MAX, 0), "last": (np.int64, NONE, 0), "first_flow": (np.int8, 0, 0),
    "syn": (np.int64, _MAX, 0), "syn_flow": (np.int8, 0, 0),
    "synack": (np.int64, _MAX, 2), "synack_seq": (np.int64, 0, 2), "hs_ack": (np.int64, _MAX, 2),
    "fin": (np.int64, _MAX, 2), "fin_acked_by": (np.int64, _MAX, 2),
    "rst": (np.int64, _MAX, 2), "rst_open": (np.int64, _MAX, 2),  # rst_open: the first RST after a handshake's ACK
    "irtt": (np.int64, 0, 0),
    "src": (np.uint8, 0, 16), "dst": (np.uint8, 0, 16), "atype": (np.int8, 0, 0),
    "sport": (np.int64, 0, 0), "dport": (np.int64, 0, 0),
}


class LifecycleSums:
    """The opening and closing events of every stream over analysed pieces, in frame order
    (``add`` each piece, then ``result``): the same as :func:`lifecycles` of the whole table.

    Events are kept per sending side (``_flow``, 0 or 1) until the end decides which side
    is the client. An event that depends on another comes after it, so the event it
    depends on is known by the time it comes, in this piece or an earlier one: the ACK of
    a FIN names it by ``tcp.analysis.acks_frame``; the handshake's ACK acknowledges the
    first SYN/ACK's sequence number (kept per side) and comes after it; a RST after the
    handshake's ACK comes after that ACK's frame.
    """

    def __init__(self) -> None:
        self.c: dict[str, np.ndarray] = {}
        self._size = 0
        self.n = 0  # streams: the highest tcp.stream seen, plus one
        self._grow(16)

    def _grow(self, size: int) -> None:
        if size <= self._size:
            return
        size = max(size, 2 * self._size)
        for name, (dtype, fill, width) in _COLUMNS.items():
            col: np.ndarray = np.full((size, width) if width else (size,), fill, dtype=dtype)
            if self._size:
                col[: self._size] = self.c[name]
            self.c[name] = col
        self._size = size

    def add(self, table: PacketTable) -> None:
        """Take the events of an analysed piece (every frame: a display filter does not
        change how a connection opened)."""
        tcp = table.layer("tcp")
        if len(tcp) == 0 or "stream" not in tcp.cols:
            return
        cols, c = tcp.cols, self.c
        rows = np.flatnonzero(np.asarray(cols["stream"], dtype=np.int64) >= 0)
        if rows.shape[0] == 0:
            return
        s = np.asarray(cols["stream"], dtype=np.int64)[rows]
        self.n = max(self.n, int(s.max()) + 1)
        self._grow(self.n)
        frame = table.records.first_frame + tcp.pkt[rows] + 1
        flags = np.asarray(cols["flags"], dtype=np.int64)[rows]
        flow = np.asarray(cols["_flow"], dtype=np.int64)[rows]
        other = 1 - flow
        acks = np.asarray(cols["acks_frame"], dtype=np.int64)[rows]
        # a stream's first segment: its frame, its sender, and the endpoints
        uniq, at = np.unique(s, return_index=True)
        new = c["first"][uniq] == _MAX
        ns, nat = uniq[new], at[new]
        c["first"][ns], c["first_flow"][ns] = frame[nat], flow[nat]
        c["src"][ns], c["dst"][ns], c["atype"][ns] = row_addresses(table, rows[nat])
        c["sport"][ns] = np.asarray(cols["srcport"], dtype=np.int64)[rows[nat]]
        c["dport"][ns] = np.asarray(cols["dstport"], dtype=np.int64)[rows[nat]]
        np.maximum.at(c["last"], s, frame)
        syn_ack = flags & (SYN | ACK)
        # SYN: the first segment with SYN set and ACK clear, and its sender
        pure = np.flatnonzero(syn_ack == SYN)
        uniq, at = np.unique(s[pure], return_index=True)
        new = c["syn"][uniq] == _MAX
        c["syn"][uniq[new]], c["syn_flow"][uniq[new]] = frame[pure[at[new]]], flow[pure[at[new]]]
        # SYN/ACK: the first segment of a side with SYN and ACK set, and its sequence number
        synack = syn_ack == (SYN | ACK)
        _first_at(c["synack"], s, flow, frame, synack)
        first_synack = synack & (frame == c["synack"][s, flow])
        seq_raw = np.asarray(cols["seq_raw"], dtype=np.int64)[rows]
        c["synack_seq"][s[first_synack], flow[first_synack]] = seq_raw[first_synack]
        # the handshake's ACK: ACK set, SYN clear, after the other side's SYN/ACK, and
        # acknowledging it (acknowledgment number = its sequence number + 1, modulo 2^32)
        ack_raw = np.asarray(cols["ack_raw"], dtype=np.int64)[rows]
        acks_synack = ack_raw == (c["synack_seq"][s, other] + 1) % (1 << 32)
        _first_at(c["hs_ack"], s, flow, frame, (syn_ack == ACK) & (frame > c["synack"][s, other]) & acks_synack)
        # FIN: the first of each side, and the first segment of the other side that tshark
        # matches to it (tcp.analysis.acks_frame)
        _first_at(c["fin"], s, flow, frame, (flags & FIN) != 0)
        _first_at(c["fin_acked_by"], s, flow, frame, (acks > 0) & (acks == c["fin"][s, other]))
        # RST: the first of each side, and the first of each side after a handshake's ACK
        rst = (flags & RST) != 0
        _first_at(c["rst"], s, flow, frame, rst)
        _first_at(c["rst_open"], s, flow, frame, rst & (frame > c["hs_ack"][s].min(axis=1)))
        if "initial_rtt" in cols:
            np.maximum.at(c["irtt"], s, np.asarray(cols["initial_rtt"], dtype=np.int64)[rows])

    def result(self) -> tuple[Lifecycle, list[tuple[str, str]]]:
        """The events of every stream (frame numbers; -1: none), and its client's and
        server's endpoints as text."""
        n, c = self.n, self.c
        st = np.arange(n)

        def seen(a: np.ndarray) -> np.ndarray:
            return np.where(a == _MAX, NONE, a)

        syn = seen(c["syn"][:n])
        client = _client_side(syn, c["syn_flow"][:n], c["synack"][:n], c["first_flow"][:n])
        server = 1 - client
        fin_c, fin_s = seen(c["fin"][st, client]), seen(c["fin"][st, server])
        hs_ack = seen(c["hs_ack"][st, client])
        rst, rst_side = _first_of_sides(c["rst"][st, client], c["rst"][st, server])
        rst_open, rst_open_side = _first_of_sides(c["rst_open"][st, client], c["rst_open"][st, server])
        # the handshake completed after a RST: that RST was part of the opening
        early = (hs_ack >= 0) & (rst >= 0) & (rst < hs_ack)
        lc = Lifecycle(
            first_frame=seen(c["first"][:n]), last_frame=c["last"][:n].copy(), client_side=client,
            syn=syn, synack=seen(c["synack"][st, server]), handshake_ack=hs_ack,
            fin_client=fin_c, fin_server=fin_s,
            fin_first_side=np.where((fin_c >= 0) & ((fin_s < 0) | (fin_c <= fin_s)), 0,
                                    np.where(fin_s >= 0, 1, NONE)),
            fin_client_acked=seen(c["fin_acked_by"][st, server]), fin_server_acked=seen(c["fin_acked_by"][st, client]),
            rst=np.where(early, rst_open, rst), rst_side=np.where(early, rst_open_side, rst_side),
            rst_before_open=np.where(early, rst, NONE), rst_before_open_side=np.where(early, rst_side, NONE),
            initial_rtt_ns=c["irtt"][:n].copy(),
        )
        v4 = (c["atype"][:n] == AT_IPV4).tolist()
        src = [f"{a}:{p}" if four else f"[{a}]:{p}" for a, p, four in zip(
            address_text(c["src"][:n], c["atype"][:n]).tolist(), c["sport"][:n].tolist(), v4, strict=True)]
        dst = [f"{a}:{p}" if four else f"[{a}]:{p}" for a, p, four in zip(
            address_text(c["dst"][:n], c["atype"][:n]).tolist(), c["dport"][:n].tolist(), v4, strict=True)]
        same = (client == c["first_flow"][:n]).tolist()  # the first segment came from the client
        return lc, [(a, b) if k else (b, a) for a, b, k in zip(src, dst, same, strict=True)]


def _client_side(syn: Array, syn_flow: Array, synack: Array, first_flow: Array) -> Array:
    """The client's side per stream: the sender of the first SYN; without a SYN captured,
    the receiver of the first SYN/ACK (it answers the client's SYN); without either, the
    sender of the first segment. ``synack``: the first SYN/ACK per sending side (``_MAX``:
    none)."""
    synack_seen = synack.min(axis=1) != _MAX
    synack_receiver = 1 - np.argmin(synack, axis=1)
    side = np.where(syn >= 0, syn_flow, np.where(synack_seen, synack_receiver, first_flow))
    return side.astype(np.int64)


def _first_of_sides(client: Array, server: Array) -> tuple[Array, Array]:
    """The earlier of two per-side first frames (``_MAX``: none) and its side (0 client,
    1 server); -1 and -1 when neither side has one."""
    first = np.minimum(client, server)
    side = np.where(first == _MAX, NONE, np.where(client == first, 0, 1))
    return np.where(first == _MAX, NONE, first), side


def _first_at(out: np.ndarray, s: Array, flow: Array, frame: Array, mask: Array) -> None:
    """The first frame per (stream, sending side) among the rows ``mask`` selects."""
    np.minimum.at(out, (s[mask], flow[mask]), frame[mask])


def lifecycles(table: PacketTable) -> Lifecycle:
    """The opening and closing events of every stream of an analysed table."""
    sums = LifecycleSums()
    sums.add(table)
    return sums.result()[0]


def describe(lc: Lifecycle, i: int) -> tuple[str, str]:
    """Plain words for how stream ``i`` opened and how it closed."""
    def f(x: int) -> str:
        return f"frame {x}"

    syn, synack, ack = int(lc.syn[i]), int(lc.synack[i]), int(lc.handshake_ack[i])
    if syn >= 0 and synack >= 0 and ack >= 0:
        before = ", captured before the SYN" if synack < syn else ""
        opened = f"three-way handshake: SYN ({f(syn)}), SYN/ACK ({f(synack)}{before}), ACK ({f(ack)})"
    elif syn >= 0 and synack >= 0:
        opened = f"SYN ({f(syn)}) and SYN/ACK ({f(synack)}), no ACK of the SYN/ACK captured"
    elif syn >= 0:
        opened = f"SYN ({f(syn)}) never answered with a SYN/ACK"
    elif synack >= 0 and ack >= 0:
        opened = f"SYN/ACK ({f(synack)}) and its ACK ({f(ack)}); the SYN is not in the capture"
    elif synack >= 0:
        opened = f"SYN/ACK ({f(synack)}) without the SYN in the capture"
    else:
        opened = f"already open when the capture started (first segment {f(int(lc.first_frame[i]))})"
    if lc.rst_before_open[i] >= 0:
        side = "client" if lc.rst_before_open_side[i] == 0 else "server"
        opened += f"; the {side} sent a RST ({f(int(lc.rst_before_open[i]))}) before the handshake finished"
    if syn >= 0 and synack >= 0 and ack >= 0 and lc.initial_rtt_ns[i]:
        opened += f"; initial RTT {lc.initial_rtt_ns[i] / 1e6:.3f} ms"
    fc, fs = int(lc.fin_client[i]), int(lc.fin_server[i])
    rst = int(lc.rst[i])
    parts = []
    if lc.fin_first_side[i] >= 0:
        first_side, other_side = ("client", "server") if lc.fin_first_side[i] == 0 else ("server", "client")
        ff, of = (fc, fs) if lc.fin_first_side[i] == 0 else (fs, fc)
        fa = int(lc.fin_client_acked[i] if lc.fin_first_side[i] == 0 else lc.fin_server_acked[i])
        text = f"the {first_side} closed first (FIN, {f(ff)}"
        text += f", acknowledged in {f(fa)})" if fa >= 0 else ")"
        if of >= 0:
            oa = int(lc.fin_server_acked[i] if lc.fin_first_side[i] == 0 else lc.fin_client_acked[i])
            text += f", then the {other_side} (FIN, {f(of)}"
            text += f", acknowledged in {f(oa)})" if oa >= 0 else ", its ACK not captured)"
        elif rst < 0:
            text += f"; the {other_side} had not closed by the end of the capture"
        parts.append(text)
    if rst >= 0:
        side = "client" if lc.rst_side[i] == 0 else "server"
        parts.append(f"reset by the {side} (RST, {f(rst)})")
    closed = "; ".join(parts) if parts else f"still open at the end of the capture (last segment {f(int(lc.last_frame[i]))})"
    return opened, closed
