"""Layers as Keras 3's serialized objects and back: ``{"module", "class_name", "config",
"registered_name", "build_config"}`` (``keras.layers.serialize``/``deserialize``), the values in a
config serialized in turn (a layer held in a custom layer's config, initializers, regularizers,
functions), as Keras' ``serialize_keras_object`` does.
"""

from __future__ import annotations

import inspect
from typing import Any

from .. import serialization
from .core import InputLayer, Layer

FUNCTIONAL_MODULE = "keras.src.models.functional"


def class_names(layer: Layer) -> tuple[str | None, str, str | None]:
    """(module, class_name, registered_name) as Keras writes them for ``layer``: a class of
    Keras' own under "keras.layers" (or "keras"), any other under its module (None for ``__main__``)."""
    cls = type(layer)
    if getattr(layer, "graph", None) is not None and layer.type_name == "Functional":
        return FUNCTIONAL_MODULE, "Functional", "Functional"
    if serialization.BUILTINS.get(cls.__name__) is cls:
        return ("keras" if cls.__name__ == "Sequential" else "keras.layers"), cls.__name__, None
    module = None if cls.__module__ == "__main__" else cls.__module__  # Keras' "no module found"
    return module, cls.__name__, serialization.get_registered_name(cls)


def serialize_value(value: Any) -> Any:
    """A config value as Keras serializes it: layers as `serialize_layer`, lists and dicts item by
    item, everything else as `serialization.to_config_value`."""
    if isinstance(value, Layer):
        return serialize_layer(value)
    if isinstance(value, (list, tuple)):
        return [serialize_value(v) for v in value]
    if isinstance(value, dict):
        return {k: serialize_value(v) for k, v in value.items()}
    return serialization.to_config_value(value)


def serialize_layer(layer: Layer) -> dict:
    """``keras.layers.serialize``: the layer's class names, its config (values serialized) and,
    once built outside a functional graph, the shape it was built for."""
    module, class_name, registered = class_names(layer)
    config = layer.get_config()
    if not isinstance(config, dict):
        raise TypeError(f"The `get_config()` method of {layer!r} should return a dict. It returned: {config!r}")
    entry = {"module": module, "class_name": class_name, "config": serialize_value(config)}
    entry["registered_name"] = registered
    if not isinstance(layer, InputLayer) and layer.build_shape is not None and getattr(layer, "graph", None) is None:
        entry["build_config"] = {"input_shape": serialization.to_config_value(layer.build_shape)}
    return entry


def deserialize_layer(entry: dict, custom_objects: dict | None = None) -> Layer:
    """``keras.layers.deserialize``: a new layer (or model) from `serialize_layer`'s dict, classes
    looked up in ``custom_objects``, the `serialization.custom_object_scope`, the registered and the
    built-in ones; TypeError naming the class when it is none of them."""
    if not isinstance(entry, dict) or "class_name" not in entry or not isinstance(entry.get("config"), dict):
        raise ValueError(f"A layer config must be a dict with 'class_name' and 'config', got {entry!r:.200}")
    config = dict(entry["config"])
    where = f"layer {config.get('name', '?')!r}"
    with serialization.custom_object_scope(custom_objects or {}):
        cls = serialization.lookup(entry["class_name"], entry.get("registered_name"), None, where)
        if "custom_objects" in inspect.signature(cls.from_config).parameters:  # models: their layers' classes
            return cls.from_config(config, custom_objects=custom_objects)
        layer = cls.from_config(config)
    if not isinstance(layer, Layer):
        raise TypeError(f"{entry['class_name']} ({where}) is not a Keras layer")
    return layer


serialize, deserialize = serialize_layer, deserialize_layer  # Keras' names in keras.layers
