"""The base of every tensor op, `Op`, and what ops share (broadcast and axis helpers).

Each op is an `Op` subclass whose ``forward`` maps numpy arrays to a numpy array and may keep
what its derivative needs on ``self``; ``backward`` maps the upstream gradient G = ∂L/∂out to
one gradient per input (the vector-Jacobian product Gᵀ·∂out/∂input), or None for an input that
needs none. `tinygrad_edu.tensor.apply` runs the forward and, when a gradient is wanted, records
the inputs (``out._prev``) and the op instance (``out.grad_fn``) on the output.
`Tensor.backward` walks the graph in reverse topological order and calls each ``backward`` once.

Broadcasting is undone in exactly one place: an input of shape (3, 1) used as (3, 4) receives
the upstream gradient summed over the broadcast axis (`unbroadcast`), because each of its
elements contributed to four outputs.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import kernels
from ..graph import versions_seen

#: what `tinygrad_edu.ops` re-exports from this module (its star import reads this list)
__all__ = [
    "AccumulateGrad",
    "Op",
    "array_axis",
    "broadcast_shape",
    "check_broadcast",
    "checked_dims",
    "dim_error",
    "dims_or_all",
    "node_of",
    "normalize_axis",
    "normalize_dim",
    "reduction_axes",
    "rename_node",
    "unbroadcast",
]


class Op:
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
    inputs: tuple[Any, ...] = ()
    #: the op's creation number in the graph (`graph.next_seq`), set by `apply` when it is recorded:
    #: an input changed in place later is, for this op, the node it was before (`graph.versions_seen`)
    seq = 0
    #: the tensors whose values ``backward`` reads, PyTorch's saved tensors: input positions, and −1
    #: for the output. `apply` records their versions; backward through one changed in place since is
    #: an error. Ops that read none (Add, Neg, Sum, Reshape, ...) save nothing and check nothing.
    saves: tuple[int, ...] = ()
    #: per input position i, the input j whose gradient alone reads input i's saved values (``a·b``: a is
    #: read for ∂/∂b only), or None when any may: when input j needs no gradient, input i is not saved,
    #: as PyTorch saves it (``v * 2`` keeps no v, so changing v in place later is no error)
    saved_for: tuple[int | None, ...] = ()
    #: tensors that are no input but whose values ``backward`` reads (a loss's labels or targets, an index
    #: tensor): `apply` records their versions too, at positions after the inputs', so a change in place
    #: before backward is PyTorch's error instead of a gradient for other labels
    kept: tuple[Any, ...] = ()
    #: ``(position, version counter, version)`` of each saved tensor, recorded by `apply`; positions count
    #: the inputs, then the `kept` tensors, and −1 is the output
    saved_versions: Any = ()
    #: True when the output may be a view of input 0 (it then shares input 0's version counter)
    view = False
    #: PyTorch's name for this node (``grad_fn`` prints as ``<MulBackward0 ...>``): ``<Class>Backward0``
    #: unless the op sets its own (``ReluBackward0`` is `Relu`'s; `MatMul` sets ``MmBackward0``; the digit
    #: is PyTorch's overload number)
    backward_name = "OpBackward0"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "backward_name" not in cls.__dict__:
            cls.backward_name = f"{cls.__name__}Backward0"

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        raise NotImplementedError

    @property
    def next_functions(self) -> tuple[tuple[Op | AccumulateGrad | None, int], ...]:
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
        return tuple((node_of(t), 0) for t in versions_seen(self.inputs, self.seq))

    def __repr__(self) -> str:
        return f"<{self.backward_name} object at {id(self):#x}>"


class AccumulateGrad:
    """The backward node of a leaf that requires a gradient: it adds what reaches it to
    ``variable.grad`` (PyTorch's ``AccumulateGrad``)."""

    name = "AccumulateGrad"
    next_functions: tuple = ()

    def __init__(self, variable: Any) -> None:
        self.variable = variable

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


def rename_node(t: Any, backward_name: str) -> Any:
    """``t`` with its graph node printed under PyTorch's name for what made it (``grad_fn=<SqueezeBackward1>``
    where our op is a reshape, ``VarBackward0`` for a composite); nothing changes for a tensor outside the
    graph."""
    if t.grad_fn is not None:
        t.grad_fn.backward_name = backward_name
    return t


def node_of(t: Any) -> Op | AccumulateGrad | None:
    """The backward node a gradient for ``t`` flows into (see `Op.next_functions`)."""
    if t.grad_fn is not None:
        return t.grad_fn
    return AccumulateGrad(t) if t.requires_grad else None


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


def broadcast_shape(*sizes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape the ``sizes`` broadcast to, or PyTorch's RuntimeError naming the first axis (from the right)
    where two of them differ and neither is 1.

    >>> broadcast_shape((2, 1), (3,))
    (2, 3)
    >>> broadcast_shape((2, 3), (3, 2))
    Traceback (most recent call last):
    RuntimeError: The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1
    """
    out: tuple[int, ...] = ()
    for b in sizes:
        for i in range(1, min(len(out), len(b)) + 1):
            if out[-i] != b[-i] and 1 not in (out[-i], b[-i]):
                raise RuntimeError(
                    f"The size of tensor a ({out[-i]}) must match the size of tensor b ({b[-i]}) at non-singleton "
                    f"dimension {max(len(out), len(b)) - i}"
                )
        out = np.broadcast_shapes(out, b)
    return out


class BroadcastError(RuntimeError, ValueError):
    """Shapes that do not broadcast: PyTorch raises a RuntimeError and numpy a ValueError, so this is both."""


def broadcast_error(name: str, *arrays: np.ndarray) -> BroadcastError:
    """PyTorch's error for shapes that do not broadcast (`broadcast_shape`), followed by the op's ``name`` and
    the shapes. The binary arithmetic ops raise it when numpy refuses the shapes (numpy checks them before it
    writes anything); `check_broadcast` checks first.

    >>> print(broadcast_error("mul", np.ones((2, 3)), np.ones((3, 2))))  # doctest: +NORMALIZE_WHITESPACE
    The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1
    (mul: shapes (2, 3) and (3, 2))
    """
    try:
        broadcast_shape(*(a.shape for a in arrays))
    except RuntimeError as err:
        return BroadcastError(f"{err} ({name}: shapes {shapes(*arrays)})")
    return BroadcastError(f"{name}: shapes {shapes(*arrays)} do not broadcast")  # pragma: no cover (numpy agrees)


def check_broadcast(name: str, *arrays: np.ndarray) -> None:
    """Raise `broadcast_error` for shapes that do not broadcast."""
    try:
        np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        raise broadcast_error(name, *arrays) from None


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``g`` over the axes along which an input of ``shape`` was broadcast.

    >>> unbroadcast(np.ones((2, 3)), (3,))   # each of the 3 elements fed 2 outputs
    array([2., 2., 2.])
    """
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra > 0 and g.shape[extra:] == shape:  # only leading axes were added (a bias): the sum over them
        return kernels.sum_rows(g) if g.ndim == 2 and extra == 1 else g.sum(axis=tuple(range(extra)))
    kept = tuple(i + extra for i, n in enumerate(shape) if n == 1 and g.shape[i + extra] != 1)
    if not kept:  # no axis was broadcast: the shapes differ only in axes of length 1
        return g.reshape(shape)
    return g.sum(axis=tuple(range(extra)) + kept, keepdims=True).reshape(shape)


def dim_error(dim: int, ndim: int) -> IndexError:
    """PyTorch's error for a dim outside [−ndim, ndim − 1] (a 0-d tensor takes −1 and 0)."""
    rank = max(ndim, 1)
    return IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got {dim})")


def normalize_dim(dim: int, ndim: int) -> int:
    """One dim as a non-negative int, PyTorch's IndexError when out of range (`dim_error`).

    >>> normalize_dim(-1, 3)
    2
    """
    rank = max(ndim, 1)
    if not -rank <= dim < rank:
        raise dim_error(dim, ndim)
    return dim % rank


def array_axis(dim: int, ndim: int) -> int | None:
    """`normalize_dim` as an axis of the array: None for a 0-d tensor, whose dims 0 and −1 name none.

    >>> array_axis(-1, 2), array_axis(-1, 0)
    (1, None)
    """
    d = normalize_dim(dim, ndim)
    return d if ndim else None


def normalize_axis(axis: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    """Axes as non-negative ints (None = all of them); an out-of-range axis is PyTorch's IndexError
    (`dim_error`). A 0-d tensor takes 0 and −1, which name no axis of its array: it gets ().

    >>> normalize_axis(-1, 3), normalize_axis(None, 2), normalize_axis(0, 0)
    ((2,), (0, 1), ())
    """
    if axis is None:
        return tuple(range(ndim))
    axes: tuple[Any, ...] = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)  # type: ignore[arg-type]
    out = tuple(normalize_dim(a, ndim) for a in axes)
    return out if ndim else ()


def reduction_axes(axis: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    """`normalize_axis` for a reduction, where a dim given twice is PyTorch's RuntimeError (a 0-d tensor's
    dims 0 and −1 are the same one).

    >>> reduction_axes((0, -1), 2), reduction_axes(-1, 0)
    ((0, 1), ())
    """
    axes = normalize_axis(axis, max(ndim, 1) if axis is not None else ndim)
    if len(set(axes)) != len(axes):
        twice = next(a for a in axes if axes.count(a) > 1)
        raise RuntimeError(f"dim {twice} appears multiple times in the list of dims")
    return axes if ndim else ()


def dims_or_all(dim: Any) -> Any:
    """PyTorch's reduction dims: None or an empty list/tuple mean every axis (None); a list becomes a tuple."""
    if dim is None or (isinstance(dim, (list, tuple)) and len(dim) == 0):
        return None
    return tuple(dim) if isinstance(dim, list) else dim


def checked_dims(dim: Any, ndim: int) -> Any:
    """`dims_or_all` checked against ``ndim`` with PyTorch's IndexError (`normalize_axis`); None for every axis."""
    dims = dims_or_all(dim)
    return None if dims is None else normalize_axis(dims, ndim)
