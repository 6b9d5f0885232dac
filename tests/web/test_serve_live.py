"""``tcpscope serve -i IFACE``: the JSON API on a live capture as it grows (``web.live``).

The server captures on the loopback interface with a capture filter for one port while
tcpdump writes the same traffic to a file. A first HTTP fetch must show up in the
packet list, then a second one (the session grows while served); the display filter,
the conversations and a frame's details answer on the frames so far. Once both
captures stop, the list's rows must be those of a session on tcpdump's file, every cell
but the time. Needs root and tcpdump: skipped otherwise.
"""

from __future__ import annotations

import http.server
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from web_server import request

pytestmark = [pytest.mark.xdist_group("web"),
              pytest.mark.skipif(os.geteuid() != 0 or shutil.which("tcpdump") is None,
                                 reason="a live capture needs root (CAP_NET_RAW), and tcpdump")]

#: A fetch over loopback: handshake, request, its ACK, response, FIN exchange
FRAMES_PER_FETCH = 10


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def web_server(tmp_path: Path) -> Iterator[int]:
    """A plain HTTP server on loopback, serving one page: its port."""
    (tmp_path / "index.html").write_text("hello from the server\n" * 40)
    port = _free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                             lambda *a: _Quiet(*a, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()


def _fetch(port: int) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=5) as answer:
        assert answer.read().startswith(b"hello")


def _until(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except (OSError, AssertionError):
            value = None
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _rows(base: str) -> dict[str, Any]:
    status, body, _ = request(f"{base}/api/captures/0/rows?offset=0&limit=1000")
    assert status == 200, body
    return dict(body)


def _started(proc: subprocess.Popen[str], text: str) -> None:
    assert proc.stderr is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if select.select([proc.stderr], [], [], 0.1)[0]:
            line = proc.stderr.readline()
            if text in line:
                return
    raise AssertionError(f"never printed {text!r}")


def test_serve_a_live_capture(web_server: int, tmp_path: Path) -> None:
    bpf = f"tcp port {web_server}"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    dumped = tmp_path / "tcpdump.pcap"
    tcpdump = subprocess.Popen(["tcpdump", "-i", "lo", "--immediate-mode", "-U", "-w", str(dumped),
                                "--time-stamp-precision", "nano", bpf], stderr=subprocess.PIPE, text=True)
    serve = subprocess.Popen([sys.executable, "-m", "tcpscope", "serve", "-i", "lo", "-f", bpf, "--port", str(port)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ)
    try:
        _started(tcpdump, "listening on")
        assert serve.stdout is not None
        assert serve.stdout.readline() == f"tcpscope: serving a live capture on 'lo' at {base}/ (Ctrl-C stops)\n"
        listed = _until(lambda: request(f"{base}/api/captures")[1]["captures"])
        assert listed == [{"id": 0, "name": "lo (live)"}]
        _fetch(web_server)
        first = _until(lambda: (r := _rows(base))["total"] >= FRAMES_PER_FETCH and r)
        assert first["complete"] is False  # a live capture is never read to its end
        _fetch(web_server)
        second = _until(lambda: (r := _rows(base))["total"] >= 2 * FRAMES_PER_FETCH and r)
        assert second["rows"][:first["total"]] == first["rows"]  # the rows already shown stay as they were
        syn = "tcp.flags.syn%3D%3D1%20%26%26%20tcp.flags.ack%3D%3D0"  # the two fetches' SYNs
        shown = _until(lambda: len((r := request(f"{base}/api/captures/0/rows?offset=0&limit=100&filter={syn}")[1])
                                   ["rows"]) == 2 and r)
        assert [row[0] for row in shown["rows"]] == [1, first["total"] + 1]
        status, convs, _ = request(f"{base}/api/captures/0/conversations?offset=0&limit=10")
        assert status == 200 and convs["total"] == 2
        status, details, _ = request(f"{base}/api/captures/0/frames/1")
        assert status == 200 and details["stream"] == 0
        time.sleep(0.3)
    finally:
        for proc in (serve, tcpdump):
            proc.send_signal(signal.SIGINT)
        closing = serve.communicate(timeout=30)[1]
        tcpdump.communicate(timeout=10)
    assert serve.returncode in (0, 130), closing  # (uvicorn raises Ctrl-C again once it has stopped)
    assert f"Packets captured: {second['total']}\n" in closing
    assert f"Packets received/dropped on interface 'lo': {second['total']}/0 " in closing
    assert _without_time(second["rows"]) == _without_time(_file_rows(dumped))


def _file_rows(path: Path) -> list[list[Any]]:
    """The list a session on a file makes."""
    from tcpscope.web.session import Session

    session = Session(path, path.name)
    session.start()
    _until(lambda: session.rows.done)
    return list(session.page("", 0, 1000, None)["rows"])


def _without_time(rows: list[list[Any]]) -> list[list[Any]]:
    """Each row but its Time cell (the two captures stamp a frame microseconds apart)."""
    return [row[:1] + row[2:] for row in rows]
