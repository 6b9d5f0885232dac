"""format_text's two paths (tcpscope.dissect.text) give the same text on any bytes: the
Python loop of short inputs, and the kernels of long ones, compiled and not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpscope.dissect import text


@pytest.fixture(autouse=True, params=["never", "always"])
def _jit(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TCPSCOPE_JIT", request.param)


#: Bytes that make the rules' cases: ASCII controls, continuation bytes, every kind of
#: lead byte (old 5- and 6-byte forms, 0xFE/0xFF), so that short draws meet them often
_EDGES = st.sampled_from([0x00, 0x07, 0x0A, 0x1B, 0x20, 0x41, 0x7F, 0x80, 0x83, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0,
                          0xF4, 0xF8, 0xFC, 0xFD, 0xFE, 0xFF])
_BYTES = st.one_of(st.binary(max_size=200), st.lists(_EDGES, max_size=60).map(bytes),
                   st.lists(st.text(max_size=40).map(lambda s: s.encode("utf-8", "surrogatepass")), max_size=8).map(b"".join))


@settings(max_examples=60, deadline=None)
@given(_BYTES)
def test_the_kernels_write_what_the_loop_writes(raw: bytes) -> None:
    assert text._format_long([raw]) == [text._format_short(raw)]


@settings(max_examples=30, deadline=None)
@given(st.lists(_BYTES, max_size=5))
def test_pieces_are_read_each_on_its_own(pieces: list[bytes]) -> None:
    """(a sequence cut at a piece's end is a REPLACEMENT CHARACTER, never continued by the next piece)"""
    assert text._format_long(pieces) == [text._format_short(piece) for piece in pieces]


def test_long_random_bytes() -> None:
    import random

    raw = random.Random(17).randbytes(30_000)
    assert text._format_long([raw]) == [text._format_short(raw)]
    assert text.format_text(raw) == text._format_short(raw)
    assert text.format_texts([raw[:100], raw[100:]]) == [text._format_short(raw[:100]), text._format_short(raw[100:])]


def test_the_rules_cases() -> None:
    """An overlong sequence giving an ASCII code point is escaped as non-ASCII; old 5- and
    6-byte forms, surrogates and values above U+10FFFF are one REPLACEMENT CHARACTER."""
    cases = {b"\xc0\x83": "\\u0003", b"\xc1\x81": "A", b"\xed\xa0\x80": "\ufffd", b"\xf4\x90\x80\x80": "\ufffd",
             b"\xf8\x88\x80\x80\x80": "\ufffd", b"\xfc\x84\x80\x80\x80\x80": "\ufffd", b"\xf0\x9f\x98\x80": "\U0001f600",
             b"\xf3\xa0\x80\x81": "\\U000E0001", b"\x7f\x0d": "\\177\\r"}
    for raw, want in cases.items():
        assert text._format_short(raw) == want, raw
        assert text._format_long([raw]) == [want], raw
