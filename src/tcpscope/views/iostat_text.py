"""The text of ``tshark -q -z io,stat`` (:mod:`tcpscope.views.iostat`): tshark 4.0.17's
layout (ui/cli/tap-iostat.c ``iostat_draw``), its widths and quirks included.

* The duration's digits (``dur_mag``, at most 5) set the time column; the interval's
  decimals its precision (an interval of 0 or longer than the capture: 1, 3 or 6
  decimals as the duration has 2+, 1 or 0 digits).
* The duration is rounded up at the precision's last digit (only when the remainder is
  over half of it); the header prints it so, or to the microsecond with a space-padded
  fraction when the interval has no decimals (``1. 60234 secs``).
* The last row ends at the duration (``Dur`` when the interval has no decimals).
* A label is centred over its column; a column 10 or more wider than its label has no
  label at all, as tshark prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tcpscope.table.schema import FieldType
from tcpscope.views.iostat import NS_PER_S, NS_PER_US, US_PER_S, WHOLE, Calc

if TYPE_CHECKING:
    from tcpscope.views.iostat import ColumnSums, IoStat

__all__ = ["MAX_FILTER_WIDTH", "draw"]

#: Filters wider than the table widen the border up to this many characters (then wrap)
MAX_FILTER_WIDTH = 102


@dataclass(frozen=True, slots=True)
class _Cell:
    """A column's layout: its labels with their widths, and how its values print."""

    heads: tuple[tuple[str, int], ...]
    kind: str  # "both" (frames and bytes), "frames", "int", "float" or "time"

    @property
    def width(self) -> int:
        """With its borders: a space each side and a bar."""
        return sum(w + 3 for _, w in self.heads)


@dataclass(frozen=True, slots=True)
class _Layout:
    """The table's dimensions: the border's width, the rows' (time column and cells), the
    time column's, the decimals, the duration's digits (in the header: before rounding),
    the duration and interval drawn (us), the elapsed time (us) and the cells."""

    border: int
    row_w: int
    invl_w: int
    prec: int
    dur_mag: int
    header_mag: int
    duration: int
    interval: int
    elapsed: int
    cells: tuple[_Cell, ...]

    @property
    def filler(self) -> str:
        """What closes a row narrower than the border."""
        return "|".rjust(self.border - self.row_w) if self.row_w < self.border else ""


def draw(st: IoStat) -> str:
    """The table of ``st`` as tshark prints it."""
    lay = _layout(st)
    lines = _header(st, lay) + _column_heads(lay) + _rows(st, lay) + ["=" * lay.border]
    return "\n" + "\n".join(lines) + "\n"


def _magnitude(value: int, limit: int) -> int:
    """Digits of a non-negative integer, at most ``limit``."""
    return min(len(str(max(int(value), 0))), limit)


def _layout(st: IoStat) -> _Layout:
    elapsed = st.elapsed_ns // NS_PER_S * US_PER_S + (st.elapsed_ns % NS_PER_S + NS_PER_US // 2) // NS_PER_US
    duration = elapsed
    whole = st.interval == WHOLE or st.interval > duration
    interval = duration if whole else st.interval
    dur_mag = _magnitude(duration // US_PER_S, 5)
    if whole:
        prec = 1 if dur_mag >= 2 else 3 if dur_mag == 1 else 6
        border = 30 + dur_mag + (prec + 1 if prec else 0)
    else:
        prec = st.prec
        border = 25 + max(_magnitude(interval // US_PER_S, 5), dur_mag) + (prec + 1 if prec else 0)
    header_mag = dur_mag
    unit = 10 ** (6 - prec)
    if duration % unit > 5 * (unit // 10):  # rounded up past half the last digit
        duration = (duration + 5 * (unit // 10)) // unit * unit
        dur_mag = _magnitude(duration // US_PER_S, 5)
    if whole:
        interval = duration
    invl_w = max(2 * dur_mag + 8 if prec == 0 else 2 * dur_mag + 2 * prec + 10, 12)
    cells = tuple(_cell_layout(acc) for acc in st.acc)
    row_w = invl_w + sum(c.width for c in cells)
    border = max(border, row_w)
    filters_w = max(len(c.text) + 11 if c.text else 26 for c in st.columns)
    if filters_w > border and border < MAX_FILTER_WIDTH:
        border = min(filters_w, MAX_FILTER_WIDTH)
    if border - row_w == 1:  # no double bar at the right
        border += 1
    return _Layout(border, row_w, invl_w, prec, dur_mag, header_mag, duration, interval, elapsed, cells)


def _cell_layout(acc: ColumnSums) -> _Cell:
    """A column's widths: its largest value's digits, at least its label's (6 for
    frames, 5 for bytes and counts); doubles and times have 7 more for the decimals."""
    col = acc.col
    frames_w = max(6, _magnitude(int(acc.frames.max(initial=0)), 15))
    if col.calc is Calc.FRAMES:
        return _Cell((("FRAMES", frames_w),), "frames")
    if col.calc is Calc.FRAMES_AND_BYTES:
        bytes_w = max(5, _magnitude(int(acc.counter.max(initial=0)), 15))
        return _Cell((("Frames", frames_w), ("Bytes", bytes_w)), "both")
    if col.calc in (Calc.BYTES, Calc.COUNT):
        top = int(acc.counter.max(initial=0)) if col.calc is Calc.BYTES else acc.max_val
        return _Cell(((col.calc.value, max(5, _magnitude(top, 15))),), "int")
    assert col.field is not None
    if col.field.ftype is FieldType.DOUBLE:
        return _Cell(((col.calc.value, _magnitude(acc.max_val, 15) + 7),), "float")
    if col.field.ftype is FieldType.RELATIVE_TIME:
        top = acc.max_val if col.calc is Calc.AVG else (acc.max_val + NS_PER_S // 2) // NS_PER_S
        return _Cell(((col.calc.value, _magnitude(top, 15) + 7),), "time")
    return _Cell(((col.calc.value, max(len(col.calc.value), _magnitude(acc.max_val, 15))),), "int")


def _header(st: IoStat, lay: _Layout) -> list[str]:
    """The title, the duration (to the microsecond, its fraction space-padded, when the
    interval has no decimals; else rounded to the interval's decimals), the interval and
    the filters."""
    border, mag, prec = lay.border, lay.header_mag, lay.prec
    if prec == 0:
        dur_text = f"{lay.elapsed // US_PER_S:{mag}d}.{lay.elapsed % US_PER_S:6d}"
        invl_text = f"{lay.interval // US_PER_S:{mag}d}"
    else:
        unit = 10 ** (6 - prec)
        dur_text = f"{lay.duration // US_PER_S:{mag}d}.{lay.duration % US_PER_S // unit:0{prec}d}"
        invl_text = f"{lay.interval // US_PER_S:{mag}d}.{lay.interval % US_PER_S // unit:0{prec}d}"
    # the spaces are counted for numbers of mag digits (at most 5): a longer one overflows
    width = mag + (prec + 1 if prec else 0)
    dur = f"| Duration: {dur_text} secs" + " " * (border - 18 - width - (0 if prec else 7)) + "|"
    invl = f"| Interval: {invl_text} secs" + " " * (border - 18 - width) + "|"
    empty = "|" + " " * (border - 2) + "|"
    lines = ["=" * border, "|" + " IO Statistics".ljust(border - 2) + "|", empty, dur, invl, empty]
    for j, c in enumerate(st.columns):
        lines += _filter_lines(border, j, c.text)
    return [*lines, "|-" + "-" * (border - 3) + "|"]


def _filter_lines(border: int, j: int, text: str | None) -> list[str]:
    """A column's filter, wrapped at the last space that fits (else cut where it must)."""
    line = "| Col 1: " if j == 0 else f"|    {j + 1:2d}: "
    if text is None:
        return [_pad(line + "Frames and bytes", border)]
    lines = []
    room = border - 11
    while len(text) > room:
        cut = text.rfind(" ", 0, room)
        lines.append(_pad(line + (text[:cut] if cut >= 0 else text[:room]), border))
        line = "|        "
        text = text[cut + 1:] if cut >= 0 else text[room:]
    return [*lines, _pad(line + text, border)]


def _column_heads(lay: _Layout) -> list[str]:
    """The columns' numbers, their labels centred, and the rule under them."""
    numbers = "|" + "|".rjust(lay.invl_w - 1)
    labels = "| Interval" + "|".rjust(lay.invl_w - 10)
    for j, cell in enumerate(lay.cells):
        numbers += f"{j + 1:<2d}" + " " * (cell.width - 3) + "|"
        labels += "".join(_centered(label, w) for label, w in cell.heads)
    return [numbers + lay.filler, labels + lay.filler, "|-" + "-" * (lay.row_w - 3) + "|" + lay.filler]


def _rows(st: IoStat, lay: _Layout) -> list[str]:
    """A row per interval from 0 to the duration: its bounds, then each column's values."""
    lines = []
    for row, t in enumerate(range(0, lay.duration, lay.interval or 1)):  # no row when the duration is 0
        line = _bounds(lay, t)
        for acc, cell in zip(st.acc, lay.cells, strict=True):
            line += _value(acc, row, cell)
        lines.append(line + lay.filler)
    return lines


def _bounds(lay: _Layout, t: int) -> str:
    """An interval's start and end in seconds; without decimals, the last one ends ``Dur``."""
    end = min(t + lay.interval, lay.duration)
    mag = lay.dur_mag
    if lay.prec:
        unit = 10 ** (6 - lay.prec)
        return (f"| {t // US_PER_S:{mag}d}.{t % US_PER_S // unit:0{lay.prec}d} <> "
                f"{end // US_PER_S:{mag}d}.{end % US_PER_S // unit:0{lay.prec}d} |")
    if t + lay.interval >= lay.duration:
        return f"| {' ' if mag == 1 else ''}{t // US_PER_S:{mag}d} <> {'Dur':<{mag + 1 if mag >= 3 else 3}}|"
    if mag == 1:
        return f"|  {t // US_PER_S:1d} <> {end // US_PER_S:1d}  |"
    return f"| {t // US_PER_S:{mag}d} <> {end // US_PER_S:{mag}d} |"


def _value(acc: ColumnSums, row: int, cell: _Cell) -> str:
    """One column's text in one row (0 past the column's last frame)."""
    inside = row < acc.frames.shape[0]
    frames = int(acc.frames[row]) if inside else 0
    counter: int | float = acc.counter[row].item() if inside else 0
    num = int(acc.num[row]) if inside else 0
    w = cell.heads[-1][1]
    if cell.kind == "both":
        return f" {frames:{cell.heads[0][1]}d} | {int(counter):{w}d} |"
    if cell.kind == "frames":
        return f" {frames:{w}d} |"
    if acc.col.calc is Calc.AVG:
        counter = counter / max(num, 1) if cell.kind == "float" else int(counter) // max(num, 1)
    if cell.kind == "float":
        return f" {float(counter):{w - 7}.6f} |"
    if cell.kind == "time":
        us = (int(counter) + NS_PER_US // 2) // NS_PER_US
        return f" {us // US_PER_S:{w - 7}d}.{us % US_PER_S:06d} |"
    return f" {int(counter):{w}d} |"


def _centered(label: str, width: int) -> str:
    """A label centred over a column of ``width``: nothing when the column is 10 or more
    wider than the label, as tshark prints it."""
    pad = (width - len(label)) // 2 + 1
    if pad >= 6:
        return ""
    left = pad + 1 if (width - len(label)) % 2 else pad
    return " " * left + label + " " * pad + "|"


def _pad(text: str, border: int) -> str:
    """A header line closed by a bar at the border."""
    return text + "|".rjust(border - len(text))
