"""``keras.datasets.imdb``, ``reuters`` and ``boston_housing`` against real Keras 3 on the same files.

The real files cannot be downloaded here, so each test writes small files in their format (object
arrays of word-rank lists, as ``np.savez`` stores them) into a Keras cache folder of its own, and
Keras' ``load_data`` reads the same file (its ``get_file`` pointed at it, since it would otherwise
check the real file's digest and download). Every argument of Keras' recipe is compared, and the
arrays must be equal: the recipe is integer bookkeeping, so there is no tolerance.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE  # the reference, imported first: it sets KERAS_BACKEND
from tinygrad_edu import cli, datasets
from tinygrad_edu.keras.datasets import boston_housing, imdb, reuters

keras_imdb, keras_reuters, keras_boston = (
    importlib.import_module(f"keras.src.datasets.{name}") for name in ("imdb", "reuters", "boston_housing")
)
pytestmark = KERAS_NOTICE


def texts(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` texts of 1-29 word ranks in 0..59, as a 1-D object array of lists (the files' layout)."""
    out = np.empty(n, dtype=object)
    out[:] = [[int(w) for w in rng.integers(0, 60, rng.integers(1, 30))] for _ in range(n)]
    return out


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A Keras cache folder holding small imdb, reuters and boston_housing files and word indices;
    Keras' loaders read the same files."""
    folder = tmp_path / "datasets"
    folder.mkdir()
    rng = np.random.default_rng(0)
    np.savez(
        folder / "imdb.npz",
        x_train=texts(rng, 40),
        y_train=rng.integers(0, 2, 40),
        x_test=texts(rng, 30),
        y_test=rng.integers(0, 2, 30),
    )
    np.savez(folder / "reuters.npz", x=texts(rng, 50), y=rng.integers(0, 46, 50))
    np.savez(folder / "boston_housing.npz", x=rng.normal(size=(50, 13)), y=rng.normal(20, 5, 50))
    words = {f"w{k}": k + 1 for k in range(60)}
    for name in ("imdb_word_index.json", "reuters_word_index.json"):
        (folder / name).write_text(json.dumps(words))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    for module in (keras_imdb, keras_reuters, keras_boston):
        monkeypatch.setattr(module, "get_file", lambda fname=None, *a, **k: str(folder / fname))
    return folder


def assert_same(ours, theirs) -> None:
    for (x, y), (kx, ky) in zip(ours, theirs):
        assert x.dtype == object and x.shape == (len(kx),)
        assert [list(t) for t in x] == [list(t) for t in kx]
        np.testing.assert_array_equal(y, ky)
        assert y.dtype == ky.dtype


IMDB_ARGS = [
    {},
    {"num_words": 20},
    {"num_words": 25, "skip_top": 4},
    {"maxlen": 12},
    {"seed": 7},
    {"start_char": None},
    {"oov_char": None, "num_words": 30},
    {"start_char": None, "index_from": 0},
    {"start_char": 5, "oov_char": 9, "index_from": 10, "num_words": 40, "skip_top": 12},
]


@pytest.mark.parametrize("args", IMDB_ARGS, ids=lambda a: ",".join(f"{k}={v}" for k, v in a.items()) or "defaults")
def test_imdb_load_data_equals_keras(home, args) -> None:
    assert_same(imdb.load_data(**args), keras_imdb.load_data(**args))


@pytest.mark.parametrize("args", [*IMDB_ARGS, {"test_split": 0.33}, {"test_split": 0.0}])  # 50 wires x 0.67: 33.5
def test_reuters_load_data_equals_keras(home, args) -> None:
    assert_same(reuters.load_data(**args), keras_reuters.load_data(**args))


@pytest.mark.parametrize("args", [{}, {"test_split": 0.3, "seed": 1}, {"test_split": 0.0}])
def test_boston_housing_equals_keras(home, args) -> None:
    for ours, theirs in zip(boston_housing.load_data(**args), keras_boston.load_data(**args)):
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a, b)
            assert a.dtype == b.dtype


def test_word_indices_and_label_names_equal_keras(home) -> None:
    assert imdb.get_word_index() == keras_imdb.get_word_index()
    assert reuters.get_word_index() == keras_reuters.get_word_index()
    assert list(reuters.get_label_names()) == list(keras_reuters.get_label_names())


def test_the_errors_keras_raises(home) -> None:
    with pytest.raises(ValueError, match=r"no sequence was kept\. Increase maxlen") as theirs:
        keras_imdb.load_data(maxlen=1)
    with pytest.raises(ValueError, match=r"no sequence was kept\. Increase maxlen") as ours:
        imdb.load_data(maxlen=1)
    assert str(ours.value) == str(theirs.value)
    for split in (1.0, -0.1):
        with pytest.raises(ValueError, match="Invalid `test_split` argument") as theirs:
            keras_boston.load_data(test_split=split)
        with pytest.raises(ValueError) as ours:
            boston_housing.load_data(test_split=split)
        assert str(ours.value) == str(theirs.value)


def test_a_missing_file_names_the_download_command(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="`tinygrad-edu data download imdb` fetches it") as err:
        imdb.load_data()
    assert str(tmp_path / "datasets" / "imdb.npz") in str(err.value)
    with pytest.raises(FileNotFoundError, match="data download reuters"):
        reuters.get_word_index()


class Gadget:
    """What a crafted file would hold: unpickling it runs a shell command."""

    def __init__(self, marker) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_pickled_code_in_a_file_is_refused_not_run(home, tmp_path) -> None:
    marker = tmp_path / "ran"
    crafted = np.empty(2, dtype=object)
    crafted[:] = [[1, 2], Gadget(marker)]
    np.savez(home / "imdb.npz", x_train=crafted, y_train=np.zeros(2, int), x_test=crafted, y_test=np.zeros(2, int))
    with pytest.raises(
        ValueError, match=r"imdb\.npz is damaged: .*names (posix|nt)\.system, which is not part of a numpy array"
    ):
        imdb.load_data()
    assert not marker.exists()
    # the same bytes through pickle itself would have run it: the gadget is real
    pickle.loads(pickle.dumps(Gadget(marker)))
    assert marker.exists()


@pytest.mark.parametrize(
    "bad, words",
    [
        ([[1, 2], ["a", "b"]], "item 1 is not a list of integers"),
        ([[1, 2], 3], "item 1 is not a list of integers"),
        ([[1, 2], [True]], "item 1 is not a list of integers"),
    ],
)
def test_texts_that_are_not_integer_lists_are_refused(home, bad, words) -> None:
    x = np.empty(2, dtype=object)
    x[:] = bad
    np.savez(home / "reuters.npz", x=x, y=np.zeros(2, int))
    with pytest.raises(ValueError, match=words):
        reuters.load_data()


def test_other_damage_is_a_value_error_naming_the_file(home) -> None:
    np.savez(home / "reuters.npz", x=np.arange(3), z=np.arange(3))
    with pytest.raises(ValueError, match=r"reuters\.npz holds \['x', 'z'\], not \['y'\]"):
        reuters.load_data()
    (home / "imdb.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match=r"keras\.datasets\.imdb: .*imdb\.npz is not an \.npz file"):
        imdb.load_data()
    with zipfile.ZipFile(home / "boston_housing.npz", "w") as z:
        z.writestr("x.npy", b"\x93NUMPY\x01\x00" + b"garbage")
    with pytest.raises(ValueError, match=r"boston_housing\.npz is damaged"):
        boston_housing.load_data()
    (home / "imdb_word_index.json").write_text('["not", "a", "dict"]')
    with pytest.raises(ValueError, match="is not a word index"):
        imdb.get_word_index()


def test_download_puts_keras_sets_in_keras_cache(home, tmp_path, monkeypatch, capsys) -> None:
    """`tinygrad-edu data download imdb` checks each file's digest (sha256, md5 for the word index,
    as Keras publishes them) and writes into Keras' cache folder, where both loaders look."""
    served = tmp_path / "served"
    served.mkdir()
    for name in ("imdb.npz", "imdb_word_index.json"):
        (served / name).write_bytes((home / name).read_bytes())
    npz, index = ((served / n).read_bytes() for n in ("imdb.npz", "imdb_word_index.json"))
    source = {
        **datasets.SOURCES["imdb"],
        "url": served.as_uri() + "/",
        "sha256": {"imdb.npz": hashlib.sha256(npz).hexdigest()},
        "md5": {"imdb_word_index.json": hashlib.md5(index).hexdigest()},
    }
    monkeypatch.setitem(datasets.SOURCES, "imdb", source)
    for name in ("imdb.npz", "imdb_word_index.json"):
        (home / name).unlink()
    assert cli.main(["data", "download", "imdb"]) == 0
    assert f"imdb: 2 files verified in {home}" in capsys.readouterr().out
    assert_same(imdb.load_data(), keras_imdb.load_data())
    (served / "imdb_word_index.json").write_text("{}")
    (home / "imdb_word_index.json").unlink()
    assert cli.main(["data", "download", "imdb"]) == 1
    assert "checksum mismatch for imdb_word_index.json: expected md5" in capsys.readouterr().err
    assert not (home / "imdb_word_index.json").exists()


def test_the_digests_are_keras_own() -> None:
    """The digests we check downloads against are the ones Keras' loaders pass to get_file."""
    import inspect

    for name, module in (("imdb", keras_imdb), ("reuters", keras_reuters), ("boston_housing", keras_boston)):
        source = inspect.getsource(module)
        for digest in [*datasets.SOURCES[name]["sha256"].values(), *datasets.SOURCES[name].get("md5", {}).values()]:
            assert f'"{digest}"' in source, (name, digest)
