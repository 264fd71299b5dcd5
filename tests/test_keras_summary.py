"""``model.summary()`` against real Keras 3: the whole printed text equal, character for character,
for Sequential, functional (several inputs and outputs, a merge, a shared layer, a nested model),
and subclassed models (unbuilt and built), with the options Keras takes (``line_length``,
``positions``, ``print_fn``, ``expand_nested``, ``show_trainable``, ``layer_range``), before and after
``compile``/``fit`` (the "Optimizer params" line). Keras draws the table with ``rich``, whose width
follows $COLUMNS off a terminal: each test pins it to 80, Keras' width for a log or a notebook.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import keras as K

pytestmark = KERAS_NOTICE


@pytest.fixture(autouse=True)
def columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")


def sequential(M):
    return M.Sequential(
        [
            M.Input((4,)),
            M.layers.Dense(3, activation="relu", name="a_very_long_dense_layer_name_that_wraps"),
            M.layers.BatchNormalization(name="bn"),
            M.layers.Dense(2, name="out"),
        ],
        name="seq",
    )


def unbuilt_sequential(M):
    return M.Sequential([M.layers.Dense(3, name="d1"), M.layers.Dense(2, name="d2")], name="lazy")


def towers(M):
    """Two inputs, a layer shared by two calls, a concatenation, two outputs."""
    a, b = M.Input(shape=(5,), name="a"), M.Input(shape=(3,), name="b")
    shared = M.layers.Dense(3, name="shared")
    h = M.layers.concatenate([shared(a), b, shared(M.layers.Dense(5, name="pre")(a))], name="cat")
    return M.Model([a, b], [M.layers.Dense(2, name="out")(h), M.layers.Dense(1, name="aux")(h)], name="towers")


def chain(M):
    """A functional model that is a chain: Keras prints no "Connected to" for it."""
    x = M.Input(shape=(5,), name="x")
    return M.Model(x, M.layers.Dense(2, name="d")(M.layers.Dense(4, name="h")(x)), name="chain")


def two_heads(M, as_dict: bool):
    """Two outputs of one hidden layer: one input per call, but two calls at the same depth."""
    x = M.Input(shape=(5,), name="x")
    h = M.layers.Dense(4, name="h")(x)
    heads = M.layers.Dense(3, name="p")(h), M.layers.Dense(1, name="q")(h)
    return M.Model(x, dict(zip("pq", heads)) if as_dict else list(heads), name="two_heads")


def nested(M):
    inner = M.Sequential([M.Input((4,)), M.layers.Dense(3, name="i1"), M.layers.Dense(3, name="i2")], name="inner")
    x = M.Input((4,), name="inp")
    y = M.layers.Dense(1, name="head")(M.layers.add([inner(x), M.layers.Dense(3, name="side")(x)], name="plus"))
    return M.Model(x, y, name="outer")


def frozen_split(M):
    """A nested model of two outputs, and a layer frozen after the model was made."""
    x = M.Input((3,), name="x")
    inner = M.Model(x, [M.layers.Dense(2, name="p")(x), M.layers.Dense(1, name="q")(x)], name="split")
    y = M.Input((3,), name="y")
    a, b = inner(y)
    frozen = M.layers.Dense(2, name="frozen")
    model = M.Model(y, M.layers.Concatenate(name="c")([frozen(a), b]), name="m2")
    frozen.trainable = False
    return model


def subclassed(M, called: bool):
    class Net(M.Model):
        def __init__(self):
            super().__init__(name="net")
            self.d1 = M.layers.Dense(4, name="d1")
            self.d2 = M.layers.Dense(2, name="d2")

        def call(self, x):
            return self.d2(self.d1(x))

    net = Net()
    if called:
        net(np.zeros((2, 3), "float32"))
    return net


def empty(M):
    return M.Sequential(name="empty")


def printed(model, **options) -> str:
    buf = io.StringIO()
    with redirect_stdout(buf):
        model.summary(**options)
    return buf.getvalue()


CASES = [
    (sequential, {}),
    (sequential, {"show_trainable": True}),
    (sequential, {"line_length": 60}),
    (sequential, {"line_length": 120}),  # wider than the console: rich cuts each line at 80
    (sequential, {"positions": [0.3, 0.6, 1.0]}),
    (sequential, {"layer_range": ("bn", "out")}),
    (unbuilt_sequential, {}),
    (towers, {}),
    (towers, {"show_trainable": True}),
    (towers, {"line_length": 150}),
    (chain, {}),
    (lambda M: two_heads(M, as_dict=False), {}),
    (lambda M: two_heads(M, as_dict=True), {}),
    (nested, {}),
    (nested, {"expand_nested": True}),
    (nested, {"expand_nested": True, "show_trainable": True}),
    (frozen_split, {}),
    (frozen_split, {"expand_nested": True, "show_trainable": True}),
    (lambda M: subclassed(M, called=False), {}),
    (lambda M: subclassed(M, called=True), {}),
    (empty, {}),
]


@pytest.mark.parametrize("make, options", CASES, ids=[f"{make.__name__}-{'-'.join(o) or 'plain'}" for make, o in CASES])
def test_summary_text_is_keras(make, options) -> None:
    assert printed(make(K), **options) == printed(make(keras), **options)


@pytest.mark.parametrize("optimizer", ["adam", "sgd_momentum", "schedule"])
def test_summary_after_compile_and_fit_counts_the_optimizer_as_keras(optimizer) -> None:
    """No "Optimizer params" after compile alone; after fit, the step counter, the learning rate
    (none under a schedule) and the slots (Adam: 2 per weight, SGD with momentum: 1)."""
    texts = []
    for M in (K, keras):
        model = sequential(M)
        opt = {
            "adam": "adam",
            "sgd_momentum": M.optimizers.SGD(0.1, momentum=0.9),
            "schedule": M.optimizers.SGD(M.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)),
        }[optimizer]
        model.compile(opt, "mse")
        before = printed(model)
        model.fit(np.zeros((4, 4), "float32"), np.zeros((4, 2), "float32"), verbose=0)
        texts.append((before, printed(model)))
    assert texts[0] == texts[1]
    assert "Optimizer params" not in texts[0][0] and "Optimizer params" in texts[0][1]


def test_print_fn_gets_the_whole_text_once_as_keras() -> None:
    got = {}
    for name, M in (("ours", K), ("keras", keras)):
        calls: list[str] = []
        towers(M).summary(print_fn=lambda text, *args, sink=calls, **kwargs: sink.append(text))
        got[name] = calls
    assert got["ours"] == got["keras"] and len(got["ours"]) == 1


def test_too_narrow_and_bad_layer_range_are_keras_errors() -> None:
    for options, words in (
        ({"line_length": 10}, "Insufficient console width"),
        ({"layer_range": ("nope", "out")}, "do not match the layer names"),
        ({"layer_range": ("bn",)}, "length 2"),
    ):
        with pytest.raises(ValueError, match=words):
            printed(sequential(keras), **options)
        with pytest.raises(ValueError, match=words):
            printed(sequential(K), **options)


def test_trainable_weights_leave_out_frozen_layers_and_layers_inside_frozen_models() -> None:
    """Keras 3: freezing a layer (or a model it sits in) takes its weights out of trainable_weights."""
    for M in (K, keras):
        model = frozen_split(M)
        assert [v.shape for v in model.trainable_weights] == [(3, 2), (2,), (3, 1), (1,)]
        model.get_layer("split").trainable = False
        assert model.trainable_weights == [] and len(model.non_trainable_weights) == 6


def test_summary_in_float64_sizes_weights_and_optimizer_as_keras() -> None:
    """float64 weights take 8 bytes; the optimizer's step counter stays int32 (4 bytes)."""
    from tests.test_keras_vs_keras import float64_on_both_sides

    texts = []
    with float64_on_both_sides():
        for M in (K, keras):
            model = sequential(M)
            model.compile("adam", "mse")
            model.fit(np.zeros((4, 4)), np.zeros((4, 2)), verbose=0)
            texts.append(printed(model))
    assert texts[0] == texts[1]
