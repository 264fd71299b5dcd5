r"""Learning-rate schedules, as ``torch.optim.lr_scheduler``: each sets the optimizer's learning rate for epoch e.

A scheduler reads the optimizer's learning rate once, as γ₀, and sets the rate for epoch e = 0 at once; each
``scheduler.step()`` (once an epoch, after ``optimizer.step()``) moves to e + 1 and sets ``γ(e)``:

==================  ==============================================================
``StepLR``          γ₀ · gamma^⌊e / step_size⌋
``MultiStepLR``     γ₀ · gamma^(number of milestones ≤ e)
``ExponentialLR``   γ₀ · gamma^e
``CosineAnnealingLR``  η_min + (γ₀ − η_min) · (1 + cos(π·e / T_max)) / 2
``LambdaLR``        γ₀ · lr_lambda(e)
==================  ==============================================================

These are PyTorch's closed forms; PyTorch updates StepLR, MultiStepLR, ExponentialLR and CosineAnnealingLR
step by step from the previous rate, which agrees to rounding (≤ 1e-15 relative over 100 epochs) as long
as nobody else changes the rate between steps. ``get_last_lr()`` is the rate set last, as a list (one per
parameter group; here there is one).

>>> from tinygrad_edu import Tensor, optim
>>> opt = optim.SGD([Tensor([1.0], requires_grad=True)], lr=0.1)
>>> sched = StepLR(opt, step_size=2, gamma=0.5)
>>> rates = []
>>> for epoch in range(5):
...     rates.append(sched.get_last_lr()[0])
...     opt.step()
...     sched.step()
>>> rates
[0.1, 0.1, 0.05, 0.05, 0.025]
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable
from typing import Any

from .optimizer import Optimizer, check_positive_int, check_range

#: what ``from tinygrad_edu.optim.lr_scheduler import *`` gives
__all__ = ["CosineAnnealingLR", "ExponentialLR", "LRScheduler", "LambdaLR", "MultiStepLR", "StepLR"]


class LRScheduler:
    """The base: keeps the optimizer, γ₀ (``base_lrs``) and the epoch (``last_epoch``); a subclass writes
    ``rate(base, e)``, the rate of epoch e from γ₀."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer) or "lr" not in optimizer.param_groups[0]:
            raise TypeError(
                f"{type(self).__name__}: needs a tinygrad_edu.optim optimizer, got {type(optimizer).__name__} "
                "(a Keras optimizer takes a keras.optimizers.schedules schedule as its learning_rate)"
            )
        self.optimizer = optimizer
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def rate(self, base: float, epoch: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        """Move to the next epoch and set its learning rate."""
        self.last_epoch += 1
        for group, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = self.rate(base, self.last_epoch)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates the last `step` set (one per parameter group)."""
        return list(self._last_lr)


class StepLR(LRScheduler):
    """γ₀ · gamma^⌊e / step_size⌋: the rate times gamma every step_size epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        check_positive_int("StepLR", "step_size", step_size)
        check_range("StepLR", "gamma", gamma)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def rate(self, base: float, epoch: int) -> float:
        return base * self.gamma ** (epoch // self.step_size)


class MultiStepLR(LRScheduler):
    """γ₀ · gamma^k, k the number of milestones reached (milestone ≤ e)."""

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1) -> None:
        self.milestones = sorted(milestones)
        check_range("MultiStepLR", "gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer)

    def rate(self, base: float, epoch: int) -> float:
        return base * self.gamma ** bisect.bisect_right(self.milestones, epoch)


class ExponentialLR(LRScheduler):
    """γ₀ · gamma^e."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        check_range("ExponentialLR", "gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer)

    def rate(self, base: float, epoch: int) -> float:
        return base * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """η_min + (γ₀ − η_min)·(1 + cos(π·e/T_max))/2: half a cosine from γ₀ down to η_min over T_max epochs
    (and back up over the next T_max, as PyTorch's closed form)."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        check_positive_int("CosineAnnealingLR", "T_max", T_max)
        check_range("CosineAnnealingLR", "eta_min", eta_min)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def rate(self, base: float, epoch: int) -> float:
        return self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2


class LambdaLR(LRScheduler):
    """γ₀ · lr_lambda(e), for a function ``lr_lambda`` of the epoch."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], Any]) -> None:
        if not callable(lr_lambda):
            raise TypeError(f"LambdaLR: lr_lambda must be a function of the epoch, got {type(lr_lambda).__name__}")
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def rate(self, base: float, epoch: int) -> float:
        return base * float(self.lr_lambda(epoch))
