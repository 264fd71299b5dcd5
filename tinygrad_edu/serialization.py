"""Saving and loading state dicts as ``.npz`` files: ``save(model.state_dict(), path)``, ``load(path)``.

The names are PyTorch's (``torch.save`` / ``torch.load``), the format is numpy's ``.npz``: a zip
archive (stored, not compressed) with one ``<key>.npy`` member per key, each in numpy's ``.npy``
format (a magic string, a header naming dtype, order and shape, then the raw bytes). Pickle is
never used either way, so a file holds numbers and nothing that runs code.

Writing builds the archive itself (``np.savez`` takes a few keys, such as ``allow_pickle``, as its
own arguments and would drop them) and goes through `tinygrad_edu.fileio.atomic_write`, so a crash
mid-save leaves the old file intact. Reading trusts nothing in the file: the archive's sizes, every
member's ``.npy`` header and its CRC-32 are checked against the bytes actually present before an
array is allocated, so any damage or lie is a `ValueError` that names the file, and memory stays
bounded by ``max_bytes``.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np

from .fileio import MAX_DEFLATE_RATIO, atomic_write
from .tensor import Tensor

#: Default ceiling on what `load` reads (file and uncompressed arrays): 4 GiB.
MAX_BYTES = 4 * 2**30
_ZIP_NAME_LIMIT = 0xFFFF  # the zip format stores a name's length in 16 bits
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the zip format's earliest date: the same arrays make the same bytes


def _array(key: Any, value: Any) -> np.ndarray:
    if not isinstance(key, str) or not key:
        raise TypeError(f"save: keys must be non-empty strings, got {key!r}")
    if "\0" in key:
        raise ValueError(f"save: the key {key!r} holds a NUL character, which a zip member name cannot hold")
    try:
        size = len(key.encode("utf-8")) + len(".npy")
    except UnicodeEncodeError:
        raise ValueError(f"save: the key {key!r} is not valid Unicode text (a lone surrogate)") from None
    if size > _ZIP_NAME_LIMIT:
        raise ValueError(f"save: a key of {size} bytes is longer than a zip member name can be ({_ZIP_NAME_LIMIT})")
    arr = np.asarray(value._data if isinstance(value, Tensor) else value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"save: {key!r} holds {type(value).__name__} of dtype {arr.dtype}; only numbers can be saved")
    return arr


def save(obj: dict[str, Any], f: str | os.PathLike) -> None:
    """Write a dict of name → tensor/array (a ``state_dict``) to the ``.npz`` file ``f``, atomically.

    The file is written at exactly ``f`` (no suffix is added). Values may be Tensors, numpy arrays,
    numbers or ``torch`` tensors; keys any non-empty strings without NUL. Like ``torch.save`` it
    refuses a read-only file (`PermissionError`) and a folder (`IsADirectoryError`); it also refuses
    a FIFO or device (`OSError`) rather than replace it.

    >>> import tempfile, pathlib, numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "w.npz"
    >>> save({"allow_pickle": np.arange(2), "w": np.ones(1)}, path)
    >>> sorted(load(path, as_numpy=True))
    ['allow_pickle', 'w']
    """
    if not isinstance(obj, dict):
        raise TypeError(
            f"save: expected a dict of name -> tensor (a state_dict), got {type(obj).__name__}; "
            "wrap a single tensor as {'x': t}"
        )
    arrays = {key: _array(key, value) for key, value in obj.items()}
    with atomic_write(f, "wb") as out, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for key, arr in arrays.items():
            with archive.open(zipfile.ZipInfo(key + ".npy", _EPOCH), "w", force_zip64=True) as member:
                np.lib.format.write_array(member, arr, allow_pickle=False)


class _DamagedError(ValueError):
    """What is wrong with one archive; `load` adds the file's name."""


# zipfile's own checks (CRC-32, local headers against the directory, a cut file, an unknown method),
# a broken deflate stream, and reading past the end
_READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    OSError,
    EOFError,
    NotImplementedError,
    RuntimeError,
)


def _entry_count(path: Path, size: int) -> int:
    """How many members the zip's end record says the directory lists (its zip64 record when there is one).

    zipfile parses the directory by its byte size alone; a damaged length inside it can swallow a
    member whole, which only this count reveals.
    """
    with open(path, "rb") as fh:
        start = max(0, size - 22 - 0xFFFF)  # the end record: 22 bytes and a comment of at most 64 KiB
        fh.seek(start)
        tail = fh.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            raise _DamagedError("no zip end record")
        count = struct.unpack_from("<H", tail, at + 10)[0]
        if count != 0xFFFF:
            return count
        if at < 20 or tail[at - 20 : at - 16] != b"PK\x06\x07":
            raise _DamagedError("the end record points to a zip64 record that is not there")
        fh.seek(struct.unpack_from("<Q", tail, at - 12)[0])
        record = fh.read(40)
        if len(record) < 40 or record[:4] != b"PK\x06\x06":
            raise _DamagedError("the zip64 end record is missing")
        return struct.unpack_from("<Q", record, 32)[0]


def _check_members(path: Path, infos: list[zipfile.ZipInfo], size: int, max_bytes: int, who: str) -> None:
    """The archive's directory against its end record, the file's size and ``max_bytes``, before any member is read."""
    count = _entry_count(path, size)
    if len(infos) != count:
        raise _DamagedError(f"its directory lists {len(infos)} members where its end record says {count}")
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        raise ValueError(f"{who}: {path} unpacks to {total} bytes, more than max_bytes={max_bytes}")
    names = [info.filename for info in infos]
    if not all(name.endswith(".npy") for name in names):
        raise _DamagedError(f"holds members that are not .npy arrays: {names[:5]}")
    if len(set(names)) != len(names):
        raise _DamagedError(f"holds a member name twice: {sorted(n for n in set(names) if names.count(n) > 1)[:5]}")
    for info in infos:
        if info.flag_bits & 0x1:
            raise _DamagedError(f"{info.filename} is marked encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            method = info.compress_type
            raise _DamagedError(f"{info.filename} uses compression method {method} (stored or deflate expected)")
        if info.header_offset + info.compress_size > size:
            raise _DamagedError(f"{info.filename} claims {info.compress_size} bytes beyond the end of the file")
        stored = info.compress_type == zipfile.ZIP_STORED
        if (stored and info.compress_size != info.file_size) or (
            info.file_size > MAX_DEFLATE_RATIO * info.compress_size + 1024
        ):
            raise _DamagedError(f"{info.filename} claims {info.file_size} bytes from {info.compress_size} stored bytes")


_RECONSTRUCT = np.empty(0).__reduce__()[0]  # numpy's multiarray._reconstruct, wherever this numpy keeps it
_ARRAY_NAMES = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
}


class _RaggedUnpickler(pickle.Unpickler):
    """Unpickles numpy's object arrays and nothing else.

    numpy stores an array of ``dtype=object`` (ragged sequences: a list of word indices per text)
    only as a pickle stream. A pickle can name any importable callable and run it; this one resolves
    just the three names that rebuilding an array needs (``ndarray``, ``dtype`` and
    ``multiarray._reconstruct``, under numpy 1's and numpy 2's module names) and refuses every other,
    so a crafted file cannot run code. Lists, tuples, numbers and strings need no names at all.
    """

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ARRAY_NAMES:
            raise _DamagedError(f"its pickled array names {module}.{name}, which is not part of a numpy array")
        return _ARRAY_NAMES[module, name]

    def persistent_load(self, pid: Any) -> Any:
        raise _DamagedError("its pickled array refers to an outside object")


def _ragged(member: IO[bytes], info: zipfile.ZipInfo, shape: tuple[int, ...]) -> np.ndarray:
    """A 1-D object array whose items are lists of ints, read with `_RaggedUnpickler`."""
    if len(shape) != 1:
        raise _DamagedError(f"{info.filename} is an object array of shape {shape}; expected a list of sequences")
    try:
        arr = _RaggedUnpickler(io.BytesIO(member.read(info.file_size + 1))).load()
    except (pickle.UnpicklingError, TypeError, AttributeError, IndexError, KeyError, EOFError) as err:
        raise _DamagedError(f"{info.filename}: not a pickled array of sequences ({err})") from None
    if not (isinstance(arr, np.ndarray) and arr.dtype == object and arr.shape == shape):
        raise _DamagedError(f"{info.filename}: its pickle does not hold the {shape} object array its header describes")
    for k, seq in enumerate(arr):
        if not isinstance(seq, list) or not all(type(w) is int for w in seq):
            raise _DamagedError(f"{info.filename}: item {k} is not a list of integers")
    return arr


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, ragged: bool) -> np.ndarray:
    """One ``.npy`` member: its header checked against the member's size, then its bytes read (CRC
    checked). With ``ragged``, an object array of integer lists is read too (`_ragged`)."""
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version not in ((1, 0), (2, 0)):
            raise _DamagedError(f"{info.filename}: .npy format version {version} is not supported")
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran_order, dtype = read_header(member)
        if ragged and dtype.kind == "O":
            return _ragged(member, info, shape)
        if dtype.kind not in "biuf":
            raise _DamagedError(f"{info.filename} has dtype {dtype}; expected numbers (read without pickle)")
        if any(n < 0 for n in shape):
            raise _DamagedError(f"{info.filename}: negative size in shape {shape}")
        nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize  # Python integers: exact
        if member.tell() + nbytes != info.file_size:
            raise _DamagedError(
                f"{info.filename}: its header describes {shape} {dtype} ({nbytes} bytes), but the member holds "
                f"{info.file_size - member.tell()} bytes of data"
            )
        data = np.empty(nbytes, np.uint8)
        view, pos = memoryview(data.data), 0
        while pos < nbytes:
            chunk = member.read(min(1 << 20, nbytes - pos))
            if not chunk:
                raise _DamagedError(f"{info.filename}: the data stop after {pos} of {nbytes} bytes")
            view[pos : pos + len(chunk)] = chunk
            pos += len(chunk)
        if member.read(1):  # also reaches the end, where zipfile compares the CRC-32
            raise _DamagedError(f"{info.filename}: data go on after the {nbytes} bytes its header describes")
    arr = data.view(dtype).reshape(shape, order="F" if fortran_order else "C")
    return arr.astype(dtype.newbyteorder("="), copy=False)


def read_npz(path: Path, max_bytes: int, who: str, ragged: bool = False) -> dict[str, np.ndarray]:
    """The arrays of an untrusted ``.npz`` file, in stored order: numbers only, or with ``ragged``
    also object arrays of integer lists (`_ragged`); ``who`` begins every error message.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not an ``.npz`` archive, is damaged, holds anything else, or is
            larger than ``max_bytes`` (packed or unpacked).
    """
    if not path.is_file():
        raise FileNotFoundError(f"{who}: no file {path}")
    size = path.stat().st_size
    if size > max_bytes:
        raise ValueError(f"{who}: {path} is {size} bytes, more than max_bytes={max_bytes}")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{who}: {path} is not an .npz file (not a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_members(path, infos, size, max_bytes, who)
            return {info.filename[: -len(".npy")]: _read_member(archive, info, ragged) for info in infos}
    except ValueError as err:
        if str(err).startswith(f"{who}:"):
            raise
        raise ValueError(f"{who}: {path} is damaged: {err}") from None  # ours, or numpy's .npy header parser
    except _READ_ERRORS as err:
        raise ValueError(f"{who}: {path} is damaged or not an .npz file: {err}") from None


def load(f: str | os.PathLike, max_bytes: int = MAX_BYTES, as_numpy: bool = False) -> dict[str, Any]:
    """Read a file written by `save`: a dict of name → Tensor (numpy arrays with ``as_numpy``), in saved order.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not an ``.npz`` archive, is damaged (any changed byte that matters:
            the zip's CRC-32 covers every member), holds something other than plain numeric arrays,
            or is larger than ``max_bytes``.
    """
    arrays = read_npz(Path(f), max_bytes, "load")
    return arrays if as_numpy else {key: Tensor(arr) for key, arr in arrays.items()}
