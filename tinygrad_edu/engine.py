"""`Value`: a scalar that remembers how it was computed, with reverse-mode autodiff.

How an op is defined (one mechanism for all of them)
----------------------------------------------------
Each op computes its result ``out = f(a, b, ...)`` *and* the local partial derivatives
``∂f/∂a, ∂f/∂b, ...`` at the same moment, and stores the inputs in ``out._prev`` and the local
derivatives in ``out._local``. `Value.backward` then applies the chain rule with one loop for
every op; this is the loop it runs::

    order = topological_order(self)               # every node, inputs before their users
    for node in order:
        node._upstream = 0.0                      # dL/dnode gathered during this call
    self._upstream = float(grad)                  # dL/dself: 1 for a loss
    for node in reversed(order):                  # users before inputs: node._upstream is complete
        g = node._upstream
        node.grad += g                            # .grad accumulates across calls, as in PyTorch
        if g != 0.0:                              # nothing to pass on (a dead ReLU's whole branch)
            for parent, local in zip(node._prev, node._local):
                parent._upstream += local * g     # dL/dparent += ∂node/∂parent · dL/dnode

Skipping g = 0 differs from PyTorch only where a local derivative is ±inf or NaN (√a at a = 0, say):
PyTorch multiplies 0 by it and passes NaN on, this loop passes nothing, which is the derivative of
the function actually computed (0·√a is 0 everywhere).

So an op's forward formula and its derivative sit side by side in one method, and no per-node
closure is allocated. A closure that refers to its own output (as micrograd's ``_backward`` does)
makes a reference cycle in every node, which only Python's cyclic garbage collector can free; here
a node refers only to its inputs, so a graph is freed as soon as it goes out of scope.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Union

from .graph import _state, _threads_without_grad, topological_order

Number = int | float
Operand = Union["Value", int, float]


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


def _pow(a: float, k: float) -> float:
    """aᵏ as C's ``pow`` gives it (so as numpy and PyTorch do): ±inf where Python's ``**`` raises
    OverflowError, and ±inf for 0 to a negative power where it raises ZeroDivisionError."""
    try:
        return a**k
    except (OverflowError, ZeroDivisionError):
        odd = k.is_integer() and k % 2.0 == 1.0
        if a == 0.0:  # k < 0: C99 gives ±inf, the sign of a zero base kept for odd integer k
            return math.copysign(math.inf, a) if odd else math.inf
        return -math.inf if (a < 0.0 and odd) else math.inf


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

    __slots__ = ("data", "grad", "label", "_prev", "_local", "_op", "_upstream")

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

    # ---------------------------------------------------------------- arithmetic
    def __add__(self, other: Operand) -> Value:
        """a + b;  ∂/∂a = 1, ∂/∂b = 1."""
        other = _as_value(other)
        return _new(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other: Operand) -> Value:
        """a · b;  ∂/∂a = b, ∂/∂b = a."""
        other = _as_value(other)
        return _new(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __sub__(self, other: Operand) -> Value:
        """a − b;  ∂/∂a = 1, ∂/∂b = −1."""
        other = _as_value(other)
        return _new(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __truediv__(self, other: Operand) -> Value:
        """a / b;  ∂/∂a = 1/b, ∂/∂b = −a/b² = −(a/b)/b (PyTorch's formula, so that the quotient
        is the correctly rounded a/b and a tiny b gives inf, never a spurious NaN)."""
        other = _as_value(other)
        b = other.data
        if b == 0.0:
            raise ZeroDivisionError(f"div: division of {self.data!r} by zero")
        out = self.data / b
        return _new(out, (self, other), (1.0 / b, -out / b), "/")

    def __neg__(self) -> Value:
        """−a;  ∂/∂a = −1."""
        return _new(-self.data, (self,), (-1.0,), "neg")

    def __pow__(self, exponent: Operand) -> Value:
        """a ** k.

        With a number k:  ∂/∂a = k·a^(k−1).
        With a Value k:   ∂/∂a = k·a^(k−1),  ∂/∂k = a^k · ln a  (needs a > 0, or a = 0 with k > 0,
        where ∂/∂k is taken as 0, the limit from the right, as PyTorch does).

        Both derivatives follow PyTorch at the edges: ∂/∂a is 0 when k = 0 (even for a = 0 or NaN),
        ∂/∂k is 0 at a = 0, NaN and ±inf propagate as IEEE pow does (1^NaN = 1, (−2)^inf = inf), and
        a result too large for a float is ±inf rather than Python's OverflowError.
        """
        a = self.data
        if isinstance(exponent, Value):
            k = exponent.data
            if a < 0.0 or (a == 0.0 and k <= 0.0):
                raise ValueError(
                    f"pow: base {a!r} to the Value power {k!r} is undefined; a Value exponent needs a positive base"
                )
            out = _pow(a, k)
            d_base = 0.0 if k == 0.0 else k * _pow(a, k - 1.0)
            if a == 0.0 and k >= 0.0:
                d_exp = 0.0
            else:  # a > 0, or a NaN that the log passes on
                d_exp = out * (math.log(a) if a > 0.0 else math.nan)
            return _new(out, (self, exponent), (d_base, d_exp), "pow")
        if not isinstance(exponent, numbers.Real):
            raise TypeError(f"pow: exponent must be a number or a Value, got {type(exponent).__name__}")
        k = float(exponent)
        if a < 0.0 and math.isfinite(k) and not k.is_integer():
            raise ValueError(f"pow: negative base {a!r} to the non-integer power {k!r} is not a real number")
        if a == 0.0 and k < 0.0:
            raise ValueError(f"pow: zero to the negative power {k!r} is undefined (division by zero)")
        local = 0.0 if k == 0.0 else k * _pow(a, k - 1.0)
        return _new(_pow(a, k), (self,), (local,), f"**{k:g}")

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
        try:
            out = math.exp(self.data)
        except OverflowError:
            out = math.inf
        return _new(out, (self,), (out,), "exp")

    def log(self) -> Value:
        """ln a;  ∂/∂a = 1/a. Defined for a > 0 only; NaN gives NaN, as in PyTorch."""
        a = self.data
        if a <= 0.0:
            raise ValueError(f"log: input must be positive, got {a!r}")
        return _new(math.log(a), (self,), (1.0 / a,), "log")

    def sqrt(self) -> Value:
        """√a;  ∂/∂a = 1/(2√a) (+inf at a = 0). Defined for a ≥ 0 only; NaN gives NaN, as in PyTorch."""
        a = self.data
        if a < 0.0:
            raise ValueError(f"sqrt: input must be non-negative, got {a!r}")
        out = math.sqrt(a)
        return _new(out, (self,), (0.5 / out if out != 0.0 else math.copysign(math.inf, out),), "sqrt")

    def tanh(self) -> Value:
        """tanh a = (e^{2a} − 1)/(e^{2a} + 1);  ∂/∂a = 1 − tanh² a."""
        t = math.tanh(self.data)
        return _new(t, (self,), (1.0 - t * t,), "tanh")

    def sigmoid(self) -> Value:
        """σ(a) = 1/(1 + e^{−a});  ∂/∂a = σ(a)(1 − σ(a)).

        Stable for large |a|: for a < 0 it is computed as eᵃ/(1 + eᵃ), so e^{−a} never overflows.
        """
        a = self.data
        if a >= 0.0:
            s = 1.0 / (1.0 + math.exp(-a))
        else:
            e = math.exp(a)
            s = e / (1.0 + e)
        return _new(s, (self,), (s * (1.0 - s),), "sigmoid")

    def relu(self) -> Value:
        """max(0, a);  ∂/∂a = 1 for a > 0, else 0 (PyTorch's choice at a = 0).

        NaN stays NaN with ∂/∂a = 1, as in PyTorch (a NaN must not vanish into a 0 that looks fine).
        """
        a = self.data
        if a <= 0.0:
            return _new(0.0, (self,), (0.0,), "relu")
        return _new(a, (self,), (1.0,), "relu")

    def leaky_relu(self, alpha: float = 0.01) -> Value:
        """a for a > 0, else α·a;  ∂/∂a = 1 or α. α = 0.01 as in PyTorch's LeakyReLU."""
        a = self.data
        if a > 0.0:
            return _new(a, (self,), (1.0,), "leaky_relu")
        return _new(alpha * a, (self,), (alpha,), "leaky_relu")

    def abs(self) -> Value:
        """|a|;  ∂/∂a = sign(a), with sign(0) = 0 as in PyTorch."""
        a = self.data
        return _new(abs(a), (self,), (1.0 if a > 0.0 else (-1.0 if a < 0.0 else 0.0),), "abs")

    __abs__ = abs

    # ------------------------------------------------------------------ n-ary ops
    @staticmethod
    def sum(values: Iterable[Operand]) -> Value:
        """Σ vᵢ as one node;  ∂/∂vᵢ = 1. Equal to chained ``+`` but n − 1 nodes smaller.

        The sum is exactly rounded (`math.fsum`); where the exact sum is not a finite float
        (an overflow, or inf − inf) it is the plain left-to-right sum: ±inf or NaN, as in PyTorch.
        """
        vals = tuple(_as_value(v) for v in values)
        try:
            out = math.fsum(v.data for v in vals)
        except (OverflowError, ValueError):
            out = sum(v.data for v in vals)
        return _new(out, vals, (1.0,) * len(vals), "sum")

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
