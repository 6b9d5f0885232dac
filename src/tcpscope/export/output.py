"""The output file of an export: written under a temporary name beside it and renamed
to its own name only once complete, so that an export that fails (a full disk, a file
size limit, an error in the capture) leaves no file that looks whole, and an older file
of that name stays as it was. ``-`` writes to standard output as the bytes come."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from tcpscope.errors import ExportError, TcpscopeError

__all__ = ["STDOUT", "output_file"]

#: The output path that names standard output.
STDOUT = "-"


@contextmanager
def output_file(path: str) -> Iterator[BinaryIO]:
    """A binary file to write the export into; renamed to ``path`` when the block ends
    without an exception, removed otherwise. An output that cannot be created or
    written is an :class:`ExportError` in tshark's words for a ``-w`` file."""
    if path == STDOUT:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part", dir=directory)
    except OSError as exc:
        raise _cannot_open(path, exc) from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # what open() would have given the file
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(temporary, path)
    except TcpscopeError:  # a capture that cannot be read is an OSError too, not the output's
        _remove(temporary)
        raise
    except OSError as exc:
        _remove(temporary)
        raise ExportError(f'An error occurred while writing to the file "{path}": {exc.strerror or exc}.') from None
    except BaseException:
        _remove(temporary)
        raise


def _cannot_open(path: str, exc: OSError) -> ExportError:
    return ExportError(f'The file to which the export would be written ("{path}") could not be opened: '
                       f"{exc.strerror or exc}.")


def _umask() -> int:
    """The process's umask (read by setting it, then putting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
