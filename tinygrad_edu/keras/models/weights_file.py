"""Weights files as Keras 3 keys them: by position, never by layer name.

Each weight of a model has the path Keras 3's ``save_weights`` gives it: ``layers/<class>/vars/<i>``,
where <class> is the layer's class in snake case (a functional model's: ``functional``) with a
counter per class in the model's layer order
(``dense``, ``dense_1``, …; a nested model's layers under its own path) and <i> the weight's place in
the layer (creation order; under ``cell/`` for the recurrent layers, whose weights Keras keeps
in a cell). So a file loads into any model of the same architecture, whatever its
layers are named, as in Keras. Two containers: Keras 3's ``.weights.h5`` (h5py, read lazily) and an
``.npz`` of the same keys (plain arrays, never pickle).
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ...fileio import atomic_write
from ..layers.core import Layer, Variable, Weight, snake_case


def weight_paths(model: Any, prefix: str = "") -> dict[str, Variable]:
    """{Keras 3 path: Variable} for every weight of ``model``, in its layers' order."""
    paths: dict[str, Variable] = {}
    counts: dict[str, int] = {}
    for layer in model.layers:
        base = snake_case(layer.type_name)
        key = base if base not in counts else f"{base}_{counts[base]}"
        counts[base] = counts.get(base, 0) + 1
        paths.update(_layer_paths(layer, f"{prefix}layers/{key}/"))
    return paths


def _layer_paths(layer: Layer, prefix: str) -> dict[str, Variable]:
    if hasattr(layer, "save_weights"):  # a nested model
        return weight_paths(layer, prefix)
    own: list[Weight] = [*(layer.weight_table() if layer.built else []), *layer._added]
    where = prefix + layer.weights_subpath  # Keras' recurrent layers keep their weights in a cell
    paths = {f"{where}vars/{i}": Variable(layer, w) for i, w in enumerate(own)}
    for name, child in layer.named_children():
        if isinstance(child, Layer):
            paths.update(_layer_paths(child, f"{prefix}{name}/"))
    return paths


def h5py_module() -> Any:
    try:
        import h5py
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(".weights.h5 files need h5py: pip install tinygrad_edu[keras]") from None
    return h5py


def save(model: Any, path: Path) -> None:
    paths = weight_paths(model)
    if path.name.endswith(".weights.h5"):
        with atomic_write(path) as f:
            write_h5(model, f)
    elif path.suffix == ".npz":
        with atomic_write(path) as f:  # a failed save leaves the file that was there untouched
            np.savez(f, **{key: v.numpy() for key, v in paths.items()})
    else:
        raise ValueError(f"The filename must end in `.weights.h5` (or .npz). Received: filepath={path.name!r}")


def write_h5(model: Any, f: Any, extra: dict[str, np.ndarray] | None = None) -> None:
    """Every weight of ``model`` (and the ``extra`` arrays by key, a .keras file's optimizer) into
    the open binary file ``f`` as Keras 3's HDF5 layout."""
    h5py = h5py_module()
    with h5py.File(f, "w") as h5:
        for key, v in weight_paths(model).items():
            h5.create_dataset(key, data=v.numpy())
        for key, value in (extra or {}).items():
            h5.create_dataset(key, data=value)


def load(model: Any, path: Path) -> None:
    """Check every key and shape first, then assign (nothing changes on a mismatch)."""
    if not Path(path).exists():
        raise FileNotFoundError(f"load_weights: no such file {path}")
    load_from(model, path, "h5" if str(path).endswith(".h5") else "npz", str(path))


def load_from(model: Any, source: Any, kind: str, label: str, skip: str | None = None) -> None:
    """Load a weights file (a path or an open binary file; ``kind`` "h5" or "npz"), leaving out
    the keys under ``skip`` (a .keras file's ``optimizer/``)."""
    paths = weight_paths(model)
    expected = {key: v.shape for key, v in paths.items()}
    try:
        state = read_h5(source, expected) if kind == "h5" else read_npz(source, expected)
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as err:
        raise ValueError(f"load_weights: {label} is not a weights file saved by save_weights ({err})") from None
    if skip is not None:
        state = {k: v for k, v in state.items() if not k.startswith(skip)}
    missing, unexpected = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
    wrong = [
        f"{k}: {state[k].shape} vs {expected[k]}" for k in expected if k in state and state[k].shape != expected[k]
    ]
    if missing or unexpected or wrong:
        raise ValueError(
            f"A total of {len(missing) + len(unexpected) + len(wrong)} weights could not be loaded into "
            f"{model.name!r} (another architecture): missing {missing}, unexpected {unexpected}, shapes {wrong}"
        )
    for key, v in paths.items():
        v.assign(state[key])


def read_h5(path: Any, expected: dict[str, tuple]) -> dict[str, np.ndarray]:
    """The datasets of an HDF5 file; only those of the ``expected`` shape are read (others: stand-ins)."""
    h5py = h5py_module()
    state: dict[str, np.ndarray] = {}
    with h5py.File(path, "r") as h5:

        def visit(name: str, obj: Any) -> None:
            if isinstance(obj, h5py.Dataset):
                if obj.dtype.kind not in "biuf":
                    raise ValueError(f"{name}: expected numbers, got dtype {obj.dtype}")
                # only the shapes this model expects are read: a hostile header allocates nothing
                state[name] = (
                    obj[()] if expected.get(name) == obj.shape else np.broadcast_to(np.zeros((), obj.dtype), obj.shape)
                )

        h5.visititems(visit)
    return state


def read_npz(path: str | Path, expected: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """The arrays of an .npz file, reading the data only of members whose header gives the shape in
    ``expected``; any other member becomes a zero-memory stand-in of its claimed shape (so that the
    error can name it). Never unpickles; numbers only."""
    state = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                raise ValueError(f"member {info.filename!r} is not a .npy array")
            key = info.filename[: -len(".npy")]
            with archive.open(info) as f:
                version = np.lib.format.read_magic(f)
                if version not in ((1, 0), (2, 0)):
                    raise ValueError(f"{key}: unsupported .npy format version {version}")
                read_header = (
                    np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                )
                shape, fortran, dtype = read_header(f)
                if dtype.kind not in "biuf":
                    raise ValueError(f"{key}: expected numbers, got dtype {dtype}")
                if expected.get(key) != shape:
                    state[key] = np.broadcast_to(np.zeros((), dtype), shape)
                    continue
                count = int(np.prod(shape, dtype=np.int64))
                data = f.read(count * dtype.itemsize)
                if len(data) != count * dtype.itemsize:
                    raise ValueError(f"{key}: truncated, {len(data)} of {count * dtype.itemsize} bytes")
                if f.read(1):  # reading to the end also makes zipfile check the member's CRC
                    raise ValueError(f"{key}: more bytes than its header declares")
                array = np.frombuffer(data, dtype=dtype, count=count)
                state[key] = array.reshape(shape[::-1]).T if fortran else array.reshape(shape)
    return state
