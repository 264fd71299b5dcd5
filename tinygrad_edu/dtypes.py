"""PyTorch's dtypes over numpy's: ``float32``, ``long``, ``bool``, ... `as_dtype` and the promotion rules.

A floor below `tinygrad_edu.tensor`: it imports nothing of tinygrad_edu's.

**The choice.** Tensors hold numpy arrays, and every kernel and op works with numpy dtypes. What a
user sees is PyTorch's: `dtype` objects (``tinygrad_edu.float32``, ``Tensor.dtype``) that print as
``torch.float32``, compare equal to each other, to the numpy dtype they stand for and to its name
(``t.dtype == np.float32``, ``t.dtype == torch.float32``), hash as that numpy dtype, and carry it in
``.np``. numpy reads them as dtypes too (they have numpy's ``.dtype`` attribute), so
``np.zeros(3, tinygrad_edu.float64)`` works. `as_dtype` turns any spelling into the numpy dtype that
the engine uses; `torch_dtype` turns a numpy dtype back into its `dtype` object (a dict lookup).

**Promotion** (`result_type`) is PyTorch's, not numpy's
(https://pytorch.org/docs/stable/tensor_attributes.html#type-promotion-doc): the category
(bool < integer < floating) of the result is the highest among the operands; within it, tensors with
dimensions decide over 0-d tensors, which decide over Python numbers; a Python float meeting integers
gives the default float32; an integer and a float tensor give the float's dtype (``int64 + float32``
is float32, where numpy says float64). So ``int64 + 1`` stays int64, ``uint8 - 1`` is uint8 (255),
``bool + 1`` is int64, ``int32 * 2.5`` float32 and ``float32 + 0-d float64`` float32.

>>> float32, float32 == np.float32, np.dtype(float64)
(torch.float32, True, dtype('float64'))
>>> result_type(np.dtype("int64"), 1), result_type(np.dtype("int32"), 2.5)
(dtype('int64'), dtype('float32'))
"""

from __future__ import annotations

import builtins
import numbers
from typing import Any

import numpy as np

#: The dtype of floating tensors made from Python numbers or lists (PyTorch's default).
DEFAULT_DTYPE = np.float32


class dtype:  # noqa: N801 (PyTorch's class name)
    """A PyTorch dtype name over a numpy dtype: prints as ``torch.<name>``, compares and hashes as the
    numpy dtype, exposes it as ``.np`` (and numpy's ``.dtype`` protocol)."""

    __slots__ = ("_name", "np")

    def __init__(self, name: str, np_dtype: Any) -> None:
        self._name = name
        self.np = np.dtype(np_dtype)

    @property
    def dtype(self) -> np.dtype:  # numpy's protocol: np.dtype(x), np.zeros(n, x), arr.astype(x)
        return self.np

    @property
    def is_floating_point(self) -> builtins.bool:
        return self.np.kind == "f"

    @property
    def is_signed(self) -> builtins.bool:
        return self.np.kind in "if"

    @property
    def itemsize(self) -> builtins.int:
        return self.np.itemsize

    @property
    def kind(self) -> str:
        return self.np.kind

    @property
    def type(self) -> type:
        return self.np.type

    @property
    def name(self) -> str:
        return self.np.name

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    def __eq__(self, other: object) -> builtins.bool:
        if isinstance(other, dtype):
            return self.np == other.np
        try:
            return builtins.bool(self.np == other)
        except TypeError:
            return False

    def __hash__(self) -> builtins.int:
        return hash(self.np)

    def __reduce__(self) -> tuple[Any, ...]:
        return (dtype, (self._name, self.np.str))


float32 = float = dtype("float32", np.float32)
float64 = double = dtype("float64", np.float64)
float16 = half = dtype("float16", np.float16)
int64 = long = dtype("int64", np.int64)
int32 = int = dtype("int32", np.int32)
int16 = short = dtype("int16", np.int16)
int8 = dtype("int8", np.int8)
uint8 = dtype("uint8", np.uint8)
uint16 = dtype("uint16", np.uint16)
uint32 = dtype("uint32", np.uint32)
uint64 = dtype("uint64", np.uint64)
bool = dtype("bool", np.bool_)

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
    "uint16": uint16,
    "uint32": uint32,
    "uint64": uint64,
    "bool": bool,
}
_BY_NUMPY = {d.np: d for d in DTYPES.values()}

#: How PyTorch's error messages name each dtype: its ScalarType name ("Got: Long") and the C++ type
#: that its matrix-product checks print ("long int != float"), as torch 2.13 spells them.
_ERROR_NAMES = {
    np.dtype(np.float32): ("Float", "float"),
    np.dtype(np.float64): ("Double", "double"),
    np.dtype(np.float16): ("Half", "c10::Half"),
    np.dtype(np.int64): ("Long", "long int"),
    np.dtype(np.int32): ("Int", "int"),
    np.dtype(np.int16): ("Short", "short int"),
    np.dtype(np.int8): ("Char", "signed char"),
    np.dtype(np.uint8): ("Byte", "unsigned char"),
    np.dtype(np.uint16): ("UInt16", "short unsigned int"),
    np.dtype(np.uint32): ("UInt32", "unsigned int"),
    np.dtype(np.uint64): ("UInt64", "long unsigned int"),
    np.dtype(np.bool_): ("Bool", "bool"),
}


def scalar_type_name(np_dtype: np.dtype) -> str:
    """PyTorch's ScalarType name of a dtype, as its error messages print it.

    >>> scalar_type_name(np.dtype("int64")), scalar_type_name(np.dtype("uint8"))
    ('Long', 'Byte')
    """
    return _ERROR_NAMES[np.dtype(np_dtype)][0]


def c_type_name(np_dtype: np.dtype) -> str:
    """The C++ type of a dtype as PyTorch's matmul errors print it.

    >>> c_type_name(np.dtype("int64")), c_type_name(np.dtype("float32"))
    ('long int', 'float')
    """
    return _ERROR_NAMES[np.dtype(np_dtype)][1]


def torch_dtype(np_dtype: np.dtype) -> dtype:
    """The `dtype` object of a numpy dtype (what ``Tensor.dtype`` returns).

    >>> torch_dtype(np.dtype("int64"))
    torch.int64
    """
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        raise TypeError(f"dtype {np_dtype} has no PyTorch name; supported: {', '.join(sorted(DTYPES))}") from None


def as_dtype(spec: Any) -> np.dtype | None:
    """The numpy dtype for ``spec`` (a name above, a `dtype`, a numpy dtype or type); None stays None.

    Python's ``float`` and ``int`` mean float32 and int64 here, as ``torch.tensor(..., dtype=float)``.

    >>> as_dtype("double"), as_dtype(builtins.float), as_dtype(np.int32), as_dtype(int64)
    (dtype('float64'), dtype('float32'), dtype('int32'), dtype('int64'))
    """
    if spec is None:
        return None
    if isinstance(spec, dtype):
        return spec.np
    if isinstance(spec, str):
        if spec not in DTYPES:
            raise TypeError(f"unknown dtype {spec!r}; supported: {', '.join(sorted(DTYPES))}")
        return DTYPES[spec].np
    if spec is builtins.float:
        return float32.np
    if spec is builtins.int:
        return int64.np
    if spec is builtins.bool:
        return bool.np
    try:
        out = np.dtype(spec)
    except TypeError:
        raise TypeError(f"unknown dtype {spec!r}; supported: {', '.join(sorted(DTYPES))}") from None
    if out not in _BY_NUMPY:
        raise TypeError(f"dtype {out} is not supported; supported: {', '.join(sorted(DTYPES))}")
    return out


def get_default_dtype() -> dtype:
    """The dtype of floating tensors made from Python numbers: float32, as PyTorch."""
    return float32


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's ``promote_types`` of two numpy dtypes: an integer (or bool) meeting a float gives the
    float; otherwise numpy's promotion, which agrees with PyTorch's table there (``uint8 + int8`` is int16).

    >>> promote_types(np.dtype("int64"), np.dtype("float32")), promote_types(np.dtype("uint8"), np.dtype("int8"))
    (dtype('float32'), dtype('int16'))
    """
    if a == b:
        return a
    af, bf = a.kind == "f", b.kind == "f"
    if af != bf:
        return a if af else b
    return np.promote_types(a, b)


def _category(kind: str) -> builtins.int:
    return {"b": 0, "u": 1, "i": 1, "f": 2}[kind]


def _scalar_dtype(x: Any) -> np.dtype:
    """A Python number's dtype in promotion: bool, int64, or the default float."""
    if isinstance(x, builtins.bool):
        return bool.np
    if isinstance(x, numbers.Integral):
        return int64.np
    if isinstance(x, numbers.Real):
        return np.dtype(DEFAULT_DTYPE)
    raise TypeError(f"unsupported operand of type {type(x).__name__} (a tensor, a number or a bool)")


def result_type(*operands: Any) -> np.dtype:
    """The dtype of an elementwise op's result, PyTorch's rule (see the module docstring).

    Operands are numpy dtypes (a tensor with dimensions), ``(dtype, 0)`` pairs (a 0-d tensor) or
    Python numbers.
    """
    tiers: list[np.dtype | None] = [None, None, None]  # dimensioned tensors, 0-d tensors, Python numbers
    for x in operands:
        if isinstance(x, np.dtype):
            tier, d = 0, x
        elif isinstance(x, tuple):
            tier, d = 1, x[0]
        else:
            tier, d = 2, _scalar_dtype(x)
        tiers[tier] = d if tiers[tier] is None else promote_types(tiers[tier], d)  # type: ignore[arg-type]
    return _combine(tiers[0], _combine(tiers[1], tiers[2]))  # type: ignore[return-value]


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """ATen's ``combine_categories``: the higher tier's dtype unless the lower tier's category is higher."""
    if higher is None:
        return lower
    if lower is None or _category(higher.kind) >= _category(lower.kind):
        if higher.kind == "b" and lower is not None:
            return promote_types(higher, lower)
        return higher
    return promote_types(higher, lower)
