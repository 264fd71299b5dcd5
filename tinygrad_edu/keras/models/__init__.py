"""Keras' models: `Model` (functional and subclassed) and `Sequential`, with the training loop of
`training`, the configs of `config`, the weights files of `weights_file` and the ``.keras`` files
of `keras_file`."""

from __future__ import annotations

import json
from typing import Any

from .. import serialization
from .config import deserialize_layer, serialize_layer
from .keras_file import load_model, save_model
from .model import Model
from .sequential import Sequential

serialization.BUILTINS.update({"Functional": Model, "Model": Model, "Sequential": Sequential})


def model_from_json(json_string: str, custom_objects: dict | None = None) -> Model:
    """A new model from ``model.to_json()``'s text (ours or real Keras 3's); fresh weights."""
    return deserialize_layer(json.loads(json_string), custom_objects)


def clone_model(model: Model, custom_objects: dict | None = None) -> Any:
    """A new model of the same architecture with newly drawn weights (Keras' ``clone_model``); the
    layers are new objects, so nothing is shared with ``model``."""
    return deserialize_layer(serialize_layer(model), custom_objects)


__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]
