"""Record a digest of tshark's ``-x`` output (the bytes pane) for every golden capture.

    python tests/golden/make_golden_hexdump.py

For each capture under ``tests/golden/captures/`` this runs ``tshark -r CAPTURE -x`` from
the captures directory with a fresh empty HOME, keeps of each frame's dump the data
sources tcpscope produces (:func:`test_hexdump.comparable`: the blocks of the sources
declared in ``tests/views/hexdump_declared.py`` are taken out), and writes one line per
capture to ``tests/golden/expected/hexdump.sha256``: the capture, its number of frames and
the SHA-256 of those dumps joined. The dumps themselves would be 4 times the captures'
size; tests/views/test_hexdump.py compares every frame with tshark's live where tshark is
installed, and tcpscope's digest with this one everywhere.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "views"))

from golden_io import capture_names  # noqa: E402 -- after the path set-up above
from test_hexdump import DIGESTS, digest_line, tshark_dumps  # noqa: E402 -- likewise


def main() -> None:
    lines = [digest_line(name, tshark_dumps(name, "tshark")) for name in capture_names()]
    DIGESTS.write_text("".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
