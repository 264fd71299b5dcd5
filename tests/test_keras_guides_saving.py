"""keras.io's "Save, serialize, and export models" guide, pinned beside real Keras 3: layer configs
with Keras' values (the dtype policy, initializers and regularizers as serialized objects), the
regularizer classes, functions as activations (registered, in ``custom_objects`` or in a
``custom_object_scope``) through ``.keras`` files, ``get_custom_objects``, ``keras.layers.serialize``
with a layer inside a custom layer's config, and ``save_weights`` returning None.

Configs are compared after dropping the auto-generated names (Keras numbers them per session) and
rounding floats to float32 (Keras keeps a regularizer's factor as float32: 0.005 is 0.004999999888…).
Predictions of a reloaded model equal the saved model's exactly (the same float32 weights, same ops).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import keras as K

from .test_keras_layer_configs import LAYERS, make

pytestmark = KERAS_NOTICE


def plain(value):
    """A config without its "name" entries, floats as float32 (see the module docstring)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "name"}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, float):
        return float(np.float32(value))
    return value


@pytest.mark.parametrize("name", LAYERS)
def test_every_layer_config_has_keras_values(name: str) -> None:
    assert plain(make(K, name).get_config()) == plain(make(keras, name).get_config())


@pytest.mark.parametrize(
    "make_reg",
    [
        lambda M: M.regularizers.L1(0.005),
        lambda M: M.regularizers.L1L2(l1=1e-5, l2=1e-4),
        lambda M: M.regularizers.l2(0.001),
        lambda M: M.regularizers.l1_l2(l1=0.001),
        lambda M: M.regularizers.get("l1"),
    ],
)
def test_regularizers_serialize_as_keras(make_reg) -> None:
    ours, theirs = make_reg(K), make_reg(keras)
    assert type(ours).__name__ == type(theirs).__name__
    config = K.saving.serialize_keras_object(ours)
    assert plain(config) == plain(keras.saving.serialize_keras_object(theirs))
    back = K.saving.deserialize_keras_object(config)
    assert type(back) is type(ours) and back.get_config() == ours.get_config()


def test_l1_l2_is_not_a_name_in_keras_3() -> None:
    for M in (K, keras):
        with pytest.raises(ValueError):
            M.regularizers.get("l1_l2")


def test_layer_configs_with_regularizer_names_and_initializer_objects() -> None:
    def dense(M):
        return M.layers.Dense(2, kernel_regularizer="l1", kernel_initializer=M.initializers.RandomNormal(stddev=0.1))

    assert plain(dense(K).get_config()) == plain(dense(keras).get_config())


def _models(M, fn):
    inputs = M.Input(shape=(4,), name="x")
    outputs = M.layers.Dense(1, activation=fn, name="out")(inputs)
    return M.Model(inputs, outputs, name="guide")


def test_function_activation_serialized_as_keras(tmp_path) -> None:
    """A function as Dense's activation runs, is written as Keras writes it (its registered name),
    and loads back from a .keras file by each of the guide's three routes."""
    registered = {}
    for M in (K, keras):

        @M.saving.register_keras_serializable(package="guide_pkg", name="square_fn")
        def square_fn(x):
            return x**2

        registered[M] = square_fn
    assert K.saving.get_custom_objects()["guide_pkg>square_fn"] is registered[K]
    assert "guide_pkg>square_fn" in keras.saving.get_custom_objects()
    ours, theirs = _models(K, registered[K]), _models(keras, registered[keras])
    assert plain(ours.get_config()) == plain(theirs.get_config())
    ours.layers[1].set_weights(theirs.layers[1].get_weights())
    x = np.random.default_rng(0).random((3, 4)).astype("float32")
    # float32 matmuls summed in another order differ by a few ulps of Σ|w·x| (~1e-7 here); squared,
    # that is 2|z|·1e-7 absolute, which is no small relative error where z is near 0: hence atol
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-6, atol=1e-6)
    ours.save(tmp_path / "m.keras")
    for load in (
        lambda: K.models.load_model(tmp_path / "m.keras"),  # by the registry
        lambda: K.models.load_model(tmp_path / "m.keras", custom_objects={"square_fn": registered[K]}),
    ):
        np.testing.assert_array_equal(load().predict(x, verbose=0), ours.predict(x, verbose=0))
    K.saving.get_custom_objects().pop("guide_pkg>square_fn")  # the registry is the dict itself, as Keras'
    with pytest.raises(TypeError, match="square_fn"):
        K.models.load_model(tmp_path / "m.keras")
    with K.saving.custom_object_scope({"square_fn": registered[K]}):
        reloaded = K.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(reloaded.predict(x, verbose=0), ours.predict(x, verbose=0))
    keras.saving.get_custom_objects().pop("guide_pkg>square_fn", None)


def _my_dense(M, registry_name):
    @M.saving.register_keras_serializable(package="GuideLayers", name=registry_name)
    class MyDense(M.layers.Layer):
        def __init__(self, units, *, kernel_regularizer=None, nested_model=None, **kwargs):
            super().__init__(**kwargs)
            self.units, self.kernel_regularizer, self.nested_model = units, kernel_regularizer, nested_model

        def get_config(self):
            config = super().get_config()
            config.update(units=self.units, kernel_regularizer=self.kernel_regularizer, nested_model=self.nested_model)
            return config

    return MyDense


def test_layers_serialize_a_layer_held_in_a_config() -> None:
    """``keras.layers.serialize`` serializes the values of a custom layer's config in turn (a layer,
    a regularizer); ``deserialize`` finds the registered class and hands the values to its
    constructor as they were written (Keras deserializes no further)."""
    configs = []
    for M in (K, keras):
        cls = _my_dense(M, "KernelMultTest")
        inner = cls(16, kernel_regularizer=M.regularizers.L1L2(l1=1e-5, l2=1e-4))
        configs.append(M.layers.serialize(cls(64, nested_model=inner)))
        back = M.layers.deserialize(configs[-1])
        assert type(back) is cls and back.units == 64 and isinstance(back.nested_model, dict)
        M.saving.get_custom_objects().pop("GuideLayers>KernelMultTest")
    assert plain(configs[0]) == plain(configs[1])
    assert configs[0]["module"] == __name__ and configs[0]["registered_name"] == "GuideLayers>KernelMultTest"


def test_save_weights_returns_none(tmp_path) -> None:
    for M in (K, keras):
        model = M.Sequential([M.Input((3,)), M.layers.Dense(2)])
        assert model.save_weights(tmp_path / f"{M.__name__}.weights.h5") is None
