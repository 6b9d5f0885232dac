"""Helpers of the golden tests: run tcpscope like tshark and compare outputs exactly.

A ``-T fields -E header=y`` output is compared whole: the header line, the number of
rows, the number of cells of each row, every cell, and finally the text itself (line
ends), so that :func:`field_diffs` is empty only when the two outputs are equal. A known
difference is declared cell by cell, (field, frame); only a cell can be declared, never a
header, a row count or a cell count, and a declared cell that no longer differs is
reported too (:func:`undeclared_diffs`).
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import sys
import tempfile
import threading
from collections.abc import Iterable
from contextlib import chdir, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from golden_io import CAPTURES, TsharkRun

from tcpscope.cli.main import main

__all__ = [
    "CAPTURES",
    "EXPECTED",
    "PREFIX_FRAMES",
    "Diff",
    "as_tcpscope",
    "capture_files",
    "diffs",
    "field_diffs",
    "prefix",
    "run_cli",
    "run_piped",
    "run_problems",
    "run_tcpscope",
    "stem",
    "undeclared_diffs",
]

HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "expected"


def capture_files() -> list[Path]:
    return sorted(p for p in CAPTURES.rglob("*") if p.is_file() and ".pcap" in p.name)


#: The piece-by-piece properties (a capture in pieces, or through a pipe in batches, prints
#: what it prints whole) hold on every prefix of a capture: the large captures take them on
#: their first PREFIX_FRAMES records, which already span many pieces of a few frames; the
#: golden tests still read them whole.
PREFIX_FRAMES = 400

_PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
                b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}


def prefix(cap: Path, frames: int = PREFIX_FRAMES) -> Path:
    """``cap`` cut to its first ``frames`` records (a file in the temporary directory), or
    ``cap`` itself when it is no longer than that or is not a plain pcap file whose records
    all fit (pcapng, gzip and damaged files here are small)."""
    data = cap.read_bytes()
    order = _PCAP_MAGICS.get(data[:4])
    if order is None:
        return cap
    end, count = 24, 0
    while end + 16 <= len(data) and count < frames:
        (caplen,) = struct.unpack_from(order + "I", data, end + 8)
        if end + 16 + caplen > len(data):
            return cap
        end, count = end + 16 + caplen, count + 1
    if end >= len(data):
        return cap
    folder = Path(tempfile.gettempdir()) / f"tcpscope-prefixes-{os.getuid()}"
    folder.mkdir(exist_ok=True)
    out = folder / f"{frames}-{hashlib.sha256(data[:end]).hexdigest()[:16]}-{cap.name}"
    if not out.exists():
        part = out.with_suffix(f".{os.getpid()}.part")
        part.write_bytes(data[:end])
        part.replace(out)  # whole or not at all, for the other test workers
    return out


def stem(cap: Path) -> str:
    return cap.relative_to(CAPTURES).as_posix().replace("/", "__")


def run_cli(*args: str) -> str:
    """What ``tcpscope ARGS`` writes on standard output (run in this process)."""
    buf = io.StringIO()
    with redirect_stdout(buf):
        main(list(args))
    return buf.getvalue()


def run_tcpscope(*args: str, cwd: os.PathLike[str] | str = CAPTURES) -> TsharkRun:
    """``tcpscope ARGS`` run in this process from ``cwd``: its output, errors and exit status,
    shaped like a tshark run so that the two compare directly. Its standard output has bytes
    underneath, as a terminal's or a pipe's has (``fields`` writes them)."""
    raw, err = io.BytesIO(), io.StringIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    with chdir(cwd), redirect_stdout(out), redirect_stderr(err):
        status = main(list(args))
    out.flush()
    return TsharkRun(raw.getvalue().decode("utf-8"), err.getvalue(), status)


def run_piped(*args: str, stdin: bytes, cwd: os.PathLike[str] | str = CAPTURES) -> TsharkRun:
    """:func:`run_tcpscope` with ``stdin`` on its standard input through an operating-system
    pipe, as ``cat FILE | tcpscope ARGS`` gives it: the command reads the pipe's descriptor
    (``capture.pipe``) while a thread writes the bytes and closes its end, as the writing
    process would. Run in this process, it costs no interpreter start-up and no loading of
    the compiled kernels; what a child process alone proves (the console script, its exit,
    start-up) is proved in tests/cli and tests/capture/test_bad_input.py.

    The writer stops where the command stops reading (its end closed: a broken pipe), as
    ``cat`` does when tcpscope judges a stream by its start."""
    read_end, write_end = os.pipe()

    def feed() -> None:
        view = memoryview(stdin)
        try:
            while view:
                view = view[os.write(write_end, view[: 1 << 16]):]
        except BrokenPipeError:
            pass
        finally:
            os.close(write_end)

    writer = threading.Thread(target=feed, daemon=True)
    before = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(read_end, "rb")))
    writer.start()
    try:
        return run_tcpscope(*args, cwd=cwd)
    finally:
        sys.stdin.close()  # (the read end: a writer still writing gets a broken pipe)
        sys.stdin = before
        writer.join()


@dataclass(frozen=True)
class Diff:
    """One difference between two outputs; ``cell`` is (field, frame) when it is one cell's."""

    text: str
    cell: tuple[str, int] | None = None


def _lines(text: str) -> list[str]:
    """The lines of ``text``, without the newline that ends the last one."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def diffs(expected: str, got: str, who: tuple[str, str] = ("tshark", "tcpscope")) -> list[Diff]:
    """Every difference between two ``-T fields -E header=y`` outputs (tshark's first; ``who``
    names the two in the messages).

    The header must be equal, so must the number of rows and the number of cells of each
    row; the cells are compared one by one (named by tshark's header, numbered by row from
    1), and so is the newline that ends the last line: two outputs without a difference
    are equal.
    """
    exp, out = _lines(expected), _lines(got)
    a_is, b_is = who
    found: list[Diff] = []
    header = exp[0].split("\t") if exp else []
    if exp[:1] != out[:1]:
        found.append(Diff(f"header: {a_is} {exp[:1]!r}, {b_is} {out[:1]!r}"))
    if len(exp) != len(out):
        found.append(Diff(f"{max(len(exp) - 1, 0)} frames expected, {max(len(out) - 1, 0)} printed"))
    for frame, (a, b) in enumerate(zip(exp[1:], out[1:], strict=False), start=1):
        want, have = a.split("\t"), b.split("\t")
        if len(want) != len(have):
            found.append(Diff(f"frame {frame}: {len(want)} cells expected, {len(have)} printed"))
        for k, (x, y) in enumerate(zip(want, have, strict=False)):
            if x != y:
                name = header[k] if k < len(header) else f"column {k + 1}"
                found.append(Diff(f"frame {frame} {name}: {a_is} {x!r} {b_is} {y!r}", (name, frame)))
    ends = expected.endswith("\n"), got.endswith("\n")
    if ends[0] != ends[1]:
        found.append(Diff(f"a newline at the end: {a_is} {ends[0]}, {b_is} {ends[1]}"))
    return found


def field_diffs(expected: str, got: str, who: tuple[str, str] = ("tshark", "tcpscope")) -> list[str]:
    """:func:`diffs` as text, one line per difference: empty only when the outputs are equal."""
    return [d.text for d in diffs(expected, got, who)]


def undeclared_diffs(expected: str, got: str, declared: Iterable[tuple[str, int]]) -> list[str]:
    """:func:`field_diffs`, less the cells ``declared`` (field, frame) as known differences;
    a declared cell that no longer differs is reported too (the declaration is stale)."""
    declared = set(declared)
    found = diffs(expected, got)
    differing = {d.cell for d in found}
    out = [d.text for d in found if d.cell not in declared]
    out += [f"frame {n} {f}: declared as a known difference but equal to tshark's"
            for f, n in sorted(declared - differing)]
    return out


def as_tcpscope(stderr: str) -> str:
    """tshark's complaint as tcpscope words it."""
    return stderr.replace("tshark: ", "tcpscope: ").replace("TShark", "tcpscope")


def run_problems(tshark: TsharkRun, tcpscope: TsharkRun, declared: Iterable[tuple[str, int]] = ()) -> list[str]:
    """How a tcpscope run differs from tshark's: its output cell by cell (less the ``declared``
    cells), its exit status, and its standard error in tcpscope's words."""
    out = undeclared_diffs(tshark.stdout, tcpscope.stdout, declared)
    if tcpscope.status != tshark.status:
        out.append(f"exit status: tshark {tshark.status}, tcpscope {tcpscope.status}")
    if tcpscope.stderr != as_tcpscope(tshark.stderr):
        out.append(f"standard error: tshark {tshark.stderr!r}, tcpscope {tcpscope.stderr!r}")
    return out
