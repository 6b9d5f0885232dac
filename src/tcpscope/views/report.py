"""The ``tcpscope analyze`` report: the capture, its TCP connections, the expert findings,
and how each connection opened and closed, in plain words.

It is the command a newcomer runs first; later stages add to it (connection states,
explanations). Every number comes from the analysed table; nothing here reads bytes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np

from tcpscope.capture.records import LINKTYPE_NAMES
from tcpscope.dissect.experts import EXPERTS, summary
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
    """The report as lines of text."""
    rec = table.records
    lines: list[str] = []
    n = table.n
    lines.append(f"Capture    {rec.name}")
    links = sorted({LINKTYPE_NAMES.get(int(x), f"link type {int(x)}") for x in np.unique(rec.linktype)})
    lines.append(f"  format   {rec.format}; link types: {', '.join(links) or 'none'}")
    total = int(np.minimum(rec.wirelen, 0x7FFFFFFF).sum()) if n else 0
    lines.append(f"  packets  {n} ({_size(total)} on the wire)")
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
    stream = np.asarray(tcp.cols["stream"], dtype=np.int64)
    ok = stream >= 0
    nstreams = int(stream[ok].max()) + 1 if ok.any() else 0
    s = stream[ok]
    pk = np.bincount(s, minlength=nstreams)
    by = np.bincount(s, weights=np.minimum(rec.wirelen[tcp.pkt[ok]], 0x7FFFFFFF), minlength=nstreams).astype(np.int64)
    aflags = np.asarray(tcp.cols["aflags"], dtype=np.int64)[ok]
    retr = np.bincount(s, weights=((aflags & 0x4401) != 0), minlength=nstreams).astype(np.int64)
    t = table.ts_ns[tcp.pkt[ok]]
    t0 = np.full(nstreams, np.iinfo(np.int64).max, dtype=np.int64)
    t1 = np.full(nstreams, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(t0, s, t)
    np.maximum.at(t1, s, t)
    lc = lifecycles(table)
    ends = _endpoints(table)
    lines.append("")
    lines.append(f"TCP connections ({nstreams})")
    lines.append(f"  {'stream':>6}  {'client':<28} {'server':<28} {'packets':>7} {'bytes':>10} {'duration':>10}"
                 f"  {'retrans':>7}  {'iRTT':>10}  state")
    for i in range(nstreams):
        a, b = ends.get(i, ("?", "?"))
        state = _state(lc, i)
        irtt = f"{lc.initial_rtt_ns[i] / 1e6:.3f} ms" if lc.initial_rtt_ns[i] else "-"
        lines.append(f"  {i:>6}  {a:<28} {b:<28} {int(pk[i]):>7} {_size(int(by[i])):>10} "
                     f"{(int(t1[i]) - int(t0[i])) / 1e9:>9.6f}s  {int(retr[i]):>7}  {irtt:>10}  {state}")
    lines.append("")
    lines.extend(_expert_lines(table))
    lines.append("")
    lines.append("How each connection opened and closed")
    for i in range(nstreams):
        a, b = ends.get(i, ("?", "?"))
        opened, closed = describe(lc, i)
        lines.append(f"  stream {i}: {a} -> {b}")
        lines.append(f"    opened: {opened}")
        lines.append(f"    closed: {closed}")
    return lines


def _state(lc: object, i: int) -> str:
    from tcpscope.views.lifecycle import Lifecycle

    assert isinstance(lc, Lifecycle)
    if lc.rst[i] >= 0:
        return "reset"
    if lc.fin_client[i] >= 0 and lc.fin_server[i] >= 0:
        return "closed"
    if lc.fin_client[i] >= 0 or lc.fin_server[i] >= 0:
        return "half-closed"
    if lc.handshake_ack[i] >= 0 or lc.syn[i] < 0:
        return "open"
    return "handshake incomplete"


def _expert_lines(table: PacketTable) -> list[str]:
    ex = table.layer("_expert")
    lines = ["Expert findings"]
    if len(ex) == 0:
        return [*lines, "  none"]
    codes = np.asarray(ex.cols["code"]).tolist()
    a = np.asarray(ex.cols["arg"]).tolist()
    b = np.asarray(ex.cols["arg2"]).tolist()
    counts: Counter[tuple[int, str, str]] = Counter()
    for c, x, y in zip(codes, a, b, strict=True):
        e = EXPERTS[c]
        counts[(-int(e.severity), e.protocol, summary(c, x, y))] += 1
    for (sev, proto, text), k in sorted(counts.items(), key=lambda kv: (kv[0][0], -kv[1])):
        lines.append(f"  {_SEV[-sev]:<8} {proto:<5} {k:>7}  {text}")
    return lines
