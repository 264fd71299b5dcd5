"""Keras' models: `Model` (functional and subclassed) and `Sequential`, with the training loop of
`training` and the weights files of `weights_file`."""

from .model import Model
from .sequential import Sequential

__all__ = ["Model", "Sequential"]
