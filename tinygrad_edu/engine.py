"""`Value`: a scalar that remembers how it was computed, with reverse-mode autodiff.

How an op is defined (one mechanism for all of them)
----------------------------------------------------
Each op computes its result ``out = f(a, b, ...)`` *and* the local partial derivatives
``∂f/∂a, ∂f/∂b, ...`` at the same moment, and stores the inputs in ``out._prev`` and the local
derivatives in ``out._local``. `Value.backward` then applies the chain rule with one loop for
every op; this is the loop it runs::

    order = topological_order(self)               # every node, inputs before their users
    upstream = dict.fromkeys(order, 0.0)          # dL/dnode gathered during this call: its own scratch
    upstream[self] = float(grad)                  # dL/dself: 1 for a loss
    for node in reversed(order):                  # users before inputs: upstream[node] is complete
        g = upstream[node]
        if g != 0.0:                              # nothing to pass on (a dead ReLU's whole branch)
            for parent, local in zip(node._prev, node._local):
                upstream[parent] += local * g     # dL/dparent += ∂node/∂parent · dL/dnode
    with _accumulating:                           # one call at a time adds to the shared .grad
        for node, g in upstream.items():
            node.grad += g                        # .grad accumulates across calls, as in PyTorch

Skipping g = 0 differs from PyTorch only where a local derivative is ±inf or NaN (√a at a = 0, say):
PyTorch multiplies 0 by it and passes NaN on, this loop passes nothing, which is the derivative of
the function actually computed (0·√a is 0 everywhere).

The scratch ``upstream`` belongs to the call, so threads that backpropagate graphs sharing
parameters (one model, a batch split over threads) never mix their partial sums, and the lock
makes each ``+=`` into a shared ``.grad`` whole: the result is the sum of every call's gradient,
whatever the interleaving.

So an op's forward formula and its derivative sit side by side in one method, and no per-node
closure is allocated. A closure that refers to its own output (as micrograd's ``_backward`` does)
makes a reference cycle in every node, which only Python's cyclic garbage collector can free; here
a node refers only to its inputs, so a graph is freed as soon as it goes out of scope.
"""

from __future__ import annotations

import numbers
import threading
from collections.abc import Iterable
from typing import Union

from . import scalar_ops as ops
from .autograd import _state, _threads_without_grad, topological_order
from .scalar_ops import OPS

Number = int | float
Operand = Union["Value", int, float]

#: Held while a `Value.backward` call adds its gradients into ``.grad``: ``x.grad += g`` is a read
#: and a write, and another thread writing between them would lose its addition. (CPython with the
#: GIL switches threads only at calls and loop jumps, never inside this statement; a free-threaded
#: build has no such guarantee.)
_accumulating = threading.Lock()


def _new(data: float, prev: tuple, local: tuple, op: str) -> Value:
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


def _unary(code: int, x: Value, c: float = 0.0, symbol: str = "") -> Value:
    """Op ``code`` of the table (`tinygrad_edu.scalar_ops`) applied to ``x`` (with its number ``c``)."""
    op = OPS[code]
    out, local, _, err = op.formula(x.data, 0.0, c)
    if err:
        raise op.error(err, x.data, 0.0, c)
    return _new(out, (x,), (local,), symbol or op.symbol)


def _binary(code: int, x: Value, y: Operand) -> Value:
    """Op ``code`` of the table applied to ``x`` and ``y`` (a number becomes a leaf)."""
    y = _as_value(y)
    op = OPS[code]
    out, da, db, err = op.formula(x.data, y.data, 0.0)
    if err:
        raise op.error(err, x.data, y.data, 0.0)
    return _new(out, (x, y), (da, db), op.symbol)


def _as_value(x: Operand) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real):
        return Value(x)
    raise TypeError(f"Value: cannot combine a Value with {type(x).__name__} {x!r}; use a number or a Value")


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

    __slots__ = ("data", "grad", "label", "_prev", "_local", "_op")

    def __init__(self, data: Number, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError("Value: data is already a Value; use it directly")
        if not isinstance(data, numbers.Real):
            raise TypeError(f"Value: data must be a real number, got {type(data).__name__} {data!r}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self._prev: tuple[Value, ...] = ()
        self._local: tuple[float, ...] = ()
        self._op = ""

    def __repr__(self) -> str:
        name = f"label={self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ------------------------------------------------- arithmetic (formulas: tinygrad_edu.scalar_ops)
    def __add__(self, other: Operand) -> Value:
        """a + b;  ∂/∂a = 1, ∂/∂b = 1."""
        return _binary(ops.ADD, self, other)

    def __mul__(self, other: Operand) -> Value:
        """a · b;  ∂/∂a = b, ∂/∂b = a."""
        return _binary(ops.MUL, self, other)

    def __sub__(self, other: Operand) -> Value:
        """a − b;  ∂/∂a = 1, ∂/∂b = −1."""
        return _binary(ops.SUB, self, other)

    def __truediv__(self, other: Operand) -> Value:
        """a / b;  ∂/∂a = 1/b, ∂/∂b = −(a/b)/b. ZeroDivisionError for b = 0."""
        return _binary(ops.DIV, self, other)

    def __neg__(self) -> Value:
        """−a;  ∂/∂a = −1."""
        return _unary(ops.NEG, self)

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
            return _binary(ops.POW, self, exponent)
        if not isinstance(exponent, numbers.Real):
            raise TypeError(f"pow: exponent must be a number or a Value, got {type(exponent).__name__}")
        k = float(exponent)
        return _unary(ops.POWC, self, k, ops.pow_symbol(k))

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
    def exp(self) -> Value:
        """eᵃ;  ∂/∂a = eᵃ. Overflows to +inf above a ≈ 709.78, as IEEE float64 does."""
        return _unary(ops.EXP, self)

    def log(self) -> Value:
        """ln a;  ∂/∂a = 1/a. Defined for a > 0 only; NaN gives NaN, as in PyTorch."""
        return _unary(ops.LOG, self)

    def log10(self) -> Value:
        """log₁₀ a;  ∂/∂a = 1/(a·ln 10). Defined for a > 0 only; NaN gives NaN, as in PyTorch.

        >>> x = Value(100.0)
        >>> y = x.log10()
        >>> y.backward()
        >>> y.data, round(x.grad, 7)   # 1/(100 · ln 10)
        (2.0, 0.0043429)
        """
        return _unary(ops.LOG10, self)

    def sqrt(self) -> Value:
        """√a;  ∂/∂a = 1/(2√a) (+inf at a = 0). Defined for a ≥ 0 only; NaN gives NaN, as in PyTorch."""
        return _unary(ops.SQRT, self)

    def tanh(self) -> Value:
        """tanh a = (e^{2a} − 1)/(e^{2a} + 1);  ∂/∂a = 1 − tanh² a."""
        return _unary(ops.TANH, self)

    def sigmoid(self) -> Value:
        """σ(a) = 1/(1 + e^{−a});  ∂/∂a = σ(a)(1 − σ(a)).

        Stable for large |a|: for a < 0 it is computed as eᵃ/(1 + eᵃ), so e^{−a} never overflows.
        """
        return _unary(ops.SIGMOID, self)

    def relu(self) -> Value:
        """max(0, a);  ∂/∂a = 1 for a > 0, else 0 (PyTorch's choice at a = 0).

        NaN stays NaN with ∂/∂a = 1, as in PyTorch (a NaN must not vanish into a 0 that looks fine).
        """
        return _unary(ops.RELU, self)

    def leaky_relu(self, alpha: float = ops.LEAKY_RELU_DEFAULT) -> Value:
        """a for a > 0, else α·a;  ∂/∂a = 1 or α. α = 0.01 as in PyTorch's LeakyReLU."""
        return _unary(ops.LEAKY_RELU, self, float(alpha))

    def abs(self) -> Value:
        """|a|;  ∂/∂a = sign(a), with sign(0) = 0 as in PyTorch."""
        return _unary(ops.ABS, self)

    __abs__ = abs

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
        upstream = dict.fromkeys(order, 0.0)
        upstream[self] = float(grad)
        for node in reversed(order):
            g = upstream[node]
            if g != 0.0:
                for parent, local in zip(node._prev, node._local):
                    upstream[parent] += local * g
        with _accumulating:
            for node, g in upstream.items():
                node.grad += g

    def zero_grad(self) -> None:
        """Set the gradient of this node and of every node it was computed from to 0.0."""
        for node in topological_order(self):
            node.grad = 0.0

    def numel(self) -> int:
        """Number of scalars held: 1 (the Tensor counterpart returns its size)."""
        return 1
