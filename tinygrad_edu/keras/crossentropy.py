"""Keras 3's three cross-entropies, one value per sample, on the tensor engine (so with gradients);
the losses (`losses`) reduce them, the metrics (`metrics`) average them.

From probabilities (``from_logits=False``), as Keras' torch backend computes them
(``keras/src/backend/torch/nn.py``): the categorical ones first scale each row to sum to 1, then
clip to [ε, 1 − ε], ε = 1e-7 (Keras' ``epsilon()``), then take the log; the clip's slope is 0
outside, so a saturated softmax or sigmoid output passes no gradient there. From logits
(``from_logits=True``): log-softmax, and log-sigmoid by log-sum-exp, exact for any logits.

>>> import numpy as np
>>> p = Tensor(np.array([[1.0, 0.0], [0.5, 0.5]]))
>>> [round(v, 4) for v in sparse_categorical(np.array([1, 0]), p, from_logits=False).numpy().tolist()]
[16.1181, 0.6931]
"""

from __future__ import annotations

import numpy as np

from ..nn import functional as F
from ..tensor import Tensor

EPSILON = 1e-7


def _onehot_labels(y: np.ndarray) -> np.ndarray | None:
    """The class labels when every row of y is exactly one-hot, else None."""
    if y.ndim == 2 and np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1):
        return y.argmax(axis=1)
    return None


def _log_probabilities(out: Tensor) -> Tensor:
    """log of the outputs scaled to sum to 1 over the last axis and clipped to [ε, 1 − ε]."""
    return (out / out.sum(axis=-1, keepdims=True)).clip(EPSILON, 1 - EPSILON).log()


def categorical(y: np.ndarray, out: Tensor, from_logits: bool) -> Tensor:
    """−Σ y·log p over the last axis; y one-hot (or soft) targets of the outputs' shape."""
    if y.ndim != out.ndim or y.shape[-1] != out.shape[-1]:
        raise ValueError(
            f"categorical_crossentropy: targets of shape {y.shape} for outputs of shape {out.shape}; "
            "it expects one-hot targets (use to_categorical) - or use sparse_categorical_crossentropy "
            "for integer labels"
        )
    if from_logits:
        labels = _onehot_labels(y)
        return F.cross_entropy(out, labels if labels is not None else y.astype(out.dtype), reduction="none")
    return -(Tensor(y.astype(out.dtype)) * _log_probabilities(out)).sum(axis=-1)


def sparse_categorical(y: np.ndarray, out: Tensor, from_logits: bool) -> Tensor:
    """−log p[label]; labels of shape (N,) or (N, 1)."""
    labels = y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y
    if labels.ndim != 1:
        raise ValueError(
            f"sparse_categorical_crossentropy: expected integer labels of shape (N,), got {y.shape}; "
            "for one-hot targets use categorical_crossentropy"
        )
    if from_logits:
        return F.cross_entropy(out, labels, reduction="none")
    return F.nll_loss(_log_probabilities(out), labels, reduction="none")


def binary(y: np.ndarray, out: Tensor, from_logits: bool) -> Tensor:
    """−(y·log p + (1 − y)·log(1 − p)), averaged over the last axis; y of the outputs' shape."""
    y = y.astype(out.dtype)
    if y.shape != out.shape:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={y.shape}, output.shape={out.shape}"
        )
    if from_logits:
        values = F.binary_cross_entropy_with_logits(out, y, reduction="none")
    else:
        values = F.binary_cross_entropy(out.clip(EPSILON, 1 - EPSILON), y, reduction="none")
    return values.mean(axis=-1)
