"""protocols_declared: which frame.protocols differences a protocol tcpscope does not
dissect explains, and the declared frames going stale."""

from __future__ import annotations

from protocols_declared import DECLARED, explained, protocol_diffs


def test_a_protocol_tcpscope_does_not_dissect_explains() -> None:
    assert explained("eth:ethertype:ip:tcp:ssh", "eth:ethertype:ip:tcp")
    assert explained("eth:llc:stp", "eth:llc:data")
    assert explained("eth:ipx", "eth")
    assert explained("user_dlt:data", "")
    assert explained("raw:ip:tcp", "raw:ip:tcp:data")  # the payload held for HTTP's reassembly


def test_a_difference_in_what_tcpscope_dissects_is_not_explained() -> None:
    assert not explained("eth:llc:ip:tcp", "eth:llc:ethertype:ip:tcp:data")
    assert not explained("eth:ethertype:ip:tcp:mptcp", "eth:ethertype:ip:tcp")
    assert not explained("null:ip", "null:ip:ip")
    assert not explained("eth:ethertype:ip:udp", "eth:ethertype:ip:udp:data")
    assert not explained("sll:ethertype:ip:icmp:data", "sll:ethertype:ip:icmp")
    # HTTP is framed by the analysis now (issue 18): its differences are declared frame by frame
    assert not explained("eth:ethertype:ip:tcp:http:data-text-lines", "eth:ethertype:ip:tcp:data")
    assert not explained("raw:ip:tcp:http:data", "raw:ip:tcp")


def test_a_declared_frame_that_matches_is_stale() -> None:
    name, frames = next(iter(DECLARED.items()))
    n = min(frames)
    cells = ["eth"] * n
    assert protocol_diffs(name, cells, cells)[0].endswith("stale")
    assert protocol_diffs("x.pcap", ["eth:ethertype:ip"], ["eth:ethertype:ipv6"]) == [
        "frame 1: frame.protocols: tshark 'eth:ethertype:ip', tcpscope 'eth:ethertype:ipv6'"]
