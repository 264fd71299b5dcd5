"""Checks for chapter 13 (the backward pass of an MLP with BatchNorm, written by hand): the fused
cross-entropy backward, the fused BatchNorm backward and the embedding's backward.

The expected gradients are float64 central differences (f(x + εeᵢ) − f(x − εeᵢ))/2ε, ε = 1e-5, of
the forward passes written here in numpy: the definition of the derivative, not the chapter's
formula and not the package's autograd. On these smooth functions the O(ε²) error is below 1e-9, far
inside the checks' tolerance (rtol 1e-6, atol 1e-8); the known slips (a missing 1/n, n for n − 1, =
for +=) are off by far more and are named in the message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .feedback import attempt, expect_array, passed

EPS = 1e-5  # finite-difference step: truncation error ~ε² · f''' ≈ 1e-10 on these inputs


def _numeric_grad(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Central differences of the scalar ``f`` at every entry of ``x`` (float64)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += EPS
        down[i] -= EPS
        grad[i] = (f(up) - f(down)) / (2 * EPS)
    return grad


def _cross_entropy(logits: np.ndarray, targets: np.ndarray) -> float:
    """Mean over rows of −log softmax(logits)[target], computed stably (log-sum-exp)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    logprobs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-logprobs[np.arange(len(targets)), targets].mean())


def _hint_if(got: Any, wrong: np.ndarray, expected: np.ndarray, hint: str) -> str:
    """``hint`` when ``got`` equals the answer a known slip gives (and that answer is wrong)."""
    if np.shape(got) != expected.shape or np.allclose(wrong, expected):
        return ""
    try:
        return hint if np.allclose(np.asarray(got, dtype=np.float64), wrong) else ""
    except (TypeError, ValueError):
        return ""


def check_cross_entropy_backward(cross_entropy_backward: Callable[..., np.ndarray]) -> None:
    """``cross_entropy_backward(logits, targets)`` → ∂loss/∂logits for loss = mean over the n rows of
    −log softmax(logits)[row, target]: (softmax(logits) − one_hot(targets)) / n."""
    logits = np.array([[1.0, -0.5, 2.0, 0.3, 0.0], [0.2, 0.1, -1.0, 3.0, 0.5], [-2.0, 0.0, 0.7, 0.7, 1.5]])
    targets = np.array([2, 0, 4])
    n = len(targets)
    expected = _numeric_grad(lambda z: _cross_entropy(z, targets), logits)
    what = "cross_entropy_backward(logits 3×5, targets [2, 0, 4])"
    got = attempt(cross_entropy_backward, logits.copy(), targets.copy(), what=what)
    hint = _hint_if(got, expected * n, expected, "the loss is the mean over the n rows: divide by n") or _hint_if(
        got,
        expected + np.eye(5)[targets] / n,
        expected,
        "subtract 1 at each row's target (d(−log p_y)/dz = p − one_hot(y))",
    )
    expect_array(got, expected, what, hint=hint or "softmax of each row, minus 1 at its target, all divided by n")
    passed("cross_entropy_backward: every entry of ∂loss/∂logits")


def _batchnorm(x: np.ndarray, gamma: np.ndarray, eps: float, ddof: int) -> np.ndarray:
    """The chapter's training-time BatchNorm without the shift β: γ(x − mean)/√(var + ε), var with ``ddof``."""
    return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0, ddof=ddof) + eps)


def check_batchnorm_backward(batchnorm_backward: Callable[..., np.ndarray]) -> None:
    """``batchnorm_backward(dout, x, gamma, eps)`` → ∂L/∂x for out = γ·(x − μ)/√(v + ε) + β, with μ the
    batch mean and v = Σ(x − μ)²/(n − 1) (the chapter's unbiased variance), each column on its own."""
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-0.2, 2.2, 0.1], [0.9, -0.4, 1.2], [2.0, 0.8, -1.5]])
    gamma = np.array([[1.2, -0.7, 0.4]])
    dout = np.array([[0.3, -0.1, 0.8], [-0.6, 0.5, 0.2], [0.1, 0.9, -0.4], [0.7, -0.3, 0.5], [-0.2, 0.4, -0.9]])
    eps = 1e-5
    expected = _numeric_grad(lambda v: float(np.sum(dout * _batchnorm(v, gamma, eps, ddof=1))), x)
    biased = _numeric_grad(lambda v: float(np.sum(dout * _batchnorm(v, gamma, eps, ddof=0))), x)
    direct = gamma * dout / np.sqrt(x.var(axis=0, ddof=1) + eps)
    what = "batchnorm_backward(dout 5×3, x 5×3, gamma 1×3, 1e-5)"
    got = attempt(batchnorm_backward, dout.copy(), x.copy(), gamma.copy(), eps, what=what)
    hint = _hint_if(
        got,
        biased,
        expected,
        "that is the gradient for the variance divided by n; the chapter's divides by n − 1, "
        "so the last term carries n/(n − 1)",
    ) or _hint_if(
        got,
        direct,
        expected,
        "x also moves the batch mean and the batch variance: subtract the column sum of dout "
        "and the x̂-weighted sum, as in the fused formula",
    )
    expect_array(got, expected, what, hint=hint or "γ/(nσ)·(n·dout − Σdout − n/(n−1)·x̂·Σ(dout·x̂)), column by column")
    passed("batchnorm_backward: ∂L/∂x through the batch mean and the batch variance")


def check_embedding_backward(embedding_backward: Callable[..., np.ndarray]) -> None:
    """``embedding_backward(ix, demb, vocab_size)`` → dC for emb = C[ix]: row i of dC is the sum of
    demb over every position where ix holds i (rows that never occur stay 0)."""
    ix = np.array([[0, 3], [3, 5], [1, 3]])
    demb = np.arange(24.0).reshape(3, 2, 4) / 10 - 1
    vocab_size = 6
    C = np.zeros((vocab_size, 4))
    expected = _numeric_grad(lambda c: float(np.sum(demb * c[ix])), C)
    overwritten = np.zeros_like(C)
    overwritten[ix.reshape(-1)] = demb.reshape(-1, 4)  # numpy keeps the last write of a repeated index
    what = "embedding_backward(ix [[0, 3], [3, 5], [1, 3]], demb 3×2×4, 6)"
    got = attempt(embedding_backward, ix.copy(), demb.copy(), vocab_size, what=what)
    hint = _hint_if(
        got,
        overwritten,
        expected,
        "index 3 appears three times in ix: add each of its gradients (+=), do not overwrite them",
    )
    expect_array(got, expected, what, hint=hint or "dC[ix[b, k]] += demb[b, k] for every b and k")
    passed("embedding_backward: repeated indices add up, unused rows stay 0")
