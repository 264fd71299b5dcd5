"""Keras' training loop, shared by every model: compile, fit, evaluate, predict, and the steps
``train_step``/``test_step`` that a subclass may override (Keras' guide "Customizing what happens
in fit()": ``self.compute_loss``, ``self.optimizer.apply``, ``self.metrics``).

Semantics follow Keras 3: ``validation_split`` keeps the first ⌊n·(1 − split)⌋ samples for training
and the rest for validation, before any shuffling; the loss of a batch is Σ wᵢ·ℓᵢ / batch size with
sample weights (`losses.reduce_values`), and the loss of an epoch is the mean over its samples of
each batch's loss (a short last batch weighs by its size, regularization penalties included);
batch hooks get the running means of the epoch so far; ``evaluate`` returns its list in Keras'
order (`_in_keras_order`: the loss, the compiled metrics, the outputs' losses), or the loss alone.
Each call runs in training or inference mode for that call only (`layers.core.call_context`).
The data (arrays, generators, PyDatasets) and ``steps_per_epoch`` are `data`'s.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from ... import Tensor, no_grad
from .. import losses as losses_
from .. import metrics as metrics_
from .. import optimizers as optimizers_
from ..callbacks import CallbackList, History
from ..layers.core import call_context
from ..layers.structure import flatten, map_structure, map_structures
from . import data as data_
from . import heads as heads_
from .progbar import ProgbarLogger
from .trackers import CompileMetrics, logs_of, python_logs


class Trainer:
    """The compile/fit/evaluate/predict half of a Keras model; the model half gives ``__call__``,
    ``parameters()``, ``penalty()`` and ``input_spec_shape()``."""

    def init_training(self) -> None:
        self.optimizer: optimizers_.KerasOptimizer | None = None
        self.loss: Any = None
        self.loss_weights: Any = None
        self.weighted_metrics: list[Any] = []  # as compile got them (a .keras file's compile_config)
        self.metric_names: list[str] = []  # a single output's compiled metrics, as given
        self.heads: list[heads_.Head] | None = None  # a loss per output (several outputs)
        self.metric_objects: list[metrics_.Metric] = []
        self.stop_training = False
        self.history: History | None = None
        self._compile_args: tuple | None = None
        self._configured = False  # the compiled loss and metrics know the model's outputs
        self._per_output: list[tuple] = []  # (output name or None, loss, metrics) per output
        self._loss_tracker: metrics_.Mean | None = None
        self._compile_metrics: CompileMetrics | None = None
        self._output_loss_trackers: list[tuple[int, metrics_.Mean]] | None = None  # (output, tracker), at step 1

    # ------------------------------------------------------------ compile and checks
    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        loss_weights: Any = None,
        metrics: Any = None,
        weighted_metrics: Any = None,
    ) -> None:
        """Choose the optimizer (a Keras name with Keras' defaults, or an instance), loss and metrics
        (``weighted_metrics`` weigh by sample and class weights, `trackers`). A model of several
        outputs (or a loss given as a list/dict) takes a loss per output, with ``loss_weights`` and
        ``metrics`` per output (`heads`). Without a loss, only an overridden ``train_step`` can
        train (Keras' guide computes its own loss there). The arguments come in Keras 3's order
        (``loss_weights`` before ``metrics``). A subclassed model's outputs are known only once it
        runs, so, as Keras 3, its losses and metrics take their shape at the first step; a
        functional or Sequential model's are checked here. As Keras 3.15, a compile without a loss
        keeps the loss (and loss weights) of an earlier compile, and one without metrics or weighted
        metrics keeps the earlier metrics."""
        if loss is None and self._compile_args is not None:
            loss, loss_weights = self._compile_args[:2]
        if metrics is None and weighted_metrics is None and self._compile_args is not None:
            metrics, weighted_metrics = self._compile_args[2:]
        self.optimizer, self.loss, self.loss_weights = optimizers_.get(optimizer), loss, loss_weights
        self._compile_args = (loss, loss_weights, metrics, weighted_metrics)
        self.weighted_metrics = list(weighted_metrics or [])
        self.heads, self.metric_names, self.metric_objects = None, [], []
        self._configured, self._output_loss_trackers = False, None
        if self._obj_type() != "Model":  # functional or Sequential: the outputs are known
            self.configure_outputs(self.output_names)
        else:
            _check_entries(loss, metrics, weighted_metrics)
            if not isinstance(loss, (list, tuple, dict)):  # one output, until the first step says otherwise
                self.single_output_metrics(metrics)
        self._loss_tracker = metrics_.Mean(name="loss")
        given = metrics is not None or weighted_metrics is not None  # Keras 3 makes compile_metrics then only
        self._compile_metrics = CompileMetrics(weighted_metrics, self.build_compiled) if given else None

    def configure_outputs(self, names: list[str | None]) -> None:
        """Shape the compiled loss and metrics for outputs of these names (None: unnamed, a subclassed
        model's): one loss per output (`heads`) or a single output's loss and metrics."""
        loss, loss_weights, metrics, weighted_metrics = self._compile_args
        several = loss is not None and (len(names) > 1 or isinstance(loss, (list, tuple, dict)))
        if several and weighted_metrics:
            raise NotImplementedError("compile: weighted_metrics for a model of several outputs is not supported")
        if several:
            self.heads = heads_.make_heads(names, loss, metrics, loss_weights)
            self.metric_names, self.metric_objects = [], []  # the heads hold them
            named = len(self.heads) > 1  # one output: its metrics unprefixed (Keras 3)
            self._per_output = [(h.output if named else None, h.loss, list(h.metrics)) for h in self.heads]
        else:
            if callable(loss) and not isinstance(loss, losses_.Loss):
                self.loss = losses_.FunctionLoss(loss)  # a function fn(y_true, y_pred), as Keras wraps it
            _check_entries(loss, metrics, weighted_metrics)
            self._per_output = [(None, self.loss, self.single_output_metrics(metrics))]
        self._configured = True

    def single_output_metrics(self, metrics: Any) -> list[Any]:
        """A single output's metrics: every metric given (Keras 3 flattens nested lists there), kept
        as ``metric_names``/``metric_objects`` (what a .keras file's compile_config records)."""
        metrics = flatten(metrics or [])
        self.metric_objects = [m for m in metrics if isinstance(m, metrics_.Metric)]
        self.metric_names = [getattr(m, "name", m) for m in metrics]
        return metrics

    def build_compiled(self, y_pred: Any) -> None:
        """Keras 3 builds its compiled loss and metrics at the first step, from the predictions: a
        subclassed model's outputs (one tensor, a tuple/list of them, or a dict of them by name, in
        sorted order as Keras flattens a dict) say how many losses it has and their names; the
        per-output loss trackers and the compiled metrics are made here."""
        if self._output_loss_trackers is not None:
            return
        by_name = not self._configured and isinstance(y_pred, dict)
        if by_name:
            self.configure_outputs(list(y_pred) if isinstance(y_pred, OrderedDict) else sorted(y_pred))
        elif not self._configured:
            self.configure_outputs([None] * (len(y_pred) if isinstance(y_pred, (list, tuple)) else 1))
        loss = self._compile_args[0]
        order = list(loss) if by_name and isinstance(loss, dict) else None
        found = heads_.loss_trackers(self.heads, order) if self.heads is not None else []
        self._output_loss_trackers = [(index, metrics_.Mean(name=name)) for index, name in found]
        if self._compile_metrics is not None and not self._compile_metrics.built:
            self._compile_metrics.build(self._per_output)

    @property
    def metrics(self) -> list[Any]:
        """Keras 3's ``model.metrics``: after compile the loss tracker ("loss"), the compiled metrics
        ("compile_metrics", when compile got metrics) and, from the first step on, a tracker per
        output's loss (several losses); then the Metric objects set as the model's attributes, in
        the order they were set (a ``train_step``'s own ``self.loss_tracker``), which ``fit`` and
        ``evaluate`` reset with the rest. A subclass may return its own list instead."""
        compiled = []
        if self._loss_tracker is not None:
            own = [self._compile_metrics] if self._compile_metrics is not None else []
            compiled = [self._loss_tracker, *own, *(tracker for _, tracker in self._output_loss_trackers or [])]
        attributes = [
            value
            for value in vars(self).values()
            if isinstance(value, metrics_.Metric) and all(value is not m for m in compiled)
        ]
        return compiled + attributes

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def check_batch(self, x: Any, y: Any, sample_weight: Any, what: str) -> tuple[Any, Any, Any]:
        """x as floatx (checked against the model's input shape, which it builds when unbuilt; a list
        of arrays for a model of several inputs; for a subclassed model, any dict, list or tuple of
        arrays that its call takes), y and the sample weights with as many samples."""
        if self.input_count() > 1:
            x = [data_.as_array(a, what) for a in self.inputs_list(x)]
        else:
            x = data_.as_arrays(x, what) if self._obj_type() == "Model" else data_.as_array(x, what)
        self.check_input(map_structure(lambda a: a.shape, x), what)
        n = data_.count(x)
        if y is not None:
            if self.heads is not None:
                y = heads_.targets(self.heads, y, what)
            else:  # a subclassed model's outputs may still be unknown: a list of arrays stays one
                y = data_.as_targets(y) if self._obj_type() == "Model" else np.asarray(y)
            if data_.count(y) != n:
                raise ValueError(f"{what}: x has {n} samples but y has {data_.count(y)}")
        if sample_weight is not None:
            sample_weight = self.sample_weights(sample_weight, n, what)
        return x, y, sample_weight

    def sample_weights(self, sample_weight: Any, n: int, what: str) -> Any:
        """Sample weights as arrays of n rows: one array, or (several outputs) one per output."""
        if self.heads is not None and isinstance(sample_weight, (list, tuple, dict)):
            return heads_.targets(self.heads, sample_weight, f"{what}: sample_weight")
        sw = np.asarray(metrics_.to_numpy(sample_weight))
        if sw.dtype.kind not in "biuf" or sw.ndim == 0 or len(sw) != n:
            raise ValueError(
                f"{what}: sample_weight must be numbers, one per sample ({n}); got shape {sw.shape}, dtype {sw.dtype}"
            )
        return [sw] * len(self.heads) if self.heads is not None else sw

    def compute_loss(
        self, x: Any = None, y: Any = None, y_pred: Any = None, sample_weight: Any = None, training: bool = True
    ) -> Tensor:
        """Keras' ``compute_loss``: the compiled loss of the predictions (Σ of the weighted losses
        of the outputs, each output's own loss added to its tracker, weighted by the batch size as
        Keras') plus the layers' regularization penalties."""
        self.build_compiled(y_pred)
        if self.loss is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        if self.heads is not None:
            ys = heads_.targets(self.heads, y, "compute_loss")
            if sample_weight is not None and not isinstance(sample_weight, list):
                sample_weight = [sample_weight] * len(self.heads)
            values = heads_.output_losses(self.heads, ys, y_pred, sample_weight)
            for index, tracker in self._output_loss_trackers:
                tracker.update_state(values[index].item(), sample_weight=len(flatten(y_pred)[0]))
            loss = heads_.total_loss(self.heads, values)
        elif isinstance(self.loss, losses_.Loss):
            loss = self.loss(y, y_pred, sample_weight=sample_weight)
        else:
            loss = losses_.get(self.loss)(np.asarray(metrics_.to_numpy(y)), y_pred, False, sample_weight)
        penalty = self.penalty()
        return loss if penalty is None else loss + penalty

    def batch_values(self, x: Any, y: Any, sample_weight: Any, training: bool) -> Tensor:
        """The loss of one batch (a Tensor with its graph); the per-output loss trackers and the
        compiled metrics are updated here (Keras' ``compute_loss`` and ``compute_metrics``). As
        Keras 3, a cross-entropy reads the model's probabilities (clipped to [ε, 1 − ε]), never the
        logits before a softmax or sigmoid."""
        if self.loss is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        with call_context(self, training):
            out = self(map_structure(Tensor, x))
        self.build_compiled(out)
        if self.heads is not None:
            y = heads_.targets(self.heads, y, "fit" if training else "evaluate")
        loss = self.compute_loss(x, y, out, sample_weight, training)
        if self._compile_metrics is not None:
            preds = heads_.as_outputs(self.heads, out) if self.heads is not None else out
            self._compile_metrics.update_state(y, preds, sample_weight)
        return loss

    # ------------------------------------------------------------ steps (a subclass may override them)
    def train_step(self, data: Any) -> dict[str, Any]:
        """One batch of training: ``data`` is ``(x, y)`` or ``(x, y, sample_weight)``; returns the logs
        (``{m.name: m.result() for m in self.metrics}``, the running means of the epoch)."""
        x, y, sw = self.check_batch(*data_.unpack(data), "fit")
        if y is None:
            raise ValueError("fit: the data has no targets y (give (x, y) batches, or override train_step)")
        loss = self.batch_values(x, y, sw, training=True)
        if not self.optimizer.params:
            self.bind_optimizer()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self._loss_tracker.update_state(loss.item(), sample_weight=data_.count(x))
        return logs_of(self.metrics)

    def test_step(self, data: Any) -> dict[str, Any]:
        """One batch of evaluation in inference mode; returns the running logs."""
        x, y, sw = self.check_batch(*data_.unpack(data), "evaluate")
        if y is None:
            raise ValueError("evaluate: the data has no targets y")
        with no_grad():
            loss = self.batch_values(x, y, sw, training=False)
        self._loss_tracker.update_state(loss.item(), sample_weight=data_.count(x))
        return logs_of(self.metrics)

    def predict_step(self, data: Any) -> Any:
        x, _, _ = data_.unpack(data)
        x, _, _ = self.check_batch(x, None, None, "predict")
        with no_grad():
            out = self(map_structure(Tensor, x), training=False)
        return map_structure(lambda t: t._data, out)

    # ------------------------------------------------------------ fit
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: int | str = "auto",
        callbacks: Any = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool = True,
        class_weight: dict | None = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int = 1,
    ) -> History:
        """Train for ``epochs`` epochs of mini-batch gradient descent (batch_size None: 32, as Keras,
        or ⌈n/steps_per_epoch⌉); ``x`` may be arrays, a generator or a `utils.PyDataset`; returns
        the `History`."""
        if self.optimizer is None:
            raise RuntimeError("fit: call compile(optimizer, loss, metrics) first")
        _need_samples(x, "fit")
        batch_size = data_.positive(batch_size, "fit: batch_size")
        steps_per_epoch = data_.positive(steps_per_epoch, "fit: steps_per_epoch")
        validation_steps = data_.positive(validation_steps, "fit: validation_steps")
        validation_freq = data_.positive(validation_freq, "fit: validation_freq")
        train, split_off = self.training_data(
            x, y, sample_weight, class_weight, batch_size, steps_per_epoch, shuffle,
            validation_split if validation_data is None else 0.0,  # given validation data wins, as Keras
        )  # fmt: skip
        if split_off is not None:
            validation_data = split_off
        validation = None
        if validation_data is not None:
            vx, vy, vsw = (
                data_.unpack(validation_data)
                if isinstance(validation_data, (tuple, list))
                else (validation_data, None, None)
            )
            validation = self.evaluation_data(vx, vy, vsw, validation_batch_size or batch_size, validation_steps)
        if self.built:  # else the first train_step builds the model, then binds
            self.bind_optimizer()
        self.history = History()
        epochs_iter = data_.EpochIterator(train, steps_per_epoch)
        params = {"verbose": verbose, "epochs": epochs, "steps": epochs_iter.num_batches}
        cbs = CallbackList([*(callbacks or []), self.history, ProgbarLogger()], self, params)  # as Keras' order
        cbs.on_train_begin()
        self.stop_training = False
        logs: dict[str, float] = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            logs = self.train_epoch(epochs_iter, cbs)
            if validation is not None and (epoch + 1) % validation_freq == 0:
                values = self.run_evaluation(validation, cbs)
                logs.update({f"val_{k}": v for k, v in values.items()})
            logs = python_logs(logs)  # sorted, as Keras' CallbackList hands them on
            cbs.on_epoch_end(epoch, logs=logs)
            if self.stop_training:
                break
        cbs.on_train_end(logs=dict(logs))
        return self.history

    def training_data(self, x, y, sample_weight, class_weight, batch_size, steps, shuffle, validation_split) -> tuple:
        """The adapter of fit's data, and the (x, y, sample_weight) that ``validation_split`` takes
        off (None without); arrays are checked whole first, then split, then class weights are made
        per sample for the training part (as Keras: validation is not class-weighted)."""
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
        stream = isinstance(x, data_.PyDataset) or data_.is_stream(x)
        if stream:
            if validation_split:
                raise ValueError("fit: validation_split is only supported for arrays; give validation_data")
            adapter = data_.make_data(
                x, y, sample_weight, batch_size, steps, shuffle, class_weight=class_weight, n_classes=self.n_classes()
            )
            return adapter, None
        x, y, sample_weight = self.check_batch(x, y, sample_weight, "fit")
        split_off = None
        if validation_split:
            (x, y, sample_weight), split_off = data_.split((x, y, sample_weight), validation_split)
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
            if self.heads is not None:
                raise ValueError("`class_weight` is only supported for Models with a single output.")
            sample_weight = data_.class_weight_to_sample_weights(y, class_weight, self.n_classes())
        return data_.ArrayData(x, y, sample_weight, batch_size, steps, shuffle), split_off

    def n_classes(self) -> int | None:
        """The classes of the (first) output: its last axis, 2 for a single unit (binary); None
        while the output's shape is unknown (a subclassed model before its first call)."""
        shape = None
        if getattr(self, "graph", None) is not None:
            shape = self.graph.flat_outputs[0].shape
        elif getattr(self, "build_shape", None):
            shape = self.compute_output_shape(self.build_shape)
        if not isinstance(shape, tuple) or not shape or shape[-1] is None:
            return None
        return 2 if shape[-1] == 1 else int(shape[-1])

    def evaluation_data(self, x, y, sample_weight, batch_size, steps) -> data_.EpochIterator:
        if isinstance(x, data_.PyDataset) or data_.is_stream(x):
            return data_.EpochIterator(data_.make_data(x, y, sample_weight, batch_size, steps, False), steps)
        x, y, sample_weight = self.check_batch(x, y, sample_weight, "evaluate")
        return data_.EpochIterator(data_.ArrayData(x, y, sample_weight, batch_size, steps, False), steps)

    def train_epoch(self, epochs_iter: data_.EpochIterator, cbs) -> dict[str, float]:
        """One epoch of `train_step`s; the epoch's logs (those of its last step)."""
        logs: dict[str, float] = {}
        for step, batch in epochs_iter.epoch():
            cbs.on_train_batch_begin(step)
            logs = python_logs(self.train_step(batch))
            cbs.on_train_batch_end(step, logs=logs)
            if self.stop_training:
                break
        return dict(logs)

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
    def run_evaluation(self, batches: data_.EpochIterator, cbs: CallbackList) -> dict[str, float]:
        """Loss and metrics over the batches in inference mode, calling the ``on_test_*`` hooks."""
        self.reset_metrics()
        cbs.on_test_begin()
        batches.reset()
        logs: dict[str, float] = {}
        for step, batch in batches.epoch():
            cbs.on_test_batch_begin(step)
            logs = python_logs(self.test_step(batch))
            cbs.on_test_batch_end(step, logs=logs)
        cbs.on_test_end(logs=dict(logs))
        return logs

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: int | str = "auto",
        sample_weight: Any = None,
        steps: int | None = None,
        callbacks: Any = None,
        return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """Loss (and metrics) on (x, y) in inference mode: a list in Keras' order (`_in_keras_order`),
        or the loss alone (a dict, its keys sorted, with ``return_dict``)."""
        if self.optimizer is None:
            raise RuntimeError("evaluate: call compile(optimizer, loss, metrics) first")
        _need_samples(x, "evaluate")
        batches = self.evaluation_data(
            x, y, sample_weight, data_.positive(batch_size, "evaluate: batch_size"), data_.positive(steps, "steps")
        )
        params = {"verbose": verbose, "epochs": 1, "steps": batches.num_batches}
        logs = self.run_evaluation(batches, CallbackList([*(callbacks or []), ProgbarLogger()], self, params))
        if return_dict:
            return logs
        return _in_keras_order(logs, self.metrics)

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: int | str = "auto",
        steps: int | None = None,
        callbacks: Any = None,
    ) -> Any:
        """The model's outputs (probabilities for a softmax or sigmoid output) as a numpy array, or a
        list of arrays for a model of several outputs (as Keras)."""
        steps = data_.positive(steps, "predict: steps")
        if isinstance(x, data_.PyDataset) or data_.is_stream(x):
            data = data_.make_data(x, None, None, None, steps, False)
        else:
            x, _, _ = self.check_batch(x, None, None, "predict")
            data = data_.ArrayData(x, None, None, data_.positive(batch_size, "predict: batch_size"), steps, False)
        batches = data_.EpochIterator(data, steps)
        params = {"verbose": verbose, "epochs": 1, "steps": batches.num_batches}
        cbs = CallbackList([*(callbacks or []), ProgbarLogger()], self, params)
        cbs.on_predict_begin()
        parts = []
        for step, batch in batches.epoch():
            cbs.on_predict_batch_begin(step)
            parts.append(self.predict_step(batch))
            cbs.on_predict_batch_end(step, logs={"outputs": parts[-1]})
        cbs.on_predict_end()
        if not parts and isinstance(data, data_.ArrayData) and data.n == 0:  # no samples: one batch of no rows
            parts.append(self.predict_step(data_.pack(x)))
        if not parts:
            raise ValueError("predict: the data gave no batches")
        if isinstance(parts[0], np.ndarray):
            return np.concatenate(parts)
        return map_structures(lambda *arrays: np.concatenate(arrays), *parts)


def _in_keras_order(logs: dict[str, float], metrics: list[Any]) -> Any:
    """``evaluate``'s list as Keras 3 orders it: the values of the metrics' names in ``model.metrics``
    order (compile_metrics stands for its metrics' own, unprefixed names; a name may come twice),
    then the logs' other keys sorted; one value alone without a list."""
    names = []
    for metric in metrics:
        names += metric.metric_names if isinstance(metric, CompileMetrics) else [metric.name]
    values = [logs[k] for k in names if k in logs] + [logs[k] for k in sorted(logs) if k not in names]
    return values if len(values) > 1 else values[0]


def _check_entries(loss: Any, *metrics: Any) -> None:
    """compile's check of a loss and metrics (names, or lists/dicts of them) before the outputs are
    known: each name is one Keras has."""
    for entry in flatten(loss):
        if isinstance(entry, str):
            losses_.get(entry)
    for entry in flatten([m for m in metrics if m]):
        if not isinstance(entry, metrics_.Metric):
            losses_.check_metric(entry)


def _need_samples(x: Any, name: str) -> None:
    """Keras 3 refuses arrays of no samples with a ValueError (a mean loss over them would be 0/0)."""
    arrays = x is not None and hasattr(x, "__len__") and not isinstance(x, data_.PyDataset)
    if arrays and not data_.is_stream(x) and data_.count(x) == 0:
        raise ValueError(f"{name}: the data has 0 samples; at least 1 is needed")
