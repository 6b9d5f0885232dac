"""tshark 4.0's command line, read as tshark reads it (``tshark.c``'s option loop).

Short options may be grouped (``-nr FILE``) and an option's argument may follow its
letter (``-Tfields``, ``-eframe.number``); options end at the first word that is not
one (tshark's ``+`` in its option string): the words left, with ``-r``, are a display
filter, as ``tshark -r F tcp.port==80`` reads them. What tcpscope does not do is refused
with one line naming the option (exit status 2); what tshark itself rejects is rejected
with tshark's words and status (1, INVALID_OPTION).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["INVALID_OPTION", "REFUSED", "OptionError", "Options", "parse_options", "tshark_knows"]

#: tshark 4.0.17's statistics (``tshark -z help``) and preference names (``tshark -G
#: defaultprefs``), each list after its ``[taps]`` or ``[prefs]`` line
#: (``tests/cli/make_golden_dropin.py --names`` writes it).
TSHARK_OPTIONS = Path(__file__).with_name("tshark_options.xz")

#: tshark's exit status for an option it rejects (INVALID_OPTION in tshark.c)
INVALID_OPTION = 1
#: The drop-in's exit status for an option tshark has and tcpscope does not
REFUSED = 2

#: The short options that take an argument (tshark 4.0's option string: capture,
#: dissection and its own).
_WITH_ARGUMENT = frozenset("abBcfisy" "dKNtu" "CeEFGHjJMoOrRSTUwWXYz")
#: The short options that take none.
_FLAGS = frozenset("2DILp" "n" "ghlPqQvVx")

#: What each option tcpscope does not do would do in tshark (for the refusal's line).
UNSUPPORTED: dict[str, str] = {
    "-2": "two-pass analysis", "-R": "a read filter (two-pass)", "-w": "writing a capture file",
    "-F": "the format of -w's file", "-W": "the pcapng options of -w", "-g": "the group permission of -w's file",
    "-i": "live capture", "-f": "a capture filter", "-a": "autostop conditions", "-b": "ring buffers",
    "-B": "the capture buffer size", "-D": "listing interfaces", "-I": "monitor mode", "-L": "listing link types",
    "-p": "promiscuous mode", "-s": "the snapshot length", "-y": "the link type of a capture",
    "-d": "decode-as rules", "-K": "Kerberos keytabs", "-M": "session auto reset", "-C": "configuration profiles",
    "-H": "hosts files", "-j": "JSON protocol filters", "-J": "JSON protocol filters",
    "-S": "a line separator between packets", "-U": "PDU export", "-X": "extension options (Lua scripts)",
    "--export-objects": "exporting objects", "--export-tls-session-keys": "exporting TLS session keys",
    "--color": "coloured output", "--no-duplicate-keys": "JSON without duplicate keys",
    "--elastic-mapping-filter": "Elasticsearch mappings", "--capture-comment": "capture comments",
    "--hexdump": "hex dump options", "--selected-frame": "the selected frame (two-pass)",
    "--enable-protocol": "enabling protocols", "--disable-protocol": "disabling protocols",
    "--enable-heuristic": "enabling heuristic dissectors", "--disable-heuristic": "disabling heuristic dissectors",
    "--autostop": "autostop conditions", "--ring-buffer": "ring buffers", "--buffer-size": "the capture buffer size",
    "--list-interfaces": "listing interfaces", "--interface": "live capture", "--monitor-mode": "monitor mode",
    "--list-data-link-types": "listing link types", "--no-promiscuous-mode": "promiscuous mode",
    "--snapshot-length": "the snapshot length", "--linktype": "the link type of a capture",
    "--list-time-stamp-types": "time stamp types", "--time-stamp-type": "time stamp types",
    "--compress-type": "compressed output", "--temp-dir": "capture temporary files",
}

#: Long options that are another name for a short one.
_LONG_NAMES = {"--version": "v", "--help": "h", "--print": "P"}

#: ``-t`` formats (dissect_opts.c): the word, and what tshark says of it.
TIME_FORMATS = {
    "a": "absolute", "ad": "absolute with YYYY-MM-DD date", "adoy": "absolute with YYYY/DOY date",
    "d": "delta", "dd": "delta displayed", "e": "epoch", "r": "relative", "u": "absolute UTC",
    "ud": "absolute UTC with YYYY-MM-DD date", "udoy": "absolute UTC with YYYY/DOY date",
}

#: ``-T`` formats tcpscope prints, and those tshark has that it does not.
OUTPUT_FORMATS = ("text", "tabs", "fields", "json", "ek")
OTHER_FORMATS = ("ps", "pdml", "psml", "jsonraw")


class OptionError(Exception):
    """A command line refused: the lines to print (each after ``tcpscope: ``, the first
    one only; the rest as they are) and the exit status."""

    def __init__(self, lines: list[str], status: int = INVALID_OPTION) -> None:
        super().__init__(lines[0])
        self.lines = lines
        self.status = status


@dataclass
class Options:
    """What a tshark command line asks for (tshark.c's variables, by their meaning)."""

    file: str | None = None  # -r
    display_filter: str | None = None  # -Y, or the words after the options
    count: int | None = None  # -c: the frames read
    output: str | None = None  # -T
    fields: list[str] = field(default_factory=list)  # -e
    field_options: list[str] = field(default_factory=list)  # -E
    details: bool = False  # -V (or -O)
    only: list[str] | None = None  # -O: the protocols whose trees are expanded
    hex: bool = False  # -x
    summary: bool = False  # -P: the summary line even with -V or -x
    quiet: bool = False  # -q or -Q
    packets: bool = False  # -T, -V, -O, -x or -P: the frames are printed even with -q
    taps: list[str] = field(default_factory=list)  # -z, in order
    time_format: str = "r"  # -t
    prefs: list[str] = field(default_factory=list)  # -o, in order
    report: str | None = None  # -G
    version: bool = False  # -v
    capture_filter: bool = False  # -f: refused when capturing, an error with -r
    mac_names: bool = True  # MAC addresses with their names: off with -n, -N without m (the last one wins)
    unresolved: str = ""  # -N's letters other than m: resolutions tcpscope does not make (the last -N or -n wins)


def tshark_knows(section: str, name: str) -> bool:
    """Whether tshark has the statistic (``taps``: one whose name starts the ``-z``
    argument, as tshark matches them) or the preference (``prefs``) ``name``."""
    import lzma

    lines = lzma.decompress(TSHARK_OPTIONS.read_bytes()).decode().splitlines()
    start = lines.index(f"[{section}]") + 1
    names = []
    for line in lines[start:]:
        if line.startswith("["):
            break
        names.append(line)
    if section == "taps":
        return any(name.startswith(tap) for tap in names)
    return name in names


def _refuse(option: str) -> OptionError:
    what = UNSUPPORTED.get(option, "")
    return OptionError([f"option {option}{f' ({what})' if what else ''} is not supported by tcpscope's tshark "
                        "command line"], REFUSED)


def _positive(text: str, what: str) -> int:
    """get_positive_int (ui/clopts_common.c): a decimal integer above zero."""
    try:
        value = int(text, 10)
    except ValueError:
        raise OptionError([f'The specified {what} "{text}" isn\'t a decimal number']) from None
    if value < 0:
        raise OptionError([f'The specified {what} "{text}" is a negative number'])
    if value == 0:
        raise OptionError([f"The specified {what} is zero"])
    return value


#: ``-N``'s letters (epan/addr_resolv.c ``string_to_name_resolve``), with tshark's words for each.
NAME_RESOLUTIONS = {
    "d": "to enable address resolution from captured DNS packets", "m": "to enable MAC address resolution",
    "n": "to enable network address resolution",
    "N": "to enable using external resolvers (e.g., DNS)\n\t    for network address resolution",
    "t": "to enable transport-layer port number resolution", "v": "to enable VLAN IDs to names resolution",
}


def _resolutions(text: str) -> str:
    """``-N``'s letters, checked as tshark checks them (status 1 for another letter)."""
    bad = next((c for c in text if c not in NAME_RESOLUTIONS), None)
    if bad is not None:
        raise OptionError([f"-N specifies unknown resolving option '{bad}'; valid options are:",
                           *(f"\t'{k}' {v}" for k, v in NAME_RESOLUTIONS.items())])
    return text


def _time_format(text: str) -> str:
    if text not in TIME_FORMATS:
        width = max(len(k) for k in TIME_FORMATS) + 2
        raise OptionError([f'Invalid time stamp type "{text}"; it must be one of:',
                           *(f'\t{chr(34) + k + chr(34):<{width}} for {v}' for k, v in TIME_FORMATS.items())])
    return text


def _output(opts: Options, text: str) -> None:
    if opts.output is not None:
        raise OptionError(["Multiple -T parameters are unsupported"])
    if text in OTHER_FORMATS:
        raise _refuse(f"-T {text}")
    if text not in OUTPUT_FORMATS:
        raise OptionError([f'Invalid -T parameter "{text}"; it must be one of:'])
    opts.output = text


def _apply(opts: Options, letter: str, value: str | None) -> None:
    """One option, with its argument if it takes one."""
    if letter in "TeEOVxPqQ":
        _apply_output(opts, letter, str(value))
    elif letter == "r":
        opts.file = value
    elif letter == "Y":
        opts.display_filter = value
    elif letter == "c":
        opts.count = _positive(str(value), "packet count")
    elif letter == "z":
        opts.taps.append(str(value))
    elif letter == "t":
        opts.time_format = _time_format(str(value))
    elif letter == "u" and value != "s":  # hours, minutes and seconds are not done
        raise _refuse(f"-u {value}")
    elif letter == "o":
        opts.prefs.append(str(value))
    elif letter in "fGv":
        opts.capture_filter = opts.capture_filter or letter == "f"
        opts.report = value if letter == "G" else opts.report
        opts.version = opts.version or letter == "v"
    elif letter in "nN":  # -N names the resolutions that are on (tcpscope's only one: MAC names, m)
        letters = _resolutions(str(value)) if letter == "N" else ""
        opts.mac_names = "m" in letters
        opts.unresolved = "".join(dict.fromkeys(c for c in letters if c != "m"))
    elif letter not in "lhu":  # -l: output is flushed anyway
        raise _refuse(f"-{letter}")


def _apply_output(opts: Options, letter: str, value: str) -> None:
    """An option that chooses what is printed of each frame (all but -q ask for the
    frames to be printed: tshark's ``print_packet_info``)."""
    opts.packets = opts.packets or letter not in "eEqQ"
    if letter == "T":
        _output(opts, value)
    elif letter == "e":
        opts.fields.append(value)
    elif letter == "E":
        opts.field_options.append(value)
    elif letter == "O":
        opts.only = [p for p in value.split(",") if p]
        opts.details = True
    elif letter == "V":
        opts.details = True
    elif letter == "x":
        opts.hex = True
    elif letter == "P":
        opts.summary = True
    else:  # -q, -Q
        opts.quiet = True


def _long(opts: Options, word: str) -> None:
    """A long option (``--version``); tshark's others are refused."""
    name = word.partition("=")[0]
    if name in _LONG_NAMES:
        _apply(opts, _LONG_NAMES[name], None)
    elif name in UNSUPPORTED:
        raise _refuse(name)
    else:
        raise OptionError([f"unrecognized option: {name[2:]}"])


def _short(opts: Options, argv: list[str], i: int) -> int:
    """The group of short options at ``argv[i]`` (``-nr FILE``, ``-Tfields``); the index
    of the word after it and its argument."""
    word = argv[i]
    i += 1
    for at in range(1, len(word)):
        letter = word[at]
        if letter in _WITH_ARGUMENT:
            if at + 1 < len(word):
                value = word[at + 1:]
            elif i < len(argv):
                value = argv[i]
                i += 1
            else:
                raise OptionError([f"option requires an argument: {letter}"])
            if f"-{letter}" in UNSUPPORTED and letter != "f":
                raise _refuse(f"-{letter}")
            _apply(opts, letter, value)
            return i
        if letter not in _FLAGS:
            raise OptionError([f"unrecognized option: {letter}"])
        if f"-{letter}" in UNSUPPORTED:
            raise _refuse(f"-{letter}")
        _apply(opts, letter, None)
    return i


def parse_options(argv: list[str]) -> Options:
    """The options of ``argv`` (the words after the program's name); raises OptionError."""
    opts = Options()
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            i += 1
            break
        if word.startswith("--"):
            _long(opts, word)
            i += 1
        elif word.startswith("-") and word != "-":
            i = _short(opts, argv, i)
        else:
            break
    rest = argv[i:]
    if opts.capture_filter and opts.file is not None:
        raise OptionError(["Only read filters, not capture filters, can be specified when reading a capture file."])
    if rest:
        if opts.file is None:
            raise _refuse("a capture filter")
        if opts.display_filter is not None:
            raise OptionError(['Display filters were specified both with "-Y" and with additional command-line '
                               'arguments.'])
        opts.display_filter = " ".join(rest)
    return opts
