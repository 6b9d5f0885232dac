"""``tcpscope export --format zeek|zeek-json`` against Zeek's own conn.logs.

The expected logs are Zeek's test-suite baselines (zeek/zeek, testing/btest/Baseline/...)
for the traces under /work/shared/captures/public that have a whole conn.log row
(/work/shared/reference/zeek-baselines.tsv names them); each is compared cell by cell for
the columns tcpscope writes. Columns declared, with the reason (export.zeek's docstring):

* ``uid``: Zeek's are random draws; ours are derived (checked for shape and stability);
* ``service``: no application protocol detection (ours is ``-``);
* ``local_orig``, ``local_resp``: no local networks (ours are ``-``; one run set them);
* ``ts``: the canonifier of newer baselines masks it as ``XXXXXXXXXX.XXXXXX``.

The header lines are checked for shape: the same lines in the same order, with ``#open``
and ``#close`` a time in Zeek's format (masked in newer baselines), and ``#fields`` and
``#types`` equal to the baseline's but for the columns a newer Zeek adds at the end.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tcpscope.cli.main import main
from tcpscope.export.zeek import FIELDS, json_double, uid

PUBLIC = Path("/work/shared/captures/public")
CAPTURES = Path(__file__).resolve().parents[2] / "tests" / "golden" / "captures"
LOSSY = CAPTURES / "own-lossy-seed11.pcap"
SEVERAL = CAPTURES / "zeek-http-methods.pcap"  # 49 connections

_HEAD = ("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
         "#open\t{open}\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\t"
         "orig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\t"
         "orig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents{more_fields}\n"
         "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\t"
         "count\tstring\tcount\tcount\tcount\tcount\tset[string]{more_types}\n")

#: trace -> Zeek's baseline conn.log (the btest banner line left out; the #open/#close
#: separator as Zeek writes it, a tab, where the canonifier put a space)
BASELINES: dict[str, str] = {
    # Baseline/core.tcp.missing-syn/conn.log (zeek -b -C, http loaded)
    "zeek-tcp-missing-syn.pcap": _HEAD.format(open="2016-07-13-17-58-31", more_fields="", more_types="")
    + "1128727435.633408\tCHhAvVGS1DHFjwGM9\t141.42.64.125\t56730\t125.190.109.199\t80\ttcp\thttp\t1.550793\t98\t"
      "9417\tSF\t-\t-\t0\t^hADdFaf\t11\t670\t10\t9945\t-\n#close\t2016-07-13-17-58-31\n",
    # Baseline/core.tcp.rxmit-history/conn-1.log (zeek -C, every script)
    "zeek-tcp-retransmit-fast009.pcap": _HEAD.format(open="XXXX-XX-XX-XX-XX-XX", more_fields="", more_types="")
    + "XXXXXXXXXX.XXXXXX\tCHhAvVGS1DHFjwGM9\t10.0.88.85\t50368\t192.168.0.27\t80\ttcp\t-\t60.991770\t474\t23783\t"
      "RSTO\t-\t-\t24257\tShADaGdgtR\t17\t1250\t22\t28961\t-\n#close\tXXXX-XX-XX-XX-XX-XX\n",
    # Baseline/core.tcp.reassembly-known-ports/conn.log (zeek -b; a newer Zeek with protocol_id)
    "zeek-http-get.pcap": _HEAD.format(open="XXXX-XX-XX-XX-XX-XX", more_fields="\tprotocol_id", more_types="\tcount")
    + "XXXXXXXXXX.XXXXXX\tCHhAvVGS1DHFjwGM9\t141.142.228.5\t59856\t192.150.187.43\t80\ttcp\thttp\t0.211484\t136\t"
      "5007\tSF\tF\tF\t0\tShADadFf\t7\t512\t7\t5379\t-\t6\n#close\tXXXX-XX-XX-XX-XX-XX\n",
}

#: columns compared with the baseline only where it is not masked, and never (by reason)
MASKED = "XXXXXXXXXX.XXXXXX"
DECLARED = {"uid": "random in Zeek, derived here", "service": "no service detection",
            "local_orig": "no local networks", "local_resp": "no local networks"}

_STAMP = re.compile(r"\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d|X{4}(-XX){5}")
_UID = re.compile(r"C[0-9A-Za-z]{2,22}")


def _export(path: Path, fmt: str, out: Path) -> str:
    assert main(["export", str(path), "--format", fmt, "-o", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def _parse(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """A conn.log's header and footer lines (``#name``), and its rows as column -> cell."""
    lines = text.splitlines()
    meta = [line for line in lines if line.startswith("#")]
    fields = next(line for line in meta if line.startswith("#fields")).split("\t")[1:]
    rows = [dict(zip(fields, line.split("\t"), strict=True)) for line in lines if not line.startswith("#")]
    return meta, rows


@pytest.mark.parametrize("trace", sorted(BASELINES))
def test_equals_zeek_baseline(trace: str, tmp_path: Path) -> None:
    ours_meta, ours = _parse(_export(PUBLIC / trace, "zeek", tmp_path / "conn.log"))
    want_meta, want = _parse(BASELINES[trace])
    # header: the same lines in the same order; #open/#close a time; fields and types a prefix
    assert [m.split("\t")[0].split(" ")[0] for m in ours_meta] == [m.split("\t")[0].split(" ")[0] for m in want_meta]
    for mine, theirs in zip(ours_meta, want_meta, strict=True):
        if mine.startswith(("#open", "#close")):
            assert _STAMP.fullmatch(mine.split("\t")[1]) and _STAMP.fullmatch(theirs.split("\t")[1])
        elif mine.startswith(("#fields", "#types")):
            assert theirs.startswith(mine)
        else:
            assert mine == theirs
    assert len(ours) == len(want) == 1
    for column, cell in want[0].items():
        if column in DECLARED or (column == "ts" and cell == MASKED) or column not in ours[0]:
            continue
        assert (column, ours[0][column]) == (column, cell)
    assert _UID.fullmatch(ours[0]["uid"])
    assert all(ours[0][c] == "-" for c in DECLARED if c != "uid")


def test_json_has_the_values_of_the_tsv(tmp_path: Path) -> None:
    """Zeek's JSON log: one object a line, unset columns left out, the same values as the
    TSV (times within the TSV's six decimals), integers as integers."""
    _, rows = _parse(_export(PUBLIC / "zeek-tcp-retransmit-fast009.pcap", "zeek", tmp_path / "conn.log"))
    lines = _export(PUBLIC / "zeek-tcp-retransmit-fast009.pcap", "zeek-json", tmp_path / "conn.json").splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    kinds = dict(FIELDS)
    assert list(obj) == [n for n, _ in FIELDS if rows[0][n] != "-"]
    for name, value in obj.items():
        if kinds[name] in ("time", "interval"):
            assert f"{value:.6f}" == rows[0][name]
        elif kinds[name] in ("count", "port"):
            assert type(value) is int and str(value) == rows[0][name]
        else:
            assert value == rows[0][name]
    assert obj["duration"] == 60.99177002906799  # a difference of doubles, as Zeek's


def test_json_double_as_rapidjson() -> None:
    assert [json_double(v) for v in (1.2e-5, 1e-6, 1e-7, 60.99177, 1.0, 1128727435.633408)] == [
        "0.000012", "0.000001", "1e-7", "60.99177", "1.0", "1128727435.633408"]


def test_uid_derived() -> None:
    """Stable, shaped as Zeek's, and different for a different connection."""
    one = uid(1_128_727_435_633_408_000, "141.42.64.125", 56730, "125.190.109.199", 80)
    assert one == uid(1_128_727_435_633_408_000, "141.42.64.125", 56730, "125.190.109.199", 80)
    assert _UID.fullmatch(one)
    assert one != uid(1_128_727_435_633_408_000, "125.190.109.199", 80, "141.42.64.125", 56730)


def test_many_connections_one_row_each(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A row per tcp.stream in stream order, uids distinct, the same bytes twice with
    SOURCE_DATE_EPOCH."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    text = _export(SEVERAL, "zeek", tmp_path / "a.log")
    assert _export(SEVERAL, "zeek", tmp_path / "b.log") == text
    _, rows = _parse(text)
    assert len(rows) > 1
    assert len({r["uid"] for r in rows}) == len(rows)
    assert [float(r["ts"]) for r in rows] == sorted(float(r["ts"]) for r in rows)


@pytest.mark.parametrize("option", [["-Y", "tcp"], ["-e", "frame.number"]])
def test_per_frame_options_refused(option: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "conn.log"
    assert main(["export", str(LOSSY), "--format", "zeek", "-o", str(out), *option]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"tcpscope: {option[0]} has no meaning for --format zeek") and err.count("\n") == 1
    assert not out.exists()
