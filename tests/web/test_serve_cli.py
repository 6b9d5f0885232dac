"""``tcpscope serve`` from the command line: it prints its address, warns when bound
beyond this machine, and refuses a file it cannot read before serving."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from web_server import request

#: One worker runs the web tests (under --dist loadgroup): one server a module, one browser.
pytestmark = pytest.mark.xdist_group("web")

CAPTURES = Path(__file__).resolve().parents[1] / "golden" / "captures"


def _serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tcpscope", "serve", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=os.environ)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_prints_its_address_and_warns_beyond_loopback() -> None:
    port = _free_port()
    with _serve(str(CAPTURES / "http-get.pcap"), "--host", "0.0.0.0", "--port", str(port)) as server:
        _check_serving(server, port)


def _check_serving(server: subprocess.Popen[str], port: int) -> None:
    try:
        assert server.stdout is not None and server.stderr is not None
        line = server.stdout.readline()
        assert line == f"tcpscope: serving {CAPTURES / 'http-get.pcap'} at http://127.0.0.1:{port}/ (Ctrl-C stops)\n"
        warning = server.stderr.readline()
        assert warning.startswith("tcpscope: serve: bound to 0.0.0.0, not 127.0.0.1: anyone who can reach")
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body, _ = request(f"http://127.0.0.1:{port}/api/captures")
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert (status, body["captures"]) == (200, [{"id": 0, "name": "http-get.pcap"}])
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)


def test_a_file_it_cannot_read_is_an_error_before_serving(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"not a capture at all" * 10)
    done = subprocess.run([sys.executable, "-m", "tcpscope", "serve", str(junk), "--port", str(_free_port())],
                          check=False, capture_output=True, text=True, env=os.environ, timeout=60)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("tcpscope: ") and "isn't a capture file" in done.stderr
