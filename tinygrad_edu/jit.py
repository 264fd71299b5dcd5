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
ask for 1e-12 relative on the demo): the kernel uses engine.py's formulas in the same order of
operations (``a ** k`` is C's ``pow``, as engine.py's), the same sums (``Value.sum`` is ``math.fsum``,
correctly rounded, by Shewchuk's partials as CPython computes it, and the plain sum where no finite
exact sum exists; ``Value.dot`` is Python's ``sum`` left to right, with Neumaier's compensation on
Python ≥ 3.12 as CPython does), and the backward visits the rows in the order `Value.backward`
visits the nodes, so every gradient is accumulated in the same order. When engine.py changes a
formula, the kernel must change with it: ``tests/test_jit.py`` compares every op at random points.

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

Two ops carry a number that engine.py does not keep in the graph (it stores results, not
arguments): the exponent of ``x ** k`` and the slope of ``x.leaky_relu(alpha)``. When the first
call of the function leaves one of them in doubt, `compile` makes its second call under a profile
hook that notes the arguments of those two methods (slower tracing, exact constants). A tape traced
from an existing root must read them back from the graph: the exponent from the op name ``"**k"``
(6 significant digits; checked against the traced value and derivative whenever the base is not 0,
else `TraceError`), the slope from the local derivative when the traced input was ≤ 0, and 0.01
(the default) when it was > 0 — so trace from a function when a slope is not the default.

With ``TINYGRAD_EDU_JIT=0`` (or ``compile(..., jit=False)``) the same tape is replayed by a numpy
twin: rows grouped into levels of independent instructions, each level run as a few vectorised numpy
calls. exp, log, tanh, sigmoid, pow and fsum are evaluated element by element through engine.py's
own ops (numpy's SIMD exp/log/tanh may differ from the C library by an ulp).
"""

from __future__ import annotations

import math
import numbers
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import autograd, kernels
from .engine import Value
from .graph import topological_order
from .kernels._numba import njit

__all__ = ["CompiledStep", "Tape", "TraceError", "compile", "trace"]

# op codes: one row of the tape each
ADD, MUL, SUB, DIV, NEG, POWC, POW, EXP, LOG, SQRT, TANH, SIGMOID, RELU, LEAKY_RELU, ABS, SUM, DOT = range(17)
OP_NAMES = (
    "add", "mul", "sub", "div", "neg", "pow", "pow", "exp", "log", "sqrt",
    "tanh", "sigmoid", "relu", "leaky_relu", "abs", "sum", "dot",
)  # fmt: skip
_ENGINE_OPS = {
    "+": ADD, "*": MUL, "-": SUB, "/": DIV, "neg": NEG, "pow": POW, "exp": EXP, "log": LOG, "sqrt": SQRT,
    "tanh": TANH, "sigmoid": SIGMOID, "relu": RELU, "leaky_relu": LEAKY_RELU, "abs": ABS, "sum": SUM, "dot": DOT,
}  # fmt: skip
LEAKY_RELU_DEFAULT = 0.01  # Value.leaky_relu's default slope (PyTorch's LeakyReLU)
NEUMAIER = sys.version_info >= (3, 12)  # CPython's sum() of floats is compensated from 3.12 on


class TraceError(ValueError):
    """A graph cannot be taped (unknown op, no graph), or the traced structure changed."""


# ----------------------------------------------------------------------------------- the tape
@dataclass(eq=False)
class Tape:
    """A Value graph as flat arrays, one row per op, in topological order.

    Every node of the graph has a *slot* (its index in topological order, shown as ``t<slot>``);
    leaves (no inputs) are slots no row writes. Row ``i`` computes slot ``out[i]`` with op code
    ``op[i]`` from slots ``args[ptr[i]:ptr[i + 1]]`` (``dot``: the weights, then the inputs, then the
    bias) and the constant ``const[i]`` (the exponent of ``pow`` by a number, the slope of
    ``leaky_relu``; 0 otherwise). Leaf slots are either inputs (``input_slots``, bound to the
    Values in ``inputs``, read on every replay) or constants (their traced value in ``values``).

    Example:
        >>> from tinygrad_edu import Value
        >>> w, x = Value(2.0, label="w"), Value(3.0, label="x")
        >>> print(trace((w * x).relu() + 1, inputs=[w, x]))
        t0 = input               # w = 2
        t1 = input               # x = 3
        t2 = mul(t0, t1)
        t3 = relu(t2)
        t4 = const 1
        t5 = add(t3, t4)
        return t5
    """

    op: np.ndarray  # int32 (rows,)
    out: np.ndarray  # int32 (rows,)
    ptr: np.ndarray  # int64 (rows + 1,)
    args: np.ndarray  # int32 (edges,)
    const: np.ndarray  # float64 (rows,)
    values: np.ndarray  # float64 (slots,): traced value of every slot
    root: int
    input_slots: np.ndarray  # int64
    inputs: list[Value] = field(repr=False)
    labels: list[str] = field(repr=False)
    unsure: list[int] = field(default_factory=list, repr=False)  # rows whose constant was guessed

    @property
    def n_slots(self) -> int:
        return len(self.values)

    def __len__(self) -> int:
        """Number of rows (instructions)."""
        return len(self.op)

    def __repr__(self) -> str:
        n_leaves = self.n_slots - len(self)
        return (
            f"Tape({len(self)} instructions, {len(self.args)} operands, {n_leaves} leaves: "
            f"{len(self.inputs)} inputs, {n_leaves - len(self.inputs)} constants)"
        )

    def row(self, i: int) -> str:
        """The listing line of row ``i``: ``t17 = mul(t3, t9)``."""
        code, a = int(self.op[i]), [f"t{s}" for s in self.args[self.ptr[i] : self.ptr[i + 1]]]
        if code == POWC:
            body = f"pow({a[0]}, {self.const[i]:g})"
        elif code == LEAKY_RELU:
            body = f"leaky_relu({a[0]}, alpha={self.const[i]:g})"
        elif code == DOT:
            m = (len(a) - 1) // 2
            body = f"dot([{_join(a[:m])}], [{_join(a[m : 2 * m])}], {a[-1]})" + (f"  # {m} terms" if m > 8 else "")
        else:
            body = f"{OP_NAMES[code]}({_join(a)})" + (f"  # {len(a)} terms" if len(a) > 8 else "")
        return f"t{self.out[i]} = {body}"

    def listing(self) -> str:
        """The whole tape, one line per slot (leaves where they fall in topological order)."""
        is_input = np.zeros(self.n_slots, dtype=bool)
        is_input[self.input_slots] = True
        row_of = np.full(self.n_slots, -1)
        row_of[self.out] = np.arange(len(self))
        lines = []
        for s in range(self.n_slots):
            if row_of[s] >= 0:
                lines.append(self.row(int(row_of[s])))
            elif is_input[s]:
                name = f"{self.labels[s]} = " if self.labels[s] else ""
                lines.append(f"{f't{s} = input':<24} # {name}{self.values[s]:g}")
            else:
                lines.append(f"t{s} = const {self.values[s]:g}")
        lines.append(f"return t{self.root}")
        return "\n".join(lines)

    __str__ = listing

    def structure_diff(self, other: Tape) -> str | None:
        """None when ``other`` has the same rows, wiring, constants and inputs; else the first difference."""
        for i in range(min(len(self), len(other))):
            same = (
                self.op[i] == other.op[i]
                and self.out[i] == other.out[i]
                and np.array_equal(
                    self.args[self.ptr[i] : self.ptr[i + 1]], other.args[other.ptr[i] : other.ptr[i + 1]]
                )
                and _same_float(self.const[i], other.const[i])
            )
            if not same:
                return f"row {i} was `{self.row(i)}`, now `{other.row(i)}`"
        if len(self) != len(other) or self.n_slots != other.n_slots:
            return f"{len(self)} rows over {self.n_slots} slots before, {len(other)} rows over {other.n_slots} now"
        if not np.array_equal(self.input_slots, other.input_slots) or any(
            a is not b for a, b in zip(self.inputs, other.inputs)
        ):
            return "the input Values are not the same objects in the same places"
        consts = np.ones(self.n_slots, dtype=bool)
        consts[self.out] = False
        consts[self.input_slots] = False
        for s in np.flatnonzero(consts):
            if not _same_float(self.values[s], other.values[s]):
                return (
                    f"constant t{s} was {float(self.values[s])!r}, now {float(other.values[s])!r}; "
                    "a number that changes must be a Value made outside the function"
                )
        return None


def _join(names: list[str]) -> str:
    """Operand names for a listing line; a long list shows its first three and last two."""
    return ", ".join(names if len(names) <= 8 else [*names[:3], "…", *names[-2:]])


def _same_float(a: float, b: float) -> bool:
    return bool(a == b or (a != a and b != b))


def _pow_exponent(node: Value, strict: bool) -> float | None:
    """The exponent k of a ``**k`` node: parsed from its name, checked against the traced numbers
    (None when they disagree or cannot tell, unless ``strict``)."""
    try:
        k = float(node._op[2:])
    except ValueError:
        raise TraceError(f"cannot read the exponent of op {node._op!r}") from None
    a = node._prev[0].data
    if a == 0.0:  # at base 0 the traced numbers do not pin k down; the name is all there is
        return k if strict else None
    check = Value(a) ** k
    if _same_float(check.data, node.data) and _same_float(check._local[0], node._local[0]):
        return k
    if not strict:
        return None
    raise TraceError(
        f"op {node._op!r}: the exponent has more than the 6 significant digits its name keeps; "
        "use a Value exponent or a shorter number, or compile a function"
    )


def trace(
    root: Value, inputs: Iterable[Value] | None = None, *, _known: dict | None = None, _strict: bool = True
) -> Tape:
    """Record the graph that produced ``root`` as a `Tape`.

    Args:
        root: the output Value (usually the loss).
        inputs: the leaves to read on every replay (parameters, data placeholders). None: every leaf.
            Leaves not listed are constants, frozen at their traced value.

    Raises:
        TraceError: an op the tape does not know (naming it), or an input that is not a leaf of the graph.
    """
    if not isinstance(root, Value):
        raise TypeError(f"trace: expected a Value, got {type(root).__name__}")
    order = topological_order(root)
    slot = {id(node): s for s, node in enumerate(order)}
    op, out, ptr, args, const, unsure = [], [], [0], [], [], []
    for s, node in enumerate(order):
        if not node._prev:
            continue
        name = node._op
        code = POWC if name.startswith("**") else _ENGINE_OPS.get(name)
        if code is None:
            raise TraceError(
                f"trace: op {name!r} (node t{s}) has no tape instruction; supported: {sorted(_ENGINE_OPS)}"
            )
        c = 0.0
        if _known and id(node) in _known:  # the argument itself, seen while fn ran (see _run_watched)
            c = float(_known[id(node)][1])
        elif code == POWC:
            c = _pow_exponent(node, _strict)
            if c is None:
                c = float(node._op[2:])
                unsure.append(len(op))
        elif code == LEAKY_RELU:
            if node._prev[0].data > 0.0:  # the slope left no mark on the numbers
                c = LEAKY_RELU_DEFAULT
                unsure.append(len(op))
            else:
                c = node._local[0]
        op.append(code)
        out.append(s)
        args.extend(slot[id(p)] for p in node._prev)
        ptr.append(len(args))
        const.append(c)
    leaves = [s for s, node in enumerate(order) if not node._prev]
    if inputs is None:
        input_slots = leaves
    else:
        input_slots = []
        leaf_set = set(leaves)
        for v in inputs:
            s = slot.get(id(v), -1)
            if s not in leaf_set:
                what = "an intermediate result" if s >= 0 else "not in the graph"
                raise TraceError(f"trace: input {v!r} is {what}; inputs must be leaves of the graph")
            input_slots.append(s)
        input_slots = sorted(set(input_slots))
    return Tape(
        op=np.array(op, dtype=np.int32),
        out=np.array(out, dtype=np.int32),
        ptr=np.array(ptr, dtype=np.int64),
        args=np.array(args, dtype=np.int32),
        const=np.array(const, dtype=np.float64),
        values=np.array([node.data for node in order], dtype=np.float64),
        root=len(order) - 1,
        input_slots=np.array(input_slots, dtype=np.int64),
        inputs=[order[s] for s in input_slots],
        labels=[node.label for node in order],
        unsure=unsure,
    )


def _eager(code: int, operands: Sequence[float], c: float) -> Value:
    """Row ``code`` applied by engine.py's own op to fresh Values (its value, locals and errors)."""
    with autograd.set_grad_enabled(True):
        x = [Value(float(a)) for a in operands]
        if code == ADD:
            return x[0] + x[1]
        if code == MUL:
            return x[0] * x[1]
        if code == SUB:
            return x[0] - x[1]
        if code == DIV:
            return x[0] / x[1]
        if code == NEG:
            return -x[0]
        if code == POWC:
            return x[0] ** c
        if code == POW:
            return x[0] ** x[1]
        if code == LEAKY_RELU:
            return x[0].leaky_relu(c)
        if code == SUM:
            return Value.sum(x)
        if code == DOT:
            m = (len(x) - 1) // 2
            return Value.dot(x[:m], x[m : 2 * m], x[-1])
        return getattr(x[0], OP_NAMES[code])()


# ------------------------------------------------------------------------------ numba kernel
def _inline(fn: Callable) -> Callable:
    """A helper of the kernel: inlined by numba where it is installed, plain Python otherwise."""
    return njit(fn, inline="always")


@_inline
def _sum_add(acc: float, comp: float, x: float, neumaier: bool) -> tuple[float, float]:
    """One term of Python's ``sum()`` of floats: ``acc + x``, and from Python 3.12 on Neumaier's
    running compensation ``comp`` of the rounding error (CPython's ``builtin_sum_impl``)."""
    if not neumaier:
        return acc + x, comp
    t = acc + x
    if abs(acc) >= abs(x):
        comp += (acc - t) + x
    else:
        comp += (x - t) + acc
    return t, comp


@_inline
def _sum_end(acc: float, comp: float, neumaier: bool) -> float:
    """The end of Python's ``sum()``: add the compensation unless it is 0 or not finite."""
    if neumaier and comp != 0.0 and math.isfinite(comp):
        return acc + comp
    return acc


def _replay_impl(op, out, ptr, args, cst, v, loc, g, partials, root, neumaier):
    """Forward then backward over the tape; returns -1, or the row whose inputs eager mode rejects."""
    for i in range(op.shape[0]):
        c, s, e, o = op[i], ptr[i], ptr[i + 1], out[i]
        if c == DOT:
            m = (e - s - 1) // 2
            acc = 0.0
            comp = 0.0
            for j in range(m):
                w = v[args[s + j]]
                x = v[args[s + m + j]]
                loc[s + j] = x
                loc[s + m + j] = w
                acc, comp = _sum_add(acc, comp, w * x, neumaier)
            loc[e - 1] = 1.0
            v[o] = v[args[e - 1]] + _sum_end(acc, comp, neumaier)
            continue
        if c == SUM:  # math.fsum: Shewchuk's exact partials, CPython's final rounding
            n = 0
            special = 0.0
            inf_sum = 0.0
            for j in range(s, e):
                loc[j] = 1.0
            for j in range(s, e):
                x = v[args[j]]
                xsave = x
                kk = 0
                for q in range(n):
                    y = partials[q]
                    if abs(x) < abs(y):
                        x, y = y, x
                    hi = x + y
                    lo = y - (hi - x)
                    if lo != 0.0:
                        partials[kk] = lo
                        kk += 1
                    x = hi
                n = kk
                if x != 0.0:
                    if not math.isfinite(x):
                        if math.isfinite(xsave):
                            special = math.nan  # intermediate overflow: the plain sum below
                            inf_sum = math.nan
                            break
                        if math.isinf(xsave):
                            inf_sum += xsave
                        special += xsave
                        n = 0
                    else:
                        partials[n] = x
                        n += 1
            if special != 0.0 or special != special:
                if math.isnan(inf_sum):  # overflow, or inf − inf: Value.sum falls back to Python's sum()
                    acc = 0.0
                    comp = 0.0
                    for j in range(s, e):
                        acc, comp = _sum_add(acc, comp, v[args[j]], neumaier)
                    special = _sum_end(acc, comp, neumaier)
                v[o] = special
                continue
            hi = 0.0
            lo = 0.0
            if n > 0:
                n -= 1
                hi = partials[n]
                while n > 0:
                    x = hi
                    n -= 1
                    y = partials[n]
                    hi = x + y
                    lo = y - (hi - x)
                    if lo != 0.0:
                        break
                if n > 0 and ((lo < 0.0 and partials[n - 1] < 0.0) or (lo > 0.0 and partials[n - 1] > 0.0)):
                    y = lo * 2.0
                    x = hi + y
                    if y == x - hi:
                        hi = x
            v[o] = hi
            continue
        a = v[args[s]]
        if c == RELU:
            if a <= 0.0:
                v[o] = 0.0
                loc[s] = 0.0
            else:  # NaN stays NaN with derivative 1
                v[o] = a
                loc[s] = 1.0
        elif c == MUL:
            b = v[args[s + 1]]
            v[o] = a * b
            loc[s] = b
            loc[s + 1] = a
        elif c == ADD:
            v[o] = a + v[args[s + 1]]
            loc[s] = 1.0
            loc[s + 1] = 1.0
        elif c == SUB:
            v[o] = a - v[args[s + 1]]
            loc[s] = 1.0
            loc[s + 1] = -1.0
        elif c == DIV:
            b = v[args[s + 1]]
            if b == 0.0:
                return i
            r = a / b
            v[o] = r
            loc[s] = 1.0 / b
            loc[s + 1] = -r / b
        elif c == NEG:
            v[o] = -a
            loc[s] = -1.0
        elif c == POWC:  # a ** k is C's pow, as engine._pow: ±inf where Python's ** would raise
            k = cst[i]
            if (a < 0.0 and math.isfinite(k) and np.floor(k) != k) or (a == 0.0 and k < 0.0):
                return i
            v[o] = a**k
            loc[s] = 0.0 if k == 0.0 else k * a ** (k - 1.0)
        elif c == POW:
            k = v[args[s + 1]]
            if a < 0.0 or (a == 0.0 and k <= 0.0):
                return i
            r = a**k
            v[o] = r
            loc[s] = 0.0 if k == 0.0 else k * a ** (k - 1.0)
            if a == 0.0 and k >= 0.0:
                loc[s + 1] = 0.0
            else:
                loc[s + 1] = r * (math.log(a) if a > 0.0 else math.nan)
        elif c == EXP:
            r = math.exp(a)
            v[o] = r
            loc[s] = r
        elif c == LOG:
            if a <= 0.0:
                return i
            v[o] = math.log(a)
            loc[s] = 1.0 / a
        elif c == SQRT:
            if a < 0.0:
                return i
            r = math.sqrt(a)
            v[o] = r
            loc[s] = 0.5 / r if r != 0.0 else math.copysign(math.inf, r)
        elif c == TANH:
            t = math.tanh(a)
            v[o] = t
            loc[s] = 1.0 - t * t
        elif c == SIGMOID:
            if a >= 0.0:
                r = 1.0 / (1.0 + math.exp(-a))
            else:
                ea = math.exp(a)
                r = ea / (1.0 + ea)
            v[o] = r
            loc[s] = r * (1.0 - r)
        elif c == LEAKY_RELU:
            if a > 0.0:
                v[o] = a
                loc[s] = 1.0
            else:
                v[o] = cst[i] * a
                loc[s] = cst[i]
        elif c == ABS:
            v[o] = abs(a)
            loc[s] = 1.0 if a > 0.0 else (-1.0 if a < 0.0 else 0.0)
    # backward: Value.backward's loop, rows in reverse topological order
    for q in range(g.shape[0]):
        g[q] = 0.0
    g[root] = 1.0
    for i in range(op.shape[0] - 1, -1, -1):
        gi = g[out[i]]
        if gi != 0.0:
            for j in range(ptr[i], ptr[i + 1]):
                g[args[j]] += loc[j] * gi
    return -1


_replay_numba = None


def _kernel() -> Callable:
    global _replay_numba
    if _replay_numba is None:
        _replay_numba = njit(_replay_impl)
    return _replay_numba


# ------------------------------------------------------------------------------- numpy twin
_ELEMENTWISE = (POWC, POW, EXP, LOG, TANH, SIGMOID)  # evaluated per row through engine.py


class _TwinPlan:
    """The tape regrouped for numpy: forward by depth, backward by height, rows of one op together."""

    def __init__(self, tape: Tape) -> None:
        op, out, ptr, args = tape.op, tape.out, tape.ptr, tape.args
        n_rows, n_edges = len(op), len(args)
        self.edge_out = np.repeat(out, np.diff(ptr)).astype(np.int64)
        depth = np.zeros(tape.n_slots, dtype=np.int64)
        for i in range(n_rows):  # longest path from a leaf
            depth[out[i]] = 1 + depth[args[ptr[i] : ptr[i + 1]]].max()
        groups: dict[tuple[int, int, int], list[int]] = {}
        for i in range(n_rows):
            groups.setdefault((int(depth[out[i]]), int(op[i]), int(ptr[i + 1] - ptr[i])), []).append(i)
        self.forward = []
        for (_, code, arity), rows in sorted(groups.items()):
            rows_a = np.array(rows)
            edges = ptr[rows_a][:, None] + np.arange(arity)
            self.forward.append((code, rows_a, out[rows_a].astype(np.int64), args[edges].astype(np.int64), edges))
        # backward: a slot's gradient is the sum of its incoming contributions in Value.backward's order
        height = np.zeros(tape.n_slots, dtype=np.int64)
        incoming: list[list[int]] = [[] for _ in range(tape.n_slots)]
        for i in range(n_rows - 1, -1, -1):
            h = height[out[i]] + 1
            for j in range(ptr[i], ptr[i + 1]):
                p = args[j]
                height[p] = max(height[p], h)
                incoming[p].append(j)
        by_height: dict[int, dict[int, list[int]]] = {}
        for s in range(tape.n_slots):
            if s != tape.root:
                by_height.setdefault(int(height[s]), {}).setdefault(len(incoming[s]), []).append(s)
        row_height = height[out]
        self.backward = []
        for h in sorted(by_height):
            sums = [(np.array(slots), np.array([incoming[s] for s in slots], dtype=np.int64).reshape(len(slots), k))
                    for k, slots in by_height[h].items()]  # fmt: skip
            rows = np.flatnonzero(row_height == h)
            edges = np.concatenate([np.arange(ptr[i], ptr[i + 1]) for i in rows]) if len(rows) else np.zeros(0, int)
            self.backward.append((sums, edges))
        rows0 = np.flatnonzero(out == tape.root)
        self.root_edges = np.arange(ptr[rows0[0]], ptr[rows0[0] + 1]) if len(rows0) else np.zeros(0, int)
        self.n_edges = n_edges

    def run(self, tape: Tape, v: np.ndarray, loc: np.ndarray, g: np.ndarray) -> None:
        with np.errstate(all="ignore"):  # inf and NaN propagate as in eager mode, without warnings
            self._run(tape, v, loc, g)

    def _run(self, tape: Tape, v: np.ndarray, loc: np.ndarray, g: np.ndarray) -> None:
        for code, rows, o, A, E in self.forward:
            if code in _ELEMENTWISE:
                for r, slot, ins, es in zip(rows, o, A, E):
                    node = _checked(tape, r, v[ins])
                    v[slot] = node.data
                    loc[es] = node._local
                continue
            if code == SUM:  # math.fsum, as Value.sum: exact only when taken in one go, so one row at a time
                loc[E] = 1.0
                for r, slot, ins in zip(rows, o, A):
                    try:
                        v[slot] = math.fsum(v[ins].tolist())
                    except (ValueError, OverflowError):  # no finite exact sum: engine.py's fallback
                        v[slot] = _checked(tape, r, v[ins]).data
                continue
            a = v[A[:, 0]]
            if code == RELU:
                pos = ~(a <= 0.0)  # NaN passes, as in engine.py
                v[o] = np.where(pos, a, 0.0)
                loc[E[:, 0]] = pos
            elif code == MUL:
                b = v[A[:, 1]]
                v[o] = a * b
                loc[E[:, 0]], loc[E[:, 1]] = b, a
            elif code in (ADD, SUB):
                v[o] = a + v[A[:, 1]] if code == ADD else a - v[A[:, 1]]
                loc[E[:, 0]], loc[E[:, 1]] = 1.0, (1.0 if code == ADD else -1.0)
            elif code == DIV:
                b = v[A[:, 1]]
                if (b == 0.0).any():
                    r = int(np.flatnonzero(b == 0.0)[0])
                    _checked(tape, rows[r], v[A[r]])
                res = a / b
                v[o] = res
                loc[E[:, 0]], loc[E[:, 1]] = 1.0 / b, -res / b
            elif code == NEG:
                v[o], loc[E[:, 0]] = -a, -1.0
            elif code == SQRT:
                if (a < 0.0).any():
                    r = int(np.flatnonzero(a < 0.0)[0])
                    _checked(tape, rows[r], v[A[r]])
                res = np.sqrt(a)
                v[o] = res
                with np.errstate(divide="ignore"):
                    loc[E[:, 0]] = np.where(res != 0.0, 0.5 / res, np.copysign(math.inf, res))
            elif code == LEAKY_RELU:
                pos, alpha = a > 0.0, tape.const[rows]
                v[o] = np.where(pos, a, alpha * a)
                loc[E[:, 0]] = np.where(pos, 1.0, alpha)
            elif code == ABS:
                v[o] = np.abs(a)
                loc[E[:, 0]] = np.where(a > 0.0, 1.0, np.where(a < 0.0, -1.0, 0.0))
            elif code == DOT:
                m = (A.shape[1] - 1) // 2
                W, X = v[A[:, :m]], v[A[:, m : 2 * m]]
                loc[E[:, :m]], loc[E[:, m : 2 * m]], loc[E[:, -1]] = X, W, 1.0
                v[o] = v[A[:, -1]] + _python_sum(W * X)
        contrib = np.zeros(self.n_edges + 1)

        def push(edges: np.ndarray) -> None:
            go = g[self.edge_out[edges]]
            with np.errstate(invalid="ignore"):
                contrib[edges] = np.where(go != 0.0, loc[edges] * go, 0.0)

        g[tape.root] = 1.0
        push(self.root_edges)
        for sums, edges in self.backward:
            for slots, incoming in sums:  # left to right: the order in which Value.backward adds them
                g[slots] = _sequential_sum(contrib[incoming])
            push(edges)


def _sequential_sum(terms: np.ndarray) -> np.ndarray:
    """Row sums of a 2-D array, left to right: ((0 + t₀) + t₁) + … (``add.accumulate`` is sequential;
    ``+ 0.0`` turns the −0.0 that an all-(−0.0) row gives into the +0.0 that starting from 0 gives)."""
    if terms.shape[1] == 0:
        return np.zeros(terms.shape[0])
    return np.add.accumulate(terms, axis=1)[:, -1] + 0.0


def _python_sum(terms: np.ndarray) -> np.ndarray:
    """Row sums of a 2-D array as Python's ``sum()`` adds floats: left to right, with Neumaier's
    compensation from Python 3.12 on."""
    if not NEUMAIER:
        return _sequential_sum(terms)
    acc, comp = np.zeros(terms.shape[0]), np.zeros(terms.shape[0])
    for p in terms.T:
        t = acc + p
        comp += np.where(np.abs(acc) >= np.abs(p), (acc - t) + p, (p - t) + acc)
        acc = t
    return np.where((comp != 0.0) & np.isfinite(comp), acc + comp, acc)


def _checked(tape: Tape, row: int, operands: np.ndarray) -> Value:
    """Apply row ``row`` eagerly; an error names the row of the tape it came from."""
    try:
        return _eager(int(tape.op[row]), operands.tolist(), float(tape.const[row]))
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        raise type(err)(f"{err} (at `{tape.row(row)}` in the compiled tape)") from err


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
        self._plan = _TwinPlan(tape) if not jit else None

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
        tape, v, g = self.tape, self._v, self._g
        v[tape.input_slots] = [x.data for x in self.inputs]
        if self.jit:
            err = _kernel()(
                tape.op, tape.out, tape.ptr, tape.args, tape.const, v, self._loc, g, self._partials, tape.root, NEUMAIER
            )
            if err >= 0:
                _checked(tape, err, v[tape.args[tape.ptr[err] : tape.ptr[err + 1]]])
                raise RuntimeError(f"internal: the kernel stopped at `{tape.row(err)}` but eager mode accepts it")
        else:
            self._plan.run(tape, v, self._loc, g)
        for x, gx in zip(self.inputs, g[tape.input_slots].tolist()):
            x.grad = gx
        value = float(v[tape.root])
        if self.root is not None:
            self.root.data, self.root.grad = value, 1.0
        return value

    def feed(self, leaves: Sequence[Value] | Sequence[Sequence[Value]], values: np.ndarray | Sequence) -> None:
        """Put new numbers into input leaves (a mini-batch of the same size): ``leaves`` and ``values``
        have the same shape; sets each leaf's ``.data``, which the next call reads.

        Raises:
            ValueError: a shape mismatch, or a leaf that is not an input of this tape (a constant made
                inside the traced function is frozen: make such data a Value outside the function).
        """
        flat = list(_flatten(leaves))
        vals = np.asarray(values, dtype=np.float64)
        if vals.size != len(flat):
            raise ValueError(f"feed: {len(flat)} leaves but {vals.size} values (shape {vals.shape})")
        known = {id(x) for x in self.inputs}
        for x in flat:
            if id(x) not in known:
                raise ValueError(f"feed: {x!r} is not an input of this tape; only Values that exist outside fn are")
        for x, val in zip(flat, vals.ravel().tolist()):
            x.data = val


def _flatten(items: Iterable) -> Iterable[Value]:
    for item in items:
        if isinstance(item, Value):
            yield item
        else:
            yield from _flatten(item)


_WATCHED = {Value.__pow__.__code__: "exponent", Value.leaky_relu.__code__: "alpha"}


def _run_watched(fn: Callable[[], Value]) -> tuple[Value, dict]:
    """Call ``fn`` and note the number argument of every ``x ** k`` and ``x.leaky_relu(alpha)`` it
    makes, keyed by the id of the result (a profile hook that looks at those two methods only)."""
    known: dict[int, tuple[Value, float]] = {}

    def hook(frame, event: str, result) -> None:
        name = _WATCHED.get(frame.f_code) if event == "return" else None
        if name is not None and isinstance(result, Value):
            arg = frame.f_locals.get(name)
            if isinstance(arg, numbers.Real):
                known[id(result)] = (result, arg)  # the result is kept alive, so its id stays unique

    previous = sys.getprofile()
    sys.setprofile(hook)
    try:
        root = fn()
    finally:
        sys.setprofile(previous)
    return root, known


def _trace_fn(fn: Callable[[], Value], inputs: Sequence[Value] | None, watch: bool, strict: bool = True) -> Tape:
    root, known = _run_watched(fn) if watch else (fn(), None)
    if not isinstance(root, Value):
        raise TypeError(f"compile: fn must return a Value, got {type(root).__name__}")
    if not root._prev:
        raise TraceError("compile: fn returned a leaf (no graph to trace); was it built under no_grad()?")
    return trace(root, inputs, _known=known, _strict=strict)


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
        first = _trace_fn(fn, given, watch=False, strict=False)
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
