"""Semantics on a registry with fields the dissectors do not have (as the TCP analysis will add)."""

from __future__ import annotations

import numpy as np
import pytest

from tcpscope.errors import FilterError
from tcpscope.filter import compile_filter
from tcpscope.filter.registry import registry
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef, FieldType
from tcpscope.table.values import Values


def _flag(frames: list[int]) -> FieldDef:
    def get(t: PacketTable) -> Values:
        pkt = np.array(frames, dtype=np.int64)
        return Values(pkt, np.zeros(pkt.shape[0], dtype=np.int64))

    return FieldDef("tcp.analysis.test_flag", FieldType.NONE, get)


def _counts() -> FieldDef:
    def get(t: PacketTable) -> Values:
        pkt = np.array([1, 1, 4], dtype=np.int64)
        return Values(pkt, np.array([2, 7, 3], dtype=np.int64))

    return FieldDef("tcp.analysis.test_num", FieldType.UINT32, get)


REG = registry().extended([_flag([2, 5, 9]), _counts()])


def test_label_is_an_existence_test(http_get: PacketTable) -> None:
    assert compile_filter("tcp.analysis.test_flag", REG).select(http_get).tolist() == [2, 5, 9]
    assert compile_filter("!tcp.analysis.test_flag && frame.number < 4", REG).select(http_get).tolist() == [0, 1]
    assert compile_filter("count(tcp.analysis.test_flag) == 1", REG).select(http_get).tolist() == [2, 5, 9]


def test_label_cannot_be_compared() -> None:
    with pytest.raises(FilterError) as info:
        compile_filter("tcp.analysis.test_flag == 1", REG)
    assert str(info.value).startswith("tcp.analysis.test_flag (type=Label) cannot participate in == comparison.")


def test_multi_valued_any_all(http_get: PacketTable) -> None:
    sel = lambda text: compile_filter(text, REG).select(http_get).tolist()  # noqa: E731
    assert sel("tcp.analysis.test_num == 7") == [1]
    assert sel("tcp.analysis.test_num != 7") == [4]  # all values differ; absent frames are false
    assert sel("tcp.analysis.test_num !== 7") == [1, 4]
    assert sel("all tcp.analysis.test_num > 2") == [4]
    assert sel("tcp.analysis.test_num > 5 && tcp.analysis.test_num < 3") == [1]
    assert sel("max(tcp.analysis.test_num) == 7") == [1]
    assert sel("count(tcp.analysis.test_num) == 2") == [1]
    assert sel("!(tcp.analysis.test_num == 7)") == [i for i in range(http_get.n) if i != 1]


@pytest.mark.parametrize("text, word", [("smtp", "smtp"), ('ssh.protocol == "a"', "ssh.protocol"),
                                        ("tcp.port == 53 && quic", "quic")])
def test_protocols_not_dissected_yet_get_a_note(text: str, word: str) -> None:
    """tshark's message and caret line for an unknown name, then a note naming the protocol."""
    with pytest.raises(FilterError) as err:
        compile_filter(text, registry())
    lines = str(err.value).splitlines()
    assert lines[-1].startswith(f"Note: {word} is a Wireshark name; tcpscope does not dissect")
    assert "^" in lines[-2]


@pytest.mark.parametrize("text", ["http", 'http.host == "a"', "http.response.code >= 400 && http.time > 1"])
def test_http_is_dissected(text: str) -> None:
    """HTTP's fields are the analysis' now (issue 18): filters naming them compile."""
    assert compile_filter(text, registry()).field_names()


@pytest.mark.parametrize("text", ["tls.foo", "dns.bogus", "http.nosuch", "tls.handshake.ciphersuite"])
def test_unknown_names_under_dissected_protocols_get_tsharks_message_alone(text: str) -> None:
    """TLS, DNS and HTTP are dissected in part (issue 18): a name tcpscope lacks under them
    is tshark's error with no note at this stage (the command line notes those tshark
    knows: tests/cli/test_filter_notes.py)."""
    with pytest.raises(FilterError) as err:
        compile_filter(text, registry())
    word = text  # a bare name
    assert str(err.value).splitlines()[0] == f"{word} is neither a field nor a protocol name."
    assert "Note" not in str(err.value)


def test_unknown_names_get_no_note() -> None:
    with pytest.raises(FilterError) as err:
        compile_filter("foo.bar", registry())
    assert "Note" not in str(err.value)
