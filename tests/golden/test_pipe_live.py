"""``tcpdump -w - | tcpscope fields -``: through a pipe, tcpscope prints what tshark prints.

Every capture is written to both programs' standard input; tshark reads a pipe with
rules of its own (no guessing at pcap variants, "the standard input" in its messages),
and tcpscope reads it a batch at a time (``capture.pipe``). The output is compared cell
by cell as ``test_fields.test_golden`` compares the files, with the same known differences.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fieldsets import all_fields
from golden_io import CAPTURES, TsharkRun, capture_names, run_tshark
from test_fields import check

SRC = CAPTURES.parents[2] / "src"
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
    args = [sys.executable, "-m", "tcpscope.cli.main", "fields", "-", "-E", "header=y",
            *(a for f in fields for a in ("-e", f))]
    env = dict(os.environ, PYTHONPATH=str(SRC))
    done = subprocess.run(args, input=data, capture_output=True, env=env, timeout=120, check=False)
    check(name, live, TsharkRun(done.stdout.decode("utf-8"), done.stderr.decode("utf-8"), done.returncode))
