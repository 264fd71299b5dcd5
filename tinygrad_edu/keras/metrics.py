"""``keras.metrics``: metrics as stateful objects, as Keras 3's (``update_state`` for each batch,
``result`` for the value so far, ``reset_state`` at the start of each epoch and evaluation).

The built-in ones are means over samples: `Mean` of given values, and `MeanMetricWrapper` of a
per-sample function — SparseCategoricalAccuracy (label = argmax of the prediction),
CategoricalAccuracy (argmax = argmax), BinaryAccuracy (1[y = 1[p > threshold]], averaged over the
last axis), Accuracy (y = p), MeanSquaredError and MeanAbsoluteError (averaged over the last axis),
and the three cross-entropies (`crossentropy`'s, as the losses compute them).
A `Metric` subclass writes its own three methods, with state from `Metric.add_variable` (or
``add_weight``); the ``stateless_*`` methods compute from given state values and leave the metric as it was.

>>> m = SparseCategoricalAccuracy()
>>> m.update_state([1, 0], [[0.1, 0.9], [0.2, 0.8]]); float(m.result())
0.5
>>> m.update_state([0, 0], [[0.9, 0.1], [0.6, 0.4]]); float(m.result())
0.75
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import config, crossentropy
from .backend import auto_name, snake_case


def to_numpy(x: Any) -> np.ndarray:
    """A Tensor, an array-like or a torch tensor, as a numpy array."""
    if isinstance(x, Tensor):
        return x._data
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


class MetricVariable:
    """A metric's state (``self.add_variable``): ``assign``, ``assign_add``, ``numpy()``."""

    def __init__(self, shape: tuple[int, ...], initializer: Any = "zeros", dtype: Any = "float64") -> None:
        self.initial = np.full(shape, 1.0 if initializer == "ones" else 0.0, dtype=dtype)
        self.value = self.initial.copy()

    def assign(self, value: Any) -> None:
        self.value = np.broadcast_to(to_numpy(value), self.value.shape).astype(self.value.dtype)

    def assign_add(self, value: Any) -> None:
        self.value = self.value + to_numpy(value)

    def numpy(self) -> np.ndarray:
        return np.array(self.value)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.numpy() if dtype is None else self.numpy().astype(dtype)

    def __float__(self) -> float:
        return float(self.value)

    def _operate(self, other: Any, op: Any, swap: bool = False) -> Tensor:
        """Arithmetic as on a Keras variable: the current value as a Tensor (``mse_sum / count``)."""
        a, b = Tensor(self.numpy()), other.numpy() if isinstance(other, MetricVariable) else other
        return op(b, a) if swap else op(a, b)

    def __add__(self, other: Any) -> Tensor:
        return self._operate(other, operator.add)

    def __radd__(self, other: Any) -> Tensor:
        return self._operate(other, operator.add, swap=True)

    def __sub__(self, other: Any) -> Tensor:
        return self._operate(other, operator.sub)

    def __rsub__(self, other: Any) -> Tensor:
        return self._operate(other, operator.sub, swap=True)

    def __mul__(self, other: Any) -> Tensor:
        return self._operate(other, operator.mul)

    def __rmul__(self, other: Any) -> Tensor:
        return self._operate(other, operator.mul, swap=True)

    def __truediv__(self, other: Any) -> Tensor:
        return self._operate(other, operator.truediv)

    def __rtruediv__(self, other: Any) -> Tensor:
        return self._operate(other, operator.truediv, swap=True)


class Metric:
    """The base of the metrics: a name and the update_state/result/reset_state contract."""

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        self.name = name or auto_name(type(self).__name__)  # Keras': my_metric, my_metric_1, …
        self._variables: list[MetricVariable] = []

    def add_variable(self, shape: Any = (), initializer: Any = "zeros", dtype: Any = None, name: str | None = None):
        variable = MetricVariable(tuple(shape), initializer or "zeros", dtype or "float64")
        self._variables.append(variable)
        return variable

    add_weight = add_variable  # Keras 3's older name for the same thing

    @property
    def variables(self) -> list[np.ndarray]:
        """The state's current values, in the order they were added (what the stateless calls take)."""
        return [variable.numpy() for variable in self._variables]

    def stateless_update_state(self, metric_variables: Sequence[Any], *args: Any, **kwargs: Any) -> list[np.ndarray]:
        """The state ``update_state(*args)`` would leave, started from ``metric_variables``; ``self`` unchanged."""
        with self._state(metric_variables):
            self.update_state(*args, **kwargs)
            return self.variables

    def stateless_result(self, metric_variables: Sequence[Any]) -> Any:
        """``result()`` of the state ``metric_variables``; ``self`` unchanged."""
        with self._state(metric_variables):
            return self.result()

    def stateless_reset_state(self) -> list[np.ndarray]:
        """The state ``reset_state()`` would leave; ``self`` unchanged."""
        with self._state(self.variables):
            self.reset_state()
            return self.variables

    @contextlib.contextmanager
    def _state(self, metric_variables: Sequence[Any]) -> Iterator[None]:
        if len(metric_variables) != len(self._variables):
            raise ValueError(
                f"{self.name}: expected {len(self._variables)} metric variables, got {len(metric_variables)}"
            )
        kept = [variable.value for variable in self._variables]
        for variable, value in zip(self._variables, metric_variables, strict=True):
            variable.assign(value)
        try:
            yield
        finally:
            for variable, value in zip(self._variables, kept, strict=True):
                variable.value = value

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define update_state(y_true, y_pred)")

    def result(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define result()")

    def reset_state(self) -> None:
        """Every variable back to its initial value (a subclass may do more)."""
        for variable in self._variables:
            variable.value = variable.initial.copy()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """The (weighted) mean of the values given to update_state."""

    def __init__(self, name: str = "mean", dtype: Any = None) -> None:
        super().__init__(name, dtype)
        self.total, self.count = self.add_variable(name="total"), self.add_variable(name="count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:  # type: ignore[override]  # Keras: values only
        values = to_numpy(values).astype(np.float64)
        weight = (
            np.ones_like(values) if sample_weight is None else np.broadcast_to(to_numpy(sample_weight), values.shape)
        )
        self.total.assign_add(np.sum(values * weight))
        self.count.assign_add(np.sum(weight))

    def result(self) -> float:
        return float(self.total) / float(self.count) if float(self.count) else 0.0


class MeanMetricWrapper(Mean):
    """The mean over samples of ``fn(y_true, y_pred)`` (one value per sample)."""

    def __init__(self, fn: Any, name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(name or snake_case(type(self).__name__), dtype)
        self.fn, self.fn_kwargs = fn, kwargs

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        super().update_state(self.fn(to_numpy(y_true), to_numpy(y_pred), **self.fn_kwargs), sample_weight)


def _labels(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return y_true.reshape(y_pred.shape[:-1]) if y_true.size == int(np.prod(y_pred.shape[:-1])) else y_true


def sparse_categorical_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return (_labels(y_true, y_pred) == y_pred.argmax(axis=-1)).astype(np.float64)


def categorical_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return (y_true.argmax(axis=-1) == y_pred.argmax(axis=-1)).astype(np.float64)


def binary_accuracy(y_true: np.ndarray, y_pred: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    y_true = y_true.reshape(y_pred.shape) if y_true.size == y_pred.size else y_true
    return (y_true == (y_pred > threshold)).astype(np.float64).mean(axis=-1)


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return (y_true.reshape(y_pred.shape) == y_pred).astype(np.float64).mean(axis=-1)


def _target(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return y_true.reshape(y_pred.shape) if y_true.size == y_pred.size else y_true


def mean_squared_error(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return ((y_pred - _target(y_true, y_pred)) ** 2).mean(axis=-1)


def mean_absolute_error(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return np.abs(y_pred - _target(y_true, y_pred)).mean(axis=-1)


def mean_absolute_percentage_error(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Keras': 100 · mean over the last axis of |y − ŷ| / max(|y|, ε), ε = keras.config.epsilon()."""
    y = _target(y_true, y_pred)
    return 100.0 * (np.abs(y - y_pred) / np.maximum(np.abs(y), config.epsilon())).mean(axis=-1)


def sparse_categorical_crossentropy(y_true: np.ndarray, y_pred: np.ndarray, from_logits: bool = False) -> np.ndarray:
    return crossentropy.sparse_categorical(y_true, Tensor(y_pred), from_logits)._data


def categorical_crossentropy(y_true: np.ndarray, y_pred: np.ndarray, from_logits: bool = False) -> np.ndarray:
    return crossentropy.categorical(_target(y_true, y_pred), Tensor(y_pred), from_logits)._data


def binary_crossentropy(y_true: np.ndarray, y_pred: np.ndarray, from_logits: bool = False) -> np.ndarray:
    return crossentropy.binary(_target(y_true, y_pred), Tensor(y_pred), from_logits)._data


class SparseCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(sparse_categorical_accuracy, name, dtype)


class CategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(categorical_accuracy, name, dtype)


class BinaryAccuracy(MeanMetricWrapper):
    def __init__(self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5) -> None:
        super().__init__(binary_accuracy, name, dtype, threshold=threshold)


class Accuracy(MeanMetricWrapper):
    def __init__(self, name: str = "accuracy", dtype: Any = None) -> None:
        super().__init__(accuracy, name, dtype)


class MeanSquaredError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(mean_squared_error, name, dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None) -> None:
        super().__init__(mean_absolute_error, name, dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_absolute_percentage_error", dtype: Any = None) -> None:
        super().__init__(mean_absolute_percentage_error, name, dtype)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    def __init__(self, name: str = "sparse_categorical_crossentropy", dtype: Any = None, from_logits: bool = False):
        super().__init__(sparse_categorical_crossentropy, name, dtype, from_logits=from_logits)


class CategoricalCrossentropy(MeanMetricWrapper):
    def __init__(self, name: str = "categorical_crossentropy", dtype: Any = None, from_logits: bool = False):
        super().__init__(categorical_crossentropy, name, dtype, from_logits=from_logits)


class BinaryCrossentropy(MeanMetricWrapper):
    def __init__(self, name: str = "binary_crossentropy", dtype: Any = None, from_logits: bool = False):
        super().__init__(binary_crossentropy, name, dtype, from_logits=from_logits)
