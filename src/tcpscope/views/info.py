"""The Info column of a TCP segment, built as packet-tcp.c builds it (tcp-analysis.md §8).

``"<sport> → <dport> [<flags>] Seq=<n> Ack=<n> Win=<n> Urg=<n> Len=<n>"`` then the option
summaries in header order (``MSS=``, ``SACK_PERM``, ``TSval= TSecr=``, ``WS=``,
``SLE= SRE=`` ...), with the analysis prefixes (``[TCP Retransmission] ``,
``[TCP Dup ACK 6#1] ``, ...) in front: Wireshark prepends each one, so the last added
stands first. A header cut by the capture ends with ``[Packet size limited during
capture]``, one cut by its own lengths with ``[Malformed Packet]``.
"""

from __future__ import annotations

import numpy as np

from tcpscope._types import Array
from tcpscope.analysis.sequence import (
    A_ACK_LOST_PACKET,
    A_DUPLICATE_ACK,
    A_FAST_RETRANSMISSION,
    A_KEEP_ALIVE,
    A_KEEP_ALIVE_ACK,
    A_LOST_PACKET,
    A_OUT_OF_ORDER,
    A_RETRANSMISSION,
    A_REUSED_PORTS,
    A_SPURIOUS_RETRANSMISSION,
    A_WINDOW_FULL,
    A_WINDOW_UPDATE,
    A_ZERO_WINDOW,
    A_ZERO_WINDOW_PROBE,
    A_ZERO_WINDOW_PROBE_ACK,
)
from tcpscope.table.packets import PacketTable

__all__ = ["FLAG_NAMES", "flags_text", "tcp_info"]

#: Flag names in the order tcp_flags_to_str prints them.
FLAG_NAMES = ("FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE")

# Prefix texts in the order Wireshark prepends them (so the reverse of the printed order).
_PREFIXES = (
    (A_REUSED_PORTS, "[TCP Port numbers reused] "),
    (A_RETRANSMISSION, "[TCP Retransmission] "),
    (A_FAST_RETRANSMISSION, "[TCP Fast Retransmission] "),
    (A_SPURIOUS_RETRANSMISSION, "[TCP Spurious Retransmission] "),
    (A_OUT_OF_ORDER, "[TCP Out-Of-Order] "),
    (A_LOST_PACKET, "[TCP Previous segment not captured] "),
    (A_ACK_LOST_PACKET, "[TCP ACKed unseen segment] "),
    (A_WINDOW_UPDATE, "[TCP Window Update] "),
    (A_WINDOW_FULL, "[TCP Window Full] "),
    (A_KEEP_ALIVE, "[TCP Keep-Alive] "),
    (A_KEEP_ALIVE_ACK, "[TCP Keep-Alive ACK] "),
    (A_DUPLICATE_ACK, ""),  # "[TCP Dup ACK f#n] ", filled in below
    (A_ZERO_WINDOW_PROBE, "[TCP ZeroWindowProbe] "),
    (A_ZERO_WINDOW, "[TCP ZeroWindow] "),
    (A_ZERO_WINDOW_PROBE_ACK, "[TCP ZeroWindowProbeAck] "),
)


def flags_text(flags: int, use_ace: bool = False) -> str:
    """The bracketed flag list: names of set bits, ", ACE=n" with AccECN, then "Reserved"."""
    names = [FLAG_NAMES[i] for i in range(6 if use_ace else 9) if flags & (1 << i)]
    if use_ace:
        ace = ((flags & 0x100) >> 6) | ((flags & 0x80) >> 6) | ((flags & 0x40) >> 6)
        names.append(f"ACE={ace}")
    if flags & 0xE00:
        names.append("Reserved")
    return ", ".join(names) if names else "<None>"


def _option_texts(table: PacketTable, tcp_rows_of_pkt: Array) -> dict[int, str]:
    """For each tcp row with options, the summary its options add to Info, in header order."""
    opt = table.layer("tcp.option")
    out: dict[int, list[str]] = {}
    if len(opt) == 0:
        return {}
    tcp = table.layer("tcp")
    sack_base = np.asarray(tcp.cols.get("sack_base", np.zeros(len(tcp), dtype=np.int64)))
    sack = table.layer("tcp.sack")
    blocks: dict[tuple[int, int], list[tuple[int, int]]] = {}
    if len(sack):
        for pkt, order, le, re, full in zip(sack.pkt.tolist(), np.asarray(sack.cols["opt_order"]).tolist(),
                                            np.asarray(sack.cols["le_raw"]).tolist(),
                                            np.asarray(sack.cols["re_raw"]).tolist(),
                                            np.asarray(sack.cols["has_re"]).tolist(), strict=True):
            if full:
                blocks.setdefault((pkt, order), []).append((le, re))
    cols = [opt.pkt.tolist()] + [np.asarray(opt.cols[c]).tolist() for c in
                                 ("kind", "len", "ok", "invalid", "v1", "v2", "has_v1", "has_v2", "order")]
    for pkt, kind, olen, ok, invalid, v1, v2, has1, _has2, order in zip(*cols, strict=True):
        row = int(tcp_rows_of_pkt[pkt])
        parts = out.setdefault(row, [])
        if kind == 4:
            parts.append(" SACK_PERM")  # appended before the length check
        elif invalid or not ok:
            continue
        elif kind == 2 and has1:
            parts.append(f" MSS={v1}")
        elif kind == 3 and has1:
            parts.append(f" WS={1 << min(v1, 14)}")
        elif kind == 8 and has1:
            parts.append(f" TSval={v1} TSecr={v2}")
        elif kind in (6, 7) and has1:
            parts.append(f" ECHO={v1}")
        elif kind in (11, 12, 13) and has1:
            parts.append(f" CC={v1}")
        elif kind == 28 and has1:
            parts.append(f" USER_TO={v1}")
        elif kind == 34:
            parts.append(" TFO=R" if olen == 2 else " TFO=C")
        elif kind in (253, 254) and has1:
            parts.append(_experimental(v1, olen))
        if kind == 5:
            base = int(sack_base[row])
            for le, re in blocks.get((pkt, order), []):
                parts.append(f" SLE={(le - base) & 0xFFFFFFFF} SRE={(re - base) & 0xFFFFFFFF}")
    return {k: "".join(v) for k, v in out.items()}


def _experimental(exid: int, olen: int) -> str:
    """Info of an RFC 6994 experimental option (dissect_tcpopt_exp)."""
    if exid == 0xF989:
        return " TFO=R" if olen == 4 else " TFO=C"
    if exid == 0x00AC:
        return " TARR" if olen == 4 else ""
    if exid in (0xACC0, 0xACC1):
        return " AccECN" if olen in (4, 7, 10, 13) else ""
    return f" ExID={exid:X}"


def tcp_info(table: PacketTable) -> dict[int, str]:
    """Info text of every tcp row (keyed by row), for an analysed table."""
    tcp = table.layer("tcp")
    m = len(tcp)
    if m == 0:
        return {}
    first = tcp.first_row(table.n)
    opts = _option_texts(table, first)
    c = tcp.cols
    analysed = "stream" in c
    names = ["srcport", "dstport", "flags", "reach", "bogus_hlen", "hdr_len", "len", "urgent_pointer",
             "seq_raw", "ack_raw", "window_size_value"]
    cols = {k: np.asarray(c[k]).tolist() for k in names}
    if analysed:
        for k in ("seq", "ack", "window_size", "ta", "aflags", "dupack_num", "dupack_frame", "use_ace", "stream"):
            cols[k] = np.asarray(c[k]).tolist()
    malformed = table.malformed
    short = np.asarray(table.frame_cols.get("short", np.zeros(table.n, dtype=np.bool_)))
    pkts = tcp.pkt.tolist()
    out: dict[int, str] = {}
    for r in range(m):
        reach = cols["reach"][r]
        if reach < 1:
            continue
        text = f"{cols['srcport'][r]} \u2192 {cols['dstport'][r]}"
        pkt = pkts[r]
        if reach >= 2:
            fl = cols["flags"][r]
            has_len = cols["len"][r] >= 0
            ace = bool(cols["use_ace"][r]) if analysed else False
            if analysed and cols["stream"][r] >= 0:
                seq, ack, win = cols["seq"][r], cols["ack"][r], cols["window_size"][r]
            else:
                seq, ack, win = cols["seq_raw"][r], cols["ack_raw"][r], cols["window_size_value"][r]
            text += f" [{flags_text(fl, ace)}] Seq={seq}"
            if fl & 0x10:
                text += f" Ack={ack}"
            text += f" Win={win}"
            if cols["bogus_hlen"][r]:
                text += f", bogus TCP header length ({cols['hdr_len'][r]}, must be at least 20)"
            elif reach >= 4:
                if fl & 0x20:
                    text += f" Urg={cols['urgent_pointer'][r]}"
                if has_len:
                    text += f" Len={cols['len'][r]}"
                text += opts.get(r, "")
                if analysed and cols["ta"][r]:
                    text = _prefixes(cols["aflags"][r], cols["dupack_num"][r], cols["dupack_frame"][r]) + text
        if malformed[pkt]:
            text += "[Malformed Packet]"
        elif short[pkt]:
            text += "[Packet size limited during capture]"
        out[r] = text
    return out


def _prefixes(aflags: int, dupnum: int, dupframe: int) -> str:
    """The analysis prefixes, each prepended in Wireshark's order (last added comes first)."""
    text = ""
    for bit, prefix in _PREFIXES:
        if aflags & bit:
            if bit == A_DUPLICATE_ACK:
                if dupnum:
                    text = f"[TCP Dup ACK {dupframe}#{dupnum}] " + text
            else:
                text = prefix + text
    return text
