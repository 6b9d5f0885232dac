"""Record tshark's colouring rule of every frame of every golden capture, and its coloured list.

    python tests/golden/make_golden_colors.py [CAPTURE ...]

For each capture under ``tests/golden/captures/`` (``bad/`` included), run from the
captures directory with a fresh empty HOME (the colorfilters file Wireshark ships, no
personal one):

* ``tshark -r CAPTURE --color -T fields -e frame.coloring_rule.name`` ->
  ``expected/<stem>.colors.txt`` (tshark fills the field only with ``--color``);

and for the captures of :data:`TERMINAL` the list ``tshark -r CAPTURE --color`` writes to a
terminal that takes 24-bit colours (a pseudo-terminal without output processing, so its
newlines stay ``\\n``; ``COLORTERM=truecolor``) -> ``expected/<stem>.color-list.txt``.

``expected/TSHARK_VERSION`` records the first line of ``tshark --version``.
"""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
import tempfile
import termios

from make_golden_stats import CAPTURES, EXPECTED, capture_names, tshark_version

__all__ = ["TERMINAL", "colored_list", "colors_path", "main", "rule_names"]

#: The captures whose coloured list is recorded as a terminal shows it
TERMINAL = ("craft-tcp-header.pcap", "own-zero-window.pcap", "zeek-tcp-retransmit-fast009.pcap")


def colors_path(name: str, kind: str = "colors") -> os.PathLike[str]:
    return EXPECTED / f"{name.replace('/', '__')}.{kind}.txt"


def _env(home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIRESHARK", "XDG_"))}
    env.update(HOME=home, LC_ALL="C.UTF-8", TZ="UTC", COLORTERM="truecolor", TERM="xterm-256color")
    return env


def rule_names(name: str, tshark: str = "tshark") -> str:
    """tshark's ``frame.coloring_rule.name`` of each frame, a line each."""
    with tempfile.TemporaryDirectory() as home:
        done = subprocess.run([tshark, "-r", name, "--color", "-T", "fields", "-e", "frame.coloring_rule.name"],
                              cwd=CAPTURES, env=_env(home), capture_output=True, check=False)
    return done.stdout.decode("utf-8")


def colored_list(name: str, tshark: str = "tshark") -> str:
    """What ``tshark -r NAME --color`` writes to a 24-bit-colour terminal."""
    main_fd, sub_fd = pty.openpty()
    attrs = termios.tcgetattr(sub_fd)
    attrs[1] &= ~termios.OPOST  # newlines as written
    termios.tcsetattr(sub_fd, termios.TCSANOW, attrs)
    chunks = []
    with tempfile.TemporaryDirectory() as home:
        proc = subprocess.Popen([tshark, "-r", name, "--color"], cwd=CAPTURES, env=_env(home),
                                stdout=sub_fd, stderr=subprocess.DEVNULL)
        os.close(sub_fd)
        while True:
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # the terminal closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait()
    os.close(main_fd)
    return b"".join(chunks).decode("utf-8")


def main(argv: list[str]) -> int:
    tshark = shutil.which("tshark")
    if tshark is None:
        print("make_golden_colors: tshark is not installed", file=sys.stderr)
        return 2
    version = tshark_version(tshark)
    (EXPECTED / "TSHARK_VERSION").write_text(version + "\n")
    names = argv or capture_names()
    for name in names:
        text = rule_names(name, tshark)
        with open(colors_path(name), "w", encoding="utf-8") as f:
            f.write(text)
        if name in TERMINAL:
            with open(colors_path(name, "color-list"), "w", encoding="utf-8", newline="") as f:
                f.write(colored_list(name, tshark))
        print(f"{name}: {text.count(chr(10))} frames")
    print(f"{len(names)} captures, {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
