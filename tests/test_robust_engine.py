"""The scalar engine at NaN, ±inf, ±0, subnormals and overflow: PyTorch float64's answer, or a
named error.

Every expected value and gradient is PyTorch's, computed at run time on the same input. The only
departures are the engine's documented domain errors (log and sqrt of negatives, 0 to a negative
power, division by zero, a negative base to a non-integer power), which raise an error naming the
op and the value where PyTorch returns inf or NaN.
"""

from __future__ import annotations

import inspect
import itertools
import math
import re
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Value, engine

from .conftest import needs_torch

pytestmark = needs_torch

SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1e308, -1e308, 5e-324, -5e-324, 2.0, -2.0, 0.5]

UNARY = {
    "relu": (lambda v: v.relu(), lambda t: t.relu()),
    "leaky_relu": (lambda v: v.leaky_relu(0.01), lambda t: __import__("torch").nn.functional.leaky_relu(t, 0.01)),
    "abs": (lambda v: abs(v), lambda t: t.abs()),
    "sigmoid": (lambda v: v.sigmoid(), lambda t: t.sigmoid()),
    "tanh": (lambda v: v.tanh(), lambda t: t.tanh()),
    "exp": (lambda v: v.exp(), lambda t: t.exp()),
    "log": (lambda v: v.log(), lambda t: t.log()),
    "sqrt": (lambda v: v.sqrt(), lambda t: t.sqrt()),
    "neg": (lambda v: -v, lambda t: -t),
    "x**2": (lambda v: v**2, lambda t: t**2),
    "x**3": (lambda v: v**3, lambda t: t**3),
    "x**0": (lambda v: v**0, lambda t: t**0),
    "x**1": (lambda v: v**1, lambda t: t**1),
    "x**0.5": (lambda v: v**0.5, lambda t: t**0.5),
    "x**-1": (lambda v: v**-1, lambda t: t**-1),
    "x**-2": (lambda v: v**-2, lambda t: t**-2),
    "x**inf": (lambda v: v**math.inf, lambda t: t**math.inf),
    "x**nan": (lambda v: v**math.nan, lambda t: t**math.nan),
    "2**x": (lambda v: 2.0**v, lambda t: 2.0**t),
    "sum(x, x)": (lambda v: Value.sum([v, v]), lambda t: t + t),
    "sum(x, -x)": (lambda v: Value.sum([v, -v]), lambda t: t + -t),
}

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow (Value exponent)": lambda a, b: a**b,
    "dot": lambda a, b: Value.dot([a], [b]) if isinstance(a, Value) else a * b,
}


def domain_error(name: str, *args: float) -> str | None:
    """The engine's documented domain errors: the message it must give, or None where it must
    give PyTorch's number."""
    a = args[0]
    if name == "log" and a <= 0:
        return rf"log: input must be positive, got {re.escape(repr(a))}"
    if name == "sqrt" and a < 0:
        return rf"sqrt: input must be non-negative, got {re.escape(repr(a))}"
    if name in ("x**0.5",) and a < 0:
        return "pow: negative base .* to the non-integer power"
    if name in ("x**-1", "x**-2") and a == 0:
        return "pow: zero to the negative power"
    if name == "div" and args[1] == 0:
        return "div: division of .* by zero"
    if name == "pow (Value exponent)" and (a < 0 or (a == 0 and args[1] <= 0)):
        return "pow: base .* to the Value power .* is undefined"
    return None


def same(ours: float, theirs: float) -> bool:
    if math.isnan(theirs):
        return math.isnan(ours)
    if theirs == 0.0 and 0.0 < abs(ours) < sys.float_info.min:
        # below the normal range: d(x**-1)/dx at x = 1.34e154 is −5.6e-309 exactly; torch forms x**2 first,
        # which overflows, and returns −0.0. Ours counts as torch's zero when the signs agree.
        return math.copysign(1.0, ours) == math.copysign(1.0, theirs)
    if math.isinf(theirs) or theirs == 0.0:
        return ours == theirs
    return math.isclose(ours, theirs, rel_tol=1e-14)


def torch_answer(fn, *xs: float) -> tuple[float, ...]:
    import torch

    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = fn(*ts)
    out.backward()
    return (out.item(), *(t.grad.item() for t in ts))


def our_answer(fn, *xs: float) -> tuple[float, ...]:
    vs = [Value(x) for x in xs]
    out = fn(*vs)
    out.backward()
    return (out.data, *(v.grad for v in vs))


@pytest.mark.parametrize("name", UNARY)
def test_unary_ops_at_special_values_match_torch(name: str) -> None:
    ours_fn, torch_fn = UNARY[name]
    for x in SPECIAL:
        message = domain_error(name, x)
        if message:
            with pytest.raises(ValueError, match=message):
                ours_fn(Value(x))
            continue
        if name == "x**0.5" and math.copysign(1.0, x) < 0 and x == 0:
            continue  # PyTorch computes x**0.5 as sqrt(x), which keeps the sign of −0.0; C's pow gives +0
        expected, got = torch_answer(torch_fn, x), our_answer(ours_fn, x)
        assert all(map(same, got, expected)), f"{name}({x!r}): torch (value, grad) {expected}, ours {got}"


@pytest.mark.parametrize("name", BINARY)
def test_binary_ops_at_special_values_match_torch(name: str) -> None:
    fn = BINARY[name]
    for a, b in itertools.product(SPECIAL, SPECIAL):
        message = domain_error(name, a, b)
        if message:
            with pytest.raises((ValueError, ZeroDivisionError), match=message):
                fn(Value(a), Value(b))
            continue
        expected, got = torch_answer(fn, a, b), our_answer(fn, a, b)
        assert all(map(same, got, expected)), f"{name}({a!r}, {b!r}): torch {expected}, ours {got}"


def test_relu_of_nan_is_nan_and_passes_the_gradient_like_torch() -> None:
    x = Value(math.nan)
    y = x.relu()
    y.backward()
    assert math.isnan(y.data)
    assert x.grad == torch_answer(lambda t: t.relu(), math.nan)[1] == 1.0


def test_a_nan_reaches_the_loss_of_a_relu_network() -> None:
    # the case: relu turned a NaN weight into a loss that looked fine
    w, x = Value(math.nan), Value(1.0)
    loss = (Value.dot([w], [x]).relu() - 1.0) ** 2
    loss.backward()
    assert math.isnan(loss.data) and math.isnan(w.grad)


@pytest.mark.parametrize("x", [4.0, 10.0, 18.0, -7.5, 0.5])
def test_tanh_gradient_of_a_saturated_unit_keeps_its_digits(x: float) -> None:
    """d tanh/dx = 1 − t² against exact rational arithmetic, within 2 ulp (1 − t·t cancels near t = ±1:
    at x = 4 it is 38 ulp off, and PyTorch's fused multiply-add is not)."""
    from fractions import Fraction

    v = Value(x)
    v.tanh().backward()
    exact = float(1 - Fraction(math.tanh(x)) ** 2)
    assert abs(v.grad - exact) <= 2 * math.ulp(exact)


@given(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(sorted(set(UNARY) - {"log", "sqrt"})))
def test_any_float_matches_torch(x: float, name: str) -> None:
    ours_fn, torch_fn = UNARY[name]
    if domain_error(name, x):
        return
    expected, got = torch_answer(torch_fn, x), our_answer(ours_fn, x)
    assert all(map(same, got, expected)), f"{name}({x!r}): torch {expected}, ours {got}"


@given(st.floats(allow_nan=False, allow_infinity=False), st.floats(allow_nan=False, allow_infinity=False))
def test_division_is_correctly_rounded_like_torch(a: float, b: float) -> None:
    if b == 0.0:
        return
    expected, got = torch_answer(lambda p, q: p / q, a, b), our_answer(lambda p, q: p / q, a, b)
    assert all(map(same, got, expected)), f"{a!r} / {b!r}: torch {expected}, ours {got}"


def test_overflow_gives_inf_not_an_exception() -> None:
    cases = [
        (lambda v: v**2, None, 1e200),
        (lambda v: v**3, None, -1e200),
        (lambda v: v**-1, None, 5e-324),
        (lambda v: 10.0**v, None, 400.0),
        (lambda v: Value.sum([v, v, v]), lambda t: t + t + t, 1e308),
        (lambda v: v.exp(), None, 710.0),
    ]
    for fn, torch_fn, x in cases:
        got, expected = our_answer(fn, x), torch_answer(torch_fn or fn, x)
        assert all(map(same, got, expected)), f"{x!r}: torch {expected}, ours {got}"
        assert math.isinf(got[0])


def test_zero_gradient_skip_is_the_documented_difference_from_torch() -> None:
    # 0·√x at x = 0: PyTorch multiplies 0 by ∂√x/∂x = inf and reports NaN; the backward loop skips
    # a node whose gradient is exactly 0 (as the module docstring says), which gives the
    # derivative of the function computed, 0·√x ≡ 0.
    x = Value(0.0)
    (x.sqrt() * 0.0).backward()
    assert x.grad == 0.0
    assert math.isnan(torch_answer(lambda t: t.sqrt() * 0.0, 0.0)[1])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("3", "data must be a real number, got str"),
        (None, "data must be a real number, got NoneType"),
        (1 + 2j, "data must be a real number, got complex"),
        (np.array([1.0, 2.0]), "data must be a real number, got ndarray"),
        (Value(1.0), "data is already a Value"),
    ],
)
def test_non_numbers_are_refused_with_the_type_named(data, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        Value(data)


@pytest.mark.parametrize("other", ["1", None, [1.0], np.ones(2), 1j])
def test_arithmetic_with_a_non_number_names_it(other) -> None:
    with pytest.raises(TypeError, match=f"cannot combine a Value with {type(other).__name__}"):
        Value(1.0) + other
    with pytest.raises(TypeError, match="exponent must be a number or a Value"):
        Value(2.0) ** other


def test_numpy_scalars_of_any_real_dtype_are_accepted_as_float64() -> None:
    for x in (np.float32(0.1), np.float16(0.5), np.int64(3), np.uint8(200), True):
        v = Value(x)
        assert type(v.data) is float and v.data == float(x)


def test_docstring_shows_the_backward_loop_that_runs() -> None:
    """The loop in the module docstring is `Value.backward`'s body, statement for statement."""

    def statements(code: str) -> list[str]:
        lines = (line.split("#")[0].rstrip() for line in textwrap.dedent(code).splitlines())
        return [line for line in lines if line.strip()]

    doc = engine.__doc__.split("this is the loop it runs::")[1].split("\n\n", 2)[1]
    source = inspect.getsource(engine.Value.backward)
    body = source.split('"""', 2)[2]
    assert statements(doc) == statements(body)
