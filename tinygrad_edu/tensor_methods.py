"""The `Tensor` methods that run an op: operators, elementwise math, reductions and shape.

Each method here is a thin wrapper: it turns its operands into tensors (``self._const``) and calls
`tinygrad_edu.tensor.apply` (as ``self._apply``) with one op of `tinygrad_edu.ops`, where the
forward, the backward and the math live. `Tensor` inherits them from `TensorMethods`, a mixin, so
that `tensor.py` holds the tensor itself (data, gradient, graph, conversions, in-place rules) and
this module, below it, imports only the ops.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops
from .ops import normalize_axis

if TYPE_CHECKING:  # for the annotations only; at run time this module never reads tensor.py
    from .tensor import Tensor


class TensorMethods:
    """Mixin of `Tensor`: every method that builds a graph node through one op."""

    __slots__ = ()

    # provided by Tensor
    _data: np.ndarray
    _apply: Callable[..., Tensor]
    _const: Callable[[Any], Tensor]
    _values_indices: Callable[[str, int, bool], Any]

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    # ------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Tensor:
        return self._apply(ops.Add(), self, self._const(other))

    def __radd__(self, other: Any) -> Tensor:
        return self._apply(ops.Add(), self._const(other), self)

    def __sub__(self, other: Any) -> Tensor:
        return self._apply(ops.Sub(), self, self._const(other))

    def __rsub__(self, other: Any) -> Tensor:
        return self._apply(ops.Sub(), self._const(other), self)

    def __mul__(self, other: Any) -> Tensor:
        return self._apply(ops.Mul(), self, self._const(other))

    def __rmul__(self, other: Any) -> Tensor:
        return self._apply(ops.Mul(), self._const(other), self)

    def __truediv__(self, other: Any) -> Tensor:
        return self._apply(ops.Div(), self, self._const(other))

    def __rtruediv__(self, other: Any) -> Tensor:
        return self._apply(ops.Div(), self._const(other), self)

    def __pow__(self, exponent: Any) -> Tensor:
        if isinstance(exponent, numbers.Real):
            return self._apply(ops.PowConst(float(exponent)), self)
        exponent = self._const(exponent)
        if self.dtype.kind == "f" and exponent.dtype.kind in "biu":  # float32 ** int64 stays float32, as PyTorch
            exponent = self._const(exponent._data.astype(self.dtype))
        return self._apply(ops.Pow(), self, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        return self._apply(ops.Pow(), self._const(base), self)

    def __neg__(self) -> Tensor:
        return self._apply(ops.Neg(), self)

    def __matmul__(self, other: Any) -> Tensor:
        return self._apply(ops.MatMul(), self, self._const(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._apply(ops.MatMul(), self._const(other), self)

    # ------------------------------------------------------------ elementwise functions
    def exp(self) -> Tensor:
        return self._apply(ops.Exp(), self)

    def log(self) -> Tensor:
        return self._apply(ops.Log(), self)

    def log10(self) -> Tensor:
        """log₁₀ x elementwise, as ``Tensor.log10``."""
        return self._apply(ops.Log10(), self)

    def sqrt(self) -> Tensor:
        return self._apply(ops.Sqrt(), self)

    def abs(self) -> Tensor:
        return self._apply(ops.Abs(), self)

    __abs__ = abs

    def tanh(self) -> Tensor:
        return self._apply(ops.Tanh(), self)

    def sin(self) -> Tensor:
        return self._apply(ops.Sin(), self)

    def cos(self) -> Tensor:
        return self._apply(ops.Cos(), self)

    def pow(self, exponent: Any) -> Tensor:
        """self ** exponent (a number or a tensor, as ``Tensor.pow``)."""
        return self**exponent

    def sigmoid(self) -> Tensor:
        return self._apply(ops.Sigmoid(), self)

    def relu(self) -> Tensor:
        return self._apply(ops.Relu(), self)

    def leaky_relu(self, alpha: float = 0.01) -> Tensor:
        return self._apply(ops.LeakyRelu(alpha), self)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        if min is None and max is None:
            raise ValueError("clip: give min, max or both")
        return self._apply(ops.Clip(min, max), self)

    clamp = clip

    def softmax(self, axis: int = -1) -> Tensor:
        return self._apply(ops.Softmax(axis), self)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return self._apply(ops.LogSoftmax(axis), self)

    # ------------------------------------------------------------ reductions
    def sum(
        self, axis: int | Sequence[int] | None = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool = False
    ) -> Tensor:
        """Σ over ``axis`` (numpy's name) or ``dim`` (PyTorch's); all elements by default."""
        return self._apply(ops.Sum(axis if dim is None else dim, keepdims or keepdim), self)

    def mean(
        self, axis: int | Sequence[int] | None = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool = False
    ) -> Tensor:
        """The mean over ``axis`` (numpy's name) or ``dim`` (PyTorch's); all elements by default."""
        return self._apply(ops.Mean(axis if dim is None else dim, keepdims or keepdim), self)

    def max(
        self, dim: Any = None, keepdim: bool = False, *, axis: int | Sequence[int] | None = None, keepdims: bool = False
    ) -> Any:
        """PyTorch's ``x.max()``: the largest element; ``x.max(dim)`` (or ``dim=``): the pair
        ``(values, indices)`` along that axis, as ``torch.max(x, dim)``. numpy's spelling ``axis=``
        (an axis or a tuple of axes) with ``keepdims=`` gives the values only, as `amax`.

        >>> from tinygrad_edu import Tensor
        >>> x = Tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
        >>> values, indices = x.max(1)
        >>> values.tolist(), indices.tolist(), x.max(axis=1).tolist(), x.max().item()
        ([5.0, 7.0], [1, 0], [5.0, 7.0], 7.0)
        """
        return self._extreme("max", dim, keepdim, axis, keepdims)

    def min(
        self, dim: Any = None, keepdim: bool = False, *, axis: int | Sequence[int] | None = None, keepdims: bool = False
    ) -> Any:
        """The smallest element; with ``dim`` the pair ``(values, indices)``; with ``axis=`` the values (see `max`)."""
        return self._extreme("min", dim, keepdim, axis, keepdims)

    def amax(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        """The largest values over ``dim`` (an axis or a tuple of axes; all when None), as ``torch.amax``;
        the gradient is shared equally among tied maxima."""
        return self._apply(ops.Max(dim, keepdim), self)

    def amin(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        """The smallest values over ``dim``, as ``torch.amin``."""
        return self._apply(ops.Min(dim, keepdim), self)

    def _extreme(self, name: str, dim: Any, keepdim: bool, axis: Any, keepdims: bool) -> Any:
        reduce, keep = (ops.Max if name == "max" else ops.Min), keepdim or keepdims
        if axis is not None:  # numpy's spelling: values only
            if dim is not None:
                raise TypeError(f"{name}(): give dim (PyTorch: values and indices) or axis (numpy: values), not both")
            return self._apply(reduce(axis, keep), self)
        if dim is None:  # everything: a NaN maximum shares the gradient among the NaNs, as torch's x.max()
            return self._apply(reduce(None, keep, spread_nan=np.issubdtype(self.dtype, np.floating)), self)
        if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
            raise TypeError(
                f"{name}(dim): dim must be one axis (an int), got {dim!r}; for the {name}imum over several axes "
                f"use a{name}(dim={dim!r}) or {name}(axis={dim!r})"
            )
        return self._values_indices(name, int(dim), keep)

    # ------------------------------------------------------------ shape
    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
            shape = tuple(shape[0])
        return self._apply(ops.Reshape(tuple(shape)), self)

    def view(self, *shape: int | Sequence[int]) -> Tensor:
        """The same elements in a new shape (one axis may be −1), as ``Tensor.view``."""
        return self.reshape(*shape)

    def unsqueeze(self, dim: int) -> Tensor:
        """A new axis of length 1 at ``dim`` (−1 appends one)."""
        return self.reshape(np.expand_dims(self._data, dim).shape)

    def squeeze(self, dim: int | None = None) -> Tensor:
        """Axes of length 1 removed (only ``dim``, if given and of length 1)."""
        if dim is None:
            shape = tuple(n for n in self.shape if n != 1)
        elif self.ndim == 0:
            shape = ()
        else:
            d = normalize_axis(dim, self.ndim)[0]
            shape = self.shape if self.shape[d] != 1 else self.shape[:d] + self.shape[d + 1 :]
        return self.reshape(shape)

    def permute(self, *dims: int | Sequence[int]) -> Tensor:
        """The axes reordered: output axis i is input axis ``dims[i]``."""
        if len(dims) == 1 and not isinstance(dims[0], numbers.Integral):
            dims = tuple(dims[0])
        if len(dims) != self.ndim:
            raise ValueError(f"permute: the number of dims ({len(dims)}) must equal the tensor's ({self.ndim})")
        return self.transpose(tuple(dims))

    def t(self) -> Tensor:
        """The transpose of a matrix; a 0-D or 1-D tensor is returned as it is."""
        if self.ndim > 2:
            raise ValueError(f"t: expects a tensor with at most 2 dimensions, got shape {self.shape}")
        return self if self.ndim < 2 else self.transpose()

    def expand(self, *sizes: int | Sequence[int]) -> Tensor:
        """A read-only broadcast view to ``sizes`` (−1 keeps an axis), as ``Tensor.expand``."""
        if len(sizes) == 1 and not isinstance(sizes[0], numbers.Integral):
            sizes = tuple(sizes[0])
        return self._apply(ops.Expand(tuple(sizes)), self)

    def expand_as(self, other: Tensor) -> Tensor:
        return self.expand(other.shape)

    def view_as(self, other: Tensor) -> Tensor:
        """This tensor with ``other``'s shape, as ``Tensor.view_as``."""
        return self.view(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        """This tensor reshaped to ``other``'s shape, as ``Tensor.reshape_as``."""
        return self.reshape(other.shape)

    def repeat(self, *sizes: int | Sequence[int]) -> Tensor:
        """The tensor tiled ``sizes[i]`` times along axis i (a copy), as ``Tensor.repeat``."""
        if len(sizes) == 1 and not isinstance(sizes[0], numbers.Integral):
            sizes = tuple(sizes[0])
        return self._apply(ops.Repeat(tuple(sizes)), self)

    def transpose(self, *axes: int) -> Tensor:
        """Reverse the axes, or permute them as given (numpy's ``transpose``)."""
        if len(axes) == 1 and not isinstance(axes[0], numbers.Integral):
            axes = tuple(axes[0])
        return self._apply(ops.Transpose(tuple(axes) if axes else None), self)

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge axes start_dim..end_dim into one, as ``torch.flatten``."""
        if self.ndim == 0:
            return self.reshape(1)
        s, e = normalize_axis((start_dim, end_dim), self.ndim)
        return self.reshape(*self.shape[:s], -1, *self.shape[e + 1 :])

    def __getitem__(self, idx: Any) -> Tensor:
        """``t[idx]`` as PyTorch's: ints, slices and None give a view (it shares memory and version
        counter), lists, ranges, integer and boolean index tensors a copy."""
        return self._apply(ops.GetItem(as_index(idx)), self)


def as_index(idx: Any) -> Any:
    """An index with each tensor in it replaced by its array (see `ops.normalize_index` for the rest)."""
    if isinstance(idx, TensorMethods):
        return idx._data
    if isinstance(idx, tuple):
        return tuple(i._data if isinstance(i, TensorMethods) else i for i in idx)
    return idx

