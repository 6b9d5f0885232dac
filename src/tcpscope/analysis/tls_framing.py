"""The kernel that frames length-prefixed PDUs above TCP as tshark 4.0.17 frames them in
one pass: TLS records (a 5-byte header: content type, version, a 16-bit length) and DNS
messages over TCP (a 16-bit length, then the message), reference/pdu-framing.md §2, §4, §5.

Each direction's state is a row of named int64 columns (``S_*``) indexed by
``stream * 2 + direction``; the walk over a piece's segments, in capture order, writes
how each segment shows in the list (``SHOW_*``) and events (``EV_*``) from which
:mod:`tcpscope.analysis.tls` and :mod:`tcpscope.analysis.dns` read the PDUs.

The rules, as packet-tls.c (``dissect_ssl``, ``dissect_ssl3_record``) and
packet-tcp.c (``tcp_dissect_pdus``, ``desegment_tcp``) apply them:

* A PDU whose header or body is not whole asks TCP for more: a header cut short asks
  for "one more segment" (the next segment re-runs the dissector on the bytes so far),
  a known length asks for exactly the rest (the segments in between are only stored).
* TLS rejects a segment that starts a PDU with four printable bytes (more than four
  captured): not TLS, TCP's own line.
* TLS, once the conversation's version is known, reads a first byte that is not a
  content type (20-25) as "Ignored Unknown Record"; while it is unknown, a header whose
  content type or version (SSL 3.0, TLS 1.0-1.2, GM TLS) is not one it knows as
  "Continuation Data": either way the rest of the segment is consumed. The version
  becomes known with a record that is authoritative (any valid type but a handshake,
  or a handshake other than a Client Hello) and of a known version.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tcpscope._jit import helper, kernel
from tcpscope._types import Array

__all__ = [
    "EV_BYTES",
    "EV_JUNK",
    "EV_PDU",
    "KIND_DNS",
    "KIND_TLS",
    "SHOW_APP",
    "SHOW_BARE_MARK",
    "SHOW_TCP_MARK",
    "frame_pdus",
    "fresh_state",
]

#: Which framing a segment's direction follows
KIND_TLS, KIND_DNS = 1, 2

#: How a segment shows: TCP's own line and the reassembly marker (the dissector was not
#: called, or wrote nothing before asking for more)
SHOW_TCP_MARK = 1
#: the marker alone after the analysis prefixes (TLS cleared Info, then asked for more)
SHOW_BARE_MARK = 2
#: the PDUs completed in the segment (their protocol and texts)
SHOW_APP = 3

#: modes: at a PDU boundary, in a PDU's header, in its body, not framed any more
M_IDLE, M_HEAD, M_BODY, M_DEAD = range(4)

S_MODE = 0  # the mode
S_NEXT = 1  # the relative sequence number expected next (mod 2**32)
S_HAVE_NEXT = 2  # 1 once a segment with data was taken
S_HN = 3  # header bytes read
S_H = 4  # S_H .. S_H + 4: the header bytes
S_REMAIN = 9  # body bytes still to come
S_WANT = 10  # 1 when the body's bytes are handed on (EV_BYTES)
S_FIRST = 11  # the body's first byte (-1: none yet)
S_EXACT = 12  # 1 when the open PDU's exact length was asked for in an earlier segment
S_KNOWN = 13  # TLS: 1 once the conversation's version is known (both directions)
S_N = 14

#: Events: bytes of the open PDU's body (place in the piece's payload, count); a PDU
#: complete (its header: TLS content type << 16 | version, DNS 0; its body length and,
#: in bit 32 up, its first byte + 1); a segment's rest not framed (TLS: 1 when the
#: version was known, else 0)
EV_BYTES, EV_PDU, EV_JUNK = 0, 1, 2

_MOD = 0xFFFFFFFF

#: Body bytes handed on for a TLS record of these content types (alert, handshake,
#: heartbeat): the others' texts need only the header
_WANTED_TLS = (21, 22, 24)


@helper
def _printable(c: int) -> bool:
    return 32 <= c <= 126


@helper
def _tls_version_ok(v: int) -> bool:
    """A record version ``ssl_looks_like_sslv3`` accepts: SSL 3.0, TLS 1.0-1.2, GM TLS."""
    return v in (0x0300, 0x0301, 0x0302, 0x0303, 0x0101)


@helper
def _tls_authoritative(ct: int, first: int) -> bool:
    """A record that fixes the conversation's version (ssl_is_authoritative_version_message):
    a valid content type but a handshake, or a handshake of a valid type other than a
    Client Hello (types 0, 2, 4-6, 8, 11-16, 20-25, 67; 3 is DTLS's)."""
    if ct != 22:
        return 20 <= ct <= 25
    return first in (0, 2, 4, 5, 6, 8, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25, 67)


@helper
def _header_done(st: Any, kk: int, kind: int) -> bool:
    """A header just completed: start the body (its length, whether its bytes are
    wanted); False when TLS does not take it (content type or version unknown to it)."""
    if kind == KIND_TLS:
        ct = st[kk, S_H]
        version = st[kk, S_H + 1] * 256 + st[kk, S_H + 2]
        if not 20 <= ct <= 25 or (st[kk, S_KNOWN] == 0 and not _tls_version_ok(version)):
            return False
        st[kk, S_REMAIN] = st[kk, S_H + 3] * 256 + st[kk, S_H + 4]
        st[kk, S_WANT] = 1 if ct in _WANTED_TLS else 0
    else:
        st[kk, S_REMAIN] = st[kk, S_H] * 256 + st[kk, S_H + 1]
        st[kk, S_WANT] = 1
    st[kk, S_FIRST] = -1
    st[kk, S_MODE] = M_BODY
    return True


@helper
def _pdu_done(st: Any, kk: int, kind: int, s: int, ev: Any, k: int) -> int:  # noqa: PLR0913, PLR0917 -- a numba helper: the state, the direction and the event array one by one
    """The open PDU is complete in segment ``s``: its event, and for TLS the rule that
    fixes the conversation's version. Returns the event count."""
    length = st[kk, S_H + 3] * 256 + st[kk, S_H + 4] if kind == KIND_TLS else st[kk, S_H] * 256 + st[kk, S_H + 1]
    head = 0
    if kind == KIND_TLS:
        ct = st[kk, S_H]
        version = st[kk, S_H + 1] * 256 + st[kk, S_H + 2]
        head = ct * 65536 + version
        if st[kk, S_KNOWN] == 0 and _tls_version_ok(version) and _tls_authoritative(ct, st[kk, S_FIRST]):
            st[kk, S_KNOWN] = 1
            st[kk ^ 1, S_KNOWN] = 1
    ev[k, 0], ev[k, 1], ev[k, 2], ev[k, 3] = s, EV_PDU, head, length + (st[kk, S_FIRST] + 1) * 4294967296
    st[kk, S_MODE] = M_IDLE
    st[kk, S_EXACT] = 0
    return k + 1


@helper
def _calls(kind: int, resumed: bool, done: int, rest: bool) -> int:
    """How many layers of the dissector a segment's frame.protocols lists: TCP calls it
    once on the segment, or on a PDU of known length it reassembled (``resumed``) and
    again on the bytes after it (desegment_tcp's loop); TLS keeps its layer on every call (dissect_ssl returns the
    bytes it was given), DNS only on a call that completed a message (tcp_dissect_pdus
    returns 0 when it only asks for more)."""
    if kind == KIND_TLS:
        return 2 if resumed and rest else 1
    if not resumed:
        return 1 if done > 0 else 0
    return (1 if done > 0 else 0) + (1 if rest and done > 1 else 0)


@kernel
def _frame(key: Any, kind: Any, seq: Any, seglen: Any, start: Any, cap: Any, hole: Any, stop: Any,  # noqa: PLR0913, PLR0917, PLR0912, PLR0915 -- a numba kernel: arrays one by one, one walk over the segments
           pay: Any, st: Any, show: Any, calls: Any, fenced: Any, ev: Any) -> int:
    """Walk the segments (capture order) of framed directions against their state
    (``st``): ``show[s]`` gets how segment ``s`` shows (0: TCP's own line), ``calls[s]``
    how many times the dissector ran there and kept its layer (:func:`_calls`),
    ``fenced[s]`` whether its first PDU was reassembled with a known length (TCP fences
    Info after it, and calls the dissector again on the bytes after it), ``ev`` the
    events (segment, EV_*, two numbers). Returns the event count."""
    k = 0
    hl = 0
    for s in range(key.shape[0]):
        kk = key[s]
        kd = kind[s]
        hl = 5 if kd == KIND_TLS else 2
        if st[kk, S_MODE] == M_DEAD:
            continue
        # in order: bytes already seen are passed over (tshark hands a retransmission to
        # no dissector); after a hole, a segment at a PDU boundary starts afresh; else
        # the framing of the direction ends
        if st[kk, S_HAVE_NEXT] == 1:
            ahead = (seq[s] - st[kk, S_NEXT]) & _MOD
            if ahead >= 0x80000000 and ((seq[s] + seglen[s] - st[kk, S_NEXT]) & _MOD) - 1 >= 0x7FFFFFFF:
                continue
            if ahead != 0 and not (hole[s] and st[kk, S_MODE] == M_IDLE):
                st[kk, S_MODE] = M_DEAD
                continue
        if stop[s] or cap[s] != seglen[s]:
            st[kk, S_MODE] = M_DEAD
            continue
        st[kk, S_HAVE_NEXT] = 1
        st[kk, S_NEXT] = (seq[s] + seglen[s]) & _MOD
        mode0 = st[kk, S_MODE]
        exact0 = st[kk, S_EXACT]
        i = start[s]
        end = start[s] + cap[s]
        if kd == KIND_TLS and mode0 == M_IDLE and cap[s] > 4 and _printable(pay[i]) and _printable(pay[i + 1]) \
                and _printable(pay[i + 2]) and _printable(pay[i + 3]):
            continue  # not TLS: TCP's own line (packet-tls.c dissect_ssl)
        done = 0
        after_first = -1
        while i < end:
            mode = st[kk, S_MODE]
            if mode == M_IDLE:
                if kd == KIND_TLS and st[kk, S_KNOWN] == 1 and not 20 <= pay[i] <= 25:
                    ev[k, 0], ev[k, 1], ev[k, 2] = s, EV_JUNK, 1
                    k += 1
                    done += 1
                    break
                st[kk, S_MODE] = M_HEAD
                st[kk, S_HN] = 0
                mode = M_HEAD
            if mode == M_HEAD:
                while i < end and st[kk, S_HN] < hl:
                    st[kk, S_H + st[kk, S_HN]] = pay[i]
                    st[kk, S_HN] += 1
                    i += 1
                if st[kk, S_HN] < hl:
                    break
                if not _header_done(st, kk, kd):
                    ev[k, 0], ev[k, 1], ev[k, 2] = s, EV_JUNK, 0
                    k += 1
                    done += 1
                    st[kk, S_MODE] = M_IDLE
                    break
            take = min(st[kk, S_REMAIN], end - i)
            if take > 0:
                if st[kk, S_FIRST] < 0:
                    st[kk, S_FIRST] = pay[i]
                if st[kk, S_WANT] == 1:
                    ev[k, 0], ev[k, 1], ev[k, 2], ev[k, 3] = s, EV_BYTES, i, take
                    k += 1
            st[kk, S_REMAIN] -= take
            i += take
            if st[kk, S_REMAIN] > 0:
                break
            k = _pdu_done(st, kk, kd, s, ev, k)
            done += 1
            if done == 1:
                after_first = i
        # a PDU whose header was cut asked for "one more segment": TCP adds the whole
        # segment to it and calls the dissector once; a known length ends the reassembly
        # inside the segment and the bytes after it are a second call
        fenced[s] = mode0 == M_BODY and done > 0
        calls[s] = _calls(kd, mode0 == M_BODY, done, 0 <= after_first < end)
        if st[kk, S_MODE] == M_BODY:
            st[kk, S_EXACT] = 1  # the rest of this PDU is asked for exactly from here on
        if done > 0:
            show[s] = SHOW_APP
        elif mode0 == M_BODY and exact0 == 1:
            show[s] = SHOW_TCP_MARK  # the middle of a known length: the dissector is not called
        elif kd == KIND_TLS:
            show[s] = SHOW_BARE_MARK
        else:
            show[s] = SHOW_TCP_MARK
    return k


def frame_pdus(n: int, segments: tuple[Array, ...], st: Array, out: tuple[Array, Array, Array, Array]) -> int:
    """Walk a piece's segments (``segments``: key, kind, seq, seglen, start, cap, hole,
    stop, pay) against the directions' state ``st`` (``n``: the segments, for the choice
    of compiled or not), writing ``out`` (show, calls, fenced, ev). Returns the event count."""
    show, calls, fenced, ev = out
    return int(_frame.run(n, *segments, st, show, calls, fenced, ev))


def fresh_state(keys: int) -> Array:
    """State rows of directions not seen yet."""
    st = np.zeros((keys, S_N), dtype=np.int64)
    st[:, S_FIRST] = -1
    return st
