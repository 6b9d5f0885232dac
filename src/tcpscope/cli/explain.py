"""``tcpscope explain``: a connection told step by step, as the tutorial tells it
(:mod:`tcpscope.views.explain`).

``--stream N`` explains ``tcp.stream`` N; ``-Y FILTER`` every connection that has a frame
FILTER selects (the capture is then read twice, so ``-Y`` needs a file, not a pipe).
``--lang en|zh`` picks the language; without it, the locale does (``LC_ALL``, else
``LC_MESSAGES``, else ``LANG``: Chinese when it starts with ``zh``, else English).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping

import numpy as np

from tcpscope.cli.common import EXIT_ERROR, finish, scan_capture, selected_streams

__all__ = ["language", "run"]


def language(chosen: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """``chosen``, else the locale's language: ``zh`` for a Chinese locale, else ``en``."""
    if chosen:
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def run(args: argparse.Namespace) -> int:
    from tcpscope._jit import job
    from tcpscope.views.explain import ExplainFeed, explain_lines

    if args.stream is not None:
        streams = np.array([args.stream], dtype=np.int64)
    else:
        streams = _streams_of(args.file, args.display_filter)
    feed = ExplainFeed(streams)
    with scan_capture(args.file, None) as scan:
        for piece in scan:
            with job(piece.job):
                feed.add(piece.table)
    if not feed.explained():
        which = f"tcp.stream {args.stream}" if args.stream is not None else f"the filter {args.display_filter!r}"
        print(f"tcpscope: explain: no TCP connection matches {which}", file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write("\n".join(explain_lines(feed, language(args.lang))) + "\n")
    sys.stdout.flush()
    return finish(scan.warnings)


def _streams_of(path: str, display_filter: str) -> np.ndarray:
    """The ``tcp.stream`` of every frame ``display_filter`` selects that has one."""
    found = [np.unique(streams) for streams in selected_streams("explain", path, display_filter)]
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
