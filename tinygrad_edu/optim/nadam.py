r"""Nadam (Dozat, 2016), as ``torch.optim.NAdam``: Adam with Nesterov momentum, the rule and the class.

The algorithm (lr γ, β₁ β₂, ε, weight decay λ, momentum decay ψ)::

    m₀ ← 0, v₀ ← 0, Π₀ ← 1
    for t = 1, 2, ...:
        d ← g + λ·θ
        μₜ ← β₁·(1 − ½·0.96^(t·ψ)),  μₜ₊₁ ← β₁·(1 − ½·0.96^((t+1)·ψ))   (PyTorch's momentum schedule)
        Πₜ ← Πₜ₋₁·μₜ
        m ← β₁·m + (1 − β₁)·d,  v ← β₂·v + (1 − β₂)·d²
        D ← √(v/(1 − β₂ᵗ)) + ε
        θ ← θ − γ·(1 − μₜ)/(1 − Πₜ)·d/D − γ·μₜ₊₁/(1 − Πₜ·μₜ₊₁)·m/D

Defaults: lr = 2e-3, β = (0.9, 0.999), ε = 1e-8, ψ = 4e-3. Keras' Nadam is the same rule with ψ = 1
(its schedule is μₜ = β₁·(1 − ½·0.96ᵗ)) and its own defaults (lr = 1e-3, ε = 1e-7).

There is no numba kernel: Nadam is rarely the training loop's bottleneck here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..kernels import _check
from .optimizer import Optimizer, check_betas


def momentum_schedule(beta1: float, t: int, momentum_decay: float) -> float:
    """μₜ = β₁·(1 − ½·0.96^(t·ψ)), the momentum coefficient at step t (Dozat's schedule, PyTorch's ψ).

    >>> round(momentum_schedule(0.9, 1, 1.0), 6)     # Keras' μ₁ = 0.9·(1 − 0.48)
    0.468
    """
    return beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))


def nadam_step(p, g, m, v, lr, beta1, beta2, eps, weight_decay, mu, mu_next, mu_product, bias2) -> None:
    """The rule above in place on ``p``, ``m``, ``v``; ``mu_product`` is Πₜ (μₜ included), bias2 = 1 − β₂ᵗ."""
    _check.update("nadam_step", p, g, m=m, v=v)
    d = g + weight_decay * p if weight_decay else g
    m *= beta1
    m += (1 - beta1) * d
    v *= beta2
    v += (1 - beta2) * d * d
    denom = np.sqrt(v / bias2) + eps
    p -= lr * (1 - mu) / (1 - mu_product) * d / denom
    p -= lr * mu_next / (1 - mu_product * mu_next) * m / denom


class Nadam(Optimizer):
    """Nadam, as ``torch.optim.NAdam``; the rule is in this module's docstring."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
    ) -> None:
        super().__init__(params, lr=lr, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay)
        self.betas = check_betas(type(self).__name__, betas)
        self.lr, self.eps, self.weight_decay = lr, eps, weight_decay
        self.momentum_decay = momentum_decay

    def _update(self, key: int, data: np.ndarray, grad: np.ndarray) -> None:
        state = self.state.setdefault(
            key, {"step": 0, "mu_product": 1.0, "exp_avg": np.zeros_like(data), "exp_avg_sq": np.zeros_like(data)}
        )
        state["step"] += 1
        t = state["step"]
        b1, b2 = self.betas
        mu = momentum_schedule(b1, t, self.momentum_decay)
        mu_next = momentum_schedule(b1, t + 1, self.momentum_decay)
        state["mu_product"] *= mu
        nadam_step(
            data, grad, state["exp_avg"], state["exp_avg_sq"], self.lr, b1, b2, self.eps, self.weight_decay,
            mu, mu_next, state["mu_product"], 1 - b2**t,
        )  # fmt: skip
