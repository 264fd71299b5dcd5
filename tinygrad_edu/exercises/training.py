"""Checks for chapters 5 to 8: optimizer steps, initialisers, gradient clipping, accuracy and
cross-entropy, dropout and batch normalisation.

Expected numbers come from the update rules as PyTorch documents them (torch.optim.SGD, Adam), the
initialisers' papers (Glorot & Bengio 2010: U(±√(6/(fan_in + fan_out))); He et al. 2015: N(0, 2/fan_in)),
and the definitions; statistical checks use ≥ 60,000 draws and tolerances many standard errors wide,
so no seed is special.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .feedback import ExerciseError, attempt, expect_array, expect_number, passed


def _pair(got: object, what: str, names: str) -> tuple:
    if not isinstance(got, tuple | list) or len(got) != len(names.split(", ")):
        raise ExerciseError(f"{what} returned {got!r}, expected the tuple ({names})")
    return tuple(got)


def check_momentum_step(momentum_step: Callable[..., tuple]) -> None:
    """``momentum_step(theta, grad, velocity, lr, momentum)`` → (theta, velocity), PyTorch's SGD with momentum:
    v ← μ·v + g, θ ← θ − η·v."""
    theta, v = np.array([-4.0, 1.0]), np.zeros(2)
    for k in range(1, 4):
        g = np.array([theta[0], 25 * theta[1]])  # the gradient of ½(x² + 25y²)
        what = f"momentum_step (step {k} on the valley, lr 0.01, momentum 0.9)"
        got = _pair(attempt(momentum_step, theta.copy(), g, v.copy(), 0.01, 0.9, what=what), what, "theta, velocity")
        v = 0.9 * v + g
        theta = theta - 0.01 * v
        expect_array(got[1], v, f"{what}: velocity", hint="v ← momentum·v + grad")
        expect_array(got[0], theta, f"{what}: theta", hint="θ ← θ − lr·v (the new v)")
    passed("momentum_step: three steps of PyTorch's SGD with momentum")


def check_adam_step(adam_step: Callable[..., tuple]) -> None:
    """``adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps)`` → (theta, m, v), Kingma & Ba's Adam (t from 1):
    m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − η·m̂/(√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)."""
    # the valley ½(x² + 25y²) and a gentle slope 1e-4·z: z's gradient is so small that √v̂ ≈ 1e-4 is
    # near ε, where ε inside the square root (√(v̂ + ε)) differs from PyTorch's √v̂ + ε by 40%
    theta, m, v = np.array([-4.0, 1.0, 0.0]), np.zeros(3), np.zeros(3)
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    for t in range(1, 4):
        g = np.array([theta[0], 25 * theta[1], 1e-4])
        what = f"adam_step (t = {t}, lr 0.1)"
        got = _pair(
            attempt(adam_step, theta.copy(), g, m.copy(), v.copy(), t, lr, b1, b2, eps, what=what), what, "theta, m, v"
        )
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        no_correction = "that is θ without bias correction: divide m by 1 − β₁ᵗ and v by 1 − β₂ᵗ"
        hints = (
            (theta - lr * m / (np.sqrt(v) + eps), no_correction),
            (theta - lr * m_hat / np.sqrt(v_hat + eps), "ε belongs outside the square root: √v̂ + ε, as in the paper"),
        )
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        expect_array(got[1], m, f"{what}: m")
        expect_array(got[2], v, f"{what}: v", hint="v averages the squared gradient")
        hint = next((h for wrong, h in hints if np.allclose(got[0], wrong, rtol=1e-9, atol=0)), "")
        expect_array(got[0], theta, f"{what}: theta", hint=hint)
    passed("adam_step: three steps of Adam, bias-corrected")


def _sample(init: Callable, fan_in: int, fan_out: int, name: str) -> np.ndarray:
    rng = np.random.default_rng()
    got = attempt(init, fan_in, fan_out, rng, what=f"{name}({fan_in}, {fan_out}, rng)")
    if got is None:
        raise ExerciseError(
            f"{name}({fan_in}, {fan_out}, rng) returned None, expected an array of shape ({fan_out}, {fan_in})"
        )
    w = np.asarray(got, dtype=np.float64)
    if w.shape != (fan_out, fan_in):
        raise ExerciseError(
            f"{name}({fan_in}, {fan_out}, rng) has shape {w.shape}, expected (fan_out, fan_in) = ({fan_out}, {fan_in})"
        )
    return w


def check_xavier_uniform(xavier_uniform: Callable[..., np.ndarray]) -> None:
    """``xavier_uniform(fan_in, fan_out, rng)``: U(−a, a) with a = √(6/(fan_in + fan_out)), shape (fan_out, fan_in).

    The standard deviation of U(−a, a) is a/√3; with 60,000 draws its estimate is within 0.4% (one
    standard error), so 5% is over ten standard errors.
    """
    fan_in, fan_out = 300, 200
    w = _sample(xavier_uniform, fan_in, fan_out, "xavier_uniform")
    a = math.sqrt(6 / (fan_in + fan_out))
    if np.abs(w).max() > a:
        raise ExerciseError(
            f"xavier_uniform(300, 200): an entry is {np.abs(w).max():.4g}, beyond the bound a = √(6/500) = {a:.4g}"
        )
    expect_number(
        float(w.std()),
        a / math.sqrt(3),
        "xavier_uniform(300, 200): standard deviation",
        rtol=0.05,
        hint="draw from uniform(−a, a) with a = √(6/(fan_in + fan_out))",
    )
    passed(f"xavier_uniform: inside ±{a:.4f}, spread a/√3")


def check_he_normal(he_normal: Callable[..., np.ndarray]) -> None:
    """``he_normal(fan_in, fan_out, rng)``: N(0, 2/fan_in), shape (fan_out, fan_in); 60,000 draws, 5% on the std."""
    fan_in, fan_out = 300, 200
    w = _sample(he_normal, fan_in, fan_out, "he_normal")
    std = math.sqrt(2 / fan_in)
    expect_number(float(w.mean()), 0.0, "he_normal(300, 200): mean", atol=0.01 * std * 5)
    expect_number(
        float(w.std()),
        std,
        "he_normal(300, 200): standard deviation",
        rtol=0.05,
        hint="the standard deviation is √(2/fan_in), not the variance 2/fan_in",
    )
    passed(f"he_normal: mean 0, standard deviation √(2/300) = {std:.4f}")


def check_clip_grad_norm(clip_grad_norm: Callable[..., tuple]) -> None:
    """``clip_grad_norm(grads, max_norm)`` → (clipped grads, total norm): one factor min(1, max_norm/‖g‖) for all,
    ‖g‖ the norm of all entries together.
    (PyTorch's divides by ‖g‖ + 1e-6, which gives 4.9999999 where this gives 5.)"""
    cases = (  # the first: each array alone has norm 30 or 40, together 50; clipped one by one they give 5 and 5
        ([[30.0, 0.0], [40.0]], 5.0, [[3.0, 0.0], [4.0]], 50.0),
        ([[1.0, 2.0], [2.0]], 10.0, [[1.0, 2.0], [2.0]], 3.0),
    )
    for grads, max_norm, expected, norm in cases:
        what = f"clip_grad_norm({grads}, {max_norm})"
        got = _pair(
            attempt(clip_grad_norm, [np.array(g) for g in grads], max_norm, what=what), what, "grads, total_norm"
        )
        expect_number(got[1], norm, f"{what}: total norm", hint="the norm of all gradients together: √(Σ all entries²)")
        if len(got[0]) != len(expected):
            raise ExerciseError(f"{what} returned {len(got[0])} gradients, expected {len(expected)}")
        one_by_one = [np.array(g) * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]
        for i, (g, e) in enumerate(zip(got[0], expected)):
            alone = np.allclose(np.asarray(g, dtype=np.float64), one_by_one[i]) and not np.allclose(one_by_one[i], e)
            hint = "scale only when the norm exceeds max_norm"
            if alone:
                hint = "that clips each array by its own norm: use one factor from the norm of all of them together"
            expect_array(g, np.array(e), f"{what}: gradient {i}", hint=hint)
    passed("clip_grad_norm: scaled to norm 5 when it was 50, untouched when under the limit")


def check_accuracy(accuracy: Callable[..., float]) -> None:
    """``accuracy(logits, labels)``: the fraction of rows whose largest logit is at the label."""
    logits = np.array([[2.0, 1.0, 0.1], [0.0, 3.0, -1.0], [0.5, 0.2, 0.9], [1.0, 1.5, 0.0]])
    for labels, expected in (([0, 1, 2, 1], 1.0), ([0, 1, 0, 0], 0.5), ([2, 2, 1, 0], 0.0)):
        got = attempt(accuracy, logits, np.array(labels), what=f"accuracy(logits, {labels})")
        expect_number(
            got,
            expected,
            f"accuracy(logits, labels={labels})",
            hint="compare logits.argmax(axis=1) with the labels, then take the mean",
        )
    passed("accuracy on three label sets")


def check_cross_entropy(cross_entropy: Callable[..., float]) -> None:
    """``cross_entropy(logits, labels)`` = mean over rows of −log softmax(row)[label]
    = mean(logsumexp(row) − row[label]).

    [0, ln 3] with label 1 is −ln(3/4); [1000, 0] with label 1 is 1000 + ln(1 + e^{−1000}) = 1000."""
    cases = (
        ([[0.0, math.log(3)]], [1], -math.log(0.75)),
        ([[1000.0, 0.0]], [1], 1000.0),
        ([[0.0, 0.0, 0.0], [0.0, math.log(3), 0.0]], [0, 1], (math.log(3) - math.log(0.6)) / 2),
    )
    for logits, labels, expected in cases:
        with np.errstate(all="ignore"):
            got = attempt(cross_entropy, np.array(logits), np.array(labels), what=f"cross_entropy({logits}, {labels})")
        expect_number(
            got,
            expected,
            f"cross_entropy({logits}, {labels})",
            rtol=1e-9,
            hint="use log-sum-exp with the row's max taken out, and average over the rows",
        )
    passed("cross_entropy: exact, also at a logit of 1000")


def check_dropout(dropout: Callable[..., np.ndarray]) -> None:
    """``dropout(x, p, rng)``, inverted dropout in training: each entry zeroed with probability p, the others
    divided by 1 − p, so the mean is kept. 100,000 entries: the zero fraction's standard error is 0.0016,
    the tolerance 0.01."""
    x = np.full(100_000, 2.0)
    for p in (0.5, 0.2):
        got = attempt(dropout, x.copy(), p, np.random.default_rng(), what=f"dropout(x, {p}, rng)")
        if got is None:
            raise ExerciseError(f"dropout(x, {p}, rng) returned None, expected an array like x")
        y = np.asarray(got, dtype=np.float64)
        if y.shape != x.shape:
            raise ExerciseError(f"dropout(x, {p}, rng) has shape {y.shape}, expected {x.shape}")
        kept = y[y != 0]
        expect_number(float(np.mean(y == 0)), p, f"dropout(x, {p}): fraction of zeros", atol=0.01)
        expect_array(
            np.unique(kept),
            np.array([2.0 / (1 - p)]),
            f"dropout(x = 2, {p}): the kept entries",
            hint="divide the kept entries by 1 − p so the expected value stays x",
        )
    expect_array(attempt(dropout, x[:5], 0.0, np.random.default_rng(), what="dropout(x, 0)"), x[:5], "dropout(x, 0.0)")
    passed("dropout: the right fraction zeroed, the rest scaled by 1/(1 − p)")


def check_batch_norm(batch_norm: Callable[..., np.ndarray]) -> None:
    """``batch_norm(x, gamma, beta, eps)`` in training: per column, (x − mean)/√(var + eps)·γ + β with the
    biased variance (divide by N), as PyTorch's BatchNorm1d in train mode."""
    x = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 40.0], [7.0, 20.0]])
    gamma, beta, eps = np.array([2.0, 1.0]), np.array([0.5, -1.0]), 1e-5
    col0 = (np.array([1.0, 3.0, 5.0, 7.0]) - 4.0) / math.sqrt(5.0 + eps) * 2.0 + 0.5  # mean 4, var (9+1+1+9)/4 = 5
    col1 = (np.array([10.0, 10.0, 40.0, 20.0]) - 20.0) / math.sqrt(150.0 + eps) - 1.0  # mean 20, var (100+100+400+0)/4
    got = attempt(batch_norm, x.copy(), gamma, beta, eps, what="batch_norm(x, gamma, beta, eps)")
    expect_array(
        got,
        np.stack([col0, col1], axis=1),
        "batch_norm(x, gamma, beta, eps)",
        hint="per feature (axis=0), divide by N for the variance, then scale by gamma and shift by beta",
    )
    passed("batch_norm: every column to mean β and spread γ")
