"""A built layer's weights as attributes (``dense.kernel``, ``bn.moving_mean``, ``emb.embeddings``),
as Keras 3's layers expose them: the same shapes and numbers as Keras', writable with ``assign``,
and AttributeError before the layer is built."""

from __future__ import annotations

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import keras as K

pytestmark = KERAS_NOTICE

NAMES = ("kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance", "embeddings")


def model(M):
    L = M.layers
    return M.Sequential([M.Input((6, 6, 1)), L.Conv2D(2, 3), L.BatchNormalization(), L.Flatten(), L.Dense(3)])


def attributes(m) -> dict[tuple[int, str], np.ndarray]:
    found = {}
    for i, layer in enumerate(m.layers):
        for name in NAMES:
            try:
                found[i, name] = np.asarray(getattr(layer, name).numpy())
            except AttributeError:
                pass
    return found


def test_weight_attributes_equal_keras() -> None:
    theirs, ours = model(keras), model(K)
    ours.set_weights(theirs.get_weights())
    expected, got = attributes(theirs), attributes(ours)
    assert sorted(got) == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_array_equal(got[key], value)


@pytest.mark.parametrize("make", [lambda L: L.Embedding(10, 3), lambda L: L.Dense(2)])
def test_attributes_of_embedding_and_dense_layers_and_assign(make) -> None:
    shapes = {}
    for M in (keras, K):
        layer = make(M.layers)
        with pytest.raises(AttributeError):
            layer.kernel if not hasattr(layer, "input_dim") else layer.embeddings  # not built yet
        layer.build((None, 5))
        shapes[M is K] = {n: tuple(getattr(layer, n).shape) for n in NAMES if _has(layer, n)}
        name = next(iter(shapes[M is K]))
        getattr(layer, name).assign(np.ones(shapes[M is K][name]))
        assert np.all(getattr(layer, name).numpy() == 1)
    assert shapes[True] == shapes[False]


def _has(layer, name: str) -> bool:
    try:
        getattr(layer, name)
    except AttributeError:
        return False
    return True
