"""``tcpscope export-objects FILE DIR``: the HTTP bodies, as ``tshark --export-objects http,DIR`` writes them.

tshark's HTTP export-object tap (packet-http.c, ui/cli/tap-exportobject.c) takes every
request or response whose body, de-chunked and decompressed, is not empty, in the order
they are dissected; each becomes a file in DIR named after the last part of the
conversation's latest request URI (its query kept), with the characters a file name
cannot hold written ``%xx``, and ``(N)`` put before the name's last dot (or at its end)
when a file of that name exists already, N counting from 1. The bytes are the body's.

An object without a request URI in its conversation is named ``object<frame>``, with
``.<media type>`` when it has a Content-Type. The capture is read a piece at a time; only
the bodies are kept, each written as it comes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tcpscope.cli.common import EXIT_ERROR, finish, scan_capture

__all__ = ["file_name", "object_name", "run"]

#: Characters export_object.c's eo_massage_str writes as ``%xx``: the reserved ones of a
#: file name and the control characters
_RESERVED = frozenset('<>:"/\\|?*') | frozenset(chr(c) for c in range(1, 32))
#: The longest name written (EXPORT_OBJECT_MAXFILELEN)
_MAX_NAME = 255
#: How many names with (N) are tried before a name is given up (prefs.gui_max_export_objects)
_MAX_TRIES = 1000


def object_name(uri: str | None, frame: int, ctype: str | None) -> str:
    """The name an object is saved under before it is made safe: the last part of the
    request URI as glib's g_path_get_basename cuts it (trailing slashes dropped; ``/`` for
    a URI of slashes, ``.`` for an empty one); without a URI ``object<frame>``, and
    ``.<media type>`` (lower case, parameters dropped) when the message has a Content-Type."""
    if uri is None:
        if ctype is None:
            return f"object{frame}"
        return f"object{frame}.{ctype.split(';', 1)[0].strip().lower()}"
    if not uri:
        return "."
    stripped = uri.rstrip("/")
    if not stripped:
        return "/"
    return stripped.rsplit("/", 1)[-1]


def file_name(name: str, dup: int) -> str:
    """eo_massage_str: ``name`` with each reserved character written ``%xx`` (lower-case
    hex), cut to the longest name, and for ``dup`` > 0 ``(dup)`` put before the last dot,
    or at the end when there is none."""
    safe = "".join(f"%{ord(c):02x}" if c in _RESERVED else c for c in name)[:_MAX_NAME]
    if dup == 0:
        return safe
    dot = safe.rfind(".")
    mark = f"({dup})"
    return safe + mark if dot < 0 else safe[:dot] + mark + safe[dot:]


def _free_path(directory: Path, name: str) -> Path | None:
    """The first path of ``name`` in ``directory`` no file holds yet (tshark's loop over
    ``(N)``), or None after :data:`_MAX_TRIES`."""
    for dup in range(_MAX_TRIES):
        path = directory / file_name(name, dup)
        if not path.exists():
            return path
    return None


def run(args: argparse.Namespace) -> int:
    from tcpscope._jit import job
    from tcpscope.analysis.http_fields import LAYER, file_data, first_headers, message_table

    directory = Path(args.dir)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        print(f"tcpscope: export-objects: cannot make the directory {args.dir}: {e.strerror}", file=sys.stderr)
        return EXIT_ERROR
    with scan_capture(args.file, None, ["http"]) as scan:
        for piece in scan:
            with job(piece.job):
                table = message_table(piece.table)
                lt = table.layer(LAYER)
                ctypes = first_headers(table, "content_type")
                first = table.records.first_frame + 1
                for i in range(len(lt)):
                    body = file_data(table, i)
                    if not body:
                        continue
                    uri = lt.cols["object_uri"][i]
                    name = object_name(uri if isinstance(uri, str) else None, int(lt.pkt[i]) + first, ctypes.get(i))
                    path = _free_path(directory, name)
                    if path is None:
                        continue
                    try:
                        path.write_bytes(body)
                    except OSError as e:
                        print(f"tcpscope: export-objects: cannot write {path}: {e.strerror}", file=sys.stderr)
                        return EXIT_ERROR
    return finish(scan.warnings)
