"""Saving and loading state dicts as ``.npz`` files: ``save(model.state_dict(), path)``, ``load(path)``.

The names are PyTorch's (``torch.save`` / ``torch.load``), the format is numpy's ``.npz`` (a zip of
``.npy`` arrays, one per key), and pickle is never used either way: loading reads arrays with
``allow_pickle=False``, so a file can hold numbers and nothing that runs code. Writing goes
through `tinygrad_edu.fileio.atomic_write`, so a crash mid-save leaves the old file intact.
Reading is bounded: the file's size and the sum of its arrays' sizes are checked against
``max_bytes`` before any array is read, so a corrupt or hostile file cannot exhaust memory.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .fileio import atomic_write
from .tensor import Tensor

#: Default ceiling on what `load` reads (file and uncompressed arrays): 4 GiB.
MAX_BYTES = 4 * 2**30


def _array(key: Any, value: Any) -> np.ndarray:
    if not isinstance(key, str) or not key:
        raise TypeError(f"save: keys must be non-empty strings, got {key!r}")
    arr = np.asarray(value.data if isinstance(value, Tensor) else value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"save: {key!r} holds {type(value).__name__} of dtype {arr.dtype}; only numbers can be saved")
    return arr


def save(obj: dict[str, Any], f: str | os.PathLike) -> None:
    """Write a dict of name → tensor/array (a ``state_dict``) to the ``.npz`` file ``f``, atomically.

    The file is written at exactly ``f`` (no suffix is added). Values may be Tensors, numpy arrays,
    numbers or ``torch`` tensors.
    """
    if not isinstance(obj, dict):
        raise TypeError(
            f"save: expected a dict of name -> tensor (a state_dict), got {type(obj).__name__}; "
            "wrap a single tensor as {'x': t}"
        )
    arrays = {key: _array(key, value) for key, value in obj.items()}
    with atomic_write(f, "wb") as out:
        np.savez(out, **arrays)


def load(f: str | os.PathLike, max_bytes: int = MAX_BYTES, as_numpy: bool = False) -> dict[str, Any]:
    """Read a file written by `save`: a dict of name → Tensor (numpy arrays with ``as_numpy``), in saved order.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not an ``.npz`` archive, is damaged, holds something other than
            plain numeric arrays, or is larger than ``max_bytes``.
    """
    path = Path(f)
    if not path.is_file():
        raise FileNotFoundError(f"load: no file {path}")
    size = path.stat().st_size
    if size > max_bytes:
        raise ValueError(f"load: {path} is {size} bytes, more than max_bytes={max_bytes}")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"load: {path} is not an .npz file written by tinygrad_edu.save (not a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
            names = [info.filename for info in archive.infolist()]
        if total > max_bytes:
            raise ValueError(f"load: {path} unpacks to {total} bytes, more than max_bytes={max_bytes}")
        if not all(name.endswith(".npy") for name in names):
            raise ValueError(f"load: {path} holds members that are not .npy arrays: {names[:5]}")
        result = {}
        with np.load(path, allow_pickle=False) as npz:
            for key in npz.files:
                arr = npz[key]
                if arr.dtype.kind not in "biuf":
                    raise ValueError(f"load: {key!r} in {path} has dtype {arr.dtype}; expected numbers")
                result[key] = arr if as_numpy else Tensor(arr)
        return result
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise ValueError(f"load: {path} is damaged or not an .npz file written by tinygrad_edu.save: {err}") from None
    except ValueError as err:
        if str(err).startswith("load:"):
            raise
        raise ValueError(f"load: {path} cannot be read without pickle or is damaged: {err}") from None
