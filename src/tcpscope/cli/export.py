"""``tcpscope export``: a capture's frames written to a file in another format.

``parquet``, ``arrow``, ``feather`` and ``csv`` give a row per frame with Wireshark's field
names as columns (``-e``, or :data:`tcpscope.export.columns.DEFAULT_FIELDS`); ``json``
and ``ek`` are ``tshark -T json|ek -e ...``; ``pcap`` and ``pcapng`` write the frames back
as ``tshark -r IN -Y F -w OUT`` does. Every format reads the capture a piece at a time
(``tcpscope.scan``). The output appears at ``-o`` only once complete
(:mod:`tcpscope.export.output`); an error is one line and exit status 2.
"""

from __future__ import annotations

import argparse
import signal
import sys

from tcpscope.cli.common import EXIT_ERROR, finish, reading_of, scan_capture

__all__ = ["run"]

#: Formats declared in ``--format`` that this command does not write yet, with the reason.
NOT_YET = {
    "zeek": "Zeek's conn.log needs each connection's conn_state and history (issue 20's lifecycle part)",
    "zeek-json": "Zeek's conn.log needs each connection's conn_state and history (issue 20's lifecycle part)",
}


def run(args: argparse.Namespace) -> int:
    from tcpscope.export.columns import DEFAULT_FIELDS, arrow_schema, field_defs
    from tcpscope.export.json import JSON_FORMATS, write_json
    from tcpscope.export.output import output_file
    from tcpscope.export.packets import write_packets
    from tcpscope.export.tables import write_tables

    fmt = args.format
    if fmt in NOT_YET:
        print(f"tcpscope: --format {fmt} is not yet written: {NOT_YET[fmt]}", file=sys.stderr)
        return EXIT_ERROR
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
