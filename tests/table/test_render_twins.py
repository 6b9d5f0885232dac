"""The helpers of tcpscope.table.render that have a compiled twin (``_jit.helper_compiled_as``)
write what their twin writes: the same bytes and the same length, measured (``dry``) or written.

Uncompiled kernels call the numpy versions, compiled ones the per-element loops; the
tests of tests/views/test_fields_fast.py compare each mode with ``format_values``' strings,
and this compares the two versions with each other directly, run as Python (which is also
where coverage sees the loops' lines).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpscope.table.render import _put_span, _put_span_loop, _put_ucs4, _put_ucs4_loop

#: code points at each UTF-8 length's bounds, surrogates, the last one and past it
_CODE_POINTS = st.one_of(
    st.sampled_from([0, 0x41, 0x7F, 0x80, 0x7FF, 0x800, 0xD800, 0xDFFF, 0xFFFF, 0x10000, 0x10FFFF, 0x110000]),
    st.integers(0, 0x10FFFF),
)


def _both(put, twin, *args):  # type: ignore[no-untyped-def]
    """What ``put`` and ``twin`` write into a buffer at offset 3, and their dry lengths."""
    out = [np.zeros(80, dtype=np.uint8), np.zeros(80, dtype=np.uint8)]
    written = [f(out[i], 3, *args, False) for i, f in enumerate((put, twin))]
    dry = [f(np.zeros(0, dtype=np.uint8), 0, *args, True) for f in (put, twin)]
    return (written[0], bytes(out[0]), dry[0]), (written[1], bytes(out[1]), dry[1])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=24), st.integers(0, 30), st.integers(0, 30))
def test_span_hex_is_the_loops(data: bytes, start: int, length: int) -> None:
    buf = np.frombuffer(data, dtype=np.uint8)
    ours, loop = _both(_put_span, _put_span_loop, buf, start, length)
    assert ours == loop
    assert ours[0] == ours[2] == 2 * max(0, min(start + length, len(data)) - min(start, len(data)))


@settings(max_examples=200, deadline=None)
@given(st.lists(_CODE_POINTS, max_size=8), st.integers(0, 3))
def test_text_utf8_is_the_loops(points: list[int], nuls: int) -> None:
    row = np.array([*points, *[0] * nuls], dtype=np.uint32)
    ours, loop = _both(_put_ucs4, _put_ucs4_loop, row)
    assert ours == loop
