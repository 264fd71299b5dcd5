"""The one mechanism every tensor op uses: a `Function` and `apply`.

Each op is a `Function` subclass whose ``forward`` maps numpy arrays to a numpy array and may keep
what its derivative needs on ``self``; ``backward`` maps the upstream gradient G = ∂L/∂out to
one gradient per input (the vector-Jacobian product Gᵀ·∂out/∂input), or None for an input that
needs none. `apply` runs the forward and, when a gradient is wanted, records the inputs
(``out._prev``) and the function instance (``out.grad_fn``) on the output.
`Tensor.backward` walks the graph in reverse topological order and calls each ``backward`` once.

Broadcasting is undone in exactly one place: an input of shape (3, 1) used as (3, 4) receives
the upstream gradient summed over the broadcast axis (`unbroadcast`), because each of its
elements contributed to four outputs.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import autograd

if TYPE_CHECKING:
    from ..tensor import Tensor


#: PyTorch's names for the backward nodes of the ops whose class name differs from PyTorch's op
#: name (``grad_fn`` of ``relu(x)`` prints as ``<ReluBackward0 ...>``); the digit is PyTorch's
#: overload number. Every other op ``Foo`` is ``FooBackward0``.
TORCH_BACKWARD_NAMES = {
    "ReLU": "ReluBackward0",
    "MatMul": "MmBackward0",
    "PowConst": "PowBackward0",
    "Pow": "PowBackward1",
    "Clip": "ClampBackward1",
    "Max": "MaxBackward1",
    "Min": "MinBackward1",
    "Linear": "AddmmBackward0",
    "Reshape": "ViewBackward0",
    "Transpose": "PermuteBackward0",
    "GetItem": "IndexBackward0",
    "Cast": "ToCopyBackward0",
    "SoftmaxCrossEntropy": "NllLossBackward0",
    "BinaryCrossEntropy": "BinaryCrossEntropyBackward0",
    "BinaryCrossEntropyWithLogits": "BinaryCrossEntropyWithLogitsBackward0",
    "Conv2d": "ConvolutionBackward0",
    "MaxPool2d": "MaxPool2DWithIndicesBackward0",
    "AvgPool2d": "AvgPool2DBackward0",
    "BatchNorm": "NativeBatchNormBackward0",
    "Dropout": "NativeDropoutBackward0",
}


class Function:
    """Base of every tensor op: ``forward(*arrays) -> array`` and ``backward(g) -> grads``.

    An instance that made a tensor is that tensor's ``grad_fn``, a node of the backward graph
    as in PyTorch: it prints as ``<MulBackward0 object at ...>`` and its ``next_functions``
    lead to the nodes of its inputs.
    """

    #: the label drawn on the op's node by `tinygrad_edu.draw_dot`
    name = ""
    #: which inputs need a gradient (PyTorch's ``ctx.needs_input_grad``); set by `apply` so
    #: backward can skip work, e.g. ∂L/∂x when x is data
    needs_input_grad: tuple[bool, ...] = ()
    #: the input tensors, recorded by `apply` when the graph is recorded
    inputs: tuple[Tensor, ...] = ()

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        raise NotImplementedError

    @property
    def backward_name(self) -> str:
        """PyTorch's name for this node: ``MulBackward0`` for `Mul`, ``ReluBackward0`` for `ReLU`."""
        cls = type(self).__name__
        return TORCH_BACKWARD_NAMES.get(cls, f"{cls}Backward0")

    @property
    def next_functions(self) -> tuple[tuple[Function | AccumulateGrad | None, int], ...]:
        """One ``(node, 0)`` pair per input, as PyTorch's: the input's ``grad_fn``, an
        `AccumulateGrad` for a leaf that requires a gradient, or None for a constant.

        >>> from tinygrad_edu import Tensor
        >>> w = Tensor([2.0], requires_grad=True)
        >>> loss = (w * 3).sum()
        >>> loss.grad_fn, loss.grad_fn.next_functions[0][0]         # doctest: +ELLIPSIS
        (<SumBackward0 object at ...>, <MulBackward0 object at ...>)
        >>> loss.grad_fn.next_functions[0][0].next_functions        # doctest: +ELLIPSIS
        ((<AccumulateGrad object at ...>, 0), (None, 0))
        """
        return tuple((node_of(t), 0) for t in self.inputs)

    def __repr__(self) -> str:
        return f"<{self.backward_name} object at {id(self):#x}>"


class AccumulateGrad:
    """The backward node of a leaf that requires a gradient: it adds what reaches it to
    ``variable.grad`` (PyTorch's ``AccumulateGrad``)."""

    name = "AccumulateGrad"
    next_functions: tuple = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


def node_of(t: Tensor) -> Function | AccumulateGrad | None:
    """The backward node a gradient for ``t`` flows into (see `Function.next_functions`)."""
    if t.grad_fn is not None:
        return t.grad_fn
    return AccumulateGrad(t) if t.requires_grad else None


def _constant(fn: Function, t: Any) -> Tensor:
    """A numpy array or a number given where an op takes a Tensor, as a constant Tensor."""
    if isinstance(t, _tensor.Tensor):
        return t
    if isinstance(t, (np.ndarray, numbers.Number)) and not isinstance(t, bool):
        return _tensor.Tensor(np.asarray(t))
    raise TypeError(f"{fn.name}: expected a Tensor (or a numpy array), got {type(t).__name__}")


def apply(fn: Function, *inputs: Tensor) -> Tensor:
    """Run ``fn.forward`` on the inputs' arrays and record the graph when a gradient is wanted.

    >>> from tinygrad_edu import Tensor
    >>> from tinygrad_edu.ops import Mul
    >>> a, b = Tensor([2.0], requires_grad=True), Tensor([5.0])
    >>> out = apply(Mul(), a, b)
    >>> out.grad_fn.name, out.grad_fn.needs_input_grad
    ('*', (True, False))
    """
    try:
        needs = tuple([t.requires_grad for t in inputs])
    except AttributeError:  # a numpy array or a number: a constant (not on the hot path)
        inputs = tuple(_constant(fn, t) for t in inputs)
        needs = tuple([t.requires_grad for t in inputs])
    track = autograd.is_grad_enabled() and True in needs
    fn.needs_input_grad = needs
    tensor_cls = _tensor.Tensor
    out = tensor_cls.__new__(tensor_cls)
    out.data = fn.forward(*[t.data for t in inputs])
    if autograd.is_anomaly_enabled():
        autograd.check_finite(f"{fn.name} forward", (out.data,), inputs)
    out._grad = None
    out.label = ""
    out._retain = False
    out.requires_grad = track
    if track:
        out._prev = fn.inputs = inputs
        out.grad_fn = fn
    else:
        out._prev = ()
        out.grad_fn = None
    return out


def shapes(*arrays: np.ndarray) -> str:
    """``"(3, 4) and (4,)"``: the shapes of the arrays, for error messages."""
    return " and ".join(str(tuple(a.shape)) for a in arrays)


def check_floating(name: str, a: np.ndarray) -> None:
    """Refuse an integer or bool input where the result is only defined for real numbers (a mean,
    a softmax, a loss from logits), as PyTorch does, instead of truncating it silently."""
    if a.dtype.kind not in "fc":
        raise TypeError(
            f"{name}: needs a floating-point input, got {a.dtype}; convert it first, "
            f"e.g. x.float() or Tensor(x, dtype=np.float32)"
        )


def check_broadcast(name: str, *arrays: np.ndarray) -> None:
    """Raise ``ValueError("add: shapes (3,) and (4,) do not broadcast")`` for incompatible shapes."""
    try:
        np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        raise ValueError(f"{name}: shapes {shapes(*arrays)} do not broadcast") from None


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``g`` over the axes along which an input of ``shape`` was broadcast.

    >>> unbroadcast(np.ones((2, 3)), (3,))   # each of the 3 elements fed 2 outputs
    array([2., 2., 2.])
    """
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(i + extra for i, n in enumerate(shape) if n == 1 and g.shape[i + extra] != 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)


def normalize_axis(axis: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    """Axes as non-negative ints (None = all of them); an out-of-range axis is a ValueError.

    >>> normalize_axis(-1, 3), normalize_axis(None, 2)
    ((2,), (0, 1))
    """
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(a % max(ndim, 1))
    return tuple(out)


# Imported last: tensor.py imports the ops, and `apply` reads ``_tensor.Tensor`` only when called.
from .. import tensor as _tensor  # noqa: E402
