"""Record a digest of what ``tshark -r CAPTURE -w OUT -F pcap|pcapng`` writes, for every
golden capture, for tests/export/test_export_packets.py.

    python tests/golden/make_golden_packets.py

Writes ``expected/exports/packets.sha256``: its first line the installed tshark's version,
then one line per capture and format: the capture, the format, tshark's exit status and
the SHA-256 of what it wrote (:func:`written_digest`: a pcap file whole; a pcapng file's
blocks after the Section Header Block, which names the writing program). The files
themselves would double the captures' size; the export tests compare tcpscope's digest
with this one (tshark ran 2 x 136 times per suite to write them again), and tshark live
on the filtered cases.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "export"))

from export_blocks import blocks  # noqa: E402 -- after the path set-up above

CAPTURES = HERE / "captures"
DIGESTS = HERE / "expected" / "exports" / "packets.sha256"
FORMATS = ("pcap", "pcapng")


def capture_names() -> list[str]:
    """The captures the export tests write: every file of captures/ (not bad/) that holds a pcap or pcapng."""
    return sorted(p.name for p in CAPTURES.iterdir() if ".pcap" in p.name)


def written_digest(data: bytes, fmt: str) -> str:
    """The SHA-256 of a written file as the tests compare it: a pcap whole, a pcapng from its
    second block on (the first, the Section Header Block, names the program that wrote it)."""
    if fmt == "pcapng":
        data = b"".join(block for _, block in blocks(data)[1:]) if data else b""
    return hashlib.sha256(data).hexdigest()


def tshark_writes(tshark: str, capture: Path, fmt: str, out: Path, display_filter: str | None = None) -> int:
    """Run ``tshark -r CAPTURE -w OUT -F FMT [-Y FILTER]``; its exit status."""
    args = [tshark, "-r", str(capture), "-w", str(out), "-F", fmt] + (["-Y", display_filter] if display_filter else [])
    return subprocess.run(args, capture_output=True, check=False).returncode


def read_digests() -> tuple[str, dict[tuple[str, str], tuple[int, str]]]:
    """The recorded tshark version, and ``{(capture, format): (status, digest)}``."""
    first, *lines = DIGESTS.read_text(encoding="utf-8").splitlines()
    table = {}
    for line in lines:
        name, fmt, status, digest = line.split("\t")
        table[name, fmt] = (int(status), digest)
    return first.removeprefix("# "), table


def main() -> None:
    version = subprocess.run(["tshark", "--version"], capture_output=True, check=True).stdout.decode().splitlines()[0]
    lines = [f"# {version}\n"]
    with tempfile.TemporaryDirectory() as tmp:
        for name in capture_names():
            for fmt in FORMATS:
                out = Path(tmp) / f"t.{fmt}"
                out.unlink(missing_ok=True)
                status = tshark_writes("tshark", CAPTURES / name, fmt, out)
                data = out.read_bytes() if status == 0 and out.exists() else b""
                lines.append(f"{name}\t{fmt}\t{status}\t{written_digest(data, fmt)}\n")
    DIGESTS.write_text("".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
