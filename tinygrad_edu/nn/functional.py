"""Functional forms of layers and losses, as ``torch.nn.functional``.

Losses take ``reduction`` = "mean" (default), "sum" or "none", as PyTorch. Targets may be numpy
arrays, lists or Tensors; they never receive a gradient. Where a composite of primitives would be
slower or less stable, the op is one fused `Function` in `tinygrad_edu.ops` with a tested
forward/backward pair: `linear`, `batch_norm` (training), `dropout`, `cross_entropy` with integer
labels, `binary_cross_entropy(_with_logits)`; this module checks the arguments and calls them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..ops import apply
from ..rng import default_rng
from ..tensor import Tensor
from . import conv as _conv

REDUCTIONS = ("mean", "sum", "none")


def _target(t: Any, like: Tensor | None = None) -> Tensor:
    if isinstance(t, Tensor):
        return t
    arr = np.asarray(t)
    if like is not None and arr.dtype.kind in "fiub" and like.dtype.kind == "f":
        arr = arr.astype(like.dtype, copy=False)
    return Tensor(arr)


def _reduce(loss: Tensor, reduction: str, name: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _same_shape(name: str, x: Tensor, t: Tensor) -> None:
    if x.shape != t.shape:
        raise ValueError(
            f"{name}: input shape {x.shape} and target shape {t.shape} differ "
            "(broadcasting them would silently compare every input with every target)"
        )


# ----------------------------------------------------------------------------- linear
def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x·Wᵀ + b, as ``torch.nn.functional.linear``."""
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return apply(ops.Linear(), *inputs)


# ----------------------------------------------------------------------------- activations
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1, padding: int = 0) -> Tensor:
    """2-D convolution of (N, C, H, W) images, as ``torch.nn.functional.conv2d`` (see `nn.conv`)."""
    return _conv.conv2d(input, weight, bias, stride, padding)


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    """The largest value of each window, as ``torch.nn.functional.max_pool2d`` (see `nn.conv`)."""
    return _conv.max_pool2d(input, kernel_size, stride, padding)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    """The mean of each window, as ``torch.nn.functional.avg_pool2d`` (see `nn.conv`)."""
    return _conv.avg_pool2d(input, kernel_size, stride, padding)


def relu(x: Tensor) -> Tensor:
    return x.relu()


def sigmoid(x: Tensor) -> Tensor:
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    return x.tanh()


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return x.leaky_relu(negative_slope)


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    return x.softmax(axis)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    return x.log_softmax(axis)


# ----------------------------------------------------------------------------- regularisation layers
def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout: y = x·m/(1 − p) with m ~ Bernoulli(1 − p) in training (so E[y] = x),
    and y = x in evaluation."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = default_rng().random(x.shape) >= p
    return apply(ops.Dropout((keep / (1.0 - p)).astype(x.dtype)), x)


def batch_norm(
    x: Tensor,
    running_mean: np.ndarray | None,
    running_var: np.ndarray | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
    unbiased_running_var: bool = True,
) -> Tensor:
    """Batch normalisation over axis 1 of (N, C) or (N, C, L) input, as ``torch.nn.functional.batch_norm``.

    Training: normalise with the batch's mean and (biased) variance and update the running
    statistics in place, r ← (1 − m)·r + m·stat, with the variance made unbiased (×n/(n − 1)) as
    PyTorch does (Keras keeps it biased: ``unbiased_running_var=False``). Evaluation: normalise
    with the running statistics.
    """
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C) or (N, C, L), got {x.shape}")
    channels = x.shape[1]
    if weight is not None and weight.shape != (channels,):
        raise ValueError(f"batch_norm: input has {channels} channels but the layer has {weight.shape[0]}")
    if training:
        n = x.data.size // channels
        if n < 2:
            raise ValueError(f"batch_norm: training needs more than one value per channel, got input shape {x.shape}")
        fn = ops.BatchNorm(eps)
        out = apply(fn, *(t for t in (x, weight, bias) if t is not None)) if weight is not None else apply(fn, x)
        if running_mean is not None:
            var = fn.var * (n / (n - 1)) if unbiased_running_var else fn.var
            running_mean *= 1 - momentum
            running_mean += momentum * fn.mean
            running_var *= 1 - momentum
            running_var += momentum * var
        return out
    shape = (1, -1) + (1,) * (x.ndim - 2)
    scale = 1.0 / np.sqrt(running_var + eps).astype(x.dtype)
    out = (x - running_mean.reshape(shape).astype(x.dtype)) * scale.reshape(shape)
    if weight is not None:
        out = out * weight.reshape(*shape)
    if bias is not None:
        out = out + bias.reshape(*shape)
    return out


def l1_penalty(params: Any, strength: float) -> Tensor:
    """λ·Σ|w| over the given parameters (Keras' ``regularizers.l1``): add it to a loss."""
    return _penalty(params, strength, lambda p: p.abs().sum())


def l2_penalty(params: Any, strength: float) -> Tensor:
    """λ·Σ w² over the given parameters (Keras' ``regularizers.l2``; weight decay is the same with
    λ = wd/2 on the gradient): add it to a loss."""
    return _penalty(params, strength, lambda p: (p * p).sum())


def _penalty(params: Any, strength: float, term: Any) -> Tensor:
    params = [params] if isinstance(params, Tensor) else list(params)
    if not params:
        raise ValueError("penalty: no parameters given")
    total = term(params[0])
    for p in params[1:]:
        total = total + term(p)
    return total * strength


# ----------------------------------------------------------------------------- regression losses
def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """(x − t)², reduced."""
    t = _target(target, input)
    _same_shape("mse_loss", input, t)
    return _reduce((input - t) ** 2, reduction, "mse_loss")


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """|x − t|, reduced."""
    t = _target(target, input)
    _same_shape("l1_loss", input, t)
    return _reduce((input - t).abs(), reduction, "l1_loss")


# ----------------------------------------------------------------------------- classification losses
def _labels(name: str, logits: Tensor, target: Tensor) -> np.ndarray:
    """Validate integer class labels for (N, C) scores; return them as an int64 array."""
    if logits.ndim != 2:
        raise ValueError(f"{name}: expected scores of shape (N, C), got {logits.shape}")
    labels = target.data
    if labels.shape != (logits.shape[0],):
        raise ValueError(f"{name}: {logits.shape[0]} rows of scores but labels of shape {labels.shape}")
    if labels.dtype.kind == "f":
        if not np.all(np.mod(labels, 1) == 0):
            raise ValueError(f"{name}: labels must be whole numbers, got {labels.dtype} values like {labels[:3]}")
    elif labels.dtype.kind not in "iu":
        raise TypeError(f"{name}: labels must be integers, got dtype {labels.dtype}")
    labels = labels.astype(np.int64, copy=False)
    n_classes = logits.shape[1]
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        bad = labels[(labels < 0) | (labels >= n_classes)][0]
        raise ValueError(f"{name}: label {bad} out of range for {n_classes} classes")
    return labels


def cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Cross-entropy from logits (never from probabilities), as ``torch.nn.functional.cross_entropy``.

    ``target`` is either integer class labels of shape (N,), giving −log softmax(zᵢ)[yᵢ], or
    class probabilities / one-hot rows of shape (N, C), giving −Σⱼ tᵢⱼ log softmax(zᵢ)ⱼ.
    """
    t = _target(target)
    if t.ndim == input.ndim and t.dtype.kind == "f":
        _same_shape("cross_entropy", input, t)
        per_row = -(input.log_softmax(axis=-1) * t.data.astype(input.dtype, copy=False)).sum(axis=-1)
        return _reduce(per_row, reduction, "cross_entropy")
    labels = _labels("cross_entropy", input, t)
    if reduction == "none":
        return nll_loss(input.log_softmax(axis=1), labels, reduction="none")
    if reduction not in REDUCTIONS:
        raise ValueError(f"cross_entropy: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    scale = 1.0 / len(labels) if reduction == "mean" else 1.0
    z = input if input.data.flags.c_contiguous else input.reshape(input.shape)
    return apply(ops.SoftmaxCrossEntropy(labels, scale), z)


def nll_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """−log pᵢ[yᵢ] from log-probabilities of shape (N, C) and integer labels, reduced."""
    labels = _labels("nll_loss", input, _target(target))
    return _reduce(-input[np.arange(len(labels)), labels], reduction, "nll_loss")


def binary_cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities p ∈ [0, 1] against targets t ∈ [0, 1]."""
    t = _target(target, input)
    _same_shape("binary_cross_entropy", input, t)
    p = input.data
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError(
            "binary_cross_entropy: input must hold probabilities in [0, 1]; "
            "for raw scores use binary_cross_entropy_with_logits"
        )
    return _reduce(apply(ops.BinaryCrossEntropy(t.data), input), reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of σ(z) against t, computed from the logits z, stably."""
    t = _target(target, input)
    _same_shape("binary_cross_entropy_with_logits", input, t)
    return _reduce(
        apply(ops.BinaryCrossEntropyWithLogits(t.data), input), reduction, "binary_cross_entropy_with_logits"
    )


def hinge_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """max(0, 1 − y·s) for labels y ∈ {−1, +1} and scores s (the SVM / max-margin loss)."""
    t = _target(target, input)
    _same_shape("hinge_loss", input, t)
    if not np.all(np.isin(t.data, (-1, 1))):
        raise ValueError("hinge_loss: labels must be -1 or +1")
    return _reduce((1 - t * input).relu(), reduction, "hinge_loss")


def kl_div(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """KL(t ‖ p) pointwise as PyTorch: t·(log t − x) with ``input`` x = log p and t·log t = 0 at t = 0.

    reduction "mean" averages over every element (PyTorch's default); "batchmean" divides the sum
    by the batch size, which is the mathematical KL divergence per sample.
    """
    t = _target(target, input)
    _same_shape("kl_div", input, t)
    td = t.data
    with np.errstate(divide="ignore", invalid="ignore"):
        t_log_t = np.where(td > 0, td * np.log(np.where(td > 0, td, 1)), 0).astype(input.dtype)
    pointwise = t_log_t - t * input
    if reduction == "batchmean":
        return pointwise.sum() / input.shape[0]
    return _reduce(pointwise, reduction, "kl_div")
