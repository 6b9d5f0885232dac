"""Zeek's view of each TCP connection: ``conn.log``'s originator, ``history``, ``conn_state``
and sizes, by Zeek's own rules (/work/shared/reference/zeek-conn.md, from zeek at a13de64:
``TCPSessionAdapter::Process``, ``update_history``, ``TCP_Endpoint``, ``conn_state`` in
scripts/base/protocols/conn/main.zeek), as ``zeek -C`` computes them: checksums ignored.

One row per ``tcp.stream``. Every TCP segment whose header tshark read whole goes through
Zeek's per-packet steps in frame order, in one compiled kernel (``views.zeek_walk.walk``) over the
piece's segments, whose state per connection (a row of named int64 columns) is carried from
piece to piece (:class:`ZeekSums`): the originator (a side, ``_flow`` 0 or 1), and per side
Zeek's endpoint: its state (INACTIVE ... RESET) and previous state, its start, last and
acknowledged sequence numbers (relative to the start, unwrapped), the sequence numbers its
last SYN, FIN and RST carried (for the repeated letters), its counters of the logarithmic
letters, its reassembled byte stream (for content gaps), packets and IP bytes. The history's
letters come out of the kernel as (stream, letter) events and are joined per connection at
the end; a ``CLEAR`` event is Zeek replacing the history ``H`` by ``^h``.

Where this differs from Zeek (each said once here, and in docs/deviations.md):

* A connection is a ``tcp.stream``: Zeek's timers (the 5 s attempt timer, inactivity,
  the close delay after which a later segment starts a new connection) and its reuse rule
  do not split it again.
* ``likely_server_ports`` is the set of a default ``zeek -r`` (:data:`LIKELY_SERVER_PORTS`;
  ``zeek -b`` loads fewer scripts and so flips on fewer ports: pass the set to
  :class:`ZeekSums`). The broadcast-responder exception to the port flip is not applied.
* Content gaps are found against the reassembled stream held as its contiguous end plus at
  most four ranges of out-of-order bytes (Zeek keeps every block).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from tcpscope._types import Array, Index, Mask
from tcpscope.analysis.conversations import AT_IPV4
from tcpscope.analysis.lifecycle import LIKELY_SERVER_PORTS
from tcpscope.table.packets import PacketTable
from tcpscope.views.conversations import address_text, row_addresses
from tcpscope.views.zeek_walk import (
    C_COLS,
    C_LAST_TS,
    C_ORIG,
    C_START_TS,
    CLEAR,
    CLOSED,
    E_ACKED,
    E_FINS,
    E_IP_BYTES,
    E_LAST,
    E_MISSED,
    E_PKTS,
    E_PREV,
    E_STATE,
    ESTABLISHED,
    INACTIVE,
    MAX_EVENTS,
    P_ACK,
    P_CAPTURED,
    P_COLS,
    P_DPORT,
    P_FLAGS,
    P_FLOW,
    P_IPLEN,
    P_LEN,
    P_SEQ,
    P_SPORT,
    P_STREAM,
    P_TS,
    P_WIN,
    PARTIAL,
    RESET,
    STATE_NAMES,
    SYN_ACK_SENT,
    SYN_SENT,
    walk,
)

__all__ = ["LIKELY_SERVER_PORTS", "STATE_NAMES", "ZeekConns", "ZeekSums", "conn_state", "zeek_conns"]


#: segments walked at a time: the kernel's inputs stay a few MiB whatever the piece
CHUNK_ROWS = 1 << 16


@dataclass(frozen=True, kw_only=True)
class ZeekConns:
    """Per ``tcp.stream`` (index), the TCP columns of Zeek's ``conn.log`` and the two
    endpoints' final Zeek states (``STATE_NAMES``). ``duration_ns`` is -1 where Zeek logs
    ``-`` (a duration of 0), and then ``orig_bytes``/``resp_bytes`` are -1 too."""

    orig_side: Index  # the originator's ``_flow``
    orig_h: Array
    orig_p: Index
    resp_h: Array
    resp_p: Index
    duration_ns: Index
    orig_bytes: Index
    resp_bytes: Index
    conn_state: Array
    missed_bytes: Index
    history: Array
    orig_pkts: Index
    orig_ip_bytes: Index
    resp_pkts: Index
    resp_ip_bytes: Index
    orig_state: Index
    resp_state: Index
    ipv4: Mask  # the addresses are IPv4 (else IPv6)
    start_ns: Index  # the time of the connection's first segment (conn.log's ``ts``)

    def originator(self, i: int) -> str:
        """Connection ``i``'s originator as ``address:port`` (``[address]:port`` for IPv6)."""
        host = str(self.orig_h[i])
        return f"{host}:{self.orig_p[i]}" if self.ipv4[i] else f"[{host}]:{self.orig_p[i]}"

    def __len__(self) -> int:
        return int(self.orig_side.shape[0])


#: ``conn_state``'s RSTOS0 test on the history: the originator's SYN, then its RST, with
#: neither a SYN/ACK, ACK, FIN, gap nor I/Q from the originator between them
_RSTOS0 = re.compile(r"\^?S[^HAFGIQ]*R.*")


def conn_state(os_: Index, rs: Index, sizes: tuple[Index, Index], history: Array) -> Array:
    """Zeek's ``conn_state`` from the final endpoint states (zeek-conn.md §3: the first row
    of its table that holds), over whole arrays; ``sizes``: the originator's and
    responder's byte counts (:func:`_sizes`)."""
    o_inactive = (os_ == INACTIVE) | (os_ == PARTIAL)
    r_inactive = (rs == INACTIVE) | (rs == PARTIAL)
    o_waiting = (os_ == SYN_SENT) | (os_ == SYN_ACK_SENT)
    no_bytes = (sizes[0] == 0) & (sizes[1] == 0)
    rstos0 = np.array([bool(_RSTOS0.fullmatch(h)) for h in history.tolist()], dtype=np.bool_)
    rules = [
        ((rs == RESET) & (o_waiting | ((os_ == RESET) & no_bytes)), "REJ"),
        ((rs == RESET) & o_inactive, "RSTRH"),
        (rs == RESET, "RSTR"),
        ((os_ == RESET) & r_inactive & rstos0, "RSTOS0"),
        ((os_ == RESET) & r_inactive, "OTH"),
        (os_ == RESET, "RSTO"),
        ((os_ == CLOSED) & (rs == CLOSED), "SF"),
        ((os_ == CLOSED) & r_inactive, "SH"),
        (os_ == CLOSED, "S2"),
        ((rs == CLOSED) & o_inactive, "SHR"),
        (rs == CLOSED, "S3"),
        ((os_ == SYN_SENT) & (rs == INACTIVE), "S0"),
        ((os_ == ESTABLISHED) & (rs == ESTABLISHED), "S1"),
    ]
    out: Array = np.select([m for m, _ in rules], [v for _, v in rules], default="OTH")
    return out


def _sizes(st: Index, side: Index) -> Index:
    """``TCP_Endpoint::Size`` of one side per connection: the highest of its last and
    acknowledged sequence numbers past its start, less the SYN (or the partial start's
    stand-in) and the FIN when there is one to take; 0 for a side that sent a SYN, then a
    RST, to a peer never heard from, once data was acknowledged."""
    n = np.arange(st.shape[0])
    def col(field: int, s: Index) -> Index:
        v: Index = st[n, field + s]
        return v
    size = np.maximum(col(E_LAST, side), col(E_ACKED, side))
    size = np.where(size > 0, size - 1, size)
    size = np.where((col(E_FINS, side) > 0) & (size > 0), size - 1, size)
    rejected = ((col(E_PREV, side) == SYN_SENT) & (col(E_STATE, side) == RESET)
                & (col(E_STATE, 1 - side) == INACTIVE) & (col(E_ACKED, side) > 1))
    out: Index = np.where(rejected, 0, size)
    return out


def _ip_lengths(table: PacketTable, rows: Index) -> Index:
    """The IP length Zeek counts for each of the ``tcp`` rows ``rows``: the total length of
    the IPv4 header right around it, or an IPv6 header's payload length plus 40."""
    tcp = table.layer("tcp")
    pkt = tcp.pkt[rows]
    want = pkt * 65536 + tcp.depth[rows].astype(np.int64)
    best = np.full(rows.shape[0], -1, dtype=np.int64)
    out = np.zeros(rows.shape[0], dtype=np.int64)
    for name, column, extra in (("ip", "len", 0), ("ipv6", "plen", 40)):
        ip = table.layer(name)
        if len(ip) == 0 or column not in ip.cols:
            continue
        key = ip.pkt * 65536 + ip.depth.astype(np.int64)
        order = np.argsort(key, kind="stable")
        j = np.searchsorted(key[order], want, side="left") - 1
        jj = order[np.maximum(j, 0)]
        hit = (j >= 0) & (ip.pkt[jj] == pkt) & (key[jj] > best)
        best[hit] = key[jj[hit]]
        out[hit] = np.asarray(ip.cols[column], dtype=np.int64)[jj[hit]] + extra
    return out


class ZeekSums:
    """Zeek's ``conn.log`` columns over analysed pieces, in frame order (``add`` each piece,
    then ``result``): the same as :func:`zeek_conns` of the whole table."""

    def __init__(self, likely_server_ports: frozenset[int] = LIKELY_SERVER_PORTS) -> None:
        self.ports = np.zeros(65536, dtype=np.bool_)
        self.ports[list(likely_server_ports)] = True
        self.st = np.zeros((0, C_COLS), dtype=np.int64)
        self.first = np.zeros((0, 5), dtype=np.int64)  # first segment: flow, type, ports, seen
        self.src = np.zeros((0, 16), dtype=np.uint8)
        self.dst = np.zeros((0, 16), dtype=np.uint8)
        self.events: list[Index] = []
        self.n = 0

    def _grow(self, n: int) -> None:
        if n <= self.st.shape[0]:
            return
        size = max(n, 2 * self.st.shape[0], 16)
        for name in ("st", "first", "src", "dst"):
            old = getattr(self, name)
            new = np.zeros((size, old.shape[1]), dtype=old.dtype)
            new[: old.shape[0]] = old
            setattr(self, name, new)

    def add(self, table: PacketTable) -> None:
        """Take an analysed piece (every frame: a display filter does not change what Zeek
        logs)."""
        tcp = table.layer("tcp")
        if len(tcp) == 0 or "stream" not in tcp.cols:
            return
        cols = tcp.cols
        stream = np.asarray(cols["stream"], dtype=np.int64)
        rows = np.flatnonzero((stream >= 0) & (np.asarray(cols["reach"]) >= 4)
                              & ~np.asarray(cols["bogus_hlen"], dtype=np.bool_))
        if rows.shape[0] == 0:
            return
        s = stream[rows]
        self.n = max(self.n, int(s.max()) + 1)
        self._grow(self.n)
        uniq, at = np.unique(s, return_index=True)
        new = self.first[uniq, 4] == 0
        ns, nr = uniq[new], rows[at[new]]
        self.src[ns], self.dst[ns], atype = row_addresses(table, nr)
        self.first[ns, 0] = np.asarray(cols["_flow"], dtype=np.int64)[nr]
        self.first[ns, 1] = atype
        self.first[ns, 2] = np.asarray(cols["srcport"], dtype=np.int64)[nr]
        self.first[ns, 3] = np.asarray(cols["dstport"], dtype=np.int64)[nr]
        self.first[ns, 4] = 1
        for lo in range(0, rows.shape[0], CHUNK_ROWS):
            self._walk(table, rows[lo : lo + CHUNK_ROWS])

    def _walk(self, table: PacketTable, rows: Index) -> None:
        """Zeek's steps over the segments ``rows`` of a piece."""
        tcp = table.layer("tcp")
        cols = tcp.cols
        pk = np.empty((rows.shape[0], P_COLS), dtype=np.int64)
        pk[:, P_STREAM] = np.asarray(cols["stream"], dtype=np.int64)[rows]
        for column, name in ((P_FLOW, "_flow"), (P_FLAGS, "flags"), (P_SEQ, "seq_raw"), (P_ACK, "ack_raw"),
                             (P_LEN, "len"), (P_WIN, "window_size_value"), (P_SPORT, "srcport"),
                             (P_DPORT, "dstport"), (P_CAPTURED, "payload_cap")):
            pk[:, column] = np.asarray(cols[name], dtype=np.int64)[rows]
        pk[:, P_TS] = table.ts_ns[tcp.pkt[rows]]
        pk[:, P_IPLEN] = _ip_lengths(table, rows)
        ev = np.zeros((MAX_EVENTS * rows.shape[0], 2), dtype=np.int64)
        nev = np.zeros(1, dtype=np.int64)
        walk.run(max(rows.shape[0], table.n), pk, self.st, self.ports, ev, nev)
        self.events.append(ev[: int(nev[0])].copy())

    def _histories(self) -> Array:
        """Each connection's history: its events in order, from its last ``CLEAR`` on."""
        ev = np.concatenate([np.zeros((0, 2), dtype=np.int64), *self.events])
        order = np.argsort(ev[:, 0], kind="stable")
        ev = ev[order]
        pos = np.arange(ev.shape[0])
        last_clear = np.full(self.n, -1, dtype=np.int64)
        clears = ev[:, 1] == CLEAR
        np.maximum.at(last_clear, ev[clears, 0], pos[clears])
        ev = ev[(pos > last_clear[ev[:, 0]]) & ~clears]
        text = ev[:, 1].astype(np.uint8).tobytes().decode("ascii")
        bounds = np.searchsorted(ev[:, 0], np.arange(self.n + 1))
        return np.array([text[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)],
                        dtype=object).astype(str) if self.n else np.zeros(0, dtype="U1")

    def result(self) -> ZeekConns:
        """The columns of every connection seen so far (index = ``tcp.stream``)."""
        n = self.n
        st, first = self.st[:n], self.first[:n]
        orig = st[:, C_ORIG]
        resp = 1 - orig
        rows = np.arange(n)
        history = self._histories()
        sizes = (_sizes(st, orig), _sizes(st, resp))
        os_, rs = st[rows, E_STATE + orig], st[rows, E_STATE + resp]
        duration = st[:, C_LAST_TS] - st[:, C_START_TS]
        logged = duration > 0
        text = [address_text(a, first[:, 1]) for a in (self.src[:n], self.dst[:n])]
        same = orig == first[:, 0]  # the first segment came from the originator
        return ZeekConns(
            orig_side=orig,
            orig_h=np.where(same, text[0], text[1]), orig_p=np.where(same, first[:, 2], first[:, 3]),
            resp_h=np.where(same, text[1], text[0]), resp_p=np.where(same, first[:, 3], first[:, 2]),
            duration_ns=np.where(logged, duration, -1),
            orig_bytes=np.where(logged, sizes[0], -1), resp_bytes=np.where(logged, sizes[1], -1),
            conn_state=conn_state(os_, rs, sizes, history),
            missed_bytes=st[rows, E_MISSED + orig] + st[rows, E_MISSED + resp],
            history=history,
            orig_pkts=st[rows, E_PKTS + orig], orig_ip_bytes=st[rows, E_IP_BYTES + orig],
            resp_pkts=st[rows, E_PKTS + resp], resp_ip_bytes=st[rows, E_IP_BYTES + resp],
            orig_state=os_, resp_state=rs, ipv4=first[:, 1] == AT_IPV4, start_ns=st[:, C_START_TS],
        )


def zeek_conns(table: PacketTable, likely_server_ports: frozenset[int] = LIKELY_SERVER_PORTS) -> ZeekConns:
    """Zeek's ``conn.log`` columns of every stream of an analysed table."""
    sums = ZeekSums(likely_server_ports)
    sums.add(table)
    return sums.result()
