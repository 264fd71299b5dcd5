"""What the scalar `Value` graph and the `Tensor` graph share: the graph walk and grad mode.

Every node, scalar or tensor, keeps a tuple ``_prev`` of the nodes it was computed from. A graph
only points from a result back to its inputs, never the other way, so it holds no reference cycles
and Python frees it by reference counting the moment the last result goes out of scope.

Reverse-mode autodiff visits the nodes in reverse topological order: a node's gradient is complete
once every node that used it has passed its share back (the multivariate chain rule
dL/dx = Σ_children dL/dchild · dchild/dx). `topological_order` finds that order with an explicit
stack, so a chain of 100,000 operations needs no recursion.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

_grad_enabled = True


def is_grad_enabled() -> bool:
    """True when operations record the graph that `backward()` needs (the default)."""
    return _grad_enabled


@contextlib.contextmanager
def set_grad_enabled(mode: bool) -> Iterator[None]:
    """Turn graph recording on or off inside a ``with`` block, then restore the previous mode."""
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = bool(mode)
    try:
        yield
    finally:
        _grad_enabled = previous


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager in which operations build no graph, as ``torch.no_grad()``.

    Use it for evaluation and for optimizer updates: results have no parents, so nothing is kept
    alive for a backward pass and the forward pass runs faster.
    """
    return set_grad_enabled(False)


def topological_order(root: Any) -> list[Any]:
    """Return every node reachable from ``root`` through ``_prev``, inputs before their users.

    Iterative depth-first search: each node is pushed once to be expanded and once more to be
    emitted after all of its inputs, so the result is deterministic for a given graph and no
    Python recursion limit applies. Nodes are kept in a set by identity (their default hash),
    which is why neither `Value` nor `Tensor` defines ``__hash__`` by value.
    """
    order: list[Any] = []
    visited: set[Any] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    push, pop, emit, seen = stack.append, stack.pop, order.append, visited.add
    while stack:
        node, expanded = pop()
        if expanded:
            emit(node)
        elif node not in visited:
            seen(node)
            push((node, True))
            for parent in reversed(node._prev):
                if parent not in visited:
                    push((parent, False))
    return order


# ----------------------------------------------------------------------------- anomaly mode
_anomaly_enabled = False


class AnomalyError(RuntimeError):
    """Raised in `detect_anomaly` mode by the first op whose forward or backward makes NaN or Inf."""


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Check every op's forward output and backward gradients for NaN/Inf, as
    ``torch.autograd.detect_anomaly``: the first op that makes one raises `AnomalyError` naming
    the op and the shapes of its inputs. Slower; use it to find where a NaN loss comes from."""
    global _anomaly_enabled
    previous = _anomaly_enabled
    _anomaly_enabled = True
    try:
        yield
    finally:
        _anomaly_enabled = previous


def check_finite(where: str, arrays: Any, inputs: Any) -> None:
    """Raise `AnomalyError` if any of ``arrays`` holds NaN or Inf (``where`` names the op)."""
    import numpy as np

    for k, arr in enumerate(arrays):
        if arr is None:
            continue
        arr = np.asarray(arr)
        if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            kind = "NaN" if np.isnan(arr).any() else "Inf"
            shapes = ", ".join(str(tuple(np.shape(t.data))) for t in inputs)
            raise AnomalyError(f"{where} produced {kind} in output {k} (shape {arr.shape}); input shapes: {shapes}")
