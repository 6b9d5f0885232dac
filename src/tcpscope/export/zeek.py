"""``tcpscope export --format zeek|zeek-json``: Zeek's ``conn.log``, one row per TCP connection.

The values are those :mod:`tcpscope.views.zeek` computes by Zeek's own rules (originator,
``conn_state``, ``history``, sizes, packets, IP bytes, missed bytes); this module only
lays them out as Zeek's log writers do (zeek at a13de64: the ASCII writer and the JSON
formatter, ``scripts/base/protocols/conn/main.zeek`` for the columns):

* ``zeek``: tab-separated values under the writer's header lines (``#separator \\x09``,
  ``#set_separator``, ``#empty_field``, ``#unset_field``, ``#path conn``, ``#open``,
  ``#fields``, ``#types``), ``#close`` last. A time is seconds since the epoch with six
  decimals; an interval, seconds with six decimals; a value not set is ``-``, an empty
  string ``(empty)``.
* ``zeek-json``: one JSON object per line, Zeek's column names as keys (``id.orig_h``),
  a value not set left out, times and intervals as numbers written as the shortest
  decimal that reads back as the same double (:func:`json_double`), ports and counts as
  integers, addresses and enums as strings; no header.

Rows come in the order of ``tcp.stream`` (of each connection's first segment), where Zeek
logs a connection when it is removed; a connection none of whose segments Zeek would walk
(every header cut short) has no row.

Columns not computed, each written as not set (``-``) with its reason:

* ``service``: tcpscope detects no application protocol the way Zeek's analyzers do;
* ``local_orig``, ``local_resp``: tcpscope knows no local networks (Zeek's
  ``Site::local_nets``; empty, Zeek leaves them unset too);
* ``tunnel_parents``: a tunnelled connection's outer connections have no uids here.

``uid``: Zeek draws each uid at random (96 bits from a seeded generator) and writes it as
``C`` and the base62 text of its two words. tcpscope derives the 96 bits from the
connection itself so that the same capture gives the same log every time, and a
connection keeps its uid whether it is read from one file or from rotated pieces
(:func:`uid`): the first 12 bytes of the BLAKE2b digest of the text
``tcp|<ts in ns>|<orig_h>|<orig_p>|<resp_h>|<resp_p>``, as a 64-bit then a 32-bit
big-endian word, each in base62 (digits ``0-9A-Za-z``, most significant first). The
values differ from the uids of a Zeek run, which no derivation could reproduce.

``#open`` and ``#close``: the time of writing, as Zeek writes it (local time,
``%Y-%m-%d-%H-%M-%S``), or ``SOURCE_DATE_EPOCH`` when set, for output identical byte for
byte from run to run.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Final

from tcpscope.views.zeek import ZeekConns

__all__ = ["FIELDS", "conn_rows", "json_double", "uid", "write_zeek"]

#: conn.log's columns, in Zeek's order, with Zeek's types (``Conn::Info``)
FIELDS: Final[tuple[tuple[str, str], ...]] = (
    ("ts", "time"),  # the connection's first packet
    ("uid", "string"),  # the connection's unique id (see the module docstring)
    ("id.orig_h", "addr"),  # the originator's address
    ("id.orig_p", "port"),  # the originator's port
    ("id.resp_h", "addr"),  # the responder's address
    ("id.resp_p", "port"),  # the responder's port
    ("proto", "enum"),  # the transport protocol: tcp
    ("service", "string"),  # the application protocol: not set (module docstring)
    ("duration", "interval"),  # last packet less first; not set for a single instant
    ("orig_bytes", "count"),  # payload bytes the originator sent, by its sequence numbers
    ("resp_bytes", "count"),  # payload bytes the responder sent, by its sequence numbers
    ("conn_state", "string"),  # Zeek's summary state (S0, SF, REJ, ...)
    ("local_orig", "bool"),  # the originator is local: not set (module docstring)
    ("local_resp", "bool"),  # the responder is local: not set
    ("missed_bytes", "count"),  # bytes in content gaps
    ("history", "string"),  # the connection's history letters
    ("orig_pkts", "count"),  # packets from the originator
    ("orig_ip_bytes", "count"),  # their IP bytes (IP total length)
    ("resp_pkts", "count"),  # packets from the responder
    ("resp_ip_bytes", "count"),  # their IP bytes
    ("tunnel_parents", "set[string]"),  # uids of the outer connections: not set
)

#: the writer's text for a value not set, an empty string and between a set's members
UNSET: Final = "-"
EMPTY: Final = "(empty)"
SET_SEPARATOR: Final = ","

#: base62's digits, in the order of their values
_BASE62: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

#: a cell's value: None for a value not set
Cell = str | int | float | None


def _base62(value: int) -> str:
    digits = []
    while True:
        value, d = divmod(value, 62)
        digits.append(_BASE62[d])
        if value == 0:
            return "".join(reversed(digits))


def uid(ts_ns: int, orig_h: str, orig_p: int, resp_h: str, resp_p: int) -> str:
    """A connection's uid, derived from its first packet's time and its originator and
    responder (see the module docstring): ``C`` and two base62 words."""
    key = f"tcp|{ts_ns}|{orig_h}|{orig_p}|{resp_h}|{resp_p}".encode("ascii")
    digest = hashlib.blake2b(key, digest_size=12).digest()
    return "C" + _base62(int.from_bytes(digest[:8], "big")) + _base62(int.from_bytes(digest[8:], "big"))


def _seconds(ns: int) -> float:
    """A time as Zeek holds it: a double of whole seconds plus the fraction (not the
    nanoseconds divided at once, which a double cannot hold exactly)."""
    whole, frac = divmod(ns, 1_000_000_000)
    return float(whole) + frac / 1e9


def conn_rows(zk: ZeekConns) -> Iterator[tuple[Cell, ...]]:
    """Each logged connection's cells in :data:`FIELDS` order (None: not set)."""
    columns = (zk.start_ns.tolist(), zk.orig_h.tolist(), zk.orig_p.tolist(), zk.resp_h.tolist(),
               zk.resp_p.tolist(), zk.duration_ns.tolist(), zk.orig_bytes.tolist(), zk.resp_bytes.tolist(),
               zk.conn_state.tolist(), zk.missed_bytes.tolist(), zk.history.tolist(), zk.orig_pkts.tolist(),
               zk.orig_ip_bytes.tolist(), zk.resp_pkts.tolist(), zk.resp_ip_bytes.tolist())
    for (start, oh, op, rh, rp, duration, ob, rb, state, missed, history,
         opk, oip, rpk, rip) in zip(*columns, strict=True):
        if opk + rpk == 0:
            continue  # no segment walked: Zeek saw no connection
        ts = _seconds(start)
        # Zeek's duration is a difference of two doubles
        seconds = None if duration < 0 else _seconds(start + duration) - ts
        yield (ts, uid(start, oh, op, rh, rp), oh, op, rh, rp, "tcp", None, seconds,
               None if ob < 0 else ob, None if rb < 0 else rb, state, None, None, missed, history,
               opk, oip, rpk, rip, None)


def _tsv_cell(value: Cell, kind: str) -> str:
    """A cell as the ASCII writer prints it."""
    if value is None:
        return UNSET
    if kind in ("time", "interval"):
        return f"{value:.6f}"
    text = str(value)
    return text if text else EMPTY


def json_double(value: float) -> str:
    """A double as Zeek's JSON formatter (rapidjson) writes it: the shortest digits that
    read back as the same double, in decimal notation from 1e-6 up (``0.000012``,
    ``60.99177``, ``1.0``) and with an unpadded exponent below (``1.2e-7``). (Times and
    intervals stay far below 1e16, where the two writers' notations part again.)"""
    text = repr(value)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    if int(exponent) >= -6:
        return format(Decimal(text), "f")
    return f"{mantissa}e{int(exponent)}"


def _json_value(value: Cell, kind: str) -> str:
    if kind in ("time", "interval"):
        assert isinstance(value, float)
        return json_double(value)
    return json.dumps(value, ensure_ascii=False)


def _stamp() -> str:
    """``#open``/``#close``'s time: now, or ``SOURCE_DATE_EPOCH`` (module docstring)."""
    fixed = os.environ.get("SOURCE_DATE_EPOCH")
    when = time.localtime(int(fixed)) if fixed and fixed.isdigit() else time.localtime()
    return time.strftime("%Y-%m-%d-%H-%M-%S", when)


def write_zeek(zk: ZeekConns, fmt: str, out: IO[bytes]) -> None:
    """Write the connections of ``zk`` as conn.log (``fmt`` ``zeek``) or as Zeek's JSON
    log (``zeek-json``)."""
    names = [name for name, _ in FIELDS]
    kinds = [kind for _, kind in FIELDS]
    lines: list[str] = []
    if fmt == "zeek":
        lines += ["#separator \\x09", f"#set_separator\t{SET_SEPARATOR}", f"#empty_field\t{EMPTY}",
                  f"#unset_field\t{UNSET}", "#path\tconn", f"#open\t{_stamp()}",
                  "#fields\t" + "\t".join(names), "#types\t" + "\t".join(kinds)]
    for row in conn_rows(zk):
        if fmt == "zeek":
            lines.append("\t".join(_tsv_cell(v, k) for v, k in zip(row, kinds, strict=True)))
        else:
            cells = (f"{json.dumps(n)}:{_json_value(v, k)}"
                     for n, v, k in zip(names, row, kinds, strict=True) if v is not None)
            lines.append("{" + ",".join(cells) + "}")
        if len(lines) >= 4096:
            out.write(("\n".join(lines) + "\n").encode("utf-8"))
            lines = []
    if fmt == "zeek":
        lines.append(f"#close\t{_stamp()}")
    if lines:
        out.write(("\n".join(lines) + "\n").encode("utf-8"))
