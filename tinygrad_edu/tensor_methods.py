"""The `Tensor` methods that run an op: operators, elementwise math, reductions and shape.

Each method here is a thin wrapper: it turns its operands into tensors (``self._const``) and calls
`tinygrad_edu.tensor.apply` (as ``self._apply``) with one op of `tinygrad_edu.ops`, where the
forward, the backward and the math live. `Tensor` inherits them from `TensorMethods`, a mixin, so
that `tensor.py` holds the tensor itself (data, gradient, graph, conversions, in-place rules) and
this module, below it, imports only the ops (and two hints of the graph core).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from . import ops
from .dtypes import DEFAULT_DTYPE, dtype, result_type, torch_dtype
from .graph import _threads_with_anomaly, graph_rebased
from .ops import checked_dims, dims_or_all, normalize_axis, normalize_dim, rename_node

if TYPE_CHECKING:  # for the annotations only; at run time this module never reads tensor.py
    from .tensor import Tensor

_Method = TypeVar("_Method", bound=Callable[..., Any])

#: the methods marked `torch_function`, by name, in the order they are defined
TORCH_FUNCTIONS: list[str] = []


def torch_function(method: _Method) -> _Method:
    """Marks a method that PyTorch also offers as a free function of the same arguments with the tensor
    first (``torch.log10(x)`` is ``x.log10()``): `tinygrad_edu.functions` makes one for each name in
    `TORCH_FUNCTIONS`, and ``import tinygrad_edu as torch`` exports it. The method itself is unchanged."""
    TORCH_FUNCTIONS.append(method.__name__)
    return method


#: PyTorch's wording for an in-place change of a leaf that requires a gradient
LEAF_INPLACE_ERROR = "a leaf Variable that requires grad is being used in an in-place operation."


class Size(tuple):
    """A tensor's shape as `Tensor.size` returns it: a tuple that prints as PyTorch's ``torch.Size``.

    >>> Size([1, 3]), Size([1, 3]).numel()
    (torch.Size([1, 3]), 3)
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))


def _result_dtype(a: TensorMethods, b: Any, true_divide: bool) -> np.dtype:
    """The dtype of ``a op b``: `result_type` of a tensor (a ``(dtype, 0)`` pair when 0-d) and a tensor or
    a Python number, the default float for a true division of integers."""
    tensors = [t for t in (a, b) if isinstance(t, TensorMethods)]
    operands = [(t._data.dtype, 0) if t._data.ndim == 0 else t._data.dtype for t in tensors]
    dt = result_type(*operands, *([] if isinstance(b, TensorMethods) else [b]))
    return np.dtype(DEFAULT_DTYPE) if true_divide and dt.kind != "f" else dt


#: `_result_dtype` by (dtype, 0-d?, the other's dtype and 0-d?, or a Python number's type, true division):
#: a few dozen keys in a program, looked up by every binary op whose operands' dtypes differ
_PROMOTED: dict[tuple, np.dtype] = {}


class TensorMethods:
    """Mixin of `Tensor`: every method that builds a graph node through one op."""

    __slots__ = ()

    # provided by Tensor
    _data: np.ndarray
    requires_grad: bool
    _apply: Callable[..., Tensor]
    _const: Callable[..., Tensor]
    _wrap: Callable[..., Tensor]
    _values_indices: Callable[[str, int, bool], Any]
    type: Callable[[Any], Tensor]

    @property
    def shape(self) -> Size:
        """The shape as a `Size` (a tuple that prints as ``torch.Size([2, 3])``)."""
        return Size(self._data.shape)

    @property
    def dtype(self) -> dtype:
        """PyTorch's dtype object (``torch.float32``), equal to the numpy dtype it stands for."""
        return torch_dtype(self._data.dtype)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    # ------------------------------------------------------------ arithmetic
    def _promote(self, other: Any, true_divide: bool = False) -> tuple[Tensor, Tensor]:
        """``self`` and ``other`` as tensors of PyTorch's result dtype (`tinygrad_edu.dtypes.result_type`);
        a true division of integers gives the default float."""
        a = self._data.dtype
        if isinstance(other, TensorMethods):
            b = other._data.dtype
            if a is b and (not true_divide or a.kind == "f"):  # the hot path: same dtype
                return self, other  # type: ignore[return-value]
            key: tuple = (a, self._data.ndim == 0, b, other._data.ndim == 0, true_divide)
        elif type(other) is float and a.kind == "f":  # ``-lr * p.grad``: a float tensor keeps its dtype (PyTorch's
            return self, self._wrap(np.asarray(other, a))  # rule), found without hashing the dtype for `_PROMOTED`
        elif type(other) is float or type(other) is int or isinstance(other, numbers.Number):
            key = (a, self._data.ndim == 0, type(other), true_divide)  # a number's dtype follows from its type
        else:
            other = self._const(other)
            key = (a, self._data.ndim == 0, other._data.dtype, other._data.ndim == 0, true_divide)
        dt = _PROMOTED.get(key)
        if dt is None:
            dt = _PROMOTED[key] = _result_dtype(self, other, true_divide)
        return (self if self._data.dtype is dt else self._as_type(dt)), self._const(other, dt)

    def _as_type(self, dt: np.dtype) -> Tensor:
        return self if self._data.dtype == dt else self.type(dt)  # type: ignore[return-value]

    def _floating(self) -> Tensor:
        """This tensor, or for integers and bools its float32 copy: PyTorch's input to exp, log, sqrt, ..."""
        return self if self._data.dtype.kind == "f" else self.type(DEFAULT_DTYPE)  # type: ignore[return-value]

    def __add__(self, other: Any) -> Tensor:
        return self._apply(ops.Add(), *self._promote(other))

    def __radd__(self, other: Any) -> Tensor:
        a, b = self._promote(other)
        return self._apply(ops.Add(), b, a)

    def __sub__(self, other: Any) -> Tensor:
        return self._apply(ops.Sub(), *self._promote(other))

    def __rsub__(self, other: Any) -> Tensor:
        a, b = self._promote(other)
        return self._apply(ops.Sub(), b, a)

    def _scaled(self, other: float) -> Tensor | None:
        """A float times a floating constant (``-lr * p.grad``) without an op, the float cast first as `_promote` does;
        None where the op is needed: a graph, `graph.graph_rebased`, a thread checking for anomalies (as ``X[ix]``)."""
        if self.requires_grad or graph_rebased or _threads_with_anomaly or self._data.dtype.kind != "f":
            return None
        return self._wrap(np.asarray(self._data * other))  # a 0-d product is a numpy scalar

    def __mul__(self, other: Any) -> Tensor:
        if type(other) is float and (out := self._scaled(other)) is not None:
            return out
        return self._apply(ops.Mul(), *self._promote(other))

    def __rmul__(self, other: Any) -> Tensor:
        if type(other) is float and (out := self._scaled(other)) is not None:
            return out
        a, b = self._promote(other)
        return self._apply(ops.Mul(), b, a)

    def __truediv__(self, other: Any) -> Tensor:
        return self._apply(ops.Div(), *self._promote(other, true_divide=True))

    def __rtruediv__(self, other: Any) -> Tensor:
        """``other / self``; for a Python number, as PyTorch computes it: 1/self, then times the number
        (``3 / x`` rounds twice, so it can differ from a true division in the last bit)."""
        a, b = self._promote(other, true_divide=True)
        if not isinstance(other, numbers.Number):
            return self._apply(ops.Div(), b, a)
        inverse = self._apply(ops.Div(), self._const(np.ones((), a._data.dtype)), a)
        return self._apply(ops.Mul(), inverse, b)

    def __floordiv__(self, other: Any) -> Tensor:
        """⌊self/other⌋ (toward −∞), as PyTorch's ``//``: no gradient (PyTorch defines none)."""
        a, b = self._promote(other)
        return self._const(ops.floor_divide(a._data, b._data))

    def __rfloordiv__(self, other: Any) -> Tensor:
        a, b = self._promote(other)
        return self._const(ops.floor_divide(b._data, a._data))

    def __mod__(self, other: Any) -> Tensor:
        """self mod other with the divisor's sign, as PyTorch's ``%`` (`tinygrad_edu.ops.rounding`)."""
        out = self._apply(ops.Remainder(), *self._promote(other))
        return rename_node(out, "RemainderBackward0") if isinstance(other, numbers.Number) else out

    def __rmod__(self, other: Any) -> Tensor:
        a, b = self._promote(other)
        return self._apply(ops.Remainder(), b, a)

    floor_divide, remainder = __floordiv__, __mod__

    def __pow__(self, exponent: Any) -> Tensor:
        if isinstance(exponent, numbers.Integral) and not isinstance(exponent, bool) and self._data.dtype.kind in "iu":
            if exponent < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            return self._const(self._data ** int(exponent))  # integers stay integers (and have no gradient)
        if isinstance(exponent, numbers.Real):
            return self._apply(ops.PowConst(float(exponent)), self._floating())
        exponent = self._const(exponent)
        if self.dtype.kind == "f" and exponent.dtype.kind in "biu":  # float32 ** int64 stays float32, as PyTorch
            exponent = self._const(exponent._data.astype(self._data.dtype))
        return self._apply(ops.Pow(), self, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        a, b = self._promote(base)
        return self._apply(ops.Pow(), b, a)

    def __neg__(self) -> Tensor:
        return self._apply(ops.Neg(), self)

    def __matmul__(self, other: Any) -> Tensor:
        return self._apply(ops.MatMul(), self, self._const(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._apply(ops.MatMul(), self._const(other), self)

    # ------------------------------------------------------------ elementwise functions
    @torch_function
    def exp(self) -> Tensor:
        """eˣ elementwise."""
        return self._apply(ops.Exp(), self._floating())

    @torch_function
    def log(self) -> Tensor:
        """ln x elementwise."""
        return self._apply(ops.Log(), self._floating())

    @torch_function
    def log10(self) -> Tensor:
        """log₁₀ x elementwise."""
        return self._apply(ops.Log10(), self._floating())

    @torch_function
    def log2(self) -> Tensor:
        """log₂ x elementwise.

        >>> from tinygrad_edu import tensor
        >>> tensor([1.0, 8.0, 0.5]).log2()
        tensor([ 0.,  3., -1.])
        """
        return self._apply(ops.Log2(), self._floating())

    @torch_function
    def sqrt(self) -> Tensor:
        """√x elementwise."""
        return self._apply(ops.Sqrt(), self._floating())

    @torch_function
    def abs(self) -> Tensor:
        """|x| elementwise."""
        return self._apply(ops.Abs(), self)

    __abs__ = abs

    @torch_function
    def tanh(self) -> Tensor:
        """tanh x elementwise."""
        return self._apply(ops.Tanh(), self._floating())

    @torch_function
    def sin(self) -> Tensor:
        """sin x elementwise."""
        return self._apply(ops.Sin(), self._floating())

    @torch_function
    def cos(self) -> Tensor:
        """cos x elementwise."""
        return self._apply(ops.Cos(), self._floating())

    def pow(self, exponent: Any) -> Tensor:
        """self ** exponent (a number or a tensor, as ``Tensor.pow``)."""
        return self**exponent

    @torch_function
    def xlogy(self, other: Any) -> Tensor:
        """x·log y elementwise for x = self, y = other, and 0 where x = 0 (0·log 0 = 0), as ``torch.xlogy``."""
        a, b = self._promote(other)
        return self._apply(ops.Xlogy(), a._floating(), b._floating())

    @torch_function
    def sigmoid(self) -> Tensor:
        """1/(1 + e^{−x}) elementwise."""
        return self._apply(ops.Sigmoid(), self._floating())

    @torch_function
    def relu(self) -> Tensor:
        """max(x, 0) elementwise."""
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
        self,
        axis: int | Sequence[int] | None = None,
        keepdims: bool = False,
        *,
        dim: Any = None,
        keepdim: bool = False,
        dtype: Any = None,
    ) -> Tensor:
        """Σ over ``axis`` (numpy's name) or ``dim`` (PyTorch's); all elements by default (and for
        ``dim=[]``, as PyTorch). Bools and integers sum to int64 unless ``dtype=`` is given (the input is
        converted to it first), as PyTorch's.

        >>> from tinygrad_edu import tensor, uint8
        >>> tensor([200, 100], dtype=uint8).sum(), tensor([200, 100], dtype=uint8).sum(dtype=uint8)
        (tensor(300), tensor(44, dtype=torch.uint8))
        """
        x = self if dtype is None else self.type(dtype)
        dims = dims_or_all(axis if dim is None else dim)
        return self._apply(ops.Sum(dims, keepdims or keepdim, dtype is not None), x)

    def mean(
        self,
        axis: int | Sequence[int] | None = None,
        keepdims: bool = False,
        *,
        dim: Any = None,
        keepdim: bool = False,
        dtype: Any = None,
    ) -> Tensor:
        """The mean over ``axis`` (numpy's name) or ``dim`` (PyTorch's); all elements by default. Only for
        floating tensors (PyTorch's RuntimeError otherwise), or with ``dtype=`` a floating dtype to convert to."""
        x = self if dtype is None else self.type(dtype)
        return self._apply(ops.Mean(dims_or_all(axis if dim is None else dim), keepdims or keepdim), x)

    def cumsum(self, dim: int, *, dtype: Any = None) -> Tensor:
        """The running sum along ``dim``, as ``Tensor.cumsum`` (bools and integers in int64 unless ``dtype=``).

        >>> from tinygrad_edu import tensor
        >>> tensor([1.0, 2.0, 3.0]).cumsum(0)
        tensor([1., 3., 6.])
        """
        x = self if dtype is None else self.type(dtype)
        return self._apply(ops.Cumsum(dim, dtype is not None), x)

    def prod(self, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """The product of all elements, or along one ``dim``, as ``Tensor.prod`` (bools and integers in int64
        unless ``dtype=``); its gradient is exact where elements are zero.

        >>> from tinygrad_edu import tensor
        >>> tensor([[1.0, 2.0], [3.0, 4.0]]).prod(1)
        tensor([ 2., 12.])
        """
        if dim is not None and not isinstance(dim, numbers.Integral):
            raise TypeError(f"prod(): argument 'dim' must be an int, not {type(dim).__name__}")
        x = self if dtype is None else self.type(dtype)
        return self._apply(ops.Prod(dim, keepdim, dtype is not None), x)

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
        if len(shape) == 1 and type(shape[0]) is not int and not isinstance(shape[0], numbers.Integral):
            shape = tuple(shape[0])
        return self._apply(ops.Reshape(shape), self)

    def view(self, *shape: int | Sequence[int]) -> Tensor:
        """The same elements in a new shape (one axis may be −1), as ``Tensor.view``."""
        return self.reshape(*shape)

    def unsqueeze(self, dim: int) -> Tensor:
        """A new axis of length 1 at ``dim`` (−1 appends one)."""
        shape = np.expand_dims(self._data, normalize_dim(dim, self.ndim + 1)).shape
        return rename_node(self.reshape(shape), "UnsqueezeBackward0")

    def squeeze(self, dim: int | None = None) -> Tensor:
        """Axes of length 1 removed (only ``dim``, if given and of length 1)."""
        if dim is None:
            shape = tuple(n for n in self.shape if n != 1)
        elif self.ndim == 0:
            normalize_dim(dim, 0)
            shape = ()
        else:
            d = normalize_dim(dim, self.ndim)
            shape = self.shape if self.shape[d] != 1 else self.shape[:d] + self.shape[d + 1 :]
        return rename_node(self.reshape(shape), "SqueezeBackward0" if dim is None else "SqueezeBackward1")

    def permute(self, *dims: int | Sequence[int]) -> Tensor:
        """The axes reordered: output axis i is input axis ``dims[i]``."""
        if len(dims) == 1 and not isinstance(dims[0], numbers.Integral):
            dims = tuple(dims[0])
        if len(dims) != self.ndim:
            raise RuntimeError(
                f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of "
                f"the desired ordering of dimensions i.e. input.dim() = {self.ndim} is not equal to len(dims) = "
                f"{len(dims)}"
            )
        return self._apply(ops.Transpose(tuple(int(d) for d in dims)), self)

    def t(self) -> Tensor:
        """The transpose of a matrix; a 0-D or 1-D tensor is returned as it is."""
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self if self.ndim < 2 else rename_node(self.transpose(0, 1), "TBackward0")

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

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Axes ``dim0`` and ``dim1`` swapped, as ``Tensor.transpose`` (PyTorch's meaning, not numpy's
        permutation: that is `permute`)."""
        if self.ndim == 0:
            normalize_axis((dim0, dim1), 1)  # a 0-d tensor takes 0 and -1, as PyTorch
            return self._apply(ops.Transpose(()), self)
        d0, d1 = normalize_axis((dim0, dim1), self.ndim)
        axes = list(range(self.ndim))
        axes[d0], axes[d1] = axes[d1], axes[d0]
        return rename_node(self._apply(ops.Transpose(tuple(axes)), self), "TransposeBackward0")

    swapaxes = swapdims = transpose

    @property
    def T(self) -> Tensor:
        """The axes reversed (a matrix's transpose)."""
        return self._apply(ops.Transpose(None), self)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge axes start_dim..end_dim into one, as ``torch.flatten``."""
        s, e = normalize_axis((start_dim, end_dim), max(self.ndim, 1))
        if self.ndim == 0:
            return self.reshape(1)
        if s > e:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        return self.reshape(*self.shape[:s], -1, *self.shape[e + 1 :])

    def __getitem__(self, idx: Any) -> Tensor:
        """``t[idx]`` as PyTorch's: ints, slices, None give a view (memory and version shared), tensors a copy."""
        # ``X[ix]``, ``C[X]``: an int32 or int64 index tensor (`ops.tensor_index` refuses narrower ones)
        if isinstance(idx, TensorMethods) and idx._data.dtype.kind == "i" and idx._data.ndim and idx._data.itemsize > 2:
            if not (self.requires_grad or graph_rebased or _threads_with_anomaly):  # a copy, no op (see `_scaled`)
                return self._wrap(ops.index(self._data, idx._data))
            return self._apply(ops.GetItem.rows(idx._data, (idx,)), self)
        return self._apply(ops.GetItem(*as_index(idx)), self)

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim``, each without that axis, as ``Tensor.unbind``."""
        d = normalize_dim(dim, self.ndim)
        if self.ndim == 0:
            raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
        lead = (slice(None),) * d
        return tuple(rename_node(self[(*lead, i)], "UnbindBackward0") for i in range(self._data.shape[d]))

    # ------------------------------------------------------------ PyTorch's small queries and conversions
    def dim(self) -> int:
        """The number of dimensions, as ``Tensor.dim``."""
        return self._data.ndim

    ndimension = dim

    def nelement(self) -> int:
        """The number of elements, as ``Tensor.nelement`` (``numel``)."""
        return self._data.size

    def all(
        self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool = False, out: None = None
    ) -> Tensor:
        """True where every element (along ``dim``) is nonzero: a bool tensor, as ``Tensor.all``; numpy's
        spelling (``axis=``, ``keepdims=``) too, so ``np.all(t)`` works as on an array."""
        dims = checked_dims(axis if dim is None else dim, self.ndim)
        return self._const(np.all(self._data, axis=dims, keepdims=keepdim or keepdims))

    def any(
        self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool = False, out: None = None
    ) -> Tensor:
        """True where some element (along ``dim``) is nonzero: a bool tensor, as ``Tensor.any``; numpy's
        spelling too."""
        dims = checked_dims(axis if dim is None else dim, self.ndim)
        return self._const(np.any(self._data, axis=dims, keepdims=keepdim or keepdims))

    def _scalar(self) -> Any:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(()).item()

    def __float__(self) -> float:
        return float(self._scalar())

    def __int__(self) -> int:
        return int(self._scalar())

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its number (``f"{loss:.4f}"``); any other as `repr` with an empty
        spec and a TypeError otherwise, as PyTorch."""
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        return object.__format__(self, spec)


def as_index(idx: Any) -> tuple[Any, tuple[Any, ...]]:
    """An index with its tensors replaced by their arrays (see `ops.normalize_index`), and the tensors an op reading
    it in backward keeps (`ops.Op.kept`): not 0-d integer ones (an int: a select, as PyTorch). A list holding a
    tensor, a sequence, a slice, None or ``...`` is a tuple (``x[[i, j]]`` is ``x[i, j]``), as PyTorch reads it."""
    if type(idx) is list and len(idx) < 32 and any(isinstance(i, SEQUENCE_ITEMS) or i is None or i is ... for i in idx):
        warnings.warn(SEQUENCE_INDEX_WARNING, UserWarning, stacklevel=3)
        idx = tuple(idx)
    if isinstance(idx, TensorMethods):  # one index tensor (``C[X]``): the common case, without the loops below
        return ops.tensor_index(idx._data), () if ops.is_int_index(idx._data) else (idx,)
    if not (isinstance(idx, tuple) and (tensors := [i for i in idx if isinstance(i, TensorMethods)])):
        return idx, ()
    arrays = tuple(ops.tensor_index(i._data) if isinstance(i, TensorMethods) else i for i in idx)
    return arrays, tuple(t for t in tensors if not ops.is_int_index(t._data))


#: PyTorch's warning for a list read as a tuple of indices (its text, 2.13)
SEQUENCE_INDEX_WARNING = """Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed \
in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted as tensor index, \
x[torch.tensor(seq)], which will result either in an error or a different result"""

#: with None and ``...``, the items that make PyTorch read a list index as a tuple (its ``treatSequenceAsTuple``)
SEQUENCE_ITEMS = (TensorMethods, list, tuple, range, np.ndarray, slice)
