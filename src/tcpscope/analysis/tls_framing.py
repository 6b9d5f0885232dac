"""The kernel that frames length-prefixed PDUs above TCP as tshark 4.0.17 frames them in
one pass: TLS records (a 5-byte header: content type, version, a 16-bit length) and DNS
messages over TCP (a 16-bit length, then the message), reference/pdu-framing.md §2, §4, §5.

Each direction's state is in the fields of :class:`PduState` (one int64 array per
field, indexed by ``stream * 2 + direction``: ``st.mode[key]``); the walk over a piece's segments, in capture order, writes
how each segment shows in the list (``SHOW_*``) and events (``EV_*``) from which
:mod:`tcpscope.analysis.tls` and :mod:`tcpscope.dissect.dns` read the PDUs.

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
* Per segment (``tcp.desegment_tcp_streams:FALSE``, :func:`frame_pdus`'s ``per_segment``):
  TCP hands each segment on alone, so each starts at a PDU boundary and a PDU it does not
  hold whole cannot be asked for: TLS stops there and writes nothing for it (EV_CUT);
  DNS reads a message cut short (tshark: an exception), which tcpscope does not write,
  and its direction is not framed any more.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from tcpscope._jit import helper, kernel
from tcpscope._types import Array
from tcpscope.analysis.http_tls_order import ORDER_NEXT, ORDER_SEEN, segment_order, take_segment

__all__ = [
    "EV_BYTES",
    "EV_CUT",
    "EV_JUNK",
    "EV_PDU",
    "HEADER_MAX",
    "HELPER_MODULES",
    "HELPER_MODULES_DIGEST",
    "KIND_DNS",
    "KIND_TLS",
    "SHOW_APP",
    "SHOW_BARE_MARK",
    "SHOW_TCP_MARK",
    "PduState",
    "frame_pdus",
    "fresh_state",
    "grown",
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

#: The modules whose helpers the kernel compiles in. numba's cache knows only this file,
#: so the digest of their source is recorded here: a change to one of them changes this
#: line, which compiles the kernel again (tests/analysis/test_kernel_sources.py)
HELPER_MODULES = ("tcpscope.analysis.http_tls_order",)
HELPER_MODULES_DIGEST = "1908af19cf97486b"

#: modes: at a PDU boundary, in a PDU's header, in its body, not framed any more
M_IDLE, M_HEAD, M_BODY, M_DEAD = range(4)

class PduState(NamedTuple):
    """Each direction's state (``stream * 2 + direction``), one int64 array per field."""

    mode: Array  #: the mode (``M_*``)
    nxt: Array  #: the relative sequence number expected next (mod 2**32)
    have_next: Array  #: 1 once a segment with data was taken
    hn: Array  #: header bytes read
    h: Array  #: the header bytes (a row of HEADER_MAX per direction)
    remain: Array  #: body bytes still to come
    want: Array  #: 1 when the body's bytes are handed on (EV_BYTES)
    first: Array  #: the body's first byte (-1: none yet)
    exact: Array  #: 1 when the open PDU's exact length was asked for in an earlier segment
    known: Array  #: TLS: 1 once the conversation's version is known (both directions)


#: The longest PDU header: TLS's (DNS's is 2 bytes)
HEADER_MAX = 5

#: Events: bytes of the open PDU's body (place in the piece's payload, count); a PDU
#: complete (its header: TLS content type << 16 | version, DNS 0; its body length and,
#: in bit 32 up, its first byte + 1); a segment's rest not framed (TLS: 1 when the
#: version was known, else 0; 2 per segment for a header of a known content type and an
#: unknown version while the conversation's version is known); per segment, the segment ends inside a PDU (its bytes so
#: far are dropped)
EV_BYTES, EV_PDU, EV_JUNK, EV_CUT = 0, 1, 2, 3


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
        ct = st.h[kk, 0]
        version = st.h[kk, 1] * 256 + st.h[kk, 2]
        if not 20 <= ct <= 25 or (st.known[kk] == 0 and not _tls_version_ok(version)):
            return False
        st.remain[kk] = st.h[kk, 3] * 256 + st.h[kk, 4]
        st.want[kk] = 1 if ct in _WANTED_TLS else 0
    else:
        st.remain[kk] = st.h[kk, 0] * 256 + st.h[kk, 1]
        st.want[kk] = 1
    st.first[kk] = -1
    st.mode[kk] = M_BODY
    return True


@helper
def _pdu_done(st: Any, kk: int, kind: int, s: int, ev: Any, k: int) -> int:  # noqa: PLR0913, PLR0917 -- a numba helper: the state, the direction and the event array one by one
    """The open PDU is complete in segment ``s``: its event, and for TLS the rule that
    fixes the conversation's version. Returns the event count."""
    length = st.h[kk, 3] * 256 + st.h[kk, 4] if kind == KIND_TLS else st.h[kk, 0] * 256 + st.h[kk, 1]
    head = 0
    if kind == KIND_TLS:
        ct = st.h[kk, 0]
        version = st.h[kk, 1] * 256 + st.h[kk, 2]
        head = ct * 65536 + version
        if st.known[kk] == 0 and _tls_version_ok(version) and _tls_authoritative(ct, st.first[kk]):
            st.known[kk] = 1
            st.known[kk ^ 1] = 1
    ev[k, 0], ev[k, 1], ev[k, 2], ev[k, 3] = s, EV_PDU, head, length + (st.first[kk] + 1) * 4294967296
    st.mode[kk] = M_IDLE
    st.exact[kk] = 0
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


@helper
def _segment_alone(st: Any, kk: int, kind: int) -> bool:
    """Per segment: the segment starts at a PDU boundary (TCP hands it on alone), unless
    its direction is DNS that a message cut short stopped. Returns whether it is framed."""
    if st.mode[kk] == M_DEAD and kind == KIND_DNS:
        return False
    st.mode[kk] = M_IDLE
    st.hn[kk] = 0
    st.exact[kk] = 0
    return True


@helper
def _segment_end(st: Any, kk: int, kind: int, s: int, ev: Any, k: int) -> int:  # noqa: PLR0913, PLR0917 -- a numba helper: the state, the direction and the event array one by one
    """Per segment, the segment ends inside a PDU (its header or body): EV_CUT; TLS is
    between records again, DNS not framed any more. Returns the event count."""
    ev[k, 0], ev[k, 1] = s, EV_CUT
    st.mode[kk] = M_DEAD if kind == KIND_DNS else M_IDLE
    return k + 1


@kernel
def _frame(key: Any, kind: Any, seq: Any, seglen: Any, start: Any, cap: Any, hole: Any, stop: Any,  # noqa: PLR0913, PLR0917, PLR0912, PLR0915 -- a numba kernel: arrays one by one, one walk over the segments
           pay: Any, st: Any, show: Any, calls: Any, fenced: Any, ev: Any, per_segment: bool) -> int:
    """Walk the segments (capture order) of framed directions against their state
    (``st``): ``show[s]`` gets how segment ``s`` shows (0: TCP's own line), ``calls[s]``
    how many times the dissector ran there and kept its layer (:func:`_calls`),
    ``fenced[s]`` whether its first PDU was reassembled with a known length (TCP fences
    Info after it, and calls the dissector again on the bytes after it), ``ev`` the
    events (segment, EV_*, two numbers); ``per_segment``: each segment framed alone
    (``stop`` then says which segments are not handed on). Returns the event count."""
    k = 0
    hl = 0
    for s in range(key.shape[0]):
        kk = key[s]
        kd = kind[s]
        hl = 5 if kd == KIND_TLS else 2
        if per_segment:
            if stop[s] or cap[s] != seglen[s] or not _segment_alone(st, kk, kd):
                continue
        elif st.mode[kk] == M_DEAD:
            continue
        # in order: bytes already seen are passed over (tshark hands a retransmission to
        # no dissector); after a hole, a segment at a PDU boundary starts afresh; else
        # the framing of the direction ends
        if st.have_next[kk] == 1 and not per_segment:
            order = segment_order(st.nxt[kk], seq[s], seglen[s])
            if order == ORDER_SEEN:
                continue
            if order != ORDER_NEXT and not (hole[s] and st.mode[kk] == M_IDLE):
                st.mode[kk] = M_DEAD
                continue
        if stop[s] or cap[s] != seglen[s]:
            st.mode[kk] = M_DEAD
            continue
        take_segment(st.nxt, st.have_next, kk, seq[s], seglen[s])
        mode0 = st.mode[kk]
        exact0 = st.exact[kk]
        i = start[s]
        end = start[s] + cap[s]
        if kd == KIND_TLS and mode0 == M_IDLE and cap[s] > 4 and _printable(pay[i]) and _printable(pay[i + 1]) \
                and _printable(pay[i + 2]) and _printable(pay[i + 3]):
            continue  # not TLS: TCP's own line (packet-tls.c dissect_ssl)
        done = 0
        after_first = -1
        while i < end:
            mode = st.mode[kk]
            if mode == M_IDLE:
                if kd == KIND_TLS and st.known[kk] == 1 and not 20 <= pay[i] <= 25:
                    ev[k, 0], ev[k, 1], ev[k, 2] = s, EV_JUNK, 1
                    k += 1
                    done += 1
                    break
                st.mode[kk] = M_HEAD
                st.hn[kk] = 0
                mode = M_HEAD
            if mode == M_HEAD:
                while i < end and st.hn[kk] < hl:
                    st.h[kk, st.hn[kk]] = pay[i]
                    st.hn[kk] += 1
                    i += 1
                if st.hn[kk] < hl:
                    break
                if not _header_done(st, kk, kd):
                    ev[k, 0], ev[k, 1], ev[k, 2] = s, EV_JUNK, 0
                    k += 1
                    done += 1
                    st.mode[kk] = M_IDLE
                    break
                if per_segment and kd == KIND_TLS and i == start[s] + hl and st.known[kk] == 1 \
                        and not _tls_version_ok(st.h[kk, 1] * 256 + st.h[kk, 2]):
                    # a segment that starts with a valid content type and a version TLS
                    # does not know: a record for TLS 1.0-1.2, tried as one (the segment's
                    # end cuts it, as a length read from the middle of a record does), not
                    # SSLv3-like for TLS 1.3 (Continuation Data): the session decides
                    ev[k, 0], ev[k, 1], ev[k, 2] = s, EV_JUNK, 2
                    k += 1
                    done += 1
                    st.mode[kk] = M_IDLE
                    break
            take = min(st.remain[kk], end - i)
            if take > 0:
                if st.first[kk] < 0:
                    st.first[kk] = pay[i]
                if st.want[kk] == 1:
                    ev[k, 0], ev[k, 1], ev[k, 2], ev[k, 3] = s, EV_BYTES, i, take
                    k += 1
            st.remain[kk] -= take
            i += take
            if st.remain[kk] > 0:
                break
            k = _pdu_done(st, kk, kd, s, ev, k)
            done += 1
            if done == 1:
                after_first = i
        if per_segment and st.mode[kk] in (M_HEAD, M_BODY):
            k = _segment_end(st, kk, kd, s, ev, k)
            done += 1
        # a PDU whose header was cut asked for "one more segment": TCP adds the whole
        # segment to it and calls the dissector once; a known length ends the reassembly
        # inside the segment and the bytes after it are a second call
        fenced[s] = mode0 == M_BODY and done > 0
        calls[s] = _calls(kd, mode0 == M_BODY, done, 0 <= after_first < end)
        if st.mode[kk] == M_BODY:
            st.exact[kk] = 1  # the rest of this PDU is asked for exactly from here on
        if done > 0:
            show[s] = SHOW_APP
        elif mode0 == M_BODY and exact0 == 1:
            show[s] = SHOW_TCP_MARK  # the middle of a known length: the dissector is not called
        elif kd == KIND_TLS:
            show[s] = SHOW_BARE_MARK
        else:
            show[s] = SHOW_TCP_MARK
    return k


def frame_pdus(n: int, segments: tuple[Array, ...], st: PduState, out: tuple[Array, Array, Array, Array],
               per_segment: bool = False) -> int:
    """Walk a piece's segments (``segments``: key, kind, seq, seglen, start, cap, hole,
    stop, pay) against the directions' state ``st`` (``n``: the segments, for the choice
    of compiled or not), writing ``out`` (show, calls, fenced, ev); ``per_segment``: each
    segment framed alone, as tshark does with ``tcp.desegment_tcp_streams:FALSE``.
    Returns the event count."""
    show, calls, fenced, ev = out
    return int(_frame.run(n, *segments, st, show, calls, fenced, ev, per_segment))


def fresh_state(keys: int) -> PduState:
    """The state of ``keys`` directions not seen yet."""
    return PduState(*(np.full((keys, HEADER_MAX) if name == "h" else keys, -1 if name == "first" else 0,
                              dtype=np.int64) for name in PduState._fields))


def grown(st: PduState, keys: int) -> PduState:
    """``st`` with room for ``keys`` directions, the new ones not seen yet."""
    more = fresh_state(keys)
    for old, new in zip(st, more, strict=True):
        new[: old.shape[0]] = old
    return more
