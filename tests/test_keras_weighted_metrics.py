"""``compile(weighted_metrics=...)`` against real Keras 3 (torch backend): the metrics weighted by
``sample_weight`` (in fit and evaluate) and by ``class_weight`` (fit), logged under Keras' names
(``weighted_<name>`` where an unweighted metric has the name).

One model with one set of weights on both sides; fit runs with learning rate 0 and no shuffling,
so every batch's predictions are those weights' on both sides: float32, rtol 1e-5."""

from __future__ import annotations

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import keras as K

pytestmark = KERAS_NOTICE
RTOL = 1e-5
rng = np.random.default_rng(11)
X = rng.normal(size=(10, 3)).astype(np.float32)
SW = rng.uniform(0.0, 2.0, size=10)


def model(M, units: int, activation: str):
    return M.Sequential(
        [M.Input(shape=(3,)), M.layers.Dense(5, activation="relu"), M.layers.Dense(units, activation=activation)]
    )


OBJECT = "a SparseCategoricalAccuracy object named sca"
CASES = {
    "sparse": (
        3,
        "softmax",
        rng.integers(0, 3, 10),
        {
            "loss": ["sparse_categorical_crossentropy"],
            "metrics": ["accuracy"],
            "weighted_metrics": ["accuracy", OBJECT],
        },
    ),
    "regression": (
        2,
        "linear",
        rng.normal(size=(10, 2)),
        {"loss": ["mse"], "metrics": ["mae"], "weighted_metrics": ["mae", "mse"]},
    ),
    "binary": (
        1,
        "sigmoid",
        rng.integers(0, 2, 10),
        {"loss": ["binary_crossentropy"], "weighted_metrics": ["accuracy"]},
    ),
}


def args_for(M, spec: dict) -> dict:
    made = {
        k: [M.metrics.SparseCategoricalAccuracy(name="sca") if v == OBJECT else v for v in vs] for k, vs in spec.items()
    }
    return {**made, "loss": made["loss"][0]}


def pair(case: str):
    units, activation, y, spec = CASES[case]
    theirs, ours = model(keras, units, activation), model(K, units, activation)
    weights = [np.random.default_rng(3).normal(0, 0.5, w.shape) for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    for m, M in ((theirs, keras), (ours, K)):
        made = args_for(M, spec)
        m.compile(
            M.optimizers.SGD(0.0),
            loss=made["loss"],
            metrics=made.get("metrics"),
            weighted_metrics=made["weighted_metrics"],
        )
    return theirs, ours, y


def assert_same_logs(ours: dict, theirs: dict) -> None:
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=RTOL, err_msg=key)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("weighted", [True, False])
def test_evaluate_weighs_the_weighted_metrics_as_keras(case: str, weighted: bool) -> None:
    theirs, ours, y = pair(case)
    sw = SW if weighted else None
    expected = theirs.evaluate(X, y, sample_weight=sw, batch_size=4, verbose=0, return_dict=True)
    assert_same_logs(ours.evaluate(X, y, sample_weight=sw, batch_size=4, verbose=0, return_dict=True), expected)


@pytest.mark.parametrize("case", sorted(CASES))
def test_fit_logs_weighted_metrics_with_sample_weight(case: str) -> None:
    theirs, ours, y = pair(case)
    expected = theirs.fit(X, y, sample_weight=SW, batch_size=4, shuffle=False, epochs=2, verbose=0).history
    assert_same_logs(
        ours.fit(X, y, sample_weight=SW, batch_size=4, shuffle=False, epochs=2, verbose=0).history, expected
    )


def test_fit_logs_weighted_metrics_with_class_weight() -> None:
    theirs, ours, y = pair("binary")
    class_weight = {0: 0.25, 1: 3.0}
    expected = theirs.fit(X, y, class_weight=class_weight, batch_size=4, shuffle=False, verbose=0).history
    assert_same_logs(
        ours.fit(X, y, class_weight=class_weight, batch_size=4, shuffle=False, verbose=0).history, expected
    )


def test_weighted_metrics_of_several_outputs_are_refused_by_name() -> None:
    a = K.Input(shape=(3,))
    two = K.Model(a, [K.layers.Dense(1, name="p")(a), K.layers.Dense(1, name="q")(a)])
    with pytest.raises(NotImplementedError, match="weighted_metrics"):
        two.compile("sgd", ["mse", "mse"], weighted_metrics=["mae"])


def test_an_unknown_weighted_metric_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="nonsense"):
        model(K, 1, "sigmoid").compile("sgd", "binary_crossentropy", weighted_metrics=["nonsense"])


def test_weighted_metrics_travel_in_keras_files_both_ways(tmp_path) -> None:
    theirs, ours, y = pair("sparse")
    theirs.save(tmp_path / "k.keras")
    loaded = K.models.load_model(tmp_path / "k.keras")
    expected = theirs.evaluate(X, y, sample_weight=SW, verbose=0, return_dict=True)
    assert_same_logs(loaded.evaluate(X, y, sample_weight=SW, verbose=0, return_dict=True), expected)
    ours.save(tmp_path / "o.keras")
    back = keras.models.load_model(tmp_path / "o.keras")
    assert_same_logs(back.evaluate(X, y, sample_weight=SW, verbose=0, return_dict=True), expected)


@pytest.mark.parametrize(
    ("name", "units", "activation", "loss"),
    [
        ("sparse_categorical_accuracy", 3, "softmax", "sparse_categorical_crossentropy"),
        ("binary_accuracy", 1, "sigmoid", "binary_crossentropy"),
    ],
)
def test_accuracies_named_outright_log_as_keras(name: str, units: int, activation: str, loss: str) -> None:
    y = CASES["sparse" if units == 3 else "binary"][2]
    theirs, ours = model(keras, units, activation), model(K, units, activation)
    ours.set_weights(theirs.get_weights())
    for m in (theirs, ours):
        m.compile("sgd", loss=loss, metrics=[name], weighted_metrics=[name])
    expected = theirs.evaluate(X, y, sample_weight=SW, batch_size=4, verbose=0, return_dict=True)
    assert_same_logs(ours.evaluate(X, y, sample_weight=SW, batch_size=4, verbose=0, return_dict=True), expected)
