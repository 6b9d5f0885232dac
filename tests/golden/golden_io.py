"""Where the golden captures and files are, how tshark is run on them, and how the files read.

Shared by ``make_golden.py`` (which writes the files), ``test_fields.py`` (which reads
them) and ``test_every_field.py`` (which runs tshark live). tshark runs with the captures
directory as its working directory and the capture's path relative to it, so its messages
name the file the way tcpscope is asked to name it; a fresh empty HOME keeps personal
preferences out.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CAPTURES",
    "EXPECTED",
    "LIVE_SAMPLE",
    "TsharkRun",
    "capture_names",
    "columns",
    "golden_path",
    "parse_fields_output",
    "read_golden",
    "run_tshark",
    "tshark_stderr",
    "tshark_version",
]

HERE = Path(__file__).resolve().parent
CAPTURES = HERE / "captures"
EXPECTED = HERE / "expected"
CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".gz", ".cap")
_NOISE = 'Running as user "root" and group "root". This could be dangerous.'


#: The captures on which a golden file's currency is proven by running the installed tshark
#: again, where a test's golden files hold tshark's output of every capture: the golden
#: files record the version that wrote them (each suite checks it against the installed
#: tshark) and are written by their make_golden*.py from the committed captures, so running
#: tshark on all 136 only wrote the same files again. The sample has one capture of each
#: kind a recording could treat apart: the largest, pcapng of several interfaces, gzip,
#: damaged (bad/), HTTP, IPv6 extension headers, TCP options, a link type other than Ethernet.
LIVE_SAMPLE: tuple[str, ...] = (
    "own-lossy-seed11.pcap", "zeek-pcapng-multi-interface.pcapng", "scapy-http_chunk.pcap.gz",
    "bad/truncated-mid-record.pcap", "zeek-http-methods.pcap", "craft-ipv6-ext.pcap", "craft-tcp-options.pcap",
    "craft-link-sll2.pcap",
)


def capture_names() -> list[str]:
    """Every capture under ``captures/``, as a path relative to it (``bad/x.pcap``), sorted."""
    names = []
    for p in sorted(CAPTURES.rglob("*")):
        if p.is_file() and p.name.endswith(CAPTURE_SUFFIXES):
            names.append(p.relative_to(CAPTURES).as_posix())
    return names


def golden_path(name: str, kind: str = "fields.tsv") -> Path:
    """``expected/<name>.<kind>``: ``fields.tsv``, ``stderr`` or ``status``."""
    return EXPECTED / f"{name}.{kind}"


@dataclass(frozen=True)
class TsharkRun:
    """What tshark printed: standard output, standard error (without the root warning), status."""

    stdout: str
    stderr: str
    status: int


def tshark_stderr(raw: str) -> str:
    """tshark's standard error without the line it prints when run as root."""
    return "".join(line for line in raw.splitlines(keepends=True) if line.rstrip("\n") != _NOISE)


def run_tshark(name: str, fields: Sequence[str], tshark: str = "tshark", stdin: bytes | None = None,
               tz: str = "UTC") -> TsharkRun:
    """``tshark -r NAME -T fields -E header=y -e F ...`` from the captures directory, in time
    zone ``tz`` (``stdin``: the bytes to give it, for NAME ``-``)."""
    args = [tshark, "-r", name, "-T", "fields", "-E", "header=y"]
    for f in fields:
        args += ["-e", f]
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WIRESHARK", "XDG_"))}
        env.update(HOME=home, LC_ALL="C.UTF-8", TZ=tz)
        done = subprocess.run(args, cwd=CAPTURES, env=env, capture_output=True, check=False, input=stdin)
    return TsharkRun(done.stdout.decode("utf-8"), tshark_stderr(done.stderr.decode("utf-8")), done.returncode)


def tshark_version(tshark: str = "tshark") -> str:
    """The first line of ``tshark --version``."""
    out = subprocess.run([tshark, "--version"], capture_output=True, check=True).stdout.decode()
    return out.splitlines()[0]


def read_golden(name: str) -> TsharkRun:
    """What the golden files recorded of tshark on capture ``name``: ``fields.tsv``, and
    ``stderr`` and ``status`` where tshark complained (else nothing and 0)."""
    err_p, st_p = golden_path(name, "stderr"), golden_path(name, "status")
    return TsharkRun(golden_path(name).read_text(encoding="utf-8"),
                     err_p.read_text(encoding="utf-8") if err_p.exists() else "",
                     int(st_p.read_text().strip()) if st_p.exists() else 0)


def parse_fields_output(text: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Split ``-T fields -E header=y`` output into its header and rows of cells."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return (), ()
    header = tuple(lines[0].split("\t"))
    return header, tuple(tuple(line.split("\t")) for line in lines[1:])


def columns(text: str, fields: Sequence[str]) -> str:
    """The ``-T fields -E header=y`` output ``text`` cut down to the columns ``fields``, in
    that order: what tshark prints when asked for those fields only (nothing when it printed
    nothing). A row without the cell of a field gets an error, not an empty cell."""
    header, rows = parse_fields_output(text)
    if not header:
        return text
    where = [header.index(f) for f in fields]
    return "".join("\t".join(row[k] for k in where) + "\n" for row in (header, *rows))
