"""The Python API: ``tcpscope.open(path)`` gives a :class:`Capture`.

    >>> import tcpscope
    >>> cap = tcpscope.open("examples/http-get.pcap")
    >>> cap.packets.to_pandas(["frame.number", "tcp.seq", "tcp.ack", "_ws.col.Info"])
    >>> cap.stream(0).packets["tcp.analysis.ack_rtt"]
    >>> cap.filter("tcp.analysis.retransmission").packets.to_arrow()

A capture too large to hold at once goes a piece at a time with :func:`scan` (what
every ``tcpscope`` command does), in the memory of one piece whatever the capture's size:

    >>> for piece in tcpscope.scan("big.pcap", ["frame.number", "tcp.stream"], display_filter="tcp.len > 0"):
    ...     writer.write_table(piece.to_arrow())

Columns are named by their Wireshark field names, each in the one type its field has
whatever the capture holds (:mod:`tcpscope.table.schema`): null where the frame lacks the
field, a list column for a field one header repeats (``tcp.port``, ``tcp.options.sack_le``),
the frame's first value for any other (the outer ``ip.src`` in a tunnel) unless the caller
asks otherwise (``lists``). pandas and pyarrow are imported only by the methods that
return their objects.

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
from tcpscope.errors import CaptureWarning, StreamNotFoundError
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef, arrow_schema
from tcpscope.table.values import Values
from tcpscope.views.arrow_columns import arrow_column, masked, nullable_pandas

if TYPE_CHECKING:
    import pandas
    import pyarrow

    from tcpscope.views.conversations import Conversations
    from tcpscope.views.related import Margin
    from tcpscope.views.tree_json import FrameDetails

__all__ = ["DEFAULT_FIELDS", "Capture", "PacketView", "Scan", "open_capture", "scan"]

#: The columns of ``Capture.packets`` and of a :func:`scan` without ``fields``: the same in
#: every capture (``ipv6.src`` is a column of nulls in an IPv4 capture).
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

    ``Capture.packets`` gives one, and so does each piece of a :func:`scan`. Its columns
    (:attr:`columns`, or the fields named in a call) come out as Arrow
    (:meth:`to_arrow`), pandas (:meth:`to_pandas`) or numpy (``view[field]``), each in its
    field's fixed type; :meth:`values` gives every occurrence of one field.

    A piece of a :class:`Scan` also has the display filter's ``mask`` and its compile
    ``job`` (see ``_Piece``; its own methods run in that job).

    Args:
        table: The dissected (and analysed) frames.
        frames: The frames of ``table`` in the view, as increasing 0-based indexes.
        fields: The view's columns (default: :data:`DEFAULT_FIELDS`).
        lists: The fields given as lists of every value in the frame (default: the
            schema's repeated fields; see :meth:`to_arrow`).
        piece: Where a piece of a scan stands in its capture (internal).

    Example:
        >>> view = tcpscope.open("examples/http-get.pcap").packets.select("frame.number", "tcp.len")
        >>> view
        <PacketView 12 frames x 2 fields>
    """

    def __init__(self, table: PacketTable, frames: Index, fields: Sequence[str] | None = None,
                 lists: Collection[str] | None = None, *, piece: _Piece = _Piece()) -> None:
        self._table = table
        self._frames = frames
        self._fields = tuple(fields) if fields is not None else DEFAULT_FIELDS
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

    @property
    def columns(self) -> tuple[str, ...]:
        """The field names of the view's columns, in order."""
        return self._fields

    def __len__(self) -> int:
        return int(self._frames.shape[0])

    def __repr__(self) -> str:
        return f"<PacketView {len(self)} frames x {len(self._fields)} fields>"

    def select(self, *fields: str) -> PacketView:
        """The same frames with other columns.

        Args:
            *fields: Registered Wireshark field names (``tcpscope fields --list-fields``).

        Returns:
            A :class:`PacketView` of the same frames whose :attr:`columns` are ``fields``.

        Raises:
            FieldError: A name is not a field tcpscope knows (a ``KeyError`` too).

        Example:
            >>> cap.packets.select("ip.src", "tcp.srcport").to_pandas()
        """
        _defs(fields)
        return PacketView(self._table, self._frames, fields, self._lists, piece=self._piece)

    def values(self, field: str) -> Values:
        """Every occurrence of ``field`` in these frames, in long format.

        Args:
            field: A registered Wireshark field name.

        Returns:
            A :class:`~tcpscope.table.values.Values`: ``pkt`` holds each value's frame
            (0-based index into :attr:`table`), ``data`` the values, several per frame for a
            field a frame has several of (``tcp.port`` twice).

        Raises:
            FieldError: ``field`` is not a field tcpscope knows.

        Example:
            >>> len(tcpscope.open("examples/http-get.pcap").packets.values("tcp.port"))
            24
        """
        (fd,) = _defs([field])
        with _jit.job(self.job):
            v = fd.get(self._table)
        if len(self._frames) == self._table.n:
            return v
        keep = np.zeros(self._table.n, dtype=np.bool_)
        keep[self._frames] = True
        return v.take(keep[v.pkt])

    def __getitem__(self, field: str) -> np.ma.MaskedArray[Any, np.dtype[Any]]:
        """One column as a numpy masked array, masked where the frame has no value.

        Its dtype follows the field's type (:func:`~tcpscope.table.schema.value_type`):
        ``uint32`` for ``tcp.len``, ``datetime64[ns]`` (UTC) for ``frame.time_epoch``,
        ``timedelta64[ns]`` for ``tcp.analysis.ack_rtt``, ``bool`` for a flag; text, bytes
        and list columns are ``object`` arrays. A field of :data:`REPEATED_FIELDS
        <tcpscope.table.schema.REPEATED_FIELDS>` gives a list per frame, unless the view was
        made with other ``lists``.

        Args:
            field: A registered Wireshark field name.

        Returns:
            A masked array of one value per frame of the view.

        Raises:
            FieldError: ``field`` is not a field tcpscope knows.

        Example:
            >>> lens = tcpscope.open("examples/http-get.pcap").packets["tcp.len"]
            >>> lens.dtype, int(lens.sum())
            (dtype('uint32'), 358)
        """
        return masked(self.to_arrow([field]).column(0).combine_chunks())

    def schema(self, fields: Sequence[str] | None = None, *, lists: Collection[str] | None = None,
               binary_addresses: bool = False) -> pyarrow.Schema:
        """The Arrow schema :meth:`to_arrow` gives with the same arguments, whatever the frames.

        Args:
            fields: Field names (default: :attr:`columns`).
            lists: As in :meth:`to_arrow`.
            binary_addresses: As in :meth:`to_arrow`.

        Returns:
            A ``pyarrow.Schema``, a field per column.

        Example:
            >>> cap.packets.schema(["tcp.srcport", "ipv6.src"])
            tcp.srcport: uint16
            ipv6.src: string
        """
        return arrow_schema(_defs(fields if fields is not None else self._fields), self._lists_or(lists),
                            binary_addresses)

    def _lists_or(self, lists: Collection[str] | None) -> Collection[str] | None:
        """The list columns asked for: ``lists``, else the view's, else None (the schema's)."""
        return frozenset(lists) if lists is not None else self._lists

    def to_arrow(self, fields: Sequence[str] | None = None, *, lists: Collection[str] | None = None,
                 binary_addresses: bool = False) -> pyarrow.Table:
        """The frames as an Arrow table, a column per field, in the field's fixed type.

        Each column's type comes from the field's Wireshark type alone
        (:func:`tcpscope.table.schema.value_type`), never from the values, so that the
        tables of any two captures (or pieces of a :func:`scan`) concatenate without a cast;
        a field absent from every frame (``ipv6.src`` in an IPv4 capture) is a column of nulls.

        Args:
            fields: Field names (default: :attr:`columns`).
            lists: The fields to give as a list of every value in the frame; the others hold
                the frame's first value (as ``tshark -E occurrence=f``: the outer ``ip.src``
                of a tunnel). By default, the view's own ``lists`` or the fields of
                :data:`~tcpscope.table.schema.REPEATED_FIELDS`; ``lists=()`` gives first
                values everywhere.
            binary_addresses: Give IPv4, IPv6 and Ethernet addresses as their 4, 16 or 6
                bytes (``fixed_size_binary``) instead of their text.

        Returns:
            A ``pyarrow.Table`` of one row per frame, with the schema :meth:`schema` gives.

        Raises:
            FieldError: A field is not one tcpscope knows.

        Example:
            >>> t = tcpscope.open("examples/http-get.pcap").packets.to_arrow(["frame.number", "tcp.port"])
            >>> t.schema.field("tcp.port").type
            ListType(list<item: uint16>)
        """
        import pyarrow as pa

        names = tuple(fields) if fields is not None else self._fields
        defs = _defs(names)
        schema = arrow_schema(defs, self._lists_or(lists), binary_addresses)
        pos = np.full(self._table.n, -1, dtype=np.int64)
        pos[self._frames] = np.arange(len(self._frames))
        with _jit.job(self.job):
            arrays = [arrow_column(fd, self.values(fd.name), pos, field, self._table)
                      for fd, field in zip(defs, schema, strict=True)]
        return pa.Table.from_arrays(arrays, schema=schema)

    def to_pandas(self, fields: Sequence[str] | None = None, *, lists: Collection[str] | None = None,
                  binary_addresses: bool = False) -> pandas.DataFrame:
        """The frames as a pandas DataFrame: :meth:`to_arrow` converted column by column.

        Integers, booleans and doubles use pandas' nullable dtypes (``UInt16``, ``boolean``,
        ``Float64``), never ``float64`` with NaN for a missing integer; times are
        ``datetime64[ns, UTC]`` and ``timedelta64[ns]`` (``NaT`` where missing); text is
        pandas' string dtype; lists and bytes are objects.

        Args:
            fields: As in :meth:`to_arrow`.
            lists: As in :meth:`to_arrow`.
            binary_addresses: As in :meth:`to_arrow`.

        Returns:
            A ``pandas.DataFrame`` of one row per frame.

        Example:
            >>> df = tcpscope.open("examples/http-get.pcap").packets.to_pandas(["tcp.len", "frame.time_relative"])
            >>> df.dtypes.tolist()
            [UInt32Dtype(), dtype('<m8[ns]')]
        """
        return nullable_pandas(self.to_arrow(fields, lists=lists, binary_addresses=binary_addresses))

def _defs(names: Sequence[str]) -> list[FieldDef]:
    from tcpscope.views.columns import full_registry

    return full_registry().require(names)


class Capture:
    """A capture file read, dissected and analysed; or a selection of its frames.

    :func:`tcpscope.open` gives one; :meth:`filter` and :meth:`stream` give selections of
    it, which share its table. ``len(cap)`` is the number of frames selected, and
    iterating gives their frame numbers (from 1).

    Args:
        table: The dissected (and analysed) frames of the whole capture.
        frames: The selected frames as increasing 0-based indexes (default: every frame).

    Attributes:
        table: The dissected (and analysed) frames of the whole capture.
        frames: The selected frames as increasing 0-based indexes into ``table``.

    Example:
        >>> cap = tcpscope.open("examples/http-get.pcap")
        >>> cap, list(cap.filter("tcp.len > 0"))
        (<Capture 'examples/http-get.pcap': 12 of 12 frames>, [4, 6, 8])
    """

    def __init__(self, table: PacketTable, frames: Index | None = None) -> None:
        self.table = table
        self.frames: Index = np.arange(table.n, dtype=np.int64) if frames is None else frames

    @property
    def name(self) -> str:
        """The capture's path as given (``-`` for standard input)."""
        return self.table.records.name

    @property
    def warnings(self) -> tuple[str, ...]:
        """The reader's warnings, as tshark prints them: a file cut short inside a record
        after its whole ones, or damaged after them (empty for a sound file)."""
        return _messages(self.table.records.warnings)

    def __len__(self) -> int:
        return int(self.frames.shape[0])

    def __repr__(self) -> str:
        return f"<Capture {self.name!r}: {len(self)} of {self.table.n} frames>"

    def __iter__(self) -> Iterator[int]:
        return iter((self.frames + 1).tolist())

    @property
    def packets(self) -> PacketView:
        """The selected frames as a table of Wireshark fields, :data:`DEFAULT_FIELDS` its
        columns (:class:`PacketView`; ``select`` or ``to_arrow(fields)`` name others).

        Example:
            >>> tcpscope.open("examples/http-get.pcap").packets.to_pandas()
        """
        return PacketView(self.table, self.frames)

    @property
    def conversations(self) -> Conversations:
        """The TCP conversations of the selected frames (tshark's ``-z conv,tcp`` and more).

        Returns:
            A columnar table, one row per ``tcp.stream``, with ``to_arrow()`` and
            ``to_pandas()`` (:class:`~tcpscope.views.conversations.Conversations`).

        Example:
            >>> tcpscope.open("tests/golden/captures/http-eth.pcap").conversations.to_pandas()["frames"].tolist()
            [36, 10, 2]
        """
        from tcpscope.views.conversations import conversations

        return conversations(self.table, self._mask())

    def _mask(self) -> Array:
        m = np.zeros(self.table.n, dtype=np.bool_)
        m[self.frames] = True
        return m

    def filter(self, display_filter: str) -> Capture:
        """The selected frames that a Wireshark display filter keeps, as ``tshark -Y``.

        Args:
            display_filter: A display filter in Wireshark's language
                (``tcp.analysis.retransmission || tcp.len > 1000``).

        Returns:
            A :class:`Capture` of the frames kept.

        Raises:
            FilterError: The filter does not compile; its text is tshark's message and a
                caret under the culprit (a ``ValueError`` too).

        Example:
            >>> len(tcpscope.open("examples/http-get.pcap").filter("tcp.flags.syn == 1"))
            2
        """
        from tcpscope.filter import compile_filter

        mask = compile_filter(display_filter).mask(self.table) & self._mask()
        return Capture(self.table, np.flatnonzero(mask).astype(np.int64))

    def stream(self, index: int) -> Capture:
        """The frames of one TCP conversation (``tcp.stream == index``) among these frames.

        Args:
            index: The conversation's ``tcp.stream`` number, from 0 in order of first frame.

        Returns:
            A :class:`Capture` of the conversation's frames that this selection holds (none,
            when a filter left none of them).

        Raises:
            StreamNotFoundError: No TCP segment of the capture has that stream number (an
                ``IndexError`` too).

        Example:
            >>> cap = tcpscope.open("tests/golden/captures/http-eth.pcap")
            >>> len(cap.stream(1))
            36
        """
        tcp = self.table.layer("tcp")
        if len(tcp) and "stream" not in tcp.cols:
            raise StreamNotFoundError(index, None)
        streams = np.asarray(tcp.cols["stream"]) if len(tcp) else np.zeros(0, dtype=np.int64)
        count = int(streams.max()) + 1 if streams.shape[0] else 0
        if not 0 <= index < count:
            raise StreamNotFoundError(index, count)
        hit = np.zeros(self.table.n, dtype=np.bool_)
        hit[tcp.pkt[streams == index]] = True
        return Capture(self.table, np.flatnonzero(hit & self._mask()).astype(np.int64))

    def lines(self) -> Iterator[str]:
        """The packet list of the selected frames, as ``tshark -r`` prints it.

        Returns:
            An iterator of lines, one per frame, without their line ends.

        Example:
            >>> next(tcpscope.open("examples/http-get.pcap").lines())
            '    1   0.000000    10.99.0.1 → 10.99.0.2    TCP 74 60054 → 80 [SYN] Seq=0 ...'
        """
        from tcpscope.views.packet_list import packet_lines

        return packet_lines(self.table, self.frames)

    def details(self, frame: int, resolve: bool = True) -> FrameDetails:
        """Frame number ``frame``'s details tree as data (:mod:`tcpscope.views.tree_json`):
        ``.protocols``, each a ``Detail`` with ``.key`` (the field name, ``tcp.srcport``),
        ``.label`` (its line as ``tshark -V`` shows it), ``.value`` (as ``tshark -T json``
        writes it), ``.start``/``.length``/``.bitmask`` (its bytes in the frame; ``start``
        -1 for none), ``.hidden`` (no line of its own) and ``.children``; ``.missing``
        names the frame's protocols that have no tree yet. Values that depend on the frames
        shown before (the time since the previous displayed frame) count from the frame
        before it in this capture. IndexError for a frame these frames do not include.
        ``resolve``: MAC addresses with their names, as ``tcpscope show`` and tshark show
        them by default (``Src: Cisco_25:92:9b (00:19:07:25:92:9b)``, the ``*_resolved``
        values the names); False: the addresses alone, as ``show -n``."""
        from tcpscope.views.columns import full_registry
        from tcpscope.views.tree_json import frame_details

        at = np.flatnonzero(self.frames == frame - 1)
        if not at.shape[0]:
            raise IndexError(f"frame {frame} is not in this capture's frames")
        k = int(at[0])
        before = int(self.table.ts_ns[self.frames[k - 1]]) if k else None
        return next(frame_details(self.table, self.frames[k:k + 1], full_registry(), before, resolve))

    def related(self, frame: int) -> Margin:
        """What Wireshark's packet list draws beside these frames when frame number
        ``frame`` is selected (:mod:`tcpscope.views.related`): ``.selection`` (the frame's
        TCP conversation, its first and last frame, its tree's typed links and the marks
        they make) and per frame of this capture ``.number``, ``.trace`` (its place on the
        conversation line, a ``Trace``) and ``.mark`` (a ``Link``, or -1 for none).

        Args:
            frame: The selected frame's number (from 1).

        Returns:
            The margin, a :class:`~tcpscope.views.related.Margin`.

        Raises:
            IndexError: In Wireshark's words, for a frame the capture does not have or one
                these frames do not include.

        Example:
            >>> tcpscope.open("examples/http-get.pcap").related(4).selection
        """
        from tcpscope.views.related import related_margin

        return related_margin(self.table, self.frames, frame)


def open_capture(path: str | os.PathLike[str] | BinaryIO, *, analyze: bool = True) -> Capture:
    """Read a capture, dissect every frame and run the TCP analysis: :func:`tcpscope.open`.

    Args:
        path: A pcap or pcapng file, or a gzip of either: its path, ``-`` for standard
            input, or a binary file object.
        analyze: Run Wireshark's TCP analysis (``tcp.stream``, ``tcp.analysis.*``); False
            reads and dissects only.

    Returns:
        A :class:`Capture` of every frame.

    Raises:
        CaptureNotFoundError: The path does not exist or is a directory (a
            ``FileNotFoundError`` too).
        CaptureError: The file cannot be read or is not a capture (an ``OSError`` too).

    Example:
        >>> cap = tcpscope.api.open_capture("examples/http-get.pcap")
    """
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
    lists: frozenset[str] | None
    desegment: bool = True


class Scan:
    """A capture a piece at a time (:func:`tcpscope.scan` makes one): iterate for one
    :class:`PacketView` per piece, the frames the display filter keeps, in order.

    Each piece is dissected and analysed with the frames before it in mind (the TCP
    analysis carries every conversation from piece to piece), so the values are those
    of :func:`open_capture` on the whole capture; frame numbers count from the capture's
    first frame. A pipe (``"-"`` or a FIFO) yields its pieces as its bytes come. Only one
    piece is held at a time, plus the analysis state (:mod:`tcpscope.pipeline.stream`).

    With ``analyze="needed"`` the analysis runs only when ``fields`` or the display filter
    read it (``filter.registry.analysis_need``; a piece then answers for those fields only).

    Args:
        path: The capture (see :func:`scan`).
        fields: The pieces' columns (default: :data:`DEFAULT_FIELDS`).
        options: The other arguments of :func:`scan`.

    Attributes:
        progress: When set before the iteration starts, hears the fraction of a file's
            frames done after each piece.
        focus: When set before the iteration starts, the numbers of the only frames the
            caller will read: a file's HTTP, TLS and DNS over TCP are then framed in their
            conversations only (``tcpscope show --frame N``), so other frames' fields of
            those protocols may be absent; and one file is read no further than the last
            of them (its values depend on the frames before it only), so that ``frames``
            counts up to it, and the damage after it is not reported. A file is then read
            by a focused pass (:mod:`tcpscope.pipeline.focus`): every frame's TCP header
            numbered by a headers-only pass, and only the frames those frames' values
            depend on dissected and analysed; the other frames of a piece have no layers.
        streams: When set before the iteration starts, the only ``tcp.stream`` numbers
            the caller will read (``tcpscope follow``): a file is read by the same focused
            pass, so that the pieces hold those conversations' frames (with the frames
            that are no plain TCP segment) and no other frame's layers.
        whole: From the first piece on, whether the capture came in one batch (a file; a
            pipe's frames come as they arrive).
        frames: How many frames the capture has, once ``whole`` is True.
        warnings: The reader's warnings, once the iteration has ended.

    Example:
        >>> rows = sum(len(piece) for piece in tcpscope.scan("examples/http-get.pcap", ["frame.number"]))
    """

    def __init__(self, path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], fields: Sequence[str] | None,
                 options: _ScanOptions) -> None:
        self._path = path
        self._fields = tuple(fields) if fields is not None else None
        self._lists = options.lists
        if self._fields or self._lists:  # (the registry is imported only for some: a start-up cost)
            _defs([*(self._fields or ()), *sorted(self._lists or ())])  # an unknown field is an error before the file is read
        self._filter = None
        if options.display_filter:  # (the filter compiler is imported only for one: a start-up cost)
            from tcpscope.filter import compile_filter

            self._filter = compile_filter(options.display_filter)
        self._analyze = options.analyze
        self._desegment = options.desegment
        self.progress: Callable[[float], None] | None = None
        self.focus: Sequence[int] | None = None
        self.sequence_analysis = True  # (False: tshark's tcp.analyze_sequence_numbers:FALSE for the framing)
        self.streams: Sequence[int] | None = None
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
        frame.protocols when they are named (without, a piece's messages are framed from
        that piece alone when a field asks for them)."""
        flt = self._filter
        names = {*(self._fields or ()), *(flt.field_names() if flt is not None else ())}
        listed = self._fields is None or bool(names & {"_ws.col.Protocol", "_ws.col.Info"})
        if not names:  # (the packet list: the field registry is not imported)
            return listed
        from tcpscope.filter.registry import names_framed

        if not names_framed(names):  # (the framing modules are slow to import)
            return listed
        from tcpscope.analysis.http_fields import needs_messages
        from tcpscope.analysis.tls_frames import needs_framing

        if needs_messages(names):
            return "messages"
        return listed or needs_framing(names)

    def __iter__(self) -> Iterator[PacketView]:
        from tcpscope.capture import read_batches
        from tcpscope.pipeline.stream import TableStream

        flt = self._filter
        stream = TableStream(read_batches(self._path, _last_focused(self.focus)), self._analysis(), select=flt.mask if flt is not None else None,
                             progress=self.progress, http=self._http(), desegment=self._desegment)
        stream.focus = self.focus
        stream.sequence_analysis = self.sequence_analysis
        stream.streams = self.streams
        for table, mask in stream:
            self.whole, self.frames = stream.whole, stream.n
            frames = np.arange(table.n, dtype=np.int64) if mask is None else np.flatnonzero(mask).astype(np.int64)
            yield PacketView(table, frames, self._fields, self._lists, piece=_Piece(mask, stream.size))
        self.whole, self.frames = stream.whole, stream.n  # (a focused pass may yield no piece: no frame asked for exists)
        self.warnings = _messages(stream.warnings)


def _last_focused(focus: Sequence[int] | None) -> int | None:
    """How many frames a scan focused on the frames ``focus`` reads (``Scan.focus``): up to
    the last of them; all when one is not a frame number (the caller says which frames the
    capture lacks, and how many it has)."""
    if not focus or min(focus) < 1:
        return None
    return max(focus)


def _messages(warnings: Sequence[CaptureWarning]) -> tuple[str, ...]:
    return tuple(w.message for w in warnings)


def scan(path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], fields: Sequence[str] | None = None, *,  # noqa: PLR0913 -- the public API's keyword arguments, each documented
         display_filter: str | None = None, analyze: bool | Literal["needed"] = True,
         lists: Collection[str] | None = None, desegment: bool = True) -> Scan:
    """The capture at ``path`` a piece at a time, as a :class:`Scan`: :func:`tcpscope.scan`.
    Several paths, or a directory, are read as one capture, the files one after the other
    as ``mergecap -a`` joins them (``capture.files``).

    Every piece has the same columns and types, so that the pieces concatenate (or go to
    one Parquet writer) without a cast. A bad display filter or an unknown field raises at
    once; a capture that cannot be read raises when the iteration starts. ``progress``, to
    hear how far it is: see :class:`Scan`.

    Args:
        path: A pcap or pcapng file, or a gzip of either; ``-`` or a FIFO is read as its
            bytes come; several files, or a directory of rotated files, as one capture.
        fields: The pieces' columns (default: :data:`DEFAULT_FIELDS`, those of ``Capture.packets``).
        display_filter: Keep only the frames this Wireshark display filter selects.
        analyze: True, False, or ``"needed"``: only when ``fields`` or the filter read the
            analysis.
        lists: The fields given as a list of all their values in each frame; any other
            holds its first value (``ip.src`` of the outer header in a tunnel), as ``tshark
            -E occurrence=f`` prints it. Default: the schema's repeated fields
            (:data:`~tcpscope.table.schema.REPEATED_FIELDS`); ``()`` for first values only.
        desegment: False frames HTTP, TLS and DNS one TCP segment at a time, as tshark
            does with ``-o tcp.desegment_tcp_streams:FALSE`` (no message spans segments).

    Returns:
        A :class:`Scan` to iterate.

    Raises:
        FieldError: A field is not one tcpscope knows (a ``KeyError`` too).
        FilterError: The display filter does not compile (a ``ValueError`` too).

    Example:
        >>> pieces = tcpscope.scan("big.pcap", ["frame.number", "tcp.len"], display_filter="tcp.len > 0")
        >>> table = pyarrow.concat_tables(piece.to_arrow() for piece in pieces)
    """
    return Scan(path, fields, _ScanOptions(display_filter, analyze, None if lists is None else frozenset(lists),
                                           desegment))
