"""The Keras front door: import paths, Keras' formulas and defaults, fit/evaluate semantics, weights."""

from __future__ import annotations

import math
import re
import runpy
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu import keras as K
from tinygrad_edu.keras.callbacks import EarlyStopping, History, TerminateOnNaN
from tinygrad_edu.keras.layers import (
    Activation,
    AveragePooling2D,
    BatchNormalization,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAveragePooling2D,
    MaxPooling2D,
    SimpleRNN,
    count_weights,
)
from tinygrad_edu.keras.models import Sequential
from tinygrad_edu.keras.utils import to_categorical
from tinygrad_edu.keras.utils.np_utils import to_categorical as np_utils_to_categorical

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def small_data(n: int = 256, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs per class in 8-D: learnable, so losses fall."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centers = rng.normal(size=(3, 8)) * 3
    return (centers[y] + rng.normal(size=(n, 8))).astype(np.float32), y


# ----------------------------------------------------------------------------- optimizers: Keras' formulas
G = [0.5, -1.5, 2.0]  # a fixed gradient sequence for one scalar weight starting at θ0 = 1


def keras_steps(opt: K.optimizers.KerasOptimizer) -> list[float]:
    p = Tensor(np.array([1.0]), requires_grad=True)
    opt.bind([p])
    out = []
    for g in G:
        p.grad = np.array([g])
        opt.step()
        out.append(float(p.data[0]))
    return out


def test_keras_sgd_momentum_and_nesterov() -> None:
    lr, mu = 0.1, 0.9
    v = theta = 0.0
    theta, expected, expected_n = 1.0, [], []
    for g in G:  # v ← μv − lr·g; θ ← θ + v
        v = mu * v - lr * g
        theta += v
        expected.append(theta)
    v, theta = 0.0, 1.0
    for g in G:  # Nesterov: θ ← θ + μv − lr·g with the new v
        v = mu * v - lr * g
        theta += mu * v - lr * g
        expected_n.append(theta)
    assert keras_steps(K.optimizers.SGD(lr, momentum=mu)) == pytest.approx(expected, rel=1e-12)
    assert keras_steps(K.optimizers.SGD(lr, momentum=mu, nesterov=True)) == pytest.approx(expected_n, rel=1e-12)
    assert keras_steps(K.optimizers.get("sgd"))[0] == pytest.approx(1 - 0.01 * 0.5)  # Keras' default lr 0.01


def test_keras_sgd_momentum_keeps_the_learning_rate_in_the_velocity_when_it_changes() -> None:
    """Keras: v ← μv − γₜ·g. PyTorch's b ← μb + g, θ ← θ − γₜ·b equals it only while γ is constant;
    here γ changes every step (as a LearningRateScheduler does), and the steps must follow Keras'."""
    mu, rates = 0.9, [0.1, 0.05, 0.4]
    v, theta, expected, torch_form = 0.0, 1.0, [], []
    for g, lr in zip(G, rates):
        v = mu * v - lr * g
        theta += v
        expected.append(theta)
    b, theta = 0.0, 1.0
    for g, lr in zip(G, rates):
        b = mu * b + g
        theta -= lr * b
        torch_form.append(theta)
    assert expected[-1] != pytest.approx(torch_form[-1], rel=1e-3)  # the two forms do differ here
    for nesterov in (False, True):
        opt = K.optimizers.SGD(rates[0], momentum=mu, nesterov=nesterov)
        p = Tensor(np.array([1.0]), requires_grad=True)
        opt.bind([p])
        out, v, theta, by_hand = [], 0.0, 1.0, []
        for g, lr in zip(G, rates):
            opt.learning_rate = lr
            p.grad = np.array([g])
            opt.step()
            out.append(float(p.data[0]))
            v = mu * v - lr * g
            theta += mu * v - lr * g if nesterov else v
            by_hand.append(theta)
        assert out == pytest.approx(by_hand, rel=1e-12)
    assert by_hand != expected  # Nesterov's steps are its own


def test_keras_rmsprop_momentum_keeps_the_learning_rate_in_the_buffer_when_it_changes() -> None:
    """Keras 3's RMSprop with momentum: b ← μb + γₜ·g/√(v + ε); θ ← θ − b, with γ changing each step."""
    mu, rho, eps, rates = 0.5, 0.9, 1e-7, [0.1, 0.02, 0.3]
    opt = K.optimizers.RMSprop(rates[0], rho=rho, momentum=mu)
    p = Tensor(np.array([1.0]), requires_grad=True)
    opt.bind([p])
    v = b = 0.0
    theta, out, expected = 1.0, [], []
    for g, lr in zip(G, rates):
        opt.learning_rate = lr
        p.grad = np.array([g])
        opt.step()
        out.append(float(p.data[0]))
        v = rho * v + (1 - rho) * g * g
        b = mu * b + lr * g / math.sqrt(v + eps)
        theta -= b
        expected.append(theta)
    assert out == pytest.approx(expected, rel=1e-12)


def reference_steps(name: str) -> list[float]:
    """Keras 3's update rules (keras/optimizers/*.py), written out for one scalar in float64, with
    Keras' defaults; three steps of the gradients G from θ0 = 1."""
    theta, out = 1.0, []
    acc, v, m, d, u_prod = 0.1, 0.0, 0.0, 0.0, 1.0
    lr, eps, b1, b2, rho = 1e-3, 1e-7, 0.9, 0.999, {"rmsprop": 0.9, "adadelta": 0.95}.get(name, 0.0)
    for t, g in enumerate(G, start=1):
        if name == "adagrad":  # G₀ = 0.1, ε inside the root
            acc += g * g
            theta -= lr * g / math.sqrt(acc + eps)
        elif name == "rmsprop":
            v = rho * v + (1 - rho) * g * g
            theta -= lr * g / math.sqrt(v + eps)
        elif name == "adadelta":
            v = rho * v + (1 - rho) * g * g
            delta = -math.sqrt(d + eps) / math.sqrt(v + eps) * g
            d = rho * d + (1 - rho) * delta * delta
            theta += lr * delta
        elif name == "adam":  # the ε-hat form
            m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
            theta -= lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (math.sqrt(v) + eps)
        elif name == "nadam":
            u_t, u_next = b1 * (1 - 0.5 * 0.96**t), b1 * (1 - 0.5 * 0.96 ** (t + 1))
            u_prod *= u_t
            m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
            m_hat = u_next * m / (1 - u_prod * u_next) + (1 - u_t) * g / (1 - u_prod)
            theta -= lr * m_hat / (math.sqrt(v / (1 - b2**t)) + eps)
        out.append(theta)
    return out


@pytest.mark.parametrize("name", ["adagrad", "rmsprop", "adadelta", "adam", "nadam"])
def test_keras_optimizer_steps_follow_keras_rules(name: str) -> None:
    assert keras_steps(K.optimizers.get(name)) == pytest.approx(reference_steps(name), rel=1e-12, abs=1e-15)


def test_keras_first_steps_by_hand() -> None:
    """The first step of each, worked out by hand from Keras' rules."""
    assert reference_steps("adagrad")[0] == pytest.approx(1 - 1e-3 * 0.5 / math.sqrt(0.35 + 1e-7), rel=1e-12)
    assert reference_steps("rmsprop")[0] == pytest.approx(1 - 1e-3 * 0.5 / math.sqrt(0.025 + 1e-7), rel=1e-12)
    delta = -math.sqrt(1e-7) / math.sqrt(0.05 * 0.25 + 1e-7) * 0.5
    assert reference_steps("adadelta")[0] == pytest.approx(1 + 1e-3 * delta, rel=1e-12)
    adam = 1 - 1e-3 * math.sqrt(0.001) / 0.1 * 0.1 * 0.5 / (math.sqrt(0.001) * 0.5 + 1e-7)
    assert reference_steps("adam")[0] == pytest.approx(adam, rel=1e-12)


def test_optimizer_names() -> None:
    names = [("adam", K.optimizers.Adam), ("RMSprop", K.optimizers.RMSprop), ("nadam", K.optimizers.Nadam)]
    for name, cls in [*names, ("AdamW", K.optimizers.AdamW)]:
        assert isinstance(K.optimizers.get(name), cls)
    with pytest.raises(ValueError, match="unknown optimizer 'lamb'"):  # Keras 3 has none of that name either
        K.optimizers.get("lamb")


# ----------------------------------------------------------------------------- layers, counts, summary
def textbook_model() -> Sequential:
    """The textbook's Keras MNIST model, as the example builds it."""
    return runpy.run_path(str(EXAMPLES / "keras_mnist.py"))["build_model"]()


def test_parameter_counts_and_summary(capsys) -> None:
    model = textbook_model()
    assert model.layers[0].count_params() == 401_920  # 784·512 + 512
    bn = model.layers[1]  # BatchNormalization(512): 4·512 numbers, half of them trainable, as Keras counts
    assert bn.count_params() == 2_048
    assert (count_weights(bn.trainable_weights), count_weights(bn.non_trainable_weights)) == (1_024, 1_024)
    dense = [(784, 512), (512, 128), (128, 64), (64, 10)]
    total = sum(i * o + o for i, o in dense) + 4 * (512 + 128 + 64)
    assert model.count_params() == total
    model.summary()
    text = capsys.readouterr().out
    assert "dense (Dense)" in text and "(None, 512)" in text and "│ batch_normalization_1" in text
    assert f"Total params: {total:,}" in text
    assert f"Non-trainable params: {2 * (512 + 128 + 64):,}" in text
    assert f"Trainable params: {total - 2 * (512 + 128 + 64):,}" in text


def test_keras_defaults() -> None:
    tg.manual_seed(0)
    d = Dense(300, input_shape=(500,))
    Sequential([d])
    kernel, bias = d.get_weights()
    assert kernel.shape == (500, 300) and np.all(bias == 0)
    assert np.abs(kernel).max() <= math.sqrt(6 / 800)  # glorot_uniform bound
    bn = BatchNormalization()
    assert (bn.momentum, bn.epsilon) == (0.99, 1e-3)


def test_conv_pool_rnn_shapes_and_counts() -> None:
    model = Sequential(
        [
            Conv2D(8, 3, activation="relu", input_shape=(12, 12, 1)),
            MaxPooling2D(2),
            Conv2D(4, 3, padding="same"),
            AveragePooling2D(),
            GlobalAveragePooling2D(),
            Dense(3),
        ]
    )
    assert [layer.output_shape for layer in model.layers] == [(10, 10, 8), (5, 5, 8), (5, 5, 4), (2, 2, 4), (4,), (3,)]
    assert model.layers[0].count_params() == 3 * 3 * 1 * 8 + 8
    out = model.predict(np.random.default_rng(0).random((2, 12, 12, 1)))
    assert out.shape == (2, 3)
    rnn = Sequential([SimpleRNN(6, input_shape=(5, 4))])
    assert rnn.count_params() == 6 * (4 + 6 + 1)  # Keras: one bias
    assert rnn.predict(np.zeros((2, 5, 4))).shape == (2, 6)
    seq = Sequential([SimpleRNN(6, return_sequences=True, input_shape=(5, 4)), Flatten(), Activation("tanh")])
    assert seq.layers[-1].output_shape == (30,)


@pytest.mark.skipif(not __import__("importlib").util.find_spec("torch"), reason="PyTorch not installed")
def test_keras_conv_layout_matches_pytorch_conv() -> None:
    """Conv2D on channels-last input equals torch's conv2d on the same data in channels-first layout."""
    import torch

    layer = Conv2D(4, 3, input_shape=(6, 7, 2))
    Sequential([layer])
    x = np.random.default_rng(1).random((2, 6, 7, 2)).astype(np.float32)
    kernel, bias = layer.get_weights()  # Keras layout (kh, kw, in, out)
    ref = torch.nn.functional.conv2d(
        torch.from_numpy(x.transpose(0, 3, 1, 2)),
        torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy()),
        torch.from_numpy(bias),
    )
    np.testing.assert_allclose(layer(Tensor(x)).data, ref.numpy().transpose(0, 2, 3, 1), rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- fit / evaluate / predict
def test_fit_evaluate_predict(capsys) -> None:
    tg.manual_seed(0)
    x, y = small_data()
    model = Sequential([Dense(16, activation="relu", input_dim=8), Dropout(0.2), Dense(3, activation="softmax")])
    model.compile(optimizer=K.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=8, validation_split=0.25, verbose=2)
    assert isinstance(history, History) and set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["loss"]) == 8 and history.history["loss"][-1] < history.history["loss"][0]
    out = capsys.readouterr().out
    # 192 / 32 = 6 steps; Keras writes a step's time in ms, or in us under 1 ms (this model's steps take either)
    assert re.search(r"Epoch 8/8\n6/6 - \d+s - \d+(ms|us)/step - accuracy: [\d.]+ - loss: [\d.]+ - val_accuracy:", out)
    assert "[====" not in out  # verbose=2: one line per epoch, no bar (Keras 3)
    # validation_split took the LAST quarter: evaluating on it reproduces the last val_loss
    val_loss, val_acc = model.evaluate(x[-64:], y[-64:], verbose=0)
    assert val_loss == pytest.approx(history.history["val_loss"][-1], rel=1e-6)
    assert val_acc == pytest.approx(history.history["val_accuracy"][-1])
    probs = model.predict(x)
    assert probs.shape == (256, 3) and np.allclose(probs.sum(axis=1), 1, atol=1e-6)
    # the loss computed from logits equals −mean log p[y] computed from the probabilities
    assert model.evaluate(x, y, verbose=0)[0] == pytest.approx(-np.log(probs[np.arange(256), y]).mean(), rel=1e-5)
    assert val_acc > 0.9


def test_evaluate_without_metrics_returns_a_float() -> None:
    x, y = small_data(64)
    model = Sequential([Dense(3, activation="softmax", input_dim=8)])
    model.compile("sgd", "categorical_crossentropy")
    assert isinstance(model.evaluate(x, to_categorical(y, 3), verbose=0), float)


@pytest.mark.parametrize(
    ("loss", "activation", "target", "reference"),
    [
        (
            "categorical_crossentropy",
            "softmax",
            lambda y: to_categorical(y, 3),
            lambda p, t: -np.mean(np.sum(t * np.log(p), axis=1)),
        ),
        ("categorical_crossentropy", "linear", lambda y: to_categorical(y, 3), None),
        ("mse", "linear", lambda y: to_categorical(y, 3), lambda p, t: np.mean((p - t) ** 2)),
        ("mae", "sigmoid", lambda y: to_categorical(y, 3), lambda p, t: np.mean(np.abs(p - t))),
        (
            "binary_crossentropy",
            "sigmoid",
            lambda y: to_categorical(y, 3),
            lambda p, t: -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)),
        ),
        ("hinge", "tanh", lambda y: to_categorical(y, 3), lambda p, t: np.mean(np.maximum(0, 1 - (2 * t - 1) * p))),
        (
            "kl_divergence",
            "softmax",
            lambda y: to_categorical(y, 3) * 0.9 + 0.1 / 3,
            lambda p, t: np.mean(np.sum(t * np.log(t / p), axis=1)),
        ),
    ],
)
def test_losses_follow_keras_formulas(loss, activation, target, reference) -> None:
    """Each Keras loss, evaluated by the model, equals the formula computed in numpy from predict()."""
    tg.manual_seed(1)
    x, y = small_data(40)
    model = Sequential([Dense(3, activation=activation, input_dim=8)])
    model.compile("sgd", loss)
    t = target(y)
    p = model.predict(x).astype(np.float64)
    if reference is None:  # outputs are not probabilities: Keras normalises and clips them
        q = np.clip(p / p.sum(axis=1, keepdims=True), 1e-7, 1 - 1e-7)
        expected = -np.mean(np.sum(t * np.log(q), axis=1))
    else:
        expected = reference(p, t)
    assert model.evaluate(x, t, verbose=0) == pytest.approx(expected, rel=1e-4)


def test_regularizer_is_added_to_the_loss() -> None:
    tg.manual_seed(2)
    x, y = small_data(32)
    layer = Dense(3, input_dim=8, kernel_regularizer=K.regularizers.l2(0.01))
    plain = Sequential([Dense(3, input_dim=8)])
    model = Sequential([layer])
    plain.layers[0].load_state_dict(layer.state_dict())
    for m in (plain, model):
        m.compile("sgd", "mse")
    t = to_categorical(y, 3)
    penalty = 0.01 * np.sum(layer.get_weights()[0].astype(np.float64) ** 2)
    assert model.evaluate(x, t, verbose=0) == pytest.approx(plain.evaluate(x, t, verbose=0) + penalty, rel=1e-5)


def test_bad_targets_get_clear_errors() -> None:
    x, y = small_data(16)
    model = Sequential([Dense(3, activation="softmax", input_dim=8)])
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    with pytest.raises(ValueError, match=r"expects one-hot targets \(use to_categorical\)"):
        model.fit(x, y, verbose=0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(IndexError, match="Target 5 is out of bounds"):  # real Keras' (torch's) error
        model.fit(x, np.full(16, 5), verbose=0)
    with pytest.raises(ValueError, match=r"x has 16 samples but y has 15"):
        model.fit(x, y[:15], verbose=0)
    with pytest.raises(ValueError, match=r"expected inputs of shape \(None, 8\), got \(None, 7\)"):
        model.predict(x[:, :7])
    with pytest.raises(ValueError, match="x contains NaN"):
        model.fit(np.full((16, 8), np.nan), y, verbose=0)
    with pytest.raises(ValueError, match="unknown loss 'crossentropy'"):
        model.compile("sgd", "crossentropy")


# ----------------------------------------------------------------------------- callbacks
def test_early_stopping_and_restore_best_weights() -> None:
    """Keras' rules (its EarlyStopping source): with patience p, training stops once p epochs in a
    row have not improved; restore_best_weights puts back the weights of the best epoch."""
    x, y = small_data(64)
    model = Sequential([Dense(3, activation="softmax", input_dim=8)])
    model.compile(K.optimizers.SGD(0.0), "sparse_categorical_crossentropy")  # lr 0: the loss never improves
    stopper = EarlyStopping(monitor="loss", patience=1)
    # no shuffling: every epoch sums the same losses in the same order, so they are exactly equal
    history = model.fit(x, y, epochs=10, verbose=0, shuffle=False, callbacks=[stopper])
    assert len(history.history["loss"]) == 2 and stopper.stopped_epoch == 1  # best at 0, then 1 without gain

    # Deterministic from the data, whatever the initial weights would have been: start from zeros (the
    # loss is then ln 3 exactly) and step with lr = 1/L, where L = λmax(X̃ᵀX̃)/n bounds the curvature of the
    # mean softmax cross-entropy in (kernel, bias) (the softmax Hessian in the logits is at most I), so by
    # the descent lemma one full-batch step lowers the loss.
    xt = np.hstack([x, np.ones((len(x), 1), np.float32)]).astype(np.float64)
    lr = 1.0 / (np.linalg.eigvalsh(xt.T @ xt / len(x))[-1])
    spoiled = [np.zeros((8, 3), np.float32), np.array([-20.0, -20.0, 20.0], np.float32)]  # "always class 2"
    z = np.zeros((len(x), 3)) + spoiled[1]
    # Keras 3 reads the saturated softmax's probabilities clipped to [1e-7, 1 - 1e-7]: −log 1e-7 ≈ 16.1 for
    # each label that is not 2 (not the logits' 40), −log(1 − 1e-7) for the others
    p = np.exp(z - z.max(1, keepdims=True))
    p = np.clip(p / p.sum(1, keepdims=True), 1e-7, 1 - 1e-7)
    spoiled_loss = float(np.mean(-np.log(p[np.arange(len(x)), y])))
    assert spoiled_loss > np.log(3)  # 16.1 x (the share of labels that are not 2): worse than the start

    class Rewind(K.callbacks.Callback):
        """From epoch 1 on, keeps the weights then spoils them, so only a restore brings back the best."""

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.best = self.model.get_weights()
            if epoch >= 1:
                self.model.set_weights(spoiled)

    model = Sequential([Dense(3, activation="softmax", input_dim=8)])
    model.set_weights([np.zeros((8, 3), np.float32), np.zeros(3, np.float32)])
    model.compile(K.optimizers.SGD(lr), "sparse_categorical_crossentropy")
    rewind = Rewind()
    stopper = EarlyStopping(monitor="loss", patience=2, restore_best_weights=True)
    history = model.fit(x, y, epochs=10, batch_size=64, verbose=0, shuffle=False, callbacks=[stopper, rewind])
    losses = history.history["loss"]
    np.testing.assert_allclose(losses[0], np.log(3), rtol=1e-6)  # uniform predictions from zero weights
    np.testing.assert_allclose(losses[2:], spoiled_loss, rtol=1e-5)
    assert losses[1] < losses[0] and len(losses) == 4  # improved at 1; 2 and 3 spoiled: stop after 3
    assert stopper.best_epoch == 1
    for w, best in zip(model.get_weights(), rewind.best):
        np.testing.assert_array_equal(w, best)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow is the point
def test_terminate_on_nan() -> None:
    x, y = small_data(64)
    model = Sequential([Dense(3, input_dim=8)])
    model.compile(K.optimizers.SGD(1e30), "mse")
    history = model.fit(x * 1e10, to_categorical(y, 3), epochs=5, batch_size=8, verbose=0, callbacks=[TerminateOnNaN()])
    assert len(history.history["loss"]) == 1


# ----------------------------------------------------------------------------- weights, utils, data
def test_save_and_load_weights(tmp_path) -> None:
    model, other = textbook_model(), textbook_model()
    model.set_weights([np.full(w.shape, i, np.float32) for i, w in enumerate(model.get_weights())])
    path = tmp_path / "w.npz"
    assert model.save_weights(path) is None  # as Keras 3's
    other.load_weights(path)
    weights = other.get_weights()
    assert len(weights) == 4 * 2 + 3 * 4  # 4 Dense (kernel, bias), 3 BatchNormalization (γ, β, mean, var)
    for i, w in enumerate(weights):
        np.testing.assert_array_equal(w, i)
    small = Sequential([Dense(4, input_dim=784)])
    with pytest.raises(ValueError, match=r"could not be loaded into 'sequential.*' \(another architecture\)"):
        small.load_weights(path)
    evil = tmp_path / "evil.npz"
    np.savez(evil, **{"dense.linear.weight": np.array([object()], dtype=object)})
    with pytest.raises(ValueError, match="not a weights file"):
        small.load_weights(evil)
    with pytest.raises(ValueError, match=r"The filename must end in `\.weights\.h5`"):
        model.save_weights(tmp_path / "w.h5")


def test_to_categorical() -> None:
    np.testing.assert_array_equal(to_categorical([0, 2, 1]), [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert to_categorical(np.array([[1], [0]]), 3).shape == (2, 3)
    assert np_utils_to_categorical is to_categorical
    with pytest.raises(ValueError, match="label -1 is negative"):
        to_categorical([0, -1], 3)
    with pytest.raises(ValueError, match="label 3 out of range for 3 classes"):
        to_categorical([0, 3], 3)
    with pytest.raises(ValueError, match="whole numbers"):
        to_categorical([0.5])


def test_initializers() -> None:
    tg.manual_seed(3)
    w = K.initializers.HeNormal()((400, 300))
    assert w.std() == pytest.approx(math.sqrt(2 / 400), rel=0.03)  # truncation rescaled back to the nominal std
    assert np.abs(w).max() <= 2 * math.sqrt(2 / 400) / 0.87962566103423978 + 1e-12
    assert np.abs(K.initializers.RandomUniform(-0.1, 0.1)((50, 50))).max() <= 0.1
    assert K.initializers.RandomNormal(stddev=0.05)((200, 200)).std() == pytest.approx(0.05, rel=0.03)
    q = K.initializers.Orthogonal()((6, 6))
    np.testing.assert_allclose(q.T @ q, np.eye(6), atol=1e-12)
    d = Dense(5, input_dim=4, kernel_initializer=K.initializers.Constant(0.5))
    Sequential([d])
    np.testing.assert_array_equal(d.get_weights()[0], 0.5)


def test_mnist_load_data_uses_the_bundled_subset(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path))
    (x_train, y_train), (x_test, y_test) = K.datasets.mnist.load_data()
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8 and x_train.max() == 255
    assert np.bincount(np.concatenate([y_train, y_test])).tolist() == [
        1001,
        1127,
        991,
        1032,
        980,
        863,
        1014,
        1070,
        944,
        978,
    ]  # the data's README
    assert "bundled 10,000-digit subset" in capsys.readouterr().err


def test_keras_mnist_example_runs_end_to_end(capsys, tmp_path) -> None:
    """The textbook's Keras script on the bundled digits, 10 epochs: it learns (the test set is
    2,000 real digits; chance is 10%)."""
    module = runpy.run_path(str(EXAMPLES / "keras_mnist.py"))
    accuracy = module["main"](["--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "Total params: 479,306" in out  # 401,920 + 65,664 + 8,256 + 650 + 4·(512 + 128 + 64)
    assert "Epoch 10/10" in out and "history keys: ['accuracy', 'loss', 'val_accuracy', 'val_loss']" in out
    assert accuracy > 0.85
    assert (tmp_path / "keras_mnist_history.png").exists() and (tmp_path / "keras_mnist_confusion.png").exists()


def test_calling_the_model_works_as_in_keras() -> None:
    """model(x) takes a numpy array, runs in inference mode (Keras' default), training=True turns Dropout on."""
    tg.manual_seed(0)
    model = Sequential([Dense(8, activation="relu", input_dim=4), Dropout(0.5), Dense(3, activation="softmax")])
    x = np.random.default_rng(0).random((5, 4))  # float64, as a learner passes it: cast to float32 as Keras does
    out = model(x)
    assert isinstance(out, Tensor) and out.dtype == np.float32 and out.shape == (5, 3)
    np.testing.assert_allclose(out.data, model.predict(x), rtol=1e-6)
    np.testing.assert_allclose(model(Tensor(x.astype(np.float32)), training=False).data, out.data, rtol=1e-6)
    assert not np.allclose(model(x, training=True).data, out.data)  # Dropout(0.5) is on
    with pytest.raises(ValueError, match=r"sequential.*: expected inputs of shape \(None, 4\), got \(None, 3\)"):
        model(np.zeros((2, 3)))
