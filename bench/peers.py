"""(d) Python peers reading the same capture: dpkt and scapy, beside tcpscope's read + dissect.

Each peer reads every record and decodes Ethernet / IP / TCP (or UDP), touching the
header fields of the bench list, one Python object per packet as those libraries do.
scapy is measured on the first ``SCAPY_PACKETS`` packets and its rate extrapolated to
the file (reading all of it takes many minutes); the output says so. A peer that is
not installed is skipped: ``pip install --target DIR dpkt scapy`` and ``BENCH_PEERS=DIR``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, capture, packet_count, save, warm

SCAPY_PACKETS = 20_000
if os.environ.get("BENCH_PEERS"):
    sys.path.append(os.environ["BENCH_PEERS"])
sys.path.insert(0, str(ROOT / "src"))


def tcpscope(path: Path) -> float:
    from tcpscope.capture import read_records
    from tcpscope.dissect.pipeline import dissect

    dissect(read_records(path))
    t0 = time.perf_counter()
    dissect(read_records(path))
    return time.perf_counter() - t0


def dpkt_run(path: Path) -> float | None:
    try:
        import dpkt
    except ImportError:
        return None
    t0 = time.perf_counter()
    n = 0
    with open(path, "rb") as fh:
        for _ts, buf in dpkt.pcap.Reader(fh):
            eth = dpkt.ethernet.Ethernet(buf)
            ip = eth.data
            if isinstance(ip, dpkt.ip.IP):
                _ = (ip.v, ip.hl, ip.len, ip.id, ip.df, ip.mf, ip.offset, ip.ttl, ip.p, ip.sum, ip.src, ip.dst)
                seg = ip.data
                if isinstance(seg, dpkt.tcp.TCP):
                    _ = (seg.sport, seg.dport, seg.seq, seg.ack, seg.off, seg.flags, seg.win, seg.sum, seg.urp,
                         dpkt.tcp.parse_opts(seg.opts))
                elif isinstance(seg, dpkt.udp.UDP):
                    _ = (seg.sport, seg.dport)
            n += 1
    return time.perf_counter() - t0


def scapy_run(path: Path, limit: int) -> float | None:
    try:
        from scapy.layers.inet import IP, TCP, UDP
        from scapy.utils import PcapReader
    except ImportError:
        return None
    t0 = time.perf_counter()
    with PcapReader(str(path)) as reader:
        for i, pkt in enumerate(reader):
            if i >= limit:
                break
            if IP in pkt:
                ip = pkt[IP]
                _ = (ip.version, ip.ihl, ip.len, ip.id, ip.flags, ip.frag, ip.ttl, ip.proto, ip.chksum, ip.src, ip.dst)
                if TCP in pkt:
                    t = pkt[TCP]
                    _ = (t.sport, t.dport, t.seq, t.ack, t.dataofs, t.flags, t.window, t.chksum, t.urgptr, t.options)
                elif UDP in pkt:
                    _ = (pkt[UDP].sport, pkt[UDP].dport)
    return time.perf_counter() - t0


def main() -> dict[str, Any]:
    path = capture()
    warm(path)
    n = packet_count(path)
    mine = tcpscope(path)
    result: dict[str, Any] = {"packets": n, "tcpscope_read_dissect_s": mine}
    print(f"(d) Python peers on {path.name} ({n} packets): read and decode every packet")
    print(f"  tcpscope read + dissect            {mine:9.2f} s")
    d = dpkt_run(path)
    if d is None:
        print("  dpkt: not installed, skipped")
    else:
        print(f"  dpkt                               {d:9.2f} s  ({d / mine:.1f}x tcpscope's time)")
        result["dpkt_s"] = d
    s = scapy_run(path, SCAPY_PACKETS)
    if s is None:
        print("  scapy: not installed, skipped")
    else:
        est = s * n / min(n, SCAPY_PACKETS)
        print(f"  scapy (first {SCAPY_PACKETS} packets: {s:.1f} s)  {est:9.1f} s extrapolated"
              f"  ({est / mine:.0f}x tcpscope's time)")
        result["scapy_first_packets"] = SCAPY_PACKETS
        result["scapy_first_s"] = s
        result["scapy_extrapolated_s"] = est
    saved = save("peers", result)
    print(f"  -> {saved.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    main()
