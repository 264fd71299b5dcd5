"""Keras' optimizers, with Keras' own update rules and defaults (they differ from PyTorch's).

Each follows keras.optimizers (Keras 3) step for step; g is the gradient, t the step count:

- SGD (lr 0.01, μ 0): v ← μv − lr·g;  θ ← θ + v  (Nesterov: θ ← θ + μv − lr·g).
- Adagrad (lr 1e-3, G₀ 0.1, ε 1e-7): G ← G + g²;  θ ← θ − lr·g/√(G + ε).
- RMSprop (lr 1e-3, ρ 0.9, ε 1e-7): v ← ρv + (1 − ρ)g²;  θ ← θ − lr·g/√(v + ε).
- Adadelta (lr 1e-3, ρ 0.95, ε 1e-7): A ← ρA + (1 − ρ)g²;  Δ = −√(D + ε)/√(A + ε)·g;
  D ← ρD + (1 − ρ)Δ²;  θ ← θ + lr·Δ.
- Adam (lr 1e-3, ε 1e-7): m, v as usual;  θ ← θ − lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m/(√v + ε) ("ε-hat" form).
- Nadam (lr 1e-3, ε 1e-7): uₜ = β₁(1 − ½·0.96ᵗ), Πₜ = Πₜ₋₁·uₜ;
  m̂ = uₜ₊₁·m/(1 − Πₜuₜ₊₁) + (1 − uₜ)·g/(1 − Πₜ);  θ ← θ − lr·m̂/(√(v/(1 − β₂ᵗ)) + ε).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import optim


class KerasOptimizer(optim.Optimizer):
    """An optimizer that is created without parameters (as in Keras) and bound by ``compile``."""

    def __init__(self, learning_rate: float) -> None:
        if learning_rate < 0:
            raise ValueError(f"{type(self).__name__}: learning_rate must be non-negative, got {learning_rate}")
        self.learning_rate = learning_rate
        self.params: list[Any] = []
        self.state: dict[int, dict[str, Any]] = {}
        self.iterations = 0

    def bind(self, params: Iterable[Any]) -> KerasOptimizer:
        self.params = list(params)
        return self

    def step(self) -> None:
        self.iterations += 1
        super().step()

    def _slot(self, key: int, data: np.ndarray, *names: str, fill: float = 0.0) -> list[np.ndarray]:
        state = self.state.setdefault(key, {})
        return [state.setdefault(name, np.full_like(data, fill)) for name in names]


class SGD(KerasOptimizer):
    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(learning_rate)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1], got {momentum}")
        self.momentum, self.nesterov = momentum, nesterov

    def _update(self, key, data, grad):
        lr, mu = self.learning_rate, self.momentum
        if not mu:
            data -= lr * grad
            return
        (v,) = self._slot(key, data, "momentum")
        v *= mu
        v -= lr * grad
        data += mu * v - lr * grad if self.nesterov else v


class Adagrad(KerasOptimizer):
    def __init__(self, learning_rate: float = 0.001, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7):
        super().__init__(learning_rate)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def _update(self, key, data, grad):
        (acc,) = self._slot(key, data, "accumulator", fill=self.initial_accumulator_value)
        acc += grad * grad
        data -= self.learning_rate * grad / np.sqrt(acc + self.epsilon)


class RMSprop(KerasOptimizer):
    def __init__(
        self,
        learning_rate: float = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
    ) -> None:
        super().__init__(learning_rate)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def _update(self, key, data, grad):
        v, avg, mom = self._slot(key, data, "velocity", "average_gradient", "momentum")
        v *= self.rho
        v += (1 - self.rho) * grad * grad
        if self.centered:
            avg *= self.rho
            avg += (1 - self.rho) * grad
            denom = v - avg * avg + self.epsilon
        else:
            denom = v + self.epsilon
        increment = self.learning_rate * grad / np.sqrt(denom)
        if self.momentum:
            mom *= self.momentum
            mom += increment
            data -= mom
        else:
            data -= increment


class Adadelta(KerasOptimizer):
    def __init__(self, learning_rate: float = 0.001, rho: float = 0.95, epsilon: float = 1e-7) -> None:
        super().__init__(learning_rate)
        self.rho, self.epsilon = rho, epsilon

    def _update(self, key, data, grad):
        acc_g, acc_d = self._slot(key, data, "accumulated_grad", "accumulated_delta")
        acc_g *= self.rho
        acc_g += (1 - self.rho) * grad * grad
        delta = -np.sqrt(acc_d + self.epsilon) / np.sqrt(acc_g + self.epsilon) * grad
        acc_d *= self.rho
        acc_d += (1 - self.rho) * delta * delta
        data += self.learning_rate * delta


class Adam(KerasOptimizer):
    def __init__(
        self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7
    ) -> None:
        super().__init__(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _update(self, key, data, grad):
        m, v = self._slot(key, data, "momentum", "velocity")
        t = self.iterations
        alpha = self.learning_rate * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)  # a Python float
        m += (grad - m) * (1 - self.beta_1)
        v += (grad * grad - v) * (1 - self.beta_2)
        data -= alpha * m / (np.sqrt(v) + self.epsilon)


class Nadam(KerasOptimizer):
    def __init__(
        self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7
    ) -> None:
        super().__init__(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.u_product = 1.0

    def step(self) -> None:
        self.u_product *= self.beta_1 * (1 - 0.5 * 0.96 ** (self.iterations + 1))  # Πₜ before the updates
        super().step()

    def _update(self, key, data, grad):
        m, v = self._slot(key, data, "momentum", "velocity")
        t, b1 = self.iterations, self.beta_1
        u_t = b1 * (1 - 0.5 * 0.96**t)
        u_next = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        m += (grad - m) * (1 - b1)
        v += (grad * grad - v) * (1 - self.beta_2)
        m_hat = u_next * m / (1 - self.u_product * u_next) + (1 - u_t) * grad / (1 - self.u_product)
        data -= self.learning_rate * m_hat / (np.sqrt(v / (1 - self.beta_2**t)) + self.epsilon)


BY_NAME = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta, "nadam": Nadam}


def get(identifier: str | KerasOptimizer) -> KerasOptimizer:
    """An optimizer from its Keras name ("sgd", "adam", ...) with Keras' defaults, or the instance."""
    if isinstance(identifier, KerasOptimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in BY_NAME:
        return BY_NAME[identifier.lower()]()
    raise ValueError(f"unknown optimizer {identifier!r}; use one of {sorted(BY_NAME)} or an optimizer instance")
