"""float32 stays float32: no op, loss, layer or optimizer does float32 work in float64 by accident.

A float64 intermediate doubles memory traffic and rounds unlike PyTorch and Keras, and it is easy to
make: ``np.sqrt(0.5)`` is a numpy float64 scalar, and under numpy's promotion rules it turns a
float32 array into float64 (a Python float does not). Here every array the library touches is a
`Float32Only`, which fails any numpy ufunc (``@`` included) whose result is float64. Runs with the
numba kernels on and with their numpy twins.
"""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import Tensor, keras, kernels, nn, optim
from tinygrad_edu.keras import losses as keras_losses
from tinygrad_edu.keras import optimizers as keras_optimizers
from tinygrad_edu.nn import functional as F
from tinygrad_edu.op_cases import BINARY, UNARY, sample

from .test_optim import CONFIGS
from .test_tensor_ops import REGISTRY, make_inputs


class Float32Only(np.ndarray):
    """An array whose numpy ufuncs may not produce float64 unless asked to with ``dtype=`` (a
    deliberate float64 accumulator, as for the summed loss); bool and integer results are fine."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [np.asarray(x) if isinstance(x, Float32Only) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(np.asarray(x) if isinstance(x, Float32Only) else x for x in kwargs["out"])
        result = getattr(ufunc, method)(*plain, **kwargs)
        for r in result if isinstance(result, tuple) else (result,):
            if "dtype" not in kwargs:
                assert getattr(r, "dtype", None) != np.float64, f"np.{ufunc.__name__}.{method} made float64"
        return result.view(Float32Only) if isinstance(result, np.ndarray) else result


def f32(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float32).view(Float32Only)


def leaf(x: np.ndarray) -> Tensor:
    t = Tensor(np.asarray(x, dtype=np.float32), requires_grad=True)
    t.data = f32(t.data)
    return t


def parameters_to_float32_only(module: nn.Module) -> None:
    for p in module.parameters():
        p.data = f32(p.data)
    for _, b in module.named_buffers():
        b.data = f32(b.data)


def check(out: Tensor, *leaves: Tensor) -> None:
    """Forward result and every gradient are float32 (the ufunc guard has checked the way there)."""
    assert out.dtype == np.float32
    (out if out.data.size == 1 else out.sum()).backward()
    for t in leaves:
        assert t.grad is not None and t.grad.dtype == np.float32


@pytest.fixture(params=[True, False], ids=["jit", "numpy-twins"])
def jit(request, monkeypatch):
    monkeypatch.setattr(kernels, "JIT_ENABLED", request.param and kernels.nb is not None)
    return request.param


@pytest.mark.parametrize("op", UNARY + BINARY, ids=[op.name for op in UNARY + BINARY])
def test_elementwise_ops(op, jit) -> None:
    rng = np.random.default_rng(0)
    xs = [leaf(sample(op, rng, (3, 4))) for _ in range(op.arity)]
    check(op.apply(*xs), *xs)


@pytest.mark.parametrize("op", REGISTRY, ids=[op.name for op in REGISTRY])
def test_tensor_ops(op, jit) -> None:
    xs = [leaf(x) for x in make_inputs(op, 0)]
    check(op.apply(*xs), *xs)


LABELS = np.array([0, 2, 1, 2])
LOSSES = {
    "mse_loss": lambda z: F.mse_loss(z, np.ones((4, 3))),
    "l1_loss": lambda z: F.l1_loss(z, np.ones((4, 3))),
    "cross_entropy labels": lambda z: F.cross_entropy(z, LABELS),
    "cross_entropy none": lambda z: F.cross_entropy(z, LABELS, reduction="none"),
    "cross_entropy probabilities": lambda z: F.cross_entropy(z, np.full((4, 3), 1 / 3)),
    "nll_loss": lambda z: F.nll_loss(z.log_softmax(), LABELS),
    "binary_cross_entropy": lambda z: F.binary_cross_entropy(z.sigmoid(), np.eye(4, 3)),
    "bce_with_logits": lambda z: F.binary_cross_entropy_with_logits(z, np.eye(4, 3)),
    "hinge_loss": lambda z: F.hinge_loss(z, np.where(np.eye(4, 3) > 0, 1.0, -1.0)),
    "kl_div": lambda z: F.kl_div(z.log_softmax(), np.full((4, 3), 1 / 3), reduction="batchmean"),
}


@pytest.mark.parametrize("name", LOSSES)
def test_losses(name, jit) -> None:
    z = leaf(np.random.default_rng(1).normal(size=(4, 3)))
    check(LOSSES[name](z), z)


ONE_HOT = np.eye(3)[LABELS]  # float64, as a user's targets often are


KERAS_LOSSES = sorted(set(keras_losses.LOSSES) - {"mse", "mae", "kld", "kullback_leibler_divergence"})  # aliases


@pytest.mark.parametrize(
    ("name", "logits"), [(n, False) for n in KERAS_LOSSES] + [(n, True) for n in sorted(keras_losses.LOGIT_LOSSES)]
)
def test_keras_losses(name, logits, jit) -> None:
    z = leaf(np.random.default_rng(1).normal(size=(4, 3)))
    out = z if logits else z.softmax()
    y = LABELS if name.startswith("sparse") else ONE_HOT
    check(keras_losses.get(name)(y, out, logits), z)


LAYERS = {
    "Linear+ReLU": (lambda: nn.Sequential(nn.Linear(5, 4), nn.ReLU()), (3, 5)),
    "Sigmoid/Tanh/LeakyReLU/Softmax": (
        lambda: nn.Sequential(nn.Linear(5, 4), nn.Sigmoid(), nn.Tanh(), nn.LeakyReLU(0.1), nn.Softmax()),
        (3, 5),
    ),
    "BatchNorm1d train": (lambda: nn.BatchNorm1d(5), (6, 5)),
    "BatchNorm1d eval": (lambda: nn.BatchNorm1d(5).eval(), (6, 5)),
    "Dropout": (lambda: nn.Dropout(0.5), (6, 5)),
    "Conv2d+MaxPool2d": (lambda: nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.MaxPool2d(2)), (2, 2, 6, 6)),
    "AvgPool2d+Flatten": (lambda: nn.Sequential(nn.AvgPool2d(2), nn.Flatten()), (2, 2, 6, 6)),
    "RNN": (lambda: nn.RNN(4, 3), (2, 5, 4)),
}


@pytest.mark.parametrize("name", LAYERS)
def test_layers(name, jit) -> None:
    make, shape = LAYERS[name]
    layer = make()
    parameters_to_float32_only(layer)
    x = leaf(np.random.default_rng(2).normal(size=shape))
    out = layer(x)
    check(out[0] if isinstance(out, tuple) else out, x, *layer.parameters())


def optimizers():
    for name, kwargs in [*CONFIGS, ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1})]:
        yield pytest.param(lambda ps, n=name, k=kwargs: getattr(optim, n)(ps, **k), id=f"{name}{kwargs}")
    for name in ("SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "Nadam"):
        yield pytest.param(lambda ps, n=name: getattr(keras_optimizers, n)().bind(ps), id=f"keras.{name}")
    yield pytest.param(lambda ps: keras_optimizers.SGD(0.1, momentum=0.9).bind(ps), id="keras.SGD(momentum)")


@pytest.mark.parametrize("make", list(optimizers()))
def test_optimizers(make, jit) -> None:
    rng = np.random.default_rng(0)
    p = leaf(rng.normal(size=(4, 3)))
    opt = make([p])
    for _ in range(3):
        p.grad = f32(rng.normal(size=(4, 3)))
        opt.step()
    assert p.data.dtype == np.float32


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_keras_fit_on_float64_data(optimizer, jit) -> None:
    """The textbook's Keras model trained on float64 inputs and targets (numpy's default): the
    model casts the data once, and every step after that stays in float32."""
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(32, 6)), np.eye(3)[rng.integers(0, 3, 32)]
    model = keras.models.Sequential(
        [
            keras.layers.Dense(8, activation="relu"),
            keras.layers.BatchNormalization(),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.build((None, 6))  # Keras 3: the batch axis first
    parameters_to_float32_only(model)
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert all(p.dtype == np.float32 for p in model.parameters())
