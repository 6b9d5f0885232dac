"""Arrow arrays made from their buffers (views.arrow_buffers) are the arrays
``pyarrow.array`` makes of the same values: every width and sign, times, booleans (a
length that is not a whole number of bytes), nulls, texts (UTF-8, empty ones), no
values at all."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from tcpscope.views.arrow_buffers import (
    arrow_repeated_texts,
    arrow_scattered,
    arrow_text_column,
    arrow_texts,
    arrow_values,
)

TYPES = [pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64(), pa.int8(), pa.int32(), pa.int64(), pa.float64(),
         pa.timestamp("ns", tz="UTC"), pa.duration("ns"), pa.bool_()]


@pytest.mark.parametrize("typ", TYPES, ids=str)
@pytest.mark.parametrize("n", [0, 1, 11])
def test_values(typ: pa.DataType, n: int) -> None:
    data = np.arange(n, dtype=np.int64) * 37 % 5
    want_data = data != 0 if pa.types.is_boolean(typ) else data.astype(np.int64 if pa.types.is_temporal(typ)
                                                                      else typ.to_pandas_dtype())
    assert arrow_values(data, typ).equals(pa.array(want_data, type=typ))
    valid = data % 2 == 0
    got = arrow_values(data, typ, valid)
    assert got.equals(pa.array(want_data, type=typ, mask=~valid))
    assert got.null_count == int((~valid).sum())
    rows = np.flatnonzero(valid)
    assert arrow_scattered(data[rows], rows, n, typ).equals(got)
    assert arrow_scattered(data, np.arange(n), n, typ).equals(arrow_values(data, typ))


TEXTS = ["", "TCP", "80 \u2192 51234 [ACK] Seq=1", "caf\u00e9", ""]


def test_texts() -> None:
    assert arrow_texts(TEXTS).equals(pa.array(TEXTS, type=pa.string()))
    assert arrow_texts(np.array(TEXTS)).equals(pa.array(TEXTS, type=pa.string()))
    assert arrow_texts([]).equals(pa.array([], type=pa.string()))
    repeated = np.array(TEXTS * 3)
    assert arrow_repeated_texts(repeated).equals(pa.array(repeated.tolist(), type=pa.string()))
    assert arrow_repeated_texts(repeated[:0]).equals(pa.array([], type=pa.string()))


@pytest.mark.parametrize("dtype", [str, np.dtypes.StringDType()], ids=["fixed", "variable"])
def test_text_column(dtype: object) -> None:
    assert arrow_text_column(np.array(TEXTS, dtype=dtype)).equals(pa.array(TEXTS, type=pa.string()))
    assert arrow_text_column(np.array([], dtype=dtype)).equals(pa.array([], type=pa.string()))
