"""How ``fit``/``evaluate``/``predict`` walk their data, as Keras 3's data adapters and EpochIterator.

Three kinds of data give batches ``(x, y, sample_weight)``: arrays (`ArrayData`: ``batch_size``
samples a batch, the last one short; with ``steps_per_epoch`` and no batch size, ⌈n/steps⌉), a
Python generator or iterator (`GeneratorData`, endless or not) and a `utils.PyDataset`
(`PyDatasetData`, one ``__getitem__`` per batch). `EpochIterator` cuts them into epochs with Keras 3's
rules:

- without ``steps_per_epoch`` an epoch is one pass over the data (a generator: until it stops);
- with ``steps_per_epoch`` an epoch is that many batches, and the next epoch goes on where the last
  one stopped; when the data runs out first the epoch ends early with Keras' warning ("Your input ran
  out of data"), and sized data (arrays, a PyDataset) starts over in the next epoch while a
  generator stays spent (its later epochs have no batches, so no logs).

``class_weight`` turns into per-sample weights (`class_weight_to_sample_weights`, Keras' rule: the
class of a sample is the argmax of a one-hot target, or the rounded label). Known differences from
Keras 3.15, which reads the first batches of a generator or PyDataset ahead to build the model: it
replays those peeked batches at the start of every epoch of a generator and calls a PyDataset's
``on_epoch_end`` once more; this door reads each batch once.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from ...random import default_rng
from .. import config as keras_config
from ..layers.structure import flatten, map_structure
from ..utils.py_dataset import PyDataset

RAN_OUT = (
    "Your input ran out of data; interrupting training. Make sure that your dataset or generator can "
    "generate at least `steps_per_epoch * epochs` batches."
)


def unpack(data: Any) -> tuple[Any, Any, Any]:
    """Keras' ``unpack_x_y_sample_weight``: ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if 1 <= len(data) <= 3:
        return (*data, *([None] * (3 - len(data))))
    raise ValueError(
        f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, found: {data}"
    )


def pack(x: Any, y: Any = None, sample_weight: Any = None) -> tuple:
    """Keras' ``pack_x_y_sample_weight`` for a batch: ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
    return (x,) if y is None else (x, y) if sample_weight is None else (x, y, sample_weight)


def positive(value: Any, what: str) -> int | None:
    """None, or a positive integer (``steps_per_epoch``, ``validation_steps``, ``batch_size``)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what} must be a positive integer or None, got {value!r}")
    return int(value)


def as_array(x: Any, what: str) -> np.ndarray:
    """Numeric input as floatx; a TypeError for other dtypes, a ValueError for NaN."""
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{what}: x must be numeric, got dtype {x.dtype}")
    x = x.astype(keras_config.floatx(), copy=False)
    if np.isnan(x).any():
        raise ValueError(f"{what}: x contains NaN")
    return x


def is_structure(x: Any) -> bool:
    """A dict, or a list/tuple of arrays of one axis or more (or of such structures): data of several
    inputs or outputs, where a list of numbers is one array."""
    if isinstance(x, dict):
        return True
    items = isinstance(x, (list, tuple)) and len(x) > 0
    return items and all(getattr(a, "ndim", 0) >= 1 or is_structure(a) for a in x)


def as_arrays(x: Any, what: str) -> Any:
    """A subclassed model's input: `as_array` of each array of a dict/list/tuple (kept as given, so
    ``call`` gets the structure it was written for), or of x itself."""
    return map_structure(lambda a: as_array(a, what), x) if is_structure(x) else as_array(x, what)


def as_targets(y: Any) -> Any:
    """Targets as an array, or (several outputs, not yet known to be several) a list/dict of arrays."""
    if is_structure(y):
        return map_structure(np.asarray, dict(y) if isinstance(y, dict) else list(y))
    return np.asarray(y)


def count(x: Any) -> int:
    """The samples in x (an array, or a dict/list/tuple of arrays of one length each; None entries,
    the targets of outputs without a loss, do not count)."""
    if isinstance(x, (dict, list, tuple)):
        counts = {len(a) for a in flatten(x) if a is not None}
        if len(counts) != 1:
            raise ValueError(f"All inputs must have the same number of samples; got {sorted(counts)}")
        return counts.pop()
    return len(x)


def take(x: Any, idx: Any) -> Any:
    """Rows ``idx`` of an array, or of each array of a dict/list/tuple (None stays None)."""
    return map_structure(lambda a: None if a is None else a[idx], x)


def split(data: tuple, validation_split: float) -> tuple[tuple, tuple]:
    """Keras 3's split of (x, y, sample_weight): the first ⌊n·(1 − split)⌋ samples train, the rest validate."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
    n = count(data[0])
    split_at = math.floor(n * (1.0 - validation_split))
    if split_at in (0, n):
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a validation "
            f"and training set as specified by `validation_split={validation_split}`. Either provide more data, "
            "or a different value for the `validation_split` argument."
        )
    return tuple(take(a, slice(0, split_at)) for a in data), tuple(take(a, slice(split_at, n)) for a in data)


def class_weight_to_sample_weights(y: np.ndarray, class_weight: dict, n_classes: int | None) -> np.ndarray:
    """Per-sample weights from ``{class: weight}`` (absent classes weigh 1), Keras 3's rule: the class
    of a row is its argmax when y has a last axis of more than 1, else the rounded label. Unlike
    Keras, which ignores them, keys that are not classes of the model's output (integers from 0 to
    ``n_classes`` − 1; any integer ≥ 0 while that is unknown) are a ValueError."""
    if not isinstance(class_weight, dict):
        raise TypeError(f"class_weight must be a dict {{class index: weight}}, got {type(class_weight).__name__}")
    bad = [k for k in class_weight if isinstance(k, bool) or not isinstance(k, (int, np.integer))]
    if bad or any(k < 0 or (n_classes is not None and k >= n_classes) for k in class_weight):
        classes = (
            f"{n_classes} classes (keys must be integers 0..{n_classes - 1})" if n_classes else "classes 0, 1, ..."
        )
        raise ValueError(
            f"class_weight names classes {sorted(class_weight, key=str)}, but the model's output has {classes}"
        )
    y = np.asarray(y)
    if y.ndim > 1:
        y = y.argmax(axis=-1) if y.shape[-1] != 1 else y[..., 0]
    labels = np.round(y).astype(np.int64)
    return np.array([float(class_weight.get(int(c), 1.0)) for c in labels], dtype=keras_config.floatx())


def _sizes(value: Any) -> str:
    leaves = value if isinstance(value, (list, tuple)) else list(value.values()) if isinstance(value, dict) else [value]
    return ", ".join(str(len(a)) for a in leaves)


class ArrayData:
    """Batches of arrays, in order or shuffled anew at each pass (``shuffle``)."""

    def __init__(self, x: Any, y: Any, sample_weight: Any, batch_size: int | None, steps: int | None, shuffle: bool):
        self.x, self.y, self.sample_weight, self.shuffle = x, y, sample_weight, shuffle
        n = count(x)
        sizes = {"x": n}
        if y is not None:
            sizes["y"] = count(y)
        if sample_weight is not None:
            sizes["sample_weight"] = count(sample_weight)
        if len(set(sizes.values())) > 1:
            raise ValueError(
                "Data cardinality is ambiguous. Make sure all arrays contain the same number of samples. "
                + " ".join(f"'{k}' sizes: {_sizes(v)}" for k, v in zip(sizes, (x, y, sample_weight)) if v is not None)
            )
        self.batch_size = batch_size or (math.ceil(n / steps) if steps else 32)  # Keras' defaults
        self.num_batches: int | None = math.ceil(n / self.batch_size)
        self.n = n

    def iterator(self) -> Iterator[tuple]:
        order = default_rng().permutation(self.n) if self.shuffle else None
        for i in range(self.num_batches):
            idx = slice(i * self.batch_size, (i + 1) * self.batch_size)
            if order is not None:
                idx = order[idx]
            yield pack(take(self.x, idx), take(self.y, idx), take(self.sample_weight, idx))

    def on_epoch_begin(self) -> None: ...

    def on_epoch_end(self) -> None: ...


def standardize(batch: Any, source: str, class_weight: Any = None, n_classes: int | None = None) -> tuple:
    """One batch of a generator or PyDataset as (x, y, sample_weight), class weights applied."""
    if isinstance(batch, np.ndarray):
        batch = (batch,)
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple) or len(batch) not in (1, 2, 3):
        raise ValueError(
            f"{source} must return a tuple, either (input,) or (inputs, targets) or "
            f"(inputs, targets, sample_weights). Received: {str(batch)[:100]} of type {type(batch).__name__}"
        )
    x, y, sw = unpack(batch)
    if class_weight is not None:
        if sw is not None:
            raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
        sw = class_weight_to_sample_weights(y, class_weight, n_classes)
    return x, y, sw


class GeneratorData:
    """Batches from a Python generator or iterator; it is read once, epochs share it."""

    num_batches = None

    def __init__(self, generator: Any) -> None:
        self.generator = iter(generator)

    def iterator(self) -> Iterator[tuple]:
        source = "When passing a Python generator to a Keras model, the generator"
        return (standardize(batch, source) for batch in self.generator)

    def on_epoch_begin(self) -> None: ...

    def on_epoch_end(self) -> None: ...


class PyDatasetData:
    """Batches of a `PyDataset` by index, in a random order at each pass when ``shuffle`` (as Keras)."""

    def __init__(self, dataset: PyDataset, shuffle: bool, class_weight: Any, n_classes: int | None) -> None:
        self.dataset, self.shuffle, self.class_weight, self.n_classes = dataset, shuffle, class_weight, n_classes
        self.num_batches = dataset.num_batches

    def iterator(self) -> Iterator[tuple]:
        if self.num_batches is None:
            indices: Any = itertools.count()
        else:
            indices = default_rng().permutation(self.num_batches) if self.shuffle else range(self.num_batches)
        for i in indices:
            yield standardize(self.dataset[int(i)], "PyDataset.__getitem__()", self.class_weight, self.n_classes)

    def on_epoch_begin(self) -> None:
        self.dataset.on_epoch_begin()

    def on_epoch_end(self) -> None:
        self.dataset.on_epoch_end()


def make_data(x: Any, y: Any, sample_weight: Any, batch_size: Any, steps: int | None, shuffle: bool, **kw: Any) -> Any:
    """The adapter for ``x``: a PyDataset, a generator/iterator, or arrays (already checked).
    ``class_weight`` and ``n_classes`` (keyword) apply to PyDatasets here; arrays take their
    weights from the caller."""
    kind = "PyDataset" if isinstance(x, PyDataset) else "Python generator" if is_stream(x) else None
    if kind is None:
        return ArrayData(x, y, sample_weight, batch_size, steps, shuffle)
    for name, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None:
            raise ValueError(
                f"When providing `x` as a {kind}, `{name}` should not be passed. Instead, the "
                f"{'targets' if name == 'y' else 'sample weights'} should be included as part of the {kind}."
            )
    if kind == "PyDataset":
        return PyDatasetData(x, shuffle, kw.get("class_weight"), kw.get("n_classes"))
    if kw.get("class_weight") is not None:
        raise ValueError(
            f"Argument `class_weight` is not supported for Python generator inputs. Received: "
            f"class_weight={kw['class_weight']}"
        )
    return GeneratorData(x)


def is_stream(x: Any) -> bool:
    return hasattr(x, "__next__") or (hasattr(x, "__iter__") and not isinstance(x, (np.ndarray, list, tuple, dict)))


class EpochIterator:
    """Epochs of batches from one adapter, with Keras 3's ``steps_per_epoch`` rules (module docstring)."""

    def __init__(self, data: Any, steps_per_epoch: int | None) -> None:
        self.data, self.steps_per_epoch = data, steps_per_epoch
        self.current: Iterator[tuple] | None = None
        self.seen = 0

    @property
    def num_batches(self) -> int | None:
        return self.steps_per_epoch or self.data.num_batches

    def reset(self) -> None:
        """Start again from the first batch (each ``evaluate`` does)."""
        self.current, self.seen = None, 0

    def epoch(self) -> Iterator[tuple[int, tuple]]:
        """``(step, batch)`` for each batch of the next epoch."""
        total = self.data.num_batches
        self.data.on_epoch_begin()
        if self.current is None or self.steps_per_epoch is None:
            self.current, self.seen = self.data.iterator(), 0
        step = 0
        while self.steps_per_epoch is None or step < self.steps_per_epoch:
            if total is not None and self.seen >= total:
                if self.steps_per_epoch:
                    warnings.warn(RAN_OUT, stacklevel=3)
                break
            try:
                batch = next(self.current)
            except StopIteration:
                if self.steps_per_epoch:
                    warnings.warn(RAN_OUT, stacklevel=3)
                break
            self.seen += 1
            yield step, batch
            step += 1
        if total is not None and self.seen >= total:
            self.current, self.seen = None, 0
        self.data.on_epoch_end()
