"""A loss (and metrics) per output, as Keras 3's ``compile(loss=[...] or {...}, loss_weights=...,
metrics={...})`` for a model of several outputs.

The model's loss is Σ_i w_i · loss_i(y_i, output_i) (w_i from ``loss_weights``, 1 by default; each
loss a Keras name or a `losses.Loss` object, weighed per sample by that output's sample weights);
the logs hold it as ``loss``, then each output's own loss as ``<output>_loss`` and each metric as
``<output>_<metric>``, ``<output>`` being the name of the layer that makes the output (Keras' order:
the total, the losses in output order, then the metrics). An output may have no loss (None in a
list of losses, or left out of a dict of them: Keras accepts that at compile time and refuses it when
the model trains or evaluates): it adds nothing to the loss, and the logs hold the outputs' own losses
only where more than one output has one (as Keras).
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
    objects, which keep their own state over an epoch)."""

    name: str
    loss: Any
    weight: float
    metrics: tuple[Any, ...]


def _per_output(value: Any, names: list[str], what: str, default: Any) -> list[Any]:
    """A list/tuple (in output order) or a dict keyed by output name, as one entry per output."""
    if value is None:
        return [default] * len(names)
    if isinstance(value, dict):
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


def make_heads(names: list[str], loss: Any, metrics: Any, loss_weights: Any) -> list[Head]:
    """One `Head` per output; each loss and metric is checked here (ValueError naming the output)."""
    losses = _per_output(loss, names, "loss", MISSING if isinstance(loss, dict) else None)
    weights = _per_output(loss_weights, names, "loss_weights", 1.0)
    metrics = metrics or None  # an empty list (as a .keras file may hold it): no metrics
    if isinstance(metrics, (list, tuple)) and all(isinstance(m, (str, metrics_.Metric)) for m in metrics):
        metrics = [list(metrics)] * len(names)  # one flat list: every output's metrics
    per_metrics = _per_output(metrics, names, "metrics", [])
    heads = []
    for name, loss_name, weight, output_metrics in zip(names, losses, weights, per_metrics):
        if loss_name is not None and loss_name is not MISSING and not isinstance(loss_name, losses_.Loss):
            losses_.get(loss_name)
        single = isinstance(output_metrics, (str, metrics_.Metric))
        output_metrics = [output_metrics] if single else list(output_metrics)
        for m in output_metrics:
            if not isinstance(m, metrics_.Metric):
                losses_.check_metric(m)
        heads.append(Head(name, loss_name, float(weight), tuple(output_metrics)))
    return heads


def _with_loss(heads: list[Head]) -> list[Head]:
    return [h for h in heads if h.loss is not None and h.loss is not MISSING]


def loss_names(heads: list[Head]) -> list[str]:
    """ "loss", then each output's own loss where several outputs have one (Keras' loss trackers)."""
    own = [f"{h.name}_loss" for h in _with_loss(heads)] if len(_with_loss(heads)) > 1 else []
    return ["loss", *own]


def _metric_name(head: Head, metric: Any) -> str:
    return f"{head.name}_{metric.name if isinstance(metric, metrics_.Metric) else metric}"


def log_names(heads: list[Head]) -> list[str]:
    """The keys of the logs: the losses (`loss_names`), then each output's metrics."""
    return [*loss_names(heads), *(_metric_name(h, m) for h in heads for m in h.metrics)]


def metric_objects(heads: list[Head]) -> dict[str, metrics_.Metric]:
    """The Metric objects of the outputs, by log name (``<output>_<metric name>``)."""
    return {_metric_name(h, m): m for h in heads for m in h.metrics if isinstance(m, metrics_.Metric)}


def targets(heads: list[Head], y: Any, what: str) -> list[np.ndarray]:
    """The targets as one array per output: ``y`` a list/tuple in output order or a dict by name
    (an output without a loss needs none there). ValueError, as Keras', where a dict of losses left
    an output out."""
    if any(h.loss is MISSING for h in heads):
        given = [h.name for h in heads if h.loss is not MISSING]
        raise ValueError(f"Expected keys {[h.name for h in heads]} in loss dict, but found loss.keys()={given}")
    if isinstance(y, dict):
        missing = [h.name for h in _with_loss(heads) if h.name not in y]
        if missing:
            raise ValueError(f"{what}: targets for the outputs {missing} are missing from the dict given")
        return [np.asarray(y[h.name]) if h.name in y else None for h in heads]
    if not isinstance(y, (list, tuple)) or len(y) != len(heads):
        raise ValueError(f"{what}: the model has {len(heads)} outputs; give y as a list or dict of as many targets")
    return [np.asarray(a) for a in y]


def batch_values(
    heads: list[Head], ys: list[np.ndarray], outs: Any, sample_weights: list | None = None
) -> tuple[Tensor, dict[str, float]]:
    """The weighted total loss (a Tensor with its graph) and every log value of the batch."""
    outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
    total, values = None, {}
    for head, y, out, sw in zip(heads, ys, outs, sample_weights or [None] * len(heads)):
        if head.loss is None:
            continue
        if isinstance(head.loss, losses_.Loss):
            loss = head.loss(y, out, sample_weight=sw)
        else:
            loss = losses_.get(head.loss)(y, out, False, sw)
        values[f"{head.name}_loss"] = loss.item()
        term = loss * head.weight
        total = term if total is None else total + term
    for head, y, out in zip(heads, ys, outs):
        for m in head.metrics:
            if isinstance(m, metrics_.Metric):  # updated here, read with result() by the trackers
                m.update_state(y, out._data)
            else:
                values[_metric_name(head, m)] = losses_.metric(m, head.loss, y, out._data)
    return total, {"loss": total.item(), **values}
