"""tinygrad_edu.activations: each name's Value op, Tensor op and derivative agree with the math."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, activations, nn

X = np.array([-2.5, -0.7, -0.1, 0.3, 1.2, 3.0])  # away from relu's kink at 0
FORMULAS = {  # φ(x) written from the definitions, independently of the library
    "linear": lambda x: x,
    "tanh": lambda x: (np.exp(2 * x) - 1) / (np.exp(2 * x) + 1),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "relu": lambda x: np.maximum(x, 0.0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
}


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_value_tensor_and_formula_agree(name: str) -> None:
    act = activations.get(name)
    expected = FORMULAS[name](X)
    np.testing.assert_allclose(act.tensor(Tensor(X)).data, expected, rtol=1e-12)
    np.testing.assert_allclose([act.value(Value(float(x))).data for x in X], expected, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_derivative_is_the_central_difference_and_the_backward(name: str) -> None:
    act, eps = activations.get(name), 1e-6
    numeric = (FORMULAS[name](X + eps) - FORMULAS[name](X - eps)) / (2 * eps)
    np.testing.assert_allclose(act.derivative(X), numeric, rtol=1e-7, atol=1e-9)
    t = Tensor(X, requires_grad=True)
    act.tensor(t).sum().backward()
    np.testing.assert_allclose(t.grad, act.derivative(X), rtol=1e-12)


def test_softmax_is_tensor_only_and_unknown_names_are_listed() -> None:
    np.testing.assert_allclose(activations.get("softmax").tensor(Tensor([[0.0, np.log(3.0)]])).data, [[0.25, 0.75]])
    with pytest.raises(ValueError, match=r"unknown activation 'swish'; choose from \['leaky_relu', 'linear'"):
        activations.get("swish")
    with pytest.raises(ValueError, match="unknown activation 'softmax' for scalar neurons"):
        nn.Neuron(2, activation="softmax")
