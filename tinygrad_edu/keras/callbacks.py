"""Keras callbacks: `History`, `EarlyStopping`, `ModelCheckpoint`, `LearningRateScheduler`, `TerminateOnNaN`.

A callback's hooks are called by ``fit``/``evaluate``/``predict`` in Keras 3's order: ``on_train_begin``,
then per epoch ``on_epoch_begin``, ``on_train_batch_begin``/``_end`` around each batch, the validation's
``on_test_*`` hooks, ``on_epoch_end`` with the epoch's logs (which a callback may extend, as
`LearningRateScheduler` does), and ``on_train_end`` with the last epoch's logs.
"""

from __future__ import annotations

import math
import numbers
import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np


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
