"""tshark's ``-z`` statistics that tcpscope prints, each through its subcommand.

* ``conv,tcp[,FILTER]``: ``tcpscope conv`` (the filter counts only the frames it selects);
* ``expert[,LEVEL][,FILTER]``: ``tcpscope expert`` (LEVEL: error, warn, note, chat or comment);
* ``follow,tcp,MODE,N``: ``tcpscope follow --stream N`` (MODE: ascii, hex, raw or yaml);
  ``follow,tcp,MODE,A:P,B:Q`` (two IPv4 endpoints): the stream of the first segment
  between them, under tshark's filter line;
* ``io,stat,INTERVAL[,COLUMN ...]``: ``tcpscope iostat``;
* ``flow,tcp,standard|network[,FILTER]``: ``tcpscope flow``.

tshark's own ``-Y`` leaves statistics alone: each sees every frame read (up to ``-c``).
A statistic tshark has and tcpscope does not is refused (status 2), one tshark does not
have is tshark's error (status 1).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tcpscope.cli.dropin_options import REFUSED, OptionError, tshark_knows

if TYPE_CHECKING:
    from tcpscope.cli.common import Reading

__all__ = ["Tap", "parse_tap", "passes", "run_tap"]

_LEVELS = ("error", "warn", "note", "chat", "comment")
_FOLLOW_MODES = ("ascii", "hex", "raw", "yaml")


@dataclass(frozen=True, slots=True)
class Tap:
    """One ``-z``: the subcommand's module and its arguments."""

    module: str
    arguments: dict[str, object]


def parse_tap(text: str) -> Tap:
    """A ``-z`` argument; raises OptionError for one tcpscope does not print."""
    words = text.split(",")
    if words[:2] == ["conv", "tcp"]:
        return Tap("conv", {"display_filter": ",".join(words[2:]) or None, "format": "table", "extras": False,
                            "output": "-"})
    if words[0] == "expert":
        rest = words[1:]
        level = rest.pop(0) if rest and rest[0] in _LEVELS else "comment"
        return Tap("expert", {"display_filter": ",".join(rest) or None, "level": level, "frames": False})
    if words[:2] == ["follow", "tcp"] and len(words) == 4 and words[2] in _FOLLOW_MODES and words[3].isdigit():
        return Tap("follow", {"stream": int(words[3]), "display_filter": None, "format": words[2], "out": None})
    if words[:2] == ["follow", "tcp"] and len(words) == 5 and words[2] in _FOLLOW_MODES:
        between = _endpoints_filter(words[3], words[4])
        if between is not None:
            return Tap("follow", {"stream": None, "display_filter": between, "follow_filter": between,
                                  "format": words[2], "out": None})
    if words[:2] == ["flow", "tcp"] and len(words) >= 3 and words[2] in ("standard", "network"):
        return Tap("flow", {"display_filter": ",".join(words[3:]) or None, "network": words[2] == "network",
                            "states": False, "svg": None, "html": None})
    if words[:2] == ["io", "stat"]:
        return _io_stat(text)
    if not tshark_knows("taps", text):
        raise OptionError([f'Invalid -z argument "{text}"; it must be one of:'])
    raise OptionError([f"-z {text} is not supported by tcpscope's tshark command line"], REFUSED)


def _io_stat(text: str) -> Tap:
    """``-z io,stat,INTERVAL[,COLUMN ...]``: ``tcpscope iostat``, its arguments checked
    before the capture is read, as tshark checks them (status 2, INVALID_TAP)."""
    from tcpscope.views.iostat import IoStatError, parse_column, parse_interval, parse_io_stat_arg

    try:
        interval, columns = parse_io_stat_arg(text)
        parse_interval(interval)
        for column in columns:
            parse_column(column)
    except IoStatError as exc:
        raise OptionError([str(exc)], REFUSED) from None
    return Tap("iostat", {"interval": interval, "column": [c or "" for c in columns], "display_filter": None})


def _endpoints_filter(one: str, other: str) -> str | None:
    """``-z follow,tcp,MODE,A:P,B:Q``: the filter tshark follows (and prints) for the
    segments between two IPv4 endpoints, either way; None for another form."""
    import ipaddress

    ends = []
    for end in (one, other):
        address, _, port = end.rpartition(":")
        try:
            ends.append((str(ipaddress.IPv4Address(address)), int(port)))
        except ValueError:
            return None

    def way(a: tuple[str, int], b: tuple[str, int]) -> str:
        return f"((ip.src eq {a[0]} and tcp.srcport eq {a[1]}) and (ip.dst eq {b[0]} and tcp.dstport eq {b[1]}))"

    return f"{way(ends[0], ends[1])} or {way(ends[1], ends[0])}"


def passes(tap: Tap) -> int:
    """How many times the statistic reads the capture (following endpoints: twice)."""
    return 2 if tap.arguments.get("follow_filter") else 1


def run_tap(tap: Tap, path: str, reading: Reading) -> int:
    """Print one statistic of the capture at ``path``; the subcommand's exit status."""
    import importlib

    args = argparse.Namespace(file=path, reading=reading, **tap.arguments)
    return int(importlib.import_module(f"tcpscope.cli.{tap.module}").run(args))
