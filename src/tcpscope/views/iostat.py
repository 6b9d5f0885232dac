"""``tshark -q -z io,stat,INTERVAL[,FILTER ...]``: frames and bytes per time interval.

:func:`io_stat` gives the text tshark 4.0.17 prints (ui/cli/tap-iostat.c), byte for byte:
the header (duration, interval, the columns' filters), then one row per interval from the
first frame to the last, a column per filter. A column is

* a display filter (or nothing, for every frame): the frames it selects and their bytes;
* ``FRAMES()FILTER`` / ``BYTES()FILTER``: only one of the two;
* ``COUNT(field)FILTER``, ``SUM``, ``MIN``, ``MAX``, ``AVG``: a statistic of the field's
  values in the frames FILTER selects.

The rules, as tshark applies them:

1. **Rows.** A frame's time is its ``frame.time_relative`` in microseconds (rounded); its
   row is the time divided by the interval, but never before the row of the column's
   previous frame (a frame out of time order counts in the latest row). A frame before
   the first one has the time of the frame before it.
2. **Duration** is the largest ``frame.time_relative`` of every frame read (``-Y`` too);
   an interval of 0, or larger than the duration, is one row over the whole duration.
3. **Fields a statistic sees.** tshark's tap gets a tree pruned to the fields some
   display filter names (a column's, or ``-Y``): a statistic of a field no filter names
   sees no value (``MIN(frame.len)`` is 0; ``MIN(frame.len)frame.len`` is not).
4. **MIN** of an interval is the smallest value if the interval's first frame has the
   field, else 0; **MAX** starts at 0; **AVG** divides in integers (times: to the
   microsecond). A time prints as seconds with 6 decimals.
5. **Widths.** Each column is as wide as the digits of its largest value, at least its
   label; the largest value of SUM, MIN and AVG is the largest the running value reached
   after any frame. The table's border is as wide as the widest of the rows, the title
   lines and (up to 102 characters) the filters, which wrap at a space.

Only tshark's default time column (relative) is drawn; ``LOAD()`` is refused.
:class:`IoStat` takes the capture a piece at a time (:meth:`IoStat.feed`) in the memory
of the table's rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from tcpscope.errors import FilterError, TcpscopeError
from tcpscope.filter.front import Filter, compile_filter
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef, FieldType

__all__ = [
    "Calc",
    "ColumnSums",
    "IoStat",
    "IoStatColumn",
    "IoStatError",
    "io_stat",
    "parse_column",
    "parse_interval",
    "parse_io_stat_arg",
]

US_PER_S = 1_000_000
NS_PER_US = 1_000
NS_PER_S = 1_000_000_000
#: The interval of ``io,stat,0``: the whole capture
WHOLE = 2**64 - 1
#: The most intervals drawn (tshark draws any number, over hours for a long capture cut finely)
MAX_ROWS = 10_000_000


class IoStatError(TcpscopeError, ValueError):
    """An ``io,stat`` argument tshark refuses; the message is tshark's (after ``tshark: ``)."""


class Calc(Enum):
    """A column's statistic, by the label tshark gives it."""

    FRAMES = "FRAMES"
    BYTES = "BYTES"
    FRAMES_AND_BYTES = "FRAMES BYTES"
    COUNT = "COUNT"
    SUM = "SUM"
    MIN = "MIN"
    MAX = "MAX"
    AVG = "AVG"
    LOAD = "LOAD"


_INTEGERS = frozenset({FieldType.UINT8, FieldType.UINT16, FieldType.UINT24, FieldType.UINT32, FieldType.UINT64,
                       FieldType.INT8, FieldType.INT16, FieldType.INT32, FieldType.INT64})
_FUNCTION = re.compile(r"(FRAMES|BYTES|COUNT|SUM|MIN|MAX|AVG|LOAD)\(")


@dataclass(frozen=True, slots=True)
class IoStatColumn:
    """One column: its text as given (None: every frame), statistic, field and filter."""

    text: str | None
    calc: Calc
    field: FieldDef | None
    filter: Filter


def _registry() -> Mapping[str, FieldDef]:
    from tcpscope.filter.registry import registry

    return registry()


def _check_field_type(calc: Calc, f: FieldDef) -> None:
    """Integers take every statistic; doubles all but LOAD; times all; other types only COUNT."""
    if f.ftype in _INTEGERS or f.ftype is FieldType.RELATIVE_TIME or calc is Calc.COUNT:
        return
    if f.ftype is FieldType.DOUBLE:
        if calc is Calc.LOAD:
            raise IoStatError(f"{f.name} is a float field, so {calc.value}(*) calculations are not supported on it.")
        return
    raise IoStatError(f"{f.name} doesn't have integral values, so {calc.value}(*) calculations are not "
                      "supported on it.")


def parse_column(text: str | None, reg: Mapping[str, FieldDef] | None = None) -> IoStatColumn:
    """Parse one column as tshark's register_io_tap does."""
    reg = _registry() if reg is None else reg
    calc, fdef, flt = Calc.FRAMES_AND_BYTES, None, text or ""
    m = _FUNCTION.match(flt)
    if m is not None:
        calc = Calc(m[1])
        close = flt.find(")", m.end())
        if close < 0:
            raise IoStatError("Closing parenthesis missing from calculated expression.")
        name, flt = flt[m.end():close], flt[close + 1:]
        if calc in (Calc.FRAMES, Calc.BYTES):
            if name:
                raise IoStatError(f"{calc.value} does not require or allow a field name within the parens.")
        elif not name:
            raise IoStatError(f"You didn't specify a field name for {calc.value}(*).")
        else:
            if name not in reg:
                raise IoStatError(f"There is no field named '{name}'.")
            fdef = reg[name]
            _check_field_type(calc, fdef)
    if calc is Calc.LOAD:
        raise IoStatError("LOAD() is not supported by tcpscope.")
    try:
        compiled = compile_filter(flt, reg)
    except FilterError as exc:
        raise IoStatError(f"Couldn't register io,stat tap: Filter \"{flt}\" is invalid - "
                          f"{str(exc).splitlines()[0]}") from None
    return IoStatColumn(text, calc, fdef, compiled)


def parse_interval(text: str) -> tuple[int, int]:
    """The interval in microseconds (:data:`WHOLE` for 0) and the decimals its rows show:
    as many as the interval needs, or as the text gives after its point when it needs none."""
    try:
        seconds = float(text)
    except ValueError:
        raise IoStatError('invalid "-z io,stat,<interval>[,<filter>][,<filter>]..." argument') from None
    if seconds == 0:
        return WHOLE, 0
    us = int(seconds * 1e6 + 0.5)
    if us < 1:
        raise IoStatError('"-z" interval must be >=0.000001 seconds or "0" for the entire capture duration.')
    prec = 6
    for power in (10, 100, 1000, 10_000, 100_000, 1_000_000):
        if us % power:
            break
        prec -= 1
    if prec == 0 and "." in text:
        prec = min(len(text.split(".", 1)[1]), 6)
    return us, prec


def parse_io_stat_arg(arg: str) -> tuple[str, list[str | None]]:
    """``io,stat,INTERVAL[,FILTER ...]`` -> the interval's text and the filters (None for
    an empty one), split at every comma and stripped."""
    parts = arg.split(",")
    if arg.endswith(",") or len(parts) < 3 or parts[:2] != ["io", "stat"]:
        raise IoStatError('invalid "-z io,stat,<interval>[,<filter>][,<filter>]..." argument')
    return parts[2], [p.strip() or None for p in parts[3:]]


class ColumnSums:
    """A column's sums per row, in numpy arrays grown as rows come: the frames, the
    counter (integer; float for a double field), the number of values (AVG); the largest
    running value (widths, rule 5) and the row of the column's latest frame."""

    def __init__(self, col: IoStatColumn) -> None:
        self.col = col
        is_float = col.field is not None and col.field.ftype is FieldType.DOUBLE
        self.frames = np.zeros(0, dtype=np.int64)
        self.counter = np.zeros(0, dtype=np.float64 if is_float else np.int64)
        self.num = np.zeros(0, dtype=np.int64)
        self.max_val = 0
        self.last_row = 0

    def grow(self, rows: int) -> None:
        """Room for ``rows`` rows (new rows zero)."""
        have = self.frames.shape[0]
        if rows <= have:
            return
        if rows > MAX_ROWS:
            raise IoStatError(f"io,stat: more than {MAX_ROWS:,} intervals: choose a longer interval")
        size = min(max(rows, 2 * have), MAX_ROWS)
        self.frames = _grown(self.frames, size)
        self.counter = _grown(self.counter, size)
        self.num = _grown(self.num, size)


def _grown(a: NDArray[Any], size: int) -> NDArray[Any]:
    out = np.zeros(size, dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


class IoStat:
    """tshark's io,stat over a capture fed a piece at a time; :meth:`text` draws it."""

    def __init__(self, interval: str | float, filters: Sequence[str | None] = (),
                 display_filter: str | None = None) -> None:
        self.interval, self.prec = parse_interval(str(interval))
        reg = _registry()
        self.columns = [parse_column(f, reg) for f in (filters or [None])]
        seen: set[str] = set()
        for c in self.columns:
            seen |= c.filter.field_names()
        if display_filter:
            seen |= compile_filter(display_filter, reg).field_names()
        self.primed = frozenset(seen)
        self.acc = [ColumnSums(c) for c in self.columns]
        self.elapsed_ns = 0
        self.last_us = 0

    def feed(self, table: PacketTable, frames: NDArray[np.int64] | None = None) -> None:
        """Count a piece: every frame for the duration, the displayed ``frames`` (0-based
        rows of ``table``; None: all) for the columns."""
        if table.n == 0:
            return
        rel = _relative_ns(table)
        self.elapsed_ns = max(self.elapsed_ns, int(rel.max()))
        shown = np.ones(table.n, dtype=np.bool_) if frames is None else np.zeros(table.n, dtype=np.bool_)
        if frames is not None:
            shown[frames] = True
        step = self.interval if self.interval != WHOLE else 2**62
        rows = self._times_us(rel, shown) // step
        for acc in self.acc:
            _count(acc, table, acc.col.filter.mask(table) & shown, rows, self.primed)

    def _times_us(self, rel: NDArray[np.int64], shown: NDArray[np.bool_]) -> NDArray[np.int64]:
        """Each frame's time in microseconds; a negative one takes the previous frame's."""
        us = (rel + NS_PER_US // 2) // NS_PER_US
        bad = (rel < 0) | ~shown
        if bad.any():
            good = np.flatnonzero(~bad)
            pos = np.searchsorted(good, np.arange(rel.shape[0]), side="right") - 1
            prev = np.where(pos >= 0, us[good[np.maximum(pos, 0)]], self.last_us)
            us = np.where(rel < 0, prev, us)
        if (~bad).any():
            self.last_us = int(us[np.flatnonzero(~bad)[-1]])
        return us

    def text(self) -> str:
        """The table as tshark prints it."""
        from tcpscope.views.iostat_text import draw

        return draw(self)


def _relative_ns(table: PacketTable) -> NDArray[np.int64]:
    """``frame.time_relative`` of every frame (0 where a frame has no time)."""
    values = _registry()["frame.time_relative"].get(table)
    rel = np.zeros(table.n, dtype=np.int64)
    rel[values.pkt] = np.asarray(values.data, dtype=np.int64)
    return rel


def _count(acc: ColumnSums, table: PacketTable, mask: NDArray[np.bool_], time_rows: NDArray[np.int64],
           primed: frozenset[str]) -> None:
    """Add a piece's frames of one column to its sums (rule 1 for their rows: each
    frame's time's row, never before the column's previous frame's)."""
    col = acc.col
    sel = np.flatnonzero(mask)
    if not sel.shape[0]:
        return
    rows = np.maximum.accumulate(np.maximum(time_rows[sel], acc.last_row))
    acc.last_row = int(rows[-1])
    acc.grow(acc.last_row + 1)
    new_row = acc.frames[rows] == 0  # before this piece's frames: the row's first frame is here
    new_row[1:] &= rows[1:] != rows[:-1]
    np.add.at(acc.frames, rows, 1)
    if col.calc in (Calc.FRAMES, Calc.BYTES, Calc.FRAMES_AND_BYTES):
        np.add.at(acc.counter, rows, np.asarray(table.records.wirelen, dtype=np.int64)[sel])
        return
    assert col.field is not None
    _statistic(col, acc, rows, new_row, _per_frame(col.field, table, sel, primed))


class _PerFrame(NamedTuple):
    """A field's values in each selected frame: how many, their sum, least and largest."""

    n: NDArray[np.int64]
    total: NDArray[Any]
    least: NDArray[Any]
    most: NDArray[Any]


def _per_frame(f: FieldDef, table: PacketTable, sel: NDArray[np.int64], primed: frozenset[str]) -> _PerFrame:
    """The values of the field in each selected frame (none where no filter names it: rule 3)."""
    m = sel.shape[0]
    dtype = np.float64 if f.ftype is FieldType.DOUBLE else np.int64
    out = _PerFrame(np.zeros(m, dtype=np.int64), np.zeros(m, dtype=dtype), np.zeros(m, dtype=dtype),
                    np.zeros(m, dtype=dtype))
    if f.name not in primed:
        return out
    values = f.get(table)
    slot_of = np.full(table.n, -1, dtype=np.int64)
    slot_of[sel] = np.arange(m)
    slot = slot_of[values.pkt]
    keep = slot >= 0
    slot, data = slot[keep], np.asarray(values.data[keep], dtype=dtype)
    if not slot.shape[0]:
        return out
    starts = np.flatnonzero(np.r_[True, slot[1:] != slot[:-1]])  # values arrive grouped by frame
    at = slot[starts]
    out.n[at] = np.diff(np.r_[starts, slot.shape[0]])
    out.total[at] = np.add.reduceat(data, starts)
    out.least[at] = np.minimum.reduceat(data, starts)
    out.most[at] = np.maximum.reduceat(data, starts)
    return out


def _statistic(col: IoStatColumn, acc: ColumnSums, rows: NDArray[np.int64], new_row: NDArray[np.bool_],
               v: _PerFrame) -> None:
    """COUNT, SUM, MIN, MAX and AVG of the selected frames, as tshark updates them frame
    after frame; the running value's largest sets the column's width (rule 5)."""
    assert col.field is not None
    has = v.n > 0
    if col.calc is Calc.COUNT:
        np.add.at(acc.counter, rows, v.n)
        acc.max_val = max(acc.max_val, int(acc.counter[rows].max()))
    elif col.calc in (Calc.SUM, Calc.AVG):
        before = acc.counter[rows].copy(), acc.num[rows].copy()
        np.add.at(acc.counter, rows, v.total)
        np.add.at(acc.num, rows, v.n)
        running, count = _running(rows, v.total, before[0]), _running(rows, v.n, before[1])
        if col.calc is Calc.SUM:
            acc.max_val = max(acc.max_val, _width_value(col.field, running.max()))
        elif (count > 0).any():
            averages = running[count > 0] // count[count > 0]
            top = int(averages.max())
            acc.max_val = max(acc.max_val, (top + NS_PER_S // 2) // NS_PER_S
                              if col.field.ftype is FieldType.RELATIVE_TIME else top)
    elif col.calc is Calc.MIN:
        # the row's first frame sets the value (it stays 0 if that frame has none); later
        # frames only lower it (an unsigned value never goes below 0)
        first = new_row & has
        acc.counter[rows[first]] = v.least[first]
        later = ~new_row & has
        np.minimum.at(acc.counter, rows[later], v.least[later])
        if first.any():
            acc.max_val = max(acc.max_val, _width_value(col.field, v.least[first].max()))
    elif col.calc is Calc.MAX:
        np.maximum.at(acc.counter, rows[has], v.most[has])
        acc.max_val = max(acc.max_val, _width_value(col.field, acc.counter[rows].max()))


def _running(rows: NDArray[np.int64], amounts: NDArray[Any], base: NDArray[Any]) -> NDArray[Any]:
    """After each frame, its row's total so far (``base``: each row's total before the piece)."""
    total: NDArray[Any] = np.cumsum(amounts)
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    group = np.cumsum(np.r_[False, rows[1:] != rows[:-1]])
    offset = (total[starts] - amounts[starts])[group]
    out: NDArray[Any] = total - offset + base[starts][group]
    return out


def _width_value(f: FieldDef, value: Any) -> int:
    """What tshark keeps of a running value for the width: a double rounded, else as is."""
    return int(value + 0.5) if f.ftype is FieldType.DOUBLE else int(value)


def io_stat(table: PacketTable, interval: str | float, filters: Sequence[str | None] = (),
            display_filter: str | None = None, frames: NDArray[np.int64] | None = None) -> str:
    """What ``tshark -q -z io,stat,INTERVAL,FILTER,...`` prints for ``table``.

    ``display_filter``: tshark's ``-Y``, which leaves the frames the statistics count alone
    but lets them see the fields it names (rule 3); ``frames``: count only these rows (0-based)."""
    st = IoStat(interval, filters, display_filter)
    st.feed(table, frames)
    return st.text()
