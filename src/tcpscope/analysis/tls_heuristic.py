"""The TLS heuristic above TCP (packet-tls.c ``dissect_ssl_heur``, ``is_sslv3_or_tls``), as
tshark 4.0.17 applies it in one pass (reference/pdu-framing.md §1).

TCP tries the heuristic dissectors only when no dissector is registered for either port
(``decode_tcp_ports``: the port table first), on a segment it hands to a dissector (not
a retransmission, an out-of-order segment or a keep-alive). The TLS heuristic takes a
segment whose first five bytes read as a record header: content type handshake (22) or
application data (23), version SSL 3.0, TLS 1.0-1.2 or GM TLS, a length from 1 to
2**14 + 2047; it then binds the conversation to TLS, whose later segments in both
directions go to TLS whatever they hold. The other heuristics tshark tries are not
applied (tcpscope has none of those dissectors), nor the SSLv2 Client Hello test.
"""

from __future__ import annotations

import numpy as np

from tcpscope._types import Index, Mask
from tcpscope.table.packets import PacketTable

__all__ = ["REGISTERED_PORTS", "heuristic_tls", "registered"]

#: Every TCP port tshark 4.0.17 registers a dissector for (``tshark -G decodes``,
#: table tcp.port), as ranges
_REGISTERED = (
    "0 7 13 19-23 25 37 42-43 49 53 70 79-80 88 102 104 110-111 119 123 139 143 161-162 179 199 210 323-324",
    "389 427 443 445 464-465 473 500 502 512-515 524 547-548 554 564 587 631 636 639 646-647 674 705 802 829",
    "853-854 862 873 925 988 993 995 1080 1090 1099 1102 1153 1194 1213 1300 1344 1433 1521 1533 1547 1723",
    "1755 1861 1863 1883 1900 1935 1978-1979 1998 2000-2001 2065 2099 2123 2126 2152 2190 2221 2234 2240 2269",
    "2321-2322 2345 2401 2404 2424 2427 2433 2443 2501-2502 2571 2575 2600 2710 2727 2812 2855 2869 2944-2945",
    "3002-3003 3006 3014 3016-3019 3050 3128 3132 3205 3245-3252 3268 3288 3306 3333-3334 3357 3369 3386 3389",
    "3452 3478 3496 3567 3632 3671 3689 3724 3804 3860 3863 3868 3918 4002 4058 4155 4189 4222-4224 4249-4250",
    "4321 4342 4369 4420 4551 4555-4556 4661-4663 4712 4730 4737 4739 4788 4840 4880 5000 5010 5060-5061 5066",
    "5084 5094 5190 5222 5253 5353 5432 5445 5500-5501 5534 5555 5671-5672 5683-5684 5701 5721 5868 5900-5901",
    "5985 5997 6000-6063 6068 6075 6084 6121 6160 6346 6379 6417 6653 6666-6668 6881-6889 7000 7075 7171-7172",
    "7236 7275-7276 7871 7890 7900 7911 7930 8004 8009-8010 8023 8074 8080 8085 8088 8554 8567 8883 9000 9009",
    "9042 9092 9168 9300 9418 9600 9955-9956 9999-10000 10288 11207 11210-11211 11371 13400 13819 14001 15740",
    "17500 17755-17756 19006 19042-19043 19506 19543 19999-20000 20256 21064 22222 24800 27017 29418",
    "30000-30200 34980 44321-44322 44818 48049 48898 57000",
)


def _ports(spec: str) -> Index:
    out: list[int] = []
    for part in spec.split():
        first, _, last = part.partition("-")
        out.extend(range(int(first), int(last or first) + 1))
    return np.array(out, dtype=np.int64)


REGISTERED_PORTS: Index = _ports(" ".join(_REGISTERED))

#: TLS's longest record (2**14, plus the 2048 bytes of expansion TLS 1.2 allows)
_MAX_RECORD = 2**14 + 2048


def registered(port: Index) -> Mask:
    """Ports with a dissector in tshark's port table."""
    return np.isin(port, REGISTERED_PORTS, kind="table")  # (not sorted: np.unique imports numpy.ma)


def heuristic_tls(table: PacketTable, rows: Index) -> Mask:
    """Which ``tcp`` rows' payloads start with what ``is_sslv3_or_tls`` takes for a TLS
    record header (at least five bytes captured)."""
    tcp = table.layer("tcp")
    c = tcp.cols
    cap = np.asarray(c["payload_cap"], dtype=np.int64)[rows]
    off = np.asarray(c["payload_off"], dtype=np.int64)[rows]
    buf = np.asarray(c["_buf"], dtype=np.int64)[rows]
    out = np.zeros(rows.shape[0], dtype=np.bool_)
    for b in np.unique(buf[cap >= 5]).tolist():
        sel = np.flatnonzero((buf == b) & (cap >= 5))
        head = np.asarray(table.buffers[b])[off[sel, None] + np.arange(5)].astype(np.int64)
        version = head[:, 1] * 256 + head[:, 2]
        length = head[:, 3] * 256 + head[:, 4]
        out[sel] = (np.isin(head[:, 0], (22, 23)) & np.isin(version, (0x0300, 0x0301, 0x0302, 0x0303, 0x0101))
                    & (length > 0) & (length < _MAX_RECORD))
    return out
