"""Neural-network building blocks.

- `Module`: the base of every model (parameters, zero_grad, train/eval).
- micrograd style, over scalar Values: `Neuron`, `Layer`, `MLP`.
- PyTorch style, over Tensors: `Linear`, `ReLU`, `Sigmoid`, `Tanh`, `Sequential`, and
  `tinygrad_edu.nn.functional` for losses.
"""

from . import functional
from .layers import Linear, ReLU, Sequential, Sigmoid, Tanh
from .module import Module
from .scalar import MLP, Layer, Neuron

__all__ = ["MLP", "Layer", "Linear", "Module", "Neuron", "ReLU", "Sequential", "Sigmoid", "Tanh", "functional"]
