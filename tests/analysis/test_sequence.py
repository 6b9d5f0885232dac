"""The kernel's interface: the NamedTuples it takes name the columns the analysis reads and writes."""

from __future__ import annotations

from tcpscope.analysis.layout import INPUTS, OUTPUTS, Inputs, Outputs


def test_outputs_name_every_column_of_OUTPUTS_in_order() -> None:
    assert Outputs._fields == tuple(OUTPUTS)


def test_inputs_are_the_columns_then_the_sack_blocks() -> None:
    assert Inputs._fields == (*INPUTS, "sackrow", "sackedges")
