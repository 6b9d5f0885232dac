"""TCP conversations: ``tshark -q -z conv,tcp`` as a columnar table, plus what tshark lacks.

:func:`conversations` turns an analysed :class:`~tcpscope.table.packets.PacketTable` into a
:class:`Conversations` table, one row per ``tcp.stream``, with whole-array operations
(``np.bincount`` / ``np.add.at`` / ``np.minimum.at`` over conversation ids).

Which frames count (``tcpip_conversation_packet``, queued by ``dissect_tcp`` once per TCP
header after the options and the SEQ/ACK analysis): every TCP header whose fixed 20 bytes
were captured, whose data offset is at least 5 and whose options did not run past the
captured bytes. TCP quoted in ICMP errors is never a ``tcp`` row here. ``mask`` (a boolean
per frame) keeps only the frames it selects, like the tap filter of
``tshark -z conv,tcp,FILTER``.

The tshark columns (``add_conversation_table_data_with_conv_id``, epan/conversation_table.c):

* A (``addr_a``, ``port_a``) is the source of the conversation's first counted frame and B
  its destination, whoever opened the connection; ``frames_ab``/``bytes_ab`` ("->", tx)
  count frames from A, ``frames_ba``/``bytes_ba`` ("<-", rx) the others. A conversation whose
  two ends are the same address and port counts everything as A to B.
* bytes are ``frame.len`` passed as a C ``int``: a frame of 2^31 bytes or more adds a
  negative number, and sums wrap as tshark's ``guint64`` counters do.
* ``rel_start_ns`` / ``duration_ns``: the earliest and latest ``frame.time_relative`` (ns, from the
  first frame of the file, so a start can be negative) of the counted frames.
* rows are in tshark's print order: total frames descending, ties in order of each
  conversation's first counted frame (``first_frame``).

The extras:

* ``stream``: ``tcp.stream``.
* ``retransmissions``: counted frames whose analysis flags have any of the retransmission
  bits ``A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION`` (the frames
  ``tcp.analysis.retransmission`` matches: fast and spurious retransmissions raise that
  note too). Out-of-order segments are not counted.
* ``rtt_samples``, ``rtt_min_ns``, ``rtt_avg_ns``, ``rtt_max_ns`` (ns): ``tcp.analysis.ack_rtt`` of the
  counted frames that acknowledge a segment, where tshark shows that field
  (``tcp.analysis.acks_frame`` present and the RTT not zero); with no sample the three
  are -1 (null in Arrow, pandas, CSV and JSON). ``rtt_avg_ns`` is truncated to whole
  nanoseconds.
* ``completeness``: the stream's ``tcp.completeness`` (1 SYN, 2 SYN-ACK, 4 ACK, 8 data,
  16 FIN, 32 RST) as ``tshark -2`` and Wireshark show it on the stream's last frame: every
  frame's flags, the first frame's included. (tshark's single pass never records the
  flags of a stream's first frame other than a SYN's; its second pass adds them when it
  dissects that frame again, so ``-2`` shows the single-pass value on the first frame
  only.) ``completeness_label`` is its text in Wireshark's words, e.g.
  ``Complete, WITH_DATA (31)`` (``conversation_completeness_fill``).
* ``closing``, in plain words, from the flags of every frame of the stream: ``reset`` if a
  RST was seen; otherwise ``closed`` if both ends sent a FIN, ``half-closed`` if one did,
  ``open`` if neither did. A FIN or RST in the very first frame of a stream counts here,
  though Wireshark's completeness ignores it.

``completeness``, ``completeness_label`` and ``closing`` describe the whole connection even
when ``mask`` selects only some of its frames; every other column covers the counted,
selected frames.

The lifecycle columns (``Conversations.lifecycle``, :data:`LIFECYCLE_COLUMNS`; in CSV and
JSON after the others, and in ``--extras``), also of the whole connection:

* ``client``, ``server``: the endpoints (the client as ``analysis.lifecycle`` chooses it: the
  sender of the first SYN without ACK...);
  ``opened``, ``closed``: the verdicts of ``views.lifecycle`` (``OPEN_*``, ``CLOSE_*``);
  ``closed_first``: ``client``, ``server`` or empty;
* ``client_state``, ``server_state``: each endpoint's RFC 9293 state after the
  connection's last segment (``tcpscope.state.client``/``server``; ``views.lifecycle.final_states``);
* Zeek's ``conn.log`` columns under Zeek's names (``views.zeek``): ``id.orig_h``,
  ``id.orig_p``, ``id.resp_h``, ``id.resp_p``, ``proto``, ``duration`` (seconds; null where
  Zeek logs ``-``), ``orig_bytes``, ``resp_bytes`` (null with it), ``conn_state``,
  ``missed_bytes``, ``history``, ``orig_pkts``, ``orig_ip_bytes``, ``resp_pkts``,
  ``resp_ip_bytes``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from tcpscope._types import Array, Index, Mask
from tcpscope.analysis.conversations import AT_IPV4, AT_IPV6
from tcpscope.analysis.layout import (
    A_FAST_RETRANSMISSION,
    A_RETRANSMISSION,
    A_SPURIOUS_RETRANSMISSION,
    COMPLETENESS_ACK,
    COMPLETENESS_DATA,
    COMPLETENESS_FIN,
    COMPLETENESS_RST,
    COMPLETENESS_SYNACK,
    COMPLETENESS_SYNSENT,
)
from tcpscope.table.packets import PacketTable
from tcpscope.table.text import ipv4_texts, ipv6_texts

if TYPE_CHECKING:
    import pandas
    import pyarrow

__all__ = [
    "COLUMNS",
    "LIFECYCLE_COLUMNS",
    "RETRANSMISSION_BITS",
    "Conversations",
    "address_text",
    "completeness_label",
    "conversations",
    "format_size",
    "nstime_seconds",
    "render_csv",
    "render_json",
    "render_tshark",
    "row_addresses",
]

#: The analysis flag bits counted as a retransmission.
RETRANSMISSION_BITS = A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION

NS_PER_S = 1_000_000_000


#: The columns of :class:`Conversations` that are not integers: text, and seconds.
_EMPTY_DTYPES: dict[str, Any] = {"addr_a": "<U1", "addr_b": "<U1", "completeness_label": "<U1", "closing": "<U1",
                                 "start_s": np.float64, "stop_s": np.float64}


@dataclass(frozen=True, kw_only=True)
class Conversations:
    """TCP conversations, one row per ``tcp.stream`` in tshark's print order (module docstring).

    Built with each column named (``kw_only``): 24 arrays in a row are too easy to shift."""

    stream: Index
    addr_a: Array  # numpy unicode
    port_a: Index
    addr_b: Array
    port_b: Index
    frames_ab: Index
    bytes_ab: Index
    frames_ba: Index
    bytes_ba: Index
    frames: Index
    bytes: Index
    rel_start_ns: Index  # ns
    duration_ns: Index  # ns
    first_frame: Index  # frame number (1-based) of the first counted frame
    retransmissions: Index
    rtt_samples: Index
    rtt_min_ns: Index  # ns, -1 without samples
    rtt_avg_ns: Index
    rtt_max_ns: Index
    completeness: Index
    completeness_label: Array
    closing: Array
    # seconds as tshark computes them (nstime_to_sec of each relative time), for the text
    start_s: Array
    stop_s: Array
    # the lifecycle columns by name (LIFECYCLE_COLUMNS), when they were summed
    lifecycle: dict[str, Array] = field(default_factory=dict)

    @classmethod
    def empty(cls, lifecycle: bool = False) -> Conversations:
        """No conversations."""
        cols = {f.name: np.zeros(0, dtype=_EMPTY_DTYPES.get(f.name, np.int64)) for f in fields(cls)
                if f.name != "lifecycle"}
        more = {name: np.zeros(0, dtype=kind) for name, kind in LIFECYCLE_COLUMNS.items()} if lifecycle else {}
        return cls(**cols, lifecycle=more)

    def __len__(self) -> int:
        return int(self.stream.shape[0])

    def columns(self) -> dict[str, Array]:
        """The public columns (:data:`COLUMNS`, then the lifecycle ones) by name."""
        return {**{name: getattr(self, name) for name in COLUMNS}, **self.lifecycle}

    def nulls(self) -> dict[str, Mask]:
        """The columns with null cells, and where: RTTs without samples, and Zeek's
        ``duration``, ``orig_bytes`` and ``resp_bytes`` where Zeek logs ``-``."""
        none = self.rtt_samples == 0
        out = dict.fromkeys(("rtt_min_ns", "rtt_avg_ns", "rtt_max_ns"), none)
        if "duration" in self.lifecycle:
            unset = np.isnan(self.lifecycle["duration"])
            out.update(dict.fromkeys(("duration", "orig_bytes", "resp_bytes"), unset))
        return out

    def rows(self) -> Iterator[dict[str, Any]]:
        """One dict of plain Python values per conversation, None in null cells."""
        cols = {k: v.tolist() for k, v in self.columns().items()}
        nulls = {k: v.tolist() for k, v in self.nulls().items()}
        for i in range(len(self)):
            row = {k: v[i] for k, v in cols.items()}
            for k, v in nulls.items():
                if v[i]:
                    row[k] = None
            yield row

    def to_arrow(self) -> pyarrow.Table:
        """A ``pyarrow.Table`` of the public columns (nulls as :meth:`nulls` says), each in
        its exact type (:func:`_exact_type`): ports ``uint16``, stream and frame numbers
        ``uint32``, times in nanoseconds (``*_ns``) ``duration[ns]``."""
        import pyarrow as pa

        nulls = self.nulls()
        arrays = {}
        for name, col in self.columns().items():
            if name in nulls:
                arrays[name] = pa.array(col, mask=nulls[name])
            elif col.dtype.kind == "U":
                arrays[name] = pa.array(col.tolist(), type=pa.string())
            else:
                arrays[name] = pa.array(col)
            arrays[name] = arrays[name].cast(_exact_type(name, arrays[name].type))
        return pa.table(arrays)

    def to_pandas(self) -> pandas.DataFrame:
        """A ``pandas.DataFrame`` of :meth:`to_arrow`'s columns: integers in pandas'
        nullable dtypes (``UInt16``, ``Int64``), times in nanoseconds ``timedelta64[ns]``
        (``NaT`` where null), text pandas' string dtype."""
        from tcpscope.views.arrow_columns import nullable_pandas

        return nullable_pandas(self.to_arrow())


def _exact_type(name: str, current: pyarrow.DataType) -> pyarrow.DataType:
    """A column's Arrow type from its name: ports ``uint16``, ``stream`` and ``first_frame``
    ``uint32``, an integer count of nanoseconds (``*_ns``) ``duration[ns]``."""
    import pyarrow as pa

    if name.startswith("port"):
        return pa.uint16()
    if name in ("stream", "first_frame"):
        return pa.uint32()
    if name.endswith("_ns") and pa.types.is_integer(current):
        return pa.duration("ns")
    return current


#: The columns of the API, CSV and JSON, in order.
COLUMNS: tuple[str, ...] = tuple(
    f.name for f in fields(Conversations) if f.name not in ("start_s", "stop_s", "lifecycle")
)

#: The lifecycle columns (module docstring) and their numpy kinds, in order.
LIFECYCLE_COLUMNS: dict[str, Any] = {
    "client": "<U1", "server": "<U1", "opened": "<U1", "closed": "<U1", "closed_first": "<U1",
    "client_state": "<U1", "server_state": "<U1",
    "id.orig_h": "<U1", "id.orig_p": np.int64, "id.resp_h": "<U1", "id.resp_p": np.int64, "proto": "<U1",
    "duration": np.float64, "orig_bytes": np.int64, "resp_bytes": np.int64, "conn_state": "<U1",
    "missed_bytes": np.int64, "history": "<U1", "orig_pkts": np.int64, "orig_ip_bytes": np.int64,
    "resp_pkts": np.int64, "resp_ip_bytes": np.int64,
}


def nstime_seconds(rel_ns: Index) -> Array:
    """``nstime_to_sec`` of relative times: seconds + nanoseconds / 1e9, both with the sign of
    the time (``nstime_delta`` keeps them so), each converted to a double first."""
    secs: Index = np.where(rel_ns < 0, -((-rel_ns) // NS_PER_S), rel_ns // NS_PER_S)
    nsecs: Index = rel_ns - secs * NS_PER_S
    out: Array = secs.astype(np.float64) + nsecs.astype(np.float64) / float(NS_PER_S)
    return out


def completeness_label(value: int) -> str:
    """Wireshark's words for a ``tcp.completeness`` value (``conversation_completeness_fill``)."""
    handshake = COMPLETENESS_SYNSENT | COMPLETENESS_SYNACK | COMPLETENESS_ACK
    closed = COMPLETENESS_FIN | COMPLETENESS_RST
    if value == COMPLETENESS_SYNSENT:
        return f"Incomplete, SYN_SENT ({value})"
    if value == COMPLETENESS_SYNSENT | COMPLETENESS_SYNACK:
        return f"Incomplete, CLIENT_ESTABLISHED ({value})"
    if value == handshake:
        return f"Incomplete, ESTABLISHED ({value})"
    if value == handshake | COMPLETENESS_DATA:
        return f"Incomplete, DATA ({value})"
    if value & ~closed == handshake | COMPLETENESS_DATA and value & closed:
        return f"Complete, WITH_DATA ({value})"
    if value & ~closed == handshake and value & closed:
        return f"Complete, NO_DATA ({value})"
    return f"Incomplete ({value})"


def conversations(table: PacketTable, mask: Mask | None = None, lifecycle: bool = True) -> Conversations:
    """The TCP conversations of an analysed table (see the module docstring).

    ``mask`` (one boolean per frame) counts only the frames it selects; ``lifecycle`` adds
    the lifecycle columns. The table is counted as one piece of
    :class:`~tcpscope.views.conversation_sums.ConversationSums`.
    """
    from tcpscope.views.conversation_sums import ConversationSums

    sums = ConversationSums(lifecycle=lifecycle)
    sums.add(table, mask)
    return sums.result()


def row_addresses(table: PacketTable, rows: Index, routed: bool = True) -> tuple[Array, Array, Array]:
    """Source and destination (16 bytes, IPv4 in the first 4) and address type of the IP
    header immediately around each of the ``tcp`` rows ``rows``, as the TCP dissector sees
    them (``pinfo->src``/``dst``: an IPv6 Routing header's final address is the
    destination), by the rules of :func:`tcpscope.analysis.conversations.segment_keys`.
    ``routed=False``: the IPv6 header's own destination (``pinfo->net_dst``) instead."""
    tcp = table.layer("tcp")
    k = rows.shape[0]
    pkt = tcp.pkt[rows]
    want = pkt * 65536 + tcp.depth[rows].astype(np.int64)
    best = np.full(k, -1, dtype=np.int64)
    src = np.zeros((k, 16), dtype=np.uint8)
    dst = np.zeros((k, 16), dtype=np.uint8)
    atype = np.zeros(k, dtype=np.int8)
    for name, min_reach, at in (("ip", 11, AT_IPV4), ("ipv6", 7, AT_IPV6)):
        ip = table.layer(name)
        if len(ip) == 0:
            continue
        ok = np.flatnonzero(np.asarray(ip.cols["reach"]) >= min_reach)
        if ok.shape[0] == 0:  # no header with both addresses read
            continue
        key = ip.pkt[ok] * 65536 + ip.depth[ok].astype(np.int64)
        if key.shape[0] > 1 and bool((np.diff(key) < 0).any()):
            srt = np.argsort(key, kind="stable")
            ok, key = ok[srt], key[srt]
        j = np.searchsorted(key, want, side="left") - 1
        jj = np.maximum(j, 0)
        hit = (j >= 0) & (ip.pkt[ok[jj]] == pkt) & (key[jj] > best)
        r = ok[jj[hit]]
        best[hit] = key[jj[hit]]
        atype[hit] = at
        if at == AT_IPV4:
            src[hit, :4] = np.asarray(ip.cols["src"])[r].astype(">u4").view(np.uint8).reshape(-1, 4)
            dst[hit, :4] = np.asarray(ip.cols["dst"])[r].astype(">u4").view(np.uint8).reshape(-1, 4)
        else:
            src[hit] = np.asarray(ip.cols["src"])[r]
            dst[hit] = np.asarray(ip.cols.get("dst_eff", ip.cols["dst"]) if routed else ip.cols["dst"])[r]
    return src, dst, atype


def address_text(raw: Array, atype: Array) -> Array:
    """The text of each address (16 bytes, IPv4 in the first 4), each distinct address
    formatted once (``table.text.ipv4_texts`` / ``ipv6_texts``)."""
    v4 = np.asarray(atype) == AT_IPV4
    out = np.empty(raw.shape[0], dtype=object)
    four = np.ascontiguousarray(raw[v4, :4]).view(">u4").reshape(-1)
    out[v4] = ipv4_texts(four)
    out[~v4] = ipv6_texts(raw[~v4])
    text: Array = out.astype(str) if raw.shape[0] else np.zeros(0, dtype="U1")
    return text


# ---- text ----

_RULE = "=" * 80 + "\n"
_PORTS = " " * 12


def format_size(n: int) -> str:
    """``format_size(n, FORMAT_SIZE_UNIT_BYTES, 0)`` (wsutil/str_util.c): SI prefixes,
    integer truncation, a unit only from 10 of it; no thousands separator (C locale)."""
    if n < 10_000:
        return f"{n} bytes"
    for power, prefix in ((4, " TB"), (3, " GB"), (2, " MB"), (1, " kB")):
        if n // 1000**power >= 10:
            return f"{n // 1000**power}{prefix}"
    return f"{n} bytes"  # pragma: no cover - n >= 10000 always has a unit


def _header(title_filter: str | None, extras: bool) -> list[str]:
    filt = title_filter if title_filter else "<No Filter>"
    top = f"{_PORTS}                                               |       <-      | |       ->      | |     Total     |    Relative    |   Duration   |"
    sub = f"{_PORTS}                                               | Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |"
    if extras:
        top += " Stream | Retrans |  RTT min/avg/max (ms)  | State | Opened / closed | Final states | Zeek"
        sub += "        |         |                        |       |                 |              |"
    return [_RULE, "TCP Conversations\n", f"Filter:{filt}\n", top + "\n", sub + "\n"]


def _extras(conv: Conversations) -> list[str]:
    """The text tcpscope adds after Duration, per row."""
    out = []
    for stream, retrans, n, lo, avg, hi, label, closing in zip(
            conv.stream.tolist(), conv.retransmissions.tolist(), conv.rtt_samples.tolist(),
            conv.rtt_min_ns.tolist(), conv.rtt_avg_ns.tolist(), conv.rtt_max_ns.tolist(),
            conv.completeness_label.tolist(), conv.closing.tolist(), strict=True):
        rtt = f"{lo / 1e6:.3f}/{avg / 1e6:.3f}/{hi / 1e6:.3f}" if n else "-"
        out.append(f"  {stream:6d}   {retrans:7d}   {rtt:>22}   {label}, {closing}")
    if conv.lifecycle:
        life = conv.lifecycle
        for k, (opened, closed, first, client, server, state, history) in enumerate(zip(
                life["opened"].tolist(), life["closed"].tolist(), life["closed_first"].tolist(),
                life["client_state"].tolist(), life["server_state"].tolist(),
                life["conn_state"].tolist(), life["history"].tolist(), strict=True)):
            first = f" ({first} first)" if first and "RST" not in closed else ""
            out[k] += f"   {opened} / {closed}{first}   client {client}, server {server}   {state} {history or '-'}"
    return out


def render_tshark(conv: Conversations, title_filter: str | None = None, extras: bool = False) -> str:
    """The text of ``tshark -q -z conv,tcp[,FILTER]`` (ui/cli/tap-iousers.c ``iousers_draw``),
    byte for byte; ``title_filter`` is the filter shown in the header.

    With ``extras`` every row goes on after Duration with the stream index, the
    retransmissions, the RTT (min/avg/max in ms, ``-`` without samples), the state
    (completeness label and closing) and, when the conversations carry them, the opening
    and closing verdicts (and who closed first), the endpoints' final states and Zeek's
    ``conn_state`` and ``history``; that text is tcpscope's own.
    """
    out = _header(title_filter, extras)
    more = _extras(conv) if extras else [""] * len(conv)
    for a, pa, b, pb, fba, bba, fab, bab, ft, bt, start, stop, tail in zip(
            conv.addr_a.tolist(), conv.port_a.tolist(), conv.addr_b.tolist(), conv.port_b.tolist(),
            conv.frames_ba.tolist(), conv.bytes_ba.tolist(), conv.frames_ab.tolist(), conv.bytes_ab.tolist(),
            conv.frames.tolist(), conv.bytes.tolist(), conv.start_s.tolist(), conv.stop_s.tolist(), more,
            strict=True):
        out.append("%-26s <-> %-26s  %6u %-9s  %6u %-9s  %6u %-9s  %14.9f   %12.4f%s\n" % (  # noqa: UP031 (tshark's printf)
            f"{a}:{pa}", f"{b}:{pb}", fba, format_size(bba), fab, format_size(bab), ft, format_size(bt),
            start, stop - start, tail))
    out.append(_RULE)
    return "".join(out)


def _zeek_interval(seconds: float) -> str:
    """A Zeek interval as conn.log prints it: seconds with six decimals, never an exponent
    (``0.000012``, ``60.991770``; Zeek's ASCII writer)."""
    return f"{seconds:.6f}"


#: CSV cells not printed as Python prints their value
_CSV_TEXT = {"duration": _zeek_interval}


def render_csv(conv: Conversations) -> str:
    """One header line of the columns (:meth:`Conversations.columns`), then one line per
    conversation (RFC 4180; null cells empty; times in ns but Zeek's ``duration``, in
    seconds as conn.log prints it: :func:`zeek_interval`)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    names = list(conv.columns())
    w.writerow(names)
    text = [_CSV_TEXT.get(c) for c in names]
    for row in conv.rows():
        w.writerow(["" if row[c] is None else row[c] if f is None else f(row[c]) for c, f in zip(names, text, strict=True)])
    return buf.getvalue()


def render_json(conv: Conversations) -> str:
    """A JSON array of one object per conversation, keyed by the column names (times in ns
    but Zeek's ``duration``, null cells null), in print order."""
    return json.dumps(list(conv.rows()), indent=1) + "\n"
