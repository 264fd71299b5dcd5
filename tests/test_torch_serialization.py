"""`tinygrad_edu.save` / `load`: .npz round trips, no pickle, atomic writes, bounded and clear errors."""

from __future__ import annotations

import io
import pickle
import zipfile

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.serialization import load, save

from .conftest import needs_torch


def model():
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Linear(4, 2))


def test_round_trip_restores_a_model_exactly(tmp_path) -> None:
    tg.manual_seed(0)
    a = model()
    a(tg.randn(8, 3))  # running statistics move
    path = tmp_path / "model.pth"
    tg.save(a.state_dict(), path)
    assert path.exists() and not (tmp_path / "model.pth.npz").exists()  # written exactly where asked
    tg.manual_seed(1)
    b = model()
    state = tg.load(path)
    assert list(state) == list(a.state_dict())  # saved order kept
    assert all(isinstance(v, tg.Tensor) for v in state.values())
    b.load_state_dict(state)
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(va, vb, err_msg=k)
        assert va.dtype == vb.dtype
    x = tg.randn(5, 3)
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).data, b(x).data)
    assert all(isinstance(v, np.ndarray) for v in tg.load(path, as_numpy=True).values())


def test_the_file_is_a_plain_npz_without_pickle(tmp_path) -> None:
    path = tmp_path / "w.npz"
    save({"w": tg.ones(2, 2), "n": np.int64(3), "flag": np.array([True])}, path)
    with np.load(path, allow_pickle=False) as npz:  # numpy reads it with pickle off
        assert sorted(npz.files) == ["flag", "n", "w"]
        np.testing.assert_array_equal(npz["w"], np.ones((2, 2), dtype=np.float32))
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["flag.npy", "n.npy", "w.npy"]


def test_save_rejects_what_is_not_numbers(tmp_path) -> None:
    path = tmp_path / "x.npz"
    with pytest.raises(TypeError, match="expected a dict of name -> tensor"):
        save(tg.ones(2), path)
    with pytest.raises(TypeError, match="only numbers can be saved"):
        save({"a": np.array(["text"])}, path)
    with pytest.raises(TypeError, match="only numbers can be saved"):
        save({"a": {"nested": 1}}, path)
    with pytest.raises(TypeError, match="non-empty strings"):
        save({1: np.zeros(1)}, path)
    assert not path.exists()


def test_a_failed_save_keeps_the_old_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "x.npz"
    save({"a": np.arange(3)}, path)

    def half_then_fail(f, array, **kwargs):
        f.write(b"\x93NUMPY half an array")
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        save({"a": np.zeros(2)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(load(path)["a"].data, np.arange(3))
    assert [p.name for p in tmp_path.iterdir()] == ["x.npz"]  # no temporary file left behind


def test_load_errors_are_clear(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="no file"):
        load(tmp_path / "missing.npz")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match=r"not an \.npz file"):
        load(text)
    pickled = tmp_path / "model.pt"
    pickled.write_bytes(pickle.dumps({"w": np.zeros(2)}))
    with pytest.raises(ValueError, match=r"not an \.npz file"):
        load(pickled)
    objects = tmp_path / "objects.npz"
    np.savez(objects, a=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ValueError, match="without pickle"):
        load(objects)
    good = tmp_path / "good.npz"
    save({"a": np.zeros(1000)}, good)
    with pytest.raises(ValueError, match="more than max_bytes=100"):
        load(good, max_bytes=100)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:-200])
    with pytest.raises(ValueError, match=r"damaged|not an \.npz"):
        load(truncated)


def test_load_bounds_the_unpacked_size(tmp_path) -> None:
    """A small file that unpacks to a lot (a zip bomb) is refused before it is read."""
    buf = io.BytesIO()
    np.savez_compressed(buf, big=np.zeros(2_000_000))
    path = tmp_path / "bomb.npz"
    path.write_bytes(buf.getvalue())
    assert path.stat().st_size < 100_000
    with pytest.raises(ValueError, match="unpacks to 16000128 bytes, more than max_bytes=1000000"):
        load(path, max_bytes=1_000_000)


@needs_torch
def test_saved_file_loads_into_torch(tmp_path) -> None:
    import torch

    tg.manual_seed(0)
    ours = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    path = tmp_path / "m.npz"
    tg.save(ours.state_dict(), path)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    with np.load(path, allow_pickle=False) as npz:
        theirs.load_state_dict({k: torch.from_numpy(npz[k]) for k in npz.files})
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    with torch.no_grad():
        np.testing.assert_allclose(theirs(torch.tensor(x)).numpy(), ours(tg.tensor(x)).data, rtol=1e-6, atol=1e-6)
    tg.save({k: v for k, v in theirs.state_dict().items()}, path)  # torch tensors save too
    ours.load_state_dict(tg.load(path))
