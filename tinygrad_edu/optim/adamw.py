r"""AdamW (Loshchilov & Hutter, 2019, "Decoupled Weight Decay Regularization"), as ``torch.optim.AdamW``.

Adam with an L2 term folds λ·θ into the gradient, so the decay is divided by √v̂ like every gradient and
heavily-updated weights decay less. AdamW decays the weights themselves, before Adam's step, which then
sees the bare gradient (γ lr, λ weight decay, `tinygrad_edu.optim.adam` for the rest)::

    θ ← θ·(1 − γλ)
    θ ← Adam's step from g (with λ = 0)

Defaults are PyTorch's: lr = 1e-3, β = (0.9, 0.999), ε = 1e-8, λ = 1e-2.

With a zero gradient Adam does not move a weight, so only the decay acts:

>>> import numpy as np
>>> from tinygrad_edu import Tensor
>>> w = Tensor(np.array([2.0, -4.0]), requires_grad=True)
>>> w.grad = np.zeros(2)
>>> AdamW([w], lr=0.1, weight_decay=0.5).step(); w.numpy()
array([ 1.9, -3.8])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..kernels import _check
from .adam import Adam, adam_checked


def adamw_step(p, g, m, v, lr, beta1, beta2, eps, weight_decay, bias1, bias2) -> None:
    """One AdamW step in place: θ ← θ·(1 − γλ) (PyTorch's ``param.mul_(1 - lr * weight_decay)``), then
    `adam_step` without its L2 term. The shapes are checked (once) before the decay writes to ``p``."""
    ready = _check.update("adamw_step", p, g, m=m, v=v)
    if weight_decay:
        p *= 1 - lr * weight_decay
    adam_checked(ready, p, g, m, v, lr, beta1, beta2, eps, 0.0, bias1, bias2)


class AdamW(Adam):
    """AdamW, as ``torch.optim.AdamW``; the rule is in this module's docstring.
    Defaults: lr = 1e-3, β = (0.9, 0.999), ε = 1e-8, weight decay 1e-2. Adam's state and steps, this rule."""

    rule = staticmethod(adamw_step)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
