"""The functional API, merge/reshape/pooling layers and subclassed models, beside real Keras 3 (torch
backend) with the same weights.

Each model is written once as ``make(module)`` and built from Keras' classes and from ours; Keras'
random weights are copied into ours by position (``set_weights``). Expected numbers come from Keras:
every output, the gradient of Σ g·output (random g) with respect to every input and every trainable
weight (torch autograd on Keras' side), the layer list, names, output shapes and the summary's
parameter counts. Float32 on both sides through a few layers: rtol 2e-5 on values, 1e-4 on gradients
(sums of a few dozen float32 products; rounding differs by the order of the sums, ~1e-6 relative).
"""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras, torch
from tinygrad_edu import Tensor
from tinygrad_edu import keras as K

pytestmark = KERAS_NOTICE
RTOL, ATOL = 2e-5, 2e-6
GRAD_RTOL, GRAD_ATOL = 1e-4, 1e-5


# ----------------------------------------------------------------------------- models, written once
def two_towers(M):
    """Two inputs, a concatenation, two outputs (keras.io's functional guide, in small)."""
    a, b = M.Input(shape=(5,), name="a"), M.Input(shape=(3,), name="b")
    h = M.layers.Dense(4, activation="relu")(a)
    h = M.layers.concatenate([h, b])
    out1 = M.layers.Dense(2, activation="softmax", name="kind")(h)
    out2 = M.layers.Dense(1, activation="sigmoid", name="score")(M.layers.Dense(3, activation="tanh")(h))
    return M.Model([a, b], [out1, out2])


def shared(M):
    """One Dense applied to two inputs (shared weights), merged by add and average."""
    a, b = M.Input(shape=(4,)), M.Input(shape=(4,))
    dense = M.layers.Dense(3, activation="tanh")
    da, db = dense(a), dense(b)
    return M.Model([a, b], M.layers.Dense(2)(M.layers.average([M.layers.add([da, db]), da])))


def nested(M):
    """A functional model and a Sequential used as layers of another functional model."""
    inner_in = M.Input(shape=(6,))
    inner = M.Model(inner_in, M.layers.Dense(4, activation="relu")(inner_in), name="inner")
    seq = M.Sequential([M.layers.Dense(3, activation="tanh"), M.layers.Dense(2)], name="head")
    x = M.Input(shape=(6,))
    return M.Model(x, seq(M.layers.Concatenate()([inner(x), x])))


def images(M):
    """Reshape, UpSampling2D, a convolution and both global poolings, two outputs."""
    x = M.Input(shape=(12,))
    img = M.layers.Reshape((2, 3, 2))(x)
    up = M.layers.UpSampling2D((2, 3))(img)
    conv = M.layers.Conv2D(3, 3, padding="same", activation="relu")(up)
    return M.Model(x, [M.layers.GlobalMaxPooling2D()(conv), M.layers.GlobalAveragePooling2D()(conv)])


def sequences(M):
    """Reshape with −1 to a sequence, then GlobalMax/AveragePooling1D, concatenated on axis 1."""
    x = M.Input(shape=(4, 3))
    seq = M.layers.Reshape((-1, 2))(x)
    pooled = M.layers.concatenate([M.layers.GlobalMaxPooling1D()(seq), M.layers.GlobalAveragePooling1D()(seq)])
    return M.Model(x, M.layers.Dense(2)(pooled))


def recurrent_states(M):
    """An LSTM's sequence and both final states, and a GRU's, as outputs (``return_state=True``)."""
    x = M.Input(shape=(4, 3))
    seq, h, c = M.layers.LSTM(5, return_sequences=True, return_state=True)(x)
    last, g = M.layers.GRU(2, return_state=True)(seq)
    return M.Model(x, [seq, h, c, last, g])


def embedded_text(M):
    """Integer tokens through an Embedding, a GRU over the sequence, a softmax (a text classifier)."""
    tokens = M.Input(shape=(6,), dtype="int32")
    return M.Model(tokens, M.layers.Dense(3, activation="softmax")(M.layers.GRU(4)(M.layers.Embedding(11, 5)(tokens))))


MODELS = {
    "recurrent-states": recurrent_states,
    "embedded-text": embedded_text,
    "two-towers": two_towers,
    "shared": shared,
    "nested": nested,
    "images": images,
    "sequences": sequences,
}


def twins(make):
    theirs = make(keras)
    rng = np.random.default_rng(0)
    theirs.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in theirs.get_weights()])
    ours = make(K)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def inputs_for(model, rng) -> list[np.ndarray]:
    """Random inputs for the model: normal floats, or token indices for integer inputs."""
    return [
        rng.integers(0, 11, (5, *t.shape[1:])).astype(np.int32)
        if "int" in str(t.dtype)
        else rng.normal(size=(5, *t.shape[1:])).astype(np.float32)
        for t in as_list(model.inputs)
    ]


def keras_run(model, xs, gs):
    xt = [torch.tensor(x, requires_grad=x.dtype.kind == "f") for x in xs]
    outs = as_list(model(xt if len(xt) > 1 else xt[0]))
    sum(((o * torch.tensor(g)).sum() for o, g in zip(outs, gs)), torch.tensor(0.0)).backward()
    grads = [v.value.grad.numpy() for v in model.trainable_weights]
    return [o.detach().numpy() for o in outs], [x.grad.numpy() for x in xt if x.requires_grad], grads


def our_run(model, xs, gs):
    xt = [Tensor(x, requires_grad=x.dtype.kind == "f") for x in xs]
    outs = as_list(model(xt if len(xt) > 1 else xt[0]))
    total = None
    for o, g in zip(outs, gs):
        term = (o * Tensor(g)).sum()
        total = term if total is None else total + term
    total.backward()
    grads = [v.grad() for v in model.trainable_weights]
    return [o.data for o in outs], [x.grad for x in xt if x.requires_grad], grads


def assert_close(ours, theirs, rtol, atol, what):
    assert len(ours) == len(theirs), what
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"{what} #{i}")


@pytest.mark.parametrize("case", sorted(MODELS))
def test_functional_models_match_keras_outputs_and_gradients(case: str) -> None:
    ours, theirs = twins(MODELS[case])
    rng = np.random.default_rng(1)
    xs = inputs_for(theirs, rng)
    gs = [rng.normal(size=(5, *t.shape[1:])).astype(np.float32) for t in as_list(theirs.outputs)]
    out_k, dx_k, dw_k = keras_run(theirs, xs, gs)
    out_o, dx_o, dw_o = our_run(ours, xs, gs)
    assert_close(out_o, out_k, RTOL, ATOL, "outputs")
    assert_close(dx_o, dx_k, GRAD_RTOL, GRAD_ATOL, "d inputs")
    assert_close(dw_o, dw_k, GRAD_RTOL, GRAD_ATOL, "d weights")
    predicted_o, predicted_k = (
        as_list(ours.predict(xs if len(xs) > 1 else xs[0])),
        as_list(theirs.predict(xs if len(xs) > 1 else xs[0], verbose=0)),
    )
    assert_close(predicted_o, predicted_k, RTOL, ATOL, "predict")


@pytest.mark.parametrize("case", sorted(MODELS))
def test_functional_structure_matches_keras(case: str) -> None:
    """Layers (type, output shape, parameter count) in Keras' order, weight shapes, inputs/outputs."""
    ours, theirs = twins(MODELS[case])

    assert [(layer.type_name, layer.count_params()) for layer in ours.layers] == [
        (type(layer).__name__, layer.count_params()) for layer in theirs.layers
    ]
    assert [tuple(t.shape) for t in as_list(ours.outputs)] == [tuple(t.shape) for t in as_list(theirs.outputs)]
    assert [tuple(t.shape) for t in as_list(ours.inputs)] == [tuple(t.shape) for t in as_list(theirs.inputs)]
    assert [v.shape for v in ours.weights] == [tuple(v.shape) for v in theirs.weights]
    assert ours.count_params() == theirs.count_params()
    assert len(ours.trainable_weights) == len(theirs.trainable_weights)


def test_layer_names_and_get_layer_match_keras() -> None:
    ours, theirs = two_towers(K), two_towers(keras)
    keras_names = [layer.name for layer in theirs.layers]
    # Keras numbers default names over the whole session (dense_7 …); the shape of each name is kept
    assert [n.rsplit("_", 1)[0] if n[-1].isdigit() else n for n in (layer.name for layer in ours.layers)] == [
        n.rsplit("_", 1)[0] if n[-1].isdigit() else n for n in keras_names
    ]
    assert ours.get_layer("kind").units == theirs.get_layer("kind").units == 2
    with pytest.raises(ValueError, match="No such layer"):
        ours.get_layer("nope")
    with pytest.raises(ValueError):
        theirs.get_layer("nope")


def test_summary_parameter_counts_of_a_functional_model_match_keras() -> None:
    ours, theirs = twins(two_towers)
    lines: list[str] = []
    ours.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Connected to" in text
    for layer_o, layer_k in zip(ours.layers, theirs.layers):
        assert layer_o.count_params() == layer_k.count_params()
    assert f"Total params: {theirs.count_params():,}" in text


# ----------------------------------------------------------------------------- subclassed models
def subclassed(M):
    class Block(M.layers.Layer):
        """A layer with its own weights (add_weight in build) and a Dense sublayer."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.proj = M.layers.Dense(units)

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(self.units,), initializer="ones", name="scale")

        def call(self, inputs, training=None):
            return self.proj(inputs) * self.scale

    class Net(M.Model):
        def __init__(self):
            super().__init__()
            self.block = Block(4)
            self.out = M.layers.Dense(2, activation="softmax")

        def call(self, inputs, training=None):
            return self.out(M.layers.Activation("relu")(self.block(inputs)))

    return Net()


def test_a_subclassed_model_matches_keras() -> None:
    """Weights of a subclassed model (add_weight and tracked sublayers) in Keras' order and shapes,
    outputs and gradients with the same weights."""
    theirs, ours = subclassed(keras), subclassed(K)
    x = np.random.default_rng(2).normal(size=(6, 3)).astype(np.float32)
    theirs(x)
    ours(x)
    assert [v.shape for v in ours.weights] == [tuple(v.shape) for v in theirs.weights]
    rng = np.random.default_rng(3)
    theirs.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in theirs.get_weights()])
    ours.set_weights(theirs.get_weights())
    g = rng.normal(size=(6, 2)).astype(np.float32)
    out_k, dx_k, dw_k = keras_run(theirs, [x], [g])
    out_o, dx_o, dw_o = our_run(ours, [x], [g])
    assert_close(out_o, out_k, RTOL, ATOL, "outputs")
    assert_close(dx_o, dx_k, GRAD_RTOL, GRAD_ATOL, "d input")
    assert_close(dw_o, dw_k, GRAD_RTOL, GRAD_ATOL, "d weights")


def named_model(M):
    a, b = M.Input(shape=(5,), name="a"), M.Input(shape=(3,), name="b")
    shared = M.layers.Dense(3, name="shared")
    h = M.layers.concatenate([shared(a), b, shared(M.layers.Dense(5, name="pre")(a))], name="cat")
    return M.Model([a, b], [M.layers.Dense(2, name="out")(h), M.layers.Dense(1, name="aux")(h)], name="towers")


def keras_table(model, monkeypatch) -> list[list[str]]:
    """The cells of Keras' summary table (a cell wrapped onto several lines joined)."""
    buf = io.StringIO()
    monkeypatch.setenv("COLUMNS", "200")  # rich, which draws Keras' table, would cut it at 80
    with redirect_stdout(buf):
        model.summary(line_length=160)
    rows, block = [], []
    for line in buf.getvalue().splitlines():
        if line.startswith("│"):
            block.append([c.strip() for c in line.strip("│").split("│")])
        elif block:
            rows.append([" ".join(part for part in col if part) for col in zip(*block)])
            block = []
    return rows, buf.getvalue()


def test_summary_of_a_functional_model_matches_keras(monkeypatch) -> None:
    """Each row's name (type), output shape, Param # and Connected to, and the totals, as Keras' table."""
    ours, theirs = named_model(K), named_model(keras)
    rows_k, text_k = keras_table(theirs, monkeypatch)
    rows_o, text_o = keras_table(ours, monkeypatch)
    assert len(rows_o) == len(rows_k) == 7
    assert rows_o == rows_k and text_o == text_k


def test_plot_model_of_a_functional_model_draws_keras_graph() -> None:
    """One box per layer of Keras' model and one arrow per (producer, consumer) pair that Keras'
    own graph records (``layer._inbound_nodes``), with the shapes Keras gives each call."""
    ours, theirs = named_model(K), named_model(keras)
    expected = set()
    for layer in theirs.layers:
        for node in layer._inbound_nodes:
            expected |= {(parent.operation.name, layer.name) for parent in node.parent_nodes}
    source = K.utils.model_to_dot(ours, show_shapes=True).source
    ids = dict(re.findall(r"(L\d+) \[label=<.*?<b>(\w+) \(", source))
    drawn = {(ids[a], ids[b]) for a, b in re.findall(r"(L\d+) -> (L\d+);", source)}
    assert drawn == expected and len(ids) == len(theirs.layers)
    for layer in theirs.layers:
        assert str(tuple(layer.output.shape)) in source


# ----------------------------------------------------------------------------- a loss per output
COMPILES = {
    "dict-weighted": dict(
        loss={"kind": "sparse_categorical_crossentropy", "score": "binary_crossentropy"},
        loss_weights={"kind": 1.0, "score": 0.5},
        metrics={"kind": ["accuracy"]},
    ),
    "list": dict(loss=["sparse_categorical_crossentropy", "mse"], metrics=[["accuracy"], ["mae"]]),
}


@pytest.mark.parametrize("case", sorted(COMPILES))
@pytest.mark.parametrize("as_dict", [False, True], ids=["y-list", "y-dict"])
def test_a_loss_per_output_matches_keras(case: str, as_dict: bool) -> None:
    """History keys and values (the weighted total, each output's loss and metrics), evaluate's list,
    and the weights after one SGD step, as Keras. Every batch of the first fit sees the same weights
    (learning rate 0), so the logs are deterministic; the one real step then checks the gradients of
    the weighted total (float32 on both sides: rtol 1e-5)."""
    ours, theirs = twins(two_towers)
    rng = np.random.default_rng(4)
    x = [rng.normal(size=(10, 5)).astype(np.float32), rng.normal(size=(10, 3)).astype(np.float32)]
    y = [rng.integers(0, 2, 10), rng.integers(0, 2, (10, 1)).astype(np.float32)]
    y = {"kind": y[0], "score": y[1]} if as_dict else y
    for model, module in ((ours, K), (theirs, keras)):
        model.compile(module.optimizers.SGD(0.0), **COMPILES[case])
    hist_o = ours.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    hist_k = theirs.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    assert sorted(hist_o) == sorted(hist_k)
    for key in hist_k:
        np.testing.assert_allclose(hist_o[key], hist_k[key], rtol=1e-5, err_msg=key)
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), rtol=1e-5)
    for model, module in ((ours, K), (theirs, keras)):
        model.compile(module.optimizers.SGD(0.1), **COMPILES[case])
        model.fit(x, y, batch_size=10, epochs=1, shuffle=False, verbose=0)
    assert_close(ours.get_weights(), theirs.get_weights(), 1e-5, 1e-6, "weights after a step")


def test_a_loss_per_output_refuses_what_keras_refuses() -> None:
    model = two_towers(K)
    with pytest.raises(ValueError, match="outputs"):
        model.compile("sgd", loss={"nope": "mse", "kind": "mse"})
    with pytest.raises(ValueError, match="2 outputs"):
        model.compile("sgd", loss=["mse"])
    model.compile("sgd", loss=["mse", "mse"])
    with pytest.raises(ValueError, match="2 outputs"):
        model.fit([np.ones((2, 5)), np.ones((2, 3))], np.ones((2, 2)), verbose=0)


# ----------------------------------------------------------------------------- recurrent defaults
@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_recurrent_initial_biases_and_shapes_as_keras(name: str) -> None:
    """The biases Keras starts from (LSTM: ones for the forget gate, unit_forget_bias; GRU: zeros of
    shape (2, 3·units)), the weight names and shapes; the recurrent kernel orthogonal, as Keras'."""
    ours, theirs = getattr(K.layers, name)(3), getattr(keras.layers, name)(3)
    x = np.zeros((2, 4, 5), np.float32)
    ours(x), theirs(x)
    assert [(v.name, v.shape) for v in ours.weights] == [(v.name, tuple(v.shape)) for v in theirs.weights]
    np.testing.assert_array_equal(ours.get_weights()[2], theirs.get_weights()[2])
    recurrent = ours.get_weights()[1]  # (3, gates·3): orthogonal rows
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(3), atol=1e-5)


def test_embedding_starts_uniform_and_takes_float_tokens_in_fit_as_keras() -> None:
    """Embedding's weights start in [−0.05, 0.05] (Keras' "uniform"); fit casts the float x it made to
    integers, as Keras does (losses at learning rate 0 equal Keras' on the same weights)."""
    make = lambda M: M.Sequential(  # noqa: E731
        [M.Input(shape=(4,)), M.layers.Embedding(7, 3), M.layers.Flatten(), M.layers.Dense(1)]
    )
    ours, theirs = make(K), make(keras)
    assert np.abs(ours.get_weights()[0]).max() <= 0.05
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(5).integers(0, 7, (6, 4)).astype(np.float32)
    y = np.arange(6, dtype=np.float32)
    for model, module in ((ours, K), (theirs, keras)):
        model.compile(module.optimizers.SGD(0.0), loss="mse")
    hist_o = ours.fit(x, y, batch_size=4, epochs=1, verbose=0).history["loss"]
    hist_k = theirs.fit(x, y, batch_size=4, epochs=1, verbose=0).history["loss"]
    np.testing.assert_allclose(hist_o, hist_k, rtol=1e-5)
