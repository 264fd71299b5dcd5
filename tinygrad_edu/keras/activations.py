"""``keras.activations``: Keras 3's activation functions, to call on tensors or to give to a layer.

Each takes a Tensor, a numpy array or a number (`ops.convert_to_tensor`) and returns a Tensor, with
the engine's gradients. ``Dense(64, activation=keras.activations.relu)`` is the same layer as
``activation="relu"``: the layer keeps the name (its config says ``"relu"``, as Keras'), so a model
saved with one loads as the other. `get`, `serialize` and `deserialize` turn names into functions and
back, as Keras'. The functions are the activations the layers take by name:

    linear(x) = x
    relu(x)   = max(x, 0); with Keras' options: x for x > threshold, else 0, clipped at max_value,
                minus negative_slope·max(threshold − x, 0)
    leaky_relu(x) = x for x > 0, else negative_slope·x (Keras' default slope 0.2; PyTorch's is 0.01)
    sigmoid(x) = 1/(1 + e^{−x}),   tanh(x),   softmax(x)_i = e^{x_i − m}/Σ_j e^{x_j − m}, m = max_j x_j

>>> import numpy as np
>>> relu(np.array([-2.0, 0.5, 3.0])).numpy()
array([0. , 0.5, 3. ])
>>> relu(np.array([-2.0, 0.5, 3.0]), negative_slope=0.1, threshold=1.0).numpy()
array([-0.3 , -0.05,  3.  ])
>>> serialize(get("leaky_relu")), get(None) is linear
('leaky_relu', True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..tensor import Tensor
from .ops import convert_to_tensor, sigmoid, softmax, tanh  # keras.ops' functions, one place

#: Keras' default negative slope of ``leaky_relu`` (and of ``keras.layers.LeakyReLU``)
LEAKY_RELU_SLOPE = 0.2


def linear(x: Any) -> Tensor:
    """x, unchanged."""
    return convert_to_tensor(x)


def relu(x: Any, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0) -> Tensor:
    """max(x, 0) by default; Keras' options as in the module's formula (its ``ReLU.static_call``)."""
    x = convert_to_tensor(x)
    if negative_slope != 0 and max_value is None and threshold == 0:
        return x.leaky_relu(negative_slope)
    below = (threshold - x).relu() if negative_slope != 0 else None
    out = x * (x > threshold) if threshold != 0 else x.relu()
    if max_value is not None:
        out = out.clamp(0, max_value)
    return out if below is None else out - negative_slope * below


def leaky_relu(x: Any, negative_slope: float = LEAKY_RELU_SLOPE) -> Tensor:
    """x for x > 0, else negative_slope·x."""
    return convert_to_tensor(x).leaky_relu(negative_slope)


#: the functions by their Keras names, the one table `get` and `name_of` read
FUNCTIONS: dict[str, Callable[..., Tensor]] = {
    f.__name__: f for f in (linear, relu, leaky_relu, sigmoid, tanh, softmax)
}


def name_of(function: Any) -> str | None:
    """The Keras name of one of these functions (by identity: any callable may be asked), else None."""
    return next((name for name, f in FUNCTIONS.items() if f is function), None)


def get(identifier: Any) -> Callable[..., Any]:
    """The function for a name (None means ``linear``), or a callable as it is; Keras' ValueError else."""
    if identifier is None:
        return linear
    if isinstance(identifier, str) and identifier in FUNCTIONS:
        return FUNCTIONS[identifier]
    if callable(identifier) and not isinstance(identifier, str):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier}")


def serialize(activation: Callable[..., Any]) -> str:
    """The Keras name of one of these functions (a layer's config holds it)."""
    name = name_of(activation)
    if name is not None:
        return name
    raise ValueError(f"{activation!r} is not one of keras.activations' functions: {sorted(FUNCTIONS)}")


def deserialize(config: Any) -> Callable[..., Any]:
    """The function a serialized name stands for (`get`)."""
    return get(config)
