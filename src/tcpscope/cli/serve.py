"""``tcpscope serve [FILE ...]``: the browser UI on a local server (:mod:`tcpscope.web`).

It binds 127.0.0.1 unless ``--host`` says otherwise, and then warns that anyone who can
reach that address can read the capture; it prints its address before it serves, and
``--open`` opens it in the default browser. Without a file the page takes captures by
upload (at most ``--max-upload`` MiB). ``-i IFACE [-f BPF]`` adds a live capture on the
interface, shown as it grows (:mod:`tcpscope.web.live`); when the server stops, so does
the capture, with dumpcap's closing lines on standard error. Starlette and uvicorn come
with the ``web`` extra; without them the command says how to install them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tcpscope.cli import EXIT_ERROR
from tcpscope.errors import TcpscopeError

if TYPE_CHECKING:
    from tcpscope.web.live import LiveSession

__all__ = ["LOOPBACK", "address", "run"]

#: Hosts that only this machine reaches.
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def address(host: str, port: int) -> str:
    """The page's URL for a server bound to ``host`` and ``port``."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from tcpscope.web.app import create_app, first_piece_problem
    except ImportError as exc:
        print(f"tcpscope: serve needs the web extra ({exc.name} is missing): pip install 'tcpscope[web]'",
              file=sys.stderr)
        return EXIT_ERROR
    import tcpscope

    paths = [Path(f) for f in args.file]
    for path in paths:  # a file that cannot be read is an error now, not a page that says so
        problem = first_piece_problem(path)
        if problem is not None:
            raise TcpscopeError(problem)
    hosts = None if args.host in LOOPBACK else ["*"]
    if hosts is not None:
        print(f"tcpscope: serve: bound to {args.host}, not 127.0.0.1: anyone who can reach this address can "
              "read the capture", file=sys.stderr)
    tcpscope.tune_allocator()
    live = _live_session(args)
    app = create_app(paths, max_upload=args.max_upload * 1024 * 1024, hosts=hosts,
                     live=[live] if live is not None else [])
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    url = address(args.host, args.port)
    served = [str(p) for p in paths] + ([f"a live capture on '{args.interface}'"] if live is not None else [])
    print(f"tcpscope: serving {', '.join(served) or 'uploads'} at {url} (Ctrl-C stops)", flush=True)
    if args.open:
        import webbrowser

        webbrowser.open(url)
    try:
        server.run()
    finally:
        if live is not None:
            _stop(live, args.interface)
    return 0


def _live_session(args: argparse.Namespace) -> LiveSession | None:
    """The session of ``-i``'s capture (not started yet), or None without ``-i``."""
    if args.interface is None:
        if args.capture_filter is not None:
            raise TcpscopeError("serve: -f is a capture filter: it needs -i INTERFACE")
        return None
    from tcpscope.capture.live import LiveCapture
    from tcpscope.web.live import LiveSession

    return LiveSession(LiveCapture(args.interface, capture_filter=args.capture_filter), args.capture_filter)


def _stop(live: LiveSession, interface: str) -> None:
    """End the capture and say what it got, as dumpcap does."""
    from tcpscope.cli.capture import drop_report

    captured, counts = live.stop()
    live.close()
    print(f"Packets captured: {captured}", file=sys.stderr)
    print(drop_report(interface, captured, counts.dropped), file=sys.stderr)
