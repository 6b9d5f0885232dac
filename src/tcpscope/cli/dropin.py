"""``tcpscope -r FILE [options]``: tshark 4.0's command line, so that a script changes one word.

``tcpscope`` with a first argument that is an option goes here (``cli/main.py``). The
options are read as tshark reads them (:mod:`tcpscope.cli.dropin_options`), then each
does what it does in tshark through the code the subcommands run: the packet list, the
details (``-V``, ``-O``) and the bytes (``-x``) through :mod:`tcpscope.cli.dropin_text`,
``-T fields`` through ``tcpscope fields``, ``-T json|ek -e`` through ``tcpscope export``,
``-T ek`` without ``-e`` through :mod:`tcpscope.cli.dropin_ek`,
and each ``-z`` through its subcommand (``conv``, ``expert``, ``follow``, ``flow``). ``-c``
and the TCP preferences of ``-o`` change how the capture is read
(:class:`tcpscope.cli.common.Reading`). What tshark prints on standard output comes out
the same; its messages come out in its words after ``tcpscope:``, with its exit statuses
(1 for a bad option or field, 2 for a bad filter or an unreadable file). What tcpscope
does not do is refused with one line naming it and status 2, never ignored.

``-e`` of a field tshark knows and tcpscope does not dissect yet prints what tshark
prints for a frame without it (an empty column), with one note on standard error naming
those fields; only a name tshark rejects is an error. The names tshark knows are those
of ``tshark -G fields`` (4.0.17), kept compressed in ``cli/tshark_fields.xz``
(``tests/cli/make_golden_dropin.py --names`` writes it), so that the drop-in works
without tshark.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tcpscope.cli import EXIT_ERROR
from tcpscope.cli.dropin_options import INVALID_OPTION, REFUSED, OptionError, Options, parse_options
from tcpscope.cli.dropin_prefs import Preferences, parse_preferences

if TYPE_CHECKING:
    from tcpscope.cli.common import Reading
    from tcpscope.cli.dropin_taps import Tap
    from tcpscope.errors import TcpscopeError
    from tcpscope.table.schema import FieldDef

__all__ = ["TSHARK_FIELDS", "glossary_line", "main", "resolve_fields", "tshark_names", "with_unfilled_note"]

#: Every field and protocol name tshark 4.0.17 knows: its version line, then the names, sorted.
TSHARK_FIELDS = Path(__file__).with_name("tshark_fields.xz")

#: The ``-G`` reports tshark has (``-G help``); tcpscope prints ``fields``.
_REPORTS = frozenset({"column-formats", "currentprefs", "decodes", "defaultprefs", "dissector-tables",
                      "dissectors", "elastic-mapping", "fieldcount", "fields", "folders", "ftypes",
                      "heuristic-decodes", "plugins", "protocols", "values", "help", "?", "-?"})

#: The ``-e`` option values tshark accepts (epan/print.c ``output_fields_set_option``).
_E_VALUES = {"header": ("y", "n"), "occurrence": ("f", "l", "a"), "quote": ("d", "s", "n"),
             "bom": ("y", "n"), "escape": ("y", "n")}


def main(argv: Sequence[str]) -> int:
    """Carry out a tshark command line (the words after ``tcpscope``); the exit status."""
    from tcpscope.errors import TcpscopeError

    try:
        opts = parse_options(list(argv))
        if opts.report is not None:
            return _report(opts.report, list(argv))
        if opts.version:
            return _version()
        run = _plan(opts)
    except OptionError as exc:
        _error(exc.lines)
        return exc.status
    try:
        return run()
    except OptionError as exc:
        _error(exc.lines)
        return exc.status
    except TcpscopeError as exc:
        print(f"tcpscope: {with_unfilled_note(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # tshark's status when its output is closed (| head)
        return EXIT_ERROR


def _error(lines: list[str]) -> None:
    sys.stderr.write("".join(f"tcpscope: {line}\n" if i == 0 else f"{line}\n" for i, line in enumerate(lines)))


def _version() -> int:
    import tcpscope

    sys.stdout.write(f"tcpscope {tcpscope.__version__}: the command line of TShark (Wireshark) 4.0.17\n")
    return 0


def _report(report: str, argv: list[str]) -> int:
    """``-G REPORT``, which tshark takes only as the first option."""
    if not argv[0].startswith("-G"):
        raise OptionError(["-G only valid as first option"])
    if report not in _REPORTS:
        raise OptionError([f'Invalid "{report}" option for -G flag, enter -G help for more help.'])
    if report != "fields":
        raise OptionError([f"-G {report} is not supported by tcpscope's tshark command line"], REFUSED)
    from tcpscope.views.columns import full_registry

    sys.stdout.write("".join(glossary_line(d) + "\n" for d in full_registry().values()))
    return 0


def glossary_line(d: FieldDef) -> str:
    """A field's line of ``tshark -G fields``: F, its title, name, type, protocol, display,
    bit mask (tcpscope keeps none: 0x0) and description; a protocol's: P, title, name."""
    if d.ftype.value == "FT_PROTOCOL":
        return f"P\t{d.title}\t{d.name}"
    base = d.base.value if d.base.value.startswith("BASE_") else "BASE_NONE"
    return f"F\t{d.title}\t{d.name}\t{d.ftype.value}\t{d.proto}\t{base}\t0x0\t{d.description}"


def tshark_names() -> frozenset[str]:
    """Every field and protocol name tshark 4.0.17 knows (read when a name is not tcpscope's)."""
    import lzma

    lines = lzma.decompress(TSHARK_FIELDS.read_bytes()).decode().splitlines()
    return frozenset(lines[1:])


def with_unfilled_note(exc: TcpscopeError) -> TcpscopeError:
    """A filter error whose culprit is a name tshark knows under a protocol tcpscope
    dissects in part (``filter.checker.DISSECTED_IN_PART``), with the note that tcpscope
    does not fill it yet; any other error as it is (tshark's message alone)."""
    from tcpscope.filter.checker import culprit, unfilled_note
    from tcpscope.filter.errors import FilterSemanticError

    if not isinstance(exc, FilterSemanticError) or exc.note:
        return exc
    word = culprit(exc.text, exc.loc)
    note = unfilled_note(word)
    if not note or word not in tshark_names():
        return exc
    return exc.with_note(note)


def _plan(opts: Options) -> Callable[[], int]:
    """Check the command line as tshark does before reading, and return what runs it."""
    from tcpscope.cli.common import Reading
    from tcpscope.cli.dropin_taps import parse_tap

    if opts.file is None:
        raise OptionError(["live capture is not supported by tcpscope: read a file with -r FILE"], REFUSED)
    if opts.fields and opts.output not in ("fields", "json", "ek"):
        raise OptionError(['Output fields were specified with "-e", but "-Tek, -Tfields, -Tjson or -Tpdml" was not '
                           'specified.'])
    if opts.output == "fields" and not opts.fields:
        raise OptionError(['"-Tfields" was specified, but no fields were specified with "-e".'])
    for option in opts.field_options:
        name, _, value = option.partition("=")
        if name not in ("separator", "aggregator") and value not in _E_VALUES.get(name, ()):
            raise OptionError([f'"{name}" is not a valid field output option=value pair.'])
    prefs = parse_preferences(opts.prefs)
    taps: list[Tap] = [parse_tap(z) for z in opts.taps]
    reading = Reading(opts.count, prefs.adjust if prefs.changes_values() else None, prefs.desegment,
                      prefs.tree() if opts.details or opts.output in ("json", "ek") else None, prefs.sequence_analysis)
    fields: tuple[list[FieldDef], list[str]] | None = None
    if opts.fields:
        fields = resolve_fields(opts.fields, prefs)

    def run() -> int:
        _unresolved_note(opts.unresolved)
        return _run(opts, reading, fields, taps)

    return run


#: What each -N letter but m asks tshark to resolve (NAME_RESOLUTIONS, in short)
_RESOLUTION_WORDS = {"n": "network addresses", "N": "names through external resolvers", "t": "port numbers",
                     "d": "addresses from captured DNS packets", "v": "VLAN IDs"}


def _unresolved_note(letters: str) -> None:
    """One line on standard error naming the resolutions -N asks for that tcpscope does
    not make (it resolves MAC addresses only: docs/deviations.md, "-N")."""
    if letters:
        words = ", ".join(f"{_RESOLUTION_WORDS[c]} ({c})" for c in letters)
        print(f"tcpscope: note: -N: tcpscope resolves MAC addresses only; not resolved: {words}", file=sys.stderr)


def resolve_fields(names: list[str], prefs: Preferences) -> tuple[list[FieldDef], list[str]]:
    """The definitions of ``-e`` names, and the names tcpscope does not dissect yet (their
    columns are always empty); a name tshark does not know either is tshark's error."""
    from tcpscope.views.columns import full_registry

    known = full_registry()
    left_out = prefs.left_out()
    missing = [n for n in names if n not in known]
    if missing:
        tshark = tshark_names()
        invalid = [n for n in missing if n not in tshark and not n.startswith("_ws.col.")]
        if invalid:
            raise OptionError(["Some fields aren't valid:", *(f"\t{n}" for n in invalid)])
    defs = [_empty(n) if n not in known or n in left_out else known[n] for n in names]
    return defs, list(dict.fromkeys(missing))


def _empty(name: str) -> FieldDef:
    """A field with no value in any frame."""
    from tcpscope.table.schema import FieldDef, FieldType
    from tcpscope.table.values import Values

    return FieldDef(name, FieldType.STRING, lambda table: Values.empty())


def _run(opts: Options, reading: Reading, fields: tuple[list[FieldDef], list[str]] | None, taps: list[Tap]) -> int:
    """Print the frames (unless ``-q``), then each statistic, in tshark's order (the
    last ``-z`` first); the highest exit status."""
    from tcpscope.cli.dropin_taps import passes as tap_passes
    from tcpscope.cli.dropin_taps import run_tap
    from tcpscope.cli.dropin_text import print_text

    assert opts.file is not None
    status = 0
    path = opts.file
    printed = opts.packets or not opts.quiet
    passes = int(printed) + sum(tap_passes(tap) for tap in taps)
    with _readable_twice(path, passes) as path:
        if printed:
            if fields is not None and opts.output == "fields":
                status = _print_fields(opts, path, reading, *fields)
            elif fields is not None:
                _note(fields[1])
                status = _print_json(opts, path, reading, fields[0])
            elif opts.output == "json":
                status = _print_json_trees(opts, path, reading)
            elif opts.output == "ek":
                from tcpscope.cli.dropin_ek import print_ek

                status = print_ek(opts, path, reading, sys.stdout.write)
            else:
                status = print_text(_with_file(opts, path), reading, sys.stdout.write)
            if status == INVALID_OPTION or (status and not taps):
                return status
        for tap in reversed(taps):
            sys.stdout.flush()
            status = max(status, run_tap(tap, path, reading))
    sys.stdout.flush()
    return status


def _with_file(opts: Options, path: str) -> Options:
    from dataclasses import replace

    return replace(opts, file=path)


def _print_fields(opts: Options, path: str, reading: Reading, defs: list[FieldDef], empty: list[str]) -> int:
    from tcpscope.cli.fields import print_fields
    from tcpscope.views.fields import FieldsOptions, parse_e_option

    fopts = FieldsOptions()
    for option in opts.field_options:
        fopts = parse_e_option(fopts, option)
    _note(empty)
    args = argparse.Namespace(file=path, display_filter=opts.display_filter, reading=reading)
    return print_fields(args, defs, fopts)


def _note(empty: list[str]) -> None:
    """One line on standard error naming the fields tcpscope does not dissect yet."""
    if empty:
        print(f"tcpscope: note: tcpscope does not dissect these fields yet; they are always empty: "
              f"{', '.join(empty)}", file=sys.stderr)


def _print_json(opts: Options, path: str, reading: Reading, defs: list[FieldDef]) -> int:
    """``-T json|ek -e``: a field without a value in a frame is left out of its object, so
    the fields tcpscope does not dissect (or a preference leaves out) are never written."""
    from tcpscope.cli import export
    from tcpscope.views.columns import full_registry

    known = full_registry()
    sys.stdout.flush()
    names = [d.name for d in defs if known.get(d.name) is d]
    args = argparse.Namespace(file=path, display_filter=opts.display_filter, format=opts.output, e=names,
                              output="-", binary_addresses=False, reading=reading)
    return int(export.run(args))


def _print_json_trees(opts: Options, path: str, reading: Reading) -> int:
    """``-T json`` without ``-e``: each frame's details tree, through ``tcpscope show -T json``."""
    from tcpscope.cli import show

    sys.stdout.flush()
    args = argparse.Namespace(file=path, display_filter=opts.display_filter, frame=None, x=opts.hex, n=not opts.mac_names,
                              format="json", reading=reading)
    return int(show.run(args))


class _readable_twice:
    """The capture's path, or, when standard input must be read more than once (the
    frames, then each statistic), a temporary copy of it."""

    def __init__(self, path: str, passes: int) -> None:
        self.path = path
        self.copy: str | None = None
        self.passes = passes

    def __enter__(self) -> str:
        if self.path != "-" or self.passes <= 1:
            return self.path
        import shutil
        import tempfile

        with tempfile.NamedTemporaryFile(prefix="tcpscope-stdin-", delete=False) as out:
            shutil.copyfileobj(sys.stdin.buffer, out)
            self.copy = out.name
        return self.copy

    def __exit__(self, *exc: object) -> None:
        if self.copy is not None:
            import os

            os.unlink(self.copy)
