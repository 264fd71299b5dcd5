"""The chapters' experiments, shared by the notebooks and the scripts in ``examples/``.

Each function runs one experiment from start to finish with a fixed seed and returns its numbers,
so a notebook copied anywhere (with only this package installed) and ``python examples/x.py``
compute the same thing:

- `compare_optimizers`: eight optimizers train the same MLP from the same start on two moons
  (chapter 5, ``examples/optimizers.py``).
- `initialisation_study`: zeros, too-large, Xavier and He initialisation, and the gradient norm per
  layer of a deep sigmoid net against a ReLU net (chapter 6, ``examples/initialisation.py``).
- `train_cnn_mnist`: a small convolutional network on MNIST (chapter 10, ``examples/cnn_mnist.py``).
- `keras_io_convnet` and `textbook_convnet`: keras.io's "Simple MNIST convnet" and the convnet of
  Chollet's *Deep Learning with Python* §5.1, each built from either Keras (chapter 10,
  ``examples/keras_convnet.py``).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from . import nn, optim
from .autograd import no_grad
from .datasets import load_mnist, make_moons
from .nn import functional as F
from .random import default_rng, manual_seed
from .tensor import Tensor

# ----------------------------------------------------------------------------- chapter 5
#: The runs of chapter 5: a label → (a name in `optim.OPTIMIZERS`, the one optimizer table, and the
#: settings that suit it on two moons; PyTorch's update rules).
OPTIMIZER_RUNS: dict[str, tuple[str, dict[str, Any]]] = {
    "SGD": ("sgd", {"lr": 0.1}),
    "momentum": ("sgd", {"lr": 0.1, "momentum": 0.9}),
    "Nesterov": ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    "Adagrad": ("adagrad", {"lr": 0.1}),
    "RMSprop": ("rmsprop", {"lr": 0.01}),
    "Adadelta": ("adadelta", {"lr": 1.0}),
    "Adam": ("adam", {"lr": 0.01}),
    "Nadam": ("nadam", {"lr": 0.01}),
}
#: label → a function of the parameters that makes the configured optimizer.
OPTIMIZERS: dict[str, Callable[[list[Any]], Any]] = {
    label: functools.partial(optim.OPTIMIZERS[name], **settings) for label, (name, settings) in OPTIMIZER_RUNS.items()
}


def keras_io_convnet(keras: Any, dropout: float = 0.5) -> Any:
    """keras.io's "Simple MNIST convnet" (F. Chollet), layer for layer, built from ``keras`` (ours,
    ``tinygrad_edu.keras``, or Keras 3 itself): Conv2D(32, 3, relu) · MaxPooling2D(2) · Conv2D(64, 3,
    relu) · MaxPooling2D(2) · Flatten · Dropout · Dense(10, softmax), 34,826 parameters.

    >>> from tinygrad_edu import keras
    >>> keras_io_convnet(keras).count_params()
    34826
    """
    L = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            L.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            L.MaxPooling2D(pool_size=(2, 2)),
            L.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            L.MaxPooling2D(pool_size=(2, 2)),
            L.Flatten(),
            L.Dropout(dropout),
            L.Dense(10, activation="softmax"),
        ]
    )


#: The two ways a Keras model learns its input shape: the first layer's ``input_shape=`` (Keras 2 and
#: the textbooks) or ``keras.Input(shape=...)`` as the model's first entry (Keras 3's form).
INPUT_FORMS = ("input_shape", "Input")


def textbook_convnet(keras: Any, input_form: str = "input_shape") -> Any:
    """The small convnet of F. Chollet, *Deep Learning with Python* (Manning, 2017), §5.1
    "Introduction to convnets", listings 5.1 and 5.2, built from ``keras`` (ours,
    ``tinygrad_edu.keras``, or Keras 3 itself) with the book's own ``add`` calls:
    Conv2D(32, 3×3, relu) · MaxPooling2D(2) · Conv2D(64, 3×3, relu) · MaxPooling2D(2) ·
    Conv2D(64, 3×3, relu) · Flatten · Dense(64, relu) · Dense(10, softmax).

    A 3×3 "valid" convolution takes 2 off each side length and a 2×2 pooling halves it (rounding
    down): 28 → 26 → 13 → 11 → 5 → 3, so Flatten gives 3·3·64 = 576 numbers. A Conv2D holds
    (3·3·C_in + 1)·C_out weights and a Dense (n_in + 1)·n_out, 93,322 in all, the total the
    book's ``summary()`` prints.

    Args:
        keras: the ``keras`` module to build with.
        input_form: ``"input_shape"`` gives the first Conv2D ``input_shape=(28, 28, 1)``, as the
            book does; ``"Input"`` puts ``keras.Input(shape=(28, 28, 1))`` first, as Keras 3 prefers.

    >>> from tinygrad_edu import keras
    >>> model = textbook_convnet(keras)
    >>> model.count_params(), model.layers[4].output_shape
    (93322, (3, 3, 64))
    >>> textbook_convnet(keras, input_form="input_dim")
    Traceback (most recent call last):
    ValueError: textbook_convnet: input_form must be one of ('input_shape', 'Input'), got 'input_dim'
    """
    if input_form not in INPUT_FORMS:
        raise ValueError(f"textbook_convnet: input_form must be one of {INPUT_FORMS}, got {input_form!r}")
    layers = keras.layers
    model = keras.models.Sequential()
    if input_form == "Input":
        model.add(keras.Input(shape=(28, 28, 1)))
        model.add(layers.Conv2D(32, (3, 3), activation="relu"))
    else:
        model.add(layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation="relu"))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation="relu"))
    model.add(layers.Flatten())
    model.add(layers.Dense(64, activation="relu"))
    model.add(layers.Dense(10, activation="softmax"))
    return model


def moons_mlp() -> nn.Sequential:
    """The 2-16-16-2 tanh MLP of chapter 5 (PyTorch's default initialisation)."""
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 2))


def train_full_batch(model: nn.Module, make_optimizer: Callable[[list[Any]], Any], steps: int) -> list[float]:
    """Full-batch training on 200 two-moons points (noise 0.15, seed 0); the loss before each step."""
    X, y = make_moons(200, noise=0.15, seed=0)
    x = Tensor(X.astype(np.float32))
    opt = make_optimizer(model.parameters())
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def compare_optimizers(steps: int = 300) -> dict[str, list[float]]:
    """The loss per step of each of `OPTIMIZERS`, every one from the same initial weights (seed 0)."""
    curves = {}
    for name, make in OPTIMIZERS.items():
        manual_seed(0)
        curves[name] = train_full_batch(moons_mlp(), make, steps)
    return curves


# ----------------------------------------------------------------------------- chapter 6
INITIALISERS: dict[str, Callable[[Tensor], Any]] = {
    "zeros": nn.init.zeros_,
    "large": lambda w: nn.init.normal_(w, 0.0, 4.0),
    "xavier": nn.init.xavier_uniform_,
    "he": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
    "default": lambda w: w,
}


def init_mlp(
    init: str, activation: type[nn.Module] = nn.Tanh, sizes: tuple[int, ...] = (2, 16, 16, 2)
) -> nn.Sequential:
    """An MLP whose weights are set by ``INITIALISERS[init]`` and whose biases are zero."""
    if init not in INITIALISERS:
        raise ValueError(f"init_mlp: unknown init {init!r}; choose one of {', '.join(INITIALISERS)}")
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        lin = nn.Linear(a, b)
        INITIALISERS[init](lin.weight)
        nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def moons_accuracy(model: nn.Module, steps: int) -> float:
    """Train on two moons with SGD (lr 0.1, momentum 0.9) and return the training accuracy."""
    train_full_batch(model, lambda p: optim.SGD(p, lr=0.1, momentum=0.9), steps)
    X, y = make_moons(200, noise=0.15, seed=0)
    with no_grad():
        return float(np.mean(model(Tensor(X.astype(np.float32))).argmax(1)._data == y))


def layer_gradient_norms(model: nn.Sequential) -> list[float]:
    """‖∂L/∂W‖ for each Linear layer, input side first, on one batch of two moons (seed 1)."""
    X, y = make_moons(200, noise=0.15, seed=1)
    F.cross_entropy(model(Tensor(X.astype(np.float32))), y).backward()
    norms = []
    for m in model.modules():
        if isinstance(m, nn.Linear):
            assert m.weight.grad is not None, "backward() reaches every Linear weight of the chain"
            norms.append(float(np.linalg.norm(m.weight.grad.numpy())))
    return norms


def initialisation_study(quick: bool = False, verbose: bool = True) -> dict[str, Any]:
    """Chapter 6's four findings, as numbers (and printed lines unless ``verbose=False``):

    1. zeros: every hidden unit is still identical after training (symmetry never breaks);
    2. N(0, 4²) weights saturate tanh units (|h| > 0.99), where tanh′ ≈ 0;
    3. Xavier (tanh) and He (ReLU) train to high accuracy;
    4. in a 10-hidden-layer sigmoid net the gradient norm shrinks towards the input (σ′ ≤ 1/4 at
       every layer); with ReLU and He initialisation it does not.
    """
    say = print if verbose else (lambda *a, **k: None)
    steps = 150 if quick else 400
    results: dict[str, Any] = {}

    manual_seed(0)
    zeros = init_mlp("zeros")
    results["zeros accuracy"] = moons_accuracy(zeros, steps)
    first = zeros.layers[0]
    assert isinstance(first, nn.Linear), "init_mlp's first layer is a Linear"
    w = first.weight._data
    results["zeros: hidden units identical"] = bool(np.allclose(w, w[:1]))
    say(
        f"zeros:  accuracy {results['zeros accuracy']:.3f}; all 16 first-layer units identical after training: "
        f"{results['zeros: hidden units identical']}"
    )

    manual_seed(0)
    large = init_mlp("large")
    X, _ = make_moons(200, noise=0.15, seed=0)
    with no_grad():
        h = large.layers[1](large.layers[0](Tensor(X.astype(np.float32))))._data
    results["large: saturated fraction"] = float(np.mean(np.abs(h) > 0.99))
    results["large accuracy"] = moons_accuracy(large, steps)
    say(
        f"large:  {100 * results['large: saturated fraction']:.0f}% of first-layer tanh units saturated (|h| > 0.99) "
        f"at the start; accuracy {results['large accuracy']:.3f}"
    )

    act: type[nn.Module]
    for init, act in (("xavier", nn.Tanh), ("he", nn.ReLU)):
        manual_seed(0)
        results[f"{init} accuracy"] = moons_accuracy(init_mlp(init, act), steps)
        say(f"{init + ':':<7} accuracy {results[f'{init} accuracy']:.3f}")

    deep = (2, *([32] * 10), 2)
    for name, init, act in (("sigmoid, Xavier", "xavier", nn.Sigmoid), ("ReLU, He", "he", nn.ReLU)):
        manual_seed(0)
        norms = layer_gradient_norms(init_mlp(init, act, deep))
        results[f"gradient norms {name}"] = norms
        say(f"10 hidden layers, {name}: ‖∂L/∂W‖ from input to output layer: " + " ".join(f"{n:.1e}" for n in norms))
    return results


# ----------------------------------------------------------------------------- chapter 10
def mnist_cnn() -> nn.Sequential:
    """Conv(8, 3x3)-ReLU-MaxPool(2)-Conv(16, 3x3)-ReLU-MaxPool(2)-Flatten-Linear(400, 10)."""
    return nn.Sequential(
        nn.Conv2d(1, 8, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 28 → 26 → 13
        nn.Conv2d(8, 16, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 13 → 11 → 5
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 10),
    )


def train_cnn_mnist(epochs: int = 3, n_train: int | None = None, verbose: bool = True) -> float:
    """Train `mnist_cnn` with Adam (lr 2e-3, batches of 64, seed 0) on the first ``n_train``
    training digits (all when None) and return its accuracy on the test digits."""
    if n_train is not None and n_train < 1:  # a mean loss over no digits would be 0/0
        raise ValueError(f"train_cnn_mnist: n_train must be at least 1, got {n_train}")
    say = print if verbose else (lambda *a, **k: None)
    (x_train, y_train), (x_test, y_test) = load_mnist(verbose=verbose)
    n = len(x_train) if n_train is None else min(n_train, len(x_train))
    X = (x_train[:n, None] / np.float32(255)).astype(np.float32)
    y = y_train[:n]
    Xt = (x_test[:, None] / np.float32(255)).astype(np.float32)
    manual_seed(0)
    model = mnist_cnn()
    say(model)
    say(f"{model.num_params():,} parameters")
    opt = optim.Adam(model.parameters(), lr=2e-3)
    for epoch in range(1, epochs + 1):
        model.train()
        order = default_rng().permutation(n)
        total = 0.0
        for i in range(0, n, 64):
            idx = order[i : i + 64]
            loss = F.cross_entropy(model(Tensor(X[idx])), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        say(f"epoch {epoch}: mean training loss {total / n:.4f}")
    model.eval()
    with no_grad():
        predicted = np.concatenate([model(Tensor(Xt[i : i + 500])).argmax(1)._data for i in range(0, len(Xt), 500)])
    accuracy = float(np.mean(predicted == y_test))
    say(f"test accuracy: {accuracy:.4f} on {len(Xt)} digits")
    return accuracy
