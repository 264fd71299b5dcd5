"""``keras.activations`` beside Keras 3's: each function's values on the same arrays (and Keras'
options of ``relu``), its gradient against float64 central differences, ``get``/``serialize``/
``deserialize`` and their errors, and a layer given a function: its config says the name, as Keras',
and it computes what the layer given the name computes.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import Tensor, gradcheck
from tinygrad_edu import keras as K

pytestmark = KERAS_NOTICE

X = np.array([[-3.0, -0.7, 0.0, 0.4, 2.5], [1.5, -1.2, 0.9, -0.1, 4.0]], dtype=np.float32)
CALLS = [
    ("linear", {}),
    ("relu", {}),
    ("relu", {"max_value": 1.0}),
    ("relu", {"max_value": 6.0}),
    ("relu", {"negative_slope": 0.1}),
    ("relu", {"threshold": 0.5}),
    ("relu", {"negative_slope": 0.1, "threshold": 1.0, "max_value": 2.0}),
    ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.05}),
    ("sigmoid", {}),
    ("tanh", {}),
    ("softmax", {}),
    ("softmax", {"axis": 0}),
]
IDS = [f"{name}{kw or ''}" for name, kw in CALLS]


@pytest.mark.parametrize(("name", "kw"), CALLS, ids=IDS)
def test_values_are_keras(name, kw) -> None:
    ours = getattr(K.activations, name)(X, **kw)
    theirs = keras.ops.convert_to_numpy(getattr(keras.activations, name)(X, **kw))
    assert isinstance(ours, Tensor) and ours.numpy().dtype == np.float32
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("name", "kw"), CALLS, ids=IDS)
def test_gradients_are_central_differences(name, kw) -> None:
    """float64, at points at least 0.05 from every kink (0, the threshold, max_value)."""
    x = Tensor(X.astype(np.float64) + 0.05, requires_grad=True)
    assert gradcheck(lambda t: getattr(K.activations, name)(t, **kw), [x])


def test_get_serialize_deserialize_as_keras() -> None:
    A = K.activations
    assert A.get(None) is A.linear and A.get("tanh") is A.tanh and A.deserialize("softmax") is A.softmax
    assert [A.serialize(f) for f in (A.relu, A.leaky_relu)] == [
        keras.activations.serialize(f) for f in (keras.activations.relu, keras.activations.leaky_relu)
    ]
    own = np.cos
    assert A.get(own) is own
    for bad in ("nope", 3):
        with pytest.raises(ValueError) as ours:
            A.get(bad)
        with pytest.raises(ValueError) as theirs:
            keras.activations.get(bad)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "sigmoid", "softmax"])
def test_a_layer_given_the_function_is_the_layer_given_the_name(name) -> None:
    """Config: the name, as Keras'; output: the same as ``activation=name`` from the same weights."""
    function = getattr(K.activations, name)
    theirs = keras.layers.Dense(3, activation=getattr(keras.activations, name)).get_config()["activation"]
    by_function, by_name = K.layers.Dense(3, activation=function), K.layers.Dense(3, activation=name)
    assert by_function.get_config()["activation"] == theirs == name
    x = np.random.default_rng(0).normal(size=(4, 5)).astype(np.float32)
    by_function(x), by_name(x)
    by_name.set_weights(by_function.get_weights())
    np.testing.assert_array_equal(by_function(x).numpy(), by_name(x).numpy())
