"""Lines of ``tcpscope flow`` that differ from tshark's on the golden captures, by reason.

reason -> capture -> the line numbers (1-based, ``"13 15"``) of its ``-z flow,tcp,standard``
text (the ``network`` text has the same lines there). docs/deviations.md lists each reason
with its count; tests/views/test_flow.py fails on a declared line that no longer differs.
"""

from __future__ import annotations

__all__ = ["DECLARED", "OUT_OF_RANGE_TIME"]

#: docs/deviations.md, "Out-of-range fractions of a second": tshark prints the time of a
#: record whose fraction reaches a whole second unnormalized; the rest of the line is equal.
OUT_OF_RANGE_TIME = "out-of-range fraction of a second in the time: docs/deviations.md"

DECLARED: dict[str, dict[str, str]] = {
    OUT_OF_RANGE_TIME: {
        "craft-pcap-odd-nsec.pcap": "13 15",
        "craft-pcap-odd-usec.pcap": "13",
    },
}
