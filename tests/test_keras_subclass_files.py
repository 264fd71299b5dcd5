"""Subclassed models and layers in Keras 3's files, checked both ways with real Keras 3 (torch
backend): the weights are keyed as Keras' ``saving_lib`` walks the model (sublayers by attribute
name, lists and dicts of layers by class with a counter, a subclassed model's ``layers`` property
among the attributes, private attributes last, each layer once), so ``.weights.h5`` and ``.keras``
files of subclassed models saved by Keras load here and ours load in Keras. The classes are written
once and defined on both sides (registered under one name on each).

The predictions are of one model with one set of weights on both sides, in float32: rtol 2e-5 (the
sums run in another order, a few float32 roundings apart)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import keras as K

h5py = pytest.importorskip("h5py", reason=".weights.h5 files are HDF5: pip install tinygrad_edu[keras]")
pytestmark = KERAS_NOTICE
RTOL, ATOL = 2e-5, 2e-6
PACKAGE = "subclass_files"


def define(M):
    """The same subclassed layer and models for Keras (M = keras) and this door (M = K)."""

    class Block(M.layers.Layer):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.proj = M.layers.Dense(4, activation="tanh")
            self.parts = [M.layers.Dense(4), M.layers.Dense(units)]
            self.by_name = {"scale": M.layers.Dense(units), "norm": M.layers.BatchNormalization()}

        def build(self, input_shape):  # a non-trainable weight first: Keras keys the trainable ones first
            self.offset = self.add_weight(shape=(1,), initializer="zeros", trainable=False, name="offset")
            self.gain = self.add_weight(shape=(self.units,), initializer="ones", name="gain")

        def call(self, x):
            h = self.parts[1](self.parts[0](self.proj(x)))
            return self.by_name["norm"](self.by_name["scale"](h)) * self.gain + self.offset

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    class Net(M.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.Encoder = Block(5)  # a capital sorts before every lower-case name
            self.head = M.layers.Dense(3)
            self.zlast = M.layers.Dense(2)  # sorts after "layers": keyed under layers/
            self._out = M.layers.Dense(1)  # private: after all others, so under layers/ too
            self.extra = [M.layers.Dense(3), [M.layers.Dense(3)]]  # sorts before "layers"

        def build(self, input_shape):  # builds the sublayers too, so that Keras can load its own file
            self.bias = self.add_weight(shape=(1,), initializer="zeros", name="bias")
            self.call(np.zeros(tuple(input_shape), "float32"))

        def call(self, x):
            h = self.extra[1][0](self.extra[0](self.head(self.Encoder(x))))
            return self._out(self.zlast(h)) + self.bias

    class Plain(M.Model):  # no build of its own: Keras builds it by calling it
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.block = Block(2)
            self.out = M.layers.Dense(1, activation="sigmoid")

        def call(self, x):
            return self.out(self.block(x))

    register = M.saving.register_keras_serializable(package=PACKAGE)
    return {cls.__name__: register(cls) for cls in (Block, Net, Plain)}


THEIRS, OURS = define(keras), define(K)
X = np.random.default_rng(7).normal(size=(6, 4)).astype(np.float32)


def randomised(model):
    rng = np.random.default_rng(0)
    model.set_weights([np.abs(rng.normal(1, 0.5, w.shape)) + 0.1 for w in model.get_weights()])
    return model


def keras_net(name: str):
    model = THEIRS[name]()
    model(X[:1])
    return randomised(model)


def h5_keys(path) -> set[str]:
    keys: set[str] = set()
    with h5py.File(path, "r") as f:
        f.visititems(lambda key, obj: keys.add(key) if isinstance(obj, h5py.Dataset) else None)
    return keys


@pytest.mark.parametrize("name", ["Net", "Plain"])
def test_weights_files_have_keras_keys_and_load_both_ways(name: str, tmp_path) -> None:
    theirs = keras_net(name)
    theirs.save_weights(tmp_path / "k.weights.h5")
    ours = OURS[name]()
    ours(X[:1])
    ours.save_weights(tmp_path / "o.weights.h5")
    assert h5_keys(tmp_path / "o.weights.h5") == h5_keys(tmp_path / "k.weights.h5")
    ours.load_weights(tmp_path / "k.weights.h5")
    np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X, verbose=0), rtol=RTOL, atol=ATOL)
    back = THEIRS[name]()
    back(X[:1])
    ours.save_weights(tmp_path / "o.weights.h5")
    back.load_weights(tmp_path / "o.weights.h5")
    np.testing.assert_allclose(back.predict(X, verbose=0), theirs.predict(X, verbose=0), rtol=RTOL, atol=ATOL)


def test_the_keys_follow_keras_walk() -> None:
    """Spot checks of the walk's rules, in the file Keras itself writes."""
    ours = OURS["Net"]()
    ours(X[:1])
    keys = set(K.models.weights_file.weight_paths(ours))
    expected = {
        "vars/0",  # the model's own add_weight
        "Encoder/vars/0",  # the Block's own gain
        "Encoder/proj/vars/0",
        "Encoder/parts/dense_1/vars/1",  # list items: class and counter
        "Encoder/by_name/batch_normalization/vars/3",  # dict values likewise
        "layers/dense_1/vars/0",  # zlast: Net.layers' 2nd Dense, first met under "layers"
        "layers/dense_2/vars/0",  # _out
        "extra/dense/vars/0",  # extra[0]: "extra" sorts before "layers"
        "extra/container/dense/vars/0",  # extra[1][0], in a nested list
    }
    assert expected <= keys
    assert [type(layer).__name__ for layer in ours.layers] == [type(lay).__name__ for lay in keras_net("Net").layers]


@pytest.mark.parametrize("name", ["Net", "Plain"])
def test_keras_files_of_subclassed_models_go_both_ways(name: str, tmp_path) -> None:
    theirs = keras_net(name)
    theirs.save(tmp_path / "k.keras")
    ours = K.models.load_model(tmp_path / "k.keras")
    assert type(ours) is OURS[name]
    np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X, verbose=0), rtol=RTOL, atol=ATOL)
    ours.save(tmp_path / "o.keras")
    back = keras.models.load_model(tmp_path / "o.keras")
    assert type(back) is THEIRS[name]
    np.testing.assert_allclose(back.predict(X, verbose=0), theirs.predict(X, verbose=0), rtol=RTOL, atol=ATOL)


def test_a_sequential_of_a_custom_layer_with_sublayers_goes_both_ways(tmp_path) -> None:
    theirs = randomised(keras.Sequential([keras.Input(shape=(4,)), THEIRS["Block"](3), keras.layers.Dense(2)]))
    theirs.save(tmp_path / "k.keras")
    ours = K.models.load_model(tmp_path / "k.keras")
    assert ours.layers[0].units == 3
    np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X, verbose=0), rtol=RTOL, atol=ATOL)
    ours.save(tmp_path / "o.keras")
    back = keras.models.load_model(tmp_path / "o.keras")
    np.testing.assert_allclose(back.predict(X, verbose=0), theirs.predict(X, verbose=0), rtol=RTOL, atol=ATOL)


def test_weights_and_training_see_layers_in_dicts() -> None:
    """Keras tracks layers held in dicts: their weights count, are trainable and come in Keras' order."""
    theirs, ours = keras_net("Net"), OURS["Net"]()
    ours(X[:1])
    assert [tuple(v.shape) for v in ours.weights] == [tuple(v.shape) for v in theirs.weights]
    assert len(ours.trainable_weights) == len(theirs.trainable_weights)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X, verbose=0), rtol=RTOL, atol=ATOL)


def test_an_unregistered_subclassed_model_is_keras_type_error_naming_the_class(tmp_path) -> None:
    class Lonely(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = keras.layers.Dense(1)

        def call(self, x):
            return self.d(x)

    model = Lonely()
    model(X[:1])
    model.save(tmp_path / "k.keras")
    with pytest.raises(TypeError, match="Lonely") as keras_error:
        keras.models.load_model(tmp_path / "k.keras")
    with pytest.raises(type(keras_error.value), match="Could not locate class 'Lonely'"):
        K.models.load_model(tmp_path / "k.keras")
