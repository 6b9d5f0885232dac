"""The frames of ``tcpscope show -T json`` that differ from ``tshark -T json``, declared
one by one by reason, among the frames whose ``-V`` text already equals tshark's.

``DECLARED[reason][capture]`` holds frame numbers (``"4 6 8-12"``); tests/views/test_show_json.py
compares every other such frame of the recorded prefix whole (as parsed JSON, repeated
keys kept in order, with and without the ``*_raw`` arrays) and fails on a declared frame
that has come to match (stale). ``RAW_DECLARED`` holds the frames that differ in the
``*_raw`` arrays alone: compared without them, they must be equal. docs/deviations.md lists
the reasons.
"""

from __future__ import annotations

__all__ = ["DECLARED", "RAW_DECLARED"]

IPV6_FRAGMENT_RAW = ("the bytes of an IPv6 header followed by a fragment header (-x): tshark's ipv6_raw spans the"
                     " fragment header too, tcpscope's the fixed header alone")

LLC_CONTROL_RAW = ("an LLC I frame's two-byte control field (-x): tshark reads it little-endian, so its bit items'"
                   " raw values are those bits of the little-endian number, tcpscope's of the bytes read big-endian;"
                   " and llc.control.ftype's type there is FT_UINT16 (a U frame's FT_UINT8 in tcpscope)")

DECLARED: dict[str, dict[str, str]] = {}

#: Frames whose JSON differs only in the ``*_raw`` arrays of ``-x`` (equal without them)
RAW_DECLARED: dict[str, dict[str, str]] = {
    IPV6_FRAGMENT_RAW: {
        "craft-ipv6-ext.pcap": "12",
    },
    LLC_CONTROL_RAW: {
        "bad/huge-record-length.pcap": "1",
        "craft-encap-8023.pcap": "5",
    },
}
