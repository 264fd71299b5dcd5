"""Empty inputs at every public door, each run beside its reference: PyTorch 2.x for the PyTorch
door, micrograd for the scalar networks, Keras 3 (torch backend) for the Keras door, and the math
where neither has the function (0 of 0 right is 0/0 = NaN; a sum of nothing is 0).

A case passes when ours and the reference agree on the outcome: the same value (NaN equal to NaN,
the same shape and dtype kind), or an exception of the same type. The messages are ours; each is
checked to name the problem where the reference only has a type.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is the reference here: pip install tinygrad_edu[torch]")

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu import Value, classic, metrics  # noqa: E402
from tinygrad_edu.nn.scalar import MLP, Layer, Neuron  # noqa: E402


def _outcome(fn: Callable[[Any], Any], lib: Any) -> tuple:
    """("ok", array) or ("err", exception type name), with every numeric result as a numpy array."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTorch's "initializing zero-element tensors" notice
            r = fn(lib)
    except Exception as err:
        return ("err", type(err).__name__)
    if isinstance(r, (tuple, list)):
        return ("ok", *(np.asarray(_plain(x)) for x in r))
    return ("ok", np.asarray(_plain(r)))


def _plain(x: Any) -> Any:
    return x.detach().numpy() if hasattr(x, "detach") else x


def _same(ours: tuple, ref: tuple) -> bool:
    if ours[0] != ref[0] or len(ours) != len(ref):
        return False
    if ours[0] == "err":
        return ours[1] == ref[1]
    for a, b in zip(ours[1:], ref[1:]):
        if a.shape != b.shape or (a.dtype.kind == "f") != (b.dtype.kind == "f"):
            return False
        if not np.allclose(a.astype(np.float64), b.astype(np.float64), equal_nan=True):
            return False
    return True


def _z(L: Any, *shape: int) -> Any:
    return L.zeros(*shape)


def _labels0(L: Any) -> Any:
    return L.zeros(0, dtype=L.long)


def _grad_of(L: Any, loss: Callable[[Any], Any], *shape: int) -> Any:
    x = L.zeros(*shape, requires_grad=True)
    loss(x).backward()
    return x.grad


def _dataset0(L: Any) -> Any:
    return L.utils.data.TensorDataset(_z(L, 0, 2), _z(L, 0))


# name -> f(lib): run with lib = torch and lib = tinygrad_edu
TORCH_CASES: dict[str, Callable[[Any], Any]] = {
    # reductions of an empty tensor and over zero-size dims
    "sum": lambda L: _z(L, 0).sum(),
    "mean": lambda L: _z(L, 0).mean(),
    "var": lambda L: _z(L, 0).var(),
    "std": lambda L: _z(L, 0).std(),
    "var of one element": lambda L: _z(L, 1).var(),
    "mean over an empty dim": lambda L: _z(L, 0, 3).mean(0),
    "mean over a full dim of an empty tensor": lambda L: _z(L, 0, 3).mean(1),
    "var over an empty dim": lambda L: _z(L, 0, 3).var(0),
    "std over an empty dim": lambda L: _z(L, 0, 3).std(0),
    "max": lambda L: _z(L, 0).max(),
    "min": lambda L: _z(L, 0).min(),
    "amax": lambda L: _z(L, 0).amax(),
    "max over an empty dim": lambda L: _z(L, 0, 3).max(0),
    "max over a full dim of an empty tensor": lambda L: _z(L, 0, 3).max(1),
    "amax over an empty dim": lambda L: _z(L, 0, 3).amax(0),
    "amax over a full dim of an empty tensor": lambda L: _z(L, 0, 3).amax(1),
    "amin over a full dim of an empty tensor": lambda L: _z(L, 0, 3).amin(1),
    "argmax over a full dim of an empty tensor": lambda L: _z(L, 0, 3).argmax(1),
    "softmax of an empty vector": lambda L: _z(L, 0).softmax(0),
    "softmax of 0 rows": lambda L: _z(L, 0, 3).softmax(1),
    "softmax over an empty dim": lambda L: _z(L, 3, 0).softmax(1),
    "log_softmax over an empty dim": lambda L: _z(L, 3, 0).log_softmax(1),
    "F.softmax over an empty dim": lambda L: L.nn.functional.softmax(_z(L, 3, 0), dim=1),
    "mean's gradient": lambda L: _grad_of(L, lambda x: x.mean(), 0),
    "softmax's gradient over an empty dim": lambda L: _grad_of(L, lambda x: x.softmax(1).sum(), 3, 0),
    "stack of nothing": lambda L: L.stack([]),
    # losses with 0 rows
    "mse_loss": lambda L: L.nn.functional.mse_loss(_z(L, 0), _z(L, 0)),
    "mse_loss sum": lambda L: L.nn.functional.mse_loss(_z(L, 0), _z(L, 0), reduction="sum"),
    "mse_loss none": lambda L: L.nn.functional.mse_loss(_z(L, 0), _z(L, 0), reduction="none"),
    "mse_loss's gradient": lambda L: _grad_of(L, lambda x: L.nn.functional.mse_loss(x, _z(L, 0)), 0),
    "l1_loss": lambda L: L.nn.functional.l1_loss(_z(L, 0, 2), _z(L, 0, 2)),
    "huber_loss": lambda L: L.nn.functional.huber_loss(_z(L, 0), _z(L, 0)),
    "smooth_l1_loss": lambda L: L.nn.functional.smooth_l1_loss(_z(L, 0), _z(L, 0)),
    "cross_entropy": lambda L: L.nn.functional.cross_entropy(_z(L, 0, 3), _labels0(L)),
    "cross_entropy sum": lambda L: L.nn.functional.cross_entropy(_z(L, 0, 3), _labels0(L), reduction="sum"),
    "cross_entropy none": lambda L: L.nn.functional.cross_entropy(_z(L, 0, 3), _labels0(L), reduction="none"),
    "cross_entropy's gradient": lambda L: _grad_of(L, lambda x: L.nn.functional.cross_entropy(x, _labels0(L)), 0, 3),
    "cross_entropy with weights": lambda L: L.nn.functional.cross_entropy(_z(L, 0, 3), _labels0(L), weight=L.ones(3)),
    "cross_entropy with label smoothing": lambda L: L.nn.functional.cross_entropy(
        _z(L, 0, 3), _labels0(L), label_smoothing=0.1
    ),
    "cross_entropy of probabilities": lambda L: L.nn.functional.cross_entropy(_z(L, 0, 3), _z(L, 0, 3)),
    "CrossEntropyLoss": lambda L: L.nn.CrossEntropyLoss()(_z(L, 0, 3), _labels0(L)),
    "nll_loss": lambda L: L.nn.functional.nll_loss(_z(L, 0, 3), _labels0(L)),
    "binary_cross_entropy": lambda L: L.nn.functional.binary_cross_entropy(_z(L, 0), _z(L, 0)),
    "binary_cross_entropy_with_logits": lambda L: L.nn.functional.binary_cross_entropy_with_logits(_z(L, 0), _z(L, 0)),
    "binary_cross_entropy_with_logits, pos_weight": lambda L: L.nn.functional.binary_cross_entropy_with_logits(
        _z(L, 0, 2), _z(L, 0, 2), pos_weight=L.ones(2)
    ),
    "kl_div batchmean": lambda L: L.nn.functional.kl_div(_z(L, 0), _z(L, 0), reduction="batchmean"),
    # layers
    "Linear(0, 2)": lambda L: L.nn.Linear(0, 2)(_z(L, 4, 0)),
    "Linear(3, 0)": lambda L: L.nn.Linear(3, 0)(_z(L, 4, 3)),
    "Linear of 0 rows": lambda L: L.nn.Linear(3, 2)(_z(L, 0, 3)),
    "Linear(-1, 2)": lambda L: L.nn.Linear(-1, 2),
    "BatchNorm1d training on 0 rows": lambda L: L.nn.BatchNorm1d(3)(_z(L, 0, 3)),
    "BatchNorm1d training on 1 row": lambda L: L.nn.BatchNorm1d(3)(_z(L, 1, 3)),
    "BatchNorm1d on 0 rows: running statistics": lambda L: (
        lambda bn: (bn(_z(L, 0, 3)), bn.running_mean, bn.running_var)[1:]
    )(L.nn.BatchNorm1d(3)),
    "BatchNorm1d on 0 rows: parameter gradients": lambda L: (
        lambda bn: (bn(L.zeros(0, 3, requires_grad=True)).sum().backward(), bn.weight.grad, bn.bias.grad)[1:]
    )(L.nn.BatchNorm1d(3)),
    "one_hot of no labels": lambda L: L.nn.functional.one_hot(_labels0(L), 3),
    # optimizers with nothing to optimise
    "SGD([])": lambda L: L.optim.SGD([], lr=0.1),
    "SGD(empty generator)": lambda L: L.optim.SGD(iter([]), lr=0.1),
    "Adam([])": lambda L: L.optim.Adam([]),
    "RMSprop([])": lambda L: L.optim.RMSprop([]),
    "Adagrad([])": lambda L: L.optim.Adagrad([]),
    "Adadelta([])": lambda L: L.optim.Adadelta([]),
    "clip_grad_norm_([])": lambda L: L.nn.utils.clip_grad_norm_([], 1.0),
    # data with 0 samples
    "len(TensorDataset) of 0 samples": lambda L: len(_dataset0(L)),
    "DataLoader of 0 samples: batches": lambda L: len(list(L.utils.data.DataLoader(_dataset0(L), batch_size=4))),
    "DataLoader of 0 samples: len": lambda L: len(L.utils.data.DataLoader(_dataset0(L), batch_size=4)),
    "DataLoader of 0 samples: drop_last": lambda L: len(
        L.utils.data.DataLoader(_dataset0(L), batch_size=4, drop_last=True)
    ),
    "DataLoader of 0 samples, shuffled": lambda L: L.utils.data.DataLoader(_dataset0(L), shuffle=True),
    "random_split of 0 samples by counts": lambda L: [len(s) for s in L.utils.data.random_split(_dataset0(L), [0, 0])],
    "random_split of 0 samples by fractions": lambda L: [
        len(s) for s in L.utils.data.random_split(_dataset0(L), [0.5, 0.5])
    ],
}

# Where ours still differs, and why (each strict: when the fix lands the mark must go)
PENDING: dict[str, str] = {}
TORCH_CASES["argmax over an empty dim"] = lambda L: _z(L, 0, 3).argmax(0)
TORCH_CASES["argmax of an empty tensor"] = lambda L: _z(L, 0).argmax()
TORCH_CASES["argmin along a non-empty dim of an empty tensor"] = lambda L: _z(L, 0, 3).argmin(1)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=PENDING[n])) if n in PENDING else n
        for n in TORCH_CASES
    ],
)
def test_empty_input_as_pytorch(name: str) -> None:
    ref, ours = _outcome(TORCH_CASES[name], torch), _outcome(TORCH_CASES[name], tg)
    assert _same(ours, ref), f"{name}: PyTorch gives {ref}, ours {ours}"


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: tg.zeros(0).max(), "empty tensor of shape (0,) has no maximum"),
        (lambda: tg.zeros(0, 3).amin(0), "reduction dim 0 of the tensor of shape (0, 3) is empty"),
        (lambda: tg.optim.SGD([], lr=0.1), "empty parameter list"),
        (lambda: tg.stack([]), "non-empty sequence of tensors"),
        (lambda: tg.utils.data.DataLoader(_dataset0(tg), shuffle=True), "empty dataset"),
        (lambda: tg.nn.Linear(-1, 2), "must not be negative"),
    ],
    ids=["max", "amin", "SGD", "stack", "DataLoader", "Linear"],
)
def test_the_errors_name_the_problem(call: Callable[[], Any], words: str) -> None:
    try:
        call()
    except (ValueError, RuntimeError, IndexError) as err:
        assert words in str(err)
    else:
        pytest.fail("no error")


def test_cross_entropy_of_no_rows_is_nan_forward_and_backward() -> None:
    """The ZeroDivisionError of the red-team pass: a mean cross-entropy of 0 rows, forward and backward."""
    x = tg.zeros(0, 3, requires_grad=True)
    loss = tg.nn.functional.cross_entropy(x, tg.zeros(0, dtype=tg.long))
    loss.backward()
    assert math.isnan(loss.item()) and x.grad.shape == (0, 3)


# --------------------------------------------------------------------- the scalar engine vs micrograd
def test_scalar_networks_with_no_inputs_or_no_neurons_as_micrograd() -> None:
    """micrograd builds a Neuron(0) (its bias alone), an MLP(0, ...) and a Layer(n, 0) (no outputs):
    with the bias at 0 every output is 0, and a layer of no neurons returns an empty list."""
    mg = pytest.importorskip("micrograd.nn", reason="micrograd is the reference here")
    assert Neuron(0)([]).data == mg.Neuron(0)([]).data == 0.0
    assert MLP(0, [3, 1])([]).data == mg.MLP(0, [3, 1])([]).data == 0.0
    assert Layer(2, 0)([1.0, 2.0]) == mg.Layer(2, 0)([1.0, 2.0]) == []
    assert len(Layer(2, 0).parameters()) == len(mg.Layer(2, 0).parameters()) == 0
    assert repr(Layer(2, 0)) == "Layer(2 -> 0, tanh)"
    for init in ("uniform", "xavier", "he", "lecun"):  # no initialiser divides by a fan_in of 0
        assert MLP(0, [2, 1], init=init)([]).data == 0.0
    with pytest.raises(ValueError, match="must not be negative"):
        Layer(2, -1)


def test_value_helpers_of_nothing() -> None:
    """Σ of no terms is 0 (Python's sum); b + Σ over no weights is b; a sum of nothing backpropagates."""
    total = Value.sum([])
    assert total.data == sum([]) == 0.0
    bias = Value(2.0)
    out = Value.dot([], [], bias)
    out.backward()
    assert out.data == 2.0 and bias.grad == 1.0
    with pytest.raises(ValueError, match="got an empty parameter list"):
        tg.optim.SGD([Value(1.0)][:0], lr=0.1)


def test_gradcheck_with_no_inputs_as_pytorch() -> None:
    """torch.autograd.gradcheck raises a ValueError when no input needs a gradient; so does ours.
    An input with zero elements has an empty Jacobian: both pass."""
    with pytest.raises(ValueError):
        torch.autograd.gradcheck(lambda: torch.tensor(1.0, dtype=torch.float64), ())
    with pytest.raises(ValueError, match="no inputs"):
        tg.gradcheck(lambda: tg.tensor(1.0, dtype=tg.float64), ())
    empty = torch.zeros(0, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: x.sum(), (empty,))
    assert tg.gradcheck(lambda x: x.sum(), [tg.zeros(0, dtype=tg.float64, requires_grad=True)])


def test_draw_dot_of_a_lone_value() -> None:
    """A graph of one leaf: one node (its number in it), no edges."""
    from tinygrad_edu.viz import draw_dot

    source = draw_dot(Value(2.5, label="a")).source
    nodes, edges = re.findall(r"^\s*n\d+ \[(.*)\];$", source, re.M), re.findall(r"n\d+ -> n\d+", source)
    assert len(nodes) == 1 and "2.5" in nodes[0] and edges == []


# --------------------------------------------------------------------- metrics, data helpers, classic models
def test_metrics_of_no_labels() -> None:
    """0 right out of 0 is 0/0: NaN, as PyTorch's mean of an empty tensor, without a warning; the
    confusion matrix of no labels counts nothing: (0, 0), or zeros of the classes given."""
    ref = (torch.zeros(0) == torch.zeros(0)).float().mean().item()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(metrics.accuracy([], [])) and math.isnan(ref)
        assert metrics.confusion_matrix([], []).shape == (0, 0)
    assert np.array_equal(metrics.confusion_matrix([], [], num_classes=3), np.zeros((3, 3), np.int64))


@pytest.mark.parametrize(
    ("fit", "name"),
    [
        (lambda: classic.Perceptron(2).fit(np.zeros((0, 2)), np.zeros(0)), "Perceptron.fit"),
        (lambda: classic.LinearRegression(epochs=3).fit(np.zeros((0, 2)), np.zeros(0)), "fit"),
        (lambda: classic.LogisticRegression(epochs=3).fit(np.zeros((0, 2)), np.zeros(0)), "fit"),
    ],
    ids=["Perceptron", "LinearRegression", "LogisticRegression"],
)
def test_classic_models_refuse_to_fit_no_samples(fit: Callable[[], Any], name: str) -> None:
    """The mean-squared-error gradient −(2/N)·Σ… over N = 0 samples is 0/0: nothing to fit. scikit-learn
    (the convention these classes follow) raises ValueError "Found array with 0 sample(s)"."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # refused before any "mean of empty slice"
        with pytest.raises(ValueError, match=f"{name}: found 0 samples"):
            fit()


def test_the_mnist_experiment_refuses_no_training_digits() -> None:
    """Its epoch line is the mean loss over the digits: over none it would be 0/0 (a ZeroDivisionError
    before); refused before any data is loaded."""
    from tinygrad_edu.experiments import train_cnn_mnist

    with pytest.raises(ValueError, match="n_train must be at least 1, got 0"):
        train_cnn_mnist(epochs=1, n_train=0, verbose=False)


def test_classic_predict_of_no_rows_is_empty() -> None:
    assert classic.Perceptron(2).predict(np.zeros((0, 2))).shape == (0,)


# --------------------------------------------------------------------- the Keras door vs Keras 3


def _keras_models():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="Keras 3 is the reference here")
    if keras.backend.backend() != "torch":  # pragma: no cover - depends on the environment
        pytest.skip("needs KERAS_BACKEND=torch")
    from tinygrad_edu import keras as ours

    def build(k):
        m = k.Sequential([k.Input((2,)), k.layers.Dense(3, activation="softmax")])
        m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return m

    return build(keras), build(ours)


X0, Y0 = np.zeros((0, 2), np.float32), np.zeros((0,), np.int64)


def _error_type(call: Callable[[], Any]) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call()
    except Exception as err:
        return type(err).__name__
    return None


@pytest.mark.parametrize("method", ["fit", "evaluate"])
def test_keras_fit_and_evaluate_of_no_samples_raise_as_keras(method: str) -> None:
    """Keras 3 refuses 0 samples with a ValueError (ours returned a loss of 0.0: silent garbage)."""
    theirs, ours = _keras_models()
    call = {"fit": lambda m: m.fit(X0, Y0, epochs=1, verbose=0), "evaluate": lambda m: m.evaluate(X0, Y0, verbose=0)}
    assert _error_type(lambda: call[method](theirs)) == "ValueError"
    assert _error_type(lambda: call[method](ours)) == "ValueError"


def test_keras_predict_of_no_samples_is_an_empty_batch() -> None:
    """Keras 3.15's predict crashes on 0 samples (an UnboundLocalError, its bug); its
    predict_on_batch gives the (0, units) array a batch of no rows maps to, which ours should return."""
    theirs, ours = _keras_models()
    expected = np.asarray(theirs.predict_on_batch(X0)).shape
    assert expected == (0, 3)
    assert ours.predict(X0, verbose=0).shape == expected


def test_keras_empty_validation_data_is_skipped_as_keras() -> None:
    """Keras 3 logs no val_* entries for validation data of 0 samples (ours logged val_loss 0.0)."""
    theirs, ours = _keras_models()
    x, y = np.zeros((4, 2), np.float32), np.zeros(4, np.int64)
    keys = {k for k in theirs.fit(x, y, validation_data=(X0, Y0), epochs=1, verbose=0).history if k.startswith("val_")}
    assert keys == set()
    got = ours.fit(x, y, validation_data=(X0, Y0), epochs=1, verbose=0).history
    assert {k for k in got if k.startswith("val_")} == keys


def test_keras_losses_of_no_rows_are_nan() -> None:
    """A mean over no rows is 0/0 = NaN, as PyTorch's F losses (Keras 3.15 on the torch backend
    returns a 0-element tensor instead of a scalar, which no caller can read as a loss)."""
    from tinygrad_edu import keras as ours

    assert math.isnan(float(ours.losses.SparseCategoricalCrossentropy()(Y0, np.zeros((0, 3), np.float32))))
    assert math.isnan(float(ours.losses.MeanSquaredError()(np.zeros((0, 1)), np.zeros((0, 1)))))
