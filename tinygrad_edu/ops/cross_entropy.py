"""Loss ops fused into one `Op` each, where the composite of primitives would be slower or less
stable: softmax cross-entropy from integer labels, binary cross-entropy from probabilities and from
logits. The other losses (`mse_loss`, `l1_loss`, ...) are compositions in `tinygrad_edu.nn.functional`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from .op import Op, check_floating

#: what `tinygrad_edu.ops` re-exports from this module (its star import reads this list)
__all__ = ["BinaryCrossEntropy", "BinaryCrossEntropyWithLogits", "SoftmaxCrossEntropy"]


class SoftmaxCrossEntropy(Op):
    """Σᵢ −log softmax(zᵢ)[yᵢ] · scale, by log-sum-exp;  ∂/∂z = G·scale·(softmax(z) − onehot(y)).

    ``scale`` is 1/N for the mean and 1 for the sum. `kernels.softmax_xent` takes the max, the
    exponentials, their sum and the loss of each row; the backward is the classic A − Y. The caller
    (`tinygrad_edu.nn.functional.cross_entropy`) has checked the labels' dtype and shape against z's; the
    kernels check their range (`kernels.OutOfRangeError`)."""

    name = "cross_entropy"
    backward_name = "NllLossBackward0"

    def __init__(self, labels: np.ndarray, scale: float, kept: tuple[Any, ...] = ()) -> None:
        self.labels, self.scale, self.kept = labels, scale, kept

    def forward(self, z):
        check_floating("cross_entropy", z)
        total, self.probs = kernels.softmax_xent(z, self.labels, checked=True)
        return np.asarray(total * self.scale, dtype=z.dtype)

    def backward(self, g):
        return (kernels.softmax_xent_backward(self.probs, self.labels, self.scale * float(g), checked=True),)


class BinaryCrossEntropy(Op):
    """−[t·log p + (1 − t)·log(1 − p)] with each log clamped at −100 (PyTorch's choice, so p = 0
    or 1 gives a finite loss);  ∂/∂p = G·(p − t)/max(p(1 − p), 1e-12)."""

    saves = (0,)
    name = "binary_cross_entropy"

    def __init__(self, t: np.ndarray, kept: tuple[Any, ...] = ()) -> None:
        self.t, self.kept = t, kept

    def forward(self, p):
        self.p = p
        with np.errstate(divide="ignore"):
            return -(self.t * np.maximum(np.log(p), -100) + (1 - self.t) * np.maximum(np.log1p(-p), -100))

    def backward(self, g):
        p = self.p
        return (g * (p - self.t) / np.maximum(p * (1 - p), 1e-12),)


class BinaryCrossEntropyWithLogits(Op):
    """(1 − t)·z + w·softplus(−z), with w = 1 + (p − 1)·t for a positive-class weight p (w = 1 without one):
    −[p·t·log σ(z) + (1 − t)·log(1 − σ(z))], PyTorch's ``binary_cross_entropy_with_logits``.

    softplus(−z) = max(−z, 0) + log(1 + e^{−|z|}) never overflows, and at z = ±∞ the loss is PyTorch's
    (∞·0 terms are NaN as there). ∂/∂z = G·((1 − t) − w·σ(−z)): σ(z) − t without a weight, smooth at
    z = 0 (a sum of relu(−z) and |z| terms would give a one-sided derivative there).
    """

    saves = (0,)
    name = "bce_with_logits"

    def __init__(self, t: np.ndarray, w: np.ndarray | None = None, kept: tuple[Any, ...] = ()) -> None:
        self.t, self.w, self.kept = t, w, kept

    def forward(self, z):
        self.z = z
        softplus_neg = np.maximum(-z, 0) + np.log1p(np.exp(-np.abs(z)))
        with np.errstate(invalid="ignore"):  # ∞ − ∞ and 0·∞ at infinite logits: NaN, silently, as PyTorch
            return (1 - self.t) * z + (softplus_neg if self.w is None else self.w * softplus_neg)

    def backward(self, g):
        s = kernels.sigmoid(-self.z)
        return (g * ((1 - self.t) - (s if self.w is None else self.w * s)),)
