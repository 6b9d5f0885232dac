"""``tcpscope --help`` and usage errors start light: no numpy, no command module.

Their speed is measured in ``bench/startup.py``, never here; this test holds the property
that makes it (each case in a fresh interpreter, whose ``sys.modules`` it reads).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE = str(ROOT / "examples" / "http-get.pcap")

#: What ``--help`` and a usage error must not import: numpy, and anything of the commands.
HEAVY = ("numpy", "tcpscope.cli.analyze", "tcpscope.cli.common", "tcpscope.cli.conv", "tcpscope.cli.expert",
         "tcpscope.cli.fields", "tcpscope.cli.listing", "tcpscope.capture", "tcpscope.dissect", "tcpscope.views")

_PROBE = """
import json, sys
from tcpscope.cli.main import main
try:
    code = main(json.loads(sys.argv[1]))
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules_after(argv: list[str]) -> tuple[int, list[str]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(argv)], capture_output=True, text=True, env=env,
                          check=True)
    answer = json.loads(proc.stdout.splitlines()[-1])
    return answer["code"], answer["modules"]


@pytest.mark.parametrize(("argv", "code"), [
    (["--help"], 0),
    (["fields", "--help"], 0),
    ([], 2),                             # no command: the help, on standard error
    (["bogus"], 2),                      # an unknown command
    (["fields"], 2),                     # no file, no field
    (["fields", EXAMPLE], 2),            # no -e
    (["conv", EXAMPLE, "--format", "xml"], 2),
])
def test_help_and_usage_errors_import_nothing_heavy(argv: list[str], code: int) -> None:
    got, modules = _modules_after(argv)
    assert got == code
    heavy = [m for m in modules if m.startswith(HEAVY)]
    assert heavy == []


#: What no command imports for a small capture: compiling kernels, Arrow and pandas are for
#: large ones and the API; nor does ``fields`` start a writer thread for a capture in one piece.
#: Nor the standard modules that cost start-up time for what a small capture never needs:
#: ``logging`` (a warning of the kernels' cache), ``hashlib`` (the constants' digest, for
#: tests), ``pathlib`` (its imports pull ``urllib`` and ``ipaddress``), ``tempfile`` (the
#: spool of ``list --select``; it pulls ``shutil``, ``random``, ``bz2`` and ``lzma``).
NOT_FOR_SMALL = ("numba", "llvmlite", "pyarrow", "pandas", "concurrent.futures", "logging", "hashlib", "pathlib",
                 "tempfile")

#: What ``fields`` does not import on a small capture besides: ``numpy.ma`` (numpy imports
#: it on a plain ``np.unique`` and on ``np.isin`` when it sorts; ports are looked up with
#: ``kind="table"``), ``ipaddress`` (DNS records only).
NOT_FOR_SMALL_FIELDS = ("numpy.ma", "ipaddress")


@pytest.mark.parametrize(("command", "module"), [(["fields", "-e", "frame.number", "-e", "_ws.col.Info"], "fields"),
                                                 (["list"], "listing"), (["conv"], "conv"), (["expert"], "expert"),
                                                 (["analyze"], "analyze")])
def test_a_small_capture_imports_its_command_and_nothing_heavy(command: list[str], module: str) -> None:
    code, modules = _modules_after([command[0], EXAMPLE, *command[1:]])
    assert code == 0
    assert [m for m in modules if m.startswith("tcpscope.cli.") and m != "tcpscope.cli.main"] == \
        sorted(["tcpscope.cli.common", "tcpscope.cli.progress", f"tcpscope.cli.{module}"])
    assert _under(modules, NOT_FOR_SMALL) == []


def _under(modules: list[str], packages: tuple[str, ...]) -> list[str]:
    """The modules that are one of ``packages`` or inside one."""
    return [m for m in modules if m in packages or m.startswith(tuple(f"{p}." for p in packages))]


@pytest.mark.parametrize("capture", ["zeek-communityid-ipv6.pcap", "craft-link-sll.pcap", "craft-pcapng-tsresol.pcapng"])
def test_fields_on_a_small_capture_imports_no_masked_arrays(capture: str) -> None:
    """Basic fields of ``bench/startup.py`` on IPv6, Linux cooked and pcapng captures (IPv4 on
    Ethernet: the test above)."""
    fields = ["frame.number", "frame.time_epoch", "eth.src", "ip.src", "ipv6.src", "tcp.srcport", "tcp.flags",
              "tcp.options.mss_val", "udp.srcport"]
    argv = ["fields", str(ROOT / "tests" / "golden" / "captures" / capture)]
    for f in fields:
        argv += ["-e", f]
    code, modules = _modules_after(argv)
    assert code == 0
    assert _under(modules, NOT_FOR_SMALL + NOT_FOR_SMALL_FIELDS) == []


def test_list_on_a_small_capture_imports_no_masked_arrays() -> None:
    """The packet list's Time column finds its precisions without ``np.unique`` (which
    imports ``numpy.ma``: about 10 ms of ``list``'s start-up)."""
    code, modules = _modules_after(["list", str(ROOT / "tests" / "golden" / "captures" / "craft-link-sll.pcap")])
    assert code == 0
    assert _under(modules, (*NOT_FOR_SMALL, "numpy.ma")) == []


#: What the packet list of a small capture does not import: the details tree (its rows
#: cut to some frames are for a filtered list), the field registry (no field is named),
#: ``socket`` (IPv6 addresses are written by its C half; ``socket`` builds enums at import)
NOT_FOR_A_LIST = ("tcpscope.views.tree", "tcpscope.filter.registry", "socket")


@pytest.mark.parametrize(("capture", "names"), [("http-eth.pcap", False), ("craft-link-sll.pcap", True),
                                                ("zeek-communityid-ipv6.pcap", False)])
def test_list_on_a_small_capture_loads_names_only_to_show_them(capture: str, names: bool) -> None:
    """Wireshark's manuf file (2.3 MB, 15-20 ms to load) is read only when a line shows a
    MAC address (craft-link-sll.pcap: a Linux cooked sender), and its module imported then."""
    code, modules = _modules_after(["list", str(ROOT / "tests" / "golden" / "captures" / capture)])
    assert code == 0
    assert _under(modules, NOT_FOR_A_LIST) == []
    assert ("tcpscope.table.manuf" in modules) == names


def test_a_command_is_parsed_by_its_own_parser_as_by_tcpscopes() -> None:
    """A command line that starts with a command's name is parsed by that command's parser
    alone (``cli.main._parsed``): the same help, usage and arguments as the subparser of
    tcpscope's whole parser."""
    import argparse

    from tcpscope.cli.main import COMMANDS, _command_parser, _parsed, build_parser

    whole = build_parser()
    sub = next(a for a in whole._actions if isinstance(a, argparse._SubParsersAction))
    for c in COMMANDS:
        assert _command_parser(c.name).format_help() == sub.choices[c.name].format_help()
    for argv in (["list", "a.pcap", "-Y", "tcp", "--select", "3"], ["fields", "a", "b", "-e", "x", "-E", "header=y"],
                 ["list", "a.pcap", "--bogus"], ["show", "a.pcap", "-x"]):
        ours, extra = _parsed(argv)
        theirs, their_extra = whole.parse_known_args(argv)
        assert (vars(ours), extra) == (vars(theirs), their_extra)


def test_the_collector_is_off_for_the_first_piece_only() -> None:
    """``start_up_uncollected`` turns the collector off for the start-up; the pieces of
    ``scan_capture`` turn it back on before the second piece is made."""
    import gc

    from tcpscope.cli import collect_again, start_up_uncollected
    from tcpscope.cli.common import _CollectedFromSecond

    class Two:
        whole, frames, warnings = True, 2, ()

        def __iter__(self):  # type: ignore[no-untyped-def]  # (a stand-in for the API's Scan)
            yield gc.isenabled()
            yield gc.isenabled()

    was = gc.isenabled()
    try:
        start_up_uncollected()
        assert list(_CollectedFromSecond(Two())) == [False, True]  # type: ignore[arg-type]
        assert gc.isenabled()
    finally:
        collect_again()
        if not was:
            gc.disable()


@pytest.mark.parametrize("columns", ["", "50", "200"])
def test_help_wraps_as_argparse_would(columns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The help formatter finds the terminal's width without shutil, as shutil would."""
    import argparse

    from tcpscope.cli.main import build_parser

    monkeypatch.setenv("COLUMNS", columns)
    ours, theirs = build_parser(), build_parser()
    sub = next(a for a in theirs._actions if isinstance(a, argparse._SubParsersAction))
    for p in (theirs, *sub.choices.values()):
        p.formatter_class = argparse.HelpFormatter
    ours_sub = next(a for a in ours._actions if isinstance(a, argparse._SubParsersAction))
    assert ours.format_help() == theirs.format_help()
    for name, p in sub.choices.items():
        assert ours_sub.choices[name].format_help() == p.format_help()
