"""micrograd-style Neuron, Layer, MLP over Values, and the Module base they share."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Value, nn


def test_textbook_parameter_count() -> None:
    assert nn.MLP(50, [30, 25, 20, 15, 1]).num_params() == 3156  # Σ (n_in + 1)·n_out


def test_neuron_computes_weighted_sum_and_activation() -> None:
    n = nn.Neuron(3, activation="tanh")
    for w, v in zip(n.w, [0.5, -0.25, 1.0]):
        w.data = v
    n.b.data = 0.1
    out = n([1.0, 2.0, -1.0])
    assert out.data == pytest.approx(math.tanh(0.1 + 0.5 - 0.5 - 1.0), rel=1e-15)
    assert nn.Neuron(2, activation=None)([1.0, 1.0])._op == "dot"


def test_parameters_are_ordered_and_complete() -> None:
    m = nn.MLP(2, [3, 1])
    params = m.parameters()
    assert len(params) == m.num_params() == 3 * 3 + 4
    assert params[0] is m.layers[0].neurons[0].w[0] and params[2] is m.layers[0].neurons[0].b
    names = [name for name, _ in m.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]


def test_zero_grad_and_train_eval() -> None:
    m = nn.MLP(2, [2, 1])
    m([1.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in m.parameters())
    m.zero_grad()
    assert all(p.grad == 0.0 for p in m.parameters())
    m.eval()
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())


def test_last_layer_is_linear_unless_asked() -> None:
    m = nn.MLP(2, [4, 1])
    assert [layer.neurons[0].activation for layer in m.layers] == ["tanh", "linear"]
    m2 = nn.MLP(2, [4, 1], activation="relu", output_activation="sigmoid")
    assert [layer.neurons[0].activation for layer in m2.layers] == ["relu", "sigmoid"]
    assert repr(m2) == "MLP(2 -> 4 -> 1, activation=relu, output=sigmoid, params=17)"


@pytest.mark.parametrize(
    ("init", "check"),
    [
        ("uniform", lambda w, fi, fo: np.all(np.abs(w) <= 1.0) and abs(w.std() - 1 / math.sqrt(3)) < 0.03),
        (
            "xavier",
            lambda w, fi, fo: (
                np.all(np.abs(w) <= math.sqrt(6 / (fi + fo)))
                and abs(w.std() - math.sqrt(2 / (fi + fo))) < 0.1 * math.sqrt(2 / (fi + fo))
            ),
        ),
        ("he", lambda w, fi, fo: abs(w.std() - math.sqrt(2 / fi)) < 0.05 * math.sqrt(2 / fi)),
    ],
)
def test_initialisation_schemes_have_the_textbook_spread(init: str, check) -> None:
    """U(−1,1) has std 1/√3; Glorot uniform bound √(6/(fan_in+fan_out)), std √(2/(fan_in+fan_out));
    He normal std √(2/fan_in)."""
    tg.manual_seed(0)
    fan_in, fan_out = 100, 50
    layer = nn.Layer(fan_in, fan_out, init=init)
    w = np.array([p.data for n in layer.neurons for p in n.w])
    assert check(w, fan_in, fan_out)
    assert all(n.b.data == 0.0 for n in layer.neurons)


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.Neuron(2, activation="swish")
    with pytest.raises(ValueError, match="unknown init 'orthogonal'"):
        nn.Neuron(2, init="orthogonal")
    with pytest.raises(ValueError, match="Neuron: expected 2 inputs, got 3"):
        nn.Neuron(2)([1, 2, 3])


def test_mlp_learns_xor() -> None:
    """A 2-4-1 tanh MLP fits XOR (not linearly separable) by plain gradient descent on MSE."""
    tg.manual_seed(3)
    m = nn.MLP(2, [4, 1])
    X, y = [[0, 0], [0, 1], [1, 0], [1, 1]], [-1.0, 1.0, 1.0, -1.0]
    for _ in range(300):
        loss = Value.sum((m(x) - t) ** 2 for x, t in zip(X, y))
        m.zero_grad()
        loss.backward()
        for p in m.parameters():
            p.data -= 0.05 * p.grad
    assert loss.data < 0.05
    assert [1.0 if m(x).data > 0 else -1.0 for x in X] == y


def test_same_seed_same_network() -> None:
    tg.manual_seed(7)
    a = [p.data for p in nn.MLP(3, [4, 1]).parameters()]
    tg.manual_seed(7)
    b = [p.data for p in nn.MLP(3, [4, 1]).parameters()]
    assert a == b
