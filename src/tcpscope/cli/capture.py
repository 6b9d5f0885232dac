"""``tcpscope capture -i IFACE -w OUT.pcapng``: a live capture written as dumpcap writes it.

What dumpcap prints on standard error is printed too: ``Capturing on 'IFACE'`` and
``File: OUT`` when it starts; when it stops (``-c`` frames, ``-a duration:SEC``, or
Ctrl-C) the frames captured, and the frames received and dropped on the interface with
dumpcap's breakdown (``pcap:`` the kernel's drops, for its socket buffer was full;
dumpcap's own, flushed and ``ps_ifdrop`` are none here) and the share kept. SIGTERM and
SIGHUP stop it as Ctrl-C does, the file finished. ``-D`` lists
the interfaces, numbered as dumpcap numbers them.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import time
from collections.abc import Iterator
from typing import BinaryIO

from tcpscope.capture.live import LiveCapture, list_interfaces
from tcpscope.capture.live_pcapng import PcapngWriter
from tcpscope.cli import EXIT_ERROR
from tcpscope.errors import TcpscopeError

__all__ = ["drop_report", "run", "stopped_by_signals"]

#: The signals that end a capture as its last frame would (dumpcap's and tcpdump's):
#: Ctrl-C, kill's default, a closed terminal
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def stopped_by_signals(live: LiveCapture) -> Iterator[None]:
    """Within: :data:`STOP_SIGNALS` stop the capture, whose file is then finished (even
    where the shell started the process with them ignored, as it does a background job);
    the handlers before are put back after."""
    before = {signum: signal.signal(signum, lambda _signum, _frame: live.stop()) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def drop_report(interface: str, captured: int, dropped: int) -> str:
    """dumpcap's line on the frames received and dropped on an interface (its
    report_packet_drops): the share is of the frames that reached the socket."""
    total = captured + dropped
    share = 100.0 * captured / total if total else 0.0
    return (f"Packets received/dropped on interface '{interface}': {captured}/{dropped} "
            f"(pcap:{dropped}/dumpcap:0/flushed:0/ps_ifdrop:0) ({share:.1f}%)")


def run(args: argparse.Namespace) -> int:
    if args.list_interfaces:
        sys.stdout.write("".join(f"{n}. {name}\n" for n, name in enumerate(list_interfaces(), 1)))
        return 0
    if args.interface is None or args.output is None:
        print("tcpscope: capture needs -i INTERFACE and -w FILE (or -D)", file=sys.stderr)
        return EXIT_ERROR
    live = LiveCapture(args.interface, args.snaplen, args.capture_filter, not args.no_promiscuous)
    try:
        with _output(args.output) as out, stopped_by_signals(live):
            return _capture(live, out, args)
    finally:
        live.close()


@contextlib.contextmanager
def _output(path: str) -> Iterator[BinaryIO]:
    """The file to write, standard output for ``-``."""
    if path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    try:
        f = open(path, "wb")  # noqa: SIM115 - closed below, after the capture's last block
    except OSError as exc:
        raise TcpscopeError(f"cannot write {path}: {exc.strerror}") from None
    try:
        yield f
    finally:  # the capture flushes and reports a write error; closing would only repeat it
        with contextlib.suppress(OSError):
            f.close()


def _capture(live: LiveCapture, out: BinaryIO, args: argparse.Namespace) -> int:
    print(f"Capturing on '{args.interface}'", file=sys.stderr)
    if args.output != "-":
        print(f"File: {args.output}", file=sys.stderr)
    captured = 0
    start = time.time_ns()
    try:
        writer = PcapngWriter(out, args.interface, live.linktype, args.snaplen, args.capture_filter)
        for stamp, data, wire in live.frames(args.count, args.duration):
            writer.packet(stamp, data, wire)
            captured += 1
        stats = live.statistics()
        writer.statistics(start, time.time_ns(), stats.received, stats.dropped)
        out.flush()
    except OSError as exc:
        raise TcpscopeError(f"cannot write {args.output}: {exc.strerror}") from None
    print(f"Packets captured: {captured}", file=sys.stderr)
    print(drop_report(args.interface, captured, stats.dropped), file=sys.stderr)
    return 0
