"""PyTorch-style tensor layers: `Linear`, activation modules and `Sequential`."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from ..rng import default_rng
from ..tensor import DEFAULT_DTYPE, Tensor
from . import functional as F
from .module import Module


class Linear(Module):
    """y = x·Wᵀ + b, with W of shape (out_features, in_features), as ``torch.nn.Linear``.

    Initialisation follows PyTorch: W and b ~ U(−1/√fan_in, 1/√fan_in), which is
    ``kaiming_uniform_(a=√5)`` for W (bound √(6/((1 + a²)·fan_in)) = 1/√fan_in).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: type = DEFAULT_DTYPE) -> None:
        if in_features < 1 or out_features < 1:
            raise ValueError(f"Linear: sizes must be positive, got ({in_features}, {out_features})")
        self.in_features, self.out_features = in_features, out_features
        bound = 1.0 / math.sqrt(in_features)
        rng = default_rng()
        self.weight = Tensor(rng.uniform(-bound, bound, (out_features, in_features)).astype(dtype), requires_grad=True)
        self.bias = Tensor(rng.uniform(-bound, bound, out_features).astype(dtype), requires_grad=True) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x if isinstance(x, Tensor) else Tensor(np.asarray(x)), self.weight, self.bias)

    def __repr__(self) -> str:
        return f"Linear(in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None})"


class ReLU(Module):
    """max(x, 0)."""

    def forward(self, x: Tensor) -> Tensor:
        return x.relu()

    def __repr__(self) -> str:
        return "ReLU()"


class Sigmoid(Module):
    """1/(1 + e^{−x})."""

    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()

    def __repr__(self) -> str:
        return "Sigmoid()"


class Tanh(Module):
    """tanh x."""

    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()

    def __repr__(self) -> str:
        return "Tanh()"


class Sequential(Module):
    """Modules applied in order: ``Sequential(Linear(784, 128), ReLU(), Linear(128, 10))``."""

    def __init__(self, *layers: Module) -> None:
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential: item {i} is a {type(layer).__name__}, not a Module")
        self.layers = list(layers)

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers:
            x = layer(x)
        return x

    def _members(self) -> Iterator[tuple[str, Module]]:
        """Children are named by position ("0", "1", ...), so parameters are "0.weight", as PyTorch."""
        return ((str(i), layer) for i, layer in enumerate(self.layers))

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def __repr__(self) -> str:
        inner = "\n".join(f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"
