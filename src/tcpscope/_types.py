"""Array type aliases shared by every stage.

Columns hold many dtypes; ``Array`` is a numpy array of any dtype, ``Mask`` a boolean
one and ``Index`` an int64 array of row or frame numbers. Using them keeps signatures
readable and lets mypy check the code around the arrays strictly.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

__all__ = ["Array", "Index", "Mask"]

Array: TypeAlias = NDArray[Any]
Mask: TypeAlias = NDArray[np.bool_]
Index: TypeAlias = NDArray[np.int64]
