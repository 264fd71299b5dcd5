r"""Adadelta (Zeiler, 2012), as ``torch.optim.Adadelta``: the rule and the class.

The algorithm (lr γ, smoothing ρ, ε, weight decay λ)::

    v ← 0, u ← 0
    for t = 1, 2, ...:
        d ← g + λ·θ
        v ← ρ·v + (1 − ρ)·d²                  (running mean of squared gradients)
        Δ ← √(u + ε)/√(v + ε) · d             (units of θ: RMS of past steps over RMS of gradients)
        u ← ρ·u + (1 − ρ)·Δ²                  (running mean of squared steps)
        θ ← θ − γ·Δ

Defaults: lr = 1.0, ρ = 0.9, ε = 1e-6. Keras' Adadelta is the same rule (its defaults: lr = 1e-3,
ρ = 0.95, ε = 1e-7).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..kernels import _check
from .optimizer import Optimizer, check_range


def adadelta_step(p, g, square_avg, acc_delta, lr, rho, eps, weight_decay) -> None:
    """The rule above in place on ``p``, ``square_avg`` (v) and ``acc_delta`` (u)."""
    _check.update("adadelta_step", p, g, square_avg=square_avg, acc_delta=acc_delta)
    d = g + weight_decay * p if weight_decay else g
    square_avg *= rho
    square_avg += (1 - rho) * d * d
    delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * d
    acc_delta *= rho
    acc_delta += (1 - rho) * delta * delta
    p -= lr * delta


class Adadelta(Optimizer):
    """Adadelta, as ``torch.optim.Adadelta``; the rule is in this module's docstring."""

    def __init__(
        self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr=lr, eps=eps, weight_decay=weight_decay)
        check_range(type(self).__name__, "rho", rho, 0.0, 1.0)
        self.lr, self.rho, self.eps, self.weight_decay = lr, rho, eps, weight_decay

    def _update(self, key: int, data: np.ndarray, grad: np.ndarray) -> None:
        state = self.state.setdefault(key, {"square_avg": np.zeros_like(data), "acc_delta": np.zeros_like(data)})
        adadelta_step(
            data, grad, state["square_avg"], state["acc_delta"], self.lr, self.rho, self.eps, self.weight_decay
        )
