"""The Python API: ``tcpscope.open(path)`` gives a :class:`Capture`.

    >>> import tcpscope
    >>> cap = tcpscope.open("examples/http-get.pcap")
    >>> cap.packets.to_pandas()[["frame.number", "tcp.seq", "tcp.ack", "_ws.col.Info"]]
    >>> cap.stream(0).packets["tcp.analysis.ack_rtt"]
    >>> cap.filter("tcp.analysis.retransmission").packets.to_arrow()

A capture too large to hold at once goes a piece at a time with :func:`scan` (what
every ``tcpscope`` command does), in the memory of one piece whatever the capture's size:

    >>> for piece in tcpscope.scan("big.pcap", ["frame.number", "tcp.stream"], display_filter="tcp.len > 0"):
    ...     writer.write_table(piece.to_arrow())

Columns are named by their Wireshark field names. A field with at most one value per
frame becomes a plain column (null where absent); one with several values in some frame
(``ip.src`` in a tunnel, ``tcp.options.sack_le``) becomes a list column. pandas and
pyarrow are imported only by the methods that return their objects.

The library leaves its host process as it found it: glibc's allocator is tuned for large
arrays only on request (``tcpscope.tune_allocator()``, as the command line does), and the
choice to run kernels compiled belongs to each capture and each piece
(:mod:`tcpscope._jit`), so that scans read side by side or on other threads keep theirs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

import numpy as np

from tcpscope import _jit
from tcpscope._types import Array, Index, Mask
from tcpscope.errors import CaptureWarning
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef, FieldType
from tcpscope.table.text import format_values
from tcpscope.table.values import Values

if TYPE_CHECKING:
    import pandas
    import pyarrow

    from tcpscope.views.conversations import Conversations
    from tcpscope.views.related import Margin
    from tcpscope.views.tree_json import FrameDetails

__all__ = ["Capture", "PacketView", "Scan", "open_capture"]

DEFAULT_FIELDS: tuple[str, ...] = (
    "frame.number", "frame.time_relative", "frame.len", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.flags.str", "tcp.seq", "tcp.ack", "tcp.len",
    "tcp.window_size", "tcp.analysis.acks_frame", "tcp.analysis.ack_rtt", "tcp.analysis.flags",
    "_ws.col.Protocol", "_ws.col.Info",
)


@dataclass(frozen=True)
class _Piece:
    """What a piece of a :class:`Scan` knows of its place in the capture: the display
    filter's ``mask`` over its table's frames (None without a filter) and its compile
    ``job``: the frames of the capture known when it was made, so that work on it runs
    compiled when the capture is large however small the piece (``_jit.job``)."""

    mask: Mask | None = None
    job: int = 0


class PacketView:
    """Frames of a capture as a table whose columns are Wireshark fields.

    A piece of a :class:`Scan` also has the display filter's ``mask`` and its compile
    ``job`` (see ``_Piece``; its own methods run in that job).
    """

    def __init__(self, table: PacketTable, frames: Index, fields: Sequence[str] | None = None,
                 lists: Collection[str] | None = None, *, piece: _Piece = _Piece()) -> None:
        self._table = table
        self._frames = frames
        self._fields = tuple(fields) if fields is not None else self._default_fields()
        self._lists = frozenset(lists) if lists is not None else None
        self._piece = piece

    @property
    def table(self) -> PacketTable:
        """The dissected (and analysed) frames these are some of."""
        return self._table

    @property
    def frames(self) -> Index:
        """These frames, as increasing 0-based indexes into ``table``."""
        return self._frames

    @property
    def mask(self) -> Mask | None:
        """The display filter's answer for each frame of ``table`` (None: no filter)."""
        return self._piece.mask

    @property
    def job(self) -> int:
        """The size kernels run on these frames as if it were theirs (see the class docstring)."""
        return self._piece.job

    def _default_fields(self) -> tuple[str, ...]:
        has6 = self._table.has_layer("ipv6")
        has4 = self._table.has_layer("ip")
        return tuple(f for f in DEFAULT_FIELDS
                     if not ((f.startswith("ipv6.") and not has6) or (f.startswith("ip.") and not has4 and has6)))

    @property
    def columns(self) -> tuple[str, ...]:
        return self._fields

    def __len__(self) -> int:
        return int(self._frames.shape[0])

    def __repr__(self) -> str:
        return f"<PacketView {len(self)} frames x {len(self._fields)} fields>"

    def select(self, *fields: str) -> PacketView:
        """The same frames with other columns (any registered field name)."""
        _defs(fields)
        return PacketView(self._table, self._frames, fields, self._lists, piece=self._piece)

    def values(self, field: str) -> Values:
        """Every occurrence of ``field`` in these frames (long format, frame indexes 0-based)."""
        (fd,) = _defs([field])
        with _jit.job(self.job):
            v = fd.get(self._table)
        if len(self._frames) == self._table.n:
            return v
        keep = np.zeros(self._table.n, dtype=np.bool_)
        keep[self._frames] = True
        return v.take(keep[v.pkt])

    def __getitem__(self, field: str) -> Array:
        """The field's first value per frame as a numpy array (object array of text for
        addresses and strings); absent values are None."""
        col = self.to_arrow([field]).column(0)
        return np.asarray(col.to_pylist(), dtype=object)

    def to_arrow(self, fields: Sequence[str] | None = None, *, lists: Collection[str] | None = None) -> pyarrow.Table:
        """The frames as an Arrow table, a column per field. ``lists``: the fields to give a
        list of all their values per frame, the others holding their first value (as
        ``-E occurrence=f``); by default (and unless the view was made with ``lists``, as
        :func:`scan` makes them) a field is a list column when some frame has several
        values of it."""
        import pyarrow as pa

        names = tuple(fields) if fields is not None else self._fields
        defs = _defs(names)
        chosen = frozenset(lists) if lists is not None else self._lists
        pos = np.full(self._table.n, -1, dtype=np.int64)
        pos[self._frames] = np.arange(len(self._frames))
        with _jit.job(self.job):
            arrays = [self._arrow_column(fd, pos, None if chosen is None else fd.name in chosen) for fd in defs]
        return pa.table(arrays, names=list(names))

    def to_pandas(self, fields: Sequence[str] | None = None, *, lists: Collection[str] | None = None,
                  ) -> pandas.DataFrame:
        return self.to_arrow(fields, lists=lists).to_pandas()

    def _arrow_column(self, fd: FieldDef, pos: Index, as_list: bool | None) -> Any:
        """One Arrow column: a value per frame, or a list per frame (``as_list``; None: when
        some frame has several values). A value per frame is the frame's first. ``pos``:
        each frame of the table's row in the view, -1 for the frames not in it."""
        import pyarrow as pa

        v = self.values(fd.name)
        m = len(self)
        rows = pos[v.pkt]
        keep = rows >= 0
        if as_list is False and keep.any():  # the first occurrence in each frame
            first = np.zeros(keep.shape[0], dtype=np.bool_)
            first[np.unique(np.where(keep, rows, -1), return_index=True)[1]] = True
            keep &= first
        v = v.take(keep)
        rows = rows[keep]
        ft = fd.ftype
        if ft is FieldType.NONE:
            out = np.zeros(m, dtype=np.bool_)
            out[rows] = True
            return pa.array(out)
        flat, typ = _arrow_values(fd, v, self._table)
        counts = np.bincount(rows, minlength=m)
        if as_list is False or (as_list is None and counts.max(initial=0) <= 1):
            present = np.zeros(m, dtype=np.bool_)
            present[rows] = True
            idx = np.full(m, -1, dtype=np.int64)
            idx[rows] = np.arange(rows.shape[0])
            taken = flat.take(pa.array(np.where(present, idx, 0))) if len(flat) else pa.nulls(m, typ)
            return pa.compute.if_else(pa.array(present), taken, pa.nulls(m, typ)) if len(flat) else taken
        offsets = np.zeros(m + 1, dtype=np.int32)
        np.cumsum(counts, out=offsets[1:])
        return pa.ListArray.from_arrays(pa.array(offsets), flat)


def _defs(names: Sequence[str]) -> list[FieldDef]:
    from tcpscope.views.columns import full_registry

    return full_registry().require(names)


def _arrow_values(fd: FieldDef, v: Values, table: PacketTable) -> tuple[Any, Any]:
    import pyarrow as pa

    ft = fd.ftype
    if ft is FieldType.BOOLEAN:
        return pa.array(np.asarray(v.data) != 0, type=pa.bool_()), pa.bool_()
    if ft.is_integer:
        return pa.array(np.asarray(v.data, dtype=np.int64)), pa.int64()
    if ft is FieldType.RELATIVE_TIME:
        return pa.array(np.asarray(v.data, dtype=np.int64), type=pa.duration("ns")), pa.duration("ns")
    if ft is FieldType.ABSOLUTE_TIME:
        t = pa.timestamp("ns", tz="UTC")
        return pa.array(np.asarray(v.data, dtype=np.int64), type=t), t
    if ft in (FieldType.BYTES, FieldType.PROTOCOL):
        # one gather of every span's bytes and their offsets: Arrow's own binary layout
        buf = v.buf if v.buf is not None else table.buffers[0]
        spans = np.asarray(v.data, dtype=np.int64).reshape(-1, 2)
        lens = spans[:, 1]
        offsets = np.zeros(lens.shape[0] + 1, dtype=np.int64)
        np.cumsum(lens, out=offsets[1:])
        idx = np.repeat(spans[:, 0] - offsets[:-1], lens) + np.arange(int(offsets[-1]))
        data = np.asarray(buf)[idx]
        arr = pa.Array.from_buffers(pa.large_binary(), lens.shape[0], [None, pa.py_buffer(offsets),
                                                                          pa.py_buffer(data)])
        return arr.cast(pa.binary()), pa.binary()
    if ft is FieldType.DOUBLE:
        return pa.array(np.asarray(v.data, dtype=np.float64)), pa.float64()
    return pa.array(format_values(fd, v, table.buffers), type=pa.string()), pa.string()


class Capture:
    """A capture file read, dissected and analysed; or a selection of its frames."""

    def __init__(self, table: PacketTable, frames: Index | None = None) -> None:
        self.table = table
        self.frames: Index = np.arange(table.n, dtype=np.int64) if frames is None else frames

    @property
    def name(self) -> str:
        return self.table.records.name

    @property
    def warnings(self) -> tuple[str, ...]:
        return _messages(self.table.records.warnings)

    def __len__(self) -> int:
        return int(self.frames.shape[0])

    def __repr__(self) -> str:
        return f"<Capture {self.name!r}: {len(self)} of {self.table.n} frames>"

    def __iter__(self) -> Iterator[int]:
        return iter((self.frames + 1).tolist())

    @property
    def packets(self) -> PacketView:
        """The frames as a table of Wireshark fields (see :class:`PacketView`)."""
        return PacketView(self.table, self.frames)

    @property
    def conversations(self) -> Conversations:
        """The TCP conversations (tshark's ``-z conv,tcp`` and more) of these frames: a
        columnar table with ``.to_pandas()`` and ``.to_arrow()``
        (:mod:`tcpscope.views.conversations`)."""
        from tcpscope.views.conversations import conversations

        return conversations(self.table, self._mask())

    def _mask(self) -> Array:
        m = np.zeros(self.table.n, dtype=np.bool_)
        m[self.frames] = True
        return m

    def filter(self, display_filter: str) -> Capture:
        """The frames a Wireshark display filter selects (as ``tshark -Y``)."""
        from tcpscope.filter import compile_filter

        mask = compile_filter(display_filter).mask(self.table) & self._mask()
        return Capture(self.table, np.flatnonzero(mask).astype(np.int64))

    def stream(self, index: int) -> Capture:
        """The frames of one TCP connection (``tcp.stream == index``)."""
        tcp = self.table.layer("tcp")
        if len(tcp) == 0 or "stream" not in tcp.cols:
            return Capture(self.table, np.zeros(0, dtype=np.int64))
        hit = np.zeros(self.table.n, dtype=np.bool_)
        hit[tcp.pkt[np.asarray(tcp.cols["stream"]) == index]] = True
        return Capture(self.table, np.flatnonzero(hit & self._mask()).astype(np.int64))

    def lines(self) -> Iterator[str]:
        """The packet list of these frames, as ``tshark -r`` prints it."""
        from tcpscope.views.packet_list import packet_lines

        return packet_lines(self.table, self.frames)

    def details(self, frame: int) -> FrameDetails:
        """Frame number ``frame``'s details tree as data (:mod:`tcpscope.views.tree_json`):
        ``.protocols``, each a ``Detail`` with ``.key`` (the field name, ``tcp.srcport``),
        ``.label`` (its line as ``tshark -V`` shows it), ``.value`` (as ``tshark -T json``
        writes it), ``.start``/``.length``/``.bitmask`` (its bytes in the frame; ``start``
        -1 for none), ``.hidden`` (no line of its own) and ``.children``; ``.missing``
        names the frame's protocols that have no tree yet. Values that depend on the frames
        shown before (the time since the previous displayed frame) count from the frame
        before it in this capture. IndexError for a frame these frames do not include."""
        from tcpscope.views.columns import full_registry
        from tcpscope.views.tree_json import frame_details

        at = np.flatnonzero(self.frames == frame - 1)
        if not at.shape[0]:
            raise IndexError(f"frame {frame} is not in this capture's frames")
        k = int(at[0])
        before = int(self.table.ts_ns[self.frames[k - 1]]) if k else None
        return next(frame_details(self.table, self.frames[k:k + 1], full_registry(), before))

    def related(self, frame: int) -> Margin:
        """What Wireshark's packet list draws beside these frames when frame number
        ``frame`` is selected (:mod:`tcpscope.views.related`): ``.selection`` (the frame's
        TCP conversation, its first and last frame, its tree's typed links and the marks
        they make) and per frame of this capture ``.number``, ``.trace`` (its place on the
        conversation line, a ``Trace``) and ``.mark`` (a ``Link``, or -1 for none).
        IndexError, in Wireshark's words, for a frame the capture does not have or one
        these frames do not include."""
        from tcpscope.views.related import related_margin

        return related_margin(self.table, self.frames, frame)


def open_capture(path: str | os.PathLike[str] | BinaryIO, *, analyze: bool = True) -> Capture:
    """Read a capture (pcap, pcapng, gzip of either, or a binary file object), dissect
    every frame and run the TCP analysis."""
    from tcpscope.analysis import analyze as run_analysis
    from tcpscope.analysis.tls_frames import PduFramer, with_app
    from tcpscope.capture import read_records
    from tcpscope.dissect.pipeline import dissect

    table = dissect(read_records(path))
    if analyze:
        table = run_analysis(table)
        table = with_app(table, PduFramer().feed(table))  # TLS and DNS above TCP: their fields
    return Capture(table)


@dataclass(frozen=True)
class _ScanOptions:
    """How :func:`scan` reads a capture (its keyword arguments, documented there)."""

    display_filter: str | None
    analyze: bool | Literal["needed"]
    lists: frozenset[str]


class Scan:
    """A capture a piece at a time (:func:`tcpscope.scan`): iterate for one
    :class:`PacketView` per piece, the frames the display filter keeps, in order.

    Each piece is dissected and analysed with the frames before it in mind (the TCP
    analysis carries every conversation from piece to piece), so the values are those
    of :func:`open_capture` on the whole capture; frame numbers count from the capture's
    first frame. A pipe (``"-"`` or a FIFO) yields its pieces as its bytes come. Only one
    piece is held at a time, plus the analysis state (:mod:`tcpscope.pipeline.stream`).

    ``analyze``: True, False, or ``"needed"``: only when ``fields`` or the display filter
    read the analysis (``filter.registry.analysis_need``; a piece then answers for those
    fields only). ``progress``, when set before the iteration starts, hears the fraction
    of a file's frames done after each piece.
    ``whole`` says, from the first piece on, whether the capture came in one batch (a
    file; a pipe's frames come as they arrive), and ``frames`` then how many frames it
    has; ``warnings`` holds the reader's warnings once the iteration has ended.
    """

    def __init__(self, path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], fields: Sequence[str] | None,
                 options: _ScanOptions) -> None:
        self._path = path
        self._fields = tuple(fields) if fields is not None else None
        self._lists = options.lists
        if self._fields or self._lists:  # (the registry is imported only for some: a start-up cost)
            _defs([*(self._fields or ()), *sorted(self._lists)])  # an unknown field is an error before the file is read
        self._filter = None
        if options.display_filter:  # (the filter compiler is imported only for one: a start-up cost)
            from tcpscope.filter import compile_filter

            self._filter = compile_filter(options.display_filter)
        self._analyze = options.analyze
        self.progress: Callable[[float], None] | None = None
        self.whole: bool | None = None
        self.frames = 0
        self.warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        path = self._path
        return f"<Scan {os.fspath(path) if isinstance(path, (str, os.PathLike)) else [os.fspath(p) for p in path]!r}>"

    def _analysis(self) -> bool | Literal["accecn"]:
        """What the pieces need of the TCP analysis (see ``TableStream``)."""
        if self._analyze != "needed":
            return self._analyze
        if self._fields is None:
            return True
        from tcpscope.filter.registry import analysis_need

        flt = self._filter
        return analysis_need([*self._fields, *sorted(flt.field_names() if flt is not None else ())])

    def _http(self) -> bool | str:
        """Whether the pieces need HTTP framing: for the packet list's Protocol and Info
        columns (asked for, or every field), and their TLS and DNS framing for those
        protocols' fields; ``"messages"``: with the messages, for the http.* fields and
        frame.protocols."""
        from tcpscope.analysis.http_fields import needs_messages
        from tcpscope.analysis.tls_frames import needs_framing

        flt = self._filter
        names = {*(self._fields or ()), *(flt.field_names() if flt is not None else ())}
        if self._fields is None or needs_messages(names):
            return "messages"
        return bool(names & {"_ws.col.Protocol", "_ws.col.Info"}) or needs_framing(names)

    def __iter__(self) -> Iterator[PacketView]:
        from tcpscope.capture import read_batches
        from tcpscope.pipeline.stream import TableStream

        flt = self._filter
        stream = TableStream(read_batches(self._path), self._analysis(), select=flt.mask if flt is not None else None,
                             progress=self.progress, http=self._http())
        for table, mask in stream:
            self.whole, self.frames = stream.whole, stream.n
            frames = np.arange(table.n, dtype=np.int64) if mask is None else np.flatnonzero(mask).astype(np.int64)
            yield PacketView(table, frames, self._fields, self._lists, piece=_Piece(mask, stream.size))
        self.warnings = _messages(stream.warnings)


def _messages(warnings: Sequence[CaptureWarning]) -> tuple[str, ...]:
    return tuple(w.message for w in warnings)


def scan(path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], fields: Sequence[str] | None = None, *, display_filter: str | None = None,
         analyze: bool | Literal["needed"] = True, lists: Collection[str] = ()) -> Scan:
    """The capture at ``path`` a piece at a time, as a :class:`Scan`: one :class:`PacketView`
    of ``fields`` (default: those of ``Capture.packets``) per piece. Several paths, or a
    directory, are read as one capture, the files one after the other as ``mergecap -a``
    joins them (``capture.files``).

    Every piece has the same columns and types, so that the pieces concatenate (or go to
    one Parquet writer): a field named in ``lists`` is a list of all its values in each
    frame, any other holds its first value (``ip.src`` of the outer header in a tunnel),
    as ``tshark -E occurrence=f`` prints it. A bad display filter or an unknown field
    raises at once; a capture that cannot be read raises when the iteration starts.
    ``analyze``, and ``progress`` to hear how far it is: see :class:`Scan`."""
    return Scan(path, fields, _ScanOptions(display_filter, analyze, frozenset(lists)))
