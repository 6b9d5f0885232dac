"""``tcpscope conv``: ``tshark -q -z conv,tcp`` with the stream, retransmissions, RTT and state.

``--format table`` (default) prints tshark's text byte for byte; ``--extras`` adds
tcpscope's columns to the right of each row, the opening and closing verdicts and Zeek's
``conn_state`` and ``history`` among them. ``csv`` and ``json`` carry every column (times in
ns), Zeek's ``conn.log`` columns under Zeek's names. Only ``--extras``, ``csv`` and
``json`` pay for the lifecycle sums. ``-Y FILTER`` counts only the frames FILTER selects, as the tap filter of
``tshark -q -z conv,tcp,FILTER`` does (tshark's own ``-Y`` leaves statistics alone), and
the header names the filter as tshark's does.
"""

from __future__ import annotations

import argparse
import sys

from tcpscope.cli.common import finish, reading_of, scan_capture

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """The conversations summed a piece of the capture at a time (``tcpscope.scan``,
    ``views.conversation_sums.ConversationSums``): a large file in bounded memory."""
    from tcpscope._jit import job
    from tcpscope.views.conversation_sums import ConversationSums
    from tcpscope.views.conversations import render_csv, render_json, render_tshark

    sums = ConversationSums(lifecycle=args.extras or args.format != "table")
    with scan_capture(args.file, args.display_filter, reading=reading_of(args)) as scan:
        for piece in scan:
            with job(piece.job):
                sums.add(piece.table, piece.mask)
        conv = sums.result()
    if args.format == "parquet":  # written by the export stage (tcpscope.export.conversations)
        from tcpscope.export.conversations import write_conversations

        write_conversations(conv, args.output)
        return finish(scan.warnings)
    if args.format == "csv":
        text = render_csv(conv)
    elif args.format == "json":
        text = render_json(conv)
    else:
        text = render_tshark(conv, args.display_filter, extras=args.extras)
    sys.stdout.write(text)
    sys.stdout.flush()
    return finish(scan.warnings)

