"""gradcheck leaves no trace, refuses bad arguments by name, and explains a kink.

References: ``torch.autograd.gradcheck`` (which also leaves every ``.grad`` alone and accepts
empty and 0-d inputs) and ``torch.autograd.functional.jacobian`` for the Jacobians; for the
one-sided differences at a kink, the arithmetic of relu at x = 1e-7 with ε = 1e-6.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinygrad_edu import GradcheckError, Tensor, Value, gradcheck, nn
from tinygrad_edu.gradcheck import analytical_jacobian, numerical_jacobian

from .conftest import needs_torch


class FnFailedError(RuntimeError):
    pass


def fails_on_call(n: int, fn):
    """``fn``, except that its n-th call raises `FnFailedError`."""
    calls = [0]

    def wrapped(*args):
        calls[0] += 1
        if calls[0] == n:
            raise FnFailedError(f"call {n}")
        return fn(*args)

    return wrapped


# ----------------------------------------------------------------------------- no side effects
def test_a_models_accumulated_grads_are_left_alone() -> None:
    model = nn.Linear(3, 2)
    accumulated = Tensor(np.full((2, 3), 0.25, dtype=model.weight.dtype))
    model.weight.grad = accumulated
    model.bias.grad = None
    x = Tensor(np.random.default_rng(0).normal(size=(4, 3)), requires_grad=True)
    assert gradcheck(lambda t: model(t).tanh(), x)
    assert model.weight.grad is accumulated
    np.testing.assert_array_equal(accumulated, 0.25)
    assert model.bias.grad is None


def test_a_scalar_models_grads_are_left_alone() -> None:
    model = nn.MLP(2, [3, 1])
    for k, p in enumerate(model.parameters()):
        p.grad = 0.5 * k
    a, b = Value(0.3), Value(-0.8)
    assert gradcheck(lambda u, v: model([u, v]), [a, b])
    assert [p.grad for p in model.parameters()] == [0.5 * k for k in range(len(model.parameters()))]


def test_inputs_keep_their_own_grad() -> None:
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    earlier = Tensor(np.array([7.0, 8.0]))
    x.grad = earlier
    v = Value(2.0)
    v.grad = 3.0
    assert gradcheck(lambda t: (t * t).sum() * 2, x)
    assert gradcheck(lambda s: s.exp(), v)
    assert x.grad is earlier and earlier.tolist() == [7.0, 8.0]
    assert v.grad == 3.0


@pytest.mark.parametrize(("tensor_call", "value_call"), [(1, 1), (4, 3), (9, 5), (10, 6)])
def test_inputs_are_restored_when_fn_raises(tensor_call: int, value_call: int) -> None:
    # Two inputs of two elements: call 1 is f(x), calls 2..9 f(x ± ε) per element, call 10 the
    # backward pass. Two scalar inputs: call 1, calls 2..5, call 6. First, middle, last, backward.
    data, other = np.array([1.5, -0.25], dtype=np.float32), np.array([0.5, 2.0])
    x, y = Tensor(data, requires_grad=True), Tensor(other, requires_grad=True)
    with pytest.raises(FnFailedError):
        gradcheck(fails_on_call(tensor_call, lambda t, u: (t * u).sum()), [x, y])
    assert x.numpy() is data and x.data.dtype == np.float32 and y.numpy() is other
    assert data.tolist() == [1.5, -0.25] and other.tolist() == [0.5, 2.0]
    assert x.grad is None and y.grad is None
    v, w = Value(0.75), Value(-3.0)
    with pytest.raises(FnFailedError):
        gradcheck(fails_on_call(value_call, lambda a, b: a * b), [v, w])
    assert (v.data, w.data, v.grad, w.grad) == (0.75, -3.0, 0.0, 0.0)


def test_the_function_sees_float64_inputs_and_the_caller_gets_float32_back() -> None:
    seen = []
    x = Tensor(np.array([0.1, 0.2], dtype=np.float32), requires_grad=True)
    assert gradcheck(lambda t: seen.append(t.data.dtype) or t.sigmoid(), x)
    assert set(seen) == {np.dtype(np.float64)} and x.dtype == np.float32


# ----------------------------------------------------------------------------- kinks
def test_relu_kink_within_eps_is_named_with_its_one_sided_differences() -> None:
    # relu at x = 1e-7, ε = 1e-6: right (1.1e-6 − 1e-7)/ε = 1, left (1e-7 − 0)/ε = 0.1,
    # central 0.55, backward() says 1.
    with pytest.raises(GradcheckError) as err:
        gradcheck(lambda a: a.relu(), Value(1e-7))
    text = str(err.value)
    assert "kink: left 0.1, right 1" in text
    assert "not differentiable at this point" in text
    row = text.splitlines()[2].split()
    assert float(row[3]) == pytest.approx(0.55, rel=1e-6) and float(row[4]) == 1.0


@pytest.mark.parametrize(
    ("fn", "x"),
    [
        (lambda t: t.abs().sum(), [3e-7, 1.0]),
        (lambda t: t.max(), [1.0, 1.0 + 1e-7, -2.0]),
        (lambda t: t.relu().sum(), [-4e-7, 2.0]),
        (lambda t: t.clip(-1.0, 1.0).sum(), [1.0 - 2e-7, 0.0]),
    ],
)
def test_tensor_kinks_are_named(fn, x) -> None:
    with pytest.raises(GradcheckError, match="kink: left") as err:
        gradcheck(fn, Tensor(np.array(x), requires_grad=True))
    assert "not differentiable" in str(err.value)


def test_a_wrong_gradient_on_a_smooth_function_gets_no_kink_hint() -> None:
    from tinygrad_edu.engine import _new

    def wrong_cube(x: Value) -> Value:
        return _new(x.data**3, (x,), (2 * x.data**2,), "wrong_cube")  # should be 3x²

    with pytest.raises(GradcheckError) as err:
        gradcheck(wrong_cube, Value(1.3))
    assert "kink" not in str(err.value) and "not differentiable" not in str(err.value)


def test_overflow_is_reported_as_not_finite() -> None:
    with pytest.raises(GradcheckError, match="not finite: fn gives inf or NaN within ±eps"):
        gradcheck(lambda a: (a * 1000.0).exp(), Value(1.0))


# ----------------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize(
    ("inputs", "error", "message"),
    [
        ([], ValueError, "no inputs to check"),
        ([np.ones(2)], TypeError, "input 0 is a ndarray; pass Values or Tensors"),
        ([Value(1.0), 2.0], TypeError, "input 1 is a float"),
        ([[Value(1.0)]], TypeError, "input 0 is a list"),
        ([Tensor(np.ones(3))], ValueError, r"input 0 \(shape \(3,\)\) does not require grad.*requires_grad=True"),
    ],
)
def test_bad_inputs_are_named(inputs, error, message: str) -> None:
    with pytest.raises(error, match=message):
        gradcheck(lambda *a: a[0], inputs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"eps": 0.0}, "eps must be positive"),
        ({"eps": -1e-6}, r"eps must be a finite number ≥ 0, got -1e-06"),
        ({"eps": math.nan}, "eps must be a finite number ≥ 0, got nan"),
        ({"eps": math.inf}, "eps must be a finite number ≥ 0, got inf"),
        ({"atol": -1.0}, "atol must be a finite number ≥ 0"),
        ({"rtol": math.nan}, "rtol must be a finite number ≥ 0"),
        ({"eps": "1e-6"}, "eps must be a finite number ≥ 0, got '1e-6'"),
    ],
)
def test_bad_tolerances_are_named(kwargs, message: str) -> None:
    x = Value(1.0)
    with pytest.raises(ValueError, match=message):
        gradcheck(lambda a: a * a, x, **kwargs)
    assert x.data == 1.0


@pytest.mark.parametrize("result", [1.0, np.ones(2), None, "x"])
def test_fn_must_return_a_node(result) -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match=f"fn must return a Value or a Tensor, got {type(result).__name__}"):
        gradcheck(lambda a: result, x)
    assert x.data == 1.0


# ----------------------------------------------------------------------------- against PyTorch
@needs_torch
def test_jacobians_match_torch_functional_jacobian() -> None:
    import torch

    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3,))

    def ours(x, y):
        return (x * y).tanh() @ y.exp()

    def theirs(x, y):
        return (x * y).tanh() @ y.exp()

    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    expected = torch.autograd.functional.jacobian(theirs, (torch.tensor(a), torch.tensor(b)))
    for got, ref in zip(analytical_jacobian(ours, [ta, tb]), expected):
        np.testing.assert_allclose(got, ref.numpy().reshape(2, -1), rtol=1e-12)
    for got, ref in zip(numerical_jacobian(ours, [ta, tb]), expected):
        np.testing.assert_allclose(got, ref.numpy().reshape(2, -1), rtol=1e-6, atol=1e-8)


@needs_torch
@pytest.mark.parametrize("shape", [(0,), ()])
def test_empty_and_0d_inputs_pass_like_torch(shape) -> None:
    import torch

    data = np.full(shape, 0.7)
    expected = torch.autograd.gradcheck(
        lambda t: (t * t).sin() if t.dim() else t.sin(), (torch.tensor(data, requires_grad=True),)
    )
    x = Tensor(data, requires_grad=True)
    assert gradcheck(lambda t: (t * t).tanh(), x) is expected is True


def test_a_gradient_of_the_wrong_shape_is_named_not_an_index_error(monkeypatch) -> None:
    """An op whose backward gives a gradient of another shape than its input (here: broadcasting left
    undone) is reported as such; comparing Jacobians of different sizes used to end in an IndexError."""
    from tinygrad_edu import backprop

    monkeypatch.setattr(backprop, "unbroadcast", lambda g, shape: g)
    a, b = Tensor(np.array(1.0), requires_grad=True), Tensor(np.ones((1, 2)), requires_grad=True)
    with pytest.raises(ValueError, match=r"backward gave an input of shape \(\) a gradient of shape \(1, 2\)"):
        gradcheck(lambda x, y: x + y, [a, b])
