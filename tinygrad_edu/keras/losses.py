"""Keras' losses and metrics by name, computed on the tensor engine.

Every loss is a per-sample loss ℓᵢ (the mean over the last axis for elementwise ones) reduced as
Keras' "sum_over_batch_size" by default: mean(ℓ), or with sample weights w, Σ wᵢ·ℓᵢ / (the number of
values): the divisor is the batch size, not Σ w (`reduce_values`, Keras 3's
``reduce_weighted_values``, which also does the other reductions a loss object may ask for).
The cross-entropies are `crossentropy`'s: from the model's probabilities, clipped to [ε, 1 − ε]
as Keras 3's torch backend reads them (also behind a softmax or sigmoid layer: Keras 3 does not
reach for the logits there), or from logits with ``from_logits=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import metrics
from ..nn import functional as F
from ..ops import broadcast_shape
from ..tensor import Tensor
from . import crossentropy
from . import metrics as keras_metrics
from .backend import auto_name
from .crossentropy import EPSILON


def weigh(values: Tensor, sample_weight: Any) -> tuple[Tensor, np.ndarray]:
    """The per-sample values and the sample weights brought to one rank by Keras 3's
    ``squeeze_or_expand_to_same_rank`` (only where the ranks differ by one and the longer shape
    ends in 1: a rank-1 side gains a last axis of 1, another loses that axis), then broadcast
    together as torch does. Weights (N,) for per-step values (N, T) are therefore Keras' RuntimeError
    (unless T = N, where Keras, and so this, weighs step i by w[i]).

    >>> v, w = weigh(Tensor(np.ones(3)), np.ones((3, 1)))
    >>> tuple(v.shape), w.shape
    ((3, 1), (3, 1))
    """
    w = np.asarray(sample_weight._data if isinstance(sample_weight, Tensor) else sample_weight)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"sample_weight must be numeric, got dtype {w.dtype}")
    w = w.astype(values.dtype)
    if values.ndim == w.ndim + 1 and values.shape[-1] == 1:
        if w.ndim == 1:
            w = w[:, None]
        else:
            values = values.reshape(values.shape[:-1])
    elif w.ndim == values.ndim + 1 and w.shape[-1] == 1:
        if values.ndim == 1:
            values = values.reshape(-1, 1)
        else:
            w = w[..., 0]
    try:
        broadcast_shape(tuple(values.shape), w.shape)  # torch's error words, which Keras' torch backend raises
    except RuntimeError as err:
        raise RuntimeError(
            f"{err} (per-sample losses of shape {tuple(values.shape)}, sample_weight of shape {w.shape}; "
            "Keras multiplies them as they are: give one weight per value, or per sample as shape (N, 1))"
        ) from None
    return values, w


#: Keras 3's reductions of per-sample losses (``keras.losses.Loss(reduction=...)``)
REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")
Reduction = str | None


def standardize_reduction(reduction: Any) -> Reduction:
    """``reduction`` if Keras 3 knows it, else Keras' ValueError naming the choices."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            "Invalid value for argument `reduction`. "
            f"Expected one of {set(REDUCTIONS)}. Received: reduction={reduction}"
        )
    return reduction


def reduce_values(values: Tensor, sample_weight: Any = None, reduction: Reduction = "sum_over_batch_size") -> Tensor:
    """Keras 3's ``reduce_weighted_values``: the values times the sample weights w (`weigh`),
    then "sum": Σ w·ℓ; "sum_over_batch_size" (and its alias "mean"): Σ w·ℓ / (the number of
    values), mean(ℓ) without weights; "mean_with_sample_weight": Σ w·ℓ / Σ w (0 when Σ w = 0,
    Keras' divide_no_nan); None or "none": the weighted values themselves.

    >>> import numpy as np
    >>> values, w = Tensor(np.array([1.0, 3.0])), np.array([2.0, 0.0])
    >>> [float(reduce_values(values, w, r).item()) for r in ("sum_over_batch_size", "sum", "mean_with_sample_weight")]
    [1.0, 2.0, 1.0]
    """
    weights = None
    if sample_weight is not None:
        values, weights = weigh(values, sample_weight)
        values = values * Tensor(weights)
    if reduction in (None, "none") or values.ndim == 0:
        return values
    total = values.sum()
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and weights is not None:
        divisor = float(weights.sum())
        return total / divisor if divisor else total * 0.0
    # no rows: NaN (0/0) without weights, as PyTorch, where Keras returns a 0-element tensor
    return values.mean() if weights is None else total / max(values.numel(), 1)


def categorical_crossentropy(
    y: np.ndarray, out: Tensor, logits: bool, sample_weight: Any = None, reduction: Reduction = "sum_over_batch_size"
) -> Tensor:
    return reduce_values(crossentropy.categorical(y, out, logits), sample_weight, reduction)


def sparse_categorical_crossentropy(
    y: np.ndarray, out: Tensor, logits: bool, sample_weight: Any = None, reduction: Reduction = "sum_over_batch_size"
) -> Tensor:
    return reduce_values(crossentropy.sparse_categorical(y, out, logits), sample_weight, reduction)


def same_rank(y: np.ndarray, out: Tensor) -> np.ndarray:
    """Keras 3's ``squeeze_or_expand_to_same_rank`` for a model's loss: a target with one axis fewer
    gains a last axis of 1 (y (N,) for outputs (N, 1)), one with an extra last axis of 1 loses it."""
    if y.ndim == out.ndim - 1 and out.shape[-1] == 1:
        return y[..., None]
    if y.ndim == out.ndim + 1 and y.shape[-1] == 1:
        return y[..., 0]
    return y


def _broadcast(y: np.ndarray, out: Tensor, name: str) -> np.ndarray:
    """The target for an elementwise loss: Keras' rank rule, then numpy broadcasting (as Keras 3),
    a ValueError naming both shapes where they cannot broadcast; never a silent reshape."""
    y = same_rank(y, out).astype(out.dtype)
    try:
        np.broadcast_shapes(y.shape, out.shape)
    except ValueError:
        raise ValueError(
            f"{name}: targets of shape {y.shape} cannot broadcast to outputs of shape {out.shape}"
        ) from None
    return y


def binary_crossentropy(
    y: np.ndarray, out: Tensor, logits: bool, sample_weight: Any = None, reduction: Reduction = "sum_over_batch_size"
) -> Tensor:
    return reduce_values(crossentropy.binary(same_rank(y, out), out, logits), sample_weight, reduction)


def mean_squared_error(
    y: np.ndarray,
    out: Tensor,
    logits: bool = False,
    sample_weight: Any = None,
    reduction: Reduction = "sum_over_batch_size",
) -> Tensor:
    """mean over samples of the mean over the last axis of (y − p)², y broadcast to p (Keras 3)."""
    diff = out - Tensor(_broadcast(y, out, "mean_squared_error"))
    return reduce_values((diff * diff).mean(axis=-1), sample_weight, reduction)


def mean_absolute_error(
    y: np.ndarray,
    out: Tensor,
    logits: bool = False,
    sample_weight: Any = None,
    reduction: Reduction = "sum_over_batch_size",
) -> Tensor:
    diff = out - Tensor(_broadcast(y, out, "mean_absolute_error"))
    return reduce_values(diff.abs().mean(axis=-1), sample_weight, reduction)


def hinge(
    y: np.ndarray,
    out: Tensor,
    logits: bool = False,
    sample_weight: Any = None,
    reduction: Reduction = "sum_over_batch_size",
) -> Tensor:
    """mean(max(0, 1 − y·p)); labels in {0, 1} are mapped to {−1, +1}, as Keras does."""
    y = _broadcast(y, out, "hinge")
    signs = np.where(y > 0, 1.0, -1.0) if np.all(np.isin(y, (0, 1))) else y
    values = F.hinge_loss(out, np.broadcast_to(signs, out.shape), reduction="none")
    return reduce_values(values.mean(axis=-1), sample_weight, reduction)


def kl_divergence(
    y: np.ndarray,
    out: Tensor,
    logits: bool = False,
    sample_weight: Any = None,
    reduction: Reduction = "sum_over_batch_size",
) -> Tensor:
    """mean over samples of Σ y·log(y/p), with y and p clipped to [ε, 1]."""
    yc = np.clip(y, EPSILON, 1).astype(out.dtype)
    return reduce_values(
        (Tensor(yc) * (Tensor(np.log(yc)) - out.clip(EPSILON, 1).log())).sum(axis=-1), sample_weight, reduction
    )


LossFn = Callable[..., Tensor]
LOSSES: dict[str, LossFn] = {
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "binary_crossentropy": binary_crossentropy,
    "mse": mean_squared_error,
    "mean_squared_error": mean_squared_error,
    "mae": mean_absolute_error,
    "mean_absolute_error": mean_absolute_error,
    "hinge": hinge,
    "kl_divergence": kl_divergence,
    "kld": kl_divergence,
    "kullback_leibler_divergence": kl_divergence,
}
#: the losses that can take logits, and the activation whose input those logits are
LOGIT_LOSSES = {
    "categorical_crossentropy": "softmax",
    "sparse_categorical_crossentropy": "softmax",
    "binary_crossentropy": "sigmoid",
}


def get(name: str) -> LossFn:
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; use one of {sorted(LOSSES)}")
    return LOSSES[name]


def accuracy(loss: Any, y: np.ndarray, pred: np.ndarray) -> float:
    """Fraction correct, read as Keras reads "accuracy" for the loss (a name, or a built-in `Loss`
    by its function): argmax for categorical losses, p > 0.5 for binary ones (``pred`` are
    probabilities); the counting is `metrics.accuracy`'s."""
    loss = getattr(loss, "function", loss)
    if loss == "sparse_categorical_crossentropy":
        return metrics.accuracy(y, pred.argmax(axis=-1))
    if loss == "categorical_crossentropy" or (pred.ndim == 2 and pred.shape[1] > 1):
        return metrics.accuracy(y.argmax(axis=-1), pred.argmax(axis=-1))
    return metrics.accuracy(y.reshape(-1) > 0.5, pred.reshape(-1) > 0.5)


#: the metrics Keras names outright (accuracies, cross-entropies), by the per-sample function of `metrics`
NAMED_METRICS = {
    "sparse_categorical_accuracy": keras_metrics.sparse_categorical_accuracy,
    "categorical_accuracy": keras_metrics.categorical_accuracy,
    "binary_accuracy": keras_metrics.binary_accuracy,
    "sparse_categorical_crossentropy": keras_metrics.sparse_categorical_crossentropy,
    "categorical_crossentropy": keras_metrics.categorical_crossentropy,
    "binary_crossentropy": keras_metrics.binary_crossentropy,
}
METRICS = ("accuracy", "acc", "mse", "mean_squared_error", "mae", "mean_absolute_error", *NAMED_METRICS)


def check_metric(name: str) -> None:
    """Raise a ValueError unless ``name`` is one of `METRICS` (``compile`` checks its metrics up front)."""
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}; use one of {list(METRICS)}")


def metric(name: str, loss: Any, y: np.ndarray, pred: np.ndarray) -> float:
    check_metric(name)
    if name in NAMED_METRICS:
        return float(np.mean(NAMED_METRICS[name](y, pred)))
    if name in ("accuracy", "acc"):
        return accuracy(loss, y, pred)
    y = same_rank(y, Tensor(pred))
    if name in ("mse", "mean_squared_error"):
        return float(np.mean((pred - y) ** 2))
    return float(np.mean(np.abs(pred - y)))


# ----------------------------------------------------------------------------- losses as objects
class Loss:
    """Keras' loss objects: ``loss(y_true, y_pred, sample_weight=None)`` reduces the per-sample
    values of ``call(y_true, y_pred)`` by `reduce_values` (a subclass writes ``call``; y_true
    arrives as a Tensor of y_pred's dtype, brought to its rank by Keras' rule, `same_rank`).
    Built-in ones wrap the functions above, with ``from_logits``."""

    def __init__(self, name: str | None = None, reduction: Reduction = "sum_over_batch_size") -> None:
        self.reduction = standardize_reduction(reduction)
        self.name = name or auto_name(type(self).__name__)  # Keras': my_loss, my_loss_1, …

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must define call(y_true, y_pred)")

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        y, y_pred = self.arguments(y_true, y_pred)
        values = self.call(Tensor(same_rank(y, y_pred).astype(y_pred.dtype)), y_pred)
        return reduce_values(values, sample_weight, self.reduction)

    def arguments(self, y_true: Any, y_pred: Any) -> tuple[np.ndarray, Tensor]:
        """The targets as an array and the predictions as a Tensor."""
        y_pred = y_pred if isinstance(y_pred, Tensor) else Tensor(np.asarray(y_pred, dtype=np.float32))
        return (y_true._data if isinstance(y_true, Tensor) else np.asarray(y_true)), y_pred


class FunctionLoss(Loss):
    """A plain function ``fn(y_true, y_pred)`` given to ``compile`` as the loss (Keras wraps one
    likewise): its values reduced as any `Loss`'s, named after the function."""

    def __init__(
        self, fn: Callable[..., Tensor], name: str | None = None, reduction: Reduction = "sum_over_batch_size"
    ):
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction)
        self.fn = fn

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        return self.fn(y_true, y_pred)


class LossFunctionWrapper(Loss):
    """A built-in loss by its function (`LOSSES`), computed from logits with ``from_logits=True``."""

    function = ""

    def __init__(self, from_logits: bool = False, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name or self.function, **kwargs)
        if from_logits and self.function not in LOGIT_LOSSES:
            raise ValueError(f"{type(self).__name__} does not take from_logits")
        self.from_logits = from_logits

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        y, y_pred = self.arguments(y_true, y_pred)
        return get(self.function)(y, y_pred, self.from_logits, sample_weight, self.reduction)


class BinaryCrossentropy(LossFunctionWrapper):
    function = "binary_crossentropy"


class CategoricalCrossentropy(LossFunctionWrapper):
    function = "categorical_crossentropy"


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    function = "sparse_categorical_crossentropy"


class MeanSquaredError(LossFunctionWrapper):
    function = "mean_squared_error"


class MeanAbsoluteError(LossFunctionWrapper):
    function = "mean_absolute_error"


class Hinge(LossFunctionWrapper):
    function = "hinge"


class KLDivergence(LossFunctionWrapper):
    function = "kl_divergence"
