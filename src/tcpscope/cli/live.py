"""``tcpscope live -i IFACE [-Y FILTER] [-f BPF]``: the packet list as the packets arrive.

The capture (:class:`tcpscope.capture.live.LiveCapture`) runs in a thread of its own and
writes pcapng into a pipe; ``tcpscope list`` reads the other end as it reads any pipe
(:func:`tcpscope.capture.read_batches`: a batch as soon as the pipe is quiet for a
moment), so the lines, the TCP analysis carried from batch to batch and the display
filter are the list's own. The capture stops at ``-c`` frames, after ``-a duration:SEC``
or at Ctrl-C; the list then ends with the frames still in the pipe, and standard error
gets dumpcap's closing lines.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time

from tcpscope.capture.live import LiveCapture
from tcpscope.capture.live_pcapng import PcapngWriter
from tcpscope.cli import listing
from tcpscope.cli.capture import drop_report, stopped_by_signals

__all__ = ["run"]


class _Feeder(threading.Thread):
    """Writes the capture's frames into the pipe's write end, a frame at a time, and
    closes it when the capture stops (the list's end of file)."""

    def __init__(self, live: LiveCapture, fd: int, args: argparse.Namespace) -> None:
        super().__init__(name="tcpscope-live", daemon=True)
        self.live, self.fd, self.args = live, fd, args
        self.captured = 0
        self.dropped = 0

    def run(self) -> None:
        start = time.time_ns()
        try:
            with os.fdopen(self.fd, "wb") as out:
                writer = PcapngWriter(out, self.args.interface, self.live.linktype, self.args.snaplen,
                                      self.args.capture_filter)
                out.flush()
                for stamp, data, wire in self.live.frames(self.args.count, self.args.duration):
                    writer.packet(stamp, data, wire)
                    out.flush()
                    self.captured += 1
                stats = self.live.statistics()
                self.dropped = stats.dropped
                writer.statistics(start, time.time_ns(), stats.received, stats.dropped)
        except BrokenPipeError:  # the list has stopped reading (an error, or Ctrl-C)
            pass


def run(args: argparse.Namespace) -> int:
    if args.display_filter is not None:  # a bad filter is refused before the capture starts
        from tcpscope.filter import compile_filter

        compile_filter(args.display_filter)
    live = LiveCapture(args.interface, args.snaplen, args.capture_filter, not args.no_promiscuous)
    read_end, write_end = os.pipe()
    feeder = _Feeder(live, write_end, args)
    print(f"Capturing on '{args.interface}'", file=sys.stderr)
    feeder.start()
    listed = argparse.Namespace(file=f"/dev/fd/{read_end}", display_filter=args.display_filter, select=None,
                                color=False)
    try:
        with stopped_by_signals(live):  # the list goes on to the end of what is in the pipe
            code = listing.run(listed)
    finally:
        live.stop()
        os.close(read_end)  # a feeder blocked on a full pipe gets a broken pipe
        feeder.join()
        live.close()
    print(f"Packets captured: {feeder.captured}", file=sys.stderr)
    print(drop_report(args.interface, feeder.captured, feeder.dropped), file=sys.stderr)
    return code
