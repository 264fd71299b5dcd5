"""Neural-network building blocks: the `Module` base and the scalar `Neuron`, `Layer`, `MLP`."""

from .module import Module
from .scalar import MLP, Layer, Neuron

__all__ = ["MLP", "Layer", "Module", "Neuron"]
