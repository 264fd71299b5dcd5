"""Loss modules, as ``torch.nn``'s: ``loss_fn = nn.MSELoss(reduction="sum"); loss = loss_fn(y_pred, y)``.

Each module keeps its options and calls a functional form; ``reduction`` is "mean" (default),
"sum" or "none", checked when the module is made. Where `tinygrad_edu.nn.functional` has no
form for an option PyTorch offers (class weights, ``ignore_index``, ``label_smoothing``,
``pos_weight``, ``log_target``, the Huber and smooth-L1 losses) it is built here from Tensor
ops, so its gradient comes from the graph. The formulas are those of PyTorch's documentation
(https://pytorch.org/docs/stable/nn.html#loss-functions); the tests compare values and gradients
with PyTorch itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from . import functional as F
from .module import Module


def _check_reduction(name: str, reduction: str, allowed: tuple[str, ...] = F.REDUCTIONS) -> str:
    if reduction not in allowed:
        raise ValueError(f"{name}: reduction must be one of {allowed}, got {reduction!r}")
    return reduction


def _check_width(name: str, arg: str, value: float, allow_zero: bool) -> float:
    """Huber's δ must be positive and smooth-L1's β non-negative (β = 0 is the L1 loss)."""
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name}: {arg} must be {'non-negative' if allow_zero else 'positive'}, got {value}")
    return value


def _weight_array(name: str, weight: Any, n_classes: int | None = None) -> np.ndarray | None:
    if weight is None:
        return None
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight)
    if w.dtype.kind not in "iuf":
        raise TypeError(f"{name}: weight must hold numbers, got dtype {w.dtype}")
    if n_classes is not None and w.shape != (n_classes,):
        raise ValueError(f"{name}: weight must have one entry per class, shape ({n_classes},), got {w.shape}")
    return w


# ----------------------------------------------------------------------------- functional forms PyTorch has
def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """−w[yᵢ]·log pᵢ[yᵢ] from log-probabilities (N, C) and labels (N,), as ``F.nll_loss``.

    Labels equal to ``ignore_index`` contribute nothing. The mean divides by Σᵢ w[yᵢ] over the
    kept rows (by their count without weights), so it is NaN when every row is ignored, as PyTorch.
    """
    _check_reduction("nll_loss", reduction)
    labels = np.asarray(target.data if isinstance(target, Tensor) else target)
    keep = labels != ignore_index
    safe = F._labels("nll_loss", input, Tensor(np.where(keep, labels, 0)))
    w = _weight_array("nll_loss", weight, input.shape[1])
    row_w = (np.ones(len(safe)) if w is None else w[safe]) * keep
    row_w = row_w.astype(input.dtype)
    losses = -input[np.arange(len(safe)), safe] * row_w
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / row_w.sum()


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of logits (N, C) against labels (N,) or class probabilities (N, C), as ``F.cross_entropy``.

    With label smoothing ε the target is (1 − ε)·onehot + ε/C, which for labels is
    (1 − ε)·nll + (ε/C)·Σ_c −w_c log p_c, reduced the same way (PyTorch's formula). Without
    weights, ``ignore_index``, or smoothing this is the fused `functional.cross_entropy`.
    """
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    t = target if isinstance(target, Tensor) else Tensor(np.asarray(target))
    probabilities = t.ndim == input.ndim and t.dtype.kind == "f"
    labels_in_range = probabilities or ignore_index not in t.data
    if weight is None and label_smoothing == 0.0 and labels_in_range:
        return F.cross_entropy(input, t, reduction=reduction)
    if input.ndim != 2:
        raise ValueError(f"cross_entropy: expected scores of shape (N, C), got {input.shape}")
    n_classes = input.shape[1]
    w = _weight_array("cross_entropy", weight, n_classes)
    logp = input.log_softmax(axis=1)
    if probabilities:
        F._same_shape("cross_entropy", input, t)
        probs = t.data.astype(input.dtype) * (1 - label_smoothing) + label_smoothing / n_classes
        if w is not None:
            probs = probs * w.astype(input.dtype)
        return F._reduce(-(logp * probs).sum(axis=1), reduction, "cross_entropy")
    loss = nll_loss(logp, t, w, ignore_index, reduction)
    if label_smoothing == 0.0:
        return loss
    keep = (t.data != ignore_index).astype(input.dtype)
    per_class = logp if w is None else logp * w.astype(input.dtype)
    smooth = -(per_class.sum(axis=1) * keep)
    if reduction == "sum":
        smooth = smooth.sum()
    elif reduction == "mean":
        if w is None:
            smooth = smooth.sum() / keep.sum()
        else:
            smooth = smooth.sum() / (w[np.where(keep > 0, t.data, 0)] * keep).sum()
    return loss * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None, reduction: str = "mean") -> Tensor:
    """−w·[t log p + (1 − t) log(1 − p)], logs clamped at −100, as ``F.binary_cross_entropy``."""
    _check_reduction("binary_cross_entropy", reduction)
    if weight is None:
        return F.binary_cross_entropy(input, target, reduction=reduction)
    w = _weight_array("binary_cross_entropy", weight).astype(input.dtype)
    return F._reduce(F.binary_cross_entropy(input, target, reduction="none") * w, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean", pos_weight: Any = None
) -> Tensor:
    """Binary cross-entropy of σ(z), from logits z, as ``F.binary_cross_entropy_with_logits``.

    With ``pos_weight`` p the loss is (1 − t)·z + (1 + (p − 1)·t)·softplus(−z), which is
    −[p·t·log σ(z) + (1 − t)·log(1 − σ(z))]; softplus(u) = max(u, 0) + log(1 + e^{−|u|}) never overflows.
    """
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    if pos_weight is None:
        losses = F.binary_cross_entropy_with_logits(input, target, reduction="none")
    else:
        t = F._target(target, input)
        F._same_shape("binary_cross_entropy_with_logits", input, t)
        pw = _weight_array("binary_cross_entropy_with_logits", pos_weight).astype(input.dtype)
        softplus_neg = (-input).relu() + ((-input.abs()).exp() + 1).log()
        losses = (1 - t) * input + (1 + (pw - 1) * t.data) * softplus_neg
    if weight is not None:
        losses = losses * _weight_array("binary_cross_entropy_with_logits", weight).astype(input.dtype)
    return F._reduce(losses, reduction, "binary_cross_entropy_with_logits")


def kl_div(input: Tensor, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Pointwise KL as ``F.kl_div``; with ``log_target`` the target is log t: e^{lt}·(lt − x)."""
    _check_reduction("kl_div", reduction, (*F.REDUCTIONS, "batchmean"))
    if not log_target:
        return F.kl_div(input, target, reduction=reduction)
    lt = F._target(target, input)
    F._same_shape("kl_div", input, lt)
    et = np.exp(lt.data)
    pointwise = Tensor(et * lt.data) - input * et
    if reduction == "batchmean":
        return pointwise.sum() / input.shape[0]
    return F._reduce(pointwise, reduction, "kl_div")


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """½d² where d = |x − t| < δ, else δ·(d − ½δ): quadratic near 0, linear (slope δ) beyond."""
    _check_width("huber_loss", "delta", delta, allow_zero=False)
    t = F._target(target, input)
    F._same_shape("huber_loss", input, t)
    d = (input - t).abs()
    return F._reduce(Tensor.where(d.data < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction, "huber_loss")


def smooth_l1_loss(input: Tensor, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """½d²/β where d = |x − t| < β, else d − ½β (Huber divided by β); β = 0 is the L1 loss."""
    if _check_width("smooth_l1_loss", "beta", beta, allow_zero=True) == 0:
        return F.l1_loss(input, target, reduction=reduction)
    t = F._target(target, input)
    F._same_shape("smooth_l1_loss", input, t)
    d = (input - t).abs()
    return F._reduce(Tensor.where(d.data < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction, "smooth_l1_loss")


# ----------------------------------------------------------------------------- modules
class _Loss(Module):
    """Keeps ``reduction`` (checked now, not at the first call) and prints as PyTorch: ``MSELoss()``."""

    _reductions: tuple[str, ...] = F.REDUCTIONS

    def __init__(self, reduction: str = "mean") -> None:
        self.reduction = _check_reduction(type(self).__name__, reduction, self._reductions)


class _WeightedLoss(_Loss):
    """A loss with optional per-class weights, kept as a buffer named ``weight`` (as PyTorch)."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", None if weight is None else _weight_array(type(self).__name__, weight))

    def _w(self) -> np.ndarray | None:
        return None if self.weight is None else self.weight.data


class MSELoss(_Loss):
    """(x − t)², reduced."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """|x − t|, reduced."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits against labels or class probabilities (see `cross_entropy`)."""

    def __init__(
        self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0
    ) -> None:
        super().__init__(weight, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing}")
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return cross_entropy(input, target, self._w(), self.ignore_index, self.reduction, self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (see `nll_loss`)."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return nll_loss(input, target, self._w(), self.ignore_index, self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities (see `binary_cross_entropy`)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return binary_cross_entropy(input, target, self._w(), self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross-entropy from logits, with optional ``pos_weight`` (see `binary_cross_entropy_with_logits`)."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(weight, reduction)
        self.register_buffer(
            "pos_weight", None if pos_weight is None else _weight_array("BCEWithLogitsLoss", pos_weight)
        )

    def forward(self, input: Tensor, target: Any) -> Tensor:
        pw = None if self.pos_weight is None else self.pos_weight.data
        return binary_cross_entropy_with_logits(input, target, self._w(), self.reduction, pw)


class KLDivLoss(_Loss):
    """KL(t ‖ p) pointwise from log-probabilities (see `kl_div`); "batchmean" is the true KL per sample."""

    _reductions = (*F.REDUCTIONS, "batchmean")

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return kl_div(input, target, self.reduction, self.log_target)


class HuberLoss(_Loss):
    """Quadratic for |x − t| < δ, linear beyond (see `huber_loss`)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = _check_width("HuberLoss", "delta", delta, allow_zero=False)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """Huber divided by β (see `smooth_l1_loss`)."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = _check_width("SmoothL1Loss", "beta", beta, allow_zero=True)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return smooth_l1_loss(input, target, self.reduction, self.beta)
