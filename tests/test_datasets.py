"""Data: IDX files written by the tests (good and broken), checked downloads without the network,
the bundled MNIST subset, toy sets."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from tinygrad_edu import datasets
from tinygrad_edu.datasets import DataFormatError, DownloadError

from .idx_data import TINY_MNIST, idx_bytes, serve


def test_read_idx_raw_and_gzip(tmp_path) -> None:
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a-idx3-ubyte").write_bytes(idx_bytes(images))
    (tmp_path / "a-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images)))
    np.testing.assert_array_equal(datasets.read_idx(tmp_path / "a-idx3-ubyte"), images)
    np.testing.assert_array_equal(datasets.read_idx(tmp_path / "a-idx3-ubyte.gz"), images)
    shorts = np.array([[-2, 300], [7, -32000]], dtype=np.int16)
    (tmp_path / "s").write_bytes(idx_bytes(shorts, 0x0B))
    out = datasets.read_idx(tmp_path / "s")
    np.testing.assert_array_equal(out, shorts)
    assert out.dtype.byteorder in "=|"  # native order after reading big-endian data


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda good: good[:-5], "truncated"),
        (lambda good: good + b"\x00", "trailing data"),
        (lambda good: b"\x00\x00\x99\x01" + good[4:], "not an IDX file"),
        (lambda good: b"PK\x03\x04" + good, "not an IDX file"),
        (lambda good: good[:6], "truncated header"),
        (lambda good: gzip.compress(good)[:20], "broken gzip stream"),
    ],
)
def test_read_idx_rejects_broken_files(tmp_path, content, message: str) -> None:
    good = idx_bytes(np.zeros((3, 2, 2), dtype=np.uint8))
    path = tmp_path / "bad"
    path.write_bytes(content(good))
    with pytest.raises(DataFormatError, match=message):
        datasets.read_idx(path)


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A local 'server' (a folder reached through file:// URLs) holding a tiny MNIST-layout set."""
    return serve(tmp_path / "served", "tiny", monkeypatch), TINY_MNIST


def test_download_checks_and_loads(tmp_path, mirror) -> None:
    served, files = mirror
    folder = datasets.download("tiny", tmp_path / "cache")
    (x_train, _), (_, y_test) = datasets.load_idx_set(folder)
    np.testing.assert_array_equal(x_train, files["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_test, [3, 4])
    assert not list(folder.glob("*.part"))
    (served / "t10k-labels-idx1-ubyte.gz").unlink()  # already downloaded and verified: not fetched again
    datasets.download("tiny", tmp_path / "cache")


def test_download_rejects_a_wrong_checksum_and_keeps_nothing(tmp_path, mirror) -> None:
    served, _ = mirror
    (served / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(np.zeros(5, dtype=np.uint8))))
    with pytest.raises(DownloadError, match=r"checksum mismatch for train-labels-idx1-ubyte\.gz"):
        datasets.download("tiny", tmp_path / "cache")
    assert not (tmp_path / "cache" / "train-labels-idx1-ubyte.gz").exists()
    assert not list((tmp_path / "cache").glob("*.part"))


def test_download_of_a_truncated_file_fails(tmp_path, mirror) -> None:
    served, _ = mirror
    raw = (served / "t10k-images-idx3-ubyte.gz").read_bytes()
    (served / "t10k-images-idx3-ubyte.gz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DownloadError, match="checksum mismatch for t10k-images"):
        datasets.download("tiny", tmp_path / "cache")
    assert not (tmp_path / "cache" / "t10k-images-idx3-ubyte.gz").exists()


def test_download_without_network_is_a_clear_error(tmp_path, monkeypatch) -> None:
    import urllib.error

    def offline(url, timeout=None):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(datasets.urllib.request, "urlopen", offline)
    with pytest.raises(DownloadError, match=r"could not download https://.*name resolution \(no network\?"):
        datasets.download("mnist", tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []
    with pytest.raises(ValueError, match="unknown data set 'cifar'"):
        datasets.download("cifar")


def test_checksums_are_those_of_the_real_files() -> None:
    """The Fashion-MNIST hashes are of the decompressed IDX data: check them on Debian's copy."""
    folder = datasets.find_fashion_mnist()
    if folder is None:
        pytest.skip("dataset-fashion-mnist not installed")
    for name, expected in datasets.SOURCES["fashion-mnist"]["sha256"].items():
        assert datasets.file_digest(folder / name, "idx") == expected


def test_bundled_mnist() -> None:
    images, labels = datasets.load_bundled_mnist()
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8 and labels.max() == 9
    (x_train, _), (x_test, _) = datasets.load_mnist(verbose=False)
    assert len(x_train) + len(x_test) == 10000 or len(x_train) == 60000


def test_toy_sets() -> None:
    X, y = datasets.logic_gate("nand", bipolar=True)
    np.testing.assert_array_equal(y, [1, 1, 1, -1])
    assert set(X.ravel()) == {-1.0, 1.0}
    X, y = datasets.make_spirals(50, classes=3, seed=1)
    assert X.shape == (150, 2) and np.bincount(y).tolist() == [50, 50, 50]
    assert np.all(np.linalg.norm(X, axis=1) <= 1.0 + 1e-12)  # radius r ∈ [0, 1]
    X2, _ = datasets.make_spirals(50, classes=3, seed=1)
    np.testing.assert_array_equal(X, X2)
    X, y = datasets.make_moons(100, noise=0.0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)  # the outer moon lies on the unit circle
    with pytest.raises(ValueError, match="unknown gate 'xnor'"):
        datasets.logic_gate("xnor")
