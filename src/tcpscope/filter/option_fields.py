"""TCP option bytes as fields: ``tcp.options`` and the per-kind option items.

packet-tcp.c adds ``tcp.options`` (FT_BYTES, "Options: (N bytes)") over the header's
option bytes as far as they were captured, once the fixed header is dissected, and each
option dissector starts with an item of its own protocol-in-name-only
(``proto_register_protocol_in_name_only(..., "tcp.options.mss", ..., FT_BYTES)``) over
the option's bytes, again as far as captured. NOP and EOL items are one byte. The echo
and CC dissectors add ``tcp.options.echo`` and ``tcp.options.cc`` for every kind they
handle (so ``tcp.options.echoreply``, ``ccnew`` and ``ccecho`` are never present, as in
tshark 4.0.17). MPTCP's item is the ``mptcp`` protocol, which tcpscope does not produce.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tcpscope.dissect.tcp_options import KNOWN_KINDS, OPTION_PROTOCOLS
from tcpscope.table.access import spans_values
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef, FieldType
from tcpscope.table.values import Values

__all__ = ["OPTION_FIELDS", "OPTION_ITEM_KINDS"]

#: The field of each option kind's item (the dissector table "tcp.option" of packet-tcp.c;
#: MPTCP's item is the ``mptcp`` protocol, which tcpscope does not produce).
OPTION_ITEM_KINDS: dict[str, tuple[int, ...]] = {
    name: kinds for name, kinds in OPTION_PROTOCOLS.items() if name.startswith("tcp.options.")}
#: The protocols' names (proto_register_protocol_in_name_only), which filter errors quote.
_TITLES = {
    "tcp.options.nop": "No-Operation (NOP)", "tcp.options.eol": "End of Option List (EOL)",
    "tcp.options.timestamp": "Timestamps", "tcp.options.mss": "Maximum segment size",
    "tcp.options.wscale": "Window scale", "tcp.options.sack_perm": "SACK permitted",
    "tcp.options.sack": "SACK", "tcp.options.echo": "Echo",
    "tcp.options.echoreply": "Echo reply", "tcp.options.cc": "CC", "tcp.options.ccnew": "CC.NEW",
    "tcp.options.ccecho": "CC.ECHO", "tcp.options.ao": "TCP AO", "tcp.options.md5": "TCP MD5 signature",
    "tcp.options.scps": "SCPS capabilities", "tcp.options.snack": "Selective Negative Acknowledgment",
    "tcp.options.scpsrec": "SCPS record boundary", "tcp.options.scpscor": "SCPS corruption experienced",
    "tcp.options.qs": "Quick-Start", "tcp.options.user_to": "User Timeout", "tcp.options.tfo": "TCP Fast Open",
    "tcp.options.acc_ecn": "Accurate ECN", "tcp.options.rvbd.probe": "Riverbed Probe",
    "tcp.options.rvbd.trpy": "Riverbed Transparency", "tcp.options.experimental": "Experimental",
    "tcp.options.unknown": "Unknown",
}


def _tcp_options(t: PacketTable) -> Values:
    lt = t.layer("tcp")
    if len(lt) == 0:
        return Values(np.zeros(0, np.int64), np.zeros((0, 2), np.int64))
    c = lt.cols
    hlen = np.asarray(c["hdr_len"], dtype=np.int64)
    # after the whole fixed header (reach 4) of a sane header length
    keep = (np.asarray(c["reach"]) >= 4) & ~np.asarray(c["bogus_hlen"], dtype=np.bool_) & (hlen > 20)
    start = np.asarray(c["_start"], dtype=np.int64)[keep] + 20
    bufs = np.asarray(c["_buf"], dtype=np.int64)[keep]
    spans = np.stack([start, np.asarray(c["opt_cap"], dtype=np.int64)[keep]], axis=1)
    return spans_values(t, lt.pkt[keep], spans, bufs, lt.layer[keep])


def _option_item(kinds: tuple[int, ...], unknown: bool = False) -> Callable[[PacketTable], Values]:
    def get(t: PacketTable) -> Values:
        lt = t.layer("tcp.option")
        if len(lt) == 0 or not (kinds or unknown):
            return Values(np.zeros(0, np.int64), np.zeros((0, 2), np.int64))
        kind = np.asarray(lt.cols["kind"], dtype=np.int64)
        sel = ~np.isin(kind, KNOWN_KINDS) if unknown else np.isin(kind, kinds)
        sel &= np.asarray(lt.cols["item"], dtype=np.bool_)
        k = kind[sel]
        pkt = lt.pkt[sel]
        start = np.asarray(lt.cols["off"], dtype=np.int64)[sel]
        length = np.where(k <= 1, 1, np.asarray(lt.cols["len"], dtype=np.int64)[sel])
        # the captured end of the options: those of the frame's (last) TCP header
        tcp = t.layer("tcp")
        pos = np.clip(np.searchsorted(tcp.pkt, pkt, side="right") - 1, 0, None)
        opt_end = (np.asarray(tcp.cols["_start"], dtype=np.int64) + 20
                   + np.asarray(tcp.cols["opt_cap"], dtype=np.int64))[pos]
        bufs = np.asarray(lt.cols["_buf"], dtype=np.int64)[sel]
        return spans_values(t, pkt, np.stack([start, np.minimum(length, opt_end - start)], axis=1), bufs, lt.layer[sel])

    return get


OPTION_FIELDS: tuple[FieldDef, ...] = (
    FieldDef("tcp.options", FieldType.BYTES, _tcp_options, "TCP Options",
             description="The bytes of the TCP header's options."),
    *(FieldDef(name, FieldType.BYTES, _option_item(kinds), "TCP Option - " + _TITLES[name],
               description=f"A TCP option {_TITLES[name]} in the header: its bytes (kind, length and value).")
      for name, kinds in OPTION_ITEM_KINDS.items()),
    FieldDef("tcp.options.unknown", FieldType.BYTES, _option_item((), unknown=True),
             "TCP Option - Unknown",
             description="A TCP option of a kind Wireshark does not know: its bytes."),
)
