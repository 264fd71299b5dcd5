"""The Keras front door: ``from tinygrad_edu import keras`` in place of ``import keras``.

The sub-modules mirror the keras package (``keras.models.Sequential``, ``keras.layers.Dense``,
``keras.utils.to_categorical``, ``keras.optimizers.SGD``, ``keras.datasets.mnist``, ...), so a Keras
notebook runs by changing only its import lines, and then every layer can be opened up: each one
is an `nn.Module` over `Tensor`s.
"""

from . import (
    activations,
    backend,
    callbacks,
    config,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    regularizers,
    saving,
    serialization,
    utils,
)
from .layers import Input
from .models import Model, Sequential

__version__ = serialization.KERAS_VERSION  # the Keras 3 release this door follows (tests run beside it)

__all__ = [
    "Input",
    "Model",
    "Sequential",
    "__version__",
    "activations",
    "backend",
    "callbacks",
    "config",
    "datasets",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "regularizers",
    "saving",
    "utils",
]
