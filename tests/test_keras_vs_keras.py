"""Every Keras class we ship, run beside real Keras 3 (torch backend) on the same weights and data.

The expected numbers come from Keras itself: each layer's forward pass and gradients (input and
every weight, through torch autograd on Keras' side), each loss with probabilities and with logits,
each metric, every optimizer over many steps with its options and a learning rate changed by a
callback, BatchNormalization's moving statistics over several epochs, ``fit``'s History, the
callbacks' decisions and the ``summary()`` table. Skipped, with the reason, where Keras 3 is not
installed (``pip install tinygrad_edu[keras]``).
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.keras_ref import KERAS_NOTICE, keras, torch
from tinygrad_edu import Tensor
from tinygrad_edu import keras as K
from tinygrad_edu.keras import losses as our_losses

pytestmark = KERAS_NOTICE
RTOL, ATOL = 2e-5, 2e-6  # float32 on both sides


@contextmanager
def float64_on_both_sides() -> Iterator[None]:
    """``keras.config.set_floatx("float64")`` for real Keras and for the door, restored afterwards:
    layers built inside hold float64 weights and compute on float64 inputs, on both sides."""
    before = (keras.config.floatx(), keras.config.dtype_policy(), K.config.floatx())
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")  # Keras caches its policy from floatx at first use
    K.config.set_floatx("float64")
    try:
        yield
    finally:
        keras.config.set_floatx(before[0])
        keras.config.set_dtype_policy(before[1])
        K.config.set_floatx(before[2])


def assert_close_to_scale(ours, theirs, rtol: float, what: str = "") -> None:
    """Each array of ``ours`` within rtol·max|theirs| of ``theirs`` (an error relative to the
    array's scale, not to each element, which may be near zero)."""
    assert len(ours) == len(theirs), what
    for i, (a, b) in enumerate(zip(ours, theirs)):
        scale = float(np.max(np.abs(b)))
        assert float(np.max(np.abs(np.asarray(a) - b))) <= rtol * scale, f"{what} #{i}"


#: Keras 3.15.1 in float64 still rounds some results to float32: its ``ops.matmul`` (so Dense) takes
#: ``result_type("float64", "float64")`` to be float32, and its metric trackers (the History) are
#: float32. Training runs of one model on both sides, in float64 from one start, then differ by that
#: rounding carried through the steps. Measured over four unseeded starts of each convnet of
#: test_keras_textbook_convnet.py (RMSprop) and test_keras_cnn.py (Adam): losses within 1.2e-7
#: relative, weights within 6.6e-6 of their scale (Adam's step m/√v turns a rounding in a small
#: gradient into a larger change of the step); the tolerances leave 8-15x.
FLOAT64_LOSS_RTOL, FLOAT64_WEIGHT_RTOL = 1e-6, 1e-4


def twins(input_shape: tuple, make_layers, seed: int = 0) -> tuple[K.Sequential, keras.Sequential]:
    """The same stack built from our layers and from Keras' (``make_layers(module)`` takes either
    ``layers`` module); Keras' weights are randomised, then copied into ours with ``set_weights``."""
    theirs = keras.Sequential([keras.Input(shape=input_shape), *make_layers(keras.layers)])
    rng = np.random.default_rng(seed)
    theirs.set_weights(
        [
            rng.uniform(0.5, 2.0, w.shape) if v.name == "moving_variance" else rng.normal(0, 0.5, w.shape)
            for v, w in zip(theirs.weights, theirs.get_weights())
        ]
    )
    ours = K.Sequential([K.Input(shape=input_shape), *make_layers(K.layers)])
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def assert_same(ours, theirs, rtol: float = RTOL, atol: float = ATOL, what: str = "") -> None:
    assert len(ours) == len(theirs), what
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"{what} #{i}")


def keras_forward_backward(model, x: np.ndarray, g: np.ndarray, training: bool):
    xt = torch.tensor(x, requires_grad=True)
    out = model(xt, training=training)
    (out * torch.tensor(g)).sum().backward()
    grads = [v.value.grad.numpy() for v in model.trainable_weights]
    return out.detach().numpy(), xt.grad.numpy(), grads


def our_forward_backward(model: K.Sequential, x: np.ndarray, g: np.ndarray, training: bool):
    xt = Tensor(x, requires_grad=True)
    out = model(xt, training=training)  # as Keras is called
    (out * Tensor(g)).sum().backward()
    grads = [v.grad() for v in model.trainable_weights]
    return out.data, xt.grad, grads


ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu"]
LAYER_CASES = {
    **{f"dense-{a}": ((6,), lambda L, a=a: [L.Dense(5, activation=a)]) for a in ACTIVATIONS},
    "dense-no-bias": ((6,), lambda L: [L.Dense(4, use_bias=False)]),
    "dense-on-sequence": ((3, 6), lambda L: [L.Dense(4, activation="tanh")]),
    "activation": ((6,), lambda L: [L.Activation("sigmoid")]),
    "conv-valid": ((7, 6, 2), lambda L: [L.Conv2D(4, 3)]),
    "conv-same-relu": ((6, 6, 3), lambda L: [L.Conv2D(3, 3, padding="same", activation="relu")]),
    "conv-5x5-same": ((6, 5, 2), lambda L: [L.Conv2D(2, 5, padding="same", use_bias=False)]),
    "conv-stride-2": ((7, 7, 2), lambda L: [L.Conv2D(3, (3, 3), strides=2)]),
    "conv1d": ((7, 3), lambda L: [L.Conv1D(4, 3)]),
    "conv1d-same-stride-2": ((8, 2), lambda L: [L.Conv1D(3, 4, strides=2, padding="same", activation="relu")]),
    "conv1d-causal-dilated": ((9, 2), lambda L: [L.Conv1D(2, 3, padding="causal", dilation_rate=2)]),
    "conv1d-same-dilated": ((6, 2), lambda L: [L.Conv1D(2, 2, padding="same", dilation_rate=3, use_bias=False)]),
    "conv2d-transpose": ((3, 4, 2), lambda L: [L.Conv2DTranspose(3, 3)]),
    "conv2d-transpose-stride-2": ((3, 3, 2), lambda L: [L.Conv2DTranspose(2, 3, strides=2)]),
    "conv2d-transpose-same-stride-2": ((3, 4, 2), lambda L: [L.Conv2DTranspose(2, 4, strides=2, padding="same")]),
    "conv2d-transpose-same-odd": ((3, 3, 1), lambda L: [L.Conv2DTranspose(2, (3, 2), strides=(2, 3), padding="same")]),
    "conv2d-transpose-same-stride-1": ((4, 3, 2), lambda L: [L.Conv2DTranspose(2, 3, padding="same")]),
    "max-pool": ((6, 6, 3), lambda L: [L.Conv2D(2, 1), L.MaxPooling2D(2)]),
    "max-pool-3-stride-2-odd": ((7, 8, 2), lambda L: [L.Conv2D(2, 1), L.MaxPooling2D(3, strides=2)]),
    "avg-pool": ((6, 7, 3), lambda L: [L.AveragePooling2D(2)]),
    "avg-pool-3-stride-1": ((5, 5, 2), lambda L: [L.AveragePooling2D((3, 3), strides=1)]),
    "global-avg-pool": ((5, 4, 3), lambda L: [L.Conv2D(2, 2), L.GlobalAveragePooling2D()]),
    "flatten": ((3, 4, 2), lambda L: [L.Flatten(), L.Dense(3)]),
    "simple-rnn": ((4, 3), lambda L: [L.SimpleRNN(5)]),
    "simple-rnn-sequences-relu": ((4, 3), lambda L: [L.SimpleRNN(4, activation="relu", return_sequences=True)]),
    "lstm": ((4, 3), lambda L: [L.LSTM(5)]),
    "lstm-stacked-sequences": ((5, 2), lambda L: [L.LSTM(3, return_sequences=True), L.LSTM(2, use_bias=False)]),
    "gru": ((4, 3), lambda L: [L.GRU(5)]),
    "gru-stacked-sequences": ((5, 2), lambda L: [L.GRU(3, return_sequences=True), L.GRU(2, use_bias=False)]),
    "batch-norm": ((6,), lambda L: [L.BatchNormalization()]),
    "batch-norm-options": ((5,), lambda L: [L.BatchNormalization(momentum=0.8, epsilon=0.05)]),
    "batch-norm-images": ((4, 3, 2), lambda L: [L.Conv2D(3, 2), L.BatchNormalization()]),
    "dropout": ((6,), lambda L: [L.Dense(4), L.Dropout(0.0)]),
    "stack": (
        (8,),
        lambda L: [L.Dense(6, activation="relu"), L.BatchNormalization(), L.Dense(3, activation="softmax")],
    ),
}


@pytest.mark.parametrize("training", [False, True], ids=["inference", "training"])
@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_layer_forward_and_gradients_match_keras(case: str, training: bool) -> None:
    """Outputs, the gradient with respect to the input and to every trainable weight (a random
    upstream gradient), and the weights afterwards (BatchNormalization's moving statistics)."""
    check_layers_against_keras(*LAYER_CASES[case], training)


def check_layers_against_keras(shape: tuple, make, training: bool, seed: int = 1, n: int = 7) -> None:
    """The checks above for one stack: outputs, input and weight gradients, weights after the call."""
    ours, theirs = twins(shape, make)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, *shape)).astype(np.float32)
    g = rng.normal(size=(n, *theirs.output_shape[1:])).astype(np.float32)
    out_k, dx_k, dw_k = keras_forward_backward(theirs, x, g, training)
    out_o, dx_o, dw_o = our_forward_backward(ours, x, g, training)
    assert out_o.shape == out_k.shape
    assert [layer.output_shape for layer in ours.layers] == [tuple(lk.output.shape[1:]) for lk in theirs.layers]
    assert_same([out_o], [out_k], what="output")
    assert_same([dx_o], [dx_k], rtol=1e-4, atol=1e-5, what="d input")
    assert_same(dw_o, dw_k, rtol=1e-4, atol=1e-5, what="d weights")
    assert_same(ours.get_weights(), theirs.get_weights(), what="weights after the call")
    assert [v.name for v in ours.weights] == [v.name for v in theirs.weights]


def test_layer_weights_and_set_weights_follow_keras() -> None:
    ours, theirs = twins((5, 5, 2), lambda L: [L.Conv2D(3, 3, name="c"), L.Flatten(), L.Dense(2, name="d")])
    # each path starts with its model's name, numbered by each library's own session (test_keras_weight_paths.py
    # compares whole paths); what follows is the layer's and the weight's
    assert [(v.path.split("/", 1)[1], v.shape, v.trainable) for v in ours.weights] == [
        (v.path.split("/", 1)[1], tuple(v.shape), v.trainable) for v in theirs.weights
    ]
    kernel = ours.layers[0].weights[0]
    np.testing.assert_array_equal(np.asarray(kernel), theirs.layers[0].weights[0].numpy())
    new = np.arange(2 * 3 * 3 * 3, dtype=np.float32).reshape(3, 3, 2, 3)
    ours.layers[0].set_weights([new, np.zeros(3)])
    theirs.layers[0].set_weights([new, np.zeros(3)])
    x = np.random.default_rng(0).normal(size=(2, 5, 5, 2)).astype(np.float32)
    np.testing.assert_allclose(ours.predict(x), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-4)
    before = ours.get_weights()
    # Keras' messages; nothing is written when any entry is wrong
    with pytest.raises(ValueError, match=r"with a weight list of length 1, but the layer was expecting 2 weights"):
        ours.layers[0].set_weights([new])
    with pytest.raises(ValueError, match=r"weight shape \(3, 3, 2, 3\) is not compatible with provided weight shape"):
        ours.layers[0].set_weights([new.T, np.zeros(3)])
    with pytest.raises(ValueError, match=r"weight shape \(27, 2\) is not compatible"):
        ours.set_weights([new, np.ones(3), np.ones((2, 27)), np.ones(2)])
    assert_same(ours.get_weights(), before, rtol=0, atol=0)


# ----------------------------------------------------------------------------- losses and metrics
def _targets(name: str, rng, n: int = 6, c: int = 4):
    if name == "sparse_categorical_crossentropy":
        return rng.integers(0, c, n)
    if name in ("categorical_crossentropy", "kl_divergence", "kld"):
        return np.eye(c)[rng.integers(0, c, n)] * 0.8 + 0.05  # soft labels: rows sum to 1
    if name in ("binary_crossentropy", "hinge"):
        return rng.integers(0, 2, (n, c)).astype(np.float64)
    return rng.normal(size=(n, c))


OUR_LOSS_NAMES = sorted(our_losses.LOSSES)


@pytest.mark.parametrize("name", OUR_LOSS_NAMES)
def test_loss_on_probabilities_matches_keras(name: str) -> None:
    """Value and gradient with respect to the probabilities, including ones clipped at ε."""
    keras_name = {"kullback_leibler_divergence": "kl_divergence"}.get(name, name)
    rng = np.random.default_rng(2)
    y = _targets(name, rng)
    p = rng.dirichlet(np.ones(4), 6).astype(np.float32)
    p[0, 0] = 1e-9  # below Keras' ε = 1e-7: clipped
    if name == "hinge":
        p = rng.normal(size=(6, 4)).astype(np.float32)
    pt = torch.tensor(p, requires_grad=True)
    expected = keras.ops.mean(keras.losses.get(keras_name)(torch.tensor(y), pt))
    expected.backward()
    po = Tensor(p, requires_grad=True)
    loss = our_losses.get(name)(y, po, False)
    loss.backward()
    assert loss.item() == pytest.approx(float(expected), rel=1e-5, abs=1e-6)
    np.testing.assert_allclose(po.grad, pt.grad.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", sorted(our_losses.LOGIT_LOSSES))
@pytest.mark.parametrize("onehot", [True, False], ids=["hard-labels", "soft-labels"])
def test_loss_on_logits_matches_keras_from_logits(name: str, onehot: bool) -> None:
    rng = np.random.default_rng(3)
    y = _targets(name, rng)
    if name == "categorical_crossentropy" and onehot:
        y = np.eye(4)[rng.integers(0, 4, 6)]
    z = (rng.normal(size=(6, 4)) * 4).astype(np.float32)
    zt = torch.tensor(z, requires_grad=True)
    fn = getattr(keras.losses, name)
    expected = keras.ops.mean(fn(torch.tensor(y), zt, from_logits=True))
    expected.backward()
    zo = Tensor(z, requires_grad=True)
    loss = our_losses.get(name)(y, zo, True)
    loss.backward()
    assert loss.item() == pytest.approx(float(expected), rel=1e-5)
    np.testing.assert_allclose(zo.grad, zt.grad.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(
    ("metric", "loss", "keras_metric"),
    [
        ("accuracy", "sparse_categorical_crossentropy", "SparseCategoricalAccuracy"),
        ("accuracy", "categorical_crossentropy", "CategoricalAccuracy"),
        ("accuracy", "binary_crossentropy", "BinaryAccuracy"),
        ("acc", "categorical_crossentropy", "CategoricalAccuracy"),
        ("mse", "mse", "MeanSquaredError"),
        ("mae", "mse", "MeanAbsoluteError"),
        ("mean_squared_error", "mae", "MeanSquaredError"),
        ("mean_absolute_error", "mae", "MeanAbsoluteError"),
    ],
)
def test_metrics_match_keras(metric: str, loss: str, keras_metric: str) -> None:
    rng = np.random.default_rng(4)
    pred = rng.dirichlet(np.ones(5), 40)
    if loss == "sparse_categorical_crossentropy":
        y = rng.integers(0, 5, 40)
    elif loss == "binary_crossentropy":
        pred, y = rng.random((40, 1)), rng.integers(0, 2, (40, 1)).astype(float)
    else:
        y = np.eye(5)[rng.integers(0, 5, 40)]
    m = getattr(keras.metrics, keras_metric)()
    m.update_state(y, pred)
    assert our_losses.metric(metric, loss, y, pred) == pytest.approx(float(m.result()), rel=1e-6)


# ----------------------------------------------------------------------------- fit: optimizers, History, callbacks
def blobs(n: int = 70, seed: int = 0, features: int = 5, classes: int = 3):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    x = rng.normal(size=(classes, features))[y] * 2 + rng.normal(size=(n, features))
    return x.astype(np.float32), y


def fit_both(make_layers, opt: tuple[str, dict], loss: str, y, x, metrics=("accuracy",), **fit_kwargs):
    """Compile and fit our model and Keras' from the same weights; returns (ours, theirs, our
    History, Keras' History)."""
    ours, theirs = twins(x.shape[1:], make_layers, seed=5)
    name, kwargs = opt
    ours.compile(getattr(K.optimizers, name)(**kwargs), loss=loss, metrics=list(metrics))
    theirs.compile(getattr(keras.optimizers, name)(**kwargs), loss=loss, metrics=list(metrics))
    fit_kwargs.setdefault("shuffle", False)
    h_o = ours.fit(x, y, verbose=0, **fit_kwargs)
    h_k = theirs.fit(x, y, verbose=0, **fit_kwargs)
    return ours, theirs, h_o, h_k


def assert_histories_match(h_o, h_k, rtol: float = 1e-4) -> None:
    assert sorted(h_o.history) == sorted(h_k.history)
    assert h_o.epoch == h_k.epoch
    for key in h_k.history:
        np.testing.assert_allclose(h_o.history[key], h_k.history[key], rtol=rtol, atol=1e-6, err_msg=key)


OPTIMIZERS = [
    ("SGD", {"learning_rate": 0.05}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.8, "nesterov": True}),
    ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.3, "epsilon": 1e-5}),
    ("RMSprop", {"learning_rate": 0.01, "rho": 0.8, "epsilon": 1e-5}),
    ("RMSprop", {"learning_rate": 0.01, "rho": 0.85, "momentum": 0.5, "centered": True}),
    ("Adadelta", {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-5}),
    ("Adam", {"learning_rate": 0.02, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-5}),
    ("Nadam", {"learning_rate": 0.02, "beta_1": 0.85, "beta_2": 0.95, "epsilon": 1e-5}),
    ("AdamW", {"learning_rate": 0.02, "weight_decay": 0.5, "beta_1": 0.8, "epsilon": 1e-5}),
    *[(name, {}) for name in ("sgd", "adagrad", "rmsprop", "adadelta", "adam", "adamw", "nadam")],  # Keras' defaults
]


def schedule(epoch: int, lr: float) -> float:
    return lr if epoch < 2 else lr * 0.5


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=[f"{n}{sorted(k.items())}" for n, k in OPTIMIZERS])
def test_optimizer_over_many_steps_with_a_scheduled_learning_rate_matches_keras(opt) -> None:
    """5 epochs of 3 batches (32, 32, 6 samples): 15 steps, the learning rate halved at epochs 2, 3
    and 4 by a LearningRateScheduler; weights, History (loss, accuracy, learning_rate) and the step
    count equal Keras'."""
    x, y = blobs(70)
    ours, theirs, h_o, h_k, initial = _fit_with_scheduler(opt, x, y)
    assert_histories_match(h_o, h_k)
    assert_same(ours.get_weights(), theirs.get_weights(), rtol=2e-4, atol=2e-5, what="weights after 15 steps")
    assert ours.optimizer.iterations == int(theirs.optimizer.iterations) == 15
    assert h_o.history["learning_rate"][-1] == pytest.approx(float(theirs.optimizer.learning_rate))
    moved_o = [a - w0 for a, w0 in zip(ours.get_weights(), initial)]
    moved_k = [b - w0 for b, w0 in zip(theirs.get_weights(), initial)]
    assert min(np.abs(d).max() for d in moved_k) > 1e-6  # every weight trained (Adadelta's default lr is 1e-3)
    assert_same(moved_o, moved_k, rtol=2e-3, atol=1e-7, what="weight changes")


def _fit_with_scheduler(opt, x, y):
    ours, theirs = twins(x.shape[1:], lambda L: [L.Dense(6, activation="tanh"), L.Dense(3, activation="softmax")], 5)
    name, kwargs = opt
    make = (lambda mod: getattr(mod.optimizers, name)(**kwargs)) if name[0].isupper() else (lambda mod: name)
    initial = ours.get_weights()
    ours.compile(make(K), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    theirs.compile(make(keras), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    kw = dict(epochs=5, batch_size=32, verbose=0, shuffle=False)
    h_o = ours.fit(x, y, callbacks=[K.callbacks.LearningRateScheduler(schedule)], **kw)
    h_k = theirs.fit(x, y, callbacks=[keras.callbacks.LearningRateScheduler(schedule)], **kw)
    return ours, theirs, h_o, h_k, initial


@pytest.mark.parametrize(
    ("loss", "metrics", "last"),
    [
        ("categorical_crossentropy", ["accuracy"], "softmax"),
        ("binary_crossentropy", ["accuracy", "mse"], "sigmoid"),
        ("mse", ["mae", "mse"], "linear"),
    ],
)
def test_fit_history_validation_split_and_batch_remainder_match_keras(loss: str, metrics: list, last: str) -> None:
    """70 samples, validation_split=0.3: Keras validates on the LAST 21 and trains on 49 in batches
    of 16, 16, 16 and 1 (a one-sample remainder). History's keys and every epoch's values equal Keras'."""
    x, labels = blobs(70, seed=1)
    y = np.eye(3)[labels] if loss != "binary_crossentropy" else (labels[:, None] == 1).astype(np.float32)
    units = 1 if loss == "binary_crossentropy" else 3
    ours, theirs, h_o, h_k = fit_both(
        lambda L: [L.Dense(4, activation="relu"), L.Dense(units, activation=last)],
        ("SGD", {"learning_rate": 0.1, "momentum": 0.5}),
        loss,
        y,
        x,
        metrics=metrics,
        epochs=3,
        batch_size=16,
        validation_split=0.3,
    )
    assert_histories_match(h_o, h_k)
    assert ours.optimizer.iterations == int(theirs.optimizer.iterations) == 3 * 4
    assert_same(ours.get_weights(), theirs.get_weights(), rtol=1e-4, atol=1e-5)
    assert_same(ours.evaluate(x, y, verbose=0, batch_size=7), theirs.evaluate(x, y, verbose=0, batch_size=7), rtol=1e-4)


def test_shuffle_permutes_only_the_training_part() -> None:
    """With one full batch per epoch the order of samples cannot change the result, so a shuffled
    fit must equal Keras' unshuffled one: shuffling happens after the validation split and moves
    no validation sample into training."""
    x, labels = blobs(60, seed=2)
    ours, theirs = twins((5,), lambda L: [L.Dense(3, activation="softmax")], seed=3)
    ours.compile(K.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    theirs.compile(keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h_o = ours.fit(x, labels, batch_size=64, epochs=4, validation_split=0.25, shuffle=True, verbose=0)
    h_k = theirs.fit(x, labels, batch_size=64, epochs=4, validation_split=0.25, shuffle=False, verbose=0)
    assert_histories_match(h_o, h_k)
    assert_same(ours.get_weights(), theirs.get_weights(), rtol=1e-4, atol=1e-5)


def test_shuffle_changes_the_batches() -> None:
    """Batches of 1 with and without shuffling: different orders give different weights (Keras
    shuffles each epoch by default), while the same seed gives the same ones."""
    import tinygrad_edu as tg

    x, labels = blobs(20, seed=4)
    results = []
    for shuffle, seed in [(False, 0), (True, 0), (True, 0), (True, 1)]:
        tg.manual_seed(seed)
        ours, _ = twins((5,), lambda L: [L.Dense(3, activation="softmax")], seed=3)
        ours.compile(K.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
        ours.fit(x, labels, batch_size=1, epochs=2, shuffle=shuffle, verbose=0)
        results.append(ours.get_weights()[0])
    assert not np.allclose(results[0], results[1]) and not np.allclose(results[1], results[3])
    np.testing.assert_array_equal(results[1], results[2])


@pytest.mark.parametrize(
    ("shape", "make"),
    [
        ((6,), lambda L: [L.Dense(5), L.BatchNormalization(), L.Dense(2, activation="softmax")]),
        ((5, 5, 2), lambda L: [L.Conv2D(3, 3), L.BatchNormalization(momentum=0.9), L.Flatten(), L.Dense(2)]),
    ],
    ids=["dense", "conv"],
)
def test_batch_normalization_training_and_inference_over_epochs_match_keras(shape, make) -> None:
    """4 epochs of batches 16, 16, 1 (the last holds one sample: Keras trains on): moving mean and
    variance, weights, History, and the inference-mode predictions equal Keras'."""
    rng = np.random.default_rng(6)
    x = (rng.normal(size=(33, *shape)) * 3 + 1).astype(np.float32)
    labels = rng.integers(0, 2, 33)
    y = np.eye(2)[labels] if len(shape) == 3 else labels
    loss = "mse" if len(shape) == 3 else "sparse_categorical_crossentropy"
    ours, theirs, h_o, h_k = fit_both(
        make, ("SGD", {"learning_rate": 0.05}), loss, y, x, metrics=(), epochs=4, batch_size=16
    )
    assert_histories_match(h_o, h_k)
    assert_same(ours.get_weights(), theirs.get_weights(), rtol=1e-4, atol=1e-5, what="weights and moving statistics")
    bn = ours.layers[1]
    assert [v.name for v in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert not np.allclose(bn.get_weights()[2], 0)  # the moving mean has moved
    np.testing.assert_allclose(ours.predict(x), theirs.predict(x, verbose=0), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("rate", [0.2, 0.5, 0.8])
def test_dropout_statistics_match_keras(rate: float) -> None:
    """Inverted dropout: kept entries scaled by 1/(1 − rate) exactly, a dropped fraction of `rate`
    (within 5 standard deviations of a binomial over 40,000 entries) on both sides; identity in inference."""
    x = np.ones((200, 200), dtype=np.float32)
    layer = K.layers.Dropout(rate)
    K.Sequential([K.Input(shape=(200,)), layer])
    ours = layer(Tensor(x), training=True).numpy()
    theirs = keras.layers.Dropout(rate)(torch.tensor(x), training=True).numpy()
    sigma = np.sqrt(rate * (1 - rate) / x.size)
    for out in (ours, theirs):
        assert set(np.unique(out)) <= {0.0, np.float32(1 / (1 - rate))}
        assert abs(np.mean(out == 0) - rate) < 5 * sigma
    np.testing.assert_array_equal(layer(Tensor(x)).numpy(), keras.layers.Dropout(rate)(torch.tensor(x)).numpy())


# ----------------------------------------------------------------------------- callbacks, decision by decision
class Stamped:
    """A stand-in model whose weights are the number of the epoch that produced them."""

    def __init__(self) -> None:
        self.stop_training, self.epoch = False, -1

    def get_weights(self):
        return [np.array([self.epoch])]

    def set_weights(self, weights):
        self.epoch = int(weights[0][0])


def run_early_stopping(make, values: list[float], monitor: str) -> tuple:
    cb, model = make(), Stamped()
    cb.set_model(model)
    cb.on_train_begin()
    epochs = 0
    for epoch, value in enumerate(values):
        model.epoch, epochs = epoch, epoch + 1
        cb.on_epoch_end(epoch, {monitor: value, "loss": 1.0})
        if model.stop_training:
            break
    cb.on_train_end()
    return epochs, cb.stopped_epoch, cb.best, cb.best_epoch, cb.wait, model.epoch


EARLY_STOPPING_OPTIONS = [
    {"patience": 0},
    {"patience": 3},
    {"patience": 2, "min_delta": 0.05},
    {"patience": 2, "mode": "max"},
    {"patience": 1, "mode": "max", "min_delta": 0.1},
    {"patience": 2, "baseline": 0.4},
    {"patience": 2, "mode": "max", "baseline": 0.6},
    {"patience": 2, "restore_best_weights": True},
    {"patience": 1, "mode": "max", "restore_best_weights": True, "baseline": 0.5},
    {"patience": 1, "restore_best_weights": True, "start_from_epoch": 3},
]


@pytest.mark.parametrize("options", EARLY_STOPPING_OPTIONS, ids=str)
@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.sampled_from([0.1, 0.3, 0.35, 0.4, 0.5, 0.55, 0.7, 0.9]), min_size=1, max_size=12))
def test_early_stopping_decides_as_keras(options: dict, values: list[float]) -> None:
    """Epochs run, stopped epoch, best value and epoch, wait and the weights left in the model
    (restored or not) equal Keras' EarlyStopping on the same sequence of monitored values."""
    ours = run_early_stopping(lambda: K.callbacks.EarlyStopping(monitor="val_loss", **options), values, "val_loss")
    theirs = run_early_stopping(
        lambda: keras.callbacks.EarlyStopping(monitor="val_loss", **options), values, "val_loss"
    )
    assert ours == theirs


def test_early_stopping_patience_three_stops_after_three_epochs_without_improvement() -> None:
    """The issue's case: Keras stops after 3 epochs without improvement (ours stopped after 4)."""
    values = [0.5, 0.4, 0.45, 0.41, 0.42, 0.3]
    expected = run_early_stopping(
        lambda: keras.callbacks.EarlyStopping(monitor="val_loss", patience=3), values, "val_loss"
    )
    assert expected[:2] == (5, 4)  # epochs run, stopped epoch: best at 1, then 2, 3, 4 without gain
    assert (
        run_early_stopping(lambda: K.callbacks.EarlyStopping(monitor="val_loss", patience=3), values, "val_loss")
        == expected
    )


def test_early_stopping_auto_mode_maximises_accuracy_as_keras() -> None:
    x, labels = blobs(40, seed=7)
    stoppers = {}
    for name, mod in [("ours", K), ("keras", keras)]:
        model = mod.Sequential([mod.Input(shape=(5,)), mod.layers.Dense(3, activation="softmax")])
        model.compile(mod.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        stoppers[name] = mod.callbacks.EarlyStopping(monitor="accuracy", patience=1, baseline=1.01)
        model.fit(x, labels, epochs=6, verbose=0, shuffle=False, callbacks=[stoppers[name]])
    assert stoppers["ours"].stopped_epoch == stoppers["keras"].stopped_epoch == 1  # baseline never beaten


def test_early_stopping_on_a_metric_not_logged_warns_and_trains_on_as_keras() -> None:
    """keras.io's training guide monitors val_loss in a fit without validation data: Keras warns with
    the logged keys each epoch and never stops (the epoch is not counted)."""
    x, labels = blobs(20, seed=3)
    seen = {}
    for name, mod in [("ours", K), ("keras", keras)]:
        model = mod.Sequential([mod.Input(shape=(5,)), mod.layers.Dense(3, activation="softmax")])
        model.compile(mod.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        stopper = mod.callbacks.EarlyStopping(monitor="val_loss", patience=0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = model.fit(x, labels, epochs=3, verbose=0, callbacks=[stopper])
        texts = [str(w.message) for w in caught if "Early stopping" in str(w.message)]
        seen[name] = (len(history.epoch), stopper.stopped_epoch, texts)
    assert seen["ours"] == seen["keras"]
    assert seen["ours"][0] == 3 and len(seen["ours"][2]) == 3


def test_restore_best_weights_in_a_real_fit_matches_keras() -> None:
    """Momentum so large the loss oscillates: both stop early and restore the best epoch's weights."""
    x, labels = blobs(50, seed=8)
    stop = {"monitor": "loss", "patience": 2, "restore_best_weights": True}
    ours, theirs = twins((5,), lambda L: [L.Dense(3)], seed=9)
    ours.compile(K.optimizers.SGD(0.1, momentum=0.95), loss="mse")
    theirs.compile(keras.optimizers.SGD(0.1, momentum=0.95), loss="mse")
    y = np.eye(3)[labels]
    h_o = ours.fit(
        x, y, epochs=12, batch_size=50, verbose=0, shuffle=False, callbacks=[K.callbacks.EarlyStopping(**stop)]
    )
    h_k = theirs.fit(
        x, y, epochs=12, batch_size=50, verbose=0, shuffle=False, callbacks=[keras.callbacks.EarlyStopping(**stop)]
    )
    assert_histories_match(h_o, h_k)
    assert len(h_k.history["loss"]) < 12  # it did stop early
    assert_same(ours.get_weights(), theirs.get_weights(), rtol=1e-4, atol=1e-5, what="restored weights")
    # one full batch per epoch: epoch e+1 logs the loss of the weights that epoch e ended with
    best = int(np.argmin(h_k.history["loss"]))
    assert ours.evaluate(x, y, verbose=0, batch_size=50) == pytest.approx(h_k.history["loss"][best + 1], rel=1e-4)


# ----------------------------------------------------------------------------- summary()
def keras_summary_rows(model, monkeypatch) -> tuple[list[tuple[str, str, int]], list[int]]:
    """(name and type, output shape, params) per layer, and the three totals, read from the table
    that ``summary()`` prints (Keras' or ours: the same box table; cells wrapped onto several lines
    are joined)."""
    rows, totals, _ = our_summary_rows(model, monkeypatch)
    return rows, totals


def our_summary_rows(model, monkeypatch) -> tuple[list[tuple[str, str, int]], list[int], list[str]]:
    buf = io.StringIO()
    monkeypatch.setenv("COLUMNS", "200")  # rich, which draws Keras' table, would cut it at 80 (so do we)
    with redirect_stdout(buf):
        model.summary(line_length=140)
    text = buf.getvalue()
    rows, block = [], []
    for line in text.splitlines():
        if line.startswith("│"):
            block.append([c.strip() for c in line.strip("│").split("│")])
        elif block:
            cells = [" ".join(part for part in col if part) for col in zip(*block)]
            rows.append((cells[0], cells[1], int(cells[2].replace(",", ""))))
            block = []
    totals = [int(m.replace(",", "")) for m in re.findall(r"params: ([\d,]+)", text)]
    return rows, totals, text.splitlines()


def test_summary_table_matches_keras_with_long_names(monkeypatch) -> None:
    """Same rows (name (type), output shape, Param #) and totals as Keras' table; every column starts
    where its header does, also for a 40-character layer name."""
    long = "a_very_long_layer_name_for_the_summary_x"
    make = lambda L: [  # noqa: E731
        L.Conv2D(4, 3, padding="same", name="conv"),
        L.MaxPooling2D(2, name="pool"),
        L.BatchNormalization(name="batch_normalization"),
        L.Flatten(name="flat"),
        L.Dense(10, activation="relu", name=long),
        L.Dense(3, name="out"),
    ]
    ours, theirs = twins((8, 8, 1), make)
    rows_o, totals_o, _ = our_summary_rows(ours, monkeypatch)
    rows_k, totals_k = keras_summary_rows(theirs, monkeypatch)
    assert [(n.replace(" ", ""), s, p) for n, s, p in rows_o] == [(n.replace(" ", ""), s, p) for n, s, p in rows_k]
    assert totals_o == totals_k
    assert len(rows_o) == 6
