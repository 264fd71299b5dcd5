"""What ``model.metrics`` holds after ``compile``, as Keras 3: the loss tracker (a `metrics.Mean`
named "loss") and `CompileMetrics` (the compiled metrics, whose ``result()`` is a dict), so a
``train_step`` written for Keras (``for m in self.metrics: m.update_state(...)``) runs here.

The built-in ``train_step`` feeds them each batch's values weighted by the batch's size, as Keras'
loss tracker is (``sample_weight=batch size``), so the logs hold means over the samples seen.
Compiled metrics ignore sample weights (Keras weighs only its ``weighted_metrics``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import losses as losses_
from .. import metrics as metrics_


class CompileMetrics(metrics_.Metric):
    """The compiled metrics of a model: a running mean per named metric, and Metric objects as given."""

    def __init__(self, names: list[str], objects: list[metrics_.Metric], loss: Any) -> None:
        super().__init__(name="compile_metrics")
        self.names, self.loss = list(names), loss
        self.objects = {m.name: m for m in objects}
        self.means = {n: metrics_.Mean(name=n) for n in self.names if n not in self.objects}

    def record(self, values: dict[str, float], count: int) -> None:
        """Add one batch's values of the named metrics (Metric objects updated themselves)."""
        for name, mean in self.means.items():
            mean.update_state(values[name], sample_weight=count)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Update every compiled metric from targets and predictions (one output)."""
        if isinstance(self.loss, (list, tuple, dict)):
            raise NotImplementedError("compile_metrics.update_state: a model of several outputs is not supported")
        y, pred = metrics_.to_numpy(y_true), metrics_.to_numpy(y_pred)
        for name, mean in self.means.items():
            mean.update_state(losses_.metric(name, self.loss, y, pred), sample_weight=len(y))
        for metric in self.objects.values():
            metric.update_state(y, pred)

    def result(self) -> dict[str, float]:
        return {n: float((self.objects.get(n) or self.means[n]).result()) for n in self.names}

    def reset_state(self) -> None:
        for metric in (*self.means.values(), *self.objects.values()):
            metric.reset_state()


def logs_of(metrics: list[Any]) -> dict[str, float]:
    """``{m.name: m.result()}`` with dict results spread out, every value a float (Keras' logs)."""
    return python_logs({m.name: m.result() for m in metrics})


def python_logs(logs: dict) -> dict[str, float]:
    """A step's logs as Keras hands them on: nested dicts flattened, tensors and arrays as floats."""
    out: dict[str, float] = {}
    for key, value in (logs or {}).items():
        if isinstance(value, dict):
            out.update(python_logs(value))
        else:
            out[key] = float(np.asarray(metrics_.to_numpy(value)))
    return out
