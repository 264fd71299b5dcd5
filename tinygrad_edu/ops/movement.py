"""Movement ops: the same numbers in a new arrangement (`Reshape`, `Transpose`, `GetItem`, `Cat`, `Stack`).

Nothing is computed, so each backward only moves G back to where each element came from.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .function import Function, normalize_axis, shapes


class Reshape(Function):
    """Same elements, new shape;  ∂/∂a = G reshaped back."""

    name = "reshape"

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, a):
        self.in_shape = a.shape
        try:
            return a.reshape(self.shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape {tuple(a.shape)} ({a.size} elements) to {self.shape}") from None

    def backward(self, g):
        return (g.reshape(self.in_shape),)


class Transpose(Function):
    """Permute axes;  ∂/∂a = G permuted by the inverse permutation."""

    name = "transpose"

    def __init__(self, axes: tuple[int, ...] | None) -> None:
        self.axes = axes

    def forward(self, a):
        self.perm = tuple(reversed(range(a.ndim))) if self.axes is None else normalize_axis(self.axes, a.ndim)
        if sorted(self.perm) != list(range(a.ndim)):
            raise ValueError(f"transpose: axes {self.axes} are not a permutation of {a.ndim} axes")
        return np.transpose(a, self.perm)

    def backward(self, g):
        return (np.transpose(g, np.argsort(self.perm)),)


def _is_basic_index(idx: Any) -> bool:
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(isinstance(i, (numbers.Integral, slice)) or i is None or i is Ellipsis for i in items)


class GetItem(Function):
    """a[idx] (slices, integers, integer and boolean arrays);  ∂/∂a = G scattered back to the
    selected positions, summed where an integer array picks the same element twice."""

    name = "getitem"

    def __init__(self, idx: Any) -> None:
        self.idx = idx

    def forward(self, a):
        self.shape, self.dtype = a.shape, a.dtype
        try:
            return a[self.idx]
        except IndexError as err:
            raise IndexError(f"getitem: {err} (tensor shape {tuple(a.shape)})") from None

    def backward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        if _is_basic_index(self.idx):
            out[self.idx] = g
        else:
            np.add.at(out, self.idx, g)
        return (out,)


class Cat(Function):
    """Join along an existing axis;  each input gets its slice of G."""

    name = "cat"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *arrays):
        try:
            out = np.concatenate(arrays, axis=self.axis)
        except (ValueError, np.exceptions.AxisError) as err:
            raise ValueError(f"cat: shapes {shapes(*arrays)} cannot be joined on axis {self.axis}: {err}") from None
        self.splits = np.cumsum([a.shape[self.axis] for a in arrays])[:-1]
        return out

    def backward(self, g):
        return tuple(np.split(g, self.splits, axis=self.axis))


class Stack(Function):
    """Join along a new axis;  each input gets its slice of G."""

    name = "stack"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *arrays):
        try:
            return np.stack(arrays, axis=self.axis)
        except ValueError as err:
            raise ValueError(f"stack: shapes {shapes(*arrays)} cannot be stacked: {err}") from None

    def backward(self, g):
        return tuple(np.moveaxis(g, self.axis, 0))
