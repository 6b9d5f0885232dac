"""The public entry: compile_filter, Filter.mask, select, and the errors they raise."""

from __future__ import annotations

import numpy as np
import pytest

import tcpscope.filter as flt
from tcpscope.errors import FilterError
from tcpscope.filter import Filter, compile_filter, select
from tcpscope.filter.errors import FilterSemanticError, FilterSyntaxError
from tcpscope.table.packets import PacketTable


def test_all_is_curated() -> None:
    assert sorted(flt.__all__) == flt.__all__
    for name in flt.__all__:
        assert hasattr(flt, name)


def test_empty_filter_selects_everything(http_get: PacketTable) -> None:
    assert compile_filter("").mask(http_get).all()
    assert compile_filter("   ").mask(http_get).all()


def test_select_and_mask(http_get: PacketTable) -> None:
    f = compile_filter("tcp.flags.syn == 1")
    assert isinstance(f, Filter)
    m = f.mask(http_get)
    assert m.dtype == np.bool_ and m.shape == (http_get.n,)
    assert select(http_get, "tcp.flags.syn == 1").tolist() == [0, 1]
    with pytest.raises(TypeError):
        bool(f)


def test_errors_are_filter_errors() -> None:
    with pytest.raises(FilterSyntaxError) as syn:
        compile_filter("tcp.port == ")
    assert isinstance(syn.value, FilterError)
    with pytest.raises(FilterSemanticError) as sem:
        compile_filter('tcp.port == "x"')
    assert str(sem.value) == ('Unsigned integer (2 bytes) cannot be converted from a string ("x").\n'
                              '    tcp.port == "x"\n'
                              "                ^~~")


def test_capture_filter_note() -> None:
    from tcpscope.filter.capfilter import NOTE, capture_filter_note

    if not capture_filter_note("tcp port 80"):
        pytest.skip("libpcap is not loadable")
    with pytest.raises(FilterError) as info:
        compile_filter("tcp port 80")
    assert str(info.value).endswith(NOTE)


def test_absent_field_relations_are_false(http_get: PacketTable) -> None:
    # no UDP in this capture: every relation on udp.port is false, its negation true
    assert not compile_filter("udp.port != 53").mask(http_get).any()
    assert compile_filter("!(udp.port == 53)").mask(http_get).all()
    assert compile_filter("udp.port not in {53}").mask(http_get).all()
