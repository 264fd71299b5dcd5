"""A Sequential model started from ``keras.Input`` has Keras 3's symbolic graph: ``model.inputs``,
``model.outputs`` and each layer's ``output``, so keras.io's feature-extraction recipe (a functional
``keras.Model`` over a Sequential's layers) runs and gives Keras' features for the same weights
(float32, rtol 2e-5: the sums run in another order)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import keras as K

pytestmark = KERAS_NOTICE


def stack(M):
    return M.Sequential(
        [
            M.Input(shape=(6, 6, 2)),
            M.layers.Conv2D(3, 3, activation="relu"),
            M.layers.Conv2D(2, 2, activation="relu", name="middle"),
            M.layers.Flatten(),
            M.layers.Dense(2),
        ]
    )


def test_feature_extractor_over_a_sequential_gives_keras_features() -> None:
    theirs, ours = stack(keras), stack(K)
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(0).normal(size=(3, 6, 6, 2)).astype(np.float32)
    for M, model in ((keras, theirs), (K, ours)):
        model.extractor = M.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])
        model.middle = M.Model(inputs=model.inputs, outputs=model.get_layer(name="middle").output)
    for a, b in zip(ours.extractor(x), theirs.extractor(x)):
        np.testing.assert_allclose(np.asarray(a), b.detach().numpy(), rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(np.asarray(ours.middle(x)), theirs.middle(x).detach().numpy(), rtol=2e-5, atol=2e-6)
    assert [tuple(t.shape) for t in ours.outputs] == [tuple(t.shape) for t in theirs.outputs]


def test_pop_moves_the_output_back() -> None:
    ours = stack(K)
    ours.pop()
    assert ours.outputs[0].shape == (None, 3 * 3 * 2)  # Flatten of the 3×3×2 maps


def test_a_sequential_without_input_has_no_symbolic_inputs() -> None:
    model = K.Sequential([K.layers.Dense(2)])
    with pytest.raises(AttributeError, match=r"keras\.Input"):
        _ = model.inputs


def test_models_named_by_default_nest_as_in_keras() -> None:
    """keras.io's ensemble: three unnamed functional models in one model get Keras' unique names."""

    def ensemble(M):
        def get_model():
            inputs = M.Input(shape=(4,))
            return M.Model(inputs, M.layers.Dense(1)(inputs))

        inputs = M.Input(shape=(4,))
        outputs = M.layers.average([get_model()(inputs) for _ in range(3)])
        return M.Model(inputs=inputs, outputs=outputs)

    theirs, ours = ensemble(keras), ensemble(K)
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    assert [layer.name for layer in ours.layers][1:] == ["functional", "functional_1", "functional_2", "average"]
    with pytest.raises(ValueError, match="used 2 times"):
        a = K.Input(shape=(2,))
        K.Model(a, K.layers.add([K.layers.Dense(1, name="d")(a), K.layers.Dense(1, name="d")(a)]))
