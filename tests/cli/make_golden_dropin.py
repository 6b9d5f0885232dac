"""Record what tshark prints for each command line of ``dropin_data/invocations.txt``.

    python tests/cli/make_golden_dropin.py            # the goldens (about 2 minutes)
    python tests/cli/make_golden_dropin.py --names    # also the list of tshark's field names
    python tests/cli/make_golden_dropin.py --new      # only the lines not recorded yet

For each invocation and each capture of :data:`DROPIN_CAPTURES`, this runs tshark as the
line says (``{cap}`` the capture's name, run from ``tests/golden/captures/``; ``{gz}`` a
gzip copy of it; ``< {cap}`` the capture on standard input), with a fresh empty HOME (no
personal preferences) and ``LC_ALL=C.UTF-8``, and stores in
``dropin_data/golden.json.gz`` its standard output, the first line of its standard error
(without the "Running as user root" warning tshark prints first when run as root) and its
exit status. ``tshark -G fields`` prints 19 MB: its standard output is not stored; instead
``dropin_data/tshark-fields.tsv.gz`` keeps tshark's lines for the fields that tcpscope's
registry has, to which the drop-in's ``-G fields`` is compared.

``--names`` also writes ``src/tcpscope/cli/tshark_fields.xz``: every field and protocol
name tshark 4.0.17 knows (``tshark -G fields``, columns 3 of its ``F`` and ``P`` lines),
sorted, one a line, xz-compressed (1 MB), with tshark's version as its first line; the
drop-in reads it to tell a name tshark accepts (an empty column) from one it rejects.
It also writes ``src/tcpscope/cli/tshark_options.xz``: the statistics of ``tshark -z help``
and the preference names of ``tshark -G defaultprefs``, each list after its ``[taps]`` or
``[prefs]`` line, so that the drop-in tells a statistic or a preference tshark does not
have (tshark's error, status 1) from one tcpscope does not print or honour (status 2);
and after ``[protocols]`` the protocols' names of ``tshark -G protocols`` (``-T ek`` names
a protocol's item without a prefix, a field's after its protocol). ``--options`` writes
that file alone.
``dropin_data/TSHARK_VERSION`` records the first line of ``tshark --version``.

``--desegment`` records only ``dropin_data/desegment.json.gz``: tshark's standard output
for :data:`DESEGMENT_LINE` (``-o tcp.desegment_tcp_streams:FALSE``, each segment handed to
HTTP, TLS and DNS alone) on each capture of :data:`DESEGMENT_CAPTURES`, with tshark's
version (``test_dropin_desegment.py``).

``--desegment-show`` records only ``dropin_data/desegment_show.json.xz``: the details
trees of ``tshark -n -V -o tcp.desegment_tcp_streams:FALSE`` (:data:`DESEGMENT_SHOW_ARGS`,
run as ``make_golden_show.py`` runs tshark) on each capture of :data:`DESEGMENT_CAPTURES`,
keeping of each capture only the frames whose text differs from its ``tshark -n -V``
golden file (``tests/golden/expected/*.show.txt.xz``, which must be of the same tshark
version), with tshark's version (``test_dropin_desegment_show.py``).

``--new`` keeps the runs already recorded (with the same tshark version) and runs tshark
only for the lines added to ``invocations.txt`` since; the runs of lines removed from it
are dropped.
"""

from __future__ import annotations

import gzip
import json
import lzma
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["DATA", "DESEGMENT_CAPTURES", "DESEGMENT_LINE", "DESEGMENT_SHOW_ARGS", "DROPIN_CAPTURES", "Invocation", "invocations", "main",
           "tshark_argv"]

HERE = Path(__file__).resolve().parent
DATA = HERE / "dropin_data"
CAPTURES = HERE.parent / "golden" / "captures"
NAMES = HERE.parent.parent / "src" / "tcpscope" / "cli" / "tshark_fields.xz"
OPTIONS = NAMES.with_name("tshark_options.xz")

#: The captures every invocation runs on: a plain HTTP GET (12 frames) and a transfer with
#: fast retransmissions, duplicate ACKs and SACK (39 frames).
DROPIN_CAPTURES = ("http-get.pcap", "zeek-tcp-retransmit-fast009.pcap")

#: Without TCP reassembly: the segments with a payload, their Protocol and Info columns and
#: HTTP fields (the body too).
DESEGMENT_LINE = ("tshark -r {cap} -o tcp.desegment_tcp_streams:FALSE -Y 'tcp.len > 0' -T fields -e frame.number "
                  "-e _ws.col.Protocol -e _ws.col.Info -e http.request.method -e http.response.code "
                  "-e http.content_type -e http.file_data")
#: The captures it runs on: HTTP, TLS and DNS over TCP, lost segments, snapshot-length
#: cuts and protocols tcpscope does not dissect.
DESEGMENT_CAPTURES = (
    "http-get.pcap", "http-eth.pcap", "own-port-reuse.pcap", "lossy-seed7.pcap", "own-lossy-seed11.pcap",
    "tls-dns.pcap", "zeek-http-100-continue.pcap", "zeek-http-get.pcap", "zeek-http-methods.pcap",
    "zeek-http-pipelined-requests.pcap", "zeek-tcp-missing-syn.pcap", "zeek-tcp-reassembly.pcap",
    "scapy-http_chunk.pcap.gz", "scapy-http_tcp_psh.pcap.gz", "scapy-http_content_length.pcap",
    "craft-tcp-options.pcap", "craft-tcp-truncated.pcap", "zeek-communityid-tcp.pcap", "zeek-tcp-payload-syn.pcap",
)

#: The details trees without TCP reassembly: tshark's arguments after ``-r CAPTURE``.
DESEGMENT_SHOW_ARGS = ("-n", "-V", "-o", "tcp.desegment_tcp_streams:FALSE")

#: tshark's first line of standard error when run as root (not part of what a script sees
#: from an unprivileged tshark).
ROOT_WARNING = 'Running as user "root" and group "root". This could be dangerous.'


class Invocation:
    """One command line: its text, its arguments after ``tshark`` with the placeholders
    filled, and the file for standard input (None: none)."""

    __slots__ = ("argv", "stdin", "text")

    def __init__(self, text: str, argv: list[str], stdin: str | None) -> None:
        self.text = text
        self.argv = argv
        self.stdin = stdin


def invocations() -> list[str]:
    """The command lines of ``invocations.txt``, in order (comments and blank lines left out)."""
    lines = (DATA / "invocations.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def tshark_argv(text: str, capture: str, gz: str) -> Invocation:
    """The arguments after ``tshark`` for the command line ``text`` on ``capture``."""
    words = shlex.split(text)
    assert words[0] == "tshark", text
    stdin = None
    if "<" in words:
        at = words.index("<")
        stdin = words[at + 1].replace("{cap}", capture)
        words = words[:at] + words[at + 2:]
    argv = [w.replace("{cap}", capture).replace("{gz}", gz) for w in words[1:]]
    return Invocation(text, argv, stdin)


def gzip_copy(capture: str, folder: Path) -> str:
    """A gzip copy of ``capture`` in ``folder``; its path."""
    out = folder / f"{capture}.gz"
    out.write_bytes(gzip.compress((CAPTURES / capture).read_bytes(), mtime=0))
    return str(out)


def first_line(text: str) -> str:
    """The first line of standard error, without tshark's warning about root."""
    lines = [line for line in text.splitlines() if line != ROOT_WARNING]
    return lines[0] if lines else ""


def _run(inv: Invocation, env: dict[str, str]) -> dict[str, object]:
    stdin = open(CAPTURES / inv.stdin, "rb") if inv.stdin else subprocess.DEVNULL  # noqa: SIM115 - closed below
    try:
        proc = subprocess.run(["tshark", *inv.argv], cwd=CAPTURES, env=env, stdin=stdin, capture_output=True,
                              timeout=120, check=False)
    finally:
        if inv.stdin:
            stdin.close()  # type: ignore[union-attr]
    stdout = None if inv.argv[:2] == ["-G", "fields"] or "-G" in inv.argv else proc.stdout.decode("utf-8", "replace")
    return {"stdout": stdout, "stderr": first_line(proc.stderr.decode("utf-8", "replace")), "status": proc.returncode}


def _fields_lines(env: dict[str, str]) -> str:
    return subprocess.run(["tshark", "-G", "fields"], env=env, capture_output=True, check=True).stdout.decode()


def _option_names(env: dict[str, str]) -> str:
    """The ``[taps]`` and ``[prefs]`` lists of ``tshark_options.xz``."""
    taps = subprocess.run(["tshark", "-z", "help"], env=env, capture_output=True, text=True, check=False).stderr
    names = [line.strip() for line in taps.splitlines()[1:] if line.startswith(" ") and line.strip()]
    prefs = subprocess.run(["tshark", "-G", "defaultprefs"], env=env, capture_output=True, text=True,
                           check=True).stdout
    keys = sorted({line.lstrip("#").split(":", 1)[0] for line in prefs.splitlines()
                   if ":" in line and "." in line.split(":", 1)[0] and " " not in line.lstrip("#").split(":", 1)[0]})
    protocols = subprocess.run(["tshark", "-G", "protocols"], env=env, capture_output=True, text=True,
                               check=True).stdout
    abbrevs = sorted({line.split("\t")[2] for line in protocols.splitlines() if line.count("\t") >= 2})
    return ("[taps]\n" + "".join(f"{n}\n" for n in names) + "[prefs]\n" + "".join(f"{k}\n" for k in keys)
            + "[protocols]\n" + "".join(f"{a}\n" for a in abbrevs))


def _recorded(version: str) -> dict[tuple[str, str], dict[str, object]]:
    """The runs recorded with tshark ``version``, by line and capture (none if recorded
    with another version)."""
    blob = json.loads(gzip.decompress((DATA / "golden.json.gz").read_bytes()))
    if blob["tshark"] != version:
        return {}
    return {(r["line"], r["capture"]): r for r in blob["records"]}


def tshark_stdout(line: str, capture: str, env: dict[str, str]) -> str:
    """tshark's standard output for ``line`` on ``capture`` (which must succeed)."""
    inv = tshark_argv(line, capture, "")
    proc = subprocess.run(["tshark", *inv.argv], cwd=CAPTURES, env=env, capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{line} on {capture}: {proc.stderr.decode()}")
    return proc.stdout.decode("utf-8", "replace")


def _record_desegment() -> int:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HOME": home, "LC_ALL": "C.UTF-8"}
        version = subprocess.run(["tshark", "--version"], env=env, capture_output=True, check=True,
                                 text=True).stdout.splitlines()[0]
        runs = {capture: tshark_stdout(DESEGMENT_LINE, capture, env) for capture in DESEGMENT_CAPTURES}
    blob = json.dumps({"tshark": version, "line": DESEGMENT_LINE, "stdout": runs}, indent=0, sort_keys=True)
    (DATA / "desegment.json.gz").write_bytes(gzip.compress(blob.encode(), 9, mtime=0))
    print(f"{len(runs)} runs recorded with {version}")
    return 0


def _record_desegment_show() -> int:
    sys.path.insert(0, str(HERE.parent / "golden"))
    sys.path.insert(0, str(HERE.parent / "views"))
    from make_golden_show import VERSION_FILE, run_tshark, show_path
    from test_show_golden import split_frames

    with tempfile.TemporaryDirectory() as home:
        version = subprocess.run(["tshark", "--version"], env={**os.environ, "HOME": home}, capture_output=True,
                                 check=True, text=True).stdout.splitlines()[0]
    if VERSION_FILE.read_text().strip() != version:
        print("the tshark -n -V golden files are of another tshark version", file=sys.stderr)
        return 1
    frames: dict[str, dict[str, str]] = {}
    for capture in DESEGMENT_CAPTURES:
        whole = split_frames(lzma.decompress(show_path(capture).read_bytes()).decode("utf-8"))
        alone = split_frames(run_tshark(capture, DESEGMENT_SHOW_ARGS))
        assert alone.keys() == whole.keys(), capture
        frames[capture] = {str(n): text for n, text in alone.items() if whole[n] != text}
    blob = json.dumps({"tshark": version, "args": DESEGMENT_SHOW_ARGS, "frames": frames}, indent=0, sort_keys=True)
    (DATA / "desegment_show.json.xz").write_bytes(lzma.compress(blob.encode(), preset=9 | lzma.PRESET_EXTREME))
    print(f"{sum(map(len, frames.values()))} frames of {len(frames)} captures recorded with {version}")
    return 0


def main(argv: list[str]) -> int:
    if shutil.which("tshark") is None:
        print("tshark is not installed", file=sys.stderr)
        return 1
    if "--desegment" in argv:
        return _record_desegment()
    if "--desegment-show" in argv:
        return _record_desegment_show()
    sys.path.insert(0, str(HERE.parent.parent / "src"))
    from tcpscope.views.columns import full_registry

    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HOME": home, "LC_ALL": "C.UTF-8"}
        version = subprocess.run(["tshark", "--version"], env=env, capture_output=True, check=True,
                                 text=True).stdout.splitlines()[0]
        kept = _recorded(version) if "--new" in argv else {}
        records = []
        for capture in DROPIN_CAPTURES:
            gz = gzip_copy(capture, Path(home))
            for text in invocations():
                old = kept.get((text, capture))
                records.append(old if old is not None else
                               {"line": text, "capture": capture, **_run(tshark_argv(text, capture, gz), env)})
        fields = _fields_lines(env)
    (DATA / "TSHARK_VERSION").write_text(version + "\n", encoding="utf-8")
    blob = json.dumps({"tshark": version, "records": records}, indent=0, sort_keys=True).encode()
    (DATA / "golden.json.gz").write_bytes(gzip.compress(blob, 9, mtime=0))
    known = full_registry()
    ours = [line for line in fields.splitlines() if line.startswith("F\t") and line.split("\t")[2] in known]
    (DATA / "tshark-fields.tsv.gz").write_bytes(gzip.compress(("\n".join(ours) + "\n").encode(), 9, mtime=0))
    if "--names" in argv:
        names = sorted({line.split("\t")[2] for line in fields.splitlines() if line[:2] in ("F\t", "P\t")})
        NAMES.write_bytes(lzma.compress((version + "\n" + "\n".join(names) + "\n").encode(),
                                        preset=9 | lzma.PRESET_EXTREME))
    if "--names" in argv or "--options" in argv:
        with tempfile.TemporaryDirectory() as home:
            text = _option_names({**os.environ, "HOME": home, "LC_ALL": "C.UTF-8"})
        OPTIONS.write_bytes(lzma.compress((version + "\n" + text).encode(), preset=9 | lzma.PRESET_EXTREME))
    print(f"{len(records)} runs recorded with {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
