"""Record, per TCP stream of every golden capture, what ``tshark -2 -T fields`` says of the
conversation extras, for tests/views/test_conversations.py.

    python tests/golden/make_golden_conv_extras.py

Runs ``tshark -2 -r CAPTURE -T fields -e tcp.stream -e tcp.completeness -e
tcp.analysis.retransmission -e tcp.analysis.ack_rtt`` on every capture whose ``-z conv,tcp``
golden file is not empty, and writes ``expected/conv-extras.tsv``: its first line the
installed tshark's version, then one line per stream (:func:`stream_extras`): the capture,
the stream, its completeness on its last frame, the frames marked as retransmissions, and
the number, least, greatest and sum of its RTT samples in nanoseconds. tshark ran once per
capture in every suite to give the same lines; it runs live on golden_io.LIVE_SAMPLE.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
CAPTURES = HERE / "captures"
EXTRAS = HERE / "expected" / "conv-extras.tsv"
FIELDS = ("tcp.stream", "tcp.completeness", "tcp.analysis.retransmission", "tcp.analysis.ack_rtt")

#: stream -> (completeness, retransmissions, rtt samples, least, greatest, sum)
Extras = dict[int, tuple[int, int, int, int, int, int]]


def tshark_extras(path: Path, tshark: str = "tshark") -> str:
    """tshark's two-pass fields output of the capture at ``path``."""
    args = [tshark, "-2", "-r", str(path), "-T", "fields", *(a for f in FIELDS for a in ("-e", f))]
    return subprocess.run(args, capture_output=True, text=True, check=False).stdout


def stream_extras(out: str) -> Extras:
    """Each stream's extras from :func:`tshark_extras`' output: completeness as its last frame
    shows it (``-2``), the frames ``tcp.analysis.retransmission`` marks, ``tcp.analysis.ack_rtt``."""
    comp: dict[int, int] = {}
    retrans: dict[int, int] = {}
    rtts: dict[int, list[int]] = {}
    for line in out.splitlines():
        stream, completeness, rt, rtt = line.split("\t")
        if not stream:
            continue
        s = int(stream.split(",")[0])
        comp[s] = int(completeness.split(",")[0])
        retrans[s] = retrans.get(s, 0) + (1 if rt else 0)
        if rtt:
            rtts.setdefault(s, []).append(round(float(rtt) * 1e9))
    return {s: (comp[s], retrans.get(s, 0), len(rtts.get(s, [])), min(rtts.get(s, [0])), max(rtts.get(s, [0])),
                sum(rtts.get(s, []))) for s in comp}


def read_extras() -> tuple[str, dict[str, Extras]]:
    """The recorded tshark version, and each capture's :data:`Extras`."""
    first, *lines = EXTRAS.read_text(encoding="utf-8").splitlines()
    table: dict[str, Extras] = {}
    for line in lines:
        name, stream, *values = line.split("\t")
        c, r, n, lo, hi, total = (int(v) for v in values)
        table.setdefault(name, {})[int(stream)] = (c, r, n, lo, hi, total)
    return first.removeprefix("# "), table


def main() -> None:
    from make_golden_stats import capture_names, expected_path

    version = subprocess.run(["tshark", "--version"], capture_output=True, check=True).stdout.decode().splitlines()[0]
    lines = [f"# {version}\n"]
    for name in capture_names():
        if not expected_path(name, "conv").read_text(encoding="utf-8"):
            continue
        for s, values in sorted(stream_extras(tshark_extras(CAPTURES / name)).items()):
            lines.append("\t".join([name, str(s), *map(str, values)]) + "\n")
    EXTRAS.write_text("".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
