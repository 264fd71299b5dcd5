"""What ``model.metrics`` holds after ``compile``, as Keras 3: the loss tracker (a `metrics.Mean`
named "loss"), `CompileMetrics` (the compiled metrics, whose ``result()`` is a dict; only when
compile got metrics) and, from the first step on, a Mean per output's loss (several losses), so a
``train_step`` written for Keras (``for m in self.metrics: m.update_state(...)``) runs here. A
step's logs are ``{m.name: m.result()}`` with the dict spread out and the top-level keys sorted
(`python_logs`), so compile_metrics' keys come before ``loss`` in a step that returns them so.

The built-in ``train_step`` feeds them each batch's values weighted by the batch's size, as Keras'
loss tracker is (``sample_weight=batch size``), so the logs hold means over the samples seen.
Compiled ``metrics`` ignore sample weights; ``weighted_metrics`` take them (class weights too, which
become sample weights): Σ wᵢ·mᵢ / Σ wᵢ over the samples seen, mᵢ the metric of sample i
(`weighted_metric`), logged under the metric's name, ``weighted_<name>`` where an unweighted metric
has that name (Keras 3's rule).
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Compiled:
    """One compiled metric: its key in the logs, its own name (Keras' ``sub_metric.name``, which
    orders ``evaluate``'s list), the output it reads and that output's loss (how "accuracy" reads
    it), the metric as compile got it (a name or a Metric object) and what keeps its state (the
    object itself, or a Mean of the batch values of a named metric, weighted by batch size)."""

    key: str
    name: str
    output: int
    loss: Any
    spec: Any
    state: metrics_.Metric


class CompileMetrics(metrics_.Metric):
    """The compiled metrics of a model (Keras 3's ``compile_metrics``: ``result()`` is a dict). Built
    at the first step (`build`), when the model's outputs are known, as Keras builds it; until then
    it holds no metrics and ``result()`` is Keras' ValueError."""

    def __init__(self, weighted: Any = None, on_first_update: Any = None) -> None:
        """``on_first_update(y_pred)``: what builds this container from the first predictions (the
        model, which knows each output's loss)."""
        super().__init__(name="compile_metrics")
        self.entries: list[Compiled] = []
        self.weighted_entries = list(weighted or [])
        self.weighted: dict[str, metrics_.Metric] = {}
        self.built, self.on_first_update = False, on_first_update

    def build(self, per_output: list[tuple[str | None, Any, list]]) -> None:
        """``per_output``: (the output's name or None, its loss, its metrics) for each output. A
        metric logs as ``<output>_<name>`` (unprefixed for an unnamed output), and a key met again
        gets ``_1``, ``_2``, ... as Keras 3 counts them."""
        seen: dict[str, int] = {}
        self.outputs = [output for output, _, _ in per_output]
        for index, (output, loss, specs) in enumerate(per_output):
            for spec in specs:
                name = spec.name if isinstance(spec, metrics_.Metric) else spec
                key = f"{output}_{name}" if output else name
                if key in seen:
                    seen[key] += 1
                    key = f"{key}_{seen[key] - 1}"
                else:
                    seen[key] = 1
                state = spec if isinstance(spec, metrics_.Metric) else metrics_.Mean(name=name)
                self.entries.append(Compiled(key, name, index, loss, spec, state))
        self.weighted = weighted_metrics(self.weighted_entries, per_output[0][1], [e.key for e in self.entries])
        self.built = True

    @property
    def metric_names(self) -> list[str]:
        """The metrics' own names, unprefixed, in order (Keras' ``[m.name for m in metrics]``)."""
        return [e.name for e in self.entries] + [m.name for m in self.weighted.values()]

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Update every compiled metric from the targets and predictions (for several outputs, their
        lists in output order or dicts by output name); the first call builds the container
        (`on_first_update`)."""
        if not self.built:
            self.on_first_update(y_pred)
        ys, preds = (self._per_output(v) for v in (y_true, y_pred))
        for e in self.entries:
            y, pred = ys[e.output], preds[e.output]
            if isinstance(e.spec, metrics_.Metric):
                e.state.update_state(y, pred)
            else:
                e.state.update_state(losses_.metric(e.spec, e.loss, y, pred), sample_weight=len(y))
        for metric in self.weighted.values():
            metric.update_state(ys[0], preds[0], sample_weight=sample_weight)

    def _per_output(self, value: Any) -> list:
        if isinstance(value, dict):
            value = [value.get(output) for output in self.outputs]
        elif not isinstance(value, (list, tuple)) or (len(self.outputs) == 1 and len(value) != 1):
            value = [value]
        return [None if v is None else np.asarray(metrics_.to_numpy(v)) for v in value]

    def result(self) -> dict[str, float]:
        if not self.built:
            raise ValueError("Cannot get result() since the metric has not yet been built.")
        return {e.key: float(e.state.result()) for e in self.entries} | {
            n: float(m.result()) for n, m in self.weighted.items()
        }

    def reset_state(self) -> None:
        for metric in (*(e.state for e in self.entries), *self.weighted.values()):
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
