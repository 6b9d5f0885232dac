"""The Info column of a TCP segment, built as packet-tcp.c builds it (tcp-analysis.md §8).

``"<sport> → <dport> [<flags>] Seq=<n> Ack=<n> Win=<n> Urg=<n> Len=<n>"`` then the option
summaries in header order (``MSS=``, ``SACK_PERM``, ``TSval= TSecr=``, ``WS=``,
``SLE= SRE=`` ...), with what the options prepend (``TRPY, ``) and then the analysis
prefixes (``[TCP Retransmission] ``, ``[TCP Dup ACK 6#1] ``, ...) in front: Wireshark
prepends each one, so the last added stands first. A header cut by the capture ends with
``[Packet size limited during capture]``, one cut by its own lengths with ``[Malformed
Packet]`` (or, when an option's bytes run past the segment, the ContainedBoundsError
mark).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from tcpscope._types import Array
from tcpscope.analysis.layout import (
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
from tcpscope.constants import (
    TCPOPT_ACC_ECN_0,
    TCPOPT_ACC_ECN_1,
    TCPOPT_AO,
    TCPOPT_CC,
    TCPOPT_CCECHO,
    TCPOPT_CCNEW,
    TCPOPT_ECHO,
    TCPOPT_ECHOREPLY,
    TCPOPT_EXP_FD,
    TCPOPT_EXP_FE,
    TCPOPT_MD5,
    TCPOPT_MSS,
    TCPOPT_QS,
    TCPOPT_RVBD_PROBE,
    TCPOPT_RVBD_TRPY,
    TCPOPT_SACK,
    TCPOPT_SACK_PERM,
    TCPOPT_SCPS,
    TCPOPT_TFO,
    TCPOPT_TIMESTAMP,
    TCPOPT_USER_TO,
    TCPOPT_WINDOW,
)
from tcpscope.dissect.tcp_options import EXID_ACC_ECN, EXID_TARR, EXID_TFO
from tcpscope.table.packets import PacketTable

__all__ = ["CONTAINED", "FLAG_NAMES", "KINDS_WITH_TEXT", "MALFORMED", "PREFIXES", "PREFIX_BITS", "QS_RATES", "SIZE_LIMITED", "analysis_prefix",
           "exception_mark", "flags_text", "malformed_mark", "tcp_info"]

#: Flag names in the order tcp_flags_to_str prints them.
FLAG_NAMES = ("FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE")

#: Prefix texts in the order Wireshark prepends them (so the reverse of the printed order).
PREFIXES = (
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


@lru_cache(maxsize=8192)
def flags_text(flags: int, use_ace: bool = False) -> str:
    """The bracketed flag list as packet-tcp.c's tcp_flags_to_str writes it: the names of
    the set bits joined by ", "; with AccECN, ", ACE=n" after them, its comma written even
    when no name comes before it (``[, ACE=1]``); then "Reserved" (after ", " when
    something came before); "<None>" for nothing."""
    text = ", ".join(FLAG_NAMES[i] for i in range(6 if use_ace else 9) if flags & (1 << i))
    if use_ace:
        ace = ((flags & 0x100) >> 6) | ((flags & 0x80) >> 6) | ((flags & 0x40) >> 6)
        text += f", ACE={ace}"
    if flags & 0xE00:
        text += ", Reserved" if text else "Reserved"
    return text or "<None>"


#: Quick-Start rates (packet-ip.c ``qs_rate_vals``), by the option's 4-bit rate code.
QS_RATES = ("0 bit/s", "80 Kbit/s", "160 Kbit/s", "320 Kbit/s", "640 Kbit/s", "1.28 Mbit/s", "2.56 Mbit/s",
            "5.12 Mbit/s", "10.24 Mbit/s", "20.48 Mbit/s", "40.96 Mbit/s", "81.92 Mbit/s", "163.84 Mbit/s",
            "327.68 Mbit/s", "655.36 Mbit/s", "1.31072 Gbit/s")
#: SCPS capability bits as dissect_tcpopt_scps names them.
_SCPS_CAPS = ((0x80, "BETS"), (0x40, "SNACK1"), (0x20, "SNACK2"), (0x10, "COMP"), (0x08, "NLTS"), (0x07, "RESERVED"))
#: The Accurate ECN counters in the order an option of order 0 or 1 carries them.
_ACC_ECN_NAMES = (("EE0B", "ECEB", "EE1B"), ("EE1B", "ECEB", "EE0B"))


class _Option(NamedTuple):
    """One ``tcp.option`` row, as the Info texts read it: its frame, kind, length byte,
    whether it was dissected whole (``ok``) and shown in the tree (``item``), its values
    and whether they were read, its position among the segment's options, and where its
    bytes are (``off`` in buffer ``buf``)."""

    pkt: int
    kind: int
    olen: int
    ok: bool
    item: bool
    v1: int
    v2: int
    has1: bool
    has2: bool
    order: int
    off: int
    buf: int


#: The ``tcp.option`` columns of an :class:`_Option` after its frame, in its order.
_OPTION_COLUMNS = ("kind", "len", "ok", "item", "v1", "v2", "has_v1", "has_v2", "order", "off", "_buf")


def _option_texts(table: PacketTable, tcp_rows_of_pkt: Array) -> tuple[dict[int, str], dict[int, str]]:
    """For each tcp row with options, what its options prepend to Info and append to it.

    Each option dissector of packet-tcp.c adds its text as it runs, so a text shows when
    the dissector got that far: before its length check (SACK_PERM, MD5, TCP AO, TRPY),
    after a value's bytes were read (most), or after the whole option was (TFO=C, ExID).
    "TRPY, " and the Riverbed probe's "SA+, " are prepended (col_prepend_fstr).
    """
    opt = table.layer("tcp.option")
    front: dict[int, str] = {}
    if len(opt) == 0:
        return {}, {}
    tcp = table.layer("tcp")
    sack_base = np.asarray(tcp.cols.get("sack_base", np.zeros(len(tcp), dtype=np.int64)))
    blocks = _sack_blocks(table)
    kinds = np.asarray(opt.cols["kind"])
    shown = np.flatnonzero(np.isin(kinds, KINDS_WITH_TEXT))  # NOP, EOL and the rest add nothing
    texts: list[str] = [""] * shown.shape[0]
    # timestamps, in most segments of most connections, in one go; the others one by one
    is_ts = (kinds[shown] == TCPOPT_TIMESTAMP) & np.asarray(opt.cols["has_v2"], dtype=np.bool_)[shown]
    ts = shown[is_ts]
    for i, a, b in zip(np.flatnonzero(is_ts).tolist(), np.asarray(opt.cols["v1"])[ts].tolist(),
                       np.asarray(opt.cols["v2"])[ts].tolist(), strict=True):
        texts[i] = f" TSval={a} TSecr={b}"
    rest = np.flatnonzero(~is_ts)
    cols = [opt.pkt[shown[rest]].tolist()] + [np.asarray(opt.cols[c])[shown[rest]].tolist() for c in _OPTION_COLUMNS]
    for i, values in zip(rest.tolist(), zip(*cols, strict=True), strict=True):
        o = _Option(*values)
        row = int(tcp_rows_of_pkt[o.pkt])
        if o.kind == TCPOPT_SACK:
            base = int(sack_base[row])
            texts[i] = "".join(f" SLE={(le - base) & 0xFFFFFFFF} SRE={(re - base) & 0xFFFFFFFF}"
                               for le, re in blocks.get((o.pkt, o.order), []))
        elif o.kind in _PREPENDED:
            front[row] = _PREPENDED[o.kind](o) + front.get(row, "")
        elif o.kind in _WITH_BYTES:
            texts[i] = _WITH_BYTES[o.kind](table, o)
        else:
            texts[i] = _option_text(o)
    return front, _by_row(tcp_rows_of_pkt[opt.pkt[shown]].tolist(), texts)


def _sack_blocks(table: PacketTable) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """The whole SACK blocks (raw edges) of each SACK option, keyed by (frame, option position)."""
    sack = table.layer("tcp.sack")
    blocks: dict[tuple[int, int], list[tuple[int, int]]] = {}
    if len(sack):
        for pkt, order, le, re, full in zip(sack.pkt.tolist(), np.asarray(sack.cols["opt_order"]).tolist(),
                                            np.asarray(sack.cols["le_raw"]).tolist(),
                                            np.asarray(sack.cols["re_raw"]).tolist(),
                                            np.asarray(sack.cols["has_re"]).tolist(), strict=True):
            if full:
                blocks.setdefault((pkt, order), []).append((le, re))
    return blocks


def _by_row(rows: list[int], texts: list[str]) -> dict[int, str]:
    """Each tcp row's texts, joined in option order."""
    if len(set(rows)) == len(rows):
        return dict(zip(rows, texts, strict=True))
    out: dict[int, list[str]] = {}
    for row, text in zip(rows, texts, strict=True):
        out.setdefault(row, []).append(text)
    return {k: "".join(v) for k, v in out.items()}


#: The option kinds whose dissectors write to Info (:func:`_option_texts`, :func:`_option_text`).
KINDS_WITH_TEXT = np.array([2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 19, 20, 27, 28, 29, 34, 76, 78, 172, 174, 253, 254])


def _scps_text(o: _Option) -> str:
    caps = ", ".join(name for bit, name in _SCPS_CAPS if o.v1 & bit)
    return (f" SCPS[{caps}]" if o.v1 else "") + (f" Connection ID={o.v2}" if o.has2 and o.v2 else "")


#: The Info text of one option of the kinds that show a value or a word, by kind: a
#: value once read (``has1``/``has2``), a word once the dissector started (``item``).
_OPTION_TEXT: dict[int, Callable[[_Option], str]] = {
    TCPOPT_MSS: lambda o: f" MSS={o.v1}" if o.has1 else "",
    TCPOPT_WINDOW: lambda o: f" WS={1 << min(o.v1, 14)}" if o.has1 else "",
    TCPOPT_SACK_PERM: lambda o: " SACK_PERM" if o.item else "",  # appended before the length check
    TCPOPT_TIMESTAMP: lambda o: f" TSval={o.v1} TSecr={o.v2}" if o.has2 else "",
    TCPOPT_ECHO: lambda o: f" ECHO={o.v1}" if o.has1 else "",
    TCPOPT_ECHOREPLY: lambda o: f" ECHO={o.v1}" if o.has1 else "",
    TCPOPT_CC: lambda o: f" CC={o.v1}" if o.has1 else "",
    TCPOPT_CCNEW: lambda o: f" CC={o.v1}" if o.has1 else "",
    TCPOPT_CCECHO: lambda o: f" CC={o.v1}" if o.has1 else "",
    TCPOPT_MD5: lambda o: " MD5" if o.item else "",
    TCPOPT_SCPS: lambda o: _scps_text(o) if o.has1 else "",
    TCPOPT_QS: lambda o: f" QSresp={QS_RATES[o.v1]}" if o.has1 else "",
    TCPOPT_USER_TO: lambda o: f" USER_TO={o.v1 & 0x7FFF}" if o.has1 else "",
    TCPOPT_AO: lambda o: "TCP AO" if o.item else "",  # sic: no space (dissect_tcpopt_ao)
    TCPOPT_TFO: lambda o: (" TFO=R" if o.olen == 2 else " TFO=C") if o.item and (o.olen == 2 or o.ok) else "",
}


def _option_text(o: _Option) -> str:
    """The Info text of one option of the kinds that show a value or a word (``_OPTION_TEXT``)."""
    text = _OPTION_TEXT.get(o.kind)
    return text(o) if text is not None else ""


#: What the Riverbed options prepend to Info: a probe response, or a last-notify query
#: in a SYN/ACK ("SA+, "/"SA++, "), once its value is read; "TRPY, " before the length check.
_PREPENDED: dict[int, Callable[[_Option], str]] = {
    TCPOPT_RVBD_PROBE: lambda o: ("SA+, " if o.v1 == 1 else "SA++, ") if o.has1 else "",
    TCPOPT_RVBD_TRPY: lambda o: "TRPY, " if o.item else "",
}


def _acc_ecn(table: PacketTable, o: _Option, header: int, order0: bool) -> str:
    """Info of Accurate ECN data (dissect_tcpopt_acc_ecn_data) after the option's first
    ``header`` bytes: " AccECN" without data, else the ``v2`` 24-bit counters shown, named
    by the option's order."""
    if o.olen == header:
        return " AccECN"
    data = table.buffers[o.buf]
    at = o.off + header
    names = _ACC_ECN_NAMES[0 if order0 else 1]
    texts = []
    for k in range(o.v2):
        b = data[at + 3 * k: at + 3 * k + 3].tolist()
        texts.append(f" {names[k]}={(b[0] << 16) | (b[1] << 8) | b[2]}")
    return "".join(texts)


def _experimental(table: PacketTable, o: _Option) -> str:
    """Info of an RFC 6994 experimental option (dissect_tcpopt_exp), named by its ExID (``v1``)."""
    exid = o.v1
    if exid == EXID_TFO:
        return " TFO=R" if o.olen == 4 else " TFO=C" if o.olen > 4 and o.ok else ""
    if exid == EXID_TARR:
        return " TARR" if o.olen == 4 else f" TARR={o.v2}" if o.has2 else ""
    if exid in EXID_ACC_ECN:
        return _acc_ecn(table, o, 4, exid == EXID_ACC_ECN[0]) if o.has2 else ""
    return f" ExID={exid:X}" if o.ok else ""


#: The options whose Info text reads their bytes: AccECN's counters (once the number of
#: counters shown is known, ``has2``) and the experiments (once the ExID is read).
_WITH_BYTES: dict[int, Callable[[PacketTable, _Option], str]] = {
    TCPOPT_ACC_ECN_0: lambda table, o: _acc_ecn(table, o, 2, True) if o.has2 else "",
    TCPOPT_ACC_ECN_1: lambda table, o: _acc_ecn(table, o, 2, False) if o.has2 else "",
    TCPOPT_EXP_FD: lambda table, o: _experimental(table, o) if o.has1 else "",
    TCPOPT_EXP_FE: lambda table, o: _experimental(table, o) if o.has1 else "",
}


def tcp_info(table: PacketTable) -> dict[int, str]:
    """Info text of every tcp row (keyed by row), for an analysed table."""
    tcp = table.layer("tcp")
    m = len(tcp)
    if m == 0:
        return {}
    first = tcp.first_row(table.n)
    front, opts = _option_texts(table, first)
    c = tcp.cols
    analysed = "stream" in c
    names = ["srcport", "dstport", "flags", "reach", "bogus_hlen", "hdr_len", "len", "urgent_pointer",
             "seq_raw", "ack_raw", "window_size_value"]
    cols = {k: np.asarray(c[k]).tolist() for k in names}
    zeros = [0] * m
    for k in ("seq", "ack", "window_size", "ta", "aflags", "dupack_num", "dupack_frame", "use_ace", "stream"):
        cols[k] = np.asarray(c[k]).tolist() if analysed else zeros
    if not analysed:
        cols["stream"] = [-1] * m
    # tcp.checksum.status: 0 (Bad) only when -o tcp.check_checksum:TRUE verified it
    cols["checksum_status"] = np.asarray(c["checksum_status"]).tolist() if "checksum_status" in c else [2] * m
    malformed = table.malformed.tolist()
    short = np.asarray(table.frame_cols.get("short", np.zeros(table.n, dtype=np.bool_))).tolist()
    out: dict[int, str] = {}
    for r, (pkt, reach, sport, dport) in enumerate(zip(tcp.pkt.tolist(), cols["reach"], cols["srcport"],
                                                       cols["dstport"], strict=True)):
        if reach < 1:
            continue
        text = f"{sport} \u2192 {dport}"
        if reach >= 2:
            text = _past_ports(cols, r, text, front, opts)
        if malformed[pkt]:
            text += malformed_mark(table, pkt)
        elif short[pkt]:
            text += SIZE_LIMITED
        out[r] = text
    return out


def _past_ports(cols: dict[str, list[int]], r: int, text: str, front: dict[int, str], opts: dict[int, str]) -> str:
    """Info of tcp row ``r`` once its sequence number is read: ``text`` (the ports) then
    the flags, numbers and lengths, the options' texts (``front`` prepended, ``opts``
    appended) and the analysis prefixes; a bogus header length instead ends it."""
    fl, length, aflags = cols["flags"][r], cols["len"][r], cols["aflags"][r]
    if cols["stream"][r] >= 0:
        seq, ack, win = cols["seq"][r], cols["ack"][r], cols["window_size"][r]
    else:
        seq, ack, win = cols["seq_raw"][r], cols["ack_raw"][r], cols["window_size_value"][r]
    text += (f" [{flags_text(fl, bool(cols['use_ace'][r]))}] Seq={seq} Ack={ack} Win={win}" if fl & 0x10
             else f" [{flags_text(fl, bool(cols['use_ace'][r]))}] Seq={seq} Win={win}")
    if cols["bogus_hlen"][r]:
        return text + f", bogus TCP header length ({cols['hdr_len'][r]}, must be at least 20)"
    if cols["reach"][r] < 4:
        return text
    if cols["checksum_status"][r] == 0:
        text += " [TCP CHECKSUM INCORRECT]"
    if fl & 0x20:
        text += f" Urg={cols['urgent_pointer'][r]}"
    if length >= 0:
        text += f" Len={length}"
    if r in front:
        text = front[r] + text
    if r in opts:
        text += opts[r]
    if aflags & PREFIX_BITS and cols["ta"][r]:
        text = _prefixes(aflags, cols["dupack_num"][r], cols["dupack_frame"][r]) + text
    return text


SIZE_LIMITED = "[Packet size limited during capture]"
MALFORMED = "[Malformed Packet]"
CONTAINED = "[Malformed Packet: length of contained item exceeds length of containing item]"


def malformed_mark(table: PacketTable, pkt: int) -> str:
    """What show_exception (epan/show_exception.c) appends to the Info of a malformed frame:
    a ReportedBoundsError's mark, or a ContainedBoundsError's."""
    contained = table.frame_cols.get("contained")
    return CONTAINED if contained is not None and contained[pkt] else MALFORMED


def exception_mark(table: PacketTable, pkt: int) -> str:
    """What show_exception appends to the Info of frame ``pkt``: :func:`malformed_mark` for
    a read past the reported length, else for one past the captured bytes (a BoundsError)
    ``[Packet size limited during capture]``, else nothing."""
    if table.malformed[pkt]:
        return malformed_mark(table, pkt)
    short = table.frame_cols.get("short")
    return SIZE_LIMITED if short is not None and short[pkt] else ""


#: Every analysis flag that writes a prefix
PREFIX_BITS = 0
for _bit, _ in PREFIXES:
    PREFIX_BITS |= _bit


def analysis_prefix(table: PacketTable, row: int) -> str:
    """The analysis prefixes of tcp row ``row`` (``[TCP Retransmission] `` ...): they sit
    before the Info column's fence, so an application dissector's text follows them."""
    c = table.layer("tcp").cols
    if "aflags" not in c:
        return ""
    aflags = int(c["aflags"][row])
    if not (aflags & PREFIX_BITS and c["ta"][row]):
        return ""
    return _prefixes(aflags, int(c["dupack_num"][row]), int(c["dupack_frame"][row]))


def _prefixes(aflags: int, dupnum: int, dupframe: int) -> str:
    """The analysis prefixes, each prepended in Wireshark's order (last added comes first)."""
    text = ""
    for bit, prefix in PREFIXES:
        if aflags & bit:
            if bit == A_DUPLICATE_ACK:
                if dupnum:
                    text = f"[TCP Dup ACK {dupframe}#{dupnum}] " + text
            else:
                text = prefix + text
    return text
