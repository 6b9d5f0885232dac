"""Every command, a piece of the capture at a time, prints what it prints from the whole.

The golden captures are smaller than a piece, so the pieces are made tiny here: every
capture goes through in pieces of a few frames, with the issue fields, the analysis
fields and a display filter, and must print exactly what the whole-file path prints
(the golden tests compare that one with tshark). IPv4 fragments exercise the pieces'
hold-back of datagrams they do not complete.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from analysis_fields import ANALYSIS_FIELDS
from compare import capture_files, prefix, run_cli, stem
from fieldsets import all_fields

from tcpscope._types import Index, Mask
from tcpscope.api import open_capture
from tcpscope.capture import read_records
from tcpscope.dissect.pipeline import dissect
from tcpscope.errors import CaptureError
from tcpscope.pipeline import stream
from tcpscope.table.packets import PacketTable
from tcpscope.views.columns import full_registry
from tcpscope.views.fields import FieldsOptions, write_fields

CAPTURES = capture_files()
FIELDS = list(dict.fromkeys([*all_fields(), *ANALYSIS_FIELDS, "frame.protocols", "tcp.payload"]))
FILTER = "frame.number > 3 && (tcp.len > 0 || frame.time_delta > 0.0001 || udp)"


def _load(cap: Path, display_filter: str | None) -> tuple[PacketTable, Index, Mask | None]:
    """The capture read whole (``tcpscope.open``): its table, the frames ``display_filter``
    keeps and its mask (None without a filter)."""
    whole = open_capture(cap)
    if display_filter is None:
        return whole.table, whole.frames, None
    frames = whole.filter(display_filter).frames
    mask = np.zeros(whole.table.n, dtype=np.bool_)
    mask[frames] = True
    return whole.table, frames, mask


def _whole(cap: Path, fields: list[str], display_filter: str | None) -> str:
    """What the whole-table path prints."""
    table, frames, mask = _load(cap, display_filter)
    buf = io.BytesIO()
    write_fields(table, full_registry().require(fields), FieldsOptions(header=True), buf,
                 None if mask is None else frames)
    return buf.getvalue().decode("utf-8")


def _readable(cap: Path) -> Path:
    """The capture the piece tests read: ``cap`` cut to its first ``PREFIX_FRAMES`` records
    (``compare.prefix``); skips a capture that cannot be read at all."""
    try:
        read_records(str(cap))
    except CaptureError:
        pytest.skip("not a readable capture")
    return prefix(cap)


class Whole:
    """What the whole-table path gives on one capture (:func:`_load`, :func:`_whole`), each
    made once for all the piece tests of that capture (the ``whole`` fixture): every test
    compares its pieces with the same whole as before, read once instead of once a test."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._loads: dict[str | None, tuple[PacketTable, Index, Mask | None]] = {}
        self._texts: dict[tuple[tuple[str, ...], str | None], str] = {}

    def load(self, display_filter: str | None) -> tuple[PacketTable, Index, Mask | None]:
        if display_filter not in self._loads:
            self._loads[display_filter] = _load(self.path, display_filter)
        return self._loads[display_filter]

    def fields(self, fields: list[str], display_filter: str | None) -> str:
        key = (tuple(fields), display_filter)
        if key not in self._texts:
            self._texts[key] = _whole(self.path, fields, display_filter)
        return self._texts[key]


@pytest.fixture(scope="module", params=CAPTURES, ids=[stem(c) for c in CAPTURES])
def whole(request: pytest.FixtureRequest) -> Whole:
    """The readable prefix of one capture (:func:`_readable`) and its whole-table outputs,
    shared by the tests of that capture: pytest runs them together, on one worker
    (tests/conftest.py), and holds one capture's at a time."""
    return Whole(_readable(request.param))


@pytest.mark.parametrize("piece", [3, 50])
def test_pieces_print_what_the_whole_prints(whole: Whole, piece: int, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cap = whole.path
    known = [f for f in FIELDS if f in full_registry()]
    monkeypatch.setattr(stream, "PIECE_FRAMES", piece)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", piece)
    args = [a for f in known for a in ("-e", f)]
    assert run_cli("fields", str(cap), "-E", "header=y", *args) == whole.fields(known, None)
    got = run_cli("fields", str(cap), "-E", "header=y", "-Y", FILTER, *args)
    assert got == whole.fields(known, FILTER)


def test_fragments_are_held_back_to_the_piece_that_completes_them() -> None:
    """A piece stops before the first fragment of a datagram it does not complete."""
    cap = next(c for c in CAPTURES if c.name == "craft-ipv4-frags.pcap")
    records = read_records(str(cap))
    whole = dissect(records)
    parts = list(stream.pieces(records, 3))
    assert sum(t.n for t in parts) == whole.n
    assert any(t.n > 3 for t in parts) or any(t.n < 3 for t in parts[:-1])  # some piece moved its end
    ip_rows = sum(len(t.layer("tcp")) + len(t.layer("udp")) for t in parts)
    assert ip_rows == len(whole.layer("tcp")) + len(whole.layer("udp"))


ACE_ONLY = ["frame.number", "tcp.srcport", "tcp.flags.str", "tcp.flags.ace", "tcp.flags.ae", "tcp.flags.cwr",
            "tcp.flags.ece"]


def test_accecn_fields_catch_up_the_analysis(whole: Whole, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Fields that need the analysis only for AccECN start it at the first piece that may use
    AccECN, after replaying the frames before: the same text as a full analysis."""
    cap = whole.path
    monkeypatch.setattr(stream, "PIECE_FRAMES", 3)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 3)
    args = [a for f in ACE_ONLY for a in ("-e", f)]
    assert run_cli("fields", str(cap), *args) == whole.fields(ACE_ONLY, None).split("\n", 1)[1]


def test_accecn_late_in_the_capture_replays_the_frames_before(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """AccECN first shows after 48 frames of plain TCP: the analysis starts there, caught up."""
    first = next(c for c in CAPTURES if c.name == "http-eth.pcap").read_bytes()
    second = next(c for c in CAPTURES if c.name == "craft-tcp-accecn.pcap").read_bytes()
    assert first[:24] == second[:24]  # same pcap header: the records can follow each other
    cap = tmp_path / "late-accecn.pcap"
    cap.write_bytes(first + second[24:])
    caught: list[int] = []
    real = stream._caught_up

    def spy(records, upto):  # type: ignore[no-untyped-def]
        caught.append(upto)
        return real(records, upto)

    monkeypatch.setattr(stream, "_caught_up", spy)
    monkeypatch.setattr(stream, "PIECE_FRAMES", 5)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 5)
    args = [a for f in ACE_ONLY for a in ("-e", f)]
    assert run_cli("fields", str(cap), *args) == _whole(cap, ACE_ONLY, None).split("\n", 1)[1]
    assert caught and caught[0] >= 45


def test_every_piece_is_written_compiled_once_the_capture_is_large(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The pieces are written on another thread, the last one too after the stream has
    ended: all of them under the job's size, compiled, however small the last piece."""
    from tcpscope._jit import compiles
    from tcpscope.views import fields

    cap = next(c for c in CAPTURES if c.name == "http-eth.pcap")
    monkeypatch.setenv("TCPSCOPE_JIT", "auto")
    monkeypatch.setenv("TCPSCOPE_JIT_THRESHOLD", "40")
    monkeypatch.setattr(stream, "PIECE_FRAMES", 20)  # 48 frames: pieces of 20, 20 and 8
    seen: list[tuple[int, bool]] = []
    real = fields.write_fields

    def spy(table, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append((table.n, compiles(1)))
        return real(table, *args, **kwargs)

    monkeypatch.setattr(fields, "write_fields", spy)
    run_cli("fields", str(cap), "-e", "frame.number")
    assert [n for n, _ in seen] == [20, 20, 8]
    assert all(c for _, c in seen)
    assert not compiles(1)  # and the job ends with the stream


def test_the_packet_list_in_pieces_is_the_whole_ones(whole: Whole, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """``tcpscope list`` and the ``_ws.col.*`` fields go a piece at a time too, the analysis
    carried between pieces: the same lines as from the whole table."""
    from tcpscope.views.columns import COLUMN_FIELDS
    from tcpscope.views.packet_list import packet_lines

    cap = whole.path
    monkeypatch.setattr(stream, "PIECE_FRAMES", 3)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 3)
    for flt in (None, FILTER):
        table, frames, _ = whole.load(flt)
        want = "".join(line + "\n" for line in packet_lines(table, frames))
        assert run_cli("list", str(cap), *(["-Y", flt] if flt else [])) == want
    columns = [f.name for f in COLUMN_FIELDS]
    args = [a for f in columns for a in ("-e", f)]
    assert run_cli("fields", str(cap), "-E", "header=y", *args) == whole.fields(columns, None)


def test_the_expert_summary_in_pieces_is_the_whole_ones(whole: Whole, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """``tcpscope expert`` counts a piece at a time: the same rows, counts, groups, order
    and frames as over the whole table."""
    from tcpscope.views.expert import LEVEL_NAMES, expert_entries, render_expert

    cap = whole.path
    monkeypatch.setattr(stream, "PIECE_FRAMES", 3)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 3)
    for flt, level in ((None, "comment"), (FILTER, "note")):
        table, _, mask = whole.load(flt)
        want = render_expert(expert_entries(table, mask, LEVEL_NAMES[level]), frames=True)
        got = run_cli("expert", str(cap), "--frames", "--level", level, *(["-Y", flt] if flt else []))
        assert got == want


def test_the_conversations_in_pieces_are_the_whole_ones(whole: Whole, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """``tcpscope conv`` sums a piece at a time: the same table (in CSV: every column) as
    over the whole table."""
    from tcpscope.views.conversations import conversations, render_csv

    cap = whole.path
    monkeypatch.setattr(stream, "PIECE_FRAMES", 3)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 3)
    for flt in (None, FILTER):
        table, _, mask = whole.load(flt)
        summed = conversations(table, mask)
        assert run_cli("conv", str(cap), "--format", "csv", *(["-Y", flt] if flt else [])) == render_csv(summed)

