"""Weights files as Keras 3 keys them: by place in the model, never by a layer's own name.

Keras 3's ``saving_lib`` walks the model as a tree and gives each weight the path of the walk:
a layer's own weights are ``<path>/vars/<i>`` (trainable first, then non-trainable, each in
creation order; under ``cell/`` for the recurrent layers, whose weights Keras keeps in a cell), and
its children follow, as `saveable_children` lists them:

- a Sequential or functional model's ``layers`` first (``layers/dense``, ``layers/dense_1``, …);
- then the layer's attributes sorted by name (capitals before lower case, ``_private`` ones last), a
  subclassed model's ``layers`` property among them: a layer held in an attribute is keyed by the
  attribute's name (``encoder/vars/0``), a list, tuple or dict of layers by the attribute's name
  and, inside it, the class in snake case with a counter per class (``blocks/dense_1``; a nested
  container is ``container``, ``container_1``, …).

A layer met a second time is skipped, so each weight has one key: the first place the walk finds
it (a subclassed model's sublayer held in an attribute that sorts after ``layers`` is keyed under
``layers/``, as in Keras). So a file loads into any model of the same architecture, whatever its
layers are named, and Keras' files of subclassed models load here. Two containers: Keras 3's
``.weights.h5`` (h5py, read lazily) and an ``.npz`` of the same keys (plain arrays, never pickle).
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ...fileio import atomic_write
from ..backend import snake_case
from ..layers.core import Layer, Variable, layers_in

CONTAINERS = (list, tuple, dict)


def weight_paths(model: Layer) -> dict[str, Variable]:
    """{Keras 3 path: Variable} for every weight of ``model`` (see the module docstring)."""
    paths: dict[str, Variable] = {}
    _walk_layer(model, "", paths, set())
    return paths


def walked_layers(model: Layer) -> list[Layer]:
    """Every layer the walk meets, ``model`` first, each once."""
    found: list[Layer] = []
    _collect(model, found, set())
    return found


def _collect(layer: Layer, found: list[Layer], seen: set[int]) -> None:
    if id(layer) in seen:
        return
    seen.add(id(layer))
    found.append(layer)
    for _, child in saveable_children(layer):
        for leaf in layers_in(child):
            _collect(leaf, found, seen)


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


def _name_key(name: str) -> str:
    """Keras' order of the attributes: by name, the private ones (``_x``) after all others."""
    return f"~{name}" if name.startswith("_") else name


def saveable_children(layer: Layer) -> Iterator[tuple[str, Any]]:
    """(name, layer or container) in the order Keras 3's ``_walk_saveable`` visits them: a Sequential
    or functional model's ``layers`` first, then the attributes holding layers or containers by
    `_name_key` (a subclassed model's ``layers`` property among them)."""
    kind = layer._obj_type()
    if kind in ("Sequential", "Functional"):
        yield "layers", layer.layers
    attrs = {name: value for name, value in vars(layer).items() if isinstance(value, (Layer, *CONTAINERS))}
    if kind == "Model":  # a subclassed model: its ``layers`` property is an attribute like the others
        attrs["layers"] = layer.layers
    for name in sorted(attrs, key=_name_key):
        yield name, attrs[name]


def _walk_layer(layer: Layer, path: str, paths: dict[str, Variable], seen: set[int]) -> None:
    if id(layer) in seen:
        return
    seen.add(id(layer))
    table = [Variable(layer, w) for w in (layer.weight_table() if layer.built else [])]
    table += [Variable(layer, w) for w in layer._added]
    own = [v for v in table if v.trainable] + [v for v in table if not v.trainable]
    where = _join(path, layer.weights_subpath + "vars")  # Keras' recurrent layers keep their weights in a cell
    paths.update({f"{where}/{i}": v for i, v in enumerate(own)})
    for name, child in saveable_children(layer):
        if isinstance(child, Layer):
            _walk_layer(child, _join(path, name), paths, seen)
        else:
            _walk_container(child, _join(path, name), paths, seen)


def _walk_container(container: Any, path: str, paths: dict[str, Variable], seen: set[int]) -> None:
    if id(container) in seen:
        return
    seen.add(id(container))
    used: dict[str, int] = {}

    def unique(name: str) -> str:  # Keras' _get_unique_name: name, name_1, name_2, …
        used[name] = used[name] + 1 if name in used else 0
        return f"{name}_{used[name]}" if used[name] else name

    for item in container.values() if isinstance(container, dict) else container:
        if isinstance(item, Layer):
            _walk_layer(item, _join(path, unique(snake_case(item.type_name))), paths, seen)
        elif isinstance(item, CONTAINERS):
            _walk_container(item, _join(path, unique("container")), paths, seen)


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
