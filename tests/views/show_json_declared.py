"""The frames of ``tcpscope show -T json`` that differ from ``tshark -T json``, declared
one by one by reason, among the frames whose ``-V`` text already equals tshark's.

``DECLARED[reason][capture]`` holds frame numbers (``"4 6 8-12"``); tests/views/test_show_json.py
compares every other such frame of the recorded prefix whole (as parsed JSON, repeated
keys kept in order, with and without the ``*_raw`` arrays) and fails on a declared frame
that has come to match (stale). docs/deviations.md lists the reasons.
"""

from __future__ import annotations

__all__ = ["DECLARED"]

TLS_JSON = "the TLS tree in -T json: views/tree_tls.py writes the text tree only (the JSON has the protocol's label)"

DECLARED: dict[str, dict[str, str]] = {
    TLS_JSON: {
        "tls-dns.pcap": "16-17 57-58 69-72",
    },
}
