"""Neural-network building blocks.

- `Module`: the base of every model (parameters, state_dict, zero_grad, train/eval); `Parameter`;
  `ModuleList`.
- micrograd style, over scalar Values: `Neuron`, `Layer`, `MLP`.
- PyTorch style, over Tensors: `Linear`, `Conv2d`, pools, `RNN`, `BatchNorm1d`, `Dropout`,
  activations, `Sequential`; `tinygrad_edu.nn.functional` for losses; `tinygrad_edu.nn.init`.
- Loss modules, as ``torch.nn``: `MSELoss`, `L1Loss`, `CrossEntropyLoss`, `NLLLoss`, `BCELoss`,
  `BCEWithLogitsLoss`, `KLDivLoss`, `HuberLoss`, `SmoothL1Loss`.
"""

from . import functional, init, utils
from .conv import AvgPool2d, Conv2d, GlobalAvgPool2d, MaxPool2d
from .layers import (
    BatchNorm1d,
    BatchNorm2d,
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
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module, ModuleList
from .parameter import Parameter
from .recurrent import RNN, RNNCell
from .scalar import MLP, Layer, Neuron

__all__ = [
    "MLP",
    "RNN",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "GlobalAvgPool2d",
    "HuberLoss",
    "Identity",
    "KLDivLoss",
    "L1Loss",
    "Layer",
    "LeakyReLU",
    "Linear",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleList",
    "NLLLoss",
    "Neuron",
    "Parameter",
    "RNNCell",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Tanh",
    "functional",
    "init",
    "utils",
]
