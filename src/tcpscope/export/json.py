"""``json`` and ``ek``: the frames as ``tshark -T json -e F ...`` and ``tshark -T ek -e F ...``
write them, for the same fields, so that what reads tshark's output (an Elasticsearch
bulk pipeline for ``ek``) reads ours.

Each frame is an object whose ``layers`` hold, in the order of ``-e``, each field the frame
has as a list of the text of each of its values (the text ``-T fields`` prints; an FT_NONE
flag is ``"1"``); a field the frame lacks is left out. The Elasticsearch index is
``packets-YYYY-MM-DD``, the frame's date in local time (tshark's ``localtime``); ``ek``
gives each frame an index line, then a line with the frame's time in milliseconds since
the epoch and its layers, the fields' dots turned into underscores.

The text of each value is made by Python (``table.text.format_values``): these formats
are for interchange with tshark's readers, not for speed (Parquet is the fast one).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from tcpscope._types import Array, Index
from tcpscope.table.text import format_values

if TYPE_CHECKING:
    from tcpscope.api import PacketView
    from tcpscope.table.schema import FieldDef

__all__ = ["JSON_FORMATS", "write_json"]

#: The JSON formats: ``tshark -T json`` and ``tshark -T ek``.
JSON_FORMATS: tuple[str, ...] = ("json", "ek")

_NS_PER_HOUR = 3_600_000_000_000


@dataclass(frozen=True, slots=True)
class _Column:
    """One field's values in a piece: the JSON text of each (``texts``) and, per frame
    of the piece, where its values start and end in ``texts``."""

    key: str
    texts: list[str]
    starts: Index


def _column(piece: PacketView, fd: FieldDef, key: str) -> _Column:
    v = piece.values(fd.name)
    pos = np.full(piece.table.n, -1, dtype=np.int64)
    pos[piece.frames] = np.arange(len(piece))
    rows = pos[v.pkt]
    texts = [json.dumps(t, ensure_ascii=False) for t in format_values(fd, v, piece.table.buffers)]
    starts = np.zeros(len(piece) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(piece)), out=starts[1:])
    return _Column(json.dumps(key), texts, starts)


def index_dates(ts_ns: Array) -> list[str]:
    """``packets-YYYY-MM-DD`` of each time stamp in local time, as tshark names a frame's
    Elasticsearch index: the UTC offset is looked up once per hour the frames span."""
    ts = np.asarray(ts_ns, dtype=np.int64)
    hours, inverse = np.unique(ts // _NS_PER_HOUR, return_inverse=True)
    offsets = np.array([time.localtime(int(h) * 3600).tm_gmtoff for h in hours.tolist()], dtype=np.int64)
    local = ts // 1_000_000_000 + offsets[inverse.reshape(-1)]
    days = local.astype("datetime64[s]").astype("datetime64[D]").astype(str)
    return [f'"packets-{d}"' for d in days.tolist()]


def _json_layers(columns: Sequence[_Column], i: int) -> str:
    """One frame's ``layers`` object, indented as tshark's json dumper writes it."""
    items = []
    for c in columns:
        a, b = int(c.starts[i]), int(c.starts[i + 1])
        if a < b:
            values = ",\n".join(f"          {t}" for t in c.texts[a:b])
            items.append(f"        {c.key}: [\n{values}\n        ]")
    return "{\n" + ",\n".join(items) + "\n      }" if items else "{}"


def _json_frame(index: str, layers: str) -> str:
    return (f'  {{\n    "_index": {index},\n    "_type": "doc",\n    "_score": null,\n'
            f'    "_source": {{\n      "layers": {layers}\n    }}\n  }}')


def _ek_frame(index: str, ms: str, columns: Sequence[_Column], i: int) -> str:
    items = []
    for c in columns:
        a, b = int(c.starts[i]), int(c.starts[i + 1])
        if a < b:
            items.append(f"{c.key}:[{','.join(c.texts[a:b])}]")
    return (f'{{"index":{{"_index":{index},"_type":"doc"}}}}\n'
            f'{{"timestamp":"{ms}","layers":{{{",".join(items)}}}}}\n')


def _times(piece: PacketView, epoch: FieldDef) -> tuple[Array, list[str]]:
    """Each frame's capture time (ns since the epoch; 0 for a record without one) and its
    ``ek`` timestamp: the seconds, then the fraction's milliseconds in three digits or
    more, as tshark prints them from the time stamp's seconds and nanoseconds (a pcap
    fraction out of range gives ``...1000``)."""
    v = piece.values(epoch.name)
    ts = np.zeros(piece.table.n, dtype=np.int64)
    ts[v.pkt] = np.asarray(v.data, dtype=np.int64)
    text = np.full(piece.table.n, "0.0", dtype=object)
    text[v.pkt] = format_values(epoch, v, piece.table.buffers)
    ms = []
    for t in text[piece.frames].tolist():
        secs, _, fraction = t.partition(".")
        ms.append(f"{secs}{int(fraction or 0) // 1_000_000:03d}")
    return ts[piece.frames], ms


def write_json(pieces: Iterable[PacketView], defs: Sequence[FieldDef], fmt: str, out: BinaryIO) -> int:
    """Write every piece's frames as ``fmt`` (``json`` or ``ek``); returns the frames."""
    from tcpscope.views.columns import full_registry

    ek = fmt == "ek"
    frames = 0
    (epoch,) = full_registry().require(["frame.time_epoch"])
    for piece in pieces:
        columns = [_column(piece, fd, fd.name.replace(".", "_") if ek else fd.name) for fd in defs]
        ts, ms = _times(piece, epoch)
        indexes = index_dates(ts)
        if ek:
            text = "".join(_ek_frame(indexes[i], ms[i], columns, i) for i in range(len(piece)))
        else:
            text = ",\n".join(_json_frame(indexes[i], _json_layers(columns, i)) for i in range(len(piece)))
            if text:
                text = ("[\n" if frames == 0 else ",\n") + text
        out.write(text.encode("utf-8"))
        frames += len(piece)
    if not ek:
        out.write(b"\n]\n" if frames else b"[]\n")
    return frames
