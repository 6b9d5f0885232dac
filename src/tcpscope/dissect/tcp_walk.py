"""The vectorized walk of TCP options for the segments the compiled walk leaves
(:mod:`tcpscope.dissect.kernels`): every rule of ``tcp_dissect_options`` (packet-tcp.c),
one option of every segment per round, as :mod:`tcpscope.dissect.tcp`'s docstring
states them; the values of each known option (RFC 9293 §3.2, RFC 7323, RFC 2018).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from tcpscope.constants import (
    SYN,
    TCP_MAX_WINSHIFT,
    TCPOPT_CC,
    TCPOPT_CCECHO,
    TCPOPT_CCNEW,
    TCPOPT_ECHO,
    TCPOPT_ECHOREPLY,
    TCPOPT_MPTCP,
    TCPOPT_MSS,
    TCPOPT_NOP,
    TCPOPT_SACK,
    TCPOPT_TIMESTAMP,
    TCPOPT_USER_TO,
    TCPOPT_WINDOW,
)
from tcpscope.dissect.context import DissectContext, rows_of
from tcpscope.dissect.experts import EXPERT_CODE
from tcpscope.dissect.kernels import (
    FIXED_LEN,
    length_past_options,
    length_too_short,
    length_wrong,
    nonzero_after_eol,
    nop_continues_run,
    one_byte,
    sack_blocks,
    sack_partial,
    wscale_invalid,
)
from tcpscope.dissect.protocols import PROTO_CODE
from tcpscope.dissect.tcp_options import OptionBytes, OptionRun, other_options

__all__ = ["OptionWalk", "Segments"]


@dataclass(frozen=True)
class Segments:
    """The segments whose options are walked: frames, where the TCP header starts, its
    length and flags, the bytes captured and reported from it on, and the raw ACK."""

    idx: NDArray[np.int64]
    start: NDArray[np.int64]
    hlen: NDArray[np.int64]
    flags: NDArray[np.uint16]
    avail: NDArray[np.int64]
    ravail: NDArray[np.int64]
    ack: NDArray[np.int64]

    def take(self, rows: NDArray[np.int64]) -> Segments:
        return Segments(self.idx[rows], self.start[rows], self.hlen[rows], self.flags[rows], self.avail[rows],
                         self.ravail[rows], self.ack[rows])


class _Options(NamedTuple):
    """Options at hand in one round of the walk: their segments' rows, kinds, length bytes
    and offsets."""

    seg: NDArray[np.int64]
    kind: NDArray[np.int64]
    olen: NDArray[np.int64]
    at: NDArray[np.int64]

    def take(self, rows: NDArray[np.bool_] | NDArray[np.int64] | slice) -> _Options:
        return _Options(self.seg[rows], self.kind[rows], self.olen[rows], self.at[rows])


@dataclass(frozen=True)
class _Shown:
    """How ``tcp.option`` rows show: with a length byte, dissected whole (``ok``), marked
    invalid, in the tree (``item``; an option with a missing or bad length byte only has
    an expert note). Each a flag for all rows or one per row."""

    has_len: bool | NDArray[np.bool_]
    ok: bool | NDArray[np.bool_]
    invalid: bool | NDArray[np.bool_] = False
    item: bool | NDArray[np.bool_] = True


#: EOL and NOP: no length byte, nothing to check.
_ONE_BYTE = _Shown(has_len=False, ok=True)
#: An option whose length byte is missing (no option bytes left, or not captured).
_NO_LENGTH = _Shown(has_len=False, ok=False, item=False)
#: An option whose length byte is under 2 or runs past the options.
_BAD_LENGTH = _Shown(has_len=True, ok=False, invalid=True, item=False)


class _Values(NamedTuple):
    """The values an option's dissector read (0 and False where none)."""

    v1: NDArray[np.int64]
    v2: NDArray[np.int64]
    has_v1: NDArray[np.bool_]
    has_v2: NDArray[np.bool_]


@dataclass
class OptionWalk:
    """The vectorized walk, every rule of ``tcp_dissect_options``: one option of every
    segment per round (see the module docstring).

    Per segment: where its next option is and the option bytes left; where its header's
    captured and reported bytes end; whether an EOL was seen, the NOPs in a row, whether
    an MSS was; whether the walk threw (``exc``) or returned early (``aborted``: no "MSS
    absent" check); the last window-scale shift; the SACK blocks shown so far. ``rows``
    and ``sack_rows``: the ``tcp.option`` and ``tcp.sack`` rows found, added at the end.
    """

    ctx: DissectContext
    segs: Segments
    opts: OptionBytes
    pos: NDArray[np.int64]
    length: NDArray[np.int64]
    cap_end: NDArray[np.int64]
    rep_end: NDArray[np.int64]
    eol: NDArray[np.bool_]
    nop_count: NDArray[np.int64]
    mss_seen: NDArray[np.bool_]
    exc: NDArray[np.bool_]
    aborted: NDArray[np.bool_]
    shift: NDArray[np.int8]
    sack: _SackState
    rows: list[dict[str, NDArray[np.generic]]]
    sack_rows: list[dict[str, NDArray[np.generic]]]

    @classmethod
    def start(cls, ctx: DissectContext, segs: Segments, opts: OptionBytes) -> OptionWalk:
        m = segs.idx.shape[0]
        start = segs.start
        # the SACK blocks the segment has shown so far (tcph->sack_*_edge): count, first two blocks
        sack = _SackState(np.zeros(m, np.int64), np.zeros((m, 2), np.int64), np.zeros((m, 2), np.int64), segs.ack)
        return cls(ctx, segs, opts, start + 20, segs.hlen - 20, start + segs.avail, start + segs.ravail,
                   np.zeros(m, dtype=np.bool_), np.zeros(m, dtype=np.int64), np.zeros(m, dtype=np.bool_),
                   np.zeros(m, dtype=np.bool_), np.zeros(m, dtype=np.bool_), np.full(m, -1, dtype=np.int8), sack,
                   [], [])

    def run(self) -> None:
        rows = np.arange(self.segs.idx.shape[0])
        active = rows[self.length > 0]
        order = 0
        while active.shape[0]:
            self._round(active, order)
            order += 1
            active = rows[(self.length > 0) & ~self.exc]
        self._finish()

    def throw(self, r: NDArray[np.int64], at: NDArray[np.int64]) -> None:
        """A read at ``at`` past the captured bytes: the frame's dissection ends."""
        self.exc[r] = True
        self.ctx.stop(self.segs.idx[r], at >= self.rep_end[r])

    def _end(self, r: NDArray[np.int64]) -> None:
        """The walk returns early for segments ``r``."""
        self.length[r] = 0
        self.aborted[r] = True

    def _add(self, o: _Options, order: int, shown: _Shown, values: _Values | None = None) -> None:
        """``tcp.option`` rows for options ``o``, the ``order``-th of their segments."""
        m = o.seg.shape[0]
        z = np.zeros(m, dtype=np.int64)
        f = np.zeros(m, dtype=np.bool_)
        v = values if values is not None else _Values(z, z, f, f)

        def flag(x: bool | NDArray[np.bool_]) -> NDArray[np.bool_]:
            return np.full(m, x, dtype=np.bool_) if isinstance(x, bool) else x

        self.rows.append({
            "pkt": self.segs.idx[o.seg], "kind": o.kind.astype(np.uint8), "len": o.olen.astype(np.uint8),
            "has_len": flag(shown.has_len), "off": o.at, "order": np.full(m, order, dtype=np.int16),
            "ok": flag(shown.ok), "invalid": flag(shown.invalid), "v1": v.v1, "v2": v.v2, "has_v1": v.has_v1,
            "has_v2": v.has_v2, "item": flag(shown.item),
        })

    def _round(self, a: NDArray[np.int64], order: int) -> None:
        """The ``order``-th option of segments ``a``."""
        p = self.pos[a]
        # tvb_get_guint8(offset): needs the kind byte
        nocap = p >= self.cap_end[a]
        if nocap.any():
            self.throw(a[nocap], p[nocap])
            a, p = a[~nocap], p[~nocap]
        kind = self.opts.read(a, p, 2)
        here = _Options(a, kind[:, 0].astype(np.int64), kind[:, 1].astype(np.int64), p)
        after_eol = nonzero_after_eol(self.eol[a], here.kind)
        if after_eol.any():
            self.ctx.expert(self.segs.idx[a[after_eol]], EXPERT_CODE["tcp.non_zero_bytes_after_eol"],
                            slot=100 + 10 * order)
            self._end(a[after_eol])
            here = here.take(~after_eol)
        self.length[here.seg] -= 1
        one = one_byte(here.kind)
        if one.any():
            self._one_byte(here.take(one), order)
        if (~one).any():
            self._with_length(here.take(~one), order)

    def _one_byte(self, o: _Options, order: int) -> None:
        """EOL and NOP (see ``nop_continues_run`` for the NOP runs)."""
        s = o.seg
        nop = o.kind == TCPOPT_NOP
        counts = nop_continues_run(self.nop_count[s], self.pos[s] - self.segs.start[s])
        inc = nop & counts
        self.nop_count[s[inc]] += 1
        four = inc & (self.nop_count[s] == 4)
        self.ctx.expert(self.segs.idx[s[four]], EXPERT_CODE["tcp.nop"], slot=100 + 10 * order)
        self.nop_count[s[nop & ~counts]] = 0
        self._add(o._replace(olen=np.zeros(s.shape[0], np.int64)), order, _ONE_BYTE)
        self.pos[s] += 1
        self.eol[s[~nop]] = True

    def _with_length(self, o: _Options, order: int) -> None:
        """An option with a length byte: the length byte must be there and captured, at
        least 2 and within the options; then the kind's own dissector runs."""
        no_len = self.length[o.seg] == 0
        if no_len.any():
            n = o.take(no_len)
            self.ctx.expert(self.segs.idx[n.seg], EXPERT_CODE["tcp.option.len.invalid/no_len"], n.kind,
                            slot=100 + 10 * order)
            self._add(n, order, _NO_LENGTH)
            self._end(n.seg)
            o = o.take(rows_of(~no_len))
        # tvb_get_guint8(offset + 1): the length byte must be captured
        nl = o.at + 1 >= self.cap_end[o.seg]
        if nl.any():
            self._add(o.take(nl), order, _NO_LENGTH)
            self.throw(o.seg[nl], o.at[nl] + 1)
            o = o.take(~nl)
        self.length[o.seg] -= 1
        too_short = length_too_short(o.olen)
        past = ~too_short & length_past_options(o.olen, self.length[o.seg])
        for mask, code in ((too_short, "tcp.option.len.invalid/too_short"), (past, "tcp.option.len.invalid/past_end")):
            if mask.any():
                self.ctx.expert(self.segs.idx[o.seg[mask]], EXPERT_CODE[code], o.kind[mask], o.olen[mask],
                                slot=100 + 10 * order)
        bad = too_short | past
        if bad.any():
            self._add(o.take(bad), order, _BAD_LENGTH)
            self._end(o.seg[bad])
        o = o.take(rows_of(~bad))
        self.mss_seen[o.seg[o.kind == TCPOPT_MSS]] = True
        run = OptionRun(self.ctx, self.opts, o.seg, self.segs.idx[o.seg], o.kind, o.olen, o.at, self.cap_end[o.seg],
                        self.rep_end[o.seg], order)
        ws_val = self._dissect(run)
        b = o.seg
        threw = run.threw
        if threw.any():
            self.exc[b[threw]] = True
            self.length[b[threw]] = 0
        has_ws = ws_val >= 0
        self.shift[b[has_ws]] = ws_val[has_ws]
        ok = ~threw
        self.pos[b[ok]] += o.olen[ok]
        self.length[b[ok]] -= o.olen[ok] - 2

    def _dissect(self, run: OptionRun) -> NDArray[np.int8]:
        """Run each option's dissector (``run.threw``: it threw); returns the window-scale
        shift (-1: none)."""
        flags = self.segs.flags[run.seg]
        wrong_len = length_wrong(run.kind, run.olen)
        if wrong_len.any():
            self.ctx.expert(run.pkt[wrong_len], EXPERT_CODE["tcp.option.len.invalid/should"],
                            FIXED_LEN[run.kind[wrong_len]], slot=run.slot(2))
        good = ~wrong_len
        _mss(run, flags, good)
        ws = _window_scale(run, good)
        _timestamps_and_single_values(run, good)
        if (run.kind == TCPOPT_SACK).any():
            _sack(run, self.sack, self.sack_rows)
        other_options(run, flags, good)
        self._add(_Options(run.seg, run.kind, run.olen, run.at), run.order,
                  _Shown(has_len=True, ok=~run.threw & good, invalid=wrong_len),
                  _Values(run.v1, run.v2, run.has_v1, run.has_v2))
        return ws

    def _finish(self) -> None:
        """SYN without an MSS option (the segment has options, or it would not be walked);
        then the rows found."""
        no_mss = ((self.segs.flags & SYN) != 0) & ~self.mss_seen & ~self.exc & ~self.aborted
        self.ctx.expert(self.segs.idx[no_mss], EXPERT_CODE["tcp.options.mss.absent"])
        for chunk in self.rows:
            if chunk["pkt"].shape[0]:
                # a dissected MPTCP option is a protocol of its own in frame.protocols (tcp:mptcp)
                self.ctx.mark_stack(chunk["pkt"][(chunk["kind"] == TCPOPT_MPTCP) & chunk["item"]], PROTO_CODE["mptcp"])
                self.ctx.add_rows("tcp.option", chunk.pop("pkt"), chunk)  # type: ignore[arg-type]
        for chunk in self.sack_rows:
            if chunk["pkt"].shape[0]:
                self.ctx.add_rows("tcp.sack", chunk.pop("pkt"), chunk)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _SackState:
    """Per segment: SACK blocks shown so far, the first two of them (raw edges), and the raw ACK."""

    count: NDArray[np.int64]
    left: NDArray[np.int64]
    right: NDArray[np.int64]
    ack: NDArray[np.int64]


def _seq_diff(a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.int64]:
    """``(gint32)(a - b)``: the sign that LE_SEQ, LT_SEQ and GE_SEQ look at."""
    out: NDArray[np.int64] = ((a - b + 2**31) & 0xFFFFFFFF) - 2**31
    return out


def _mss(run: OptionRun, flags: NDArray[np.uint16], good: NDArray[np.bool_]) -> None:
    """MSS: "The non-SYN packet does contain a MSS option" comes first, even for a bad length."""
    mss = run.kind == TCPOPT_MSS
    nonsyn = mss & ((flags & SYN) == 0)
    run.ctx.expert(run.pkt[nonsyn], EXPERT_CODE["tcp.options.mss.present"], slot=run.slot(1))
    r = run.need(mss & good, 4)
    run.v1[r] = run.opts.uint(run.seg[r], run.at[r] + 2, 2)
    run.has_v1[r] = True


def _window_scale(run: OptionRun, good: NDArray[np.bool_]) -> NDArray[np.int8]:
    """WINDOW SCALE (see ``wscale_invalid``); returns the shift (-1 for other options)."""
    ws = np.full(run.pkt.shape[0], -1, dtype=np.int8)
    w = run.need((run.kind == TCPOPT_WINDOW) & good, 3)
    sh = run.opts.uint(run.seg[w], run.at[w] + 2, 1)
    run.v1[w] = sh
    run.has_v1[w] = True
    big = wscale_invalid(sh)
    run.ctx.expert(run.pkt[w][big], EXPERT_CODE["tcp.options.wscale.shift.invalid"], slot=run.slot(3))
    ws[w] = np.minimum(sh, TCP_MAX_WINSHIFT).astype(np.int8)
    return ws


#: The options with one value after the kind and length bytes, and its width: user
#: timeout, echo, echo reply, and the connection counts.
_SINGLE_VALUES = ((TCPOPT_USER_TO, 2), (TCPOPT_ECHO, 4), (TCPOPT_ECHOREPLY, 4), (TCPOPT_CC, 4), (TCPOPT_CCNEW, 4),
                  (TCPOPT_CCECHO, 4))


def _timestamps_and_single_values(run: OptionRun, good: NDArray[np.bool_]) -> None:
    """Timestamps (the value is shown before the echo reply is read), then the options of
    one value (``_SINGLE_VALUES``)."""
    t = run.need((run.kind == TCPOPT_TIMESTAMP) & good, 6)
    run.v1[t] = run.opts.uint(run.seg[t], run.at[t] + 2, 4)
    run.has_v1[t] = True
    t = run.need(t, 10)
    run.v2[t] = run.opts.uint(run.seg[t], run.at[t] + 6, 4)
    run.has_v2[t] = True
    for k, width in _SINGLE_VALUES:
        e = run.need((run.kind == k) & good, 2 + width)
        if e.any():
            run.v1[e] = run.opts.uint(run.seg[e], run.at[e] + 2, width)
            run.has_v1[e] = True


def _sack(run: OptionRun, sack: _SackState, out: list[dict[str, NDArray[np.generic]]]) -> None:
    """SACK blocks, each edge read as it is reached: whole blocks, then the left edge of a
    partial block of 4 bytes or more; "tcp.suboption_malformed" for a partial block; the
    D-SACK check's read (:func:`_dsack_read`) of an option with no whole block."""
    m = run.pkt.shape[0]
    s = np.flatnonzero(run.kind == TCPOPT_SACK)
    nblk = sack_blocks(run.olen[s])
    part = sack_partial(run.olen[s])
    edges = nblk + (part >= 4)
    for j in range(int(edges.max())):
        rj = s[edges > j]
        rj = rj[~run.threw[rj]]
        le_ok = run.need(np.isin(np.arange(m), rj), 2 + 8 * j + 4)
        whole = np.zeros(m, dtype=np.bool_)
        whole[s[nblk > j]] = True
        re_ok = run.need(le_ok & whole, 2 + 8 * j + 8)
        rows_le = np.flatnonzero(le_ok)
        if rows_le.shape[0]:
            _sack_block(run, sack, out, rows_le, (j, re_ok[rows_le]))
    sub = s[(part > 0) & ~run.threw[s]]
    run.ctx.expert(run.pkt[sub], EXPERT_CODE["tcp.suboption_malformed"], slot=run.slot(4))
    _dsack_read(run, sack, s[(nblk == 0) & ~run.threw[s]])


def _sack_block(run: OptionRun, sack: _SackState, out: list[dict[str, NDArray[np.generic]]],
                rows: NDArray[np.int64], block: tuple[int, NDArray[np.bool_]]) -> None:
    """Block ``j`` of the SACK options of ``rows`` (``block``: j, and whether its right edge
    was read): a ``tcp.sack`` row, and a whole block joins those its segment showed."""
    j, has_re = block
    le_raw = run.opts.uint(run.seg[rows], run.at[rows] + 2 + 8 * j, 4)
    re_raw = run.opts.uint(run.seg[rows], run.at[rows] + 6 + 8 * j, 4)
    out.append({
        "pkt": run.pkt[rows],
        "le_raw": le_raw,
        "re_raw": re_raw,
        "has_re": has_re,
        "block": np.full(rows.shape[0], j, dtype=np.int8),
        "opt_order": np.full(rows.shape[0], run.order, dtype=np.int16),
    })
    g = run.seg[rows[has_re]]
    n = sack.count[g]
    for k in (0, 1):
        sk = n == k
        sack.left[g[sk], k] = le_raw[has_re][sk]
        sack.right[g[sk], k] = re_raw[has_re][sk]
    sack.count[g] += 1


def _dsack_read(run: OptionRun, sack: _SackState, empty: NDArray[np.int64]) -> None:
    """The D-SACK check reads the option's first block whenever the first block the segment
    showed ends at or before the ACK, or its second block covers the first's end; with
    no whole block in the option (rows ``empty``) that read goes past it: an exception.
    With no block shown at all the right edge is 0 and the relative ACK is taken to be
    below 2^31."""
    if empty.shape[0] == 0:
        return
    g = run.seg[empty]
    n = sack.count[g]
    first, second = sack.right[g, 0], sack.left[g, 1]
    dsack = (n == 0) | (_seq_diff(first, sack.ack[g]) <= 0) | (
        (n > 1) & (_seq_diff(second, first) < 0) & (_seq_diff(sack.right[g, 1], first) >= 0))
    hit = np.zeros(run.pkt.shape[0], dtype=np.bool_)
    hit[empty[dsack]] = True
    run.need(run.need(hit, 6), 10)  # the D-SACK edges at offsets 2 and 6
