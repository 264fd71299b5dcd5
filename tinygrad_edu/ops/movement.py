"""Movement ops: the same numbers in a new arrangement (`Reshape`, `Transpose`, `Expand`, `Repeat`,
`GetItem`, `Cat`, `Stack`) or a new dtype (`Cast`, `Clone`).

Nothing is computed, so each backward only moves G back to where each element came from.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .op import Op, normalize_axis, shapes, unbroadcast


class Reshape(Op):
    """Same elements, new shape;  ∂/∂a = G reshaped back."""

    name = "reshape"
    backward_name = "ViewBackward0"

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


class Transpose(Op):
    """Permute axes;  ∂/∂a = G permuted by the inverse permutation."""

    name = "transpose"
    backward_name = "PermuteBackward0"

    def __init__(self, axes: tuple[int, ...] | None) -> None:
        self.axes = axes

    def forward(self, a):
        self.perm = tuple(reversed(range(a.ndim))) if self.axes is None else normalize_axis(self.axes, a.ndim)
        if sorted(self.perm) != list(range(a.ndim)):
            raise ValueError(f"transpose: axes {self.axes} are not a permutation of {a.ndim} axes")
        return np.transpose(a, self.perm)

    def backward(self, g):
        return (np.transpose(g, np.argsort(self.perm)),)


class Expand(Op):
    """a broadcast to a larger shape without copying (``torch.Tensor.expand``; −1 keeps an axis);
    ∂/∂a = G summed over the broadcast axes, since each element of a feeds every copy of itself."""

    name = "expand"

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, a):
        self.in_shape = a.shape
        extra = len(self.shape) - a.ndim
        if extra < 0:
            raise ValueError(f"expand: the shape {self.shape} has fewer dimensions than the tensor's {a.shape}")
        shape = tuple(a.shape[i - extra] if n == -1 and i >= extra else n for i, n in enumerate(self.shape))
        try:
            return np.broadcast_to(a, shape)
        except ValueError:
            raise ValueError(
                f"expand: the tensor of shape {a.shape} cannot be expanded to {self.shape} "
                "(only axes of length 1 can grow)"
            ) from None

    def backward(self, g):
        return (unbroadcast(g, self.in_shape),)


class Repeat(Op):
    """a tiled ``reps`` times along each axis (``torch.Tensor.repeat``, numpy's ``tile``);
    ∂/∂a = G cut into its tiles and the tiles summed, since each element appears once per tile."""

    name = "repeat"

    def __init__(self, reps: tuple[int, ...]) -> None:
        self.reps = reps

    def forward(self, a):
        if len(self.reps) < a.ndim:
            raise ValueError(
                f"repeat: give at least as many repeats ({len(self.reps)}) as the tensor has dimensions ({a.ndim})"
            )
        if any(r < 0 for r in self.reps):
            raise ValueError(f"repeat: the repeats {self.reps} must not be negative")
        self.in_shape = (1,) * (len(self.reps) - a.ndim) + a.shape
        self.ndim = a.ndim
        return np.tile(a, self.reps)

    def backward(self, g):
        # (r0·s0, r1·s1, ...) -> (r0, s0, r1, s1, ...), then sum the tile axes r0, r1, ...
        split = [n for pair in zip(self.reps, self.in_shape) for n in pair]
        g = g.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return (g.reshape(self.in_shape[len(self.in_shape) - self.ndim :]),)


class Cast(Op):
    """a converted to another floating dtype (``x.double()``, ``x.to(torch.float32)``);
    ∂/∂a = G converted back to a's dtype."""

    name = "cast"
    backward_name = "ToCopyBackward0"

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = np.dtype(dtype)

    def forward(self, a):
        self.in_dtype = a.dtype
        return a.astype(self.dtype)

    def backward(self, g):
        return (g.astype(self.in_dtype),)


class Clone(Op):
    """A copy of a with its own memory (``torch.clone``);  ∂/∂a = G."""

    name = "clone"

    def forward(self, a):
        return a.copy()

    def backward(self, g):
        return (g,)


def _is_basic_index(idx: Any) -> bool:
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(isinstance(i, (numbers.Integral, slice)) or i is None or i is Ellipsis for i in items)


class GetItem(Op):
    """a[idx] (slices, integers, integer and boolean arrays);  ∂/∂a = G scattered back to the
    selected positions, summed where an integer array picks the same element twice."""

    name = "getitem"
    backward_name = "IndexBackward0"

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


class Cat(Op):
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


class Stack(Op):
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
