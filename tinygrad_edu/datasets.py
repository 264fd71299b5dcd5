"""Data sets: small seeded toy problems for the examples, tests and benchmarks."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from pathlib import Path

import numpy as np


def make_moons(n_samples: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, as ``sklearn.datasets.make_moons`` draws them.

    Class 0: (cos t, sin t); class 1: (1 − cos t, ½ − sin t), t evenly spaced in [0, π], then
    Gaussian noise of standard deviation ``noise``. Returns X of shape (n, 2) float64 and labels
    y in {0, 1}; the first ⌊n/2⌋ points are class 0.
    """
    if n_samples < 2:
        raise ValueError(f"make_moons: n_samples must be at least 2, got {n_samples}")
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0.0, np.pi, n_out)
    t_in = np.linspace(0.0, np.pi, n_in)
    X = np.vstack(
        [
            np.column_stack([np.cos(t_out), np.sin(t_out)]),
            np.column_stack([1.0 - np.cos(t_in), 0.5 - np.sin(t_in)]),
        ]
    )
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    X += np.random.default_rng(seed).normal(0.0, noise, X.shape)
    return X, y


# ----------------------------------------------------------------------------- IDX files
IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
FASHION_MNIST_DIRS = ("/usr/share/datasets/fashion-mnist",)  # Debian package dataset-fashion-mnist


class DataFormatError(ValueError):
    """A data file is not what it claims to be (wrong magic number, truncated, wrong length)."""


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (the MNIST format), raw or gzip-compressed.

    Layout: two zero bytes, a type code (0x08 = uint8 ... 0x0E = float64), the number of
    dimensions n, then n big-endian uint32 sizes and the data in C order. The header and the
    length are checked, so a truncated or foreign file raises `DataFormatError`, never garbage.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise DataFormatError(f"{path}: broken gzip stream ({err})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise DataFormatError(f"{path}: not an IDX file (magic number {raw[:4].hex() or 'missing'})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataFormatError(f"{path}: truncated header ({len(raw)} bytes for {ndim} dimensions)")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(IDX_DTYPES[raw[2]])
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise DataFormatError(
            f"{path}: {len(raw)} bytes, but a {shape} {dtype} IDX file has {expected} "
            f"({'truncated' if len(raw) < expected else 'trailing data'})"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def find_fashion_mnist() -> Path | None:
    """The folder of Fashion-MNIST's IDX files (Debian's dataset-fashion-mnist), or None."""
    for folder in (*FASHION_MNIST_DIRS, str(data_dir() / "fashion-mnist")):
        if (Path(folder) / "train-images-idx3-ubyte.gz").exists():
            return Path(folder)
    return None


def load_idx_set(folder: str | os.PathLike) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train, y_train), (x_test, y_test)) from the four MNIST-layout IDX files in ``folder``."""
    folder = Path(folder)

    def load(stem: str) -> np.ndarray:
        for name in (f"{stem}.gz", stem):
            if (folder / name).exists():
                return read_idx(folder / name)
        raise FileNotFoundError(f"{folder / stem}(.gz) not found")

    pairs = []
    for split in ("train", "t10k"):
        images, labels = load(f"{split}-images-idx3-ubyte"), load(f"{split}-labels-idx1-ubyte")
        if len(images) != len(labels):
            raise DataFormatError(f"{folder}: {len(images)} {split} images but {len(labels)} labels")
        pairs.append((images, labels))
    return pairs[0], pairs[1]


# ----------------------------------------------------------------------------- MNIST
#: sha256 of the bundled subset, from its provenance note (shared/data/README.md)
BUNDLED_MNIST_SHA256 = "f1a23f2fb1a1c97bb00a811807ddd50a888dbcdcdead94147993273c22ee3f37"
BUNDLED_MNIST = Path(__file__).parent / "data" / "mnist10k.npz"


def data_dir() -> Path:
    """Where downloaded data sets live: ``$TINYGRAD_EDU_DATA``, else ``~/.cache/tinygrad_edu``."""
    return Path(os.environ.get("TINYGRAD_EDU_DATA") or Path.home() / ".cache" / "tinygrad_edu")


def load_bundled_mnist() -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 real MNIST digits shipped with the package: images (10000, 28, 28) uint8 and
    labels (10000,) uint8, shuffled once so that any slice is roughly class-balanced. The file's
    sha256 is checked, and it is read without pickle."""
    raw = BUNDLED_MNIST.read_bytes()
    if hashlib.sha256(raw).hexdigest() != BUNDLED_MNIST_SHA256:
        raise DataFormatError(f"{BUNDLED_MNIST}: checksum mismatch; reinstall tinygrad_edu")
    with np.load(io.BytesIO(raw), allow_pickle=False) as f:
        return f["images"], f["labels"]


def find_full_mnist() -> Path | None:
    """The folder holding the four full-MNIST IDX files in the data cache, or None."""
    folder = data_dir() / "mnist"
    for name in ("train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"):
        if (folder / name).exists():
            return folder
    return None
