"""``tcpscope show`` on the command line: frames chosen by number and by filter, and bad input."""

from __future__ import annotations

import pytest
from compare import CAPTURES, run_tcpscope

pytestmark = pytest.mark.usefixtures("utc")


def _frames(text: str) -> list[str]:
    return ["Frame " + block for block in text.split("\nFrame ")[1:]] if text.startswith("Frame ") else []


def test_frame_option_shows_those_frames_as_the_whole_output_does() -> None:
    whole = run_tcpscope("show", "http-get.pcap")
    some = run_tcpscope("show", "http-get.pcap", "--frame", "3", "--frame", "1")
    assert some.status == 0
    frames = ("Frame " + whole.stdout[len("Frame "):]).split("\n\nFrame ")
    assert some.stdout.startswith("Frame 1: ")
    assert frames[2].split("\n")[0] in some.stdout
    # the delta from the previous displayed frame counts from frame 1, the frame shown before
    assert "[Time delta from previous displayed frame: 0.000049000 seconds]" in some.stdout


def test_display_filter_selects_frames() -> None:
    got = run_tcpscope("show", "http-get.pcap", "-Y", "tcp.flags.syn == 1")
    assert got.status == 0
    assert got.stdout.count("\nFrame ") + got.stdout.startswith("Frame ") == 2


def test_a_frame_that_does_not_exist_is_an_error() -> None:
    got = run_tcpscope("show", "http-get.pcap", "--frame", "99")
    assert got.status == 2
    assert got.stderr == "tcpscope: frame 99 does not exist: the capture has 12 frames\n"
    assert got.stdout == ""


@pytest.mark.parametrize("name", sorted(p.name for p in (CAPTURES / "bad").iterdir() if ".pcap" in p.name))
def test_damaged_captures_give_no_traceback(name: str) -> None:
    got = run_tcpscope("show", f"bad/{name}")
    assert got.status in (0, 2)
    assert "Traceback" not in got.stderr


@pytest.mark.parametrize("name", ["http-get.pcap", "http-eth.pcap"])
def test_bytes_follow_each_tree_as_tshark_prints_them(name: str, tshark: str) -> None:
    """``show -x`` equals ``tshark -n -V -x`` on every frame: after the response's last
    segment, the message TCP reassembled is a second data source ("Reassembled TCP")."""
    import subprocess

    got = run_tcpscope("show", name, "-n", "-x")
    want = subprocess.run([tshark, "-n", "-r", str(CAPTURES / name), "-V", "-x"],
                          capture_output=True, text=True, check=True).stdout
    assert got.status == 0
    assert got.stdout.count("\n0000  ") >= 3 and "\nReassembled TCP (" in got.stdout
    assert got.stdout == want


@pytest.mark.parametrize(("name", "frame"), [("craft-encap-mpls.pcap", 5), ("own-lossy-seed11.pcap", 6)])
def test_with_bytes_the_data_protocol_has_no_dump_of_its_own(name: str, frame: int, tshark: str) -> None:
    """DATA DUMPS: with ``-x`` the whole frame follows in hex, so the Data's own dump under
    its line is left out, as print.c does; without it, it is there (craft-encap-mpls.pcap
    frame 5 ends in Data, own-lossy-seed11.pcap frame 6 has the Data HTTP nests)."""
    import subprocess

    for x in (["-x"], []):
        got = run_tcpscope("show", name, "-n", *x, "--frame", str(frame))
        want = subprocess.run([tshark, "-n", "-r", str(CAPTURES / name), "-V", *x, "-Y", f"frame.number == {frame}"],
                              capture_output=True, text=True, check=True).stdout
        assert got.status == 0
        assert "Data (" in got.stdout
        assert got.stdout == want


def test_json_frames_chosen_by_number_and_bad_input() -> None:
    """``show -T json --frame``: an array of those frames; a damaged capture: no traceback."""
    import json

    got = run_tcpscope("show", "http-get.pcap", "-T", "json", "--frame", "5", "--frame", "3")
    assert got.status == 0
    numbers = [p["_source"]["layers"]["frame"]["frame.number"] for p in json.loads(got.stdout)]
    assert numbers == ["3", "5"]
    bad = run_tcpscope("show", "bad/bad-tcp-offset.pcap", "-T", "json", "-x")
    assert bad.status in (0, 2)
    assert "Traceback" not in bad.stderr
    assert json.loads(bad.stdout)
