"""``tcpscope -r FILE -T ek`` without ``-e`` beside tshark's, on captures the drop-in goldens
do not cover: TCP headers of every shape (options, bad lengths and their expert items),
SACK blocks, a Linux cooked capture, HTTP (a body line cut at a bracket, a lossy capture's
Continuations and their ``_ws.string`` expert item). Frames are chosen whose ``-T json`` tree is
tshark's, so that what is compared is the EK writer (:mod:`tcpscope.cli.dropin_ek`):
every line, exactly.
"""

from __future__ import annotations

import os
import subprocess

import pytest
from dropin_run import run_dropin

pytestmark = [pytest.mark.tshark, pytest.mark.usefixtures("utc")]

#: (capture, display filter, -x or "") whose frames' JSON trees are tshark's
CASES = [("craft-tcp-header.pcap", "frame.number <= 20 or frame.number == 27 or frame.number == 28", "-x"), ("craft-link-sll.pcap", "tcp.len == 0", ""),
         ("zeek-tcp-option-sack.pcap", "", "-x"), ("http-eth.pcap", "", "-x"),
         ("own-lossy-seed11.pcap", "frame.number <= 140", "-x")]


@pytest.mark.parametrize(("capture", "wanted", "x"), CASES)
def test_ek_is_tsharks(capture: str, wanted: str, x: str, tshark: str) -> None:
    line = f"tshark -r {{cap}} -T ek {x}" + (f' -Y "{wanted}"' if wanted else "")
    got = run_dropin(line, capture, "")
    args = ["-r", capture, "-T", "ek", *([x] if x else []), *(["-Y", wanted] if wanted else [])]
    from make_golden_dropin import CAPTURES

    want = subprocess.run([tshark, *args], cwd=CAPTURES, capture_output=True, text=True, check=True,
                          env={**os.environ, "LC_ALL": "C.UTF-8", "TZ": "UTC"}).stdout
    assert want.count("\n") >= 2
    assert got.stdout == want
