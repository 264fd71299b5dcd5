"""micrograd-style networks of scalar `Value`s: `Neuron`, `Layer`, `MLP`.

A neuron computes  y = φ(b + Σᵢ wᵢ·xᵢ)  for an activation φ; a layer is a list of neurons that
see the same inputs; an MLP is a chain of layers, the last one linear unless asked otherwise.
Every weight is a `Value`, so `draw_dot` shows each one and `backward()` fills each ``.grad``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import activations
from ..engine import Operand, Value
from . import init as init_
from .module import Module

INITS = ("uniform", "xavier", "he", "lecun")


def _check_activation(activation: str | None) -> str:
    """The activation's name, for scalar networks: one with a `Value` op in `tinygrad_edu.activations`."""
    act = activations.get(activation)
    if act.value is None:
        scalar = sorted(n for n, a in activations.ACTIVATIONS.items() if a.value is not None)
        raise ValueError(f"unknown activation {activation!r} for scalar neurons; choose from {scalar}")
    return act.name


def init_weights(fan_in: int, fan_out: int, init: str) -> np.ndarray:
    """A (fan_out, fan_in) weight matrix for a layer of ``fan_out`` neurons (one row each).

    - "uniform": U(−1, 1), as micrograd.
    - "xavier": Glorot uniform, U(±√(6/(fan_in + fan_out))).
    - "he": He normal, N(0, 2/fan_in), for ReLU units.
    - "lecun": LeCun normal, N(0, 1/fan_in).
    The last three come from `tinygrad_edu.nn.init`.
    """
    w = np.empty((fan_out, fan_in))
    if init == "uniform":
        return init_.uniform_(w, -1.0, 1.0)
    if init == "xavier":
        return init_.xavier_uniform_(w)
    if init == "he":
        return init_.kaiming_normal_(w, nonlinearity="relu")
    if init == "lecun":
        return init_.lecun_normal_(w)
    raise ValueError(f"unknown init {init!r}; choose from {INITS}")


class Neuron(Module):
    """y = φ(b + Σᵢ wᵢ·xᵢ) with ``nin`` weights and a bias (initialised to 0, as micrograd)."""

    def __init__(
        self, nin: int, activation: str | None = "tanh", init: str = "uniform", weights: Sequence[float] | None = None
    ) -> None:
        if nin < 0:  # 0 is a bias alone, as micrograd's Neuron(0)
            raise ValueError(f"Neuron: nin must not be negative, got {nin}")
        self.activation = _check_activation(activation)
        row = init_weights(nin, 1, init)[0] if weights is None else weights
        if len(row) != nin:
            raise ValueError(f"Neuron: {len(row)} weights given for {nin} inputs")
        self.w = [Value(float(w)) for w in row]
        self.b = Value(0.0)

    def forward(self, x: Sequence[Operand]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
        phi = activations.ACTIVATIONS[self.activation].value
        assert phi is not None, "_check_activation accepts only activations with a Value op"
        return phi(Value.dot(self.w, x, self.b))

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, {self.activation})"


class Layer(Module):
    """``nout`` neurons over the same ``nin`` inputs; returns one Value when ``nout == 1``."""

    def __init__(self, nin: int, nout: int, activation: str | None = "tanh", init: str = "uniform") -> None:
        if nin < 0 or nout < 0:  # 0 is allowed, as micrograd: no inputs (biases alone) or no neurons
            raise ValueError(f"Layer: sizes must not be negative, got ({nin}, {nout})")
        self.nin, self.activation = nin, _check_activation(activation)
        weights = init_weights(nin, nout, init)
        self.neurons = [Neuron(nin, activation, weights=row) for row in weights]

    def forward(self, x: Sequence[Operand]) -> Value | list[Value]:
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def __repr__(self) -> str:
        return f"Layer({self.nin} -> {len(self.neurons)}, {self.activation})"


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
        inputs: Sequence[Operand] = x
        outs: list[Value] = []
        for layer in self.layers:
            y = layer(inputs)
            inputs = outs = [y] if isinstance(y, Value) else y
        return outs[0] if len(outs) == 1 else outs

    def __repr__(self) -> str:
        sizes = [len(self.layers[0].neurons[0].w)] + [len(layer.neurons) for layer in self.layers]
        act = self.layers[0].neurons[0].activation if len(self.layers) > 1 else "-"
        return (
            f"MLP({' -> '.join(map(str, sizes))}, activation={act}, "
            f"output={self.layers[-1].neurons[0].activation}, params={self.num_params()})"
        )
