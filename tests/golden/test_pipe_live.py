"""``tcpdump -w - | tcpscope fields -``: through a pipe, tcpscope prints what tshark prints.

Every capture is written to both programs' standard input; tshark reads a pipe with
rules of its own (no guessing at pcap variants, "the standard input" in its messages),
and tcpscope reads it a batch at a time (``capture.pipe``). The output is compared cell
by cell as ``test_fields.test_golden`` compares the files, with the same known differences.
tcpscope runs in this process on a real pipe (``compare.run_piped``).
"""

from __future__ import annotations

import pytest
from compare import run_piped
from fieldsets import all_fields
from golden_io import CAPTURES, capture_names, run_tshark
from test_fields import check

#: the captures whose reading a pipe can change: pcapng, the pcap variants, the damaged
#: ones, gzip, and two plain ones (every capture is compared between a pipe's batches and
#: the whole stream in tests/views/test_pipe_stream.py)
PIPED = [n for n in capture_names()
         if "pcapng" in n or n.startswith(("bad/", "craft-pcap", "editcap-", "craft-gzip"))
         or n in ("http-eth.pcap", "craft-ipv4-frags.pcap")]


@pytest.mark.tshark
@pytest.mark.parametrize("name", PIPED)
def test_live_through_a_pipe(name: str, tshark: str) -> None:
    data = (CAPTURES / name).read_bytes()
    fields = all_fields()
    live = run_tshark("-", fields, tshark, stdin=data)
    check(name, live, run_piped("fields", "-", "-E", "header=y", *(a for f in fields for a in ("-e", f)), stdin=data))
