"""The kernel path of ``tcpscope fields`` writes exactly what the string path writes.

``write_rendered`` (compiled kernels, or the same kernels as plain Python) is
compared with ``field_lines`` (``format_values``, one Python string per value): on every
committed capture that tshark opens (the damaged ones under ``bad/`` included; of those it
cannot open, tshark prints nothing and ``tests/golden/test_fields.py`` compares the
message) with every field, and on random values of every kind with hypothesis, under both
``TCPSCOPE_JIT=never`` and ``TCPSCOPE_JIT=always`` (uncompiled, on the first
:data:`UNCOMPILED_FRAMES` records of each capture).
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from compare import prefix
from golden_io import CAPTURES, capture_names, read_golden
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tcpscope.capture import read_records
from tcpscope.capture.records import Records
from tcpscope.dissect.pipeline import dissect
from tcpscope.filter.registry import registry
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import Base, FieldDef, FieldType
from tcpscope.table.values import Values
from tcpscope.views.fields import FieldsOptions, field_lines, write_rendered

ROOT = Path(__file__).resolve().parents[2]
#: The uncompiled kernels (plain Python, one value at a time) are compared on the first
#: records of each capture: the same code as compiled, which runs on every record.
UNCOMPILED_FRAMES = 200
#: Fields whose values are whole message bodies: uncompiled, the UTF-8 writer walks each
#: value's padded width in Python (minutes a capture); compiled, they are compared here, and
#: the uncompiled writer on every other text field.
LONG_TEXT = frozenset({"http.file_data"})
#: every capture of which tshark printed at least the header line
OPENED = [n for n in capture_names() if read_golden(n).stdout]
OPTIONS = [
    FieldsOptions(),
    FieldsOptions(header=True, separator=",", quote='"', aggregator="|"),
    FieldsOptions(occurrence="f", separator="·"),
    FieldsOptions(occurrence="l", quote="'", aggregator="/"),
    FieldsOptions(occurrence="2", separator=" "),
]


@pytest.fixture(params=["never", "always"])
def jit(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("TCPSCOPE_JIT", request.param)
    yield request.param


def _both(table: PacketTable, fields: list[FieldDef], opts: FieldsOptions,
          frames: np.ndarray | None = None) -> tuple[bytes, bytes]:
    fast = io.BytesIO()
    write_rendered(table, fields, opts, fast, frames)
    simple = "".join(line + "\n" for line in field_lines(table, fields, opts, frames)).encode()
    return fast.getvalue(), simple


@pytest.mark.parametrize("name", OPENED)
def test_captures_every_field(name: str, jit: str) -> None:
    from tcpscope.analysis import analyze

    path = CAPTURES / name
    if jit == "never":
        path = prefix(path, UNCOMPILED_FRAMES)
    table = analyze(dissect(read_records(path)))
    fields = [registry()[name] for name in registry() if jit == "always" or name not in LONG_TEXT]
    for opts in OPTIONS:
        fast, simple = _both(table, fields, opts)
        assert fast == simple, (name, opts)


def test_chosen_frames(jit: str) -> None:
    table = dissect(read_records(ROOT / "tests" / "golden" / "captures" / "http-eth.pcap"))
    fields = [registry()[name] for name in ("frame.number", "ip.addr", "tcp.flags.str", "tcp.options.sack_perm")]
    frames = np.array([0, 3, 4, 5, 20, 47], dtype=np.int64)
    fast, simple = _both(table, fields, FieldsOptions(), frames)
    assert fast == simple


# ---- random values of every kind ---------------------------------------------------------

_INT64 = st.integers(-(2**63), 2**63 - 1)
_GROUP = st.sampled_from([0, 0, 0, 1, 0xFFFF, 0x0102, 0xABCD])
_IPV6 = st.one_of(
    st.binary(min_size=16, max_size=16),
    st.lists(_GROUP, min_size=8, max_size=8).map(lambda g: b"".join(x.to_bytes(2, "big") for x in g)),
    st.binary(min_size=4, max_size=4).map(lambda v4: bytes(12) + v4),
    st.binary(min_size=4, max_size=4).map(lambda v4: bytes(10) + b"\xff\xff" + v4),
)
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=6)


def _kind(draw: st.DrawFn, m: int, buf: bytes) -> tuple[FieldType, Base, int, np.ndarray, bytes | None]:
    """A field type and display, and ``m`` values for it."""
    which = draw(st.sampled_from(["dec", "hex", "oct", "bool", "none", "ipv4", "ipv6", "ether", "time",
                                  "string", "bytes", "double"]))
    if which in ("dec", "hex", "oct"):
        base = {"dec": Base.DEC, "hex": Base.HEX, "oct": Base.OCT}[which]
        data = np.array(draw(st.lists(_INT64, min_size=m, max_size=m)), dtype=np.int64)
        return FieldType.INT64, base, draw(st.integers(1, 18)), data, None
    if which == "bool":
        return FieldType.BOOLEAN, Base.NONE, 0, np.array(draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)),
                                                          dtype=np.int64), None
    if which == "none":
        return FieldType.NONE, Base.NONE, 0, np.zeros((m, 2), dtype=np.int64), None
    if which == "ipv4":
        return FieldType.IPv4, Base.NONE, 0, np.array(draw(st.lists(st.integers(0, 2**32 - 1), min_size=m, max_size=m)),
                                                       dtype=np.uint32), None
    if which == "ipv6":
        rows = draw(st.lists(_IPV6, min_size=m, max_size=m))
        return FieldType.IPv6, Base.NONE, 0, np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(m, 16).copy(), None
    if which == "ether":
        rows = draw(st.lists(st.binary(min_size=6, max_size=6), min_size=m, max_size=m))
        return FieldType.ETHER, Base.NONE, 0, np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(m, 6).copy(), None
    if which == "time":
        ft = draw(st.sampled_from([FieldType.RELATIVE_TIME, FieldType.ABSOLUTE_TIME]))
        return ft, Base.NONE, 0, np.array(draw(st.lists(_INT64, min_size=m, max_size=m)), dtype=np.int64), None
    if which == "string":
        return FieldType.STRING, Base.NONE, 0, np.array(draw(st.lists(_TEXT, min_size=m, max_size=m)) or [""])[:m], None
    if which == "double":
        vals = draw(st.lists(st.floats(allow_nan=False), min_size=m, max_size=m))
        return FieldType.DOUBLE, Base.NONE, 0, np.array(vals, dtype=np.float64), None
    spans = draw(st.lists(st.tuples(st.integers(0, len(buf) + 3), st.integers(0, 6)), min_size=m, max_size=m))
    own = draw(st.sampled_from([None, b"\x00\x01\xfe\xff"]))
    return FieldType.BYTES, Base.NONE, 0, np.array(spans, dtype=np.int64).reshape(m, 2), own


@st.composite
def _case(draw: st.DrawFn) -> tuple[PacketTable, list[FieldDef], FieldsOptions]:
    n = draw(st.integers(1, 6))
    buf = draw(st.binary(min_size=0, max_size=12))
    fields = []
    for k in range(draw(st.integers(1, 4))):
        pkt = np.array(sorted(draw(st.lists(st.integers(0, n - 1), max_size=8))), dtype=np.int64)
        ft, base, width, data, own = _kind(draw, pkt.shape[0], buf)
        if ft is FieldType.STRING and data.shape[0] != pkt.shape[0]:
            data = np.array([""] * pkt.shape[0])
        vbuf = None if own is None else np.frombuffer(own, dtype=np.uint8)
        values = Values(pkt, data, None, vbuf)
        fields.append(FieldDef(f"f{k}", ft, (lambda t, v=values: v), base=base, hex_digits=width))
    data = np.frombuffer(buf, dtype=np.uint8)
    z = np.zeros(n, dtype=np.int64)
    records = Records("x", "pcap", data, z, z, z, z, np.zeros(n, np.int32), np.zeros(n, np.int32), (), False)
    table = PacketTable(records=records, layers={}, malformed=np.zeros(n, np.bool_), buffers=(data,))
    opts = FieldsOptions(
        header=draw(st.booleans()),
        separator=draw(st.sampled_from(["\t", ",", " ", "·", "|"])),
        occurrence=draw(st.sampled_from(["a", "f", "l", "1", "2", "0"])),
        aggregator=draw(st.sampled_from([",", "/", "·", " "])),
        quote=draw(st.sampled_from(["", '"', "'"])),
    )
    return table, fields, opts


@pytest.mark.parametrize("jit_mode", ["never", "always"])
def test_extreme_values(jit_mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The smallest int64 (its magnitude is no int64) and characters of one to four UTF-8
    bytes, which the random values reach only now and then."""
    monkeypatch.setenv("TCPSCOPE_JIT", jit_mode)
    pkt = np.array([0, 1], dtype=np.int64)
    dec = Values(pkt, np.array([-(2**63), -5], dtype=np.int64), None, None)
    text = Values(pkt, np.array(["a\u00e9", "\u2192\U0001f600"]), None, None)
    fields = [FieldDef("d", FieldType.INT64, lambda t: dec, base=Base.DEC),
              FieldDef("s", FieldType.STRING, lambda t: text)]
    z = np.zeros(2, dtype=np.int64)
    data = np.zeros(0, dtype=np.uint8)
    records = Records("x", "pcap", data, z, z, z, z, np.zeros(2, np.int32), np.zeros(2, np.int32), (), False)
    table = PacketTable(records=records, layers={}, malformed=np.zeros(2, np.bool_), buffers=(data,))
    fast, simple = _both(table, fields, FieldsOptions())
    assert fast == simple == "-9223372036854775808\ta\u00e9\n-5\t\u2192\U0001f600\n".encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_case())
def test_random_values_uncompiled(case: tuple[PacketTable, list[FieldDef], FieldsOptions]) -> None:
    table, fields, opts = case
    with pytest.MonkeyPatch.context() as m:
        m.setenv("TCPSCOPE_JIT", "never")
        fast, simple = _both(table, fields, opts)
    assert fast == simple


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_case())
def test_random_values_compiled(case: tuple[PacketTable, list[FieldDef], FieldsOptions]) -> None:
    table, fields, opts = case
    with pytest.MonkeyPatch.context() as m:
        m.setenv("TCPSCOPE_JIT", "always")
        fast, simple = _both(table, fields, opts)
    assert fast == simple


def test_small_capture_imports_no_heavy_module() -> None:
    """A 48-frame capture is answered without numba, pandas or pyarrow (start-up time)."""
    code = (
        "import sys\n"
        "from tcpscope.cli.main import main\n"
        f"main(['fields', {str(ROOT / 'tests/golden/captures/http-eth.pcap')!r}, '-e', 'frame.number', '-e', 'ip.src'])\n"
        "heavy = sorted(m for m in ('numba', 'pandas', 'pyarrow', 'llvmlite') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert "HEAVY []" in done.stderr
