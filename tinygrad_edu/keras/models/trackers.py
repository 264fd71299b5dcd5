"""What ``model.metrics`` holds after ``compile``, as Keras 3: the loss tracker (a `metrics.Mean`
named "loss") and `CompileMetrics` (the compiled metrics, whose ``result()`` is a dict), so a
``train_step`` written for Keras (``for m in self.metrics: m.update_state(...)``) runs here.

The built-in ``train_step`` feeds them each batch's values weighted by the batch's size, as Keras'
loss tracker is (``sample_weight=batch size``), so the logs hold means over the samples seen.
Compiled ``metrics`` ignore sample weights; ``weighted_metrics`` take them (class weights too, which
become sample weights): Σ wᵢ·mᵢ / Σ wᵢ over the samples seen, mᵢ the metric of sample i
(`weighted_metric`), logged under the metric's name, ``weighted_<name>`` where an unweighted metric
has that name (Keras 3's rule).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from .. import losses as losses_
from .. import metrics as metrics_


def per_sample_metric(name: str, loss: Any, y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """The metric ``name`` of each sample: mse/mae over the last axis, "accuracy" read for the loss
    as `losses.accuracy` reads it (sparse or one-hot labels by argmax, else p > 0.5)."""
    if name in losses_.NAMED_METRICS:
        return losses_.NAMED_METRICS[name](y, pred)
    if name in ("mse", "mean_squared_error"):
        return metrics_.mean_squared_error(y, pred)
    if name in ("mae", "mean_absolute_error"):
        return metrics_.mean_absolute_error(y, pred)
    loss = getattr(loss, "function", loss)
    if loss == "sparse_categorical_crossentropy":
        return metrics_.sparse_categorical_accuracy(y, pred)
    if loss == "categorical_crossentropy" or (pred.ndim == 2 and pred.shape[1] > 1):
        return metrics_.categorical_accuracy(y, pred)
    return metrics_.binary_accuracy(y, pred)


def weighted_metrics(entries: Any, loss: Any, unweighted: list[str]) -> dict[str, metrics_.Metric]:
    """compile's ``weighted_metrics`` as {log name: Metric}: an object as given, a name (checked as
    compile's metrics are) as the mean of `per_sample_metric`; named ``weighted_<name>`` where
    ``unweighted`` has the name."""
    found: dict[str, metrics_.Metric] = {}
    for entry in entries or []:
        if isinstance(entry, metrics_.Metric):
            metric = entry
        else:
            losses_.check_metric(entry)
            metric = metrics_.MeanMetricWrapper(partial(per_sample_metric, entry, loss), name=entry)
        found[f"weighted_{metric.name}" if metric.name in unweighted else metric.name] = metric
    return found


class CompileMetrics(metrics_.Metric):
    """The compiled metrics of a model: a running mean per named metric, and Metric objects as given."""

    def __init__(self, names: list[str], objects: Any, loss: Any, weighted: Any = None) -> None:
        """``objects``: the Metric objects, a list (logged by their names) or a dict by log name."""
        super().__init__(name="compile_metrics")
        self.names, self.loss = list(names), loss
        self.objects = dict(objects) if isinstance(objects, dict) else {m.name: m for m in objects}
        self.means = {n: metrics_.Mean(name=n) for n in self.names if n not in self.objects}
        self.weighted_entries = list(weighted or [])  # as compile got them (a .keras file's compile_config)
        self.weighted = weighted_metrics(weighted, loss, self.names)

    def record(self, values: dict[str, float], count: int) -> None:
        """Add one batch's values of the named metrics (Metric objects updated themselves)."""
        for name, mean in self.means.items():
            mean.update_state(values[name], sample_weight=count)

    def update_weighted(self, y: Any, pred: Any, sample_weight: Any) -> None:
        for metric in self.weighted.values():
            metric.update_state(y, pred, sample_weight=sample_weight)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Update every compiled metric from targets and predictions (one output)."""
        if isinstance(self.loss, (list, tuple, dict)):
            raise NotImplementedError("compile_metrics.update_state: a model of several outputs is not supported")
        y, pred = metrics_.to_numpy(y_true), metrics_.to_numpy(y_pred)
        for name, mean in self.means.items():
            mean.update_state(losses_.metric(name, self.loss, y, pred), sample_weight=len(y))
        for metric in self.objects.values():
            metric.update_state(y, pred)
        self.update_weighted(y, pred, sample_weight)

    def result(self) -> dict[str, float]:
        values = {n: float((self.objects.get(n) or self.means[n]).result()) for n in self.names}
        return values | {n: float(m.result()) for n, m in self.weighted.items()}

    def reset_state(self) -> None:
        for metric in (*self.means.values(), *self.objects.values(), *self.weighted.values()):
            metric.reset_state()


def logs_of(metrics: list[Any]) -> dict[str, float]:
    """``{m.name: m.result()}`` with dict results spread out, every value a float (Keras' logs)."""
    return python_logs({m.name: m.result() for m in metrics})


def python_logs(logs: dict) -> dict[str, float]:
    """A step's logs as Keras hands them on (its ``pythonify_logs``): keys in sorted order, nested
    dicts flattened, tensors and arrays as floats."""
    out: dict[str, float] = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            out.update(python_logs(value))
        else:
            out[key] = float(np.asarray(metrics_.to_numpy(value)))
    return out
