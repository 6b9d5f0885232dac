"""MAC addresses with their names in the details tree, as tshark resolves them by default.

``tcpscope show`` without ``-n`` (and the drop-in's ``-V``, ``-O``, ``-T json``) writes each
MAC address as its name and the address (``Destination: Cisco_25:92:9b
(00:19:07:25:92:9b)``, ``IPv6mcast_16 (33:33:00:00:00:16)``, ``All-HSRP-routers_01``), the
name from Wireshark's manuf and wka files read at run time (:mod:`tcpscope.table.manuf`);
with ``-n``, or without those files, the address alone. Compared line for line with
tshark on the captures with vendor, well-known, multicast and unnamed addresses in
Ethernet, Linux cooked captures, ARP-less VLAN frames and ICMPv6 link-layer options.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Sequence

import pytest
from compare import CAPTURES, run_tcpscope

import tcpscope
from tcpscope.table import manuf
from tcpscope.views.tree_json import Detail

pytestmark = pytest.mark.usefixtures("utc")

#: A line of the tree that shows a MAC address (the link layers' and ICMPv6's).
_MAC_LINE = re.compile(r"^(Ethernet II, |\s+(Destination|Source|Address|Link-layer address): ).*"
                       r"[0-9a-f]{2}(:[0-9a-f]{2}){5}")

#: vendors; IPv6 multicast and ICMPv6 link-layer options; a Linux cooked capture's unnamed source
CAPTURES_WITH_NAMES = ["scapy-http_content_length.pcap", "tls-dns.pcap", "craft-link-sll.pcap"]
#: the first frames (enough for every kind of line above: a test of the suite stays short)
FIRST = ("-Y", "frame.number <= 12")


def _mac_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if _MAC_LINE.match(line)]


def _tshark(tshark: str, *args: str) -> str:
    return subprocess.run([tshark, *args], cwd=CAPTURES, capture_output=True, text=True, check=True,
                          env={"LC_ALL": "C.UTF-8", "TZ": "UTC", "PATH": "/usr/bin:/bin"}).stdout


@pytest.mark.tshark
@pytest.mark.parametrize("name", CAPTURES_WITH_NAMES)
def test_names_as_tshark_resolves_them(name: str, tshark: str) -> None:
    got = _mac_lines(run_tcpscope("show", *FIRST, name).stdout)
    want = _mac_lines(_tshark(tshark, "-r", name, "-V", *FIRST))
    assert len(want) >= 4
    assert any(re.search(r"[A-Za-z]_[0-9a-f]{2}", line) for line in want) or name.startswith("craft-")
    assert got == want


@pytest.mark.tshark
def test_json_names_as_tshark_writes_them(tshark: str) -> None:
    """``-T json``: the ``eth.*_resolved`` keys hold the names (the addresses with ``-n``)."""
    name = "zeek-communityid-tcp.pcap"

    def resolved(text: str) -> list[tuple[str, str]]:
        pairs = []
        for packet in json.loads(text):
            eth = packet["_source"]["layers"]["eth"]
            pairs += [(k, v) for side in ("eth.dst_tree", "eth.src_tree") for k, v in eth[side].items()
                      if k.endswith("_resolved")]
        return pairs

    for n in ((), ("-n",)):
        got = resolved(run_tcpscope("show", *n, "-T", "json", "-Y", "tcp.len == 0 and frame.number <= 12", name).stdout)
        want = resolved(_tshark(tshark, *n, "-r", name, "-T", "json", "-Y", "tcp.len == 0 and frame.number <= 12"))
        assert got == want and got


def test_without_wiresharks_data_the_addresses_are_plain(monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: object) -> None:
    """No manuf file (``WIRESHARK_DATA_DIR`` naming an empty directory): the tree is the
    ``-n`` tree (docs/deviations.md, "MAC address names")."""
    name = "zeek-communityid-tcp.pcap"
    named = run_tcpscope("show", "--frame", "1", name).stdout
    monkeypatch.setenv("WIRESHARK_DATA_DIR", str(tmp_path))
    manuf._names.cache_clear()
    try:
        plain = run_tcpscope("show", "--frame", "1", name).stdout
        assert plain == run_tcpscope("show", "-n", "--frame", "1", name).stdout
    finally:
        monkeypatch.undo()
        manuf._names.cache_clear()
    assert "Ethernet II, Src: 3Com_94:82:df (00:60:97:94:82:df), Dst: All-HSRP-routers_01 (00:00:0c:07:ac:01)" in named
    assert "3Com_" not in plain and "(00:60:97:94:82:df)" not in plain


@pytest.mark.parametrize("resolve", [True, False])
def test_capture_details_take_shows_choice(resolve: bool) -> None:
    """``Capture.details`` (the web pane's tree) writes MAC names as ``show`` does by default,
    and with ``resolve=False`` the addresses alone, as ``show -n``; the ``*_resolved``
    values follow."""
    name = "scapy-http_content_length.pcap"
    cap = tcpscope.open(CAPTURES / name)
    want = _mac_lines(run_tcpscope("show", *FIRST, name, *(() if resolve else ("-n",))).stdout)
    got: list[str] = []
    resolved: list[str] = []

    def walk(items: Sequence[Detail], depth: int) -> None:
        for d in items:
            if d.key.endswith("_resolved"):
                resolved.append(d.value)
            if not d.hidden:
                got.append("    " * depth + d.label)
            walk(d.children, depth + 1)

    for frame in range(1, 13):
        walk(cap.details(frame, resolve=resolve).protocols, 0)
    assert _mac_lines("\n".join(got)) == want and len(want) >= 4
    assert any(re.search(r"[A-Za-z]_[0-9a-f]{2}", line) for line in want) == resolve
    assert any(re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", v) for v in resolved) != resolve
