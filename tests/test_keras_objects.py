"""Losses and metrics as objects, beside real Keras 3 (torch backend): the built-in loss classes with
and without ``from_logits``, a `Loss` subclass, the metric classes and a `Metric` subclass with its
own state, alone and in ``fit``/``evaluate``. In fit the learning rate is 0, so every batch sees
the same weights and the logs are deterministic functions of the data (float32 on both sides:
rtol 1e-5); a metric kept as a sum over batches (not a mean) would show at once.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras, torch
from tinygrad_edu import Tensor
from tinygrad_edu import keras as K

pytestmark = KERAS_NOTICE
RNG = np.random.default_rng

LOSSES = {
    "bce-logits": (lambda M: M.losses.BinaryCrossentropy(from_logits=True), (8, 1), "binary"),
    "bce": (lambda M: M.losses.BinaryCrossentropy(), (8, 1), "binary-probabilities"),
    "sparse-cce-logits": (lambda M: M.losses.SparseCategoricalCrossentropy(from_logits=True), (8, 4), "labels"),
    "cce": (lambda M: M.losses.CategoricalCrossentropy(), (8, 4), "onehot-probabilities"),
    "mse": (lambda M: M.losses.MeanSquaredError(), (8, 3), "real"),
    "mae": (lambda M: M.losses.MeanAbsoluteError(), (8, 3), "real"),
}


def data(shape, kind, seed=0):
    rng = RNG(seed)
    out = rng.normal(size=shape).astype(np.float32)
    if kind.endswith("probabilities"):
        out = 1 / (1 + np.exp(-out)) if kind.startswith("binary") else np.exp(out) / np.exp(out).sum(-1, keepdims=True)
    y = {
        "binary": rng.integers(0, 2, shape),
        "binary-probabilities": rng.integers(0, 2, shape),
        "labels": rng.integers(0, shape[-1], shape[0]),
        "onehot-probabilities": np.eye(shape[-1])[rng.integers(0, shape[-1], shape[0])],
        "real": rng.normal(size=shape),
    }[kind].astype(np.float32)
    return y, out.astype(np.float32)


@pytest.mark.parametrize("case", sorted(LOSSES))
def test_loss_objects_match_keras_values_and_gradients(case: str) -> None:
    make, shape, kind = LOSSES[case]
    y, p = data(shape, kind)
    pt = torch.tensor(p, requires_grad=True)
    expected = make(keras)(torch.tensor(y), pt)
    expected.backward()
    po = Tensor(p, requires_grad=True)
    ours = make(K)(y, po)
    ours.backward()
    np.testing.assert_allclose(ours.item(), expected.item(), rtol=1e-5)
    np.testing.assert_allclose(po.grad, pt.grad.numpy(), rtol=1e-4, atol=1e-7)


def custom_loss(M):
    class Pseudo(M.losses.Loss):
        """A custom loss as keras.io writes one: per-sample values from call."""

        def call(self, y_true, y_pred):
            return M.ops.mean(M.ops.square(y_pred - y_true), axis=-1) * 0.5 + M.ops.mean(M.ops.abs(y_pred), axis=-1)

    return Pseudo()


def custom_metric(M):
    class TruePositives(M.metrics.Metric):
        """keras.io's CategoricalTruePositives: a count kept over the batches, not a mean."""

        def __init__(self, name="true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.count = self.add_variable(shape=(), name="count", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            hits = M.ops.cast(M.ops.argmax(y_pred, axis=1) == M.ops.reshape(y_true, (-1,)), "float32")
            self.count.assign_add(M.ops.sum(hits))

        def result(self):
            return self.count

    return TruePositives()


def classifier(M):
    return M.Sequential([M.Input(shape=(5,)), M.layers.Dense(6, activation="tanh"), M.layers.Dense(3)])


@pytest.mark.parametrize(
    "loss, metrics, onehot",
    [
        (lambda M: M.losses.SparseCategoricalCrossentropy(from_logits=True),
         lambda M: [M.metrics.SparseCategoricalAccuracy(), custom_metric(M)], False),
        (custom_loss, lambda M: [M.metrics.CategoricalAccuracy(name="acc")], True),
    ],
)  # fmt: skip
def test_loss_and_metric_objects_in_fit_and_evaluate_match_keras(loss, metrics, onehot: bool) -> None:
    theirs, ours = classifier(keras), classifier(K)
    ours.set_weights(theirs.get_weights())
    rng = RNG(1)
    x, y = rng.normal(size=(23, 5)).astype(np.float32), rng.integers(0, 3, 23)
    y = np.eye(3, dtype=np.float32)[y] if onehot else y
    for model, module in ((ours, K), (theirs, keras)):
        model.compile(module.optimizers.SGD(0.0), loss=loss(module), metrics=metrics(module))
    hist_o = ours.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0).history
    hist_k = theirs.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0).history
    assert sorted(hist_o) == sorted(hist_k)
    for key in hist_k:
        np.testing.assert_allclose(hist_o[key], hist_k[key], rtol=1e-5, err_msg=key)
    np.testing.assert_allclose(
        ours.evaluate(x, y, batch_size=7, verbose=0), theirs.evaluate(x, y, batch_size=7, verbose=0), rtol=1e-5
    )


@pytest.mark.parametrize(
    "make, y, p",
    [
        (lambda M: M.metrics.SparseCategoricalAccuracy(), [[1], [2], [0]], [[0, 0.8, 0], [0.3, 0.3, 0.4], [1, 0, 0]]),
        (lambda M: M.metrics.CategoricalAccuracy(), [[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]]),
        (lambda M: M.metrics.BinaryAccuracy(threshold=0.3), [[1], [0], [1]], [[0.4], [0.2], [0.1]]),
        (lambda M: M.metrics.MeanSquaredError(), [[1.0, 2.0], [0.0, 1.0]], [[0.5, 2.5], [1.0, 1.0]]),
        (lambda M: M.metrics.MeanAbsoluteError(), [[1.0, 2.0], [0.0, 1.0]], [[0.5, 2.5], [1.0, 1.0]]),
        # a zero target: the denominator is Keras' epsilon
        (lambda M: M.metrics.MeanAbsolutePercentageError(), [[1.0, -2.0], [0.0, 4.0]], [[0.5, 2.5], [1e-8, 1.0]]),
    ],
)  # fmt: skip
def test_metric_objects_update_result_and_reset_as_keras(make, y, p) -> None:
    ours, theirs = make(K), make(keras)
    for m in (ours, theirs):
        m.update_state(np.asarray(y, np.float32), np.asarray(p, np.float32))
        m.update_state(np.asarray(y[:1], np.float32), np.asarray(p[:1], np.float32))
    np.testing.assert_allclose(float(ours.result()), float(theirs.result()), rtol=1e-6)
    assert ours.name == theirs.name
    ours.reset_state()
    theirs.reset_state()
    assert float(ours.result()) == float(theirs.result()) == 0.0


# ----------------------------------------------------------------------------- learning-rate schedules
SCHEDULES = {
    "exponential": lambda S: S.ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5),
    "exponential-staircase": lambda S: S.ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5, staircase=True),
    "piecewise": lambda S: S.PiecewiseConstantDecay([2, 5], [0.1, 0.05, 0.01]),
    "cosine": lambda S: S.CosineDecay(0.1, decay_steps=6, alpha=0.1),
    "cosine-warmup": lambda S: S.CosineDecay(0.0, decay_steps=5, warmup_target=0.2, warmup_steps=3),
}


@pytest.mark.parametrize("case", sorted(SCHEDULES))
def test_schedules_match_keras_and_drive_the_optimizer_step_by_step(case: str) -> None:
    """The rate at steps 0-11 is Keras' (float32 on Keras' side: rtol 1e-6), and SGD driven by the
    schedule over 7 batches ends at Keras' weights (each step's rate is schedule(step), step from 0)."""
    make = SCHEDULES[case]
    ours, theirs = make(K.optimizers.schedules), make(keras.optimizers.schedules)
    for step in range(12):
        np.testing.assert_allclose(ours(step), float(theirs(step)), rtol=1e-6, atol=1e-9, err_msg=str(step))
    m_k, m_o = classifier(keras), classifier(K)
    m_o.set_weights(m_k.get_weights())
    x, y = RNG(2).normal(size=(21, 5)).astype(np.float32), RNG(3).integers(0, 3, 21)
    for model, module in ((m_o, K), (m_k, keras)):
        opt = module.optimizers.SGD(make(module.optimizers.schedules))
        model.compile(opt, loss=module.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(x, y, batch_size=3, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(m_o.get_weights(), m_k.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
