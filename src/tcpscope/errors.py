"""The exceptions tcpscope raises, and the warnings it records.

Malformed *traffic* is data (a flag on the packet and an expert finding); these
exceptions are for unreadable files and for misuse of the API or the command line.
Each message says what went wrong, where, and what was expected.

    TcpscopeError                        also a Python built-in error:
     ├── CaptureError                 OSError             a capture file cannot be read at all
     │    ├── CaptureNotFoundError     FileNotFoundError   the path does not exist or is a directory
     │    ├── NotACaptureError                             no format tcpscope reads ("isn't a capture file")
     │    ├── CaptureDamagedError                          a structure that cannot be right ("damaged or corrupt")
     │    ├── CaptureDecompressError                       a gzip stream damaged before the capture's header
     │    └── CaptureCutShortError                         the file ends inside its header ("cut short")
     ├── ExportError                  OSError             an export that cannot be written (tcpscope.export)
     ├── FieldError                   KeyError            a field name that is not in the registry
     ├── FilterError                  ValueError          a display filter that does not compile (tcpscope.filter)
     └── StreamNotFoundError          IndexError          a ``tcp.stream`` number the capture does not have

Each error is also the built-in exception a Python caller catches for that kind of
failure, so that ``except OSError`` around a file's reading or ``except ValueError``
around a user's filter works without knowing tcpscope; ``except TcpscopeError`` catches
every error tcpscope raises on purpose. The text (``str(error)``) is the message alone,
never Python's ``[Errno ...]`` or a quoted key.

    >>> try:
    ...     tcpscope.open("missing.pcap")
    ... except FileNotFoundError as exc:
    ...     print(exc)
    The file "missing.pcap" doesn't exist.

A file cut short *inside a record* is not an exception: every whole record is
read, and the reader records a :class:`CaptureWarning`, as tshark prints its
warning after the last frame.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CaptureCutShortError",
    "CaptureDamagedError",
    "CaptureDecompressError",
    "CaptureError",
    "CaptureNotFoundError",
    "CaptureWarning",
    "ExportError",
    "FieldError",
    "FilterError",
    "NotACaptureError",
    "StreamNotFoundError",
    "TcpscopeError",
    "file_description",
]


def file_description(name: str) -> str:
    """How tshark names an input in its messages: ``standard input`` for ``-``, else ``file "NAME"``."""
    return "standard input" if name == "-" else 'file "' + name + '"'



class TcpscopeError(Exception):
    """The root of every error tcpscope raises on purpose."""


class CaptureError(TcpscopeError, OSError):
    """A capture file that cannot be read: its text is tshark's wording for it.

    Attributes:
        name: The path as given, or ``-`` for standard input.
        detail: What was found wrong, when the message has a second line.
    """

    def __init__(self, name: str, message: str, detail: str | None = None) -> None:
        self.name = name
        self.detail = detail
        text = message if detail is None else f"{message}\n({detail})"
        super().__init__(text)


class CaptureNotFoundError(CaptureError, FileNotFoundError):
    """The path does not exist, or names a directory.

    Example:
        >>> tcpscope.open("/tmp")
        Traceback (most recent call last):
        tcpscope.errors.CaptureNotFoundError: "/tmp" is a directory (folder), not a file.
    """


class NotACaptureError(CaptureError):
    """The bytes are not pcap, pcapng or a gzip of either."""

    def __init__(self, name: str, found: str) -> None:
        super().__init__(
            name, f"The {file_description(name)} isn't a capture file in a format tcpscope understands."
        )
        self.found = found


class CaptureDamagedError(CaptureError):
    """A structure in the file that cannot be right (tshark: "appears to be damaged or corrupt")."""

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(name, f"The {file_description(name)} appears to be damaged or corrupt.", detail)


class CaptureCutShortError(CaptureError):
    """The file ends inside its own header, before any record could be read."""

    def __init__(self, name: str) -> None:
        super().__init__(
            name,
            f"The {file_description(name)} appears to have been cut short in the middle of a packet or"
            " other data.",
        )


class CaptureDecompressError(CaptureError):
    """A compressed stream damaged before the capture's header could be read.

    tshark words this one, when opening the file, without a line break before the
    parenthesis.
    """

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(name, f"The {file_description(name)} cannot be decompressed; it may be damaged or"
                               f" corrupt.({detail})")


@dataclass(frozen=True, slots=True)
class CaptureWarning:
    """Something wrong after the last good record; the records before it were all read.

    ``kind`` is ``"cut-short"`` or ``"damaged"``; ``message`` is the line tshark prints
    (with its second, parenthesised line for damage); ``offset`` is the file offset
    where reading stopped.
    """

    kind: str
    message: str
    offset: int

    @classmethod
    def cut_short(cls, name: str, offset: int) -> CaptureWarning:
        """tshark's warning for a file that ends inside a record, after the whole ones."""
        return cls("cut-short", f"The {file_description(name)} appears to have been cut short in the middle of a"
                                " packet.", offset)


class ExportError(TcpscopeError, OSError):
    """An export that cannot be written: its output cannot be created or filled (a
    directory that does not exist, no permission, a full disk), or the capture cannot
    take the form asked for (pcap of several link types). Nothing is left at the output's
    path (:mod:`tcpscope.export.output`)."""


class FieldError(TcpscopeError, KeyError):
    """A field name that tcpscope does not know (tshark: "Some fields aren't valid").

    Attributes:
        names: The unknown names, in the order given.

    Example:
        >>> try:
        ...     cap.packets.select("tcp.nonsense")
        ... except KeyError as exc:
        ...     print(exc.names)
        ['tcp.nonsense']
    """

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__("Some fields aren't valid:\n" + "".join(f"\t{n}\n" for n in names))

    def __str__(self) -> str:
        """The message as it is (a KeyError would quote it)."""
        return str(self.args[0])


class FilterError(TcpscopeError, ValueError):
    """A display filter that does not compile; the text is tshark's message and caret line.

    Example:
        >>> cap.filter("tcp.port ==")
        Traceback (most recent call last):
        tcpscope.filter.errors.FilterSyntaxError: ...
    """


class StreamNotFoundError(TcpscopeError, IndexError):
    """A ``tcp.stream`` number that no TCP segment of the capture has.

    Attributes:
        stream: The number asked for.
        streams: How many TCP conversations the capture has (numbered from 0); None when
            it was read without the TCP analysis, which numbers them.

    Example:
        >>> tcpscope.open("tests/golden/captures/http-eth.pcap").stream(3)
        Traceback (most recent call last):
        tcpscope.errors.StreamNotFoundError: There is no tcp.stream 3 in this capture (it has tcp.stream 0 to 2).
    """

    def __init__(self, stream: int, streams: int | None) -> None:
        self.stream = stream
        self.streams = streams
        if streams is None:
            have = "it was opened with analyze=False, and the TCP analysis numbers the streams"
        else:
            have = "it has no TCP conversation" if streams == 0 else f"it has tcp.stream 0 to {streams - 1}"
        super().__init__(f"There is no tcp.stream {stream} in this capture ({have}).")
