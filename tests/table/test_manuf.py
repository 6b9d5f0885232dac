"""MAC address names as tshark resolves them (tcpscope.table.manuf).

The live test writes a capture whose frames carry, as source and destination, every
whole address and range of Wireshark's wka file and of manuf's 28- and 36-bit blocks
(at their first address and at a random one inside), manuf prefixes with random last
bytes (with the group bit set too), locally administered and random addresses; tshark's
``eth.src_resolved``, ``eth.dst_resolved`` and ``eth.src.oui_resolved`` for each frame must
equal tcpscope's.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from craft import eth, frames, pcap_bytes

from tcpscope.table import manuf
from tcpscope.table.manuf import data_dir, manuf_longnames, resolve_mac, resolve_macs

needs_data = pytest.mark.skipif(data_dir() is None, reason="Wireshark's manuf file is not installed")


@pytest.fixture(autouse=True)
def _own_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test keeps its names' index in a cache of its own (manuf._index)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    manuf._names.cache_clear()


def _mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", ""))


@needs_data
def test_names_of_each_kind() -> None:
    """A whole address (wka), ranges of several lengths, a manuf prefix (also of a group
    address), a 36-bit block, an unknown prefix."""
    assert resolve_mac(_mac("ff:ff:ff:ff:ff:ff")) == "Broadcast"
    assert resolve_mac(_mac("01:00:5e:7f:ff:fa")) == "IPv4mcast_7f:ff:fa"
    assert resolve_mac(_mac("33:33:00:00:00:16")) == "IPv6mcast_16"
    assert resolve_mac(_mac("01:80:c2:00:00:00")) == "Spanning-tree-(for-bridges)_00"
    assert resolve_mac(_mac("00:1b:21:12:34:56")) == "IntelCor_12:34:56"
    assert resolve_mac(_mac("01:1b:21:12:34:56")) == "IntelCor_12:34:56"
    assert resolve_mac(_mac("00:1b:c5:00:0a:bc")) == "Convergi_0a:bc"
    assert resolve_mac(_mac("02:00:00:00:00:01")) == "02:00:00:00:00:01"


@needs_data
def test_many_addresses_at_once() -> None:
    addrs = np.frombuffer(_mac("ff:ff:ff:ff:ff:ff") * 3 + _mac("00:1b:21:12:34:56"), dtype=np.uint8).reshape(4, 6)
    assert resolve_macs(addrs).tolist() == ["Broadcast"] * 3 + ["IntelCor_12:34:56"]
    assert resolve_macs(np.zeros((0, 6), dtype=np.uint8)).tolist() == []
    named, names = manuf_longnames(np.array([0x001B21, 0x010000], dtype=np.int64))
    assert named.tolist() == [True, False] and names[0] == "Intel Corporate"


def test_without_wireshark_data_addresses_stay_as_they_are(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """WIRESHARK_DATA_DIR names the directory, as for tshark; no manuf there: no names."""
    monkeypatch.setenv("WIRESHARK_DATA_DIR", str(tmp_path))
    manuf._names.cache_clear()
    try:
        assert data_dir() is None
        assert resolve_mac(_mac("ff:ff:ff:ff:ff:ff")) == "ff:ff:ff:ff:ff:ff"
        assert manuf_longnames(np.array([0x001B21], dtype=np.int64))[0].tolist() == [False]
    finally:
        manuf._names.cache_clear()


def test_lines_are_parsed_as_tshark_parses_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The address forms (fast ``:`` layout, ``-`` and ``.`` separators, 1-digit bytes,
    masks), the name as the next word, the long name to the next tab (after the name's
    space when a space ended it: strtok), comments (where the name would be: no entry), the
    last line of a key winning, and a last line with no newline."""
    (tmp_path / "manuf").write_text(
        "# a comment\n"
        "00:11:22\tFirst\tFirst Ltd\n"
        "00:11:22\tSecond\tSecond Ltd  # with a comment\n"
        "00-AA-BB\tDashed word\n"
        "70:B3:D5:01:20:00/36\tBlock\tBlock Inc.\n"
        "00:11:33\t#no name\n"
        "\n"
        "00:aa:cc\tLast", encoding="utf-8")
    (tmp_path / "wka").write_text("1.2.3.4.5.6\tDotted\n01-00-5E/25\tIPv4mcast\n02-00-00-00-00-00/16\tRange16\n",
                                  encoding="utf-8")
    monkeypatch.setenv("WIRESHARK_DATA_DIR", str(tmp_path))
    manuf._names.cache_clear()
    try:
        assert resolve_mac(_mac("00:11:22:33:44:55")) == "Second_33:44:55"
        assert manuf_longnames(np.array([0x001122, 0x00AABB], dtype=np.int64))[1].tolist() == ["Second Ltd", "word"]
        assert resolve_mac(_mac("00:aa:bb:00:00:01")) == "Dashed_00:00:01"
        assert resolve_mac(_mac("70:b3:d5:01:2f:ff")) == "Block_0f:ff"
        assert resolve_mac(_mac("01:02:03:04:05:06")) == "Dotted"
        assert resolve_mac(_mac("00:11:33:00:00:01")) == "00:11:33:00:00:01"  # a comment where the name is
        assert resolve_mac(_mac("00:aa:cc:00:00:01")) == "Last_00:00:01"  # the file's last line, unended
        # past the /25 range, but its first 24 bits are the range's key: tshark keeps no
        # length with a range, so the 24-bit lookup finds it (tshark prints this too)
        assert resolve_mac(_mac("01:00:5e:80:00:01")) == "IPv4mcast_80:00:01"
        assert resolve_mac(_mac("02:00:12:34:56:78")) == "Range16_12:34:56:78"
    finally:
        manuf._names.cache_clear()


def test_the_index_is_kept_and_read_again_until_a_file_changes(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    """The tables are read from the files once and kept (an index in the user's cache);
    the next process reads the index; a file changed since (its size, its time) is read
    again; an unreadable index is as none."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "manuf").write_text("00:11:22\tFirst\tFirst Ltd\n", encoding="utf-8")
    (data / "wka").write_text("01-02-03-04-05-06\tWhole\n", encoding="utf-8")
    monkeypatch.setenv("WIRESHARK_DATA_DIR", str(data))
    manuf._names.cache_clear()
    try:
        assert resolve_mac(_mac("00:11:22:33:44:55")) == "First_33:44:55"
        index = manuf._index(str(data))
        assert index is not None and os.path.exists(index.path)
        manuf._names.cache_clear()
        texts = tuple(manuf._read(str(data / f)) for f in ("manuf", "wka"))
        assert manuf._load_index(index, texts) is not None
        assert manuf._load_index(index, texts[:1]) is None  # (its lines are not all in these files)
        assert resolve_mac(_mac("01:02:03:04:05:06")) == "Whole"  # (from the index)
        (data / "manuf").write_text("00:11:22\tSecond\tSecond Ltd\n00:aa:bb\tMore\n", encoding="utf-8")
        manuf._names.cache_clear()
        assert manuf._index(str(data)) != index
        assert resolve_mac(_mac("00:11:22:33:44:55")) == "Second_33:44:55"
        changed = manuf._index(str(data))
        assert changed is not None
        for bad in (b"not an index", b""):
            Path(changed.path).write_bytes(bad)
            manuf._names.cache_clear()
            assert resolve_mac(_mac("00:aa:bb:00:00:01")) == "More_00:00:01"
    finally:
        manuf._names.cache_clear()


def test_no_index_without_a_home(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache directory that is not an absolute path (a relative XDG_CACHE_HOME, or "~"
    when no home is found): no index, nothing written under the working directory."""
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert manuf._index("/usr/share/wireshark") is None


def _addresses(rng: np.random.Generator) -> list[bytes]:
    """Addresses of every kind the rules tell apart (see the module docstring)."""
    t = manuf._names()
    out = [a.to_bytes(6, "big") for a in t.whole.keys.tolist()]
    for key in t.ranges.keys.tolist():
        out.append(key.to_bytes(6, "big"))
        out.append((key | int(rng.integers(0, 1 << 24))).to_bytes(6, "big"))  # often past the range: other rules
    picks = rng.choice(t.ranges.keys.shape[0], size=min(400, t.ranges.keys.shape[0]), replace=False)
    for key in t.ranges.keys[picks].tolist():
        out.append((key | int(rng.integers(0, 1 << 12))).to_bytes(6, "big"))  # inside a 36-bit block
    for p in rng.choice(t.prefixes.keys, size=400, replace=False).tolist():
        low = int(rng.integers(0, 1 << 24))
        out.append(((p << 24) | low).to_bytes(6, "big"))
        out.append((((p | 0x010000) << 24) | low).to_bytes(6, "big"))  # its group address
    out += [bytes(rng.integers(0, 256, 6, dtype=np.uint8)) for _ in range(300)]
    out += [bytes([0x02 | (int(rng.integers(0, 64)) << 2), *rng.integers(0, 256, 5, dtype=np.uint8)])
            for _ in range(100)]
    return out


@needs_data
@pytest.mark.tshark
def test_names_match_tshark_live(tshark: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(17)
    addrs = _addresses(rng)
    pairs = list(zip(addrs, addrs[1:] + addrs[:1], strict=True))
    cap = tmp_path / "macs.pcap"
    cap.write_bytes(pcap_bytes(frames(eth(b"\0" * 46, 0x88B5, dst=d, src=s) for s, d in pairs), 1))
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WIRESHARK", "XDG_"))}
        env.update(HOME=home, LC_ALL="C.UTF-8")
        got = subprocess.run([tshark, "-r", str(cap), "-T", "fields", "-e", "eth.src_resolved", "-e",
                              "eth.dst_resolved", "-e", "eth.src.oui_resolved"],
                             env=env, capture_output=True, text=True, check=True).stdout.splitlines()
    src = np.frombuffer(b"".join(s for s, _ in pairs), dtype=np.uint8).reshape(-1, 6)
    dst = np.frombuffer(b"".join(d for _, d in pairs), dtype=np.uint8).reshape(-1, 6)
    named, longnames = manuf_longnames((src[:, 0].astype(np.int64) << 16) | (src[:, 1].astype(np.int64) << 8)
                                       | src[:, 2])
    ours = [f"{s}\t{d}\t{n if k else ''}" for s, d, k, n in zip(resolve_macs(src).tolist(), resolve_macs(dst).tolist(),
                                                               named.tolist(), longnames.tolist(), strict=True)]
    wrong = [f"{s.hex(':')}/{d.hex(':')}: tshark {a!r}, tcpscope {b!r}"
             for (s, d), a, b in zip(pairs, got, ours, strict=True) if a != b]
    assert len(got) == len(ours) and wrong == []
