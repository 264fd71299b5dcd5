"""`Tensor`: a numpy array that remembers how it was computed, with reverse-mode autodiff.

Every op a tensor supports is a `Function` in `tinygrad_edu.ops` (forward and backward side by
side, the math in each docstring); the methods and operators here only wrap their operands and
call `tinygrad_edu.ops.apply`, which runs the forward and records on the output the inputs
(``_prev``) and the Function that made it (``grad_fn``, None for leaves, as PyTorch).
`Tensor.backward` walks that graph in reverse topological order and calls each ``backward`` once.

Conventions follow PyTorch: ``.grad`` is kept on leaves that require a gradient (and on interior
tensors after `retain_grad`), gradients accumulate until zeroed, Python numbers and lists become
float32 while a float64 numpy array stays float64, and ``backward()`` on a non-scalar needs ``grad=``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import autograd, ops
from .autograd import topological_order
from .ops.function import Function, apply, normalize_axis, unbroadcast

__all__ = ["DEFAULT_DTYPE", "Function", "Tensor", "apply", "unbroadcast"]

DEFAULT_DTYPE = np.float32


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

    __slots__ = ("_prev", "_retain", "data", "grad", "grad_fn", "label", "requires_grad")
    __array_ufunc__ = None  # numpy defers to our reflected operators: ndarray + Tensor -> Tensor

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, label: str = "") -> None:
        self.data = _as_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"Tensor: only floating-point tensors can require gradients, got {self.data.dtype}")
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self.label = label
        self._prev: tuple[Tensor, ...] = ()
        self.grad_fn: Function | None = None  # the op that made this tensor; None for leaves
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
        return self.grad_fn.name if self.grad_fn is not None else ""

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

    # ------------------------------------------------------------ operands
    def _const(self, other: Any) -> Tensor:
        """Wrap a number or array operand; Python numbers take this tensor's dtype."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, numbers.Number):
            return Tensor(np.asarray(other, dtype=self.dtype if self.dtype.kind == "f" else DEFAULT_DTYPE))
        return Tensor(other)

    # ------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Tensor:
        return apply(ops.Add(), self, self._const(other))

    def __radd__(self, other: Any) -> Tensor:
        return apply(ops.Add(), self._const(other), self)

    def __sub__(self, other: Any) -> Tensor:
        return apply(ops.Sub(), self, self._const(other))

    def __rsub__(self, other: Any) -> Tensor:
        return apply(ops.Sub(), self._const(other), self)

    def __mul__(self, other: Any) -> Tensor:
        return apply(ops.Mul(), self, self._const(other))

    def __rmul__(self, other: Any) -> Tensor:
        return apply(ops.Mul(), self._const(other), self)

    def __truediv__(self, other: Any) -> Tensor:
        return apply(ops.Div(), self, self._const(other))

    def __rtruediv__(self, other: Any) -> Tensor:
        return apply(ops.Div(), self._const(other), self)

    def __pow__(self, exponent: Any) -> Tensor:
        if isinstance(exponent, numbers.Real):
            return apply(ops.PowConst(float(exponent)), self)
        return apply(ops.Pow(), self, self._const(exponent))

    def __rpow__(self, base: Any) -> Tensor:
        return apply(ops.Pow(), self._const(base), self)

    def __neg__(self) -> Tensor:
        return apply(ops.Neg(), self)

    def __matmul__(self, other: Any) -> Tensor:
        return apply(ops.MatMul(), self, self._const(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return apply(ops.MatMul(), self._const(other), self)

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
        return apply(ops.Exp(), self)

    def log(self) -> Tensor:
        return apply(ops.Log(), self)

    def sqrt(self) -> Tensor:
        return apply(ops.Sqrt(), self)

    def abs(self) -> Tensor:
        return apply(ops.Abs(), self)

    __abs__ = abs

    def tanh(self) -> Tensor:
        return apply(ops.Tanh(), self)

    def sigmoid(self) -> Tensor:
        return apply(ops.Sigmoid(), self)

    def relu(self) -> Tensor:
        return apply(ops.ReLU(), self)

    def leaky_relu(self, alpha: float = 0.01) -> Tensor:
        return apply(ops.LeakyReLU(alpha), self)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        if min is None and max is None:
            raise ValueError("clip: give min, max or both")
        return apply(ops.Clip(min, max), self)

    clamp = clip

    def softmax(self, axis: int = -1) -> Tensor:
        return apply(ops.Softmax(axis), self)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return apply(ops.LogSoftmax(axis), self)

    # ------------------------------------------------------------ reductions
    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return apply(ops.Sum(axis, keepdims), self)

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return apply(ops.Mean(axis, keepdims), self)

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return apply(ops.Max(axis, keepdims), self)

    def min(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return apply(ops.Min(axis, keepdims), self)

    def argmax(self, axis: int | None = None) -> Tensor:
        return Tensor(np.argmax(self.data, axis=axis))

    # ------------------------------------------------------------ shape
    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
            shape = tuple(shape[0])
        return apply(ops.Reshape(tuple(shape)), self)

    view = reshape

    def transpose(self, *axes: int) -> Tensor:
        """Reverse the axes, or permute them as given (numpy's ``transpose``)."""
        if len(axes) == 1 and not isinstance(axes[0], numbers.Integral):
            axes = tuple(axes[0])
        return apply(ops.Transpose(tuple(axes) if axes else None), self)

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
        if isinstance(idx, Tensor):
            idx = idx.data
        elif isinstance(idx, tuple):
            idx = tuple(i.data if isinstance(i, Tensor) else i for i in idx)
        return apply(ops.GetItem(idx), self)

    @staticmethod
    def cat(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
        """Concatenate along an existing axis (``torch.cat``)."""
        return apply(ops.Cat(axis), *map(_to_tensor, tensors))

    @staticmethod
    def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
        """Stack along a new axis (``torch.stack``)."""
        return apply(ops.Stack(axis), *map(_to_tensor, tensors))

    @staticmethod
    def where(condition: Any, a: Any, b: Any) -> Tensor:
        """Elementwise ``a`` where ``condition`` holds, else ``b`` (``torch.where``)."""
        cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
        ta = _to_tensor(a)
        return apply(ops.Where(cond), ta, ta._const(b))

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
        anomaly = autograd.is_anomaly_enabled()
        for node in reversed(topological_order(self)):
            g = grads.pop(node, None)
            if g is None:
                continue
            fn = node.grad_fn
            if fn is None or node._retain:
                _store_grad(node, g, stored)
            if fn is None:
                continue
            in_grads = fn.backward(g)
            if anomaly:
                autograd.check_finite(f"{fn.name} backward", in_grads, node._prev)
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
