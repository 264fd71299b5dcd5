"""Checks for chapter 14 (Keras, opened up): a Dense layer written as a ``keras.layers.Layer``
subclass, and a training step written by hand as Keras' torch backend runs one.

The expected numbers are worked out here with numpy from the formulas (a Dense layer is
relu(x·W + b); the gradients of a two-layer tanh network under mean squared error follow from the
chain rule, written out below), in float64, so a check tests the idea and not the Keras door.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from .feedback import ExerciseError, attempt, expect_array, expect_number, passed

X = np.linspace(-1.0, 1.0, 20).reshape(4, 5)  # four samples of five features
KERNEL = np.linspace(-0.8, 0.9, 15).reshape(5, 3)  # (input features, units), Keras' layout
BIAS = np.array([0.1, -0.2, 0.05])


@contextlib.contextmanager
def float64() -> Iterator[Any]:
    """The Keras door in float64 for the duration of a check (the learner's setting comes back)."""
    from .. import keras

    before = keras.config.floatx()
    keras.config.set_floatx("float64")
    try:
        yield keras
    finally:
        keras.config.set_floatx(before)


def _weights(layer: Any, what: str) -> list[Any]:
    weights = list(layer.trainable_weights)
    shapes = [tuple(w.shape) for w in weights]
    if len(weights) != 2:
        hint = " (a kernel and a bias, each made with self.add_weight in build)" if len(weights) < 2 else ""
        raise ExerciseError(f"{what} has {len(weights)} trainable weights {shapes}, expected 2{hint}")
    if shapes == [(3, 5), (3,)]:
        raise ExerciseError(
            f"{what}: the kernel has shape (3, 5), expected (5, 3): Keras keeps a Dense kernel as "
            "(input features, units) and computes x @ kernel (PyTorch's Linear stores the transpose)"
        )
    if shapes != [(5, 3), (3,)]:
        raise ExerciseError(f"{what} made weights of shapes {shapes}, expected [(5, 3), (3,)] (kernel, then bias)")
    return weights


def check_dense_layer(layer_class: Any) -> None:
    """``layer_class(units)`` must build a kernel (inputs, units) and a bias (units,) and compute
    relu(x @ kernel + bias); its gradient must reach both: ∂Σout/∂kernel = xᵀ·[z > 0] and
    ∂Σout/∂bias = Σ_rows [z > 0], where z = x @ kernel + bias."""
    with float64():
        what = "MyDense(3)"
        layer = attempt(layer_class, 3, what=what)
        try:
            layer(X)
        except Exception as error:  # the learner's code may raise anything: name the weights' shapes first
            if getattr(layer, "trainable_weights", None):
                _weights(layer, what)
            raise ExerciseError(f"{what}(x) on x of shape (4, 5) raised {type(error).__name__}: {error}") from None
        weights = _weights(layer, what)
        attempt(layer.set_weights, [KERNEL, BIAS], what=f"{what}.set_weights")
        out = attempt(layer, X, what=f"{what}(x)")
        z = X @ KERNEL + BIAS
        hint = ""
        if out is not None and np.allclose(np.asarray(out, dtype=float), z):
            hint = "the ReLU is missing: relu(x @ kernel + bias)"
        elif out is not None and np.allclose(np.asarray(out, dtype=float), np.maximum(X @ KERNEL, 0)):
            hint = "the bias is not added"
        expect_array(out, np.maximum(z, 0), f"{what}(x)", hint=hint)
        attempt(lambda: out.sum().backward(), what="the output's sum .backward()")
        active = (z > 0).astype(float)
        expect_array(weights[0].value.grad, X.T @ active, "the kernel's gradient")
        expect_array(weights[1].value.grad, active.sum(axis=0), "the bias's gradient")
    passed("MyDense computes relu(x @ kernel + bias) with Keras' weight shapes, and backward reaches both weights")


def _two_layer_step(w: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float) -> tuple[float, list[np.ndarray]]:
    """One SGD step of h = tanh(x W1 + b1), out = h W2 + b2 under L = mean((out − y)²), by the
    chain rule: ∂L/∂out = 2(out − y)/n, ∂L/∂W2 = hᵀ ∂L/∂out, ∂L/∂h = ∂L/∂out W2ᵀ,
    ∂L/∂z = ∂L/∂h (1 − h²), ∂L/∂W1 = xᵀ ∂L/∂z; biases sum their rows."""
    w1, b1, w2, b2 = w
    h = np.tanh(x @ w1 + b1)
    out = h @ w2 + b2
    d_out = 2 * (out - y) / out.size
    d_z = (d_out @ w2.T) * (1 - h**2)
    grads = [x.T @ d_z, d_z.sum(axis=0), h.T @ d_out, d_out.sum(axis=0)]
    return float(np.mean((out - y) ** 2)), [p - lr * g for p, g in zip(w, grads)]


def check_train_step(train_step: Any) -> None:
    """``train_step(model, x, y, loss_fn, optimizer)`` must run one step as Keras' torch backend does
    (forward with ``training=True``, the loss, gradients from ``backward()``, ``optimizer.apply``)
    and return the loss; two steps in a row must each match plain SGD on the chain rule's gradients."""
    with float64() as keras:
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
        start = [
            np.linspace(-0.5, 0.5, 12).reshape(3, 4),
            np.full(4, 0.1),
            np.linspace(1, -1, 4).reshape(4, 1),
            np.zeros(1),
        ]
        model.set_weights(start)
        x = np.linspace(-1, 1, 18).reshape(6, 3)
        y = np.sin(x.sum(axis=1, keepdims=True))
        optimizer, loss_fn = keras.optimizers.SGD(learning_rate=0.1), keras.losses.MeanSquaredError()
        expected_w = start
        for step in (1, 2):
            expected_loss, expected_w = _two_layer_step(expected_w, x, y, 0.1)
            loss = attempt(train_step, model, x, y, loss_fn, optimizer, what=f"train_step (step {step})")
            if loss is not None and not isinstance(loss, (int, float, np.floating)):
                loss = float(loss)
            expect_number(loss, expected_loss, f"the loss returned by step {step}", rtol=1e-9)
            hint = ""
            if step == 2:
                hint = (
                    "step 1 was right, so the gradients of step 1 are probably still in .grad: zero them "
                    "(model.zero_grad()) before backward()"
                )
            for k, (got, want) in enumerate(zip(model.get_weights(), expected_w)):
                expect_array(got, want, f"after step {step}, weight {k} ({model.weights[k].path})", hint=hint)
    passed("two steps of train_step match SGD on the chain rule's gradients, loss and every weight")
