"""The backward pass of the `Tensor` graph: one reverse topological walk that calls each op's backward.

`Tensor.backward` and `tinygrad_edu.autograd.grad` both run `backprop`. It sits below
`tinygrad_edu.tensor` and reads tensors only through their attributes (``data``, ``grad_fn``,
``_prev``, ``requires_grad``): the walk is the graph core's `topological_order`, each node's local
rule its op's ``backward``, and broadcasting is undone once per edge by `unbroadcast`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .graph import check_finite, is_anomaly_enabled, topological_order
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
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: grad can be omitted only for a one-element output, but this tensor "
                f"has shape {root.shape}; pass grad= of that shape (e.g. loss.sum().backward())"
            )
        grad = np.ones_like(root.data)
    else:
        grad = np.asarray(grad.data if isinstance(grad, TensorMethods) else grad, dtype=root.dtype)
        if grad.shape != root.shape:
            raise ValueError(f"backward: grad has shape {grad.shape} but the tensor has shape {root.shape}")
    grads: dict[Tensor, np.ndarray] = {root: grad}  # pending ∂L/∂node, keyed by node identity
    wanted: dict[Tensor, np.ndarray | None] | None = None if capture is None else dict.fromkeys(capture)
    stored: set[int] = set()
    anomaly = is_anomaly_enabled()
    for node in reversed(topological_order(root)):
        g = grads.pop(node, None)
        if g is None:
            continue
        fn = node.grad_fn
        if wanted is not None:
            if node in wanted:
                wanted[node] = g
        elif fn is None or node._retain:
            store_grad(node, g, stored)
        if fn is None:
            continue
        in_grads = fn.backward(g)
        if anomaly:
            check_finite(f"{fn.name} backward", in_grads, node._prev)
        for parent, pg in zip(node._prev, in_grads):
            if pg is None or not parent.requires_grad:
                continue
            if pg.shape != parent.data.shape:
                pg = unbroadcast(pg, parent.data.shape)
            if parent in grads:
                grads[parent] = grads[parent] + pg
            else:
                grads[parent] = pg
    return [] if wanted is None else [wanted[t] for t in capture]


def store_grad(node: Tensor, g: np.ndarray, stored: set[int]) -> None:
    """Add ``g`` to ``node.grad``, never aliasing a read-only view or another node's array."""
    if g.dtype != node.data.dtype:
        g = g.astype(node.data.dtype)
    if node._grad is not None:
        node._grad = node._grad + g
        return
    if g.base is not None or not g.flags.writeable or id(g) in stored:
        g = np.array(g)
    stored.add(id(g))
    node._grad = g
