"""Softmax and log-softmax along one axis, both shifted by the maximum so that nothing overflows."""

from __future__ import annotations

import numpy as np

from .op import Op, array_axis, check_floating

#: what `tinygrad_edu.ops` re-exports from this module (its star import reads this list)
__all__ = ["LogSoftmax", "Softmax"]


def _row_max(a: np.ndarray, axis: int) -> np.ndarray:
    """The shift m along ``axis``, kept as a size-1 axis; −∞ for an empty axis, so that an empty
    softmax is empty (as PyTorch's) rather than numpy's "zero-size array" error."""
    return a.max(axis=axis, keepdims=True, initial=-np.inf)


class Softmax(Op):
    """sᵢ = e^{aᵢ − m} / Σⱼ e^{aⱼ − m} (m = max, so nothing overflows);  ∂/∂a = s·(G − Σ G·s)."""

    saves = (-1,)
    name = "softmax"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, a):
        check_floating("softmax", a)
        self.axis = array_axis(self.axis, a.ndim)
        e = np.exp(a - _row_max(a, self.axis))
        self.out = e / e.sum(axis=self.axis, keepdims=True)
        return self.out

    def backward(self, g):
        s = self.out
        return (s * (g - (g * s).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(Op):
    """aᵢ − m − log Σⱼ e^{aⱼ − m} (log-sum-exp);  ∂/∂a = G − softmax(a)·Σ G."""

    saves = (-1,)
    name = "log_softmax"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, a):
        check_floating("log_softmax", a)
        self.axis = array_axis(self.axis, a.ndim)
        shifted = a - _row_max(a, self.axis)
        self.out = shifted - np.log(np.exp(shifted).sum(axis=self.axis, keepdims=True))
        return self.out

    def backward(self, g):
        return (g - np.exp(self.out) * g.sum(axis=self.axis, keepdims=True),)
