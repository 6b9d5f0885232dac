"""Compile the kernels into numba's cache before the suite runs: ``make test`` runs this as
two processes (``--part 0``: reading, dissection and rendering; ``--part 1``: the analysis
and the commands with kernels of their own) beside ruff, mypy and the docs.

In a fresh clone numba's cache (``__pycache__`` beside the sources) is empty, and every
test process compiled the kernels it met before another had cached them: the two pytest
workers, which start on the same modules, and the child processes of the command-line
tests. A fresh clone's ``make test`` took about 4 minutes of CPU more than a warm
checkout's (user and system 15.5 against 11.3 minutes, the install and mypy's cold cache
included), where compiling every kernel here takes about 2 (two processes). Compiled here first, the tests load them from the cache. What the tests prove is
unchanged: they run the same kernels, loaded instead of compiled; a kernel or a signature
this misses is compiled by the first test that needs it, as before.

The commands below reach each kernel with the argument types the suite gives it: a file,
a pipe, and bytes in memory (read-only: a gzip file's), pcap and pcapng,
every field of the registry (the dissection, analysis and rendering kernels), and the
commands with kernels of their own (follow, conv's Zeek columns, a filter's ``contains``).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CAPTURES = Path(__file__).resolve().parent / "golden" / "captures"


def _fields_args() -> list[str]:
    from tcpscope.filter.registry import registry

    return [a for name in registry() for a in ("-e", name)]


def _run(args: list[str]) -> None:
    """The command in this process, its output (text on bytes, as a pipe's) dropped; a
    failure is said in one line (the suite will tell more)."""
    from tcpscope.cli.main import main

    with contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO())), contextlib.redirect_stderr(io.StringIO()):
        code = main(args)
    if code:
        print(f"warm_kernels: {' '.join(args[:3])} ... exited {code}", file=sys.stderr)


def _run_piped(args: list[str], stdin: bytes) -> None:
    """The command in a child process reading ``stdin`` from a pipe (it reads the pipe's
    file descriptor), with this process's environment (``TCPSCOPE_JIT`` included)."""
    subprocess.run([sys.executable, "-m", "tcpscope.cli.main", *args], input=stdin, capture_output=True,
                   check=False)


def part0() -> None:
    """Reading, dissection and rendering: every field, through the API as the tests read a
    file and through the command line (a file, and a pipe), of pcap and pcapng (options on
    every block) files, and of gzip files (their bytes, read-only: kernels compiled apart)."""
    import tcpscope
    from tcpscope.analysis import analyze
    from tcpscope.capture import read_records
    from tcpscope.dissect.pipeline import dissect
    from tcpscope.filter.registry import registry
    from tcpscope.views.fields import FieldsOptions, write_rendered

    every = _fields_args()
    for name in ("zeek-http-methods.pcap", "craft-pcapng-sections.pcapng", "craft-tcp-options.pcap",
                 "scapy-http_chunk.pcap.gz", "scapy-macos.pcapng.gz"):
        table = analyze(dissect(read_records(CAPTURES / name)))
        write_rendered(table, [registry()[n] for n in registry()], FieldsOptions(), io.BytesIO())
        _run(["fields", str(CAPTURES / name), *every])
    for piece in tcpscope.scan(CAPTURES / "own-lossy-seed11.pcap", ["tcp.analysis.flags"]):
        piece.to_arrow()
    _run_piped(["fields", "-", *every], (CAPTURES / "http-eth.pcap").read_bytes())


def part1() -> None:
    """The analysis and the commands with kernels of their own."""
    from tcpscope.analysis import analyze
    from tcpscope.analysis.reassembly import reassemble
    from tcpscope.capture import read_records
    from tcpscope.dissect.pipeline import dissect

    for name in ("own-lossy-seed11.pcap", "tls-dns.pcap", "zeek-http-get.pcap"):
        path = str(CAPTURES / name)
        _run(["conv", path, "--extras"])
        _run(["follow", path, "--stream", "0", "--format", "raw"])
        _run(["list", path, "-Y", 'tcp contains "GET"'])
        _run(["analyze", path])
        reassemble(analyze(dissect(read_records(path))))
    with tempfile.TemporaryDirectory() as tmp:  # the table export's Info writer (views.info_kernel)
        _run(["export", str(CAPTURES / "zeek-http-get.pcap"), "--format", "parquet", "-o", str(Path(tmp) / "x")])


def main() -> None:
    os.environ["TCPSCOPE_JIT"] = "always"
    part = sys.argv[sys.argv.index("--part") + 1] if "--part" in sys.argv else "all"
    if part in ("0", "all"):
        part0()
    if part in ("1", "all"):
        part1()


if __name__ == "__main__":
    main()
