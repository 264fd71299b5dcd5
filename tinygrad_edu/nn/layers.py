"""PyTorch-style tensor layers: `Linear`, activations, `Dropout`, `BatchNorm1d`, `Flatten`, `Sequential`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..tensor import DEFAULT_DTYPE, Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """y = x·Wᵀ + b, with W of shape (out_features, in_features), as ``torch.nn.Linear``.

    Initialisation follows PyTorch: W and b ~ U(−1/√fan_in, 1/√fan_in) (`init.default_uniform_`).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: type = DEFAULT_DTYPE) -> None:
        if in_features < 0 or out_features < 0:  # 0 is allowed, as PyTorch: an empty weight
            raise RuntimeError(f"Linear: sizes must not be negative, got ({in_features}, {out_features})")
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        init.default_uniform_(self.weight)
        self.bias = Parameter(np.empty(out_features, dtype=dtype)) if bias else None
        if self.bias is not None:
            init.default_uniform_(self.bias, fan_in=in_features)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x if isinstance(x, Tensor) else Tensor(np.asarray(x)), self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class ReLU(Module):
    """max(x, 0)."""

    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class Sigmoid(Module):
    """1/(1 + e^{−x})."""

    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class Tanh(Module):
    """tanh x."""

    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class LeakyReLU(Module):
    """x for x > 0, else a·x (a = 0.01 by default)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return x.leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Softmax(Module):
    """eˣⁱ/Σⱼ eˣʲ along ``dim``, computed as e^{xᵢ − m}/Σⱼ e^{xⱼ − m} with m = max x so that nothing overflows."""

    def __init__(self, dim: int = -1) -> None:
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return x.softmax(self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Identity(Module):
    """y = x."""

    def forward(self, x: Tensor) -> Tensor:
        return x


class Flatten(Module):
    """Merge axes start_dim..end_dim (by default all but the batch axis), as ``torch.nn.Flatten``."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout with drop probability p: y = x·m/(1 − p) in training, y = x in evaluation."""

    def __init__(self, p: float = 0.5) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace=False"


class BatchNorm1d(Module):
    """Batch normalisation over the features of (N, C) or (N, C, L) input, as ``torch.nn.BatchNorm1d``.

    y = γ·(x − μ)/√(σ² + ε) + β with batch statistics in training and running statistics in
    evaluation. After each training batch r ← (1 − m)·r + m·stat, the variance made unbiased
    (×n/(n − 1)); with ``momentum=None`` m = 1/t at the t-th batch, a cumulative average.
    ``num_batches_tracked`` counts the training batches (an int64 buffer, as PyTorch's, so
    state_dicts move both ways). Holds 4·C numbers plus the counter: γ and β (trainable), running
    mean and variance (buffers). PyTorch's defaults: momentum 0.1, ε = 1e-5.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        dtype: type = DEFAULT_DTYPE,
        unbiased_running_var: bool = True,
    ) -> None:
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.unbiased_running_var = unbiased_running_var
        self.weight = Parameter(np.ones(num_features, dtype=dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype=dtype)) if affine else None
        self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
        self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
        self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))

    def _check_input(self, x: Tensor) -> None:
        if x.ndim not in (2, 3):
            raise ValueError(f"BatchNorm1d: expected input of shape (N, C) or (N, C, L), got {x.shape}")

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        momentum = self.momentum
        if self.training:
            self.num_batches_tracked._data += 1
            if momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked._data)
        return F.batch_norm(
            x,
            self.running_mean._data,
            self.running_var._data,
            self.weight,
            self.bias,
            self.training,
            momentum,
            self.eps,
            self.unbiased_running_var,
        )

    def extra_repr(self) -> str:
        affine = self.weight is not None
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={affine}, bias={affine}, track_running_stats=True"
        )


class BatchNorm2d(BatchNorm1d):
    """Batch normalisation over the channels of (N, C, H, W) input, as ``torch.nn.BatchNorm2d``.

    For each channel c, with μ_c and σ²_c the mean and (biased) variance over N, H and W:
    y = γ_c·(x − μ_c)/√(σ²_c + ε) + β_c in training, and the running statistics in place of
    μ_c, σ²_c in evaluation; running statistics, momentum and ``num_batches_tracked`` as in
    `BatchNorm1d` (the unbiased variance uses n = N·H·W).
    """

    def _check_input(self, x: Tensor) -> None:
        if x.ndim != 4:
            raise ValueError(f"BatchNorm2d: expected input of shape (N, C, H, W), got {tuple(x.shape)}")


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

    def _members(self) -> Iterator[tuple[str, Any]]:
        """Children are named by position ("0", "1", ...), so parameters are "0.weight", as PyTorch;
        attributes set after construction follow under their own names."""
        yield from ((str(i), layer) for i, layer in enumerate(self.layers))
        for name, obj in super()._members():
            if not name.startswith("layers."):
                yield name, obj

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __setitem__(self, i: int, layer: Module) -> None:
        """Replace one layer (``model[2] = nn.Linear(6, 3)``, as PyTorch)."""
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential: item {i} must be a Module, got {type(layer).__name__}")
        self.layers[i] = layer

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)
