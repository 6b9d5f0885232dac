"""Progress on the terminal for long runs: one line on standard error, rewritten in place.

Shown only when standard error is a terminal and the capture is large; silent when piped
or redirected, so scripts and tests see nothing. The stages are the pipeline's own
(read, decode, analyse, write); each reports when it starts and how far it got.
"""

from __future__ import annotations

import os
import sys
import time
from types import TracebackType
from typing import TextIO

__all__ = ["Progress"]

#: Captures smaller than this never show progress.
MIN_BYTES = 32 * 1024 * 1024


class Progress:
    """A one-line progress display: ``with Progress(path) as p: p.stage("decoding", 0.3)``."""

    def __init__(self, path: str, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        try:
            size = os.stat(path).st_size if path != "-" else 0
        except OSError:
            size = 0
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)()) and size >= MIN_BYTES
        self.size = size
        self.start = time.monotonic()
        self._shown = False

    def stage(self, name: str, fraction: float) -> None:
        """Report that stage ``name`` is under way and the whole run is ``fraction`` done."""
        if not self.enabled:
            return
        width = 30
        done = max(0, min(width, round(fraction * width)))
        bar = "#" * done + "-" * (width - done)
        elapsed = time.monotonic() - self.start
        self.stream.write(f"\r[{bar}] {name:<12} {self.size / 1e6:,.0f} MB {elapsed:6.1f} s")
        self.stream.flush()
        self._shown = True

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._shown:
            self.stream.write("\r" + " " * 72 + "\r")
            self.stream.flush()
