r"""RMSprop (Hinton's lecture 6e, 2012), as ``torch.optim.RMSprop``: the rule and the class.

The algorithm (lr γ, smoothing α, ε, weight decay λ, momentum μ)::

    v ← 0, ḡ ← 0, b ← 0
    for t = 1, 2, ...:
        d ← g + λ·θ
        v ← α·v + (1 − α)·d²                  (running mean of the squared gradient)
        if centered:  ḡ ← α·ḡ + (1 − α)·d;  a ← √(v − ḡ²) + ε   (divide by the standard deviation)
        else:         a ← √v + ε
        if μ > 0:     b ← μ·b + d/a;  θ ← θ − γ·b
        else:         θ ← θ − γ·d/a

Defaults: lr = 1e-2, α = 0.99, ε = 1e-8. Keras' RMSprop divides by √(v + ε) (or √(v − ḡ² + ε)) instead:
``rmsprop_step(..., eps_inside_sqrt=True)`` computes that form. Keras' momentum also keeps γ inside the
buffer, b ← μ·b + γ·d/a;  θ ← θ − b, which differs from the rule above once γ changes (a schedule):
``rmsprop_step(..., lr_in_buffer=True)`` computes that form.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..kernels import _check
from .optimizer import Optimizer


def rmsprop_step(
    p,
    g,
    square_avg,
    grad_avg,
    momentum_buffer,
    lr,
    alpha,
    eps,
    weight_decay,
    momentum,
    eps_inside_sqrt: bool = False,
    lr_in_buffer: bool = False,
) -> None:
    """The rule above in place; ``grad_avg`` is None unless centered, ``momentum_buffer`` None unless μ > 0.

    ``eps_inside_sqrt`` and ``lr_in_buffer`` select Keras' forms: a = √(v + ε), and b ← μ·b + γ·d/a; θ ← θ − b.
    """
    _check.update("rmsprop_step", p, g, square_avg=square_avg, grad_avg=grad_avg, momentum_buffer=momentum_buffer)
    d = g + weight_decay * p if weight_decay else g
    square_avg *= alpha
    square_avg += (1 - alpha) * d * d
    var = square_avg
    if grad_avg is not None:
        grad_avg *= alpha
        grad_avg += (1 - alpha) * d
        var = square_avg - grad_avg * grad_avg
    avg = np.sqrt(var + eps) if eps_inside_sqrt else np.sqrt(var) + eps
    if momentum_buffer is not None:
        momentum_buffer *= momentum
        if lr_in_buffer:
            momentum_buffer += lr * d / avg
            p -= momentum_buffer
        else:
            momentum_buffer += d / avg
            p -= lr * momentum_buffer
    else:
        p -= lr * d / avg


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``; the rule is in this module's docstring."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum)
        self.lr, self.alpha, self.eps, self.weight_decay = lr, alpha, eps, weight_decay
        self.momentum, self.centered = momentum, centered

    def _update(self, key: int, data: np.ndarray, grad: np.ndarray) -> None:
        state = self.state.setdefault(
            key,
            {
                "square_avg": np.zeros_like(data),
                "grad_avg": np.zeros_like(data) if self.centered else None,
                "momentum_buffer": np.zeros_like(data) if self.momentum else None,
            },
        )
        rmsprop_step(
            data, grad, state["square_avg"], state["grad_avg"], state["momentum_buffer"],
            self.lr, self.alpha, self.eps, self.weight_decay, self.momentum,
        )  # fmt: skip
