r"""Stochastic gradient descent with momentum, as ``torch.optim.SGD``: the rule, its kernel, the class.

The algorithm (lr γ, momentum μ, dampening τ, weight decay λ; θ the parameter, g its gradient)::

    for t = 1, 2, ...:
        d ← g + λ·θ                          (weight decay as an added gradient)
        if μ ≠ 0:
            b ← d                    if t = 1
            b ← μ·b + (1 − τ)·d      otherwise
            d ← d + μ·b              if nesterov, else  d ← b
        θ ← θ − γ·d

Keras writes momentum as v ← μ·v − γ·g; θ ← θ + v. That is this rule with b = −v/γ only while γ stays
constant; run as ``sgd_step(θ, γ·g, b, lr=1, ...)`` it is Keras' rule exactly (b = −v), for any schedule.

>>> import numpy as np
>>> from tinygrad_edu import Tensor
>>> w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
>>> opt = SGD([w], lr=0.1, momentum=0.9)
>>> w.grad = np.array([1.0, -1.0]); opt.step(); w.numpy()     # b = g
array([0.9, 2.1])
>>> w.grad = np.array([1.0, -1.0]); opt.step(); w.numpy()     # b = 0.9·g + g = 1.9·g
array([0.71, 2.29])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..kernels import _check
from ..kernels._numba import njit
from .optimizer import Optimizer


def sgd_step_np(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first) -> None:
    """The rule above in numpy, in place on ``p`` and the momentum buffer ``buf`` (None without momentum)."""
    d = g + weight_decay * p if weight_decay else g
    if momentum:
        if first:
            buf[...] = d
        else:
            buf *= momentum
            buf += (1 - dampening) * d
        d = d + momentum * buf if nesterov else buf
    p -= lr * d


@njit
def _sgd_step_nb(p, g, buf, lr, momentum, one_minus_dampening, weight_decay, nesterov, first):
    # Scalars arrive in p's dtype, 1 − τ precomputed: a Python constant such as ``1 - dampening`` would
    # promote float32 to float64 inside the loop and halve its speed. Each case gets its own loop, which LLVM
    # vectorizes; the decay term's test is the same in every pass, so LLVM takes it out of the loop (without
    # a decay there is no 0·θ term: an infinite θ stays infinite, as in the twin and PyTorch).
    fp, fg, fb = p.reshape(-1), g.reshape(-1), buf.reshape(-1)
    if momentum == 0:
        for i in range(fp.size):
            fp[i] -= lr * (fg[i] + weight_decay * fp[i] if weight_decay else fg[i])
    elif first:
        for i in range(fp.size):
            d = fg[i] + weight_decay * fp[i] if weight_decay else fg[i]
            fb[i] = d
            fp[i] -= lr * (d + momentum * d) if nesterov else lr * d
    elif nesterov:
        for i in range(fp.size):
            d = fg[i] + weight_decay * fp[i] if weight_decay else fg[i]
            b = momentum * fb[i] + one_minus_dampening * d
            fb[i] = b
            fp[i] -= lr * (d + momentum * b)
    else:
        for i in range(fp.size):
            b = momentum * fb[i] + one_minus_dampening * (fg[i] + weight_decay * fp[i] if weight_decay else fg[i])
            fb[i] = b
            fp[i] -= lr * b


def sgd_step(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first) -> None:
    """One SGD step in place: the numba kernel for float32/float64 C-ordered arrays, else `sgd_step_np`.

    Raises ValueError (before writing anything) when ``g`` or ``buf`` does not have ``p``'s shape.
    """
    if _check.update("sgd_step", p, g, buf=buf):
        t = p.dtype.type
        if buf is None:  # no momentum: the kernel never reads the buffer, but numba needs an array
            buf = np.empty(0, dtype=p.dtype)
        _sgd_step_nb(p, g, buf, t(lr), t(momentum), t(1 - dampening), t(weight_decay), nesterov, first)
    else:
        sgd_step_np(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first)


class SGD(Optimizer):
    """Stochastic gradient descent with (Nesterov) momentum, as ``torch.optim.SGD``; the rule is in
    this module's docstring. Defaults: lr = 1e-3, no momentum, no dampening, no weight decay."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, nesterov

    def _update(self, key: int, data: np.ndarray, grad: np.ndarray) -> None:
        first = key not in self.state
        if first:
            self.state[key] = {"momentum_buffer": np.zeros_like(data) if self.momentum else None}
        state = self.state[key]
        sgd_step(
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
