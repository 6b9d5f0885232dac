"""``tcpscope list``: the packet list, as plain ``tshark -r FILE`` prints it."""

from __future__ import annotations

import argparse
import sys

from tcpscope.cli.common import (
    capture_stream,
    compile_display_filter,
    finish,
)

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """The list a piece of the capture at a time (``views.stream.TableStream``), with the
    TCP analysis carried from piece to piece: a large file in bounded memory, a pipe as
    its packets come."""
    import numpy as np

    from tcpscope.views.packet_list import packet_lines

    out = sys.stdout
    with capture_stream(args.file, compile_display_filter(args.display_filter)) as stream:
        for table, mask in stream:
            frames = None if mask is None else np.flatnonzero(mask).astype(np.int64)
            out.write("".join(line + "\n" for line in packet_lines(table, frames)))
            if not stream.whole:
                out.flush()
    out.flush()
    return finish(stream.warnings)

