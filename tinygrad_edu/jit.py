"""What a JIT does: trace a `Value` graph once into a tape, then replay it as one compiled kernel.

Eager mode pays for Python on every node: each ``a * b`` allocates an object, each ``backward()``
walks a list of objects. Yet a training step builds the *same* graph every time; only the numbers
change. A tracing JIT (tinygrad's ``TinyJit``, ``jax.jit``, ``torch.compile``) exploits that:

1. **Trace**: run the Python code once, record every op as one row of a flat table, the *tape*::

       t0 = input                 # w, a parameter: read from .data on every replay
       t1 = const 2.0             # a Python number: frozen into the tape
       t2 = mul(t0, t1)
       t3 = relu(t2)

   Columns are plain int and float arrays: op codes, input slots, output slots, and a constant
   per row (an exponent, a leaky-ReLU slope). Rows are in topological order (inputs first).
2. **Replay**: one numba kernel loops over the rows twice: forward (values, and the local
   derivatives ∂out/∂in of each row, recomputed from the op formulas since the data changed) and
   backward (``g[in] += local · g[out]`` over the rows in reverse, the chain rule). No Python
   object is touched inside the loop.

The numbers are those of eager mode, bit for bit (the tests compare exactly where they can, and
ask for 1e-12 relative on the demo): the kernel calls the very formulas `Value` calls, from the op
table `tinygrad_edu.scalar_ops` (its dispatch is generated from the table, see
`tinygrad_edu.compiled.kernel`), the same sums (``Value.sum`` is ``math.fsum``, correctly rounded, by
Shewchuk's partials as CPython computes it, and the plain sum where no finite exact sum exists;
``Value.dot`` is Python's ``sum`` left to right, with Neumaier's compensation on Python ≥ 3.12 as
CPython does), and the backward visits the rows in the order `Value.backward` visits the nodes, so
every gradient is accumulated in the same order.

What tracing assumes
--------------------
The *structure* of the graph may not depend on the data. A Python ``if x.data > 0:`` in the traced
function runs once, at trace time; its branch is frozen into the tape, exactly as with ``jax.jit``.
Branches *inside* an op are fine: ``relu``, ``abs``, ``leaky_relu``, ``sigmoid`` and the error checks
are recomputed from the data on each replay. ``step(check=True)`` re-runs the function eagerly,
re-traces it, and raises `TraceError` if the structure (ops, wiring, constants, inputs) changed.
Python numbers in the function (``1 - y * s``, ``1e-4 * Σ p²``) become constants of the tape; Values
created *outside* the function (parameters, data placeholders) become inputs, read on each replay.
`compile` tells them apart by tracing the function twice: a leaf that is the same object both
times is an input, a leaf made afresh by each call is a constant.

Numbers an op carries besides its operands: the exponent of ``x ** k`` is in the node's label,
exactly. The slope of ``x.leaky_relu(alpha)`` is in the graph only as a local derivative, when the
traced input was ≤ 0; when the first call of the function leaves it in doubt, `compile` makes its
second call under a profile hook that notes the arguments of ``leaky_relu`` (slower tracing, exact
slope). A tape traced from an existing root takes the default 0.01 where the graph does not show
the slope, so trace from a function when a slope is not the default.

A parameter replaced after `compile` (``neuron.w[0] = Value(0.3)``) would leave the tape reading the
old object: each replay first checks that the function still finds its inputs where it found them
(`tinygrad_edu.compiled.inputs`), and raises `TraceError` asking to compile again when not.

With ``TINYGRAD_EDU_JIT=0`` (or ``compile(..., jit=False)``) the same tape is replayed by a numpy
twin (`tinygrad_edu.compiled.twin`): rows grouped into levels of independent rows, each level run
as a few vectorised numpy calls over the same formulas; a deep, narrow tape (a chain) by the
generated replay run in Python. Both take time linear in the size of the tape.
"""

from __future__ import annotations

import numbers
import sys
import time
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from . import kernels
from .compiled.inputs import InputGuard
from .compiled.kernel import replay
from .compiled.tape import Tape, TraceError, trace
from .compiled.twin import TwinPlan
from .engine import Value
from .scalar_ops import DOT, MUL, OP_NAMES, OPS, TANH

__all__ = ["DOT", "MUL", "OP_NAMES", "TANH", "CompiledStep", "Tape", "TraceError", "compile", "trace"]


# ------------------------------------------------------------------------------ compiled step
class CompiledStep:
    """A traced graph, replayed on call: ``loss = step()`` does forward + zero_grad + backward.

    Each call reads the current ``.data`` of every input leaf, runs the tape (numba kernel, or the
    numpy twin), and *sets* (does not accumulate) ``.grad`` of every input leaf to the fresh
    gradient of the root, as ``zero_grad(); loss.backward()`` would. Returns the root's value (and,
    when compiled from an existing root, also writes it to ``root.data`` and sets ``root.grad = 1``).
    Intermediate nodes of the traced graph are not updated.

    Attributes:
        tape: the `Tape`; ``print(step.tape)`` shows its listing.
        inputs: the input leaves, in slot order.
        jit: True when the numba kernel replays the tape, False for the numpy twin.
        trace_seconds: how long tracing took (for ``compile(fn)``, both calls of ``fn``).
    """

    def __init__(
        self, tape: Tape, fn: Callable[[], Value] | None, root: Value | None, jit: bool, trace_seconds: float
    ) -> None:
        self.tape, self.fn, self.root, self.jit, self.trace_seconds = tape, fn, root, jit, trace_seconds
        self.inputs = tape.inputs
        self._v = tape.values.copy()
        self._loc = np.zeros(len(tape.args))
        self._g = np.zeros(tape.n_slots)
        widest = int(np.diff(tape.ptr).max()) if len(tape) else 0
        self._partials = np.zeros(widest + 1)
        self._plan = None if jit else TwinPlan(tape)
        self._guard: InputGuard | None = None  # set by compile(fn)

    def __repr__(self) -> str:
        return f"CompiledStep({self.tape!r}, {'numba' if self.jit else 'numpy twin'})"

    def __call__(self, check: bool = False) -> float:
        """Replay: forward + backward. ``check=True`` first re-runs ``fn`` and re-traces it, and raises
        `TraceError` when the structure differs from the tape (data-dependent Python control flow)."""
        if check:
            if self.fn is None:
                raise TraceError("check=True needs compile(fn): a tape compiled from a root cannot be re-traced")
            diff = self.tape.structure_diff(_trace_fn(self.fn, self.tape.inputs, watch=self._watch))
            if diff is not None:
                raise TraceError(f"the graph's structure changed since tracing: {diff}")
        if self._guard is not None:
            moved = self._guard.stale()
            if moved is not None:
                raise TraceError(
                    f"the compiled graph is stale: the input Value at `{moved}` was replaced after compile; "
                    "compile again"
                )
        tape, v, g = self.tape, self._v, self._g
        v[tape.input_slots] = [x.data for x in self.inputs]
        if self._plan is None:
            err = replay(tape, v, self._loc, g, self._partials, jit=True)
        else:
            err = self._plan.run(v, self._loc, g, self._partials)
        if err >= 0:
            op = OPS[int(tape.op[err])]
            a, b = (v[tape.args[tape.ptr[err] : tape.ptr[err + 1]]].tolist() + [0.0])[:2]
            error = op.error(op.formula(a, b, float(tape.const[err]))[3], a, b, float(tape.const[err]))
            raise type(error)(f"{error} (at `{tape.row(err)}` in the compiled tape)")
        for x, gx in zip(self.inputs, g[tape.input_slots].tolist()):
            x.grad = gx
        value = float(v[tape.root])
        if self.root is not None:
            self.root.data, self.root.grad = value, 1.0
        return value

    def feed(self, leaves: Sequence[Value] | Sequence[Sequence[Value]], values: np.ndarray | Sequence) -> None:
        """Put new numbers into input leaves (a mini-batch of the same size): ``leaves`` (nested lists
        of Values) and ``values`` have the same shape; sets each leaf's ``.data``, which the next call
        reads.

        Raises:
            ValueError: a shape mismatch, or a leaf that is not an input of this tape (a constant made
                inside the traced function is frozen: make such data a Value outside the function).
        """
        flat = list(_flatten(leaves))
        shape = _nested_shape(leaves)
        vals = np.asarray(values, dtype=np.float64)
        if vals.shape != shape:
            raise ValueError(
                f"feed: {len(flat)} leaves of shape {shape} but values of shape {vals.shape}; "
                "they must have the same shape"
            )
        known = {id(x) for x in self.inputs}
        for x in flat:
            if id(x) not in known:
                raise ValueError(f"feed: {x!r} is not an input of this tape; only Values that exist outside fn are")
        for x, val in zip(flat, vals.ravel().tolist()):
            x.data = val


def _nested_shape(items: Value | Iterable) -> tuple[int, ...]:
    """The shape of a nesting of sequences of Values (ValueError when it is ragged)."""
    if isinstance(items, Value):
        return ()
    shapes = {_nested_shape(item) for item in items}
    if len(shapes) > 1:
        raise ValueError(f"feed: the leaves are a ragged nesting (inner shapes {sorted(shapes)})")
    return (len(items), *shapes.pop()) if shapes else (0,)


def _flatten(items: Iterable) -> Iterable[Value]:
    for item in items:
        if isinstance(item, Value):
            yield item
        else:
            yield from _flatten(item)


def _run_watched(fn: Callable[[], Value]) -> tuple[Value, dict]:
    """Call ``fn`` and note the slope of every ``x.leaky_relu(alpha)`` it makes, keyed by the id of
    the result (a profile hook that looks at that method only)."""
    known: dict[int, tuple[Value, float]] = {}
    watched = Value.leaky_relu.__code__

    def hook(frame, event: str, result) -> None:
        if event == "return" and frame.f_code is watched and isinstance(result, Value):
            alpha = frame.f_locals.get("alpha")
            if isinstance(alpha, numbers.Real):
                known[id(result)] = (result, alpha)  # the result is kept alive, so its id stays unique

    previous = sys.getprofile()
    sys.setprofile(hook)
    try:
        root = fn()
    finally:
        sys.setprofile(previous)
    return root, known


def _trace_fn(fn: Callable[[], Value], inputs: Sequence[Value] | None, watch: bool) -> Tape:
    root, known = _run_watched(fn) if watch else (fn(), None)
    if not isinstance(root, Value):
        raise TypeError(f"compile: fn must return a Value, got {type(root).__name__}")
    if not root._prev:
        raise TraceError("compile: fn returned a leaf (no graph to trace); was it built under no_grad()?")
    return trace(root, inputs, _known=known)


def compile(
    fn: Callable[[], Value] | Value, *, inputs: Iterable[Value] | None = None, jit: bool | None = None
) -> CompiledStep:
    """Trace a Value graph once; return a `CompiledStep` that replays its forward and backward.

    Args:
        fn: a function of no arguments that builds and returns the loss from the parameters and the
            data (called twice while tracing), or an existing root Value.
        inputs: the leaves to read on every replay. None: for a function, the leaves that are the
            same object in both traces (parameters, data Values made outside ``fn``); for a root,
            every leaf. Other leaves are constants of the tape.
        jit: numba kernel (True) or numpy twin (False); None follows ``TINYGRAD_EDU_JIT``.

    Example (micrograd's training loop, compiled):
        >>> import tinygrad_edu as tg
        >>> _ = tg.manual_seed(0)
        >>> model = tg.nn.MLP(2, [4, 1])
        >>> X, y = [[0.5, -1.0], [1.0, 2.0]], [1.0, -1.0]
        >>> def loss():
        ...     return tg.Value.sum((1 - yi * model(x)).relu() for x, yi in zip(X, y))
        >>> step = tg.compile(loss)
        >>> eager = loss(); model.zero_grad(); eager.backward()
        >>> grads = [p.grad for p in model.parameters()]
        >>> step() == eager.data and grads == [p.grad for p in model.parameters()]
        True
    """
    use_jit = kernels.JIT_ENABLED if jit is None else bool(jit)
    t0 = time.perf_counter()
    watch = False
    if isinstance(fn, Value):
        tape = trace(fn, inputs)
        root, func = fn, None
    elif callable(fn):
        given = None if inputs is None else list(inputs)
        first = _trace_fn(fn, given, watch=False)
        watch = bool(first.unsure)  # a constant the graph does not show: note the arguments this time
        second = _trace_fn(fn, given, watch=watch)
        if watch and len(first) == len(second):
            first.const[first.unsure] = second.const[first.unsure]
        diff = first.structure_diff(second) if given is not None else _classify(first, second)
        if diff is not None:
            raise TraceError(f"compile: fn builds a different graph on each call ({diff}); it cannot be traced")
        tape, root, func = second, None, fn
    else:
        raise TypeError(f"compile: expected a function returning a Value, or a Value; got {type(fn).__name__}")
    step = CompiledStep(tape, func, root, use_jit, time.perf_counter() - t0)
    step._watch = func is not None and watch
    if func is not None:
        step._guard = InputGuard(func, step.inputs)
    return step


def _classify(first: Tape, second: Tape) -> str | None:
    """Keep in ``second`` as inputs only the leaves that are the same objects in both traces."""
    same = [a is b for a, b in zip(first.inputs, second.inputs)]
    if len(first.inputs) != len(second.inputs) or not np.array_equal(first.input_slots, second.input_slots):
        return f"{len(first.inputs)} leaves the first time, {len(second.inputs)} the second"
    keep = [i for i, s in enumerate(same) if s]
    reused = {id(x) for x in first.inputs}
    for i, s in enumerate(same):
        if not s and id(second.inputs[i]) in reused:
            return f"leaf t{second.input_slots[i]} is a different existing Value the second time"
    second.input_slots = second.input_slots[keep]
    second.inputs = [second.inputs[i] for i in keep]
    first.input_slots, first.inputs = second.input_slots, second.inputs
    return first.structure_diff(second)
