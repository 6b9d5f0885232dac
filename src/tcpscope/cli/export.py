"""``tcpscope export``: a capture's frames written to a file in another format.

``parquet``, ``arrow``, ``feather`` and ``csv`` give a row per frame with Wireshark's field
names as columns (``-e``, or :data:`tcpscope.export.columns.DEFAULT_FIELDS`); ``json``
and ``ek`` are ``tshark -T json|ek -e ...``; ``pcap`` and ``pcapng`` write the frames back
as ``tshark -r IN -Y F -w OUT`` does; ``zeek`` and ``zeek-json`` are Zeek's ``conn.log``, a
row per TCP connection (:mod:`tcpscope.export.zeek`). Every format reads the capture a piece at a time
(``tcpscope.scan``). The output appears at ``-o`` only once complete
(:mod:`tcpscope.export.output`); an error is one line and exit status 2.
"""

from __future__ import annotations

import argparse
import signal
import sys

from tcpscope.cli.common import EXIT_ERROR, finish, reading_of, scan_capture

__all__ = ["run"]

#: The formats of Zeek's conn.log: a row per connection, not per frame
ZEEK_FORMATS = ("zeek", "zeek-json")


def run(args: argparse.Namespace) -> int:
    from tcpscope.export.columns import DEFAULT_FIELDS, arrow_schema, field_defs
    from tcpscope.export.json import JSON_FORMATS, write_json
    from tcpscope.export.output import output_file
    from tcpscope.export.packets import write_packets
    from tcpscope.export.tables import write_tables

    fmt = args.format
    if fmt in ZEEK_FORMATS:
        return _zeek(args)
    if fmt in ("pcap", "pcapng") and args.e:
        print(f"tcpscope: -e has no meaning for --format {fmt}: the frames are written whole", file=sys.stderr)
        return EXIT_ERROR
    if fmt in JSON_FORMATS and not args.e:
        print(f"tcpscope: --format {fmt} needs the fields to write (-e FIELD ...), as tshark -T {fmt} -e does",
              file=sys.stderr)
        return EXIT_ERROR
    # A file size limit (ulimit -f) is an error to report, not a signal that kills the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    names = list(args.e or DEFAULT_FIELDS)
    defs = field_defs(names)
    packets = fmt in ("pcap", "pcapng")
    # the analysis runs only when a field or the filter reads it; pcap needs no field
    with scan_capture(args.file, args.display_filter, ["frame.number"] if packets else names, "needed",
                      reading_of(args)) as scan, \
            output_file(args.output) as out:
        if packets:
            write_packets(scan, fmt, out, args.output)
        elif fmt in JSON_FORMATS:
            write_json(scan, defs, fmt, out)
        else:
            write_tables(scan, arrow_schema(defs, binary_addresses=args.binary_addresses), fmt, out)
    return finish(scan.warnings)


def _zeek(args: argparse.Namespace) -> int:
    """Zeek's conn.log: every frame goes to Zeek's sums (Zeek logs every connection, so
    ``-Y`` and ``-e`` have no meaning here), then a row per connection."""
    from tcpscope._jit import job
    from tcpscope.export.output import output_file
    from tcpscope.export.zeek import write_zeek
    from tcpscope.views.zeek import ZeekSums

    for option, given in (("-Y", args.display_filter), ("-e", args.e), ("--binary-addresses", args.binary_addresses)):
        if given:
            print(f"tcpscope: {option} has no meaning for --format {args.format}: Zeek logs every connection "
                  "with its own columns", file=sys.stderr)
            return EXIT_ERROR
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    sums = ZeekSums()
    with scan_capture(args.file, None, ["frame.number"], True, reading_of(args)) as scan:
        for piece in scan:
            with job(piece.job):
                sums.add(piece.table)
    with output_file(args.output) as out:
        write_zeek(sums.result(), args.format, out)
    return finish(scan.warnings)
