"""``keras.saving``: ``.keras`` files (`load_model`, `save_model`) and custom objects
(`register_keras_serializable`, `get_custom_objects`, `custom_object_scope`, `get_registered_object`,
`serialize_keras_object`, `deserialize_keras_object` for layers, models, initializers, regularizers
and functions)."""

from __future__ import annotations

from typing import Any

from .. import regularizers
from ..layers.serialize import deserialize_layer, serialize_value
from ..models import load_model, save_model
from ..serialization import (
    REGISTERED,
    custom_object_scope,
    from_config_value,
    get_custom_objects,
    register_keras_serializable,
)

CustomObjectScope = custom_object_scope  # Keras' other name for it


def get_registered_object(name: str, custom_objects: dict | None = None) -> Any:
    """The class registered (or given in ``custom_objects``) as ``name``, or None."""
    return (custom_objects or {}).get(name) or REGISTERED.get(name)


def serialize_keras_object(obj: Any) -> Any:
    """``obj`` as Keras' ``{"module", "class_name", "config", "registered_name"}`` (layers and
    models with their build config); plain values (numbers, strings, None) as they are."""
    return serialize_value(obj)


def deserialize_keras_object(config: Any, custom_objects: dict | None = None) -> Any:
    """The object `serialize_keras_object` describes: an initializer, regularizer or function by its
    module, anything else as a layer or model (`keras.layers.deserialize`)."""
    if not isinstance(config, dict):
        return config
    module = str(config.get("module"))
    with custom_object_scope(custom_objects or {}):
        if config.get("class_name") == "function":
            return from_config_value("function", config)
        if module == "keras.regularizers":
            return regularizers.get(config)
        if module == "keras.initializers":
            return from_config_value("initializer", config)
    return deserialize_layer(config, custom_objects)


__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_object",
    "load_model",
    "register_keras_serializable",
    "save_model",
    "serialize_keras_object",
]
