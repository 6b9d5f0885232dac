"""``tcpscope.dask`` on a real ``dask.distributed`` LocalCluster (two worker processes):
the per-packet results and the conversations equal the single-process analysis of the same files read as one
capture, every cell, on rotated files whose connections cross file boundaries; reading
the files one by one would not give them; a worker killed mid-run fails the run with a
clear message and leaves no output. One cluster for the module (it takes seconds)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
import cloudpickle  # noqa: E402  (after the skip: a dependency of distributed)
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

import tcpscope  # noqa: E402
from tcpscope.dask import FIELDS, DaskRunError, _decode, analyze  # noqa: E402
from tcpscope.export.columns import arrow_schema, conform, field_defs  # noqa: E402
from tcpscope.export.conversations import write_conversations  # noqa: E402
from tcpscope.views.conversation_sums import ConversationSums  # noqa: E402

CAPTURE = Path(__file__).resolve().parents[2] / "tests" / "golden" / "captures" / "zeek-http-methods.pcap"

pytestmark = [pytest.mark.skipif(shutil.which("editcap") is None, reason="editcap (wireshark-common) cuts the files"),
              pytest.mark.xdist_group("dask-cluster")]  # one cluster: the tests share it


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c, \
            distributed.Client(c) as cl:
        yield cl


@pytest.fixture(scope="module")
def rotated(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """zeek-http-methods.pcap (49 connections, 655 frames) in files of 40 frames."""
    d = tmp_path_factory.mktemp("rotated")
    subprocess.run(["editcap", "-F", "pcap", "-c", "40", str(CAPTURE), str(d / "part.pcap")], check=True)
    return sorted(str(p) for p in d.iterdir())


def _single(paths: list[str] | str) -> pa.Table:
    """The single-process per-packet table of the TCP frames, in the export's types."""
    schema = arrow_schema(field_defs(["frame.number", *FIELDS]), binary_addresses=False)
    table = pa.concat_tables([conform(p, schema) for p in tcpscope.scan(paths, ["frame.number", *FIELDS])])
    return table.filter(pa.compute.is_valid(table["tcp.srcport"]))


def test_equals_single_process(client: Any, rotated: list[str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    rows = analyze(rotated, str(out), client)
    got = pq.read_table(out / "packets").sort_by("frame.number")
    want = _single(rotated)
    assert rows == got.num_rows == want.num_rows == 655
    assert got.column_names == want.column_names
    for name in want.column_names:
        assert (name, got[name].to_pylist()) == (name, want[name].to_pylist())
    # the conversations, as tcpscope conv --format parquet writes them for the same files
    sums = ConversationSums(lifecycle=True)
    for piece in tcpscope.scan(rotated):
        sums.add(piece.table, piece.mask)
    write_conversations(sums.result(), str(tmp_path / "single.parquet"))
    conv_want = pq.read_table(tmp_path / "single.parquet").sort_by("stream")
    conv_got = pq.read_table(out / "conversations").sort_by("stream")
    assert conv_got.num_rows == conv_want.num_rows == 49
    assert conv_got.column_names == conv_want.column_names
    for name in conv_want.column_names:
        assert (name, conv_got[name].to_pylist()) == (name, conv_want[name].to_pylist())
    # the files one by one: streams start again from 0 in each, so they differ
    one_by_one = np.concatenate([_single(f)["tcp.stream"].to_numpy() for f in rotated])
    assert not np.array_equal(one_by_one, want["tcp.stream"].to_numpy())


def _dying_decode(path: str, buckets: int) -> Any:
    """Step 1, but the worker that decodes the third file dies."""
    if "_00002_" in path:
        os._exit(1)
    return _decode(path, buckets)


def test_worker_killed(client: Any, rotated: list[str], tmp_path: Path) -> None:
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test
    out = tmp_path / "out"
    with pytest.raises(DaskRunError, match=r"^the Dask run failed, nothing was written to .*KilledWorker"):
        analyze(rotated, str(out), client, decode=_dying_decode)
    assert not out.exists() and not Path(f"{out}.part").exists()


def test_cli_needs_output(capsys: pytest.CaptureFixture[str]) -> None:
    from tcpscope.cli.main import main

    assert main(["analyze", "--dask", "tcp://127.0.0.1:1", str(CAPTURE)]) == 2
    assert capsys.readouterr().err == ("tcpscope: --dask writes Parquet to -o OUT (and takes neither -Y nor "
                                       "--explain)\n")


def test_cli_on_the_cluster(client: Any, rotated: list[str], tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    from tcpscope.cli.main import main

    out = tmp_path / "cli"
    assert main(["analyze", "--dask", client.scheduler.address, *rotated, "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"655 TCP frames written to {out}\n"
    assert pq.read_table(out / "packets").num_rows == 655
