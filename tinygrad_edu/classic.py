"""The classic models that come before backpropagation, as the textbooks state them.

- `McCullochPitts` (1943): binary inputs, a threshold, and absolute inhibition.
- `Perceptron` (Rosenblatt, 1958): a step unit trained by W(t+1) = W(t) + lr·(d − y)·X.
- `LinearRegression` and `LogisticRegression` trained by gradient descent with the closed-form
  gradients that the textbooks derive by hand (and that autograd reproduces).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


class McCullochPitts:
    """y = 1 when Σ (excitatory inputs) ≥ threshold and no inhibitory input is on, else 0.

    With threshold 1 it is OR, with threshold n on n inputs AND; ``McCullochPitts(0,
    inhibitory=[0])`` on one input is NOT.

    Example:
        >>> McCullochPitts(2)([1, 1]), McCullochPitts(2)([1, 0])
        (1, 0)
    """

    def __init__(self, threshold: int, inhibitory: Sequence[int] = ()) -> None:
        if int(threshold) != threshold:
            raise ValueError(f"McCullochPitts: threshold must be a whole number, got {threshold!r}")
        self.threshold, self.inhibitory = int(threshold), frozenset(inhibitory)

    def __call__(self, inputs: Sequence[int]) -> int:
        values = list(inputs)
        for i, v in enumerate(values):
            if v not in (0, 1):
                raise ValueError(f"McCullochPitts: inputs must be 0 or 1, got {v!r} at position {i}")
        bad = [i for i in self.inhibitory if not 0 <= i < len(values)]
        if bad:
            raise ValueError(f"McCullochPitts: inhibitory input {bad[0]} does not exist for {len(values)} inputs")
        if any(values[i] for i in self.inhibitory):
            return 0
        excitatory = sum(v for i, v in enumerate(values) if i not in self.inhibitory)
        return int(excitatory >= self.threshold)

    def __repr__(self) -> str:
        inh = f", inhibitory={sorted(self.inhibitory)}" if self.inhibitory else ""
        return f"McCullochPitts(threshold={self.threshold}{inh})"


def _check_samples(name: str, n: int) -> None:
    """No samples, nothing to fit (a mean gradient over them is 0/0): a ValueError, as scikit-learn's."""
    if n == 0:
        raise ValueError(f"{name}: found 0 samples; at least 1 is needed to fit")


@dataclass
class FitResult:
    """What `Perceptron.fit` did: epochs run, whether an epoch had no errors, errors per epoch."""

    epochs: int
    converged: bool
    errors: list[int] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.converged:
            return f"converged after {self.epochs} epochs"
        return (
            f"did not converge in {self.epochs} epochs ({self.errors[-1]} errors in the last); "
            "the classes are probably not linearly separable"
        )


class Perceptron:
    """Rosenblatt's perceptron: y = step(w·x + b), trained one sample at a time by
    W(t+1) = W(t) + lr·(d − y)·X, with X = (1, x) so that the bias w₀ is learned too.

    ``bipolar=True`` outputs −1/+1 (step(0) = +1) instead of 0/1. Weights start at zero, so the
    result does not depend on a seed. The perceptron convergence theorem guarantees an error-free
    epoch in finitely many steps exactly when the two classes are linearly separable.
    """

    def __init__(self, n_inputs: int, lr: float = 0.1, bipolar: bool = False) -> None:
        if n_inputs < 1:
            raise ValueError(f"Perceptron: n_inputs must be at least 1, got {n_inputs}")
        self.n_inputs, self.lr, self.bipolar = n_inputs, lr, bipolar
        self.w = np.zeros(n_inputs + 1)  # w[0] is the bias weight

    def _check(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"Perceptron: expected inputs of shape (N, {self.n_inputs}), got {X.shape}")
        return X

    def _step(self, a: np.ndarray) -> np.ndarray:
        return np.where(a >= 0, 1.0, -1.0 if self.bipolar else 0.0)

    def predict(self, X: np.ndarray) -> np.ndarray:
        X = self._check(X)
        return self._step(X @ self.w[1:] + self.w[0])

    def fit(self, X: np.ndarray, d: np.ndarray, max_epochs: int = 100) -> FitResult:
        X = self._check(X)
        d = np.asarray(d, dtype=np.float64).reshape(-1)
        allowed = (-1.0, 1.0) if self.bipolar else (0.0, 1.0)
        if len(d) != len(X) or not np.all(np.isin(d, allowed)):
            raise ValueError(f"Perceptron.fit: need {len(X)} targets in {allowed}, got {d.tolist()}")
        _check_samples("Perceptron.fit", len(X))
        errors = []
        for epoch in range(1, max_epochs + 1):
            wrong = 0
            for x, target in zip(X, d):
                y = self._step(np.array(self.w[0] + x @ self.w[1:]))
                if y != target:
                    self.w += self.lr * (target - y) * np.concatenate([[1.0], x])
                    wrong += 1
            errors.append(wrong)
            if wrong == 0:
                return FitResult(epoch, True, errors)
        return FitResult(max_epochs, False, errors)


class LinearRegression:
    """ŷ = X·w + b fitted by gradient descent on the mean squared error, with the gradients
    ∂MSE/∂w = −(2/N) Σ xᵢ(yᵢ − ŷᵢ) and ∂MSE/∂b = −(2/N) Σ (yᵢ − ŷᵢ)."""

    def __init__(self, lr: float = 0.1, epochs: int = 1000) -> None:
        self.lr, self.epochs = lr, epochs
        self.w: np.ndarray | None = None
        self.b = 0.0

    def _affine(self, X: np.ndarray) -> np.ndarray:
        """X·w + b, once `fit` has made the weights."""
        if self.w is None:
            raise ValueError(f"{type(self).__name__}: not fitted yet; call fit(X, y) before predicting")
        return np.asarray(X, dtype=np.float64) @ self.w + self.b

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self._affine(X)

    def gradients(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
        residual = y - self.predict(X)
        return -2.0 / len(X) * (X.T @ residual), -2.0 / len(X) * float(residual.sum())

    def loss(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean((y - self.predict(X)) ** 2))

    def fit(self, X: np.ndarray, y: np.ndarray) -> list[float]:
        """Run the gradient descent; returns the loss before each step."""
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if X.ndim != 2 or len(y) != len(X):
            raise ValueError(f"fit: expected X of shape (N, features) and N targets, got {X.shape} and {y.shape}")
        _check_samples("fit", len(X))
        if self.w is None:
            self.w = np.zeros(X.shape[1])
        history = []
        for _ in range(self.epochs):
            history.append(self.loss(X, y))
            gw, gb = self.gradients(X, y)
            self.w -= self.lr * gw
            self.b -= self.lr * gb
        return history


class LogisticRegression(LinearRegression):
    """ŷ = σ(X·w + b) fitted by gradient descent on the mean log-loss
    −(1/N) Σ [y log ŷ + (1 − y) log(1 − ŷ)], whose gradients are ∂/∂w = (1/N) Σ (ŷᵢ − yᵢ)xᵢ and
    ∂/∂b = (1/N) Σ (ŷᵢ − yᵢ): the sigmoid's derivative cancels the log's."""

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        z = self._affine(X)
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.predict_proba(X)

    def gradients(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
        error = self.predict_proba(X) - y
        return X.T @ error / len(X), float(error.mean())

    def loss(self, X: np.ndarray, y: np.ndarray) -> float:
        p = np.clip(self.predict_proba(X), 1e-12, 1 - 1e-12)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    def classify(self, X: np.ndarray) -> np.ndarray:
        return (self.predict_proba(X) >= 0.5).astype(np.int64)
