"""``tcpscope show -T json [-x]`` equals ``tshark -T json [-x]`` on the frames whose text tree
equals tshark's (the others are pending or declared by test_show_golden).

The golden files hold ``tshark -n -T json -x`` of each capture's first frames
(``tests/golden/make_golden_show_json.py``, which records tshark's version). Each frame
is compared as parsed JSON with its repeated keys kept in order (tshark 4.0 writes a
repeated field once per item): with the ``*_raw`` arrays as ``-x`` writes them, and
without them as plain ``-T json``. A frame that differs must be declared in
:data:`show_json_declared.DECLARED` with its reason; a declared frame that matches fails
as stale. Where tshark is installed, a few captures are compared live, byte for byte.
"""

from __future__ import annotations

import io
import json
import lzma
import os
import subprocess
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest
from compare import CAPTURES, capture_files, run_tcpscope
from make_golden_show_json import FRAMES, JSON_ARGS, VERSION_FILE, json_path
from show_declared import DECLARED as SHOW_DECLARED
from show_json_declared import DECLARED, RAW_DECLARED
from test_golden_list import declared_lines
from test_show_golden import _golden as show_golden
from test_show_golden import pending_reason, split_frames

import tcpscope
from tcpscope.errors import TcpscopeError
from tcpscope.views.columns import full_registry
from tcpscope.views.tree_json import frame_details, tshark_json

NAMES = [c.relative_to(CAPTURES).as_posix() for c in capture_files()]

pytestmark = pytest.mark.usefixtures("utc")

Pairs = list[tuple[str, Any]]


def parse(text: str) -> list[Pairs]:
    """JSON with every object as its list of (key, value) pairs, repeated keys kept."""
    got = json.loads(text, object_pairs_hook=list)
    return got if isinstance(got, list) else []


def without_raw(value: Any) -> Any:
    """The value with every ``*_raw`` member left out (what ``-T json`` writes without ``-x``)."""
    if isinstance(value, list) and value and all(isinstance(p, tuple) for p in value):
        return [(k, without_raw(v)) for k, v in value if not k.endswith("_raw")]
    return value


def by_number(packets: list[Pairs]) -> dict[int, Pairs]:
    out = {}
    for packet in packets:
        layers = dict(dict(dict(packet)["_source"])["layers"])
        out[int(dict(layers["frame"])["frame.number"])] = packet
    return out


@cache
def _compared(name: str) -> frozenset[int]:
    """The frames of the recorded prefix whose text tree test_show_golden requires equal."""
    declared = declared_lines(SHOW_DECLARED)
    text = show_golden(name)
    end = text.find(f"\nFrame {FRAMES + 1}: ")  # (the frames after the prefix are not read)
    texts = split_frames(text if end < 0 else text[:end + 1])
    return frozenset(n for n, text in texts.items()
                     if n <= FRAMES and pending_reason(text) is None and (name, n) not in declared)


#: pcap magic numbers and the byte order of their record headers
_PCAP_ORDER: dict[bytes, Literal["little", "big"]] = {b"\xd4\xc3\xb2\xa1": "little", b"\x4d\x3c\xb2\xa1": "little", b"\xa1\xb2\xc3\xd4": "big",
               b"\xa1\xb2\x3c\x4d": "big"}


def prefix(path: Path, frames: int) -> Path | io.BytesIO:
    """A large plain pcap file cut after its first ``frames`` records (a frame's tree
    depends on the frames before it only), else the file itself."""
    data = path.read_bytes()
    order = _PCAP_ORDER.get(data[:4])
    if order is None or len(data) < 1 << 20:
        return path
    at = 24
    for _ in range(frames):
        if at + 16 > len(data):
            break
        at += 16 + int.from_bytes(data[at + 8:at + 12], order)
    return io.BytesIO(data[:at])


def _ours(name: str, raw: bool) -> dict[int, Pairs]:
    try:
        cap = tcpscope.open(prefix(CAPTURES / name, FRAMES))
    except TcpscopeError:
        return {}
    frames = np.arange(min(cap.table.n, FRAMES), dtype=np.int64)
    return by_number(parse(tshark_json(frame_details(cap.table, frames, full_registry()), raw)))


def json_diffs(name: str, expected: dict[int, Pairs], got: dict[int, Pairs], compared: frozenset[int],
               declared: dict[tuple[str, int], str]) -> list[str]:
    problems = []
    for n in sorted(compared):
        want, mine = expected.get(n), got.get(n)
        why = declared.get((name, n))
        if why is None and mine != want:
            problems.append(f"{name} frame {n} differs:\n{_first_difference(want, mine)}")
        elif why is not None and mine == want:
            problems.append(f"{name} frame {n}: declared ({why}) but equal to tshark's: stale")
    return problems


def _first_difference(want: Any, got: Any, path: str = "") -> str:
    if isinstance(want, list) and isinstance(got, list):
        for i, (a, b) in enumerate(zip(want, got, strict=False)):
            if a != b:
                key = a[0] if isinstance(a, tuple) else str(i)
                return _first_difference(a[1] if isinstance(a, tuple) and isinstance(b, tuple) else a,
                                         b[1] if isinstance(a, tuple) and isinstance(b, tuple) else b,
                                         f"{path}/{key}") if not (isinstance(a, tuple) and isinstance(b, tuple)
                                                                  and a[0] != b[0]) else f"  {path}: {a!r} != {b!r}"
        return f"  {path}: tshark has {len(want)} members, tcpscope {len(got)}"
    return f"  {path}: tshark {want!r}, tcpscope {got!r}"


@pytest.mark.parametrize("name", NAMES)
def test_show_json_matches_tshark_golden(name: str) -> None:
    compared = _compared(name)
    if not compared:
        pytest.skip("no frame of the prefix has its text tree compared")
    expected = by_number(parse(lzma.decompress(json_path(name).read_bytes()).decode("utf-8")))
    declared = declared_lines(DECLARED)
    got = _ours(name, raw=True)
    problems = json_diffs(name, expected, got, compared, {**declared, **declared_lines(RAW_DECLARED)})
    plain = {n: without_raw(p) for n, p in expected.items()}
    problems += json_diffs(name, plain, {n: without_raw(p) for n, p in got.items()}, compared, declared)
    assert problems == []


def test_a_difference_and_a_stale_declaration_fail() -> None:
    frame = parse('[{"_source": {"layers": {"frame": {"frame.number": "1", "a": "1", "a": "2"}}}}]')
    other = parse('[{"_source": {"layers": {"frame": {"frame.number": "1", "a": "2", "a": "1"}}}}]')
    one = frozenset({1})
    assert json_diffs("x", by_number(frame), by_number(frame), one, {}) == []
    assert "differs" in json_diffs("x", by_number(frame), by_number(other), one, {})[0]
    assert "stale" in json_diffs("x", by_number(frame), by_number(frame), one, {("x", 1): "why"})[0]
    assert without_raw(parse('[{"a_raw": [1], "a": "1"}]')[0]) == [("a", "1")]


def test_golden_files_are_of_the_installed_tshark(tshark_version: str) -> None:
    assert VERSION_FILE.read_text().strip() == tshark_version


@pytest.mark.tshark
@pytest.mark.parametrize(("name", "args"), [("http-get.pcap", ("-x",)),
                                            ("http-eth.pcap", ("-Y", "tcp.len == 0", "-x")),
                                            # (a binary Continuation whose bytes begin with CR LF, past the prefix)
                                            ("lossy-seed7.pcap", ("-Y", "frame.number == 595", "-x")),
                                            ("craft-link-null-le.pcap", ("-Y", "tcp.len == 0", "-x")),
                                            ("bad/craft-empty.pcap", ())])
def test_show_json_matches_tshark_live(name: str, args: tuple[str, ...], tshark: str) -> None:
    """The command line's output, byte for byte, beside tshark's."""
    env = {**os.environ, "LC_ALL": "C.UTF-8", "TZ": "UTC"}
    tshark_args = [a for a in JSON_ARGS if a not in ("-x", "-c", str(FRAMES))]
    want = subprocess.run([tshark, "-r", name, *tshark_args, *args], cwd=CAPTURES, env=env,
                          capture_output=True, check=False).stdout.decode("utf-8")
    got = run_tcpscope("show", name, "-n", "-T", "json", *args)
    assert got.stdout == want


@pytest.mark.tshark
def test_show_json_without_reassembly_matches_tshark_live(tshark: str) -> None:
    """Without TCP reassembly (``scan(desegment=False)``), byte for byte with ``-x``: a
    capture whose per-segment HTTP has a chunked body cut by its segment's end (the
    http item reaching to the segment's end, the ``_ws.unreassembled`` exception after it)."""
    name = "scapy-http_chunk.pcap.gz"
    env = {**os.environ, "LC_ALL": "C.UTF-8", "TZ": "UTC"}
    want = subprocess.run([tshark, "-r", name, "-n", "-T", "json", "-x", "-o", "tcp.desegment_tcp_streams:FALSE"],
                          cwd=CAPTURES, env=env, capture_output=True, check=False).stdout.decode("utf-8")
    frames = [d for piece in tcpscope.scan(CAPTURES / name, desegment=False)
              for d in frame_details(piece.table, piece.frames, full_registry())]
    assert '"_ws.unreassembled"' in want
    assert tshark_json(frames, raw=True) == want


def _lines(items: tuple[Any, ...], depth: int) -> list[str]:
    """The items' lines as ``tshark -V`` indents them, hidden items left out."""
    out = []
    for d in items:
        if not d.hidden:
            out.append("    " * depth + d.label)
            out.extend(_lines(d.children, depth + 1))
    return out


@pytest.mark.parametrize("frame", [1, 3, 12])
def test_capture_details_are_the_show_tree(frame: int) -> None:
    """``Capture.details``: the visible items' labels are the lines ``show`` prints (the Data
    layer's dump aside), and each item's bytes are where the frame has its value."""
    cap = tcpscope.open(CAPTURES / "http-get.pcap")
    got = cap.details(frame, resolve=False)
    text = split_frames(run_tcpscope("show", "http-get.pcap", "-n").stdout)[frame]
    want = [line for line in text.splitlines() if line and not line[:4].isdigit()]
    assert _lines(got.protocols, 0) == want
    tcp = next(p for p in got.protocols if p.key == "tcp")
    port = next(d for d in tcp.children if d.key == "tcp.srcport")
    data = cap.table.data if not cap.table.buffers else cap.table.buffers[0]
    start = int(cap.table.records.offset[frame - 1]) + port.start
    assert int.from_bytes(bytes(data[start:start + port.length]), "big") == int(port.value)
    with pytest.raises(IndexError):
        cap.filter("frame.number != 2").details(2)
