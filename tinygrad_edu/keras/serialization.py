"""Keras 3's object configs: the registry of classes a config may name, and the conversion of config
values both ways.

A serialized object is ``{"module", "class_name", "config", "registered_name"}`` (Keras 3's
``serialize_keras_object``); a layer's config holds its constructor arguments, initializers and
regularizers as serialized objects, the dtype as a ``DTypePolicy``, tuples as lists. Reading a
config written by real Keras, the arguments this door does not model are accepted only at Keras'
default value (`NEUTRAL`); any other value is an error that names the layer.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from . import initializers, regularizers

KERAS_VERSION = "3.15.1"  # the Keras 3 release whose behaviour and files this door follows
#: built-in classes by Keras class name (filled by keras.layers and keras.models at import)
BUILTINS: dict[str, type] = {}
#: classes registered with `register_keras_serializable`, by "package>name"
REGISTERED: dict[str, type] = {}

#: Keras arguments that this door does not model, and the value at which they change nothing
NEUTRAL: dict[str, Any] = {  # (None, "not given", is dropped for any argument this door does not take)
    **dict.fromkeys(
        ["return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask", "sparse", "ragged"],
        False,
    ),
    **dict.fromkeys(["optional", "mask_zero", "keepdims", "synchronized", "renorm"], False),
    **dict.fromkeys(["dropout", "recurrent_dropout"], 0.0),
    "autocast": True,
    "data_format": "channels_last",
    "dilation_rate": 1,
    "groups": 1,
    "axis": -1,
    "center": True,
    "scale": True,
    "use_cudnn": "auto",
    "interpolation": "nearest",
    "renorm_momentum": 0.99,
    "beta_initializer": "zeros",
    "bias_initializer": "zeros",
    "gamma_initializer": "ones",
    "moving_mean_initializer": "zeros",
    "moving_variance_initializer": "ones",
    "recurrent_activation": "sigmoid",
}


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable[[type], type]:
    """``@keras.saving.register_keras_serializable()``: configs may name the class as
    ``"package>name"`` (name: the class name), so `load_model` finds it without custom_objects."""

    def decorate(cls: type) -> type:
        key = f"{package}>{name or cls.__name__}"
        if key in REGISTERED and REGISTERED[key] is not cls:
            raise ValueError(f"{key} has already been registered to {REGISTERED[key]}")
        REGISTERED[key] = cls
        cls._registered_name = key  # type: ignore[attr-defined]
        return cls

    return decorate


def get_registered_name(cls: type) -> str:
    return getattr(cls, "_registered_name", None) or cls.__name__


def lookup(class_name: str, registered_name: str | None, custom_objects: dict | None, where: str) -> type:
    """The class a config names: custom_objects first, then the registry, then the built-ins."""
    custom = custom_objects or {}
    for key in (registered_name, class_name):
        if key and key in custom:
            return custom[key]
    for key in (registered_name, class_name):
        if key and key in REGISTERED:
            return REGISTERED[key]
    if class_name in BUILTINS:
        return BUILTINS[class_name]
    raise TypeError(
        f"Could not locate class '{class_name}' ({where}). Make sure custom classes are decorated with "
        "`@keras.saving.register_keras_serializable()` or passed in `custom_objects`."
    )


# ----------------------------------------------------------------------------- values to configs
def to_config_value(value: Any) -> Any:
    """A constructor argument as Keras writes it: tuples as lists, initializers and regularizers as
    serialized objects, plain values as they are."""
    if isinstance(value, (tuple, list)):
        return [to_config_value(v) for v in value]
    if isinstance(value, initializers.Initializer):
        params = inspect.signature(type(value).__init__).parameters
        config = {k: getattr(value, k) for k in params if k != "self" and hasattr(value, k)}
        return {
            "module": "keras.initializers",
            "class_name": type(value).__name__,
            "config": config,
            "registered_name": None,
        }
    if isinstance(value, regularizers.Regularizer):
        name = "L1L2" if value.l1 and value.l2 else ("L1" if value.l1 else "L2")  # Keras' classes
        config = {"l1": value.l1, "l2": value.l2} if name == "L1L2" else {name.lower(): getattr(value, name.lower())}
        return {"module": "keras.regularizers", "class_name": name, "config": config, "registered_name": None}
    return value


# ----------------------------------------------------------------------------- configs to values
def from_config_value(key: str, value: Any) -> Any:
    """A config value as this door's constructors take it (see `to_config_value`)."""
    if isinstance(value, dict) and value.get("class_name") == "__tuple__":
        return tuple(from_config_value(key, v) for v in value["config"]["value"])
    if isinstance(value, dict) and "class_name" in value:
        config = value.get("config") or {}
        if key == "dtype" or value["class_name"] in ("DTypePolicy", "FloatDTypePolicy"):
            return config.get("name", "float32")
        if key.endswith("_regularizer") or "regularizers" in str(value.get("module")):
            return regularizers.Regularizer(l1=config.get("l1", 0.0), l2=config.get("l2", 0.0))
        if key.endswith("_initializer") or "initializers" in str(value.get("module")):
            return _initializer(value["class_name"], config)
    if isinstance(value, list):
        return tuple(from_config_value(key, v) for v in value)
    return value


def _initializer(class_name: str, config: dict) -> Any:
    """Keras' initializer config as a name (defaults) or an instance of ours with its arguments."""
    cls = getattr(initializers, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, initializers.Initializer)):
        raise ValueError(f"Unknown initializer {class_name!r} in the config")
    params = set(inspect.signature(cls.__init__).parameters) - {"self"}
    ignored = {"seed": None, "input_axes": None, "output_axes": None, "gain": 1.0}
    extra = {k: v for k, v in config.items() if k not in params and ignored.get(k, object()) != v}
    if extra:
        raise ValueError(f"Initializer {class_name}: arguments {extra} are not supported")
    return cls(**{k: v for k, v in config.items() if k in params})


def is_neutral(key: str, value: Any) -> bool:
    """Whether a Keras argument this door does not take is at the value where it changes nothing."""
    if key not in NEUTRAL:
        return False
    if key == "dilation_rate":
        return all(d == 1 for d in (value if isinstance(value, (list, tuple)) else [value]))
    if isinstance(value, initializers.Initializer):
        return type(value).__name__.lower() == NEUTRAL[key]
    return value == NEUTRAL[key]


def constructor_kwargs(cls: type, config: dict, label: str) -> dict:
    """The config as keyword arguments of ``cls``: values converted, Keras-only arguments at their
    neutral value (or None: not given) dropped; a Keras-only argument at another value is a
    ValueError naming the layer."""
    accepted: set[str] = set()
    for klass in cls.__mro__:
        if "__init__" in vars(klass):
            accepted |= set(inspect.signature(vars(klass)["__init__"]).parameters)
    accepted |= {"name", "trainable", "dtype", "input_shape", "input_dim", "batch_size"}
    kwargs = {}
    for key, raw in config.items():
        value = from_config_value(key, raw)
        if key in accepted or (key not in NEUTRAL and raw is not None):
            kwargs[key] = value  # an argument that no Keras layer has: the constructor names it
        elif raw is not None and not is_neutral(key, value):
            raise ValueError(f"Layer {label!r} ({cls.__name__}): {key}={raw!r} is not supported by this Keras door")
    return kwargs
