"""``keras.utils.set_random_seed``: Keras' error, the generators it seeds, and runs that repeat."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import keras as ours

pytestmark = KERAS_NOTICE


@pytest.mark.parametrize("seed", [1.5, "3", None])
def test_a_seed_that_is_not_an_int_is_keras_value_error(seed) -> None:
    with pytest.raises(ValueError) as theirs:
        keras.utils.set_random_seed(seed)
    with pytest.raises(ValueError) as mine:
        ours.utils.set_random_seed(seed)
    assert str(mine.value) == str(theirs.value)


def test_python_and_numpy_are_seeded_as_keras_seeds_them() -> None:
    """Keras seeds Python's and numpy's global generators with the seed itself: both sides then draw the same."""
    keras.utils.set_random_seed(123)
    theirs = random.random(), np.random.rand(3)
    ours.utils.set_random_seed(123)
    mine = random.random(), np.random.rand(3)
    assert mine[0] == theirs[0]
    np.testing.assert_array_equal(mine[1], theirs[1])


def run(seed: int) -> tuple[list[np.ndarray], list[float]]:
    """Build, train (shuffled batches, dropout) and return the weights and losses, after set_random_seed."""
    ours.utils.set_random_seed(seed)
    model = ours.Sequential(
        [ours.Input((4,)), ours.layers.Dense(8, activation="relu"), ours.layers.Dropout(0.5), ours.layers.Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse")
    x = np.linspace(-1, 1, 64, dtype="float32").reshape(16, 4)
    history = model.fit(x, x.sum(axis=1), epochs=2, batch_size=4, verbose=0)
    return [w.copy() for w in model.get_weights()], history.history["loss"]


def test_the_same_seed_repeats_a_run_and_another_seed_does_not() -> None:
    weights, losses = run(5)
    again_weights, again_losses = run(5)
    assert losses == again_losses
    for a, b in zip(weights, again_weights):
        np.testing.assert_array_equal(a, b)
    other_weights, _ = run(6)
    assert not np.array_equal(weights[0], other_weights[0])
