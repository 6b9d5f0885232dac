"""Zeek's view of each TCP connection: ``conn.log``'s originator, ``history``, ``conn_state``
and sizes, by Zeek's own rules (/work/shared/reference/zeek-conn.md, from zeek at a13de64:
``TCPSessionAdapter::Process``, ``update_history``, ``TCP_Endpoint``, ``conn_state`` in
scripts/base/protocols/conn/main.zeek), as ``zeek -C`` computes them: checksums ignored.

One row per ``tcp.stream``. Every TCP segment whose header tshark read whole goes through
Zeek's per-packet steps in frame order, in one compiled kernel (:func:`_walk`) over the
piece's segments, whose state per connection (a row of named int64 columns) is carried from
piece to piece (:class:`ZeekSums`): the originator (a side, ``_flow`` 0 or 1), and per side
Zeek's endpoint: its state (INACTIVE ... RESET) and previous state, its start, last and
acknowledged sequence numbers (relative to the start, unwrapped), the sequence numbers its
last SYN, FIN and RST carried (for the repeated letters), its counters of the logarithmic
letters, its reassembled byte stream (for content gaps), packets and IP bytes. The history's
letters come out of the kernel as (stream, letter) events and are joined per connection at
the end; a ``CLEAR`` event is Zeek replacing the history ``H`` by ``^h``.

Where this differs from Zeek (each said once here, and in docs/deviations.md):

* A connection is a ``tcp.stream``: Zeek's timers (the 5 s attempt timer, inactivity,
  the close delay after which a later segment starts a new connection) and its reuse rule
  do not split it again.
* ``likely_server_ports`` is the set of a default ``zeek -r`` (:data:`LIKELY_SERVER_PORTS`;
  ``zeek -b`` loads fewer scripts and so flips on fewer ports: pass the set to
  :class:`ZeekSums`). The broadcast-responder exception to the port flip is not applied.
* Content gaps are found against the reassembled stream held as its contiguous end plus one
  range of out-of-order bytes (Zeek keeps every block).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from tcpscope._jit import helper, kernel
from tcpscope._types import Array, Index
from tcpscope.constants import ACK, FIN, RST, SYN
from tcpscope.table.packets import PacketTable
from tcpscope.views.conversations import address_text, row_addresses

__all__ = ["LIKELY_SERVER_PORTS", "STATE_NAMES", "ZeekConns", "ZeekSums", "conn_state", "zeek_conns"]

#: The TCP ports of ``likely_server_ports`` in a default ``zeek -r`` (every base protocol
#: script's ``Analyzer::register_for_ports``; zeek-conn.md §1).
LIKELY_SERVER_PORTS: frozenset[int] = frozenset({
    21, 22, 25, 79, 80, 81, 88, 135, 139, 143, 389, 443, 445, 465, 502, 514, 563, 585, 587, 614, 631,
    636, 989, 990, 992, 993, 995, 1080, 1434, 1883, 2811, 3128, 3268, 3306, 3389, 5222, 5223, 5269,
    5432, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8888, 20000})

# Zeek's endpoint states (init-bare.zeek: TCP_INACTIVE ... TCP_RESET)
INACTIVE, SYN_SENT, SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED, RESET = range(7)
STATE_NAMES = ("INACTIVE", "SYN_SENT", "SYN_ACK_SENT", "PARTIAL", "ESTABLISHED", "CLOSED", "RESET")

_M32 = 0xFFFFFFFF
#: a SYN or RST this far from the last sequence number is not taken as its new end
_MAX_SEQ_JUMP = 1_048_576
#: the event that replaces the history recorded so far (``H`` becomes ``^h``)
CLEAR = 0
#: the most history events one segment can make: its letter, or the ``^h`` flip's four
#: (``CLEAR``, ``^``, ``h`` and the letter), then ``^``, W, T and two G
_MAX_EVENTS = 9
#: segments walked at a time: the kernel's inputs stay a few MiB whatever the piece
CHUNK_ROWS = 1 << 16

# one segment: a row of int64 columns
P_STREAM, P_FLOW, P_FLAGS, P_SEQ, P_ACK, P_LEN, P_WIN, P_TS, P_IPLEN, P_SPORT, P_DPORT, P_CAPTURED = range(12)
_P_COLS = 12

# one connection: a row of int64 columns; per-side fields take two columns (+ side)
C_CREATED, C_ORIG, C_START_TS, C_LAST_TS, C_NLETTERS, C_ONLY_H, C_SEEN = 0, 1, 2, 3, 4, 5, 6  # C_SEEN + role
E_STATE, E_PREV, E_START, E_LAST, E_ACKED, E_SYN_SEEN, E_HIST_SYN, E_HIST_FIN, E_HIST_RST = (
    8, 10, 12, 14, 16, 18, 20, 22, 24)
E_FINS, E_W_N, E_W_AT, E_T_N, E_T_AT, E_G_N, E_G_AT, E_DELIVERED = 26, 28, 30, 32, 34, 36, 38, 40
E_PEND_LO, E_PEND_HI, E_PKTS, E_IP_BYTES, E_MISSED = 42, 44, 46, 48, 50
_C_COLS = 52

# the "letter seen" bits of one role (Session::CheckHistory's mask; one set per role)
_H_DATA, _H_ACK, _H_FIN_RST, _H_MULTI, _H_SYN, _H_FIN, _H_RST = 1, 2, 4, 8, 16, 32, 64
_LOWER = 32  # ASCII: a responder's letter is the originator's plus 32


@helper
def _delta32(d: Any) -> Any:
    """``d`` modulo 2^32 as a signed 32-bit number (Zeek's ``seq_delta``)."""
    d = d & _M32
    return d - (1 << 32) if d >= (1 << 31) else d


@helper
def _rel(c: Any, f: Any, x: Any) -> Any:
    """The sequence number ``x`` of side ``f`` relative to its start, unwrapped near its last one."""
    return c[E_LAST + f] + _delta32(x - c[E_START + f] - c[E_LAST + f])


@helper
def _emit(ev: Any, nev: Any, stream: Any, letter: Any) -> None:
    """Append one history event."""
    k = nev[0]
    ev[k, 0] = stream
    ev[k, 1] = letter
    nev[0] = k + 1


@helper
def _add_letter(c: Any, ev: Any, nev: Any, who: Any, letter: Any) -> None:
    """Record ``letter`` (upper case) for ``who`` (stream * 2 + side): lower case for the
    responder."""
    f = who & 1
    c[C_ONLY_H] = 1 if (c[C_NLETTERS] == 0 and letter == 72 and f == c[C_ORIG]) else 0
    _emit(ev, nev, who >> 1, letter if f == c[C_ORIG] else letter + _LOWER)
    c[C_NLETTERS] += 1


@helper
def _flip_after_synack(c: Any, p: Any, ev: Any, nev: Any) -> None:
    """A history of exactly ``H`` (a SYN/ACK from the nominal originator) followed by an
    ``A`` or ``D`` from either side (productive traffic, not a scan's answer): the roles
    flip and the history becomes ``^h`` before the letter is checked and recorded
    (``TCP_Endpoint::CheckHistory``; zeek-conn.md §1, case 2)."""
    if c[C_NLETTERS] == 1 and c[C_ONLY_H] == 1:
        c[C_ORIG] = 1 - c[C_ORIG]
        _emit(ev, nev, p[P_STREAM], CLEAR)
        _emit(ev, nev, p[P_STREAM], 94)  # ^
        _emit(ev, nev, p[P_STREAM], 104)  # h
        c[C_NLETTERS] = 2
        c[C_ONLY_H] = 0


@helper
def _once(c: Any, p: Any, ev: Any, nev: Any, bit_letter: Any) -> None:
    """A letter recorded once per role (D, A, I, Q): ``bit_letter`` is bit * 256 + letter."""
    bit, letter = bit_letter >> 8, bit_letter & 255
    if letter in (65, 68):
        _flip_after_synack(c, p, ev, nev)
    role = 0 if p[P_FLOW] == c[C_ORIG] else 1
    if c[C_SEEN + role] & bit == 0:
        c[C_SEEN + role] |= bit
        _add_letter(c, ev, nev, p[P_STREAM] * 2 + p[P_FLOW], letter)


@helper
def _repeat(c: Any, p: Any, ev: Any, nev: Any, which: Any) -> None:
    """S/H, F or R (``which``: 0, 1, 2): the first of its kind from a role, then again
    whenever its sequence number (FIN: the end of its data) differs from the sender's
    previous one of that kind."""
    f = p[P_FLOW]
    role = 0 if f == c[C_ORIG] else 1
    rel = _rel(c, f, p[P_SEQ])
    if which == 0:
        bit, field, letter = _H_SYN, E_HIST_SYN, 72 if p[P_FLAGS] & ACK else 83  # H, S
    elif which == 1:
        bit, field, letter = _H_FIN, E_HIST_FIN, 70  # F
        rel += p[P_LEN]
    else:
        bit, field, letter = _H_RST, E_HIST_RST, 82  # R
    if c[C_SEEN + role] & bit == 0:
        c[C_SEEN + role] |= bit
        _add_letter(c, ev, nev, p[P_STREAM] * 2 + f, letter)
    elif rel != c[field + f]:
        _add_letter(c, ev, nev, p[P_STREAM] * 2 + f, letter)
    c[field + f] = rel


@helper
def _history(c: Any, p: Any, ev: Any, nev: Any) -> None:
    """``update_history``: two or three of SYN, FIN, RST give ``I`` (FIN and RST) or ``Q``;
    one gives S/H, F or R; none gives ``D`` for payload, else ``A`` for an ACK."""
    fl = p[P_FLAGS]
    bits = (1 if fl & SYN else 0) + (1 if fl & FIN else 0) + (1 if fl & RST else 0)
    if bits > 1:
        _once(c, p, ev, nev, _H_FIN_RST * 256 + 73 if (fl & FIN and fl & RST) else _H_MULTI * 256 + 81)
    elif fl & SYN:
        _repeat(c, p, ev, nev, 0)
    elif fl & FIN:
        _repeat(c, p, ev, nev, 1)
    elif fl & RST:
        _repeat(c, p, ev, nev, 2)
    elif p[P_LEN] > 0:
        _once(c, p, ev, nev, _H_DATA * 256 + 68)
    elif fl & ACK:
        _once(c, p, ev, nev, _H_ACK * 256 + 65)


@helper
def _scaled(c: Any, ev: Any, nev: Any, who: Any, field_letter: Any) -> None:
    """A logarithmic letter (``ScaledHistoryEntry``) of ``who`` (stream * 2 + side):
    recorded at the side's 1st, 10th, 100th ... event. ``field_letter``: its counter's
    column * 256 + the letter (the threshold is the next column pair)."""
    field, letter = field_letter >> 8, field_letter & 255
    f = who & 1
    c[field + f] += 1
    if c[field + 2 + f] == 0:
        c[field + 2 + f] = 1
    if c[field + f] == c[field + 2 + f]:
        c[field + 2 + f] *= 10
        _add_letter(c, ev, nev, who, letter)


@helper
def _set_state(c: Any, f: Any, state: Any) -> None:
    """Move side ``f`` to ``state``, remembering the one it leaves."""
    c[E_PREV + f] = c[E_STATE + f]
    c[E_STATE + f] = state


@helper
def _init_endpoint(c: Any, p: Any) -> Any:
    """``init_endpoint``: the side's start is set by its first segment (a SYN's sequence
    number, else one before the first byte: a partial connection), and set again by a SYN
    with another sequence number while it waits for the handshake, by any SYN once it is
    established, and by a SYN after a RST that was its first segment (that RST was likely
    injected). Returns the start it had before."""
    f, fl = p[P_FLOW], p[P_FLAGS]
    before = c[E_START + f]
    state = c[E_STATE + f]
    syn = 1 if fl & SYN else 0
    waiting = state in (SYN_SENT, SYN_ACK_SENT)
    again = syn == 1 and (
        (waiting and p[P_SEQ] != c[E_START + f]) or state in (ESTABLISHED, PARTIAL)
        or (state == RESET and c[E_PREV + f] == INACTIVE))
    if state == INACTIVE or again:
        c[E_START + f] = p[P_SEQ] if syn else (p[P_SEQ] - 1) & _M32
        c[E_ACKED + f] = 0
        c[E_LAST + f] = p[P_LEN] + 1 + (1 if fl & FIN else 0) if syn else 1
        c[E_DELIVERED + f] = 1
        c[E_SYN_SEEN + f] = syn
    return before


@helper
def _ack_received(c: Any, p: Any) -> None:
    """An ACK: a peer not heard from yet starts one before the acknowledgment number
    (``init_peer``); else, unless the segment resets, its highest acknowledged number."""
    g = 1 - p[P_FLOW]
    if c[E_STATE + g] == INACTIVE:
        c[E_START + g] = (p[P_ACK] - 1) & _M32
        c[E_LAST + g] = 0
        c[E_ACKED + g] = 0
    elif not p[P_FLAGS] & RST:
        c[E_ACKED + g] = max(c[E_ACKED + g], _rel(c, g, p[P_ACK]))


@helper
def _last_seq(c: Any, p: Any, ev: Any, nev: Any) -> None:
    """``update_last_seq``: the end of the segment (payload but on a RST, plus SYN and FIN)
    becomes the side's last sequence number when it goes past it; payload that does not is
    a retransmission (``T``). A SYN or RST more than 2^20 away is ignored, a FIN right after
    the start is taken, and nothing after the side's RST counts."""
    f, fl = p[P_FLOW], p[P_FLAGS]
    end = _rel(c, f, p[P_SEQ]) + (0 if fl & RST else p[P_LEN]) + (1 if fl & SYN else 0) + (1 if fl & FIN else 0)
    delta = end - c[E_LAST + f]
    if fl & (SYN | RST) and abs(delta) > _MAX_SEQ_JUMP:
        return
    if fl & FIN and c[E_LAST + f] == 1:
        c[E_LAST + f] = end
    elif c[E_STATE + f] == RESET:
        return
    elif delta > 0:
        c[E_LAST + f] = end
    elif p[P_LEN] > 0:
        _scaled(c, ev, nev, p[P_STREAM] * 2 + f, E_T_N * 256 + 84)


@helper
def _inactive(c: Any, p: Any, start_before: Any) -> None:
    """``UpdateInactiveState``: the sender's first segment."""
    f, fl = p[P_FLOW], p[P_FLAGS]
    g = 1 - f
    if fl & SYN:
        if f == c[C_ORIG]:
            _set_state(c, f, SYN_ACK_SENT if fl & ACK else SYN_SENT)
        else:
            # a SYN from the responder after the originator's SYN/ACK, with the sequence
            # number that SYN/ACK acknowledged: the two were captured in reverse order
            if not fl & ACK and c[E_STATE + g] == SYN_ACK_SENT and p[P_SEQ] == start_before:
                c[C_ORIG] = f
                _set_state(c, g, ESTABLISHED)
            if c[E_STATE + g] == SYN_SENT:
                _set_state(c, g, ESTABLISHED)
            _set_state(c, f, ESTABLISHED)
    if fl & FIN:
        _set_state(c, f, CLOSED)
    if fl & RST:
        _set_state(c, f, RESET)
    if c[E_STATE + f] == INACTIVE:
        eccentric = f != c[C_ORIG] and p[P_LEN] == 0 and c[E_STATE + g] == SYN_SENT
        if not eccentric:
            _set_state(c, f, ESTABLISHED if (fl & ACK and c[E_STATE + g] == ESTABLISHED) else PARTIAL)


@helper
def _state_machine(c: Any, p: Any, start_before: Any) -> None:
    """``UpdateStateMachine``, on the sender's state (zeek-conn.md §4)."""
    f, fl = p[P_FLOW], p[P_FLAGS]
    g = 1 - f
    state = c[E_STATE + f]
    if state == INACTIVE:
        _inactive(c, p, start_before)
    elif state in (SYN_SENT, SYN_ACK_SENT):
        if fl & FIN:
            _set_state(c, f, CLOSED)
        if fl & RST:
            _set_state(c, f, RESET)
    elif state in (ESTABLISHED, PARTIAL):
        if fl & (SYN | ACK | FIN | RST) == SYN and state == PARTIAL and c[E_STATE + g] == INACTIVE:
            _set_state(c, f, SYN_SENT)
        elif fl & FIN and not fl & RST:
            _set_state(c, f, CLOSED)
            if c[E_STATE + g] == RESET and c[E_PREV + g] == CLOSED:
                _set_state(c, g, CLOSED)
        elif fl & RST:
            _set_state(c, f, RESET)
    elif state == CLOSED and fl & RST and c[E_STATE + g] != CLOSED:
        _set_state(c, f, RESET)


@helper
def _clean(c: Any, f: Any) -> Any:
    """An endpoint whose gaps count: ESTABLISHED, or CLOSED from ESTABLISHED."""
    return c[E_STATE + f] == ESTABLISHED or (c[E_STATE + f] == CLOSED and c[E_PREV + f] == ESTABLISHED)


@helper
def _gap(c: Any, p: Any, ev: Any, nev: Any) -> None:
    """``TCP_Reassembler::Gap``: the segment acknowledges bytes of the other side that were
    never seen: each hole up to the acknowledgment number (the other side's FIN at most) is
    a content gap of that side (``G`` for the originator's data) and adds its length to
    ``missed_bytes``. Only while both sides are clean, never on a RST, nor within 2 bytes
    of a partial side's start."""
    g = 1 - p[P_FLOW]
    if not p[P_FLAGS] & ACK or p[P_FLAGS] & RST or not (_clean(c, 0) and _clean(c, 1)):
        return
    ack = _rel(c, g, p[P_ACK])
    if c[E_FINS + g] > 0:
        ack = min(ack, c[E_HIST_FIN + g])
    if ack <= c[E_DELIVERED + g] or (c[E_SYN_SEEN + g] == 0 and ack <= 2):
        return
    who = p[P_STREAM] * 2 + g
    if c[E_PEND_HI + g] > 0 and c[E_PEND_LO + g] < ack:
        c[E_MISSED + g] += c[E_PEND_LO + g] - c[E_DELIVERED + g]
        _scaled(c, ev, nev, who, E_G_N * 256 + 71)
        c[E_DELIVERED + g] = c[E_PEND_HI + g]
        c[E_PEND_LO + g] = 0
        c[E_PEND_HI + g] = 0
    if ack > c[E_DELIVERED + g]:
        c[E_MISSED + g] += ack - c[E_DELIVERED + g]
        _scaled(c, ev, nev, who, E_G_N * 256 + 71)
        c[E_DELIVERED + g] = ack


@helper
def _deliver(c: Any, p: Any) -> None:
    """The segment's payload, when captured whole, to the sender's reassembled stream: it
    extends the contiguous end when it starts at or before it, else joins the one
    out-of-order range."""
    f = p[P_FLOW]
    if p[P_LEN] <= 0 or p[P_FLAGS] & RST or p[P_CAPTURED] < p[P_LEN]:
        return
    lo = _rel(c, f, p[P_SEQ])
    hi = lo + p[P_LEN]
    if lo <= c[E_DELIVERED + f]:
        c[E_DELIVERED + f] = max(c[E_DELIVERED + f], hi)
    elif c[E_PEND_HI + f] == 0:
        c[E_PEND_LO + f], c[E_PEND_HI + f] = lo, hi
    else:
        c[E_PEND_LO + f] = min(c[E_PEND_LO + f], lo)
        c[E_PEND_HI + f] = max(c[E_PEND_HI + f], hi)
    if c[E_PEND_HI + f] > 0 and c[E_PEND_LO + f] <= c[E_DELIVERED + f]:
        c[E_DELIVERED + f] = max(c[E_DELIVERED + f], c[E_PEND_HI + f])
        c[E_PEND_LO + f] = 0
        c[E_PEND_HI + f] = 0


@helper
def _create(c: Any, p: Any, ports: Any, ev: Any, nev: Any) -> None:
    """A connection's first segment: its sender is the originator, unless the segment is
    not a bare SYN and comes from a likely server port (to a port that is not one, or, with
    no SYN bit, to a higher one): then its receiver is, and the history starts with ``^``."""
    c[C_CREATED] = 1
    c[C_ORIG] = p[P_FLOW]
    c[C_START_TS] = p[P_TS]
    c[C_LAST_TS] = p[P_TS]
    fl = p[P_FLAGS]
    from_server = fl & (SYN | ACK) != SYN and ports[p[P_SPORT]]
    if from_server and (not ports[p[P_DPORT]] or (not fl & SYN and p[P_SPORT] < p[P_DPORT])):
        c[C_ORIG] = 1 - p[P_FLOW]
        _emit(ev, nev, p[P_STREAM], 94)  # ^
        c[C_NLETTERS] = 1


@kernel
def _walk(pk: Any, st: Any, ports: Any, ev: Any, nev: Any) -> None:
    """Zeek's per-packet steps (``TCPSessionAdapter::Process``) over a piece's segments in
    frame order: ``pk`` one row per segment, ``st`` one row per connection (carried from
    piece to piece), ``ports`` a flag per port number, ``ev``/``nev`` the history events."""
    for i in range(pk.shape[0]):
        p = pk[i]
        c = st[p[P_STREAM]]
        f = p[P_FLOW]
        if c[C_CREATED] == 0:
            _create(c, p, ports, ev, nev)
        start_before = _init_endpoint(c, p)
        _history(c, p, ev, nev)
        flipped = c[C_ORIG]
        done = (c[E_STATE] == CLOSED or c[E_STATE] == RESET) and (c[E_STATE + 1] == CLOSED or c[E_STATE + 1] == RESET)
        if p[P_WIN] == 0 and not p[P_FLAGS] & RST and c[E_STATE + 1 - f] != CLOSED and c[E_STATE + f] != RESET:
            _scaled(c, ev, nev, p[P_STREAM] * 2 + f, E_W_N * 256 + 87)
        if not done:
            c[C_LAST_TS] = p[P_TS]
        if p[P_FLAGS] & FIN:
            c[E_FINS + f] += 1
        if p[P_FLAGS] & ACK:
            _ack_received(c, p)
        _last_seq(c, p, ev, nev)
        _state_machine(c, p, start_before)
        if c[C_ORIG] != flipped:
            _emit(ev, nev, p[P_STREAM], 94)  # ^ (the SYN/ACK and SYN were captured in reverse order)
            c[C_NLETTERS] += 1
            c[C_ONLY_H] = 0
        _gap(c, p, ev, nev)
        _deliver(c, p)
        c[E_PKTS + f] += 1
        c[E_IP_BYTES + f] += p[P_IPLEN]


@dataclass(frozen=True, kw_only=True)
class ZeekConns:
    """Per ``tcp.stream`` (index), the TCP columns of Zeek's ``conn.log`` and the two
    endpoints' final Zeek states (``STATE_NAMES``). ``duration_ns`` is -1 where Zeek logs
    ``-`` (a duration of 0), and then ``orig_bytes``/``resp_bytes`` are -1 too."""

    orig_side: Index  # the originator's ``_flow``
    orig_h: Array
    orig_p: Index
    resp_h: Array
    resp_p: Index
    duration_ns: Index
    orig_bytes: Index
    resp_bytes: Index
    conn_state: Array
    missed_bytes: Index
    history: Array
    orig_pkts: Index
    orig_ip_bytes: Index
    resp_pkts: Index
    resp_ip_bytes: Index
    orig_state: Index
    resp_state: Index

    def __len__(self) -> int:
        return int(self.orig_side.shape[0])


#: ``conn_state``'s RSTOS0 test on the history: the originator's SYN, then its RST, with
#: neither a SYN/ACK, ACK, FIN, gap nor I/Q from the originator between them
_RSTOS0 = re.compile(r"\^?S[^HAFGIQ]*R.*")


def conn_state(os_: Index, rs: Index, sizes: tuple[Index, Index], history: Array) -> Array:
    """Zeek's ``conn_state`` from the final endpoint states (zeek-conn.md §3: the first row
    of its table that holds), over whole arrays; ``sizes``: the originator's and
    responder's byte counts (:func:`_sizes`)."""
    o_inactive = (os_ == INACTIVE) | (os_ == PARTIAL)
    r_inactive = (rs == INACTIVE) | (rs == PARTIAL)
    o_waiting = (os_ == SYN_SENT) | (os_ == SYN_ACK_SENT)
    no_bytes = (sizes[0] == 0) & (sizes[1] == 0)
    rstos0 = np.array([bool(_RSTOS0.fullmatch(h)) for h in history.tolist()], dtype=np.bool_)
    rules = [
        ((rs == RESET) & (o_waiting | ((os_ == RESET) & no_bytes)), "REJ"),
        ((rs == RESET) & o_inactive, "RSTRH"),
        (rs == RESET, "RSTR"),
        ((os_ == RESET) & r_inactive & rstos0, "RSTOS0"),
        ((os_ == RESET) & r_inactive, "OTH"),
        (os_ == RESET, "RSTO"),
        ((os_ == CLOSED) & (rs == CLOSED), "SF"),
        ((os_ == CLOSED) & r_inactive, "SH"),
        (os_ == CLOSED, "S2"),
        ((rs == CLOSED) & o_inactive, "SHR"),
        (rs == CLOSED, "S3"),
        ((os_ == SYN_SENT) & (rs == INACTIVE), "S0"),
        ((os_ == ESTABLISHED) & (rs == ESTABLISHED), "S1"),
    ]
    out: Array = np.select([m for m, _ in rules], [v for _, v in rules], default="OTH")
    return out


def _sizes(st: Index, side: Index) -> Index:
    """``TCP_Endpoint::Size`` of one side per connection: the highest of its last and
    acknowledged sequence numbers past its start, less the SYN (or the partial start's
    stand-in) and the FIN when there is one to take; 0 for a side that sent a SYN, then a
    RST, to a peer never heard from, once data was acknowledged."""
    n = np.arange(st.shape[0])
    def col(field: int, s: Index) -> Index:
        v: Index = st[n, field + s]
        return v
    size = np.maximum(col(E_LAST, side), col(E_ACKED, side))
    size = np.where(size > 0, size - 1, size)
    size = np.where((col(E_FINS, side) > 0) & (size > 0), size - 1, size)
    rejected = ((col(E_PREV, side) == SYN_SENT) & (col(E_STATE, side) == RESET)
                & (col(E_STATE, 1 - side) == INACTIVE) & (col(E_ACKED, side) > 1))
    out: Index = np.where(rejected, 0, size)
    return out


def _ip_lengths(table: PacketTable, rows: Index) -> Index:
    """The IP length Zeek counts for each of the ``tcp`` rows ``rows``: the total length of
    the IPv4 header right around it, or an IPv6 header's payload length plus 40."""
    tcp = table.layer("tcp")
    pkt = tcp.pkt[rows]
    want = pkt * 65536 + tcp.depth[rows].astype(np.int64)
    best = np.full(rows.shape[0], -1, dtype=np.int64)
    out = np.zeros(rows.shape[0], dtype=np.int64)
    for name, column, extra in (("ip", "len", 0), ("ipv6", "plen", 40)):
        ip = table.layer(name)
        if len(ip) == 0 or column not in ip.cols:
            continue
        key = ip.pkt * 65536 + ip.depth.astype(np.int64)
        order = np.argsort(key, kind="stable")
        j = np.searchsorted(key[order], want, side="left") - 1
        jj = order[np.maximum(j, 0)]
        hit = (j >= 0) & (ip.pkt[jj] == pkt) & (key[jj] > best)
        best[hit] = key[jj[hit]]
        out[hit] = np.asarray(ip.cols[column], dtype=np.int64)[jj[hit]] + extra
    return out


class ZeekSums:
    """Zeek's ``conn.log`` columns over analysed pieces, in frame order (``add`` each piece,
    then ``result``): the same as :func:`zeek_conns` of the whole table."""

    def __init__(self, likely_server_ports: frozenset[int] = LIKELY_SERVER_PORTS) -> None:
        self.ports = np.zeros(65536, dtype=np.bool_)
        self.ports[list(likely_server_ports)] = True
        self.st = np.zeros((0, _C_COLS), dtype=np.int64)
        self.first = np.zeros((0, 5), dtype=np.int64)  # first segment: flow, type, ports, seen
        self.src = np.zeros((0, 16), dtype=np.uint8)
        self.dst = np.zeros((0, 16), dtype=np.uint8)
        self.events: list[Index] = []
        self.n = 0

    def _grow(self, n: int) -> None:
        if n <= self.st.shape[0]:
            return
        size = max(n, 2 * self.st.shape[0], 16)
        for name in ("st", "first", "src", "dst"):
            old = getattr(self, name)
            new = np.zeros((size, old.shape[1]), dtype=old.dtype)
            new[: old.shape[0]] = old
            setattr(self, name, new)

    def add(self, table: PacketTable) -> None:
        """Take an analysed piece (every frame: a display filter does not change what Zeek
        logs)."""
        tcp = table.layer("tcp")
        if len(tcp) == 0 or "stream" not in tcp.cols:
            return
        cols = tcp.cols
        stream = np.asarray(cols["stream"], dtype=np.int64)
        rows = np.flatnonzero((stream >= 0) & (np.asarray(cols["reach"]) >= 4)
                              & ~np.asarray(cols["bogus_hlen"], dtype=np.bool_))
        if rows.shape[0] == 0:
            return
        s = stream[rows]
        self.n = max(self.n, int(s.max()) + 1)
        self._grow(self.n)
        uniq, at = np.unique(s, return_index=True)
        new = self.first[uniq, 4] == 0
        ns, nr = uniq[new], rows[at[new]]
        self.src[ns], self.dst[ns], atype = row_addresses(table, nr)
        self.first[ns, 0] = np.asarray(cols["_flow"], dtype=np.int64)[nr]
        self.first[ns, 1] = atype
        self.first[ns, 2] = np.asarray(cols["srcport"], dtype=np.int64)[nr]
        self.first[ns, 3] = np.asarray(cols["dstport"], dtype=np.int64)[nr]
        self.first[ns, 4] = 1
        for lo in range(0, rows.shape[0], CHUNK_ROWS):
            self._walk(table, rows[lo : lo + CHUNK_ROWS])

    def _walk(self, table: PacketTable, rows: Index) -> None:
        """Zeek's steps over the segments ``rows`` of a piece."""
        tcp = table.layer("tcp")
        cols = tcp.cols
        pk = np.empty((rows.shape[0], _P_COLS), dtype=np.int64)
        pk[:, P_STREAM] = np.asarray(cols["stream"], dtype=np.int64)[rows]
        for column, name in ((P_FLOW, "_flow"), (P_FLAGS, "flags"), (P_SEQ, "seq_raw"), (P_ACK, "ack_raw"),
                             (P_LEN, "len"), (P_WIN, "window_size_value"), (P_SPORT, "srcport"),
                             (P_DPORT, "dstport"), (P_CAPTURED, "payload_cap")):
            pk[:, column] = np.asarray(cols[name], dtype=np.int64)[rows]
        pk[:, P_TS] = table.ts_ns[tcp.pkt[rows]]
        pk[:, P_IPLEN] = _ip_lengths(table, rows)
        ev = np.zeros((_MAX_EVENTS * rows.shape[0], 2), dtype=np.int64)
        nev = np.zeros(1, dtype=np.int64)
        _walk.run(max(rows.shape[0], table.n), pk, self.st, self.ports, ev, nev)
        self.events.append(ev[: int(nev[0])].copy())

    def _histories(self) -> Array:
        """Each connection's history: its events in order, from its last ``CLEAR`` on."""
        ev = np.concatenate([np.zeros((0, 2), dtype=np.int64), *self.events])
        order = np.argsort(ev[:, 0], kind="stable")
        ev = ev[order]
        pos = np.arange(ev.shape[0])
        last_clear = np.full(self.n, -1, dtype=np.int64)
        clears = ev[:, 1] == CLEAR
        np.maximum.at(last_clear, ev[clears, 0], pos[clears])
        ev = ev[(pos > last_clear[ev[:, 0]]) & ~clears]
        text = ev[:, 1].astype(np.uint8).tobytes().decode("ascii")
        bounds = np.searchsorted(ev[:, 0], np.arange(self.n + 1))
        return np.array([text[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)],
                        dtype=object).astype(str) if self.n else np.zeros(0, dtype="U1")

    def result(self) -> ZeekConns:
        """The columns of every connection seen so far (index = ``tcp.stream``)."""
        n = self.n
        st, first = self.st[:n], self.first[:n]
        orig = st[:, C_ORIG]
        resp = 1 - orig
        rows = np.arange(n)
        history = self._histories()
        sizes = (_sizes(st, orig), _sizes(st, resp))
        os_, rs = st[rows, E_STATE + orig], st[rows, E_STATE + resp]
        duration = st[:, C_LAST_TS] - st[:, C_START_TS]
        logged = duration > 0
        text = [address_text(a, first[:, 1]) for a in (self.src[:n], self.dst[:n])]
        same = orig == first[:, 0]  # the first segment came from the originator
        return ZeekConns(
            orig_side=orig,
            orig_h=np.where(same, text[0], text[1]), orig_p=np.where(same, first[:, 2], first[:, 3]),
            resp_h=np.where(same, text[1], text[0]), resp_p=np.where(same, first[:, 3], first[:, 2]),
            duration_ns=np.where(logged, duration, -1),
            orig_bytes=np.where(logged, sizes[0], -1), resp_bytes=np.where(logged, sizes[1], -1),
            conn_state=conn_state(os_, rs, sizes, history),
            missed_bytes=st[rows, E_MISSED + orig] + st[rows, E_MISSED + resp],
            history=history,
            orig_pkts=st[rows, E_PKTS + orig], orig_ip_bytes=st[rows, E_IP_BYTES + orig],
            resp_pkts=st[rows, E_PKTS + resp], resp_ip_bytes=st[rows, E_IP_BYTES + resp],
            orig_state=os_, resp_state=rs,
        )


def zeek_conns(table: PacketTable, likely_server_ports: frozenset[int] = LIKELY_SERVER_PORTS) -> ZeekConns:
    """Zeek's ``conn.log`` columns of every stream of an analysed table."""
    sums = ZeekSums(likely_server_ports)
    sums.add(table)
    return sums.result()
