"""Captures analysed on a Dask cluster (``pip install tcpscope[dask]``):
``tcpscope analyze --dask SCHEDULER_ADDRESS FILES... -o OUT`` and :func:`analyze`.

The steps, each a Dask task, so that files and connections spread over the workers:

1. **Decode**, one task per file: the file's frames are read and dissected (no
   analysis), and each TCP frame goes to a bucket chosen by a direction-free hash of its
   connection's 5-tuple (:func:`bucket_of`: the two ``address|port`` ends sorted, so
   both directions land together); the task returns, per bucket, the frames' bytes,
   times, lengths and their numbers in the file.
2. **Shuffle**: bucket ``b``'s task takes part ``b`` of every file's result (a future
   each), in file order, numbering the frames as frames of the files' concatenation
   (``mergecap -a``: a file's first frame follows the previous file's last).
3. **Analyse**, one task per bucket: its frames, in that order, written as one capture
   and read by :func:`tcpscope.scan` with the full TCP analysis: the same analysis
   function as on one machine, on the frames of whole connections. Every TCP field of a
   frame depends only on its own connection's earlier frames, so each value is the one
   the whole capture gives; frame numbers in the fields (``tcp.analysis.acks_frame`` ...)
   are mapped back to the concatenation's.
4. **Number the streams**: tshark numbers a stream by its first frame in the capture;
   each bucket reports the first frame of its streams, the client orders them all and
   each bucket's task renumbers its rows and writes its part of the output.

The output, a directory: ``packets/part-NNNNN.parquet`` (a row per TCP frame:
``frame.number`` and the TCP fields of :data:`FIELDS`, the types of
``tcpscope export --format parquet``) and ``conversations/part-NNNNN.parquet`` (a row per
TCP conversation, the columns and types of ``tcpscope conv --format parquet``, its first
frame and start time counted from the capture's first frame). It is written under
``OUT.part`` and renamed to ``OUT`` only when every task has succeeded: a run that fails
(a worker killed, a file that cannot be read) raises :class:`DaskRunError` and leaves no
``OUT``.

Frames that are not TCP have no row (they have no TCP field). A bucket's frames must
share one link type (the capture each bucket writes is a pcap): other captures are
refused, for now, with a clear message.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tcpscope.errors import TcpscopeError

if TYPE_CHECKING:
    import pyarrow

__all__ = ["FIELDS", "DaskRunError", "analyze", "bucket_of"]

#: buckets per worker: enough to even out connections of unequal sizes
BUCKETS_PER_WORKER = 4


class DaskRunError(TcpscopeError):
    """A Dask run that did not complete: which step, and why (nothing was written)."""


def _fields() -> tuple[str, ...]:
    from tcpscope.export.columns import DEFAULT_FIELDS, LIST_FIELDS

    return tuple(f for f in DEFAULT_FIELDS if f.startswith("tcp.") and f not in LIST_FIELDS)


#: the per-packet fields written (besides ``frame.number``): the TCP fields of a default
#: export (``export.columns.DEFAULT_FIELDS``), but the option lists
FIELDS: tuple[str, ...] = _fields()

_ENDS = ("ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport")


def bucket_of(a: str, a_port: int, b: str, b_port: int, buckets: int) -> int:
    """The bucket of a connection: BLAKE2b of its two ends, sorted (so both directions
    give the same), modulo ``buckets``."""
    ends = sorted((f"{a}|{a_port}", f"{b}|{b_port}"))
    digest = hashlib.blake2b("|".join(ends).encode("ascii"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % buckets


@dataclass(frozen=True)
class _Part:
    """A file's frames of one bucket: their numbers in the file (from 0), times, lengths,
    link type and bytes (one buffer, ``caplen`` after ``caplen``)."""

    frames: np.ndarray
    ts_ns: np.ndarray
    caplen: np.ndarray
    wirelen: np.ndarray
    linktype: np.ndarray
    data: bytes


def _gather_bytes(data: np.ndarray, offset: np.ndarray, caplen: np.ndarray) -> bytes:
    """The bytes of frames (``offset``, ``caplen`` each) one after the other, in one copy."""
    total = int(caplen.sum())
    before = np.cumsum(caplen) - caplen
    index = np.repeat(offset - before, caplen) + np.arange(total, dtype=np.int64)
    return bytes(data[index])


def _decode(path: str, buckets: int) -> tuple[int, int, list[_Part]]:
    """Step 1 on one file: its frame count, its first frame's time (-1: none) and its TCP
    frames by bucket (the hash taken once per connection's ends, the frames moved as arrays)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    import tcpscope

    parts: list[list[_Part]] = [[] for _ in range(buckets)]
    total, first_ts = 0, -1
    for piece in tcpscope.scan(path, ["frame.number", *_ENDS], analyze=False):
        if first_ts < 0 and piece.table.n:
            first_ts = int(piece.table.ts_ns[0])
        cols = piece.to_arrow()
        rec = piece.table.records
        tcp = np.flatnonzero(pc.is_valid(cols["tcp.srcport"]).to_numpy(zero_copy_only=False))
        cols = cols.take(pa.array(tcp))
        src = pc.coalesce(cols["ipv6.src"], cols["ip.src"]).cast(pa.string())
        dst = pc.coalesce(cols["ipv6.dst"], cols["ip.dst"]).cast(pa.string())
        keys = pc.binary_join_element_wise(src, cols["tcp.srcport"].cast(pa.string()), dst,
                                           cols["tcp.dstport"].cast(pa.string()), "|").combine_chunks()
        coded = keys.dictionary_encode()  # each connection's ends hashed once
        per_key = np.array([bucket_of(*_ends(k), buckets) for k in coded.dictionary.to_pylist()], dtype=np.int64)
        bucket = per_key[coded.indices.to_numpy(zero_copy_only=False)] if tcp.shape[0] else np.zeros(0, np.int64)
        numbers = cols["frame.number"].to_numpy(zero_copy_only=False).astype(np.int64)
        for b in np.unique(bucket).tolist():
            rows = tcp[bucket == b]
            parts[b].append(_Part(numbers[bucket == b] - 1,
                                  rec.ts_ns[rows].astype(np.int64), rec.caplen[rows].astype(np.int64),
                                  rec.wirelen[rows].astype(np.int64), rec.linktype[rows].astype(np.int64),
                                  _gather_bytes(rec.data, rec.offset[rows], rec.caplen[rows])))
        total += piece.table.n
    return total, first_ts, [_join(p) for p in parts]


def _ends(key: str) -> tuple[str, int, str, int]:
    a, a_port, b, b_port = key.split("|")
    return a, int(a_port), b, int(b_port)


def _join(parts: Sequence[_Part]) -> _Part:
    """One file's parts of a bucket (one per piece) as one."""
    def cat(name: str) -> np.ndarray:
        return np.concatenate([np.zeros(0, dtype=np.int64), *(getattr(p, name) for p in parts)])

    return _Part(cat("frames"), cat("ts_ns"), cat("caplen"), cat("wirelen"), cat("linktype"),
                 b"".join(p.data for p in parts))


def _pick(result: tuple[int, int, list[_Part]], bucket: int) -> _Part:
    return result[2][bucket]


@dataclass
class _Analysed:
    """A bucket's rows (numbered as the concatenation's frames) and its streams' first frames."""

    table: pyarrow.Table
    first_frames: np.ndarray  # per local stream number
    conversations: pyarrow.Table  # ``Conversations.to_arrow``, frames and times the capture's


#: a nanosecond pcap record's header: seconds, nanoseconds, captured and original length
_RECORD = np.dtype([("sec", "<u4"), ("nsec", "<u4"), ("caplen", "<u4"), ("wirelen", "<u4")])


def _pcap(parts: Sequence[_Part]) -> bytes:
    """The bucket's frames as a nanosecond pcap (one link type), built as arrays: each
    record's header, then its bytes, at offsets from the running sum of the lengths."""
    links = {int(x) for p in parts for x in np.unique(p.linktype).tolist()}
    if len(links) > 1:
        raise DaskRunError(f"the Dask path needs one link type per capture, and found {sorted(links)}")
    head = struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, links.pop() if links else 1)
    whole = _join(parts)
    n = whole.caplen.shape[0]
    records = np.empty(n, dtype=_RECORD)
    records["sec"], records["nsec"] = np.divmod(whole.ts_ns, 1_000_000_000)
    records["caplen"], records["wirelen"] = whole.caplen, whole.wirelen
    size = _RECORD.itemsize
    starts = np.arange(n, dtype=np.int64) * size + (np.cumsum(whole.caplen) - whole.caplen)
    out = np.empty(int(n * size + whole.caplen.sum()), dtype=np.uint8)
    header_at = (starts[:, None] + np.arange(size)).ravel()
    out[header_at] = records.view(np.uint8)
    data_at = np.repeat(starts + size - (np.cumsum(whole.caplen) - whole.caplen), whole.caplen) \
        + np.arange(int(whole.caplen.sum()), dtype=np.int64)
    out[data_at] = np.frombuffer(whole.data, dtype=np.uint8)
    return head + out.tobytes()


def _analyse(offsets: Sequence[int], first_ts: int, *parts: _Part) -> _Analysed:
    """Step 3 on one bucket: the same analysis as on one machine (:func:`tcpscope.scan`,
    and the conversations summed as ``tcpscope conv`` sums them). ``first_ts``: the time
    of the capture's first frame, which the conversations' start times count from."""
    import pyarrow as pa
    import pyarrow.compute as pc

    import tcpscope
    from tcpscope.export.columns import field_defs
    from tcpscope.table.schema import FieldType
    from tcpscope.views.conversation_sums import ConversationSums

    numbers = np.concatenate([np.zeros(0, dtype=np.int64),
                              *(p.frames + off + 1 for p, off in zip(parts, offsets, strict=True))])
    with tempfile.NamedTemporaryFile(suffix=".pcap") as fh:
        fh.write(_pcap(parts))
        fh.flush()
        sums = ConversationSums(lifecycle=True)
        pieces = []
        for piece in tcpscope.scan(fh.name, ["frame.number", *FIELDS]):
            sums.add(piece.table, piece.mask)
            pieces.append(piece.to_arrow())
    conv = sums.result().to_arrow()
    if conv.num_rows:
        bucket_first = int(min(int(p.ts_ns[0]) for p in parts if p.ts_ns.shape[0]))
        conv = conv.set_column(conv.schema.get_field_index("first_frame"), "first_frame",
                               pa.array(numbers[conv["first_frame"].to_numpy() - 1], type=pa.int64()))
        conv = conv.set_column(conv.schema.get_field_index("rel_start_ns"), "rel_start_ns",
                               pc.add(conv["rel_start_ns"], pa.scalar(bucket_first - first_ts, pa.duration("ns"))))
    table = pa.concat_tables(pieces) if pieces else pa.table({n: pa.array([], pa.int64())
                                                             for n in ["frame.number", *FIELDS]})
    local = np.asarray(table["frame.number"].to_numpy(zero_copy_only=False), dtype=np.int64)
    table = table.set_column(0, "frame.number", pa.array(numbers[local - 1], type=pa.int64()))
    for d in field_defs(list(FIELDS)):
        if d.ftype is FieldType.FRAMENUM:  # a frame number of the bucket's capture -> the concatenation's
            local = np.asarray(table[d.name].to_numpy(zero_copy_only=False), dtype=np.float64)
            known = ~np.isnan(local)
            mapped = np.zeros(local.shape[0], dtype=np.int64)
            mapped[known] = numbers[local[known].astype(np.int64) - 1]
            table = table.set_column(table.schema.get_field_index(d.name), d.name,
                                     pa.array(mapped, mask=~known, type=pa.int64()))
    stream = np.asarray(table["tcp.stream"].to_numpy(zero_copy_only=False), dtype=np.float64)
    has = ~np.isnan(stream)
    n = int(stream[has].max()) + 1 if has.any() else 0
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    frames = np.asarray(table["frame.number"].to_numpy(zero_copy_only=False), dtype=np.int64)
    np.minimum.at(first, stream[has].astype(np.int64), frames[has])
    return _Analysed(table, first, conv)


@dataclass(frozen=True)
class _Conversations:
    """A bucket's conversations as ``export.conversations`` takes them (``to_arrow``)."""

    table: pyarrow.Table

    def to_arrow(self) -> pyarrow.Table:
        return self.table


def _write(analysed: _Analysed, global_of_local: np.ndarray, path: str, conv_path: str) -> int:
    """Step 4 on one bucket: its streams renumbered, its rows and its conversations
    written; returns the rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tcpscope.export.columns import arrow_schema, field_defs
    from tcpscope.export.conversations import write_conversations

    table = analysed.table
    stream = table["tcp.stream"].to_numpy(zero_copy_only=False)
    known = ~np.isnan(np.asarray(stream, dtype=np.float64))
    mapped = np.zeros(stream.shape[0], dtype=np.int64)
    mapped[known] = global_of_local[np.asarray(stream, dtype=np.float64)[known].astype(np.int64)]
    table = table.set_column(table.schema.get_field_index("tcp.stream"), "tcp.stream",
                             pa.array(mapped, mask=~known, type=pa.int64()))
    schema = arrow_schema(field_defs(["frame.number", *FIELDS]), binary_addresses=False)
    pq.write_table(table.select(schema.names).cast(schema), path)  # (the API's types: tcp.stream renumbered above)
    conv = analysed.conversations
    if conv.num_rows:
        conv = conv.set_column(0, "stream", pa.array(global_of_local[conv["stream"].to_numpy()], type=pa.int64()))
        write_conversations(_Conversations(conv.sort_by("stream")), conv_path)
    return int(table.num_rows)


def analyze(paths: str | Sequence[str], out: str, client: Any, buckets: int | None = None, *,
            decode: Callable[[str, int], tuple[int, int, list[_Part]]] = _decode) -> int:
    """Analyse the capture ``paths`` (files, or a directory: ``capture.files``) on the
    Dask ``client``'s cluster and write the per-packet Parquet under the directory ``out``
    (see the module docstring). Returns the rows written. Raises :class:`DaskRunError`
    when a step fails; ``out`` then does not exist. ``decode``: step 1's task (a seam for
    tests that make a worker die)."""
    from tcpscope.capture.files import capture_files

    files = capture_files(paths) or ([paths] if isinstance(paths, str) else list(paths))
    if buckets is None:
        buckets = BUCKETS_PER_WORKER * max(len(client.scheduler_info().get("workers", {})), 1)
    partial = f"{out}.part"
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(os.path.join(partial, "packets"))
    os.makedirs(os.path.join(partial, "conversations"))
    try:
        decoded = client.map(decode, files, buckets=buckets, pure=False)
        heads = client.gather(client.map(lambda r: (r[0], r[1]), decoded, pure=False))
        counts = [n for n, _ in heads]
        first_ts = next((ts for _, ts in heads if ts >= 0), 0)
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64).tolist()
        analysed = [client.submit(_analyse, offsets, first_ts, *[client.submit(_pick, d, b, pure=False) for d in decoded],
                                  pure=False) for b in range(buckets)]
        firsts = client.gather(client.map(lambda a: a.first_frames, analysed, pure=False))
        every = np.concatenate([np.zeros(0, dtype=np.int64), *firsts])
        rank = np.empty(every.shape[0], dtype=np.int64)
        rank[np.argsort(every, kind="stable")] = np.arange(every.shape[0])
        bounds = np.cumsum([0, *(f.shape[0] for f in firsts)])
        written = [client.submit(_write, a, rank[bounds[b] : bounds[b + 1]],
                                 os.path.join(partial, "packets", f"part-{b:05d}.parquet"),
                                 os.path.join(partial, "conversations", f"part-{b:05d}.parquet"), pure=False)
                   for b, a in enumerate(analysed)]
        rows = sum(client.gather(written))
    except DaskRunError:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    except Exception as exc:  # a worker killed, a task's error: the run is not complete
        shutil.rmtree(partial, ignore_errors=True)
        raise DaskRunError(f"the Dask run failed, nothing was written to {out}: {type(exc).__name__}: {exc}") from None
    shutil.rmtree(out, ignore_errors=True)
    os.replace(partial, out)
    return int(rows)
