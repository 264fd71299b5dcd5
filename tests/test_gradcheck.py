"""gradcheck passes correct gradients and reports wrong ones with a readable table."""

from __future__ import annotations

import math

import pytest

from tinygrad_edu import GradcheckError, Value, gradcheck
from tinygrad_edu.engine import _new


def broken_square(x: Value) -> Value:
    """x² with a deliberately wrong local derivative (x instead of 2x)."""
    return _new(x.data**2, (x,), (x.data,), "broken_square")


def test_passes_on_correct_gradients() -> None:
    assert gradcheck(lambda a, b: (a * b).tanh() * b.exp(), [Value(0.4), Value(-0.3)])


def test_single_input_need_not_be_a_list() -> None:
    assert gradcheck(lambda a: a.sigmoid(), Value(0.7))


def test_reports_a_wrong_backward_with_a_table() -> None:
    with pytest.raises(GradcheckError) as err:
        gradcheck(broken_square, [Value(3.0)])
    text = str(err.value)
    assert "1 Jacobian entries differ" in text
    assert "numeric" in text and "analytic" in text
    # numeric d(x²)/dx at 3 is 6; the broken analytic one is 3
    row = text.splitlines()[2].split()
    assert float(row[3]) == pytest.approx(6.0, rel=1e-8) and float(row[4]) == 3.0


def test_returns_false_without_raising_when_asked() -> None:
    assert gradcheck(broken_square, [Value(3.0)], raise_exception=False) is False


def test_tolerances_follow_pytorch_allclose() -> None:
    """|analytic − numeric| ≤ atol + rtol·|numeric|: a 0.05% error passes rtol=1e-3, fails rtol=1e-4."""

    def slightly_off(x: Value) -> Value:
        return _new(math.exp(x.data), (x,), (math.exp(x.data) * 1.0005,), "exp_off")

    assert gradcheck(slightly_off, [Value(1.0)])
    assert not gradcheck(slightly_off, [Value(1.0)], rtol=1e-4, atol=0.0, raise_exception=False)


def test_inputs_are_restored() -> None:
    x = Value(1.25)
    gradcheck(lambda a: a**3, [x])
    assert x.data == 1.25 and x.grad == 0.0


def test_no_inputs_is_an_error() -> None:
    with pytest.raises(ValueError, match="no inputs"):
        gradcheck(lambda: Value(1.0), [])
