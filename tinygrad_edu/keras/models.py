"""Keras' ``Sequential`` model: add, compile, fit, evaluate, predict, summary, save/load weights.

Semantics follow Keras: ``validation_split`` takes the LAST fraction of the samples before any
shuffling; the training loss reported for an epoch is the mean over its batches (regularization
penalties included); ``evaluate`` returns ``[loss, *metrics]``, or the loss alone without metrics.
"""

from __future__ import annotations

import time
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import autograd, nn
from ..fileio import atomic_write
from ..progress import progress_bar
from ..rng import default_rng
from ..tensor import DEFAULT_DTYPE, Tensor
from . import losses as losses_
from . import optimizers as optimizers_
from .callbacks import Callback, History
from .layers import InputLayer, Layer, Variable, assign_all, count_weights


class Sequential(nn.Module):
    """A stack of Keras layers: ``Sequential([Dense(512, activation="relu", input_shape=(784,)), ...])``."""

    def __init__(self, layers: Sequence[Layer] | None = None, name: str = "sequential") -> None:
        self.name = name
        self.layers: list[Layer] = []
        self.built = False
        self.optimizer: optimizers_.KerasOptimizer | None = None
        self.loss: str | None = None
        self.metrics: list[str] = []
        self.stop_training = False
        self.history: History | None = None
        self.input_layer: InputLayer | None = None
        for layer in layers or ():
            self.add(layer)

    def _members(self):
        names = [layer.name for layer in self.layers]
        if len(set(names)) != len(names):  # possible only by renaming a layer after adding it
            twice = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"{self.name}: layer names must be unique (weights are saved by name); repeated: {twice}")
        return zip(names, self.layers)

    # ------------------------------------------------------------ structure
    def add(self, layer: Layer) -> None:
        """Append a layer; ``keras.Input(shape=...)`` (an `InputLayer`) may come first.

        Raises:
            ValueError: a second input, an input_shape on a later layer, or a name already used in
                this model (Keras' rule: saved weights are keyed by layer name).
        """
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a Keras layer, got {type(layer).__name__}")
        if isinstance(layer, InputLayer):
            if self.layers or self.input_layer is not None:
                raise ValueError("Sequential: keras.Input(...) must be the first entry of the model, and only one")
            self.input_layer = layer
            return
        taken = {other.name for other in self.layers}
        if layer.name is None:
            base, k = layer.default_name, 0
            layer.name = base
            while layer.name in taken:
                k += 1
                layer.name = f"{base}_{k}"
        elif layer.name in taken:
            raise ValueError(
                "All layers added to a Sequential model should have unique names. Name "
                f"{layer.name!r} is already the name of a layer in this model. Update the `name` argument "
                "to pass a unique name."
            )
        if (self.layers or self.input_layer is not None) and layer.input_shape is not None:
            raise ValueError(f"{layer.name}: only the first layer (or keras.Input) gives the input shape")
        self.layers.append(layer)
        first = self.input_layer or self.layers[0]
        if first.input_shape is not None:
            self.build(first.input_shape)

    def build(self, input_shape: Sequence[int]) -> None:
        """Build every layer for inputs of shape (None, *input_shape)."""
        shape = tuple(input_shape)
        self.input_shape = shape
        for layer in self.layers:
            shape = layer.ensure_built(shape)
        self.built = bool(self.layers)

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(
                f"{what}: the model is not built yet; give the first layer input_shape=... "
                "or call fit/predict (or build) first"
            )

    def forward(self, x: Any, training: bool | None = None) -> Tensor:
        """``model(x)``, as Keras: x a Tensor or an array (cast to float32 and checked as in `predict`),
        run in inference mode (Dropout off, BatchNormalization on its moving statistics) unless
        ``training=True``; the result is a Tensor that keeps the graph."""
        if not isinstance(x, Tensor):
            x = Tensor(self._check_xy(x, None, "model(x)")[0])
        was_training = self.training
        self.train(bool(training))
        try:
            for layer in self.layers:
                x = layer(x)
        finally:
            self.train(was_training)
        return x

    def _logits_or_outputs(self, x: Tensor) -> tuple[Tensor, bool]:
        """Outputs of the model, or the logits of its last layer when the loss can use them."""
        for layer in self.layers[:-1]:
            x = layer(x)
        last = self.layers[-1]
        if self.loss in losses_.LOGIT_LOSSES and last.activation == losses_.LOGIT_LOSSES[self.loss]:
            return last.pre_activation(x), True
        return last(x), False

    # ------------------------------------------------------------ training
    def compile(
        self, optimizer: Any = "rmsprop", loss: str | None = None, metrics: Sequence[str] | None = None
    ) -> None:
        """Choose the optimizer (a Keras name with Keras' defaults, or an instance), loss and metrics."""
        if loss is None:
            raise ValueError("compile: a loss is required, e.g. loss='categorical_crossentropy'")
        losses_.get(loss)
        self.optimizer = optimizers_.get(optimizer)
        self.loss, self.metrics = loss, list(metrics or [])
        for m in self.metrics:
            losses_.check_metric(m)

    def _check_xy(self, x: Any, y: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x)
        if x.dtype.kind not in "biuf":
            raise TypeError(f"{what}: x must be numeric, got dtype {x.dtype}")
        x = x.astype(DEFAULT_DTYPE, copy=False)
        if np.isnan(x).any():
            raise ValueError(f"{what}: x contains NaN")
        if not self.built:
            self.build(x.shape[1:])
        elif x.shape[1:] != self.input_shape:
            expected, got = (None, *self.input_shape), (None, *x.shape[1:])
            raise ValueError(f"{what}: expected inputs of shape {expected}, got {got}")
        if y is None:
            return x, None
        y = np.asarray(y)
        if len(x) != len(y):
            raise ValueError(f"{what}: x has {len(x)} samples but y has {len(y)}")
        return x, y

    def _loss(self, y: np.ndarray, out: Tensor, logits: bool) -> Tensor:
        loss = losses_.get(self.loss)(y, out, logits)
        for layer in self.layers:
            penalty = layer.penalty()
            if penalty is not None:
                loss = loss + penalty
        return loss

    def _probabilities(self, out: Tensor, logits: bool) -> np.ndarray:
        if not logits:
            return out.data
        return out.softmax(axis=-1).data if self.layers[-1].activation == "softmax" else out.sigmoid().data

    def fit(
        self,
        x: Any,
        y: Any,
        batch_size: int = 32,
        epochs: int = 1,
        verbose: int = 1,
        validation_split: float = 0.0,
        validation_data: tuple[Any, Any] | None = None,
        shuffle: bool = True,
        callbacks: Sequence[Callback] | None = None,
    ) -> History:
        """Train for ``epochs`` epochs of mini-batch gradient descent; returns the `History`."""
        if self.optimizer is None:
            raise RuntimeError("fit: call compile(optimizer, loss, metrics) first")
        x, y = self._check_xy(x, y, "fit")
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
        if validation_data is None and validation_split:
            n_val = int(len(x) * validation_split)
            if n_val == 0:
                raise ValueError(f"fit: validation_split={validation_split} leaves no validation samples")
            validation_data = (x[-n_val:], y[-n_val:])
            x, y = x[:-n_val], y[:-n_val]
        if batch_size < 1:
            raise ValueError(f"fit: batch_size must be positive, got {batch_size}")
        self._bind_optimizer()
        self.history = History()
        cbs: list[Callback] = [*(callbacks or []), self.history]  # History last: it sees what others log
        for cb in cbs:
            cb.set_model(self)
            cb.on_train_begin()
        self.stop_training = False
        n, steps = len(x), -(-len(x) // batch_size)
        for epoch in range(epochs):
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}")
            for cb in cbs:
                cb.on_epoch_begin(epoch)
            self.train()
            order = default_rng().permutation(n) if shuffle else np.arange(n)
            sums = dict.fromkeys(["loss", *self.metrics], 0.0)
            start = time.perf_counter()
            bar = progress_bar(steps) if verbose == 1 else None
            for step in range(steps):
                idx = order[step * batch_size : (step + 1) * batch_size]
                out, logits = self._logits_or_outputs(Tensor(x[idx]))
                loss = self._loss(y[idx], out, logits)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                sums["loss"] += loss.item() * len(idx)
                if self.metrics:
                    probs = self._probabilities(out, logits)
                    for m in self.metrics:
                        sums[m] += losses_.metric(m, self.loss, y[idx], probs) * len(idx)
                for cb in cbs:
                    cb.on_batch_end(step, {"loss": loss.item()})
                if self.stop_training:
                    break
                if bar is not None:
                    seen = min(n, (step + 1) * batch_size)
                    bar.set_postfix_str(" - ".join(f"{k}: {v / seen:.4f}" for k, v in sums.items()), refresh=False)
                    bar.update(1)
            if bar is not None:
                bar.close()
            logs = {k: v / n for k, v in sums.items()}
            if validation_data is not None:
                values = self.evaluate(*validation_data, batch_size=batch_size, verbose=0)
                values = values if isinstance(values, list) else [values]
                logs.update({f"val_{k}": v for k, v in zip(["loss", *self.metrics], values)})
            if verbose:
                _epoch_line(steps, start, logs, bar=verbose == 1)
            for cb in cbs:
                cb.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for cb in cbs:
            cb.on_train_end()
        return self.history

    def _bind_optimizer(self) -> None:
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

    def evaluate(self, x: Any, y: Any, batch_size: int = 32, verbose: int = 1) -> float | list[float]:
        """Loss (and metrics) on (x, y) in evaluation mode: ``[loss, *metrics]``, or the loss alone."""
        if self.loss is None:
            raise RuntimeError("evaluate: call compile(optimizer, loss, metrics) first")
        x, y = self._check_xy(x, y, "evaluate")
        self.eval()
        sums = dict.fromkeys(["loss", *self.metrics], 0.0)
        with autograd.no_grad():
            for i in range(0, len(x), batch_size):
                out, logits = self._logits_or_outputs(Tensor(x[i : i + batch_size]))
                yb = y[i : i + batch_size]
                sums["loss"] += self._loss(yb, out, logits).item() * len(yb)
                probs = self._probabilities(out, logits)
                for m in self.metrics:
                    sums[m] += losses_.metric(m, self.loss, yb, probs) * len(yb)
        values = [v / len(x) for v in sums.values()]
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in zip(sums, values)))
        return values if self.metrics else values[0]

    def predict(self, x: Any, batch_size: int = 32, verbose: int = 0) -> np.ndarray:
        """The model's outputs (probabilities for a softmax or sigmoid output) as a numpy array."""
        x, _ = self._check_xy(x, None, "predict")
        self.eval()
        with autograd.no_grad():
            return np.concatenate([self(Tensor(x[i : i + batch_size])).data for i in range(0, len(x), batch_size)])

    # ------------------------------------------------------------ inspection and weights
    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    def summary(self, print_fn: Any = print) -> None:
        """Keras' table: layer name (type), output shape with None for the batch, Param #, then the
        totals. Columns widen to fit the longest entry, so long layer names stay aligned."""
        self._require_built("summary")
        rows = [
            (
                f"{layer.name} ({layer.type_name})",
                str((None, *layer.output_shape)),
                (count_weights(layer.trainable_weights), count_weights(layer.non_trainable_weights)),
            )
            for layer in self.layers
        ]
        w_name = max(33, *(len(name) + 2 for name, _, _ in rows))
        w_shape = max(24, *(len(shape) + 2 for _, shape, _ in rows))
        w_params = 13
        width = 1 + w_name + w_shape + w_params
        lines = [
            f'Model: "{self.name}"',
            "_" * width,
            f" {'Layer (type)':<{w_name}}{'Output Shape':<{w_shape}}{'Param #':>{w_params}}",
            "=" * width,
        ]
        for i, (name, shape, (t, f)) in enumerate(rows):
            lines.append(f" {name:<{w_name}}{shape:<{w_shape}}{t + f:>{w_params},}")
            lines.append("_" * width if i < len(rows) - 1 else "=" * width)
        trainable = sum(t for _, _, (t, _) in rows)
        frozen = sum(f for _, _, (_, f) in rows)
        lines += [
            f"Total params: {trainable + frozen:,}",
            f"Trainable params: {trainable:,}",
            f"Non-trainable params: {frozen:,}",
            "_" * width,
        ]
        for line in lines:
            print_fn(line)

    @property
    def weights(self) -> list[Variable]:
        """Every layer's weights in order (Keras' ``model.weights``)."""
        return [v for layer in self.layers for v in layer.weights]

    @property
    def trainable_weights(self) -> list[Variable]:
        return [v for layer in self.layers for v in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list[Variable]:
        return [v for layer in self.layers for v in layer.non_trainable_weights]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every layer's weights, in Keras' layout and order (moving statistics included)."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Load a list in `get_weights`' order (a Keras model's ``get_weights()`` fits as it is).

        Raises:
            ValueError: the model is not built, or the count or a shape differs (nothing is changed then).
        """
        self._require_built("set_weights")
        assign_all(self.weights, weights, self.name)

    def save_weights(self, path: str | Path) -> Path:
        """Save every weight and moving statistic to an .npz file (plain arrays, never pickle)."""
        self._require_built("save_weights")
        path = Path(path)
        if path.suffix != ".npz":
            raise ValueError(f"save_weights: use a .npz file name, got {path.name!r}")
        with atomic_write(path) as f:  # a failed save leaves the file that was there untouched
            np.savez(f, **self.state_dict())
        return path

    def load_weights(self, path: str | Path) -> None:
        """Load weights saved by `save_weights`; names and shapes must match this model exactly.

        The file is read without pickle, and each array's header is checked against the shape this
        model expects before its data is read, so a hostile header cannot make it allocate more
        than the model holds.

        Raises:
            FileNotFoundError: no such file.
            ValueError: the file is not an intact weights file (truncated, corrupted, not a zip of
                .npy arrays, object arrays).
            RuntimeError: names or shapes differ from the model's (as ``load_state_dict``).
        """
        self._require_built("load_weights")
        try:
            state = read_npz(path, {k: np.shape(v) for k, v in self.state_dict().items()})
        except FileNotFoundError:
            raise FileNotFoundError(f"load_weights: no such file {path}") from None
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as err:
            raise ValueError(f"load_weights: {path} is not a weights file saved by save_weights ({err})") from None
        self.load_state_dict(state)


def read_npz(path: str | Path, expected: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """The arrays of an .npz file, reading the data only of members whose header gives the shape in
    ``expected``; any other member becomes a zero-memory stand-in of its claimed shape (so that
    ``load_state_dict`` names it in its error). Never unpickles; numbers only."""
    state = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                raise ValueError(f"member {info.filename!r} is not a .npy array")
            key = info.filename[: -len(".npy")]
            with archive.open(info) as f:
                version = np.lib.format.read_magic(f)
                if version not in ((1, 0), (2, 0)):
                    raise ValueError(f"{key}: unsupported .npy format version {version}")
                read_header = (
                    np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                )
                shape, fortran, dtype = read_header(f)
                if dtype.kind not in "biuf":
                    raise ValueError(f"{key}: expected numbers, got dtype {dtype}")
                if expected.get(key) != shape:
                    state[key] = np.broadcast_to(np.zeros((), dtype), shape)
                    continue
                count = int(np.prod(shape, dtype=np.int64))
                data = f.read(count * dtype.itemsize)
                if len(data) != count * dtype.itemsize:
                    raise ValueError(f"{key}: truncated, {len(data)} of {count * dtype.itemsize} bytes")
                if f.read(1):  # reading to the end also makes zipfile check the member's CRC
                    raise ValueError(f"{key}: more bytes than its header declares")
                array = np.frombuffer(data, dtype=dtype, count=count)
                state[key] = array.reshape(shape[::-1]).T if fortran else array.reshape(shape)
    return state


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
