"""Mutated captures never crash, hang or blow up: they read, or raise a TcpscopeError.

Hypothesis takes a valid capture (pcap variants, pcapng with sections and options,
tunnels, fragments, TCP options, gzip), then flips, overwrites, inserts, deletes and
truncates bytes, with a bias towards lengths and counts (0, 1, 0xff..., 2^31). Each
mutant goes through ``read_records``, ``dissect`` and the text of every registered
field, in both kernel modes (``TCPSCOPE_JIT=never`` and ``always``), and must finish
within a time bound. Warnings are errors in the test run, so numpy overflow warnings
count as failures too. ``TCPSCOPE_MUTANTS=N`` sets the number of mutants per mode
(default 200; runs of 3,000 per mode pass).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tcpscope.capture import read_records
from tcpscope.dissect.pipeline import dissect
from tcpscope.errors import TcpscopeError
from tcpscope.filter.registry import registry
from tcpscope.table.text import format_values
from tcpscope.views.fields import FieldsOptions, field_lines

CAPTURES = Path(__file__).resolve().parent.parent / "golden" / "captures"
SEEDS = (
    "http-get.pcap",
    "editcap-rh6_1pcap.pcap",
    "craft-pcap-be-nsec.pcap",
    "craft-pcapng-sections.pcapng",
    "craft-pcapng-tsresol.pcapng",
    "craft-encap-gre.pcap",
    "craft-encap-vlan.pcap",
    "craft-ipv4-frags.pcap",
    "craft-ipv6-ext.pcap",
    "craft-link-sll.pcap",
    "craft-tcp-options.pcap",
    "craft-tcp-badopts.pcap",
    "craft-gzip-members.pcap.gz",
)
SEED_BYTES = {name: (CAPTURES / name).read_bytes() for name in SEEDS}
#: seconds one mutant may take, reading and dissecting and formatting included
TIME_BOUND = 10.0
INTERESTING = (0, 1, 2, 3, 4, 7, 8, 12, 16, 20, 28, 32, 40, 0x7F, 0x80, 0xFF, 0x100, 0x5DC, 0x600,
               0xFFFF, 0x10000, 0x40000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF0, 0xFFFFFFFF)

Mutation = tuple[str, int, int]


def mutations() -> st.SearchStrategy[list[Mutation]]:
    """(kind, where as a fraction of the file in 1/10000, value) tuples."""
    kind = st.sampled_from(("flip", "byte", "u16", "u32", "insert", "delete", "truncate"))
    value = st.one_of(st.sampled_from(INTERESTING), st.integers(0, 0xFFFFFFFF))
    return st.lists(st.tuples(kind, st.integers(0, 9999), value), min_size=1, max_size=6)


def mutate(data: bytes, ops: list[Mutation]) -> bytes:
    b = bytearray(data)
    for kind, where, value in ops:
        n = len(b)
        if n == 0:
            break
        pos = where * n // 10000
        if kind == "flip":
            b[pos] ^= (value & 0xFF) or 0x01
        elif kind == "byte":
            b[pos] = value & 0xFF
        elif kind in ("u16", "u32"):
            width = 2 if kind == "u16" else 4
            order = "big" if value & 1 else "little"
            chunk = (value & ((1 << (8 * width)) - 1)).to_bytes(width, order)
            b[pos : pos + width] = chunk[: max(0, n - pos)]
        elif kind == "insert":
            b[pos:pos] = (value & 0xFFFFFFFF).to_bytes(4, "little")[: 1 + value % 4]
        elif kind == "delete":
            del b[pos : pos + 1 + value % 64]
        else:
            del b[pos:]
    return bytes(b)


@contextmanager
def jit(mode: str) -> Iterator[None]:
    old = os.environ.get("TCPSCOPE_JIT")
    os.environ["TCPSCOPE_JIT"] = mode
    try:
        yield
    finally:
        if old is None:
            del os.environ["TCPSCOPE_JIT"]
        else:
            os.environ["TCPSCOPE_JIT"] = old


FIELDS = tuple(registry().values())
WORKDIR = Path(tempfile.mkdtemp(prefix="tcpscope-mutation-"))


def exercise(data: bytes, suffix: str) -> None:
    """Read, dissect and format every field; a TcpscopeError is an accepted outcome."""
    path = WORKDIR / f"mutant{suffix}"
    path.write_bytes(data)
    t0 = time.monotonic()
    try:
        table = dissect(read_records(path))
    except TcpscopeError:
        return
    for fd in FIELDS:
        v = fd.get(table)
        texts = format_values(fd, v, table.buffers)
        assert len(texts) == len(v)
        assert all(int(p) < table.n for p in v.pkt[-1:])
    lines = list(field_lines(table, FIELDS[:12], FieldsOptions(header=True)))
    assert len(lines) == table.n + 1
    assert time.monotonic() - t0 < TIME_BOUND


def _warm_up(mode: str) -> None:
    """Compile the kernels (and import numba) once, so the time bound measures the work."""
    with jit(mode):
        for name, data in SEED_BYTES.items():
            exercise(data, Path(name).suffix)


@pytest.mark.parametrize("mode", ["never", "always"])
def test_seeds_read_cleanly(mode: str) -> None:
    _warm_up(mode)  # a fresh checkout compiles the kernels first: the bound is on the work
    with jit(mode):
        for name, data in SEED_BYTES.items():
            records = read_records(CAPTURES / name)
            assert len(records) > 0 and not records.warnings, name
            exercise(data, Path(name).suffix)


@pytest.mark.parametrize("mode", ["never", "always"])
def test_mutants_read_or_raise_tcpscope_errors(mode: str) -> None:
    _warm_up(mode)

    @settings(max_examples=int(os.environ.get("TCPSCOPE_MUTANTS", "200")), deadline=None, derandomize=False,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(seed=st.sampled_from(SEEDS), ops=mutations())
    def run(seed: str, ops: list[Mutation]) -> None:
        data = mutate(SEED_BYTES[seed], ops)
        with jit(mode):
            exercise(data, Path(seed).suffix)

    run()
