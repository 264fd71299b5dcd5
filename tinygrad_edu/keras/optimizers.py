"""Keras' optimizers: adapters that give Keras' names, defaults and formulas to the rules in `tinygrad_edu.optim`.

Each algorithm's update rule is written once, in ``optim/<name>.py`` (with its numba kernel where it has
one); an adapter here keeps Keras' state and calls that rule with Keras' arguments. Where Keras' formula
differs from PyTorch's, the adapter says how it maps (g the gradient, t the step count, γ the learning rate):

=========  ==========================================  ==================================================
Keras      Keras 3's rule (its defaults)                how it reaches the ``optim`` rule
=========  ==========================================  ==================================================
SGD        v ← μv − γg;  θ ← θ + v                      ``sgd_step`` on γ·g with lr 1: b = −v exactly,
           (Nesterov: θ ← θ + μv − γg); γ 0.01         also when a callback changes γ
Adagrad    G ← G + g²;  θ ← θ − γg/√(G + ε)             ``adagrad_step(eps_inside_sqrt=True)``, G₀ = 0.1
           (γ 1e-3, G₀ 0.1, ε 1e-7)
RMSprop    v ← ρv + (1 − ρ)g²;  θ ← θ − γg/√(v + ε)     ``rmsprop_step(eps_inside_sqrt=True,
           momentum b ← μb + γg/√(v + ε); θ ← θ − b     lr_in_buffer=True)``
           (γ 1e-3, ρ 0.9, ε 1e-7)
Adadelta   the same rule as PyTorch's                   ``adadelta_step`` (γ 1e-3, ρ 0.95, ε 1e-7)
Adam       θ ← θ − γ·√(1 − β₂ᵗ)/(1 − β₁ᵗ)·m/(√v + ε)    ``adamw_step`` with ε/√(1 − β₂ᵗ) for ε (the ε-hat
           (γ 1e-3, ε 1e-7); weight_decay λ: first       form, rearranged); λ as given (Keras' torch
           θ ← θ·(1 − λγ)                                backend decays by this product, as PyTorch)
AdamW      Adam with λ 0.004                              the same
Nadam      μₜ = β₁(1 − ½·0.96ᵗ)                         ``nadam_step`` with PyTorch's schedule at ψ = 1
           (γ 1e-3, ε 1e-7)
=========  ==========================================  ==================================================

The step count t is the optimizer's ``iterations`` (Keras counts steps per optimizer, not per weight).
An optimizer is made without parameters, as in Keras; ``Model.compile``/``fit`` binds it to a model's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np

from .. import optim
from ..optim.adadelta import adadelta_step
from ..optim.adagrad import adagrad_step
from ..optim.adamw import adamw_step
from ..optim.nadam import momentum_schedule, nadam_step
from ..optim.rmsprop import rmsprop_step
from ..optim.sgd import sgd_step
from ..tensor import Tensor
from . import schedules


class KerasOptimizer(optim.Optimizer):
    """An optimizer that is created without parameters (as in Keras) and bound by ``compile``.

    ``algorithm`` names the `tinygrad_edu.optim` class whose rule the subclass calls; the one optimizer
    table `optim.OPTIMIZERS` and it give Keras' string names (`get`).
    """

    algorithm: ClassVar[type[optim.Optimizer]]

    def __init__(self, learning_rate: float | schedules.LearningRateSchedule) -> None:
        self.schedule = learning_rate if isinstance(learning_rate, schedules.LearningRateSchedule) else None
        if self.schedule is not None:
            learning_rate = self.schedule(0)
        if learning_rate < 0:
            raise ValueError(f"{type(self).__name__}: learning_rate must be non-negative, got {learning_rate}")
        self.learning_rate = learning_rate
        self.params: list[Any] = []
        self.state: dict[int, dict[str, Any]] = {}
        self.iterations = 0

    def bind(self, params: Iterable[Any]) -> KerasOptimizer:
        """Take the parameters to update, with `optim.Optimizer`'s checks (a list of distinct tensors)."""
        optim.Optimizer.__init__(self, params, learning_rate=self.learning_rate)
        return self

    def step(self) -> None:
        if self.schedule is not None:  # the rate of step t is schedule(t), t counted from 0
            self.learning_rate = float(self.schedule(self.iterations))
        self.iterations += 1
        super().step()
        if self.schedule is not None:  # between steps Keras' learning_rate reads the next step's rate
            self.learning_rate = float(self.schedule(self.iterations))

    def apply(self, grads: Iterable[Any], trainable_variables: Iterable[Any] | None = None) -> None:
        """Keras' ``optimizer.apply(grads, variables)``: one step with the given gradients (in Keras'
        layout, as ``v.value.grad`` reads them) for the given `layers.Variable`s (the bound ones
        when None: the gradients are then in the tensors' own layout). A variable whose gradient is
        None is left as it is, as in Keras."""
        grads = list(grads)
        if trainable_variables is None:
            tensors = list(self.params)
            parts = [[g] for g in grads]
        else:
            variables = list(trainable_variables)
            if len(variables) != len(grads):
                raise ValueError(f"apply: {len(grads)} gradients for {len(variables)} variables")
            tensors = [t for v in variables for t in v.tensors]
            parts = [
                [None] * len(v.tensors) if g is None else v.from_keras(np.asarray(getattr(g, "_data", g)))
                for v, g in zip(variables, grads)
            ]
        if not self.params:
            self.bind(tensors)
        arrays = [None if a is None else np.asarray(getattr(a, "_data", a)) for part in parts for a in part]
        if len(arrays) != len(tensors):
            raise ValueError(f"apply: {len(arrays)} gradients for {len(tensors)} tensors")
        for tensor, grad in zip(tensors, arrays):
            tensor.grad = None if grad is None else Tensor(grad.astype(tensor._data.dtype, copy=False))
        self.step()

    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Any]]) -> None:
        """Keras' ``apply_gradients(zip(grads, variables))``."""
        grads, variables = zip(*grads_and_vars)
        self.apply(grads, variables)

    def _slot(self, key: int, data: np.ndarray, *names: str, fill: float = 0.0) -> list[np.ndarray]:
        state = self.state.setdefault(key, {})
        return [state.setdefault(name, np.full_like(data, fill)) for name in names]


class SGD(KerasOptimizer):
    algorithm = optim.SGD

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(learning_rate)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1], got {momentum}")
        self.momentum, self.nesterov = momentum, nesterov

    def _update(self, key, data, grad):
        lr, mu = self.learning_rate, self.momentum
        if not mu:
            sgd_step(data, grad, None, lr, 0.0, 0.0, 0.0, False, True)
            return
        (b,) = self._slot(key, data, "momentum")  # b = −v, Keras' velocity with the sign flipped
        sgd_step(data, lr * grad, b, 1.0, mu, 0.0, 0.0, self.nesterov, False)


class Adagrad(KerasOptimizer):
    algorithm = optim.Adagrad

    def __init__(self, learning_rate: float = 0.001, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7):
        super().__init__(learning_rate)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def _update(self, key, data, grad):
        (acc,) = self._slot(key, data, "accumulator", fill=self.initial_accumulator_value)
        adagrad_step(data, grad, acc, self.learning_rate, self.epsilon, 0.0, eps_inside_sqrt=True)


class RMSprop(KerasOptimizer):
    algorithm = optim.RMSprop

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
        (v,) = self._slot(key, data, "velocity")
        avg = self._slot(key, data, "average_gradient")[0] if self.centered else None
        mom = self._slot(key, data, "momentum")[0] if self.momentum else None
        rmsprop_step(
            data, grad, v, avg, mom, self.learning_rate, self.rho, self.epsilon, 0.0, self.momentum,
            eps_inside_sqrt=True, lr_in_buffer=True,
        )  # fmt: skip


class Adadelta(KerasOptimizer):
    algorithm = optim.Adadelta

    def __init__(self, learning_rate: float = 0.001, rho: float = 0.95, epsilon: float = 1e-7) -> None:
        super().__init__(learning_rate)
        self.rho, self.epsilon = rho, epsilon

    def _update(self, key, data, grad):
        acc_g, acc_d = self._slot(key, data, "accumulated_grad", "accumulated_delta")
        adadelta_step(data, grad, acc_g, acc_d, self.learning_rate, self.rho, self.epsilon, 0.0)


class Adam(KerasOptimizer):
    """Keras' Adam; with ``weight_decay`` λ, Keras' decoupled decay θ ← θ·(1 − λγ) before each step
    (its base optimizer's, the AdamW rule), which `AdamW` has by default."""

    algorithm = optim.Adam

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        weight_decay: float | None = None,
    ) -> None:
        super().__init__(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        if weight_decay is not None and not (isinstance(weight_decay, (int, float)) and weight_decay >= 0):
            # Keras takes a negative or NaN decay too, which grows the weights: refused here
            raise ValueError(f"{type(self).__name__}: weight_decay must be a non-negative float, got {weight_decay!r}")
        self.weight_decay = weight_decay

    def _update(self, key, data, grad):
        m, v = self._slot(key, data, "momentum", "velocity")
        t = self.iterations
        bias1, bias2 = 1 - self.beta_1**t, 1 - self.beta_2**t
        eps = self.epsilon / math.sqrt(bias2)  # Keras' ε̂ = ε·√(1 − β₂ᵗ) moved under PyTorch's √v̂
        lr, decay = self.learning_rate, self.weight_decay or 0.0
        adamw_step(data, grad, m, v, lr, self.beta_1, self.beta_2, eps, decay, bias1, bias2)


class AdamW(Adam):
    algorithm = optim.AdamW

    def __init__(
        self,
        learning_rate: float = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
    ) -> None:
        if weight_decay is None:  # Keras' words
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, weight_decay)


class Nadam(KerasOptimizer):
    algorithm = optim.Nadam

    def __init__(
        self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7
    ) -> None:
        super().__init__(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.u_product = 1.0

    def step(self) -> None:
        self.u_product *= momentum_schedule(self.beta_1, self.iterations + 1, 1.0)  # Πₜ before the updates
        super().step()

    def _update(self, key, data, grad):
        m, v = self._slot(key, data, "momentum", "velocity")
        t, b1 = self.iterations, self.beta_1
        u_t, u_next = momentum_schedule(b1, t, 1.0), momentum_schedule(b1, t + 1, 1.0)
        nadam_step(
            data, grad, m, v, self.learning_rate, b1, self.beta_2, self.epsilon, 0.0,
            u_t, u_next, self.u_product, 1 - self.beta_2**t,
        )  # fmt: skip


_ADAPTERS = {cls.algorithm: cls for cls in (SGD, Adagrad, RMSprop, Adadelta, Adam, AdamW, Nadam)}
#: Keras' string names ("sgd", "adam", ...): the names of `optim.OPTIMIZERS`, each with its adapter.
BY_NAME: dict[str, type[KerasOptimizer]] = {name: _ADAPTERS[cls] for name, cls in optim.OPTIMIZERS.items()}


def get(identifier: str | KerasOptimizer) -> KerasOptimizer:
    """An optimizer from its Keras name ("sgd", "adam", ...) with Keras' defaults, or the instance."""
    if isinstance(identifier, KerasOptimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in BY_NAME:
        return BY_NAME[identifier.lower()]()
    raise ValueError(f"unknown optimizer {identifier!r}; use one of {sorted(BY_NAME)} or an optimizer instance")
