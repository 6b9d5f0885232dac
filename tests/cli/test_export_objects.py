"""``tcpscope export-objects`` against ``tshark --export-objects http,DIR``, file by file.

On the golden captures with HTTP bodies, tcpscope must write the files tshark writes, with the
same names and bytes, except on the captures declared in :data:`DECLARED` (with why),
where tshark's and tcpscope's file counts must be the declared ones and every file
tcpscope writes must hold the bytes of one of tshark's.
"""

from __future__ import annotations

import gzip
import subprocess
import zlib
from pathlib import Path

import pytest
from compare import run_tcpscope

from tcpscope.analysis.http_messages import decode_body
from tcpscope.cli.export_objects import file_name, object_name

CAPTURES = Path(__file__).resolve().parents[1] / "golden" / "captures"
#: The golden captures with HTTP bodies (zeek-http-get_nosyn, -qinq-0 and -vlan-0 hold
#: zeek-http-get's exchange again, and tshark exports nothing from zeek-communityid-tcp)
HTTP = ["http-eth.pcap", "http-get.pcap", "scapy-http_chunk.pcap.gz", "scapy-http_content_length.pcap",
        "scapy-http_tcp_psh.pcap.gz", "zeek-http-100-continue.pcap", "zeek-http-get.pcap", "zeek-http-methods.pcap",
        "zeek-http-pipelined-requests.pcap", "lossy-seed7.pcap", "own-lossy-seed11.pcap"]

#: capture -> (tshark's file count, tcpscope's, why they differ)
DECLARED: dict[str, tuple[int, int, str]] = {
    "zeek-http-methods.pcap": (63, 46, "requests whose method tshark does not know (it still exports their bytes)"
                                       " are not framed yet"),
}


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.mark.tshark
@pytest.mark.parametrize("name", HTTP)
def test_export_objects_writes_what_tshark_writes(name: str, tshark: str, tmp_path: Path) -> None:
    theirs, ours = tmp_path / "tshark", tmp_path / "tcpscope"
    theirs.mkdir()
    subprocess.run([tshark, "-q", "-r", str(CAPTURES / name), "--export-objects", f"http,{theirs}"],
                   capture_output=True, check=True)
    done = run_tcpscope("export-objects", str(CAPTURES / name), str(ours))
    assert done.status == 0, done.stderr
    want, got = _files(theirs), _files(ours)
    if name in DECLARED:
        count_t, count_s, why = DECLARED[name]
        assert (len(want), len(got)) == (count_t, count_s), f"declared ({why}) but now {len(want)}, {len(got)}"
        assert set(got.values()) <= set(want.values())
    else:
        assert sorted(got) == sorted(want)
        for file, data in want.items():
            assert got[file] == data, file


def test_object_names_are_tshark_s() -> None:
    """g_path_get_basename of the URI; object<frame>[.<type>] without one."""
    assert object_name("/a/b/index.html", 4, None) == "index.html"
    assert object_name("/", 4, None) == "/"
    assert object_name("/dir/", 4, None) == "dir"
    assert object_name("", 4, None) == "."
    assert object_name("/x.aspx?0.5", 4, None) == "x.aspx?0.5"
    assert object_name(None, 184, "text/html; charset=UTF-8") == "object184.text/html"
    assert object_name(None, 182, None) == "object182"


def test_file_names_are_made_safe_and_numbered() -> None:
    """eo_massage_str: reserved characters as %xx, (N) before the last dot."""
    assert file_name("/", 0) == "%2f"
    assert file_name("/", 3) == "%2f(3)"
    assert file_name("x.aspx?0.5", 0) == "x.aspx%3f0.5"
    assert file_name("blob.bin", 2) == "blob(2).bin"
    assert file_name(".", 1) == "(1)."
    assert file_name("1.1", 1) == "1(1).1"
    assert file_name("object184.text/html", 0) == "object184.text%2fhtml"
    assert file_name("a" * 300, 0) == "a" * 255


def test_bodies_are_dechunked_and_inflated() -> None:
    """A chunked body is joined, then a gzip or deflate Content-Encoding inflated."""
    text = b"hello, chunked and compressed world\n" * 20
    packed = gzip.compress(text)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(packed[i:i + 100]), packed[i:i + 100]) for i in range(0, len(packed), 100))
    chunked += b"0\r\n\r\n"
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n"
    assert decode_body(head, chunked) == text
    deflated = zlib.compress(text)
    assert decode_body(b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\r\n", deflated) == text
    assert decode_body(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", b"abc") is None
    # a body that does not inflate stays as it came
    assert decode_body(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n", b"not gzip") is None
