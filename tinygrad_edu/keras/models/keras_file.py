"""``.keras`` files, Keras 3's own: a zip of ``metadata.json`` (the Keras version, the date),
``config.json`` (the model as `config.serialize_layer` writes it, with ``build_config`` and
``compile_config``) and ``model.weights.h5`` (the weights as `weights_file` keys them, and
the optimizer's variables under ``optimizer/vars/``, as Keras 3 orders them (`optimizer_state`), so
a loaded model resumes training where it stopped).

Files are untrusted: members are bounded in size before they are read, JSON never runs code, and
the weights are checked against the architecture before any is assigned. The write is atomic (a
failed save keeps the previous file).
"""

from __future__ import annotations

import inspect
import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ... import Tensor, no_grad
from ...fileio import atomic_write
from .. import config as keras_config
from .. import losses as losses_
from .. import metrics as metrics_
from .. import optimizers as optimizers_
from .. import schedules as schedules_
from .. import serialization
from . import config as config_
from . import optimizer_state, weights_file

MAX_JSON_BYTES = 64 * 2**20
MAX_WEIGHTS_BYTES = 2**32
#: Keras optimizer arguments this door does not take that change nothing at any value (a rate used only
#: with use_ema, which is refused when on)
OPTIMIZER_IGNORED = ("name", "ema_momentum")
#: Keras optimizer arguments this door does not take, at the values where they change nothing; any other
#: value is refused
OPTIMIZER_NEUTRAL = {
    "weight_decay": None,
    "clipnorm": None,
    "global_clipnorm": None,
    "clipvalue": None,
    "use_ema": False,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
    "amsgrad": False,
    "centered": False,
}


def _optimizer_config(optimizer: Any) -> dict:
    params = inspect.signature(type(optimizer).__init__).parameters
    config = {"name": type(optimizer).__name__.lower()}
    config.update({k: getattr(optimizer, k) for k in params if k != "self" and hasattr(optimizer, k)})
    if optimizer.schedule is not None:  # Keras writes the schedule, not the rate of the moment
        config["learning_rate"] = _schedule_config(optimizer.schedule)
    return {
        "module": "keras.optimizers",
        "class_name": type(optimizer).__name__,
        "config": config,
        "registered_name": None,
    }


def _optimizer_from_config(entry: Any) -> Any:
    if isinstance(entry, str):
        return optimizers_.get(entry)
    cls = optimizers_.BY_NAME.get(str(entry.get("class_name", "")).lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer {entry.get('class_name')!r} in the compile config")
    params = set(inspect.signature(cls.__init__).parameters)
    kwargs = {}
    for key, value in (entry.get("config") or {}).items():
        if key in params:
            kwargs[key] = _schedule_from_config(value) if key == "learning_rate" and isinstance(value, dict) else value
        elif key not in OPTIMIZER_IGNORED and (key not in OPTIMIZER_NEUTRAL or value != OPTIMIZER_NEUTRAL[key]):
            raise ValueError(f"Optimizer {entry.get('class_name')}: {key}={value!r} is not supported")
    return cls(**kwargs)


def _schedule_config(schedule: Any) -> dict:
    """A learning-rate schedule as Keras serializes it (its constructor's arguments)."""
    params = inspect.signature(type(schedule).__init__).parameters
    config = {k: getattr(schedule, k, None) for k in params if k != "self"}
    config["name"] = type(schedule).__name__  # Keras' default name, which its loader needs as a string
    return {
        "module": "keras.optimizers.schedules",
        "class_name": type(schedule).__name__,
        "config": config,
        "registered_name": None,
    }


def _schedule_from_config(entry: dict) -> Any:
    """One of `tinygrad_edu.keras.schedules` from Keras' serialized form; an unknown one is a ValueError."""
    cls = getattr(schedules_, str(entry.get("class_name")), None)
    if not (isinstance(cls, type) and issubclass(cls, schedules_.LearningRateSchedule)):
        raise ValueError(f"Unknown learning-rate schedule {entry.get('class_name')!r} in the compile config")
    params = set(inspect.signature(cls.__init__).parameters)
    config = entry.get("config") or {}
    unknown = sorted(set(config) - params)
    if unknown:
        raise ValueError(f"Learning-rate schedule {cls.__name__}: {unknown} not supported")
    return cls(**config)


def _object_config(obj: Any, module: str, keys: tuple[str, ...]) -> Any:
    """A loss or metric as compile_config holds it: its name, or a serialized object."""
    if isinstance(obj, str):
        return obj
    config = {k: getattr(obj, k) for k in keys if hasattr(obj, k)}
    return {"module": module, "class_name": type(obj).__name__, "config": config, "registered_name": None}


def _object_from_config(entry: Any, module: Any, what: str) -> Any:
    """A loss or metric from compile_config: a name as it is, a serialized built-in as a new object."""
    if not isinstance(entry, dict):
        return entry
    cls = getattr(module, str(entry.get("class_name")), None)
    if not isinstance(cls, type):
        raise ValueError(f"Unknown {what} {entry.get('class_name')!r} in the compile config")
    params = set(inspect.signature(cls.__init__).parameters)
    config = entry.get("config") or {}
    return cls(**{k: v for k, v in config.items() if k in params and v is not None})


def _loss_config(loss: Any) -> Any:
    """compile's loss as compile_config holds it: names, serialized objects, per output in a list/dict."""
    if isinstance(loss, dict):
        return {k: _loss_config(v) for k, v in loss.items()}
    if isinstance(loss, (list, tuple)):
        return [_loss_config(v) for v in loss]
    logits = getattr(loss, "function", None) in losses_.LOGIT_LOSSES  # only those losses take from_logits
    keys = ("name", "reduction", "from_logits") if logits else ("name", "reduction")
    return _object_config(loss, "keras.losses", keys)


def _loss_from_config(entry: Any) -> Any:
    if isinstance(entry, dict) and "class_name" not in entry:
        return {k: _loss_from_config(v) for k, v in entry.items()}
    if isinstance(entry, list):
        return [_loss_from_config(v) for v in entry]
    return _object_from_config(entry, losses_, "loss")


def model_config(model: Any) -> dict:
    """config.json's content: the model, its build shape and its compile arguments."""
    entry = config_.serialize_layer(model)
    shape = getattr(model, "build_shape", None)
    if model.built:  # Keras writes no build_config for a model never built (it loads unbuilt)
        entry["build_config"] = {"input_shape": serialization.to_config_value(shape) if shape else None}
    if model.optimizer is not None:
        entry["compile_config"] = {
            "optimizer": _optimizer_config(model.optimizer),
            "loss": _loss_config(model.loss),
            "loss_weights": getattr(model, "loss_weights", None),
            "metrics": None if model.heads is not None else (_metric_configs(model) or None),
            "weighted_metrics": [_object_config(m, "keras.metrics", ("name",)) for m in model.weighted_metrics] or None,
            "run_eagerly": False,
            "steps_per_execution": 1,
            "jit_compile": False,
        }
    else:  # Keras writes the key for a model never compiled too
        entry["compile_config"] = None
    return entry


def _metric_configs(model: Any) -> list:
    objects = {m.name: m for m in model.metric_objects}
    return [_object_config(objects.get(name, name), "keras.metrics", ("name",)) for name in model.metric_names]


def save_model(model: Any, filepath: str | Path, overwrite: bool = True) -> None:
    """Write ``model`` to a ``.keras`` file (see the module docstring)."""
    path = Path(filepath)
    if path.suffix != ".keras":
        raise ValueError(
            "Invalid filepath extension for saving. Please add a `.keras` extension for the native Keras "
            f"format. Received: filepath={filepath}"
        )
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists and overwrite=False")
    weights = io.BytesIO()
    state = optimizer_state.keras_arrays(model)
    weights_file.write_h5(model, weights, {f"optimizer/vars/{i}": a for i, a in enumerate(state)})
    metadata = {"keras_version": serialization.KERAS_VERSION, "date_saved": time.strftime("%Y-%m-%d@%H:%M:%S")}
    with atomic_write(path) as f, zipfile.ZipFile(f, "w") as archive:
        archive.writestr("metadata.json", json.dumps(metadata))
        archive.writestr("config.json", json.dumps(model_config(model)))
        archive.writestr("model.weights.h5", weights.getvalue())


def _member(archive: zipfile.ZipFile, name: str, limit: int, path: Path) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ValueError(f"{path} is not a .keras file: it has no {name}") from None
    if info.file_size > limit:
        raise ValueError(f"{path}: {name} claims {info.file_size} bytes, more than the {limit} allowed")
    data = archive.read(info)
    if len(data) > limit:
        raise ValueError(f"{path}: {name} is larger than the {limit} bytes allowed")
    return data


def _call_once(model: Any, shape: tuple) -> None:
    """A subclassed model makes its sublayers' weights when called: call it on one sample of zeros
    (Keras' ``build`` of a subclassed model runs ``call`` likewise; inference mode changes nothing)."""
    with no_grad():
        model(Tensor(np.zeros((1, *shape[1:]), dtype=keras_config.floatx())), training=False)


def load_model(filepath: str | Path, custom_objects: dict | None = None, compile: bool = True, **kwargs: Any) -> Any:
    """A model from a ``.keras`` file (ours or real Keras 3's): the architecture from config.json,
    the weights by position, compiled again when the file holds compile arguments and ``compile``.

    Raises:
        ValueError: no such file, not a .keras file, a damaged member, a layer config this door cannot make.
        TypeError: a class that is neither built in nor registered nor in ``custom_objects``.
    """
    kwargs.pop("safe_mode", None)  # no config here runs code, safe or not
    if kwargs:
        raise TypeError(f"load_model: unexpected arguments {sorted(kwargs)}")
    path = Path(filepath)
    if path.suffix != ".keras":
        raise ValueError(f"File format not supported: filepath={filepath}. Keras 3 only supports .keras files here.")
    if not path.exists():  # Keras 3's ValueError and words (not FileNotFoundError)
        raise ValueError(
            f"File not found: filepath={filepath}. Please ensure the file is an accessible `.keras` zip file."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(_member(archive, "config.json", MAX_JSON_BYTES, path))
            weights = _member(archive, "model.weights.h5", MAX_WEIGHTS_BYTES, path)
    except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, OSError) as err:
        raise ValueError(f"{path} is not a readable .keras file ({err})") from None
    model = config_.deserialize_layer(config, custom_objects)
    shape = (config.get("build_config") or {}).get("input_shape")
    if not model.built and shape:
        model.maybe_build(serialization.from_config_value("input_shape", shape))
    if shape and not all(layer.built for layer in weights_file.walked_layers(model)):
        _call_once(model, serialization.from_config_value("input_shape", shape))
    weights_file.load_from(model, io.BytesIO(weights), "h5", str(path), skip="optimizer/")
    compile_config = config.get("compile_config")
    if compile and compile_config:
        model.compile(
            optimizer=_optimizer_from_config(compile_config["optimizer"]),
            loss=_loss_from_config(compile_config["loss"]),
            metrics=[_object_from_config(m, metrics_, "metric") for m in compile_config.get("metrics") or []],
            loss_weights=compile_config.get("loss_weights"),
            weighted_metrics=[
                _object_from_config(m, metrics_, "metric") for m in compile_config.get("weighted_metrics") or []
            ],
        )
        if model.built:  # an unbuilt model's optimizer has no variables yet (saved unbuilt, as Keras allows)
            _restore_optimizer(model, weights, str(path))
    return model


def _restore_optimizer(model: Any, weights: bytes, label: str) -> None:
    """The optimizer's variables of the file (`optimizer_state`), read only at the shapes expected."""
    shapes = optimizer_state.expected_shapes(model)
    expected = {f"optimizer/vars/{i}": shape for i, shape in enumerate(shapes)}
    try:
        state = weights_file.read_h5(io.BytesIO(weights), expected)
    except (ValueError, OSError) as err:
        raise ValueError(f"{label}: unreadable optimizer variables ({err})") from None
    saved = {k: v for k, v in state.items() if k.startswith("optimizer/vars/")}
    if saved:
        optimizer_state.restore(
            model, [saved[f"optimizer/vars/{i}"] for i in range(len(saved)) if f"optimizer/vars/{i}" in saved]
        )
