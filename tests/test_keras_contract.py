"""What Keras 3 does silently, checked beside real Keras 3 (torch backend): a Layer subclass's call()
and add_weight, the per-call training flag, the callback hooks and their logs, model.build with the
batch axis, validation_split's sample count, weights files keyed by position (both directions with
Keras' own .weights.h5), the target-shape rules of the losses, the epoch loss over a short last
batch, regularizers by name and fit(batch_size=None).

Where training runs, the learning rate is 0: every batch then sees the same weights, so the logs
are deterministic functions of the data (no float32 trajectory is compared), and a running mean
that weighs a batch wrongly shows as a difference far above float32 rounding (rtol 1e-5).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import keras as K

pytestmark = KERAS_NOTICE
RTOL = 1e-5
RNG = np.random.default_rng


def twins(make, shape=(3,)):
    """The same Sequential from Keras' layers and ours, Keras' random weights copied into ours."""
    theirs = keras.Sequential([keras.Input(shape=shape), *make(keras)])
    ours = K.Sequential([K.Input(shape=shape), *make(K)])
    ours.set_weights(theirs.get_weights())
    return ours, theirs


# ----------------------------------------------------------------------------- custom layers
def custom_layers(module):
    class Linear(module.layers.Layer):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros")

        def call(self, inputs):
            return inputs @ self.w + self.b

    class Double(module.layers.Layer):
        def call(self, inputs):
            return inputs * 2

    return Linear, Double


def test_a_layer_subclass_runs_its_call_and_add_weight_as_in_keras() -> None:
    """Before, the base class ignored call(): Double() returned x unchanged, add_weight did not exist."""
    x = RNG(0).normal(size=(5, 3)).astype(np.float32)
    ours, theirs = twins(lambda m: [custom_layers(m)[0](4), custom_layers(m)[1]()])
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights] == [(3, 4), (4,)]
    np.testing.assert_allclose(ours.predict(x), theirs.predict(x, verbose=0), rtol=RTOL, atol=1e-6)
    np.testing.assert_array_equal(custom_layers(K)[1]()(x).numpy(), 2 * x)
    assert ours.count_params() == theirs.count_params() == 16


def test_the_training_flag_is_per_call_as_in_keras() -> None:
    """A layer called directly runs in inference mode (Keras' default); predict/evaluate leave no mode behind."""
    x = np.ones((4, 50), np.float32)
    for module in (keras, K):
        drop = module.layers.Dropout(0.5)
        assert np.array_equal(np.asarray(drop(x)), x)
        assert (np.asarray(drop(x, training=True)) == 0).any()
    ours = K.Sequential([K.Input(shape=(50,)), K.layers.Dropout(0.5)])
    ours.compile("sgd", "mse")
    ours.predict(x, verbose=0)
    ours.evaluate(x, x, verbose=0)
    assert (ours(x, training=True).numpy() == 0).any()
    assert np.array_equal(ours.layers[0](x).numpy(), x)


# ----------------------------------------------------------------------------- callbacks
def recorder(module, calls):
    class Recorder(module.callbacks.Callback):
        pass

    def record(hook):
        def hook_fn(self, *args, logs=None):
            if args and isinstance(args[-1], dict):  # Keras passes some logs positionally
                args, logs = args[:-1], args[-1]
            calls.append((hook, args, logs))

        return hook_fn

    for hook in [h for h in dir(keras.callbacks.Callback) if h.startswith("on_") and not h.startswith("on_batch")]:
        setattr(Recorder, hook, record(hook))
    return Recorder()


def run_everything(module, model, x, y, calls):
    model.compile(module.optimizers.SGD(0.0), "mse", metrics=["mae"])
    model.fit(
        x,
        y,
        validation_split=0.4,
        batch_size=2,
        epochs=2,
        verbose=0,
        shuffle=False,
        callbacks=[recorder(module, calls)],
    )
    model.evaluate(x, y, batch_size=4, verbose=0, callbacks=[recorder(module, calls)])
    model.predict(x, batch_size=4, verbose=0, callbacks=[recorder(module, calls)])


def test_callback_hooks_and_their_logs_match_keras() -> None:
    """Every hook Keras 3 calls, in its order, with its logs: batch logs are the running means of the
    epoch so far (before, ours passed the batch's own loss, never called on_train_batch_end nor the
    on_test_*/on_predict_* hooks, and passed logs=None)."""
    x, y = RNG(1).normal(size=(9, 3)).astype(np.float32), RNG(2).normal(size=(9, 1)).astype(np.float32)
    ours, theirs = twins(lambda m: [m.layers.Dense(1)])
    got, want = [], []
    run_everything(K, ours, x, y, got)
    run_everything(keras, theirs, x, y, want)
    assert [(h, a) for h, a, _ in got] == [(h, a) for h, a, _ in want]
    for (hook, _, logs), (_, _, expected) in zip(got, want):
        assert isinstance(logs, dict) and sorted(logs) == sorted(expected), hook
        for key in expected:
            np.testing.assert_allclose(logs[key], np.asarray(expected[key]), rtol=RTOL, atol=1e-6, err_msg=hook)


def test_batch_size_none_is_32_steps_as_in_keras() -> None:
    x, y = np.ones((40, 3), np.float32), np.ones((40, 1), np.float32)
    counts = []
    for module, model in zip((K, keras), twins(lambda m: [m.layers.Dense(1)])):
        calls = []
        model.compile(module.optimizers.SGD(0.0), "mse")
        model.fit(x, y, batch_size=None, verbose=0, callbacks=[recorder(module, calls)])
        counts.append(sum(h == "on_train_batch_end" for h, _, _ in calls))
    assert counts == [2, 2]


# ----------------------------------------------------------------------------- fit's numbers
@pytest.mark.parametrize(("n", "split"), [(3, 0.5), (10, 0.25), (7, 0.3), (5, 0.2)])
def test_validation_split_takes_as_many_samples_as_keras(n: int, split: float) -> None:
    """Keras 3 trains on the first ⌊n·(1 − split)⌋ samples (3 and 0.5: one sample; before, ours took two)."""
    x, y = RNG(3).normal(size=(n, 3)).astype(np.float32), RNG(4).normal(size=(n, 1)).astype(np.float32)
    counts = []
    for module, model in zip((K, keras), twins(lambda m: [m.layers.Dense(1)])):
        calls = []
        model.compile(module.optimizers.SGD(0.0), "mse")
        model.fit(x, y, batch_size=1, validation_split=split, verbose=0, callbacks=[recorder(module, calls)])
        counts.append(
            (sum(h == "on_train_batch_end" for h, _, _ in calls), sum(h == "on_test_batch_end" for h, _, _ in calls))
        )
    assert counts[0] == counts[1]


def test_epoch_loss_weighs_a_short_last_batch_by_its_size_as_keras() -> None:
    """5 samples in batches of 4: the epoch loss is Σ batch loss × batch size / 5, Keras' number
    (a mean of the two batch losses is off by far more than rounding)."""
    x, y = RNG(5).normal(size=(5, 3)).astype(np.float32), RNG(6).normal(size=(5, 2)).astype(np.float32)
    y[4] += 10  # the short batch's loss differs a lot from the first's
    losses = []
    for module, model in zip((K, keras), twins(lambda m: [m.layers.Dense(2)])):
        model.compile(module.optimizers.SGD(0.0), "mse")
        losses.append(model.fit(x, y, batch_size=4, shuffle=False, verbose=0).history["loss"][0])
    np.testing.assert_allclose(losses[0], losses[1], rtol=RTOL)


def test_a_regularizer_by_name_adds_keras_penalty() -> None:
    """Dense(kernel_regularizer='l2') is L2(0.01) in Keras 3; before, fit crashed on the string."""
    x, y = RNG(7).normal(size=(6, 3)).astype(np.float32), RNG(8).normal(size=(6, 2)).astype(np.float32)
    losses = []
    for module, model in zip(
        (K, keras), twins(lambda m: [m.layers.Dense(2, kernel_regularizer="l2", bias_regularizer="l1")])
    ):
        model.compile(module.optimizers.SGD(0.0), "mse")
        losses.append(model.fit(x, y, batch_size=6, verbose=0).history["loss"][0])
    np.testing.assert_allclose(losses[0], losses[1], rtol=RTOL)


@pytest.mark.parametrize("loss", ["mse", "mae", "binary_crossentropy"])
@pytest.mark.parametrize("y_shape", [(6,), (6, 1), (6, 2), (6, 1, 1), (2, 6)])
def test_targets_of_another_shape_as_keras(loss: str, y_shape: tuple) -> None:
    """Keras 3 squeezes or expands a last axis of 1, then broadcasts (mse, mae) or requires the same
    shape (binary cross-entropy); ours reshaped any target of the same size silently before."""
    x = RNG(9).normal(size=(6, 3)).astype(np.float32)
    y = RNG(10).uniform(size=y_shape).astype(np.float32)
    outcomes = []
    for module, model in zip((K, keras), twins(lambda m: [m.layers.Dense(1, activation="sigmoid")])):
        model.compile("sgd", loss)
        try:
            outcomes.append(model.evaluate(x, y if y.shape[0] == 6 else y.T, verbose=0, batch_size=6))
        except (ValueError, RuntimeError) as err:
            outcomes.append(type(err).__name__ if module is K else "ValueError")
    if isinstance(outcomes[1], str):
        assert outcomes[0] == "ValueError"
    else:
        np.testing.assert_allclose(outcomes[0], outcomes[1], rtol=1e-5)


# ----------------------------------------------------------------------------- build and weights files
def test_build_takes_the_batch_axis_as_keras() -> None:
    theirs = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(2)])
    ours = K.Sequential([K.layers.Dense(4), K.layers.Dense(2)])
    theirs.build((None, 3))
    ours.build((None, 3))
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]


def test_weights_files_go_both_ways_with_keras_by_position(tmp_path) -> None:
    """A .weights.h5 saved by Keras 3 loads here and ours loads there; the layers are matched by
    position, whatever their names (Keras 3's rule; ours matched names before)."""
    pytest.importorskip("h5py")

    def make(m, names):
        return [m.layers.Dense(4, name=names[0]), m.layers.BatchNormalization(), m.layers.Dense(2, name=names[1])]

    theirs = keras.Sequential([keras.Input(shape=(3,)), *make(keras, ["a", "b"])])
    theirs.set_weights([RNG(i).uniform(0.5, 2, w.shape) for i, w in enumerate(theirs.get_weights())])
    theirs.save_weights(tmp_path / "k.weights.h5")
    ours = K.Sequential([K.Input(shape=(3,)), *make(K, ["c", "d"])])
    ours.load_weights(tmp_path / "k.weights.h5")
    x = RNG(11).normal(size=(4, 3)).astype(np.float32)
    np.testing.assert_allclose(ours.predict(x), theirs.predict(x, verbose=0), rtol=RTOL, atol=1e-6)
    ours.set_weights([w * 2 for w in ours.get_weights()])
    ours.save_weights(tmp_path / "o.weights.h5")
    back = keras.Sequential([keras.Input(shape=(3,)), *make(keras, ["e", "f"])])
    back.load_weights(tmp_path / "o.weights.h5")
    for a, b in zip(back.get_weights(), ours.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="another architecture"):
        K.Sequential([K.Input(shape=(3,)), K.layers.Dense(5)]).load_weights(tmp_path / "k.weights.h5")
