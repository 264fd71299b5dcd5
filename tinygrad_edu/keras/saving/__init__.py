"""``keras.saving``: ``.keras`` files (`load_model`, `save_model`) and custom objects
(`register_keras_serializable`, `get_registered_object`, `serialize_keras_object`,
`deserialize_keras_object` for layers and models)."""

from __future__ import annotations

from typing import Any

from ..models import load_model, save_model
from ..models.config import deserialize_layer, serialize_layer
from ..serialization import REGISTERED, register_keras_serializable


def get_registered_object(name: str, custom_objects: dict | None = None) -> Any:
    """The class registered (or given in ``custom_objects``) as ``name``, or None."""
    return (custom_objects or {}).get(name) or REGISTERED.get(name)


def serialize_keras_object(obj: Any) -> dict:
    """A layer or model as Keras' ``{"module", "class_name", "config", "registered_name"}``."""
    return serialize_layer(obj)


def deserialize_keras_object(config: dict, custom_objects: dict | None = None) -> Any:
    return deserialize_layer(config, custom_objects)


__all__ = [
    "deserialize_keras_object",
    "get_registered_object",
    "load_model",
    "register_keras_serializable",
    "save_model",
    "serialize_keras_object",
]
