"""Functional forms of layers and losses, as ``torch.nn.functional``.

Losses take ``reduction`` = "mean" (default), "sum" or "none", as PyTorch. Targets may be numpy
arrays, lists or Tensors; they never receive a gradient. Where a composite of primitives would be
slower or less stable, the op is one fused `Function` in `tinygrad_edu.ops` with a tested
forward/backward pair: `linear`, `batch_norm` (training), `dropout`, `cross_entropy` with integer
labels, `binary_cross_entropy(_with_logits)`; this module checks the arguments and calls them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import kernels, ops, random
from ..tensor import Tensor, apply
from .conv import avg_pool2d, conv2d, max_pool2d  # noqa: F401 (PyTorch's F.conv2d, F.max_pool2d, ...)
from .embedding import embedding  # noqa: F401 (PyTorch's F.embedding)

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
            f"{name}: input shape {tuple(x.shape)} and target shape {tuple(t.shape)} differ "
            "(broadcasting them would silently compare every input with every target)"
        )


# ----------------------------------------------------------------------------- linear
def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x·Wᵀ + b, as ``torch.nn.functional.linear``."""
    inputs = (x, weight) if bias is None else (x, weight, bias)
    out = apply(ops.Addmm(), *inputs)
    return out if bias is not None else ops.rename_node(out, "MmBackward0")


# ----------------------------------------------------------------------------- activations
def relu(x: Tensor) -> Tensor:
    return x.relu()


def sigmoid(x: Tensor) -> Tensor:
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    return x.tanh()


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return x.leaky_relu(negative_slope)


def _softmax_dim(x: Tensor, dim: int | None, axis: int | None) -> int:
    """PyTorch's ``dim`` (``axis`` is the older name here); None picks PyTorch's legacy choice:
    0 for 0-, 1- and 3-D input, else 1."""
    if dim is None:
        dim = axis
    if dim is None:
        return 0 if x.ndim in (0, 1, 3) else 1
    return dim


def softmax(
    x: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None, *, axis: int | None = None
) -> Tensor:
    """e^{xᵢ}/Σⱼ e^{xⱼ} along ``dim``, as ``F.softmax`` (``dtype=`` casts the input first)."""
    x = x if dtype is None else x.to(dtype)
    return x.softmax(_softmax_dim(x, dim, axis))


def log_softmax(
    x: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None, *, axis: int | None = None
) -> Tensor:
    """log softmax along ``dim`` (log-sum-exp), as ``F.log_softmax``."""
    x = x if dtype is None else x.to(dtype)
    return x.log_softmax(_softmax_dim(x, dim, axis))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """An int64 tensor of shape (*, num_classes) with 1 at each index of the int64 ``tensor``, as
    ``F.one_hot`` (``num_classes=-1``: the largest index + 1).

    >>> one_hot(Tensor(np.array([0, 2])), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    if not isinstance(tensor, Tensor) or tensor._data.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    idx = tensor._data
    if idx.size == 0 and num_classes == -1:
        raise RuntimeError("Can not infer total number of classes from empty tensor.")
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    n = int(idx.max()) + 1 if num_classes == -1 else int(num_classes)
    if idx.size and idx.max() >= n:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor((idx[..., None] == np.arange(n)).astype(np.int64))


# ----------------------------------------------------------------------------- regularisation layers
def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout: y = x·m/(1 − p) with m ~ Bernoulli(1 − p) in training (so E[y] = x),
    and y = x in evaluation. The mask is PyTorch's CPU one for the same seed: ``bernoulli_(1 − p)``
    on a tensor of x's shape and dtype, then divided by 1 − p in x's dtype (ATen's ``_dropout``)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    mask = random.bernoulli_(np.empty(x.shape, dtype=x._data.dtype), 1.0 - p)
    return apply(ops.NativeDropout(mask / np.asarray(1.0 - p, dtype=mask.dtype)), x)


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
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if training:
        n = x._data.size // channels
        if n == 1:  # no spread to normalise by; an empty batch (n = 0) gives an empty output, as PyTorch
            raise ValueError(f"batch_norm: training needs more than one value per channel, got input shape {x.shape}")
        fn = ops.NativeBatchNorm(eps)
        if weight is not None:
            out = apply(fn, *(t for t in (x, weight, bias) if t is not None))
        else:  # the op's second input is γ: a bias alone is added after it
            out = apply(fn, x)
            if bias is not None:
                out = out + bias.reshape(*shape)
        if running_mean is not None and n > 0:  # an empty batch has no statistics to fold in
            var = fn.var * (n / (n - 1)) if unbiased_running_var else fn.var
            running_mean *= 1 - momentum
            running_mean += momentum * fn.mean
            running_var *= 1 - momentum
            running_var += momentum * var
        return out
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
    return ops.rename_node(_reduce((input - t) ** 2, reduction, "mse_loss"), "MseLossBackward0")


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """|x − t|, reduced."""
    t = _target(target, input)
    _same_shape("l1_loss", input, t)
    return _reduce((input - t).abs(), reduction, "l1_loss")


# ----------------------------------------------------------------------------- classification losses
def _label_span(labels: np.ndarray) -> tuple[int, int] | None:
    """(min, max) of non-empty integer labels, in one numba pass (`kernels.value_range`); None for others.
    `cross_entropy` takes it once and hands it to `_holds` and `_labels`, so the labels are scanned once."""
    return kernels.value_range(labels) if labels.size and labels.dtype.kind in "iu" else None


def _holds(labels: np.ndarray, value: int, span: tuple[int, int] | None) -> bool:
    """Whether ``value`` (an ``ignore_index``) is among the labels; for integer labels whose ``span``
    (`_label_span`) leaves it out (the default −100 among valid labels), without comparing each one."""
    if span is not None and not span[0] <= value <= span[1]:
        return False
    return value in labels


def _labels(name: str, logits: Tensor, target: Tensor, span: tuple[int, int] | None = None) -> np.ndarray:
    """Validate integer class labels for (N, C) scores; return them as an int64 array. ``span`` is the
    labels' `_label_span` when the caller has it (it is then not taken again)."""
    scores, labels = logits._data, target._data
    if scores.ndim != 2:
        raise ValueError(f"{name}: expected scores of shape (N, C), got {logits.shape}")
    if labels.shape != (scores.shape[0],):
        raise ValueError(f"{name}: {scores.shape[0]} rows of scores but labels of shape {labels.shape}")
    if labels.dtype.kind == "f":
        if not np.all(np.mod(labels, 1) == 0):
            raise ValueError(f"{name}: labels must be whole numbers, got {labels.dtype} values like {labels[:3]}")
    elif labels.dtype.kind not in "iu":
        raise TypeError(f"{name}: labels must be integers, got dtype {labels.dtype}")
    labels = labels.astype(np.int64, copy=False)
    n_classes = scores.shape[1]
    lo, hi = span if span is not None else kernels.value_range(labels) if labels.size else (0, 0)
    if lo < 0 or hi >= n_classes:
        bad = labels[(labels < 0) | (labels >= n_classes)][0]
        # PyTorch's IndexError and words, then which call and which range
        raise IndexError(f"Target {bad} is out of bounds. ({name}: labels lie in [0, {n_classes}))")
    return labels


def _cross_entropy_fused(
    input: Tensor, target: Tensor, reduction: str = "mean", span: tuple[int, int] | None = None
) -> Tensor:
    """Cross-entropy from logits (never from probabilities), without options: the fused path.

    ``target`` is either integer class labels of shape (N,), giving −log softmax(zᵢ)[yᵢ], or
    class probabilities / one-hot rows of shape (N, C), giving −Σⱼ tᵢⱼ log softmax(zᵢ)ⱼ. ``span`` is the
    labels' `_label_span` when the caller has taken it; `cross_entropy` has checked ``reduction``.
    """
    if target._data.ndim == input._data.ndim and target._data.dtype.kind == "f":
        _same_shape("cross_entropy", input, target)
        t = target.to(input.dtype)  # the target itself where the dtypes agree (saved by the product), else a cast
        per_row = -(input.log_softmax(axis=-1) * t).sum(axis=-1)
        return _reduce(per_row, reduction, "cross_entropy")
    labels = _labels("cross_entropy", input, target, span)
    if reduction == "none":
        rows = target if target._data is labels else labels  # the target itself where it is the array: kept
        return -input.log_softmax(axis=1)[np.arange(len(labels)), rows]
    return _softmax_cross_entropy(input, labels, reduction, target)


def _softmax_cross_entropy(input: Tensor, labels: np.ndarray, reduction: str, target: Tensor) -> Tensor:
    """The fused op for (N, C) scores and N integer labels (the array of ``target``, or its int64 copy),
    reduced by "mean" or "sum"; the op's kernels check the labels' range (`kernels.OutOfRangeError`), and
    the op keeps ``target`` (`ops.Op.kept`): changed in place before backward, it is PyTorch's error."""
    scale = 1.0
    if reduction == "mean":  # the mean of no rows is 0/0 = NaN, as PyTorch's (not a ZeroDivisionError)
        scale = 1.0 / len(labels) if len(labels) else math.nan
    z = input if input._data.flags.c_contiguous else input.reshape(input.shape)
    return apply(ops.SoftmaxCrossEntropy(labels, scale, kept=(target,)), z)


def _binary_cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities p ∈ [0, 1] against targets t ∈ [0, 1], unweighted."""
    t = _target(target, input)
    _same_shape("binary_cross_entropy", input, t)
    p = input._data
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError(
            "binary_cross_entropy: input must hold probabilities in [0, 1]; "
            "for raw scores use binary_cross_entropy_with_logits"
        )
    return _reduce(apply(ops.BinaryCrossEntropy(), input, t), reduction, "binary_cross_entropy")


def _binary_cross_entropy_with_logits(
    input: Tensor, target: Any, reduction: str = "mean", pos_weight: Any = None
) -> Tensor:
    """Binary cross-entropy of σ(z) against t, computed from the logits z, stably (see
    `ops.BinaryCrossEntropyWithLogits`), the positive class weighted by ``pos_weight``."""
    name = "binary_cross_entropy_with_logits"
    t = _target(target, input)
    _same_shape(name, input, t)
    p = None if pos_weight is None else _weight_array(name, pos_weight).astype(input.dtype)
    return _reduce(apply(ops.BinaryCrossEntropyWithLogits(p), input, t), reduction, name)


def hinge_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """max(0, 1 − y·s) for labels y ∈ {−1, +1} and scores s (the SVM / max-margin loss)."""
    t = _target(target, input)
    _same_shape("hinge_loss", input, t)
    if not np.all(np.isin(t._data, (-1, 1))):
        raise ValueError("hinge_loss: labels must be -1 or +1")
    return _reduce((1 - t * input).relu(), reduction, "hinge_loss")


# ----------------------------------------------------------------------------- losses with PyTorch's options
def _check_reduction(name: str, reduction: str, allowed: tuple[str, ...] = REDUCTIONS) -> str:
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
    w = np.asarray(weight._data if isinstance(weight, Tensor) else weight)
    if w.dtype.kind not in "iuf":
        raise TypeError(f"{name}: weight must hold numbers, got dtype {w.dtype}")
    if n_classes is not None and w.shape != (n_classes,):
        raise ValueError(f"{name}: weight must have one entry per class, shape ({n_classes},), got {w.shape}")
    return w


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
    labels = np.asarray(target._data if isinstance(target, Tensor) else target)
    keep = labels != ignore_index
    safe = _labels("nll_loss", input, Tensor(np.where(keep, labels, 0)))
    w = _weight_array("nll_loss", weight, input.shape[1])
    row_w = (np.ones(len(safe)) if w is None else w[safe]) * keep
    row_w = row_w.astype(input.dtype)
    losses = -input[np.arange(len(safe)), safe] * row_w
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    if not keep.any():  # every row ignored: the mean of no rows is NaN and no row gets a gradient, as PyTorch's
        return losses.sum() * 0.0 + math.nan
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
    weights, ``ignore_index``, or smoothing this is the fused `_cross_entropy_fused`.
    """
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    t = target if isinstance(target, Tensor) else Tensor(np.asarray(target))
    z, y = input._data, t._data
    if (  # a training step's case, checked in a few reads: integer labels, one per row of (N, C) scores
        weight is None
        and label_smoothing == 0.0
        and reduction != "none"
        and z.ndim == 2
        and y.dtype.kind in "iu"
        and y.shape == (z.shape[0],)
        and not 0 <= ignore_index < z.shape[1]  # then no label in range is ignore_index
    ):
        try:  # the kernel checks the labels' range in its first pass
            return _softmax_cross_entropy(input, y.astype(np.int64, copy=False), reduction, t)
        except kernels.OutOfRangeError:  # ignore_index among the labels, or a label out of range: below
            pass
    probabilities = t._data.ndim == input._data.ndim and t._data.dtype.kind == "f"
    span = None if probabilities else _label_span(t._data)
    labels_in_range = probabilities or not _holds(t._data, ignore_index, span)
    if weight is None and label_smoothing == 0.0 and labels_in_range:
        return _cross_entropy_fused(input, t, reduction=reduction, span=span)
    if input.ndim != 2:
        raise ValueError(f"cross_entropy: expected scores of shape (N, C), got {input.shape}")
    n_classes = input.shape[1]
    w = _weight_array("cross_entropy", weight, n_classes)
    logp = input.log_softmax(axis=1)
    if probabilities:
        _same_shape("cross_entropy", input, t)
        probs = t.to(input.dtype) * (1 - label_smoothing) + label_smoothing / n_classes  # in the graph: ∂/∂t too
        if w is not None:
            probs = probs * w.astype(input.dtype)
        return _reduce(-(logp * probs).sum(axis=1), reduction, "cross_entropy")
    loss = nll_loss(logp, t, w, ignore_index, reduction)
    if label_smoothing == 0.0:
        return loss
    keep = (t._data != ignore_index).astype(input.dtype)
    per_class = logp if w is None else logp * w.astype(input.dtype)
    smooth = -(per_class.sum(axis=1) * keep)
    if reduction == "sum":
        smooth = smooth.sum()
    elif reduction == "mean":
        if w is None:
            smooth = smooth.sum() / keep.sum()
        else:
            smooth = smooth.sum() / (w[np.where(keep > 0, t._data, 0)] * keep).sum()
    return loss * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None, reduction: str = "mean") -> Tensor:
    """−w·[t log p + (1 − t) log(1 − p)], logs clamped at −100, as ``F.binary_cross_entropy``."""
    _check_reduction("binary_cross_entropy", reduction)
    if weight is None:
        return _binary_cross_entropy(input, target, reduction=reduction)
    w = _weight_array("binary_cross_entropy", weight).astype(input.dtype)
    return _reduce(_binary_cross_entropy(input, target, reduction="none") * w, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean", pos_weight: Any = None
) -> Tensor:
    """Binary cross-entropy of σ(z), from logits z, as ``F.binary_cross_entropy_with_logits``.

    With ``pos_weight`` p the loss is (1 − t)·z + (1 + (p − 1)·t)·softplus(−z), which is
    −[p·t·log σ(z) + (1 − t)·log(1 − σ(z))]; softplus(u) = max(u, 0) + log(1 + e^{−|u|}) never overflows.
    """
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    losses = _binary_cross_entropy_with_logits(input, target, reduction="none", pos_weight=pos_weight)
    if weight is not None:
        losses = losses * _weight_array("binary_cross_entropy_with_logits", weight).astype(input.dtype)
    return _reduce(losses, reduction, "binary_cross_entropy_with_logits")


def kl_div(input: Tensor, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL(t ‖ p) pointwise as ``F.kl_div``, composed as PyTorch composes it: t·log t − t·x (`Tensor.xlogy`: 0 at
    t = 0) with ``input`` x = log p, or e^{lt}·(lt − x) with ``log_target`` (the target given as lt = log t). A
    target that requires a gradient gets it: log t + 1 − x (NaN at t = 0, as PyTorch's), or e^{lt}·(lt − x + 1).

    reduction "mean" averages over every element (PyTorch's default); "batchmean" divides the sum
    by the batch size, which is the mathematical KL divergence per sample.
    """
    _check_reduction("kl_div", reduction, (*REDUCTIONS, "batchmean"))
    t = _target(target, input)
    _same_shape("kl_div", input, t)
    pointwise = t.exp() * (t - input) if log_target else t.xlogy(t) - t * input
    if reduction == "batchmean":
        return pointwise.sum() / input.shape[0]
    return _reduce(pointwise, reduction, "kl_div")


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """½d² where d = |x − t| < δ, else δ·(d − ½δ): quadratic near 0, linear (slope δ) beyond."""
    _check_width("huber_loss", "delta", delta, allow_zero=False)
    t = _target(target, input)
    _same_shape("huber_loss", input, t)
    d = (input - t).abs()
    return _reduce(Tensor.where(d._data < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction, "huber_loss")


def smooth_l1_loss(input: Tensor, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """½d²/β where d = |x − t| < β, else d − ½β (Huber divided by β); β = 0 is the L1 loss."""
    if _check_width("smooth_l1_loss", "beta", beta, allow_zero=True) == 0:
        return l1_loss(input, target, reduction=reduction)
    t = _target(target, input)
    _same_shape("smooth_l1_loss", input, t)
    d = (input - t).abs()
    return _reduce(Tensor.where(d._data < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction, "smooth_l1_loss")
