"""Keras 3's loss reductions against real Keras 3 (torch backend): every built-in loss object with
``reduction=`` "sum_over_batch_size" (the default), "mean", "sum", "mean_with_sample_weight", None
and "none", with and without sample weights (of the samples' rank and of one axis fewer), the
gradients included, and a loss object with a reduction given to ``compile``. An unknown reduction is
Keras' ValueError.

Inputs are float32 on both sides and the sums run in another order: rtol 1e-5."""

from __future__ import annotations

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras, torch
from tinygrad_edu import Tensor
from tinygrad_edu import keras as K

pytestmark = KERAS_NOTICE
RTOL, ATOL = 1e-5, 1e-6
REDUCTIONS = ["sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", None, "none"]
rng = np.random.default_rng(5)
N = 4


def probabilities(*shape):
    p = rng.uniform(0.05, 1.0, shape)
    return (p / p.sum(-1, keepdims=True)).astype(np.float32)


#: loss class name: (y_true, y_pred) with N samples
DATA = {
    "MeanSquaredError": (rng.normal(size=(N, 3, 2)), rng.normal(size=(N, 3, 2))),
    "MeanAbsoluteError": (rng.normal(size=(N, 2)), rng.normal(size=(N, 2))),
    "BinaryCrossentropy": (rng.integers(0, 2, (N, 1)), rng.uniform(0.05, 0.95, (N, 1))),
    "CategoricalCrossentropy": (np.eye(3)[rng.integers(0, 3, N)], probabilities(N, 3)),
    "SparseCategoricalCrossentropy": (rng.integers(0, 3, N), probabilities(N, 3)),
    "Hinge": (rng.integers(0, 2, (N, 2)), rng.normal(size=(N, 2))),
    "KLDivergence": (probabilities(N, 3), probabilities(N, 3)),
}
#: sample weights for per-sample losses of shape (N,) (or (N, 3): MeanSquaredError's), by kind
WEIGHTS = {
    "none": lambda shape: None,
    "per sample": lambda shape: np.random.default_rng(1).uniform(0.0, 2.0, shape),
    "with an axis of 1": lambda shape: np.random.default_rng(2).uniform(0.0, 2.0, (*shape, 1)),
    "zero": lambda shape: np.zeros(shape),
}


def keras_value(name, reduction, y, p, sw):
    pred = torch.tensor(p.astype(np.float32), requires_grad=True)
    loss = getattr(keras.losses, name)(reduction=reduction)(y.astype(np.float32), pred, sample_weight=sw)
    grad = None
    if loss.ndim == 0:
        loss.backward()
        grad = pred.grad.numpy()
    return loss.detach().numpy(), grad


def our_value(name, reduction, y, p, sw):
    pred = Tensor(p.astype(np.float32), requires_grad=True)
    loss = getattr(K.losses, name)(reduction=reduction)(y, pred, sample_weight=sw)
    grad = None
    if loss.ndim == 0:
        loss.backward()
        grad = pred.grad.numpy()
    return loss.numpy(), grad


@pytest.mark.parametrize("weights", sorted(WEIGHTS))
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(DATA))
def test_reductions_match_keras(name: str, reduction, weights: str) -> None:
    y, p = DATA[name]
    sw = WEIGHTS[weights]((N, 3) if name == "MeanSquaredError" else (N,))
    expected, expected_grad = keras_value(name, reduction, y, p, sw)
    value, grad = our_value(name, reduction, y, p, sw)
    assert value.shape == expected.shape
    np.testing.assert_allclose(value, expected, rtol=RTOL, atol=ATOL)
    if expected_grad is not None:
        np.testing.assert_allclose(grad, expected_grad, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("reduction", ["sum", "mean_with_sample_weight"])
def test_a_custom_loss_subclass_reduces_as_keras(reduction: str) -> None:
    def define(M):
        class Squared(M.losses.Loss):
            def call(self, y_true, y_pred):
                return M.ops.mean(M.ops.square(y_pred - y_true), axis=-1)

        return Squared(reduction=reduction)

    y, p = DATA["MeanSquaredError"]
    sw = WEIGHTS["per sample"]((N, 3))
    expected = define(keras)(y.astype(np.float32), p.astype(np.float32), sample_weight=sw)
    value = define(K)(y, p.astype(np.float32), sample_weight=sw)
    np.testing.assert_allclose(value.numpy(), expected.detach().numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("reduction", ["sum", "mean_with_sample_weight"])
def test_compile_with_a_reduced_loss_object_logs_keras_loss(reduction: str) -> None:
    x = rng.normal(size=(10, 3)).astype(np.float32)
    y, sw = rng.normal(size=(10, 2)), rng.uniform(0.1, 2.0, 10)

    def make(M):
        model = M.Sequential([M.Input(shape=(3,)), M.layers.Dense(2)])
        model.compile("sgd", loss=M.losses.MeanSquaredError(reduction=reduction))
        return model

    theirs, ours = make(keras), make(K)
    ours.set_weights(theirs.get_weights())
    expected = theirs.evaluate(x, y, sample_weight=sw, batch_size=4, verbose=0)
    np.testing.assert_allclose(ours.evaluate(x, y, sample_weight=sw, batch_size=4, verbose=0), expected, rtol=RTOL)


def test_an_unknown_reduction_is_keras_value_error() -> None:
    with pytest.raises(ValueError, match="reduction") as keras_error:
        keras.losses.MeanSquaredError(reduction="average")
    with pytest.raises(type(keras_error.value), match=r"Invalid value for argument `reduction`.*average"):
        K.losses.MeanSquaredError(reduction="average")


def test_a_plain_function_loss_in_compile_is_reduced_as_keras() -> None:
    """keras.io's custom_mean_squared_error: a function of (y_true, y_pred) as compile's loss."""
    x, y = rng.normal(size=(10, 3)).astype(np.float32), rng.normal(size=(10, 2)).astype(np.float32)

    def make(M):
        def custom_mean_squared_error(y_true, y_pred):
            return M.ops.mean(M.ops.square(y_true - y_pred), axis=-1)

        model = M.Sequential([M.Input(shape=(3,)), M.layers.Dense(2)])
        model.compile("sgd", loss=custom_mean_squared_error)
        return model

    theirs, ours = make(keras), make(K)
    ours.set_weights(theirs.get_weights())
    sw = rng.uniform(0.1, 2.0, 10)
    expected = theirs.evaluate(x, y, sample_weight=sw, batch_size=4, verbose=0)
    np.testing.assert_allclose(ours.evaluate(x, y, sample_weight=sw, batch_size=4, verbose=0), expected, rtol=RTOL)
    theirs.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0)
    ours.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)  # four SGD steps in float32
