"""`Tensor`: a numpy array that remembers how it was computed, with reverse-mode autodiff.

How an op is defined (one mechanism for all of them)
----------------------------------------------------
Each op is a `Function` subclass whose ``forward`` maps numpy arrays to a numpy array and may keep
what its derivative needs on ``self``; ``backward`` maps the upstream gradient G = ∂L/∂out to
one gradient per input (the vector-Jacobian product Gᵀ·∂out/∂input). `apply` runs the forward
and, when a gradient is wanted, records the inputs and the function instance on the output.
`Tensor.backward` walks the graph in reverse topological order and calls each ``backward`` once.

Broadcasting is undone in exactly one place: an input of shape (3, 1) used as (3, 4) receives
the upstream gradient summed over the broadcast axis (`unbroadcast`), because each of its
elements contributed to four outputs.

Conventions follow PyTorch: ``.grad`` is kept on leaves that require a gradient (and on interior
tensors after `retain_grad`), gradients accumulate until zeroed, Python numbers and lists become
float32 while a float64 numpy array stays float64, and ``backward()`` on a non-scalar needs ``grad=``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import autograd, kernels
from .autograd import topological_order

DEFAULT_DTYPE = np.float32


class Function:
    """Base of every tensor op: ``forward(*arrays) -> array`` and ``backward(g) -> grads``."""

    name = ""
    #: which inputs need a gradient; set by `apply` so backward can skip work (e.g. ∂L/∂x of data)
    needs: tuple[bool, ...] = ()

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        raise NotImplementedError


def _shapes(*arrays: np.ndarray) -> str:
    return " and ".join(str(tuple(a.shape)) for a in arrays)


def check_broadcast(name: str, *arrays: np.ndarray) -> None:
    """Raise ``ValueError("add: shapes (3,) and (4,) do not broadcast")`` for incompatible shapes."""
    try:
        np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        raise ValueError(f"{name}: shapes {_shapes(*arrays)} do not broadcast") from None


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``g`` over the axes along which an input of ``shape`` was broadcast."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(i + extra for i, n in enumerate(shape) if n == 1 and g.shape[i + extra] != 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)


def _normalize_axis(axis: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(a % max(ndim, 1))
    return tuple(out)


# =============================================================================== elementwise
class Add(Function):
    """a + b;  ∂/∂a = G, ∂/∂b = G."""

    name = "+"

    def forward(self, a, b):
        check_broadcast("add", a, b)
        return a + b

    def backward(self, g):
        return g, g


class Sub(Function):
    """a − b;  ∂/∂a = G, ∂/∂b = −G."""

    name = "-"

    def forward(self, a, b):
        check_broadcast("sub", a, b)
        return a - b

    def backward(self, g):
        return g, -g if self.needs[1] else None


class Mul(Function):
    """a · b;  ∂/∂a = G·b, ∂/∂b = G·a."""

    name = "*"

    def forward(self, a, b):
        check_broadcast("mul", a, b)
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        return (g * self.b if self.needs[0] else None), (g * self.a if self.needs[1] else None)


class Div(Function):
    """a / b;  ∂/∂a = G/b, ∂/∂b = −G·a/b² = −G·out/b."""

    name = "/"

    def forward(self, a, b):
        check_broadcast("div", a, b)
        self.b = b
        self.out = a / b
        return self.out

    def backward(self, g):
        ga = g / self.b if self.needs[0] else None
        return ga, (-g * self.out / self.b if self.needs[1] else None)


class Pow(Function):
    """a ** b;  ∂/∂a = G·b·a^(b−1), ∂/∂b = G·a^b·ln a (taken as 0 where a = 0, as PyTorch)."""

    name = "pow"

    def forward(self, a, b):
        check_broadcast("pow", a, b)
        self.a, self.b = a, b
        self.out = a**b
        return self.out

    def backward(self, g):
        ga = g * self.b * self.a ** (self.b - 1) if self.needs[0] else None
        gb = None
        if self.needs[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * np.where(self.a == 0, 0, self.out * np.log(np.where(self.a == 0, 1, self.a)))
        return ga, gb


class PowConst(Function):
    """a ** k for a number k;  ∂/∂a = G·k·a^(k−1)."""

    def __init__(self, k: float) -> None:
        self.k = k
        self.name = f"**{k:g}"

    def forward(self, a):
        self.a = a
        return a**self.k

    def backward(self, g):
        return (g * self.k * self.a ** (self.k - 1),)


class Neg(Function):
    """−a;  ∂/∂a = −G."""

    name = "neg"

    def forward(self, a):
        return -a

    def backward(self, g):
        return (-g,)


class Exp(Function):
    """eᵃ;  ∂/∂a = G·eᵃ."""

    name = "exp"

    def forward(self, a):
        self.out = np.exp(a)
        return self.out

    def backward(self, g):
        return (g * self.out,)


class Log(Function):
    """ln a;  ∂/∂a = G/a. NaN for a < 0 and −inf at 0, as numpy and PyTorch (see detect_anomaly)."""

    name = "log"

    def forward(self, a):
        self.a = a
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a)

    def backward(self, g):
        return (g / self.a,)


class Sqrt(Function):
    """√a;  ∂/∂a = G/(2√a)."""

    name = "sqrt"

    def forward(self, a):
        with np.errstate(invalid="ignore"):
            self.out = np.sqrt(a)
        return self.out

    def backward(self, g):
        with np.errstate(divide="ignore"):
            return (g * 0.5 / self.out,)


class Abs(Function):
    """|a|;  ∂/∂a = G·sign(a), sign(0) = 0."""

    name = "abs"

    def forward(self, a):
        self.a = a
        return np.abs(a)

    def backward(self, g):
        return (g * np.sign(self.a),)


class Tanh(Function):
    """tanh a;  ∂/∂a = G·(1 − tanh² a)."""

    name = "tanh"

    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def backward(self, g):
        return (kernels.tanh_backward(self.out, g),)


class Sigmoid(Function):
    """σ(a) = 1/(1 + e^{−a}), overflow-free;  ∂/∂a = G·σ(1 − σ)."""

    name = "sigmoid"

    def forward(self, a):
        self.out = kernels.sigmoid(a)
        return self.out

    def backward(self, g):
        return (kernels.sigmoid_backward(self.out, g),)


class ReLU(Function):
    """max(a, 0);  ∂/∂a = G·1[a > 0]."""

    name = "relu"

    def forward(self, a):
        self.out = kernels.relu(a)
        return self.out

    def backward(self, g):
        return (kernels.relu_backward(self.out, g),)


class LeakyReLU(Function):
    """a for a > 0, else α·a;  ∂/∂a = G or α·G."""

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha
        self.name = f"leaky_relu({alpha:g})"

    def forward(self, a):
        self.pos = a > 0
        return np.where(self.pos, a, self.alpha * a)

    def backward(self, g):
        return (np.where(self.pos, g, self.alpha * g),)


class Clip(Function):
    """min(max(a, lo), hi);  ∂/∂a = G where lo ≤ a ≤ hi, else 0 (PyTorch's clamp)."""

    name = "clip"

    def __init__(self, lo: float | None, hi: float | None) -> None:
        self.lo, self.hi = lo, hi

    def forward(self, a):
        self.mask = np.ones(a.shape, dtype=bool)
        if self.lo is not None:
            self.mask &= a >= self.lo
        if self.hi is not None:
            self.mask &= a <= self.hi
        return np.clip(a, self.lo, self.hi)

    def backward(self, g):
        return (g * self.mask,)


class Where(Function):
    """cond ? a : b;  ∂/∂a = G·cond, ∂/∂b = G·(1 − cond)."""

    name = "where"

    def __init__(self, cond: np.ndarray) -> None:
        self.cond = cond

    def forward(self, a, b):
        check_broadcast("where", self.cond, a, b)
        return np.where(self.cond, a, b)

    def backward(self, g):
        zero = np.zeros((), dtype=g.dtype)
        return (
            np.where(self.cond, g, zero) if self.needs[0] else None,
            np.where(self.cond, zero, g) if self.needs[1] else None,
        )


# =============================================================================== matmul
class MatMul(Function):
    """a @ b with numpy's rules (1-D, 2-D, batched);  ∂/∂a = G @ bᵀ, ∂/∂b = aᵀ @ G.

    A 1-D left operand is treated as a row (1, k) and a 1-D right operand as a column (k, 1);
    the gradients are reshaped back and summed over broadcast batch axes.
    """

    name = "@"

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes {_shapes(a, b)}")
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise ValueError(f"matmul: shapes {_shapes(a, b)} cannot be multiplied")
        try:
            out = a @ b
        except ValueError:
            raise ValueError(f"matmul: shapes {_shapes(a, b)} cannot be multiplied") from None
        self.a, self.b = a, b
        return out

    def backward(self, g):
        a = self.a[None, :] if self.a.ndim == 1 else self.a
        b = self.b[:, None] if self.b.ndim == 1 else self.b
        if self.b.ndim == 1:
            g = g[..., None]
        if self.a.ndim == 1:
            g = g[..., None, :]
        ga = gb = None
        if self.needs[0]:
            ga = unbroadcast(g @ np.swapaxes(b, -1, -2), a.shape).reshape(self.a.shape)
        if self.needs[1]:
            gb = unbroadcast(np.swapaxes(a, -1, -2) @ g, b.shape).reshape(self.b.shape)
        return ga, gb


# =============================================================================== reductions
class Sum(Function):
    """Σ over axes;  ∂/∂aᵢ = G (broadcast back over the summed axes)."""

    name = "sum"

    def __init__(self, axis, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, a):
        self.shape = a.shape
        self.axes = _normalize_axis(self.axis, a.ndim)
        return np.sum(a, axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        if not self.keepdims:
            g = np.expand_dims(g, self.axes)
        return (np.broadcast_to(g, self.shape),)


class Mean(Sum):
    """(1/n) Σ over axes;  ∂/∂aᵢ = G/n."""

    name = "mean"

    def forward(self, a):
        out = super().forward(a)
        self.count = int(np.prod([a.shape[i] for i in self.axes]))
        return (out / self.count).astype(a.dtype, copy=False)

    def backward(self, g):
        return (super().backward(g)[0] / self.count,)


class Max(Function):
    """max over axes;  the gradient goes to the maximal elements, split evenly among ties (PyTorch's
    rule for ``amax``). ``Max(..., sign=-1)`` is min."""

    def __init__(self, axis, keepdims: bool, sign: int = 1) -> None:
        self.axis, self.keepdims, self.sign = axis, keepdims, sign
        self.name = "max" if sign > 0 else "min"

    def forward(self, a):
        if a.size == 0:
            raise ValueError(f"{self.name}: empty tensor of shape {tuple(a.shape)} has no {self.name}imum")
        self.axes = _normalize_axis(self.axis, a.ndim)
        reduce = np.max if self.sign > 0 else np.min
        kept = reduce(a, axis=self.axes, keepdims=True)
        self.mask = a == kept
        # counted in a's dtype: an integer count would turn G/count into float64 for float32 input
        self.count = self.mask.sum(axis=self.axes, keepdims=True, dtype=a.dtype)
        return kept if self.keepdims else np.squeeze(kept, axis=self.axes)

    def backward(self, g):
        if not self.keepdims:
            g = np.expand_dims(g, self.axes)
        return (self.mask * (g / self.count),)


class Softmax(Function):
    """sᵢ = e^{aᵢ − m} / Σⱼ e^{aⱼ − m} (m = max, so nothing overflows);  ∂/∂a = s·(G − Σ G·s)."""

    name = "softmax"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, a):
        e = np.exp(a - a.max(axis=self.axis, keepdims=True))
        self.out = e / e.sum(axis=self.axis, keepdims=True)
        return self.out

    def backward(self, g):
        s = self.out
        return (s * (g - (g * s).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(Function):
    """aᵢ − m − log Σⱼ e^{aⱼ − m} (log-sum-exp);  ∂/∂a = G − softmax(a)·Σ G."""

    name = "log_softmax"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, a):
        shifted = a - a.max(axis=self.axis, keepdims=True)
        self.out = shifted - np.log(np.exp(shifted).sum(axis=self.axis, keepdims=True))
        return self.out

    def backward(self, g):
        return (g - np.exp(self.out) * g.sum(axis=self.axis, keepdims=True),)


# =============================================================================== shape
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
        self.perm = tuple(reversed(range(a.ndim))) if self.axes is None else _normalize_axis(self.axes, a.ndim)
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
            raise ValueError(f"cat: shapes {_shapes(*arrays)} cannot be joined on axis {self.axis}: {err}") from None
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
            raise ValueError(f"stack: shapes {_shapes(*arrays)} cannot be stacked: {err}") from None

    def backward(self, g):
        return tuple(np.moveaxis(g, self.axis, 0))


# =============================================================================== the Tensor
def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """numpy arrays keep their dtype; Python numbers and lists become float32 (PyTorch's default)."""
    if isinstance(data, Tensor):
        data = data.data
    from_python = not isinstance(data, (np.ndarray, np.generic))
    try:
        arr = np.asarray(data, dtype=dtype)
    except (ValueError, TypeError) as err:
        raise TypeError(f"Tensor: cannot make a numeric tensor from {type(data).__name__}: {err}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Tensor: cannot make a numeric tensor from {type(data).__name__} of dtype {arr.dtype}")
    if from_python and dtype is None and arr.dtype.kind != "b":
        return arr.astype(DEFAULT_DTYPE)
    return arr


class Tensor:
    """An n-dimensional array node of a computation graph (numpy-backed).

    Args:
        data: array-like. Python numbers and lists become float32; numpy arrays keep their dtype.
        requires_grad: whether ``backward()`` should compute ∂L/∂(this tensor) into ``.grad``.
        dtype: overrides the dtype.
        label: a name shown in `tinygrad_edu.draw_dot` pictures.

    Example:
        >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad                       # ∂Σx²/∂x = 2x
        array([[2., 4.],
               [6., 8.]], dtype=float32)
    """

    __slots__ = ("_ctx", "_prev", "_retain", "data", "grad", "label", "requires_grad")
    __array_ufunc__ = None  # numpy defers to our reflected operators: ndarray + Tensor -> Tensor

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, label: str = "") -> None:
        self.data = _as_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"Tensor: only floating-point tensors can require gradients, got {self.data.dtype}")
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self.label = label
        self._prev: tuple[Tensor, ...] = ()
        self._ctx: Function | None = None
        self._retain = False

    # ------------------------------------------------------------ construction
    @classmethod
    def zeros(cls, *shape: int, requires_grad: bool = False, dtype: Any = DEFAULT_DTYPE) -> Tensor:
        return cls(np.zeros(shape, dtype=dtype), requires_grad=requires_grad)

    @classmethod
    def ones(cls, *shape: int, requires_grad: bool = False, dtype: Any = DEFAULT_DTYPE) -> Tensor:
        return cls(np.ones(shape, dtype=dtype), requires_grad=requires_grad)

    @classmethod
    def randn(cls, *shape: int, requires_grad: bool = False, dtype: Any = DEFAULT_DTYPE) -> Tensor:
        """Standard normal samples from the library's generator (see `tinygrad_edu.manual_seed`)."""
        from .rng import default_rng

        return cls(default_rng().standard_normal(shape).astype(dtype), requires_grad=requires_grad)

    # ------------------------------------------------------------ properties
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def _op(self) -> str:
        return self._ctx.name if self._ctx is not None else ""

    def numel(self) -> int:
        return self.data.size

    def numpy(self) -> np.ndarray:
        """The data as a numpy array (shared, not copied, as PyTorch)."""
        return self.data

    def item(self) -> float:
        if self.data.size != 1:
            raise ValueError(f"item: only a one-element tensor can be converted to a number, got shape {self.shape}")
        return self.data.item()

    def detach(self) -> Tensor:
        """The same data, cut off from the graph."""
        return Tensor(self.data)

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this interior tensor after backward (as PyTorch's ``retain_grad``)."""
        self._retain = True
        return self

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def __len__(self) -> int:
        return len(self.data)

    def __bool__(self) -> bool:
        """The truth of a one-element tensor; ambiguous (an error) for more, as PyTorch."""
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous; "
                "use .any() or .all() on .data"
            )
        return bool(self.data.item())

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        return f"Tensor({body}{grad}, dtype={self.dtype})"

    # ------------------------------------------------------------ the one mechanism
    def _const(self, other: Any) -> Tensor:
        """Wrap a number or array operand; Python numbers take this tensor's dtype."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, numbers.Number):
            return Tensor(np.asarray(other, dtype=self.dtype if self.dtype.kind == "f" else DEFAULT_DTYPE))
        return Tensor(other)

    # ------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Tensor:
        return apply(Add(), self, self._const(other))

    def __radd__(self, other: Any) -> Tensor:
        return apply(Add(), self._const(other), self)

    def __sub__(self, other: Any) -> Tensor:
        return apply(Sub(), self, self._const(other))

    def __rsub__(self, other: Any) -> Tensor:
        return apply(Sub(), self._const(other), self)

    def __mul__(self, other: Any) -> Tensor:
        return apply(Mul(), self, self._const(other))

    def __rmul__(self, other: Any) -> Tensor:
        return apply(Mul(), self._const(other), self)

    def __truediv__(self, other: Any) -> Tensor:
        return apply(Div(), self, self._const(other))

    def __rtruediv__(self, other: Any) -> Tensor:
        return apply(Div(), self._const(other), self)

    def __pow__(self, exponent: Any) -> Tensor:
        if isinstance(exponent, numbers.Real):
            return apply(PowConst(float(exponent)), self)
        return apply(Pow(), self, self._const(exponent))

    def __rpow__(self, base: Any) -> Tensor:
        return apply(Pow(), self._const(base), self)

    def __neg__(self) -> Tensor:
        return apply(Neg(), self)

    def __matmul__(self, other: Any) -> Tensor:
        return apply(MatMul(), self, self._const(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return apply(MatMul(), self._const(other), self)

    # comparisons give boolean tensors without gradients, as PyTorch
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor(self.data == _as_array(other))

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor(self.data != _as_array(other))

    def __lt__(self, other: Any) -> Tensor:
        return Tensor(self.data < _as_array(other))

    def __le__(self, other: Any) -> Tensor:
        return Tensor(self.data <= _as_array(other))

    def __gt__(self, other: Any) -> Tensor:
        return Tensor(self.data > _as_array(other))

    def __ge__(self, other: Any) -> Tensor:
        return Tensor(self.data >= _as_array(other))

    __hash__ = object.__hash__

    # ------------------------------------------------------------ elementwise functions
    def exp(self) -> Tensor:
        return apply(Exp(), self)

    def log(self) -> Tensor:
        return apply(Log(), self)

    def sqrt(self) -> Tensor:
        return apply(Sqrt(), self)

    def abs(self) -> Tensor:
        return apply(Abs(), self)

    __abs__ = abs

    def tanh(self) -> Tensor:
        return apply(Tanh(), self)

    def sigmoid(self) -> Tensor:
        return apply(Sigmoid(), self)

    def relu(self) -> Tensor:
        return apply(ReLU(), self)

    def leaky_relu(self, alpha: float = 0.01) -> Tensor:
        return apply(LeakyReLU(alpha), self)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        if min is None and max is None:
            raise ValueError("clip: give min, max or both")
        return apply(Clip(min, max), self)

    clamp = clip

    def softmax(self, axis: int = -1) -> Tensor:
        return apply(Softmax(axis), self)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return apply(LogSoftmax(axis), self)

    # ------------------------------------------------------------ reductions
    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return apply(Sum(axis, keepdims), self)

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return apply(Mean(axis, keepdims), self)

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return apply(Max(axis, keepdims), self)

    def min(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return apply(Max(axis, keepdims, sign=-1), self)

    def argmax(self, axis: int | None = None) -> Tensor:
        return Tensor(np.argmax(self.data, axis=axis))

    # ------------------------------------------------------------ shape
    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
            shape = tuple(shape[0])
        return apply(Reshape(tuple(shape)), self)

    view = reshape

    def transpose(self, *axes: int) -> Tensor:
        """Reverse the axes, or permute them as given (numpy's ``transpose``)."""
        if len(axes) == 1 and not isinstance(axes[0], numbers.Integral):
            axes = tuple(axes[0])
        return apply(Transpose(tuple(axes) if axes else None), self)

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge axes start_dim..end_dim into one, as ``torch.flatten``."""
        if self.ndim == 0:
            return self.reshape(1)
        s, e = _normalize_axis((start_dim, end_dim), self.ndim)
        return self.reshape(*self.shape[:s], -1, *self.shape[e + 1 :])

    def __getitem__(self, idx: Any) -> Tensor:
        if isinstance(idx, Tensor):
            idx = idx.data
        elif isinstance(idx, tuple):
            idx = tuple(i.data if isinstance(i, Tensor) else i for i in idx)
        return apply(GetItem(idx), self)

    @staticmethod
    def cat(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
        """Concatenate along an existing axis (``torch.cat``)."""
        return apply(Cat(axis), *map(_to_tensor, tensors))

    @staticmethod
    def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
        """Stack along a new axis (``torch.stack``)."""
        return apply(Stack(axis), *map(_to_tensor, tensors))

    @staticmethod
    def where(condition: Any, a: Any, b: Any) -> Tensor:
        """Elementwise ``a`` where ``condition`` holds, else ``b`` (``torch.where``)."""
        cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
        ta = _to_tensor(a)
        return apply(Where(cond), ta, ta._const(b))

    # ------------------------------------------------------------ autodiff
    def backward(self, grad: Any = None) -> None:
        """Accumulate ∂self/∂leaf · grad into ``leaf.grad`` for every leaf that requires a gradient.

        Args:
            grad: the upstream gradient ∂L/∂self, of this tensor's shape. May be omitted only for
                a one-element tensor (then it is 1).
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad and has no graph "
                "(create the leaves with requires_grad=True, outside no_grad())"
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward: grad can be omitted only for a one-element output, but this tensor "
                    f"has shape {self.shape}; pass grad= of that shape (e.g. loss.sum().backward())"
                )
            grad = np.ones_like(self.data)
        else:
            grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)
            if grad.shape != self.shape:
                raise ValueError(f"backward: grad has shape {grad.shape} but the tensor has shape {self.shape}")
        grads: dict[Tensor, np.ndarray] = {self: grad}  # pending ∂L/∂node, keyed by node identity
        stored: set[int] = set()
        anomaly = autograd._anomaly_enabled
        for node in reversed(topological_order(self)):
            g = grads.pop(node, None)
            if g is None:
                continue
            ctx = node._ctx
            if ctx is None or node._retain:
                _store_grad(node, g, stored)
            if ctx is None:
                continue
            in_grads = ctx.backward(g)
            if anomaly:
                autograd.check_finite(f"{ctx.name} backward", in_grads, node._prev)
            for parent, pg in zip(node._prev, in_grads):
                if pg is None or not parent.requires_grad:
                    continue
                if pg.shape != parent.data.shape:
                    pg = unbroadcast(pg, parent.data.shape)
                if parent in grads:
                    grads[parent] = grads[parent] + pg
                else:
                    grads[parent] = pg

    def zero_grad(self) -> None:
        self.grad = None


def _store_grad(node: Tensor, g: np.ndarray, stored: set[int]) -> None:
    """Add ``g`` to ``node.grad``, never aliasing a read-only view or another node's array."""
    if g.dtype != node.data.dtype:
        g = g.astype(node.data.dtype)
    if node.grad is not None:
        node.grad = node.grad + g
        return
    if g.base is not None or not g.flags.writeable or id(g) in stored:
        g = np.array(g)
    stored.add(id(g))
    node.grad = g


def _to_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def apply(fn: Function, *inputs: Tensor) -> Tensor:
    """Run ``fn.forward`` on the inputs' arrays and record the graph when a gradient is wanted."""
    needs = tuple([t.requires_grad for t in inputs])
    track = autograd._grad_enabled and True in needs
    fn.needs = needs
    out = Tensor.__new__(Tensor)
    out.data = fn.forward(*[t.data for t in inputs])
    if autograd._anomaly_enabled:
        autograd.check_finite(f"{fn.name} forward", (out.data,), inputs)
    out.grad = None
    out.label = ""
    out._retain = False
    out.requires_grad = track
    out._prev = inputs if track else ()
    out._ctx = fn if track else None
    return out
