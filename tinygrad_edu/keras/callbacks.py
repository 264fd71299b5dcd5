"""Keras callbacks: `History`, `EarlyStopping`, `ModelCheckpoint`, `LearningRateScheduler`, `TerminateOnNaN`,
`TensorBoard`.

A callback's hooks are called by ``fit``/``evaluate``/``predict`` in Keras 3's order: ``on_train_begin``,
then per epoch ``on_epoch_begin``, ``on_train_batch_begin``/``_end`` around each batch, the validation's
``on_test_*`` hooks, ``on_epoch_end`` with the epoch's logs (which a callback may extend, as
`LearningRateScheduler` does), and ``on_train_end`` with the last epoch's logs.
"""

from __future__ import annotations

import math
import numbers
import os
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import event_file


class Callback:
    """Keras 3's callback: every hook receives a dict (never None). ``on_train_batch_begin/end``
    call ``on_batch_begin/end`` unless overridden, as Keras; batch logs hold the running means of
    the epoch so far (loss and metrics), the epoch's logs add the ``val_`` entries."""

    model: Any = None
    params: dict = {}  # noqa: RUF012 - replaced, never mutated

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        """What the loop tells its callbacks before it starts: ``verbose``, ``epochs``, ``steps`` (Keras)."""
        self.params = params

    def on_train_begin(self, logs: dict | None = None) -> None: ...

    def on_train_end(self, logs: dict | None = None) -> None: ...

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None: ...

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.on_batch_end(batch, logs=logs)

    def on_test_begin(self, logs: dict | None = None) -> None: ...

    def on_test_end(self, logs: dict | None = None) -> None: ...

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None: ...

    def on_predict_begin(self, logs: dict | None = None) -> None: ...

    def on_predict_end(self, logs: dict | None = None) -> None: ...

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None: ...


class CallbackList:
    """Calls one hook on every callback, in order, with a logs dict (an empty one when none is given)."""

    def __init__(self, callbacks: Any, model: Any, params: dict | None = None) -> None:
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be keras.callbacks.Callback instances, got {type(cb).__name__}")
            cb.set_model(model)
            if params is not None:
                cb.set_params(params)

    def __getattr__(self, hook: str) -> Callable[..., None]:
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def call(*args: Any, logs: dict | None = None) -> None:
            for cb in self.callbacks:
                getattr(cb, hook)(*args, logs={} if logs is None else logs)

        return call


class History(Callback):
    """Records each epoch's logs: ``history.history["loss"]`` is the list of epoch losses."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.history, self.epoch = {}, []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


def improves(value: float, reference: float | None, maximize: bool, min_delta: float = 0.0) -> bool:
    """Keras' monitor test: value beats reference by more than min_delta (no reference: it does).
    Keras compares through its ops, i.e. in float32 (0.35 + 0.05 < 0.4 is False there)."""
    if reference is None:
        return True
    if maximize:
        return bool(np.float32(value - min_delta) > np.float32(reference))
    return bool(np.float32(value + min_delta) < np.float32(reference))


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs, with Keras 3's rules:

    - an epoch improves when value < best − min_delta (mode "min"; "max": value > best + min_delta;
      "auto": "max" for accuracies, else "min"); the first counted epoch always improves;
    - each epoch adds 1 to ``wait``; an improvement resets it to 0 only if the value also beats
      ``baseline`` (when one is given); training stops once ``wait >= patience`` (never at epoch 0);
    - epochs before ``start_from_epoch`` are not counted;
    - with ``restore_best_weights`` the weights of the best epoch are put back when training ends,
      whether it stopped early or not (Keras 3).

    A ``monitor`` that is not logged is Keras' UserWarning, naming the logged keys, and the epoch is
    not counted (as Keras; a typo in the name thus never stops training); an unknown ``mode`` is a ValueError.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if patience < 0 or start_from_epoch < 0:
            raise ValueError(
                f"EarlyStopping: patience and start_from_epoch must be >= 0, got {patience}, {start_from_epoch}"
            )
        self.monitor, self.min_delta, self.patience = monitor, abs(min_delta), patience
        self.verbose, self.baseline, self.start_from_epoch = verbose, baseline, start_from_epoch
        self.maximize = mode == "max" or (mode == "auto" and "acc" in monitor)
        self.restore_best_weights = restore_best_weights
        self.stopped_epoch = 0

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best, self.best_weights, self.best_epoch = 0, 0, None, None, 0

    def _is_improvement(self, value: float, reference: float | None) -> bool:
        return improves(value, reference, self.maximize, self.min_delta)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor not in (logs or {}):
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(logs or {})}",
                stacklevel=2,
            )
            return
        if epoch < self.start_from_epoch:
            return
        value = logs[self.monitor]
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._is_improvement(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model (``.keras``) or its weights (``save_weights_only``: ``.weights.h5``) after
    every epoch (``save_freq="epoch"``) or every ``save_freq`` batches, as Keras 3:

    - ``filepath`` is formatted with ``epoch`` (counted from 1), ``batch`` (batch saving) and the
      logs: ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``; a missing key is a KeyError naming it;
    - with ``save_best_only`` a file is written only when ``monitor`` improves on the best so far
      (or on ``initial_value_threshold``), compared in float32 as Keras; a monitor that is not
      logged warns and saves, as Keras; ``mode`` "auto" maximizes accuracies and minimizes losses,
      mse and mae, and is a ValueError for other names (give ``mode``);
    - every write is atomic (`Model.save`, `Model.save_weights`): a failed save keeps the previous file.
    """

    def __init__(
        self,
        filepath: str | os.PathLike,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        self.filepath, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only, self.save_freq = save_best_only, save_weights_only, save_freq
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"ModelCheckpoint: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are 'epoch' or integer values")
        suffix = ".weights.h5" if save_weights_only else ".keras"
        if not self.filepath.endswith(suffix):
            raise ValueError(
                f"ModelCheckpoint: with save_weights_only={save_weights_only} the filepath must end in `{suffix}`. "
                f"Received: filepath={self.filepath}"
            )
        name = monitor.removeprefix("val_")
        if mode == "auto" and not ("acc" in name or name in ("loss", "mse", "mae") or name.endswith("_loss")):
            raise ValueError(
                f"ModelCheckpoint callback received monitor={monitor}, but cannot tell whether it should go up "
                "or down; give mode='min' or mode='max'"
            )
        self.maximize = mode == "max" or (mode == "auto" and "acc" in name)
        self.best = initial_value_threshold
        self.epoch, self.batches = 0, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq != "epoch":
            self.batches += 1
            if self.batches >= self.save_freq:
                self.batches = 0
                self._save(self.epoch, batch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _path(self, epoch: int, batch: int | None, logs: dict) -> str:
        extra = {} if batch is None else {"batch": batch + 1}
        try:
            return self.filepath.format(**{"epoch": epoch + 1, **extra, **logs})
        except KeyError as err:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {err}') from None

    def _save(self, epoch: int, batch: int | None, logs: dict) -> None:
        path = self._path(epoch, batch, logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=3)
            elif not improves(current, self.best, self.maximize):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            else:
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} improved to {current:.5f}, saving model to {path}")
                self.best = current
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.isdir(path):
            raise OSError(f"ModelCheckpoint: the filepath is an existing directory: {path}")
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path, overwrite=True)


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate at the start of each epoch to ``schedule(epoch, lr)``
    (epoch counted from 0, lr the current rate), and log it as ``"learning_rate"``, as Keras does."""

    def __init__(self, schedule: Callable[[int, float], float], verbose: int = 0) -> None:
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = self.schedule(epoch, float(self.model.optimizer.learning_rate))
        if not isinstance(lr, numbers.Real) or isinstance(lr, bool) or not math.isfinite(lr) or lr < 0:
            raise ValueError(f"LearningRateScheduler: the schedule must return a finite float >= 0, got {lr!r}")
        self.model.optimizer.learning_rate = float(lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch loss is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: invalid loss, terminating training")
            self.model.stop_training = True


class TensorBoard(Callback):
    """Keras 3's TensorBoard callback, writing the event files ``tf.summary`` writes (`tinygrad_edu.event_file`)
    without TensorFlow; view them with ``tensorboard --logdir logs``. As Keras 3
    (``keras/src/callbacks/tensorboard.py``):

    - files go to ``<log_dir>/train`` and ``<log_dir>/validation``, each directory made when first
      written; a new `fit`/`evaluate` (a new ``set_model``) starts new files, and `fit`'s end closes them;
    - after each epoch ``epoch_<name>`` is written at step ``epoch`` (counted from 0): the training
      logs and ``epoch_learning_rate`` (the optimizer's rate for its next step) to ``train``, the
      ``val_`` logs without their prefix to ``validation``;
    - at the end of each evaluation (fit's validation, or `evaluate`), ``evaluation_<name>_vs_iterations``
      at step ``optimizer.iterations`` to ``validation``;
    - ``update_freq``: "epoch", or an integer N ("batch" is 1): also ``batch_<name>`` (the epoch's running
      means so far) every N-th training batch, at step = training batches since `fit` began (from 1);
    - ``histogram_freq`` N > 0: every N-th epoch (epoch % N == 0) a histogram of every weight of every
      layer, tag ``<weight.path>/histogram``, 30 equal-width buckets (TF 2's); a weight holding NaN or
      inf is skipped with a warning (TF would write meaningless buckets);
    - ``write_graph``: the model's JSON (``to_json``) as the summary ``keras`` at step 0, for Sequential
      and functional models, which TensorBoard's graph tab draws;
    - ``write_steps_per_second``: ``epoch_steps_per_second`` and, with an integer ``update_freq``,
      ``batch_steps_per_second``.

    Not done here: ``write_images`` and ``embeddings_freq`` warn and write nothing of theirs;
    a non-zero ``profile_batch`` is a ValueError (Keras' own on its torch backend).
    One difference, on purpose: with an integer ``update_freq`` Keras (through ``tf.summary.record_if``)
    drops the epoch and evaluation summaries of an epoch whose batch count is not a multiple of it
    (tensorboard issue #4975); here they are always written. Event files are append streams, flushed
    after every epoch and evaluation.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: str | int = "epoch",
        profile_batch: int = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: Any = None,
    ) -> None:
        update_freq = 1 if update_freq == "batch" else update_freq
        if update_freq != "epoch" and (
            isinstance(update_freq, bool) or not isinstance(update_freq, int) or update_freq < 1
        ):
            raise ValueError(
                f"TensorBoard: update_freq must be 'epoch', 'batch' or an integer >= 1, got {update_freq!r}"
            )
        if isinstance(histogram_freq, bool) or not isinstance(histogram_freq, int) or histogram_freq < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be an integer >= 0, got {histogram_freq!r}")
        if profile_batch:
            raise ValueError(
                f"Profiling is not available in tinygrad_edu (nor in Keras' torch backend). "
                f"Received: profile_batch={profile_batch} (must be 0)"
            )
        for flag, what in ((write_images, "write_images"), (embeddings_freq, "embeddings_freq")):
            if flag:
                warnings.warn(
                    f"TensorBoard: {what} is not supported by tinygrad_edu; nothing is written for it", stacklevel=2
                )
        self.log_dir, self.histogram_freq, self.update_freq = os.fspath(log_dir), histogram_freq, update_freq
        self.write_graph, self.write_steps_per_second = write_graph, write_steps_per_second
        self.write_images, self.embeddings_freq = write_images, embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers: dict[str, event_file.EventFileWriter] = {}
        self._global_train_batch = 0
        self._epoch_start = self._batch_start = 0.0
        self._epoch_start_iterations = 0

    def _writer(self, which: str) -> event_file.EventFileWriter:
        if which not in self._writers:  # TF 2's create_file_writer names its files with ".v2"
            self._writers[which] = event_file.EventFileWriter(os.path.join(self.log_dir, which), filename_suffix=".v2")
        return self._writers[which]

    def _write(self, which: str, step: int, values: dict[str, Any]) -> None:
        scalars = [event_file.scalar_tensor(tag, event_file.scalar_value(v, tag)) for tag, v in values.items()]
        self._writer(which).add_summary(scalars, step)

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def set_model(self, model: Any) -> None:
        super().set_model(model)
        self._close_writers()
        if self.write_graph and (type(model).__name__ == "Sequential" or getattr(model, "graph", None) is not None):
            try:
                json = model.to_json()
            except Exception as exc:  # as Keras: a model that cannot be written is skipped, with a warning
                warnings.warn(f"Model failed to serialize as JSON. Ignoring... {exc}", stacklevel=2)
                return
            value = event_file.string_tensor("keras", json, "graph_keras_model", b"1")
            self._writer("train").add_summary([value], 0)

    def on_train_begin(self, logs=None):
        self._global_train_batch, self._epoch_start_iterations = 0, 0

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start, self._epoch_start_iterations = time.time(), self._iterations()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        self._batch_start = time.time()

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        values = {f"batch_{name}": value for name, value in (logs or {}).items()}
        if self.write_steps_per_second:
            values["batch_steps_per_second"] = 1.0 / max(time.time() - self._batch_start, 1e-9)
        self._write("train", self._global_train_batch, values)

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "iterations") and logs:
            values = {f"evaluation_{name}_vs_iterations": value for name, value in logs.items()}
            self._write("validation", optimizer.iterations, values)
            self._writer("validation").flush()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if logs:
            train = {k: v for k, v in logs.items() if not k.startswith("val_")}
            if getattr(self.model, "optimizer", None) is not None:
                train["learning_rate"] = float(self.model.optimizer.learning_rate)
            if self.write_steps_per_second:
                steps = self._iterations() - self._epoch_start_iterations
                train["steps_per_second"] = steps / max(time.time() - self._epoch_start, 1e-9)
            self._write("train", epoch, {f"epoch_{k}": v for k, v in train.items()})
            val = {f"epoch_{k[4:]}": v for k, v in logs.items() if k.startswith("val_")}
            if val:
                self._write("validation", epoch, val)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _log_weights(self, epoch: int) -> None:
        """A histogram of every weight; one holding NaN or inf is skipped with a warning (training goes on)."""
        histograms = []
        for weight in (w for layer in self.model.layers for w in layer.weights):
            tag, values = f"{weight.path.replace(':', '_')}/histogram", weight.numpy()
            if np.all(np.isfinite(values)):
                histograms.append(event_file.histogram_tensor(tag, values))
            else:
                warnings.warn(
                    f"TensorBoard: {tag} holds NaN or inf at epoch {epoch}; its histogram is skipped", stacklevel=3
                )
        self._writer("train").add_summary(histograms, epoch)

    def _iterations(self) -> int:
        return int(getattr(getattr(self.model, "optimizer", None), "iterations", 0))
