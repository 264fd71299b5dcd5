"""The tape: a `Value` graph recorded as flat arrays, one row per op, in topological order.

`trace` walks the graph once; each node that has inputs becomes a row (its op code from the table
of `tinygrad_edu.scalar_ops`, the slots it reads, the slot it writes, the number it carries).
Every number a row needs is in the graph: the exponent of ``x ** k`` in the node's label, exactly
(``"**1.23456789"``); the slope of ``leaky_relu`` in its local derivative when the traced input was
≤ 0, else the default 0.01 (a row marked ``unsure``: `tinygrad_edu.compile` notes the argument
itself while the function runs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from ..engine import Value
from ..graph import topological_order
from ..scalar_ops import CODE_OF_SYMBOL, DOT, LEAKY_RELU, LEAKY_RELU_DEFAULT, OP_NAMES, POWC, pow_symbol

__all__ = ["Tape", "TraceError", "trace"]


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
    _lists: tuple | None = field(default=None, repr=False)

    @property
    def n_slots(self) -> int:
        return len(self.values)

    def as_lists(self) -> tuple[list, list, list, list, list]:
        """``op, out, ptr, args, const`` as Python lists (what the twin reads; made once)."""
        if self._lists is None:
            self._lists = (
                self.op.tolist(),
                self.out.tolist(),
                self.ptr.tolist(),
                self.args.tolist(),
                self.const.tolist(),
            )
        return self._lists

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
            body = f"pow({a[0]}, {pow_symbol(float(self.const[i]))[2:]})"
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


def trace(root: Value, inputs: Iterable[Value] | None = None, *, _known: dict | None = None) -> Tape:
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
    op: list[int] = []  # the rows of the tape, as lists while they grow
    out: list[int] = []
    ptr = [0]  # row i reads slots args[ptr[i]:ptr[i + 1]]
    args: list[int] = []
    const: list[float] = []
    unsure: list[int] = []  # rows of leaky_relu whose slope the numbers do not show
    for s, node in enumerate(order):
        if not node._prev:
            continue
        name = node._op
        code = POWC if name.startswith("**") else CODE_OF_SYMBOL.get(name)
        if code is None:
            raise TraceError(
                f"trace: op {name!r} (node t{s}) has no tape instruction; supported: {sorted(CODE_OF_SYMBOL)} and '**k'"
            )
        c = 0.0
        if _known and id(node) in _known:  # the argument itself, seen while fn ran (see _run_watched)
            c = float(_known[id(node)][1])
        elif code == POWC:
            c = _pow_exponent(node)
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


def _pow_exponent(node: Value) -> float:
    """The exponent k of a ``**k`` node, read from its label (which holds it exactly)."""
    try:
        return float(node._op[2:])
    except ValueError:
        raise TraceError(f"cannot read the exponent of op {node._op!r}") from None
