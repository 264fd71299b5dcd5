"""Keras' models: `Model` (functional and subclassed) and `Sequential`, with the training loop of
`training`, the configs of `config`, `cloning`'s clone_model, the weights files of `weights_file`
and the ``.keras`` files of `keras_file`."""

from __future__ import annotations

import json

from .. import serialization
from .cloning import clone_model
from .config import deserialize_layer
from .keras_file import load_model, save_model
from .model import Model
from .sequential import Sequential

serialization.BUILTINS.update({"Functional": Model, "Model": Model, "Sequential": Sequential})


def model_from_json(json_string: str, custom_objects: dict | None = None) -> Model:
    """A new model from ``model.to_json()``'s text (ours or real Keras 3's); fresh weights."""
    return deserialize_layer(json.loads(json_string), custom_objects)


__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]
