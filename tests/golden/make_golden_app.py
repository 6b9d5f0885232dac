"""Record tshark's TLS and DNS fields for the golden captures that carry TLS or DNS over TCP.

    python tests/golden/make_golden_app.py

For each capture of :data:`CAPTURES_ABOVE_TCP` this runs ``tshark -r CAPTURE -T fields
-E header=y -e F ...`` (``golden_io.run_tshark``) with the fields of :data:`APP_FIELDS`
and writes ``tests/golden/expected/<capture>.app-fields.tsv``, which
tests/analysis/test_tls_dns.py compares with tcpscope cell by cell. (A set of its own,
not one of ``fieldsets.FIELD_SETS``: those are asked of every capture, and these fields
are dissected above TCP only.)
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from golden_io import golden_path, run_tshark

#: The captures with TLS or DNS over TCP
CAPTURES_ABOVE_TCP = ("tls-dns.pcap", "craft-tcp-options.pcap", "craft-tcp-truncated.pcap")
APP_FIELDS = ("frame.number", "_ws.col.Protocol", "frame.protocols", "tls.record.content_type",
              "tls.record.opaque_type", "tls.record.version", "tls.record.length", "tls.handshake.type",
              "tls.handshake.version", "tls.handshake.extensions_server_name", "dns.id", "dns.flags.response",
              "dns.flags.rcode", "dns.qry.name", "dns.qry.type", "dns.a", "dns.aaaa", "dns.resp.ttl", "dns.length")
KIND = "app-fields.tsv"


def main() -> int:
    tshark = shutil.which("tshark")
    if tshark is None:
        print("make_golden_app: tshark is not installed", file=sys.stderr)
        return 2
    for name in CAPTURES_ABOVE_TCP:
        run = run_tshark(name, APP_FIELDS, tshark)
        golden_path(name, KIND).write_text(run.stdout, encoding="utf-8")
        print(f"{name}: {max(0, run.stdout.count(chr(10)) - 1)} frames, status {run.status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
