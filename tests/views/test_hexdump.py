"""The bytes pane equals ``tshark -x``: every frame of every capture, byte for byte.

tshark prints, for each frame, its data sources' hex lines and an empty line
(tcpscope.views.hexdump). Frames to which a dissector tcpscope does not have yet added a
source of its own are declared in ``hexdump_declared.py``; for them tshark must print
exactly tcpscope's sources under their titles, then only the declared sources' blocks.
Where tshark is installed it runs once per capture; everywhere, tcpscope's dumps are
checked against the digest of tshark's recorded by tests/golden/make_golden_hexdump.py.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from golden_io import CAPTURES, LIVE_SAMPLE, capture_names
from hexdump_declared import DECLARED, REASON, UNPRODUCED

import tcpscope
from tcpscope.errors import TcpscopeError
from tcpscope.views.hexdump import DataSource, data_sources, hex_dump, hex_dumps, sources_dump

NAMES = capture_names()
DIGESTS = Path(__file__).resolve().parents[1] / "golden" / "expected" / "hexdump.sha256"
_HEX_LINE = re.compile(r"[0-9a-f]{4,8}  ")
_TITLE = re.compile(r"(.+) \((\d+) bytes?\):")


def split_frames(text: str) -> list[str]:
    """tshark's ``-x`` output cut into frames: each frame's lines up to its empty line."""
    frames, current = [], []
    for line in text.splitlines(keepends=True):
        current.append(line)
        if line == "\n":
            frames.append("".join(current))
            current = []
    assert not current, "tshark's output does not end with an empty line"
    return frames


def comparable(frame: str) -> str:
    """A declared frame's dump without the blocks of the sources tcpscope does not produce
    there (and without the titles, when one source is left)."""
    lines = frame.splitlines(keepends=True)
    if not lines or _HEX_LINE.match(lines[0]) or lines[0] == "\n":
        return frame
    blocks: list[tuple[str, str, list[str]]] = []  # (title line, source name, lines)
    for line in lines[:-1]:
        title = None if _HEX_LINE.match(line) else _TITLE.fullmatch(line.rstrip("\n"))
        if title:
            blocks.append((line, title[1], []))
        else:
            blocks[-1][2].append(line)
    kept = [(t, body) for t, source, body in blocks if source not in UNPRODUCED]
    if len(kept) == 1:
        return "".join(kept[0][1]) + "\n"
    return "".join(t + "".join(body) for t, body in kept) + "\n"


def frames_of(spec: str) -> list[int]:
    return [n for part in spec.split() for n in range(int(part.partition("-")[0]),
                                                        int(part.partition("-")[2] or part.partition("-")[0]) + 1)]


def frame_diffs(name: str, tshark: Sequence[str], ours: Sequence[str], declared: Mapping[str, str]) -> list[str]:
    """Every frame whose dump differs from tshark's otherwise than declared, every declared
    frame that does not differ (stale), and a different number of frames."""
    out = []
    if len(tshark) != len(ours):
        out.append(f"{name}: {len(tshark)} frames from tshark, {len(ours)} from tcpscope")
    marked = set(frames_of(declared.get(name, "")))
    for n, (want, got) in enumerate(zip(tshark, ours, strict=False), start=1):
        part = comparable(want) if n in marked else want
        if n in marked and part == want:
            out.append(f"{name} frame {n}: declared ({REASON}) but tshark has no other source: stale")
        if part != got:
            out.append(f"{name} frame {n}:\n--- tshark\n{want}--- tcpscope\n{got}")
    return out


def tshark_dumps(name: str, tshark: str) -> list[str]:
    """``tshark -r NAME -x`` from the captures directory (empty HOME), as frames."""
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WIRESHARK", "XDG_"))}
        env.update(HOME=home, LC_ALL="C.UTF-8")
        done = subprocess.run([tshark, "-r", name, "-x"], cwd=CAPTURES, env=env, capture_output=True, check=False)
    return split_frames(done.stdout.decode("ascii"))


def digest_line(name: str, frames: Sequence[str]) -> str:
    """A line of the digest file: the capture, its frames, and the SHA-256 of their dumps
    as tcpscope produces them (the declared frames' :func:`comparable`)."""
    marked = set(frames_of(DECLARED.get(name, "")))
    text = "".join(comparable(f) if n in marked else f for n, f in enumerate(frames, start=1))
    return f"{name}\t{len(frames)}\t{hashlib.sha256(text.encode('ascii')).hexdigest()}\n"


@cache
def ours(name: str) -> tuple[str, ...]:
    """tcpscope's dumps of a capture's frames (none for a file it cannot read)."""
    try:
        table = tcpscope.open(CAPTURES / name).table
    except TcpscopeError:
        return ()
    return tuple(hex_dumps(table))


def _recorded() -> dict[str, str]:
    return {line.split("\t", 1)[0]: line for line in DIGESTS.read_text(encoding="utf-8").splitlines(keepends=True)}


@pytest.mark.parametrize("name", NAMES)
def test_dumps_match_the_recorded_digest(name: str) -> None:
    assert digest_line(name, ours(name)) == _recorded()[name]


@pytest.mark.tshark
@pytest.mark.parametrize("name", LIVE_SAMPLE)  # every capture: test_dumps_match_the_recorded_digest
def test_dumps_match_tshark_live(name: str, tshark: str) -> None:
    frames = tshark_dumps(name, tshark)
    assert frame_diffs(name, frames, ours(name), DECLARED) == []
    assert digest_line(name, frames) == _recorded()[name], "the recorded digest is not tshark's: re-record it"


def test_declared_captures_exist() -> None:
    assert set(DECLARED) <= set(NAMES)


def test_a_difference_fails() -> None:
    """One changed character, a missing frame, a stale or undeclared extra source: each is reported."""
    frame = hex_dump(b"GET / HTTP/1.1\r\n") + "\n"
    assert frame_diffs("x", [frame], [frame], {}) == []
    assert "frame 1" in frame_diffs("x", [frame], [frame.replace("G", "g", 1)], {})[0]
    assert "1 frames from tshark, 0" in frame_diffs("x", [frame], [], {})[0]
    assert frame_diffs("x", [frame], [frame], {"x": "1"})[0].endswith("stale")
    two = sources_dump([DataSource("Frame", b"GET"), DataSource("Reassembled TCP", b"GET / HTTP")]) + "\n"
    assert frame_diffs("x", [two], [hex_dump(b"GET") + "\n"], {"x": "1"}) == []
    assert "frame 1:" in frame_diffs("x", [two], [hex_dump(b"GET") + "\n"], {})[0]


def test_line_layout() -> None:
    """Offsets, hex, the padded last line, the ASCII column with nothing after it."""
    assert hex_dump(b"") == ""
    assert hex_dump(b"A") == "0000  41" + " " * 46 + "  A\n"
    data = bytes(range(0x1E, 0x1E + 17))
    assert hex_dump(data) == ("0000  1e 1f 20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d   .. !\"#$%&'()*+,-\n"
                              "0010  2e" + " " * 46 + "  .\n")
    assert hex_dump(bytes([0x7E, 0x7F, 0x80, 0xFF])).endswith("  ~...\n")


def test_offsets_widen_past_64_kib() -> None:
    """A source whose last offset needs 5 hex digits writes every offset in 5."""
    lines = hex_dump(bytes(65537)).splitlines()
    assert lines[0].startswith("00000  00 ") and lines[-1] == "10000  00" + " " * 46 + "  ."
    assert len(hex_dump(bytes(65536)).splitlines()[-1].split()[0]) == 4


def test_several_sources_are_titled_and_an_empty_one_ends_the_dump() -> None:
    got = sources_dump([DataSource("Frame", b"a"), DataSource("Reassembled IPv4", b""), DataSource("X", b"b")])
    assert got == "Frame (1 byte):\n" + hex_dump(b"a") + "Reassembled IPv4 (0 bytes):\n"
    assert sources_dump([DataSource("Frame", b"ab")]) == hex_dump(b"ab")


@pytest.mark.parametrize("name", ["craft-ipv4-frags.pcap", "craft-ipv6-ext.pcap", "http-get.pcap"])
def test_batches_give_the_same_text(name: str) -> None:
    """The vectorized dumps, in batches of any size, equal the per-frame ones."""
    table = tcpscope.open(CAPTURES / name).table
    one_by_one = [sources_dump(data_sources(table, i)) + "\n" for i in range(table.n)]
    assert list(hex_dumps(table)) == one_by_one
    assert list(hex_dumps(table, batch_lines=3)) == one_by_one
    assert list(hex_dumps(table, np.array([2, 0], dtype=np.int64))) == [one_by_one[2], one_by_one[0]]
