"""``export --format json|ek`` against ``tshark -T json|ek -e ...`` for the same fields:
the golden files (tests/golden/make_golden_exports.py) byte for byte and parsed, and
tshark run live on a larger capture. The Elasticsearch index names the frame's local
date, so both sides run in UTC."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tcpscope.cli.main import main
from tcpscope.pipeline import stream

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
sys.path.insert(0, str(GOLDEN))

from make_golden_exports import EXPORT_CAPTURES, EXPORT_FIELDS, tshark_args  # noqa: E402 - after its path

CAPTURES = GOLDEN / "captures"
EXPECTED = GOLDEN / "expected" / "exports"

#: Values that differ from tshark's, declared with their reason, per capture: each field
#: (or ek's ``timestamp``) and its frames. craft-pcap-odd-nsec.pcap: time stamps whose
#: fraction is out of range, which tshark prints raw ("1700000000.1000000000", and the ek
#: timestamp "17000000001000") and tcpscope as the normalized instant: the cells
#: tests/golden/fieldsets.py declares for -T fields (RAW_FRACTION), the RTT measured across
#: them (tests/golden/analysis_fields.py), and ek's timestamp.
DECLARED: dict[str, dict[str, frozenset[int]]] = {
    "craft-pcap-odd-nsec.pcap": {"frame.time_epoch": frozenset({5, 6, 7, 8}),
                                 "frame.time_relative": frozenset({6, 7}),
                                 "tcp.analysis.ack_rtt": frozenset({7}),
                                 "timestamp": frozenset({5, 6, 7, 8})},
}


pytestmark = pytest.mark.usefixtures("utc")


def _export(capture: Path, fmt: str, out: Path, *more: str) -> bytes:
    fields = [a for f in EXPORT_FIELDS for a in ("-e", f)]
    assert main(["export", str(capture), "--format", fmt, "-o", str(out), *fields, *more]) == 0
    return out.read_bytes()


def frames(text: bytes, fmt: str) -> list[dict[str, Any]]:
    """Each frame's object: tshark's json array, or ek's index and frame lines joined."""
    if fmt == "json":
        return list(json.loads(text))
    lines = [json.loads(line) for line in text.splitlines()]
    assert all("index" in a for a in lines[0::2])
    return [{**a, **b} for a, b in zip(lines[0::2], lines[1::2], strict=True)]


def _cells(frame: dict[str, Any], fmt: str) -> dict[str, Any]:
    """A frame's object as cells: its layers by field name (dots, in both formats), and
    its other keys (``_index``, ek's ``timestamp``...)."""
    layers = frame["_source"]["layers"] if fmt == "json" else frame["layers"]
    ek_names = {f.replace(".", "_"): f for f in EXPORT_FIELDS}
    cells = {ek_names[k] if fmt == "ek" else k: v for k, v in layers.items()}
    cells.update({k: v for k, v in frame.items() if k not in ("_source", "layers")})
    return cells


def _compare(ours: bytes, theirs: bytes, fmt: str, name: str) -> None:
    got, want = frames(ours, fmt), frames(theirs, fmt)
    assert len(got) == len(want)
    if name not in DECLARED:
        assert got == want
        assert ours == theirs  # and tshark's layout, byte for byte
        return
    differ: dict[str, set[int]] = {}
    for g, w in zip(got, want, strict=True):
        a, b = _cells(g, fmt), _cells(w, fmt)
        assert a.keys() == b.keys()
        number = int(b["frame.number"][0])
        for key in a:
            if a[key] != b[key]:
                differ.setdefault(key, set()).add(number)
    # exactly the declared cells differ (a declaration that no longer differs is stale)
    assert differ == {k: set(v) for k, v in DECLARED[name].items() if fmt == "ek" or k != "timestamp"}


def test_golden_version(tshark_version: str) -> None:
    assert (EXPECTED / "TSHARK_VERSION").read_text().strip() == tshark_version


@pytest.mark.parametrize("fmt", ["json", "ek"])
@pytest.mark.parametrize("name", EXPORT_CAPTURES)
def test_golden(tmp_path: Path, name: str, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each golden capture, in pieces of 7 frames (the array and its commas across pieces)."""
    monkeypatch.setattr(stream, "PIECE_FRAMES", 7)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 7)
    ours = _export(CAPTURES / name, fmt, tmp_path / f"x.{fmt}")
    _compare(ours, (EXPECTED / f"{name}.{fmt}").read_bytes(), fmt, name)


@pytest.mark.tshark
@pytest.mark.parametrize("fmt", ["json", "ek"])
def test_live(tmp_path: Path, tshark: str, fmt: str) -> None:
    """A capture with 4,572 frames of lost, retransmitted and SACKed segments, with -Y."""
    capture = CAPTURES / "own-lossy-seed11.pcap"
    args = tshark_args(capture, fmt)
    theirs = subprocess.run([tshark, *args[1:], "-Y", "tcp.len > 0 || tcp.analysis.flags"], capture_output=True,
                            check=True, env={"TZ": "UTC", "PATH": "/usr/bin:/bin"}).stdout
    ours = _export(capture, fmt, tmp_path / f"x.{fmt}", "-Y", "tcp.len > 0 || tcp.analysis.flags")
    _compare(ours, theirs, fmt, capture.name)


def test_empty(tmp_path: Path) -> None:
    """No frame selected: tshark's ``[]`` and nothing for ek."""
    capture = CAPTURES / "http-get.pcap"
    assert _export(capture, "json", tmp_path / "x.json", "-Y", "frame.number > 1000") == b"[]\n"
    assert _export(capture, "ek", tmp_path / "x.ek", "-Y", "frame.number > 1000") == b""
