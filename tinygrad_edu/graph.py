"""The graph core that the scalar `Value` graph and the `Tensor` graph share: the walk, grad and anomaly modes.

This module imports nothing of tinygrad_edu's: it is the bottom floor.

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
import functools
import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])


class _ThreadState(threading.local):
    """Grad mode and anomaly mode, one copy per thread (as PyTorch keeps them).

    The class attributes are the defaults that every new thread starts from: graph recording on,
    anomaly checks off. Setting an attribute changes it for the calling thread only, so a thread
    inside `no_grad` never switches graph recording off for another thread.
    """

    grad_enabled: bool = True
    anomaly_enabled: bool = False


#: This thread's modes: the one source of truth.
_state = _ThreadState()

#: Idents of the threads that have switched grad mode off, only a hint for hot paths: reading a
#: thread-local costs ~0.1 µs, as much as the rest of building a `Value` node, so `engine._new` tests
#: ``not _threads_without_grad or _state.grad_enabled`` and pays for the thread-local only while
#: some thread is in `no_grad`. A thread that ends with grad mode off leaves its ident behind, which
#: costs that speed, never correctness.
_threads_without_grad: set[int] = set()


def _set_grad_mode(mode: bool) -> None:
    """Set this thread's grad mode (every writer goes through here, to keep the hint in step)."""
    _state.grad_enabled = mode
    _mark_thread(_threads_without_grad, not mode)


def _mark_thread(threads: set[int], member: bool) -> None:
    """Add the calling thread's ident to the hint set ``threads``, or take it out."""
    if member:
        threads.add(threading.get_ident())
    else:
        threads.discard(threading.get_ident())


def is_grad_enabled() -> bool:
    """True when operations in this thread record the graph that `backward()` needs (the default)."""
    return _state.grad_enabled


class _GradMode:
    """A ``with`` block (or a function decorator) that runs with grad mode ``_mode``, then restores
    the mode that was in force when the block began. Each entry saves its own previous mode, so
    nested blocks unwind correctly, and the mode lives in the thread, so threads never see each
    other's blocks."""

    _mode: bool

    def __init__(self) -> None:
        # previous modes, a stack per thread: one instance may be entered again while it is active
        # (recursion) or shared by several threads, and each exit restores its own entry's mode
        self._saved: dict[int, list[bool]] = {}

    def __enter__(self) -> None:
        self._saved.setdefault(threading.get_ident(), []).append(_state.grad_enabled)
        _set_grad_mode(self._mode)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        thread = threading.get_ident()
        stack = self._saved[thread]
        _set_grad_mode(stack.pop())
        if not stack:
            del self._saved[thread]

    def __call__(self, fn: F) -> F:
        """Use as a decorator: every call of ``fn`` runs inside a fresh block of this mode."""
        mode_class = type(self)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with mode_class():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):  # noqa: N801 (PyTorch's name)
    """Context manager (or decorator) in which operations build no graph, as ``torch.no_grad()``.

    Use it for evaluation and for optimizer updates: results have no parents, so nothing is kept
    alive for a backward pass and the forward pass runs faster. It affects the calling thread only.

    >>> from tinygrad_edu import Value
    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y._prev, is_grad_enabled()
    ((), True)
    """

    _mode = False


class enable_grad(_GradMode):  # noqa: N801 (PyTorch's name)
    """Context manager (or decorator) that turns graph recording back on inside a `no_grad` block,
    as ``torch.enable_grad()``.

    >>> with no_grad():
    ...     with enable_grad():
    ...         inner = is_grad_enabled()
    ...     outer = is_grad_enabled()
    >>> inner, outer
    (True, False)
    """

    _mode = True


class set_grad_enabled:  # noqa: N801 (PyTorch's name)
    """Set grad mode for this thread, as ``torch.set_grad_enabled(mode)``.

    Like PyTorch's, it acts at once: called as a plain function it switches the mode until the
    next call; used in a ``with`` block it restores the previous mode when the block ends.

    >>> with set_grad_enabled(False):
    ...     inside = is_grad_enabled()
    >>> inside, is_grad_enabled()
    (False, True)
    """

    def __init__(self, mode: bool) -> None:
        self._previous = _state.grad_enabled
        _set_grad_mode(bool(mode))

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        _set_grad_mode(self._previous)


#: the creation number (``Op.seq``) of the next recorded op, taken by `tensor.apply`
next_seq = itertools.count(1).__next__

#: non-empty once a tensor of a graph was changed in place: `apply` then refreshes stale views, and
#: backward routes edges to the versions their ops saw
graph_rebased: list[bool] = []


def versions_seen(inputs: Sequence[Any], seq: int) -> tuple[Any, ...]:
    """The nodes that ``inputs`` were for an op recorded at creation number ``seq``: an input
    rebased since then was the old node kept in its ``_hist``."""
    seen = []
    for t in inputs:
        for changed_at, old in getattr(t, "_hist", None) or ():
            if changed_at > seq:
                t = old
                break
        seen.append(t)
    return tuple(seen)


def route_versions(order: Sequence[Any]) -> bool:
    """Point each edge of the nodes in ``order`` at the version of its input that its op saw (the
    old node of an input rebased after the op was recorded); return whether any edge moved."""
    moved = False
    for node in order:
        prev = node._prev
        if prev and any(getattr(p, "_hist", None) for p in prev):
            routed = versions_seen(prev, node.grad_fn.seq)
            if any(r is not p for r, p in zip(routed, prev)):
                node._prev = routed
                moved = True
    return moved


def topological_order(root: Any) -> list[Any]:
    """Return every node reachable from ``root`` through ``_prev``, inputs before their users.

    Iterative depth-first search: each node is pushed once to be expanded and once more to be
    emitted after all of its inputs, so the result is deterministic for a given graph and no
    Python recursion limit applies. Nodes are kept in a set by identity (their default hash),
    which is why neither `Value` nor `Tensor` defines ``__hash__`` by value. Once a tensor of a
    graph was changed in place, edges are first pointed at the versions their ops saw
    (`route_versions`), so every walk (backward, drawings) sees the graph PyTorch would.
    """
    order = _depth_first(root)
    if graph_rebased and hasattr(root, "grad_fn"):  # a Tensor graph (Values are never changed in place)
        while route_versions(order):
            order = _depth_first(root)
    return order


def _depth_first(root: Any) -> list[Any]:
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
class AnomalyError(RuntimeError):
    """Raised in `detect_anomaly` mode by the first op whose forward or backward makes NaN or Inf."""


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Check every op's forward output and backward gradients for NaN/Inf, as
    ``torch.autograd.detect_anomaly``: the first op that makes one raises `AnomalyError` naming
    the op and the shapes of its inputs. Slower; use it to find where a NaN loss comes from.
    Like grad mode, it holds for the calling thread only."""
    previous = _state.anomaly_enabled
    _set_anomaly_mode(True)
    try:
        yield
    finally:
        _set_anomaly_mode(previous)


#: Idents of the threads inside `detect_anomaly`: the hint that lets `Tensor`'s ops skip reading the
#: thread-local anomaly mode while no thread checks (as `_threads_without_grad` does for grad mode).
_threads_with_anomaly: set[int] = set()


def _set_anomaly_mode(mode: bool) -> None:
    _state.anomaly_enabled = mode
    _mark_thread(_threads_with_anomaly, mode)


def is_anomaly_enabled() -> bool:
    """True inside a `detect_anomaly` block in this thread, as ``torch.is_anomaly_enabled()``."""
    return _state.anomaly_enabled


def check_finite(where: str, arrays: Any, inputs: Any) -> None:
    """Raise `AnomalyError` if any of ``arrays`` holds NaN or Inf (``where`` names the op)."""
    for k, arr in enumerate(arrays):
        if arr is None:
            continue
        arr = np.asarray(arr)
        if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            kind = "NaN" if np.isnan(arr).any() else "Inf"
            shapes = ", ".join(str(tuple(np.shape(t.data))) for t in inputs)
            raise AnomalyError(f"{where} produced {kind} in output {k} (shape {arr.shape}); input shapes: {shapes}")
