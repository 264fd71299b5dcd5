"""Loss modules, as ``torch.nn``'s: ``loss_fn = nn.MSELoss(reduction="sum"); loss = loss_fn(y_pred, y)``.

Each module keeps its options and calls its functional form in `tinygrad_edu.nn.functional`
(``F.cross_entropy(weight=, ignore_index=, label_smoothing=)``, ``F.kl_div(log_target=)``,
``F.huber_loss``, ...), where each loss is written once; ``reduction`` is "mean" (default), "sum"
or "none", checked when the module is made. The functional names stay importable from here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from . import functional as F
from .functional import (
    _check_reduction,
    _check_width,
    _weight_array,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    nll_loss,
    smooth_l1_loss,
)
from .module import Module


# ----------------------------------------------------------------------------- modules
class _Loss(Module):
    """Keeps ``reduction`` (checked now, not at the first call) and prints as PyTorch: ``MSELoss()``."""

    _reductions: tuple[str, ...] = F.REDUCTIONS

    def __init__(self, reduction: str = "mean") -> None:
        self.reduction = _check_reduction(type(self).__name__, reduction, self._reductions)


class _WeightedLoss(_Loss):
    """A loss with optional per-class weights, kept as a buffer named ``weight`` (as PyTorch)."""

    weight: Tensor | None  # set by register_buffer

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", None if weight is None else _weight_array(type(self).__name__, weight))

    def _w(self) -> np.ndarray | None:
        return None if self.weight is None else self.weight._data


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

    pos_weight: Tensor | None  # set by register_buffer

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(weight, reduction)
        self.register_buffer(
            "pos_weight", None if pos_weight is None else _weight_array("BCEWithLogitsLoss", pos_weight)
        )

    def forward(self, input: Tensor, target: Any) -> Tensor:
        pw = None if self.pos_weight is None else self.pos_weight._data
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
