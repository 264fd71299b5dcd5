"""The Keras front door: ``from tinygrad_edu import keras`` in place of ``import keras``.

The sub-modules mirror the keras package (``keras.models.Sequential``, ``keras.layers.Dense``,
``keras.utils.to_categorical``, ``keras.optimizers.SGD``, ``keras.datasets.mnist``, ...), so a Keras
notebook runs by changing only its import lines, and then every layer can be opened up: each one
is an `nn.Module` over `Tensor`s.
"""

from . import callbacks, datasets, initializers, layers, losses, models, optimizers, regularizers, utils
from .layers import Input
from .models import Sequential

__all__ = [
    "Input",
    "Sequential",
    "callbacks",
    "datasets",
    "initializers",
    "layers",
    "losses",
    "models",
    "optimizers",
    "regularizers",
    "utils",
]
