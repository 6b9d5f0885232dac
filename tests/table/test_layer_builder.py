"""LayerBuilder.build: chunks of rows merged into one table in (frame, depth) order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpscope.table.layers import LayerBuilder


def _expected(chunks: list[tuple[np.ndarray, int, dict[str, np.ndarray]]]) -> tuple[np.ndarray, ...]:
    pkt = np.concatenate([c[0] for c in chunks])
    depth = np.concatenate([np.full(c[0].shape[0], c[1]) for c in chunks])
    order = np.lexsort((depth, pkt))  # stable: rows of equal keys keep the order they were added
    val = np.concatenate([c[2]["v"] for c in chunks])
    two = np.concatenate([c[2]["two"] for c in chunks])
    return pkt[order], depth[order], val[order], two[order]


def _check(chunks: list[tuple[np.ndarray, int, dict[str, np.ndarray]]]) -> None:
    b = LayerBuilder("x")
    for pkt, depth, cols in chunks:
        b.add(pkt, depth, dict(cols))
    layer = b.build()
    want = _expected(chunks)
    assert layer.pkt.tolist() == want[0].tolist()
    assert layer.depth.tolist() == want[1].tolist()
    assert np.asarray(layer.cols["v"]).tolist() == want[2].tolist()
    assert np.asarray(layer.cols["two"]).tolist() == want[3].tolist()


def _chunk(pkt: list[int], depth: int, tag: int) -> tuple[np.ndarray, int, dict[str, np.ndarray]]:
    p = np.asarray(pkt, dtype=np.int64)
    return p, depth, {"v": p * 10 + tag, "two": np.stack([p, np.full(p.shape[0], tag)], axis=1).astype(">u2")}


def test_a_few_rows_between_a_chunks_rows_cut_it_into_runs() -> None:
    """The fast path's rows of a range of frames, then the vectorized dissectors' few."""
    fast = [i for i in range(1000) if i not in (0, 17, 500, 999)]
    _check([_chunk(fast, 1, 1), _chunk([0, 17, 500, 999], 1, 2), _chunk(list(range(1000, 1100)), 1, 3)])


@pytest.mark.parametrize("step", [2, 3])
def test_interleaved_chunks_are_scattered(step: int) -> None:
    """More runs than are worth copying one by one."""
    a = list(range(0, 3000, step))
    rest = [i for i in range(3000) if i % step]
    _check([_chunk(a, 2, 1), _chunk(rest, 2, 2)])


def test_depth_orders_the_rows_of_a_frame() -> None:
    _check([_chunk([1, 2, 3], 3, 1), _chunk([1, 2, 3], 1, 2), _chunk([2], 2, 3)])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.lists(st.integers(0, 200), max_size=300), st.integers(0, 4)), min_size=1, max_size=6))
def test_any_chunks_in_frame_order(raw: list[tuple[list[int], int]]) -> None:
    chunks = [_chunk(sorted(p), d, i) for i, (p, d) in enumerate(raw) if p]
    if chunks:
        _check(chunks)
