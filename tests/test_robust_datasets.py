"""Hostile and broken data files, interrupted downloads, failing writes.

Every IDX file here is written by the test from the format's definition (two zero bytes, a type
code, the number of dimensions, big-endian uint32 sizes, C-order data), so the expected arrays
are the ones the test wrote. Memory is measured with `tracemalloc`, which sees every buffer that
the reader allocates (bytearrays, zlib output, numpy arrays).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import datasets, fileio
from tinygrad_edu.datasets import DataFormatError, DownloadError, read_idx

from .idx_data import CODES, TINY_MNIST, idx_bytes, serve
from .idx_data import idx_header as header

MiB = 1 << 20


def peak_memory(fn) -> tuple[object, int]:
    """fn()'s result (or the exception it raised) and the peak bytes it allocated."""
    tracemalloc.start()
    try:
        result = fn()
    except Exception as err:  # returned so that the caller asserts on it
        result = err
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, peak


def gzip_zeros_after(prefix: bytes, n_zero_bytes: int) -> bytes:
    """gzip of ``prefix`` followed by n zero bytes, compressed in pieces (a small 'bomb')."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    out = [comp.compress(prefix)]
    block = bytes(MiB)
    for _ in range(n_zero_bytes // MiB):
        out.append(comp.compress(block))
    out.append(comp.flush())
    return b"".join(out)


# ----------------------------------------------------------------------------- good files
@pytest.mark.parametrize("code", sorted(CODES))
@pytest.mark.parametrize("compress", [False, True])
def test_every_type_code_round_trips(tmp_path, code: int, compress: bool) -> None:
    rng = np.random.default_rng(code)
    array = (rng.normal(size=(3, 4, 2)) * 50).astype(CODES[code])
    if code >= 0x0D:
        array.flat[:3] = [np.nan, np.inf, -np.inf]
    raw = idx_bytes(array, code)
    path = tmp_path / "x.idx"
    path.write_bytes(gzip.compress(raw) if compress else raw)
    got = read_idx(path)
    np.testing.assert_array_equal(got, array)
    assert got.dtype == array.dtype.newbyteorder("=") and got.dtype.isnative


@pytest.mark.parametrize("shape", [(0,), (0, 28, 28), (5, 0), ()])
def test_empty_and_0d_shapes_are_what_numpy_makes(tmp_path, shape) -> None:
    expected = np.full(shape, 7, dtype=np.uint8)
    (tmp_path / "e").write_bytes(idx_bytes(expected))
    got = read_idx(tmp_path / "e")
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


def test_memory_for_an_honest_file_is_about_its_size(tmp_path) -> None:
    array = np.arange(4 * MiB, dtype=np.uint32).astype(np.uint8).reshape(4096, 1024)
    (tmp_path / "big.gz").write_bytes(gzip.compress(idx_bytes(array), compresslevel=1))
    got, peak = peak_memory(lambda: read_idx(tmp_path / "big.gz"))
    np.testing.assert_array_equal(got, array)
    assert peak < 2.5 * array.nbytes  # the old reader held the compressed file, the whole stream, and a copy


# ----------------------------------------------------------------------------- hostile headers
def test_a_header_claiming_40_gb_allocates_nothing_of_the_sort(tmp_path) -> None:
    # the case: 199 KB on disk, a header claiming 10000 x 10000 x 400 bytes
    lie = header(0x08, (10000, 10000, 400)) + bytes(64 * 1024)
    for name, content in (("lie.gz", gzip.compress(lie)), ("lie", lie)):
        (tmp_path / name).write_bytes(content)
        err, peak = peak_memory(lambda name=name: read_idx(tmp_path / name))
        assert isinstance(err, DataFormatError), err
        assert "a 10000x10000x400 uint8 IDX file has 40,000,000,016" in str(err) and "truncated" in str(err)
        assert peak < 4 * MiB, f"{name}: {peak / MiB:.1f} MiB for a {len(content) / 1024:.0f} KB file"


def test_dimensions_whose_product_overflows_are_shown_as_they_are(tmp_path) -> None:
    top = 2**32 - 1
    (tmp_path / "huge").write_bytes(header(0x0E, (top, top, top)) + bytes(16))
    with pytest.raises(DataFormatError) as err:
        read_idx(tmp_path / "huge")
    text = str(err.value)
    assert f"{top}x{top}x{top} float64" in text
    assert f"{top**3:,} elements" in text and f"{top**3 * 8:,} bytes" in text
    assert "more than this machine can address" in text
    assert not re.search(r"(?<![\w.])-\d", text), "a negative size in the message"


def test_a_gzip_bomb_stops_at_the_size_the_header_claims(tmp_path) -> None:
    # 64 MiB of zeros behind a header that claims 28x28 bytes (12 + 784): refused after the claim + 1
    bomb = gzip_zeros_after(header(0x08, (28, 28)), 64 * MiB)
    (tmp_path / "bomb.gz").write_bytes(bomb)
    err, peak = peak_memory(lambda: read_idx(tmp_path / "bomb.gz"))
    assert isinstance(err, DataFormatError) and "stream goes on after the 796 bytes" in str(err)
    assert "trailing data" in str(err)
    assert peak < 4 * MiB, f"{peak / MiB:.1f} MiB"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"not an IDX file \(magic number missing\)"),
        (b"\x00", r"not an IDX file \(magic number 00\)"),
        (b"\x00\x00\x07\x01", "not an IDX file"),  # 0x07 is no type code
        (b"\x01\x00\x08\x01", "not an IDX file"),
        (b"\x00\x00\x08\x03\x00\x00", r"truncated header \(6 bytes for 3 dimensions\)"),
        (b"PK\x03\x04rest", "not an IDX file"),
        (b"\x89PNG\r\n\x1a\n", "not an IDX file"),
    ],
)
def test_foreign_and_cut_headers(tmp_path, content: bytes, message: str) -> None:
    for name, data in (("raw", content), ("gz", gzip.compress(content))):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(DataFormatError, match=message):
            read_idx(tmp_path / name)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda good: gzip.compress(good[:-3]), r"data after decompression.*\(truncated\)"),
        (lambda good: gzip.compress(good + b"\x00\x00"), r"stream goes on after.*\(trailing data\)"),
        (lambda good: gzip.compress(good)[:-12], "broken gzip stream"),  # compressed bytes cut
        (lambda good: gzip.compress(good)[:-8] + b"\x00" * 8, "broken gzip stream"),  # CRC and size wrong
        (lambda good: gzip.compress(good) + b"garbage", "broken gzip stream"),
        (lambda good: good[:-1], r"23 bytes, but a 3x4 uint8 IDX file has 24 \(truncated\)"),
        (lambda good: good + b"\x00", r"25 bytes, but a 3x4 uint8 IDX file has 24 \(trailing data\)"),
    ],
)
def test_streams_longer_or_shorter_than_the_header_says(tmp_path, make, message: str) -> None:
    good = idx_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4))
    (tmp_path / "f").write_bytes(make(good))
    with pytest.raises(DataFormatError, match=message):
        read_idx(tmp_path / "f")


@given(st.integers(min_value=0, max_value=95), st.booleans())
def test_any_truncation_is_a_data_format_error(tmp_path_factory, cut: int, compress: bool) -> None:
    good = idx_bytes(np.arange(24, dtype=np.int32).reshape(2, 3, 4), 0x0C)  # 16 + 96 bytes
    content = gzip.compress(good) if compress else good
    path = tmp_path_factory.mktemp("cut") / "f"
    path.write_bytes(content[: cut * len(content) // 96])
    with pytest.raises(DataFormatError):
        read_idx(path)


@given(st.integers(min_value=0, max_value=15), st.integers(min_value=1, max_value=255))
def test_a_changed_header_byte_is_refused_or_read_consistently(tmp_path_factory, position: int, delta: int) -> None:
    good = bytearray(idx_bytes(np.arange(24, dtype=np.uint8).reshape(2, 3, 4)))
    good[position] = (good[position] + delta) % 256
    path = tmp_path_factory.mktemp("flip") / "f"
    path.write_bytes(bytes(good))
    try:
        got = read_idx(path)
    except DataFormatError:
        return
    # the only changes that still describe this file exactly: an equally sized type code
    assert got.nbytes + 4 + 4 * got.ndim == len(good)


def test_missing_file_and_folder_give_the_os_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope")
    with pytest.raises(IsADirectoryError):
        read_idx(tmp_path)


# ----------------------------------------------------------------------------- downloads
TINY = TINY_MNIST


@pytest.fixture
def served(tmp_path, monkeypatch) -> Path:
    """A 'server' for the mnist set (a folder reached through file:// URLs), and an empty data cache."""
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "cache"))
    return serve(tmp_path / "served", "mnist", monkeypatch)


def interrupt_after(monkeypatch, n_files: int, error: BaseException) -> None:
    """Make `download` fail while fetching file n_files + 1."""
    real, calls = datasets._fetch, [0]

    def fetch(url):
        calls[0] += 1
        if calls[0] > n_files:
            raise error
        return real(url)

    monkeypatch.setattr(datasets, "_fetch", fetch)


@pytest.mark.parametrize("error", [KeyboardInterrupt(), DownloadError("connection reset")])
def test_an_interrupted_download_falls_back_to_the_bundled_digits(served, monkeypatch, capsys, error) -> None:
    interrupt_after(monkeypatch, 2, error)
    with pytest.raises(type(error)):
        datasets.download("mnist")
    folder = datasets.data_dir() / "mnist"
    assert sorted(os.listdir(folder)) == sorted(list(TINY)[:2])  # two whole files, no temporary ones
    assert datasets.find_full_mnist() is None
    (x_train, _), (x_test, _) = datasets.load_mnist()
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)  # the bundled subset
    notice = capsys.readouterr().err
    assert "is incomplete (no t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte" in notice
    assert "`tinygrad-edu data download mnist` finishes it" in notice


def test_finishing_an_interrupted_download_loads_the_full_set(served, monkeypatch) -> None:
    real_fetch = datasets._fetch
    interrupt_after(monkeypatch, 1, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        datasets.download("mnist")
    monkeypatch.setattr(datasets, "_fetch", real_fetch)  # the network is back
    datasets.download("mnist")
    (x_train, _), (_, y_test) = datasets.load_mnist()
    np.testing.assert_array_equal(x_train, TINY["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_test, [3, 4])


def test_a_failing_write_keeps_the_file_that_was_there(served, monkeypatch) -> None:
    folder = datasets.data_dir() / "mnist"
    folder.mkdir(parents=True)
    old = b"an older copy"
    (folder / "train-images-idx3-ubyte.gz").write_bytes(old)  # wrong checksum: download replaces it

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        datasets.download("mnist")
    assert (folder / "train-images-idx3-ubyte.gz").read_bytes() == old
    assert os.listdir(folder) == ["train-images-idx3-ubyte.gz"]  # no temporary file left behind


def test_a_damaged_full_set_names_the_file_to_delete(served) -> None:
    folder = datasets.download("mnist")
    damaged = folder / "t10k-labels-idx1-ubyte.gz"
    damaged.write_bytes(gzip.compress(idx_bytes(np.array([3, 4], dtype=np.uint8))[:-1]))
    with pytest.raises(DataFormatError) as err:
        datasets.load_mnist()
    text = str(err.value)
    assert str(damaged) in text and "truncated" in text
    assert "delete that file (or the folder)" in text and "download mnist` again" in text


def test_incomplete_fashion_mnist_is_not_found(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(datasets, "FASHION_MNIST_DIRS", ())
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path))
    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    (folder / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(TINY["train-images-idx3-ubyte.gz"])))
    assert datasets.missing_idx_files(folder) == list(datasets.IDX_STEMS[1:])
    assert datasets.find_fashion_mnist() is None
    with pytest.raises(FileNotFoundError, match="Fashion-MNIST not found"):
        datasets.load_fashion_mnist()


def test_an_oversized_download_is_refused(served, monkeypatch) -> None:
    monkeypatch.setattr(datasets, "MAX_DOWNLOAD_BYTES", 50)
    with pytest.raises(DownloadError, match="larger than 0 MiB; not a file we expect, nothing kept"):
        datasets.download("mnist")
    assert not any((datasets.data_dir() / "mnist").iterdir())


def test_unknown_data_set_is_named() -> None:
    known = r"\['boston_housing', 'fashion-mnist', 'imdb', 'mnist', 'reuters'\]"
    with pytest.raises(ValueError, match=rf"unknown data set 'cifar'; choose from {known}"):
        datasets.download("cifar")


# ----------------------------------------------------------------------------- bundled data
def test_the_provenance_note_describes_the_bundled_file() -> None:
    doc = datasets.__doc__
    assert datasets.BUNDLED_MNIST_SHA256 in doc
    assert hashlib.sha256(datasets.BUNDLED_MNIST.read_bytes()).hexdigest() == datasets.BUNDLED_MNIST_SHA256
    images, labels = datasets.load_bundled_mnist()
    counts = " ".join(f"{d}:{n}" for d, n in enumerate(np.bincount(labels, minlength=10)))
    assert counts in " ".join(doc.split())
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8 and labels.dtype == np.uint8


def test_a_tampered_bundled_file_is_detected(tmp_path, monkeypatch) -> None:
    raw = bytearray(datasets.BUNDLED_MNIST.read_bytes())
    raw[len(raw) // 2] ^= 1
    (tmp_path / "mnist10k.npz").write_bytes(bytes(raw))
    monkeypatch.setattr(datasets, "BUNDLED_MNIST", tmp_path / "mnist10k.npz")
    with pytest.raises(DataFormatError, match="checksum mismatch; reinstall tinygrad_edu"):
        datasets.load_bundled_mnist()


# ----------------------------------------------------------------------------- bounded checks of cached files
def serve_idx_hashed(tmp_path: Path, monkeypatch) -> Path:
    """The tiny set served as data set 'mnist' with Fashion-MNIST's kind of checksum: of the IDX bytes."""
    served = serve(tmp_path / "served", "mnist", monkeypatch)
    hashes = {name: hashlib.sha256(idx_bytes(array)).hexdigest() for name, array in TINY.items()}
    monkeypatch.setitem(datasets.SOURCES, "mnist", {**datasets.SOURCES["mnist"], "hash_of": "idx", "sha256": hashes})
    return served


@pytest.mark.parametrize("claimed", [(28, 28), (4096, 4096)], ids=["header-honest-about-less", "header-claims-16MiB"])
def test_checking_a_cached_gzip_bomb_streams_and_stops(tmp_path, monkeypatch, claimed) -> None:
    """The issue's case: a 64 KB cached .gz that unpacks to 64 MiB was decompressed whole to be hashed."""
    serve_idx_hashed(tmp_path, monkeypatch)
    dest = tmp_path / "dest"
    dest.mkdir()
    bomb = dest / "train-images-idx3-ubyte.gz"
    bomb.write_bytes(gzip_zeros_after(header(0x08, claimed), 64 * MiB))
    folder, peak = peak_memory(lambda: datasets.download("mnist", dest))
    assert folder == dest, folder
    assert peak < 8 * MiB, f"{peak / MiB:.1f} MiB to check a 64 KB file that unpacks to 64 MiB"  # chunks of 1 MiB
    np.testing.assert_array_equal(read_idx(bomb), TINY["train-images-idx3-ubyte.gz"])  # replaced by the good file


def test_a_cached_header_claiming_2_31_images_is_refused_before_reading(tmp_path) -> None:
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(header(0x08, (2**31, 28, 28)) + bytes(28 * 28 * 100)))
    err, peak = peak_memory(lambda: read_idx(path))
    assert isinstance(err, DataFormatError), err
    assert "a 2147483648x28x28 uint8 IDX file has 1,683,627,180,048" in str(err)
    assert "more than gzip can pack into that (at most 1032:1)" in str(err)
    assert peak < 1 * MiB


def test_max_bytes_bounds_an_honest_file_too(tmp_path) -> None:
    path = tmp_path / "f"
    path.write_bytes(idx_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4)))
    assert read_idx(path, max_bytes=12).shape == (3, 4)
    with pytest.raises(DataFormatError, match="a 3x4 uint8 IDX file has 24 bytes, more than max_bytes=11"):
        read_idx(path, max_bytes=11)
