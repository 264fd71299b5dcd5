"""Data: the bundled MNIST subset, IDX files, checked downloads, and seeded toy problems.

Nothing here touches the network unless `download` is called. Files are read without pickle,
and every file's format (IDX header and length) or checksum is checked before it is used.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from .fileio import atomic_write


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


def load_fashion_mnist() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train, y_train), (x_test, y_test)): Fashion-MNIST's 60,000 + 10,000 images (28, 28), uint8."""
    folder = find_fashion_mnist()
    if folder is None:
        raise FileNotFoundError(
            "Fashion-MNIST not found: `apt-get install dataset-fashion-mnist`, `tinygrad-edu data download "
            f"fashion-mnist`, or put its four IDX files in {data_dir() / 'fashion-mnist'}"
        )
    return load_idx_set(folder)


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


def load_mnist(verbose: bool = True) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train, y_train), (x_test, y_test)) as uint8 arrays, images (N, 28, 28); offline.

    The full MNIST (60,000/10,000) when `download` has put it in the data cache, else the 10,000
    bundled digits split 8,000/2,000 (with a one-line notice unless ``verbose=False``).
    """
    folder = find_full_mnist()
    if folder is not None:
        return load_idx_set(folder)
    if verbose:
        print(
            f"tinygrad_edu: full MNIST not in {data_dir() / 'mnist'}; using the bundled 10,000-digit subset "
            "(8,000 train / 2,000 test). `tinygrad-edu data download mnist` fetches all 70,000.",
            file=sys.stderr,
        )
    images, labels = load_bundled_mnist()
    return (images[:8000], labels[:8000]), (images[8000:], labels[8000:])


# ----------------------------------------------------------------------------- downloads
class DownloadError(RuntimeError):
    """A download failed (no network, HTTP error) or its checksum did not match; nothing was kept."""


IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

#: Where each set comes from and the sha256 that each file must have. MNIST: of the .gz files
#: (PyTorch's mirror of LeCun's files). Fashion-MNIST: of the decompressed IDX bytes (gzip headers
#: differ between copies; the data do not), taken from Debian's dataset-fashion-mnist.
SOURCES: dict[str, dict] = {
    "mnist": {
        "url": "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "hash_of": "gz",
        "sha256": dict(
            zip(
                IDX_FILES,
                (
                    "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                    "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                ),
            )
        ),
    },
    "fashion-mnist": {
        "url": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "hash_of": "idx",
        "sha256": dict(
            zip(
                IDX_FILES,
                (
                    "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
                    "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
                    "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
                    "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
                ),
            )
        ),
    },
}


def _digest(raw: bytes, hash_of: str) -> str:
    if hash_of == "idx":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError):
            return "not a gzip file"
    return hashlib.sha256(raw).hexdigest()


def _fetch(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read()
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise DownloadError(
            f"could not download {url}: {getattr(err, 'reason', err)} "
            "(no network? the bundled MNIST subset works offline)"
        ) from None


def download(name: str, dest: str | os.PathLike | None = None) -> Path:
    """Download a data set's four IDX files into ``dest`` (default: the data cache) and return the folder.

    Each file is checked against its sha256 before it is kept, and written to a temporary name
    first and then renamed, so an interrupted or corrupted download never leaves a file that looks
    complete. Files already present with the right checksum are not fetched again.
    """
    if name not in SOURCES:
        raise ValueError(f"download: unknown data set {name!r}; choose from {sorted(SOURCES)}")
    source = SOURCES[name]
    folder = Path(dest) if dest is not None else data_dir() / name
    folder.mkdir(parents=True, exist_ok=True)
    for filename, expected in source["sha256"].items():
        target = folder / filename
        if target.exists() and _digest(target.read_bytes(), source["hash_of"]) == expected:
            continue
        raw = _fetch(source["url"] + filename)
        got = _digest(raw, source["hash_of"])
        if got != expected:
            raise DownloadError(
                f"checksum mismatch for {filename}: expected sha256 {expected}, got {got}; the file was not kept"
            )
        with atomic_write(target) as f:
            f.write(raw)
    return folder


# ----------------------------------------------------------------------------- toy problems
GATES = {"and": (0, 0, 0, 1), "or": (0, 1, 1, 1), "nand": (1, 1, 1, 0), "nor": (1, 0, 0, 0), "xor": (0, 1, 1, 0)}


def logic_gate(name: str, bipolar: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The truth table of a two-input gate: X of shape (4, 2) and targets y of shape (4,).

    ``bipolar=True`` encodes false/true as −1/+1 instead of 0/1 (inputs and targets)."""
    if name not in GATES:
        raise ValueError(f"logic_gate: unknown gate {name!r}; choose from {sorted(GATES)}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array(GATES[name], dtype=np.float64)
    return (2 * X - 1, 2 * y - 1) if bipolar else (X, y)


def xor() -> tuple[np.ndarray, np.ndarray]:
    """XOR's truth table, the classic problem no single-layer perceptron can solve."""
    return logic_gate("xor")


def make_spirals(n_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed: int = 0):
    """Interleaved spiral arms (CS231n's toy set): point i of class k sits at radius r = i/n and
    angle θ = 4k + 4r + noise·N(0, 1). Returns X (n·classes, 2) and integer labels."""
    rng = np.random.default_rng(seed)
    r = np.tile(np.linspace(0.0, 1.0, n_per_class), classes)
    labels = np.repeat(np.arange(classes), n_per_class)
    theta = labels * 4.0 + r * 4.0 + rng.normal(0.0, noise, r.shape)
    return np.column_stack([r * np.sin(theta), r * np.cos(theta)]), labels
