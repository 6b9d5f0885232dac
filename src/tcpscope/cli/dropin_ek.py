"""``tcpscope -r FILE -T ek`` without ``-e``: each frame's whole details tree as tshark's EK JSON.

tshark writes two lines a frame for Elasticsearch's bulk API (epan/print.c,
``write_ek_proto_tree``): an ``index`` line naming the day's index, then the frame's
document, ``timestamp`` (milliseconds since the epoch) and ``layers``. The document is
the tree of ``tshark -T json`` (:mod:`tcpscope.views.tree_json`'s items) made flat, by
these rules, each a function below:

* the items are walked in tree order, each subtree right after its item; an item joins
  the member of the same name among its siblings' and (for an item whose twin sits
  under a twin parent) its cousins', an array when there are several, at the place of
  the first of them (:func:`_flatten`);
* a protocol without a value of its own (the layers, an expert item) is an object of the
  items under it (``{}`` if none); any
  other item is its value (:func:`_level`);
* a member is named by the item's protocol, ``_``, and its field's name, every ``.`` a
  ``_`` (``tcp_tcp_srcport``); a protocol's item by its own name alone
  (``tcp_options_mss``: tshark registers each TCP option as a protocol); a text-only item
  ``text`` (:func:`_name`);
* with ``-x``, before an item with bytes, ``NAME_raw``: their hex, as ``-T json -x``
  writes it (:func:`_level`);
* values as ``-T json`` writes them, but a boolean ``true``/``false``, an item without a
  value ``null``, an absolute time in UTC as ``2026-11-27T23:05:53.245181000Z``, a
  text-only item its line (:func:`_value`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from functools import cache
from typing import TYPE_CHECKING

from tcpscope.cli.common import finish, scan_capture
from tcpscope.views.tree_json import json_string

if TYPE_CHECKING:
    from tcpscope.cli.common import Reading
    from tcpscope.cli.dropin_options import Options
    from tcpscope.views.tree_json import Detail, FrameDetails

__all__ = ["ek_lines", "print_ek"]

#: ``Detail.ftype`` numbers (epan/ftypes/ftypes.h) the rules above name
_FT_NONE, _FT_PROTOCOL, _FT_BOOLEAN = 0, 1, 2


def print_ek(opts: Options, path: str, reading: Reading, out_write: object) -> int:
    """Write the frames of ``path`` (``-Y`` applied) as EK lines; the exit status."""
    import numpy as np

    from tcpscope._jit import job
    from tcpscope.views.columns import full_registry
    from tcpscope.views.tree_json import frame_details

    assert callable(out_write)
    registry = full_registry()
    before: int | None = None
    with scan_capture(path, opts.display_filter, ["frame.protocols"], reading=reading) as scan:
        for piece in scan:
            table, frames = piece.table, piece.frames
            if not frames.shape[0]:
                continue
            with job(piece.job):
                out_write("".join(ek_lines(frame_details(table, np.asarray(frames), registry, before,
                                                         opts.mac_names, tcp=reading.tree), opts.hex)))
            before = int(table.ts_ns[frames[-1]])
    return finish(scan.warnings)


def ek_lines(frames: Sequence[FrameDetails] | Iterator[FrameDetails], raw: bool = False) -> Iterator[str]:
    """Each frame's two lines, as ``tshark -T ek`` writes them (``raw``: with ``-x``)."""
    for frame in frames:
        seconds, ns = divmod(frame.ts_ns, 1_000_000_000)
        day = time.strftime("%Y-%m-%d", time.localtime(seconds))
        layers = ",".join(_level(frame.protocols, _Frame(frame, raw), ()))
        yield (f'{{"index":{{"_index":"packets-{day}","_type":"doc"}}}}\n'
               f'{{"timestamp":"{seconds}{ns // 1_000_000:03d}","layers":{{{layers}}}}}\n')


class _Frame:
    """The frame being written, and whether each item's bytes go before it (``-x``)."""

    __slots__ = ("raw", "ts_ns")

    def __init__(self, frame: FrameDetails, raw: bool) -> None:
        self.ts_ns = frame.ts_ns
        self.raw = raw


class _Group:
    """One member: its name, the items it holds, and the groups of the items under them."""

    __slots__ = ("below", "items", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[Detail] = []
        self.below: dict[str, _Group] = {}


def _flatten(items: Sequence[Detail], inside: tuple[str, ...], order: list[_Group], groups: dict[str, _Group]) -> None:
    """Walk ``items`` and their subtrees in tree order: an item joins the group of its
    name among ``groups`` (its parent's group's subgroups), or starts one at the end of
    ``order``; the items under it join its group's subgroups (so two NOP options' kinds
    are one member, while the addresses under a destination and a source are two)."""
    for d in items:
        name = _name(d, inside)
        group = groups.get(name)
        if group is None:
            group = groups[name] = _Group(name)
            order.append(group)
        group.items.append(d)
        if d.children and not _is_object(d):
            _flatten(d.children, inside, order, group.below)


def _level(items: Sequence[Detail], frame: _Frame, inside: tuple[str, ...]) -> list[str]:
    """The members of an object holding ``items``, inside the objects ``inside`` (their
    items' keys, the layer first): each group's member (with ``-x``, after its bytes'
    member ``NAME_raw``), an object's holding its own members."""
    order: list[_Group] = []
    _flatten(items, inside, order, {})
    out: list[str] = []
    for group in order:
        first = group.items[0]
        if frame.raw and _has_bytes(first):
            out.append(_member(f"{group.name}_raw", [json_string(d.raw) for d in group.items]))
        if _is_object(first):
            out.append(_member(group.name, ["{" + ",".join(_level(d.children, frame, (*inside, d.key))) + "}"
                                            for d in group.items]))
        else:
            out.append(_member(group.name, [_value(d, frame) for d in group.items]))
    return out


def _member(name: str, values: list[str]) -> str:
    """A member holding one value, or an array of several."""
    return f"{json_string(name)}:{values[0] if len(values) == 1 else '[' + ','.join(values) + ']'}"


def _has_bytes(d: Detail) -> bool:
    """Whether ``-x`` writes an item's bytes: it has some, and is not text only."""
    return d.start >= 0 and d.length > 0 and not _is_text(d)


def _is_object(d: Detail) -> bool:
    """A protocol's item that has no value of its own (a layer, an expert item): its
    subtree is an object, ``{}`` if it has none (a TCP option, a protocol with a value,
    is flattened)."""
    return d.ftype == _FT_PROTOCOL or (d.ftype == _FT_NONE and d.key in tshark_protocols())


def _is_text(d: Detail) -> bool:
    """A text-only item (``[Timestamps]``): no field, its key its own line."""
    return d.ftype == _FT_NONE and d.key == _unbracketed(d.label)


def _unbracketed(label: str) -> str:
    """A generated item's line without the brackets around it (a line that only begins or
    ends with one, a cut body line's, keeps it)."""
    return label[1:-1] if label[:1] == "[" and label[-1:] == "]" else label


def _name(d: Detail, inside: tuple[str, ...]) -> str:
    """The member's name (see the module's rules) inside the objects ``inside``."""
    if _is_text(d):
        return "text"
    if d.ftype == _FT_PROTOCOL or d.key in tshark_protocols():
        return d.key.replace(".", "_")
    return f"{_protocol_of(d.key, inside)}_{d.key}".replace(".", "_")


#: Fields a protocol registers under another's name: packet-ipv6.c's own ``ip.version``.
_REGISTERED_BY = {("ipv6", "ip.version"): "ipv6"}


def _protocol_of(key: str, inside: tuple[str, ...]) -> str:
    """The protocol a field belongs to, inside the objects ``inside``: tshark's ``-G
    fields`` fifth column, which the registry's ``proto`` is; for an item the registry
    does not hold, the innermost object whose name its name extends (``ipv6.routing.nxt``
    in ``ipv6.routing``), else the longest protocol name its name extends
    (``_ws.string.trailing_stray_characters``: ``_ws.string``), else its name's first part."""
    from tcpscope.views.columns import full_registry

    if inside and (inside[0], key) in _REGISTERED_BY:
        return _REGISTERED_BY[inside[0], key]
    fd = full_registry().get(key)
    if fd is not None:
        return fd.proto
    parts = key.split(".")
    longest = next((".".join(parts[:n]) for n in range(len(parts) - 1, 1, -1)
                    if ".".join(parts[:n]) in tshark_protocols()), parts[0])
    return next((o for o in reversed(inside) if key.startswith(o + ".")), longest)


def _value(d: Detail, frame: _Frame) -> str:
    """An item's value (see the module's rules)."""
    if _is_text(d):
        return json_string(_unbracketed(d.label))
    if d.ftype == _FT_NONE:
        return "null"
    if d.ftype == _FT_BOOLEAN:
        return "true" if d.value not in ("0", "") else "false"
    if d.key == "frame.time":  # (the one absolute time of the trees: FT_ABSOLUTE_TIME, in UTC)
        seconds, ns = divmod(frame.ts_ns, 1_000_000_000)
        return f'"{time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))}.{ns:09d}Z"'
    return json_string(d.value)


@cache
def tshark_protocols() -> frozenset[str]:
    """The names tshark 4.0.17 registers as protocols (``tshark -G protocols``, kept in
    ``cli/tshark_options.xz``)."""
    import lzma

    from tcpscope.cli.dropin_options import TSHARK_OPTIONS

    lines = lzma.decompress(TSHARK_OPTIONS.read_bytes()).decode().splitlines()
    return frozenset(lines[lines.index("[protocols]") + 1:])
