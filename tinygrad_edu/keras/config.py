"""``keras.config``: the float type of new weights and inputs (`floatx`, `set_floatx`) and the fuzz
factor `epsilon`, as Keras 3's.

``set_floatx("float64")`` makes every layer built afterwards hold float64 weights and every input
(``fit``, ``predict``, calling a layer on an array) float64; layers built before keep their dtype.
Keras 3 does the same when it is called before the first layer is made. After that Keras keeps the
float type it found then (its global dtype policy is fixed at the first layer), and a later
``set_floatx`` changes no new layer there; here it does, so a notebook can switch to float64 for a
gradient check and back.

>>> floatx()
'float32'
>>> set_floatx("float64"); floatx()
'float64'
>>> set_floatx("float32")
"""

from __future__ import annotations

import numpy as np

FLOAT_TYPES = ("float32", "float64")  # Keras also takes float16/bfloat16, which the engine does not compute in
_STATE = {"floatx": "float32"}


def floatx() -> str:
    """The float type of new weights and inputs, as a string (Keras' default "float32")."""
    return _STATE["floatx"]


def set_floatx(value: str) -> None:
    """Set `floatx`; ValueError for a type the engine does not compute in."""
    if value not in FLOAT_TYPES:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {set(FLOAT_TYPES)}")
    _STATE["floatx"] = str(value)


def float_type() -> type:
    """`floatx` as a numpy scalar type (np.float32 or np.float64)."""
    return np.dtype(floatx()).type


def epsilon() -> float:
    """Keras' fuzz factor, 1e-7 (the clip of probabilities in the cross-entropies)."""
    return 1e-7
