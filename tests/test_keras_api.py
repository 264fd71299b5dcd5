"""The Keras API a Keras user reaches for: ``keras.Input`` first in a Sequential, ``layers.InputLayer``,
``layer.weights`` and ``set_weights``, and ``keras.utils.plot_model`` (shapes as Keras computes them)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tinygrad_edu import keras as K
from tinygrad_edu.keras import layers as L
from tinygrad_edu.viz import find_renderer

needs_renderer = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer (dot or graphviz-pure)")


def cnn(module) -> object:
    return module.Sequential(
        [
            module.Input(shape=(28, 28, 1)),
            module.layers.Conv2D(8, 3, activation="relu", name="conv"),
            module.layers.MaxPooling2D(2, name="pool"),
            module.layers.Flatten(name="flat"),
            module.layers.Dense(10, activation="softmax", name="probs"),
        ]
    )


def test_input_first_builds_the_model_as_input_shape_does() -> None:
    model = cnn(K)
    assert model.built and [layer.name for layer in model.layers] == ["conv", "pool", "flat", "probs"]
    assert [layer.output_shape for layer in model.layers] == [(26, 26, 8), (13, 13, 8), (1352,), (10,)]
    assert model.count_params() == (3 * 3 * 1 * 8 + 8) + (1352 * 10 + 10)
    assert K.layers.Input is K.Input and isinstance(K.Input(shape=(3,)), K.layers.KerasTensor)
    same = K.Sequential([L.InputLayer(shape=(28, 28, 1)), L.Conv2D(8, 3)])
    assert same.layers[0].output_shape == (26, 26, 8)
    assert K.Sequential([K.Input(shape=5), L.Dense(2)]).input_shape == (5,)


def test_layer_weights_view_and_assign() -> None:
    model = K.Sequential([K.Input(shape=(3,)), L.Dense(2, name="d")])
    kernel, bias = model.layers[0].weights
    # Keras builds a Sequential's layers in its name scope: the path starts with the model's name
    assert (kernel.path, kernel.shape, bias.shape, kernel.trainable) == ("sequential/d/kernel", (3, 2), (2,), True)
    value = np.arange(6.0).reshape(3, 2)
    kernel.assign(value)
    np.testing.assert_array_equal(np.asarray(kernel), value)
    x = np.array([[1.0, 0.0, -1.0]])
    np.testing.assert_allclose(model.predict(x), x @ value + bias.numpy())  # y = x·kernel + bias
    assert "path=sequential/d/kernel, shape=(3, 2)" in repr(kernel)
    assert L.Dense(2).weights == []  # not built: no weights yet, as Keras


def test_model_to_dot_shows_keras_shapes_and_names() -> None:
    dot = K.utils.model_to_dot(cnn(K), show_shapes=True, show_layer_activations=True).source
    for text in ["conv (Conv2D)", "pool (MaxPooling2D)", "flat (Flatten)", "probs (Dense)", "relu", "softmax"]:
        assert text in dot
    for shape in ["(None, 28, 28, 1)", "(None, 26, 26, 8)", "(None, 13, 13, 8)", "(None, 1352)", "(None, 10)"]:
        assert shape in dot  # 28 − 3 + 1 = 26, ⌊26/2⌋ = 13, 13·13·8 = 1352
    assert dot.count("->") == 3 and "L0 -> L1" in dot and "L2 -> L3" in dot
    names_off = K.utils.model_to_dot(cnn(K), show_layer_names=False).source
    assert "Conv2D" in names_off and "conv (Conv2D)" not in names_off and "None" not in names_off
    with pytest.raises(ValueError, match="rankdir"):
        K.utils.model_to_dot(cnn(K), rankdir="XY")
    with pytest.raises(ValueError, match="This model has not yet been built"):  # Keras' words
        K.utils.plot_model(K.Sequential([L.Dense(2)]), "m.dot")


def test_model_to_dot_escapes_names() -> None:
    model = K.Sequential([K.Input(shape=(2,)), L.Dense(1, name="a<b>&c")])
    assert "a&lt;b&gt;&amp;c" in K.utils.model_to_dot(model).source


@needs_renderer
@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_model_writes_the_picture(tmp_path, suffix: str) -> None:
    path = tmp_path / f"model{suffix}"
    assert K.utils.plot_model(cnn(K), to_file=path, show_shapes=True) is None  # outside a notebook
    data = path.read_bytes()
    if suffix == ".png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and os.path.getsize(path) > 1000
    else:
        assert b"<svg" in data and b"MaxPooling2D" in data and b"(None, 1352)" in data
