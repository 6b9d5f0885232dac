"""The packet list's Info, Source, Destination and Protocol of some frames as Arrow string
arrays, for the table exports (``_ws.col.Info`` and friends in Parquet, Arrow, Feather,
CSV).

The texts are the list's own: the parts :func:`tcpscope.views.packet_list.kernel_bytes`
gives its line writer (:mod:`tcpscope.views.list_kernel`), and Info written by the same
helper (``put_info``) that writes it at the end of each line. Here :func:`write_infos`
writes Info alone, one frame after the other, into one UTF-8 buffer and records where
each ends: Arrow's string layout (offsets, then the bytes), made an Arrow array without a
copy and without a Python string a row. Source, Destination and Protocol are the line's
ids in the pool of texts the rows share, taken by Arrow from the pool's own string array.

tests/views/test_info_kernel.py compares the four columns with
:func:`tcpscope.views.packet_list.packet_columns`' on the captures the line writer is
tested on, compiled and not.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from tcpscope._jit import kernel
from tcpscope._types import Array, Index
from tcpscope.analysis.layout import A_DUPLICATE_ACK
from tcpscope.table.packets import PacketTable
from tcpscope.views.list_kernel import put_info

if TYPE_CHECKING:
    import pyarrow

__all__ = ["HELPER_MODULES", "HELPER_MODULES_DIGEST", "ListTexts", "list_texts", "write_infos"]

#: The modules whose helpers :func:`write_infos` compiles in (numba's cache watches this
#: file only), and the digest of their source: a change to them changes this file, so
#: that the kernel compiles again (tests/views/test_info_kernel.py checks the digest)
HELPER_MODULES = ("tcpscope.views.list_kernel",)
HELPER_MODULES_DIGEST = "d83443a37e4e2495"


@partial(kernel, refcounts=False)  # (it creates no array: no reference counting, tcpscope._jit)
def write_infos(out: Any, ends: Any, trow: Any, pfx: Any, body: Any, text: Any, suffix: Any, pool: Any,  # noqa: PLR0913, PLR0917 -- a numba kernel: arrays one by one, as write_lines reads them
                pstart: Any, sport: Any, dport: Any, flagid: Any, seq: Any, ack: Any, win: Any, urg: Any, seglen: Any,
                aflags: Any, dupnum: Any, dupframe: Any, opt_lo: Any, opt_hi: Any, okind: Any, ov1: Any, ov2: Any,
                sack_lo: Any, sack_hi: Any, sle: Any, sre: Any, pbits: Any, pids: Any, dup_bit: int) -> int:
    """Write each row's Info into ``out`` (which must hold them), one after the other, and
    where each ends in ``ends[i + 1]`` (``ends[0]`` is 0: Arrow's offsets); returns the
    bytes written."""
    p = 0
    ends[0] = 0
    for i in range(trow.shape[0]):
        p = put_info(out, p, trow[i], pfx[i], body[i], text[i], suffix[i], pool, pstart, sport, dport, flagid, seq,
                     ack, win, urg, seglen, aflags, dupnum, dupframe, opt_lo, opt_hi, okind, ov1, ov2, sack_lo,
                     sack_hi, sle, sre, pbits, pids, dup_bit)
        ends[i + 1] = p
    return p


class ListTexts(NamedTuple):
    """The packet list's text columns of some frames, as Arrow ``string`` arrays."""

    source: pyarrow.Array
    destination: pyarrow.Array
    protocol: pyarrow.Array
    info: pyarrow.Array


def _strings(data: Array, ends: Array) -> pyarrow.Array:
    """Arrow's ``string`` array of the UTF-8 ``data`` cut at ``ends`` (its offsets, the
    first 0): the buffers as they are."""
    import pyarrow as pa

    return pa.Array.from_buffers(pa.string(), ends.shape[0] - 1,
                                 [None, pa.py_buffer(ends.astype(np.int32)), pa.py_buffer(data)])


def _take(texts: pyarrow.Array, ids: Index) -> pyarrow.Array:
    """The entries ``ids`` of ``texts``, taken by Arrow."""
    import pyarrow as pa

    ids = np.ascontiguousarray(ids, dtype=np.int64)
    return texts.take(pa.Array.from_buffers(pa.int64(), ids.shape[0], [None, pa.py_buffer(ids)]))


def list_texts(table: PacketTable, frames: Index | None = None) -> ListTexts:
    """Source, Destination, Protocol and Info of ``frames`` of an analysed table (None:
    every frame), as the packet list writes them (the table's tcp layer analysed:
    ``stream`` among its columns)."""
    from tcpscope.views.packet_list import line_inputs

    n = table.n
    sel = np.arange(n, dtype=np.int64) if frames is None else np.asarray(frames, dtype=np.int64)
    k = sel.shape[0]
    if n == 0 or k == 0:
        empty = _strings(np.zeros(0, dtype=np.uint8), np.zeros(1, dtype=np.int64))
        return ListTexts(empty, empty, empty, empty)
    li = line_inputs(table, sel)
    lp, parts = li.lines, li.parts
    out = np.empty(li.info_bound, dtype=np.uint8)
    ends = np.empty(k + 1, dtype=np.int64)
    size = write_infos.run(
        n, out, ends, lp.row, lp.pfx, lp.body, lp.text, lp.suffix, li.data, li.pstart, parts.sport, parts.dport,
        li.flag_id, parts.seq, parts.ack, parts.win, parts.urg, parts.seglen, parts.aflags, parts.dupnum,
        parts.dupframe, parts.opt_lo, parts.opt_hi, parts.okind, parts.ov1, parts.ov2, parts.sack_lo, parts.sack_hi,
        parts.sle, parts.sre, li.pbits, li.pids, A_DUPLICATE_ACK)
    texts = _strings(li.data, li.pstart)
    return ListTexts(_take(texts, lp.source), _take(texts, lp.destination), _take(texts, lp.protocol),
                     _strings(out[:size], ends))
