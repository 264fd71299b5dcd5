"""The convnet of F. Chollet, *Deep Learning with Python* (Manning, 2017), §5.1, listings 5.1-5.3,
through the Keras door beside real Keras 3 (torch backend).

Expected numbers come from outside the code under test: the summary the book prints (output shape
and parameter count of each layer, 93,322 in all) and Keras 3's own ``summary()`` of the same
listing; the epoch losses and accuracies of Keras' ``fit`` with RMSprop and categorical
cross-entropy on one-hot labels from the same initial weights (any start, in float64 on both
sides), and the weights it ends with.
Skipped where Keras 3 is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_keras_vs_keras import (  # the same Keras import, tolerances and table readers
    FLOAT64_LOSS_RTOL,
    FLOAT64_WEIGHT_RTOL,
    assert_close_to_scale,
    float64_on_both_sides,
    keras,
    keras_summary_rows,
    our_summary_rows,
)
from tests.test_keras_vs_keras import pytestmark as keras_marks  # Keras' numpy-2 notice silenced
from tinygrad_edu import datasets
from tinygrad_edu import keras as K
from tinygrad_edu.experiments import INPUT_FORMS, textbook_convnet

#: Keras 3 warns that the book's ``input_shape=`` is the old form; here it is the point.
pytestmark = [keras_marks, pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`:UserWarning")]

#: The summary printed in the book after listing 5.2: (layer type, output shape without the batch
#: axis, parameters). Total params: 93,322.
BOOK_SUMMARY = [
    ("Conv2D", (26, 26, 32), 320),
    ("MaxPooling2D", (13, 13, 32), 0),
    ("Conv2D", (11, 11, 64), 18_496),
    ("MaxPooling2D", (5, 5, 64), 0),
    ("Conv2D", (3, 3, 64), 36_928),
    ("Flatten", (576,), 0),
    ("Dense", (64,), 36_928),
    ("Dense", (10,), 650),
]
BOOK_TOTAL = 93_322


def layer_type(cell: str) -> str:
    """``"conv2d_3 (Conv2D)"`` → ``"Conv2D"`` (layer names count up per process, types do not)."""
    return cell.rsplit("(", 1)[1].rstrip(")").strip()


@pytest.mark.parametrize("input_form", INPUT_FORMS)
def test_layers_have_the_books_and_keras_shapes_and_parameter_counts(input_form: str) -> None:
    ours, theirs = textbook_convnet(K, input_form), textbook_convnet(keras, input_form)
    keras_rows = [(type(lk).__name__, tuple(lk.output.shape[1:]), lk.count_params()) for lk in theirs.layers]
    our_rows = [(type(lo).__name__, lo.output_shape, lo.count_params()) for lo in ours.layers]
    assert our_rows == keras_rows == BOOK_SUMMARY
    assert ours.count_params() == theirs.count_params() == BOOK_TOTAL


def test_printed_summary_is_keras_table_with_the_books_numbers(monkeypatch) -> None:
    """The text of ``summary()``, read back row by row: the same (type, output shape, Param #) as
    Keras' table and the book's, and the same totals (total, trainable, non-trainable)."""
    rows_o, totals_o, lines = our_summary_rows(textbook_convnet(K), monkeypatch)
    rows_k, totals_k = keras_summary_rows(textbook_convnet(keras), monkeypatch)
    book = [(kind, str((None, *shape)), params) for kind, shape, params in BOOK_SUMMARY]
    assert [(layer_type(n), s, p) for n, s, p in rows_o] == [(layer_type(n), s, p) for n, s, p in rows_k] == book
    assert totals_o == totals_k == [BOOK_TOTAL, BOOK_TOTAL, 0]
    assert "Total params: 93,322" in "\n".join(lines)


def test_rmsprop_training_on_the_digits_matches_keras() -> None:
    """Listing 5.3 on 300 bundled digits (the last batch of 64 is a short one of 44), 3 epochs,
    ``optimizer="rmsprop"`` (Keras' defaults: ρ 0.9, ε 1e-7 inside the square root, γ 1e-3),
    ``categorical_crossentropy`` on labels one-hot by ``to_categorical``, from Keras' initial
    weights drawn unseeded (any start): the History's losses and accuracies, the trained weights
    and ``evaluate`` on 200 test digits are Keras'.

    Both sides run in float64 (``keras.config.set_floatx``): the convolutions and poolings agree to
    ~1e-16, so no near-tie in a max-pooling window can be broken differently (in float32 one could,
    and part the runs). What remains is Keras' own float32 rounding in float64 mode (its Dense and
    History, see `FLOAT64_LOSS_RTOL`): losses within 1e-6, weights within 1e-4 of their scale, where
    a formula unlike Keras' (ε outside the root, a short batch weighed as a full one) moves the
    losses by 1e-4 or more. The accuracies may differ by one sample (a probability within rounding of another).

    That rounding (weights part by ~5e-7 of their scale after one epoch) can still break a near-tie in one
    max-pooling window or ReLU, in roughly one run in eight (measured: 1 of 8 and 3 of 12 unseeded runs), and
    RMSprop's step, g/√v, turns the changed gradient into a full step: the weights then part by ~4e-2. Such a
    tie is a property of the start, so the test passes when one of three independent starts agrees with Keras
    throughout; a formula unlike Keras' parts every start (about one in 500 correct runs fails all three)."""
    (x, labels), (xt, test_labels) = datasets.load_mnist(verbose=False)
    x = x[:300].reshape((-1, 28, 28, 1)).astype("float64") / 255
    xt = xt[:200].reshape((-1, 28, 28, 1)).astype("float64") / 255
    y, yt = K.utils.to_categorical(labels[:300]), K.utils.to_categorical(test_labels[:200])
    np.testing.assert_array_equal(y, keras.utils.to_categorical(labels[:300]))

    failures: list[str] = []
    for _ in range(3):  # independent starts: see the docstring's last paragraph
        failure = _rmsprop_run_differs_from_keras(x, y, xt, yt)
        if failure is None:
            return
        failures.append(failure)
    raise AssertionError("three starts, each part from Keras':\n" + "\n".join(failures))


def _rmsprop_run_differs_from_keras(x: np.ndarray, y: np.ndarray, xt: np.ndarray, yt: np.ndarray) -> str | None:
    """One run of `test_rmsprop_training_on_the_digits_matches_keras` from a fresh start of Keras' own; what
    differs from Keras beyond the tolerances, or None."""
    with float64_on_both_sides():
        theirs, ours = textbook_convnet(keras), textbook_convnet(K)
        ours.set_weights(theirs.get_weights())
        assert {w.dtype for w in [*ours.get_weights(), *theirs.get_weights()]} == {np.dtype("float64")}
        for model in (ours, theirs):
            model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
        h_o = ours.fit(x, y, epochs=3, batch_size=64, shuffle=False, verbose=0)
        h_k = theirs.fit(x, y, epochs=3, batch_size=64, shuffle=False, verbose=0)
        evaluated = ours.evaluate(xt, yt, verbose=0), theirs.evaluate(xt, yt, verbose=0)
    assert h_o.history["loss"][-1] < 0.8 * h_o.history["loss"][0]  # it does learn
    try:
        np.testing.assert_allclose(h_o.history["loss"], h_k.history["loss"], rtol=FLOAT64_LOSS_RTOL)
        np.testing.assert_allclose(h_o.history["accuracy"], h_k.history["accuracy"], atol=1 / 300 + 1e-7)
        assert_close_to_scale(ours.get_weights(), theirs.get_weights(), FLOAT64_WEIGHT_RTOL, "weights after fit")
        np.testing.assert_allclose(evaluated[0][0], evaluated[1][0], rtol=FLOAT64_LOSS_RTOL)
        np.testing.assert_allclose(evaluated[0][1], evaluated[1][1], atol=1 / 200 + 1e-7)
    except AssertionError as err:
        return str(err)
    return None
