"""Softmax cross-entropy, fused: forward and backward, each as numpy twin, numba kernel and dispatcher.

The fused form keeps the probabilities from the forward pass, so the backward pass is one subtraction:
∂loss/∂z = softmax(z) − onehot(y). The jitted forward leaves the max and the exponentials to numpy and
does the sum, the normalisation and the loss of a row in one numba visit to it.

>>> import numpy as np
>>> loss, probs = softmax_xent(np.zeros((2, 4)), np.array([0, 3]))
>>> bool(abs(loss - 2 * np.log(4)) < 1e-12)   # two rows of uniform scores: 2·log 4
True
>>> softmax_xent_backward(probs, np.array([0, 3]), 1.0)[0]
array([-0.75,  0.25,  0.25,  0.25])
"""

from __future__ import annotations

import numpy as np

from . import _check
from ._numba import njit


def _check_scores(op: str, scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, C) real scores with C ≥ 1, and N integer labels (their range is checked where they are used:
    in a kernel's first pass, or by `_check.in_range` before a twin)."""
    scores, labels = _check.array(op, "scores", scores), _check.array(op, "labels", labels)
    _check.ndim(op, "scores", scores, 2)
    if scores.dtype.kind not in "iuf":
        raise TypeError(f"{op}: scores must be numbers, got dtype {scores.dtype}")
    if scores.shape[1] == 0:
        raise ValueError(f"{op}: scores of shape {scores.shape} have no classes")
    _check.indices(op, "labels", labels, (scores.shape[0],), None)
    return scores, labels


# --------------------------------------------------------------------------- forward
def softmax_xent_np(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Σᵢ −log softmax(zᵢ)[yᵢ] over rows, and the softmax probabilities.

    Log-sum-exp: log Σⱼ e^{zⱼ} = m + log Σⱼ e^{zⱼ − m} with m = maxⱼ zⱼ, so no exponent overflows.
    No rows (of any number of classes, even none) give the sum of no losses, 0.
    """
    if not len(logits):
        return 0.0, np.exp(logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    probs = exp / total
    picked = shifted[np.arange(len(labels)), labels]
    return float(np.sum(np.log(total[:, 0]) - picked, dtype=np.float64)), probs


@njit
def _normalise_xent_nb(probs, shifted, labels):
    n, c = probs.shape
    loss = 0.0
    for i in range(n):
        total = 0.0
        for j in range(c):
            total += probs[i, j]
        inv = 1.0 / total
        for j in range(c):
            probs[i, j] *= inv
        loss += np.log(total) - shifted[i, labels[i]]
    return loss


@njit
def _shift_rows_nb(logits, labels, shifted):
    # first every label is checked (the row of the first out of range is returned, before any row is read),
    # then z − max z per row, into ``shifted`` (allocated by the caller: an array numba allocates and returns
    # costs a conversion back to Python on each call)
    n, c = logits.shape
    for i in range(n):
        if labels[i] < 0 or labels[i] >= c:
            return i
    for i in range(n):
        m = logits[i, 0]
        for j in range(1, c):
            x = logits[i, j]
            if x > m or x != x:  # a NaN becomes the max and stays (nothing compares above it): NaN rows
                m = x
        for j in range(c):
            shifted[i, j] = logits[i, j] - m
    return -1


def _softmax_xent_nb(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """The jitted path of `softmax_xent_np`: a numba pass that checks the labels' range and takes z − max z
    per row (numpy's ``max(axis=1)`` costs twice the instructions on a small batch), numpy's exponentials (its
    SIMD ``exp`` is about ten times faster per element than the scalar ``exp`` numba calls in a loop), then
    one numba pass per row for the sum, the normalisation (in place) and the row's loss."""
    shifted = np.empty(logits.shape, logits.dtype)
    bad = _shift_rows_nb(logits, labels, shifted)
    if bad >= 0:
        raise _check.out_of_range("softmax_xent", "labels", labels[bad], logits.shape[1])
    probs = np.exp(shifted)
    return float(_normalise_xent_nb(probs, shifted, labels)), probs


def softmax_xent(logits: np.ndarray, labels: np.ndarray, checked: bool = False) -> tuple[float, np.ndarray]:
    """Summed cross-entropy of (N, C) logits against N labels, and the probabilities; see `softmax_xent_np`.
    ``checked=True`` says the caller has checked what `_check_scores` checks (2-D real logits with classes,
    integer labels, one per row), so nothing is checked twice on a training step's hot path. The labels'
    range is always checked, before a row is read: `_check.OutOfRangeError` names the first label outside [0, C)."""
    if not checked:
        logits, labels = _check_scores("softmax_xent", logits, labels)
    if _check.jit_ready(logits, contiguous=True):
        return _softmax_xent_nb(logits, labels)
    _check.in_range("softmax_xent", "labels", labels, logits.shape[1])
    return softmax_xent_np(logits, labels)


# --------------------------------------------------------------------------- backward
def softmax_xent_backward_np(probs: np.ndarray, labels: np.ndarray, scale: float) -> np.ndarray:
    """∂loss/∂z = scale · (softmax(z) − onehot(y)), the classic "A − Y"."""
    grad = probs.copy()
    grad[np.arange(len(labels)), labels] -= 1
    grad *= scale
    return grad


@njit
def _softmax_xent_backward_nb(probs, labels, scale, grad):
    # into ``grad`` (allocated by the caller); a label out of range stops the row before its write (the row's
    # number is returned): the labels were checked in the forward pass, but their array may have been changed
    # in place since
    n, c = probs.shape
    for i in range(n):
        for j in range(c):
            grad[i, j] = probs[i, j] * scale
        if labels[i] < 0 or labels[i] >= c:
            return i
        grad[i, labels[i]] -= scale
    return -1


def softmax_xent_backward(probs: np.ndarray, labels: np.ndarray, scale: float, checked: bool = False) -> np.ndarray:
    """scale · (probs − onehot(labels)); see `softmax_xent_backward_np`. ``checked=True`` says ``probs`` and
    ``labels`` are the output and the labels of a `softmax_xent` call (shapes and dtypes are then not checked
    again; the labels' range is, as in `softmax_xent`)."""
    if not checked:
        probs, labels = _check_scores("softmax_xent_backward", probs, labels)
    if _check.jit_ready(probs):
        grad = np.empty(probs.shape, probs.dtype)
        bad = _softmax_xent_backward_nb(probs, labels, probs.dtype.type(scale), grad)
        if bad >= 0:
            raise _check.out_of_range("softmax_xent_backward", "labels", labels[bad], probs.shape[1])
        return grad
    _check.in_range("softmax_xent_backward", "labels", labels, probs.shape[1])
    return softmax_xent_backward_np(probs, labels, scale)
