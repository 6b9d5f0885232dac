"""Zeek's per-packet steps for ``views.zeek`` (``TCPSessionAdapter::Process``): one
compiled kernel, :func:`walk`, and the rules it calls, one small function each with the
rule in words above it (zeek-conn.md §2, §4; zeek at a13de64).

A segment is a row of int64 columns (``P_*``); a connection is a row of int64 columns
(``C_*``, and ``E_*`` + side for the fields each side has: its Zeek endpoint). The
kernel's helpers live here with it: numba's cache checks only the kernel's own file.
"""

from __future__ import annotations

from typing import Any

from tcpscope._jit import helper, kernel
from tcpscope.constants import ACK, FIN, RST, SYN

__all__ = [
    "CLEAR", "CLOSED", "C_COLS", "C_LAST_TS", "C_ORIG", "C_START_TS", "ESTABLISHED", "E_ACKED", "E_FINS",
    "E_IP_BYTES", "E_LAST", "E_MISSED", "E_PKTS", "E_PREV", "E_STATE", "INACTIVE", "MAX_EVENTS", "PARTIAL",
    "P_ACK", "P_CAPTURED", "P_COLS", "P_DPORT", "P_FLAGS", "P_FLOW", "P_IPLEN", "P_LEN", "P_SEQ", "P_SPORT",
    "P_STREAM", "P_TS", "P_WIN", "RESET", "STATE_NAMES", "SYN_ACK_SENT", "SYN_SENT", "walk",
]

#: The digest of :mod:`tcpscope.constants` this module's kernels were compiled for (tests/test_constants.py).
CONSTANTS_DIGEST = "9f669131f1707517"

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
MAX_EVENTS = 9

# one segment: a row of int64 columns
P_STREAM, P_FLOW, P_FLAGS, P_SEQ, P_ACK, P_LEN, P_WIN, P_TS, P_IPLEN, P_SPORT, P_DPORT, P_CAPTURED = range(12)
P_COLS = 12

# one connection: a row of int64 columns; per-side fields take two columns (+ side)
C_CREATED, C_ORIG, C_START_TS, C_LAST_TS, C_NLETTERS, C_ONLY_H = 0, 1, 2, 3, 4, 5
C_SEEN = 6  # + role (0 originator, 1 responder): the letters seen, Session::CheckHistory's mask
C_PARTIAL, C_FIRST_SEEN = 8, 9  # the connection is partial; the roles whose first segment came
E_STATE, E_PREV, E_START, E_LAST, E_ACKED, E_HIST_SYN, E_HIST_FIN, E_HIST_RST = 10, 12, 14, 16, 18, 20, 22, 24
E_FINS, E_W_N, E_W_AT, E_T_N, E_T_AT, E_G_N, E_G_AT, E_DELIVERED = 26, 28, 30, 32, 34, 36, 38, 40
E_PKTS, E_IP_BYTES, E_MISSED, E_FIN_END = 42, 44, 46, 48
#: each side's out-of-order ranges of its stream: range j's start at E_BLOCKS + 4 j + side,
#: its end 2 further (an end of 0: the slot is free)
E_BLOCKS = 50
BLOCKS = 4
C_COLS = E_BLOCKS + 4 * BLOCKS

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
def _partial_status(c: Any, p: Any) -> None:
    """``SetPartialStatus``: the connection is partial when the originator's first segment
    is not a bare SYN, or else when the responder's first segment has no SYN."""
    role = 0 if p[P_FLOW] == c[C_ORIG] else 1
    if c[C_FIRST_SEEN] & (1 << role) == 0:
        if role == 0:
            c[C_PARTIAL] = 1 if (not p[P_FLAGS] & SYN or p[P_FLAGS] & ACK) else 0
        elif c[C_PARTIAL] == 0:
            c[C_PARTIAL] = 0 if p[P_FLAGS] & SYN else 1
        c[C_FIRST_SEEN] |= 1 << role


@helper
def _init_endpoint(c: Any, p: Any) -> None:
    """``init_endpoint``: the side's start is set by its first segment (a SYN's sequence
    number, else one before the first byte: a partial connection), and set again by a SYN
    with another sequence number while it waits for the handshake, by any SYN once it is
    established, and by a SYN after a RST that was its first segment (that RST was likely
    injected)."""
    f, fl = p[P_FLOW], p[P_FLAGS]
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
        _clear_blocks(c, f)


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
def _inactive(c: Any, p: Any) -> None:
    """``UpdateInactiveState``: the sender's first segment."""
    f, fl = p[P_FLOW], p[P_FLAGS]
    g = 1 - f
    if fl & SYN:
        if f == c[C_ORIG]:
            _set_state(c, f, SYN_ACK_SENT if fl & ACK else SYN_SENT)
        else:
            # a bare SYN from the responder after the originator's SYN/ACK: the two were
            # captured in reverse order (Zeek compares its sequence number with the start
            # it has just set from it, so the test always holds)
            if not fl & ACK and c[E_STATE + g] == SYN_ACK_SENT and p[P_SEQ] == c[E_START + f]:
                c[C_ORIG] = f
                c[C_PARTIAL] = 0
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
        if not eccentric and fl & ACK and c[E_STATE + g] == ESTABLISHED:
            _set_state(c, f, ESTABLISHED)  # the SYN was missed: not a partial connection
            c[C_PARTIAL] = 0
        elif not eccentric:
            _set_state(c, f, PARTIAL)


@helper
def _established(c: Any, p: Any) -> None:
    """``UpdateEstablishedState``: a SYN without ACK from a PARTIAL side whose peer is
    INACTIVE makes it SYN_SENT; a FIN without RST closes it (and a peer RESET after its
    own FIN is CLOSED again: FIN then RST is a normal close); a RST resets it."""
    f, fl = p[P_FLOW], p[P_FLAGS]
    g = 1 - f
    if fl & SYN and not fl & ACK and c[E_STATE + f] == PARTIAL and c[E_STATE + g] == INACTIVE:
        _set_state(c, f, SYN_SENT)
    if fl & FIN and not fl & RST:
        _set_state(c, f, CLOSED)
        if c[E_STATE + g] == RESET and c[E_PREV + g] == CLOSED:
            _set_state(c, g, CLOSED)
    if fl & RST:
        _set_state(c, f, RESET)


@helper
def _state_machine(c: Any, p: Any) -> None:
    """``UpdateStateMachine``, on the sender's state (zeek-conn.md §4)."""
    f, fl = p[P_FLOW], p[P_FLAGS]
    state = c[E_STATE + f]
    if state == INACTIVE:
        _inactive(c, p)
    elif state in (SYN_SENT, SYN_ACK_SENT):
        if fl & FIN:
            _set_state(c, f, CLOSED)
        if fl & RST:
            _set_state(c, f, RESET)
    elif state in (ESTABLISHED, PARTIAL):
        _established(c, p)
    elif state == CLOSED and fl & RST and c[E_STATE + 1 - f] != CLOSED:
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
    of the start of a partial connection."""
    g = 1 - p[P_FLOW]
    if not p[P_FLAGS] & ACK or p[P_FLAGS] & RST or not (_clean(c, 0) and _clean(c, 1)):
        return
    ack = _rel(c, g, p[P_ACK])
    if c[E_FINS + g] > 0:
        ack = min(ack, c[E_FIN_END + g])
    if ack <= c[E_DELIVERED + g] or (c[C_PARTIAL] == 1 and ack <= 2):
        return
    who = p[P_STREAM] * 2 + g
    k = _lowest_block(c, g)
    while k >= 0 and c[k] < ack:
        c[E_MISSED + g] += c[k] - c[E_DELIVERED + g]
        _scaled(c, ev, nev, who, E_G_N * 256 + 71)
        c[E_DELIVERED + g] = c[k]
        _absorb(c, g)
        k = _lowest_block(c, g)
    if ack > c[E_DELIVERED + g]:
        c[E_MISSED + g] += ack - c[E_DELIVERED + g]
        _scaled(c, ev, nev, who, E_G_N * 256 + 71)
        c[E_DELIVERED + g] = ack


@helper
def _lowest_block(c: Any, f: Any) -> Any:
    """The column of the start of side ``f``'s lowest out-of-order range; -1: none."""
    best = -1
    for j in range(BLOCKS):
        k = E_BLOCKS + 4 * j + f
        if c[k + 2] > 0 and (best < 0 or c[k] < c[best]):
            best = k
    return best


@helper
def _absorb(c: Any, f: Any) -> None:
    """The ranges that now start at or before the contiguous end extend it and leave."""
    k = _lowest_block(c, f)
    while k >= 0 and c[k] <= c[E_DELIVERED + f]:
        c[E_DELIVERED + f] = max(c[E_DELIVERED + f], c[k + 2])
        c[k] = 0
        c[k + 2] = 0
        k = _lowest_block(c, f)


@helper
def _insert(c: Any, f: Any, lo: Any, hi: Any) -> None:
    """Add the range [lo, hi) to side ``f``'s out-of-order ranges: joined with every range
    it overlaps or touches; in a free slot, else joined with the nearest range."""
    for j in range(BLOCKS):
        k = E_BLOCKS + 4 * j + f
        if c[k + 2] > 0 and lo <= c[k + 2] and c[k] <= hi:
            lo = min(lo, c[k])
            hi = max(hi, c[k + 2])
            c[k] = 0
            c[k + 2] = 0
    near, distance = -1, 0
    for j in range(BLOCKS):
        k = E_BLOCKS + 4 * j + f
        if c[k + 2] == 0:
            near, distance = k, -1
            break
        d = max(c[k] - hi, lo - c[k + 2])
        if near < 0 or d < distance:
            near, distance = k, d
    if distance >= 0 and c[near + 2] > 0:
        lo = min(lo, c[near])
        hi = max(hi, c[near + 2])
    c[near] = lo
    c[near + 2] = hi


@helper
def _clear_blocks(c: Any, f: Any) -> None:
    """Side ``f``'s stream starts over: no out-of-order range."""
    for j in range(BLOCKS):
        c[E_BLOCKS + 4 * j + f] = 0
        c[E_BLOCKS + 4 * j + 2 + f] = 0


@helper
def _deliver(c: Any, p: Any) -> None:
    """The segment's payload, when captured whole, to the sender's reassembled stream: it
    extends the contiguous end when it starts at or before it, else joins the out-of-order
    ranges (``BLOCKS`` of them at most; Zeek keeps every block)."""
    f = p[P_FLOW]
    if p[P_LEN] <= 0 or p[P_FLAGS] & RST or p[P_CAPTURED] < p[P_LEN]:
        return
    lo = _rel(c, f, p[P_SEQ])
    hi = lo + p[P_LEN]
    if lo <= c[E_DELIVERED + f]:
        c[E_DELIVERED + f] = max(c[E_DELIVERED + f], hi)
    else:
        _insert(c, f, lo, hi)
    _absorb(c, f)


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
def walk(pk: Any, st: Any, ports: Any, ev: Any, nev: Any) -> None:
    """Zeek's per-packet steps (``TCPSessionAdapter::Process``) over a piece's segments in
    frame order: ``pk`` one row per segment, ``st`` one row per connection (carried from
    piece to piece), ``ports`` a flag per port number, ``ev``/``nev`` the history events."""
    for i in range(pk.shape[0]):
        p = pk[i]
        c = st[p[P_STREAM]]
        f = p[P_FLOW]
        if c[C_CREATED] == 0:
            _create(c, p, ports, ev, nev)
        _partial_status(c, p)
        _init_endpoint(c, p)
        _history(c, p, ev, nev)
        flipped = c[C_ORIG]
        done = (c[E_STATE] == CLOSED or c[E_STATE] == RESET) and (c[E_STATE + 1] == CLOSED or c[E_STATE + 1] == RESET)
        if p[P_WIN] == 0 and not p[P_FLAGS] & RST and c[E_STATE + 1 - f] != CLOSED and c[E_STATE + f] != RESET:
            _scaled(c, ev, nev, p[P_STREAM] * 2 + f, E_W_N * 256 + 87)
        if not done:
            c[C_LAST_TS] = p[P_TS]
        if p[P_FLAGS] & FIN:
            c[E_FINS + f] += 1
            c[E_FIN_END + f] = _rel(c, f, p[P_SEQ]) + p[P_LEN] + (1 if p[P_FLAGS] & SYN else 0)
        if p[P_FLAGS] & ACK:
            _ack_received(c, p)
        _last_seq(c, p, ev, nev)
        _state_machine(c, p)
        if c[C_ORIG] != flipped:
            _emit(ev, nev, p[P_STREAM], 94)  # ^ (the SYN/ACK and SYN were captured in reverse order)
            c[C_NLETTERS] += 1
            c[C_ONLY_H] = 0
        _gap(c, p, ev, nev)
        _deliver(c, p)
        c[E_PKTS + f] += 1
        c[E_IP_BYTES + f] += p[P_IPLEN]
