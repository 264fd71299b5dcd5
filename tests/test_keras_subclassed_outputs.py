"""A subclassed model of several outputs, and Keras 3's ``model.metrics``, beside real Keras 3.

*Deep Learning with Python* (3rd ed.), chapter 7's ``CustomerTicketModel``: ``call`` takes a dict of
inputs and returns a tuple of two outputs, compiled with a list of losses and a list of metric lists,
then fit/evaluate/predict on a dict x and a list y. Keras builds its compiled loss and metrics at the
first step from the predictions (a subclassed model's outputs have no names: each output's loss logs
as ``<loss name>_loss``, its metrics unprefixed); ``model.metrics`` is the loss tracker, the
compile_metrics container (when compile got metrics) and, once built, a tracker per output's loss;
``evaluate``'s list follows that order. Keras' quirks are matched too: two losses of one name log
once and come twice in evaluate's list; a metric name met twice becomes ``accuracy_1``; a compile
without metrics keeps the earlier metrics.

The models get Keras' weights and train with SGD(0), so every log is a mean of float32 batch values
on both sides: rtol 1e-5 covers the float32 rounding of a few sums in another order. One real step
(SGD 0.1) checks the gradient of the weighted sum of the outputs' losses, to the same tolerance (one
step of float32 arithmetic, no trajectory).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from contextlib import redirect_stdout

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import keras as K

pytestmark = KERAS_NOTICE
RNG = np.random.default_rng
N = 24


def ticket_model(M, dict_inputs: bool = True):
    class CustomerTicketModel(M.Model):
        def __init__(self, num_departments):
            super().__init__()
            self.concat_layer = M.layers.Concatenate()
            self.mixing_layer = M.layers.Dense(8, activation="relu")
            self.priority_scorer = M.layers.Dense(1, activation="sigmoid")
            self.department_classifier = M.layers.Dense(num_departments, activation="softmax")

        def call(self, inputs):
            title, text_body, tags = (inputs["title"], inputs["text_body"], inputs["tags"]) if dict_inputs else inputs
            features = self.mixing_layer(self.concat_layer([title, text_body, tags]))
            return self.priority_scorer(features), self.department_classifier(features)

    return CustomerTicketModel(num_departments=4)


def ticket_data(rng, dict_inputs: bool = True):
    arrays = [rng.integers(0, 2, (N, d)).astype("float32") for d in (5, 6, 3)]
    x = dict(zip(("title", "text_body", "tags"), arrays)) if dict_inputs else arrays
    return x, [rng.random((N, 1)).astype("float32"), rng.integers(0, 4, (N, 1))]


def synced_pair(x, dict_inputs: bool = True):
    """Both models called once on x (the chapter does), ours given Keras' weights."""
    theirs, ours = ticket_model(keras, dict_inputs), ticket_model(K, dict_inputs)
    theirs(x)
    ours(x)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def assert_logs_equal(ours: dict, theirs: dict) -> None:
    assert list(ours) == list(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, err_msg=key)


CHAPTER = (["mean_squared_error", "sparse_categorical_crossentropy"], [["mean_absolute_error"], ["accuracy"]])


@pytest.mark.parametrize(
    "loss, metrics",
    [
        CHAPTER,
        (["mse", "mse"], None),  # two losses of one name: one log, two trackers
        (["mean_squared_error", "sparse_categorical_crossentropy"], [["accuracy"], ["accuracy"]]),  # accuracy_1
        ([None, "sparse_categorical_crossentropy"], [["mae"], ["accuracy"]]),  # one loss: no per-output trackers
    ],
)
def test_the_ticket_model_fits_evaluates_and_predicts_as_keras(loss, metrics) -> None:
    x, y = ticket_data(RNG())
    y[0] = np.round(y[0])  # 0/1 priorities: Keras' binary accuracy compares float targets unrounded
    ours, theirs = synced_pair(x)
    results = {}
    for name, M, model in (("ours", K, ours), ("keras", keras, theirs)):
        model.compile(optimizer=M.optimizers.SGD(0.0), loss=loss, metrics=metrics)
        before = model.metrics_names
        history = model.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0).history
        results[name] = (
            before,
            model.metrics_names,
            history,
            model.evaluate(x, y, batch_size=7, verbose=0),
            model.evaluate(x, y, batch_size=7, verbose=0, return_dict=True),
            model.predict(x, batch_size=5, verbose=0),
        )
    (b_o, a_o, h_o, e_o, d_o, p_o), (b_k, a_k, h_k, e_k, d_k, p_k) = results["ours"], results["keras"]
    assert (b_o, a_o) == (b_k, a_k)
    assert sorted(h_o) == sorted(h_k)
    for key in h_k:
        np.testing.assert_allclose(h_o[key], h_k[key], rtol=1e-5, err_msg=key)
    assert_logs_equal(d_o, d_k)
    assert len(e_o) == len(e_k)
    np.testing.assert_allclose(e_o, e_k, rtol=1e-5)  # Keras' order, duplicates included
    assert type(p_o) is type(p_k) is tuple
    for a, b in zip(p_o, p_k):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dict_inputs", [True, False])
def test_one_step_on_the_weighted_sum_of_the_losses_matches_keras(dict_inputs: bool) -> None:
    """A model never called before compile builds at fit (as Keras); then one SGD step on the
    loss Σ wᵢ·lossᵢ gives Keras' weights, and x may be a dict or a list of arrays."""
    x, y = ticket_data(RNG(), dict_inputs)
    theirs, ours = ticket_model(keras, dict_inputs), ticket_model(K, dict_inputs)
    for M, model in ((keras, theirs), (K, ours)):
        model.compile(M.optimizers.SGD(0.0), loss=CHAPTER[0], loss_weights=[2.0, 0.5], metrics=CHAPTER[1])
        model.fit(x, y, batch_size=N, epochs=1, verbose=0)  # builds, changes nothing
    ours.set_weights(theirs.get_weights())
    for M, model in ((keras, theirs), (K, ours)):
        model.compile(M.optimizers.SGD(0.1), loss=CHAPTER[0], loss_weights=[2.0, 0.5], metrics=CHAPTER[1])
        model.fit(x, y, batch_size=N, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert_logs_equal(
        ours.evaluate(x, y, verbose=0, return_dict=True), theirs.evaluate(x, y, verbose=0, return_dict=True)
    )


def test_a_dict_of_losses_for_unnamed_outputs_is_a_type_error_as_keras() -> None:
    """Keras 3 fails with an internal TypeError (its output names are None); ours names the cause."""
    x, y = ticket_data(RNG())
    for model in synced_pair(x):
        model.compile("sgd", loss={"priority": "mse", "department": "sparse_categorical_crossentropy"})
        with pytest.raises(TypeError):
            model.fit(x, y, verbose=0)
    ours = synced_pair(x)[0]
    ours.compile("sgd", loss={"a": "mse"})
    with pytest.raises(TypeError, match=r"outputs .* have no names"):
        ours.fit(x, y, verbose=0)


def test_inputs_of_different_lengths_are_a_value_error_as_keras() -> None:
    x, y = ticket_data(RNG())
    x["tags"] = x["tags"][:-1]
    for model in synced_pair({k: v[:2] for k, v in x.items()}):
        model.compile("sgd", loss=CHAPTER[0])
        with pytest.raises(ValueError):
            model.fit(x, y, verbose=0)


def single_output(M):
    inputs = M.Input((6,))
    hidden = M.layers.Dense(5, activation="relu")(inputs)
    outputs = M.layers.Dense(3, activation="softmax")(hidden)

    class CustomModel(M.Model):
        def test_step(self, data):  # the chapter's train_step loop over self.metrics, without the update
            inputs, targets = data
            predictions = self(inputs, training=False)
            loss = self.compute_loss(x=inputs, y=targets, y_pred=predictions)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(targets, predictions)
            return {m.name: m.result() for m in self.metrics}

    return CustomModel(inputs, outputs)


def final_line(text: str) -> list[str]:
    return re.findall(r" - (\w+): ", text.split("\r")[-1])


def test_model_metrics_and_a_loop_over_them_as_keras() -> None:
    """``model.metrics`` is [loss, compile_metrics]; a step returning ``{m.name: m.result()}`` logs
    compile_metrics' keys before ``loss`` (Keras sorts the top-level keys, then spreads the dict)."""
    rng = RNG()
    x, y = rng.normal(size=(N, 6)).astype("float32"), rng.integers(0, 3, N)
    theirs, ours = single_output(keras), single_output(K)
    ours.set_weights(theirs.get_weights())
    seen = {}
    for name, M, model in (("ours", K, ours), ("keras", keras, theirs)):
        model.compile(
            optimizer="adam",
            loss=M.losses.SparseCategoricalCrossentropy(),
            metrics=[M.metrics.SparseCategoricalAccuracy()],
        )
        names = [(m.name, type(m).__name__) for m in model.metrics]
        with pytest.raises(ValueError, match="not yet been built"):
            model.metrics[1].result()
        out = io.StringIO()
        with redirect_stdout(out):
            logs = model.evaluate(x, y, batch_size=8, return_dict=True)
        seen[name] = (names, final_line(out.getvalue()), logs, model.metrics_names)
    (n_o, line_o, logs_o, after_o), (n_k, line_k, logs_k, after_k) = seen["ours"], seen["keras"]
    assert n_o == n_k == [("loss", "Mean"), ("compile_metrics", "CompileMetrics")]
    assert line_o == line_k == ["sparse_categorical_accuracy", "loss"]
    assert after_o == after_k
    assert_logs_equal(logs_o, logs_k)


def test_without_metrics_model_metrics_is_the_loss_tracker_alone_as_keras() -> None:
    x, y = ticket_data(RNG())
    for M, model in zip((K, keras), synced_pair(x)):
        model.compile("sgd", loss=CHAPTER[0])
        assert model.metrics_names == ["loss"]
        model.evaluate(x, y, verbose=0)
        expected = ["loss", "mean_squared_error_loss", "sparse_categorical_crossentropy_loss"]
        assert model.metrics_names == expected, M.__name__


def test_a_compile_without_metrics_keeps_the_earlier_ones_as_keras_3_15() -> None:
    """keras.io's training guide recompiles a model with a new loss and no metrics; Keras 3.15 keeps
    the metrics of the earlier compile (its CompileMetrics is made only when compile gets some)."""
    x, y = ticket_data(RNG())
    keys = []
    for M, model in zip((K, keras), synced_pair(x)):
        model.compile(M.optimizers.SGD(0.0), loss=CHAPTER[0], metrics=CHAPTER[1])
        model.compile(M.optimizers.SGD(0.0), loss=["mae", "sparse_categorical_crossentropy"])
        keys.append(model.evaluate(x, y, verbose=0, return_dict=True))
    assert list(keys[0]) == list(keys[1])
    assert "mean_absolute_error" in keys[1] and "mae_loss" in keys[1]
    assert_logs_equal(*keys)


def dict_outputs(M):
    class TwoHeads(M.Model):
        def __init__(self):
            super().__init__()
            self.mixing_layer = M.layers.Dense(8, activation="relu")
            self.priority_scorer = M.layers.Dense(1, activation="sigmoid")
            self.department_classifier = M.layers.Dense(4, activation="softmax")

        def call(self, inputs):
            features = self.mixing_layer(inputs)
            return {"priority": self.priority_scorer(features), "department": self.department_classifier(features)}

    return TwoHeads()


@pytest.mark.parametrize(
    "loss, metrics",
    [
        ({"priority": "mse", "department": "sparse_categorical_crossentropy"}, {"priority": ["mae"]}),
        ({"department": "sparse_categorical_crossentropy", "priority": "mse"}, {"department": ["accuracy"]}),
    ],
)
def test_a_call_that_returns_a_dict_logs_by_its_keys_as_keras(loss, metrics) -> None:
    """Outputs named by the dict's keys (sorted, as Keras flattens a dict: a list y goes in that
    order): ``<key>_loss`` and ``<key>_<metric>``; the loss trackers in the loss dict's order
    (evaluate's list follows it); predict returns the dict."""
    rng = RNG()
    x = rng.normal(size=(N, 5)).astype("float32")
    y = {"priority": rng.random((N, 1)).astype("float32"), "department": rng.integers(0, 4, (N, 1))}
    theirs, ours = dict_outputs(keras), dict_outputs(K)
    theirs(x)
    ours(x)
    ours.set_weights(theirs.get_weights())
    results = []
    for M, model in ((K, ours), (keras, theirs)):
        model.compile(M.optimizers.SGD(0.0), loss=loss, metrics=metrics)
        history = model.fit(x, y, batch_size=10, epochs=1, shuffle=False, verbose=0).history
        by_list = model.evaluate(x, [y["department"], y["priority"]], verbose=0, return_dict=True)
        evaluated = model.evaluate(x, y, batch_size=7, verbose=0)
        results.append((model.metrics_names, history, evaluated, model.predict(x, verbose=0), by_list))
    (names_o, h_o, e_o, p_o, l_o), (names_k, h_k, e_k, p_k, l_k) = results
    assert names_o == names_k
    assert_logs_equal(l_o, l_k)
    assert_logs_equal({k: h_o[k] for k in sorted(h_o)}, {k: h_k[k] for k in sorted(h_k)})
    np.testing.assert_allclose(e_o, e_k, rtol=1e-5)
    assert isinstance(p_o, dict) and sorted(p_o) == sorted(p_k)
    for key in p_k:
        np.testing.assert_allclose(p_o[key], p_k[key], rtol=1e-5, atol=1e-7)


def classifier(M):
    class Classifier(M.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = M.layers.Dense(3, activation="softmax")

        def call(self, inputs):
            return self.dense(inputs)

    return Classifier()


def test_a_subclassed_model_saved_before_it_runs_keeps_its_compiled_metrics_as_keras(tmp_path) -> None:
    """Its outputs are unknown until the first step, but the .keras file's compile_config records
    the metrics compile got, as Keras' does."""
    configs = []
    for name, M in (("ours", K), ("keras", keras)):
        model = classifier(M)
        model(np.zeros((2, 4), "float32"))  # built, but no step has run
        model.compile("adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.save(tmp_path / f"{name}.keras")
        with zipfile.ZipFile(tmp_path / f"{name}.keras") as archive:
            configs.append(json.loads(archive.read("config.json"))["compile_config"])
    assert configs[0]["metrics"] == configs[1]["metrics"] == ["accuracy"]


def tracked(M):
    class Tracked(M.Model):
        def __init__(self):
            super().__init__()
            self.dense = M.layers.Dense(2)
            self.mae_metric = M.metrics.MeanAbsoluteError(name="mae")

        def call(self, inputs):
            return self.dense(inputs)

        def train_step(self, data):  # no update: both sides keep Keras' weights, only the logging differs
            inputs, targets = data
            loss = self.compute_loss(y=targets, y_pred=self(inputs, training=True))
            self.loss_tracker.update_state(loss)
            return {"my_loss": self.loss_tracker.result()}

    return Tracked()


def test_metrics_set_as_attributes_join_model_metrics_and_reset_each_epoch_as_keras() -> None:
    """Keras tracks Metric attributes: ``model.metrics`` lists them after the compiled ones, and fit
    resets them at each epoch (a train_step's own loss tracker logs each epoch's mean)."""
    rng = RNG()
    x, y = rng.normal(size=(N, 3)).astype("float32"), rng.normal(size=(N, 2)).astype("float32")
    theirs, ours = tracked(keras), tracked(K)
    names = {}
    for M, model in ((K, ours), (keras, theirs)):
        names[M] = [model.metrics_names]
        model.loss_tracker = M.metrics.Mean(name="my_loss")  # before the build, as Keras requires
        names[M].append(model.metrics_names)
        model(x)
    ours.set_weights(theirs.get_weights())
    seen = []
    for M, model in ((K, ours), (keras, theirs)):
        model.compile(M.optimizers.SGD(0.0), loss="mse", metrics=["mae"])
        names[M].append(model.metrics_names)
        history = model.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0).history
        seen.append((names[M], history))
    (names_o, h_o), (names_k, h_k) = seen
    assert names_o == names_k == [["mae"], ["mae", "my_loss"], ["loss", "compile_metrics", "mae", "my_loss"]]
    assert list(h_o) == list(h_k) == ["my_loss"]
    np.testing.assert_allclose(h_o["my_loss"], h_k["my_loss"], rtol=1e-5)
