"""Wireshark's colouring rules: which rule colours each frame of the packet list.

Wireshark 4.0 reads its rules at run time from the ``colorfilters`` file (the one it
ships in its data directory: Bad TCP, HSRP State Change, ..., TCP, UDP, Broadcast,
System Event), one rule a line::

    @Name@display filter@[background red,green,blue][foreground red,green,blue]

each channel 16 bits (0-65535); a line starting with ``!`` is a disabled rule, ``#`` a
comment. tcpscope reads the same file from the same data directory
(:func:`colorfilters_path`); where there is none, no rule colours anything
(:func:`color_note` says why).

The rules (epan/color_filters.c ``color_filters_colorize_packet``):

1. a frame's rule is the first enabled rule, in the file's order, whose filter it passes;
   a frame no rule selects has none (``frame.coloring_rule.name`` absent);
2. a rule whose filter does not compile is disabled: it never matches;
3. a colour on the screen is each 16-bit channel's high byte (``color_t`` to ``QColor``).

Filters are compiled by tcpscope's filter engine. The default rules name protocols
tcpscope does not dissect (``hsrp``, ``smb``, ``http2``, ``sctp.chunk_type`` ...): a name
in :data:`UNDISSECTED` that tcpscope's registry lacks is compiled as a field present in
no frame, which it is in any capture without that protocol, so that
``http || tcp.port == 80 || http2`` still colours port 80 as tshark does instead of the
whole rule being lost (docs/deviations.md).

:func:`frame_colors` computes a rule index per frame, one filter mask over the whole
table per rule; :func:`color_rules` lists the rules with their colours for a user
interface.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from tcpscope.errors import FilterError
from tcpscope.filter.front import Filter, compile_filter
from tcpscope.filter.registry import FieldRegistry, registry
from tcpscope.table.manuf import DATA_DIRS
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef, FieldType
from tcpscope.table.values import Values

__all__ = [
    "COLORFILTERS",
    "NO_RULE",
    "UNDISSECTED",
    "ColorRule",
    "color_note",
    "color_rules",
    "colorfilters_path",
    "frame_colors",
    "parse_colorfilters",
]

#: The file's name in Wireshark's data directory
COLORFILTERS = "colorfilters"
#: The rule index of a frame no rule colours
NO_RULE = -1

RGB = tuple[int, int, int]

#: Fields and protocols the default rules name that Wireshark 4.0 dissects, with their
#: Wireshark types (and the value names the rules' literals use)
_STATUS = {0: "Bad", 1: "Good", 2: "Unverified", 3: "Not present", 4: "Illegal"}
UNDISSECTED: Mapping[str, tuple[FieldType, Mapping[int, str] | None]] = {
    **dict.fromkeys((
        "bgp", "carp", "cdp", "dcerpc", "eigrp", "gvrp", "hsrp", "http", "http2", "igmp", "ismp", "nbns",
        "nbss", "netbios", "ospf", "pim", "sctp", "smb", "sysdig", "systemd_journal", "vrrp"), (FieldType.PROTOCOL, None)),
    "hsrp.state": (FieldType.UINT8, None),
    "stp.type": (FieldType.UINT8, None),
    "ospf.msg": (FieldType.UINT8, None),
    "icmp.type": (FieldType.UINT8, None),
    "icmpv6.type": (FieldType.UINT8, None),
    "sctp.chunk_type": (FieldType.UINT8, {6: "ABORT"}),
    **{f"{name}.status": (FieldType.UINT8, _STATUS) for name in (
        "eth.fcs", "ip.checksum", "tcp.checksum", "udp.checksum", "sctp.checksum", "mstp.checksum",
        "cdp.checksum", "edp.checksum", "wlan.fcs", "stt.checksum")},
}


@dataclass(frozen=True, slots=True)
class ColorRule:
    """One colouring rule: its name, filter text, foreground and background (8 bits a
    channel, as drawn), whether the file enables it, and why it never matches here
    (the filter engine's message; empty when it compiles)."""

    name: str
    filter: str
    fg: RGB
    bg: RGB
    enabled: bool = True
    disabled_because: str = ""

    @property
    def fg_hex(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.fg)

    @property
    def bg_hex(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.bg)


#: A rule line: ``!`` if disabled, ``@name@filter@[background r,g,b][foreground r,g,b]``
_LINE = re.compile(r"(!?)@([^@]*)@(.*)@\[(\d+),(\d+),(\d+)\]\[(\d+),(\d+),(\d+)\]\s*")


def _screen(channels: Sequence[str]) -> RGB:
    """A colour as drawn: each 16-bit channel's high byte."""
    r, g, b = (min(int(c), 0xFFFF) >> 8 for c in channels)
    return (r, g, b)


def parse_colorfilters(text: str) -> list[ColorRule]:
    """The rules of a colorfilters file, in order (comments and lines of no rule skipped)."""
    rules = []
    for line in text.splitlines():
        m = _LINE.fullmatch(line)
        if m is None:
            continue
        rules.append(ColorRule(m[2], m[3], fg=_screen(m.group(7, 8, 9)), bg=_screen(m.group(4, 5, 6)),
                               enabled=m[1] != "!"))
    return rules


def colorfilters_path() -> Path | None:
    """The colorfilters file in Wireshark's data directory (``WIRESHARK_DATA_DIR`` when set,
    as tshark, else the usual install places); None when there is none."""
    env = os.environ.get("WIRESHARK_DATA_DIR")
    for d in [env] if env else DATA_DIRS:
        if (Path(d) / COLORFILTERS).is_file():
            return Path(d) / COLORFILTERS
    return None


def color_note() -> str:
    """Why no frame is coloured (empty when the rules were found)."""
    if colorfilters_path() is None:
        return "Wireshark's colorfilters file was not found (set WIRESHARK_DATA_DIR): no colouring rules"
    return ""


def _absent(ftype: FieldType) -> Values:
    """No value in any frame (a protocol's values are spans)."""
    return Values.empty(np.int64, 2) if ftype is FieldType.PROTOCOL else Values.empty(np.int64)


def _absent_field(name: str, ftype: FieldType, strings: Mapping[int, str] | None) -> FieldDef:
    """A field of that name and type present in no frame."""

    def values(_table: PacketTable) -> Values:
        return _absent(ftype)

    return FieldDef(name, ftype, values, strings=strings)


def _rule_registry() -> FieldRegistry:
    """The registry plus the names of :data:`UNDISSECTED` it lacks, present in no frame."""
    reg = registry()
    extra = [_absent_field(name, ftype, strings) for name, (ftype, strings) in UNDISSECTED.items() if name not in reg]
    return reg.extended(extra)


def _compiled() -> tuple[tuple[ColorRule, ...], tuple[Filter | None, ...]]:
    """The rules of the installed file with their compiled filters (None: never matches)."""
    path = colorfilters_path()
    return ((), ()) if path is None else _compiled_file(path)


@cache
def _compiled_file(path: Path) -> tuple[tuple[ColorRule, ...], tuple[Filter | None, ...]]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return (), ()
    reg = _rule_registry()
    rules: list[ColorRule] = []
    filters: list[Filter | None] = []
    for rule in parse_colorfilters(text):
        compiled: Filter | None = None
        reason = ""
        try:
            compiled = compile_filter(rule.filter, reg)
        except FilterError as exc:
            reason = str(exc).splitlines()[0]
        rules.append(ColorRule(rule.name, rule.filter, rule.fg, rule.bg, rule.enabled, reason))
        filters.append(compiled if rule.enabled else None)
    return tuple(rules), tuple(filters)


def color_rules() -> list[ColorRule]:
    """Wireshark's colouring rules as installed, in order (empty without the file)."""
    return list(_compiled()[0])


def frame_colors(table: PacketTable, rows: NDArray[np.int64] | None = None) -> NDArray[np.int16]:
    """The index in :func:`color_rules` of each frame's rule (:data:`NO_RULE`: none), for
    every frame of ``table``, or for ``rows`` (0-based indexes) only."""
    _, filters = _compiled()
    out = np.full(table.n, NO_RULE, dtype=np.int16)
    left = np.ones(table.n, dtype=np.bool_)
    if rows is not None:
        left[:] = False
        left[rows] = True
    for i, compiled in enumerate(filters):
        if compiled is None or not left.any():
            continue
        hit = compiled.mask(table) & left
        out[hit] = i
        left &= ~hit
    return out if rows is None else out[rows]
