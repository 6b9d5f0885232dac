"""Write the golden accounts of ``tcpscope explain`` (tests/views/golden_explain/).

    PYTHONPATH=src python tests/views/make_golden_explain.py [NAME ...]

For each account of :data:`EXPLAINED` (all, or the names given), in each language, this
runs ``tcpscope explain CAPTURE ARGS --lang LANG`` and stores what it prints as
``golden_explain/NAME.LANG.txt``. The output is not the proof: each account's facts are
reasoned from the capture (tshark's fields, RFC 9293) in golden_explain/README.md, and
the diff of a regenerated file is read against that reasoning before it is committed.
"""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import NamedTuple

from tcpscope.cli.main import main as tcpscope_main
from tcpscope.views.messages import LANGUAGES

__all__ = ["EXPLAINED", "GOLDEN", "Golden", "account", "main"]

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden_explain"
CAPTURES = ROOT / "tests" / "golden" / "captures"


class Golden(NamedTuple):
    capture: Path
    args: tuple[str, ...]


#: Each golden account: its capture and the arguments that choose its connections.
EXPLAINED: dict[str, Golden] = {
    "http-eth": Golden(CAPTURES / "http-eth.pcap", ("-Y", "tcp")),
    "lossy-seed7-first40": Golden(ROOT / "tests" / "views" / "golden_reports" / "lossy-seed7-first40.pcap",
                                  ("-Y", "tcp")),
    "lossy-seed7": Golden(CAPTURES / "lossy-seed7.pcap", ("--stream", "1")),
    "zeek-tcp-rst-inject-rae": Golden(CAPTURES / "zeek-tcp-rst-inject-rae.pcap", ("--stream", "0")),
    "zeek-http-get_nosyn": Golden(CAPTURES / "zeek-http-get_nosyn.pcap", ("--stream", "0")),
}


def account(name: str, lang: str) -> tuple[str, int]:
    """What ``tcpscope explain`` prints for golden ``name`` in ``lang``, and its status."""
    g = EXPLAINED[name]
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        status = tcpscope_main(["explain", str(g.capture), *g.args, "--lang", lang])
    return out.getvalue(), status


def main(argv: list[str]) -> int:
    for name in argv or sorted(EXPLAINED):
        for lang in LANGUAGES:
            text, status = account(name, lang)
            if status != 0:
                print(f"{name} {lang}: tcpscope explain exited with {status}", file=sys.stderr)
                return 1
            (GOLDEN / f"{name}.{lang}.txt").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
