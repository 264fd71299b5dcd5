"""Keras 3's weight paths (``w.path``, the TensorBoard histogram tags): the name scopes open when a layer
built, joined by "/", then the weight's name. A Sequential builds its layers inside its own scope
(``sequential/dense/kernel``), a subclassed model inside its call (``my_model/dense/kernel``), a
functional model's layers at the top (``dense/kernel``), and a layer keeps the path of where it was first
used. Each case runs one construction under real Keras 3 and under ``tinygrad_edu.keras`` (each after its
own ``clear_session``) and compares every weight's path with Keras', and ``path`` of the model and of
each of its layers (None for a layer never built: an ``InputLayer``).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import keras as K

pytestmark = KERAS_NOTICE


def sequential_with_input(M):
    return M.Sequential([M.Input((3,)), M.layers.Dense(2, name="hidden"), M.layers.Dense(1)])


def sequential_named(M):
    return M.Sequential([M.Input((3,)), M.layers.Dense(2)], name="stack")


def sequential_built_later(M):
    model = M.Sequential([M.layers.Dense(4), M.layers.Dense(2)])
    model.build((None, 3))
    return model


def sequential_built_by_a_call(M):
    model = M.Sequential([M.layers.Dense(4), M.layers.Dense(2)])
    model(np.ones((2, 3), np.float32))
    return model


def sequential_added(M):
    model = M.Sequential()
    model.add(M.Input((3,)))
    model.add(M.layers.Dense(2))
    model.add(M.layers.Dense(1))
    return model


def convnet(M):
    L = M.layers
    return M.Sequential(
        [M.Input((8, 8, 1)), L.Conv2D(4, 3), L.BatchNormalization(), L.Flatten(), L.Dense(2)], name="convnet"
    )


def embedding_stack(M):
    L = M.layers
    return M.Sequential([M.Input((5,), dtype="int32"), L.Embedding(10, 4), L.GlobalAveragePooling1D(), L.Dense(1)])


def functional(M):
    x = M.Input((3,))
    y = M.layers.Dense(2, name="h")(M.layers.Dense(4)(x))
    return M.Model(x, y)


def subclassed(M):
    class TwoLayers(M.Model):
        def __init__(self):
            super().__init__()
            self.hidden = M.layers.Dense(4)
            self.out = M.layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    model = TwoLayers()
    model(np.ones((2, 3), np.float32))
    return model


def custom_layers(M):
    class Scale(M.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return x * self.w

    class Block(M.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = M.layers.Dense(2, name="inner")

        def build(self, input_shape):
            self.inner.build(input_shape)

        def call(self, x):
            return self.inner(x)

    return M.Sequential([M.Input((3,)), Scale(name="scale"), Block(name="block")])


def standalone(M):
    layer = M.layers.Dense(2, name="solo")
    layer.build((None, 3))
    return layer


def reused_after_a_functional_model(M):
    """A layer first built in a functional model keeps its top-level path inside a Sequential."""
    shared = M.layers.Dense(2, name="shared")
    x = M.Input((3,))
    M.Model(x, shared(x))
    return M.Sequential([M.Input((3,)), shared, M.layers.Dense(1)])


CASES = [
    sequential_with_input,
    sequential_named,
    sequential_built_later,
    sequential_built_by_a_call,
    sequential_added,
    convnet,
    embedding_stack,
    functional,
    subclassed,
    custom_layers,
    standalone,
    reused_after_a_functional_model,
]


@pytest.mark.parametrize("make", CASES, ids=[c.__name__ for c in CASES])
def test_weight_paths_are_keras(make) -> None:
    paths = {}
    for M in (keras, K):
        M.backend.clear_session()
        model = make(M)
        layers = getattr(model, "layers", [])
        paths[M] = [w.path for w in model.weights], model.path, [layer.path for layer in layers]
    assert paths[K] == paths[keras]


def test_layers_keras_builds_as_it_makes_them_have_no_path() -> None:
    """Keras builds pools and activations as it makes them (``_build_at_init``), so they never open a
    build scope: their ``path`` stays None, where a Flatten or a Dropout built in a Sequential has one."""
    paths = {}
    for M in (keras, K):
        M.backend.clear_session()
        L = M.layers
        model = M.Sequential(
            [M.Input((6, 6, 2)), L.MaxPooling2D(), L.AveragePooling2D(1), L.Activation("relu"), L.Dropout(0.1)]
            + [L.GlobalAveragePooling2D(), L.Flatten()]
        )
        paths[M] = [layer.path for layer in model.layers]
    assert paths[K] == paths[keras]
