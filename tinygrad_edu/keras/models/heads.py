"""A loss (and metrics) per output, as Keras 3's ``compile(loss=[...] or {...}, loss_weights=...,
metrics=[...] or {...})`` for a model of several outputs.

The model's loss is Σ_i w_i · loss_i(y_i, output_i) (w_i from ``loss_weights``, 1 by default; each
loss a Keras name or a `losses.Loss` object, weighed per sample by that output's sample weights);
the logs hold it as ``loss``, then each output's own loss as ``<name>_loss`` and each metric as
``<output>_<metric>``. ``<output>`` is the name of the layer that makes the output (a functional
model, or a key of the dict that a subclassed model's ``call`` returns); a subclassed model's tuple
or list of outputs has no names, so there ``<name>`` is the loss's own name
(``mean_squared_error_loss``) and the metrics log unprefixed, as Keras 3's
``CompileLoss``/``CompileMetrics`` name them. ``metrics`` is a list with an entry (a metric
or a list of them) per output, or a dict by output name; a dict of losses or metrics needs named
outputs (Keras 3 fails with an internal TypeError there; this door says why). An output may have no
loss (None in a list of losses, or left out of a dict of them: Keras accepts that at compile time and
refuses it when the model trains or evaluates): it adds nothing to the loss, and the logs hold the
outputs' own losses only where more than one output has one (as Keras).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ... import Tensor
from .. import losses as losses_
from .. import metrics as metrics_

MISSING = "<missing>"  # an output that a dict of losses leaves out (refused by `targets`, as Keras)


@dataclass(frozen=True)
class Head:
    """One output's loss (a name or a `losses.Loss`), loss weight and metrics (names or `metrics.Metric`
    objects, which keep their own state over an epoch). ``output`` is the output's name (None for a
    subclassed model's unnamed outputs); ``name`` names its loss in the logs: the output's name, else
    the loss's."""

    name: str
    loss: Any
    weight: float
    metrics: tuple[Any, ...]
    output: str | None = None


def loss_name(loss: Any) -> str:
    """Keras' name of a loss: the string as given, else the object's (or function's) name."""
    return loss if isinstance(loss, str) else getattr(loss, "name", getattr(loss, "__name__", type(loss).__name__))


def _per_output(value: Any, names: list[str | None], what: str, default: Any) -> list[Any]:
    """A list/tuple (in output order) or a dict keyed by output name, as one entry per output."""
    if value is None:
        return [default] * len(names)
    if isinstance(value, dict):
        if None in names:
            raise TypeError(
                f"compile: {what} is a dict, but this model's outputs (a tuple or list that call() returns) "
                "have no names; give a list in output order"
            )
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(f"compile: {what} names outputs {unknown}, but the model's outputs are {names}")
        return [value.get(name, default) for name in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise ValueError(
                f"compile: {what} has {len(value)} entries, but the model has {len(names)} outputs {names}"
            )
        return list(value)
    return [value] * len(names)


def make_heads(names: list[str | None], loss: Any, metrics: Any, loss_weights: Any) -> list[Head]:
    """One `Head` per output (``names``: the outputs' names, None for an unnamed one); each loss and
    metric is checked here (ValueError naming the output)."""
    losses = _per_output(loss, names, "loss", MISSING if isinstance(loss, dict) else None)
    weights = _per_output(loss_weights, names, "loss_weights", 1.0)
    metrics = metrics or None  # an empty list (as a .keras file may hold it): no metrics
    flat = isinstance(metrics, (list, tuple)) and all(isinstance(m, (str, metrics_.Metric)) for m in metrics)
    if flat and None not in names:
        metrics = [list(metrics)] * len(names)  # a named model's one flat list: every output's metrics
    per_metrics = _per_output(metrics, names, "metrics", [])
    heads = []
    for name, output_loss, weight, output_metrics in zip(names, losses, weights, per_metrics):
        if output_loss is not None and output_loss is not MISSING and not isinstance(output_loss, losses_.Loss):
            losses_.get(output_loss)
        single = isinstance(output_metrics, (str, metrics_.Metric))
        output_metrics = [output_metrics] if single else list(output_metrics)
        for m in output_metrics:
            if not isinstance(m, metrics_.Metric):
                losses_.check_metric(m)
        label = name if name is not None or output_loss is None or output_loss is MISSING else loss_name(output_loss)
        heads.append(Head(label, output_loss, float(weight), tuple(output_metrics), name))
    return heads


def with_loss(heads: list[Head]) -> list[Head]:
    return [h for h in heads if h.loss is not None and h.loss is not MISSING]


def loss_trackers(heads: list[Head], order: list[str] | None = None) -> list[tuple[int, str]]:
    """Keras' per-output loss trackers as (index of the output, name ``<name>_loss``): each output with
    a loss, where more than one has one (none otherwise; names may repeat: two outputs' losses of one
    name). In output order, or in ``order``: the keys of a dict of losses for a model whose call
    returns a dict, which Keras' CompileLoss walks in the dict's own order."""
    own = [i for i, h in enumerate(heads) if h.loss is not None and h.loss is not MISSING]
    if order is not None:
        own.sort(key=lambda i: order.index(heads[i].output))
    return [(i, f"{heads[i].name}_loss") for i in own] if len(own) > 1 else []


def as_outputs(heads: list[Head], y_pred: Any) -> list:
    """The predictions as a list in the heads' order (a dict of outputs by name)."""
    if isinstance(y_pred, dict):
        return [y_pred[h.output] for h in heads]
    return list(y_pred) if isinstance(y_pred, (list, tuple)) else [y_pred]


def targets(heads: list[Head], y: Any, what: str) -> list[np.ndarray]:
    """The targets as one array per output: ``y`` a list/tuple in output order or a dict by name
    (an output without a loss needs none there). ValueError, as Keras', where a dict of losses left
    an output out."""
    if any(h.loss is MISSING for h in heads):
        given = [h.output for h in heads if h.loss is not MISSING]
        raise ValueError(f"Expected keys {[h.output for h in heads]} in loss dict, but found loss.keys()={given}")
    if isinstance(y, dict):
        if any(h.output is None for h in heads):
            raise ValueError(f"{what}: y is a dict, but the model's outputs have no names; give a list in output order")
        missing = [h.output for h in with_loss(heads) if h.output not in y]
        if missing:
            raise ValueError(f"{what}: targets for the outputs {missing} are missing from the dict given")
        return [np.asarray(y[h.output]) if h.output in y else None for h in heads]
    if not isinstance(y, (list, tuple)) or len(y) != len(heads):
        raise ValueError(f"{what}: the model has {len(heads)} outputs; give y as a list or dict of as many targets")
    return [np.asarray(a) for a in y]


def output_losses(heads: list[Head], ys: list[np.ndarray], outs: Any, sample_weights: list | None = None) -> list:
    """Each output's own (unweighted) loss, a Tensor with its graph (None for an output without a loss)."""
    outs = as_outputs(heads, outs)
    if len(outs) != len(heads):
        raise ValueError(f"the model returned {len(outs)} outputs, but it was compiled with {len(heads)} losses")
    values = []
    for head, y, out, sw in zip(heads, ys, outs, sample_weights or [None] * len(heads)):
        if head.loss is None:
            values.append(None)
        elif isinstance(head.loss, losses_.Loss):
            values.append(head.loss(y, out, sample_weight=sw))
        else:
            values.append(losses_.get(head.loss)(np.asarray(metrics_.to_numpy(y)), out, False, sw))
    return values


def total_loss(heads: list[Head], values: list) -> Tensor:
    """Σ_i w_i · loss_i over the outputs with a loss."""
    total = None
    for head, loss in zip(heads, values):
        if loss is not None:
            term = loss * head.weight
            total = term if total is None else total + term
    return total
