"""``keras.callbacks.TensorBoard`` beside Keras 3's own callback.

Keras' callback cannot write here (it imports TensorFlow), but its logic can run: real Keras 3
(torch backend) trains with its real ``TensorBoard`` callback whose ``tf.summary`` is replaced by a
recorder that keeps TF 2's rules (a summary is kept only under a default writer and while the
innermost ``record_if`` condition holds). What Keras would write (directory, tag, step) is then
compared with what our callback wrote, read back by the ``tensorboard`` package's reader; the
values we wrote are compared with the History our fit returned (float32, as ``tf.summary.scalar``
stores them), and Keras' recorded values with Keras' History. Skipped without Keras or tensorboard.
"""

from __future__ import annotations

import contextlib
import os
import warnings

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import keras as K

tensorboard = pytest.importorskip("tensorboard", reason="the reference reader: pip install tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

pytestmark = KERAS_NOTICE
N, VAL, BATCH, EPOCHS = 20, 40, 4, 3  # 5 training and 10 validation batches per epoch


class RecordingSummary:
    """The part of ``tf.summary`` Keras' callback calls, recording instead of writing."""

    def __init__(self, root: str) -> None:
        self.root, self.records, self.writers, self.conditions = root, [], [], []

    def create_file_writer(self, logdir):
        summary = self

        class Writer:
            @contextlib.contextmanager
            def as_default(self, step=None):
                summary.writers.append(os.path.relpath(logdir, summary.root))
                try:
                    yield self
                finally:
                    summary.writers.pop()

            def flush(self): ...

            def close(self): ...

        return Writer()

    @contextlib.contextmanager
    def record_if(self, condition):
        self.conditions.append(condition)
        try:
            yield
        finally:
            self.conditions.pop()

    def write(self, tag, value, step):
        if not self.writers or (self.conditions and not self.conditions[-1]()):
            return False  # TF 2: nothing is written without a default writer or when not recording
        self.records.append((self.writers[-1], tag, int(np.asarray(keras.ops.convert_to_numpy(step))), value))
        return True

    def scalar(self, name, data, step=None):
        return self.write(name, float(keras.ops.convert_to_numpy(data)), step)

    def histogram(self, name, data, step=None):
        return self.write(name, np.asarray(keras.ops.convert_to_numpy(data)), step)


def data():
    rng = np.random.default_rng()
    return (rng.normal(size=(N, 3)), rng.normal(size=(N, 1)), rng.normal(size=(VAL, 3)), rng.normal(size=(VAL, 1)))


def build(lib, learning_rate=0.05):
    inputs = lib.Input((3,))
    hidden = lib.layers.Dense(4, activation="tanh", name="hidden")(inputs)
    model = lib.Model(inputs, lib.layers.Dense(1, name="out")(hidden))
    model.compile(lib.optimizers.SGD(learning_rate), "mse", metrics=["mae"])
    return model


def keras_records(tmp_path, monkeypatch, model, run, **tb_args):
    """Run ``run(model, callback)`` with Keras' callback; its records (dir, tag, step, value)."""
    from keras.src.callbacks import tensorboard as keras_tb

    recorder = RecordingSummary(str(tmp_path / "keras"))

    def model_summary(name, data, step=None):  # Keras' keras_model_summary imports TensorFlow itself
        return recorder.write(name, data.to_json(), step)

    monkeypatch.setattr(keras_tb, "keras_model_summary", model_summary)
    callback = keras.callbacks.TensorBoard(str(tmp_path / "keras"), **tb_args)
    callback._summary_module = recorder
    result = run(model, callback)
    return recorder.records, result


def our_records(log_dir):
    """Every (dir, tag, step, value) our callback wrote, read back by tensorboard's reader."""
    out = []
    for run in sorted(os.listdir(log_dir)):
        acc = EventAccumulator(os.path.join(log_dir, run), size_guidance={"tensors": 0})
        acc.Reload()
        for tag in acc.Tags()["tensors"]:
            out += [(run, tag, e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(tag)]
    return out


def keys(records):
    return sorted((run, tag, step) for run, tag, step, _ in records)


def fit_both(tmp_path, monkeypatch, **tb_args):
    x, y, vx, vy = data()

    def run(model, callback):
        return model.fit(
            x, y, batch_size=BATCH, epochs=EPOCHS, validation_data=(vx, vy), callbacks=[callback], verbose=0
        )

    theirs, keras_history = keras_records(tmp_path, monkeypatch, build(keras), run, **tb_args)
    ours_history = run(build(K), K.callbacks.TensorBoard(tmp_path / "ours", **tb_args))
    return theirs, keras_history.history, our_records(tmp_path / "ours"), ours_history.history


@pytest.mark.parametrize("update_freq", ["epoch", "batch", 5])
def test_same_directories_tags_and_steps_as_keras(tmp_path, monkeypatch, update_freq):
    theirs, keras_history, ours, history = fit_both(
        tmp_path, monkeypatch, histogram_freq=2, update_freq=update_freq, write_steps_per_second=True
    )
    assert keys(ours) == keys(theirs)
    assert sorted(os.listdir(tmp_path / "ours")) == ["train", "validation"]
    for run in ("train", "validation"):
        (name,) = os.listdir(tmp_path / "ours" / run)  # TF 2's writer's name, ending in .v2
        assert name.startswith("events.out.tfevents.") and name.endswith(".v2")
    assert all(v > 0 for _, tag, _, v in ours if tag.endswith("steps_per_second"))
    # Keras writes its History's numbers; ours writes our History's (as float32 scalars)
    for records, hist in ((theirs, keras_history), (ours, history)):
        values = {(run, tag, step): value for run, tag, step, value in records}
        for key, per_epoch in hist.items():
            run, name = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
            for epoch, v in enumerate(per_epoch):
                assert values[run, f"epoch_{name}", epoch] == np.float32(v)
            if run == "validation":  # the evaluation summary at the optimizer's step count
                for epoch, v in enumerate(per_epoch):
                    step = (epoch + 1) * N // BATCH
                    assert values[run, f"evaluation_{name}_vs_iterations", step] == np.float32(v)


def test_epoch_learning_rate_is_keras_rate_under_a_schedule(tmp_path, monkeypatch):
    x, y, _, _ = data()

    def model_with(lib):
        model = build(lib)
        schedule = lib.optimizers.schedules.ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5)
        model.compile(lib.optimizers.SGD(schedule), "mse")
        return model

    def run(model, callback):
        return model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, callbacks=[callback], verbose=0)

    theirs, _ = keras_records(tmp_path, monkeypatch, model_with(keras), run)
    run(model_with(K), K.callbacks.TensorBoard(tmp_path / "ours"))
    expected = sorted((s, v) for r, t, s, v in theirs if t == "epoch_learning_rate")
    got = sorted((s, float(v)) for r, t, s, v in our_records(tmp_path / "ours") if t == "epoch_learning_rate")
    assert [s for s, _ in got] == [s for s, _ in expected] == list(range(EPOCHS))
    # Keras evaluates the schedule in float32 (0.1 * 0.5 ** (t / 3)), the door in float64 then rounds
    # to float32: a few float32 ulps (1.2e-7 relative each) apart
    np.testing.assert_allclose([v for _, v in got], [v for _, v in expected], rtol=5e-7, atol=0)
    assert expected[0][1] != expected[-1][1]  # the rate did change


def test_evaluate_alone_writes_evaluation_summaries(tmp_path, monkeypatch):
    x, y, vx, vy = data()

    def run(model, callback):
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
        return model.evaluate(vx, vy, batch_size=BATCH, callbacks=[callback], verbose=0, return_dict=True)

    theirs, keras_logs = keras_records(tmp_path, monkeypatch, build(keras), run)
    our_logs = run(build(K), K.callbacks.TensorBoard(tmp_path / "ours"))
    ours = our_records(tmp_path / "ours")
    assert keys(ours) == keys(theirs)
    assert {t: v for _, t, _, v in ours if t.startswith("evaluation")} == {
        f"evaluation_{k}_vs_iterations": np.float32(v) for k, v in our_logs.items()
    }
    assert {t: v for _, t, _, v in theirs if t.startswith("evaluation")} == {
        f"evaluation_{k}_vs_iterations": v for k, v in keras_logs.items()
    }


def test_weight_histograms_are_tf2s_buckets_of_the_final_weights(tmp_path):
    x, y, _, _ = data()
    model = build(K)
    model.fit(
        x, y, batch_size=BATCH, epochs=1, callbacks=[K.callbacks.TensorBoard(tmp_path, histogram_freq=1)], verbose=0
    )
    tables = {t: v for r, t, s, v in our_records(tmp_path) if t.endswith("/histogram")}
    assert sorted(tables) == sorted(f"{w.path}/histogram" for w in model.weights)
    for w in model.weights:
        table, values = tables[f"{w.path}/histogram"], np.asarray(w.numpy(), np.float64).ravel()
        assert table.shape == (30, 3) and table[:, 2].sum() == values.size
        assert table[0, 0] == values.min() and table[-1, 1] == values.max()


def test_keras_drops_epoch_summaries_when_update_freq_does_not_divide_the_batches(tmp_path, monkeypatch):
    """Keras' record_if leaks into its epoch summaries (tensorboard issue #4975); ours keeps them."""
    theirs, _, ours, _ = fit_both(tmp_path, monkeypatch, update_freq=3)
    missing = set(keys(ours)) - set(keys(theirs))
    assert set(keys(theirs)) <= set(keys(ours))
    assert missing and all(tag.startswith(("epoch_", "evaluation_")) for _, tag, _ in missing)


def test_arguments_keras_checks_and_those_not_supported(tmp_path):
    with pytest.raises(ValueError, match="profile_batch=2"):
        K.callbacks.TensorBoard(tmp_path, profile_batch=2)
    with pytest.raises(ValueError, match="update_freq"):
        K.callbacks.TensorBoard(tmp_path, update_freq=0)
    with pytest.raises(ValueError, match="histogram_freq"):
        K.callbacks.TensorBoard(tmp_path, histogram_freq=-1)
    for arg in ({"write_images": True}, {"embeddings_freq": 1}):
        with pytest.warns(UserWarning, match="not supported"):
            K.callbacks.TensorBoard(tmp_path, **arg)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        K.callbacks.TensorBoard(tmp_path)  # the defaults warn about nothing
    assert not os.listdir(tmp_path)  # nothing is written before a model is set


def test_sequential_weight_histogram_tags_as_keras(tmp_path, monkeypatch):
    """A Sequential's weights are tagged under its name scope, ``sequential/hidden/kernel/histogram``
    (`tinygrad_edu.keras.name_scope`)."""
    x, y, _, _ = data()

    def model_of(lib):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2, name="hidden")])
        model.compile("sgd", "mse")
        return model

    def run(model, callback):
        return model.fit(x, y[:, [0, 0]], batch_size=BATCH, epochs=1, callbacks=[callback], verbose=0)

    theirs, _ = keras_records(tmp_path, monkeypatch, model_of(keras), run, histogram_freq=1)
    run(model_of(K), K.callbacks.TensorBoard(tmp_path / "ours", histogram_freq=1))
    assert keys(our_records(tmp_path / "ours")) == keys(theirs)
