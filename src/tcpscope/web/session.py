"""One capture held by the server: what the browser asks of it, as plain data for JSON.

A :class:`Session` reads its capture twice, in two threads started by :meth:`Session.start`:

* the packet list's text, a piece at a time (``tcpscope.scan``, each piece's rows made by
  ``views.packet_list.packet_rows`` as ``tcpscope list`` makes them) into Arrow string
  columns, so that the first rows can be shown after the first piece, long before a
  large capture is read, and a page of rows is a ``take`` of a few hundred cells;
* the whole capture analysed (``tcpscope.open``), for what needs every frame at once:
  display filters, the related-packet margin (``Capture.related``), the details tree
  (the items ``Capture.details`` gives, a block of frames at a time),
  the flow graph, the explanation, Follow TCP Stream, the conversations (with Zeek's
  ``conn_state`` and ``history``) and the expert summary.

Everything the browser can name is checked here: a frame number, a stream number, a page
or a filter out of range is a :class:`RequestError` (a 4xx answer with its message). The
session reads only the path it was given; no request names a file.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import tcpscope
from tcpscope.errors import FilterError, StreamNotFoundError, TcpscopeError
from tcpscope.web.details import detail_nodes

if TYPE_CHECKING:
    import pyarrow as pa

    from tcpscope._types import Index
    from tcpscope.api import Capture
    from tcpscope.views.related import Margin

__all__ = ["LIST_COLUMNS", "MAX_PAGE", "RequestError", "Session", "check_filter", "colors"]

#: The packet list's columns, as Wireshark names them, in the rows' order.
LIST_COLUMNS = ("No.", "Time", "Source", "Destination", "Protocol", "Length", "Info")
#: The most rows (or conversations) one request may ask for.
MAX_PAGE = 1000
#: Filters (and selections) whose answers are kept, most recent first.
_KEPT = 8
#: Frames whose details trees are made together: the tree's fields are gathered over
#: the whole capture whatever the frames shown (seconds on a large one), so a frame's
#: neighbours, which the arrow keys select next, come with it.
TREE_BLOCK = 256
#: The bytes of a followed stream sent at most.
FOLLOW_LIMIT = 1 << 20
#: The languages of the explanation.
LANGUAGES = ("en", "zh")


class RequestError(Exception):
    """A request the session cannot answer as asked: its HTTP ``status`` and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class FilterCheck:
    """What the filter bar shows: whether the filter compiles, else tshark's message and
    where its caret goes (byte offset and length in the UTF-8 text; None: no caret)."""

    ok: bool
    message: str = ""
    start: int | None = None
    length: int = 0


def check_filter(text: str) -> FilterCheck:
    """Compile ``text`` as a display filter without applying it (an empty filter is good)."""
    from tcpscope.filter import compile_filter

    if not text.strip():
        return FilterCheck(True)
    try:
        compile_filter(text)
    except FilterError as exc:
        message = getattr(exc, "message", str(exc).split("\n", 1)[0])
        loc = getattr(exc, "loc", None)
        return FilterCheck(False, message, *(loc if loc is not None else (None, 0)))
    return FilterCheck(True)


class _Lru(OrderedDict[Any, Any]):
    """A few answers, the least recently used forgotten first."""

    def get_or(self, key: Any, make: Callable[[], Any]) -> Any:
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = make()
        self[key] = value
        while len(self) > _KEPT:
            self.popitem(last=False)
        return value


class _ListRows:
    """The packet list's text, a column per :data:`LIST_COLUMNS` field, then each row's
    colouring rule (an index into ``views.colors.color_rules()``, -1 for none), grown a
    piece at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.chunks: list[list[pa.Array]] = [[] for _ in range(len(LIST_COLUMNS) + 1)]  # and the colour rule
        self.count = 0  # rows made so far
        self.total: int | None = None  # the capture's frames, once known
        self.done = False

    def add(self, rows: list[tuple[Any, ...]]) -> None:
        import pyarrow as pa

        if not rows:
            return
        columns = list(zip(*rows, strict=True))
        arrays = [pa.array(col, type=pa.int64() if k in (0, 5, 7) else pa.string()) for k, col in enumerate(columns)]
        with self.lock:
            for k, arr in enumerate(arrays):
                self.chunks[k].append(arr)
            self.count += len(rows)

    def take(self, frames: Index) -> list[list[Any]]:
        """The rows of table rows ``frames`` (all below ``count``), as lists of cells."""
        import pyarrow as pa

        with self.lock:
            columns = [pa.chunked_array(c, type=c[0].type) for c in self.chunks] if self.count else []
        if not frames.shape[0]:
            return []
        index = pa.array(frames)
        cells = [col.take(index).to_pylist() for col in columns]
        return [list(row) for row in zip(*cells, strict=True)]


class Session:
    """A capture the server holds (see the module docstring): ``name`` is what the page
    shows, ``path`` the only file it reads."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        #: What the packet list reads: the file, or a live capture's pipe (``web.live``)
        self.listed: str | Path = path
        self.rows = _ListRows()
        self._capture: Capture | None = None
        self._loaded = threading.Event()
        self._opening = False
        self.error: str | None = None
        self._displayed = _Lru()
        self._margins = _Lru()
        self._cache = _Lru()
        self._trees = _Lru()
        self._tree_lock = threading.Lock()
        self._lock = threading.RLock()

    # -- loading -------------------------------------------------------------------------

    def start(self) -> None:
        """Read the capture in two daemon threads: the list's text, and once its first
        piece is shown, the whole analysis (started together, they share the cores the
        first rows wait for)."""
        threading.Thread(target=self._read_list, name=f"list {self.name}", daemon=True).start()

    def _start_capture(self) -> None:
        if not self._opening:
            self._opening = True
            threading.Thread(target=self._read_capture, name=f"open {self.name}", daemon=True).start()

    def _read_list(self) -> None:
        from tcpscope._jit import job
        from tcpscope.views.colors import frame_colors
        from tcpscope.views.packet_list import packet_rows

        try:
            scan = tcpscope.scan(self.listed, ["frame.number"])
            for piece in scan:
                if scan.whole:
                    self.rows.total = scan.frames
                with job(piece.job):
                    rules = frame_colors(piece.table, piece.frames).tolist()
                    self.rows.add([(r.number, r.time, r.source, r.destination, r.protocol, r.length, r.info, rule)
                                   for r, rule in zip(packet_rows(piece.table, piece.frames), rules, strict=True)])
                self._start_capture()
        except TcpscopeError as exc:
            self.error = str(exc)
        finally:
            self.rows.total = self.rows.count
            self.rows.done = True
            self._start_capture()

    def _read_capture(self) -> None:
        try:
            self._capture = tcpscope.open(self.path)
        except TcpscopeError as exc:
            self.error = str(exc)
        finally:
            self._loaded.set()

    def capture(self) -> Capture:
        """The analysed capture, once read (waits for it); a capture that could not be
        read is a 422 with the reader's message."""
        self._loaded.wait()
        if self._capture is None:
            raise RequestError(422, self.error or "the capture could not be read")
        return self._capture

    def status(self) -> dict[str, Any]:
        """How far the reading is: rows made, total frames (None until known), whether the
        analysis is done, and the reader's error."""
        rows = self.rows
        return {"name": self.name, "rows": rows.count, "total": rows.total, "listed": rows.done,
                "analysed": self._loaded.is_set(), "error": self.error, "columns": LIST_COLUMNS}

    # -- the packet list -----------------------------------------------------------------

    def displayed(self, display_filter: str) -> Index:
        """The table rows (0-based) ``display_filter`` shows; every frame without one."""
        text = display_filter.strip()
        if not text:
            if self.rows.done or self._loaded.is_set():
                n = self.rows.total if self.rows.done and self.rows.total is not None else len(self.capture())
                return np.arange(n, dtype=np.int64)
            return np.arange(self.rows.count, dtype=np.int64)

        def run() -> Index:
            try:
                return self.capture().filter(text).frames
            except FilterError as exc:
                raise RequestError(400, str(exc)) from exc

        with self._lock:
            frames: Index = self._displayed.get_or(text, run)
        return frames

    def page(self, display_filter: str, offset: int, limit: int, selected: int | None) -> dict[str, Any]:
        """Rows ``offset`` to ``offset + limit`` of the list ``display_filter`` shows: each
        row's cells (:data:`LIST_COLUMNS`) and colouring rule, and with a frame
        ``selected`` each row's place on its conversation line and its mark
        (``Capture.related``). ``total``: the rows shown so far (all of them once
        ``complete``)."""
        if not 0 < limit <= MAX_PAGE:
            raise RequestError(400, f"limit must be from 1 to {MAX_PAGE}")
        if offset < 0:
            raise RequestError(400, "offset must not be negative")
        frames = self.displayed(display_filter)
        total = int(frames.shape[0])
        chosen = frames[offset:offset + limit]
        ready = chosen[chosen < self.rows.count]
        rows = self.rows.take(ready)
        if selected is not None and rows:
            margin = self.margin(display_filter, selected)
            at = slice(offset, offset + len(rows))
            for row, trace, mark in zip(rows, margin.trace[at].tolist(), margin.mark[at].tolist(), strict=True):
                row += [trace, mark]
        complete = self.rows.done and (not display_filter.strip() or self._loaded.is_set())
        return {"offset": offset, "total": total, "complete": complete, "rows": rows}

    def margin(self, display_filter: str, selected: int) -> Margin:
        """What the list draws beside its rows with frame number ``selected`` selected
        (``Capture.related`` of the frames ``display_filter`` shows); 404 in Wireshark's
        words for a frame the capture lacks or the filter hides."""
        cap = self.capture()
        frames = self.displayed(display_filter)

        def run() -> Margin:
            try:
                return _displayed_capture(cap, frames).related(selected)
            except IndexError as exc:
                raise RequestError(404, str(exc)) from exc

        with self._lock:
            margin: Margin = self._margins.get_or((display_filter.strip(), selected), run)
        return margin

    def position(self, display_filter: str, frame: int) -> int:
        """The row at which frame number ``frame`` is shown (Ctrl-G); 404 in Wireshark's
        words for a frame the capture does not have or the filter hides."""
        from tcpscope.views.related import no_such_frame, not_displayed

        frames = self.displayed(display_filter)
        total = self.rows.total if self.rows.total is not None else self.rows.count
        if not 1 <= frame <= max(total, len(frames)):
            raise RequestError(404, no_such_frame(frame))
        at = int(np.searchsorted(frames, frame - 1))
        if at >= frames.shape[0] or frames[at] != frame - 1:
            raise RequestError(404, not_displayed(frame))
        return at

    # -- one frame -----------------------------------------------------------------------

    def _row(self, frame: int) -> int:
        cap = self.capture()
        if not 1 <= frame <= cap.table.n:
            from tcpscope.views.related import no_such_frame

            raise RequestError(404, no_such_frame(frame))
        return frame - 1

    def frame(self, frame: int) -> dict[str, Any]:
        """Frame number ``frame``: its details tree (:func:`tcpscope.web.details.detail_nodes`
        of ``views.tree_json``'s items, made with those of its :data:`TREE_BLOCK`
        neighbours), its bytes (each data source's name and hex), and its TCP stream (-1
        for none)."""
        from tcpscope.views.columns import full_registry
        from tcpscope.views.hexdump import data_sources
        from tcpscope.views.tree_json import FrameDetails, frame_details

        row = self._row(frame)
        table = self.capture().table
        registry = full_registry()

        def block_trees() -> list[FrameDetails]:
            start = row - row % TREE_BLOCK
            rows = np.arange(start, min(table.n, start + TREE_BLOCK), dtype=np.int64)
            before = int(table.ts_ns[start - 1]) if start > 0 else None
            return list(frame_details(table, rows, registry, before, names=True))  # (as Capture.details)

        with self._tree_lock:  # (seconds on a large capture: the other answers do not wait for it)
            trees: list[FrameDetails] = self._trees.get_or(row // TREE_BLOCK, block_trees)
        tree = trees[row % TREE_BLOCK]
        sources = [{"name": s.name, "hex": s.data.hex()} for s in data_sources(table, row)]
        stream = self.margin("", frame).selection.stream
        return {"frame": frame, "stream": stream, "tree": detail_nodes(tree.protocols, registry),
                "missing": list(tree.missing), "bytes": sources}

    # -- one connection ------------------------------------------------------------------

    def _stream(self, stream: int) -> Capture:
        cap = self.capture()
        try:
            part = cap.stream(stream) if stream >= 0 else None
        except StreamNotFoundError as exc:  # (the API's message names the streams there are)
            raise RequestError(404, str(exc)) from exc
        if part is None or len(part) == 0:
            raise RequestError(404, f"there is no TCP stream {stream}")
        return part

    def flow_svg(self, stream: int) -> str:
        """The flow graph of ``tcp.stream`` ``stream`` as an SVG picture (``views.flow_svg``)."""
        from tcpscope._jit import job
        from tcpscope.views.flow import FlowGraph
        from tcpscope.views.flow_svg import render_svg

        part = self._stream(stream)
        graph = FlowGraph(states=_state_fields())
        with job(part.table.n):
            graph.add(part.table, _frame_mask(part))
        return render_svg(graph.result(), f"{self.name}  (tcp.stream == {stream})")

    def graphs(self, stream: int) -> dict[str, Any]:
        """The stream graphs of ``tcp.stream`` ``stream`` (:mod:`tcpscope.web.graphs`)."""
        from tcpscope.web.graphs import chart_graphs

        row = self.connection(stream)
        ends = (f"{row['addr_a']}:{row['port_a']}", f"{row['addr_b']}:{row['port_b']}")
        return chart_graphs(self.capture(), stream, ends)

    def explain(self, stream: int, lang: str) -> list[str]:
        """``tcpscope explain --stream`` in ``lang`` (en or zh), a line per item."""
        from tcpscope._jit import job
        from tcpscope.views.explain import ExplainFeed, explain_lines

        if lang not in LANGUAGES:
            raise RequestError(400, f"lang must be one of {', '.join(LANGUAGES)}")
        part = self._stream(stream)
        feed = ExplainFeed(np.array([stream], dtype=np.int64))
        with job(part.table.n):
            feed.add(part.table)
        return explain_lines(feed, lang)

    def follow(self, stream: int) -> dict[str, Any]:
        """Follow TCP Stream: the two nodes, each chunk's node, frame and text (bytes as
        Latin-1, a missing range as tshark's marker), the first :data:`FOLLOW_LIMIT` bytes
        (``truncated`` says whether there were more)."""
        from tcpscope._jit import job
        from tcpscope.analysis.follow import FollowFeed, follow_chunks
        from tcpscope.views.follow import follow_nodes

        part = self._stream(stream)
        table = part.table
        feed = FollowFeed()
        with job(table.n):
            tcp = table.layer("tcp")
            feed.add(table, np.asarray(tcp.cols["stream"]) == stream)
            chunks = follow_chunks(feed.segments())
        nodes = follow_nodes(feed.first)
        out, size = [], 0
        for i in range(len(chunks)):
            if size >= FOLLOW_LIMIT:
                break
            data = chunks.data(i)[:FOLLOW_LIMIT - size]
            size += len(data)
            out.append({"node": int(chunks.node[i]), "frame": int(chunks.frame[i]), "missing": int(chunks.missing[i]),
                        "text": data.rstrip(b"\x00").decode("latin-1")})
        truncated = len(out) < len(chunks) or size >= FOLLOW_LIMIT
        return {"stream": stream, "nodes": [n.text() for n in nodes], "chunks": out, "truncated": truncated}

    # -- the whole capture ---------------------------------------------------------------

    def conversations(self, offset: int, limit: int) -> dict[str, Any]:
        """Rows ``offset`` to ``offset + limit`` of the conversations table (tshark's order),
        each row's columns by name (``Capture.conversations``, Zeek's among them)."""
        if not 0 < limit <= MAX_PAGE or offset < 0:
            raise RequestError(400, f"offset must not be negative and limit must be from 1 to {MAX_PAGE}")
        with self._lock:
            rows: list[dict[str, Any]] = self._cache.get_or("conversations",
                                                            lambda: list(self.capture().conversations.rows()))
        return {"offset": offset, "total": len(rows), "rows": rows[offset:offset + limit]}

    def connection(self, stream: int) -> dict[str, Any]:
        """One conversation's row (its Zeek ``conn_state`` and ``history`` among its columns)."""
        self._stream(stream)
        with self._lock:
            rows: list[dict[str, Any]] = self._cache.get_or("conversations",
                                                            lambda: list(self.capture().conversations.rows()))
            by_stream: dict[int, int] = self._cache.get_or(
                "by_stream", lambda: {int(r["stream"]): i for i, r in enumerate(rows)})
        if stream not in by_stream:
            raise RequestError(404, f"there is no TCP stream {stream}")
        return rows[by_stream[stream]]

    def expert(self) -> list[dict[str, Any]]:
        """The expert summary (``tcpscope expert``): a row per finding, with the display
        filter that selects its frames."""
        from tcpscope.views.expert import SEVERITY_LABELS, expert_entries

        names = dict(SEVERITY_LABELS)
        with self._lock:
            entries = self._cache.get_or("expert", lambda: expert_entries(self.capture().table))
        return [{"severity": names[e.severity], "group": e.group_name, "protocol": e.protocol,
                 "summary": e.summary, "count": e.count, "first": int(e.frames[0]) if e.frames.shape[0] else 0,
                 "filter": f"_ws.expert.message == {_quoted(e.summary)}"} for e in entries]


def colors() -> dict[str, Any]:
    """Wireshark's colouring rules as the list's rows number them (``views.colors``): each
    rule's name, filter, colours, and why it never matches here (empty when it can); and
    why no rule colours anything, when the rules' file is missing."""
    from tcpscope.views.colors import color_note, color_rules

    return {"rules": [{"name": r.name, "filter": r.filter, "fg": r.fg_hex, "bg": r.bg_hex,
                       "enabled": r.enabled, "disabled_because": r.disabled_because} for r in color_rules()],
            "note": color_note()}


def _quoted(text: str) -> str:
    """A string literal of the display-filter language holding ``text``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _displayed_capture(cap: Capture, frames: Index) -> Capture:
    from tcpscope.api import Capture

    return Capture(cap.table, frames)


def _frame_mask(part: Capture) -> Any:
    mask = np.zeros(part.table.n, dtype=np.bool_)
    mask[part.frames] = True
    return mask


def _state_fields() -> Any:
    """Each side's TCP state fields, when the registry has them (the flow graph draws them)."""
    from tcpscope.views.columns import full_registry

    known = full_registry()
    names = ("tcpscope.state.client", "tcpscope.state.server")
    return (known[names[0]], known[names[1]]) if all(n in known for n in names) else None
