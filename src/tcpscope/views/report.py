"""The ``tcpscope analyze`` report: the capture, its TCP connections, the expert findings,
and how each connection opened and closed, in plain words.

It is the command a newcomer runs first; later stages add to it (explanations). Every
number comes from the analysed table; nothing here reads bytes. Each connection gets how
it opened and closed (in frame order), the verdicts, its endpoints' final states, Zeek's
``conn_state`` and ``history``, and one plain sentence; a capture of more than
:data:`LIST_AT_MOST` connections gets counts per verdict and state instead, and only its
unusual connections (Zeek's ``conn_state`` other than SF and S1) one by one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from tcpscope.capture.records import LINKTYPE_NAMES
from tcpscope.table.packets import PacketTable
from tcpscope.views.conversations import Conversations, format_size
from tcpscope.views.lifecycle import Lifecycle, LifecycleSums, Verdicts, describe, final_states, sentence, verdicts
from tcpscope.views.zeek import ZeekConns, ZeekSums

__all__ = ["ReportSums", "report_lines"]

#: the narrowest client and server columns: an IPv4 address and port, with room to spare
ENDPOINT_WIDTH = 28

#: the most connections listed one by one; past that the report summarizes them
LIST_AT_MOST = 50
#: the most unusual connections a summary lists
UNUSUAL_AT_MOST = 20
#: Zeek's states of connections that opened and closed (or are open) as TCP intends
USUAL_STATES = ("SF", "S1")

_SEV = {1: "Comment", 2: "Chat", 3: "Note", 4: "Warning", 5: "Error"}


def _when(ns: int) -> str:
    t = dt.datetime.fromtimestamp(ns / 1e9, tz=dt.UTC)
    return t.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


class ReportSums:
    """The report over analysed pieces of a capture, in frame order (``add`` each piece with
    the display filter's mask, then ``lines``): the same text as :func:`report_lines` of
    the whole table, in the memory of the per-stream sums."""

    def __init__(self, explain: str | None = None) -> None:
        """``explain``: the language (``en``, ``zh``) of the step-by-step accounts to add
        after the stories (views.explain), for a capture whose connections are listed one
        by one; None: none."""
        from tcpscope.views.conversation_sums import ConversationSums
        from tcpscope.views.expert import ExpertTally
        from tcpscope.views.explain import ExplainFeed

        self.name = ""
        self.format = ""
        self.links: set[int] = set()
        self.n = 0
        self.wire = 0
        self.selected = 0
        self.filtered = False
        self.ts_first: int | None = None
        self.ts_min: int | None = None
        self.ts_max: int | None = None
        self.tcp = False  # some piece had analysed TCP segments
        self.conv = ConversationSums()
        self.experts = ExpertTally()
        self.life = LifecycleSums()
        self.zeek = ZeekSums()
        self.lang = explain
        self.explain = ExplainFeed(np.arange(LIST_AT_MOST), self.life) if explain else None

    def add(self, table: PacketTable, mask: np.ndarray | None = None) -> None:
        rec = table.records
        self.name, self.format = rec.name, rec.format
        self.links.update(np.unique(rec.linktype).tolist())
        n = table.n
        self.n += n
        if mask is not None:
            self.filtered = True
            self.selected += int(np.count_nonzero(mask))
        if n:
            self.wire += int(np.minimum(rec.wirelen, 0x7FFFFFFF).sum())
            if self.ts_first is None:
                self.ts_first = int(table.ts_ns[0])
            lo, hi = int(table.ts_ns.min()), int(table.ts_ns.max())
            self.ts_min = lo if self.ts_min is None else min(self.ts_min, lo)
            self.ts_max = hi if self.ts_max is None else max(self.ts_max, hi)
        self.experts.add(table, mask)
        tcp = table.layer("tcp")
        if len(tcp) == 0 or "stream" not in tcp.cols:
            return
        self.tcp = True
        self.conv.add(table, mask)
        self.life.add(table)
        self.zeek.add(table)
        if self.explain is not None:
            self.explain.add(table)

    def lines(self, warnings: Sequence[str]) -> list[str]:
        """The report as lines of text; ``warnings``: the reader's messages."""
        lines: list[str] = []
        lines.append(f"Capture    {self.name}")
        links = sorted({LINKTYPE_NAMES.get(x, f"link type {x}") for x in self.links})
        lines.append(f"  format   {self.format}; link types: {', '.join(links) or 'none'}")
        lines.append(f"  packets  {self.n} ({format_size(self.wire)} on the wire)")
        if self.filtered and self.selected != self.n:
            lines.append(f"  selected {self.selected} frames by the display filter")
        if self.ts_first is not None and self.ts_min is not None and self.ts_max is not None:
            lines.append(f"  time     {_when(self.ts_first)}, {(self.ts_max - self.ts_min) / 1e9:.6f} s")
        for message in warnings:
            lines.append(f"  warning  {message.splitlines()[0]}")
        if not self.tcp:
            lines.append("")
            lines.append("No TCP segments.")
            return lines
        conv = self.conv.result()
        order = np.argsort(conv.stream, kind="stable")
        streams = conv.stream[order].tolist()
        lc, ends = self.life.result()
        zk = self.zeek.result()
        v = verdicts(lc)
        many = len(conv) > LIST_AT_MOST
        lines.append("")
        if many:
            lines.extend(_summary(conv, streams, v, zk))
        else:
            lines.extend(_table(conv, order, lc, ends))
        lines.append("")
        lines.append("Expert findings")
        entries = self.experts.entries()
        if not entries:
            lines.append("  none")
        for e in entries:
            lines.append(f"  {_SEV[int(e.severity)]:<8} {e.protocol:<5} {e.count:>7}  {e.summary}")
        lines.append("")
        if many:
            unusual = [i for i in streams if i < len(zk) and str(zk.conn_state[i]) not in USUAL_STATES]
            lines.append(f"Unusual connections (Zeek's conn_state other than {' and '.join(USUAL_STATES)}): {len(unusual)}")
            for i in unusual[:UNUSUAL_AT_MOST]:
                a, b = ends[i]
                lines.append(f"  stream {i}: {a} -> {b}: {_sentence(lc, v, zk, i)}")
            if len(unusual) > UNUSUAL_AT_MOST:
                lines.append(f"  ... and {len(unusual) - UNUSUAL_AT_MOST} more (tcpscope conv FILE --extras lists every connection)")
            return lines + self._explanations(many, streams)
        lines.append("How each connection opened and closed")
        for i in streams:
            lines.extend(_story(lc, v, zk, ends, i))
        return lines + self._explanations(many, streams)

    def _explanations(self, many: bool, streams: list[int]) -> list[str]:
        """The step-by-step accounts, when asked for: of the connections listed one by one
        (``streams``; those numbered below :data:`LIST_AT_MOST`, the ones kept while the
        capture was read), else a line that says how to get one."""
        if self.explain is None or self.lang is None:
            return []
        from tcpscope.views.explain import explain_lines
        from tcpscope.views.messages import catalog

        m = catalog(self.lang)
        if many:
            return ["", m["report_too_many"].format(count=LIST_AT_MOST)]
        return ["", m["report_title"], "", *explain_lines(self.explain, self.lang, streams)]


def _table(conv: Conversations, order: np.ndarray, lc: Lifecycle, ends: list[tuple[str, str]]) -> list[str]:
    """One row per connection."""
    lines = [f"TCP connections ({len(conv)})"]
    width = max([ENDPOINT_WIDTH, *(len(e) for pair in ends for e in pair)])  # IPv6 endpoints are wider
    lines.append(f"  {'stream':>6}  {'client':<{width}} {'server':<{width}} {'packets':>7} {'bytes':>11} {'duration':>10}"
                 f"  {'retrans':>7}  {'iRTT':>10}  state")
    for k in order.tolist():
        i = int(conv.stream[k])
        a, b = ends[i] if i < len(ends) else ("?", "?")
        irtt = f"{lc.initial_rtt_ns[i] / 1e6:.3f} ms" if i < len(lc) and lc.initial_rtt_ns[i] else "-"
        lines.append(f"  {i:>6}  {a:<{width}} {b:<{width}} {int(conv.frames[k]):>7} {format_size(int(conv.bytes[k])):>11} "
                     f"{int(conv.duration_ns[k]) / 1e9:>9.6f}s  {int(conv.retransmissions[k]):>7}  {irtt:>10}  "
                     f"{conv.closing[k]}")
    return lines


def _counts(values: list[str]) -> str:
    """``value count`` pairs, the most frequent first (ties in order of first appearance)."""
    seen: dict[str, int] = {}
    for x in values:
        seen[x] = seen.get(x, 0) + 1
    return ", ".join(f"{k} {n}" for k, n in sorted(seen.items(), key=lambda kv: -kv[1]))


def _summary(conv: Conversations, streams: list[int], v: Verdicts, zk: ZeekConns) -> list[str]:
    """Counts per verdict and per Zeek state, in place of one row per connection."""
    known = [i for i in streams if i < len(zk)]
    return [
        f"TCP connections ({len(conv)}): more than {LIST_AT_MOST}, counted here "
        "(tcpscope conv FILE --extras lists every connection)",
        f"  segments    {int(conv.frames.sum())} ({format_size(int(conv.bytes.sum()))}), "
        f"{int(conv.retransmissions.sum())} retransmitted",
        f"  opened      {_counts([str(v.opened[i]) for i in streams])}",
        f"  closed      {_counts([str(v.closed[i]) for i in streams])}",
        f"  conn_state  {_counts([str(zk.conn_state[i]) for i in known])}",
    ]


def _sentence(lc: Lifecycle, v: Verdicts, zk: ZeekConns, i: int) -> str:
    return sentence(lc, v, i, str(zk.conn_state[i]) if i < len(zk) else "?")


def _story(lc: Lifecycle, v: Verdicts, zk: ZeekConns, ends: list[tuple[str, str]], i: int) -> list[str]:
    """How one connection opened and closed: the segments, the verdicts, the final states,
    Zeek's view, and one sentence."""
    a, b = ends[i] if i < len(ends) else ("?", "?")
    opened, closed = describe(lc, i, v)
    first = f", the {v.closed_first[i]} first" if lc.fin_first_side[i] >= 0 else ""
    client, server = final_states(lc, i)
    lines = [f"  stream {i}: {a} -> {b}",
             f"    opened:   {opened}",
             f"    closed:   {closed}",
             f"    verdict:  opened: {v.opened[i]}; closed: {v.closed[i]}{first}",
             f"    states:   client {client}, server {server} at the end"]
    if i < len(zk):
        orig = zk.originator(i)
        who = "the client" if orig == a else "the server" if orig == b else orig
        lines.append(f"    zeek:     {zk.conn_state[i]}, history {zk.history[i] or '-'}, originator {who}")
    lines.append(f"    in short: {_sentence(lc, v, zk, i)}")
    return lines


def report_lines(table: PacketTable, frames: np.ndarray | None = None) -> list[str]:
    """The report as lines of text (``frames``: the frames a display filter kept): the
    sums of :class:`ReportSums` over the whole table as one piece."""
    mask = None
    if frames is not None and frames.shape[0] != table.n:
        mask = np.zeros(table.n, dtype=np.bool_)
        mask[frames] = True
    sums = ReportSums()
    sums.add(table, mask)
    return sums.lines([w.message for w in table.records.warnings])
