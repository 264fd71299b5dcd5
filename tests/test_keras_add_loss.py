"""``Layer.add_loss`` against real Keras 3 (torch backend): a loss computed in ``call`` is in
``model.losses`` after a call, in ``evaluate``'s loss and in the loss ``fit`` minimises, and the
outermost call clears those of the call before (they do not pile up over batches).

One model with one set of weights on both sides, no shuffling: float32, so losses agree to rtol 1e-5
and the weights after two epochs of SGD to 1e-5 absolute (a few float32 roundings per step)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import keras as K

pytestmark = KERAS_NOTICE
rng = np.random.default_rng()
X = rng.normal(size=(8, 4)).astype(np.float32)
Y = rng.normal(size=(8, 2)).astype(np.float32)


def activity_penalty(M: Any) -> type:
    class ActivityPenalty(M.layers.Layer):
        """Adds rate·mean(x²) of its input, and passes the input on."""

        def __init__(self, rate: float, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.rate = rate

        def call(self, x):
            self.add_loss(self.rate * M.ops.mean(x * x))
            return x

    return ActivityPenalty


def sequential(M: Any) -> Any:
    penalty = activity_penalty(M)
    return M.Sequential([M.Input((4,)), M.layers.Dense(3, activation="tanh"), penalty(0.5), M.layers.Dense(2)])


def subclassed(M: Any) -> Any:
    penalty = activity_penalty(M)

    class Net(M.Model):
        def __init__(self) -> None:
            super().__init__()
            self.hidden = M.layers.Dense(3, activation="tanh")
            self.reg = penalty(0.25)
            self.out = M.layers.Dense(2)

        def call(self, x):
            h = self.reg(self.hidden(x))
            self.add_loss(0.1 * M.ops.sum(h))  # the model's own
            return self.out(h)

    net = Net()
    net(X[:1])
    return net


@pytest.mark.parametrize("make", [sequential, subclassed])
def test_losses_added_in_call_are_trained_as_keras_trains_them(make) -> None:
    theirs, ours = make(keras), make(K)
    ours.set_weights(theirs.get_weights())
    theirs.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    ours.compile(optimizer=K.optimizers.SGD(0.1), loss="mse")
    np.testing.assert_allclose(ours.evaluate(X, Y, verbose=0), theirs.evaluate(X, Y, verbose=0), rtol=1e-5)
    theirs(X)
    ours(X)
    ours(X)  # a second call replaces the losses of the first
    np.testing.assert_allclose(
        [float(v.item()) for v in ours.losses], [float(v.detach()) for v in theirs.losses], rtol=1e-5
    )
    fit_t = theirs.fit(X, Y, epochs=2, batch_size=4, shuffle=False, verbose=0).history["loss"]
    fit_o = ours.fit(X, Y, epochs=2, batch_size=4, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(fit_o, fit_t, rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_add_loss_of_a_number_is_keras_error() -> None:
    for target in (keras.layers.Dense(2), K.layers.Dense(2)):
        with pytest.raises(ValueError, match="can only be called from inside `build\\(\\)` or `call\\(\\)`"):
            target.add_loss(3.0)
