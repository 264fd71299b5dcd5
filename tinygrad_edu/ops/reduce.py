"""Reductions: `Sum`, `Mean`, `Max`, `Min` over some or all axes.

A reduction's backward broadcasts the upstream gradient G back over the reduced axes (re-inserting
them first when ``keepdims`` was False).
"""

from __future__ import annotations

import numpy as np

from .op import Op, check_floating, normalize_axis


class Sum(Op):
    """Σ over axes;  ∂/∂aᵢ = G (broadcast back over the summed axes).

    float16 is accumulated in float32 and the result rounded back, as PyTorch does on the CPU: a float16
    running sum of ones stops growing at 2048, where the spacing of float16 numbers reaches 2."""

    name = "sum"

    def __init__(self, axis, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, a):
        out = self.total(a)
        return out.astype(np.float16) if a.dtype == np.float16 else out

    def total(self, a):
        """The sum, in float32 for float16 input (see the class docstring), else in a's own dtype."""
        self.shape = a.shape
        self.axes = normalize_axis(self.axis, a.ndim)
        return np.sum(a, axis=self.axes, keepdims=self.keepdims, dtype=np.float32 if a.dtype == np.float16 else None)

    def backward(self, g):
        if not self.keepdims:
            g = np.expand_dims(g, self.axes)
        return (np.broadcast_to(g, self.shape),)


class Mean(Sum):
    """(1/n) Σ over axes;  ∂/∂aᵢ = G/n."""

    name = "mean"

    def forward(self, a):
        check_floating("mean", a)
        out = self.total(a)
        self.count = int(np.prod([a.shape[i] for i in self.axes]))
        return (out / self.count).astype(a.dtype, copy=False)

    def backward(self, g):
        return (super().backward(g)[0] / self.count,)


class Max(Op):
    """max over axes;  the gradient goes to the maximal elements, split evenly among ties (PyTorch's
    rule for ``amax``): ∂/∂aᵢ = G·1[aᵢ = max]/(number of maximal elements).

    A NaN maximum: ``amax`` gives a NaN gradient, as PyTorch's (no element equals NaN); with
    ``spread_nan`` (PyTorch's ``x.max()`` over everything) the gradient is split among the NaNs."""

    saves = (0, -1)
    name = "max"
    backward_name = "MaxBackward1"
    reduce = staticmethod(np.max)

    def __init__(self, axis, keepdims: bool, spread_nan: bool = False) -> None:
        self.axis, self.keepdims, self.spread_nan = axis, keepdims, spread_nan

    def forward(self, a):
        self.axes = normalize_axis(self.axis, a.ndim)
        if a.size == 0:  # PyTorch's error types: no dim given, or an empty reduced dim
            if self.axis is None:
                raise RuntimeError(
                    f"{self.name}: empty tensor of shape {tuple(a.shape)} has no {self.name}imum; "
                    "specify the reduction dim with the 'dim' argument"
                )
            empty = [d for d in self.axes if a.shape[d] == 0]
            if empty:
                raise IndexError(
                    f"{self.name}: reduction dim {empty[0]} of the tensor of shape {tuple(a.shape)} is empty, "
                    f"it has no {self.name}imum"
                )
        kept = self.reduce(a, axis=self.axes, keepdims=True)
        self.mask = a == kept
        if self.spread_nan:
            self.mask |= np.isnan(a) & np.isnan(kept)
        # counted in a's dtype: an integer count would turn G/count into float64 for float32 input
        self.count = self.mask.sum(axis=self.axes, keepdims=True, dtype=a.dtype)
        return kept if self.keepdims else np.squeeze(kept, axis=self.axes)

    def backward(self, g):
        if not self.keepdims:
            g = np.expand_dims(g, self.axes)
        with np.errstate(divide="ignore", invalid="ignore"):  # a NaN maximum has no equal: 0/0 is NaN
            return (self.mask * (g / self.count),)


class Min(Max):
    """min over axes;  the gradient goes to the minimal elements, split evenly among ties (``amin``)."""

    name = "min"
    backward_name = "MinBackward1"
    reduce = staticmethod(np.min)
