"""keras.io's "Training & evaluation with the built-in methods" and *Deep Learning with Python*'s
chapter 7, the parts measured beside real Keras 3: an output compiled without a loss (None in the
list, or left out of a dict: Keras takes the compile and refuses the dict at fit), ``keras.ops.array``
with Keras' dtypes, a KerasTensor's repr, and a subclassed model called on a dict of integer arrays.

The models get Keras' weights, so losses agree to float32 rounding (rtol 1e-5: a few float32 sums).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import keras as K

pytestmark = KERAS_NOTICE


def two_outputs(M):
    inputs = M.Input((3,), name="x")
    score = M.layers.Dense(1, name="score")(inputs)
    cls = M.layers.Dense(2, activation="softmax", name="cls")(inputs)
    return M.Model(inputs, [score, cls])


def data():
    rng = np.random.default_rng(0)
    x = rng.random((8, 3)).astype("float32")
    return x, rng.random((8, 1)).astype("float32"), np.eye(2, dtype="float32")[rng.integers(0, 2, 8)]


def pair():
    ours, theirs = two_outputs(K), two_outputs(keras)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


@pytest.mark.parametrize("loss", [lambda M: [None, M.losses.CategoricalCrossentropy()], lambda M: ["mse", "mse"]])
def test_an_output_without_a_loss_as_keras(loss) -> None:
    x, ys, yc = data()
    results = []
    for model, M in zip(pair(), (K, keras)):
        model.compile(optimizer="sgd", loss=loss(M))
        results.append(model.evaluate(x, [ys, yc], verbose=0, return_dict=True))
    assert list(results[0]) == list(results[1])
    for key in results[0]:
        np.testing.assert_allclose(results[0][key], results[1][key], rtol=1e-5)


def test_a_dict_of_losses_that_leaves_an_output_out_is_refused_at_fit() -> None:
    x, ys, yc = data()
    for model, M in zip(pair(), (K, keras)):
        model.compile(optimizer="sgd", loss={"cls": M.losses.CategoricalCrossentropy()})  # accepted
        with pytest.raises(ValueError, match="Expected keys"):
            model.fit(x, {"score": ys, "cls": yc}, verbose=0)


def test_ops_array_dtypes_as_keras() -> None:
    for value in ([0, 1, 2], [[1, 0], [0, 1]], [0.5, 1.5], 3, 2.5, np.arange(3), np.ones(2)):
        ours, theirs = K.ops.array(value), keras.ops.array(value)
        assert str(K.ops.convert_to_numpy(ours).dtype) == str(keras.ops.convert_to_numpy(theirs).dtype)
        np.testing.assert_array_equal(K.ops.convert_to_numpy(ours), keras.ops.convert_to_numpy(theirs))


def test_keras_tensor_repr_as_keras() -> None:
    def mask(text: str) -> str:
        return text.split(", name=")[0]

    assert mask(repr(K.Input((3,)))) == mask(repr(keras.Input((3,))))
    assert mask(repr(K.Input((None,), dtype="int32"))) == mask(repr(keras.Input((None,), dtype="int32")))


def test_logs_and_evaluate_in_keras_order() -> None:
    """Keras sorts the logs (history, callbacks, ``return_dict``); ``evaluate``'s list holds the loss,
    each output's loss and one output's compiled metrics first, then the other logs sorted. A learner
    unpacks that list, so the order is the values' meaning."""
    x, ys, yc = data()
    found = []
    for model in pair():
        model.compile(optimizer="sgd", loss=["mse", "categorical_crossentropy"], metrics=[["mae"], ["accuracy"]])
        history = model.fit(x, [ys, yc], verbose=0, epochs=1, shuffle=False, validation_data=(x, [ys, yc]))
        found.append((list(history.history), list(model.evaluate(x, [ys, yc], verbose=0, return_dict=True))))
        found[-1] += (model.evaluate(x, [ys, yc], verbose=0),)
    assert found[0][:2] == found[1][:2]
    np.testing.assert_allclose(found[0][2], found[1][2], rtol=1e-5)
    single = []
    for M in (K, keras):
        inputs = M.Input((3,))
        model = M.Model(inputs, M.layers.Dense(2, activation="softmax", name="cls")(inputs))
        model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["mse", "accuracy", "mae"])
        single.append(model)
    single[0].set_weights(single[1].get_weights())
    ours, theirs = (m.evaluate(x, yc, verbose=0) for m in single)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    assert list(single[0].evaluate(x, yc, verbose=0, return_dict=True)) == ["accuracy", "loss", "mae", "mse"]


def test_dense_on_integer_inputs_computes_in_float32_as_keras() -> None:
    """DLwP chapter 7 calls a model on 0/1 matrices of ints: Keras' matmul promotes them to float32."""
    x = np.random.default_rng(1).integers(0, 2, size=(4, 5))
    ours, theirs = K.layers.Dense(3), keras.layers.Dense(3)
    theirs.build((None, 5))
    ours.build((None, 5))
    ours.set_weights(theirs.get_weights())
    out = K.ops.convert_to_numpy(ours(x))
    assert out.dtype == np.float32
    # float32 sums in another order differ by a few ulps of Σ|w·x| absolute, not relative to an output near 0
    np.testing.assert_allclose(out, keras.ops.convert_to_numpy(theirs(x)), rtol=1e-6, atol=1e-6)
