"""The note after a filter error on the command line, for a name under a protocol tcpscope
dissects in part (TLS, DNS, HTTP; filter.checker.DISSECTED_IN_PART): tshark's message
alone when tshark rejects the name too (``tls.foo``: tshark's own words, checked live),
and the "does not fill this field yet" note when tshark knows it (``tshark -G fields``,
kept in cli/tshark_fields.xz) and tcpscope does not fill it; the same for the subcommands
and the tshark-compatible command line."""

from __future__ import annotations

import subprocess

import pytest
from compare import CAPTURES

from tcpscope.cli.dropin import tshark_names
from tcpscope.cli.main import main

CAPTURE = str(CAPTURES / "tls-dns.pcap")
UNFILLED = "tcpscope does not fill this {} field yet (docs/fields.md lists those it fills)."

#: (filter, the protocol's name in the note, or None where tshark rejects the name too)
CASES = [("tls.foo", None), ("dns.bogus", None), ("http.nosuch", None),
         ("tls.handshake.ciphersuite", "TLS"), ("dns.qry.class", "DNS"), ("http.cookie_pair", "HTTP")]


def _stderr(words: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(words) == 2
    return capsys.readouterr().err.splitlines()


@pytest.mark.parametrize("text, proto, dropin", [*((t, p, False) for t, p in CASES),
                                                   ("tls.foo", None, True), ("tls.handshake.ciphersuite", "TLS", True)])
def test_note_only_for_names_tshark_knows(text: str, proto: str | None, dropin: bool,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    word = text  # a bare name
    assert (word in tshark_names()) == (proto is not None)
    words = ["-r", CAPTURE, "-Y", text] if dropin else ["list", CAPTURE, "-Y", text]
    err = _stderr(words, capsys)
    assert err[0] == f"tcpscope: {word} is neither a field nor a protocol name."
    if proto is None:
        assert len(err) == 3  # the message, the filter, the caret line: tshark's, nothing more
    else:
        assert err[3] == f"Note: {word} is a Wireshark name; " + UNFILLED.format(proto)


@pytest.mark.parametrize("text, proto", [c for c in CASES if c[1] is None])
def test_tshark_rejects_the_same_names(text: str, proto: None, tshark: str) -> None:
    out = subprocess.run([tshark, "-r", CAPTURE, "-Y", text], check=False, capture_output=True, text=True)
    assert out.returncode == 2
    lines = [ln for ln in out.stderr.splitlines() if not ln.startswith("Running as user")]
    assert lines[0] == f"tshark: {text} is neither a field nor a protocol name."
