"""The UDP tree of ``tcpscope show`` (views/tree_udp.py) equals ``tshark -n -V`` and
``tshark -n -T json -x``, frame by frame, on generated captures whose ports no dissector
above UDP takes (the golden captures' UDP is nearly all DNS, pending in
tests/views/show_declared.py): conversations over IPv4 and IPv6, empty datagrams,
lengths under 8 and past the IP payload, zero checksums over both, headers cut by the
snapshot length, LBL traceroute's ports, time going back.

Not yet told apart: the two traceroute items of a datagram with both ports in range
(tshark puts one under each port; tcpscope both under the source port), so those frames
are left out, each counted."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from test_show_golden import frame_diffs, split_frames
from test_show_json import by_number, json_diffs, parse
from udp_craft import udp_capture

import tcpscope
from tcpscope.views.columns import full_registry
from tcpscope.views.tree_frames import show_text
from tcpscope.views.tree_json import frame_details, tshark_json

pytestmark = [pytest.mark.usefixtures("utc"), pytest.mark.tshark]

#: Ports no dissector takes, two of them in LBL traceroute's range (33435-33464).
PORTS = ((33440, 40000, 47001), (40002, 33460, 47002))
TRACEROUTE = range(33435, 33465)


def _capture(tmp_path: Path, seed: int) -> Path:
    return udp_capture(tmp_path / "u.pcap", n=250, seed=seed, ports=PORTS)


def _both_traceroute(cap: Path) -> frozenset[int]:
    """The frames whose two ports are both in traceroute's range (module docstring)."""
    ports = tcpscope.open(str(cap)).packets.select("frame.number", "udp.srcport", "udp.dstport").to_arrow().to_pylist()
    return frozenset(r["frame.number"] for r in ports
                     if r["udp.srcport"] in TRACEROUTE and r["udp.dstport"] in TRACEROUTE)


def _tshark(tshark: str, cap: Path, *args: str) -> str:
    return subprocess.run([tshark, "-n", "-r", str(cap), *args], capture_output=True, check=True,
                          env={"LC_ALL": "C.UTF-8", "TZ": "UTC", "PATH": "/usr/bin:/bin"}).stdout.decode("utf-8")


@pytest.mark.parametrize("seed", [3, 4])
def test_udp_tree_matches_tshark(tmp_path: Path, seed: int, tshark: str) -> None:
    cap = _capture(tmp_path, seed)
    skip = _both_traceroute(cap)
    table = tcpscope.open(str(cap)).table
    frames = np.arange(table.n, dtype=np.int64)
    ours = {f + 1: t.text + "\n" for f, t in zip(frames.tolist(), show_text(table, frames, full_registry()),
                                                   strict=True)}
    want = split_frames(_tshark(tshark, cap, "-V"))
    problems, pending = frame_diffs("u.pcap", want, ours, dict.fromkeys((("u.pcap", n) for n in skip), "both"))
    assert (problems, sum(pending.values())) == ([], 0)
    assert 0 < len(skip) < len(want) // 5


@pytest.mark.parametrize("seed", [3])
def test_udp_json_matches_tshark(tmp_path: Path, seed: int, tshark: str) -> None:
    cap = _capture(tmp_path, seed)
    skip = _both_traceroute(cap)
    table = tcpscope.open(str(cap)).table
    frames = np.arange(table.n, dtype=np.int64)
    ours = by_number(parse(tshark_json(frame_details(table, frames, full_registry()), True)))
    want = by_number(parse(_tshark(tshark, cap, "-T", "json", "-x")))
    compared = frozenset(want) - skip
    assert json_diffs("u.pcap", want, ours, compared, {}) == []
