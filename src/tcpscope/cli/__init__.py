"""The ``tcpscope`` command line (:mod:`tcpscope.cli.main`): argument parsing and terminal output only."""

import gc

__all__ = ["COLLECTED_LATER", "EXIT_ERROR", "collect_again", "start_up_uncollected"]

#: The exit status of every error: a usage error (argparse's own), an unreadable capture,
#: a file cut short.
EXIT_ERROR = 2

#: The commands that read a capture through :func:`tcpscope.cli.common.scan_capture` and
#: end with it, which turns the garbage collector back on for a second piece; any other
#: command runs with it on (see :func:`start_up_uncollected`).
COLLECTED_LATER = frozenset({"analyze", "conv", "expert", "fields", "list"})


def start_up_uncollected() -> None:
    """Turn Python's cyclic garbage collector off while a command starts.

    Start-up creates some hundred thousand objects that live as long as the process (the
    classes, functions and tables of some 300 modules), and the collector walks them
    again and again as they come: about 8% of ``fields`` or ``list`` on a small capture
    (18 ms of CPU time of 250, ``bench/startup.py``). A small capture is read in one
    piece, and the process ends with it; a larger one or a pipe turns the collector back
    on before its second piece (:func:`collect_again`), so that memory stays bounded on a
    stream, as does every command not in :data:`COLLECTED_LATER`, at once.
    """
    gc.disable()


def collect_again() -> None:
    """Turn the garbage collector back on (:func:`start_up_uncollected`)."""
    gc.enable()
