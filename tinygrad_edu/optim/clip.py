"""Gradient clipping, as ``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_``.

>>> import numpy as np
>>> from tinygrad_edu import Tensor
>>> w = Tensor(np.zeros(2), requires_grad=True)
>>> w.grad = np.array([3.0, 4.0])                 # norm 5
>>> round(clip_grad_norm_([w], max_norm=1.0), 6)  # returns the norm before clipping
5.0
>>> w.grad.numpy().round(6)                       # scaled by 1/(5 + 1e-6)
array([0.6, 0.8])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..engine import Value


def _grads(parameters: Iterable[Any]) -> list[Any]:
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: Iterable[Any], max_norm: float, norm_type: float = 2.0) -> float:
    """Scale all gradients together so that their joint p-norm is at most ``max_norm``, as PyTorch:
    total = ‖(g₁, g₂, …)‖_p;  each g ← g·min(1, max_norm/(total + 1e-6)). Returns the total norm.
    A NaN anywhere makes the total NaN and so every gradient NaN, as PyTorch (which scales by the
    clamped coefficient unconditionally)."""
    params = _grads(parameters)
    if not params:
        return 0.0
    flat = [np.abs(np.asarray(p.grad if isinstance(p, Value) else p._grad._data, np.float64)).ravel() for p in params]
    if norm_type == float("inf"):
        total = float(np.max([f.max() if f.size else 0.0 for f in flat]))  # np.max keeps a NaN
    else:
        total = float(sum(float((f**norm_type).sum()) for f in flat) ** (1.0 / norm_type))
    coef = max_norm / (total + 1e-6)
    if not coef >= 1.0:  # below 1, or NaN
        for p in params:
            if isinstance(p, Value):
                p.grad *= coef
            else:
                p._grad._data *= p._grad._data.dtype.type(coef)
    return total


def clip_grad_value_(parameters: Iterable[Any], clip_value: float) -> None:
    """Clamp every gradient element into [−clip_value, clip_value] in place."""
    for p in _grads(parameters):
        if isinstance(p, Value):
            p.grad = min(max(p.grad, -clip_value), clip_value)
        else:
            np.clip(p._grad._data, -clip_value, clip_value, out=p._grad._data)
