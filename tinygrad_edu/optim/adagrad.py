r"""Adagrad (Duchi, Hazan & Singer, 2011), as ``torch.optim.Adagrad``: the rule and the class.

The algorithm (lr γ, learning-rate decay η, weight decay λ, ε, initial accumulator G₀)::

    G ← G₀
    for t = 1, 2, ...:
        d ← g + λ·θ
        G ← G + d²                           (every squared gradient so far)
        θ ← θ − γ/(1 + (t − 1)·η) · d/(√G + ε)

Defaults: lr = 1e-2, η = 0, G₀ = 0, ε = 1e-10. Keras' Adagrad divides by √(G + ε) instead (and starts
from G₀ = 0.1): ``adagrad_step(..., eps_inside_sqrt=True)`` computes that form.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..kernels import _check
from .optimizer import Optimizer


def adagrad_step(p, g, sum_sq, lr, eps, weight_decay, eps_inside_sqrt: bool = False) -> None:
    """The rule above in place on ``p`` and the accumulator ``sum_sq``; ``lr`` is the decayed γ."""
    _check.update("adagrad_step", p, g, sum_sq=sum_sq)
    d = g + weight_decay * p if weight_decay else g
    sum_sq += d * d
    p -= lr * d / (np.sqrt(sum_sq + eps) if eps_inside_sqrt else np.sqrt(sum_sq) + eps)


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad``; the rule is in this module's docstring."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        self.lr, self.lr_decay, self.weight_decay = lr, lr_decay, weight_decay
        self.initial_accumulator_value, self.eps = initial_accumulator_value, eps

    def _update(self, key: int, data: np.ndarray, grad: np.ndarray) -> None:
        state = self.state.setdefault(key, {"step": 0, "sum": np.full_like(data, self.initial_accumulator_value)})
        state["step"] += 1
        clr = self.lr / (1 + (state["step"] - 1) * self.lr_decay)
        adagrad_step(data, grad, state["sum"], clr, self.eps, self.weight_decay)
