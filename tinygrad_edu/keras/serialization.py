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
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from . import initializers, regularizers

KERAS_VERSION = "3.15.1"  # the Keras 3 release whose behaviour and files this door follows
#: built-in classes by Keras class name (filled by keras.layers and keras.models at import)
BUILTINS: dict[str, type] = {}
#: classes and functions registered with `register_keras_serializable`, by "package>name"
#: (``keras.saving.get_custom_objects()`` returns this dict itself, as Keras returns its global one)
REGISTERED: dict[str, Any] = {}
#: the objects of the enclosing `custom_object_scope`s, innermost last
_SCOPE: ContextVar[dict | None] = ContextVar("keras_custom_object_scope", default=None)

#: a layer's sizes that Keras writes as one entry per spatial axis (see `per_axis`)
SIZE_KEYS = ("kernel_size", "strides", "pool_size", "dilation_rate", "size")
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


def get_custom_objects() -> dict[str, Any]:
    """``keras.saving.get_custom_objects()``: the registry itself (clearing it forgets every registration)."""
    return REGISTERED


@contextmanager
def custom_object_scope(objects: dict[str, Any]) -> Iterator[None]:
    """``with keras.saving.custom_object_scope({"Name": cls, ...}):`` configs read inside may name
    these classes and functions (as if passed to every ``custom_objects`` argument)."""
    token = _SCOPE.set({**(_SCOPE.get() or {}), **(objects or {})})
    try:
        yield
    finally:
        _SCOPE.reset(token)


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable[[Any], Any]:
    """``@keras.saving.register_keras_serializable()`` on a class or function: configs may name it
    as ``"package>name"`` (name: its own), so `load_model` finds it without custom_objects."""

    def decorate(cls: Any) -> Any:
        key = f"{package}>{name or cls.__name__}"
        if key in REGISTERED and REGISTERED[key] is not cls:
            raise ValueError(f"{key} has already been registered to {REGISTERED[key]}")
        REGISTERED[key] = cls
        cls._registered_name = key
        return cls

    return decorate


def get_registered_name(cls: Any) -> str:
    return getattr(cls, "_registered_name", None) or cls.__name__


def lookup(class_name: str, registered_name: str | None, custom_objects: dict | None, where: str) -> Any:
    """The class a config names: custom_objects first, then the enclosing custom_object_scope,
    then the registry, then the built-ins."""
    custom = {**(_SCOPE.get() or {}), **(custom_objects or {})}
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
    """A constructor argument as Keras writes it: tuples as lists; initializers, regularizers and
    functions as serialized objects (a function by its registered name, or its own); plain values
    as they are."""
    if isinstance(value, (tuple, list)):
        return [to_config_value(v) for v in value]
    if isinstance(value, (initializers.Initializer, regularizers.Regularizer)):
        cls = type(value)
        builtin = getattr(initializers, cls.__name__, None) is cls or regularizers.CLASSES.get(cls.__name__) is cls
        module = "keras.initializers" if isinstance(value, initializers.Initializer) else "keras.regularizers"
        return {
            "module": module if builtin else None,
            "class_name": cls.__name__,
            "config": value.get_config(),
            "registered_name": None if builtin else get_registered_name(cls),
        }
    if isinstance(value, types.FunctionType):
        name = get_registered_name(value)
        return {"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"}
    return value


def config_entry(key: str, value: Any) -> Any:
    """A layer's ``get_config()`` value as Keras 3 writes it: the dtype as a ``DTypePolicy``, an
    initializer or regularizer given by name as the serialized object (``"glorot_uniform"`` →
    ``{"class_name": "GlorotUniform", …}``), anything else as `to_config_value`."""
    if key == "dtype":
        policy = {"name": value or "float32"}
        return {"module": "keras", "class_name": "DTypePolicy", "config": policy, "registered_name": None}
    if key.endswith("_initializer") and isinstance(value, str):
        value = initializers.get(value)
    elif key.endswith("_regularizer") and isinstance(value, str):
        value = regularizers.get(value)
    return to_config_value(value)


# ----------------------------------------------------------------------------- configs to values
def from_config_value(key: str, value: Any) -> Any:
    """A config value as this door's constructors take it (see `to_config_value`)."""
    if isinstance(value, dict) and value.get("class_name") == "__tuple__":
        return tuple(from_config_value(key, v) for v in value["config"]["value"])
    if isinstance(value, dict) and "class_name" in value:
        config: Any = value.get("config") or {}
        if key == "dtype" or value["class_name"] in ("DTypePolicy", "FloatDTypePolicy"):
            return config.get("name", "float32")
        if value["class_name"] == "function":
            return lookup(str(config).split(">")[-1], str(config), None, f"function of {key!r}")
        if value["class_name"] in regularizers.CLASSES and (
            key.endswith("_regularizer") or "regularizers" in str(value.get("module"))
        ):
            return regularizers.get(value)
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


def per_axis(config: dict, rank: int) -> dict:
    """Keras' sizes of a convolution or pool written per spatial axis: ``kernel_size=3`` is (3, 3)."""
    for key in SIZE_KEYS:
        if isinstance(config.get(key), int):
            config[key] = (config[key],) * rank
        elif isinstance(config.get(key), list):
            config[key] = tuple(config[key])
    return config


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
