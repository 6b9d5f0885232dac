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
belongs to the opening), else the first one. The client is the analysis stage's
(:mod:`tcpscope.analysis.lifecycle`, its ``lc_client_flow`` column): the side that sent
the first segment if it is a SYN without ACK, the receiver if it is a SYN/ACK, else the
side Zeek would call the originator. The endpoints' RFC 9293 states at the end are those
of each stream's last segment (``tcpscope.state.client``/``server``). All per-stream
reductions are whole-array operations, summed a piece of the capture at a time
(:class:`LifecycleSums`); only the text is built per connection.

From those events: :func:`verdicts` (how each stream opened, ``OPEN_*``, and closed,
``CLOSE_*``, and who closed first), :func:`describe` (the opening and the closing in
words, each in frame order, with what came after the RST that ended it), and
:func:`sentence` (one sentence, with Zeek's words for its ``conn_state``), and
:func:`final_states` (the endpoints' states at the end, as text).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tcpscope._types import Array, Index
from tcpscope.analysis.conversations import AT_IPV4
from tcpscope.analysis.tcp_states import STATE_LABELS, TcpState
from tcpscope.constants import ACK, FIN, RST, SYN
from tcpscope.table.packets import PacketTable
from tcpscope.views.conversations import address_text, row_addresses

__all__ = [
    "CONN_STATE_WORDS",
    "Lifecycle",
    "LifecycleSums",
    "Verdicts",
    "describe",
    "end_states",
    "final_states",
    "lifecycles",
    "sentence",
    "verdicts",
]

NONE = -1


@dataclass(frozen=True, kw_only=True)
class Lifecycle:
    """Per stream (index = tcp.stream), frame numbers (1-based; -1 when absent) of the
    events that open and close a connection, and which side is the client."""

    first_frame: Array
    last_frame: Array
    client_side: Array  # the client's side (``_flow``: 0 or 1)
    client_end: Array  # the client's TcpState after the stream's last segment
    server_end: Array  # the server's
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
    simultaneous_open: Array  # both sides sent a SYN without ACK
    data_after_rst: Array  # segments with data after the RST that ended the connection
    data_after_rst_frame: Array  # the first of them (-1: none)
    rsts_after_rst: Array  # RSTs after it
    rsts_after_rst_frame: Array
    restarted_at: Array  # the first frame of the connection told, when it replaced an earlier one (-1: none)

    def __len__(self) -> int:
        return int(self.first_frame.shape[0])


_MAX = np.iinfo(np.int64).max


#: per-stream columns of :class:`LifecycleSums` and the value of a stream not seen yet
_COLUMNS: dict[str, tuple[type, int, int]] = {  # name: (dtype, fill, width; 0 = one value, 2 = per flow)
    "first": (np.int64, _MAX, 0), "last": (np.int64, NONE, 0), "first_flow": (np.int8, 0, 0),
    # the client's flow (analysis.lifecycle), and each endpoint's state after the last segment
    "client_flow": (np.int8, 0, 0), "end_client": (np.uint8, int(TcpState.UNKNOWN), 0),
    "end_server": (np.uint8, int(TcpState.UNKNOWN), 0),
    "syn": (np.int64, _MAX, 0),
    "synack": (np.int64, _MAX, 2), "synack_seq": (np.int64, 0, 2), "hs_ack": (np.int64, _MAX, 2),
    "fin": (np.int64, _MAX, 2), "fin_acked_by": (np.int64, _MAX, 2),
    "rst": (np.int64, _MAX, 2), "rst_open": (np.int64, _MAX, 2),  # rst_open: the first RST after a handshake's ACK
    "irtt": (np.int64, 0, 0), "bare_syn": (np.int64, _MAX, 2),  # bare_syn: each side's first SYN without ACK
    # after the first RST (``rst``) and after the first RST past the handshake's ACK (``ropen``):
    # segments with data and RSTs, how many and the first
    "rst_data_n": (np.int64, 0, 0), "rst_data_at": (np.int64, _MAX, 0),
    "rst_rst_n": (np.int64, 0, 0), "rst_rst_at": (np.int64, _MAX, 0),
    "ropen_data_n": (np.int64, 0, 0), "ropen_data_at": (np.int64, _MAX, 0),
    "ropen_rst_n": (np.int64, 0, 0), "ropen_rst_at": (np.int64, _MAX, 0),
    "src": (np.uint8, 0, 16), "dst": (np.uint8, 0, 16), "atype": (np.int8, 0, 0),
    "sport": (np.int64, 0, 0), "dport": (np.int64, 0, 0),
    # the first frame of the connection told, when it replaced an earlier one on the stream
    "restarted": (np.int64, NONE, 0),
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

    The client is the analysis' (``lc_client_flow``). When the analysis revives a stream
    it had retired (a capture read a piece at a time: docs/deviations.md, "Retired
    conversations"), the state machine starts that stream again from its next segment and
    may choose the other side as the client (the other side opens the connection on the
    same ports). The stream's events so far are then forgotten as the state machine forgot
    them, and the connection told is the one that starts there (``restarted_at``): its
    client, its opening, its close and its final states agree. Retirement happens between
    pieces only, so a stream has one client within a piece.
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
        self._restart(s, frame, np.asarray(cols["lc_client_flow"], dtype=np.int64)[rows])
        flags = np.asarray(cols["flags"], dtype=np.int64)[rows]
        flow = np.asarray(cols["_flow"], dtype=np.int64)[rows]
        other = 1 - flow
        acks = np.asarray(cols["acks_frame"], dtype=np.int64)[rows]
        self._ends(table, rows, s, frame, flow)
        syn_ack = flags & (SYN | ACK)
        # SYN: the first segment with SYN set and ACK clear
        pure = np.flatnonzero(syn_ack == SYN)
        uniq, at = np.unique(s[pure], return_index=True)
        new = c["syn"][uniq] == _MAX
        c["syn"][uniq[new]] = frame[pure[at[new]]]
        _first_at(c["bare_syn"], s, flow, frame, syn_ack == SYN)
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
        # what came after each of the two RSTs that may end the connection
        data = np.asarray(cols["len"], dtype=np.int64)[rows] > 0
        for key, first in (("rst", c["rst"][s].min(axis=1)), ("ropen", c["rst_open"][s].min(axis=1))):
            for kind, mask in (("data", data), ("rst", rst)):
                later = mask & (frame > first)
                np.add.at(c[f"{key}_{kind}_n"], s[later], 1)
                np.minimum.at(c[f"{key}_{kind}_at"], s[later], frame[later])
        if "initial_rtt" in cols:
            np.maximum.at(c["irtt"], s, np.asarray(cols["initial_rtt"], dtype=np.int64)[rows])

    def _restart(self, s: Index, frame: Index, client: Index) -> None:
        """Forget the streams of ``s`` seen before whose client (``lc_client_flow``) is not
        the one the analysis now gives them (class docstring): each starts again at its
        first frame here."""
        uniq, at = np.unique(s, return_index=True)
        again = (self.c["first"][uniq] != _MAX) & (self.c["client_flow"][uniq] != client[at])
        gone = uniq[again]
        if gone.shape[0] == 0:
            return
        for name, (_, fill, _) in _COLUMNS.items():
            self.c[name][gone] = fill
        self.c["restarted"][gone] = frame[at[again]]

    def _ends(self, table: PacketTable, rows: Index, s: Index, frame: Index, flow: Index) -> None:
        """Each stream's first segment (its frame, its sender, the client's flow and the
        endpoints) and its last (its frame and the endpoints' states after it) among the
        piece's segments ``rows`` of streams ``s``."""
        cols, c = table.layer("tcp").cols, self.c
        uniq, at = np.unique(s, return_index=True)
        new = c["first"][uniq] == _MAX
        ns, nat = uniq[new], at[new]
        c["first"][ns], c["first_flow"][ns] = frame[nat], flow[nat]
        c["client_flow"][ns] = np.asarray(cols["lc_client_flow"])[rows[nat]]
        c["src"][ns], c["dst"][ns], c["atype"][ns] = row_addresses(table, rows[nat])
        c["sport"][ns] = np.asarray(cols["srcport"], dtype=np.int64)[rows[nat]]
        c["dport"][ns] = np.asarray(cols["dstport"], dtype=np.int64)[rows[nat]]
        np.maximum.at(c["last"], s, frame)
        # the last segment in this piece (pieces come in frame order: the last piece's wins)
        back = rows.shape[0] - 1 - np.unique(s[::-1], return_index=True)[1]
        c["end_client"][s[back]] = np.asarray(cols["lc_client"])[rows[back]]
        c["end_server"][s[back]] = np.asarray(cols["lc_server"])[rows[back]]

    def result(self) -> tuple[Lifecycle, list[tuple[str, str]]]:
        """The events of every stream (frame numbers; -1: none), and its client's and
        server's endpoints as text."""
        n, c = self.n, self.c
        st = np.arange(n)

        def seen(a: np.ndarray) -> np.ndarray:
            return np.where(a == _MAX, NONE, a)

        syn = seen(c["syn"][:n])
        client = c["client_flow"][:n].astype(np.int64)
        server = 1 - client
        fin_c, fin_s = seen(c["fin"][st, client]), seen(c["fin"][st, server])
        hs_ack = seen(c["hs_ack"][st, client])
        rst, rst_side = _first_of_sides(c["rst"][st, client], c["rst"][st, server])
        rst_open, rst_open_side = _first_of_sides(c["rst_open"][st, client], c["rst_open"][st, server])
        # the handshake completed after a RST: that RST was part of the opening
        early = (hs_ack >= 0) & (rst >= 0) & (rst < hs_ack)
        lc = Lifecycle(
            first_frame=seen(c["first"][:n]), last_frame=c["last"][:n].copy(), client_side=client,
            client_end=c["end_client"][:n].copy(), server_end=c["end_server"][:n].copy(),
            syn=syn, synack=seen(c["synack"][st, server]), handshake_ack=hs_ack,
            fin_client=fin_c, fin_server=fin_s,
            fin_first_side=np.where((fin_c >= 0) & ((fin_s < 0) | (fin_c <= fin_s)), 0,
                                    np.where(fin_s >= 0, 1, NONE)),
            fin_client_acked=seen(c["fin_acked_by"][st, server]), fin_server_acked=seen(c["fin_acked_by"][st, client]),
            rst=np.where(early, rst_open, rst), rst_side=np.where(early, rst_open_side, rst_side),
            rst_before_open=np.where(early, rst, NONE), rst_before_open_side=np.where(early, rst_side, NONE),
            initial_rtt_ns=c["irtt"][:n].copy(),
            simultaneous_open=(c["bare_syn"][:n] != _MAX).all(axis=1),
            data_after_rst=np.where(early, c["ropen_data_n"][:n], c["rst_data_n"][:n]),
            data_after_rst_frame=seen(np.where(early, c["ropen_data_at"][:n], c["rst_data_at"][:n])),
            rsts_after_rst=np.where(early, c["ropen_rst_n"][:n], c["rst_rst_n"][:n]),
            rsts_after_rst_frame=seen(np.where(early, c["ropen_rst_at"][:n], c["rst_rst_at"][:n])),
            restarted_at=c["restarted"][:n].copy(),
        )
        v4 = (c["atype"][:n] == AT_IPV4).tolist()
        src = [f"{a}:{p}" if four else f"[{a}]:{p}" for a, p, four in zip(
            address_text(c["src"][:n], c["atype"][:n]).tolist(), c["sport"][:n].tolist(), v4, strict=True)]
        dst = [f"{a}:{p}" if four else f"[{a}]:{p}" for a, p, four in zip(
            address_text(c["dst"][:n], c["atype"][:n]).tolist(), c["dport"][:n].tolist(), v4, strict=True)]
        same = (client == c["first_flow"][:n]).tolist()  # the first segment came from the client
        return lc, [(a, b) if k else (b, a) for a, b, k in zip(src, dst, same, strict=True)]


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


# How a connection opened (RFC 9293 §3.5), one verdict per stream
OPEN_HANDSHAKE = "three-way handshake"  # SYN, SYN/ACK, and the ACK of the SYN/ACK
OPEN_SIMULTANEOUS = "simultaneous open"  # a SYN without ACK from each side (§3.5, figure 8)
OPEN_REFUSED = "refused by RST"  # the SYN answered by the server's RST, no SYN/ACK
OPEN_UNANSWERED = "SYN unanswered"  # a SYN, and nothing from the server that answers it
OPEN_INCOMPLETE = "handshake incomplete"  # SYN and SYN/ACK, no ACK of the SYN/ACK
OPEN_NOT_SEEN = "not seen"  # no SYN in the capture: it opened before the capture started

# How it closed (RFC 9293 §3.6), one verdict per stream
CLOSE_FOUR = "four-segment FIN close"  # FIN, its ACK, the other FIN, its ACK
CLOSE_THREE = "three-segment FIN close"  # FIN, the other FIN carrying the ACK of the first, its ACK
CLOSE_SIMULTANEOUS = "simultaneous close"  # each side's FIN sent before the other's was acknowledged
CLOSE_RST_CLIENT = "RST by the client"
CLOSE_RST_SERVER = "RST by the server"
CLOSE_HALF = "half-closed"  # one side's FIN only: the other was still open at the end
CLOSE_OPEN = "still open"  # no FIN, no RST

#: Zeek's words for each ``conn_state`` (scripts/base/protocols/conn/main.zeek)
CONN_STATE_WORDS = {
    "S0": "a connection attempt with no reply",
    "S1": "established, not terminated",
    "SF": "normal establishment and termination",
    "REJ": "connection attempt rejected",
    "S2": "established, the originator closed, no reply from the responder",
    "S3": "established, the responder closed, no reply from the originator",
    "RSTO": "established, the originator aborted it with a RST",
    "RSTR": "the responder sent a RST",
    "RSTOS0": "the originator sent a SYN then a RST, with no SYN/ACK from the responder",
    "RSTRH": "the responder sent a SYN/ACK then a RST, with no SYN from the originator",
    "SH": "the originator sent a SYN then a FIN, with no SYN/ACK from the responder",
    "SHR": "the responder sent a SYN/ACK then a FIN, with no SYN from the originator",
    "OTH": "no SYN seen, just midstream traffic",
}


@dataclass(frozen=True)
class Verdicts:
    """Per stream: how it opened (``OPEN_*``), how it closed (``CLOSE_*``), and which side
    closed first (``client``, ``server``; empty when neither sent a FIN or RST)."""

    opened: Array
    closed: Array
    closed_first: Array


def _opening_verdict(lc: Lifecycle) -> Array:
    """A SYN from both sides is a simultaneous open; then a SYN, its SYN/ACK and the ACK
    of that is a three-way handshake; a SYN the server answers with a RST and no SYN/ACK is
    refused; a SYN with a SYN/ACK but no ACK of it is incomplete; a SYN alone, unanswered;
    no SYN, not seen."""
    syn, synack, ack = lc.syn >= 0, lc.synack >= 0, lc.handshake_ack >= 0
    refused = syn & ~synack & (lc.rst >= 0) & (lc.rst_side == 1)
    out: Array = np.select(
        [lc.simultaneous_open, syn & synack & ack, refused, syn & synack, syn],
        [OPEN_SIMULTANEOUS, OPEN_HANDSHAKE, OPEN_REFUSED, OPEN_INCOMPLETE, OPEN_UNANSWERED],
        default=OPEN_NOT_SEEN)
    return out


def _fins(lc: Lifecycle) -> tuple[Array, Array, Array, Array]:
    """The first FIN of the side that closed first, the other side's, and the frames that
    acknowledge each (-1: none)."""
    client_first = lc.fin_first_side == 0
    first = np.where(client_first, lc.fin_client, lc.fin_server)
    other = np.where(client_first, lc.fin_server, lc.fin_client)
    first_acked = np.where(client_first, lc.fin_client_acked, lc.fin_server_acked)
    other_acked = np.where(client_first, lc.fin_server_acked, lc.fin_client_acked)
    return first, other, first_acked, other_acked


def _closing_verdict(lc: Lifecycle) -> Array:
    """Both sides' FINs: three segments when the second FIN is what acknowledges the first,
    four when the first was acknowledged before the second FIN, simultaneous when the
    second FIN came before any acknowledgment of the first. Without both FINs, the RST that
    ended the connection names its sender; one FIN alone is a half close; neither, still
    open. (A RST after both FINs leaves the verdict to the FINs: the close was complete.)"""
    first, other, first_acked, _ = _fins(lc)
    both = (first >= 0) & (other >= 0)
    out: Array = np.select(
        [both & (first_acked == other), both & (first_acked >= 0) & (first_acked < other), both,
         lc.rst_side == 0, lc.rst_side == 1, first >= 0],
        [CLOSE_THREE, CLOSE_FOUR, CLOSE_SIMULTANEOUS, CLOSE_RST_CLIENT, CLOSE_RST_SERVER, CLOSE_HALF],
        default=CLOSE_OPEN)
    return out


def verdicts(lc: Lifecycle) -> Verdicts:
    """How every stream opened and closed, and who closed first (the side whose FIN came
    first; without a FIN, the sender of the RST that ended it)."""
    first_side = np.where(lc.fin_first_side >= 0, lc.fin_first_side, lc.rst_side)
    return Verdicts(opened=_opening_verdict(lc), closed=_closing_verdict(lc),
                    closed_first=np.select([first_side == 0, first_side == 1], ["client", "server"], default=""))


def _frame(x: int) -> str:
    return f"frame {x}"


def _in_order(events: list[tuple[int, str]]) -> str:
    """Events ``(frame, words)`` in frame order: ``words (frame N), ...``."""
    return ", ".join(f"{words} ({_frame(at)})" for at, words in sorted(events))


def _opened(lc: Lifecycle, i: int, verdict: str) -> str:
    """How stream ``i`` opened, its segments in frame order."""
    syn, synack, ack = int(lc.syn[i]), int(lc.synack[i]), int(lc.handshake_ack[i])
    events = [(syn, "SYN")] if syn >= 0 else []
    if synack >= 0:
        events.append((synack, "SYN/ACK, captured before its SYN" if syn >= 0 and synack < syn else "SYN/ACK"))
    if ack >= 0:
        events.append((ack, "ACK"))
    if lc.rst_before_open[i] >= 0:
        side = "client" if lc.rst_before_open_side[i] == 0 else "server"
        events.append((int(lc.rst_before_open[i]), f"a RST from the {side}"))
    if verdict == OPEN_REFUSED:
        events.append((int(lc.rst[i]), "the server's RST"))
    told = _in_order(events)
    if verdict in (OPEN_HANDSHAKE, OPEN_SIMULTANEOUS):
        text = f"{verdict}: {told}"
        if lc.initial_rtt_ns[i]:
            text += f"; initial RTT {lc.initial_rtt_ns[i] / 1e6:.3f} ms"
        return text
    if verdict == OPEN_REFUSED:
        return f"refused: {told}"
    if verdict == OPEN_INCOMPLETE:
        return f"{told}; no ACK of the SYN/ACK captured"
    if verdict == OPEN_UNANSWERED:
        return f"{told}, never answered"
    if events:
        return f"{told}; the SYN is not in the capture"
    return f"already open when the capture started (first segment {_frame(int(lc.first_frame[i]))})"


def _fin_story(lc: Lifecycle, i: int, verdict: str) -> str:
    """The FINs of stream ``i``, in frame order."""
    first, other, first_acked, other_acked = (int(a[i]) for a in _fins(lc))
    who, peer = ("client", "server") if lc.fin_first_side[i] == 0 else ("server", "client")
    early = ", before the handshake finished" if lc.handshake_ack[i] >= 0 and first < lc.handshake_ack[i] else ""
    acked = f", acknowledged in {_frame(first_acked)}" if first_acked >= 0 else ""
    other_ack = f", acknowledged in {_frame(other_acked)}" if other_acked >= 0 else ", its ACK not captured"
    if verdict == CLOSE_THREE:
        return (f"the {who} closed first (FIN, {_frame(first)}{early}), and the {peer} acknowledged it with "
                f"its own FIN ({_frame(other)}{other_ack})")
    if verdict == CLOSE_SIMULTANEOUS:
        return (f"both sides closed at once: the {who}'s FIN ({_frame(first)}{early}{acked}) and the "
                f"{peer}'s ({_frame(other)}{other_ack}) crossed")
    text = f"the {who} closed first (FIN, {_frame(first)}{early}{acked})"
    if other >= 0:
        return text + f", then the {peer} (FIN, {_frame(other)}{other_ack})"
    if lc.rst[i] < 0:
        return text + f"; the {peer} had not closed by the end of the capture"
    return text


def _after_rst(lc: Lifecycle, i: int) -> str:
    """What came after the RST that ended stream ``i``: segments with data, more RSTs."""
    parts = []
    n = int(lc.data_after_rst[i])
    if n:
        parts.append(f"{n} segment{'s' if n > 1 else ''} with data ({'from ' if n > 1 else ''}"
                     f"{_frame(int(lc.data_after_rst_frame[i]))})")
    n = int(lc.rsts_after_rst[i])
    if n:
        parts.append(f"{n} more RST{'s' if n > 1 else ''} ({'from ' if n > 1 else ''}"
                     f"{_frame(int(lc.rsts_after_rst_frame[i]))})")
    return f"; after it, {' and '.join(parts)}" if parts else ""


def describe(lc: Lifecycle, i: int, v: Verdicts | None = None) -> tuple[str, str]:
    """Plain words for how stream ``i`` opened and how it closed, each in frame order (and
    where the connection told starts, when it replaced an earlier one on the stream)."""
    v = verdicts(lc) if v is None else v
    opened = _opened(lc, i, str(v.opened[i]))
    if lc.restarted_at[i] >= 0:
        opened += (f" (the frames before {_frame(int(lc.restarted_at[i]))} belong to an earlier connection on the same"
                   " ports)")
    closed = str(v.closed[i])
    parts = []
    if lc.fin_first_side[i] >= 0:
        parts.append(_fin_story(lc, i, closed))
    rst = int(lc.rst[i])
    if rst >= 0 and str(v.opened[i]) != OPEN_REFUSED:
        side = "client" if lc.rst_side[i] == 0 else "server"
        parts.append(f"reset by the {side} (RST, {_frame(rst)}){_after_rst(lc, i)}")
    elif rst >= 0:
        parts.append(f"the server's RST ({_frame(rst)}) ended it{_after_rst(lc, i)}")
    told = "; ".join(parts) if parts else f"still open at the end of the capture (last segment {_frame(int(lc.last_frame[i]))})"
    return opened, told


_OPEN_WORDS = {
    OPEN_HANDSHAKE: "it opened with a three-way handshake",
    OPEN_SIMULTANEOUS: "it opened with a simultaneous open (both sides sent a SYN)",
    OPEN_REFUSED: "the server refused it with a RST",
    OPEN_UNANSWERED: "its SYN was never answered",
    OPEN_INCOMPLETE: "its handshake never finished (no ACK of the SYN/ACK)",
    OPEN_NOT_SEEN: "its opening is not in the capture",
}


def sentence(lc: Lifecycle, v: Verdicts, i: int, conn_state: str) -> str:
    """One plain sentence for stream ``i``: how it opened, how it closed, and what Zeek
    calls it (``conn_state``)."""
    opened, closed = str(v.opened[i]), str(v.closed[i])
    first = str(v.closed_first[i]) or "client"
    other = "server" if first == "client" else "client"
    close = {
        CLOSE_FOUR: f"both sides closed it with a FIN each (four segments), the {first} first",
        CLOSE_THREE: f"the {first} closed it and the {other}'s FIN carried the ACK of it (three segments)",
        CLOSE_SIMULTANEOUS: "both sides closed it at once (a simultaneous close)",
        CLOSE_RST_CLIENT: "the client reset it",
        CLOSE_RST_SERVER: "the server reset it",
        CLOSE_HALF: f"the {first} closed its side and the {other}'s was still open at the end",
        CLOSE_OPEN: "it was still open at the end of the capture",
    }[closed]
    words = _OPEN_WORDS[opened]
    if lc.rst_before_open[i] >= 0:
        words += f" after a RST from the {'client' if lc.rst_before_open_side[i] == 0 else 'server'}"
    if closed in (CLOSE_FOUR, CLOSE_THREE, CLOSE_SIMULTANEOUS, CLOSE_HALF) and lc.rst[i] >= 0:
        close += f", then the {'client' if lc.rst_side[i] == 0 else 'server'} sent a RST"
    text = words if opened == OPEN_REFUSED else f"{words}, and {close}"
    zeek = CONN_STATE_WORDS.get(conn_state, "")
    return f"{text[0].upper()}{text[1:]}; Zeek calls it {conn_state} ({zeek})."


def end_states(lc: Lifecycle, streams: Index) -> tuple[Array, Array]:
    """The client's and the server's RFC 9293 state after the last segment of each of
    ``streams`` (``tcpscope.state.client``/``server``; UNKNOWN where the segments do not
    show it), as text."""
    return STATE_LABELS[lc.client_end[streams]], STATE_LABELS[lc.server_end[streams]]


def final_states(lc: Lifecycle, i: int) -> tuple[str, str]:
    """:func:`end_states` of stream ``i``."""
    client, server = end_states(lc, np.array([i]))
    return str(client[0]), str(server[0])
