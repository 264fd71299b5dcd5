"""The Keras door under bad input and faults (issue 12): a failed save never changes the file that was
there, a truncated, corrupted or hostile weights file gives the documented ValueError without
allocating what its header claims, duplicate layer names and a reused optimizer are errors as in
Keras, and a one-sample last batch trains through BatchNormalization as in Keras."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import numpy as np
import pytest

from tinygrad_edu import keras as K
from tinygrad_edu.keras import layers as L


def small_model(name: str = "sequential") -> K.Sequential:
    return K.Sequential(
        [K.Input(shape=(6,)), L.Dense(5, name="hidden"), L.BatchNormalization(), L.Dense(2, name="out")], name
    )


def saved(tmp_path) -> tuple[K.Sequential, str]:
    model = small_model()
    model.set_weights([np.full(w.shape, i + 0.5, np.float32) for i, w in enumerate(model.get_weights())])
    model.save_weights(tmp_path / "w.npz")
    return model, str(tmp_path / "w.npz")


# ----------------------------------------------------------------------------- atomic save
def test_a_save_that_fails_midway_leaves_the_old_file(tmp_path, monkeypatch) -> None:
    model, path = saved(tmp_path)
    good = open(path, "rb").read()
    real_savez = np.savez

    def savez_then_fail(file, **arrays):
        real_savez(file, **dict(list(arrays.items())[:2]))  # part of the data is written ...
        raise OSError("No space left on device")  # ... then the disk fills up

    monkeypatch.setattr(np, "savez", savez_then_fail)
    model.set_weights([w * 0 for w in model.get_weights()])
    with pytest.raises(OSError, match="No space left"):
        model.save_weights(path)
    assert open(path, "rb").read() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.npz"]  # no temporary file left behind
    monkeypatch.undo()
    fresh = small_model()
    fresh.load_weights(path)
    assert [float(w.flat[0]) for w in fresh.get_weights()] == [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]


def test_a_weights_h5_save_that_fails_midway_leaves_the_old_file(tmp_path, monkeypatch) -> None:
    pytest.importorskip("h5py", reason=".weights.h5 files need h5py")
    from tinygrad_edu.keras.models import weights_file

    model, path = small_model(), tmp_path / "m.weights.h5"
    model.save_weights(path)
    good = path.read_bytes()

    def write_then_fail(model, f, extra=None):
        f.write(b"\x89HDF\r\n")  # part of a file is written ...
        raise OSError("No space left on device")  # ... then the disk fills up

    monkeypatch.setattr(weights_file, "write_h5", write_then_fail)
    with pytest.raises(OSError, match="No space left"):
        model.save_weights(path)
    assert path.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.weights.h5"]  # no temporary file left behind


def test_save_weights_into_a_folder_is_a_clear_error(tmp_path) -> None:
    (tmp_path / "w.npz").mkdir()
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        small_model().save_weights(tmp_path / "w.npz")


# ----------------------------------------------------------------------------- bounded, pickle-free loading
def npy_bytes(shape: tuple, dtype: str = "<f4", body: bytes = b"") -> bytes:
    """A .npy member whose header claims ``shape`` but which holds only ``body``."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue() + body


def test_a_header_claiming_40_gb_is_refused_without_allocating(tmp_path) -> None:
    model, path = saved(tmp_path)
    hostile = tmp_path / "hostile.npz"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(hostile, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "layers/dense/vars/0.npy":
                data = npy_bytes((100_000, 100_000), body=b"\0" * 64)  # 40 GB claimed, 64 bytes present
            dst.writestr(info, data)
    before = model.get_weights()
    tracemalloc.start()
    with pytest.raises(ValueError, match=r"layers/dense/vars/0: \(100000, 100000\) vs \(6, 5\)"):
        model.load_weights(hostile)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10_000_000  # far below the 40 GB the header claims
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)  # nothing loaded


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.99])
def test_a_truncated_file_is_a_value_error(tmp_path, cut: float) -> None:
    _, path = saved(tmp_path)
    data = open(path, "rb").read()
    (tmp_path / "cut.npz").write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(ValueError, match="is not a weights file saved by save_weights"):
        small_model().load_weights(tmp_path / "cut.npz")


def test_flipped_bytes_and_short_members_are_value_errors(tmp_path) -> None:
    _, path = saved(tmp_path)
    data = bytearray(open(path, "rb").read())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("layers/dense_1/vars/1.npy")
    offset = info.header_offset + 30 + len(info.filename) + 128 + 2  # inside that member's array data
    data[offset] ^= 0xFF
    (tmp_path / "flipped.npz").write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"not a weights file.*CRC"):
        small_model().load_weights(tmp_path / "flipped.npz")
    short = tmp_path / "short.npz"
    with zipfile.ZipFile(short, "w") as z:
        z.writestr("layers/dense_1/vars/1.npy", npy_bytes((2,), body=b"\0" * 4))  # 2 floats claimed, 1 present
    with pytest.raises(ValueError, match=r"layers/dense_1/vars/1: truncated, 4 of 8 bytes"):
        small_model().load_weights(short)


@pytest.mark.parametrize(
    ("member", "data", "message"),
    [
        ("layers/dense/vars/1.npy", npy_bytes((5,), dtype="|O", body=b"\0" * 40), "expected numbers, got dtype object"),
        ("layers/dense/vars/1.npy", b"not an npy file at all", "the magic string is not correct"),
        ("notes.txt", b"hello", "'notes.txt' is not a .npy array"),
    ],
)
def test_hostile_members_are_value_errors(tmp_path, member: str, data: bytes, message: str) -> None:
    path = tmp_path / "bad.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(member, data)
    with pytest.raises(ValueError, match=message):
        small_model().load_weights(path)


def test_not_a_zip_and_missing_file(tmp_path) -> None:
    (tmp_path / "text.npz").write_text("weights")
    with pytest.raises(ValueError, match="not a weights file"):
        small_model().load_weights(tmp_path / "text.npz")
    with pytest.raises(FileNotFoundError, match="no such file"):
        small_model().load_weights(tmp_path / "absent.npz")


def test_a_fortran_ordered_member_loads_in_the_right_order(tmp_path) -> None:
    model, path = saved(tmp_path)
    kernel = np.arange(30, dtype=np.float32).reshape(6, 5)  # Keras layout (in, out)
    state = dict(np.load(path))
    state["layers/dense/vars/0"] = np.asfortranarray(kernel)
    np.savez(tmp_path / "f.npz", **state)
    model.load_weights(tmp_path / "f.npz")
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], kernel)


# ----------------------------------------------------------------------------- names, optimizers, batches of one
def test_duplicate_layer_names_are_refused_as_in_keras(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"All layers added to a Sequential model should have unique names\. Name 'd'"):
        K.Sequential([L.Dense(2, name="d", input_shape=(3,)), L.Dense(2, name="d")])
    model = K.Sequential([L.Dense(2, name="a", input_shape=(3,)), L.Dense(2, name="b")])
    model.layers[1].name = "a"  # renamed after adding: Keras 3 keys weights by position, not by name
    model.save_weights(tmp_path / "w.npz")
    fresh = K.Sequential([L.Dense(2, name="x", input_shape=(3,)), L.Dense(2, name="y")])
    fresh.load_weights(tmp_path / "w.npz")
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_an_optimizer_reused_for_a_second_model_is_refused_as_in_keras() -> None:
    """Keras 3 raises "This optimizer can only be called for the variables it was originally built
    with"; before, ours kept stepping the first model's weights and trained nothing."""
    x, y = np.random.default_rng(0).normal(size=(8, 6)), np.zeros((8, 2))
    opt = K.optimizers.Adam(0.1)
    first, second = small_model("first"), small_model("second")
    first.compile(opt, "mse")
    first.fit(x, y, verbose=0)
    second.compile(opt, "mse")
    with pytest.raises(ValueError, match="can only be called for the variables it was originally built with"):
        second.fit(x, y, verbose=0)
    first.fit(x, y, verbose=0)  # the model it was built for still trains
    assert opt.iterations == 2


def test_fit_with_a_one_sample_last_batch_through_batch_normalization() -> None:
    """9 samples in batches of 4: the last holds one. Keras trains on (BatchNormalization of one
    sample outputs β); the numbers are pinned against Keras in test_keras_vs_keras."""
    model = small_model()
    model.compile(K.optimizers.SGD(0.1), "mse")
    history = model.fit(
        np.random.default_rng(1).normal(size=(9, 6)), np.ones((9, 2)), batch_size=4, epochs=2, verbose=0
    )
    assert len(history.history["loss"]) == 2 and model.optimizer.iterations == 6
    bn = model.layers[1]
    x = np.random.default_rng(2).normal(size=(1, 5)).astype(np.float32)
    from tinygrad_edu import Tensor

    np.testing.assert_array_equal(bn(Tensor(x), training=True).data, bn.get_weights()[1][None])  # exactly β


def test_input_layer_errors() -> None:
    with pytest.raises(ValueError, match="You must pass a `shape` argument"):
        K.Input()
    with pytest.raises(ValueError, match="shape must be non-negative integers or None"):
        K.Input(shape=(-1, 3))
    with pytest.raises(ValueError, match=r"keras.Input\(...\) must be the first entry"):
        K.Sequential([L.Dense(2, input_shape=(3,)), K.Input(shape=(2,))])
    with pytest.raises(ValueError, match="only the first layer"):
        K.Sequential([K.Input(shape=(3,)), L.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match="not built yet"):
        L.Dense(2).set_weights([])
