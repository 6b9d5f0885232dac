"""A connection told step by step, as the tutorial tells it (``tcpscope explain``).

Who opens; each segment of the handshake with its raw and relative numbers and the
arithmetic that links an acknowledgment to the segment it acknowledges ("Ack 1354298688
= the client's Seq 1354298230 + 458 bytes"); the data exchange summed up (bytes each
way, the segments that break the sequence rules and their cause, ``tcpscope.rule``);
each segment of the close; the endpoints' states after each listed segment
(``tcpscope.state.client``/``server``) down to TIME-WAIT and CLOSED. The account follows
RFC 9293 and what the capture shows where the tutorial slips (FIN-WAIT-2 after the ACK
of a FIN; a close of three segments when the FIN rides on the ACK).

The texts come from the message tables of :mod:`tcpscope.views.messages`, one per
language. :class:`ExplainFeed` takes the analysed pieces in frame order and keeps, for
the chosen streams only, their first :data:`KEEP_FIRST` segments and up to
:data:`KEEP_NOTABLE` more of the handshake, the close or after a RST, and the segments
and bytes per side and rule (whole-array sums); the accounts are built from those few
rows per connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from tcpscope._types import Array, Index
from tcpscope.analysis.tcp_states import STATE_LABELS, Phase, Rule, TcpState
from tcpscope.constants import ACK, FIN, PSH, RST, SYN
from tcpscope.table.packets import PacketTable
from tcpscope.views.lifecycle import (
    CLOSE_FOUR,
    CLOSE_HALF,
    CLOSE_OPEN,
    CLOSE_SIMULTANEOUS,
    CLOSE_THREE,
    OPEN_HANDSHAKE,
    OPEN_INCOMPLETE,
    OPEN_NOT_SEEN,
    OPEN_REFUSED,
    OPEN_SIMULTANEOUS,
    OPEN_UNANSWERED,
    Lifecycle,
    LifecycleSums,
    Verdicts,
    verdicts,
)
from tcpscope.views.messages import catalog

__all__ = ["KEEP_FIRST", "KEEP_NOTABLE", "LIST_AT_MOST", "ExplainFeed", "explain_lines"]

#: the first segments of a connection kept whatever they are (the data example is among them)
KEEP_FIRST = 32
#: the handshake, close and reset segments kept after those, per connection
KEEP_NOTABLE = 48
#: the most segments of a phase listed one by one
LIST_AT_MOST = 12

#: the kept columns of the tcp layer (besides the frame number)
_KEPT = ("stream", "_flow", "flags", "seq", "ack", "seq_raw", "ack_raw", "len", "lc_client", "lc_server",
         "lc_phase", "lc_rule")
_N_RULES = len(Rule)
_MOD = 1 << 32
#: rules that break the sequence arithmetic, in the order the account names them
_TROUBLE = (Rule.RETRANSMISSION, Rule.FAST_RETRANSMISSION, Rule.SPURIOUS_RETRANSMISSION, Rule.OUT_OF_ORDER,
            Rule.LOST_SEGMENT, Rule.ACK_UNSEEN, Rule.KEEP_ALIVE, Rule.WINDOW_PROBE)
#: rules of a segment whose data is not new (sent before, or a keep-alive's old byte)
_OLD_DATA = np.array([Rule.RETRANSMISSION, Rule.FAST_RETRANSMISSION, Rule.SPURIOUS_RETRANSMISSION, Rule.KEEP_ALIVE])
_OPEN_KEYS = {OPEN_HANDSHAKE: "open_handshake", OPEN_SIMULTANEOUS: "open_simultaneous",
              OPEN_REFUSED: "open_refused", OPEN_UNANSWERED: "open_unanswered",
              OPEN_INCOMPLETE: "open_incomplete", OPEN_NOT_SEEN: "open_not_seen"}


@dataclass(frozen=True)
class Rows:
    """The kept segments of one connection, in frame order, column by column."""

    cols: dict[str, Array]

    def __len__(self) -> int:
        return int(self.cols["frame"].shape[0])

    def get(self, name: str, j: int) -> int:
        return int(self.cols[name][j])


class ExplainFeed:
    """What the accounts of ``streams`` (sorted ``tcp.stream`` numbers) need, over the
    analysed pieces of a capture in frame order (module docstring)."""

    def __init__(self, streams: Index, life: LifecycleSums | None = None) -> None:
        """``life``: the lifecycle sums of a caller that adds the pieces to them itself."""
        self.streams = np.unique(np.asarray(streams, dtype=np.int64))
        k = self.streams.shape[0]
        self._own_life = life is None
        self.life = LifecycleSums() if life is None else life
        self._parts: list[dict[str, Array]] = []
        self._joined: dict[str, Array] | None = None  # the parts joined in stream order (rows)
        self._first = np.zeros(k, dtype=np.int64)  # segments kept as first ones
        self._notable = np.zeros(k, dtype=np.int64)  # notable ones kept after them
        self.segments = np.zeros((k, 2, _N_RULES), dtype=np.int64)  # per stream, flow, rule
        # new data per stream and flow (not retransmitted, not a keep-alive): segments, bytes
        self.data_segments = np.zeros((k, 2), dtype=np.int64)
        self.data_bytes = np.zeros((k, 2), dtype=np.int64)
        self.seen = np.zeros(k, dtype=np.bool_)
        # per stream, the analysis' client (lc_client_flow; -1 before its first segment)
        # and the first frame of the connection told (0: its first): see _restart
        self._client = np.full(k, -1, dtype=np.int64)
        self._since = np.zeros(k, dtype=np.int64)

    def add(self, table: PacketTable) -> None:
        self._joined = None
        if self._own_life:
            self.life.add(table)
        tcp = table.layer("tcp")
        if len(tcp) == 0 or "lc_rule" not in tcp.cols or self.streams.shape[0] == 0:
            return
        stream = np.asarray(tcp.cols["stream"], dtype=np.int64)
        at = np.minimum(np.searchsorted(self.streams, stream), self.streams.shape[0] - 1)
        rows = np.flatnonzero(self.streams[at] == stream)
        if rows.shape[0] == 0:
            return
        k = at[rows]
        self.seen[k] = True
        frames = table.records.first_frame + tcp.pkt[rows] + 1
        self._restart(k, frames, np.asarray(tcp.cols["lc_client_flow"], dtype=np.int64)[rows])
        flow = np.asarray(tcp.cols["_flow"], dtype=np.int64)[rows]
        rule = np.asarray(tcp.cols["lc_rule"], dtype=np.int64)[rows]
        np.add.at(self.segments, (k, flow, rule), 1)
        length = np.asarray(tcp.cols["len"], dtype=np.int64)[rows]
        new = (length > 0) & ~np.isin(rule, _OLD_DATA)
        np.add.at(self.data_segments, (k[new], flow[new]), 1)
        np.add.at(self.data_bytes, (k[new], flow[new]), length[new])
        keep = self._keep(k, np.asarray(tcp.cols["lc_phase"], dtype=np.int64)[rows])
        part = {name: np.asarray(tcp.cols[name])[rows[keep]] for name in _KEPT}
        part["frame"] = frames[keep]
        self._parts.append(part)

    def _restart(self, k: Index, frames: Index, client: Index) -> None:
        """A stream whose client the analysis changed (it revived the stream after retiring
        it, and the other side opens: views.lifecycle.LifecycleSums) starts again: its
        sums and kept segments so far are dropped, as the lifecycle sums drop its events."""
        uniq, at = np.unique(k, return_index=True)
        again = (self._client[uniq] >= 0) & (self._client[uniq] != client[at])
        gone = uniq[again]
        for sums in (self.segments, self.data_segments, self.data_bytes, self._first, self._notable):
            sums[gone] = 0
        self._since[gone] = frames[at[again]]
        self._client[uniq] = client[at]

    def _keep(self, k: Index, phase: Index) -> Array:
        """Which of the segments (of stream slots ``k``) to keep: each stream's first
        :data:`KEEP_FIRST`, then up to :data:`KEEP_NOTABLE` not of the data phase."""
        order = np.argsort(k, kind="stable")
        ks = k[order]
        starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
        rank = np.arange(ks.shape[0]) - np.repeat(starts, np.diff(np.r_[starts, ks.shape[0]]))
        first = np.zeros(k.shape[0], dtype=np.bool_)
        first[order] = self._first[ks] + rank < KEEP_FIRST
        np.add.at(self._first, k[first], 1)
        notable = ~first & (phase != Phase.DATA)
        kn = k[notable]
        order = np.argsort(kn, kind="stable")
        kns = kn[order]
        starts = np.flatnonzero(np.r_[True, kns[1:] != kns[:-1]]) if kns.shape[0] else np.zeros(0, dtype=np.int64)
        rank = np.arange(kns.shape[0]) - np.repeat(starts, np.diff(np.r_[starts, kns.shape[0]]))
        ok = np.zeros(kn.shape[0], dtype=np.bool_)
        ok[order] = self._notable[kns] + rank < KEEP_NOTABLE
        np.add.at(self._notable, kn[ok], 1)
        out = first.copy()
        out[np.flatnonzero(notable)[ok]] = True
        return out

    def rows(self, stream: int) -> Rows:
        """The kept segments of ``stream``, in frame order (the pieces' kept segments are
        joined in stream order once, at the first call after the last piece)."""
        if self._joined is None:
            cols = {name: np.concatenate([p[name] for p in self._parts]) if self._parts
                    else np.zeros(0, dtype=np.int64) for name in (*_KEPT, "frame")}
            order = np.argsort(np.asarray(cols["stream"], dtype=np.int64), kind="stable")
            self._joined = {name: col[order] for name, col in cols.items()}
            self._parts = [self._joined]
        lo, hi = np.searchsorted(self._joined["stream"], [stream, stream + 1])
        since = self._since[np.searchsorted(self.streams, stream)]
        lo += int(np.searchsorted(self._joined["frame"][lo:hi], since))
        return Rows({name: col[lo:hi] for name, col in self._joined.items()})

    def explained(self) -> list[int]:
        """The chosen streams the capture has."""
        return [int(s) for s in self.streams[self.seen]]


@dataclass(frozen=True)
class _Story:
    """What every part of one account needs."""

    m: Mapping[str, str]
    lc: Lifecycle
    v: Verdicts
    i: int
    rows: Rows
    client_flow: int

    def who(self, flow: int) -> str:
        return self.m["client"] if flow == self.client_flow else self.m["server"]

    def side(self, client: bool) -> str:
        return self.m["client"] if client else self.m["server"]


def _flags_text(flags: int) -> str:
    """The flags as the tutorial writes them: SYN, SYN/ACK, PSH/ACK, FIN/ACK, RST..."""
    names = [name for bit, name in ((SYN, "SYN"), (FIN, "FIN"), (RST, "RST"), (PSH, "PSH"), (ACK, "ACK"))
             if flags & bit]
    return "/".join(names) or "-"


def _consumed(rows: Rows, j: int) -> int:
    """The sequence numbers segment ``j`` takes: its data, plus one for a SYN or a FIN."""
    flags = rows.get("flags", j)
    return rows.get("len", j) + (1 if flags & SYN else 0) + (1 if flags & FIN else 0)


def _link(s: _Story, j: int) -> str | None:
    """ACK ARITHMETIC: the segment's acknowledgment number is the sequence number of the
    latest earlier segment of the peer plus what it took (data, and one for a SYN or a
    FIN); the line saying so, or None when no kept segment of the peer matches."""
    r = s.rows
    if not r.get("flags", j) & ACK:
        return None
    flow, ack = r.get("_flow", j), r.get("ack_raw", j)
    for p in range(j - 1, -1, -1):
        took = _consumed(r, p)
        if r.get("_flow", p) == flow or took == 0 or (r.get("seq_raw", p) + took) % _MOD != ack:
            continue
        flags, length = r.get("flags", p), r.get("len", p)
        peer, seq = s.who(1 - flow), r.get("seq_raw", p)
        if flags & SYN:
            return s.m["link_syn"].format(ack=ack, peer=peer, peer_seq=seq)
        if flags & FIN:
            key = "link_fin" if length == 0 else "link_data_fin"
            return s.m[key].format(ack=ack, peer=peer, peer_seq=seq, length=length)
        return s.m["link_data"].format(ack=ack, peer=peer, peer_seq=seq, length=length)
    return None


def _segment_lines(s: _Story, j: int) -> list[str]:
    """One listed segment: who sends what with which numbers, the arithmetic of its
    acknowledgment, what its flag means, and the states after it."""
    r, m = s.rows, s.m
    flags, flow = r.get("flags", j), r.get("_flow", j)
    who = s.who(flow)
    numbers = {"frame": r.get("frame", j), "who": who, "flags": _flags_text(flags), "seq": r.get("seq_raw", j),
               "rel_seq": r.get("seq", j)}
    if flags & ACK:
        lines = [m["segment_ack"].format(**numbers, ack=r.get("ack_raw", j), rel_ack=r.get("ack", j))]
    else:
        lines = [m["segment"].format(**numbers)]
    link = _link(s, j)
    if link is not None:
        lines.append(link)
    for bits, key in ((RST, "rst_means"), (SYN | ACK, "synack_means"), (SYN, "syn_means"), (FIN, "fin_means")):
        if flags & bits == bits:
            lines.append(m[key].format(who=who))
            break
    sender_state = r.get("lc_client" if flow == s.client_flow else "lc_server", j)
    if flags & RST and sender_state != TcpState.CLOSED:
        lines.append(m["rst_ignored"])
    lines.append(m["states_after"].format(client=STATE_LABELS[r.get("lc_client", j)],
                                          server=STATE_LABELS[r.get("lc_server", j)]))
    return lines


def _listed(s: _Story, opening: bool) -> list[str]:
    """The kept segments of the opening (the handshake, and a RST before the handshake's
    ACK when the handshake then completed) or of the close (the rest of the teardown and
    reset phases), the first :data:`LIST_AT_MOST` one by one."""
    r, hs_ack = s.rows, int(s.lc.handshake_ack[s.i])
    phase, frame = r.cols["lc_phase"], r.cols["frame"]
    early = (phase == Phase.RESET) & (frame < hs_ack)
    chosen = (phase == Phase.HANDSHAKE) | early if opening else ((phase == Phase.TEARDOWN) | (phase == Phase.RESET)) & ~early
    picked = np.flatnonzero(chosen).tolist()
    lines = [line for j in picked[:LIST_AT_MOST] for line in _segment_lines(s, j)]
    if len(picked) > LIST_AT_MOST:
        lines.append(s.m["more_segments"].format(count=len(picked) - LIST_AT_MOST))
    return lines


def _opening(s: _Story) -> list[str]:
    m, lc, i = s.m, s.lc, s.i
    lines = [m["restarted"].format(frame=int(lc.restarted_at[i]))] if lc.restarted_at[i] >= 0 else []
    if lc.syn[i] >= 0:
        lines.append(m["opens_syn"].format(frame=int(lc.syn[i])))
    elif lc.synack[i] >= 0:
        lines.append(m["opens_synack"].format(frame=int(lc.synack[i])))
    else:
        lines.append(m["opens_unseen"])
    handshake = _listed(s, opening=True)
    if handshake:
        lines += [m["handshake_title"], *handshake]
    opened = str(s.v.opened[i])
    lines.append(m["open_synack_only" if opened == OPEN_NOT_SEEN and lc.synack[i] >= 0 else _OPEN_KEYS[opened]])
    return lines


def _data_example(s: _Story) -> str | None:
    """The first kept segment of new data and the first later segment of the peer whose
    acknowledgment number is its sequence number plus its length."""
    r = s.rows
    for j in range(len(r)):
        if r.get("lc_rule", j) != Rule.DATA or r.get("flags", j) & FIN:
            continue
        flow, seq, length = r.get("_flow", j), r.get("seq_raw", j), r.get("len", j)
        for q in range(j + 1, len(r)):
            if r.get("_flow", q) != flow and r.get("flags", q) & ACK and r.get("ack_raw", q) == (seq + length) % _MOD:
                return s.m["data_example"].format(frame=r.get("frame", j), length=length, who=s.who(flow), seq=seq,
                                                  peer=s.who(1 - flow), ack_frame=r.get("frame", q),
                                                  ack=r.get("ack_raw", q))
        return None
    return None


def _data(s: _Story, segments: Array, data: tuple[Array, Array]) -> list[str]:
    """New data each way (segments and bytes), an example of the arithmetic, and what broke
    the rules, per side (``segments``: per flow and rule)."""
    m, cf = s.m, s.client_flow
    count, size = data
    lines = [m["data_title"]]
    if not size.any():
        lines.append(m["data_none"])
    else:
        lines.append(m["data_each_way"].format(client_bytes=int(size[cf]), client_segments=int(count[cf]),
                                               server_bytes=int(size[1 - cf]), server_segments=int(count[1 - cf])))
        example = _data_example(s)
        if example is not None:
            lines.append(example)
    trouble = [m[f"rule_{rule.name.lower()}"].format(who=s.who(f), peer=s.who(1 - f), count=int(segments[f, rule]))
               for rule in _TROUBLE for f in (cf, 1 - cf) if segments[f, rule]]
    lines.extend(trouble or [m["no_trouble"]])
    return lines


def _closing(s: _Story) -> list[str]:
    m, lc, v, i = s.m, s.lc, s.v, s.i
    lines = [m["teardown_title"], *_listed(s, opening=False)]
    closed = str(v.closed[i])
    first_client = str(v.closed_first[i]) != "server"
    first, peer = s.side(first_client), s.side(not first_client)
    if closed == CLOSE_THREE:
        lines.append(m["close_three"].format(first=first, peer=peer))
    elif closed == CLOSE_FOUR:
        lines.append(m["close_four"].format(first=first, peer=peer))
    elif closed == CLOSE_SIMULTANEOUS:
        lines.append(m["close_simultaneous"])
    elif closed == CLOSE_HALF:
        lines.append(m["close_half"].format(first=first, peer=peer))
    elif closed == CLOSE_OPEN:
        lines.append(m["close_open"])
    if lc.rst[i] >= 0 and str(v.opened[i]) != OPEN_REFUSED:
        lines.append(m["close_rst"].format(who=s.side(int(lc.rst_side[i]) == 0)))
    return lines


def _ending(s: _Story) -> list[str]:
    m, lc, i = s.m, s.lc, s.i
    ends = (int(lc.client_end[i]), int(lc.server_end[i]))
    lines = [m["end_states"].format(client=STATE_LABELS[ends[0]], server=STATE_LABELS[ends[1]])]
    for client, state in zip((True, False), ends, strict=True):
        if state == TcpState.TIME_WAIT:
            lines.append(m["time_wait"].format(who=s.side(client)))
    if TcpState.UNKNOWN in ends:
        lines.append(m["unknown_state"])
    return lines


def explain_lines(feed: ExplainFeed, lang: str, only: list[int] | None = None) -> list[str]:
    """The account of every chosen stream the capture has (of those of them in ``only``
    when given), in ``lang`` (``en``, ``zh``), a blank line between two."""
    m = catalog(lang)
    lc, ends = feed.life.result()
    v = verdicts(lc)
    lines: list[str] = []
    wanted = None if only is None else set(only)
    for k, i in enumerate(feed.streams.tolist()):
        if not feed.seen[k] or (wanted is not None and i not in wanted):
            continue
        s = _Story(m, lc, v, i, feed.rows(i), int(lc.client_side[i]))
        if lines:
            lines.append("")
        lines.append(m["title"].format(stream=i, client=ends[i][0], server=ends[i][1]))
        lines += _opening(s)
        lines += _data(s, feed.segments[k], (feed.data_segments[k], feed.data_bytes[k]))
        lines += _closing(s)
        lines += _ending(s)
    return lines
