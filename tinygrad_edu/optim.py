"""Optimizers: update parameters from their gradients, with PyTorch's update rules and defaults.

An optimizer works on `Tensor` parameters and on scalar `Value` parameters alike (a `Value` is
treated as a 0-d array), so ``SGD(mlp.parameters(), lr=0.1)`` trains a micrograd-style MLP too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from . import kernels
from .engine import Value


class Optimizer:
    """Base: holds the parameters and per-parameter state; ``zero_grad()`` and ``step()``."""

    def __init__(self, params: Iterable[Any], **defaults: Any) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for name in ("lr", "momentum", "weight_decay"):
            if name in defaults and defaults[name] < 0:
                raise ValueError(f"{type(self).__name__}: {name} must be non-negative, got {defaults[name]}")
        self.defaults = defaults
        self.state: dict[int, dict[str, Any]] = {}

    def zero_grad(self) -> None:
        """Reset gradients: None for tensors (PyTorch's set_to_none), 0.0 for Values."""
        for p in self.params:
            p.grad = 0.0 if isinstance(p, Value) else None

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        update = self._update
        for p in self.params:
            if type(p) is Value:
                data = np.array(p.data)
                update(id(p), data, np.array(p.grad))
                p.data = float(data)
            elif p.grad is not None:
                update(id(p), p.data, p.grad)

    def _update(self, key: int, data: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, as ``torch.optim.SGD``:

        d = g + λ·θ                       (weight_decay λ)
        b = μ·b + (1 − τ)·d               (b = d at the first step; momentum μ, dampening τ)
        θ ← θ − lr·(d + μ·b)  if nesterov, else  θ ← θ − lr·b   (θ ← θ − lr·d without momentum)

    Keras' form (v = μ·v − lr·g; θ += v) gives the same trajectory for a constant learning rate.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")
        super().__init__(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, nesterov

    def _update(self, key: int, data: np.ndarray, grad: np.ndarray) -> None:
        state = self.state.get(key)
        first = state is None
        if first:
            state = self.state[key] = {"momentum_buffer": np.zeros_like(data) if self.momentum else None}
        kernels.sgd_step(
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


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad``:  d = g + λθ;  G ← G + d²;
    θ ← θ − lr/(1 + (t − 1)·lr_decay) · d / (√G + ε),  G₀ = initial_accumulator_value, ε = 1e-10."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(params, lr=lr, weight_decay=weight_decay)
        self.lr, self.lr_decay, self.weight_decay = lr, lr_decay, weight_decay
        self.initial, self.eps = initial_accumulator_value, eps

    def _update(self, key: int, data: np.ndarray, grad: np.ndarray) -> None:
        state = self.state.setdefault(key, {"step": 0, "sum": np.full_like(data, self.initial)})
        state["step"] += 1
        d = grad + self.weight_decay * data if self.weight_decay else grad
        state["sum"] += d * d
        clr = self.lr / (1 + (state["step"] - 1) * self.lr_decay)
        data -= clr * d / (np.sqrt(state["sum"]) + self.eps)


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``:  d = g + λθ;  v ← αv + (1 − α)d²;
    centered: ḡ ← αḡ + (1 − α)d and a = √(v − ḡ²) + ε, else a = √v + ε;
    with momentum μ: b ← μb + d/a, θ ← θ − lr·b; without: θ ← θ − lr·d/a.  α = 0.99, ε = 1e-8."""

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
        super().__init__(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
        self.lr, self.alpha, self.eps, self.weight_decay = lr, alpha, eps, weight_decay
        self.momentum, self.centered = momentum, centered

    def _update(self, key: int, data: np.ndarray, grad: np.ndarray) -> None:
        state = self.state.setdefault(
            key,
            {
                "square_avg": np.zeros_like(data),
                "grad_avg": np.zeros_like(data),
                "momentum_buffer": np.zeros_like(data),
            },
        )
        d = grad + self.weight_decay * data if self.weight_decay else grad
        v = state["square_avg"]
        v *= self.alpha
        v += (1 - self.alpha) * d * d
        if self.centered:
            gavg = state["grad_avg"]
            gavg *= self.alpha
            gavg += (1 - self.alpha) * d
            avg = np.sqrt(v - gavg * gavg) + self.eps
        else:
            avg = np.sqrt(v) + self.eps
        if self.momentum:
            buf = state["momentum_buffer"]
            buf *= self.momentum
            buf += d / avg
            data -= self.lr * buf
        else:
            data -= self.lr * d / avg


class Adadelta(Optimizer):
    """Adadelta, as ``torch.optim.Adadelta``:  d = g + λθ;  v ← ρv + (1 − ρ)d²;
    Δ = √(u + ε)/√(v + ε) · d;  u ← ρu + (1 − ρ)Δ²;  θ ← θ − lr·Δ.  lr = 1.0, ρ = 0.9, ε = 1e-6."""

    def __init__(
        self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr=lr, weight_decay=weight_decay)
        self.lr, self.rho, self.eps, self.weight_decay = lr, rho, eps, weight_decay

    def _update(self, key: int, data: np.ndarray, grad: np.ndarray) -> None:
        state = self.state.setdefault(key, {"square_avg": np.zeros_like(data), "acc_delta": np.zeros_like(data)})
        d = grad + self.weight_decay * data if self.weight_decay else grad
        v, u = state["square_avg"], state["acc_delta"]
        v *= self.rho
        v += (1 - self.rho) * d * d
        delta = np.sqrt(u + self.eps) / np.sqrt(v + self.eps) * d
        u *= self.rho
        u += (1 - self.rho) * delta * delta
        data -= self.lr * delta


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``:  d = g + λθ;  m ← β₁m + (1 − β₁)d;
    v ← β₂v + (1 − β₂)d²;  θ ← θ − lr/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε).
    β = (0.9, 0.999), ε = 1e-8. Large parameters update in one numba pass (kernels.adam_step)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr=lr, weight_decay=weight_decay)
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay

    def _update(self, key: int, data: np.ndarray, grad: np.ndarray) -> None:
        state = self.state.setdefault(
            key, {"step": 0, "exp_avg": np.zeros_like(data), "exp_avg_sq": np.zeros_like(data)}
        )
        state["step"] += 1
        b1, b2 = self.betas
        t = state["step"]
        kernels.adam_step(
            data,
            grad,
            state["exp_avg"],
            state["exp_avg_sq"],
            self.lr,
            b1,
            b2,
            self.eps,
            self.weight_decay,
            1 - b1**t,
            1 - b2**t,
        )


class Nadam(Optimizer):
    """Nadam (Dozat, 2016), as ``torch.optim.NAdam``: Adam with Nesterov momentum and PyTorch's
    momentum schedule μₜ = β₁(1 − ½·0.96^(t·ψ)), ψ = momentum_decay = 0.004:
        d = g + λθ;  m ← β₁m + (1 − β₁)d;  v ← β₂v + (1 − β₂)d²;  Πₜ = Π_{t−1}·μₜ;
        θ ← θ − lr·(1 − μₜ)/(1 − Πₜ) · d/D − lr·μₜ₊₁/(1 − Πₜμₜ₊₁) · m/D,  D = √(v/(1 − β₂ᵗ)) + ε.
    lr = 2e-3, β = (0.9, 0.999), ε = 1e-8."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
    ) -> None:
        super().__init__(params, lr=lr, weight_decay=weight_decay)
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.momentum_decay = momentum_decay

    def _update(self, key: int, data: np.ndarray, grad: np.ndarray) -> None:
        state = self.state.setdefault(
            key, {"step": 0, "mu_product": 1.0, "exp_avg": np.zeros_like(data), "exp_avg_sq": np.zeros_like(data)}
        )
        state["step"] += 1
        t = state["step"]
        b1, b2 = self.betas
        d = grad + self.weight_decay * data if self.weight_decay else grad
        mu = b1 * (1 - 0.5 * 0.96 ** (t * self.momentum_decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * self.momentum_decay))
        state["mu_product"] *= mu
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= b1
        m += (1 - b1) * d
        v *= b2
        v += (1 - b2) * d * d
        denom = np.sqrt(v / (1 - b2**t)) + self.eps
        data -= self.lr * (1 - mu) / (1 - state["mu_product"]) * d / denom
        data -= self.lr * mu_next / (1 - state["mu_product"] * mu_next) * m / denom


def _grads(parameters: Iterable[Any]) -> list[Any]:
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: Iterable[Any], max_norm: float, norm_type: float = 2.0) -> float:
    """Scale all gradients together so that their joint p-norm is at most ``max_norm``, as PyTorch:
    total = ‖(g₁, g₂, …)‖_p;  each g ← g·min(1, max_norm/(total + 1e-6)). Returns the total norm."""
    params = _grads(parameters)
    if not params:
        return 0.0
    flat = [np.abs(np.asarray(p.grad, dtype=np.float64)).ravel() for p in params]
    if norm_type == float("inf"):
        total = max(float(f.max()) if f.size else 0.0 for f in flat)
    else:
        total = float(sum(float((f**norm_type).sum()) for f in flat) ** (1.0 / norm_type))
    coef = min(1.0, max_norm / (total + 1e-6))
    if coef < 1.0:
        for p in params:
            if isinstance(p, Value):
                p.grad *= coef
            else:
                p.grad *= p.grad.dtype.type(coef)
    return total


def clip_grad_value_(parameters: Iterable[Any], clip_value: float) -> None:
    """Clamp every gradient element into [−clip_value, clip_value] in place."""
    for p in _grads(parameters):
        if isinstance(p, Value):
            p.grad = min(max(p.grad, -clip_value), clip_value)
        else:
            np.clip(p.grad, -clip_value, clip_value, out=p.grad)
