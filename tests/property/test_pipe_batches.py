"""A stream read a batch at a time gives the records of the whole stream, damaged or not.

Hypothesis takes the mutation test's seeds and mutations, writes the mutant into a pipe
in random-sized writes and reads it back with random batch and read sizes
(``capture.pipe``). The batches, one after the other, must hold exactly the frames of
the same bytes read whole as a pipe (bytes, lengths, times, interfaces, link types),
with the same warnings, or fail with the same error.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_mutation import SEED_BYTES, SEEDS, Mutation, mutate, mutations

from tcpscope.capture import pipe
from tcpscope.capture.reader import records_of
from tcpscope.capture.records import Records
from tcpscope.capture.source import source_of_bytes
from tcpscope.errors import CaptureError


@contextmanager
def sizes(batch: int, read: int) -> Iterator[None]:
    saved = pipe.BATCH_BYTES, pipe.READ_BYTES, pipe.QUIET_S
    pipe.BATCH_BYTES, pipe.READ_BYTES, pipe.QUIET_S = batch, read, 0.0
    try:
        yield
    finally:
        pipe.BATCH_BYTES, pipe.READ_BYTES, pipe.QUIET_S = saved


def _batches(data: bytes, chunk: int) -> list[tuple[Records, bool]] | str:
    r, w = os.pipe()

    def feed() -> None:
        with open(w, "wb", buffering=0) as fh:
            for i in range(0, len(data), chunk):
                try:
                    fh.write(data[i : i + chunk])
                except BrokenPipeError:
                    return

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    try:
        return list(pipe._Batches(r, "-").run())
    except CaptureError as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        os.close(r)
        t.join(timeout=30)


def _whole(data: bytes) -> Records | str:
    try:
        return records_of(source_of_bytes("-", data, pipe=True))
    except CaptureError as exc:
        return f"{type(exc).__name__}: {exc}"


def _frame_bytes(r: Records) -> bytes:
    size = int(r.caplen.sum())
    starts = np.cumsum(r.caplen) - r.caplen
    idx = np.repeat(r.offset - starts, r.caplen) + np.arange(size, dtype=np.int64)
    return np.asarray(r.data)[idx].tobytes()


def _columns(r: Records) -> dict[str, Any]:
    n = len(r)
    return {
        "bytes": _frame_bytes(r), "caplen": r.caplen.tolist(), "wirelen": r.wirelen.tolist(),
        "ts_ns": r.ts_ns.tolist(), "linktype": r.linktype.tolist(),
        "interface_id": (r.interface_id if r.interface_id is not None else r.iface).tolist(),
        "has_ts": (r.has_ts if r.has_ts is not None else np.ones(n, np.bool_)).tolist(),
        "fcs_len": (r.fcs_len if r.fcs_len is not None else np.full(n, -1)).tolist(),
        "nsecs": (r.ts_nsecs if r.ts_nsecs is not None else r.ts_ns % 1_000_000_000).tolist(),
        # a custom block has no interface (its iface is a placeholder)
        "interfaces": [r.interfaces[i] if k != -1 else None for i, k in zip(r.iface.tolist(), r.linktype.tolist(),
                                                                             strict=True)],
    }


def _joined(batches: list[tuple[Records, bool]]) -> dict[str, Any]:
    parts = [_columns(b) for b, _ in batches]
    out: dict[str, Any] = {k: (b"" if k == "bytes" else []) for k in parts[0]}
    for p in parts:
        for k, v in p.items():
            out[k] = out[k] + v
    return out


@settings(max_examples=int(os.environ.get("TCPSCOPE_MUTANTS", "100")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(seed=st.sampled_from(SEEDS), ops=st.one_of(st.just([]), mutations()), batch=st.integers(1, 3000),
       read=st.integers(1, 700), chunk=st.integers(1, 900))
def test_batches_hold_the_whole_streams_records(seed: str, ops: list[Mutation], batch: int, read: int,
                                               chunk: int) -> None:
    data = mutate(SEED_BYTES[seed], ops) if ops else SEED_BYTES[seed]
    want = _whole(data)
    with sizes(batch, read):
        got = _batches(data, chunk)
    if isinstance(want, str) or isinstance(got, str):
        assert got == want
        return
    assert [last for _, last in got] == [False] * (len(got) - 1) + [True]
    assert [b.first_frame for b, _ in got] == list(np.cumsum([0] + [len(b) for b, _ in got[:-1]]))
    assert _joined(got) == _columns(want)
    assert [(w.kind, w.message) for w in got[-1][0].warnings] == [(w.kind, w.message) for w in want.warnings]
