"""tcpscope serve under test: a real server (uvicorn in a thread, on a free port) per test
module, and plain HTTP requests to it. (A module of its own: every test folder's
conftest is named ``conftest``.)"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")


@contextmanager
def serving(paths: list[Path], max_upload: int = 1 << 20) -> Iterator[str]:
    """A server for ``paths`` on 127.0.0.1 and a free port: its base URL, then it stops."""
    from tcpscope.web.app import create_app

    app = create_app(paths, max_upload=max_upload)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def request(url: str, data: bytes | None = None, method: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
    """The status, the body (parsed when JSON) and the headers of one request."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            status, body, head = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as err:
        status, body, head = err.code, err.read(), dict(err.headers)
    kind = head.get("content-type", "")
    return status, json.loads(body) if kind.startswith("application/json") else body, head


def wait_ready(base: str, capture: int = 0) -> dict[str, Any]:
    """The capture's status once both its list and its analysis are done."""
    deadline = time.monotonic() + 120
    while True:
        status, body, _ = request(f"{base}/api/captures/{capture}/status")
        assert status == 200, body
        if body["listed"] and body["analysed"]:
            return dict(body)
        assert time.monotonic() < deadline, body
        time.sleep(0.05)
