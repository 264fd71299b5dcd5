"""Activation functions by name: one table for the scalar `Value` networks, the `Tensor` layers and plots.

Each `Activation` gives, for the name a model is configured with (``Neuron(2, activation="relu")``),

- ``value``: the op on a scalar `Value` (None where the activation is not elementwise: softmax);
- ``tensor``: the op on a `Tensor`;
- ``derivative``: φ′(x) from the math, in numpy (None for softmax, whose derivative is a matrix),
  for pictures and for checking ``backward()`` against.

Defaults follow PyTorch: leaky ReLU's negative slope is 0.01.

>>> import numpy as np
>>> get("relu").derivative(np.array([-1.0, 2.0]))
array([0., 1.])
>>> get("sigmoid").value(Value(0.0)).data
0.5
>>> get(None).name                       # no activation means the identity
'linear'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .engine import Value
from .tensor import Tensor


@dataclass(frozen=True)
class Activation:
    """An activation φ: its scalar op, its tensor op and its derivative φ′ (numpy)."""

    name: str
    value: Callable[[Value], Value] | None
    tensor: Callable[[Tensor], Tensor]
    derivative: Callable[[np.ndarray], np.ndarray] | None


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # σ(x) = (1 + tanh(x/2))/2


def _identity(x):  # a Value or a Tensor, returned as it is
    return x


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("linear", _identity, _identity, np.ones_like),  # φ(x) = x, φ′ = 1
        Activation("tanh", Value.tanh, Tensor.tanh, lambda x: 1.0 - np.tanh(x) ** 2),  # φ′ = 1 − tanh²
        Activation("sigmoid", Value.sigmoid, Tensor.sigmoid, lambda x: _sigmoid(x) * (1.0 - _sigmoid(x))),  # σ(1 − σ)
        Activation("relu", Value.relu, Tensor.relu, lambda x: (x > 0).astype(float)),  # φ′(0) = 0, as PyTorch
        Activation("leaky_relu", Value.leaky_relu, Tensor.leaky_relu, lambda x: np.where(x > 0, 1.0, 0.01)),
        Activation("softmax", None, lambda x: x.softmax(axis=-1), None),  # over the last axis
    )
}


def get(name: str | None) -> Activation:
    """The activation called ``name`` (None means "linear"); a ValueError lists the known names."""
    key = "linear" if name is None else name
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose from {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[key]
