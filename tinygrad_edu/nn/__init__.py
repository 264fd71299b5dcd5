"""Neural-network building blocks.

- `Module`: the base of every model (parameters, state_dict, zero_grad, train/eval).
- micrograd style, over scalar Values: `Neuron`, `Layer`, `MLP`.
- PyTorch style, over Tensors: `Linear`, `Conv2d`, pools, `RNN`, `BatchNorm1d`, `Dropout`,
  activations, `Sequential`; `tinygrad_edu.nn.functional` for losses; `tinygrad_edu.nn.init`.
"""

from . import functional, init
from .conv import AvgPool2d, Conv2d, GlobalAvgPool2d, MaxPool2d
from .layers import (
    BatchNorm1d,
    Dropout,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from .module import Module
from .recurrent import RNN, RNNCell
from .scalar import MLP, Layer, Neuron

__all__ = [
    "MLP",
    "RNN",
    "AvgPool2d",
    "BatchNorm1d",
    "Conv2d",
    "Dropout",
    "Flatten",
    "GlobalAvgPool2d",
    "Identity",
    "Layer",
    "LeakyReLU",
    "Linear",
    "MaxPool2d",
    "Module",
    "Neuron",
    "RNNCell",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "functional",
    "init",
]
