"""Keras layers over the tensor engine: Keras' names, arguments, defaults and channels-last layout.

- `core`: the `Layer` base (build, call, add_weight, the training flag, symbolic calls), `Input`;
- `basic`: Dense, Embedding, Activation, Dropout, Flatten, Reshape, BatchNormalization;
- `convolutional`: Conv2D, the pools, UpSampling2D;
- `conv_variants`: Conv1D, Conv2DTranspose;
- `recurrent`: SimpleRNN, LSTM, GRU;
- `merge`: Concatenate, Add, Average and their functions;
- `serialize`: layers as Keras' serialized objects and back (`serialize`, `deserialize`).
"""

from .. import serialization as _serialization
from .basic import Activation, BatchNormalization, Dense, Dropout, Embedding, Flatten, Reshape
from .conv_variants import Conv1D, Conv2DTranspose
from .convolutional import (
    AveragePooling2D,
    Conv2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling2D,
    UpSampling2D,
    same_padding,
)
from .core import Input, InputLayer, KerasTensor, Layer, Variable, Weight, count_weights
from .merge import Add, Average, Concatenate, add, average, concatenate
from .recurrent import GRU, LSTM, SimpleRNN
from .serialize import deserialize, serialize

_serialization.BUILTINS.update(
    {name: cls for name, cls in list(globals().items()) if isinstance(cls, type) and issubclass(cls, Layer)}
)

__all__ = [
    "GRU",
    "LSTM",
    "Activation",
    "Add",
    "Average",
    "AveragePooling2D",
    "BatchNormalization",
    "Concatenate",
    "Conv1D",
    "Conv2D",
    "Conv2DTranspose",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "Input",
    "InputLayer",
    "KerasTensor",
    "Layer",
    "MaxPooling2D",
    "Reshape",
    "SimpleRNN",
    "UpSampling2D",
    "Variable",
    "Weight",
    "add",
    "average",
    "concatenate",
    "count_weights",
    "deserialize",
    "same_padding",
    "serialize",
]
