r"""Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``: the rule, its kernel, the class.

The algorithm (lr γ, β₁ β₂ the averaging coefficients, ε, weight decay λ)::

    m₀ ← 0, v₀ ← 0
    for t = 1, 2, ...:
        d ← g + λ·θ
        m ← β₁·m + (1 − β₁)·d                 (running mean of the gradient)
        v ← β₂·v + (1 − β₂)·d²                (running mean of its square)
        m̂ ← m / (1 − β₁ᵗ),  v̂ ← v / (1 − β₂ᵗ)  (bias corrections: both averages start at 0)
        θ ← θ − γ·m̂ / (√v̂ + ε)

Defaults β = (0.9, 0.999), ε = 1e-8 (the paper's). The code computes the last line as
θ ← θ − (γ/(1 − β₁ᵗ))·m / (√v/√(1 − β₂ᵗ) + ε), PyTorch's order of operations.
Keras' Adam puts ε̂ = ε·√(1 − β₂ᵗ) where this puts ε; pass ``eps = ε̂/√(1 − β₂ᵗ)`` to get it.

At t = 1, m̂ = g and v̂ = g², so every parameter moves by about γ·sign(g):

>>> import numpy as np
>>> from tinygrad_edu import Tensor
>>> w = Tensor(np.array([1.0, 1.0]), requires_grad=True)
>>> w.grad = np.array([0.5, -300.0])
>>> Adam([w], lr=0.1).step(); w.numpy().round(6)
array([0.9, 1.1])
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..kernels import _check
from ..kernels._numba import njit
from .optimizer import Optimizer, check_betas


def adam_step_np(p, g, m, v, lr, beta1, beta2, eps, weight_decay, bias1, bias2) -> None:
    """The rule above in numpy, in place on ``p`` and the moments ``m``, ``v``; bias_k = 1 − β_kᵗ."""
    d = g + weight_decay * p if weight_decay else g
    m *= beta1
    m += (1 - beta1) * d
    v *= beta2
    v += (1 - beta2) * d * d
    p -= (lr / bias1) * m / (np.sqrt(v) / math.sqrt(bias2) + eps)  # math.sqrt: np.sqrt(float) is float64


@njit
def _adam_step_nb(p, g, m, v, lr, beta1, beta2, one_minus_beta1, one_minus_beta2, eps, weight_decay, bias1, bias2):
    # scalars arrive in p's dtype, 1 − β₁ and 1 − β₂ precomputed (see the SGD kernel)
    fp, fg, fm, fv = p.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1)
    step = lr / bias1
    root2 = np.sqrt(bias2)
    for i in range(fp.size):
        d = fg[i] + weight_decay * fp[i] if weight_decay else fg[i]  # not 0·θ: an infinite θ stays infinite
        fm[i] = beta1 * fm[i] + one_minus_beta1 * d
        fv[i] = beta2 * fv[i] + one_minus_beta2 * d * d
        fp[i] -= step * fm[i] / (np.sqrt(fv[i]) / root2 + eps)


def adam_step(p, g, m, v, lr, beta1, beta2, eps, weight_decay, bias1, bias2) -> None:
    """One Adam step in place: the numba kernel for float32/float64 C-ordered arrays, else `adam_step_np`.

    Raises ValueError (before writing anything) when ``g``, ``m`` or ``v`` does not have ``p``'s shape.
    """
    adam_checked(
        _check.update("adam_step", p, g, m=m, v=v), p, g, m, v, lr, beta1, beta2, eps, weight_decay, bias1, bias2
    )


def adam_checked(ready, p, g, m, v, lr, beta1, beta2, eps, weight_decay, bias1, bias2) -> None:
    """`adam_step` once its checks have run (``ready``: `_check.update`'s word that the kernel may run), for a
    rule that checks first and then writes to ``p`` itself (`tinygrad_edu.optim.adamw`)."""
    if ready:
        t = p.dtype.type
        scalars = (lr, beta1, beta2, 1 - beta1, 1 - beta2, eps, weight_decay, bias1, bias2)
        _adam_step_nb(p, g, m, v, *[t(a) for a in scalars])
    else:
        adam_step_np(p, g, m, v, lr, beta1, beta2, eps, weight_decay, bias1, bias2)


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam``; the rule is in this module's docstring.
    Defaults: lr = 1e-3, β = (0.9, 0.999), ε = 1e-8, no weight decay."""

    #: the update rule `_update` calls with the moments (`tinygrad_edu.optim.AdamW` swaps in its own)
    rule = staticmethod(adam_step)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr=lr, eps=eps, weight_decay=weight_decay)
        self.betas = check_betas(type(self).__name__, betas)
        self.lr, self.eps, self.weight_decay = lr, eps, weight_decay

    def _update(self, key: int, data: np.ndarray, grad: np.ndarray) -> None:
        state = self.state.setdefault(
            key, {"step": 0, "exp_avg": np.zeros_like(data), "exp_avg_sq": np.zeros_like(data)}
        )
        state["step"] += 1
        b1, b2 = self.betas
        t = state["step"]
        self.rule(
            data, grad, state["exp_avg"], state["exp_avg_sq"], self.lr, b1, b2, self.eps, self.weight_decay,
            1 - b1**t, 1 - b2**t,
        )  # fmt: skip
