"""Wireshark's colouring rules (:mod:`tcpscope.views.colors`) against tshark.

Every frame of every golden capture gets the rule ``tshark --color -T fields -e
frame.coloring_rule.name`` gives it (golden files from
``tests/golden/make_golden_colors.py``), but for the frames declared in :data:`DECLARED`
with their reason; a declared frame that comes to match fails as stale. ``tcpscope list
--color`` writes byte for byte what ``tshark --color`` writes to a 24-bit-colour
terminal.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from compare import run_cli
from make_golden_colors import TERMINAL, colors_path
from make_golden_stats import CAPTURES, EXPECTED, capture_names
from opened import opened

import tcpscope
from tcpscope.views.colors import NO_RULE, color_rules, colorfilters_path, frame_colors, parse_colorfilters

pytestmark = pytest.mark.skipif(colorfilters_path() is None, reason="Wireshark's colorfilters file is not installed")

#: (capture, frame) -> why tcpscope's rule differs from tshark's
DECLARED: dict[tuple[str, int], str] = {
}

NAMES = capture_names()


def _rule_names(name: str) -> list[str]:
    cap = opened(name)
    if cap is None:
        return []
    rules = color_rules()
    return [rules[i].name if i != NO_RULE else "" for i in frame_colors(cap.table).tolist()]


def test_golden_version() -> None:
    assert (EXPECTED / "TSHARK_VERSION").read_text().startswith("TShark (Wireshark) 4.0.17 ")


@pytest.mark.parametrize("name", NAMES)
def test_rule_of_every_frame(name: str) -> None:
    expected = Path(colors_path(name)).read_text(encoding="utf-8").splitlines()
    ours = _rule_names(name)
    assert len(ours) == len(expected)
    wrong = {(name, n): (a, b) for n, (a, b) in enumerate(zip(ours, expected, strict=True), 1) if a != b}
    declared = {k for k in DECLARED if k[0] == name}
    assert {k: v for k, v in wrong.items() if k not in declared} == {}, "undeclared differences (ours, tshark)"
    assert declared - wrong.keys() == set(), "declared differences that now match: remove them"


@pytest.mark.parametrize("name", TERMINAL)
def test_list_color_as_tshark_writes_it(name: str) -> None:
    expected = Path(colors_path(name, "color-list")).read_text(encoding="utf-8")
    assert run_cli("list", str(CAPTURES / name), "--color") == expected


def test_list_color_behind_a_margin() -> None:
    """With ``--select``, the reset comes before the newline the margin's spool adds."""
    text = run_cli("list", str(CAPTURES / "http-get.pcap"), "--color", "--select", "4")
    assert text.endswith("\n\x1b[0m")
    out = text.removesuffix("\x1b[0m").splitlines()
    plain = run_cli("list", str(CAPTURES / "http-get.pcap"), "--select", "4").splitlines()
    assert len(out) == len(plain)
    for colored, line in zip(out, plain, strict=True):
        assert colored.startswith(line[:4] + "\x1b[38;2;18;39;46m\x1b[48;2;228;255;199m")
        assert colored.endswith(line[4:] + "\x1b[K\x1b[0m")


def test_rules_as_the_file_gives_them() -> None:
    rules = color_rules()
    assert [r.name for r in rules][:3] == ["Bad TCP", "HSRP State Change", "Spanning Tree Topology  Change"]
    http = next(r for r in rules if r.name == "HTTP")
    assert (http.filter, http.fg_hex, http.bg_hex) == ("http || tcp.port == 80 || http2", "#12272e", "#e4ffc7")
    assert all(r.enabled and not r.disabled_because for r in rules)


COLORFILTERS = """# a comment
@Broken@tcp.nosuchfield == 1@[65535,0,0][0,0,0]
!@Off@tcp@[0,65535,0][0,0,0]
@Syn@tcp.flags.syn == 1@[0,0,65535][65535,65535,65535]
@TCP@tcp@[256,512,767][0,0,0]
"""


def test_first_enabled_rule_that_compiles_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "colorfilters").write_text(COLORFILTERS)
    monkeypatch.setenv("WIRESHARK_DATA_DIR", str(tmp_path))
    rules = color_rules()
    assert [(r.name, r.enabled, bool(r.disabled_because)) for r in rules] == [
        ("Broken", True, True), ("Off", False, False), ("Syn", True, False), ("TCP", True, False)]
    assert rules[3].bg == (1, 2, 2)  # each channel's high byte
    cap = tcpscope.open(CAPTURES / "http-get.pcap")
    got = frame_colors(cap.table)
    assert got[:4].tolist() == [2, 2, 3, 3]  # SYN, SYN/ACK, then plain TCP
    rows = np.array([1, 3], dtype=np.int64)
    assert frame_colors(cap.table, rows).tolist() == [2, 3]


def test_no_file_no_colours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIRESHARK_DATA_DIR", str(tmp_path))
    assert color_rules() == []
    assert set(frame_colors(tcpscope.open(CAPTURES / "http-get.pcap").table).tolist()) == {NO_RULE}
    assert parse_colorfilters("# nothing\n") == []
