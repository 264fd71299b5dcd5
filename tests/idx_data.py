"""IDX files written from the format's definition, and a local 'server' for `datasets.download`.

IDX: two zero bytes, a type code, the number of dimensions, big-endian uint32 sizes, then the
data in C order (big-endian). The tests write their files with this, never with the reader.
"""

from __future__ import annotations

import gzip
import hashlib
import struct
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import datasets

#: IDX type code -> the big-endian numpy dtype of its data
CODES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

#: a tiny MNIST-layout set: 5 training and 2 test images of 4x4 pixels
TINY_MNIST = {
    "train-images-idx3-ubyte.gz": np.arange(5 * 4 * 4, dtype=np.uint8).reshape(5, 4, 4),
    "train-labels-idx1-ubyte.gz": np.arange(5, dtype=np.uint8),
    "t10k-images-idx3-ubyte.gz": np.ones((2, 4, 4), dtype=np.uint8),
    "t10k-labels-idx1-ubyte.gz": np.array([3, 4], dtype=np.uint8),
}


def idx_header(code: int, shape: tuple[int, ...]) -> bytes:
    return bytes([0, 0, code, len(shape)]) + b"".join(struct.pack(">I", n) for n in shape)


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    array = np.asarray(array)
    return idx_header(code, array.shape) + array.astype(CODES[code]).tobytes()


def serve(folder: Path, name: str, monkeypatch: pytest.MonkeyPatch, files: dict | None = None) -> Path:
    """Write ``files`` (default `TINY_MNIST`) gzip-compressed into ``folder`` and register them as
    data set ``name`` in `datasets.SOURCES`, fetched through file:// URLs with their sha256."""
    folder.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for filename, array in (TINY_MNIST if files is None else files).items():
        raw = gzip.compress(idx_bytes(array))
        (folder / filename).write_bytes(raw)
        hashes[filename] = hashlib.sha256(raw).hexdigest()
    monkeypatch.setitem(datasets.SOURCES, name, {"url": folder.as_uri() + "/", "hash_of": "gz", "sha256": hashes})
    return folder
