"""`Value`: a scalar that remembers how it was computed, with reverse-mode autodiff.

How an op is defined (one mechanism for all of them)
----------------------------------------------------
Each op computes its result ``out = f(a, b, ...)`` *and* the local partial derivatives
``∂f/∂a, ∂f/∂b, ...`` at the same moment, and stores the inputs in ``out._prev`` and the local
derivatives in ``out._local``. `Value.backward` then applies the chain rule with one loop for
every op; this is the loop it runs::

    order = topological_order(self)               # every node, inputs before their users
    with _walking:                                # one walk at a time (threads, see below)
        for node in order:
            node._upstream = 0.0                  # dL/dnode gathered during this walk
        self._upstream = float(grad)              # dL/dself: 1 for a loss
        for node in reversed(order):              # users before inputs: node._upstream is complete
            g = node._upstream
            node.grad += g                        # .grad accumulates across calls, as in PyTorch
            if g != 0.0:                          # nothing to pass on (a dead ReLU's whole branch)
                for parent, local in zip(node._prev, node._local):
                    parent._upstream += local * g  # dL/dparent += ∂node/∂parent · dL/dnode

Skipping g = 0 differs from PyTorch only where a local derivative is ±inf or NaN (√a at a = 0, say):
PyTorch multiplies 0 by it and passes NaN on, this loop passes nothing, which is the derivative of
the function actually computed (0·√a is 0 everywhere).

Graphs built in several threads may share nodes (one model's parameters, a batch split over
threads); their walks would then add into the same ``_upstream`` scratch and the same ``.grad``.
The lock lets one walk run at a time, so each walk has the scratch to itself and every ``+=`` into
a shared ``.grad`` is whole: the result is the sum of every call's gradient, whatever the
interleaving. (The walk is pure Python, which holds the GIL anyway, so the lock costs no
parallelism; a scratch of the walk's own, a dict, made every backward 21% slower.)

So an op's forward formula and its derivative sit side by side in one function of the op table
(`tinygrad_edu.scalar_ops`), which the op's method calls, and no per-node
closure is allocated. A closure that refers to its own output (as micrograd's ``_backward`` does)
makes a reference cycle in every node, which only Python's cyclic garbage collector can free; here
a node refers only to its inputs, so a graph is freed as soon as it goes out of scope.
"""

from __future__ import annotations

import numbers
import threading
from collections.abc import Callable, Iterable
from typing import Union

from . import scalar_ops as ops
from .graph import _state, _threads_without_grad, topological_order
from .scalar_ops import OPS

Number = int | float
Operand = Union["Value", int, float]

#: Held by each `Value.backward` walk: the ``_upstream`` scratch of shared nodes and ``.grad``'s
#: read-then-write ``+=`` belong to one walk at a time (see the module doc).
_walking = threading.Lock()


def _new(data: float, prev: tuple[Value, ...], local: tuple[float, ...], op: str) -> Value:
    """Build a result node without going through ``__init__`` (the hot path of every op)."""
    out = object.__new__(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if not _threads_without_grad or _state.grad_enabled:  # grad mode of this thread, see autograd
        out._prev = prev
        out._local = local
        out._op = op
    else:
        out._prev = ()
        out._local = ()
        out._op = ""
    return out


def _unary_method(code: int) -> Callable[[Value], Value]:
    """The `Value` method of op ``code`` of the table (one operand, no number): calls its formula
    and builds the node, or raises the op's error. The formula's docstring states the math."""
    op = OPS[code]
    formula, symbol = op.formula, op.symbol
    assert formula is not None, f"{op.name} is n-ary: it has no elementwise formula"

    def method(self: Value) -> Value:
        out, local, _, err = formula(self.data, 0.0, 0.0)
        if err:
            raise op.error(err, self.data, 0.0, 0.0)
        return _new(out, (self,), (local,), symbol)

    method.__name__, method.__qualname__, method.__doc__ = op.name, f"Value.{op.name}", formula.__doc__
    return method


def _binary_method(code: int, name: str) -> Callable[[Value, Operand], Value]:
    """The `Value` method ``name`` of op ``code`` of the table (two operands; a number becomes a leaf)."""
    op = OPS[code]
    formula, symbol = op.formula, op.symbol
    assert formula is not None, f"{op.name} is n-ary: it has no elementwise formula"

    def method(self: Value, other: Operand) -> Value:
        if not isinstance(other, Value):
            other = _as_value(other)
        out, da, db, err = formula(self.data, other.data, 0.0)
        if err:
            raise op.error(err, self.data, other.data, 0.0)
        return _new(out, (self, other), (da, db), symbol)

    method.__name__, method.__qualname__, method.__doc__ = name, f"Value.{name}", formula.__doc__
    return method


def _as_value(x: Operand) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real):
        return Value(x)
    raise TypeError(f"Value: cannot combine a Value with {type(x).__name__} {x!r}; use a number or a Value")


_pow_value = _binary_method(ops.POW, "__pow__")


class Value:
    """A scalar node of a computation graph.

    Attributes:
        data: the number this node holds (a Python float).
        grad: dL/d(this node) after ``L.backward()``; 0.0 until then. Gradients accumulate
            (``+=``) across uses of the node and across ``backward()`` calls until `zero_grad`.
        label: a name shown in `tinygrad_edu.draw_dot` pictures (``"w1"``, ``"E_total"`` ...).

    Example:
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> c = a * b + b ** 2
        >>> c.backward()
        >>> a.grad, b.grad          # ∂c/∂a = b,  ∂c/∂b = a + 2b
        (-3.0, -4.0)
    """

    __slots__ = ("data", "grad", "label", "_prev", "_local", "_op", "_upstream")
    data: float
    grad: float
    label: str
    _prev: tuple[Value, ...]  # the inputs this node was computed from
    _local: tuple[float, ...]  # ∂self/∂input for each of _prev, in the same order
    _op: str
    _upstream: float  # dL/dself, gathered during one backward walk

    def __init__(self, data: Number, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError("Value: data is already a Value; use it directly")
        if not isinstance(data, numbers.Real):
            raise TypeError(f"Value: data must be a real number, got {type(data).__name__} {data!r}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self._prev = ()
        self._local = ()
        self._op = ""

    def __repr__(self) -> str:
        name = f"label={self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # --------------------------------- arithmetic (each formula and its docstring: tinygrad_edu.scalar_ops)
    __add__ = _binary_method(ops.ADD, "__add__")
    __mul__ = _binary_method(ops.MUL, "__mul__")
    __sub__ = _binary_method(ops.SUB, "__sub__")
    __truediv__ = _binary_method(ops.DIV, "__truediv__")
    __neg__ = _unary_method(ops.NEG)

    def __pow__(self, exponent: Operand) -> Value:
        """a ** k.

        With a number k:  ∂/∂a = k·a^(k−1).
        With a Value k:   ∂/∂a = k·a^(k−1),  ∂/∂k = a^k · ln a  (needs a > 0, or a = 0 with k > 0,
        where ∂/∂k is taken as 0, the limit from the right, as PyTorch does).

        Both derivatives follow PyTorch at the edges: ∂/∂a is 0 when k = 0 (even for a = 0 or NaN),
        ∂/∂k is 0 at a = 0, NaN and ±inf propagate as IEEE pow does (1^NaN = 1, (−2)^inf = inf), and
        a result too large for a float is ±inf rather than Python's OverflowError. The node's label
        holds k exactly (``**2``, ``**1.23456789``).
        """
        if isinstance(exponent, Value):
            return _pow_value(self, exponent)
        if not isinstance(exponent, numbers.Real):
            raise TypeError(f"pow: exponent must be a number or a Value, got {type(exponent).__name__}")
        k = float(exponent)
        out, local, _, err = ops.pow_const(self.data, 0.0, k)
        if err:
            raise OPS[ops.POWC].error(err, self.data, 0.0, k)
        return _new(out, (self,), (local,), ops.pow_symbol(k))

    def __radd__(self, other: Number) -> Value:
        return _as_value(other) + self

    def __rmul__(self, other: Number) -> Value:
        return _as_value(other) * self

    def __rsub__(self, other: Number) -> Value:
        return _as_value(other) - self

    def __rtruediv__(self, other: Number) -> Value:
        return _as_value(other) / self

    def __rpow__(self, base: Number) -> Value:
        return _as_value(base) ** self

    # ------------------------------------------------------------ elementary functions
    exp = _unary_method(ops.EXP)
    log = _unary_method(ops.LOG)
    log10 = _unary_method(ops.LOG10)
    sqrt = _unary_method(ops.SQRT)
    tanh = _unary_method(ops.TANH)
    sigmoid = _unary_method(ops.SIGMOID)
    relu = _unary_method(ops.RELU)
    abs = _unary_method(ops.ABS)
    __abs__ = abs

    def leaky_relu(self, alpha: float = ops.LEAKY_RELU_DEFAULT) -> Value:
        """a for a > 0, else α·a;  ∂/∂a = 1 or α. α = 0.01 as in PyTorch's LeakyReLU."""
        a, alpha = self.data, float(alpha)
        out, local, _, _ = ops.leaky_relu(a, 0.0, alpha)
        return _new(out, (self,), (local,), OPS[ops.LEAKY_RELU].symbol)

    # ------------------------------------------------------------------ n-ary ops
    @staticmethod
    def sum(values: Iterable[Operand]) -> Value:
        """Σ vᵢ as one node;  ∂/∂vᵢ = 1. Equal to chained ``+`` but n − 1 nodes smaller.

        The sum is exactly rounded (`math.fsum`); where the exact sum is not a finite float
        (an overflow, or inf − inf) it is the plain left-to-right sum: ±inf or NaN, as in PyTorch.
        """
        vals = tuple(_as_value(v) for v in values)
        return _new(ops.fsum([v.data for v in vals]), vals, (1.0,) * len(vals), "sum")

    @staticmethod
    def dot(weights: Iterable[Operand], inputs: Iterable[Operand], bias: Operand = 0.0) -> Value:
        """b + Σ wᵢ·xᵢ as one node (a neuron's pre-activation);  ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1."""
        ws = tuple(_as_value(w) for w in weights)
        xs = tuple(_as_value(x) for x in inputs)
        if len(ws) != len(xs):
            raise ValueError(f"dot: {len(ws)} weights but {len(xs)} inputs")
        b = _as_value(bias)
        wd = tuple(w.data for w in ws)
        xd = tuple(x.data for x in xs)
        out = b.data + sum(w * x for w, x in zip(wd, xd))
        return _new(out, ws + xs + (b,), xd + wd + (1.0,), "dot")

    # ------------------------------------------------------------------ autodiff
    def backward(self, grad: float = 1.0) -> None:
        """Accumulate dself/dnode into ``node.grad`` for every node this one was computed from.

        ``grad`` is the upstream gradient dL/dself (1.0 when self is the loss). Each call adds
        to the existing ``.grad`` values, as PyTorch does; call `zero_grad` (or an optimizer's)
        between steps. Only this call's contribution flows through the graph, so calling it
        twice on the same graph exactly doubles every gradient.
        """
        order = topological_order(self)
        with _walking:
            for node in order:
                node._upstream = 0.0
            self._upstream = float(grad)
            for node in reversed(order):
                g = node._upstream
                node.grad += g
                if g != 0.0:
                    for parent, local in zip(node._prev, node._local):
                        parent._upstream += local * g

    def zero_grad(self) -> None:
        """Set the gradient of this node and of every node it was computed from to 0.0."""
        for node in topological_order(self):
            node.grad = 0.0

    def numel(self) -> int:
        """Number of scalars held: 1 (the Tensor counterpart returns its size)."""
        return 1
