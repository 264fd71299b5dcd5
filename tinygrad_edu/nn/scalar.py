"""micrograd-style networks of scalar `Value`s: `Neuron`, `Layer`, `MLP`.

A neuron computes  y = φ(b + Σᵢ wᵢ·xᵢ)  for an activation φ; a layer is a list of neurons that
see the same inputs; an MLP is a chain of layers, the last one linear unless asked otherwise.
Every weight is a `Value`, so `draw_dot` shows each one and `backward()` fills each ``.grad``.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..engine import Operand, Value
from ..rng import default_rng
from .module import Module

ACTIVATIONS = {
    "tanh": Value.tanh,
    "relu": Value.relu,
    "sigmoid": Value.sigmoid,
    "leaky_relu": Value.leaky_relu,
    "linear": None,
}
INITS = ("uniform", "xavier", "he")


def _check_activation(activation: str | None) -> str:
    name = "linear" if activation is None else activation
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose from {sorted(ACTIVATIONS)}")
    return name


def init_weights(fan_in: int, fan_out: int, init: str) -> list[float]:
    """``fan_in`` initial weights for one neuron of a layer with ``fan_out`` neurons.

    - "uniform": U(−1, 1), as micrograd.
    - "xavier": U(−a, a) with a = √(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010).
    - "he": N(0, 2 / fan_in) (He et al., 2015), for ReLU units.
    """
    rng = default_rng()
    if init == "uniform":
        return rng.uniform(-1.0, 1.0, fan_in).tolist()
    if init == "xavier":
        a = (6.0 / (fan_in + fan_out)) ** 0.5
        return rng.uniform(-a, a, fan_in).tolist()
    if init == "he":
        return rng.normal(0.0, (2.0 / fan_in) ** 0.5, fan_in).tolist()
    raise ValueError(f"unknown init {init!r}; choose from {INITS}")


class Neuron(Module):
    """y = φ(b + Σᵢ wᵢ·xᵢ) with ``nin`` weights and a bias (initialised to 0, as micrograd)."""

    def __init__(self, nin: int, activation: str | None = "tanh", init: str = "uniform", fan_out: int = 1) -> None:
        if nin < 1:
            raise ValueError(f"Neuron: nin must be at least 1, got {nin}")
        self.activation = _check_activation(activation)
        self.w = [Value(w) for w in init_weights(nin, fan_out, init)]
        self.b = Value(0.0)

    def forward(self, x: Sequence[Operand]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
        act = Value.dot(self.w, x, self.b)
        phi = ACTIVATIONS[self.activation]
        return phi(act) if phi else act

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, {self.activation})"


class Layer(Module):
    """``nout`` neurons over the same ``nin`` inputs; returns one Value when ``nout == 1``."""

    def __init__(self, nin: int, nout: int, activation: str | None = "tanh", init: str = "uniform") -> None:
        self.neurons = [Neuron(nin, activation, init, fan_out=nout) for _ in range(nout)]

    def forward(self, x: Sequence[Operand]) -> Value | list[Value]:
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def __repr__(self) -> str:
        return f"Layer({len(self.neurons[0].w)} -> {len(self.neurons)}, {self.neurons[0].activation})"


class MLP(Module):
    """Multi-layer perceptron: ``MLP(3, [4, 4, 1])`` is 3 inputs → 4 → 4 → 1 output.

    Hidden layers use ``activation``; the last layer uses ``output_activation`` (linear by
    default, as micrograd).
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | None = "tanh",
        init: str = "uniform",
        output_activation: str | None = None,
    ) -> None:
        if not nouts:
            raise ValueError("MLP: nouts must list at least one layer size")
        sizes = [nin, *nouts]
        acts = [activation] * (len(nouts) - 1) + [output_activation]
        self.layers = [Layer(sizes[i], sizes[i + 1], acts[i], init) for i in range(len(nouts))]

    def forward(self, x: Sequence[Operand]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
            if isinstance(x, Value):
                x = [x]
        return x[0] if len(x) == 1 else x

    def __repr__(self) -> str:
        sizes = [len(self.layers[0].neurons[0].w)] + [len(layer.neurons) for layer in self.layers]
        act = self.layers[0].neurons[0].activation if len(self.layers) > 1 else "-"
        return (
            f"MLP({' -> '.join(map(str, sizes))}, activation={act}, "
            f"output={self.layers[-1].neurons[0].activation}, params={self.num_params()})"
        )
