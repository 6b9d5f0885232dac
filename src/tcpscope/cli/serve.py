"""``tcpscope serve [FILE ...]``: the browser UI on a local server (:mod:`tcpscope.web`).

It binds 127.0.0.1 unless ``--host`` says otherwise, and then warns that anyone who can
reach that address can read the capture; it prints its address before it serves, and
``--open`` opens it in the default browser. Without a file the page takes captures by
upload (at most ``--max-upload`` MiB). Starlette and uvicorn come with the ``web`` extra;
without them the command says how to install them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tcpscope.cli import EXIT_ERROR
from tcpscope.errors import TcpscopeError

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
    app = create_app(paths, max_upload=args.max_upload * 1024 * 1024, hosts=hosts)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    url = address(args.host, args.port)
    print(f"tcpscope: serving {', '.join(str(p) for p in paths) or 'uploads'} at {url} (Ctrl-C stops)", flush=True)
    if args.open:
        import webbrowser

        webbrowser.open(url)
    server.run()
    return 0
