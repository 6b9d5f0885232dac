"""tcpscope analyze: the report a newcomer runs first."""

from __future__ import annotations

from pathlib import Path

from compare import run_cli

ROOT = Path(__file__).resolve().parent.parent.parent


def test_demo_report_tells_the_tutorial_story() -> None:
    out = run_cli("analyze", str(ROOT / "examples" / "http-get.pcap"))
    assert "TCP connections (1)" in out
    assert "10.99.0.1:60054" in out and "10.99.0.2:80" in out
    assert "opened: three-way handshake: SYN (frame 1), SYN/ACK (frame 2), ACK (frame 3)" in out
    assert "closed: the client closed first (FIN, frame 10, acknowledged in frame 11)" in out
    assert "Connection establish request (SYN): server port 80" in out


def test_reset_and_refused_connection() -> None:
    out = run_cli("analyze", str(ROOT / "tests" / "golden" / "captures" / "http-eth.pcap"))
    assert "opened: SYN (frame 47) never answered with a SYN/ACK" in out
    assert "closed: reset by the server (RST, frame 48)" in out
