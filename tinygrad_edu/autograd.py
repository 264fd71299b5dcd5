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
import functools
import threading
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, TypeVar

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
    if mode:
        _threads_without_grad.discard(threading.get_ident())
    else:
        _threads_without_grad.add(threading.get_ident())


def __getattr__(name: str) -> bool:
    """Keep the old module-level flags readable: ``autograd._grad_enabled`` is this thread's mode."""
    if name == "_grad_enabled":
        return _state.grad_enabled
    if name == "_anomaly_enabled":
        return _state.anomaly_enabled
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
class AnomalyError(RuntimeError):
    """Raised in `detect_anomaly` mode by the first op whose forward or backward makes NaN or Inf."""


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Check every op's forward output and backward gradients for NaN/Inf, as
    ``torch.autograd.detect_anomaly``: the first op that makes one raises `AnomalyError` naming
    the op and the shapes of its inputs. Slower; use it to find where a NaN loss comes from.
    Like grad mode, it holds for the calling thread only."""
    previous = _state.anomaly_enabled
    _state.anomaly_enabled = True
    try:
        yield
    finally:
        _state.anomaly_enabled = previous


def is_anomaly_enabled() -> bool:
    """True inside a `detect_anomaly` block in this thread, as ``torch.is_anomaly_enabled()``."""
    return _state.anomaly_enabled


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


# ----------------------------------------------------------------------------- user-defined ops
class FunctionCtx:
    """What a custom `Function`'s ``forward`` and ``backward`` share (PyTorch's ``ctx``)."""

    saved_tensors: tuple[Any, ...] = ()

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors that ``backward`` needs; it reads them back as ``ctx.saved_tensors``."""
        self.saved_tensors = tensors


class Function:
    """Base class for an op written by the user, as ``torch.autograd.Function``.

    Subclass it with two static methods, ``forward(ctx, *args)`` (the value, computed from tensors
    with no graph recorded) and ``backward(ctx, grad_output)`` (one gradient per argument of
    ``forward``, None for those that need none), and call it as ``MyOp.apply(*args)``. It runs
    through the same `tinygrad_edu.ops.apply` as the built-in ops, so `gradcheck` checks it
    and `draw_dot` draws it.

    >>> from tinygrad_edu import Tensor, gradcheck
    >>> class Cube(Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x**3
    ...     @staticmethod
    ...     def backward(ctx, grad_output):
    ...         (x,) = ctx.saved_tensors
    ...         return grad_output * 3 * x**2          # d(x³)/dx = 3x²
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> y = Cube.apply(x)
    >>> y.sum().backward(); y, x.grad
    (tensor([1., 8.], grad_fn=<CubeBackward>), array([ 3., 12.], dtype=float32))
    >>> gradcheck(Cube.apply, [Tensor([0.5, -1.5], dtype="float64", requires_grad=True)])
    True
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a custom Function must define forward(ctx, *args) as a @staticmethod")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a custom Function must define backward(ctx, grad_output) as a @staticmethod")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` and, when an input requires a gradient, record a graph node whose
        backward calls this class's ``backward``."""
        from .ops.function import apply
        from .tensor import Tensor

        inputs = tuple(a for a in args if isinstance(a, Tensor))
        return apply(_CustomNode(cls, args, kwargs), *inputs)


class _CustomNode(FunctionCtx):
    """The graph node of one call of a custom `Function`; it is also that call's ``ctx``."""

    def __init__(self, op: type[Function], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.op, self.args, self.kwargs = op, args, kwargs
        self.name = op.__name__
        self._needs: tuple[bool, ...] = ()

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """One flag per argument of ``forward`` (False for arguments that are not tensors)."""
        flags = iter(self._needs)
        return tuple(next(flags) if _is_tensor(a) else False for a in self.args)

    @needs_input_grad.setter
    def needs_input_grad(self, needs: tuple[bool, ...]) -> None:
        self._needs = needs

    def forward(self, *arrays: Any) -> Any:
        from .tensor import Tensor

        given = iter(arrays)
        args = [Tensor(next(given)) if _is_tensor(a) else a for a in self.args]
        with no_grad():
            out = self.op.forward(self, *args, **self.kwargs)
        if isinstance(out, tuple):
            raise NotImplementedError(f"{self.name}.forward: returning several outputs is not supported")
        return out.data if isinstance(out, Tensor) else _np().asarray(out)

    def backward(self, g: Any) -> tuple[Any, ...]:
        from .tensor import Tensor

        with no_grad():
            grads = self.op.backward(self, Tensor(g))
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(self.args):
            raise RuntimeError(
                f"function {self.name}Backward returned an incorrect number of gradients "
                f"(expected {len(self.args)}, got {len(grads)})"
            )
        out = []
        for arg, gr in zip(self.args, grads):
            if not _is_tensor(arg):
                continue
            arr = None if gr is None else _np().asarray(gr.data if isinstance(gr, Tensor) else gr)
            if arr is not None and arr.shape != arg.shape:
                raise RuntimeError(
                    f"function {self.name}Backward returned an invalid gradient: got shape {arr.shape}, "
                    f"expected {arg.shape}"
                )
            out.append(arr)
        return tuple(out)

    @property
    def backward_name(self) -> str:
        return f"{self.name}Backward"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        from .ops.function import node_of

        return tuple((node_of(t), 0) for t in self.inputs)

    def __repr__(self) -> str:
        return f"<{self.backward_name} object at {id(self):#x}>"


def _is_tensor(obj: Any) -> bool:
    from .tensor import Tensor

    return isinstance(obj, Tensor)


def _np() -> Any:
    import numpy as np

    return np


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
) -> tuple[Any, ...]:
    """∂outputs/∂inputs (times ``grad_outputs``) as a tuple of tensors, leaving every ``.grad``
    untouched, as ``torch.autograd.grad``.

    >>> from tinygrad_edu import Tensor
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> grad((x**2).sum(), x)                   # d(Σx²)/dx = 2x
    (tensor([2., 4.]),)
    >>> x.grad is None
    True
    """
    from .tensor import Tensor, backprop

    if create_graph:
        raise NotImplementedError(
            "autograd.grad(create_graph=True): tinygrad_edu computes first derivatives only "
            "(gradients are numpy arrays, not graph nodes), so gradients of gradients are not available"
        )
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    total: list[Any] = [None] * len(inputs)
    for out, g in zip(outputs, grad_outputs, strict=True):
        for k, gk in enumerate(backprop(out, g, inputs)):
            if gk is not None:
                total[k] = gk if total[k] is None else total[k] + gk
    if not allow_unused and any(g is None for g in total):
        raise RuntimeError(
            "One of the differentiated Tensors appears to not have been used in the graph. "
            "Set allow_unused=True if this is the desired behavior."
        )
    return tuple(None if g is None else Tensor(g.astype(t.dtype, copy=False)) for g, t in zip(total, inputs))


def gradcheck(fn: Callable[..., Any], inputs: Any, *args: Any, **kwargs: Any) -> bool:
    """`tinygrad_edu.gradcheck` under PyTorch's path ``torch.autograd.gradcheck``."""
    from .gradcheck import gradcheck as check

    return check(fn, inputs, *args, **kwargs)
