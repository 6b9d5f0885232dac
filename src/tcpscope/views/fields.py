"""``tshark -T fields`` output: one line per frame, the chosen fields separated by a character.

Options as tshark's ``-E``: ``header=y`` prints the field names first; ``separator``
(``/t`` tab, ``/s`` space, or one character) between fields; ``occurrence`` ``f`` first,
``l`` last, ``a`` all (default) or a 1-based index; ``aggregator`` (default ``,``)
between the occurrences of one field; ``quote`` ``d``/``s``/``n`` around each value.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef
from tcpscope.table.text import format_values
from tcpscope.table.values import Values

__all__ = ["FieldsOptions", "field_lines", "parse_e_option"]


@dataclass(frozen=True, slots=True)
class FieldsOptions:
    """The ``-E`` options of ``tshark -T fields``."""

    header: bool = False
    separator: str = "\t"
    occurrence: str = "a"
    aggregator: str = ","
    quote: str = ""


def parse_e_option(opts: FieldsOptions, text: str) -> FieldsOptions:
    """Apply one ``-E name=value`` option; raises ValueError with tshark's complaint."""
    from dataclasses import replace

    name, sep, value = text.partition("=")
    if not sep:
        raise ValueError(f'Invalid -E option "{text}"')
    if name == "header":
        if value not in ("y", "n"):
            raise ValueError(f'Invalid -E header value "{value}"')
        return replace(opts, header=value == "y")
    if name == "separator":
        sepv = {"/t": "\t", "/s": " "}.get(value, value[:1] if value else "\t")
        return replace(opts, separator=sepv)
    if name == "occurrence":
        if value not in ("f", "l", "a") and not value.isdigit():
            raise ValueError(f'Invalid -E occurrence value "{value}"')
        return replace(opts, occurrence=value)
    if name == "aggregator":
        agg = {"/t": "\t", "/s": " "}.get(value, value[:1] if value else ",")
        return replace(opts, aggregator=agg)
    if name == "quote":
        q = {"d": '"', "s": "'", "n": ""}.get(value)
        if q is None:
            raise ValueError(f'Invalid -E quote value "{value}"')
        return replace(opts, quote=q)
    if name in ("bom", "escape"):
        return opts
    raise ValueError(f'Invalid -E option "{text}"')


def _cells(fd: FieldDef, v: Values, n: int, frames: NDArray[np.int64], opts: FieldsOptions,
           buffers: tuple[NDArray[np.uint8], ...]) -> list[str]:
    """The text of one column for the selected frames."""
    texts = format_values(fd, v, buffers)
    q = opts.quote
    if q:
        texts = [f"{q}{t}{q}" for t in texts]
    counts = np.bincount(v.pkt, minlength=n)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    out: list[str] = []
    occ = opts.occurrence
    agg = opts.aggregator
    for f in frames.tolist():
        a, b = int(starts[f]), int(starts[f + 1])
        if a == b:
            out.append("")
        elif occ == "a":
            out.append(agg.join(texts[a:b]))
        elif occ == "f":
            out.append(texts[a])
        elif occ == "l":
            out.append(texts[b - 1])
        else:
            k = int(occ) - 1
            out.append(texts[a + k] if 0 <= k < b - a else "")
    return out


def field_lines(table: PacketTable, fields: Sequence[FieldDef], opts: FieldsOptions,
                frames: NDArray[np.int64] | None = None) -> Iterator[str]:
    """Lines of ``-T fields`` output (without newlines) for ``frames`` (default: all)."""
    n = table.n
    sel = np.arange(n, dtype=np.int64) if frames is None else frames
    if opts.header:
        yield opts.separator.join(f.name for f in fields)
    columns = [_cells(fd, fd.get(table), n, sel, opts, table.buffers) for fd in fields]
    sep = opts.separator
    for row in zip(*columns, strict=False):
        yield sep.join(row)
