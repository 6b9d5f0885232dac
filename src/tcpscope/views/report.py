"""The ``tcpscope analyze`` report: the capture, its TCP connections, the expert findings,
and how each connection opened and closed, in plain words.

It is the command a newcomer runs first; later stages add to it (connection states,
explanations). Every number comes from the analysed table; nothing here reads bytes.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from tcpscope.capture.records import LINKTYPE_NAMES
from tcpscope.table.packets import PacketTable
from tcpscope.table.text import format_ipv4, format_ipv6
from tcpscope.views.lifecycle import describe, lifecycles

__all__ = ["report_lines"]

_SEV = {1: "Comment", 2: "Chat", 3: "Note", 4: "Warning", 5: "Error"}


def _size(n: int) -> str:
    for unit, k in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= k:
            return f"{n / k:.1f} {unit}"
    return f"{n} bytes"


def _when(ns: int) -> str:
    t = dt.datetime.fromtimestamp(ns / 1e9, tz=dt.UTC)
    return t.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def endpoint_text(atype: int, addr: np.ndarray, port: int) -> str:
    """``10.0.0.1:80`` or ``[2001:db8::1]:80``."""
    if atype == 2:
        return f"{format_ipv4(int.from_bytes(bytes(addr[:4]), 'big'))}:{port}"
    return f"[{format_ipv6(bytes(addr))}]:{port}"


def _endpoints(table: PacketTable) -> dict[int, tuple[str, str]]:
    """Client and server endpoint text per stream (client: sender of the first SYN, else of the
    first segment)."""
    from tcpscope.analysis.conversations import segment_keys

    tcp = table.layer("tcp")
    keys = segment_keys(table)
    lc = lifecycles(table)
    side = keys.key * 2 + keys.flow.astype(np.int64)
    row_of_frame = {int(f): r for r, f in enumerate((tcp.pkt + 1).tolist())}
    out: dict[int, tuple[str, str]] = {}
    for s in range(len(lc)):
        anchor = int(lc.syn[s]) if lc.syn[s] >= 0 else int(lc.first_frame[s])
        r = row_of_frame.get(anchor)
        if r is None:
            continue
        t = int(keys.atype[r])
        a = endpoint_text(t, keys.src[r], int(tcp.cols["srcport"][r]))
        b = endpoint_text(t, keys.dst[r], int(tcp.cols["dstport"][r]))
        out[s] = (a, b) if side[r] == lc.client_side[s] else (b, a)
    return out


def report_lines(table: PacketTable, frames: np.ndarray | None = None) -> list[str]:
    """The report as lines of text (``frames``: the frames a display filter kept)."""
    from tcpscope.views.conversations import conversations
    from tcpscope.views.expert import expert_entries

    rec = table.records
    lines: list[str] = []
    n = table.n
    mask = None
    if frames is not None and frames.shape[0] != n:
        mask = np.zeros(n, dtype=np.bool_)
        mask[frames] = True
    lines.append(f"Capture    {rec.name}")
    links = sorted({LINKTYPE_NAMES.get(int(x), f"link type {int(x)}") for x in np.unique(rec.linktype)})
    lines.append(f"  format   {rec.format}; link types: {', '.join(links) or 'none'}")
    total = int(np.minimum(rec.wirelen, 0x7FFFFFFF).sum()) if n else 0
    lines.append(f"  packets  {n} ({_size(total)} on the wire)")
    if mask is not None:
        lines.append(f"  selected {int(mask.sum())} frames by the display filter")
    if n:
        dur = (int(table.ts_ns.max()) - int(table.ts_ns.min())) / 1e9
        lines.append(f"  time     {_when(int(table.ts_ns[0]))}, {dur:.6f} s")
    for w in rec.warnings:
        lines.append(f"  warning  {w.message.splitlines()[0]}")
    tcp = table.layer("tcp")
    if len(tcp) == 0 or "stream" not in tcp.cols:
        lines.append("")
        lines.append("No TCP segments.")
        return lines
    conv = conversations(table, mask)
    order = np.argsort(conv.stream, kind="stable")
    lc = lifecycles(table)
    ends = _endpoints(table)
    lines.append("")
    lines.append(f"TCP connections ({len(conv)})")
    lines.append(f"  {'stream':>6}  {'client':<28} {'server':<28} {'packets':>7} {'bytes':>10} {'duration':>10}"
                 f"  {'retrans':>7}  {'iRTT':>10}  state")
    for k in order.tolist():
        i = int(conv.stream[k])
        a, b = ends.get(i, ("?", "?"))
        irtt = f"{lc.initial_rtt_ns[i] / 1e6:.3f} ms" if i < len(lc) and lc.initial_rtt_ns[i] else "-"
        lines.append(f"  {i:>6}  {a:<28} {b:<28} {int(conv.frames[k]):>7} {_size(int(conv.bytes[k])):>10} "
                     f"{int(conv.duration_ns[k]) / 1e9:>9.6f}s  {int(conv.retransmissions[k]):>7}  {irtt:>10}  "
                     f"{conv.closing[k]}")
    lines.append("")
    lines.append("Expert findings")
    entries = expert_entries(table, mask)
    if not entries:
        lines.append("  none")
    for e in entries:
        lines.append(f"  {_SEV[int(e.severity)]:<8} {e.protocol:<5} {e.count:>7}  {e.summary}")
    lines.append("")
    lines.append("How each connection opened and closed")
    for k in order.tolist():
        i = int(conv.stream[k])
        a, b = ends.get(i, ("?", "?"))
        opened, closed = describe(lc, i)
        lines.append(f"  stream {i}: {a} -> {b}")
        lines.append(f"    opened: {opened}")
        lines.append(f"    closed: {closed}")
    return lines
