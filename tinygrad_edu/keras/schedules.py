"""``keras.optimizers.schedules``: learning rates that change with the optimizer's step, as Keras 3's.
An optimizer given a schedule takes ``schedule(step)`` as its rate for each step, step = 0, 1, …
(its ``iterations`` before the step).

- ExponentialDecay: lr₀ · rate^(step/decay_steps) (the exponent floored with ``staircase``);
- PiecewiseConstantDecay: values[i] for boundaries[i−1] < step ≤ boundaries[i] (values[0] up to
  boundaries[0], values[−1] after the last);
- CosineDecay: lr₀ · ((1 − α)·½(1 + cos(π·min(step, decay_steps)/decay_steps)) + α), after an
  optional linear warmup from lr₀ to ``warmup_target`` over ``warmup_steps`` (the decay then starts
  from the target).

>>> ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)(10)
0.05
>>> PiecewiseConstantDecay([2, 4], [1.0, 0.5, 0.1])(3)
0.5
"""

from __future__ import annotations

import math
from collections.abc import Sequence


class LearningRateSchedule:
    def __call__(self, step: int) -> float:
        raise NotImplementedError(f"{type(self).__name__} must define __call__(step)")


class ExponentialDecay(LearningRateSchedule):
    def __init__(
        self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False, name=None
    ) -> None:
        if decay_steps <= 0:
            raise ValueError(f"ExponentialDecay: decay_steps must be > 0, got {decay_steps}")
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase = decay_rate, staircase

    def __call__(self, step: int) -> float:
        p = step / self.decay_steps
        return self.initial_learning_rate * self.decay_rate ** (math.floor(p) if self.staircase else p)


class PiecewiseConstantDecay(LearningRateSchedule):
    def __init__(self, boundaries: Sequence[float], values: Sequence[float], name=None) -> None:
        if len(values) != len(boundaries) + 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={list(boundaries)} of length {len(boundaries)}, and values={list(values)} "
                f"of length {len(values)}."
            )
        self.boundaries, self.values = list(boundaries), list(values)

    def __call__(self, step: int) -> float:
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]


class CosineDecay(LearningRateSchedule):
    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name=None,
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ) -> None:
        if decay_steps <= 0:
            raise ValueError(f"CosineDecay: decay_steps must be > 0, got {decay_steps}")
        self.initial_learning_rate, self.decay_steps, self.alpha = initial_learning_rate, decay_steps, alpha
        self.warmup_target, self.warmup_steps = warmup_target, warmup_steps

    def __call__(self, step: int) -> float:
        start = self.initial_learning_rate
        if self.warmup_target is not None:
            if step < self.warmup_steps:
                return start + (self.warmup_target - start) * step / self.warmup_steps
            start, step = self.warmup_target, step - self.warmup_steps
        fraction = min(step, self.decay_steps) / self.decay_steps
        return start * ((1 - self.alpha) * 0.5 * (1 + math.cos(math.pi * fraction)) + self.alpha)
