"""Reductions: `Sum`, `Mean`, `Prod`, `Max`, `Min` over some or all axes, and the running sum `Cumsum`.

A reduction's backward broadcasts the upstream gradient G back over the reduced axes (re-inserting
them first when ``keepdims`` was False).
"""

from __future__ import annotations

import numpy as np

from ..dtypes import scalar_type_name
from .op import Op, array_axis, normalize_axis, reduction_axes

#: the dtype PyTorch sums (and multiplies) bools and integers in: int64, so that ``uint8`` counts do not
#: wrap at 256 (uint64 stays itself); a ``dtype=`` given by the caller is kept instead
_INTEGER_TOTAL = {
    np.dtype(t): np.dtype(np.int64) for t in (np.bool_, np.int8, np.int16, np.int32, np.uint8, np.uint16, np.uint32)
}


def total_dtype(dt: np.dtype, asked: bool = False) -> np.dtype:
    """The dtype a sum, running sum or product of ``dt`` is accumulated in: float32 for float16 (rounded
    back after, as PyTorch's CPU kernels: a float16 running sum of ones would stop at 2048, where the
    spacing of float16 numbers reaches 2), int64 for bools and narrower integers unless the dtype was
    ``asked`` for (`_INTEGER_TOTAL`), else ``dt`` itself (named, since numpy would widen an int32 sum)."""
    if dt == np.float16:
        return np.dtype(np.float32)
    return dt if asked else _INTEGER_TOTAL.get(dt, dt)


#: what `tinygrad_edu.ops` re-exports from this module (its star import reads this list)
__all__ = ["Cumsum", "Max", "Mean", "Min", "Prod", "Sum"]


class Sum(Op):
    """Σ over axes;  ∂/∂aᵢ = G (broadcast back over the summed axes). Bools and integers sum to int64,
    float16 is accumulated in float32 (`total_dtype`), as PyTorch's."""

    name = "sum"

    def __init__(self, axis, keepdims: bool, asked: bool = False) -> None:
        self.axis, self.keepdims, self.asked = axis, keepdims, asked
        if axis is not None:  # PyTorch's overload over dims
            self.backward_name = self.backward_name[:-1] + "1"

    def forward(self, a):
        out = self.total(a)
        return out.astype(np.float16) if a.dtype == np.float16 else out

    def total(self, a):
        """The sum, in `total_dtype`."""
        self.shape = a.shape
        self.axes = reduction_axes(self.axis, a.ndim)
        return np.sum(a, axis=self.axes, keepdims=self.keepdims, dtype=total_dtype(a.dtype, self.asked))

    def backward(self, g):
        if not self.keepdims:
            g = np.expand_dims(g, self.axes)
        return (np.broadcast_to(g, self.shape),)


class Mean(Sum):
    """(1/n) Σ over axes;  ∂/∂aᵢ = G/n."""

    name = "mean"

    def forward(self, a):
        if a.dtype.kind not in "fc":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
                f"dtype. Got: {scalar_type_name(a.dtype)}"
            )
        out = self.total(a)
        self.count = int(np.prod([a.shape[i] for i in self.axes]))
        return (out / self.count).astype(a.dtype, copy=False)

    def backward(self, g):
        return (super().backward(g)[0] / self.count,)


class Cumsum(Op):
    """The running sum along one axis, outᵢ = Σ_{j≤i} aⱼ;  ∂/∂aⱼ = Σ_{i≥j} Gᵢ (the running sum of G taken
    from the other end). Bools and integers in int64, as `Sum`."""

    name = "cumsum"

    def __init__(self, dim: int, asked: bool = False) -> None:
        self.dim, self.asked = dim, asked

    def forward(self, a):
        self.axis = array_axis(self.dim, a.ndim)
        out = np.cumsum(a, axis=self.axis, dtype=total_dtype(a.dtype, self.asked))
        return out.reshape(a.shape).astype(np.float16) if a.dtype == np.float16 else out.reshape(a.shape)

    def backward(self, g):
        if self.axis is None:
            return (g,)
        return (np.flip(np.cumsum(np.flip(g, self.axis), axis=self.axis), self.axis),)


class Prod(Op):
    """Π over one axis (all elements when ``dim`` is None);  ∂/∂aᵢ = G·Π_{j≠i} aⱼ, the product of the
    others, taken as the product of those before i times those after it, so a zero among the aⱼ is exact
    (no division by aᵢ). Bools and integers multiply in int64, as `Sum`."""

    saves = (0,)
    name = "prod"

    def __init__(self, dim: int | None, keepdim: bool, asked: bool = False) -> None:
        self.dim, self.keepdim, self.asked = dim, keepdim, asked
        if dim is not None:  # PyTorch's overload over one dim
            self.backward_name = "ProdBackward1"

    def forward(self, a):
        self.a = a
        self.axis = None if self.dim is None else normalize_axis(self.dim, a.ndim)
        out = np.prod(a, axis=self.axis, keepdims=self.keepdim, dtype=total_dtype(a.dtype, self.asked))
        return out.astype(np.float16) if a.dtype == np.float16 else out

    def backward(self, g):
        a = self.a
        if not self.axis:  # everything (or a 0-d tensor): one row of all the elements
            rows, axis = a.reshape(-1), 0
        else:
            rows, axis = a, self.axis[0]
        rows = np.moveaxis(rows, axis, -1)
        ones = np.ones_like(rows[..., :1])
        before = np.cumprod(np.concatenate([ones, rows[..., :-1]], axis=-1), axis=-1)
        after = np.flip(np.cumprod(np.concatenate([ones, np.flip(rows, -1)[..., :-1]], axis=-1), axis=-1), -1)
        others = np.moveaxis(before * after, -1, axis).reshape(a.shape)
        if self.axis and not self.keepdim:
            g = np.expand_dims(g, self.axis)
        return (g * others,)


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
        if not spread_nan:  # torch.amax's node; x.max() over everything is MaxBackward1
            self.backward_name = f"A{self.name}Backward0"

    def forward(self, a):
        self.axes = reduction_axes(self.axis, a.ndim)
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
