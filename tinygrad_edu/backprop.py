"""The backward pass of the `Tensor` graph: one reverse topological walk that calls each op's backward.

`Tensor.backward` and `tinygrad_edu.autograd.grad` both run `backprop`. It sits below
`tinygrad_edu.tensor` and reads tensors only through their attributes (``_data``, ``grad_fn``,
``_prev``, ``requires_grad``, ``_vc``): the walk is `backward_order` (ops by creation number, latest first,
as PyTorch's engine), each node's local rule its op's ``backward``, and broadcasting is undone once per
edge by `unbroadcast`.

Before an op's backward runs, `check_saved` compares the version counters of the tensors it saved
with the versions they had in the forward pass (PyTorch's rule): a tensor changed in place since
then would give a silently wrong gradient, so that is a RuntimeError instead.
"""

from __future__ import annotations

import operator
import re
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .graph import check_finite, graph_rebased, is_anomaly_enabled, topological_order
from .ops import unbroadcast
from .tensor_methods import TensorMethods

if TYPE_CHECKING:  # for the annotations only
    from .tensor import Tensor


def backprop(root: Tensor, grad: Any = None, capture: Sequence[Tensor] | None = None) -> list[np.ndarray | None]:
    """The backward pass from ``root`` with upstream gradient ``grad`` (1 for a one-element root).

    Without ``capture``, each leaf that requires a gradient (and each tensor after `retain_grad`)
    gets ∂root/∂tensor · grad added to its ``.grad``. With ``capture``, no ``.grad`` is touched and
    the gradients reaching the captured tensors are returned in their order (None where none
    reached), as `tinygrad_edu.autograd.grad` needs.
    """
    if not root.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no graph "
            "(create the leaves with requires_grad=True, outside no_grad())"
        )
    if grad is None:
        if root._data.size != 1:
            raise RuntimeError(
                f"backward: grad can be omitted only for a one-element output, but this tensor "
                f"has shape {root.shape}; pass grad= of that shape (e.g. loss.sum().backward())"
            )
        grad = np.array(1, dtype=root._data.dtype, ndmin=root._data.ndim)  # (1, ..., 1): cheaper than ones_like
    else:
        grad = np.array(grad._data if isinstance(grad, TensorMethods) else grad, dtype=root._data.dtype)
        if grad.shape != root.shape:
            raise ValueError(f"backward: grad has shape {grad.shape} but the tensor has shape {root.shape}")
    grads: dict[Tensor, np.ndarray] = {root: grad}  # pending ∂L/∂node, keyed by node identity
    wanted: dict[Tensor, np.ndarray | None] | None = None if capture is None else dict.fromkeys(capture)
    stored: set[int] = set()  # the arrays kept as a .grad in this pass (`store_grad`)
    anomaly = is_anomaly_enabled()
    order, ends = backward_order(root), None
    if wanted is not None:  # only the part of the graph between root and the captured tensors, as PyTorch
        order, ends = toward(order, wanted)
    for node in order:
        g = grads.pop(node, None)
        if g is None:
            continue
        fn = node.grad_fn
        if wanted is not None:
            if node in wanted:
                wanted[node] = g
            if fn is None or (ends is not None and node in ends):
                continue
        elif fn is None:  # a leaf
            store_grad(node, g, stored)
            continue
        elif node._retain:  # stored as soon as it is whole, as PyTorch's: seen by the backward still running, and
            # kept when a later node's backward raises; a copy, as PyTorch's retain_grad hook clones, so a backward
            # below that changes its grad_output in place leaves this .grad as it was
            store_grad(node, g.copy(), stored)
        for _, counter, version in fn.saved_versions:  # inline: most ops save something, nearly none changed
            if counter[0] != version:
                check_saved(fn, node)
        in_grads = fn.backward(g)
        if anomaly:
            check_finite(f"{fn.name} backward", in_grads, node._prev)
        for parent, pg in zip(node._prev, in_grads):
            if pg is None or not parent.requires_grad:
                continue
            if pg.shape != parent._data.shape:
                pg = unbroadcast(pg, parent._data.shape)
            if parent in grads:
                grads[parent] = grads[parent] + pg
            else:
                grads[parent] = pg
    return [] if wanted is None or capture is None else [wanted[t] for t in capture]


def backward_order(root: Tensor) -> list[Tensor]:
    """The tensors that require a gradient and lead to ``root``, each before the tensors it was made from:
    the nodes made by ops by creation number (`Op.seq`), latest first, as PyTorch's engine takes them, then
    the leaves. An op's inputs existed before it ran, so their numbers are smaller. In a graph that holds a
    tensor changed in place after an op used it (it then took a newer op's place, and its ``_hist`` keeps the
    node that op saw), the graph core's `topological_order` decides.

    >>> from tinygrad_edu import Tensor
    >>> w = Tensor([1.0], requires_grad=True)
    >>> h = w * 2
    >>> y = h * 3 + h
    >>> [t.grad_fn.name if t.grad_fn else "leaf" for t in backward_order(y)]
    ['+', '*', '*', 'leaf']
    """
    if root.grad_fn is None:
        return [root]
    made: list[Tensor] = [root]
    leaves: list[Tensor] = []
    seen = {root}
    for node in made:  # the list grows while it is walked: each node's inputs are appended once
        for t in node._prev:
            if t.requires_grad and t not in seen:
                seen.add(t)
                (made if t.grad_fn is not None else leaves).append(t)
    if graph_rebased and any(getattr(t, "_hist", None) for t in (*made, *leaves)):
        return [t for t in reversed(topological_order(root)) if t.requires_grad]
    made.sort(key=_creation_number, reverse=True)
    return made + leaves


def toward(order: list[Tensor], targets: Any) -> tuple[list[Tensor], set[Tensor]]:
    """The nodes of a backward ``order`` through which a gradient reaches one of ``targets`` (the tensors
    `tinygrad_edu.autograd.grad` asks about), and the set of those below which no target lies: their own
    backward need not run (PyTorch runs neither, so a tensor changed in place down there is no error)."""
    reach: set[Tensor] = set()
    ends: set[Tensor] = set()
    for node in reversed(order):  # inputs before their users
        below = False
        for t in node._prev:
            if t in reach:
                below = True
                break
        if below or node in targets:
            reach.add(node)
            if not below:
                ends.add(node)
    return [t for t in order if t in reach], ends


_creation_number = operator.attrgetter("grad_fn.seq")


#: one lock for every accumulation into ``.grad``: threads that backpropagate into a shared leaf
#: read, add and store in turn (numpy releases the GIL inside a large addition, so an unguarded
#: read-add-store would lose updates)
_GRAD_LOCK = threading.Lock()
_grad_lock_acquire, _grad_lock_release = _GRAD_LOCK.acquire, _GRAD_LOCK.release


def store_grad(node: Tensor, g: np.ndarray, stored: set[int]) -> None:
    """Add ``g`` to ``node.grad`` (a Tensor, the same object from one backward to the next, as
    PyTorch's), never aliasing a read-only view or an array already kept as another node's ``.grad`` in this
    pass (``stored``: their ids)."""
    dtype = node._data.dtype
    if g.dtype is not dtype and g.dtype != dtype:
        g = g.astype(dtype)
    _grad_lock_acquire()  # not ``with``: its two special-method lookups cost as much again, at every leaf
    try:
        grad = node._grad
        if grad is not None:
            grad._data = grad._data + g
            return
        if g.base is not None or not g.flags.writeable or id(g) in stored:
            g = np.array(g)
        stored.add(id(g))
        node._grad = node._wrap(g)
    finally:
        _grad_lock_release()


#: PyTorch's legacy type names, which its error messages print
TYPE_NAMES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "int16": "ShortTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
}


def torch_type_name(dtype: np.dtype) -> str:
    """The name PyTorch's messages give a tensor of ``dtype``: its legacy type (``torch.CharTensor``), and for
    bool, which has none, the backend's (``CPUBoolType``).

    >>> torch_type_name(np.dtype(np.int8)), torch_type_name(np.dtype(bool))
    ('torch.CharTensor', 'CPUBoolType')
    """
    kind = TYPE_NAMES.get(dtype.name, dtype.name)
    return "CPUBoolType" if kind == "BoolTensor" else "torch." + kind


def check_saved(fn: Any, node: Tensor) -> None:
    """Raise PyTorch's RuntimeError when a tensor that ``fn`` saved in the forward pass (an input,
    or its output ``node``) has been changed in place since: its version counter moved on."""
    for i, counter, version in fn.saved_versions:
        if counter[0] != version:
            t = (*fn.inputs, *fn.kept)[i] if i >= 0 else node
            what = f"[{torch_type_name(t._data.dtype)} {list(t._data.shape)}]"
            if t.grad_fn is not None:
                what += f", which is output 0 of {re.sub(r'Backward[0-9]*$', '', t.grad_fn.backward_name)},"
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an inplace "
                f"operation: {what} is at version {counter[0]}; expected version {version} instead. Hint: "
                "enable anomaly detection to find the operation that failed to compute its gradient, with "
                "torch.autograd.set_detect_anomaly(True, check_nan=False)."
            )
