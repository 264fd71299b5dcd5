"""Every scalar op: value against the numpy/math reference, gradient against float64 central
differences and, when PyTorch is installed, value and gradient against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Value, gradcheck
from tinygrad_edu.op_cases import BINARY, UNARY, sample
from tinygrad_edu.op_cases import ELEMENTWISE as ALL
from tinygrad_edu.op_cases import Case as Op

from .conftest import needs_torch

IDS = [op.name for op in ALL]


def central_difference(f, xs: list[float], i: int, eps: float = 1e-6) -> float:
    """(f(x + ε e_i) − f(x − ε e_i)) / 2ε in float64, written here independently of gradcheck."""
    plus, minus = list(xs), list(xs)
    plus[i] += eps
    minus[i] -= eps
    return (f(*plus) - f(*minus)) / (2 * eps)


@pytest.mark.parametrize("op", ALL, ids=IDS)
def test_forward_matches_reference(op: Op) -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        xs = [float(sample(op, rng)) for _ in range(op.arity)]
        out = op.apply(*[Value(x) for x in xs])
        assert out.data == pytest.approx(float(op.ref(*map(np.float64, xs))), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("op", ALL, ids=IDS)
def test_gradient_matches_central_differences(op: Op) -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        xs = [float(sample(op, rng)) for _ in range(op.arity)]
        vals = [Value(x) for x in xs]
        op.apply(*vals).backward()
        ref = lambda *a: float(op.ref(*map(np.float64, a)))  # noqa: E731
        for i, v in enumerate(vals):
            assert v.grad == pytest.approx(central_difference(ref, xs, i), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("op", ALL, ids=IDS)
def test_gradcheck_passes(op: Op) -> None:
    rng = np.random.default_rng(2)
    vals = [Value(float(sample(op, rng))) for _ in range(op.arity)]
    assert gradcheck(op.apply, vals)


@needs_torch
@pytest.mark.parametrize("op", ALL, ids=IDS)
def test_matches_pytorch(op: Op) -> None:
    import torch

    rng = np.random.default_rng(3)
    for _ in range(10):
        xs = [float(sample(op, rng)) for _ in range(op.arity)]
        vals = [Value(x) for x in xs]
        out = op.apply(*vals)
        out.backward()
        ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
        t_out = op.torch(*ts)
        t_out.backward()
        assert out.data == pytest.approx(t_out.item(), rel=1e-12, abs=1e-14)
        for v, t in zip(vals, ts):
            assert v.grad == pytest.approx(t.grad.item(), rel=1e-10, abs=1e-14)


# Every op maps bounded inputs to bounded outputs (|result| at most doubles per step), so twelve
# random steps from [-2, 2] stay far from overflow; plain a·b or a² could square 12 times.
SMOOTH = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b.tanh(),
    "sub": lambda a, b: a - b,
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "exp_tanh": lambda a, b: a.tanh().exp(),
    "square": lambda a, b: a.tanh() ** 2,
    "div_safe": lambda a, b: a / (1 + b * b),
}


@st.composite
def recipes(draw) -> list[tuple[str, int, int]]:
    """A random expression as steps (op, operand index, operand index) over the growing node list."""
    steps = []
    for k in range(draw(st.integers(1, 12))):
        n = 4 + k  # four leaves, then one new node per step
        steps.append((draw(st.sampled_from(sorted(SMOOTH))), draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))))
    return steps


def replay(steps: list[tuple[str, int, int]], leaves: list[Value]) -> Value:
    nodes = list(leaves)
    for name, i, j in steps:
        nodes.append(SMOOTH[name](nodes[i], nodes[j]))
    return nodes[-1]


@given(recipes(), st.lists(st.floats(-2, 2), min_size=4, max_size=4))
def test_random_expressions_gradcheck(steps, xs: list[float]) -> None:
    """Random compositions with shared nodes: backward() agrees with central differences."""
    assert gradcheck(lambda *leaves: replay(steps, list(leaves)), [Value(x) for x in xs])


@needs_torch
@given(st.lists(st.floats(0.2, 2), min_size=3, max_size=3), st.sampled_from(BINARY), st.sampled_from(UNARY))
def test_random_compositions_match_pytorch(xs: list[float], outer: Op, inner: Op) -> None:
    """outer(inner(a)·b + c, c) built in tinygrad_edu and in PyTorch: same value and gradients.

    Inputs are positive and the first outer operand is squared-plus-one, so every op stays
    inside its domain and away from the kinks of relu and abs."""
    import torch

    def f(a, b, c, use_torch: bool):
        pick = (lambda op: op.torch) if use_torch else (lambda op: op.apply)
        return pick(outer)((pick(inner)(a) * b + c) ** 2 + 1.0, c)

    vals = [Value(x) for x in xs]
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out, t_out = f(*vals, use_torch=False), f(*ts, use_torch=True)
    out.backward()
    t_out.backward()
    assert out.data == pytest.approx(t_out.item(), rel=1e-10)
    for v, t in zip(vals, ts):
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-8, abs=1e-12)


def test_sigmoid_is_stable_for_large_inputs() -> None:
    """σ(−800) underflows to 0 and σ(800) is 1, without an OverflowError; gradients are 0."""
    for x, expected in [(-800.0, 0.0), (800.0, 1.0), (-40.0, math.exp(-40.0) / (1 + math.exp(-40.0)))]:
        v = Value(x)
        s = v.sigmoid()
        s.backward()
        assert s.data == pytest.approx(expected, rel=1e-15, abs=0.0)
        assert v.grad == pytest.approx(expected * (1 - expected), rel=1e-12, abs=0.0)


def test_exp_overflows_to_inf_like_ieee() -> None:
    assert Value(1000.0).exp().data == math.inf


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Value(-1.0).log(), r"log: input must be positive, got -1\.0"),
        (lambda: Value(0.0).log(), r"log: input must be positive, got 0\.0"),
        (lambda: Value(-4.0).sqrt(), r"sqrt: input must be non-negative, got -4\.0"),
        (lambda: Value(-2.0) ** Value(0.5), r"pow: base -2\.0 to the Value power 0\.5"),
        (lambda: 2.0 ** Value(1.0) * 0 + Value(-2.0) ** Value(2.0), r"pow: base -2\.0"),
        (lambda: Value(-2.0) ** 0.5, r"pow: negative base -2\.0 to the non-integer power 0\.5"),
        (lambda: Value(0.0) ** -1, r"pow: zero to the negative power"),
    ],
)
def test_domain_errors_name_the_op_and_value(make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_division_by_zero_names_the_op() -> None:
    with pytest.raises(ZeroDivisionError, match=r"div: division of 1\.0 by zero"):
        Value(1.0) / 0


def test_non_numbers_are_rejected() -> None:
    with pytest.raises(TypeError, match="data must be a real number, got str"):
        Value("3")
    with pytest.raises(TypeError, match="cannot combine a Value with list"):
        Value(1.0) + [1]


def test_negative_base_integer_power_is_allowed() -> None:
    v = Value(-2.0)
    (v**3).backward()
    assert v.grad == 12.0  # d(x³)/dx = 3x² = 12


def test_sum_and_dot_nodes() -> None:
    w = [Value(0.5), Value(-1.0), Value(2.0)]
    x = [Value(1.0), Value(3.0), Value(-0.5)]
    b = Value(0.25)
    out = Value.dot(w, x, b)
    out.backward()
    assert out.data == 0.25 + 0.5 - 3.0 - 1.0
    assert [v.grad for v in w] == [1.0, 3.0, -0.5] and [v.grad for v in x] == [0.5, -1.0, 2.0] and b.grad == 1.0
    s = Value.sum(x)
    assert s.data == 3.5
    with pytest.raises(ValueError, match="dot: 3 weights but 2 inputs"):
        Value.dot(w, x[:2])


# ------------------------------------------------------------------ log10: one row of the op table
LOG10_POINTS = [1e-300, 1e-3, 0.37, 1.0, 2.0, 10.0, 123.456, 1e300]


def test_log10_value_and_gradient_match_central_differences() -> None:
    """log₁₀ x against math.log10 and its derivative against float64 central differences of
    math.log10 with a step proportional to x (the function's scale); 1e-7 relative is what a
    central difference of step 1e-5·x leaves (its truncation error is ~(h/x)² relative)."""
    for x in LOG10_POINTS:
        v = Value(x)
        y = v.log10()
        y.backward()
        assert y.data == pytest.approx(math.log10(x), rel=1e-15, abs=0.0)
        h = 1e-5 * x
        assert v.grad == pytest.approx((math.log10(x + h) - math.log10(x - h)) / (2 * h), rel=1e-7)
    for x in (0.37, 2.0, 123.456):  # gradcheck steps by 1e-6: points well inside the domain
        assert gradcheck(lambda a: a.log10(), [Value(x)])


@needs_torch
def test_log10_matches_pytorch() -> None:
    """Value and gradient against torch.log10 in float64; torch's backward divides by a literal of
    ln 10 one unit in the last place below ours, hence 1e-15 relative and not equality."""
    import torch

    for x in LOG10_POINTS:
        v = Value(x)
        y = v.log10()
        y.backward()
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        torch.log10(t).backward()
        assert y.data == torch.log10(t.detach()).item()
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-15)


def test_log10_refuses_what_log_refuses_and_passes_nan() -> None:
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError, match=rf"log10: input must be positive, got {bad!r}"):
            Value(bad).log10()
    assert math.isnan(Value(math.nan).log10().data)
