"""``tcpscope show`` equals ``tshark -n -V``, frame by frame, on every frame of every capture
whose layers all have a tree in tcpscope; the others are counted as pending, by reason.

Each frame of tshark's output (the text from its ``Frame N:`` line to the next one) is
compared whole with tcpscope's. A frame is pending, not compared, when tshark's
``[Protocols in frame: ...]`` names a protocol tcpscope has no tree for yet, or when
tshark shows TCP reassembly in it (the reassembly issue); the number of pending frames of
each reason may only shrink (:data:`show_declared.PENDING`). Any other frame must be equal,
unless declared one by one in :data:`show_declared.DECLARED` with its reason, and a
declared frame that has come to match fails as stale.

The golden files are tshark's output recorded by ``tests/golden/make_golden_show.py``;
where tshark is installed, its version must be the recorded one, and a few captures are
compared with tshark live.
"""

from __future__ import annotations

import lzma
import os
import re
import subprocess
from collections import Counter
from collections.abc import Mapping
from functools import cache

import pytest
from compare import CAPTURES, capture_files
from make_golden_show import SHOW_ARGS, VERSION_FILE, show_path
from show_declared import DECLARED, PENDING
from test_golden_list import declared_lines

import tcpscope
from tcpscope.errors import TcpscopeError
from tcpscope.views.columns import full_registry
from tcpscope.views.tree_frames import PROTOCOLS, SILENT, show_text

NAMES = [c.relative_to(CAPTURES).as_posix() for c in capture_files()]
_FRAME = re.compile(r"(?m)^(?=(?:Frame|PCAPNG Custom Block) \d+: )")
CUSTOM = "pcapng custom blocks: not yet in the tree"
_PROTOCOLS = re.compile(r"\n    \[Protocols in frame: (.*)\]\n")
#: What tshark prints in a frame whose TCP reassembly tcpscope does not show yet (a segment
#: kept for a PDU not yet whole, retransmitted data passed over and the subtree of a
#: reassembled HTTP message are compared).
_REASSEMBLY = ("[Reassembled PDU in frame", "[Reassembly error")
REASSEMBLY = "TCP reassembly and the protocols above it: pending the reassembly issue"


def layer_reason(name: str) -> str:
    return f"{name}: layer not yet in the tree"


def split_frames(text: str) -> dict[int, str]:
    """tshark -V output as frame number -> the frame's text (its blank line included)."""
    out = {}
    for block in _FRAME.split(text):
        m = re.match(r"(?:Frame|PCAPNG Custom Block) (\d+): ", block)
        if m:
            out[int(m.group(1))] = block
    return out


def pending_reason(frame_text: str) -> str | None:
    """Why a frame of tshark's is not compared yet, or None."""
    if frame_text.startswith("PCAPNG Custom Block"):
        return CUSTOM
    m = _PROTOCOLS.search(frame_text)
    names = m.group(1).split(":") if m else []
    for name in names:
        if name not in PROTOCOLS and name not in SILENT:
            return layer_reason(name)
    if any(mark in frame_text for mark in _REASSEMBLY):
        return REASSEMBLY
    return None


pytestmark = pytest.mark.usefixtures("utc")


@cache
def _ours(name: str) -> dict[int, str]:
    """tcpscope's tree of every frame of a capture (once per capture)."""
    out: dict[int, str] = {}
    try:
        for piece in tcpscope.scan(CAPTURES / name):
            first = piece.table.records.first_frame
            trees = show_text(piece.table, piece.frames, full_registry())
            for f, tree in zip(piece.frames.tolist(), trees, strict=True):
                out[first + f + 1] = tree.text + "\n"
    except TcpscopeError:  # a capture tshark reads no frame of either (its golden file is empty)
        pass
    return out


def _golden(name: str) -> str:
    return lzma.decompress(show_path(name).read_bytes()).decode("utf-8")


def frame_diffs(name: str, expected: Mapping[int, str], got: Mapping[int, str],
                declared: Mapping[tuple[str, int], str]) -> tuple[list[str], Counter[str]]:
    """The frames that differ and are neither pending nor declared, the declared frames that
    no longer differ (stale), and the count of pending frames by reason."""
    problems: list[str] = []
    pending: Counter[str] = Counter()
    if sorted(expected) != sorted(got):
        problems.append(f"{name}: frames {sorted(set(expected) ^ set(got))[:10]} printed by one side only")
    for n, want in expected.items():
        reason = pending_reason(want)
        if reason is not None:
            pending[reason] += 1
            continue
        mine = got.get(n)
        why = declared.get((name, n))
        if why is None and mine != want:
            problems.append(f"{name} frame {n} differs:\n{_first_difference(want, mine or '')}")
        elif why is not None and mine == want:
            problems.append(f"{name} frame {n}: declared ({why}) but equal to tshark's: stale")
    return problems, pending


def _first_difference(want: str, got: str) -> str:
    a, b = want.splitlines(), got.splitlines()
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"  line {i + 1}:\n  tshark   {x!r}\n  tcpscope {y!r}"
    return f"  tshark has {len(a)} lines, tcpscope {len(b)}"


@pytest.mark.parametrize("name", NAMES)
def test_show_matches_tshark_golden(name: str) -> None:
    problems, _pending = frame_diffs(name, split_frames(_golden(name)), _ours(name), declared_lines(DECLARED))
    assert problems == []


def test_pending_frames_only_shrink() -> None:
    """Over every capture, the pending frames of each reason are at most those recorded
    (counted from tshark's text alone: tcpscope's trees are compared by the test above)."""
    seen: Counter[str] = Counter()
    for name in NAMES:
        theirs = split_frames(_golden(name))
        _problems, pending = frame_diffs(name, theirs, theirs, {})
        seen.update(pending)
    grown = {r: (n, PENDING.get(r, 0)) for r, n in seen.items() if n > PENDING.get(r, 0)}
    assert grown == {}, "pending frames (now, recorded) grew"
    shrunk = {r: (seen.get(r, 0), n) for r, n in PENDING.items() if seen.get(r, 0) < n}
    assert shrunk == {}, "pending frames shrank: lower the counts in show_declared.PENDING"


def test_a_difference_and_a_stale_declaration_fail() -> None:
    """A changed line fails; a declared frame that matches is stale; a pending one is counted."""
    frame = "Frame 1: 60 bytes on wire (480 bits), 60 bytes captured (480 bits)\n    [Protocols in frame: eth:ethertype:ip:tcp]\n\n"
    http = frame.replace("tcp]", "tcp:ssh]")
    assert frame_diffs("x", {1: frame}, {1: frame}, {}) == ([], Counter())
    assert "differs" in frame_diffs("x", {1: frame}, {1: frame.replace("60 bytes c", "61 bytes c")}, {})[0][0]
    assert "stale" in frame_diffs("x", {1: frame}, {1: frame}, {("x", 1): "why"})[0][0]
    assert frame_diffs("x", {1: http}, {1: frame}, {}) == ([], Counter({layer_reason("ssh"): 1}))
    assert "one side" in frame_diffs("x", {1: frame}, {}, {})[0][0]


def test_golden_files_are_of_the_installed_tshark(tshark_version: str) -> None:
    assert VERSION_FILE.read_text().strip() == tshark_version


@pytest.mark.tshark
@pytest.mark.parametrize("name", ["http-get.pcap", "craft-tcp-options.pcap", "zeek-tcp-option-sack.pcap",
                                  "own-zero-window.pcap"])
def test_show_matches_tshark_live(name: str, tshark: str) -> None:
    """tshark itself, run as the golden files were recorded."""
    env = {**os.environ, "LC_ALL": "C.UTF-8", "TZ": "UTC"}
    want = subprocess.run([tshark, "-r", name, *SHOW_ARGS], cwd=CAPTURES, env=env, capture_output=True, check=False)
    problems, _ = frame_diffs(name, split_frames(want.stdout.decode("utf-8")), _ours(name), declared_lines(DECLARED))
    assert problems == []


def test_deviations_doc_counts_the_declarations() -> None:
    """docs/deviations.md ("Details tree") lists each reason with its number of frames."""
    doc = (CAPTURES.parents[2] / "docs" / "deviations.md").read_text(encoding="utf-8")
    counts = Counter(declared_lines(DECLARED).values())
    rows = [f"| {reason} | {count} |" for reason, count in (*counts.items(), *PENDING.items())]
    assert [row for row in rows if row not in doc] == []
