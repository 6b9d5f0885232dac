"""Record ``tshark -T json -e ...`` and ``tshark -T ek -e ...`` for the export tests.

    TZ=UTC python tests/golden/make_golden_exports.py

Writes ``expected/exports/<capture>.json`` and ``.ek`` for the fields of
:data:`EXPORT_FIELDS` and the captures of :data:`EXPORT_CAPTURES`, and
``expected/exports/TSHARK_VERSION``. The Elasticsearch index names the frame's local date:
record (and test) in UTC.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
CAPTURES = HERE / "captures"
EXPECTED = HERE / "expected" / "exports"

#: Header fields of every kind (integers, addresses, times, text, bytes, flags, lists) and
#: analysis fields.
EXPORT_FIELDS: tuple[str, ...] = (
    "frame.number", "frame.time_epoch", "frame.time_relative", "ip.src", "ipv6.src", "tcp.srcport", "tcp.dstport",
    "tcp.stream", "tcp.seq", "tcp.ack", "tcp.len", "tcp.flags.str", "tcp.options.sack_le", "tcp.analysis.flags",
    "tcp.analysis.retransmission", "tcp.analysis.ack_rtt", "tcp.analysis.acks_frame", "tcp.payload",
    "tcp.options.mss_val",
)
#: Captures with retransmissions and SACK, IPv6, tunnels, fragments, several interfaces,
#: an accurate-ECN flag string and time stamps whose fraction is out of range.
EXPORT_CAPTURES: tuple[str, ...] = (
    "zeek-tcp-option-sack.pcap", "zeek-tcp-retransmit-fast009.pcap", "own-ipv6.pcap", "zeek-tunnels-4in6.pcap", "zeek-ipv4-fragmented-1.pcap",
    "zeek-pcapng-multi-interface.pcapng", "craft-tcp-accecn.pcap", "craft-pcap-odd-nsec.pcap", "http-get.pcap",
)


def tshark_args(capture: Path, fmt: str) -> list[str]:
    return ["tshark", "-r", str(capture), "-T", fmt, *[a for f in EXPORT_FIELDS for a in ("-e", f)]]


def main() -> None:
    EXPECTED.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, TZ="UTC")
    version = subprocess.run(["tshark", "--version"], capture_output=True, text=True, check=True, env=env)
    (EXPECTED / "TSHARK_VERSION").write_text(version.stdout.splitlines()[0] + "\n")
    for name in EXPORT_CAPTURES:
        for fmt in ("json", "ek"):
            out = subprocess.run(tshark_args(CAPTURES / name, fmt), capture_output=True, check=True, env=env).stdout
            (EXPECTED / f"{name}.{fmt}").write_bytes(out)
        print("recorded", name)


if __name__ == "__main__":
    main()
