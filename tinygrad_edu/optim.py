"""Optimizers: update parameters from their gradients, with PyTorch's update rules and defaults.

An optimizer works on `Tensor` parameters and on scalar `Value` parameters alike (a `Value` is
treated as a 0-d array), so ``SGD(mlp.parameters(), lr=0.1)`` trains a micrograd-style MLP too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from . import kernels
from .engine import Value


class Optimizer:
    """Base: holds the parameters and per-parameter state; ``zero_grad()`` and ``step()``."""

    def __init__(self, params: Iterable[Any], **defaults: Any) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for name in ("lr", "momentum", "weight_decay"):
            if name in defaults and defaults[name] < 0:
                raise ValueError(f"{type(self).__name__}: {name} must be non-negative, got {defaults[name]}")
        self.defaults = defaults
        self.state: dict[int, dict[str, Any]] = {}

    def zero_grad(self) -> None:
        """Reset gradients: None for tensors (PyTorch's set_to_none), 0.0 for Values."""
        for p in self.params:
            p.grad = 0.0 if isinstance(p, Value) else None

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for p in self.params:
            if isinstance(p, Value):
                data, grad = np.array(p.data), np.array(p.grad)
                self._update(id(p), data, grad)
                p.data = float(data)
            elif p.grad is not None:
                self._update(id(p), p.data, p.grad)

    def _update(self, key: int, data: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, as ``torch.optim.SGD``:

        d = g + λ·θ                       (weight_decay λ)
        b = μ·b + (1 − τ)·d               (b = d at the first step; momentum μ, dampening τ)
        θ ← θ − lr·(d + μ·b)  if nesterov, else  θ ← θ − lr·b   (θ ← θ − lr·d without momentum)

    Keras' form (v = μ·v − lr·g; θ += v) gives the same trajectory for a constant learning rate.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")
        super().__init__(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, nesterov

    def _update(self, key: int, data: np.ndarray, grad: np.ndarray) -> None:
        state = self.state.get(key)
        first = state is None
        if first:
            state = self.state[key] = {"momentum_buffer": np.zeros_like(data) if self.momentum else None}
        kernels.sgd_step(
            data,
            grad,
            state["momentum_buffer"],
            self.lr,
            self.momentum,
            self.dampening,
            self.weight_decay,
            self.nesterov,
            first,
        )
