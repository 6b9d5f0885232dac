"""``tshark -T fields`` output: one line per frame, the chosen fields separated by a character.

Options as tshark's ``-E``: ``header=y`` prints the field names first; ``separator``
(``/t`` tab, ``/s`` space, or one character) between fields; ``occurrence`` ``f`` first,
``l`` last, ``a`` all (default) or a 1-based index; ``aggregator`` (default ``,``)
between the occurrences of one field; ``quote`` ``d``/``s``/``n`` around each non-empty
cell, its occurrences together (``"10.0.0.1,10.0.0.2"``, as tshark's print.c quotes);
``bom=y`` a UTF-8 byte-order mark before the output.

Two ways to the same bytes. :func:`field_lines` builds each line from Python strings
(``format_values``): simple, and quick for a few thousand frames. :func:`write_fields`
renders large captures with the compiled kernels of :mod:`tcpscope.table.render`
instead, a chunk of rows at a time: every field's values in the chunk are gathered into
one array per kind of data, a first kernel measures each value and row, a cumulative
sum places the rows, and a second kernel writes them in place into a reused buffer,
which goes out in one write. Two chunks are rendered at once, on two threads (the
kernels release the GIL). Small inputs take the string path, so a short capture never
imports numba.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, NamedTuple

import numpy as np
from numpy.typing import NDArray

from tcpscope._jit import compiles
from tcpscope.table.columns import Column, Kind, column_of, readonly
from tcpscope.table.packets import PacketTable
from tcpscope.table.render import measure_rows, write_rows
from tcpscope.table.schema import FieldDef, FieldType
from tcpscope.table.text import format_values
from tcpscope.table.values import Values

__all__ = ["FieldsOptions", "field_lines", "parse_e_option", "render_chunks", "write_fields", "write_rendered"]

#: Frames laid out per chunk: the chunk's arrays and output buffer stay a few MB, and a
#: piece of a streamed capture (:mod:`tcpscope.pipeline.stream`) makes two chunks or more,
#: rendered at once.
CHUNK_ROWS = 1 << 13
#: Rows the writing kernel fills at a time, so that its writes stay in cache.
BLOCK_ROWS = 1024
#: Cells (frames times fields) from which the kernels pay for starting numba.
FAST_CELLS = 500_000
#: Chunks rendered at once (threads), for the machine's two cores.
_IN_FLIGHT = 2
# occurrence modes of the cell kernel
OCC_ALL, OCC_FIRST, OCC_LAST, OCC_INDEX = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class FieldsOptions:
    """The ``-E`` options of ``tshark -T fields``."""

    header: bool = False
    separator: str = "\t"
    occurrence: str = "a"
    aggregator: str = ","
    quote: str = ""
    bom: bool = False


def parse_e_option(opts: FieldsOptions, text: str) -> FieldsOptions:
    """Apply one ``-E name=value`` option; raises ValueError with tshark's complaint."""

    name, sep, value = text.partition("=")
    if not sep:
        raise ValueError(f'Invalid -E option "{text}"')
    if name == "header":
        if value not in ("y", "n"):
            raise ValueError(f'Invalid -E header value "{value}"')
        return replace(opts, header=value == "y")
    if name == "separator":
        sepv = {"/t": "\t", "/s": " "}.get(value, value[:1] if value else "\t")
        return replace(opts, separator=sepv)
    if name == "occurrence":
        if value not in ("f", "l", "a") and not value.isdigit():
            raise ValueError(f'Invalid -E occurrence value "{value}"')
        return replace(opts, occurrence=value)
    if name == "aggregator":
        agg = {"/t": "\t", "/s": " "}.get(value, value[:1] if value else ",")
        return replace(opts, aggregator=agg)
    if name == "quote":
        q = {"d": '"', "s": "'", "n": ""}.get(value)
        if q is None:
            raise ValueError(f'Invalid -E quote value "{value}"')
        return replace(opts, quote=q)
    if name == "bom":
        if value not in ("y", "n"):
            raise ValueError(f'Invalid -E bom value "{value}"')
        return replace(opts, bom=value == "y")
    if name == "escape":
        return opts
    raise ValueError(f'Invalid -E option "{text}"')


#: Characters tshark's -T fields writes escaped in a value (print.c print_escaped_csv)
_ESCAPES = str.maketrans({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
#: The same characters as bits of their code points (all below 32), for a vectorized search.
_ESCAPED_BITS = sum(1 << ord(c) for c in "\b\f\n\r\t")


def _escaped(fd: FieldDef, v: Values) -> Values:
    """A string field's values with the characters tshark escapes in -T fields escaped
    (the values themselves, which filters read, keep them).

    The values are searched as an array of code points (tcp.flags.str has one value per
    segment: a Python search of each cost a sixth of a second on the bench capture);
    only a field with such a character is rewritten, value by value."""
    if fd.ftype is not FieldType.STRING or v.data.dtype.kind != "U" or v.data.dtype.itemsize == 0 or len(v) == 0:
        return v
    codes = np.ascontiguousarray(v.data).view(np.uint32)
    low = codes[codes < 32]
    if not np.any((np.uint32(_ESCAPED_BITS) >> low) & 1):
        return v
    texts = v.data.tolist()
    return Values(v.pkt, np.array([t.translate(_ESCAPES) for t in texts], dtype=np.str_), v.layer, v.buf)


def _cells(table: PacketTable, fd: FieldDef, frames: NDArray[np.int64], opts: FieldsOptions) -> list[str]:
    """The text of one column for the selected frames."""
    v = _escaped(fd, fd.get(table))
    n = table.n
    texts = format_values(fd, v, table.buffers)
    counts = np.bincount(v.pkt, minlength=n)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    out: list[str] = []
    occ = opts.occurrence
    agg = opts.aggregator
    q = opts.quote  # around the cell, its values together
    for f in frames.tolist():
        a, b = int(starts[f]), int(starts[f + 1])
        if a == b:
            out.append("")
        elif occ == "a":
            out.append(q + agg.join(texts[a:b]) + q)
        elif occ == "f":
            out.append(q + texts[a] + q)
        elif occ == "l":
            out.append(q + texts[b - 1] + q)
        else:
            k = int(occ) - 1
            out.append(q + texts[a + k] + q if 0 <= k < b - a else "")
    return out


def field_lines(table: PacketTable, fields: Sequence[FieldDef], opts: FieldsOptions,
                frames: NDArray[np.int64] | None = None) -> Iterator[str]:
    """Lines of ``-T fields`` output (without newlines) for ``frames`` (default: all)."""
    n = table.n
    sel = np.arange(n, dtype=np.int64) if frames is None else frames
    if opts.header:
        yield opts.separator.join(f.name for f in fields)
    columns = [_cells(table, fd, sel, opts) for fd in fields]
    sep = opts.separator
    for row in zip(*columns, strict=False):
        yield sep.join(row)


def _occurrence(occ: str) -> tuple[int, int]:
    if occ == "a":
        return OCC_ALL, 0
    if occ == "f":
        return OCC_FIRST, 0
    if occ == "l":
        return OCC_LAST, 0
    return OCC_INDEX, int(occ) - 1


def _u8(text: str) -> NDArray[np.uint8]:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).copy()


_INT_KINDS = frozenset({Kind.BOOL, Kind.DEC, Kind.HEX, Kind.OCT, Kind.IPV4, Kind.TIME})
_PAIR_KINDS = frozenset({Kind.SPAN, Kind.PRE})
_ROW_KINDS = frozenset({Kind.IPV6, Kind.ETHER})
#: Which of a chunk's value arrays holds a column's values, by its kind: 0 integers,
#: 1 pairs, 2 rows of bytes (addresses), 3 code points (text); the other kinds have none.
_SLOT: dict[Kind, int] = {**dict.fromkeys(_INT_KINDS, 0), **dict.fromkeys(_PAIR_KINDS, 1),
                          **dict.fromkeys(_ROW_KINDS, 2), Kind.UCS4: 3}


class _Chunk(NamedTuple):
    """A chunk's values for the rendering kernels, in the order their first arguments take
    them (see :func:`tcpscope.table.render.measure_rows`): field ``k``'s values are
    ``fstart[k]:fstart[k + 1]``, in rows ``vrow``; ``base`` places each in ``ints``,
    ``pairs``, ``rows`` or ``ucs`` as its kind says; ``buf`` is the capture's bytes and
    ``pre`` the text that SPAN and PRE pairs point into."""

    kinds: NDArray[np.int64]
    widths: NDArray[np.int64]
    fstart: NDArray[np.int64]
    base: NDArray[np.int64]
    vrow: NDArray[np.int64]
    ints: NDArray[np.int64]
    pairs: NDArray[np.int64]
    rows: NDArray[np.uint8]
    ucs: NDArray[np.uint32]
    buf: NDArray[np.uint8]
    pre: NDArray[np.uint8]


def _chunk(columns: Sequence[Column], frames: NDArray[np.int64], ucs_width: int,
           bounds: Sequence[tuple[int, int]], texts: tuple[NDArray[np.uint8], NDArray[np.uint8]]) -> _Chunk:
    """The values of ``columns`` shown in rows ``frames`` (increasing), gathered for the
    kernels, with ``texts``: the capture's bytes and the PRE text they point into.

    ``bounds[k]`` is the range of column ``k``'s values in the frames ``frames[0]..frames[-1]``.
    """
    f0 = int(frames[0])
    dense = int(frames[-1]) - f0 + 1 == frames.shape[0]
    parts: list[tuple[Column, NDArray[Any], slice | NDArray[np.int64]]] = []
    for c, (lo, hi) in zip(columns, bounds, strict=True):
        pk = c.pkt[lo:hi]
        if dense:
            parts.append((c, pk, slice(lo, hi)))  # rows: frames - f0, below
        else:  # keep the values of the chosen frames only
            row = np.minimum(np.searchsorted(frames, pk), frames.shape[0] - 1)
            keep = np.flatnonzero(frames[row] == pk)
            parts.append((c, row[keep], keep + lo))
    nf = len(columns)
    sizes = np.array([p[1].shape[0] for p in parts], dtype=np.int64)
    fstart = np.zeros(nf + 1, dtype=np.int64)
    np.cumsum(sizes, out=fstart[1:])
    base = np.zeros(4 * nf, dtype=np.int64)
    counts = [0, 0, 0, 0]
    for k, (c, _, _) in enumerate(parts):
        for t in range(4):
            base[4 * k + t] = counts[t] - fstart[k]
        if c.kind in _SLOT:
            counts[_SLOT[c.kind]] += int(sizes[k])
    gathered = (np.empty(counts[0], dtype=np.int64), np.empty((counts[1], 2), dtype=np.int64),
                np.zeros((counts[2], 16), dtype=np.uint8), np.zeros((counts[3], ucs_width), dtype=np.uint32))
    vrow = np.empty(int(fstart[-1]), dtype=np.int64)
    for k, (c, rw, take) in enumerate(parts):
        n = int(sizes[k])
        if dense:
            np.subtract(rw, f0, out=vrow[fstart[k] : fstart[k] + n], casting="unsafe")
        else:
            vrow[fstart[k] : fstart[k] + n] = rw
        if c.kind in _SLOT:
            slot = _SLOT[c.kind]
            o = int(base[4 * k + slot] + fstart[k])
            values = (c.ints, c.pairs, c.rows, c.ucs)[slot]
            into = gathered[slot][o : o + n]
            # (rows and text narrower than the chunk's are padded with zeros)
            (into if into.ndim == 1 else into[:, : values.shape[1]])[...] = values[take]
    ints, pairs, rows, ucs = gathered
    return _Chunk(
        kinds=np.array([int(c.kind) for c in columns], dtype=np.int64),
        widths=np.array([c.width for c in columns], dtype=np.int64),
        fstart=fstart, base=base, vrow=vrow, ints=ints, pairs=pairs, rows=rows, ucs=ucs, buf=texts[0], pre=texts[1],
    )


def _columns(table: PacketTable, fields: Sequence[FieldDef]) -> tuple[list[Column], NDArray[np.uint8], NDArray[np.uint8]]:
    """Each field's :class:`Column`; the capture bytes spans point into; all PRE text in one buffer.

    Many fields have values in the same frames (every column of a layer, on the rows
    where the header was read): their frame arrays are kept once, as int32.
    """
    shared: _Shared = {}
    columns = []
    for fd in fields:
        c = column_of(fd, _escaped(fd, fd.get(table)), table.buffers)
        columns.append(replace(c, pkt=_shared_frames(c.pkt, shared)))
    texts: list[NDArray[np.uint8]] = []
    size = 0
    for k, c in enumerate(columns):
        if c.kind is Kind.PRE:
            shifted = c.pairs.copy()
            shifted[:, 0] += size
            columns[k] = replace(c, pairs=shifted)
            texts.append(c.buf)
            size += int(c.buf.shape[0])
    pre = np.concatenate(texts) if texts else np.zeros(0, dtype=np.uint8)
    span = table.buffers[0] if table.buffers else np.zeros(0, dtype=np.uint8)
    return columns, readonly(span), readonly(pre)


_Shared = dict[tuple[int, ...], tuple[NDArray[np.integer[Any]], NDArray[np.integer[Any]]]]


def _shared_frames(pkt: NDArray[np.integer[Any]], shared: _Shared) -> NDArray[np.integer[Any]]:
    """``pkt`` as int32, or an equal array met before (looked up by a cheap fingerprint)."""
    m = pkt.shape[0]
    key = (m, *(int(x) for x in pkt[:: max(1, m // 16)]), int(pkt[-1]) if m else -1)
    seen = shared.get(key)
    if seen is not None and (seen[0] is pkt or np.array_equal(seen[0], pkt)):
        return seen[1]
    small = pkt.astype(np.int32) if m == 0 or int(pkt[-1]) < 2**31 - 1 else pkt
    shared[key] = (pkt, small)
    return small


def render_chunks(table: PacketTable, fields: Sequence[FieldDef], opts: FieldsOptions,
                  frames: NDArray[np.int64] | None = None, chunk_rows: int = CHUNK_ROWS) -> Iterator[memoryview]:
    """The ``-T fields`` output (without the header) as UTF-8, a chunk of rows at a time.

    Each memoryview is valid until the next one is asked for (the buffer is reused).
    ``frames`` must be increasing.
    """
    n = table.n
    sel = np.arange(n, dtype=np.int64) if frames is None else np.asarray(frames, dtype=np.int64)
    if sel.shape[0] == 0 or not fields:
        return
    columns, span, pre = _columns(table, fields)
    ucs_width = max([c.ucs.shape[1] for c in columns if c.kind is Kind.UCS4] or [1])
    occ, occ_k = _occurrence(opts.occurrence)
    sep, newline = _u8(opts.separator), _u8("\n")
    agg, quote = _u8(opts.aggregator), _u8(opts.quote)
    size = sel.shape[0] * len(columns)
    measure, write = measure_rows.pick(size), write_rows.pick(size)
    # where each chunk's values start and end in each column: one search per column
    firsts = sel[::chunk_rows]
    lasts = sel[np.minimum(np.arange(1, firsts.shape[0] + 1) * chunk_rows, sel.shape[0]) - 1]
    los = [np.searchsorted(c.pkt, firsts.astype(c.pkt.dtype), side="left").tolist() for c in columns]
    his = [np.searchsorted(c.pkt, lasts.astype(c.pkt.dtype), side="right").tolist() for c in columns]
    buffers = [np.empty(0, dtype=np.uint8) for _ in range(_IN_FLIGHT + 1)]

    def render(i: int) -> memoryview:
        fr = sel[i * chunk_rows : (i + 1) * chunk_rows]
        data = _chunk(columns, fr, ucs_width, [(lo[i], hi[i]) for lo, hi in zip(los, his, strict=True)], (span, pre))
        vlen = np.empty(data.vrow.shape[0], dtype=np.int64)
        rowlen = np.full(fr.shape[0], (len(columns) - 1) * sep.shape[0] + newline.shape[0], dtype=np.int64)
        measure(*data, occ, occ_k, agg.shape[0], quote.shape[0], vlen, rowlen)
        rowstart = np.zeros(fr.shape[0] + 1, dtype=np.int64)
        np.cumsum(rowlen, out=rowstart[1:])
        total = int(rowstart[-1])
        slot = i % len(buffers)
        if buffers[slot].shape[0] < total:
            buffers[slot] = np.empty(total * 5 // 4, dtype=np.uint8)
        out = buffers[slot]
        at = np.empty(data.vrow.shape[0], dtype=np.int64)
        write(*data, occ, occ_k, agg, quote, sep, newline, vlen, rowstart, out, at, BLOCK_ROWS)
        return out[:total].data

    count = firsts.shape[0]
    if count == 1:
        yield render(0)
        return
    # The kernels release the GIL: two chunks are rendered at once, on two threads,
    # while the caller writes out the chunk before them. Buffers rotate, so a chunk's
    # buffer is reused only after the caller is done with it.
    from concurrent.futures import Future, ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=_IN_FLIGHT) as pool:
        pending: list[Future[memoryview]] = []
        for i in range(count):
            pending.append(pool.submit(render, i))
            if len(pending) == _IN_FLIGHT:
                yield pending.pop(0).result()
        for f in pending:
            yield f.result()


def write_fields(table: PacketTable, fields: Sequence[FieldDef], opts: FieldsOptions, out: BinaryIO,
                 frames: NDArray[np.int64] | None = None) -> None:
    """Write ``-T fields`` output for ``frames`` (default: all) to a binary stream, as UTF-8:
    with the kernels (:func:`write_rendered`) when that pays (:func:`_rendering_pays`),
    else from Python strings (:func:`field_lines`)."""
    sel = None if frames is None else np.asarray(frames, dtype=np.int64)
    if _rendering_pays(table, fields, sel):
        write_rendered(table, fields, opts, out, sel)
    else:
        out.write("".join(line + "\n" for line in field_lines(table, fields, opts, sel)).encode("utf-8"))


def _rendering_pays(table: PacketTable, fields: Sequence[FieldDef], frames: NDArray[np.int64] | None) -> bool:
    """Whether the kernels should render: when they would run compiled (see
    :mod:`tcpscope._jit`), the output is large enough to repay starting numba (or numba
    already runs), and the frames are increasing (the kernels need that)."""
    ordered = frames is None or bool(np.all(frames[1:] > frames[:-1]))
    cells = (table.n if frames is None else int(frames.shape[0])) * max(1, len(fields))
    # numba costs most of a second to import and start; below FAST_CELLS the string
    # path is quicker, unless numba is already running (the reader used it).
    return ordered and compiles(cells) and (cells >= FAST_CELLS or "numba" in sys.modules)


def write_rendered(table: PacketTable, fields: Sequence[FieldDef], opts: FieldsOptions, out: BinaryIO,
                   frames: NDArray[np.int64] | None = None) -> None:
    """:func:`write_fields` through the kernels, whatever the size (``frames`` increasing)."""
    if opts.header:
        out.write((opts.separator.join(f.name for f in fields) + "\n").encode("utf-8"))
    sel = None if frames is None else np.asarray(frames, dtype=np.int64)
    for chunk in render_chunks(table, fields, opts, sel):
        out.write(chunk)
