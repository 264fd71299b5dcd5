"""A `keras.metrics.Metric` subclass's state, beside real Keras 3 (torch backend): variables made with
``add_weight``, arithmetic on them in ``result()``, the stateless API (``variables``,
``stateless_update_state``/``stateless_result``/``stateless_reset_state``) and the two ``keras.ops``
such metrics use (``one_hot``, ``shape``). In fit the learning rate is 0, so every batch sees the same
weights and the logged metric is a deterministic function of the data (float32 on both sides: rtol 1e-5).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import keras as K

pytestmark = KERAS_NOTICE
RNG = np.random.default_rng


def rms_of_onehot_error(M):
    """sqrt(Σ‖onehot(y) − p‖² / samples seen): a sum and a count kept with add_weight."""

    class RMSOneHotError(M.metrics.Metric):
        def __init__(self, name="rms_onehot", **kwargs):
            super().__init__(name=name, **kwargs)
            self.squares = self.add_weight(name="squares", initializer="zeros")
            self.seen = self.add_weight(name="seen", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            target = M.ops.one_hot(M.ops.cast(M.ops.reshape(y_true, (-1,)), "int32"), M.ops.shape(y_pred)[1])
            self.squares.assign_add(M.ops.sum(M.ops.square(target - y_pred)))
            self.seen.assign_add(M.ops.shape(y_pred)[0])

        def result(self):
            return M.ops.sqrt(self.squares / self.seen)

        def reset_state(self):
            self.squares.assign(0.0)
            self.seen.assign(0.0)

    return RMSOneHotError()


def test_an_add_weight_metric_in_fit_and_evaluate_matches_keras() -> None:
    theirs = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
    ours = K.Sequential([K.Input(shape=(4,)), K.layers.Dense(3, activation="softmax")])
    ours.set_weights(theirs.get_weights())
    rng = RNG()
    x, y = rng.normal(size=(21, 4)).astype(np.float32), rng.integers(0, 3, 21)
    for model, module in ((ours, K), (theirs, keras)):
        model.compile(
            module.optimizers.SGD(0.0), "sparse_categorical_crossentropy", metrics=[rms_of_onehot_error(module)]
        )
    hist_o = ours.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    hist_k = theirs.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    assert sorted(hist_o) == sorted(hist_k) == ["loss", "rms_onehot"]
    for key in hist_k:
        np.testing.assert_allclose(hist_o[key], hist_k[key], rtol=1e-5, err_msg=key)
    np.testing.assert_allclose(
        ours.evaluate(x, y, batch_size=5, verbose=0), theirs.evaluate(x, y, batch_size=5, verbose=0), rtol=1e-5
    )


@pytest.mark.parametrize("make", [lambda M: M.metrics.SparseCategoricalAccuracy(), lambda M: M.metrics.Mean()])
def test_the_stateless_api_matches_keras_and_leaves_the_metric_alone(make) -> None:
    rng = RNG()
    y, p = rng.integers(0, 3, 6), rng.random((6, 3)).astype(np.float32)
    args = (y, p) if "Accuracy" in type(make(K)).__name__ else (p[:, 0],)
    results = []
    for M in (K, keras):
        metric = make(M)
        state = metric.stateless_update_state(metric.variables, *args)
        state = metric.stateless_update_state(state, *(a[:2] for a in args))
        results.append(
            (
                float(metric.stateless_result(state)),
                float(metric.result()),
                [float(v) for v in metric.stateless_reset_state()],
                [float(v) for v in state],
            )
        )
    (ours, theirs) = results
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    assert ours[1] == theirs[1] == 0.0  # the metric's own state is untouched
    assert ours[2] == theirs[2]
    np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-6)


def test_stateless_calls_refuse_a_state_of_another_length() -> None:
    with pytest.raises(ValueError, match="expected 2 metric variables, got 1"):
        K.metrics.Mean().stateless_result([np.float32(1.0)])


@pytest.mark.parametrize("labels, axis", [([0, 2, -1, 1], -1), ([[0, 1], [2, 2]], 0), ([[0, 1], [2, -3]], -1)])
def test_ops_one_hot_and_shape_match_keras(labels, axis) -> None:
    labels = np.asarray(labels)
    ours, theirs = K.ops.one_hot(labels, 3, axis=axis), keras.ops.one_hot(labels, 3, axis=axis)
    np.testing.assert_array_equal(K.ops.convert_to_numpy(ours), keras.ops.convert_to_numpy(theirs))
    assert str(K.ops.convert_to_numpy(ours).dtype) == str(keras.ops.convert_to_numpy(theirs).dtype)
    assert K.ops.shape(ours) == keras.ops.shape(theirs)


def test_ops_one_hot_refuses_a_label_past_the_classes_as_keras() -> None:
    with pytest.raises(RuntimeError):
        keras.ops.one_hot(np.array([3]), 3)
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        K.ops.one_hot(np.array([3]), 3)


def test_compile_takes_its_positional_arguments_in_keras_order() -> None:
    """Keras 3: compile(optimizer, loss, loss_weights, metrics, weighted_metrics, ...): a third positional
    argument is the loss weights, never the metrics."""
    import inspect

    ours = list(inspect.signature(K.Model.compile).parameters)
    theirs = list(inspect.signature(keras.Model.compile).parameters)
    assert ours == theirs[: len(ours)]


def two_outputs(M):
    x = M.Input(shape=(4,), name="x")
    hidden = M.layers.Dense(5, activation="tanh", name="hidden")(x)
    score = M.layers.Dense(1, name="score")(hidden)
    label = M.layers.Dense(3, activation="softmax", name="label")(hidden)
    return M.Model(x, [score, label])


@pytest.mark.parametrize("by_dict", [False, True])
def test_metric_objects_per_output_match_keras(by_dict: bool) -> None:
    """keras.io's training guide: Metric objects per output of a two-output model (a list of lists,
    or a dict by output name), logged as <output>_<metric name>; a count metric would show a mean
    taken over batches at once, so the object's own running state is what must be logged."""
    theirs, ours = two_outputs(keras), two_outputs(K)
    ours.set_weights(theirs.get_weights())
    rng = RNG()
    x = rng.normal(size=(19, 4)).astype(np.float32)
    y = [rng.normal(size=(19, 1)).astype(np.float32), np.eye(3, dtype=np.float32)[rng.integers(0, 3, 19)]]
    logs = {}
    for name, M, model in (("ours", K, ours), ("keras", keras, theirs)):
        per_output = [
            [M.metrics.MeanAbsolutePercentageError(), M.metrics.MeanAbsoluteError()],
            [M.metrics.CategoricalAccuracy()],
        ]
        metrics = dict(zip(["score", "label"], per_output)) if by_dict else per_output
        model.compile(M.optimizers.SGD(0.0), loss=["mse", "categorical_crossentropy"], metrics=metrics)
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
        logs[name] = (history, model.evaluate(x, y, batch_size=6, verbose=0, return_dict=True))
    (hist_o, eval_o), (hist_k, eval_k) = logs["ours"], logs["keras"]
    assert sorted(hist_o) == sorted(hist_k)
    assert "score_mean_absolute_percentage_error" in hist_k
    for key in hist_k:
        np.testing.assert_allclose(hist_o[key], hist_k[key], rtol=1e-5, err_msg=key)
    assert sorted(eval_o) == sorted(eval_k)
    for key in eval_k:
        np.testing.assert_allclose(eval_o[key], eval_k[key], rtol=1e-5, err_msg=key)
