"""Division that rounds: `Remainder` (``a % b``) and `floor_divide` (``a // b``), with PyTorch's rules.

Both round the quotient toward −∞ (Python's and PyTorch's convention, not C's truncation): ``-5 // 3`` is
−2 and ``-5 % 3`` is 1, so that ``a == (a // b) * b + a % b`` and the remainder takes the divisor's sign.
An integer division by zero is PyTorch's ``RuntimeError: ZeroDivisionError``; a floating one gives inf or
NaN, as IEEE division.
"""

from __future__ import annotations

import numpy as np

from ..dtypes import scalar_type_name
from .op import Op, check_broadcast

__all__ = ["Remainder", "floor_divide"]


def _check(name: str, kernel: str, a: np.ndarray, b: np.ndarray) -> None:
    check_broadcast(name, a, b)
    if a.dtype.kind == "b":
        raise NotImplementedError(f'"{kernel}" not implemented for {scalar_type_name(a.dtype)!r}')
    if a.dtype.kind in "iu" and not np.all(b):
        raise RuntimeError("ZeroDivisionError")


def remainder(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a − b·⌊a/b⌋ as PyTorch computes it: C's fmod (exact), moved by b when its sign differs from b's.

    >>> remainder(np.array([5.0, -5.0, -0.0]), np.array([3.0, 3.0, 2.0]))
    array([ 2.,  1., -0.])
    """
    m = np.fmod(a, b)
    return np.where((m != 0) & ((b < 0) != (m < 0)), m + b, m)


def floor_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """⌊a/b⌋ (numpy's floor_divide is CPython's algorithm, which PyTorch's CPU kernel follows), after
    `_check`'s errors.

    >>> floor_divide(np.array([5, -5]), np.array([3, 3]))
    array([ 1, -2])
    """
    _check("floor_divide", "div_floor_cpu", a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.floor_divide(a, b)


class Remainder(Op):
    """a mod b (`remainder`);  ∂/∂a = G, ∂/∂b = −G·⌊a/b⌋ (where a/b is not an integer: the remainder
    jumps there), PyTorch's formulas."""

    saves = (0, 1)
    name = "%"
    backward_name = "RemainderBackward1"

    def forward(self, a, b):
        _check("remainder", "remainder_cpu", a, b)
        self.a, self.b = a, b
        with np.errstate(divide="ignore", invalid="ignore"):
            return remainder(a, b)

    def backward(self, g):
        gb = None
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = -g * np.floor_divide(self.a, self.b)
        return g, gb
