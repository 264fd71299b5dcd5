"""The Keras door's convolutional layers beside real Keras 3 (torch backend): ``padding="same"`` for
any kernel and stride, pooling with ``padding="same"``, BatchNormalization over the channels of an
image, GlobalAveragePooling2D, and keras.io's "Simple MNIST convnet" (summary, forward, gradients,
training on the bundled digits). Expected numbers come from Keras; the padding arithmetic also from
TensorFlow's documented formula. Skipped where Keras 3 is not installed.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import numpy as np
import pytest

from tests.test_keras_vs_keras import (  # the same twins, tolerances and warning filters
    FLOAT64_LOSS_RTOL,
    assert_close_to_scale,
    check_layers_against_keras,
    float64_on_both_sides,
    keras,
    pytestmark,  # noqa: F401  (re-exported: Keras' numpy-2 notice is silenced here too)
)
from tinygrad_edu import keras as K
from tinygrad_edu.experiments import keras_io_convnet
from tinygrad_edu.keras.layers import same_padding

CNN_CASES = {
    "conv-same-2x2": ((6, 7, 2), lambda L: [L.Conv2D(3, 2, padding="same")]),
    "conv-same-4x4": ((6, 6, 2), lambda L: [L.Conv2D(2, 4, padding="same", activation="relu")]),
    "conv-same-stride-2": ((7, 6, 2), lambda L: [L.Conv2D(3, 3, strides=2, padding="same")]),
    "conv-same-5x5-stride-3": ((8, 7, 1), lambda L: [L.Conv2D(2, 5, strides=(3, 3), padding="same")]),
    "conv-valid-stride-2-even": ((8, 7, 2), lambda L: [L.Conv2D(2, 2, strides=2)]),
    "max-pool-same": ((5, 7, 2), lambda L: [L.Conv2D(2, 1), L.MaxPooling2D(2, padding="same")]),
    "max-pool-3-stride-2-same": ((6, 5, 2), lambda L: [L.Conv2D(2, 1), L.MaxPooling2D(3, strides=2, padding="same")]),
    "avg-pool-same": ((5, 7, 2), lambda L: [L.AveragePooling2D(2, padding="same")]),
    "avg-pool-3-stride-1-same": ((5, 4, 2), lambda L: [L.AveragePooling2D(3, strides=1, padding="same")]),
    "conv-bn-gap": (
        (6, 6, 2),
        lambda L: [L.Conv2D(4, 3, padding="same"), L.BatchNormalization(), L.GlobalAveragePooling2D()],
    ),
}


@pytest.mark.parametrize("training", [False, True], ids=["inference", "training"])
@pytest.mark.parametrize("case", sorted(CNN_CASES))
def test_conv_layer_forward_and_gradients_match_keras(case: str, training: bool) -> None:
    check_layers_against_keras(*CNN_CASES[case], training, seed=2, n=5)


def test_same_padding_is_tensorflows_formula() -> None:
    """TensorFlow's documented "same": out = ⌈n/s⌉, total pad = max((out − 1)·s + k − n, 0), the
    smaller half on top/left. Checked by brute force over sizes, kernels and strides."""
    for n in range(1, 12):
        for k in range(1, 7):
            for s in range(1, 5):
                before, after = same_padding(n, k, s)
                out = -(-n // s)
                assert (n + before + after - k) // s + 1 == out or n + before + after < k
                assert 0 <= after - before <= 1 and before + after == max((out - 1) * s + k - n, 0)


def test_keras_io_mnist_convnet_summary_matches_keras() -> None:
    ours, theirs = keras_io_convnet(K), keras_io_convnet(keras)
    assert ours.count_params() == theirs.count_params() == 34_826
    assert [layer.output.shape for layer in ours.layers] == [tuple(lk.output.shape) for lk in theirs.layers]  # Keras 3
    assert [(layer.output_shape, layer.count_params()) for layer in ours.layers] == [
        (tuple(lk.output.shape[1:]), lk.count_params()) for lk in theirs.layers
    ]
    buf = io.StringIO()
    with redirect_stdout(buf):
        ours.summary()
    assert "(None, 5, 5, 64)" in buf.getvalue() and "34,826" in buf.getvalue()


#: the trained weights after 12 Adam steps, relative to each array's scale. Keras' float64 mode keeps some
#: float32 rounding (`FLOAT64_LOSS_RTOL`); where a weight's gradient nearly cancels, that noise decides the
#: sign of Adam's step m/√v, which moves the weight by up to lr = 1e-3 a step. In 36 unseeded runs most
#: arrays agreed to 3.4e-6 of their scale; 3 runs had arrays 6.4e-5, 1.8e-4 and 6.3e-4 apart, and a CI run
#: failed the former 1e-4 at 2.6e-4. A wrong gradient moves a weight by O(lr) a step: over 1e-2 of these
#: arrays' scales (0.009-0.1) within the 12 steps.
ADAM_WEIGHT_RTOL = 1e-2


def test_keras_io_mnist_convnet_trains_on_the_digits_like_keras() -> None:
    """Two epochs of the convnet on 600 bundled digits, Adam, from Keras' initial weights drawn
    unseeded (any start), dropout off so both sides compute the same function; both sides in
    float64 (``keras.config.set_floatx``), where a max-pooling near-tie cannot part the runs as it
    can in float32. The epoch losses, the accuracies (to one sample) and the trained weights are
    Keras', to the tolerances of `FLOAT64_LOSS_RTOL` (Keras' own float32 rounding in float64 mode)."""
    from tinygrad_edu import datasets

    (x, y), _ = datasets.load_mnist(verbose=False)
    x = x[:600, :, :, None] / np.float64(255)
    y = y[:600]
    with float64_on_both_sides():
        theirs, ours = keras_io_convnet(keras, dropout=0.0), keras_io_convnet(K, dropout=0.0)
        ours.set_weights(theirs.get_weights())
        assert {w.dtype for w in [*ours.get_weights(), *theirs.get_weights()]} == {np.dtype("float64")}
        for model, mod in ((ours, K), (theirs, keras)):
            model.compile(mod.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        h_o = ours.fit(x, y, batch_size=100, epochs=2, shuffle=False, verbose=0)
        h_k = theirs.fit(x, y, batch_size=100, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_o.history["loss"], h_k.history["loss"], rtol=FLOAT64_LOSS_RTOL)
    np.testing.assert_allclose(h_o.history["accuracy"], h_k.history["accuracy"], atol=1 / 600 + 1e-7)
    assert_close_to_scale(ours.get_weights(), theirs.get_weights(), ADAM_WEIGHT_RTOL, "weights after fit")
    assert h_o.history["loss"][1] < h_o.history["loss"][0]
