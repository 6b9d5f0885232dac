"""``-z conv,tcp`` summed a piece of the capture at a time.

:class:`ConversationSums` keeps, per ``tcp.stream``, what :class:`Conversations` needs
(the rules are in :mod:`tcpscope.views.conversations`): the conversation's first counted
row (its A side: addresses, ports, flow; its place in the print order), frames and
bytes per flow, first and last relative time, retransmissions, RTT samples, the first
and last segment of the whole stream (for ``tcp.completeness``) and the FINs and RSTs
seen. ``add`` takes the analysed pieces in frame order (the analysis carries the stream
numbers from piece to piece); ``result`` gives the table. :func:`conversations` of one
whole table is the same sums over a single piece. With ``lifecycle`` the sums of
:class:`~tcpscope.views.lifecycle.LifecycleSums` and :class:`~tcpscope.views.zeek.ZeekSums`
go along, for the lifecycle columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tcpscope._types import Array, Index, Mask
from tcpscope.analysis.layout import (
    COMPLETENESS_ACK,
    COMPLETENESS_DATA,
    COMPLETENESS_FIN,
    COMPLETENESS_RST,
    COMPLETENESS_SYNACK,
    COMPLETENESS_SYNSENT,
)
from tcpscope.constants import ACK, FIN, RST, SYN
from tcpscope.table.packets import PacketTable
from tcpscope.views.conversations import (
    RETRANSMISSION_BITS,
    Conversations,
    address_text,
    completeness_label,
    nstime_seconds,
    row_addresses,
)

if TYPE_CHECKING:
    from tcpscope.views.lifecycle import LifecycleSums
    from tcpscope.views.zeek import ZeekSums

__all__ = ["ConversationSums", "counted_rows", "lifecycle_columns"]

_MAX = np.iinfo(np.int64).max
_MIN = np.iinfo(np.int64).min

#: per-stream columns and the value of a stream not seen yet
_COLUMNS: dict[str, tuple[type, int, int]] = {  # name: (dtype, fill, width; 0 = one value)
    "first_key": (np.int64, _MAX, 0), "first_frame": (np.int64, 0, 0), "a_flow": (np.int64, 0, 0),
    "a_src": (np.uint8, 0, 16), "a_dst": (np.uint8, 0, 16), "a_type": (np.int8, 0, 0),
    "port_a": (np.int64, 0, 0), "port_b": (np.int64, 0, 0),
    "frames": (np.int64, 0, 2), "bytes": (np.int64, 0, 2), "start": (np.int64, _MAX, 0), "stop": (np.int64, _MIN, 0),
    "retrans": (np.int64, 0, 0), "rtt_n": (np.int64, 0, 0), "rtt_min": (np.int64, _MAX, 0),
    "rtt_max": (np.int64, _MIN, 0), "rtt_sum": (np.int64, 0, 0),
    "c_first": (np.int64, _MAX, 0), "c_first_flags": (np.int64, 0, 0), "c_first_len": (np.int64, 0, 0),
    "c_first_bogus": (np.bool_, 0, 0), "c_last": (np.int64, -1, 0), "c_last_flags": (np.int64, 0, 0),
    "c_last_len": (np.int64, 0, 0), "c_last_bogus": (np.bool_, 0, 0), "c_last_shown": (np.int64, 0, 0),
    "rst": (np.bool_, 0, 0), "fin": (np.bool_, 0, 2),
}


def _update(flags: Index, seglen: Index) -> Index:
    """What a segment of an existing conversation ORs into its completeness."""
    syn_ack = flags & (SYN | ACK)
    upd = np.where(syn_ack == (SYN | ACK), COMPLETENESS_SYNACK, 0)
    upd |= np.where(syn_ack == ACK, np.where(seglen > 0, COMPLETENESS_DATA, COMPLETENESS_ACK), 0)
    upd |= np.where((flags & (FIN | ACK)) == (FIN | ACK), COMPLETENESS_FIN, 0)
    upd |= np.where((flags & RST) != 0, COMPLETENESS_RST, 0)
    return upd


def counted_rows(table: PacketTable) -> Mask:
    """The ``tcp`` rows the conversation tap sees (``views.conversations`` docstring)."""
    c = table.layer("tcp").cols
    return (
        (np.asarray(c["stream"]) >= 0)
        & (np.asarray(c["reach"]) >= 4)
        & ~np.asarray(c["bogus_hlen"], dtype=np.bool_)
        & ~np.asarray(c["opt_exception"], dtype=np.bool_)
    )


def _firsts(stream: Index, rows: Index) -> tuple[Index, Index]:
    """The streams among ``stream`` and the row of ``rows`` where each first occurs."""
    uniq, at = np.unique(stream, return_index=True)
    return uniq, rows[at]


class ConversationSums:
    """The sums of ``-z conv,tcp`` over analysed pieces (module docstring)."""

    def __init__(self, lifecycle: bool = False) -> None:
        from tcpscope.views.lifecycle import LifecycleSums
        from tcpscope.views.zeek import ZeekSums

        self.life = LifecycleSums() if lifecycle else None
        self.zeek = ZeekSums() if lifecycle else None
        self.c: dict[str, np.ndarray] = {}
        self._size = 0
        self._grow(16)
        self.rows_before = 0  # tcp rows of the pieces before: a row's place in the capture
        self.ts_first: int | None = None

    def _grow(self, size: int) -> None:
        if size <= self._size:
            return
        size = max(size, 2 * self._size)
        for name, (dtype, fill, width) in _COLUMNS.items():
            shape = (size, width) if width else (size,)
            col: np.ndarray = np.full(shape, fill, dtype=dtype)
            if self._size:
                col[: self._size] = self.c[name]
            self.c[name] = col
        self._size = size

    def add(self, table: PacketTable, mask: Mask | None = None) -> None:
        """Count an analysed piece; ``mask`` (a boolean per frame) counts only the frames it
        selects (completeness and closing see every frame)."""
        if self.ts_first is None and table.n:
            first = table.records.ts_first
            self.ts_first = int(table.ts_ns[0]) if first is None else first
        tcp = table.layer("tcp")
        m = len(tcp)
        if m == 0:
            return
        cols = tcp.cols
        if "stream" not in cols:
            raise ValueError("conversations need an analysed table: run tcpscope.analysis.analyze first")
        stream = np.asarray(cols["stream"], dtype=np.int64)
        self._grow(int(stream.max()) + 1)
        c = self.c
        flow = np.asarray(cols["_flow"], dtype=np.int64)
        flags = np.asarray(cols["flags"], dtype=np.int64)
        seglen = np.asarray(cols["len"], dtype=np.int64)
        bogus = np.asarray(cols["bogus_hlen"], dtype=np.bool_)
        self._counted(table, stream, flow, mask)
        if self.life is not None and self.zeek is not None:
            self.life.add(table)
            self.zeek.add(table)
        # the whole stream: its first and last segments, its FINs and RSTs
        srow = np.flatnonzero(stream >= 0)
        s, r = _firsts(stream[srow], srow)
        new = c["c_first"][s] == _MAX
        s, r = s[new], r[new]
        c["c_first"][s] = self.rows_before + r
        c["c_first_flags"][s], c["c_first_len"][s], c["c_first_bogus"][s] = flags[r], seglen[r], bogus[r]
        s, r = _firsts(stream[srow[::-1]], srow[::-1])
        c["c_last"][s] = self.rows_before + r
        c["c_last_flags"][s], c["c_last_len"][s], c["c_last_bogus"][s] = flags[r], seglen[r], bogus[r]
        c["c_last_shown"][s] = np.asarray(cols["completeness"], dtype=np.int64)[r]
        full = (stream >= 0) & ~bogus & (np.asarray(cols["reach"]) >= 2)
        rst = np.flatnonzero(full & ((flags & RST) != 0))
        c["rst"][stream[rst]] = True
        fin = np.flatnonzero(full & ((flags & FIN) != 0))
        c["fin"][stream[fin], flow[fin]] = True
        self.rows_before += m

    def _counted(self, table: PacketTable, stream: Index, flow: Index, mask: Mask | None) -> None:
        """The sums over the counted (and selected) rows of a piece."""
        tcp = table.layer("tcp")
        cols, c = tcp.cols, self.c
        counted = counted_rows(table)
        if mask is not None:
            counted &= np.asarray(mask, dtype=np.bool_)[tcp.pkt]
        rows = np.flatnonzero(counted)
        if rows.shape[0] == 0:
            return
        s = stream[rows]
        first_s, first_r = _firsts(s, rows)
        new = c["first_key"][first_s] == _MAX
        ns, nr = first_s[new], first_r[new]
        c["first_key"][ns] = self.rows_before + nr
        c["first_frame"][ns] = table.records.first_frame + tcp.pkt[nr] + 1
        c["a_flow"][ns] = flow[nr]
        c["a_src"][ns], c["a_dst"][ns], c["a_type"][ns] = row_addresses(table, nr)
        c["port_a"][ns] = np.asarray(cols["srcport"], dtype=np.int64)[nr]
        c["port_b"][ns] = np.asarray(cols["dstport"], dtype=np.int64)[nr]
        f = flow[rows]
        pkt = tcp.pkt[rows]
        wire = table.records.wirelen[pkt].astype(np.int64)
        np.add.at(c["frames"], (s, f), 1)
        np.add.at(c["bytes"], (s, f), ((wire + (1 << 31)) & 0xFFFFFFFF) - (1 << 31))  # frame.len as a C int
        rel = table.ts_ns[pkt] - (self.ts_first or 0)
        np.minimum.at(c["start"], s, rel)
        np.maximum.at(c["stop"], s, rel)
        aflags = np.asarray(cols["aflags"], dtype=np.int64)[rows]
        np.add.at(c["retrans"], s[(aflags & RETRANSMISSION_BITS) != 0], 1)
        rtt = np.asarray(cols["ack_rtt"], dtype=np.int64)[rows]
        acks = (np.asarray(cols["acks_frame"], dtype=np.int64)[rows] > 0) & (rtt != 0)
        rtt, rc = rtt[acks], s[acks]
        np.add.at(c["rtt_n"], rc, 1)
        np.minimum.at(c["rtt_min"], rc, rtt)
        np.maximum.at(c["rtt_max"], rc, rtt)
        np.add.at(c["rtt_sum"], rc, rtt)

    def _completeness(self, streams: Index) -> Index:
        """The completeness ``tshark -2`` shows on each stream's last frame: the single pass
        ends with the value the last segment showed (the state before it) plus that
        segment's update; the second pass adds the first segment's flags as those of an
        existing conversation."""
        c = self.c
        f, ln, v = c["c_last_flags"][streams], c["c_last_len"][streams], c["c_last_shown"][streams]
        same = c["c_first"][streams] == c["c_last"][streams]
        # a segment that created its conversation shows 0 (one created by port reuse shows 1)
        new = same & (v == 0)
        upd_new = np.where((f & (SYN | ACK)) == SYN, COMPLETENESS_SYNSENT | np.where(ln > 0, COMPLETENESS_DATA, 0), 0)
        single = np.where(c["c_last_bogus"][streams], v, np.where(new, upd_new, v | _update(f, ln)))
        again = ~same & ~c["c_first_bogus"][streams]
        first = _update(c["c_first_flags"][streams], c["c_first_len"][streams])
        out: Index = np.where(again, single | first, single).astype(np.int64)
        return out

    def result(self) -> Conversations:
        """The conversations counted so far, in tshark's print order."""
        c = self.c
        seen = np.flatnonzero(c["first_key"] < _MAX)
        if seen.shape[0] == 0:
            return Conversations.empty(lifecycle=self.life is not None)
        st = seen[np.argsort(c["first_key"][seen], kind="stable")]
        a = c["a_flow"][st]
        frames_ab, frames_ba = c["frames"][st, a], c["frames"][st, 1 - a]
        bytes_ab, bytes_ba = c["bytes"][st, a], c["bytes"][st, 1 - a]
        total = frames_ab + frames_ba
        out = np.argsort(-total, kind="stable")
        st, a = st[out], a[out]
        rtt_n = c["rtt_n"][st]
        none = rtt_n == 0
        rst, fin_a, fin_b = c["rst"][st], c["fin"][st, a], c["fin"][st, 1 - a]
        start, stop = c["start"][st], c["stop"][st]
        comp = self._completeness(st)
        labels = {v: completeness_label(v) for v in np.unique(comp).tolist()}
        return Conversations(
            stream=st,
            addr_a=address_text(c["a_src"][st], c["a_type"][st]),
            port_a=c["port_a"][st],
            addr_b=address_text(c["a_dst"][st], c["a_type"][st]),
            port_b=c["port_b"][st],
            frames_ab=frames_ab[out],
            bytes_ab=bytes_ab[out],
            frames_ba=frames_ba[out],
            bytes_ba=bytes_ba[out],
            frames=total[out],
            bytes=(bytes_ab + bytes_ba)[out],
            rel_start_ns=start,
            duration_ns=stop - start,
            first_frame=c["first_frame"][st],
            retransmissions=c["retrans"][st],
            rtt_samples=rtt_n,
            rtt_min_ns=np.where(none, -1, c["rtt_min"][st]),
            rtt_avg_ns=np.where(none, -1, c["rtt_sum"][st] // np.maximum(rtt_n, 1)),
            rtt_max_ns=np.where(none, -1, c["rtt_max"][st]),
            completeness=comp,
            completeness_label=np.array([labels[v] for v in comp.tolist()]),
            closing=np.where(rst, "reset", np.where(fin_a & fin_b, "closed",
                                                    np.where(fin_a | fin_b, "half-closed", "open"))),
            start_s=nstime_seconds(start),
            stop_s=nstime_seconds(stop),
            lifecycle=self._lifecycle(st),
        )

    def _lifecycle(self, streams: Index) -> dict[str, Array]:
        """The lifecycle columns of ``streams``, or none when they were not summed."""
        if self.life is None or self.zeek is None:
            return {}
        return lifecycle_columns(self.life, self.zeek, streams)


def lifecycle_columns(life: LifecycleSums, zeek: ZeekSums, streams: Index) -> dict[str, Array]:
    """The lifecycle columns (``views.conversations`` docstring) of ``streams``, in order."""
    from tcpscope.views.lifecycle import end_states, verdicts

    lc, ends = life.result()
    zk = zeek.result()
    v = verdicts(lc)
    i = streams.tolist()
    known = streams < len(zk)
    z = np.where(known, streams, 0) if len(zk) else np.zeros(0, dtype=np.int64)

    def zcol(col: Array, missing: int | str) -> Array:
        if len(zk) == 0:
            return np.array([missing] * len(i))
        out: Array = np.where(known, col[z], missing)
        return out

    duration = zcol(zk.duration_ns, -1).astype(np.float64)
    client_state, server_state = end_states(lc, streams)
    return {
        "client": np.array([ends[k][0] for k in i], dtype=str).reshape(-1),
        "server": np.array([ends[k][1] for k in i], dtype=str).reshape(-1),
        "opened": v.opened[streams], "closed": v.closed[streams], "closed_first": v.closed_first[streams],
        "client_state": client_state.astype(str), "server_state": server_state.astype(str),
        "id.orig_h": zcol(zk.orig_h, ""), "id.orig_p": zcol(zk.orig_p, 0),
        "id.resp_h": zcol(zk.resp_h, ""), "id.resp_p": zcol(zk.resp_p, 0),
        "proto": np.full(len(i), "tcp"),
        "duration": np.where(duration > 0, duration / 1e9, np.nan),
        "orig_bytes": zcol(zk.orig_bytes, -1), "resp_bytes": zcol(zk.resp_bytes, -1),
        "conn_state": zcol(zk.conn_state, ""), "missed_bytes": zcol(zk.missed_bytes, 0),
        "history": zcol(zk.history, ""),
        "orig_pkts": zcol(zk.orig_pkts, 0), "orig_ip_bytes": zcol(zk.orig_ip_bytes, 0),
        "resp_pkts": zcol(zk.resp_pkts, 0), "resp_ip_bytes": zcol(zk.resp_ip_bytes, 0),
    }
