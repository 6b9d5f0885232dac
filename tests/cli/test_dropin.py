"""``tcpscope -r FILE ...`` against tshark, on the command lines scripts use.

``dropin_data/invocations.txt`` holds tshark command lines (the forms of tshark's man page,
its documentation and common scripts); ``make_golden_dropin.py`` recorded what tshark
4.0.17 printed for each on two captures: standard output, the first line of standard
error and the exit status. Each is compared exactly with what tcpscope's drop-in gives,
run in this process (``dropin_run.run_dropin``); tcpscope's messages start ``tcpscope:``
where tshark's start ``tshark:``. What differs is declared below, line by line, with
which of the three parts differ and why (docs/deviations.md, "tshark's command line"),
and a declaration that no longer differs fails as stale.
"""

from __future__ import annotations

import gzip
import io
import shutil
import sys
from pathlib import Path

import pytest
from dropin_run import Outcome, goldens, gzip_copies, run_dropin
from make_golden_dropin import DATA, invocations

from tcpscope.cli.dropin import glossary_line

OUT, ERR, STATUS = "stdout", "stderr", "status"
ALL = frozenset({OUT, ERR, STATUS})

# the reasons, each listed in docs/deviations.md
HOST_NAMES = ("-N n asks tshark to resolve IP addresses to host names (Src: 10.99.0.1 (10.99.0.1) when no name "
              "is found); tcpscope never resolves host names and prints the address alone")
PORT_NAMES = ("-N t asks tshark to name ports from its services file (60054 → http(80)); tcpscope names no ports "
              "and prints the numbers")
OTHER_FORMAT = "PDML, PSML, PostScript and jsonraw are not written: refused with one line, exit 2"
OTHER_TAP = "a statistic tcpscope does not compute is refused with one line, exit 2 (tshark prints it)"
UNRESOLVED_NOTE = ("-N with letters other than m: tcpscope resolves MAC names only and says so in one note on "
                   "standard error (tshark prints none)")
REFUSED = ("an option tcpscope does not support (writing captures, live capture, Lua, two-pass, exporting objects) "
           "is refused with one line naming it, exit 2")

#: (command line, capture or "" for both) -> (the parts that differ, why)
DECLARED: dict[tuple[str, str], tuple[frozenset[str], str]] = {
    ("tshark -r {cap} -N n -V -c 1", ""): (frozenset({OUT, ERR}), HOST_NAMES),
    ("tshark -r {cap} -N mntdNv -c 2", ""): (frozenset({OUT, ERR}), PORT_NAMES),
    ("tshark -r {cap} -N n -c 3", ""): (frozenset({ERR}), UNRESOLVED_NOTE),
    ("tshark -r {cap} -T pdml -c 1", ""): (ALL, OTHER_FORMAT),
    ("tshark -r {cap} -q -z conv,ip", ""): (ALL, OTHER_TAP),
    ("tshark -r {cap} -w /tmp/tcpscope-dropin-out.pcap", ""): (frozenset({ERR, STATUS}), REFUSED),
    ("tshark -r {cap} -Y tcp -w /tmp/tcpscope-dropin-out.pcapng -F pcapng", ""): (frozenset({ERR, STATUS}), REFUSED),
    ("tshark -i tcpscope-none0 -c 1", ""): (frozenset({ERR, STATUS}), REFUSED),
    ("tshark -r {cap} -X lua_script:nothing.lua", ""): (ALL, REFUSED),
    ("tshark -r {cap} -2 -R tcp", ""): (ALL, REFUSED),
    ("tshark -r {cap} --export-objects http,/tmp/tcpscope-dropin-objects", ""): (ALL, REFUSED),
}

RECORDS = goldens()


def _declared(line: str, capture: str) -> tuple[frozenset[str], str]:
    return DECLARED.get((line, capture)) or DECLARED.get((line, ""), (frozenset(), ""))


@pytest.fixture(scope="module")
def gz(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return gzip_copies(tmp_path_factory.mktemp("gz"))


def test_the_invocations_are_many_and_recorded() -> None:
    lines = invocations()
    assert len(set(lines)) >= 100
    assert {r["line"] for r in RECORDS} == set(lines), "re-run make_golden_dropin.py"
    assert len({(r["line"], r["capture"]) for r in RECORDS}) == len(RECORDS)


def test_every_declaration_names_a_recorded_line() -> None:
    recorded = {(r["line"], r["capture"]) for r in RECORDS} | {(r["line"], "") for r in RECORDS}
    assert set(DECLARED) <= recorded


@pytest.mark.parametrize("record", RECORDS, ids=[f"{r['capture'][:8]}:{i}" for i, r in enumerate(RECORDS)])
def test_as_tshark(record: dict[str, object], gz: dict[str, str]) -> None:
    line, capture = str(record["line"]), str(record["capture"])
    got = run_dropin(line, capture, gz[capture])
    want = Outcome(record["stdout"], str(record["stderr"]), int(str(record["status"])))  # type: ignore[arg-type]
    differ = {part for part, a, b in ((OUT, got.stdout, want.stdout), (ERR, got.stderr, want.stderr),
                                      (STATUS, got.status, want.status)) if a != b and b is not None}
    if want.stdout is None:  # not recorded (tshark -G fields: 19 MB; test_glossary_lines_are_tsharks)
        got = got._replace(stdout=None)
    parts, why = _declared(line, capture)
    if not parts:
        assert got == want, f"{line} on {capture}"
    else:  # exactly what is declared differs: a declaration no longer true fails as stale
        assert differ == parts, f"{line} on {capture}: differs in {sorted(differ)}, declared {sorted(parts)}: {why}"


def test_glossary_lines_are_tsharks() -> None:
    """``-G fields``: each field tcpscope has is tshark's line in its first five columns
    (kind, title, name, type, protocol); the display, bit mask and description are
    tcpscope's (docs/deviations.md)."""
    from tcpscope.views.columns import full_registry

    tshark = {line.split("\t")[2]: line.split("\t")[:5]
              for line in gzip.decompress((DATA / "tshark-fields.tsv.gz").read_bytes()).decode().splitlines()}
    ours = {d.name: glossary_line(d).split("\t")[:5] for d in full_registry().values() if d.name in tshark}
    differ = sorted(name for name, cols in ours.items() if cols != tshark[name])
    assert differ == GLOSSARY_DECLARED


#: Fields whose -G fields line differs from tshark's in its first five columns: tshark 4.0
#: types frame.time_epoch FT_RELATIVE_TIME (a time since the epoch), tcpscope
#: FT_ABSOLUTE_TIME, which its exports write as a timestamp (docs/deviations.md).
GLOSSARY_DECLARED: list[str] = ["frame.time_epoch"]


@pytest.mark.tshark
@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
@pytest.mark.parametrize("line", ["tshark -r {cap} -c 3", "tshark -r {cap} -T fields -e ip.addr -E quote=d",
                                  "tshark -r {cap} -q -z conv,tcp", "tshark -r /dev/null"])
def test_live(line: str, gz: dict[str, str]) -> None:
    """A few command lines against the tshark installed: the goldens are today's."""
    import os
    import subprocess
    import tempfile

    from make_golden_dropin import CAPTURES, first_line, tshark_argv

    capture = "http-get.pcap"
    inv = tshark_argv(line, capture, gz[capture])
    with tempfile.TemporaryDirectory() as home:
        proc = subprocess.run(["tshark", *inv.argv], cwd=CAPTURES, capture_output=True, check=False,
                              env={**os.environ, "HOME": home, "LC_ALL": "C.UTF-8"})
    live = Outcome(proc.stdout.decode(), first_line(proc.stderr.decode()), proc.returncode)
    assert run_dropin(line, capture, gz[capture]) == live


def test_version_and_refusals() -> None:
    """-v names tshark's version; an unsupported option is one line naming it, exit 2."""
    out = run_dropin("tshark -v", "http-get.pcap", "")
    assert out.status == 0 and "4.0.17" in str(out.stdout)
    refused = run_dropin("tshark -r {cap} -w out.pcap", "http-get.pcap", "")
    assert refused.status == 2 and "-w" in refused.stderr and refused.stdout == ""


def test_fields_list_is_tsharks() -> None:
    """The committed name list is tshark 4.0.17's."""
    import lzma

    from tcpscope.cli.dropin import TSHARK_FIELDS

    first = lzma.decompress(TSHARK_FIELDS.read_bytes()).decode().split("\n", 1)[0]
    assert first == (DATA / "TSHARK_VERSION").read_text().strip()
    assert Path(TSHARK_FIELDS).stat().st_size < 1_200_000


@pytest.mark.parametrize("argv", [["-r", "http-get.pcap"], ["-r", "http-get.pcap", "-T", "fields", "-e", "tcp.seq"],
                                  ["list", "http-get.pcap"]])
def test_a_closed_output_ends_with_tsharks_status(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """tshark stops with status 2 when its output is closed; so do the drop-in and the subcommands."""
    from make_golden_dropin import CAPTURES

    from tcpscope.cli.main import main

    monkeypatch.chdir(CAPTURES)
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(_ClosedBytes(), write_through=True))
    assert main(argv) == 2


class _ClosedBytes(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        raise BrokenPipeError


def test_a_subcommands_usage_error_shows_its_usage(capsys: pytest.CaptureFixture[str]) -> None:
    from tcpscope.cli.main import main

    with pytest.raises(SystemExit) as stop:
        main(["list", "x.pcap", "--bogus"])
    assert stop.value.code == 2
    assert capsys.readouterr().err.startswith("usage: tcpscope list ")


#: The command lines whose output depends on where pieces end: -c cuts a piece, -t d and
#: dd carry the previous frame's time, the preferences adjust each piece (desegment: the framing
#: carries each direction from piece to piece).
PIECEWISE = [r for r in RECORDS if any(k in str(r["line"]) for k in (" -c ", "-t d", "relative_sequence", "analyze_sequence",
                                                                 "desegment"))]


@pytest.mark.parametrize("record", PIECEWISE, ids=[f"{r['capture'][:8]}:{i}" for i, r in enumerate(PIECEWISE)])
def test_in_small_pieces(record: dict[str, object], gz: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The same command lines give the same output when the capture is read 4 frames at a time."""
    from tcpscope.pipeline import stream

    monkeypatch.setattr(stream, "PIECE_FRAMES", 4)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 4)
    test_as_tshark(record, gz)


def test_name_resolutions_not_made_are_noted() -> None:
    """-N with letters other than m: one note naming the resolutions tcpscope does not
    make (docs/deviations.md, "-N"); -n after it, or -N m alone, notes nothing."""
    out = run_dropin("tshark -r {cap} -N mnt -c 1", "http-get.pcap", "")
    assert out.status == 0
    assert out.stderr == ("tshark: note: -N: tcpscope resolves MAC addresses only; not resolved: network addresses "
                          "(n), port numbers (t)")
    assert run_dropin("tshark -r {cap} -N nt -n -c 1", "http-get.pcap", "").stderr == ""
    assert run_dropin("tshark -r {cap} -N m -c 1", "http-get.pcap", "").stderr == ""
