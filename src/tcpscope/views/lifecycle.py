"""How each TCP connection opened and closed, from the analysed segments.

For every ``tcp.stream``: the frames of the three-way handshake (RFC 9293 §3.5: the
SYN, the SYN/ACK, and the ACK that acknowledges the SYN/ACK, found through
``tcp.analysis.acks_frame``), the first FIN of each side (the side whose FIN came first
*initiates* the close, tshark's ``tcp.connection.fin_active``) with the ACK of each FIN,
and the first RST. The client is the side that sent the first SYN; without one, the
side that sent the first segment. All per-stream reductions are whole-array
operations, summed a piece of the capture at a time (:class:`LifecycleSums`); only the
text is built per connection.
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


@dataclass(frozen=True)
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
    rst: Array
    rst_side: Array  # 0 client, 1 server, -1 none
    initial_rtt_ns: Array

    def __len__(self) -> int:
        return int(self.first_frame.shape[0])


_MAX = np.iinfo(np.int64).max


#: per-stream columns of :class:`LifecycleSums` and the value of a stream not seen yet
_COLUMNS: dict[str, tuple[type, int, int]] = {  # name: (dtype, fill, width; 0 = one value, 2 = per flow)
    "first": (np.int64, _MAX, 0), "last": (np.int64, NONE, 0), "first_flow": (np.int8, 0, 0),
    "syn": (np.int64, _MAX, 0), "syn_flow": (np.int8, 0, 0),
    "synack": (np.int64, _MAX, 2), "hs_ack": (np.int64, _MAX, 2), "fin": (np.int64, _MAX, 2),
    "fin_acked_by": (np.int64, _MAX, 2), "rst": (np.int64, _MAX, 2), "irtt": (np.int64, 0, 0),
    "src": (np.uint8, 0, 16), "dst": (np.uint8, 0, 16), "atype": (np.int8, 0, 0),
    "sport": (np.int64, 0, 0), "dport": (np.int64, 0, 0),
}


class LifecycleSums:
    """The opening and closing events of every stream over analysed pieces, in frame order
    (``add`` each piece, then ``result``): the same as :func:`lifecycles` of the whole table.

    Events are kept per sending side (``_flow``, 0 or 1) until the end decides which side
    is the client. An event that depends on another (the ACK of the SYN/ACK, the ACK of a
    FIN) names it by ``tcp.analysis.acks_frame``, an earlier frame, so the event it names
    is known by the time it comes.
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
        pure = np.flatnonzero(syn_ack == SYN)
        uniq, at = np.unique(s[pure], return_index=True)
        new = c["syn"][uniq] == _MAX
        c["syn"][uniq[new]], c["syn_flow"][uniq[new]] = frame[pure[at[new]]], flow[pure[at[new]]]
        _first_at(c["synack"], s, flow, frame, syn_ack == (SYN | ACK))
        _first_at(c["hs_ack"], s, flow, frame, (syn_ack == ACK) & (acks > 0) & (acks == c["synack"][s, other]))
        _first_at(c["fin"], s, flow, frame, (flags & FIN) != 0)
        _first_at(c["fin_acked_by"], s, flow, frame, (acks > 0) & (acks == c["fin"][s, other]))
        _first_at(c["rst"], s, flow, frame, (flags & RST) != 0)
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
        client = np.where(syn >= 0, c["syn_flow"][:n], c["first_flow"][:n]).astype(np.int64)
        server = 1 - client
        fin_c, fin_s = seen(c["fin"][st, client]), seen(c["fin"][st, server])
        rst_c, rst_s = seen(c["rst"][st, client]), seen(c["rst"][st, server])
        rst = np.where(rst_c < 0, rst_s, np.where(rst_s < 0, rst_c, np.minimum(rst_c, rst_s)))
        lc = Lifecycle(
            first_frame=seen(c["first"][:n]), last_frame=c["last"][:n].copy(), client_side=client,
            syn=syn, synack=seen(c["synack"][st, server]), handshake_ack=seen(c["hs_ack"][st, client]),
            fin_client=fin_c, fin_server=fin_s,
            fin_first_side=np.where((fin_c >= 0) & ((fin_s < 0) | (fin_c <= fin_s)), 0,
                                    np.where(fin_s >= 0, 1, NONE)),
            fin_client_acked=seen(c["fin_acked_by"][st, server]), fin_server_acked=seen(c["fin_acked_by"][st, client]),
            rst=rst, rst_side=np.where(rst < 0, NONE, np.where(rst_c == rst, 0, 1)), initial_rtt_ns=c["irtt"][:n].copy(),
        )
        v4 = (c["atype"][:n] == AT_IPV4).tolist()
        src = [f"{a}:{p}" if four else f"[{a}]:{p}" for a, p, four in zip(
            address_text(c["src"][:n], c["atype"][:n]).tolist(), c["sport"][:n].tolist(), v4, strict=True)]
        dst = [f"{a}:{p}" if four else f"[{a}]:{p}" for a, p, four in zip(
            address_text(c["dst"][:n], c["atype"][:n]).tolist(), c["dport"][:n].tolist(), v4, strict=True)]
        same = (client == c["first_flow"][:n]).tolist()  # the first segment came from the client
        return lc, [(a, b) if k else (b, a) for a, b, k in zip(src, dst, same, strict=True)]


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
        opened = (f"three-way handshake: SYN ({f(syn)}), SYN/ACK ({f(synack)}), ACK ({f(ack)})")
        if lc.initial_rtt_ns[i]:
            opened += f"; initial RTT {lc.initial_rtt_ns[i] / 1e6:.3f} ms"
    elif syn >= 0 and synack >= 0:
        opened = f"SYN ({f(syn)}) and SYN/ACK ({f(synack)}), no ACK of the SYN/ACK captured"
    elif syn >= 0:
        opened = f"SYN ({f(syn)}) never answered with a SYN/ACK"
    elif synack >= 0:
        opened = f"SYN/ACK ({f(synack)}) without the SYN in the capture"
    else:
        opened = f"already open when the capture started (first segment {f(int(lc.first_frame[i]))})"
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
        else:
            text += f"; the {other_side} had not closed by the end of the capture"
        parts.append(text)
    if rst >= 0:
        side = "client" if lc.rst_side[i] == 0 else "server"
        parts.append(f"reset by the {side} (RST, {f(rst)})")
    closed = "; ".join(parts) if parts else f"still open at the end of the capture (last segment {f(int(lc.last_frame[i]))})"
    return opened, closed
