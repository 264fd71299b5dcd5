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
import os
import re
import warnings
from contextlib import redirect_stdout

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
torch = pytest.importorskip("torch", reason="Keras' side runs on its torch backend: pip install tinygrad_edu[torch]")
keras = pytest.importorskip("keras", reason="real Keras 3 is the reference here: pip install tinygrad_edu[keras]")
if keras.backend.backend() != "torch":  # pragma: no cover - depends on the environment
    pytest.skip(f"these tests need KERAS_BACKEND=torch, not {keras.backend.backend()}", allow_module_level=True)

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tinygrad_edu import Tensor  # noqa: E402
from tinygrad_edu import keras as K  # noqa: E402
from tinygrad_edu.keras import losses as our_losses  # noqa: E402

warnings.filterwarnings("ignore", module="keras")
RTOL, ATOL = 2e-5, 2e-6  # float32 on both sides


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
    model.train(training)
    xt = Tensor(x, requires_grad=True)
    out = model(xt)
    (out * Tensor(g)).sum().backward()
    grads = [v.tensor.grad if v.perm is None else v.tensor.grad.transpose(v.perm) for v in model.trainable_weights]
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
    "max-pool": ((6, 6, 3), lambda L: [L.Conv2D(2, 1), L.MaxPooling2D(2)]),
    "max-pool-3-stride-2-odd": ((7, 8, 2), lambda L: [L.Conv2D(2, 1), L.MaxPooling2D(3, strides=2)]),
    "avg-pool": ((6, 7, 3), lambda L: [L.AveragePooling2D(2)]),
    "avg-pool-3-stride-1": ((5, 5, 2), lambda L: [L.AveragePooling2D((3, 3), strides=1)]),
    "global-avg-pool": ((5, 4, 3), lambda L: [L.Conv2D(2, 2), L.GlobalAveragePooling2D()]),
    "flatten": ((3, 4, 2), lambda L: [L.Flatten(), L.Dense(3)]),
    "simple-rnn": ((4, 3), lambda L: [L.SimpleRNN(5)]),
    "simple-rnn-sequences-relu": ((4, 3), lambda L: [L.SimpleRNN(4, activation="relu", return_sequences=True)]),
    "batch-norm": ((6,), lambda L: [L.BatchNormalization()]),
    "batch-norm-options": ((5,), lambda L: [L.BatchNormalization(momentum=0.8, epsilon=0.05)]),
    "batch-norm-images": ((4, 3, 2), lambda L: [L.Conv2D(3, 2), L.BatchNormalization()]),
    "dropout": ((6,), lambda L: [L.Dense(4), L.Dropout(0.0)]),
    "stack": ((8,), lambda L: [L.Dense(6, activation="relu"), L.BatchNormalization(), L.Dense(3, activation="softmax")]),
}


@pytest.mark.parametrize("training", [False, True], ids=["inference", "training"])
@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_layer_forward_and_gradients_match_keras(case: str, training: bool) -> None:
    """Outputs, the gradient with respect to the input and to every trainable weight (a random
    upstream gradient), and the weights afterwards (BatchNormalization's moving statistics)."""
    shape, make = LAYER_CASES[case]
    ours, theirs = twins(shape, make)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(7, *shape)).astype(np.float32)
    g = rng.normal(size=(7, *theirs.output_shape[1:])).astype(np.float32)
    out_k, dx_k, dw_k = keras_forward_backward(theirs, x, g, training)
    out_o, dx_o, dw_o = our_forward_backward(ours, x, g, training)
    assert out_o.shape == out_k.shape
    assert_same([out_o], [out_k], what="output")
    assert_same([dx_o], [dx_k], rtol=1e-4, atol=1e-5, what="d input")
    assert_same(dw_o, dw_k, rtol=1e-4, atol=1e-5, what="d weights")
    assert_same(ours.get_weights(), theirs.get_weights(), what="weights after the call")
    assert [v.name for v in ours.weights] == [v.name for v in theirs.weights]


def test_layer_weights_and_set_weights_follow_keras() -> None:
    ours, theirs = twins((5, 5, 2), lambda L: [L.Conv2D(3, 3, name="c"), L.Flatten(), L.Dense(2, name="d")])
    assert [(v.path, v.shape, v.trainable) for v in ours.weights] == [
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
    return ours, theirs, h_o, h_k, initial


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
    *[(name, {}) for name in ("sgd", "adagrad", "rmsprop", "adadelta", "adam", "nadam")],  # Keras' defaults by name
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
