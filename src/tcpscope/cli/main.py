"""The ``tcpscope`` command: argument parsing and terminal output only.

Subcommands mirror what a tshark user types: ``fields`` is ``tshark -T fields``, ``list``
the packet list, ``conv`` and ``expert`` the ``-z`` statistics, ``analyze`` the report a
newcomer runs first. Errors are one line on standard error (tshark's wording, with
``tcpscope:`` in front) and exit status 2; a file cut short prints every whole frame
first, then the warning.

Every command's arguments are declared here, and the module that runs it is imported
only once the command line has parsed: ``--help`` and a usage error import neither
numpy nor any command (``tests/cli/test_startup.py``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from tcpscope.cli import COLLECTED_LATER, EXIT_ERROR, collect_again

__all__ = ["COMMANDS", "Command", "build_parser", "main", "run"]


def _file(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="capture file (pcap, pcapng, gzip of either); - for standard input")


def _files(p: argparse.ArgumentParser) -> None:
    """The capture of a command that reads it once, front to back: several files, or a
    directory of them, are one capture (``tcpscope.capture.files``)."""
    p.add_argument("file", metavar="FILE", nargs="+",
                   help="capture file (pcap, pcapng, gzip of either); - for standard input; several files or a "
                        "directory (rotated files) are read as one capture, in order, as mergecap -a joins them")


def _display_filter(p: argparse.ArgumentParser) -> None:
    p.add_argument("-Y", dest="display_filter", metavar="FILTER", default=None,
                   help="display filter in Wireshark's syntax (selects frames as tshark -Y does)")


def _file_and_filter(p: argparse.ArgumentParser) -> None:
    _file(p)
    _display_filter(p)


class _ListFields(argparse.Action):
    """``--list-fields``: print every field's name, type and description, one a line
    separated by tabs (what ``tshark -G fields`` tells of them), and exit. The registry
    is imported only then, so that ``--help`` stays quick."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        from tcpscope.views.columns import full_registry

        sys.stdout.write("".join(f"{d.name}\t{d.ftype.value}\t{d.description}\n" for d in full_registry().values()))
        parser.exit()


def _fields_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--list-fields", action=_ListFields,
                   help="list every field: its name, type and description (no FILE needed), and exit")
    _files(p)
    p.add_argument("-e", action="append", required=True, metavar="FIELD",
                   help="a Wireshark field name (repeatable)")
    p.add_argument("-E", action="append", metavar="OPT=VALUE",
                   help="header=y|n, separator=/t|/s|C, occurrence=f|l|a|N, aggregator=C, quote=d|s|n")
    _display_filter(p)


def _conv_arguments(p: argparse.ArgumentParser) -> None:
    _files(p)
    _display_filter(p)
    p.add_argument("--format", choices=("table", "csv", "json", "parquet"), default="table",
                   help="table: tshark's text (default); csv or json: every column, times in ns, "
                        "Zeek's conn.log columns under Zeek's names; parquet: to -o")
    p.add_argument("-o", dest="output", metavar="OUT", default="-",
                   help="parquet: the file to write (default: - for standard output)")
    p.add_argument("--extras", action="store_true",
                   help="table: add stream, retransmissions, RTT min/avg/max, state, how it opened and "
                        "closed, final states and Zeek's conn_state and history to each row")


def _expert_arguments(p: argparse.ArgumentParser) -> None:
    _file_and_filter(p)
    p.add_argument("--level", choices=("error", "warn", "note", "chat", "comment"), default="comment",
                   help="lowest severity shown (default: all), as -z expert,LEVEL")
    p.add_argument("--frames", action="store_true", help="list the frames of each finding under its row")


def _frame_number(text: str) -> int:
    """A frame number for ``--select`` (tshark's words for a bad one, from its --selected-frame)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f'"{text}" is not a valid frame number')
    return int(text)


def _list_arguments(p: argparse.ArgumentParser) -> None:
    _file_and_filter(p)
    p.add_argument("--select", type=_frame_number, metavar="N", default=None,
                   help="draw the margin Wireshark's packet list draws with frame N selected: its TCP "
                        "conversation's line and marks on the frames N's tree links to")
    p.add_argument("--color", action="store_true",
                   help="colour each line by Wireshark's colouring rules (24-bit terminal colours), "
                        "as tshark --color")


def _stream_number(text: str) -> int:
    """A ``tcp.stream`` number: an integer from 0."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"invalid stream number: {text!r}")
    return value


def _follow_arguments(p: argparse.ArgumentParser) -> None:
    _file(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--stream", type=_stream_number, metavar="N", help="follow tcp.stream N")
    which.add_argument("-Y", dest="display_filter", metavar="FILTER", default=None,
                       help="follow the stream of the first frame this display filter selects")
    p.add_argument("--format", choices=("ascii", "hex", "raw", "yaml"), default="ascii",
                   help="as tshark -z follow,tcp,MODE (default ascii)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="also write each node's bytes to DIR/tcp-stream-N-node0.bin and -node1.bin")


def _flow_arguments(p: argparse.ArgumentParser) -> None:
    _file_and_filter(p)
    p.add_argument("--network", action="store_true",
                   help="the addresses of -z flow,tcp,network (an IPv6 routing header's final destination)")
    p.add_argument("--states", action="store_true", help="add each side's TCP state where it changes")
    p.add_argument("--svg", metavar="OUT", default=None, help="draw the graph as an SVG picture into OUT")
    p.add_argument("--html", metavar="OUT", default=None, help="draw the graph as an HTML page into OUT")


def _lang(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=("en", "zh"), default=None,
                   help="language of the explanations (default: the locale's, LANG=zh_CN.UTF-8 for Chinese)")


def _analyze_arguments(p: argparse.ArgumentParser) -> None:
    _files(p)
    _display_filter(p)
    p.add_argument("--explain", action="store_true",
                   help="add each connection's step-by-step account, as tcpscope explain gives it")
    p.add_argument("--dask", metavar="SCHEDULER_ADDRESS", default=None,
                   help="run on this Dask cluster (pip install tcpscope[dask]) and write Parquet to -o")
    p.add_argument("-o", dest="output", metavar="OUT", default=None, help="--dask: the output directory")
    _lang(p)


def _explain_arguments(p: argparse.ArgumentParser) -> None:
    _file(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--stream", type=_stream_number, metavar="N", help="explain tcp.stream N")
    which.add_argument("-Y", dest="display_filter", metavar="FILTER", default=None,
                       help="explain every connection with a frame this display filter selects")
    _lang(p)


def _export_arguments(p: argparse.ArgumentParser) -> None:
    _files(p)
    _display_filter(p)
    p.add_argument("--format", required=True,
                   choices=("parquet", "arrow", "feather", "csv", "json", "ek", "pcap", "pcapng", "zeek", "zeek-json"),
                   help="parquet, arrow (IPC file), feather, csv: a row per frame, a column per field; json, ek: as "
                        "tshark -T json|ek -e; pcap, pcapng: the frames, as tshark -w; zeek, zeek-json: Zeek's conn.log, a row per TCP connection")
    p.add_argument("-e", action="append", metavar="FIELD",
                   help="a Wireshark field name (repeatable; default for tables: the packet list's columns, "
                        "the TCP header and analysis fields)")
    p.add_argument("-o", dest="output", required=True, metavar="OUT", help="the file to write; - for standard output")
    p.add_argument("--binary-addresses", action="store_true",
                   help="tables: IPv4, IPv6 and Ethernet addresses as their 4, 16 or 6 bytes instead of text")


def _show_arguments(p: argparse.ArgumentParser) -> None:
    _file_and_filter(p)
    p.add_argument("--frame", action="append", type=int, metavar="N",
                   help="show frame N (repeatable; after -Y, if given)")
    p.add_argument("-x", action="store_true", help="add each frame's bytes in hex and ASCII, as tshark -V -x")
    p.add_argument("-n", action="store_true", help="no name resolution: MAC addresses without their names (tshark's -n)")
    p.add_argument("-T", dest="format", choices=("text", "json"), default="text",
                   help="text: the tree as tshark -V prints it; json: as tshark -T json writes it (-x: with *_raw)")


def _serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", nargs="*",
                   help="capture file(s) to open (none: the page takes captures by upload)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.add_argument("--max-upload", type=int, default=64, metavar="MIB",
                   help="largest capture the page takes by upload, in MiB (default 64)")
    p.add_argument("-i", dest="interface", metavar="IFACE", default=None,
                   help="capture live on IFACE (any: all of them) and show it as it grows")
    p.add_argument("-f", dest="capture_filter", metavar="BPF", default=None,
                   help="with -i: capture filter in libpcap's syntax")


def _export_objects_arguments(p: argparse.ArgumentParser) -> None:
    _file(p)
    p.add_argument("dir", metavar="DIR", help="the directory to write the objects to (made if missing)")


def _iostat_arguments(p: argparse.ArgumentParser) -> None:
    _file_and_filter(p)
    p.add_argument("-i", dest="interval", required=True, metavar="INTERVAL",
                   help="the interval in seconds (0: the whole capture), as tshark -z io,stat,INTERVAL")
    p.add_argument("--column", action="append", metavar="FILTER",
                   help="a column (repeatable): a display filter, or COUNT|SUM|MIN|MAX|AVG(field)FILTER, "
                        "FRAMES()FILTER, BYTES()FILTER; default: every frame")


def _duration(text: str) -> float:
    """dumpcap's ``-a duration:SEC`` autostop condition (the only one taken yet)."""
    kind, _, value = text.partition(":")
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if kind != "duration" or seconds <= 0:
        raise argparse.ArgumentTypeError(f"invalid autostop condition {text!r} (duration:SEC is taken)")
    return seconds


def _positive(text: str) -> int:
    """A count or a length: an integer from 1."""
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a positive integer: {text!r}")
    return value


def _capture_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-D", dest="list_interfaces", action="store_true", help="list the interfaces and exit")
    p.add_argument("-i", dest="interface", metavar="IFACE", help="the interface to capture on (any: all of them)")
    _live_options(p)
    p.add_argument("-w", dest="output", metavar="OUT", default=None,
                   help="the pcapng file to write; - for standard output")


def _live_options(p: argparse.ArgumentParser) -> None:
    """What ``capture`` and ``live`` both take: when the capture stops, what it keeps."""
    p.add_argument("-f", dest="capture_filter", metavar="BPF", default=None,
                   help="capture filter in libpcap's syntax, compiled by libpcap (as tcpdump's)")
    p.add_argument("-c", dest="count", type=_positive, metavar="COUNT", default=None,
                   help="stop after COUNT frames")
    p.add_argument("-a", dest="duration", type=_duration, metavar="duration:SEC", default=None,
                   help="stop after SEC seconds")
    p.add_argument("-s", dest="snaplen", type=_positive, metavar="SNAPLEN", default=262144,
                   help="bytes kept of each frame (default: 262144)")
    p.add_argument("-p", dest="no_promiscuous", action="store_true", help="do not put the interface in "
                   "promiscuous mode")


def _live_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-i", dest="interface", metavar="IFACE", required=True,
                   help="the interface to capture on (any: all of them)")
    _display_filter(p)
    _live_options(p)


class Command:
    """A subcommand: its name, the module whose ``run(args)`` carries it out (imported
    after parsing), its line in ``--help`` and what declares its arguments. (A plain
    class: a NamedTuple or a dataclass would import typing or inspect before ``--help``.)"""

    __slots__ = ("arguments", "help", "module", "name")

    def __init__(self, name: str, module: str, help: str,
                 arguments: Callable[[argparse.ArgumentParser], None]) -> None:
        self.name = name
        self.module = module
        self.help = help
        self.arguments = arguments


#: The subcommands, in the order ``--help`` lists them.
COMMANDS = (
    Command("analyze", "tcpscope.cli.analyze",
            "report: the capture, its TCP connections, findings, how each opened and closed", _analyze_arguments),
    Command("fields", "tcpscope.cli.fields", "print fields of every frame, as tshark -T fields does",
            _fields_arguments),
    Command("list", "tcpscope.cli.listing", "the packet list, one line per frame, as tshark prints it",
            _list_arguments),
    Command("conv", "tcpscope.cli.conv",
            "TCP conversations, as tshark -q -z conv,tcp, plus stream, retransmissions, RTT and state",
            _conv_arguments),
    Command("expert", "tcpscope.cli.expert", "expert summary by severity, as tshark -q -z expert", _expert_arguments),
    Command("follow", "tcpscope.cli.follow", "a TCP stream's bytes, as tshark -q -z follow,tcp,MODE,N",
            _follow_arguments),
    Command("flow", "tcpscope.cli.flow", "the flow graph of TCP segments, as tshark -q -z flow,tcp,standard",
            _flow_arguments),
    Command("explain", "tcpscope.cli.explain",
            "a connection step by step, as the tutorial tells it: handshake, data, close, states", _explain_arguments),
    Command("export", "tcpscope.cli.export",
            "write the frames as Parquet, Arrow, Feather, CSV, tshark's JSON or EK, pcap or pcapng",
            _export_arguments),
    Command("show", "tcpscope.cli.show", "each frame's details tree, as tshark -V prints it", _show_arguments),
    Command("serve", "tcpscope.cli.serve",
            "the browser UI: packet list, details, flow graph, follow, explanations, on a local server",
            _serve_arguments),
    Command("export-objects", "tcpscope.cli.export_objects",
            "write the HTTP bodies to files, as tshark --export-objects http,DIR", _export_objects_arguments),
    Command("iostat", "tcpscope.cli.iostat", "frames and bytes per time interval, as tshark -q -z io,stat",
            _iostat_arguments),
    Command("capture", "tcpscope.cli.capture",
            "capture live from an interface to a pcapng file, as dumpcap does (Linux, CAP_NET_RAW)",
            _capture_arguments),
    Command("live", "tcpscope.cli.live",
            "the packet list of a live capture as the packets arrive, with the TCP analysis (Linux, CAP_NET_RAW)",
            _live_arguments),
)


def _formatter(prog: str) -> argparse.HelpFormatter:
    """argparse's help formatter, given the terminal's width as ``shutil.get_terminal_size``
    finds it (``COLUMNS``, else standard output's terminal, else 80): argparse asks shutil
    itself, which imports bz2, lzma and fnmatch, for every command line, not only ``--help``."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0 and sys.__stdout__ is not None:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return argparse.HelpFormatter(prog, width=(columns or 80) - 2)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tcpscope", formatter_class=_formatter,
                                description="Wireshark's TCP analysis on whole captures, faster, in plain words.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.arguments(sub.add_parser(command.name, help=command.help, formatter_class=_formatter))
    return p


def _command_parser(name: str | None) -> argparse.ArgumentParser:
    """The parser of command ``name`` alone (tcpscope's with no command)."""
    command = next((c for c in COMMANDS if c.name == name), None)
    if command is None:
        return build_parser()
    p = argparse.ArgumentParser(prog=f"tcpscope {command.name}", formatter_class=_formatter)
    command.arguments(p)
    return p


def _parsed(words: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """The command line parsed, and the words left over. A line that starts with a
    command's name is parsed by that command's parser alone, which is the subparser
    tcpscope's parser would hand it to (same prog, arguments, help and errors): declaring
    all sixteen commands' arguments takes 3-4 ms, as long as the rest of argument parsing."""
    command = next((c for c in COMMANDS if words and c.name == words[0]), None)
    if command is None:
        return build_parser().parse_known_args(words)
    args, extra = _command_parser(command.name).parse_known_args(words[1:])
    args.command = command.name
    return args, extra


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    if words and words[0].startswith("-") and words[0] not in ("-h", "--help"):  # tshark's command line
        from tcpscope.cli import dropin

        collect_again()
        return dropin.main(words)
    args, extra = _parsed(words)
    if extra:  # the usage line of the command they were given to, not tcpscope's
        _command_parser(args.command).error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command is None:
        build_parser().print_help(sys.stderr)
        return EXIT_ERROR
    if args.command not in COLLECTED_LATER:
        collect_again()
    from tcpscope.errors import TcpscopeError

    module = next(c.module for c in COMMANDS if c.name == args.command)
    try:
        return int(importlib.import_module(module).run(args))
    except TcpscopeError as exc:
        from tcpscope.cli.dropin import with_unfilled_note

        print(f"tcpscope: {with_unfilled_note(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # the output was closed (| head): tshark's status
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def run() -> None:  # pragma: no cover - the console script; exits the process
    """``tcpscope`` from the shell: :func:`main`, then exit without tearing the interpreter down.

    After a large capture, freeing every array and module one by one takes a noticeable
    part of a second that the operating system does at once on exit; output and errors
    are flushed first, and nothing else is pending (worker threads have finished).

    tcpscope calls no BLAS routine, so numpy's OpenBLAS is told to start no threads of
    its own (unless the user says otherwise): about a tenth of numpy's import time.
    """
    import contextlib

    from tcpscope.cli import start_up_uncollected

    start_up_uncollected()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    code = main()
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
