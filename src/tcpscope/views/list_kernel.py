"""The packet list's lines written straight into a byte buffer by one compiled kernel.

:func:`tcpscope.views.packet_list.packet_text` makes the list a column at a time with
numpy's string functions; on a large capture its concatenations, its numbers turned to
text and the lines handed to Python as strings cost more than reading, dissecting and
analysing the capture. Here (as ``tcpscope fields`` does it, :mod:`tcpscope.table.render`)
:func:`write_lines` writes each line's bytes in place, from numbers and from a *pool* of
the texts the rows share (addresses, protocol names, flag lists, the application
protocols' texts, the Info of the rows written elsewhere):

* ``No.`` right-aligned in 5, ``Time`` (seconds since the first frame, ``digits``
  decimals; empty without a time stamp) in 10, ``Source`` in 12, `` → ``,
  ``Destination`` left-aligned in 12, ``Protocol``, ``Length``, then Info;
* Info is made of four parts, each optional, in this order: the TCP analysis prefixes
  of the row's segment (``pfx``), the segment's own text (``body``: ports, flags,
  numbers, then its MSS, WS, SACK_PERM, timestamp and SACK options' texts, as
  :func:`tcpscope.views.info.tcp_info` writes a plain segment's), a text from the pool
  (``text``) and another (``suffix``: the reassembly mark).

The kernel reads no constant of :mod:`tcpscope.constants`: the options come as codes
(:data:`OPT_MSS` ...) and the prefixes as bits and pool entries, so that numba's cache,
which watches this file only, cannot keep a stale copy. Numbers are non-negative
(relative or raw sequence numbers, ports, lengths); a text pads by its characters, as
numpy's ``rjust`` counts them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tcpscope._jit import helper, kernel

__all__ = ["OPT_MSS", "OPT_SACK", "OPT_SACK_PERM", "OPT_TIMESTAMP", "OPT_WS", "decimal_digits", "put_info", "write_lines"]

#: How an option shows in Info (its code in the kernel's ``okind``): `` MSS=v``,
#: `` WS=2^v`` (v at most 14), `` SACK_PERM``, `` TSval=a TSecr=b``, each SACK block's
#: `` SLE=le SRE=re``; 0 shows nothing.
OPT_MSS, OPT_WS, OPT_SACK_PERM, OPT_TIMESTAMP, OPT_SACK = 1, 2, 3, 4, 5


def _b(text: str) -> Any:
    return np.frombuffer(text.encode(), dtype=np.uint8).copy()


_ARROW_TEXT = _b(" \u2192 ")
_SEQ_TEXT, _ACK_TEXT, _WIN_TEXT, _URG_TEXT, _LEN_TEXT = _b("] Seq="), _b(" Ack="), _b(" Win="), _b(" Urg="), _b(" Len=")
_MSS_TEXT, _WS_TEXT, _SACK_PERM_TEXT, _TSVAL_TEXT, _TSECR_TEXT = _b(" MSS="), _b(" WS="), _b(" SACK_PERM"), _b(" TSval="), _b(" TSecr=")
_SLE_TEXT, _SRE_TEXT = _b(" SLE="), _b(" SRE=")
_DUP_TEXT, _DUP_END_TEXT = _b("[TCP Dup ACK "), _b("] ")


@helper
def decimal_digits(x: int) -> int:
    """How many decimal digits a non-negative int64 takes."""
    n = 1
    while x >= 10:
        x //= 10
        n += 1
    return n


@helper
def _put_num(out: Any, p: int, x: int) -> int:
    """A non-negative integer in decimal at ``p``; returns the position after it."""
    n = decimal_digits(x)
    q = p + n
    while True:
        q -= 1
        out[q] = 48 + x % 10
        x //= 10
        if x == 0:
            break
    return p + n


@helper
def _put_lit(out: Any, p: int, lit: Any) -> int:
    """The bytes ``lit`` at ``p``."""
    size: int = lit.shape[0]
    for k in range(size):
        out[p + k] = lit[k]
    return p + size


@helper
def _put_pool(out: Any, p: int, pool: Any, pstart: Any, i: int) -> int:
    """Pool entry ``i`` at ``p``."""
    a: int = pstart[i]
    size: int = pstart[i + 1] - a
    for k in range(size):
        out[p + k] = pool[a + k]
    return p + size


@helper
def _pad(out: Any, p: int, n: int) -> int:
    for k in range(n):
        out[p + k] = 32
    return p + max(n, 0)


@helper
def _put_time(out: Any, p: int, rel: int, digits: int, has_ts: bool) -> int:
    """The Time column right-aligned in 10: the sign, the seconds, ``digits`` decimals."""
    if not has_ts:
        return _pad(out, p, 10)
    mag = -rel if rel < 0 else rel
    secs = mag // 1_000_000_000
    frac = mag % 1_000_000_000
    for _ in range(9 - digits):
        frac //= 10
    width = (1 if rel < 0 else 0) + decimal_digits(secs) + (digits + 1 if digits > 0 else 0)
    p = _pad(out, p, 10 - width)
    if rel < 0:
        out[p] = 45
        p += 1
    p = _put_num(out, p, secs)
    if digits > 0:
        out[p] = 46
        p += 1 + digits
        for k in range(digits):
            out[p - 1 - k] = 48 + frac % 10
            frac //= 10
    return p


@helper
def _put_prefixes(out: Any, p: int, aflags: int, dupnum: int, dupframe: int, pbits: Any, pids: Any, dup_bit: int,  # noqa: PLR0913, PLR0917 -- a kernel helper: arrays one by one (see tcpscope.table.render on records)
                  pool: Any, pstart: Any) -> int:
    """The analysis prefixes: Wireshark prepends each in its order, so the last comes first."""
    for k in range(pbits.shape[0] - 1, -1, -1):
        if aflags & pbits[k]:
            if pbits[k] == dup_bit:
                if dupnum != 0:
                    p = _put_lit(out, p, _DUP_TEXT)
                    p = _put_num(out, p, dupframe)
                    out[p] = 35
                    p = _put_num(out, p + 1, dupnum)
                    p = _put_lit(out, p, _DUP_END_TEXT)
            else:
                p = _put_pool(out, p, pool, pstart, pids[k])
    return p


# ---- the hook of views.info_kernel: a line's Info, alone ----


@helper
def put_info(out: Any, p: int, r: int, pfx: bool, body: bool, text: int, suffix: int, pool: Any, pstart: Any,  # noqa: PLR0913, PLR0917, PLR0912 -- a kernel helper: one line's Info parts and the arrays they index
             sport: Any, dport: Any, flagid: Any, seq: Any, ack: Any, win: Any, urg: Any, seglen: Any, aflags: Any,
             dupnum: Any, dupframe: Any, opt_lo: Any, opt_hi: Any, okind: Any, ov1: Any, ov2: Any, sack_lo: Any,
             sack_hi: Any, sle: Any, sre: Any, pbits: Any, pids: Any, dup_bit: int) -> int:
    """A line's Info at ``p`` (tcp row ``r``; its parts ``pfx``, ``body``, ``text`` and
    ``suffix``, see the module docstring); returns the position after it. :func:`write_lines`
    writes it after the other columns, :mod:`tcpscope.views.info_kernel` alone."""
    if pfx:
        p = _put_prefixes(out, p, aflags[r], dupnum[r], dupframe[r], pbits, pids, dup_bit, pool, pstart)
    if body:
        p = _put_num(out, p, sport[r])
        p = _put_lit(out, p, _ARROW_TEXT)
        p = _put_num(out, p, dport[r])
        out[p] = 32
        out[p + 1] = 91
        p = _put_pool(out, p + 2, pool, pstart, flagid[r])
        p = _put_lit(out, p, _SEQ_TEXT)
        p = _put_num(out, p, seq[r])
        if ack[r] >= 0:
            p = _put_lit(out, p, _ACK_TEXT)
            p = _put_num(out, p, ack[r])
        p = _put_lit(out, p, _WIN_TEXT)
        p = _put_num(out, p, win[r])
        if urg[r] >= 0:
            p = _put_lit(out, p, _URG_TEXT)
            p = _put_num(out, p, urg[r])
        if seglen[r] >= 0:
            p = _put_lit(out, p, _LEN_TEXT)
            p = _put_num(out, p, seglen[r])
        for o in range(opt_lo[r], opt_hi[r]):
            kind = okind[o]
            if kind == OPT_MSS:
                p = _put_lit(out, p, _MSS_TEXT)
                p = _put_num(out, p, ov1[o])
            elif kind == OPT_WS:
                p = _put_lit(out, p, _WS_TEXT)
                p = _put_num(out, p, 1 << min(ov1[o], 14))
            elif kind == OPT_SACK_PERM:
                p = _put_lit(out, p, _SACK_PERM_TEXT)
            elif kind == OPT_TIMESTAMP:
                p = _put_lit(out, p, _TSVAL_TEXT)
                p = _put_num(out, p, ov1[o])
                p = _put_lit(out, p, _TSECR_TEXT)
                p = _put_num(out, p, ov2[o])
            elif kind == OPT_SACK:
                for b in range(sack_lo[o], sack_hi[o]):
                    p = _put_lit(out, p, _SLE_TEXT)
                    p = _put_num(out, p, sle[b])
                    p = _put_lit(out, p, _SRE_TEXT)
                    p = _put_num(out, p, sre[b])
    if text >= 0:
        p = _put_pool(out, p, pool, pstart, text)
    if suffix >= 0:
        p = _put_pool(out, p, pool, pstart, suffix)
    return p


@kernel
def write_lines(out: Any, number: Any, rel: Any, digits: Any, has_ts: Any, src: Any, dst: Any, proto: Any,  # noqa: PLR0913, PLR0917 -- a numba kernel: arrays one by one (see tcpscope.table.render on records), one line's parts in order
                length: Any, trow: Any, pfx: Any, body: Any, text: Any, suffix: Any, pool: Any, pstart: Any,
                pchars: Any, sport: Any, dport: Any, flagid: Any, seq: Any, ack: Any, win: Any, urg: Any,
                seglen: Any, aflags: Any, dupnum: Any, dupframe: Any, opt_lo: Any, opt_hi: Any, okind: Any, ov1: Any,
                ov2: Any, sack_lo: Any, sack_hi: Any, sle: Any, sre: Any, pbits: Any, pids: Any, dup_bit: int) -> int:
    """Write the lines (each with its newline) into ``out``, which must hold them;
    returns the bytes written (see the module docstring for the parts)."""
    p = 0
    for i in range(number.shape[0]):
        p = _pad(out, p, 5 - decimal_digits(number[i]))
        p = _put_num(out, p, number[i])
        out[p] = 32
        p = _put_time(out, p + 1, rel[i], digits[i], has_ts[i])
        out[p] = 32
        p = _pad(out, p + 1, 12 - pchars[src[i]])
        p = _put_pool(out, p, pool, pstart, src[i])
        p = _put_lit(out, p, _ARROW_TEXT)
        p = _put_pool(out, p, pool, pstart, dst[i])
        p = _pad(out, p, 12 - pchars[dst[i]])
        out[p] = 32
        p = _put_pool(out, p + 1, pool, pstart, proto[i])
        out[p] = 32
        p = _put_num(out, p + 1, length[i])
        out[p] = 32
        p += 1
        p = put_info(out, p, trow[i], pfx[i], body[i], text[i], suffix[i], pool, pstart, sport, dport, flagid, seq,
                     ack, win, urg, seglen, aflags, dupnum, dupframe, opt_lo, opt_hi, okind, ov1, ov2, sack_lo,
                     sack_hi, sle, sre, pbits, pids, dup_bit)
        out[p] = 10
        p += 1
    return p
