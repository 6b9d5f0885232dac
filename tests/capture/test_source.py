"""Capture bytes from paths, pipes and gzip streams (wiretap/file_wrappers.c)."""

from __future__ import annotations

import gzip
import io

import pytest

from tcpscope.capture.source import gunzip, read_source
from tcpscope.errors import CaptureNotFoundError, file_description

RAW = bytes(range(256)) * 64


def test_members_and_trailing_bytes() -> None:
    data = gzip.compress(RAW[:1000], mtime=0) + gzip.compress(RAW[1000:], mtime=0)
    assert gunzip(data) == (RAW, None)
    assert gunzip(gzip.compress(RAW, mtime=0) + b"tail") == (RAW + b"tail", None)


def test_what_decompressed_before_a_failure_is_kept() -> None:
    g = bytearray(gzip.compress(RAW, mtime=0))
    crc = bytearray(g)
    crc[-6] ^= 0xFF
    assert gunzip(bytes(crc)) == (RAW, ("decompress", "bad CRC"))
    size = bytearray(g)
    size[-2] ^= 0xFF
    assert gunzip(bytes(size)) == (RAW, ("decompress", "length field wrong"))
    out, err = gunzip(bytes(g[: len(g) // 2]))
    assert err == ("cut-short", None)
    assert RAW.startswith(out) and 0 < len(out) < len(RAW)
    early = bytearray(g)
    early[12] ^= 0x55
    assert gunzip(bytes(early)) == (b"", ("decompress", "invalid code lengths set"))


def test_bad_headers() -> None:
    g = bytearray(gzip.compress(RAW, mtime=0))
    method = bytearray(g)
    method[2] = 7
    assert gunzip(bytes(method)) == (b"", ("decompress", "unknown compression method"))
    flags = bytearray(g)
    flags[3] = 0x20
    assert gunzip(bytes(flags)) == (b"", ("decompress", "reserved flag bits set"))
    assert gunzip(bytes(g[:6])) == (b"", ("cut-short", None))


def test_sources(tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "x.gz"
    p.write_bytes(gzip.compress(RAW, mtime=0))
    src = read_source(p)
    assert (src.compressed, src.pipe, bytes(src.data)) == (True, False, RAW)
    src = read_source(io.BytesIO(RAW))
    assert (src.compressed, src.pipe, src.name) == (False, True, "<stream>")
    with pytest.raises(CaptureNotFoundError, match="doesn't exist"):
        read_source(tmp_path / "missing")
    with pytest.raises(CaptureNotFoundError, match=r"is a directory \(folder\), not a file"):
        read_source(tmp_path)


def test_file_description() -> None:
    assert file_description("-") == "standard input"
    assert file_description("a b.pcap") == 'file "a b.pcap"'
