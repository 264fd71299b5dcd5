"""Weight initialisers, as ``torch.nn.init``: each fills a Tensor (or numpy array) in place.

Fans follow the textbooks (and PyTorch): for a weight of shape (out, in), fan_in = in and
fan_out = out; for a convolution kernel (out, in, kh, kw) both are multiplied by the receptive
field kh·kw. The scale of each scheme keeps the variance of activations (forward) or gradients
(backward) roughly constant from layer to layer:

| scheme | distribution | source |
|---|---|---|
| Xavier/Glorot uniform | U(−a, a), a = gain·√(6/(fan_in + fan_out)) | Glorot & Bengio, 2010 |
| Xavier/Glorot normal | N(0, σ²), σ = gain·√(2/(fan_in + fan_out)) | Glorot & Bengio, 2010 |
| He/Kaiming uniform | U(−a, a), a = gain·√(3/fan) | He et al., 2015 |
| He/Kaiming normal | N(0, σ²), σ = gain/√fan | He et al., 2015 |
| LeCun uniform / normal | as Kaiming with gain 1 and fan = fan_in | LeCun et al., 1998 |

with He's gain √(2/(1 + a²)) for a leaky ReLU of negative slope a (√2 for ReLU).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import random


def _array(x: Any) -> np.ndarray:
    return x._data if hasattr(x, "requires_grad") else x


def _fill(x: Any, values: npt.ArrayLike) -> Any:
    arr = _array(x)
    arr[...] = values
    return x


def calculate_fan_in_and_fan_out(x: Any) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel); a 1-D weight has fan_in = fan_out = size."""
    shape = _array(x).shape
    if len(shape) < 1:
        raise ValueError("init: fan in and fan out need a tensor with at least one dimension")
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[2:], dtype=np.int64))
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table): 1 for linear/sigmoid, 5/3 for
    tanh, √2 for relu, √(2/(1 + a²)) for leaky_relu with slope a (0.01 by default)."""
    if nonlinearity in ("linear", "identity", "sigmoid", "conv2d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        a = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + a**2))
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


def _fan(x: Any, mode: str) -> int:
    fan_in, fan_out = calculate_fan_in_and_fan_out(x)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    return fan_in if mode == "fan_in" else fan_out


def zeros_(x: Any) -> Any:
    return _fill(x, 0.0)


def ones_(x: Any) -> Any:
    return _fill(x, 1.0)


def constant_(x: Any, val: float) -> Any:
    return _fill(x, val)


def uniform_(x: Any, a: float = 0.0, b: float = 1.0, generator: random.Generator | None = None) -> Any:
    """U(a, b), PyTorch's numbers for the same seed (`tinygrad_edu.random.uniform_`)."""
    random.uniform_(_array(x), a, b, generator)
    return x


def normal_(x: Any, mean: float = 0.0, std: float = 1.0, generator: random.Generator | None = None) -> Any:
    """N(mean, std²), PyTorch's numbers for the same seed (`tinygrad_edu.random.normal_`)."""
    random.normal_(_array(x), mean, std, generator)
    return x


def default_uniform_(x: Any, fan_in: int | None = None, generator: random.Generator | None = None) -> Any:
    """U(−1/√fan_in, 1/√fan_in): PyTorch's default for the weights and biases of `Linear`, `Conv2d`
    and the recurrent layers. A weight (``fan_in`` None, read from its shape) goes through
    ``kaiming_uniform_(a=√5)`` as PyTorch's ``reset_parameters`` does: √(2/(1 + 5))·√(3/fan_in) =
    1/√fan_in, in PyTorch's order of float64 operations, so the bound (and every number) is PyTorch's;
    a bias takes its weight's ``fan_in`` and the bound 1/√fan_in.

    >>> w = default_uniform_(np.empty((2, 4)))
    >>> bool(np.all(np.abs(w) <= 0.5))                # 1/√4
    True
    """
    if fan_in is None:
        return kaiming_uniform_(x, a=math.sqrt(5), generator=generator)
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0  # a layer with no inputs (PyTorch builds it too)
    return uniform_(x, -bound, bound, generator)


def xavier_uniform_(x: Any, gain: float = 1.0, generator: random.Generator | None = None) -> Any:
    fan_in, fan_out = calculate_fan_in_and_fan_out(x)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(x, -a, a, generator)


def xavier_normal_(x: Any, gain: float = 1.0, generator: random.Generator | None = None) -> Any:
    fan_in, fan_out = calculate_fan_in_and_fan_out(x)
    return normal_(x, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(
    x: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: random.Generator | None = None,
) -> Any:
    """U(−bound, bound), bound = √3 · gain/√fan (PyTorch's order of operations)."""
    std = _kaiming_std(x, a, mode, nonlinearity)
    if std is None:
        return x
    bound = math.sqrt(3.0) * std
    return uniform_(x, -bound, bound, generator)


def kaiming_normal_(
    x: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: random.Generator | None = None,
) -> Any:
    """N(0, σ²), σ = gain/√fan."""
    std = _kaiming_std(x, a, mode, nonlinearity)
    return x if std is None else normal_(x, 0.0, std, generator)


def _kaiming_std(x: Any, a: float, mode: str, nonlinearity: str) -> float | None:
    """gain/√fan for the kaiming initialisers, or None for a weight with no inputs (PyTorch warns and
    leaves it as it is)."""
    fan = _fan(x, mode)
    return None if fan == 0 else calculate_gain(nonlinearity, a) / math.sqrt(fan)


def lecun_uniform_(x: Any, generator: random.Generator | None = None) -> Any:
    """U(−√(3/fan_in), √(3/fan_in)): variance 1/fan_in."""
    fan = _fan(x, "fan_in")
    if fan == 0:
        return x  # a weight with no inputs has no elements: nothing to draw (as `kaiming_uniform_`)
    return uniform_(x, -math.sqrt(3.0 / fan), math.sqrt(3.0 / fan), generator)


def lecun_normal_(x: Any, generator: random.Generator | None = None) -> Any:
    """N(0, 1/fan_in)."""
    fan = _fan(x, "fan_in")
    if fan == 0:
        return x  # a weight with no inputs has no elements: nothing to draw (as `kaiming_normal_`)
    return normal_(x, 0.0, 1.0 / math.sqrt(fan), generator)


# Short names, as Keras and the textbooks spell them.
glorot_uniform_ = xavier_uniform_
glorot_normal_ = xavier_normal_
he_uniform_ = kaiming_uniform_
he_normal_ = kaiming_normal_
