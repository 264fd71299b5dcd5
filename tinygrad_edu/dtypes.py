"""PyTorch's dtype names over numpy dtypes: ``float32``, ``long``, ``bool``, ... and `as_dtype`.

A floor below `tinygrad_edu.tensor`: it imports nothing of tinygrad_edu's. The names are
numpy dtypes, so ``Tensor(x, dtype=tinygrad_edu.float64)`` and ``np.zeros(3, tinygrad_edu.float64)``
both work. Defaults are PyTorch's (https://pytorch.org/docs/stable/tensor_attributes.html):
floating tensors made from Python numbers are float32.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

#: The dtype of floating tensors made from Python numbers or lists (PyTorch's default).
DEFAULT_DTYPE = np.float32

float32 = float = np.dtype("float32")
float64 = double = np.dtype("float64")
float16 = half = np.dtype("float16")
int64 = long = np.dtype("int64")
int32 = int = np.dtype("int32")
int16 = short = np.dtype("int16")
int8 = np.dtype("int8")
uint8 = np.dtype("uint8")
bool = np.dtype("bool")

#: The names a dtype may be given by, as strings (``dtype="float64"``) or as this module's objects.
DTYPES = {
    "float32": float32,
    "float": float32,
    "float64": float64,
    "double": float64,
    "float16": float16,
    "half": float16,
    "int64": int64,
    "long": int64,
    "int32": int32,
    "int": int32,
    "int16": int16,
    "short": int16,
    "int8": int8,
    "uint8": uint8,
    "bool": bool,
}


def as_dtype(dtype: Any) -> np.dtype | None:
    """The numpy dtype for ``dtype`` (a name above, a numpy dtype or type); None stays None.

    Python's ``float`` and ``int`` mean float32 and int64 here, as ``torch.tensor(..., dtype=float)``.

    >>> as_dtype("double"), as_dtype(builtins.float), as_dtype(np.int32)
    (dtype('float64'), dtype('float32'), dtype('int32'))
    """
    if dtype is None:
        return None
    if isinstance(dtype, str):
        if dtype not in DTYPES:
            raise TypeError(f"unknown dtype {dtype!r}; supported: {', '.join(sorted(DTYPES))}")
        return DTYPES[dtype]
    if dtype is builtins.float:
        return float32
    if dtype is builtins.int:
        return int64
    if dtype is builtins.bool:
        return bool
    try:
        out = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}; supported: {', '.join(sorted(DTYPES))}") from None
    if out not in DTYPES.values():
        raise TypeError(f"dtype {out} is not supported; supported: {', '.join(sorted(DTYPES))}")
    return out


def get_default_dtype() -> np.dtype:
    """The dtype of floating tensors made from Python numbers: float32, as PyTorch."""
    return np.dtype(DEFAULT_DTYPE)
