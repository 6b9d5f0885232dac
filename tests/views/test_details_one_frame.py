"""One frame's details tree (``Capture.details``, ``show`` of a few frames) is gathered
from that frame's rows alone, and equals the frame's tree walked with every frame shown.

The proof of the per-frame work is a spy, not a timing: every field's values handed to
the formatter while one frame's tree is built belong to that frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tcpscope
from tcpscope.table.access import ColumnGetter, InterleavedGetter
from tcpscope.views import tree
from tcpscope.views.columns import full_registry
from tcpscope.views.tree_frames import show_text
from tcpscope.views.tree_json import frame_details

CAPTURES = Path(__file__).parents[1] / "golden" / "captures"
#: captures with TCP options, expert items, SACK edges, HTTP, and several headers of a protocol a frame
NAMES = ["own-lossy-seed11.pcap", "zeek-tcp-option-sack.pcap", "http-get.pcap", "craft-encap-mpls.pcap",
         "zeek-tunnels-4in6.pcap"]


def _cap(name: str) -> Any:
    cap = tcpscope.open(CAPTURES / name)
    return cap


def _picked(n: int) -> list[int]:
    """Some frames (1-based) of a capture of ``n``: the first, a few inside, the last."""
    return sorted({k for k in (1, 2, n // 3, n // 2, n) if 1 <= k <= n})


@pytest.mark.parametrize("name", NAMES)
def test_one_frame_equals_whole_walk(name: str) -> None:
    cap = _cap(name)
    table, registry = cap.table, full_registry()
    frames = np.arange(table.n, dtype=np.int64)[:200]  # (a prefix: the whole walk stays quick)
    whole = list(frame_details(table, frames, registry))
    texts = [t.text for t in show_text(table, frames, registry)]
    for number in _picked(frames.shape[0]):
        assert cap.details(number, resolve=False) == whole[number - 1], number
        k = number - 1
        before = int(table.ts_ns[k - 1]) if k else None
        one = next(show_text(table, frames[k:k + 1], registry, before))
        assert one.text == texts[k], number


@pytest.fixture
def read(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[np.ndarray]]:
    """The frames (``pkt``) of the layer rows handed to each field's getter that reads a
    layer's columns (a field of the registry, not one inside a computed field's getter)."""
    seen: list[np.ndarray] = []
    plain = {id(fd.get) for fd in full_registry().values()}
    for cls in (ColumnGetter, InterleavedGetter):
        real = cls.__call__

        def spy(self: Any, table: Any, real: Any = real) -> Any:
            if id(self) in plain:
                seen.append(np.asarray(table.layer(self.layer).pkt))
            return real(self, table)

        monkeypatch.setattr(cls, "__call__", spy)
    yield seen


def test_details_reads_one_frames_rows(read: list[np.ndarray]) -> None:
    cap = _cap("own-lossy-seed11.pcap")
    number = cap.table.n // 2
    cap.details(number)
    assert len(read) > 20
    assert all(bool(np.all(pkt == number - 1)) for pkt in read)


def test_cut_reads_only_the_shown_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """A column getter is handed the frame's rows of its layer only (the cut's columns)."""
    cap = _cap("own-lossy-seed11.pcap")
    frame = cap.table.n // 2
    store = tree.FieldStore(cap.table, np.array([frame], dtype=np.int64), full_registry())
    got = store.shown_rows("tcp")
    assert got is not None
    cut, rows = got
    lt = cap.table.layer("tcp")
    assert rows.tolist() == np.flatnonzero(lt.pkt == frame).tolist()
    assert cut.layer("tcp").pkt.tolist() == [frame] * rows.shape[0]
    assert np.array_equal(cut.layer("tcp").cols["srcport"], lt.cols["srcport"][rows])
