"""Movement ops: the same numbers in a new arrangement (`Reshape`, `Transpose`, `Expand`, `Repeat`,
`GetItem`, `Cat`, `Stack`) or a new dtype (`Cast`, `Clone`).

Nothing is computed, so each backward only moves G back to where each element came from.
"""

from __future__ import annotations

import copy
import math
import numbers
import warnings
from typing import Any

import numpy as np

from .. import kernels
from .op import Op, normalize_axis, normalize_dim, shapes, unbroadcast


def shape_error(shape: tuple[int, ...], size: int) -> RuntimeError:
    """PyTorch's error for a shape that ``size`` elements cannot take (``view``/``reshape``).

    >>> shape_error((2, 7), 12)
    RuntimeError("shape '[2, 7]' is invalid for input of size 12")
    """
    bad = next((i for i, n in enumerate(shape) if n < -1), None)
    if bad is not None:
        return RuntimeError(f"invalid shape dimension {shape[bad]} at index {bad} of shape {list(shape)}")
    if list(shape).count(-1) > 1:
        return RuntimeError("only one dimension can be inferred")
    if size == 0 and -1 in shape:
        return RuntimeError(
            f"cannot reshape tensor of 0 elements into shape {list(shape)} because the unspecified dimension "
            "size -1 can be any value and is ambiguous"
        )
    return RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")


#: what `tinygrad_edu.ops` re-exports from this module (its star import reads this list)
__all__ = [
    "Cast",
    "Cat",
    "Clone",
    "Expand",
    "GetItem",
    "IndexPut",
    "Repeat",
    "Reshape",
    "Stack",
    "Transpose",
    "fit_value",
    "index",
    "is_basic_index",
    "is_int_index",
    "normalize_index",
    "tensor_index",
    "view_positions",
]


class Reshape(Op):
    """Same elements, new shape;  ∂/∂a = G reshaped back."""

    view = True
    name = "reshape"
    backward_name = "ViewBackward0"

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, a):
        self.in_shape = a.shape
        try:
            for n in self.shape:  # numpy would take any negative size as the inferred one (a loop: min() parses
                if n < -1:  # its keywords on every call, a tenth of the op's cost)
                    raise ValueError
            return a.reshape(self.shape)
        except ValueError:
            raise shape_error(self.shape, a.size) from None

    def backward(self, g):
        return (g.reshape(self.in_shape),)


class Transpose(Op):
    """Permute axes;  ∂/∂a = G permuted by the inverse permutation."""

    view = True
    name = "transpose"
    backward_name = "PermuteBackward0"

    def __init__(self, axes: tuple[int, ...] | None) -> None:
        self.axes = axes

    def forward(self, a):
        self.perm = tuple(reversed(range(a.ndim))) if self.axes is None else normalize_axis(self.axes, a.ndim)
        if sorted(self.perm) != list(range(a.ndim)):
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        return np.transpose(a, self.perm)

    def backward(self, g):
        return (np.transpose(g, np.argsort(self.perm)),)


class Expand(Op):
    """a broadcast to a larger shape without copying (``torch.Tensor.expand``; −1 keeps an axis);
    ∂/∂a = G summed over the broadcast axes, since each element of a feeds every copy of itself."""

    view = True
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


#: PyTorch's error for an index tensor of a dtype it does not read as positions or as a mask
INDEX_DTYPE_ERROR = "tensors used as indices must be long, int, byte or bool tensors"


def tensor_index(idx: np.ndarray) -> np.ndarray:
    """The array of a tensor used as an index, read as PyTorch reads it: bool, and uint8, which PyTorch 2.13
    still reads as a mask (with its warning), select; int32 and int64 hold positions, and so does a 0-d tensor
    of any integer type (an int). Other integer tensors (int8, int16, uint16, ...) are PyTorch's IndexError,
    raised here (numpy would take them; PyTorch takes them as numpy arrays, which it converts first).

    >>> tensor_index(np.array([1, 0], np.int8))
    Traceback (most recent call last):
    IndexError: tensors used as indices must be long, int, byte or bool tensors
    """
    if idx.dtype == np.uint8:
        message = "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead."
        warnings.warn(message, UserWarning, stacklevel=3)
        return idx.astype(bool)
    if idx.ndim and (idx.dtype.kind == "u" or (idx.dtype.kind == "i" and idx.dtype.itemsize < 4)):
        raise IndexError(INDEX_DTYPE_ERROR)
    return idx


def normalize_index(idx: Any) -> Any:
    """An index as numpy reads it with PyTorch's meaning: a 0-d integer array is an int (so the result
    is a view, as ``t[torch.tensor(2)]``), a uint8 array is a mask (PyTorch's old convention), a
    range is a list of positions.

    >>> normalize_index((np.array(2), range(2), np.array([1, 0], np.uint8)))
    (2, [0, 1], array([ True, False]))
    """
    if isinstance(idx, tuple):
        return tuple(normalize_index(i) for i in idx)
    if isinstance(idx, np.ndarray):
        if is_int_index(idx):
            return int(idx)
        if idx.dtype == np.uint8:
            return idx.astype(bool)
        if idx.dtype.kind not in "biu":
            raise IndexError(INDEX_DTYPE_ERROR)
    elif isinstance(idx, range):
        return list(idx)
    return idx


def is_int_index(idx: np.ndarray) -> bool:
    """Whether an index array reads as an int (a select, whose backward reads no index): 0-d and integer, but
    not uint8, which PyTorch still reads as a mask."""
    return idx.ndim == 0 and idx.dtype.kind in "iu" and idx.dtype != np.uint8


def is_basic_index(idx: Any) -> bool:
    """True for an index of ints, slices, None and Ellipsis only: numpy's result is then a view."""
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(isinstance(i, (numbers.Integral, slice)) or i is None or i is Ellipsis for i in items)


def _index_node_name(idx: Any) -> str:
    """PyTorch's node for an index: the last basic step (``SelectBackward0`` for an int,
    ``SliceBackward0`` for a slice, ``UnsqueezeBackward0`` for None), ``IndexBackward0`` for arrays."""
    if type(idx) is np.ndarray:  # the common case: one index array (an embedding lookup, a batch)
        return "IndexBackward0"
    parts = idx if isinstance(idx, tuple) else (idx,)
    if any(isinstance(p, (list, np.ndarray)) for p in parts):
        return "IndexBackward0"
    for p in reversed(parts):
        if p is None:
            return "UnsqueezeBackward0"
        if isinstance(p, slice) and p != slice(None):
            return "SliceBackward0"
        if isinstance(p, (int, np.integer)):
            return "SelectBackward0"
    return "SliceBackward0" if any(isinstance(p, slice) for p in parts) else "AliasBackward0"


def index(a: np.ndarray, idx: Any) -> np.ndarray:
    """``a[idx]`` with PyTorch's IndexError wording; an index of ints only gives a 0-d view, not a
    numpy scalar, so the element can be written through it (``t[i, j] += 1``). One signed-integer index array
    into a C-ordered ``a`` with rows picks them with ``a.take(idx, axis=0)``: the same rows, layout, negative
    indices and IndexError as ``a[idx]``, in a third of the time on an embedding's ``C[X]`` (27x10 by 32x3: 0.45
    against 1.5 µs). ``take`` makes every result C-ordered, where ``a[idx]`` of a permuted ``a`` keeps its axes'
    order as PyTorch does, and it words an index into no rows otherwise."""
    if type(idx) is np.ndarray:
        if idx.dtype.kind == "i" and a.ndim and a.shape[0] and a.flags.c_contiguous:
            try:
                return a.take(idx, axis=0)
            except IndexError as err:
                raise IndexError(_torch_wording(str(err), a.ndim)) from None
    elif (isinstance(idx, numbers.Integral) and a.ndim == 1) or (
        isinstance(idx, tuple) and len(idx) == a.ndim and all(isinstance(i, numbers.Integral) for i in idx)
    ):
        idx = (*idx, Ellipsis) if isinstance(idx, tuple) else (idx, Ellipsis)
    try:
        return a[idx]
    except IndexError as err:
        raise IndexError(_torch_wording(str(err), a.ndim)) from None


def _torch_wording(message: str, ndim: int) -> str:
    """numpy's IndexError message in PyTorch's words."""
    if message.startswith("too many indices"):
        return f"too many indices for tensor of dimension {ndim}"
    return message.replace(" for axis ", " for dimension ")


class GetItem(Op):
    """a[idx] (slices, integers, integer and boolean arrays);  ∂/∂a = G scattered back to the
    selected positions, summed where an integer array picks the same element twice."""

    view = True
    name = "getitem"
    backward_name = "IndexBackward0"

    def __init__(self, idx: Any, kept: tuple[Any, ...] = ()) -> None:
        self.backward_name = _index_node_name(idx)
        self.idx, self.kept = normalize_index(idx), kept

    @classmethod
    def rows(cls, idx: np.ndarray, kept: tuple[Any, ...]) -> GetItem:
        """``a[idx]`` for one signed-integer index array of at least one axis (an embedding's ``C[X]``): what
        ``GetItem(idx, kept)`` makes, without the general index's normalising (such an index needs none)."""
        op = cls.__new__(cls)
        op.backward_name, op.idx, op.kept = "IndexBackward0", idx, kept
        op.view = False  # integer arrays pick copies: `apply` need not ask whether the output shares memory
        return op

    def forward(self, a):
        self.shape, self.dtype = a.shape, a.dtype
        return index(a, self.idx)

    def backward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        idx = self.idx
        if type(idx) is np.ndarray and idx.dtype.kind in "iu" and out.size and idx.size:  # rows picked by integers
            kernels.index_add_rows(out.reshape(self.shape[0], -1), idx.reshape(-1), g.reshape(idx.size, -1))
        elif is_basic_index(idx):
            out[idx] = g
        else:
            np.add.at(out, idx, g)
        return (out,)


def fit_value(target: np.ndarray, idx: Any, v: np.ndarray) -> np.ndarray:
    """The value ``v`` of ``a[idx] = v`` checked against the indexed part ``target`` as PyTorch does
    (leading axes of length 1 dropped, then broadcast), with PyTorch's RuntimeError otherwise."""
    while v.ndim > target.ndim and v.shape[0] == 1:
        v = v[0]
    if v.ndim <= target.ndim and all(n in (1, m) for n, m in zip(v.shape[::-1], target.shape[::-1])):
        return v
    sizes = f"Target sizes: {list(target.shape)}.  Tensor sizes: {list(v.shape)}"
    if not is_basic_index(idx):
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(v.shape)} cannot be broadcast to indexing result "
            f"of shape {list(target.shape)}"
        )
    if v.ndim > target.ndim:
        raise RuntimeError(
            f"expand(torch.Tensor{{{list(v.shape)}}}, size={list(target.shape)}): the number of sizes provided "
            f"({target.ndim}) must be greater or equal to the number of dimensions in the tensor ({v.ndim})"
        )
    for k in range(1, v.ndim + 1):  # the first mismatch from the last axis, as PyTorch reports it
        if v.shape[-k] not in (1, target.shape[-k]):
            raise RuntimeError(
                f"The expanded size of the tensor ({target.shape[-k]}) must match the existing size "
                f"({v.shape[-k]}) at non-singleton dimension {target.ndim - k}.  {sizes}"
            )
    raise AssertionError("unreachable")  # pragma: no cover


class IndexPut(Op):
    """a with ``out[idx] = v`` (``t[idx] = v``; v broadcast to the indexed part and cast to a's dtype);
    ∂/∂a = G with the written positions set to 0 (their old values are gone), ∂/∂v = G[idx] summed
    back to v's shape (each element of v went to every position it was broadcast to)."""

    name = "index_put"

    def __init__(self, idx: Any, copy_slices: bool = False, kept: tuple[Any, ...] = ()) -> None:
        self.idx, self.kept = normalize_index(idx), kept
        # PyTorch's node: CopySlices for a view's write, IndexPutBackward0 for advanced indexing
        self.backward_name = "CopySlices" if copy_slices or is_basic_index(self.idx) else "IndexPutBackward0"

    def forward(self, a, v):
        self.v_shape, self.v_dtype = v.shape, v.dtype
        v = fit_value(index(a, self.idx), self.idx, v)
        self.fit_shape = v.shape
        out = a.copy()
        out[self.idx] = v
        return out

    def backward(self, g):
        ga = gv = None
        if self.needs_input_grad[0]:
            ga = g.copy()
            ga[self.idx] = 0
        if self.needs_input_grad[1]:
            gv = unbroadcast(np.asarray(g[self.idx]), self.fit_shape).reshape(self.v_shape).astype(self.v_dtype)
        return ga, gv


def view_positions(view_op: Op, shape: tuple[int, ...]) -> Any:
    """The index, into an array of ``shape``, of the elements that the view op ``view_op`` shows: its
    own index for basic indexing, else the view applied to every element's position.

    >>> view_positions(Transpose(None), (2, 2))
    (array([[0, 1],
           [0, 1]]), array([[0, 0],
           [1, 1]]))
    """
    if isinstance(view_op, GetItem) and is_basic_index(view_op.idx):
        return view_op.idx
    flat = copy.copy(view_op).forward(np.arange(math.prod(shape)).reshape(shape))
    return np.unravel_index(flat, shape)


class Cat(Op):
    """Join along an existing axis;  each input gets its slice of G."""

    name = "cat"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *arrays):
        for i, a in enumerate(arrays):
            if a.ndim == 0:
                raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
        normalize_dim(self.axis, arrays[0].ndim if arrays else 1)
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
        if not arrays:  # PyTorch's error type
            raise RuntimeError("stack expects a non-empty sequence of tensors, got none")
        normalize_dim(self.axis, arrays[0].ndim + 1 if arrays else 1)
        try:
            return np.stack(arrays, axis=self.axis)
        except ValueError as err:
            raise ValueError(f"stack: shapes {shapes(*arrays)} cannot be stacked: {err}") from None

    def backward(self, g):
        return tuple(np.moveaxis(g, self.axis, 0))
