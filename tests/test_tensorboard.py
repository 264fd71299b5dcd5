"""TensorBoard event files (`tinygrad_edu.event_file`) and the PyTorch door's `SummaryWriter`.

The expected values come from outside the code: RFC 3720's CRC-32C test vectors, the `tensorboard`
package's own reader (which checks every record's CRCs and parses the protobufs with Google's
library) and its masked CRC, and PyTorch 2.13's own ``torch.utils.tensorboard.SummaryWriter`` fed the
same calls, whose files are read back beside ours event by event. Skipped without the ``tensorboard``
package (``pip install tinygrad_edu[test]``); the PyTorch comparisons also need torch.
"""

from __future__ import annotations

import os
import re
import socket
from datetime import datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as ours_torch
from tinygrad_edu import event_file
from tinygrad_edu.utils.tensorboard import SummaryWriter

tensorboard = pytest.importorskip("tensorboard", reason="the reference reader: pip install tensorboard")
from tensorboard.backend.event_processing import event_file_loader  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.compat.proto import event_pb2  # noqa: E402
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c  # noqa: E402


def raw_events(path: str) -> list[event_pb2.Event]:
    """Every event of one file, parsed by protobuf from the records tensorboard's reader returns
    (the reader checks both CRCs of each record and raises on a mismatch)."""
    return [event_pb2.Event.FromString(b) for b in event_file_loader.RawEventFileLoader(path).Load()]


def event_files(root: str) -> dict[str, list[str]]:
    """Directory (relative to root) -> its event files, in the order they were made (time, then the
    process's writer count: the 4th and 7th dot-separated fields of the name)."""
    out = {}
    for d, _, files in os.walk(root):
        names = [f for f in files if f.startswith("events.out.tfevents.")]
        names.sort(key=lambda f: (int(f.split(".")[3]), int(f.split(".")[6])))
        if names:
            out[os.path.relpath(d, root)] = [os.path.join(d, f) for f in names]
    return out


def comparable(events: list[event_pb2.Event]) -> list[event_pb2.Event]:
    """The events without what differs by writer and clock: wall time and the writer's name."""
    out = []
    for e in events:
        e = event_pb2.Event.FromString(e.SerializeToString())
        e.ClearField("wall_time")
        e.ClearField("source_metadata")
        out.append(e)
    return out


# ------------------------------------------------------------------ the record format
def test_crc32c_matches_rfc3720_vectors():
    # RFC 3720 appendix B.4 lists the CRC bytes little-endian; the check value is from the CRC catalogue
    assert event_file.crc32c(b"123456789") == 0xE3069283
    assert event_file.crc32c(bytes(32)) == 0x8A9136AA
    assert event_file.crc32c(b"\xff" * 32) == 0x62A8AB43
    assert event_file.crc32c(bytes(range(32))) == 0x46DD794E


@given(st.binary(max_size=300))
def test_masked_crc_matches_tensorboard(data):
    assert event_file.masked_crc32c(data) == masked_crc32c(data)


def test_every_record_passes_tensorboards_crc_checks(tmp_path):
    w = event_file.EventFileWriter(tmp_path)
    for step in range(-2, 40):  # negative steps are int64 two's complement varints
        w.add_summary([event_file.simple_value(f"t{step % 3}", step / 7)], step)
    w.close()
    events = raw_events(w.path)
    assert events[0].file_version == "brain.Event:2"
    assert [e.step for e in events[1:]] == list(range(-2, 40))
    assert [e.summary.value[0].simple_value for e in events[1:]] == [np.float32(s / 7) for s in range(-2, 40)]


def test_a_flipped_byte_is_refused_by_the_reader(tmp_path):
    """The reader stops at a record whose payload CRC fails: our CRCs are what it checks."""
    w = event_file.EventFileWriter(tmp_path)
    first = os.path.getsize(w.path)  # the version record
    w.add_summary([event_file.simple_value("x", 1.0)], 1)
    w.add_summary([event_file.simple_value("x", 2.0)], 2)
    w.close()
    assert len(raw_events(w.path)) == 3
    data = bytearray(open(w.path, "rb").read())
    data[first + 12 + 3] ^= 1  # inside the payload of the first scalar's record
    open(w.path, "wb").write(bytes(data))
    assert len(raw_events(w.path)) == 1


def test_queue_is_bounded_and_flushed(tmp_path):
    w = event_file.EventFileWriter(tmp_path, max_queue=3, flush_secs=3600)
    size = os.path.getsize(w.path)  # the version event is written at once
    w.add_summary([event_file.simple_value("x", 1.0)], 1)
    w.add_summary([event_file.simple_value("x", 2.0)], 2)
    assert os.path.getsize(w.path) == size  # queued
    w.add_summary([event_file.simple_value("x", 3.0)], 3)
    assert os.path.getsize(w.path) > size  # the third fills the queue: appended
    w.add_summary([event_file.simple_value("x", 4.0)], 4)
    del w  # never closed: collected, the finalizer writes the rest
    (path,) = event_files(str(tmp_path))["."]
    assert [e.step for e in raw_events(path)[1:]] == [1, 2, 3, 4]


def test_writer_checks_its_arguments(tmp_path):
    with pytest.raises(ValueError, match="max_queue"):
        event_file.EventFileWriter(tmp_path, max_queue=-1)
    with pytest.raises(ValueError, match="flush_secs"):
        event_file.EventFileWriter(tmp_path, flush_secs=float("nan"))
    w = event_file.EventFileWriter(tmp_path)
    with pytest.raises(TypeError, match="global_step must be an integer"):
        w.add_summary([], 1.5)
    w.close()
    w.close()  # twice: nothing
    with pytest.raises(ValueError, match="closed event file"):
        w.add_summary([], 1)


def test_tf2_histogram_matches_tensorboards_reference(tmp_path):
    """tensorboard's ``histogram_pb`` is the numpy twin of ``tf.summary.histogram``'s buckets."""
    from tensorboard.plugins.histogram.summary_v2 import histogram_pb
    from tensorboard.util import tensor_util

    cases = [np.random.default_rng().normal(size=(7, 5)), np.full(4, 2.5), np.arange(3.0), np.zeros(0)]
    for data in cases:
        expected = tensor_util.make_ndarray(histogram_pb("h", data).value[0].tensor)
        np.testing.assert_allclose(event_file.histogram_buckets(data), expected, rtol=1e-15, atol=0)


# ------------------------------------------------------------------ SummaryWriter beside PyTorch's
try:
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch's own writer is the reference: pip install torch")


def write_both(tmp_path, calls, **kwargs):
    """Run the same calls on PyTorch's SummaryWriter and on ours; their directories."""
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    dirs = {}
    for name, cls, tensor in (("torch", TorchWriter, torch.tensor), ("ours", SummaryWriter, ours_torch.tensor)):
        dirs[name] = str(tmp_path / name)
        with cls(dirs[name], **kwargs) as writer:
            calls(writer, tensor)
    return dirs


def assert_same_files(dirs, suffix=""):
    theirs, ours = event_files(dirs["torch"]), event_files(dirs["ours"])
    assert sorted(theirs) == sorted(ours)
    for run in theirs:
        assert len(theirs[run]) == len(ours[run])
        for a, b in zip(theirs[run], ours[run], strict=True):
            host, pid = re.escape(socket.gethostname()), os.getpid()
            pattern = rf"events\.out\.tfevents\.\d{{10}}\.{host}\.{pid}\.\d+{re.escape(suffix)}"
            assert re.fullmatch(pattern, os.path.basename(b))
            assert comparable(raw_events(b)) == comparable(raw_events(a)), run


@needs_torch
def test_scalars_as_pytorch_writes_them(tmp_path):
    def calls(w, tensor):
        for step in range(5):
            w.add_scalar("Loss/train", 1.0 / (step + 1), step)
            w.add_scalar("Loss/test", tensor(0.5 * step), step)  # a 0-d tensor
            w.add_scalar("Accuracy", tensor([step / 3]), global_step=step)  # one element
        w.add_scalar("no step", 3)
        w.add_scalar("nan", float("nan"), 9)  # TensorBoard keeps NaN and inf
        w.add_scalar("inf", float("-inf"), 9)
        w.add_scalar("big step", np.float64(2.0), 2**40)
        w.add_scalar("walltime", 1.0, 1, walltime=1234.5)

    dirs = write_both(tmp_path, calls)
    assert_same_files(dirs)
    acc = EventAccumulator(dirs["ours"])
    acc.Reload()
    assert [(e.step, e.value) for e in acc.Scalars("Loss/train")] == [(s, np.float32(1 / (s + 1))) for s in range(5)]
    assert acc.Scalars("walltime")[0].wall_time == 1234.5


@needs_torch
def test_add_scalars_makes_pytorchs_run_directories(tmp_path):
    def calls(w, tensor):
        for step in range(3):
            w.add_scalars("run/14h", {"xsinx": step * np.sin(step), "xcosx": tensor(step * np.cos(step))}, step)

    dirs = write_both(tmp_path, calls)
    assert sorted(event_files(dirs["ours"])) == [".", "run_14h_xcosx", "run_14h_xsinx"]
    assert_same_files(dirs)


@needs_torch
def test_histograms_as_pytorch_writes_them(tmp_path):
    data = np.random.default_rng().normal(size=(40, 30))

    def calls(w, tensor):
        w.add_histogram("default bins", tensor(data), 0)
        w.add_histogram("positive", np.abs(data) + 1, 1)
        w.add_histogram("one value", np.full(5, 3.0), 2)
        w.add_histogram("count bins", data, 3, bins=17)
        w.add_histogram("auto bins", data.ravel(), 4, bins="auto", max_bins=9)
        w.add_histogram("edges", data, 5, bins=[-1.0, 0.0, 0.5, 2.0])

    assert_same_files(write_both(tmp_path, calls))


@needs_torch
def test_purge_step_and_reopen_after_close(tmp_path):
    def calls(w, tensor):
        w.add_scalar("x", 1.0, 6)
        w.flush()
        w.close()
        w.add_scalar("x", 2.0, 7)  # PyTorch opens a new file after close

    dirs = write_both(tmp_path, calls, purge_step=5, filename_suffix=".sfx")
    assert len(event_files(dirs["ours"])["."]) == 2
    assert_same_files(dirs, ".sfx")


@needs_torch
def test_default_log_dir_is_pytorchs(tmp_path, monkeypatch):
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    monkeypatch.chdir(tmp_path)
    for cls in (TorchWriter, SummaryWriter):
        with cls(comment="_lr0.1") as w:
            name = os.path.relpath(w.get_logdir(), "runs")
            stamp, rest = name[:14], name[14:]
            assert (
                abs((datetime.strptime(stamp, "%b%d_%H-%M-%S") - datetime.now().replace(year=1900)).total_seconds())
                < 60
            )
            assert rest == f"_{socket.gethostname()}_lr0.1"
    assert len(os.listdir("runs")) in (1, 2)  # the same name unless the second changed in between


@needs_torch
def test_bad_input_is_refused_with_a_clear_error(tmp_path):
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    with TorchWriter(str(tmp_path / "torch")) as w:  # PyTorch refuses a non-scalar too (AssertionError)
        with pytest.raises(AssertionError, match="one element"):
            w.add_scalar("x", torch.ones(2), 0)
    with SummaryWriter(tmp_path / "ours") as w:
        with pytest.raises(ValueError, match=r"add_scalar: the value should contain one number.*shape \(2,\)"):
            w.add_scalar("x", ours_torch.ones(2), 0)
        with pytest.raises(TypeError, match="a tag must be a str"):
            w.add_scalar(3, 1.0)
        with pytest.raises(ValueError, match="NaN or infinite"):
            w.add_histogram("h", np.array([1.0, np.nan]))
        with pytest.raises(ValueError, match="no element"):
            w.add_histogram("h", np.zeros(0))
        with pytest.raises(TypeError, match="tag_scalar_dict must be a dict"):
            w.add_scalars("m", [1.0])
        with pytest.raises(NotImplementedError, match="add_image is not available"):
            w.add_image("img", np.zeros((3, 2, 2)))
        with pytest.raises(AttributeError):
            w.no_such_method  # noqa: B018
    assert raw_events(event_files(str(tmp_path / "ours"))["."][0])[1:] == []  # nothing half-written


# ------------------------------------------------------------------ what TensorBoard's app sees
def test_tensorboards_data_provider_sees_every_plugin(tmp_path):
    """The data provider behind TensorBoard's web app lists the Keras callback's and SummaryWriter's
    summaries under the plugins that draw them, with the History's values."""
    from tensorboard import context
    from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer

    from tinygrad_edu import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    tb = keras.callbacks.TensorBoard(tmp_path / "keras", histogram_freq=1)
    rng = np.random.default_rng()
    history = model.fit(rng.normal(size=(8, 3)), rng.normal(size=(8, 1)), epochs=2, validation_split=0.25,
                        callbacks=[tb], verbose=0)  # fmt: skip
    with SummaryWriter(tmp_path / "torch") as w:
        w.add_scalar("a", 1.0, 0)
        w.add_histogram("h", np.arange(5.0), 0)
    mux = plugin_event_multiplexer.EventMultiplexer()
    mux.AddRunsFromDirectory(str(tmp_path))
    mux.Reload()
    provider, ctx = data_provider.MultiplexerDataProvider(mux, str(tmp_path)), context.RequestContext()

    def listed(kind, plugin):
        found = getattr(provider, f"list_{kind}")(ctx, experiment_id="", plugin_name=plugin)
        return {run: sorted(tags) for run, tags in found.items()}

    assert listed("scalars", "scalars") == {
        "keras/train": ["epoch_learning_rate", "epoch_loss"],
        "keras/validation": ["epoch_loss", "evaluation_loss_vs_iterations"],
        "torch": ["a"],
    }
    assert listed("tensors", "histograms") == {"keras/train": sorted(f"{w.path}/histogram" for w in model.weights),
                                               "torch": ["h"]}  # fmt: skip
    assert listed("blob_sequences", "graph_keras_model") == {"keras/train": ["keras"]}
    data = provider.read_scalars(ctx, experiment_id="", plugin_name="scalars", downsample=10)
    assert [d.value for d in data["keras/train"]["epoch_loss"]] == [np.float32(v) for v in history.history["loss"]]


def test_keras_callback_skips_a_weight_holding_nan(tmp_path):
    from tinygrad_edu import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.layers[0].weights[0].assign(np.array([[np.nan], [1.0]]))
    tb = keras.callbacks.TensorBoard(tmp_path, histogram_freq=1)
    tb.set_model(model)  # the hooks fit calls, without a step that would spread the NaN to the bias
    tb.on_train_begin()
    with pytest.warns(UserWarning, match="sequential/dense/kernel/histogram holds NaN or inf at epoch 0"):
        tb.on_epoch_end(0, {"loss": 1.0})
    tb.on_train_end()
    acc = EventAccumulator(str(tmp_path / "train"))
    acc.Reload()
    tags = acc.Tags()["tensors"]
    assert "sequential/dense/bias/histogram" in tags and "sequential/dense/kernel/histogram" not in tags


@needs_torch
def test_pytorch_recipe_tensorboard_with_pytorch(tmp_path, monkeypatch):
    """PyTorch's recipe "How to use TensorBoard with PyTorch" (a line fitted by SGD, its loss logged each
    epoch to the default ``runs/`` directory), run with torch and with ``import tinygrad_edu as torch``
    from the same data and weights: the same tags and steps and the same losses. The run is in float64
    (``model.double()``), so the two trajectories agree to about 1e-13 and not only to float32 rounding
    compounded over ten steps (CI once saw 1.07e-5 relative at step 8 in float32)."""
    import torch.utils.tensorboard

    import tinygrad_edu.utils.tensorboard

    rng = np.random.default_rng()
    x_np = np.arange(-5, 5, 0.1).reshape(-1, 1)
    y_np = -5 * x_np + 0.1 * rng.normal(size=x_np.shape)
    w0, b0 = rng.uniform(-1, 1, size=(1, 1)), rng.uniform(-1, 1, size=1)

    def recipe(lib, writer_module, where):
        monkeypatch.chdir(tmp_path / where)
        writer = writer_module.SummaryWriter()
        x, y = lib.tensor(x_np), lib.tensor(y_np)
        model = lib.nn.Linear(1, 1).double()
        with lib.no_grad():
            model.weight.copy_(lib.tensor(w0))
            model.bias.copy_(lib.tensor(b0))
        criterion = lib.nn.MSELoss()
        optimizer = lib.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(10):
            loss = criterion(model(x), y)
            writer.add_scalar("Loss/train", loss, epoch)  # a tensor that requires grad, as in the recipe
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        writer.flush()
        writer.close()
        (run,) = os.listdir("runs")
        acc = EventAccumulator(os.path.join("runs", run))
        acc.Reload()
        return [(e.step, e.value) for e in acc.Scalars("Loss/train")]

    for where in ("torch", "ours"):
        (tmp_path / where).mkdir()
    theirs = recipe(torch, torch.utils.tensorboard, "torch")
    ours = recipe(ours_torch, tinygrad_edu.utils.tensorboard, "ours")
    assert [s for s, _ in ours] == [s for s, _ in theirs] == list(range(10))
    # float64 losses agree to ~1e-13; the event file stores each as float32, which may then differ by one
    # float32 ulp (6e-8 relative) where a loss sits at a rounding boundary
    np.testing.assert_allclose([v for _, v in ours], [v for _, v in theirs], rtol=2e-7)
