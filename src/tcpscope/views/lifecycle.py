"""How each TCP connection opened and closed, from the analysed segments.

For every ``tcp.stream``: the frames of the three-way handshake (RFC 9293 §3.5: the
SYN, the SYN/ACK, and the ACK that acknowledges the SYN/ACK, found through
``tcp.analysis.acks_frame``), the first FIN of each side (the side whose FIN came first
*initiates* the close, tshark's ``tcp.connection.fin_active``) with the ACK of each FIN,
and the first RST. The client is the side that sent the first SYN; without one, the
side that sent the first segment. All per-stream reductions are whole-array
operations; only the text is built per connection.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tcpscope._types import Array
from tcpscope.table.packets import PacketTable

__all__ = ["Lifecycle", "describe", "lifecycles"]

FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10
NONE = -1


@dataclass(frozen=True)
class Lifecycle:
    """Per stream (index = tcp.stream), frame numbers (1-based; -1 when absent) of the
    events that open and close a connection, and which side is the client."""

    first_frame: Array
    last_frame: Array
    client_side: Array  # side key of the client (see _side_keys)
    syn: Array
    synack: Array
    handshake_ack: Array
    fin_client: Array
    fin_server: Array
    fin_first_side: Array  # 0 client closed first, 1 server, -1 no FIN
    fin_client_acked: Array
    fin_server_acked: Array
    rst: Array
    rst_side: Array  # 0 client, 1 server, -1 none
    initial_rtt_ns: Array

    def __len__(self) -> int:
        return int(self.first_frame.shape[0])


def _first(n: int, streams: Array, frames: Array, mask: Array) -> Array:
    out = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, streams[mask], frames[mask])
    out[out == np.iinfo(np.int64).max] = NONE
    return out


def lifecycles(table: PacketTable) -> Lifecycle:
    """The opening and closing events of every stream of an analysed table."""
    tcp = table.layer("tcp")
    if len(tcp) == 0 or "stream" not in tcp.cols:
        z = np.zeros(0, dtype=np.int64)
        return Lifecycle(*(z for _ in range(14)))
    stream = np.asarray(tcp.cols["stream"], dtype=np.int64)
    ok = stream >= 0
    n = int(stream[ok].max()) + 1 if ok.any() else 0
    frame = tcp.pkt + 1
    flags = np.asarray(tcp.cols["flags"], dtype=np.int64)
    s = np.where(ok, stream, 0)
    first = _first(n, s, frame, ok)
    last = np.full(n, NONE, dtype=np.int64)
    np.maximum.at(last, s[ok], frame[ok])
    pure_syn = ok & ((flags & (SYN | ACK)) == SYN)
    syn = _first(n, s, frame, pure_syn)
    # the client side: the sender of the first SYN, else of the first segment.
    # Sides are told apart by (source port, position of the first segment's source).
    row_of_frame = np.full(table.n + 1, -1, dtype=np.int64)
    row_of_frame[frame] = np.arange(len(tcp))
    anchor = np.where(syn >= 0, syn, first)
    anchor_row = row_of_frame[np.maximum(anchor, 0)]
    keys = _side_keys(table)
    client_key = keys[anchor_row] if len(tcp) else np.zeros(0, dtype=np.int64)
    is_client = keys == client_key[s]
    synack = _first(n, s, frame, ok & ((flags & (SYN | ACK)) == (SYN | ACK)) & ~is_client)
    acks = np.asarray(tcp.cols["acks_frame"], dtype=np.int64)
    hs_ack = _first(n, s, frame, ok & is_client & ((flags & (SYN | ACK)) == ACK) & (acks == synack[s]) & (acks > 0))
    fin = ok & ((flags & FIN) != 0)
    fin_c = _first(n, s, frame, fin & is_client)
    fin_s = _first(n, s, frame, fin & ~is_client)
    fin_first = np.where((fin_c >= 0) & ((fin_s < 0) | (fin_c <= fin_s)), 0, np.where(fin_s >= 0, 1, NONE))
    fin_c_acked = _first(n, s, frame, ok & ~is_client & (acks == fin_c[s]) & (acks > 0))
    fin_s_acked = _first(n, s, frame, ok & is_client & (acks == fin_s[s]) & (acks > 0))
    rst_mask = ok & ((flags & RST) != 0)
    rst = _first(n, s, frame, rst_mask)
    rst_c = _first(n, s, frame, rst_mask & is_client)
    rst_side = np.where(rst < 0, NONE, np.where(rst_c == rst, 0, 1))
    irtt = np.zeros(n, dtype=np.int64)
    if "initial_rtt" in tcp.cols:
        np.maximum.at(irtt, s[ok], np.asarray(tcp.cols["initial_rtt"], dtype=np.int64)[ok])
    return Lifecycle(first, last, client_key, syn, synack, hs_ack, fin_c, fin_s, fin_first,
                     fin_c_acked, fin_s_acked, rst, rst_side, irtt)


def _side_keys(table: PacketTable) -> Array:
    """A number per tcp row that is equal for the segments one endpoint sends."""
    from tcpscope.analysis.conversations import segment_keys

    keys = segment_keys(table)
    return keys.key * 2 + keys.flow.astype(np.int64)


def describe(lc: Lifecycle, i: int) -> tuple[str, str]:
    """Plain words for how stream ``i`` opened and how it closed."""
    def f(x: int) -> str:
        return f"frame {x}"

    syn, synack, ack = int(lc.syn[i]), int(lc.synack[i]), int(lc.handshake_ack[i])
    if syn >= 0 and synack >= 0 and ack >= 0:
        opened = (f"three-way handshake: SYN ({f(syn)}), SYN/ACK ({f(synack)}), ACK ({f(ack)})")
        if lc.initial_rtt_ns[i]:
            opened += f"; initial RTT {lc.initial_rtt_ns[i] / 1e6:.3f} ms"
    elif syn >= 0 and synack >= 0:
        opened = f"SYN ({f(syn)}) and SYN/ACK ({f(synack)}), no ACK of the SYN/ACK captured"
    elif syn >= 0:
        opened = f"SYN ({f(syn)}) never answered with a SYN/ACK"
    elif synack >= 0:
        opened = f"SYN/ACK ({f(synack)}) without the SYN in the capture"
    else:
        opened = f"already open when the capture started (first segment {f(int(lc.first_frame[i]))})"
    fc, fs = int(lc.fin_client[i]), int(lc.fin_server[i])
    rst = int(lc.rst[i])
    parts = []
    if lc.fin_first_side[i] >= 0:
        first_side, other_side = ("client", "server") if lc.fin_first_side[i] == 0 else ("server", "client")
        ff, of = (fc, fs) if lc.fin_first_side[i] == 0 else (fs, fc)
        fa = int(lc.fin_client_acked[i] if lc.fin_first_side[i] == 0 else lc.fin_server_acked[i])
        text = f"the {first_side} closed first (FIN, {f(ff)}"
        text += f", acknowledged in {f(fa)})" if fa >= 0 else ")"
        if of >= 0:
            oa = int(lc.fin_server_acked[i] if lc.fin_first_side[i] == 0 else lc.fin_client_acked[i])
            text += f", then the {other_side} (FIN, {f(of)}"
            text += f", acknowledged in {f(oa)})" if oa >= 0 else ", its ACK not captured)"
        else:
            text += f"; the {other_side} had not closed by the end of the capture"
        parts.append(text)
    if rst >= 0:
        side = "client" if lc.rst_side[i] == 0 else "server"
        parts.append(f"reset by the {side} (RST, {f(rst)})")
    closed = "; ".join(parts) if parts else f"still open at the end of the capture (last segment {f(int(lc.last_frame[i]))})"
    return opened, closed
