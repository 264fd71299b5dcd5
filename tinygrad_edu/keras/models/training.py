"""Keras' training loop, shared by every model: compile, fit, evaluate, predict.

Semantics follow Keras 3: ``validation_split`` keeps the first ⌊n·(1 − split)⌋ samples for training
and the rest for validation, before any shuffling; the training loss of an epoch is the mean over
its samples of each batch's loss (a short last batch weighs by its size, regularization penalties
included); batch hooks get the running means of the epoch so far; ``evaluate`` returns
``[loss, *metrics]``, or the loss alone without metrics. Each call runs in training or inference
mode for that call only (`layers.core.call_context`).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from ... import Tensor, no_grad
from ...progress import progress_bar
from ...random import default_rng
from .. import config as keras_config
from .. import losses as losses_
from .. import metrics as metrics_
from .. import optimizers as optimizers_
from ..callbacks import CallbackList, History
from ..layers.core import call_context, map_structure, map_structures
from . import heads as heads_


class Trainer:
    """The compile/fit/evaluate/predict half of a Keras model; the model half gives ``__call__``,
    ``parameters()``, ``penalty()``, ``input_spec_shape()`` and ``forward_for_loss``."""

    def init_training(self) -> None:
        self.optimizer: optimizers_.KerasOptimizer | None = None
        self.loss: Any = None
        self.metrics: list[str] = []
        self.heads: list[heads_.Head] | None = None  # a loss per output (several outputs)
        self.metric_objects: list[metrics_.Metric] = []
        self.stop_training = False
        self.history: History | None = None

    # ------------------------------------------------------------ compile and checks
    def compile(
        self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None, loss_weights: Any = None
    ) -> None:
        """Choose the optimizer (a Keras name with Keras' defaults, or an instance), loss and metrics.
        A model of several outputs (or a loss given as a list/dict) takes a loss per output, with
        ``loss_weights`` and ``metrics`` per output (`heads`)."""
        if loss is None:
            raise ValueError("compile: a loss is required, e.g. loss='categorical_crossentropy'")
        names = self.output_names()
        if len(names) > 1 or isinstance(loss, (list, tuple, dict)):
            self.heads = heads_.make_heads(names, loss, metrics, loss_weights)
            self.optimizer = optimizers_.get(optimizer)
            self.loss, self.metrics = loss, heads_.log_names(self.heads)[1:]
            return
        if not isinstance(loss, losses_.Loss):
            losses_.get(loss)
        self.optimizer = optimizers_.get(optimizer)
        metrics = list(metrics or [])
        self.metric_objects = [m for m in metrics if isinstance(m, metrics_.Metric)]
        self.loss, self.metrics, self.heads = loss, [getattr(m, "name", m) for m in metrics], None
        for m in metrics:
            if not isinstance(m, metrics_.Metric):
                losses_.check_metric(m)

    def check_xy(self, x: Any, y: Any, what: str) -> tuple[Any, np.ndarray | None]:
        """x as floatx (checked against the model's input shape, which it builds when unbuilt; a list
        of arrays for a model of several inputs), y as an array with as many samples."""
        several = self.input_count() > 1
        x = [_array(a, what) for a in self.inputs_list(x)] if several else _array(x, what)
        self.check_input([a.shape for a in x] if several else x.shape, what)
        if y is None:
            return x, None
        y = heads_.targets(self.heads, y, what) if self.heads is not None else np.asarray(y)
        if _count(y) != _count(x):
            raise ValueError(f"{what}: x has {_count(x)} samples but y has {len(y)}")
        return x, y

    def loss_value(self, y: np.ndarray, out: Tensor, logits: bool) -> Tensor:
        loss = self.loss(y, out) if isinstance(self.loss, losses_.Loss) else losses_.get(self.loss)(y, out, logits)
        penalty = self.penalty()
        return loss if penalty is None else loss + penalty

    def probabilities(self, out: Tensor, logits: bool) -> np.ndarray:
        if not logits:
            return out._data
        return out.softmax(axis=-1)._data if self.output_activation() == "softmax" else out.sigmoid()._data

    def output_activation(self) -> str | None:
        """The activation of the layer whose output is the model's (None when it is not one layer)."""
        return None

    def batch_values(self, x: np.ndarray, y: np.ndarray, training: bool) -> tuple[Tensor, dict[str, float]]:
        """The loss of one batch (a Tensor with its graph) and the batch's loss and metrics."""
        inputs = [Tensor(a) for a in x] if isinstance(x, list) else Tensor(x)
        if self.heads is not None:
            with call_context(self, training):
                loss, values = heads_.batch_values(self.heads, y, self(inputs))
            penalty = self.penalty()
            if penalty is not None:
                loss = loss + penalty
                values["loss"] = loss.item()
            return loss, values
        with call_context(self, training):
            out, logits = self.forward_for_loss(inputs)
        loss = self.loss_value(y, out, logits)
        values = {"loss": loss.item()}
        if self.metrics:
            probs = self.probabilities(out, logits)
            objects = {m.name: m for m in self.metric_objects}
            for name in self.metrics:
                if name in objects:  # a Metric object keeps its state over the epoch
                    objects[name].update_state(y, probs)
                    values[name] = float(objects[name].result())
                else:
                    values[name] = losses_.metric(name, self.loss, y, probs)
        return loss, values

    def accumulate(self, sums: dict[str, float], values: dict[str, float], count: int, seen: int) -> None:
        """Add one batch to the epoch's sums: each value weighed by the batch's size, except a Metric
        object's result, which already covers every batch so far."""
        stateful = {m.name for m in self.metric_objects}
        for k, v in values.items():
            sums[k] = v * seen if k in stateful else sums[k] + v * count

    def reset_metrics(self) -> None:
        for m in self.metric_objects:
            m.reset_state()

    # ------------------------------------------------------------ fit
    def fit(
        self,
        x: Any,
        y: Any,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: int = 1,
        callbacks: Any = None,
        validation_split: float = 0.0,
        validation_data: tuple[Any, Any] | None = None,
        shuffle: bool = True,
    ) -> History:
        """Train for ``epochs`` epochs of mini-batch gradient descent (batch_size None: 32, as Keras);
        returns the `History`."""
        if self.optimizer is None:
            raise RuntimeError("fit: call compile(optimizer, loss, metrics) first")
        batch_size = _batch_size(batch_size, "fit")
        x, y = self.check_xy(x, y, "fit")
        if validation_data is None and validation_split:
            (x, y), validation_data = _split(x, y, validation_split)
        elif not 0.0 <= validation_split < 1.0:
            raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
        self.bind_optimizer()
        self.history = History()
        cbs = CallbackList([*(callbacks or []), self.history], self)  # History last: it sees what others log
        cbs.on_train_begin()
        self.stop_training = False
        logs: dict[str, float] = {}
        for epoch in range(epochs):
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}")
            cbs.on_epoch_begin(epoch)
            logs, steps, start = self.train_epoch(x, y, batch_size, shuffle, cbs, verbose)
            if validation_data is not None:
                values = self.run_evaluation(*validation_data, batch_size, cbs)
                logs.update({f"val_{k}": v for k, v in values.items()})
            if verbose:
                _epoch_line(steps, start, logs, bar=verbose == 1)
            cbs.on_epoch_end(epoch, logs=logs)
            if self.stop_training:
                break
        cbs.on_train_end(logs=dict(logs))
        return self.history

    def train_epoch(self, x, y, batch_size, shuffle, cbs, verbose) -> tuple[dict[str, float], int, float]:
        """One epoch of steps; the epoch's logs (means over its samples), the step count, the start time."""
        n = _count(x)
        steps = -(-n // batch_size)
        order = default_rng().permutation(n) if shuffle else np.arange(n)
        sums = dict.fromkeys(["loss", *self.metrics], 0.0)
        self.reset_metrics()
        start, seen = time.perf_counter(), 0
        bar = progress_bar(steps) if verbose == 1 else None
        for step in range(steps):
            cbs.on_train_batch_begin(step)
            idx = order[step * batch_size : (step + 1) * batch_size]
            loss, values = self.batch_values(_take(x, idx), _take(y, idx), training=True)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            seen += len(idx)
            self.accumulate(sums, values, len(idx), seen)
            running = {k: v / seen for k, v in sums.items()}
            cbs.on_train_batch_end(step, logs=running)
            if bar is not None:
                bar.set_postfix_str(" - ".join(f"{k}: {v:.4f}" for k, v in running.items()), refresh=False)
                bar.update(1)
            if self.stop_training:
                break
        if bar is not None:
            bar.close()
        return {k: v / max(seen, 1) for k, v in sums.items()}, steps, start

    def bind_optimizer(self) -> None:
        """Give the optimizer this model's parameters. Like Keras, an optimizer serves the variables
        it was first used with: one already bound to another model's is an error, never a no-op."""
        params = self.parameters()
        if not self.optimizer.params:
            self.optimizer.bind(params)
        elif [id(p) for p in self.optimizer.params] != [id(p) for p in params]:
            raise ValueError(
                f"{type(self.optimizer).__name__}: this optimizer can only be called for the variables it was "
                "originally built with (another model's). When working with a new set of variables, you "
                "should recreate a new optimizer instance."
            )

    # ------------------------------------------------------------ evaluate and predict
    def run_evaluation(self, x: Any, y: Any, batch_size: int, cbs: CallbackList) -> dict[str, float]:
        """Loss and metrics on (x, y) in inference mode, calling the ``on_test_*`` hooks."""
        x, y = self.check_xy(x, y, "evaluate")
        sums, seen = dict.fromkeys(["loss", *self.metrics], 0.0), 0
        self.reset_metrics()
        cbs.on_test_begin()
        with no_grad():
            for step, i in enumerate(range(0, _count(x), batch_size)):
                cbs.on_test_batch_begin(step)
                xb, yb = _take(x, slice(i, i + batch_size)), _take(y, slice(i, i + batch_size))
                _, values = self.batch_values(xb, yb, training=False)
                seen += _count(yb)
                self.accumulate(sums, values, _count(yb), seen)
                cbs.on_test_batch_end(step, logs={k: v / seen for k, v in sums.items()})
        logs = {k: v / max(seen, 1) for k, v in sums.items()}
        cbs.on_test_end(logs=dict(logs))
        return logs

    def evaluate(
        self, x: Any, y: Any, batch_size: int | None = None, verbose: int = 1, callbacks: Any = None
    ) -> float | list[float]:
        """Loss (and metrics) on (x, y) in inference mode: ``[loss, *metrics]``, or the loss alone."""
        if self.loss is None:
            raise RuntimeError("evaluate: call compile(optimizer, loss, metrics) first")
        logs = self.run_evaluation(x, y, _batch_size(batch_size, "evaluate"), CallbackList(callbacks, self))
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        values = list(logs.values())
        return values if len(values) > 1 else values[0]

    def predict(self, x: Any, batch_size: int | None = None, verbose: int = 0, callbacks: Any = None) -> Any:
        """The model's outputs (probabilities for a softmax or sigmoid output) as a numpy array, or a
        list of arrays for a model of several outputs (as Keras)."""
        x, _ = self.check_xy(x, None, "predict")
        batch_size = _batch_size(batch_size, "predict")
        cbs = CallbackList(callbacks, self)
        cbs.on_predict_begin()
        parts = []
        with no_grad():
            for step, i in enumerate(range(0, _count(x), batch_size)):
                cbs.on_predict_batch_begin(step)
                xb = _take(x, slice(i, i + batch_size))
                out = self([Tensor(a) for a in xb] if isinstance(xb, list) else Tensor(xb), training=False)
                parts.append(map_structure(lambda t: t._data, out))
                cbs.on_predict_batch_end(step, logs={"outputs": parts[-1]})
        cbs.on_predict_end()
        if isinstance(parts[0], np.ndarray):
            return np.concatenate(parts)
        return map_structures(lambda *arrays: np.concatenate(arrays), *parts)


def _batch_size(batch_size: Any, what: str) -> int:
    if batch_size is None:
        return 32  # Keras' default
    if isinstance(batch_size, bool) or int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"{what}: batch_size must be a positive integer or None, got {batch_size!r}")
    return int(batch_size)


def _split(x: Any, y: Any, validation_split: float) -> tuple[tuple, tuple]:
    """Keras 3's split: the first ⌊n·(1 − split)⌋ samples train, the rest validate."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
    n = _count(x)
    split_at = math.floor(n * (1.0 - validation_split))
    if split_at in (0, n):
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a validation "
            f"and training set as specified by `validation_split={validation_split}`. Either provide more data, "
            "or a different value for the `validation_split` argument."
        )
    return (_take(x, slice(0, split_at)), _take(y, slice(0, split_at))), (
        _take(x, slice(split_at, n)),
        _take(y, slice(split_at, n)),
    )


def _array(x: Any, what: str) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{what}: x must be numeric, got dtype {x.dtype}")
    x = x.astype(keras_config.floatx(), copy=False)
    if np.isnan(x).any():
        raise ValueError(f"{what}: x contains NaN")
    return x


def _count(x: Any) -> int:
    """The samples in x (an array, or a list of arrays of one length each)."""
    if isinstance(x, list):
        counts = {len(a) for a in x}
        if len(counts) != 1:
            raise ValueError(f"All inputs must have the same number of samples; got {sorted(counts)}")
        return counts.pop()
    return len(x)


def _take(x: Any, idx: Any) -> Any:
    return [a[idx] for a in x] if isinstance(x, list) else x[idx]


def _epoch_line(steps: int, start: float, logs: dict[str, float], bar: bool = True) -> None:
    """The summary line of an epoch. After the bar (``verbose=1``), Keras 2's
    ``375/375 [====] - 2s 5ms/step - loss: 0.31 - accuracy: 0.91`` (`progress.progress_bar` drew the bar
    during the epoch); with ``verbose=2``, one line per epoch and no bar, as Keras 3 prints it:
    ``375/375 - 2s - 5ms/step - accuracy: 0.91 - loss: 0.31`` (the logs in alphabetical order)."""
    elapsed = time.perf_counter() - start
    per_step = f"{elapsed / max(steps, 1) * 1e3:.0f}ms/step"
    if bar:
        metrics = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
        print(f"{steps}/{steps} [{'=' * 30}] - {elapsed:.0f}s {per_step} - {metrics}")
    else:
        metrics = " - ".join(f"{k}: {logs[k]:.4f}" for k in sorted(logs))
        print(f"{steps}/{steps} - {elapsed:.0f}s - {per_step} - {metrics}")
