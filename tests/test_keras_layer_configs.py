"""Every layer's ``get_config()`` has real Keras 3's keys (the arguments this door does not model at
the value where they change nothing), so a key left out is caught here; each config loads on the
other side; and Conv2D's ``bias_regularizer`` adds Keras' penalty (float32 sums: rtol 1e-6)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import keras as K

pytestmark = KERAS_NOTICE

#: constructor arguments of the layers that need some; every other layer is made with none
ARGS = {
    "Activation": ("relu",),
    "AveragePooling2D": (2,),
    "Conv1D": (2, 3),
    "Conv2D": (2, 3),
    "Conv2DTranspose": (2, 3),
    "Dense": (3,),
    "Dropout": (0.5,),
    "Embedding": (5, 2),
    "GRU": (2,),
    "LSTM": (2,),
    "Reshape": ((2, 2),),
    "SimpleRNN": (2,),
}
#: every layer class this door exports (a new one is checked without being listed here)
LAYERS = sorted(
    name
    for name in K.layers.__all__
    if isinstance(getattr(K.layers, name), type)
    and issubclass(getattr(K.layers, name), K.layers.Layer)
    and name not in ("Layer", "InputLayer")
)


def make(M, name: str):
    return getattr(M.layers, name)(*ARGS.get(name, ()))


@pytest.mark.parametrize("name", LAYERS)
def test_config_keys_are_keras(name: str) -> None:
    assert set(make(K, name).get_config()) == set(make(keras, name).get_config())


def test_input_layer_config_keys_are_keras() -> None:
    assert set(K.layers.InputLayer(shape=(3,)).get_config()) == set(keras.layers.InputLayer(shape=(3,)).get_config())


@pytest.mark.parametrize("name", LAYERS)
def test_configs_load_on_the_other_side(name: str) -> None:
    """Each side makes the layer from the other's config (the values: tests/test_keras_saving.py)."""
    ours, theirs = make(K, name), make(keras, name)
    assert set(getattr(keras.layers, name).from_config(ours.get_config()).get_config()) == set(theirs.get_config())
    assert set(getattr(K.layers, name).from_config(theirs.get_config()).get_config()) == set(ours.get_config())


def test_conv2d_bias_regularizer_adds_keras_penalty() -> None:
    x = np.random.default_rng(0).normal(size=(2, 5, 5, 3)).astype(np.float32)
    theirs = keras.layers.Conv2D(2, 3, bias_initializer="ones", bias_regularizer=keras.regularizers.L2(0.25))
    theirs(x)
    ours = K.layers.Conv2D(2, 3, bias_regularizer=K.regularizers.L2(0.25))
    ours(x)
    ours.set_weights(theirs.get_weights())
    assert ours.get_config()["bias_regularizer"] == theirs.get_config()["bias_regularizer"]
    np.testing.assert_allclose(float(ours.penalty().item()), float(sum(theirs.losses)), rtol=1e-6)
