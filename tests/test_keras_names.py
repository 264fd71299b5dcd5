"""Keras 3's names, made the same way on both sides: one counter per name prefix for the whole session
(the first ``Dense()`` is ``dense``, the next ``dense_1``, across every model), taken when an object is
made; ``clear_session`` starts them again. Each test runs one sequence of constructions under real
Keras 3 and under ``tinygrad_edu.keras`` (each after its own ``clear_session``) and compares every name
it meets, and the ``summary()`` texts, with Keras'. Also Keras' errors for a bad name, two layers of
one name, an unknown dtype and a missing ``.keras`` file.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import keras as K

pytestmark = KERAS_NOTICE


@pytest.fixture(autouse=True)
def columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # Keras' summary width off a terminal (tests/test_keras_summary.py)


def summary(model) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        model.summary()
    return out.getvalue()


def names(model) -> list[str]:
    return [model.name, *(layer.name for layer in model.layers)]


def models_and_layers(M, folder: Path) -> tuple[list, list[str]]:
    """A session of model building as a course would have it; what it returns is every name met
    on the way (layers, models, inputs and symbolic tensors) and the summaries printed."""
    L, seen, texts = M.layers, [], []
    seen += [L.Dense(3).name, L.Dense(3, name="mine").name, L.Dense(3).name]
    a = M.Sequential([L.Dense(4, input_shape=(3,)), L.Dense(2)])  # makes an InputLayer and a Functional
    seen += names(a) + [a.inputs[0].name, a.outputs[0].name]
    b = M.Sequential([L.Dense(4), L.Dense(2)])  # no input yet: built later
    seen += names(b)
    b.build((None, 3))
    seen += [b.inputs[0].name]
    c = M.Sequential([L.Dense(4), L.Dense(2)])
    c(np.ones((2, 3), np.float32))  # built by its first call
    d = M.Sequential()
    d.add(L.Dense(2, input_shape=(3,)))
    d.add(L.Dense(1))  # each add builds again, as Keras
    d.add(L.Dense(1))
    d.pop()
    x = M.Input((3,))
    y = L.Dense(2)(x)
    f = M.Model(x, y)  # "functional_…": the Sequentials above took some of its numbers
    seen += names(f) + [x.name, y.name]
    texts += [summary(a), summary(b), summary(c), summary(d), summary(f)]

    conv = M.Sequential([M.Input((8, 8, 1)), L.Conv2D(2, 3), L.MaxPooling2D(), L.Conv2D(2, 3), L.Flatten(), L.Dense(3)])
    seen += names(conv)
    texts.append(summary(conv))

    def member():  # keras.io's ensemble of three functional models, none named
        inputs = M.Input(shape=(4,))
        return M.Model(inputs, L.Dense(1)(inputs))

    inputs = M.Input(shape=(4,))
    ensemble = M.Model(inputs, L.average([member()(inputs) for _ in range(3)]))
    seen += names(ensemble)
    texts.append(summary(ensemble))

    inner = M.Sequential([L.Dense(2)])  # built when called on a symbolic tensor
    u, v = M.Input((3,)), M.Input((2,))
    merged = M.Model([u, v], L.concatenate([inner(u), L.add([L.Dense(2)(v), v])]))
    seen += names(merged) + names(inner)
    texts.append(summary(merged))

    class TwoDense(M.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden, self.out = L.Dense(4), L.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    sub = TwoDense()
    seen += [sub.name, TwoDense().name, TwoDense(name="named").name, sub.hidden.name, sub.out.name]
    return seen, texts


def copies(M, folder: Path) -> list[str]:
    """Configs carry the names: from_config, clone_model and .keras files keep them (and take only the
    numbers Keras takes on the way)."""
    L, seen = M.layers, []
    seq = M.Sequential([L.Dense(4, input_shape=(3,)), L.Dense(2)])
    x = M.Input((3,))
    fun = M.Model(x, L.Dense(2)(L.Dense(3)(x)))
    for model in (seq, fun):
        seen += names(M.models.clone_model(model))
        seen += names(type(model).from_config(model.get_config()))
        model.save(folder / f"{model.name}.keras")
        seen += names(M.models.load_model(folder / f"{model.name}.keras"))
    seen += [L.Dense.from_config(L.Dense(3).get_config()).name, L.Dense(3).name]
    x = M.Input((3,))
    seen += names(M.Model(x, L.Dense(2)(x)))  # the counters after all that
    seen += [x.name]
    M.backend.clear_session()
    seen += [L.Dense(1).name, M.Sequential().name, M.Input((2,)).name]
    M.utils.clear_session()
    seen += [L.Dense(1).name, M.backend.get_uid("dense"), M.backend.get_uid("dense"), L.Dense(1).name]
    return seen


def test_the_same_constructions_get_keras_names_and_summaries(tmp_path) -> None:
    keras.backend.clear_session()
    K.backend.clear_session()
    their_names, their_texts = models_and_layers(keras, tmp_path / "theirs")
    our_names, our_texts = models_and_layers(K, tmp_path / "ours")
    assert our_names == their_names
    assert their_names[:3] == ["dense", "mine", "dense_1"]  # the user's name takes no number
    for ours, theirs in zip(our_texts, their_texts, strict=True):
        assert ours == theirs


def test_configs_clones_and_files_keep_keras_names(tmp_path) -> None:
    for side in ("theirs", "ours"):
        (tmp_path / side).mkdir()
    keras.backend.clear_session()
    K.backend.clear_session()
    theirs = copies(keras, tmp_path / "theirs")
    ours = copies(K, tmp_path / "ours")
    assert ours == theirs
    assert theirs[-4:] == ["dense", 2, 3, "dense_3"]  # get_uid counts on the names' counter


def raised(make) -> BaseException:
    with pytest.raises(Exception) as info:
        make()
    return info.value


@pytest.mark.parametrize(
    "make",
    [
        lambda M: M.layers.Dense(2, name="a/b"),
        lambda M: M.layers.Dense(2, name=3),
        lambda M: M.Sequential([M.layers.Dense(2, name="same"), M.layers.Dense(2, name="same")]),
        lambda M: M.Model(x := M.Input((2,)), M.layers.Dense(2, name="same")(M.layers.Dense(2, name="same")(x))),
        lambda M: M.Model(x := M.Input((2,), name="same"), M.layers.Dense(2, name="same")(x)),
        lambda M: M.Input(shape=(3,), dtype="complex999"),
        lambda M: M.Input(shape=(3,), dtype="f4"),
        lambda M: M.models.load_model("missing.keras"),
    ],
    ids=[
        "slash",
        "not-a-string",
        "sequential-twice",
        "functional-twice",
        "input-and-layer",
        "dtype",
        "dtype-code",
        "no-file",
    ],
)
def test_keras_errors_for_names_dtypes_and_missing_files(make, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    theirs, ours = raised(lambda: make(keras)), raised(lambda: make(K))
    assert type(ours) is type(theirs)
    assert str(ours) == str(theirs)


def test_input_dtypes_read_as_keras_reads_them() -> None:
    for dtype in (None, "float64", "int32", "bool", int, float, bool, np.float64, np.dtype("uint8")):
        assert K.Input((2,), dtype=dtype).dtype == keras.Input((2,), dtype=dtype).dtype


def loss_and_metric_names(M) -> list[str]:
    """Built-in loss objects by their function's name; custom Loss and Metric subclasses without a
    name from the session's counters (my_loss, my_loss_1), as Keras 3 names them."""
    M.backend.clear_session() if hasattr(M.backend, "clear_session") else M.utils.clear_session()

    class MyLoss(M.losses.Loss):
        def call(self, y_true, y_pred):
            return y_pred

    class MyMetric(M.metrics.Metric):
        def update_state(self, *args):
            pass

        def result(self):
            return 0.0

    built_in = [M.losses.MeanSquaredError(), M.losses.SparseCategoricalCrossentropy(from_logits=True)]
    built_in += [M.losses.BinaryCrossentropy(), M.losses.MeanSquaredError(), M.losses.Hinge(name="h")]
    return [x.name for x in (*built_in, MyLoss(), MyLoss(), MyMetric(), MyMetric(), MyLoss(name="mine"))]


def test_loss_and_metric_objects_are_named_as_keras() -> None:
    assert loss_and_metric_names(K) == loss_and_metric_names(keras)


def test_output_names_follow_keras_order_for_lists_and_dicts() -> None:
    """``output_names`` is an attribute; a dict of outputs is flattened by its sorted keys, as Keras' tree does."""

    def build(M):
        x = M.Input((3,))
        a, b = M.layers.Dense(2, name="p")(x), M.layers.Dense(1, name="q")(x)
        return M.Model(x, [a, b]).output_names, M.Model(x, {"zz": a, "yy": b}).output_names

    assert build(K) == build(keras) == (["p", "q"], ["q", "p"])
