"""HTTP's TCP ports (tcpscope.analysis.http_fields.HTTP_PORTS) are those tshark 4.0.17
hands to HTTP: ``tshark -G decodes`` lists them as ``tcp.port<TAB>N<TAB>http`` (recorded
here, and live where tshark is installed), so a request on IPP's 631 or DAAP's 3689 is
HTTP in the packet list as in tshark."""

from __future__ import annotations

import subprocess

from tcpscope.analysis.http_fields import HTTP_PORTS

#: ``tshark -G decodes`` 4.0.17, the tcp.port rows whose dissector is http
TSHARK_HTTP_PORTS = frozenset({80, 631, 1900, 2710, 2869, 3128, 3132, 3689, 5985, 8080, 8088, 11371})


def test_http_ports_are_tsharks() -> None:
    assert len(set(HTTP_PORTS)) == len(HTTP_PORTS)
    assert frozenset(HTTP_PORTS) == TSHARK_HTTP_PORTS


def test_recorded_ports_are_live_tsharks(tshark: str) -> None:
    out = subprocess.run([tshark, "-G", "decodes"], capture_output=True, text=True, check=True).stdout
    rows = (line.split("\t") for line in out.splitlines())
    live = frozenset(int(r[1]) for r in rows if len(r) == 3 and r[0] == "tcp.port" and r[2] == "http")
    assert live == TSHARK_HTTP_PORTS
