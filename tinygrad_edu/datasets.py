"""Data sets: small seeded toy problems for the examples, tests and benchmarks."""

from __future__ import annotations

import numpy as np


def make_moons(n_samples: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, as ``sklearn.datasets.make_moons`` draws them.

    Class 0: (cos t, sin t); class 1: (1 − cos t, ½ − sin t), t evenly spaced in [0, π], then
    Gaussian noise of standard deviation ``noise``. Returns X of shape (n, 2) float64 and labels
    y in {0, 1}; the first ⌊n/2⌋ points are class 0.
    """
    if n_samples < 2:
        raise ValueError(f"make_moons: n_samples must be at least 2, got {n_samples}")
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0.0, np.pi, n_out)
    t_in = np.linspace(0.0, np.pi, n_in)
    X = np.vstack(
        [
            np.column_stack([np.cos(t_out), np.sin(t_out)]),
            np.column_stack([1.0 - np.cos(t_in), 0.5 - np.sin(t_in)]),
        ]
    )
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    X += np.random.default_rng(seed).normal(0.0, noise, X.shape)
    return X, y
