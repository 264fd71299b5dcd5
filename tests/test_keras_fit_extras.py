"""``fit``'s extras beside real Keras 3 (torch backend): sample and class weights, steps_per_epoch,
generators and PyDatasets, a ``train_step`` written as Keras' guide writes it, loss objects per output.

Each case builds one model from Keras' classes (Keras draws its initial weights, unseeded) and the
same model from ours with Keras' weights copied in, trains both from the same data (drawn
unseeded) in float64, and compares what is deterministic: every epoch's logs, the step count and
the weights after training. Tolerances are `test_keras_vs_keras`' float64 ones (Keras 3.15 rounds
its matmuls and metric trackers to float32 even in float64; see FLOAT64_LOSS_RTOL there).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE
from tests.test_keras_vs_keras import (  # the same Keras import, float64 switch and tolerances
    FLOAT64_WEIGHT_RTOL,
    K,
    assert_close_to_scale,
    float64_on_both_sides,
    keras,
)

pytestmark = KERAS_NOTICE
LOG_RTOL = 1e-5  # History on Keras' side is float32 (~6e-8 relative each), summed over a few batches


def twins(make):
    """``make(module)`` built from Keras and from ours, with Keras' random weights copied into ours."""
    theirs, ours = make(keras), make(K)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def dense_stack(units: int, activation: str, features: int = 4):
    return lambda M: M.Sequential(
        [M.Input(shape=(features,)), M.layers.Dense(5, activation="tanh"), M.layers.Dense(units, activation=activation)]
    )


def targets(loss: str, rng, n: int):
    if loss == "sparse_categorical_crossentropy":
        return rng.integers(0, 3, n), 3, "softmax"
    if loss == "binary_crossentropy":
        return rng.integers(0, 2, (n, 1)).astype(np.float64), 1, "sigmoid"
    return rng.normal(size=(n, 2)), 2, "linear"


def assert_same_training(ours, theirs, h_o, h_k) -> None:
    assert sorted(h_o.history) == sorted(h_k.history)
    for key in h_k.history:
        np.testing.assert_allclose(h_o.history[key], h_k.history[key], rtol=LOG_RTOL, atol=1e-9, err_msg=key)
    assert ours.optimizer.iterations == int(theirs.optimizer.iterations)
    assert_close_to_scale(ours.get_weights(), theirs.get_weights(), FLOAT64_WEIGHT_RTOL, "weights")


LOSSES = ["mse", "sparse_categorical_crossentropy", "binary_crossentropy"]


@pytest.mark.parametrize("loss", LOSSES)
def test_sample_weight_in_fit_and_evaluate_matches_keras(loss: str) -> None:
    """Σ wᵢ·ℓᵢ / batch size (not / Σ w): 22 samples in batches of 8, 8, 6, weights in [0, 3)."""
    rng = np.random.default_rng()
    x, w = rng.normal(size=(22, 4)), rng.uniform(0, 3, 22)
    y, units, activation = targets(loss, rng, 22)
    with float64_on_both_sides():
        ours, theirs = twins(dense_stack(units, activation))
        for model, M in ((ours, K), (theirs, keras)):
            model.compile(M.optimizers.SGD(0.1), loss=loss, metrics=["accuracy"] if units != 2 else ["mae"])
        kw = dict(batch_size=8, epochs=2, shuffle=False, verbose=0, sample_weight=w)
        h_o, h_k = ours.fit(x, y, **kw), theirs.fit(x, y, **kw)
        assert_same_training(ours, theirs, h_o, h_k)
        e_o = ours.evaluate(x, y, sample_weight=w, batch_size=5, verbose=0)
        e_k = theirs.evaluate(x, y, sample_weight=w, batch_size=5, verbose=0)
    np.testing.assert_allclose(e_o, e_k, rtol=LOG_RTOL)


def functional_classifier(M):
    inputs = M.Input(shape=(4,))
    return M.Model(inputs, M.layers.Dense(3, activation="softmax")(M.layers.Dense(5, activation="tanh")(inputs)))


@pytest.mark.parametrize(
    ("onehot", "make"),
    [(False, dense_stack(3, "softmax")), (True, dense_stack(3, "softmax")), (False, functional_classifier)],
)
def test_class_weight_matches_keras(onehot: bool, make) -> None:
    """class_weight weighs each sample by its class (argmax of a one-hot target); absent classes weigh 1."""
    rng = np.random.default_rng()
    x, labels = rng.normal(size=(20, 4)), rng.integers(0, 3, 20)
    y = np.eye(3)[labels] if onehot else labels
    loss = "categorical_crossentropy" if onehot else "sparse_categorical_crossentropy"
    class_weight = {0: float(rng.uniform(0.1, 3)), 2: float(rng.uniform(0.1, 3))}
    with float64_on_both_sides():
        ours, theirs = twins(make)
        for model, M in ((ours, K), (theirs, keras)):
            model.compile(M.optimizers.SGD(0.2, momentum=0.5), loss=loss)
        kw = dict(batch_size=6, epochs=3, shuffle=False, verbose=0, class_weight=class_weight, validation_split=0.25)
        assert_same_training(ours, theirs, ours.fit(x, y, **kw), theirs.fit(x, y, **kw))


def multi_output(M):
    inp = M.Input(shape=(4,))
    h = M.layers.Dense(5, activation="tanh")(inp)
    return M.Model(inp, [M.layers.Dense(3, activation="softmax", name="kind")(h), M.layers.Dense(1, name="score")(h)])


@pytest.mark.parametrize("as_dict", [False, True])
def test_loss_objects_per_output_with_loss_weights_and_sample_weight_match_keras(as_dict: bool) -> None:
    rng = np.random.default_rng()
    x, labels, score = rng.normal(size=(18, 4)), rng.integers(0, 3, 18), rng.normal(size=(18, 1))
    weights = [float(rng.uniform(0.2, 2)), float(rng.uniform(0.2, 2))]
    with float64_on_both_sides():
        ours, theirs = twins(multi_output)
        for model, M in ((ours, K), (theirs, keras)):
            losses = [M.losses.SparseCategoricalCrossentropy(), M.losses.MeanSquaredError()]
            if as_dict:
                model.compile(
                    M.optimizers.SGD(0.1),
                    loss=dict(zip(["kind", "score"], losses)),
                    loss_weights=dict(zip(["kind", "score"], weights)),
                )
            else:
                model.compile(M.optimizers.SGD(0.1), loss=losses, loss_weights=weights)
        kw = dict(batch_size=7, epochs=2, shuffle=False, verbose=0, sample_weight=rng.uniform(0, 2, 18))
        h_o, h_k = ours.fit(x, [labels, score], **kw), theirs.fit(x, [labels, score], **kw)
    np.testing.assert_allclose(h_o.history["loss"], h_k.history["loss"], rtol=LOG_RTOL)
    assert_close_to_scale(ours.get_weights(), theirs.get_weights(), FLOAT64_WEIGHT_RTOL, "weights")


# ----------------------------------------------------------------------------- steps, generators, PyDataset
def regression_pair():
    ours, theirs = twins(dense_stack(1, "linear", features=3))
    for model, M in ((ours, K), (theirs, keras)):
        model.compile(M.optimizers.SGD(0.05), loss="mse")
    return ours, theirs


def fit_quietly(model, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(*args, verbose=0, **kwargs)
    return history, [str(w.message) for w in caught if "ran out of data" in str(w.message)]


@pytest.mark.parametrize(
    ("steps", "batch_size", "epochs"),
    [(2, 4, 3), (5, 4, 2), (3, None, 2)],
    ids=["fewer-steps-than-batches", "more-steps-than-batches", "batch-size-from-steps"],
)
def test_steps_per_epoch_on_arrays_matches_keras(steps, batch_size, epochs) -> None:
    """10 samples: epochs continue where the last stopped, end early (with Keras' warning) when the
    data runs out, and batch_size defaults to ⌈n/steps⌉."""
    rng = np.random.default_rng()
    x = rng.normal(size=(10, 3))
    y = x @ rng.normal(size=(3, 1))
    with float64_on_both_sides():
        ours, theirs = regression_pair()
        kw = dict(steps_per_epoch=steps, batch_size=batch_size, epochs=epochs, shuffle=False)
        (h_o, warned_o), (h_k, warned_k) = fit_quietly(ours, x, y, **kw), fit_quietly(theirs, x, y, **kw)
    assert_same_training(ours, theirs, h_o, h_k)
    assert bool(warned_o) == bool(warned_k)


def batches(rng, count: int):
    return [(rng.normal(size=(4, 3)), rng.normal(size=(4, 1))) for _ in range(count)]


@pytest.mark.parametrize(("steps", "epochs"), [(2, 3), (5, 2)])
def test_finite_generator_with_steps_per_epoch_matches_keras(steps: int, epochs: int) -> None:
    """A generator of 5 batches: epochs share it; once spent, an epoch has no batches and no logs."""
    data = batches(np.random.default_rng(), 5)
    with float64_on_both_sides():
        ours, theirs = regression_pair()
        (h_o, warned_o), (h_k, _) = (
            fit_quietly(m, (b for b in data), steps_per_epoch=steps, epochs=epochs) for m in (ours, theirs)
        )
    assert_same_training(ours, theirs, h_o, h_k)
    assert warned_o


def make_dataset(M, data, log):
    class Batches(M.utils.PyDataset):
        def __len__(self):
            return len(data)

        def __getitem__(self, index):
            log.append(index)
            return data[index]

        def on_epoch_end(self):
            log.append("end")

    return Batches()


@pytest.mark.parametrize(("steps", "epochs"), [(None, 2), (2, 3)])
def test_py_dataset_matches_keras(steps, epochs) -> None:
    """A PyDataset of 3 batches, in order: the same batches per epoch as Keras (with steps_per_epoch,
    epochs continue where the last stopped), and on_epoch_end after each epoch (Keras 3 calls it
    once more, before the first epoch, after reading a batch ahead to build the model)."""
    data = batches(np.random.default_rng(), 3)
    log_o, log_k = [], []
    with float64_on_both_sides():
        ours, theirs = regression_pair()
        kw = dict(steps_per_epoch=steps, epochs=epochs, shuffle=False)
        (h_o, _), (h_k, _) = (
            fit_quietly(ours, make_dataset(K, data, log_o), **kw),
            fit_quietly(theirs, make_dataset(keras, data, log_k), **kw),
        )
    assert_same_training(ours, theirs, h_o, h_k)
    assert log_k[:2] == [0, "end"]  # Keras' look-ahead
    assert log_o == log_k[2:]


def test_py_dataset_shuffle_visits_every_batch_once_per_epoch() -> None:
    data = batches(np.random.default_rng(), 4)
    log = []
    model = K.Sequential([K.Input(shape=(3,)), K.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(make_dataset(K, data, log), epochs=3, verbose=0)
    epochs = [log[i * 5 : i * 5 + 4] for i in range(3)]
    assert all(sorted(e) == [0, 1, 2, 3] for e in epochs) and log[4::5] == ["end"] * 3


def test_validation_steps_and_validation_batch_size_match_keras() -> None:
    rng = np.random.default_rng()
    x, vx = rng.normal(size=(12, 3)), rng.normal(size=(9, 3))
    w = rng.normal(size=(3, 1))
    with float64_on_both_sides():
        ours, theirs = regression_pair()
        kw = dict(batch_size=4, epochs=2, shuffle=False, validation_data=(vx, vx @ w), validation_steps=2)
        kw["validation_batch_size"] = 3
        h_o, h_k = ours.fit(x, x @ w, verbose=0, **kw), theirs.fit(x, x @ w, verbose=0, **kw)
    assert_same_training(ours, theirs, h_o, h_k)


# ----------------------------------------------------------------------------- the guide's train_step
def guide_model(M, backend):
    """keras.io's "Customizing what happens in fit() with PyTorch", its first example."""

    class CustomModel(M.Model):
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with backend.no_grad():
                self.optimizer.apply(gradients, trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inputs = M.Input(shape=(4,))
    return CustomModel(inputs, M.layers.Dense(1)(M.layers.Dense(6, activation="relu")(inputs)))


def test_guide_train_step_and_test_step_match_keras() -> None:
    """The loss tracker here is the unweighted mean of the batch losses (the guide's update_state(loss))."""
    import torch

    import tinygrad_edu

    rng = np.random.default_rng()
    x, y = rng.normal(size=(21, 4)), rng.normal(size=(21, 1))
    with float64_on_both_sides():
        theirs, ours = guide_model(keras, torch), guide_model(K, tinygrad_edu)
        ours.set_weights(theirs.get_weights())
        for model, M in ((ours, K), (theirs, keras)):
            model.compile(M.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
        kw = dict(batch_size=8, epochs=2, shuffle=False, verbose=0, validation_data=(x[:7], y[:7]))
        h_o, h_k = ours.fit(x, y, **kw), theirs.fit(x, y, **kw)
        assert_same_training(ours, theirs, h_o, h_k)
        np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), rtol=LOG_RTOL)


# ----------------------------------------------------------------------------- bad input
def small_model():
    model = K.Sequential([K.Input(shape=(3,)), K.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"sample_weight": np.ones(5)}, ValueError, "sample_weight"),
        ({"class_weight": {0: 1.0, 7: 2.0}}, ValueError, "class_weight"),
        ({"class_weight": {0: 1.0}, "sample_weight": np.ones(6)}, ValueError, "at the same time"),
        ({"steps_per_epoch": 0}, ValueError, "steps_per_epoch"),
        ({"steps_per_epoch": -2}, ValueError, "steps_per_epoch"),
        ({"validation_steps": 0, "validation_data": (np.ones((2, 3)), np.zeros(2))}, ValueError, "validation_steps"),
    ],
)
def test_bad_fit_arguments_are_named(kwargs, error, words) -> None:
    model = small_model()
    before = model.get_weights()
    with pytest.raises(error, match=words):
        model.fit(np.ones((6, 3)), np.zeros(6), verbose=0, **kwargs)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_generator_of_wrong_shapes_or_kinds_is_named() -> None:
    model = small_model()
    with pytest.raises(ValueError, match=r"expected inputs of shape \(None, 3\), got \(None, 5\)"):
        model.fit((b for b in [(np.ones((4, 5)), np.zeros(4))]), verbose=0)
    with pytest.raises(ValueError, match="must return a tuple"):
        model.fit((b for b in [{"x": 1}]), verbose=0)
    with pytest.raises(ValueError, match="class_weight"):
        model.fit((b for b in [(np.ones((4, 3)), np.zeros(4))]), class_weight={0: 1.0}, verbose=0)
    with pytest.raises(ValueError, match="y"):
        model.fit((b for b in [(np.ones((4, 3)), np.zeros(4))]), np.zeros(4), verbose=0)


# ----------------------------------------------------------------------------- ModelCheckpoint
def scripted(M, values: list[float], key: str):
    """A callback that sets ``logs[key]`` to the scripted value of each epoch (before the checkpoint runs)."""

    class Script(M.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs[key] = values[epoch]

    return Script()


CHECKPOINTS = [
    ("m-{epoch:02d}-{val_loss:.2f}.keras", dict(save_best_only=True), "val_loss"),
    ("w-{epoch:02d}.weights.h5", dict(save_best_only=True, save_weights_only=True), "val_loss"),
    ("m-{epoch:02d}.keras", dict(save_best_only=True, monitor="val_accuracy"), "val_accuracy"),
    ("m-{epoch:02d}.keras", dict(save_best_only=True, monitor="val_score", mode="max"), "val_score"),
    ("m-{epoch:02d}.keras", dict(save_best_only=True, initial_value_threshold=0.5), "val_loss"),
    ("m-{epoch}.weights.h5", dict(save_weights_only=True), "val_loss"),
    ("best.keras", dict(save_best_only=True), "val_loss"),
]


@pytest.mark.parametrize(("pattern", "options", "key"), CHECKPOINTS)
def test_model_checkpoint_writes_the_files_keras_writes(tmp_path, pattern, options, key) -> None:
    """The same history of monitored values (drawn, with repeats so ties occur) on both sides: the
    same file names, and the last file of each side loads into the other side's model."""
    rng = np.random.default_rng()
    values = [float(v) for v in rng.choice(np.round(rng.uniform(0.2, 0.8, 4), 2), 6)]
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 1))
    written = {}
    for side, M in (("ours", K), ("keras", keras)):
        model = M.Sequential([M.Input(shape=(3,)), M.layers.Dense(1)])
        model.compile("sgd", "mse", metrics=["accuracy"])  # Keras' mode "auto" reads val_accuracy's direction there
        folder = tmp_path / side
        checkpoint = M.callbacks.ModelCheckpoint(str(folder / pattern), verbose=0, **options)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(x, y, epochs=6, verbose=0, callbacks=[scripted(M, values, key), checkpoint])
        written[side] = sorted(p.name for p in folder.iterdir()) if folder.exists() else []  # none may improve
        final = model.get_weights()
    assert written["ours"] == written["keras"], values
    keras_files = pattern.endswith(".keras") and written["keras"]
    loaded = K.models.load_model(tmp_path / "keras" / written["keras"][-1]) if keras_files else None
    if loaded is not None:
        assert [w.shape for w in loaded.get_weights()] == [w.shape for w in final]


def test_model_checkpoint_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        K.callbacks.ModelCheckpoint("x.keras", save_weights_only=True)
    with pytest.raises(ValueError, match=r"\.keras"):
        K.callbacks.ModelCheckpoint("x.h5")
    with pytest.raises(ValueError, match="save_freq"):
        K.callbacks.ModelCheckpoint("x.keras", save_freq=0)
    model = small_model()
    with pytest.raises(KeyError, match="val_loss"):
        model.fit(np.ones((4, 3)), np.zeros(4), verbose=0, callbacks=[K.callbacks.ModelCheckpoint("{val_loss}.keras")])


# ----------------------------------------------------------------------------- subclassed models in files
def tower_class(M, package: str):
    @M.saving.register_keras_serializable(package=package)
    class Tower(M.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden, self.top = M.layers.Dense(units, activation="tanh"), M.layers.Dense(1)

        def call(self, x, training=None):
            return self.top(self.hidden(x))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return Tower


def test_subclassed_model_trains_saves_and_loads_as_keras_trains_it(tmp_path) -> None:
    """A registered subclass with get_config: trained from Keras' weights it ends at Keras' weights,
    and our .keras file brings back a model of the same class, config and predictions."""
    rng = np.random.default_rng()
    x, y = rng.normal(size=(9, 4)), rng.normal(size=(9, 1))
    with float64_on_both_sides():
        theirs, ours = tower_class(keras, "FitExtrasK")(units=5), tower_class(K, "FitExtrasO")(units=5)
        theirs(x[:1]), ours(x[:1])
        ours.set_weights(theirs.get_weights())
        for model, M in ((ours, K), (theirs, keras)):
            model.compile(M.optimizers.SGD(0.1), loss="mse")
        kw = dict(batch_size=4, epochs=2, shuffle=False, verbose=0)
        assert_same_training(ours, theirs, ours.fit(x, y, **kw), theirs.fit(x, y, **kw))
        ours.save(tmp_path / "tower.keras")
        back = K.models.load_model(tmp_path / "tower.keras")
        assert type(back).__name__ == "Tower" and back.units == 5
        assert_close_to_scale([back.predict(x)], [theirs.predict(x, verbose=0)], FLOAT64_WEIGHT_RTOL, "predictions")


# ----------------------------------------------------------------------------- resuming from a .keras file
RESUME_OPTIMIZERS = [
    ("Adam", {"learning_rate": 0.02}),
    ("AdamW", {"learning_rate": 0.02, "weight_decay": 0.3}),
    ("Adam", {"learning_rate": 0.02, "weight_decay": 0.2}),  # Keras' decoupled decay on any optimizer: Adam's here
    ("AdamW", {"learning_rate": lambda M: M.optimizers.schedules.ExponentialDecay(0.05, 3, 0.5)}),
    ("SGD", {"learning_rate": lambda M: M.optimizers.schedules.PiecewiseConstantDecay([4, 8], [0.1, 0.05, 0.02])}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.8}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True}),
    ("Nadam", {"learning_rate": 0.01}),
    ("Adagrad", {"learning_rate": 0.1}),
]


@pytest.mark.parametrize(
    ("name", "options"), RESUME_OPTIMIZERS, ids=[f"{n}-{sorted(o)}-{i}" for i, (n, o) in enumerate(RESUME_OPTIMIZERS)]
)
def test_training_resumes_from_a_keras_file_as_if_uninterrupted_both_ways(tmp_path, name, options) -> None:
    """Two epochs, save, load, two more epochs: the weights equal Keras' four uninterrupted epochs,
    for our file loaded by us, Keras' file loaded by us, and our file loaded by Keras (a learning-rate
    schedule travels as Keras writes it: its class and arguments, and the step count)."""
    rng = np.random.default_rng()
    x, y = rng.normal(size=(12, 3)), rng.normal(size=(12, 2))
    make = lambda M: M.Sequential([M.Input(shape=(3,)), M.layers.Dense(4, activation="tanh"), M.layers.Dense(2)])  # noqa: E731
    kw = dict(batch_size=5, epochs=2, shuffle=False, verbose=0)
    with float64_on_both_sides(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = twins(make)
        for model, M in ((ours, K), (theirs, keras)):
            settings = {k: v(M) if callable(v) else v for k, v in options.items()}
            model.compile(getattr(M.optimizers, name)(**settings), loss="mse")
            model.fit(x, y, **kw)
        ours.save(tmp_path / "ours.keras")
        theirs.save(tmp_path / "theirs.keras")
        theirs.fit(x, y, **kw)  # Keras, uninterrupted: four epochs
        resumed = [K.models.load_model(tmp_path / "ours.keras"), K.models.load_model(tmp_path / "theirs.keras")]
        resumed.append(keras.models.load_model(tmp_path / "ours.keras"))
        for model in resumed:
            model.fit(x, y, **kw)
            assert int(model.optimizer.iterations) == int(theirs.optimizer.iterations) == 12
            assert_close_to_scale(
                model.get_weights(), theirs.get_weights(), FLOAT64_WEIGHT_RTOL, type(model).__module__
            )


def test_loss_objects_and_loss_weights_per_output_travel_in_keras_files_both_ways(tmp_path) -> None:
    """The total loss (weighted by loss_weights) of a model loaded from the other side's file is Keras'."""
    rng = np.random.default_rng()
    x, labels, score = rng.normal(size=(10, 4)), rng.integers(0, 3, 10), rng.normal(size=(10, 1))
    weights = {"kind": float(rng.uniform(0.2, 2)), "score": float(rng.uniform(0.2, 2))}
    with float64_on_both_sides():
        ours, theirs = twins(multi_output)
        for model, M in ((ours, K), (theirs, keras)):
            losses = {"kind": M.losses.SparseCategoricalCrossentropy(), "score": M.losses.MeanAbsoluteError()}
            model.compile(M.optimizers.SGD(0.1), loss=losses, loss_weights=weights)
            model.save(tmp_path / f"{M.__name__}.keras")
        expected = theirs.evaluate(x, [labels, score], verbose=0)[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from_ours = keras.models.load_model(tmp_path / f"{K.__name__}.keras")
        from_keras = K.models.load_model(tmp_path / f"{keras.__name__}.keras")
        assert isinstance(from_keras.heads[0].loss, K.losses.SparseCategoricalCrossentropy)
        for model in (from_ours, from_keras):
            assert model.evaluate(x, [labels, score], verbose=0)[0] == pytest.approx(expected, rel=LOG_RTOL)


def test_optimizer_settings_this_door_lacks_are_refused_when_a_keras_file_is_loaded(tmp_path) -> None:
    """Gradient clipping and moving averages have no counterpart here: a file whose optimizer uses them is
    refused by name (it once loaded without them and trained another way, silently)."""
    for setting in ({"clipnorm": 0.5}, {"global_clipnorm": 0.5}, {"clipvalue": 0.1}, {"use_ema": True}):
        model = dense_stack(2, "linear")(keras)
        model.compile(keras.optimizers.AdamW(0.01, **setting), loss="mse")
        model.save(tmp_path / "clipped.keras")
        (key, value), = setting.items()
        with pytest.raises(ValueError, match=f"Optimizer AdamW: {key}={value!r} is not supported"):
            K.models.load_model(tmp_path / "clipped.keras")


def test_adamw_arguments_and_none_gradients_as_keras() -> None:
    """AdamW refuses weight_decay=None with Keras' words; ``apply`` leaves a variable whose gradient is None
    as it is (no step, no decay) and steps the others as Keras does."""
    for M in (K, keras):
        with pytest.raises(ValueError, match=r"Argument `weight_decay` must be a float\. Received: weight_decay=None"):
            M.optimizers.AdamW(weight_decay=None)
    with float64_on_both_sides():
        ours, theirs = twins(dense_stack(2, "linear"))
        for model, M in ((ours, K), (theirs, keras)):
            opt = M.optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
            kernel, bias = model.layers[0].trainable_weights
            for _ in range(2):
                opt.apply([M.ops.convert_to_tensor(np.full(tuple(kernel.shape), 0.3)), None], [kernel, bias])
        assert_close_to_scale(ours.get_weights(), theirs.get_weights(), FLOAT64_WEIGHT_RTOL, "weights")
        np.testing.assert_array_equal(ours.get_weights()[1], 0.0)  # the first bias: never stepped
