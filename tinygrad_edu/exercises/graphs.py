"""Checks for chapters 1, 1b and 2: slopes, local derivatives, the chain rule, a Value built by hand.

Every expected number comes from the math written next to it (calculus on the formula, or the
textbook's worked example), never from the package's own autodiff.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from .feedback import ExerciseError, attempt, expect_number, passed

NEURON = (2.0, 0.0, -3.0, 1.0, 6.8813735870195432)  # chapter 1's neuron: x1, x2, w1, w2, b (o = 1/√2)


def check_slope(slope: Callable[..., float]) -> None:
    """``slope(f, x)`` ≈ f'(x) by a difference quotient with a small h (Karpathy's first step).

    f(x) = 3x² − 4x + 5 has f'(x) = 6x − 4 (14 at 3, −10 at −1); sin has cos.
    """
    f = lambda x: 3 * x**2 - 4 * x + 5  # noqa: E731
    for fn, name, x, expected in (
        (f, "3x²−4x+5", 3.0, 14.0),
        (f, "3x²−4x+5", -1.0, -10.0),
        (math.sin, "sin", 0.5, math.cos(0.5)),
    ):
        got = attempt(slope, fn, x, what=f"slope({name}, {x})")
        expect_number(
            got,
            expected,
            f"slope({name}, {x})",
            rtol=1e-4,
            atol=1e-4,
            hint="use (f(x + h) - f(x)) / h with h about 1e-6",
        )
    passed("slope(f, x) matches f'(x) at three points")


def check_tanh_backward(tanh_backward: Callable[[float, float], float]) -> None:
    """``tanh_backward(n, out_grad)`` = out_grad · (1 − tanh(n)²), the local derivative times the gradient above."""
    for n, g in ((0.8813735870195432, 1.0), (-2.0, 3.0), (0.0, 0.5), (0.3, -2.0)):
        expected = g * (1 - math.tanh(n) ** 2)
        got = attempt(tanh_backward, n, g, what=f"tanh_backward({n}, {g})")
        hint = "∂tanh(n)/∂n = 1 − tanh(n)², the squared *output*, times the gradient from above"
        expect_number(got, expected, f"tanh_backward(n={n}, out_grad={g})", hint=hint)
    passed("tanh_backward is out_grad·(1 − tanh(n)²) at four points")


def check_neuron_gradients(neuron_gradients: Callable[..., dict]) -> None:
    """``neuron_gradients(x1, x2, w1, w2, b)`` = {name: ∂o/∂name} for o = tanh(x1·w1 + x2·w2 + b), by hand."""
    for x1, x2, w1, w2, b in (NEURON, (1.0, -1.0, 0.5, 0.3, 0.1)):
        dn = 1 - math.tanh(x1 * w1 + x2 * w2 + b) ** 2
        expected = {"x1": w1 * dn, "x2": w2 * dn, "w1": x1 * dn, "w2": x2 * dn, "b": dn}
        what = f"neuron_gradients({x1}, {x2}, {w1}, {w2}, {b:.4g})"
        got = attempt(neuron_gradients, x1, x2, w1, w2, b, what=what)
        if not isinstance(got, dict):
            raise ExerciseError(f"{what} returned {got!r}, expected a dict with keys {sorted(expected)}")
        for name, value in expected.items():
            if name not in got:
                raise ExerciseError(f"{what} has no key {name!r}; expected keys {sorted(expected)}")
            expect_number(got[name], value, f"{what}[{name!r}]", hint="∂o/∂w1 = ∂o/∂n · ∂n/∂w1 = (1 − o²)·x1")
    passed("all five gradients of the neuron, at two points")


# ------------------------------------------------------------------------ chapter 1b: a Value by hand
def _node(data: float, grad: float = 0.0) -> SimpleNamespace:
    return SimpleNamespace(data=data, grad=grad)


def _binary_backward(fn: Callable, name: str, local_a: Callable, local_b: Callable) -> None:
    a, b = _node(2.0, grad=0.5), _node(-3.0)
    out = _node(0.0, grad=1.5)
    attempt(fn, a, b, out, what=f"{name}(a, b, out)")
    for node, start, local, label in ((a, 0.5, local_a(2.0, -3.0), "a"), (b, 0.0, local_b(2.0, -3.0), "b")):
        expected = start + local * 1.5
        hint = (
            f"{label}.grad was {start} before: add (+=) ∂out/∂{label}·out.grad ({local}·1.5) to it, do not replace it"
        )
        expect_number(node.grad, expected, f"after {name}(a=2, b=−3, out.grad=1.5), {label}.grad", hint=hint)
    a = _node(3.0)
    out = _node(0.0, grad=1.0)
    attempt(fn, a, a, out, what=f"{name}(a, a, out)")
    expected = local_a(3.0, 3.0) + local_b(3.0, 3.0)
    hint = "with a used twice, both contributions must land in a.grad: the `a + a` bug is `=` where `+=` belongs"
    expect_number(a.grad, expected, f"after {name}(a, a, out) with a = 3, a.grad", hint=hint)


def check_add_backward(add_backward: Callable) -> None:
    """``add_backward(a, b, out)`` adds ∂out/∂a·out.grad = out.grad to a.grad, and the same to b.grad."""
    _binary_backward(add_backward, "add_backward", lambda a, b: 1.0, lambda a, b: 1.0)
    passed("add_backward: both inputs get out.grad, added to what they had (a + a gives 2)")


def check_mul_backward(mul_backward: Callable) -> None:
    """``mul_backward(a, b, out)`` adds b.data·out.grad to a.grad and a.data·out.grad to b.grad."""
    _binary_backward(mul_backward, "mul_backward", lambda a, b: b, lambda a, b: a)
    passed("mul_backward: each input gets the other's data times out.grad (a·a gives 2a)")


def check_tanh_node_backward(tanh_backward: Callable) -> None:
    """``tanh_backward(a, out)`` adds (1 − out.data²)·out.grad to a.grad."""
    for x, g, start in ((0.5, 1.0, 0.0), (-1.5, 2.0, 0.25)):
        a, out = _node(x, grad=start), _node(math.tanh(x), grad=g)
        attempt(tanh_backward, a, out, what="tanh_backward(a, out)")
        expect_number(
            a.grad,
            start + (1 - math.tanh(x) ** 2) * g,
            f"after tanh_backward with a = {x}, out.grad = {g}, a.grad",
            hint="add (1 − out.data²)·out.grad to a.grad",
        )
    passed("tanh_backward adds (1 − tanh²)·out.grad")


def _name(node: Any) -> str:
    return getattr(node, "label", "") or repr(node)


def check_topo_sort(topo_sort: Callable[[Any], list]) -> None:
    """``topo_sort(root)`` lists every node reachable through ``_prev`` once, each after all its inputs."""
    from .. import Value  # a graph to sort; only its wiring (`_prev`) is used

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    e = d.tanh()
    e.label = "e"
    order = attempt(topo_sort, e, what="topo_sort(e)")
    if order is None or not hasattr(order, "__iter__"):
        raise ExerciseError(f"topo_sort(e) returned {order!r}, expected a list of the 5 nodes a, b, c, d, e")
    order = list(order)
    ids = [id(n) for n in order]
    for node in (a, b, c, d, e):
        if ids.count(id(node)) != 1:
            raise ExerciseError(
                f"topo_sort(e): node {node.label} appears {ids.count(id(node))} times, expected once "
                "(keep a set of visited nodes)"
            )
    if len(order) != 5:
        raise ExerciseError(f"topo_sort(e) returned {len(order)} items, expected the 5 nodes a, b, c, d, e")
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node._prev:
            if position[id(parent)] > position[id(node)]:
                raise ExerciseError(
                    f"topo_sort(e): {_name(node)} comes before its input {_name(parent)}; "
                    "append a node only after visiting all its inputs"
                )
    passed("topo_sort: every node once, inputs before the nodes that use them")


class _Node:
    """The check's own small Value (+, *, tanh) whose ``_backward`` methods are right by construction."""

    def __init__(self, data: float, prev: tuple = (), label: str = "") -> None:
        self.data, self.grad, self._prev, self.label = data, 0.0, prev, label
        self._backward: Callable[[], None] = lambda: None

    def __add__(self, other: _Node) -> _Node:
        out = _Node(self.data + other.data, (self, other))

        def backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other: _Node) -> _Node:
        out = _Node(self.data * other.data, (self, other))

        def backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out

    def tanh(self) -> _Node:
        out = _Node(math.tanh(self.data), (self,))

        def backward() -> None:
            self.grad += (1 - out.data**2) * out.grad

        out._backward = backward
        return out


def check_backward(backward: Callable[[Any], None]) -> None:
    """``backward(root)`` sets root.grad = 1 and calls every node's ``_backward`` in reverse topological order.

    Expected: o = tanh(x·w + b) has ∂o/∂w = x(1 − o²), ∂o/∂x = w(1 − o²), ∂o/∂b = 1 − o²;
    y = a·a + a has dy/da = 2a + 1 (a reused, so two contributions).
    """
    x, w, b = _Node(2.0, label="x"), _Node(-3.0, label="w"), _Node(NEURON[4], label="b")
    o = (x * w + b).tanh()
    attempt(backward, o, what="backward(o)")
    expect_number(o.grad, 1.0, "after backward(o), o.grad", hint="start with root.grad = 1 (do/do)")
    dn = 1 - math.tanh(-6.0 + NEURON[4]) ** 2
    for node, expected in ((w, 2.0 * dn), (x, -3.0 * dn), (b, dn)):
        expect_number(
            node.grad,
            expected,
            f"after backward(o) for o = tanh(x·w + b), {node.label}.grad",
            hint="call node._backward() for the nodes of topo_sort(root) in *reverse* order",
        )
    a = _Node(1.5, label="a")
    y = a * a + a
    attempt(backward, y, what="backward(y)")
    expect_number(
        a.grad, 2 * 1.5 + 1, "after backward(y) for y = a·a + a, a.grad", hint="a is used three times: 2a + 1"
    )
    passed("backward: the neuron's gradients and a reused node's sum")


def check_training_step(training_step: Callable[..., Any]) -> None:
    """``training_step(params, loss_fn, lr)``: zero the gradients, loss = loss_fn(), backward, p.data -= lr·p.grad.

    Expected from the math: for L = Σ (w·x + b − y)², ∂L/∂w = Σ 2r·x and ∂L/∂b = Σ 2r with r = w·x + b − y.
    Two steps are run, so a missing zero_grad (the second step using the sum of both gradients) shows.
    """
    from .. import Value

    xs, ys, lr = (1.0, 2.0, 3.0), (2.0, 4.0, 5.0), 0.01
    w, b = Value(0.5, label="w"), Value(-0.2, label="b")
    loss_fn = lambda: Value.sum([(w * x + b - y) ** 2 for x, y in zip(xs, ys)])  # noqa: E731

    def grads(wv: float, bv: float) -> tuple[float, float]:
        r = [wv * x + bv - y for x, y in zip(xs, ys)]
        return sum(2 * ri * x for ri, x in zip(r, xs)), sum(2 * ri for ri in r)

    exact, stale = [0.5, -0.2], [0.5, -0.2]
    stale_sum = [0.0, 0.0]
    for step in (1, 2):
        attempt(training_step, [w, b], loss_fn, lr, what=f"training_step (step {step})")
        gw, gb = grads(*exact)
        exact = [exact[0] - lr * gw, exact[1] - lr * gb]
        sw, sb = grads(*stale)
        stale_sum = [stale_sum[0] + sw, stale_sum[1] + sb]
        stale = [stale[0] - lr * stale_sum[0], stale[1] - lr * stale_sum[1]]
        hint = ""
        if math.isclose(w.data, stale[0], rel_tol=1e-9) and step == 2:
            hint = "that is what you get without zeroing the gradients: step 2 used step 1's gradient too"
        expect_number(w.data, exact[0], f"w after step {step}", rtol=1e-9, hint=hint)
        expect_number(b.data, exact[1], f"b after step {step}", rtol=1e-9, hint=hint)
    passed("training_step: two steps of gradient descent, gradients zeroed in between")


# ------------------------------------------------------------------------ chapter 2: the worked example
def check_output_delta(output_delta: Callable[[float, float], float]) -> None:
    """``output_delta(out, target)`` = ∂E/∂net = (out − target)·out·(1 − out) for E = ½(target − out)² and a sigmoid.

    The textbook's output neuron o1: out 0.75136507, target 0.01 gives 0.138498562.
    """
    for out, target in ((0.75136507, 0.01), (0.772928465, 0.99), (0.5, 0.5)):
        got = attempt(output_delta, out, target, what=f"output_delta({out}, {target})")
        expect_number(
            got,
            (out - target) * out * (1 - out),
            f"output_delta(out={out}, target={target})",
            hint="∂E/∂out = out − target (mind the sign), ∂out/∂net = out(1 − out)",
        )
    passed("output_delta matches the textbook's δ_o1 = 0.138498562 and two more")


def check_hidden_delta(hidden_delta: Callable[..., float]) -> None:
    """``hidden_delta(out_h, deltas, weights)`` = (Σ_k δ_k·w_k)·out_h(1 − out_h),
    every path from h to the error summed.

    The textbook's h1: out 0.593269992, δ = (0.138498562, −0.0380982366) through w5 = 0.40 and w7 = 0.50;
    times i1 = 0.05 this gives its ∂E/∂w1 = 0.000438568.
    """
    cases = ((0.593269992, (0.138498562, -0.0380982366), (0.40, 0.50)), (0.3, (0.2, 0.1, -0.4), (1.0, -2.0, 0.5)))
    for out_h, deltas, weights in cases:
        expected = sum(d * w for d, w in zip(deltas, weights)) * out_h * (1 - out_h)
        got = attempt(hidden_delta, out_h, list(deltas), list(weights), what=f"hidden_delta({out_h}, ...)")
        expect_number(
            got,
            expected,
            f"hidden_delta(out_h={out_h}, deltas={deltas}, weights={weights})",
            hint="sum δ_k·w_k over *all* outputs the hidden neuron feeds, then times out_h(1 − out_h)",
        )
    passed("hidden_delta: the textbook's δ_h1 (∂E/∂w1 = 0.05·δ_h1 = 0.000438568) and one more")
