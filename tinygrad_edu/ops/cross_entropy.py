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
    or 1 gives a finite loss);  ∂/∂p = G·(p − t)/max(p(1 − p), 1e-12),  ∂/∂t = −G·logit p = −G·log(p/(1 − p)),
    unclamped as PyTorch's (±∞ at p = 0 and 1): the target is an input, and one that requires a gradient gets it."""

    saves = (0, 1)
    name = "binary_cross_entropy"

    def forward(self, p, t):
        self.p, self.t = p, t
        with np.errstate(divide="ignore"):
            return -(t * np.maximum(np.log(p), -100) + (1 - t) * np.maximum(np.log1p(-p), -100))

    def backward(self, g):
        p, t = self.p, self.t
        gp = gt = None
        if self.needs_input_grad[0]:
            gp = g * (p - t) / np.maximum(p * (1 - p), 1e-12)
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore"):
                gt = g * -np.log(p / (1 - p))
        return gp, gt


class BinaryCrossEntropyWithLogits(Op):
    """(1 − t)·z + w·softplus(−z), with w = 1 + (p − 1)·t for a positive-class weight p (w = 1 without one):
    −[p·t·log σ(z) + (1 − t)·log(1 − σ(z))], PyTorch's ``binary_cross_entropy_with_logits``.

    softplus(−z) = max(−z, 0) + log(1 + e^{−|z|}) never overflows, and at z = ±∞ the loss is PyTorch's
    (∞·0 terms are NaN as there). ∂/∂z = G·((1 − t) − w·σ(−z)): σ(z) − t without a weight, smooth at
    z = 0 (a sum of relu(−z) and |z| terms would give a one-sided derivative there). The target is an input:
    ∂/∂t = G·(p·softplus(−z) − softplus(z)), which is −G·z without a weight; each softplus is taken by itself,
    as PyTorch's log-sigmoids, so z = −∞ gives ∞ where (p − 1)·softplus(−z) − z would be ∞ − ∞.
    """

    saves = (0, 1)
    name = "bce_with_logits"

    def __init__(self, pos_weight: np.ndarray | None = None) -> None:
        self.pos_weight = pos_weight

    def forward(self, z, t):
        self.z, self.t = z, t
        self.w = None if self.pos_weight is None else 1 + (self.pos_weight - 1) * t
        self.tail = np.log1p(np.exp(-np.abs(z)))  # softplus(±z) = max(±z, 0) + log(1 + e^{−|z|})
        self.softplus_neg = np.maximum(-z, 0) + self.tail
        with np.errstate(invalid="ignore"):  # ∞ − ∞ and 0·∞ at infinite logits: NaN, silently, as PyTorch
            return (1 - t) * z + (self.softplus_neg if self.w is None else self.w * self.softplus_neg)

    def backward(self, g):
        z, t, w = self.z, self.t, self.w
        gz = gt = None
        if self.needs_input_grad[0]:
            s = kernels.sigmoid(-z)
            gz = g * ((1 - t) - (s if w is None else w * s))
        if self.needs_input_grad[1]:
            if w is None:
                gt = g * -z
            else:
                with np.errstate(invalid="ignore"):
                    gt = g * (self.pos_weight * self.softplus_neg - (np.maximum(z, 0) + self.tail))
        return gz, gt
