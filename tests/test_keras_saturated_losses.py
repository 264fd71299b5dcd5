"""The probability cross-entropies of a model whose last layer ends in softmax or sigmoid, as Keras 3
computes them on its torch backend (``keras/src/backend/torch/nn.py``): from the probabilities,
each row first scaled to sum to 1 (the categorical ones), then clipped to [ε, 1 − ε], ε = 1e-7,
then the log. Not from the logits before the activation: where the output saturates, the two part
(here 16.67 from the logits against Keras' 10.75), and the clip's zero slope outside [ε, 1 − ε]
gives Keras' gradient, not the logits' (p − y).

Checked against real Keras in the same test, in float64 and float32: ``evaluate``'s loss, and the
gradient, read as the change of the weights after one full-batch SGD step of learning rate 1
(w − 1·∂L/∂w, so the change is the gradient). Also: (N,) sample weights on per-step losses (N, T)
are Keras' RuntimeError, with its words.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tests.test_keras_vs_keras import FLOAT64_LOSS_RTOL, FLOAT64_WEIGHT_RTOL, float64_on_both_sides
from tinygrad_edu import Tensor
from tinygrad_edu import keras as K
from tinygrad_edu.keras import losses as our_losses

pytestmark = KERAS_NOTICE

X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5], [0.01, -0.02]])
#: logits 30-40 apart on the first rows: probabilities within 1e-13 of 0 or 1 (past the clip in float32
#: and float64 alike); the last row stays inside
KERNEL = np.array([[10.0, -10.0, 0.0], [15.0, 0.0, -15.0]])
CASES = {
    "sparse_categorical_crossentropy": ("softmax", np.array([1, 2, 0, 1])),
    "categorical_crossentropy": ("softmax", np.eye(3)[[1, 2, 0, 1]]),
    "binary_crossentropy": ("sigmoid", np.array([[0, 1, 1], [1, 0, 0], [0, 0, 1], [1, 0, 1]])),
}


def run(M, loss: str, dtype: str) -> tuple[float, list[np.ndarray]]:
    """evaluate's loss, and the gradient (the weights' change over one SGD step of lr 1)."""
    activation, y = CASES[loss]
    model = M.Sequential([M.Input((2,)), M.layers.Dense(3, activation=activation)])
    start = [KERNEL.astype(dtype), np.array([0.0, 1.0, -1.0], dtype)]
    model.set_weights(start)
    model.compile(M.optimizers.SGD(learning_rate=1.0), loss)
    value = model.evaluate(X.astype(dtype), y, verbose=0)
    model.fit(X.astype(dtype), y, batch_size=len(X), epochs=1, shuffle=False, verbose=0)
    return value, [w0 - w for w0, w in zip(start, model.get_weights())]


@pytest.mark.parametrize("loss", list(CASES))
def test_saturated_probabilities_give_keras_loss_and_gradient_in_float64(loss: str) -> None:
    """Keras 3.15 in float64 still runs Dense's matmul and its loss tracker in float32
    (`FLOAT64_LOSS_RTOL`); the logits' values and gradients are off by O(1) here."""
    with float64_on_both_sides():
        ours, theirs = run(K, loss, "float64"), run(keras, loss, "float64")
    assert ours[0] == pytest.approx(theirs[0], rel=FLOAT64_LOSS_RTOL)
    for g_o, g_k in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(g_o, g_k, rtol=FLOAT64_WEIGHT_RTOL, atol=FLOAT64_WEIGHT_RTOL * np.abs(g_k).max())


#: probabilities at and past the clip on both ends, and inside it
P = np.array([[1.0, 0.0, 0.0], [1e-12, 1 - 1e-12, 0.0], [0.2, 0.3, 0.5], [0.5 - 1e-9, 1e-9, 0.5]])
TARGETS = {
    "sparse_categorical_crossentropy": np.array([1, 2, 0, 1]),
    "categorical_crossentropy": np.eye(3)[[1, 2, 0, 1]],
    "binary_crossentropy": np.array([[0, 1, 1], [1, 0, 0], [0, 0, 1], [1, 0, 1]], dtype=float),
}


@pytest.mark.parametrize("loss", list(TARGETS))
def test_loss_functions_on_saturated_probabilities_are_keras_to_the_last_bits(loss: str) -> None:
    """The functions alone, in float64 on both sides (no Dense): value and gradient in the
    probabilities as Keras' torch backend computes them (scale, clip, log; the clip's slope 0 outside).
    The mean over all values is the mean of the binary loss's row means (rows of equal length)."""
    import torch

    pt = torch.tensor(P, requires_grad=True)
    with float64_on_both_sides():
        # the backend op (keras.ops.*): keras.losses.binary_crossentropy rounds to float32 on the way
        expected = getattr(keras.ops, loss)(torch.tensor(TARGETS[loss]), pt).mean()
    expected.backward()
    po = Tensor(P, requires_grad=True)
    value = our_losses.get(loss)(TARGETS[loss], po, False)
    value.backward()
    assert value.item() == pytest.approx(float(expected.detach()), rel=1e-14)
    np.testing.assert_allclose(po.grad, pt.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("loss", list(CASES))
def test_saturated_probabilities_give_keras_loss_and_gradient_in_float32(loss: str) -> None:
    """float32 on both sides: the clip at 1 − ε is float32's 0.99999988 there as here; values agree
    to float32 rounding of a sum of a few terms (rel 1e-6), gradients to 1e-6 of their scale."""
    ours, theirs = run(K, loss, "float32"), run(keras, loss, "float32")
    assert ours[0] == pytest.approx(theirs[0], rel=1e-6)
    for g_o, g_k in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(g_o, g_k, rtol=1e-5, atol=1e-6 * max(1.0, np.abs(g_k).max()))


def test_the_saturated_case_is_one_where_logits_and_probabilities_part() -> None:
    """The case above is a real one: Keras' loss is not the logits' (log-sum-exp) value."""
    with float64_on_both_sides():
        value, _ = run(keras, "sparse_categorical_crossentropy", "float64")
    z = X @ KERNEL + np.array([0.0, 1.0, -1.0])
    from_logits = np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(len(X)), CASES["sparse_categorical_crossentropy"][1]])
    assert abs(value - from_logits) > 1.0


@pytest.mark.parametrize("M", [keras, K], ids=["keras", "ours"])
def test_per_sample_weights_on_per_step_losses_are_keras_runtime_error(M) -> None:
    """Weights (N,) for per-step losses (N, T): Keras multiplies (N, T)·(N,) as torch broadcasts,
    which fails unless T = N; weights (N, 1) or (N, T) are what Keras takes."""
    rng = np.random.default_rng(0)
    y, p = rng.random((4, 5, 3)), rng.random((4, 5, 3))
    words = r"The size of tensor a \(5\) must match the size of tensor b \(4\) at non-singleton dimension 1"
    with pytest.raises(RuntimeError, match=words) as caught:
        M.losses.MeanSquaredError()(y, p, sample_weight=np.ones(4))
    if M is K:  # ours names both shapes, and says what Keras takes
        assert "shape (4, 5), sample_weight of shape (4,)" in str(caught.value) and "(N, 1)" in str(caught.value)
    x = rng.random((4, 5, 2))
    model = M.Sequential([M.Input((5, 2)), M.layers.Dense(3)])
    model.compile("sgd", "mse")
    with pytest.raises(RuntimeError, match=words):
        model.fit(x, y, sample_weight=np.ones(4), verbose=0)
    with pytest.raises(RuntimeError, match=words):
        model.evaluate(x, y, sample_weight=np.ones(4), verbose=0)


def test_weights_that_keras_takes_give_keras_values() -> None:
    rng = np.random.default_rng(1)
    y, p = rng.random((4, 5, 3)).astype("float32"), rng.random((4, 5, 3)).astype("float32")
    for w in (rng.random((4, 1)), rng.random((4, 5)), rng.random((4, 5, 1))):
        ours = K.losses.MeanSquaredError()(y, p, sample_weight=w).item()
        theirs = float(keras.losses.MeanSquaredError()(y, p, sample_weight=w))
        assert ours == pytest.approx(theirs, rel=1e-6)


@pytest.mark.parametrize("loss", list(CASES))
def test_crossentropy_metrics_by_name_and_as_objects_are_keras(loss: str) -> None:
    """The cross-entropies as compile's metrics (by name and as objects, from probabilities and from
    logits) on the saturated model: Keras' numbers (float32, rel 1e-6)."""
    activation, y = CASES[loss]
    got = []
    for M in (K, keras):
        model = M.Sequential([M.Input((2,)), M.layers.Dense(3, activation=activation)])
        model.set_weights([KERNEL.astype("float32"), np.array([0.0, 1.0, -1.0], "float32")])
        cls = {
            "sparse_categorical_crossentropy": M.metrics.SparseCategoricalCrossentropy,
            "categorical_crossentropy": M.metrics.CategoricalCrossentropy,
            "binary_crossentropy": M.metrics.BinaryCrossentropy,
        }[loss]
        model.compile("sgd", "mse" if loss != "sparse_categorical_crossentropy" else loss,
                      metrics=[loss, cls(name="obj"), cls(name="from_logits", from_logits=True)])  # fmt: skip
        got.append(model.evaluate(X.astype("float32"), y, verbose=0, return_dict=True))
    assert got[0].keys() == got[1].keys()
    for key in got[1]:
        assert got[0][key] == pytest.approx(got[1][key], rel=1e-6), key
