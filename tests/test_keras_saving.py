"""Saving as Keras 3 does, checked both ways with real Keras 3 (torch backend): ``.keras`` files
(a model saved by Keras loads here and predicts what Keras predicts, and the reverse), weights
files of every layer, ``to_json``/``model_from_json``, ``get_config``/``from_config``,
``clone_model``, custom objects registered on both sides, the atomic write, and the errors for
unknown classes and config keys (Keras' TypeError, naming the class and the layer).

The predictions are of one model with one set of weights on both sides, in float32: rtol 2e-5."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras

pytest.importorskip("h5py", reason=".keras files hold an HDF5 weights file: pip install tinygrad_edu[keras]")

from tests.test_keras_functional import MODELS, as_list, inputs_for
from tinygrad_edu import keras as K

pytestmark = KERAS_NOTICE
RTOL, ATOL = 2e-5, 2e-6


def sequential(M):
    return M.Sequential(
        [
            M.Input(shape=(6, 6, 2)),
            M.layers.Conv2D(3, 3, padding="same", activation="relu"),
            M.layers.MaxPooling2D(2),
            M.layers.BatchNormalization(),
            M.layers.Reshape((9, 3)),
            M.layers.Conv1D(2, 2, padding="causal"),
            M.layers.SimpleRNN(3, return_sequences=True),
            M.layers.LSTM(4, return_sequences=True),
            M.layers.GRU(3),
            M.layers.Dropout(0.2),
            M.layers.Dense(2, activation="softmax"),
        ]
    )


def upsampling(M):
    return M.Sequential(
        [
            M.Input(shape=(3, 3, 2)),
            M.layers.Conv2DTranspose(2, 3, strides=2, padding="same"),
            M.layers.UpSampling2D(2),
            M.layers.AveragePooling2D(2),
            M.layers.GlobalMaxPooling2D(),
            M.layers.Dense(1, activation="sigmoid"),
        ]
    )


CASES = {"sequential": sequential, "upsampling": upsampling, **MODELS}


def randomised(model, seed: int = 0):
    rng = np.random.default_rng(seed)
    model.set_weights(
        [
            rng.uniform(0.5, 2.0, w.shape) if v.name == "moving_variance" else rng.normal(0, 0.5, w.shape)
            for v, w in zip(model.weights, model.get_weights())
        ]
    )
    return model


def assert_same_predictions(a, b, x) -> None:
    xs = x if len(x) > 1 else x[0]
    for p, q in zip(as_list(a.predict(xs, verbose=0)), as_list(b.predict(xs, verbose=0))):
        np.testing.assert_allclose(p, q, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_keras_file_saved_by_keras_loads_here(case: str, tmp_path) -> None:
    theirs = randomised(CASES[case](keras))
    theirs.save(tmp_path / "k.keras")
    ours = K.models.load_model(tmp_path / "k.keras")
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    assert_same_predictions(ours, theirs, inputs_for(theirs, np.random.default_rng(1)))


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_keras_file_saved_here_loads_in_keras(case: str, tmp_path) -> None:
    twin = randomised(CASES[case](keras), seed=2)
    ours = CASES[case](K)
    ours.set_weights(twin.get_weights())
    ours.save(tmp_path / "o.keras")
    theirs = keras.models.load_model(tmp_path / "o.keras")
    assert [layer.name for layer in theirs.layers] == [layer.name for layer in ours.layers]
    assert_same_predictions(ours, theirs, inputs_for(twin, np.random.default_rng(3)))


def test_compile_arguments_travel_both_ways(tmp_path) -> None:
    """Loss, metrics and optimizer (with its learning rate) come back compiled, on both sides."""
    theirs = sequential(keras)
    theirs.compile(keras.optimizers.Adam(0.005), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    theirs.save(tmp_path / "k.keras")
    ours = K.models.load_model(tmp_path / "k.keras")
    assert (ours.loss, ours.metric_names) == ("sparse_categorical_crossentropy", ["accuracy"])
    assert type(ours.optimizer).__name__ == "Adam"
    assert ours.optimizer.learning_rate == pytest.approx(0.005)
    ours.compile(K.optimizers.RMSprop(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    ours.save(tmp_path / "o.keras")
    back = keras.models.load_model(tmp_path / "o.keras")
    assert type(back.optimizer).__name__ == "RMSprop"
    assert float(back.optimizer.learning_rate) == pytest.approx(0.01)
    assert back.loss == "sparse_categorical_crossentropy"


@pytest.mark.parametrize("case", ["two-towers", "nested", "recurrent-states"])
def test_json_goes_both_ways(case: str) -> None:
    """to_json/model_from_json: the same layers (names, types, parameter counts) on either side."""
    theirs = CASES[case](keras)
    ours = K.models.model_from_json(theirs.to_json())
    back = keras.models.model_from_json(ours.to_json())
    expected = [(layer.name, type(layer).__name__, layer.count_params()) for layer in theirs.layers]
    assert [(layer.name, layer.type_name, layer.count_params()) for layer in ours.layers] == expected
    assert [(layer.name, type(layer).__name__, layer.count_params()) for layer in back.layers] == expected


@pytest.mark.parametrize(
    "make",
    [
        lambda M: M.layers.Dense(3, activation="relu", use_bias=False, kernel_regularizer=M.regularizers.L2(0.1)),
        lambda M: M.layers.Conv2D(4, 3, strides=2, padding="same", kernel_initializer="he_normal"),
        lambda M: M.layers.LSTM(5, return_sequences=True, return_state=True, unit_forget_bias=False),
        lambda M: M.layers.Embedding(10, 4, embeddings_initializer=M.initializers.RandomUniform(-1.0, 1.0)),
        lambda M: M.layers.Concatenate(axis=1),
        lambda M: M.layers.Reshape((2, -1)),
    ],
)
def test_layer_configs_go_both_ways(make) -> None:
    """A Keras layer's get_config makes our layer, whose get_config makes Keras' again: the same config."""
    theirs = make(keras)
    ours = type(make(K)).from_config(theirs.get_config())
    again = type(theirs).from_config(ours.get_config())
    assert again.get_config() == theirs.get_config()


def test_clone_model_has_the_architecture_and_new_weights() -> None:
    ours = randomised(sequential(K))
    clone = K.models.clone_model(ours)
    assert [(lay.type_name, lay.count_params()) for lay in clone.layers] == [
        (lay.type_name, lay.count_params()) for lay in ours.layers
    ]
    assert all(a is not b for a, b in zip(clone.layers, ours.layers))
    assert not np.allclose(clone.get_weights()[0], ours.get_weights()[0])


# ----------------------------------------------------------------------------- custom objects
def scale_layer(M):
    @M.saving.register_keras_serializable(package="Tests", name="Scale")
    class Scale(M.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return x * self.w * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    return Scale


def test_a_registered_custom_layer_goes_both_ways(tmp_path) -> None:
    keras_scale, our_scale = scale_layer(keras), scale_layer(K)
    theirs = keras.Sequential([keras.Input(shape=(3,)), keras_scale(0.5), keras.layers.Dense(2)])
    randomised(theirs).save(tmp_path / "k.keras")
    ours = K.models.load_model(tmp_path / "k.keras")
    assert isinstance(ours.layers[0], our_scale) and ours.layers[0].factor == 0.5
    assert_same_predictions(ours, theirs, [np.random.default_rng(4).normal(size=(4, 3)).astype(np.float32)])
    ours.save(tmp_path / "o.keras")
    back = keras.models.load_model(tmp_path / "o.keras")
    assert_same_predictions(ours, back, [np.random.default_rng(5).normal(size=(4, 3)).astype(np.float32)])


def test_a_missing_custom_object_is_keras_type_error_naming_the_class(tmp_path) -> None:
    class Unknown(keras.layers.Layer):
        def call(self, x):
            return x

    keras.Sequential([keras.Input(shape=(2,)), Unknown(name="odd")]).save(tmp_path / "k.keras")
    with pytest.raises(TypeError, match="Unknown"):
        K.models.load_model(tmp_path / "k.keras")

    class Unknown(K.layers.Layer):  # given here through custom_objects
        def call(self, x):
            return x

    model = K.models.load_model(tmp_path / "k.keras", custom_objects={"Unknown": Unknown})
    assert model.layers[0].name == "odd"


def test_an_unknown_config_key_is_keras_type_error_naming_the_layer() -> None:
    config = {**keras.layers.Dense(2, name="d1").get_config(), "foo": 1}
    with pytest.raises(TypeError):
        keras.layers.Dense.from_config(config)
    with pytest.raises(TypeError, match=r"d1.*foo"):
        K.layers.Dense.from_config(config)
    config = {**keras.layers.Dense(2, name="d2").get_config(), "kernel_constraint": "non_neg"}
    with pytest.raises(TypeError, match=r"d2.*kernel_constraint"):
        K.layers.Dense.from_config(config)
    unsupported = {  # Keras arguments this door does not take, at a value that changes the layer
        "go_backwards": keras.layers.LSTM(3, go_backwards=True, name="l3"),
        "data_format": keras.layers.Conv2D(2, 3, data_format="channels_first", name="c4"),
    }
    for key, layer in unsupported.items():
        with pytest.raises(TypeError, match=rf"{layer.name}.*{key}"):
            getattr(K.layers, type(layer).__name__).from_config(layer.get_config())


def test_a_failed_save_keeps_the_previous_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "m.keras"
    model = sequential(K)
    model.save(path)
    before = path.read_bytes()

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(K.models.keras_file, "model_config", broken)  # fails midway through the zip
    with pytest.raises(OSError, match="disk full"):
        randomised(model).save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def test_damaged_keras_files_are_value_errors(tmp_path) -> None:
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable"):
        K.models.load_model(bad)
    with pytest.raises(ValueError, match=r"\.keras"):
        K.models.load_model(tmp_path / "m.h5")
    with pytest.raises(ValueError, match=r"\.keras"):
        sequential(K).save(tmp_path / "m.txt")


def test_loss_and_metric_objects_travel_in_keras_files_both_ways(tmp_path) -> None:
    theirs = sequential(keras)
    theirs.compile(
        "sgd",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")],
    )
    theirs.save(tmp_path / "k.keras")
    ours = K.models.load_model(tmp_path / "k.keras")
    assert isinstance(ours.loss, K.losses.SparseCategoricalCrossentropy) and ours.loss.from_logits
    assert ours.metric_names == ["acc"] and isinstance(ours.metric_objects[0], K.metrics.SparseCategoricalAccuracy)
    ours.save(tmp_path / "o.keras")
    back = keras.models.load_model(tmp_path / "o.keras")
    assert isinstance(back.loss, keras.losses.SparseCategoricalCrossentropy) and back.loss.from_logits


@pytest.mark.parametrize("compiled", [False, True])
def test_an_unbuilt_model_saves_and_loads_unbuilt_both_ways(tmp_path, compiled) -> None:
    """Keras 3 saves a model never built: no build_config, no weights; it loads unbuilt (and compiled,
    when it was), and builds at its first fit. The same here, and each side reads the other's file."""
    files, keys = {}, {}
    for M, name in ((keras, "theirs"), (K, "ours")):
        model = M.Sequential([M.layers.Dense(2, name="d")])
        if compiled:
            model.compile("adam", "mse")
        files[name] = tmp_path / f"{name}.keras"
        model.save(files[name])
        keys[name] = sorted(json.loads(zipfile.ZipFile(files[name]).read("config.json")))
    assert keys["ours"] == keys["theirs"]
    for M in (keras, K):
        for path in files.values():
            model = M.saving.load_model(path)
            assert not model.built and model.weights == []
            optimizer = getattr(model, "optimizer", None)  # Keras' model has none before compile
            assert (type(optimizer).__name__ if compiled else optimizer) == ("Adam" if compiled else None)
    model = K.saving.load_model(files["theirs"])
    if not compiled:
        model.compile("sgd", "mse")
    model.fit(np.ones((4, 3), np.float32), np.ones((4, 2), np.float32), verbose=0)
    assert [w.shape for w in model.weights] == [(3, 2), (2,)]
